//! `file://` URIs ↔ paths, with percent-encoding (Chinese file names are common in rule sets).

use std::path::{Path, PathBuf};
use std::str::FromStr;

use lsp_types::Uri;

/// The path of a `file://` URI (`None` for another scheme or a malformed escape).
pub(crate) fn to_path(uri: &Uri) -> Option<PathBuf> {
    let rest = uri.as_str().strip_prefix("file://")?;
    // `file:///p` (empty authority) or `file://localhost/p`.
    let path = rest.strip_prefix("localhost").unwrap_or(rest);
    if !path.starts_with('/') {
        return None;
    }
    let path = path.split(['?', '#']).next().unwrap_or(path);
    Some(PathBuf::from(decode(path)?))
}

/// The `file://` URI of an absolute path.
pub(crate) fn from_path(path: &Path) -> Option<Uri> {
    let text = path.to_str()?;
    if !text.starts_with('/') {
        return None;
    }
    let mut out = String::from("file://");
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"/-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    Uri::from_str(&out).ok()
}

fn decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut idx = 0;
    while let Some(&byte) = bytes.get(idx) {
        if byte == b'%' {
            let hex = text.get(idx + 1..idx + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            idx += 3;
        } else {
            out.push(byte);
            idx += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_paths_round_trip() {
        let path = Path::new("/规则/网络 安全法/art-1.rule");
        let uri = from_path(path).unwrap_or_else(|| Uri::from_str("file:///").unwrap_or_else(|_| unreachable!()));
        assert_eq!(
            uri.as_str(),
            "file:///%E8%A7%84%E5%88%99/%E7%BD%91%E7%BB%9C%20%E5%AE%89%E5%85%A8%E6%B3%95/art-1.rule"
        );
        assert_eq!(to_path(&uri).as_deref(), Some(path));
    }

    #[test]
    fn other_uris_have_no_path() {
        for text in ["untitled:Untitled-1", "file://host/x", "file:///bad%ZZ", "file:///%FF"] {
            let Ok(uri) = Uri::from_str(text) else { continue };
            assert_eq!(to_path(&uri), None, "{text}");
        }
    }
}
