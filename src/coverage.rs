//! Coverage by article: which rules, branches, comparisons and exceptions a suite of cases
//! exercised, and on which side (true / false).
//!
//! The sites are enumerated from the checked program (every rule, every labelled branch of a
//! block, every comparison `>=`, `>`, `<=`, `<`, `==`, `!=`, `in`, every exception); the sides
//! seen are read from the full explanations of the cases (each node carries its `location` and
//! its `value`). Comparisons written inside an aggregate (`count(… where …)`), a parameter's
//! definition or `known(…)` are not recorded by the evaluator and are therefore not listed.
//!
//! ```
//! use ruling::{coverage::Coverage, Case, Options, RuleSet};
//!
//! let rules = RuleSet::from_source("demo.rule", r#"
//!     source 解释 "法释〔2019〕15号"
//!     fact videos: count "违法视频文件数" = 0
//!     param 标准: count cite 解释 第三条 第一项 = 200
//!     rule spread: bool "大量传播" cite 解释 第三条 = any {
//!         "1" cite 第一项: videos >= 标准
//!     }
//! "#).expect("valid rules");
//! let mut coverage = Coverage::new(rules.program());
//! let case = Case::from_json(r#"{"as_of": "2021-01-01", "facts": {"videos": 250}}"#).expect("case");
//! let outcome = rules.evaluate(&case, &Options::default()).expect("evaluates");
//! coverage.record(outcome.explanation().expect("full explanation"));
//! let totals = coverage.totals();
//! assert_eq!((totals.covered, totals.sides), (3, 6)); // only the true sides were seen
//! ```

use std::collections::HashMap;

use serde::Serialize;
use serde_json::Value as Json;

use crate::ast::CiteLevel;
use crate::explain::{Explanation, Node, NodeKind};
use crate::ir::{Cite, Expr, ExprKind, Program, Type};
use crate::source::Span;

mod markers;

/// What a coverage site is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SiteKind {
    /// A rule (conclusion).
    Rule,
    /// A labelled branch of an `all`/`any`/`not`/`N of` block.
    Branch,
    /// A comparison (threshold): `>=`, `>`, `<=`, `<`, `==`, `!=`, `in`.
    Comparison,
    /// An exception (applied / not applied).
    Exception,
}

impl SiteKind {
    /// A short English name for listings.
    pub fn name(self) -> &'static str {
        match self {
            SiteKind::Rule => "rule",
            SiteKind::Branch => "branch",
            SiteKind::Comparison => "comparison",
            SiteKind::Exception => "exception",
        }
    }
}

/// One place in the rule files whose sides a suite should exercise.
#[derive(Debug, Clone, Serialize)]
pub struct Site {
    /// What it is.
    pub kind: SiteKind,
    /// `file:line` where it is written.
    pub location: String,
    /// The rule or exception identifier, or the branch label.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The expression as written (one line).
    pub text: String,
    /// The citation it falls under (its own, or the enclosing branch's or rule's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub citation: Option<String>,
    /// The article it is grouped under (`法释〔2019〕15号 第三条`).
    pub article: String,
    /// Whether the site has two sides (true and false); otherwise it only has to be evaluated.
    pub two_sided: bool,
    /// Seen true (or, for a one-sided site, evaluated with a known value).
    pub seen_true: bool,
    /// Seen false.
    pub seen_false: bool,
    /// Why the sides not seen cannot be reached with the current texts, from a
    /// `// coverage: unreachable <reason>` marker in the rule file (see [`Coverage`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unreachable: Option<String>,
}

impl Site {
    /// Number of sides to cover (2 or 1).
    pub fn sides(&self) -> usize {
        if self.two_sided {
            2
        } else {
            1
        }
    }

    /// Number of sides seen.
    pub fn covered(&self) -> usize {
        usize::from(self.seen_true) + usize::from(self.two_sided && self.seen_false)
    }

    /// Whether every side was seen.
    pub fn is_covered(&self) -> bool {
        self.covered() == self.sides()
    }

