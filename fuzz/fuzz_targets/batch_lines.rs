//! Batch input lines, JSONL or CSV (first byte: even → JSONL, odd → CSV; the rest is the input),
//! evaluated against the shipped `rules/` with small limits: the batch never panics or
//! hangs, a JSONL input gives exactly one output line per non-blank input line, every output
//! line is a JSON object with `conclusions` or an `error`, and an `id` is echoed byte for byte.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use ruling::batch::{self, BatchOptions, InputFormat};
use ruling::{CaseLimits, RuleSet};
use serde_json::Value as Json;

fn rules() -> &'static RuleSet {
    static RULES: OnceLock<RuleSet> = OnceLock::new();
    RULES.get_or_init(|| match RuleSet::load(concat!(env!("CARGO_MANIFEST_DIR"), "/../rules")) {
        Ok(rules) => rules,
        Err(e) => panic!("the shipped rules load: {e}"),
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((first, input)) = data.split_first() else { return };
    let format = if first % 2 == 0 { InputFormat::Jsonl } else { InputFormat::Csv };
    let options = BatchOptions {
        chunk_size: 7,
        limits: CaseLimits {
            max_file_bytes: 4096,
            max_list_items: 64,
            max_text_bytes: 256,
            max_nesting: 16,
        },
        as_of: ruling::Date::new(2021, 1, 1).ok(),
        ..BatchOptions::default()
    };
    let mut out = Vec::new();
    let reader = Box::new(std::io::Cursor::new(input.to_vec()));
    let Ok(summary) = batch::run(rules(), reader, format, &mut out, &options, None) else {
        // Only a CSV input can stop a batch (an unreadable header, a duplicate column, a line
        // over the limit): JSONL lines never do.
        assert!(format == InputFormat::Csv, "a JSONL batch stopped");
        return;
    };
    let text = match std::str::from_utf8(&out) {
        Ok(text) => text,
        Err(e) => panic!("the output is not UTF-8: {e}"),
    };
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len() as u64, summary.records, "one output line per record");
    assert_eq!(summary.records, summary.evaluated + summary.errors);
    for line in &lines {
        let record: Json = match serde_json::from_str(line) {
            Ok(record) => record,
            Err(e) => panic!("output line is not JSON ({e}): {line}"),
        };
        assert!(
            record.get("conclusions").is_some() != record.get("error").is_some(),
            "a record is a result or an error: {line}"
        );
    }
    if format == InputFormat::Jsonl {
        // A byte-order mark first in the input is not part of the first line (a BOM alone is a
        // blank line), as `ruling batch` reads it.
        let body = input.strip_prefix(b"\xEF\xBB\xBF".as_slice()).unwrap_or(input);
        let inputs = body
            .split(|b| *b == b'\n')
            .filter(|l| !l.iter().all(u8::is_ascii_whitespace));
        assert_eq!(inputs.clone().count(), lines.len(), "one output line per non-blank input line");
        for (line, output) in inputs.zip(&lines) {
            // An id the line gives (a valid JSON object with one `id`) comes back as written.
            let Ok(text) = std::str::from_utf8(line) else { continue };
            let Ok(map) = serde_json::from_str::<std::collections::HashMap<String, &serde_json::value::RawValue>>(text.trim_start_matches('\u{feff}')) else {
                continue;
            };
            if let (Some(id), false) = (map.get("id"), text.matches("\"id\"").count() > 1) {
                if line.len() <= 4096 {
                    assert!(
                        output.starts_with(&format!("{{\"id\":{},", id.get())),
                        "id not echoed as written: {text} → {output}"
                    );
                }
            }
        }
    }
});
