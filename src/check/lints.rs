//! Passes 5–7: version overlaps, static exception conflicts, `held` targets,
//! unused declarations and missing citations.

use super::{CheckError, Checker};
use crate::ast;
use crate::ir::{self, ExprKind};

impl Checker<'_> {
    pub(crate) fn check_versions(&mut self) {
        let mut problems = Vec::new();
        for info in self.program_params.iter().chain(self.program_rules.iter()) {
            let undated = info.versions.iter().filter(|v| v.from.is_none()).count();
            for pair in info.versions.windows(2) {
                let [a, b] = pair else { continue };
                let help = if undated > 0 {
                    String::from("when a value has several versions, every version needs `from DATE`")
                } else {
                    String::from("two versions start on the same date; give each a different `from` date")
                };
                if a.from.is_none() || a.from == b.from {
                    problems.push((info.name.clone(), b.span, a.span, help));
                }
            }
        }
        for (name, span, other, help) in problems {
            let error = CheckError::OverlappingVersions {
                src: self.src(span),
                span: span.to_miette(),
                other: other.to_miette(),
                name,
                help,
            };
            self.report(error);
        }
        self.check_held_targets();
    }

    fn check_held_targets(&mut self) {
        let mut targets = Vec::new();
        for info in &self.program_rules {
            for version in &info.versions {
                collect_held(&version.body, &mut targets);
            }
        }
        for (rule_id, span) in targets {
            let Some(rule) = self.program_rules.get(rule_id.0 as usize) else {
                continue;
            };
            let ok = !rule.versions.is_empty()
                && rule.versions.iter().all(|v| match &v.body.kind {
                    ExprKind::Block(_, branches) | ExprKind::AtLeast(_, branches) => {
                        branches.iter().all(|b| b.label.is_some())
                    }
                    _ => false,
                });
            if !ok {
                let error = CheckError::InvalidHeld {
                    src: self.src(span),
                    span: span.to_miette(),
                    name: rule.name.clone(),
                };
                self.report(error);
            }
        }
    }

    pub(crate) fn check_exception_conflicts(&mut self, _files: &[ast::File]) {
        // Exceptions grouped by target and written condition (linear, not one comparison per
        // pair: 20,000 exceptions to one rule check in milliseconds). Each exception is reported
        // against the first earlier one of its group whose value differs.
        // Per group: the first exception with its value, and the first whose value differs.
        let mut groups: std::collections::HashMap<(ir::RuleId, String), (usize, String, Option<usize>)> =
            std::collections::HashMap::new();
        let mut conflicts = Vec::new();
        for (index, b) in self.program_exceptions.iter().enumerate() {
            let when = normalized(self.source_map.slice(b.when.span));
            let value = normalized(self.source_map.slice(b.value.span));
            let (first, first_value, differing) = groups
                .entry((b.target, when))
                .or_insert_with(|| (index, value.clone(), None));
            let earlier = if *first_value != value {
                differing.get_or_insert(index);
                Some(*first)
            } else {
                differing.filter(|d| *d != index)
            };
            if let Some(a) = earlier.and_then(|i| self.program_exceptions.get(i)) {
                conflicts.push((
                    a.name.clone(),
                    a.span,
                    a.cite.clone(),
                    b.name.clone(),
                    b.span,
                    b.cite.clone(),
                ));
            }
        }
        for (first, first_span, first_cite, second, span, second_cite) in conflicts {
            let cite_text = |c: &Option<ir::Cite>| {
                c.as_ref()
                    .map(|c| c.text.to_string())
                    .unwrap_or_else(|| String::from("(no citation)"))
            };
            let same_file = first_span.file == span.file;
            let error = CheckError::ExceptionConflict {
                src: self.src(span),
                span: span.to_miette(),
                other: same_file.then(|| first_span.to_miette()),
                first,
                second,
                first_cite: cite_text(&first_cite),
                second_cite: cite_text(&second_cite),
                help: format!(
                    "both apply whenever one does; merge them or make their conditions exclusive (the other is at {})",
                    self.source_map.location(first_span)
                ),
            };
            self.report(error);
        }
    }

    pub(crate) fn lint_unused_and_uncited(&mut self) {
        let mut warnings = Vec::new();
        for (i, fact) in self.program_facts.iter().enumerate() {
            if !self.used_facts.contains(&ir::FactId(i as u32)) {
                warnings.push(("fact", fact.name.clone(), fact.span, false));
            }
        }
        for (i, param) in self.program_params.iter().enumerate() {
            if !self.used_params.contains(&ir::ParamId(i as u32)) {
                warnings.push(("parameter", param.name.clone(), param.span, false));
            }
            if param.versions.iter().any(|v| v.cite.is_none()) {
                warnings.push(("parameter", param.name.clone(), param.span, true));
            }
        }
        for rule in &self.program_rules {
            if rule.versions.iter().any(|v| v.cite.is_none()) {
                warnings.push(("rule", rule.name.clone(), rule.span, true));
            }
        }
        for exception in &self.program_exceptions {
            if exception.cite.is_none() {
                warnings.push(("exception", exception.name.clone(), exception.span, true));
            }
        }
        for (kind, name, span, citation) in warnings {
            let src = self.src(span);
            let header = first_line(span, &self.source_map);
            let error = if citation {
                CheckError::MissingCitation {
                    src,
                    span: header.to_miette(),
                    kind,
                    name,
                }
            } else {
                CheckError::Unused {
                    src,
                    span: header.to_miette(),
                    kind,
                    name,
                }
            };
            self.report(error);
        }
    }
}