    /// Sides not seen that a marker declares unreachable.
    pub fn excluded(&self) -> usize {
        if self.unreachable.is_some() {
            self.sides() - self.covered()
        } else {
            0
        }
    }

    /// Whether every side was seen or is declared unreachable.
    pub fn is_settled(&self) -> bool {
        self.covered() + self.excluded() == self.sides()
    }

    /// The sides not seen (`"true"`, `"false"`, or `"evaluated"`).
    pub fn missing(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        if !self.seen_true {
            out.push(if self.two_sided { "true" } else { "evaluated" });
        }
        if self.two_sided && !self.seen_false {
            out.push("false");
        }
        out
    }
}

/// Covered sides against all sides.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    /// Sites counted.
    pub sites: usize,
    /// Sites with every side seen.
    pub sites_covered: usize,
    /// Sides to cover.
    pub sides: usize,
    /// Sides seen.
    pub covered: usize,
    /// Sides not seen that markers declare unreachable.
    pub excluded: usize,
}

impl Tally {
    fn add(&mut self, site: &Site) {
        self.sites += 1;
        self.sites_covered += usize::from(site.is_covered());
        self.sides += site.sides();
        self.covered += site.covered();
        self.excluded += site.excluded();
    }

    /// The covered share of sides as a percentage with one decimal (`"97.5"`), exact
    /// integer arithmetic rounded down; `"100.0"` when there is nothing to cover.
    pub fn percent(&self) -> String {
        percent(self.covered, self.sides)
    }

    /// The covered share of the sides that can be reached (all sides but those declared
    /// unreachable), formatted as [`Tally::percent`].
    pub fn percent_reachable(&self) -> String {
        percent(self.covered, self.sides.saturating_sub(self.excluded))
    }
}

/// The sites of one article.
#[derive(Debug, Clone, Serialize)]
pub struct ArticleCoverage {
    /// The article (`刑法 第二百八十六条之一`).
    pub article: String,
    /// Its tally.
    pub tally: Tally,
    /// Its sites, in the order they are written.
    pub sites: Vec<Site>,
}

/// Coverage of a rule set by a suite of cases.
#[derive(Debug, Clone)]
pub struct Coverage {
    sites: Vec<Site>,
    index: HashMap<(SiteKind, String, String), Vec<usize>>,
    markers: Vec<Marker>,
    cases: usize,
}

/// A `// coverage: unreachable <reason>` comment and the sites it speaks for.
#[derive(Debug, Clone, Serialize)]
pub struct Marker {
    /// `file:line` of the comment.
    pub location: String,
    /// The reason given (empty when none was: such a marker is not honoured).
    pub reason: String,
    /// Indices into [`Coverage::sites`].
    #[serde(skip)]
    sites: Vec<usize>,
}

/// Keys that tie explanation nodes to sites: kind, location and text (or identifier).
type Key = (SiteKind, String, String);

impl Coverage {
    /// Every site of a program, none seen yet.
    pub fn new(program: &Program) -> Coverage {
        let mut walker = Walker {
            program,
            sites: Vec::new(),
            places: Vec::new(),
            rule_lines: Vec::new(),
        };
        walker.program();
        let mut index: HashMap<Key, Vec<usize>> = HashMap::new();
        for (i, site) in walker.sites.iter().enumerate() {
            index.entry(site_key(site)).or_default().push(i);
        }
        let markers = markers::find(program, &walker.places, &walker.rule_lines);
        let mut sites = walker.sites;
        for marker in markers.iter().filter(|m| !m.reason.is_empty()) {
            for i in &marker.sites {
                if let Some(site) = sites.get_mut(*i) {
                    site.unreachable = Some(marker.reason.clone());
                }
            }
        }
        Coverage {
            sites,
            index,
            markers,
            cases: 0,
        }
    }

    /// Markers that speak for no site whose sides are still unseen (every side was covered,
    /// no site is on the marked lines, or no reason was given): they should be removed or fixed.
    pub fn stale_markers(&self) -> Vec<&Marker> {
        self.markers
            .iter()
            .filter(|m| {
                m.reason.is_empty()
                    || !m
                        .sites
                        .iter()
                        .filter_map(|i| self.sites.get(*i))
                        .any(|s| s.excluded() > 0)
            })
            .collect()
    }

