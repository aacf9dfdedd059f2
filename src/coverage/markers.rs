//! `// coverage: unreachable <reason>` markers: a legal editor's statement, written beside the
//! rule, that some sides cannot be reached with the texts in force (e.g. 行政处罚法 第三十七条's
//! "the newer text is lighter" while every amendment so far is heavier). The coverage report
//! lists the sides so marked with the reason and counts them apart; a marker that no longer
//! marks an unseen side is reported as stale, so markers do not outlive their reason.
//!
//! Placement: on the line of the site (after the code) or alone on the line before it. A marker
//! on the line before a rule's declaration (before its doc comment) speaks for every site of that
//! declaration.

use std::ops::Range;

use super::Marker;
use crate::ir::Program;

/// The words that open a marker comment.
const MARKER: &str = "// coverage: unreachable";

/// A rule declaration's lines and its sites.
pub(super) struct RuleLines {
    pub(super) file: String,
    pub(super) first: usize,
    pub(super) last: usize,
    pub(super) sites: Range<usize>,
}

/// Every marker of the program's files, with the sites it speaks for.
pub(super) fn find(program: &Program, places: &[(String, usize)], rules: &[RuleLines]) -> Vec<Marker> {
    let mut markers = Vec::new();
    for (_, file) in program.source_map.iter() {
        for (index, line) in file.text.lines().enumerate() {
            let Some(at) = line.find(MARKER) else {
                continue;
            };
            let number = index + 1;
            let reason = line.get(at + MARKER.len()..).unwrap_or("");
            let reason = reason.trim_start_matches([' ', ':', '：', '—', '-']).trim();
            let sites = spoken_for(&file.name, number, places, rules);
            markers.push(Marker {
                location: format!("{}:{number}", file.name),
                reason: reason.to_string(),
                sites,
            });
        }
    }
    markers
}

/// The sites a marker on `line` of `file` speaks for.
fn spoken_for(file: &str, line: usize, places: &[(String, usize)], rules: &[RuleLines]) -> Vec<usize> {
    if let Some(rule) = rules.iter().find(|r| r.file == file && r.first == line + 1) {
        return rule
            .sites
            .clone()
            .filter(|i| {
                places
                    .get(*i)
                    .is_some_and(|(f, l)| f == file && (rule.first..=rule.last).contains(l))
            })
            .collect();
    }
    places
        .iter()
        .enumerate()
        .filter(|(_, (f, l))| f == file && (*l == line || *l == line + 1))
        .map(|(i, _)| i)
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::coverage::Coverage;
    use crate::{Case, Options, RuleSet};

    const RULES: &str = r#"
source 法 "某法"
fact a: count "a" = 0
fact kind: enum { x "甲", y "乙" } "种类" = "x"

// coverage: unreachable both kinds count
/// 第一条
rule counts: bool "计入" cite 法 第一条 = any {
    "甲" cite 第一项: kind == "x"
    "乙" cite 第二项: kind == "y"
}

rule big: bool "大" cite 法 第二条 = a >= 10 // coverage: unreachable
rule small: bool "小" cite 法 第三条 = a < 10 // coverage: unreachable a is never big
"#;

    fn coverage(facts: &str) -> Coverage {
        let rules = RuleSet::from_source("m.rule", RULES).expect("valid rules");
        let mut coverage = Coverage::new(rules.program());
        let case = Case::from_json(&format!(r#"{{"as_of": "2021-01-01", "facts": {facts}}}"#)).expect("case");
        let outcome = rules.evaluate(&case, &Options::default()).expect("evaluates");
        coverage.record(outcome.explanation().expect("explained"));
        coverage
    }

    #[test]
    fn a_marker_before_a_rule_speaks_for_its_unseen_sides() {
        let coverage = coverage(r#"{"a": 1}"#);
        let unreachable: Vec<String> = coverage.unreachable().map(|s| s.text.clone()).collect();
        assert!(unreachable.contains(&String::from("counts")), "{unreachable:?}");
        assert!(unreachable.contains(&String::from("kind == \"y\"")), "{unreachable:?}");
        // The sides seen still count as covered; only the unseen ones are set apart.
        let counts = coverage.sites().iter().find(|s| s.text == "counts").expect("site");
        assert_eq!((counts.covered(), counts.excluded()), (1, 1));
    }

    #[test]
    fn a_marker_without_a_reason_is_not_honoured_and_is_reported() {
        let coverage = coverage(r#"{"a": 1}"#);
        let big = coverage.sites().iter().find(|s| s.text == "big").expect("site");
        assert_eq!(big.unreachable, None);
        assert!(coverage.uncovered().any(|s| s.text == "big"));
        let stale: Vec<&str> = coverage.stale_markers().iter().map(|m| m.location.as_str()).collect();
        assert!(stale.contains(&"m.rule:13"), "{stale:?}");
    }

    #[test]
    fn a_marker_whose_sides_were_all_seen_is_stale() {
        let mut coverage = coverage(r#"{"a": 1}"#);
        assert!(!coverage.stale_markers().iter().any(|m| m.location == "m.rule:14"));
        let rules = RuleSet::from_source("m.rule", RULES).expect("valid rules");
        let case = Case::from_json(r#"{"as_of": "2021-01-01", "facts": {"a": 20}}"#).expect("case");
        let outcome = rules.evaluate(&case, &Options::default()).expect("evaluates");
        coverage.record(outcome.explanation().expect("explained"));
        assert!(coverage.stale_markers().iter().any(|m| m.location == "m.rule:14"));
        // What stays excluded: the unseen sides of `counts` and its two branches and comparisons
        // (`kind` was never "y"), a rule-wide marker speaks for all of them.
        let totals = coverage.totals();
        assert_eq!(totals.excluded, 5, "{totals:?}");
        assert_eq!(coverage.uncovered().count(), 0);
    }
}
