// The VS Code client of `ruling lsp`: starts the server over standard input and output for
// `.rule` files and for the case files the server runs (JSON, YAML, TOML under the case
// directories). Plain JavaScript, so the extension needs no build step.
'use strict';

const vscode = require('vscode');
const { LanguageClient, TransportKind } = require('vscode-languageclient/node');

let client;

function settings() {
  const config = vscode.workspace.getConfiguration('ruling');
  return {
    command: config.get('server.path') || 'ruling',
    options: {
      rules: config.get('rules') || '',
      cases: config.get('cases') || [],
      keywords: config.get('format.keywords') || 'en',
    },
  };
}

async function start() {
  const { command, options } = settings();
  const serverOptions = {
    command,
    args: ['lsp'],
    transport: TransportKind.stdio,
  };
  const clientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'ruling' },
      // Case files: run on save, with a code lens; the server ignores those outside its case directories.
      { scheme: 'file', pattern: '**/cases/**/*.{json,yaml,yml,toml}' },
    ],
    initializationOptions: options,
    synchronize: {
      // Rule files changed by another program (a checkout) are loaded again.
      fileEvents: vscode.workspace.createFileSystemWatcher('**/*.rule'),
    },
  };
  client = new LanguageClient('ruling', 'ruling', serverOptions, clientOptions);
  await client.start();
}

async function activate(context) {
  context.subscriptions.push(
    vscode.commands.registerCommand('ruling.restartServer', async () => {
      if (client) {
        await client.stop();
      }
      await start();
    }),
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (event.affectsConfiguration('ruling') && client) {
        await client.stop();
        await start();
      }
    }),
  );
  try {
    await start();
  } catch (error) {
    vscode.window.showErrorMessage(
      `ruling: cannot start \`${settings().command} lsp\` (${error.message}). ` +
        'Install ruling (cargo install --path .) or set ruling.server.path.',
    );
  }
}

async function deactivate() {
  if (client) {
    await client.stop();
  }
}

module.exports = { activate, deactivate };