    /// Marks the sides seen in one case's full explanation.
    pub fn record(&mut self, explanation: &Explanation) {
        self.cases += 1;
        for node in explanation.conclusions.values() {
            self.visit(node);
        }
    }

    fn visit(&mut self, node: &Node) {
        if let Some(key) = node_key(node) {
            if let Some(indices) = self.index.get(&key) {
                for i in indices {
                    if let Some(site) = self.sites.get_mut(*i) {
                        mark(site, node);
                    }
                }
            }
        }
        for child in &node.children {
            self.visit(child);
        }
    }

    /// Number of explanations recorded.
    pub fn cases(&self) -> usize {
        self.cases
    }

    /// Every site, in the order the rule files declare them.
    pub fn sites(&self) -> &[Site] {
        &self.sites
    }

    /// Sites with a side neither seen nor declared unreachable.
    pub fn uncovered(&self) -> impl Iterator<Item = &Site> {
        self.sites.iter().filter(|s| !s.is_settled())
    }

    /// Sites with a side not seen that a marker declares unreachable.
    pub fn unreachable(&self) -> impl Iterator<Item = &Site> {
        self.sites.iter().filter(|s| s.excluded() > 0)
    }

    /// The tally over all sites.
    pub fn totals(&self) -> Tally {
        self.tally(|_| true)
    }

    /// The tally over the sites of one kind.
    pub fn tally_of(&self, kind: SiteKind) -> Tally {
        self.tally(|s| s.kind == kind)
    }

    fn tally(&self, keep: impl Fn(&Site) -> bool) -> Tally {
        let mut tally = Tally::default();
        for site in self.sites.iter().filter(|s| keep(s)) {
            tally.add(site);
        }
        tally
    }

    /// Sites grouped by the article they cite, articles in the order first written.
    pub fn by_article(&self) -> Vec<ArticleCoverage> {
        let mut groups: Vec<ArticleCoverage> = Vec::new();
        for site in &self.sites {
            let position = groups.iter().position(|g| g.article == site.article);
            let group = match position.and_then(|p| groups.get_mut(p)) {
                Some(g) => g,
                None => {
                    groups.push(ArticleCoverage {
                        article: site.article.clone(),
                        tally: Tally::default(),
                        sites: Vec::new(),
                    });
                    match groups.last_mut() {
                        Some(g) => g,
                        None => continue,
                    }
                }
            };
            group.tally.add(site);
            group.sites.push(site.clone());
        }
        groups
    }

    /// The machine-readable report (`ruling test --coverage --format json`).
    pub fn to_json(&self) -> Json {
        let kinds: serde_json::Map<String, Json> = [
            SiteKind::Rule,
            SiteKind::Branch,
            SiteKind::Comparison,
            SiteKind::Exception,
        ]
        .into_iter()
        .map(|k| (k.name().to_string(), tally_json(&self.tally_of(k))))
        .collect();
        let articles: Vec<Json> = self
            .by_article()
            .iter()
            .map(|a| {
                serde_json::json!({
                    "article": a.article,
                    "tally": tally_json(&a.tally),
                    "sites": a.sites,
                })
            })
            .collect();
        let uncovered: Vec<Json> = self.uncovered().map(missing_json).collect();
        let unreachable: Vec<Json> = self
            .unreachable()
            .map(|s| {
                let mut entry = missing_json(s);
                if let Some(map) = entry.as_object_mut() {
                    map.insert(String::from("reason"), serde_json::json!(s.unreachable));
                }
                entry
            })
            .collect();
        serde_json::json!({
            "cases": self.cases,
            "total": tally_json(&self.totals()),
            "by_kind": kinds,
            "articles": articles,
            "uncovered": uncovered,
            "unreachable": unreachable,
            "stale_markers": self.stale_markers(),
        })
    }

