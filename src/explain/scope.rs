//! The scope of a case: which conclusions it is about. A case names them (`questions`), or they
//! are found from the facts it gives. Memos report the scope, `--strict` checks it.

use super::Catalog;

/// How a [`Scope`] was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeOrigin {
    /// The case (`questions`) or the command line (`--question`) named the conclusions.
    Asked,
    /// Found from the facts the case gives (see [`Scope::by_default`]).
    Default,
    /// Every conclusion of the rule set.
    All,
}

/// The conclusions a case is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    /// The conclusions asked about (rule ids), in declaration order.
    pub questions: Vec<String>,
    /// How they were chosen.
    pub origin: ScopeOrigin,
}

impl Scope {
    /// The conclusions named by the case or the command line, in declaration order.
    pub fn asked(catalog: &Catalog, names: &[String]) -> Scope {
        let questions = catalog
            .rules
            .iter()
            .filter(|r| names.contains(&r.id))
            .map(|r| r.id.clone())
            .collect();
        Scope {
            questions,
            origin: ScopeOrigin::Asked,
        }
    }

    /// The scope of a case: the conclusions `asked` (on the command line, else the case's
    /// `questions`), else every conclusion when `all`, else the default scope of the facts the
    /// case gives.
    pub fn of_case(catalog: &Catalog, case: &crate::Case, asked: &[String], all: bool) -> Scope {
        let asked = if asked.is_empty() {
            case.questions.as_slice()
        } else {
            asked
        };
        if !asked.is_empty() {
            return Scope::asked(catalog, asked);
        }
        if all {
            return Scope::all(catalog);
        }
        let given: Vec<&str> = case.facts.keys().map(String::as_str).collect();
        Scope::by_default(catalog, &given)
    }

    /// Every conclusion no other conclusion uses.
    pub fn all(catalog: &Catalog) -> Scope {
        let every = vec![true; catalog.rules.len()];
        Scope {
            questions: roots(catalog, &every),
            origin: ScopeOrigin::All,
        }
    }

    /// The scope found from the facts a case gives: the conclusions whose value can depend on a
    /// given fact, keeping those no other such conclusion uses. A fact that more than half of
    /// the conclusions read (the date of the conduct, say) says nothing about what the case is
    /// about and is left out; when no fact is left, the scope is every conclusion.
    pub fn by_default(catalog: &Catalog, given: &[&str]) -> Scope {
        let n_rules = catalog.rules.len();
        let topical: Vec<&str> = given
            .iter()
            .copied()
            .filter(|fact| {
                let n_touched = catalog.touched_by(&[fact]).iter().filter(|t| **t).count();
                n_touched > 0 && n_touched * 2 <= n_rules
            })
            .collect();
        if topical.is_empty() {
            return Scope::all(catalog);
        }
        let touched = catalog.touched_by(&topical);
        Scope {
            questions: roots(catalog, &touched),
            origin: ScopeOrigin::Default,
        }
    }

    /// Which conclusions the scope covers: the questions and what they depend on (by index in
    /// [`Catalog::rules`]).
    pub fn covered(&self, catalog: &Catalog) -> Vec<bool> {
        let names: Vec<&str> = self.questions.iter().map(String::as_str).collect();
        catalog.closure(&names)
    }

    /// The one-line statement of the scope a memo opens with: what is examined, by which
    /// choice, what the rule set covers and that nothing else is assessed.
    pub fn statement(&self, catalog: &Catalog) -> String {
        let n_covered = self.covered(catalog).iter().filter(|c| **c).count();
        let how = match self.origin {
            ScopeOrigin::Asked => "依案件所列问题",
            ScopeOrigin::Default => "依案件所给事实确定",
            ScopeOrigin::All => "规则集的全部结论",
        };
        let sources: Vec<&str> = catalog.sources.iter().map(|s| s.citation_name.as_str()).collect();
        let mut line = format!(
            "审查范围（{how}）：{} 项结论及其所依赖的结论，共 {n_covered} 项；规则集涵盖 {}",
            self.questions.len(),
            sources.join("、")
        );
        // What the rule files declare they leave out (`not_encoded`), so that silence about
        // an offence is not read as a finding that it is not committed.
        let missing: Vec<String> = catalog
            .sources
            .iter()
            .flat_map(|s| {
                s.not_encoded
                    .iter()
                    .map(move |text| format!("{}{text}", s.citation_name))
            })
            .collect();
        if !missing.is_empty() {
            line.push_str(&format!("；规则集未编码 {}", missing.join("、")));
        }
        line.push_str("；范围以外的结论和条文未作评价。");
        line
    }
}

/// The marked conclusions that no other marked conclusion uses, in declaration order.
fn roots(catalog: &Catalog, marked: &[bool]) -> Vec<String> {
    let mut used = vec![false; catalog.rules.len()];
    for (rule, on) in catalog.rules.iter().zip(marked) {
        if *on {
            for read in &rule.reads_rules {
                if let Some(slot) = used.get_mut(*read as usize) {
                    *slot = true;
                }
            }
        }
    }
    catalog
        .rules
        .iter()
        .zip(marked.iter().zip(&used))
        .filter(|(_, (on, used))| **on && !**used)
        .map(|(rule, _)| rule.id.clone())
        .collect()
}