/// The first line of a declaration, so warnings underline the header only.
fn first_line(span: crate::source::Span, map: &crate::source::SourceMap) -> crate::source::Span {
    let text = map.slice(span);
    // Skip doc-comment lines so the warning underlines the declaration itself.
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if !line.trim_start().starts_with("///") {
            break;
        }
        offset += line.len();
    }
    let rest = text.get(offset..).unwrap_or("");
    let len = rest.find('\n').unwrap_or(rest.len());
    crate::source::Span::new(span.file, span.start + offset, span.start + offset + len)
}

fn normalized(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn collect_held(expr: &ir::Expr, out: &mut Vec<(ir::RuleId, crate::source::Span)>) {
    if let ExprKind::Held(id) = expr.kind {
        out.push((id, expr.span));
    }
    expr.for_each_child(|child| collect_held(child, out));
}

/// The `missing_says` lint (`ruling check --lint-says`, off by default): every boolean rule that
/// a conclusion (a rule no other rule uses) depends on, itself included, has a `says` template
/// of its own or on each of its labelled branches.
pub fn missing_says(program: &ir::Program, catalog: &crate::explain::Catalog) -> crate::diagnostic::Diagnostics {
    let mut used = vec![false; catalog.rules.len()];
    for rule in &catalog.rules {
        for read in &rule.reads_rules {
            if let Some(slot) = used.get_mut(*read as usize) {
                *slot = true;
            }
        }
    }
    let conclusions: Vec<&str> = catalog
        .rules
        .iter()
        .zip(&used)
        .filter(|(_, used)| !**used)
        .map(|(r, _)| r.id.as_str())
        .collect();
    let reached = catalog.closure(&conclusions);
    let mut out = crate::diagnostic::Diagnostics::default();
    for (info, reached) in program.rules.iter().zip(reached) {
        if !reached || info.ty != ir::Type::Bool || info.says.is_some() {
            continue;
        }
        let mut branches = info.versions.iter().flat_map(|v| match &v.body.kind {
            ExprKind::Block(_, branches) | ExprKind::AtLeast(_, branches) => branches.as_slice(),
            _ => &[],
        });
        let labelled: Vec<&ir::Branch> = branches.by_ref().filter(|b| b.label.is_some()).collect();
        if !labelled.is_empty() && labelled.iter().all(|b| b.says.is_some()) {
            continue;
        }
        let Some(file) = program.source_map.get(info.span.file) else {
            continue;
        };
        // Point at the name in the declaration's first line.
        let head = file.text.get(info.span.start..info.span.end).unwrap_or_default();
        let name = info.name.as_str();
        let at = head.match_indices(name).map(|(at, _)| at).find(|at| {
            let before = head.get(..*at).and_then(|s| s.chars().next_back());
            let after = head.get(at + name.len()..).and_then(|s| s.chars().next());
            before.is_some_and(char::is_whitespace) && after.is_some_and(|c| c == ':' || c.is_whitespace())
        });
        let span = match at {
            Some(at) => (info.span.start + at, name.len()),
            None => (info.span.start, 0),
        };
        out.push(CheckError::MissingSays {
            src: file.named_source(),
            span: span.into(),
            name: info.name.clone(),
        });
    }
    out
}