    /// The report for people: per article, each site with ✓/✗ per side; then the uncovered list.
    pub fn render_text(&self) -> String {
        let mut out = format!("覆盖率 coverage by article ({} case(s))\n", self.cases);
        for article in self.by_article() {
            out.push_str(&format!(
                "\n{}  {}/{} sides, {}%\n",
                article.article,
                article.tally.covered,
                article.tally.sides,
                article.tally.percent()
            ));
            for site in &article.sites {
                out.push_str(&format!("  {}\n", site_line(site)));
            }
        }
        out.push_str(&self.render_summary());
        let excluded = self.totals().excluded;
        if excluded > 0 {
            out.push_str(&format!("\n不可达 declared unreachable ({excluded} side(s)):\n"));
            for marker in self.markers.iter().filter(|m| !m.reason.is_empty()) {
                let sites: Vec<&Site> = marker
                    .sites
                    .iter()
                    .filter_map(|i| self.sites.get(*i))
                    .filter(|s| s.excluded() > 0)
                    .collect();
                if sites.is_empty() {
                    continue;
                }
                out.push_str(&format!("  {} — {}\n", marker.location, marker.reason));
                for site in sites {
                    out.push_str(&format!(
                        "    {}  {} `{}` never {}\n",
                        site.location,
                        site.kind.name(),
                        shorten(&site.text, 60),
                        site.missing().join(" / ")
                    ));
                }
            }
        }
        for marker in self.stale_markers() {
            let why = if marker.reason.is_empty() {
                "gives no reason; it is not honoured"
            } else {
                "marks nothing unseen: every side it covers was seen, or no site is on the marked lines; remove it"
            };
            out.push_str(&format!("\n过时标记 stale marker {}: {why}\n", marker.location));
        }
        let uncovered: Vec<&Site> = self.uncovered().collect();
        if !uncovered.is_empty() {
            out.push_str(&format!("\n未覆盖 uncovered ({}):\n", uncovered.len()));
            for site in uncovered {
                out.push_str(&format!(
                    "  {}  {}  {} `{}` never {}\n",
                    site.location,
                    site.citation.as_deref().unwrap_or("（无引注）"),
                    site.kind.name(),
                    shorten(&site.text, 60),
                    site.missing().join(" / ")
                ));
            }
        }
        out
    }

    /// The closing totals: all sides, then per kind.
    pub fn render_summary(&self) -> String {
        let total = self.totals();
        let mut out = format!(
            "\n总计 total: {}/{} sides covered ({}%)\n",
            total.covered,
            total.sides,
            total.percent()
        );
        if total.excluded > 0 {
            out.push_str(&format!(
                "  {} side(s) declared unreachable; reachable sides covered: {}/{} ({}%)\n",
                total.excluded,
                total.covered,
                total.sides - total.excluded,
                total.percent_reachable()
            ));
        }
        for kind in [
            SiteKind::Rule,
            SiteKind::Branch,
            SiteKind::Comparison,
            SiteKind::Exception,
        ] {
            let t = self.tally_of(kind);
            out.push_str(&format!(
                "  {:<11} {}/{} fully covered, {}/{} sides ({}%)\n",
                kind.name(),
                t.sites_covered,
                t.sites,
                t.covered,
                t.sides,
                t.percent()
            ));
        }
        out
    }
}

/// A site with the sides not seen, for the JSON report.
fn missing_json(s: &Site) -> Json {
    serde_json::json!({
        "kind": s.kind,
        "location": s.location,
        "citation": s.citation,
        "text": s.text,
        "missing": s.missing(),
    })
}

fn percent(covered: usize, sides: usize) -> String {
    if sides == 0 {
        return String::from("100.0");
    }
    let tenths = covered.saturating_mul(1000) / sides;
    format!("{}.{}", tenths / 10, tenths % 10)
}

fn tally_json(t: &Tally) -> Json {
    serde_json::json!({
        "sites": t.sites,
        "sites_covered": t.sites_covered,
        "sides": t.sides,
        "covered": t.covered,
        "excluded": t.excluded,
        "percent": t.percent(),
        "percent_reachable": t.percent_reachable(),
    })
}

