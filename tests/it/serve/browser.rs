//! The web page in a real headless browser (Debian's `chromium`), driven over the DevTools
//! protocol with a minimal WebSocket client on std: the 某牛 2021 facts are typed into the
//! generated form, the case is evaluated, and the conclusions, the memo, the missing-fact
//! highlighting, "what if" and the law browser are checked. Screenshots go to
//! `target/serve-screenshots/`. Without chromium the test is skipped, except under CI (`CI`
//! set), where it fails.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value as Json};

use super::client::Server;
use crate::support::root;

/// The browser: `RULING_CHROMIUM`, else `chromium` on the PATH.
fn chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("RULING_CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|dir| Path::new(dir).join("chromium"))
        .find(|path| path.is_file())
}

/// A headless chromium, killed on drop.
struct Browser {
    child: Child,
    _profile: tempfile::TempDir,
    /// `host:port` of its DevTools endpoint.
    devtools: String,
}

impl Browser {
    fn start(binary: &Path) -> Browser {
        let profile = tempfile::tempdir().unwrap();
        let mut child = Command::new(binary)
            .args([
                "--headless",
                // CI runs as root, where chromium's sandbox cannot start.
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--remote-debugging-port=0",
                "--window-size=1400,1800",
                "--lang=zh-CN",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
        let stderr = BufReader::new(child.stderr.take().unwrap());
        let mut lines = stderr.lines();
        let devtools = loop {
            let Some(Ok(line)) = lines.next() else {
                let _ = child.kill();
                panic!("chromium stopped before opening DevTools");
            };
            if let Some(url) = line.trim().strip_prefix("DevTools listening on ws://") {
                break url.split('/').next().unwrap().to_string();
            }
        };
        // Keep draining its messages so that chromium never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        Browser {
            child,
            _profile: profile,
            devtools,
        }
    }

    /// Opens a tab on `url` and connects to it.
    fn open(&self, url: &str) -> Page {
        let mut http = super::client::Connection::open(self.devtools.parse().unwrap()).unwrap();
        let target = http.send("PUT", &format!("/json/new?{url}"), &[], b"").unwrap().json();
        let socket = target["webSocketDebuggerUrl"]
            .as_str()
            .unwrap_or_else(|| panic!("no tab: {target}"));
        Page {
            socket: WebSocket::connect(socket),
            next_id: 0,
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A WebSocket client of text messages (enough for DevTools: no extensions, no fragmentation
/// from the client).
struct WebSocket {
    stream: TcpStream,
    reader: BufReader<TcpStream>,
}

impl WebSocket {
    fn connect(url: &str) -> WebSocket {
        let rest = url.strip_prefix("ws://").unwrap();
        let (host, path) = rest.split_once('/').unwrap();
        let stream = TcpStream::connect(host).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut writer = stream.try_clone().unwrap();
        write!(
            writer,
            "GET /{path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        .unwrap();
        let mut status = String::new();
        reader.read_line(&mut status).unwrap();
        assert!(status.contains(" 101 "), "no WebSocket: {status}");
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            if line.trim().is_empty() {
                break;
            }
        }
        WebSocket { stream, reader }
    }

    fn send(&mut self, text: &str) {
        let payload = text.as_bytes();
        let mut frame = vec![0x81u8];
        // Client frames are masked; the all-zero mask leaves the payload as it is.
        match payload.len() {
            n if n < 126 => frame.push(0x80 | n as u8),
            n if n < 65536 => {
                frame.push(0x80 | 126);
                frame.extend_from_slice(&(n as u16).to_be_bytes());
            }
            n => {
                frame.push(0x80 | 127);
                frame.extend_from_slice(&(n as u64).to_be_bytes());
            }
        }
        frame.extend_from_slice(&[0, 0, 0, 0]);
        frame.extend_from_slice(payload);
        self.stream.write_all(&frame).unwrap();
    }

    fn receive(&mut self) -> String {
        let mut message = Vec::new();
        loop {
            let mut head = [0u8; 2];
            self.reader.read_exact(&mut head).unwrap();
            let length = match head[1] & 0x7f {
                126 => {
                    let mut n = [0u8; 2];
                    self.reader.read_exact(&mut n).unwrap();
                    u64::from(u16::from_be_bytes(n))
                }
                127 => {
                    let mut n = [0u8; 8];
                    self.reader.read_exact(&mut n).unwrap();
                    u64::from_be_bytes(n)
                }
                n => u64::from(n),
            };
            let mut payload = vec![0u8; length as usize];
            self.reader.read_exact(&mut payload).unwrap();
            match head[0] & 0x0f {
                0 | 1 => message.extend_from_slice(&payload),
                8 => panic!("the browser closed the connection"),
                _ => continue,
            }
            if head[0] & 0x80 != 0 {
                return String::from_utf8(message).unwrap();
            }
        }
    }
}

/// One tab, driven by DevTools commands.
struct Page {
    socket: WebSocket,
    next_id: u64,
}

impl Page {
    fn call(&mut self, method: &str, params: Json) -> Json {
        self.next_id += 1;
        let id = self.next_id;
        self.socket
            .send(&json!({"id": id, "method": method, "params": params}).to_string());
        loop {
            let message: Json = serde_json::from_str(&self.socket.receive()).unwrap();
            if message["id"] == json!(id) {
                assert!(message.get("error").is_none(), "{method}: {message}");
                return message["result"].clone();
            }
        }
    }

    /// Evaluates a JS expression in the page (awaiting a promise) and returns its value.
    fn eval(&mut self, expression: &str) -> Json {
        let result = self.call(
            "Runtime.evaluate",
            json!({"expression": expression, "awaitPromise": true, "returnByValue": true}),
        );
        assert!(result.get("exceptionDetails").is_none(), "{expression}: {result}");
        result["result"]["value"].clone()
    }

    /// Waits until a JS expression is true.
    fn wait(&mut self, expression: &str) {
        let start = Instant::now();
        while self.eval(expression) != json!(true) {
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "timed out waiting for {expression}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Saves a screenshot of the window.
    fn screenshot(&mut self, name: &str) -> PathBuf {
        let shot = self.call("Page.captureScreenshot", json!({"format": "png"}));
        let png = base64(shot["data"].as_str().unwrap());
        assert!(png.starts_with(b"\x89PNG"), "a PNG");
        let dir = root().join("target/serve-screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap();
        path
    }
}

fn base64(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        _ => 63,
    };
    let digits: Vec<u8> = text.bytes().filter(|c| *c != b'=').map(value).collect();
    let mut out = Vec::with_capacity(digits.len() * 3 / 4);
    for group in digits.chunks(4) {
        let n = group.iter().fold(0u32, |n, d| (n << 6) | u32::from(*d)) << (6 * (4 - group.len()));
        let bytes = n.to_be_bytes();
        out.extend_from_slice(&bytes[1..group.len()]);
    }
    out
}

/// Types facts into the generated form as a user would: each value into its field, each
/// record of a list into a row added with the row button.
const FILL: &str = r#"
(facts) => {
  const set = (input, value) => {
    input.value = typeof value === "boolean" ? String(value) : String(value);
    input.dispatchEvent(new Event("input", { bubbles: true }));
    input.dispatchEvent(new Event("change", { bubbles: true }));
  };
  for (const [name, value] of Object.entries(facts)) {
    const box = document.querySelector(`[data-fact="${name}"]`);
    if (!box) throw new Error("no field for " + name);
    if (Array.isArray(value) && typeof value[0] === "object") {
      for (const record of value) box.querySelector("[data-add]").click();
      const rows = box.querySelectorAll("tbody tr");
      value.forEach((record, i) => {
        for (const [field, v] of Object.entries(record)) set(rows[i].querySelector(`[name="${name}.${field}"]`), v);
      });
    } else {
      set(box.querySelector("input, select, textarea"), value);
    }
  }
  return true;
}
"#;

#[test]
fn the_page_evaluates_the_mouniu_2021_case_typed_into_its_form() {
    let Some(binary) = chromium() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "chromium is needed for the page test (`apt-get install chromium`); CI installs it"
        );
        eprintln!("skipped: no chromium (apt-get install chromium, or set RULING_CHROMIUM)");
        return;
    };
    let server = Server::start(Path::new(env!("CARGO_BIN_EXE_ruling")), &super::rules_dir(), &[]);
    let case: Json =
        serde_json::from_str(&std::fs::read_to_string(root().join("examples/cases/mouniu-2021.json")).unwrap())
            .unwrap();
    let browser = Browser::start(&binary);
    let mut page = browser.open(&format!("http://{}/", server.addr));
    page.wait("document.body && document.body.dataset.ready === 'true'");

    // Facts typed in, then evaluated.
    page.eval(&format!("({FILL})({})", case["facts"]));
    page.eval(&format!(
        "document.getElementById('case-name').value = {}; document.getElementById('as-of').value = {}; true",
        case["name"], case["as_of"]
    ));
    page.eval("document.getElementById('evaluate').click(); true");
    page.wait(
        "!document.getElementById('result-panel').hidden && document.getElementById('memo').textContent.length > 0",
    );

    // Every expected conclusion of the case file shows its value.
    for (id, expected) in case["expected"].as_object().unwrap() {
        let shown = page.eval(&format!(
            "document.querySelector('[data-conclusion=\"{id}\"] td:nth-child(3)').textContent"
        ));
        let wanted = match expected {
            Json::Bool(true) => json!("成立"),
            Json::Bool(false) => json!("不成立"),
            Json::String(s) => json!(s),
            other => json!(other.to_string()),
        };
        assert_eq!(shown, wanted, "{id}");
    }
    let memo = page.eval("document.getElementById('memo').textContent");
    assert!(
        memo.as_str().unwrap().starts_with("# 某牛 APP 二次被查 (2021)"),
        "{memo}"
    );
    assert!(
        memo.as_str().unwrap().contains("cl286_1_established"),
        "the memo names the conclusion"
    );
    let tree = page.eval("document.querySelector('[data-tree=\"cl286_1_established\"] summary').textContent");
    assert!(
        tree.as_str().unwrap().contains("刑法"),
        "the derivation cites the law: {tree}"
    );
    let shot = page.screenshot("mouniu-2021");
    eprintln!("screenshot: {}", shot.display());

    // What if only 100 items of other illegal information had spread: no longer mass spread.
    page.eval("document.getElementById('whatif-fact').value = 'illegal_other_info'; document.getElementById('whatif-value').value = '100'; document.getElementById('whatif-run').click(); true");
    page.wait("document.querySelector('[data-flip=\"i2019_mass_spread\"]') !== null");
    let flipped = page.eval("document.querySelector('[data-flip=\"i2019_mass_spread\"]').textContent");
    assert!(
        flipped.as_str().unwrap().contains("成立") && flipped.as_str().unwrap().contains("不成立"),
        "{flipped}"
    );
    page.eval("document.getElementById('whatif').scrollIntoView({block: 'start'}); true");
    page.screenshot("mouniu-2021-what-if");

    // With the kind of service left out, the offence is unknown and that fact is marked missing.
    page.eval(
        "document.querySelector('[data-fact=\"network_service_type\"] select').value = ''; \
         document.getElementById('evaluate').click(); true",
    );
    page.wait("document.querySelector('[data-fact=\"network_service_type\"].missing') !== null");
    let unknown =
        page.eval("document.querySelector('[data-conclusion=\"cl286_1_established\"] td:nth-child(3)').textContent");
    assert_eq!(unknown, json!("未知"));
    page.eval("document.querySelector('[data-fact=\"network_service_type\"]').scrollIntoView({block: 'center'}); true");
    page.screenshot("mouniu-2021-missing-fact");

    // The law browser lists the sources, their articles and the statute text.
    page.eval("document.querySelector('nav button[data-tab=\"law\"]').click(); document.getElementById('law-filter').value = '第二百八十六条之一'; document.getElementById('law-filter').dispatchEvent(new Event('input')); true");
    let law = page.eval("document.getElementById('law').textContent");
    assert!(law.as_str().unwrap().contains("cl286_1_established"), "{law}");
    // The source says what of it the rule set does not encode (`not_encoded` in rules/sources).
    assert!(
        law.as_str().unwrap().contains("本规则集未编码：第二百八十五条"),
        "{law}"
    );
    page.screenshot("law-browser");
    // A parameter shows its value over time beside its versions.
    page.eval("document.getElementById('law-filter').value = '违法视频文件数标准'; document.getElementById('law-filter').dispatchEvent(new Event('input')); true");
    let law = page.eval("document.getElementById('law').textContent");
    assert!(law.as_str().unwrap().contains("取值：200（2015-11-01 起）"), "{law}");
}
