//! An ordered list of diagnostics (errors and warnings) and how they are rendered.

use std::fmt;

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, Severity};

/// Every diagnostic found by a stage, in the order found (files in path order).
#[derive(Default)]
pub struct Diagnostics {
    items: Vec<Box<dyn Diagnostic + Send + Sync>>,
}

impl fmt::Debug for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.items.iter().map(|d| d.to_string()))
            .finish()
    }
}

impl Diagnostics {
    /// Adds a diagnostic.
    pub fn push(&mut self, diagnostic: impl Diagnostic + Send + Sync + 'static) {
        self.items.push(Box::new(diagnostic));
    }

    /// Number of diagnostics that are errors (not warnings).
    pub fn error_count(&self) -> usize {
        self.items.iter().filter(|d| is_error(d.as_ref())).count()
    }

    /// Number of warnings.
    pub fn warning_count(&self) -> usize {
        self.items.len() - self.error_count()
    }

    /// Whether any error was found.
    pub fn has_errors(&self) -> bool {
        self.error_count() > 0
    }

    /// All diagnostics.
    pub fn iter(&self) -> impl Iterator<Item = &(dyn Diagnostic + Send + Sync)> {
        self.items.iter().map(|d| d.as_ref())
    }

    /// Stable codes of all diagnostics, in order.
    pub fn codes(&self) -> Vec<String> {
        self.items
            .iter()
            .map(|d| d.code().map(|c| c.to_string()).unwrap_or_default())
            .collect()
    }

    /// Renders every diagnostic with miette's graphical handler.
    pub fn render(&self, color: bool, width: usize) -> String {
        let theme = if color {
            GraphicalTheme::unicode()
        } else {
            GraphicalTheme::unicode_nocolor()
        };
        let handler = GraphicalReportHandler::new_themed(theme)
            .with_width(width)
            .with_links(false);
        let mut out = String::new();
        for item in &self.items {
            let _ignored = handler.render_report(&mut out, item.as_ref());
            out.push('\n');
        }
        out
    }

    /// Diagnostics as JSON objects (code, severity, message, help, labels with byte offsets).
    pub fn to_json(&self) -> serde_json::Value {
        let items: Vec<serde_json::Value> = self
            .items
            .iter()
            .map(|d| {
                let labels: Vec<serde_json::Value> = d
                    .labels()
                    .into_iter()
                    .flatten()
                    .map(|l| serde_json::json!({"offset": l.offset(), "length": l.len(), "label": l.label()}))
                    .collect();
                serde_json::json!({
                    "code": d.code().map(|c| c.to_string()),
                    "severity": if is_error(d.as_ref()) { "error" } else { "warning" },
                    "message": d.to_string(),
                    "help": d.help().map(|h| h.to_string()),
                    "labels": labels,
                })
            })
            .collect();
        serde_json::Value::Array(items)
    }

    /// Moves all diagnostics of `other` into this list.
    pub fn extend(&mut self, other: Diagnostics) {
        self.items.extend(other.items);
    }
}

fn is_error(d: &(dyn Diagnostic + Send + Sync)) -> bool {
    !matches!(d.severity(), Some(Severity::Warning) | Some(Severity::Advice))
}