fn site_line(site: &Site) -> String {
    let mark = |seen: bool| if seen { "✓" } else { "✗" };
    let sides = if site.two_sided {
        format!("true {} false {}", mark(site.seen_true), mark(site.seen_false))
    } else {
        format!("evaluated {}", mark(site.seen_true))
    };
    let what = match (site.kind, &site.name) {
        (SiteKind::Branch, Some(label)) => format!("\"{label}\" {}", shorten(&site.text, 50)),
        (SiteKind::Rule | SiteKind::Exception, Some(name)) => name.clone(),
        _ => shorten(&site.text, 70),
    };
    let cite = site.citation.as_deref().unwrap_or("（无引注）");
    format!(
        "{} {:<10} {:<14} {}  {}  〔{}〕",
        if site.is_covered() { "✓" } else { "✗" },
        site.kind.name(),
        sides,
        site.location,
        what,
        cite
    )
}

/// At most `max` characters, with `…` when cut.
fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

fn mark(site: &mut Site, node: &Node) {
    if node.unknown {
        return;
    }
    if !site.two_sided {
        site.seen_true = true;
        return;
    }
    match node.value {
        Json::Bool(true) => site.seen_true = true,
        Json::Bool(false) => site.seen_false = true,
        _ => {}
    }
}

fn site_key(site: &Site) -> Key {
    match site.kind {
        SiteKind::Rule | SiteKind::Exception => (site.kind, String::new(), site.name.clone().unwrap_or_default()),
        SiteKind::Branch | SiteKind::Comparison => (site.kind, site.location.clone(), site.text.clone()),
    }
}

fn node_key(node: &Node) -> Option<Key> {
    let kind = match node.kind {
        NodeKind::Rule => SiteKind::Rule,
        NodeKind::Exception => SiteKind::Exception,
        NodeKind::Branch => SiteKind::Branch,
        NodeKind::Comparison => SiteKind::Comparison,
        _ => return None,
    };
    Some(match kind {
        SiteKind::Rule | SiteKind::Exception => (kind, String::new(), node.id.as_deref()?.to_string()),
        SiteKind::Branch | SiteKind::Comparison => (
            kind,
            node.location.as_deref()?.to_string(),
            node.text.as_deref()?.to_string(),
        ),
    })
}

/// Enumerates the sites of a program.
struct Walker<'a> {
    program: &'a Program,
    sites: Vec<Site>,
    /// Each site's file and 1-based line (parallel to `sites`).
    places: Vec<(String, usize)>,
    /// Each rule declaration's file and first and last line, with the indices of its sites.
    rule_lines: Vec<markers::RuleLines>,
}

/// What an expression inherits from where it is written.
#[derive(Clone)]
struct Context {
    cite: Option<Cite>,
    /// Inside an aggregate, `known(…)` or a parameter: the evaluator records nothing there.
    untraced: bool,
}

