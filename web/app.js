// The ruling web page: a case form generated from the rule set's case schema and catalog, the
// results of /v1/evaluate and /v1/memo, a law browser and "what if". No framework, no build step;
// every text from the server or the user is set with textContent (never parsed as HTML).
"use strict";

const state = { schema: null, catalog: null, last: null, lastRequest: null };

// ---- small helpers ---------------------------------------------------------------------------

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("data-")) node.setAttribute(key, value);
    else node[key] = value;
  }
  for (const child of children) {
    if (child !== null && child !== undefined) node.append(child);
  }
  return node;
}

function $(id) { return document.getElementById(id); }

function status(message, isError) {
  $("status").textContent = message;
  $("status").className = isError ? "error" : "";
}

async function api(path, body, accept) {
  const headers = {};
  const token = $("token").value.trim();
  if (token) headers["Authorization"] = "Bearer " + token;
  const init = { headers };
  if (body !== undefined) {
    init.method = "POST";
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  const text = await response.text();
  if (!response.ok) {
    let problem = text;
    try {
      const error = JSON.parse(text).error;
      problem = `${error.code}${error.path ? " at " + error.path : ""}: ${error.message}`;
    } catch (_) { /* not JSON: show as is */ }
    throw new Error(`${response.status} ${problem}`);
  }
  return accept === "text" ? text : JSON.parse(text);
}

// ---- the form --------------------------------------------------------------------------------

// A fact's schema without its `null` alternative.
function baseSchema(schema) {
  if (schema.anyOf) return schema.anyOf.find((s) => s.type !== "null") || {};
  if (Array.isArray(schema.type)) {
    const types = schema.type.filter((t) => t !== "null");
    return Object.assign({}, schema, { type: types.length === 1 ? types[0] : types });
  }
  return schema;
}

function isType(schema, type) {
  return schema.type === type || (Array.isArray(schema.type) && schema.type.includes(type));
}

// What to type for a value written as text (the schema's patterns, in words).
function formatHint(schema) {
  const about = `${schema.description || ""} ${schema.pattern || ""}`;
  if (about.includes("amount in 元")) return "金额（元），如 200000 或 1234.50";
  if (about.includes("percentage")) return "百分比，如 5%";
  if (about.includes("decimal")) return "数值，如 2.5";
  if (about.includes("years?")) return "期间，如 2年、6个月、30日";
  return "";
}

// An input for one value; `read()` gives its JSON value, or undefined when left empty (unknown).
function valueInput(schema, name) {
  const base = baseSchema(schema);
  if (base.oneOf || base.enum) {
    const select = el("select", { name });
    select.append(el("option", { value: "", text: "（未知）" }));
    for (const option of base.oneOf || base.enum.map((v) => ({ const: v }))) {
      select.append(el("option", { value: option.const, text: option.title ? `${option.title}（${option.const}）` : option.const }));
    }
    return { node: select, read: () => (select.value === "" ? undefined : select.value), write: (v) => { select.value = v ?? ""; } };
  }
  if (isType(base, "boolean")) {
    const select = el("select", { name });
    for (const [value, text] of [["", "（未知）"], ["true", "是"], ["false", "否"]]) select.append(el("option", { value, text }));
    return { node: select, read: () => (select.value === "" ? undefined : select.value === "true"), write: (v) => { select.value = v === undefined || v === null ? "" : String(v); } };
  }
  if (base.type === "array") return listInput(base.items || {}, name);
  const input = el("input", { name, type: "text" });
  if (base.format === "date") input.type = "date";
  else if (base.type === "integer") { input.type = "number"; input.step = "1"; if (base.minimum !== undefined) input.min = base.minimum; }
  else input.placeholder = formatHint(base);
  const numeric = base.type === "integer";
  return {
    node: input,
    read: () => {
      const text = input.value.trim();
      if (text === "") return undefined;
      return numeric && /^-?\d+$/.test(text) ? Number(text) : text;
    },
    write: (v) => { input.value = v === undefined || v === null ? "" : String(v); },
  };
}

// A list: of records, a table with a row per record; of plain values, one per line.
function listInput(items, name) {
  if (items.type === "object") return recordsInput(items, name);
  const area = el("textarea", { name, rows: 2, placeholder: "每行一个值" });
  const item = valueInput(items, name);
  return {
    node: area,
    read: () => {
      const lines = area.value.split("\n").map((s) => s.trim()).filter((s) => s !== "");
      if (lines.length === 0) return undefined;
      return lines.map((line) => { item.write(line); return item.read(); });
    },
    write: (v) => { area.value = Array.isArray(v) ? v.join("\n") : ""; },
  };
}

function recordsInput(schema, name) {
  const fields = Object.entries(schema.properties || {});
  const body = el("tbody");
  const rows = [];
  const table = el("table", { class: "records" },
    el("thead", {}, el("tr", {}, ...fields.map(([field, s]) => el("th", { text: s.description || field, title: field })), el("th"))),
    body);
  const add = (record) => {
    const inputs = fields.map(([field, s]) => [field, valueInput(s, `${name}.${field}`)]);
    const row = { inputs };
    const remove = el("button", { type: "button", text: "删除" });
    const tr = el("tr", {}, ...inputs.map(([, input]) => el("td", {}, input.node)), el("td", {}, remove));
    remove.addEventListener("click", () => { tr.remove(); rows.splice(rows.indexOf(row), 1); });
    rows.push(row);
    body.append(tr);
    for (const [field, input] of inputs) input.write(record ? record[field] : undefined);
  };
  const addButton = el("button", { type: "button", text: "添加一行", "data-add": name });
  addButton.addEventListener("click", () => add());
  return {
    node: el("div", {}, table, addButton),
    read: () => {
      if (rows.length === 0) return undefined;
      return rows.map((row) => {
        const record = {};
        for (const [field, input] of row.inputs) {
          const value = input.read();
          if (value !== undefined) record[field] = value;
        }
        return record;
      });
    },
    write: (v) => { body.replaceChildren(); rows.length = 0; for (const record of v || []) add(record); },
  };
}

function buildForm() {
  const form = $("facts-form");
  form.replaceChildren();
  state.inputs = {};
  const facts = state.schema.properties.facts.properties;
  for (const [name, schema] of Object.entries(facts)) {
    const input = valueInput(schema, name);
    const [label, note] = splitDescription(schema.description || "");
    const box = el("div", { class: "fact", "data-fact": name },
      el("label", {}, el("span", { class: "name", text: label || name }), el("span", { class: "id", text: name }), input.node),
      note ? el("div", { class: "note", text: note }) : null);
    input.node.addEventListener("change", () => box.classList.toggle("given", input.read() !== undefined));
    state.inputs[name] = { input, box, label: label || name };
    form.append(box);
  }
  const whatif = $("whatif-fact");
  whatif.replaceChildren(...Object.entries(state.inputs).map(([name, f]) => el("option", { value: name, text: `${f.label}（${name}）` })));
}

// "标签（缺省时为未知 / unknown when absent）" → the label and the note.
function splitDescription(text) {
  const at = text.indexOf("（缺省");
  return at < 0 ? [text, ""] : [text.slice(0, at), text.slice(at + 1, -1)];
}

function readFacts() {
  const facts = {};
  for (const [name, { input }] of Object.entries(state.inputs)) {
    const value = input.read();
    if (value !== undefined) facts[name] = value;
  }
  return facts;
}

function selectedQuestions() {
  return [...document.querySelectorAll("#questions input:checked")].map((i) => i.value);
}

function buildQuestions() {
  const box = $("questions");
  box.replaceChildren();
  for (const rule of state.catalog.rules) {
    const check = el("input", { type: "checkbox", value: rule.id });
    check.addEventListener("change", filterFacts);
    box.append(el("label", { "data-question": rule.id }, check, el("span", { text: `${rule.label || rule.id} ` }), el("span", { class: "id", text: rule.id })));
  }
}

// Facts the chosen questions read, directly or through the rules they use (the catalog's
// `reads_facts` and `reads_rules`).
function relevantFacts(questions) {
  const rules = state.catalog.rules;
  const seen = new Set();
  const facts = new Set();
  const stack = questions.map((q) => rules.findIndex((r) => r.id === q)).filter((i) => i >= 0);
  while (stack.length > 0) {
    const index = stack.pop();
    if (seen.has(index)) continue;
    seen.add(index);
    for (const fact of rules[index].reads_facts || []) facts.add(state.catalog.facts[fact].id);
    stack.push(...(rules[index].reads_rules || []));
  }
  return facts;
}

function filterFacts() {
  const text = $("fact-filter").value.trim().toLowerCase();
  const questions = selectedQuestions();
  const relevant = $("only-relevant").checked && questions.length > 0 ? relevantFacts(questions) : null;
  for (const [name, { box, label }] of Object.entries(state.inputs)) {
    const matches = text === "" || name.toLowerCase().includes(text) || label.toLowerCase().includes(text);
    box.classList.toggle("hidden", !matches || (relevant !== null && !relevant.has(name)));
  }
}

// ---- results ---------------------------------------------------------------------------------

function requestBody(overrides) {
  const body = { facts: readFacts() };
  const name = $("case-name").value.trim();
  if (name) body.name = name;
  const asOf = $("as-of").value;
  if (asOf) body.as_of = asOf;
  const questions = selectedQuestions();
  if (questions.length > 0) body.questions = questions;
  return Object.assign(body, overrides || {});
}

async function evaluate() {
  status("评估中……");
  const body = requestBody();
  try {
    const [result, memo] = await Promise.all([api("/v1/evaluate", body), api("/v1/memo", body, "text")]);
    state.last = result;
    state.lastRequest = body;
    showResult(result);
    $("memo").textContent = memo;
    $("result-panel").hidden = false;
    window.scrollTo(0, 0);
    status(`已评估（适用 ${result.as_of} 的法律）`);
  } catch (error) {
    status(error.message, true);
  }
}

function ruleLabel(id) {
  const rule = state.catalog.rules.find((r) => r.id === id);
  return rule ? rule.label || id : id;
}

function valueCell(value, unknown) {
  if (unknown) return el("td", { class: "v-unknown", text: "未知" });
  if (value === true) return el("td", { class: "v-true", text: "成立" });
  if (value === false) return el("td", { class: "v-false", text: "不成立" });
  if (value === null) return el("td", { class: "v-false", text: "无" });
  return el("td", { text: typeof value === "string" ? value : JSON.stringify(value) });
}

function showResult(result) {
  const body = $("conclusions").tBodies[0];
  body.replaceChildren();
  const trees = (result.explanation || {}).conclusions || {};
  for (const [id, value] of Object.entries(result.conclusions)) {
    const unknown = result.unknown_conclusions.includes(id);
    const tree = trees[id] || {};
    const shown = tree.value_label ? `${tree.value_label}（${value}）` : value;
    // A conclusion that does not hold or has no value is one line of many: folded by default.
    const quiet = !unknown && (value === false || value === null);
    body.append(el("tr", { "data-conclusion": id, class: quiet ? "quiet" : "" }, el("td", { text: ruleLabel(id) }), el("td", { class: "id", text: id }), valueCell(shown, unknown), el("td", { class: "cite", text: tree.citation || "" })));
  }
  for (const { box } of Object.values(state.inputs)) box.classList.remove("missing");
  const missing = $("missing");
  missing.replaceChildren();
  if (result.missing_facts.length > 0) {
    missing.append(el("strong", { text: "缺少的事实（已在表单中标出）：" }));
    for (const name of result.missing_facts) {
      const fact = state.inputs[name];
      if (fact) fact.box.classList.add("missing");
      const link = el("a", { href: "#", text: fact ? `${fact.label}（${name}）` : name });
      link.addEventListener("click", (e) => { e.preventDefault(); if (fact) fact.box.scrollIntoView({ block: "center" }); });
      missing.append(" ", link);
    }
  }
  showTree(trees);
}

function showTree(trees) {
  const root = $("tree");
  root.replaceChildren();
  for (const [id, node] of Object.entries(trees)) {
    root.append(treeNode(node, true, id));
  }
}

function nodeLine(node) {
  const parts = [];
  if (node.label) parts.push(node.label);
  else if (node.text) parts.push(node.text);
  else if (node.id) parts.push(node.id);
  if (node.kind === "comparison" && node.left !== undefined) parts.push(`（${node.left} ${node.op || ""} ${node.right}）`);
  let value = node.unknown ? "未知" : node.value === true ? "✓" : node.value === false ? "✗" : node.value === null ? "无" : JSON.stringify(node.value);
  if (node.value_label) value += `（${node.value_label}）`;
  const line = [el("span", { class: "kind", text: `[${node.kind}] ` }), el("span", { text: `${parts.join(" ")} → ${value}` })];
  if (node.citation) line.push(el("span", { class: "cite", text: ` 〔${node.citation}〕` }));
  if (node.version) line.push(el("span", { class: "versions", text: ` ${node.version}` }));
  return line;
}

function treeNode(node, open, id) {
  const children = node.children || [];
  if (children.length === 0) return el("div", { class: "tree-leaf" }, ...nodeLine(node));
  const details = el("details", { open: !!open }, el("summary", {}, ...nodeLine(node)));
  if (id) details.setAttribute("data-tree", id);
  for (const child of children) details.append(treeNode(child, false));
  return details;
}

// ---- what if ---------------------------------------------------------------------------------

function parseValue(text) {
  if (text.trim() === "") return undefined;
  try { return JSON.parse(text); } catch (_) { return text.trim(); }
}

async function whatIf() {
  if (!state.lastRequest) return;
  const changed = JSON.parse(JSON.stringify(state.lastRequest));
  const name = $("whatif-fact").value;
  const date = $("whatif-date").value;
  const valueText = $("whatif-value").value;
  if (date) changed.as_of = date;
  else {
    const value = parseValue(valueText);
    if (value === undefined) delete changed.facts[name];
    else changed.facts[name] = value;
  }
  changed.explain = "none";
  const before = Object.assign({}, state.lastRequest, { explain: "none" });
  try {
    const [a, b] = await Promise.all([api("/v1/evaluate", before), api("/v1/evaluate", changed)]);
    const out = $("whatif-result");
    out.replaceChildren();
    const flips = Object.keys(a.conclusions).filter((k) => JSON.stringify(a.conclusions[k]) !== JSON.stringify(b.conclusions[k]) || a.unknown_conclusions.includes(k) !== b.unknown_conclusions.includes(k));
    if (flips.length === 0) { out.append(el("p", { text: "没有结论改变。" })); return; }
    const table = el("table", { id: "flips" }, el("tr", {}, el("th", { text: "结论" }), el("th", { text: "原结果" }), el("th", { text: "新结果" })));
    for (const k of flips) {
      table.append(el("tr", { class: "changed", "data-flip": k }, el("td", { text: `${ruleLabel(k)}（${k}）` }), valueCell(a.conclusions[k], a.unknown_conclusions.includes(k)), valueCell(b.conclusions[k], b.unknown_conclusions.includes(k))));
    }
    out.append(table);
  } catch (error) {
    status(error.message, true);
  }
}

// ---- law browser -----------------------------------------------------------------------------

// "刑法 第二百八十六条之一第一款" → "第二百八十六条之一" (the article, without paragraph or item).
function articleOf(citation, source) {
  const rest = citation.slice(source.length).trim();
  const match = rest.match(/^第[^条]+条(之[一二三四五六七八九十]+)?/);
  return match ? match[0] : rest || "（总体）";
}

function buildLaw() {
  const law = $("law");
  law.replaceChildren();
  const filter = $("law-filter").value.trim().toLowerCase();
  const catalog = state.catalog;
  const entries = [
    ...catalog.rules.map((d) => ["规则", d]),
    ...catalog.params.map((d) => ["参数", d]),
    ...catalog.facts.map((d) => ["事实", d]),
    ...catalog.exceptions.map((d) => ["例外", d]),
  ];
  for (const source of catalog.sources) {
    const articles = new Map();
    for (const [kind, decl] of entries) {
      const citations = [decl.citation, ...(decl.versions || []).map((v) => v.citation)].filter(Boolean);
      const citation = citations.find((c) => c.startsWith(source.citation_name));
      if (!citation) continue;
      const text = `${decl.id} ${decl.label || ""} ${citation} ${(decl.doc || []).join(" ")}`.toLowerCase();
      if (filter && !text.includes(filter)) continue;
      const article = articleOf(citation, source.citation_name);
      if (!articles.has(article)) articles.set(article, []);
      articles.get(article).push([kind, decl]);
    }
    if (articles.size === 0) continue;
    const dates = [source.in_force && `${source.in_force} 起施行`, source.until && `至 ${source.until}`].filter(Boolean).join("，");
    const box = el("details", { open: !!filter, "data-source": source.name },
      el("summary", {}, el("strong", { text: source.citation_name }), el("span", { text: ` ${source.title || ""} ` }), el("span", { class: "versions", text: dates })));
    // What the rule set declares it does not encode of this source (`not_encoded` / 未编码).
    const missing = source.not_encoded || [];
    if (missing.length > 0) box.append(el("div", { class: "not-encoded", text: "本规则集未编码：" + missing.join("；") }));
    for (const [article, decls] of articles) {
      const section = el("details", { class: "article", open: !!filter }, el("summary", { text: `${article}（${decls.length}）` }));
      for (const [kind, decl] of decls) section.append(declaration(kind, decl));
      box.append(section);
    }
    law.append(box);
  }
}

function declaration(kind, decl) {
  const box = el("div", { class: "decl" },
    el("div", {}, el("span", { class: "kind", text: `[${kind}] ` }), el("strong", { text: decl.label || decl.id }), el("span", { class: "id", text: ` ${decl.id} · ${decl.type || ""}` })));
  const versions = (decl.versions || []).map((v) => `${v.from ? v.from + " 起" : "始终"}：${v.citation || ""}`);
  if (decl.from) versions.push(`${decl.from} 起：${decl.citation || ""}`);
  if (versions.length > 0) box.append(el("div", { class: "versions", text: "版本：" + versions.join("；") }));
  // A parameter's value over time (from the catalog), e.g. 200（2019-11-01 起）；300（2027-01-01 起）.
  const values = (decl.values || [])
    .filter((v) => v.value !== null)
    .map((v) => `${typeof v.value === "string" ? v.value : JSON.stringify(v.value)}${v.from ? `（${v.from} 起）` : ""}`);
  if (values.length > 0) box.append(el("div", { class: "values", text: "取值：" + values.join("；") }));
  if (decl.doc && decl.doc.length > 0) box.append(el("div", { class: "doc", text: decl.doc.join("\n") }));
  return box;
}

// ---- start -----------------------------------------------------------------------------------

function showTab(name) {
  for (const button of document.querySelectorAll("nav button")) button.classList.toggle("active", button.dataset.tab === name);
  $("tab-case").hidden = name !== "case";
  $("tab-law").hidden = name !== "law";
  window.scrollTo(0, 0);
}

async function start() {
  $("token").value = sessionStorage.getItem("ruling-token") || "";
  $("token").addEventListener("change", () => { sessionStorage.setItem("ruling-token", $("token").value); load(); });
  for (const button of document.querySelectorAll("nav button")) button.addEventListener("click", () => showTab(button.dataset.tab));
  $("evaluate").addEventListener("click", evaluate);
  $("show-all").addEventListener("change", () => $("conclusions").classList.toggle("all", $("show-all").checked));
  $("whatif-run").addEventListener("click", whatIf);
  $("fact-filter").addEventListener("input", filterFacts);
  $("only-relevant").addEventListener("change", filterFacts);
  $("law-filter").addEventListener("input", buildLaw);
  $("question-filter").addEventListener("input", () => {
    const text = $("question-filter").value.trim().toLowerCase();
    for (const label of document.querySelectorAll("#questions label")) label.hidden = text !== "" && !label.textContent.toLowerCase().includes(text);
  });
  await load();
}

async function load() {
  try {
    [state.schema, state.catalog] = await Promise.all([api("/v1/schema"), api("/v1/catalog")]);
    $("ruleset").textContent = `规则集 ${state.catalog.rule_set} · ${state.catalog.facts.length} 个事实 · ${state.catalog.rules.length} 个结论`;
    buildForm();
    buildQuestions();
    buildLaw();
    document.body.dataset.ready = "true";
    status("");
  } catch (error) {
    status(`无法载入规则：${error.message}`, true);
  }
}

document.addEventListener("DOMContentLoaded", start);