impl Walker<'_> {
    fn program(&mut self) {
        let program = self.program;
        for rule in &program.rules {
            let first_site = self.sites.len();
            self.rule(rule);
            if let Some(file) = program.source_map.get(rule.span.file) {
                self.rule_lines.push(markers::RuleLines {
                    file: file.name.clone(),
                    first: file.line_of(rule.span.start),
                    last: file.line_of(rule.span.end.saturating_sub(1)),
                    sites: first_site..self.sites.len(),
                });
            }
        }
    }

    fn rule(&mut self, rule: &crate::ir::ValueInfo) {
        let program = self.program;
        let cite = rule.versions.last().and_then(|v| v.cite.as_ref());
        let two_sided = matches!(rule.ty.strip_optional(), Type::Bool);
        self.push(
            SiteKind::Rule,
            rule.span,
            Some(rule.name.clone()),
            rule.name.clone(),
            cite,
            two_sided,
        );
        for version in &rule.versions {
            let context = Context {
                cite: version.cite.clone(),
                untraced: false,
            };
            self.expr(&version.body, &context);
        }
        for index in &rule.exceptions {
            let Some(exception) = program.exceptions.get(*index) else {
                continue;
            };
            let cite = exception.cite.as_ref();
            self.push(
                SiteKind::Exception,
                exception.span,
                Some(exception.name.clone()),
                exception.name.clone(),
                cite,
                true,
            );
            let context = Context {
                cite: cite.cloned(),
                untraced: false,
            };
            self.expr(&exception.when, &context);
            self.expr(&exception.value, &context);
        }
    }

    fn push(
        &mut self,
        kind: SiteKind,
        span: Span,
        name: Option<String>,
        text: String,
        cite: Option<&Cite>,
        two_sided: bool,
    ) {
        let place = match self.program.source_map.get(span.file) {
            Some(file) => (file.name.clone(), file.line_of(span.start)),
            None => (String::new(), 0),
        };
        self.places.push(place);
        let site = Site {
            kind,
            location: self.program.source_map.location(span),
            name,
            text,
            citation: cite.map(|c| c.text.to_string()),
            article: article_of(self.program, cite),
            two_sided,
            seen_true: false,
            seen_false: false,
            unreachable: None,
        };
        self.sites.push(site);
    }

    fn expr(&mut self, expr: &Expr, context: &Context) {
        match &expr.kind {
            ExprKind::Binary(op, _, _) if op.is_comparison() && !context.untraced => {
                let text = self.program.source_map.one_line(expr.span);
                self.push(SiteKind::Comparison, expr.span, None, text, context.cite.as_ref(), true);
                expr.for_each_child(|child| self.expr(child, context));
            }
            ExprKind::Block(_, branches) | ExprKind::AtLeast(_, branches) => {
                for branch in branches {
                    let inner = Context {
                        cite: branch.cite.clone().or_else(|| context.cite.clone()),
                        untraced: context.untraced,
                    };
                    if !context.untraced {
                        let text = self.program.source_map.one_line(branch.expr.span);
                        let label = branch.label.as_deref().map(String::from);
                        self.push(SiteKind::Branch, branch.span, label, text, inner.cite.as_ref(), true);
                    }
                    self.expr(&branch.expr, &inner);
                }
            }
            ExprKind::Aggregate {
                list, value, filter, ..
            } => {
                self.expr(list, context);
                let inner = Context {
                    cite: context.cite.clone(),
                    untraced: true,
                };
                for e in value.iter().chain(filter.iter()) {
                    self.expr(e, &inner);
                }
            }
            ExprKind::Known(inner) => {
                let untraced = Context {
                    cite: context.cite.clone(),
                    untraced: true,
                };
                self.expr(inner, &untraced);
            }
            _ => expr.for_each_child(|child| self.expr(child, context)),
        }
    }
}

/// The article a citation falls under: its source and its 条 (`法释〔2019〕15号 第三条`).
fn article_of(program: &Program, cite: Option<&Cite>) -> String {
    let Some(cite) = cite else {
        return String::from("（无引注 no citation）");
    };
    let source = program
        .sources
        .get(cite.source as usize)
        .map(|s| s.citation_name.clone())
        .unwrap_or_default();
    let article: Vec<&str> = cite
        .parts
        .iter()
        .take_while(|(level, _)| *level == CiteLevel::Article)
        .map(|(_, text)| text.as_str())
        .collect();
    if article.is_empty() {
        source
    } else {
        format!("{source} {}", article.concat())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_is_exact_and_rounds_down() {
        let t = Tally {
            sites: 3,
            sites_covered: 1,
            sides: 3,
            covered: 2,
            excluded: 0,
        };
        assert_eq!(t.percent(), "66.6");
        assert_eq!(Tally::default().percent(), "100.0");
        let marked = Tally { excluded: 1, ..t };
        assert_eq!(
            (marked.percent(), marked.percent_reachable()),
            (String::from("66.6"), String::from("100.0"))
        );
    }

    #[test]
    fn shorten_cuts_on_characters() {
        assert_eq!(shorten("违法视频文件数标准", 4), "违法视…");
        assert_eq!(shorten("abc", 4), "abc");
    }
}
