//! Conditions over simple tests, evaluated as one instruction of the plan.
//!
//! The commonest condition in statute thresholds is "any of these items", each item a fact
//! compared with a constant, a boolean fact, or the truth of a rule computed earlier
//! (法释〔2019〕15号 第三条 is six such items), and the commonest rule is `all` or `any` of
//! such items and of such blocks (刑法 第二百八十六条之一). Dispatching one instruction per
//! item cost more than the tests themselves (an indirect jump the predictor misses), so the
//! plan turns such a condition into a [`Group`]: a disjunction of simple tests, run in a loop
//! without a branch per test, and of negated groups (a conjunction `a and b` is
//! `not (not a or not b)`, in Kleene logic too). A rule that is one group is one instruction.
//!
//! Kleene disjunction is commutative and the tests read facts and rule values only, so the
//! order of the items does not change the value. When a fact is unknown, or not what a fast
//! test can read (a count that is not a 64-bit integer), the group gives its disjunction to
//! the exact path, which evaluates it item by item in the written order.

use super::ops::Tv;
use super::plan::{Bail, Linear, Machine, Op, Slot, OTHER, TRUE};
use crate::ast::BlockKind;
use crate::facts::FactValues;

type Result<T> = std::result::Result<T, Bail>;

/// Orderings as mask bits: less, equal, greater.
const LESS: u8 = 0b001;
const EQUAL: u8 = 0b010;
const GREATER: u8 = 0b100;
const ALL_ORDERINGS: u8 = 0b111;

/// The smallest integer a slot holds (smaller words are markers).
const MIN_INT: i64 = TRUE + 1;

/// Which facts and rules hold booleans (the only ones whose truth a group tests directly).
#[derive(Debug, Default)]
pub(crate) struct Booleans {
    pub(crate) facts: Vec<bool>,
    pub(crate) rules: Vec<bool>,
}

/// One test on a word: it holds when `lo <= word <= lo + span`.
///
/// `fact <op> integer` is a range of integers (`!=` is two); the truth of a boolean is the
/// range holding just the `TRUE` marker (or `FALSE`, for `not`). Ranges of integers start at
/// [`MIN_INT`] or above, ranges of markers below it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Test {
    lo: i64,
    span: u64,
    slot: u32,
}

impl Test {
    /// The truth of a boolean fact or rule (`negated`: its negation).
    fn truth(slot: u32, negated: bool) -> Test {
        Test {
            lo: Slot::of_truth(Some(!negated)).raw(),
            span: 0,
            slot,
        }
    }

    /// `fact <mask> constant` as ranges of integers (`None`: no orderings, all of them, or a
    /// constant too close to the ends of the integers to test this way).
    fn compare(slot: u32, constant: i64, mask: u8) -> Option<Vec<Test>> {
        if !(MIN_INT + 1..i64::MAX - 1).contains(&constant) {
            return None;
        }
        let below = (MIN_INT, constant - 1);
        let above = (constant + 1, i64::MAX);
        let ranges = match mask {
            m if m == EQUAL | GREATER => vec![(constant, i64::MAX)],
            GREATER => vec![above],
            m if m == LESS | EQUAL => vec![(MIN_INT, constant)],
            LESS => vec![below],
            EQUAL => vec![(constant, constant)],
            m if m == LESS | GREATER => vec![below, above],
            _ => return None,
        };
        let test = |(lo, hi): (i64, i64)| Test {
            lo,
            span: hi.abs_diff(lo),
            slot,
        };
        Some(ranges.into_iter().map(test).collect())
    }

    /// Words the test leaves to the exact path: unknown, and for integers any marker (a value
    /// that is not a 64-bit integer); for booleans, defensively, any non-boolean marker.
    #[inline(always)]
    fn special_max(&self) -> i64 {
        if self.lo < MIN_INT {
            OTHER
        } else {
            TRUE
        }
    }
}

/// Whether a test held, and whether a word was one the tests leave to the exact path.
#[derive(Debug, Default, Clone, Copy)]
struct Scan {
    hit: bool,
    special: bool,
}

/// Runs every test, without a branch per test: the tests have no effects, and skipping the
/// rest after a true one would save a few comparisons at the cost of a mispredicted branch.
/// A slot out of range reads as unknown, so the exact path decides (and gives up).
#[inline(always)]
fn scan(tests: &[Test], words: &[Slot], scan: &mut Scan) {
    for test in tests {
        let raw = words.get(test.slot as usize).map_or(i64::MIN, |w| w.raw());
        scan.hit |= raw.wrapping_sub(test.lo) as u64 <= test.span;
        scan.special |= raw <= test.special_max();
    }
}

/// [`scan`] for a case whose facts are all known integers or booleans (a *clean* case, see
/// [`clean`]): no word can be special, so only the tests run.
#[inline(always)]
fn scan_clean(tests: &[Test], words: &[Slot]) -> Scan {
    // Counting rather than or-ing booleans: the compiler turned `hit |= …` into a serial
    // `or; and; mov` chain through every test, and a count into one `sbb` each.
    let mut hits = 0u32;
    let mut missing = 0u32;
    for test in tests {
        match words.get(test.slot as usize) {
            Some(word) => hits += u32::from(word.raw().wrapping_sub(test.lo) as u64 <= test.span),
            None => missing += 1,
        }
    }
    Scan {
        hit: hits != 0,
        special: missing != 0,
    }
}

/// [`scan`] for truth tests on rules: a rule's word is a boolean marker, unknown, or another
/// value's marker (the last two for the exact path).
#[inline(always)]
fn scan_truths(tests: &[Test], words: &[Slot], scan: &mut Scan) {
    let mut hits = 0u32;
    let mut special = 0u32;
    for test in tests {
        let raw = words.get(test.slot as usize).map_or(i64::MIN, |w| w.raw());
        hits += u32::from(raw == test.lo);
        special += u32::from(raw <= OTHER);
    }
    scan.hit |= hits != 0;
    scan.special |= special != 0;
}

/// Whether every fact of a case is known and held in its slot as an integer or a boolean,
/// so that the tests of a group read all of them directly.
pub(crate) fn clean(slots: &[Slot]) -> bool {
    slots.iter().all(|s| s.raw() > OTHER)
}

/// A case's facts as the plan reads them.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Case<'a> {
    /// One word per fact.
    pub(crate) slots: &'a [Slot],
    /// The full values (read only on the exact path).
    pub(crate) facts: &'a FactValues,
    /// Whether every slot holds a known integer or boolean (see [`clean`]).
    pub(crate) clean: bool,
}

/// A disjunction: tests on fact slots and on rule truths, linear sums, and negated groups;
/// with the same disjunction as operations for the exact path.
#[derive(Debug, Clone)]
pub(crate) struct Group {
    facts: Box<[Test]>,
    rules: Box<[Test]>,
    linear: Box<[(u8, Linear)]>,
    /// Groups whose negations are disjuncts (conjunctions).
    negated: Box<[Group]>,
    exact: Op,
}

/// A condition as a group: its truth is the group's (`negated`: the group's negation).
#[derive(Debug, Clone)]
pub(crate) struct Formula {
    pub(crate) group: Group,
    pub(crate) negated: bool,
}

impl Formula {
    /// The condition as one group, when everything in it is simple.
    pub(crate) fn of(op: &Op, booleans: &Booleans) -> Option<Formula> {
        let negated = is_conjunction(op, false);
        let mut rest = Vec::new();
        let group = Builder::group(std::slice::from_ref(op), negated, booleans, &mut rest);
        rest.is_empty().then_some(Formula { group, negated })
    }

    /// The truth of the condition.
    #[inline(always)]
    pub(crate) fn truth(&self, case: Case<'_>, rules: (&[Slot], &[Tv])) -> Result<Option<bool>> {
        let truth = self.group.truth(case, rules)?;
        Ok(if self.negated { truth.map(|b| !b) } else { truth })
    }
}

/// Whether `op` (`not op` when `negated`) is a conjunction: its negation is a disjunction.
fn is_conjunction(op: &Op, negated: bool) -> bool {
    match (op, negated) {
        (Op::Not(inner), _) => is_conjunction(inner, !negated),
        (Op::And(..) | Op::Block(BlockKind::All, _), false) | (Op::Or(..) | Op::Block(BlockKind::Any, _), true) => true,
        _ => false,
    }
}

impl Group {
    /// Splits the branches of an `any` into a group of simple items (`None` when fewer than
    /// two) and the branches left to jump code.
    pub(crate) fn split(branches: &[Op], booleans: &Booleans) -> (Option<Group>, Vec<Op>) {
        let mut rest = Vec::new();
        let group = Builder::group(branches, false, booleans, &mut rest);
        if group.size() < 2 {
            return (None, branches.to_vec());
        }
        (Some(group), rest)
    }

    /// Items in the group.
    fn size(&self) -> usize {
        self.facts.len() + self.rules.len() + self.linear.len() + self.negated.len()
    }

    /// The truth of the disjunction: true if an item is, else unknown if an item is, else
    /// false. Unknown facts and values the tests do not read go to the exact path, which
    /// evaluates the items one by one.
    #[inline(always)]
    pub(crate) fn truth(&self, case: Case<'_>, rules: (&[Slot], &[Tv])) -> Result<Option<bool>> {
        self.truth_within::<true>(case, rules)
    }

    /// [`Group::truth`]; `NESTING`: whether the group may have nested groups (a group
    /// without them is evaluated inline, a group with them through a call).
    #[inline(always)]
    fn truth_within<const NESTING: bool>(
        &self,
        case: Case<'_>,
        (truths, rules): (&[Slot], &[Tv]),
    ) -> Result<Option<bool>> {
        let Case { slots, facts, clean } = case;
        let mut found = if clean {
            scan_clean(&self.facts, slots)
        } else {
            let mut found = Scan::default();
            scan(&self.facts, slots, &mut found);
            found
        };
        scan_truths(&self.rules, truths, &mut found);
        if found.special {
            return self.exact(Machine::new(slots, &facts.values, rules));
        }
        // Every item is evaluated, with no branch on a hit: whether an item holds is as
        // unpredictable as the cases are, and a mispredicted branch costs more than the items.
        let mut hits = u32::from(found.hit);
        let mut unknown = false;
        for (mask, sum) in self.linear.iter() {
            let fast = if clean { sum.holds_clean(*mask, slots) } else { None };
            match fast.map_or_else(|| sum.holds(*mask, slots), |b| Ok(Some(b)))? {
                Some(holds) => hits += u32::from(holds),
                None => unknown = true,
            }
        }
        for group in self.negated.iter().filter(|_| NESTING) {
            let truth = if group.negated.is_empty() {
                group.truth_within::<false>(case, (truths, rules))?
            } else {
                group.nested_truth(case, (truths, rules))?
            };
            match truth {
                Some(holds) => hits += u32::from(!holds),
                None => unknown = true,
            }
        }
        Ok(match (hits, unknown) {
            (0, true) => None,
            (hits, _) => Some(hits != 0),
        })
    }

    /// The truth of a group nested two deep or more (a call: recursion cannot be inlined).
    #[inline(never)]
    fn nested_truth(&self, case: Case<'_>, rules: (&[Slot], &[Tv])) -> Result<Option<bool>> {
        self.truth(case, rules)
    }

    /// The disjunction evaluated item by item (kept out of line: it is the rare path).
    #[inline(never)]
    fn exact(&self, machine: Machine<'_>) -> Result<Option<bool>> {
        machine.truth(&self.exact)
    }
}

/// Collects the simple disjuncts of conditions.
struct Builder<'b> {
    booleans: &'b Booleans,
    facts: Vec<Test>,
    rules: Vec<Test>,
    linear: Vec<(u8, Linear)>,
    negated: Vec<Group>,
    /// Every disjunct taken as an operation, in the written order.
    items: Vec<Op>,
}

impl<'b> Builder<'b> {
    /// The group of the disjuncts of `branches` (of their negations when `negated`); what
    /// is not simple goes to `rest`.
    fn group(branches: &[Op], negated: bool, booleans: &'b Booleans, rest: &mut Vec<Op>) -> Group {
        let mut builder = Builder {
            booleans,
            facts: Vec::new(),
            rules: Vec::new(),
            linear: Vec::new(),
            negated: Vec::new(),
            items: Vec::new(),
        };
        for branch in branches {
            builder.disjuncts(branch, negated, rest);
        }
        Group {
            facts: builder.facts.into(),
            rules: builder.rules.into(),
            linear: builder.linear.into(),
            negated: builder.negated.into(),
            exact: Op::Block(BlockKind::Any, builder.items),
        }
    }

    /// Adds the disjuncts of `op` (of `not op` when `negated`); what is not simple goes to `rest`.
    fn disjuncts(&mut self, op: &Op, negated: bool, rest: &mut Vec<Op>) {
        let simple = match (op, negated) {
            (Op::Not(inner), _) => {
                self.disjuncts(inner, !negated, rest);
                return;
            }
            // `a or b`, and by De Morgan `not (a and b)` = `not a or not b` (also in Kleene logic).
            (Op::Or(a, b), false) | (Op::And(a, b), true) => {
                self.disjuncts(a, negated, rest);
                self.disjuncts(b, negated, rest);
                return;
            }
            (Op::Block(BlockKind::Any, branches), false) | (Op::Block(BlockKind::All, branches), true) => {
                for branch in branches {
                    self.disjuncts(branch, negated, rest);
                }
                return;
            }
            // A conjunction is the negation of the group of its negated conjuncts.
            _ if is_conjunction(op, negated) => self.conjunction(op, negated),
            (Op::Fact(slot), _) => self.truth(*slot, negated, false),
            (Op::Rule(slot), _) => self.truth(*slot, negated, true),
            (Op::CompareFactInt(_, slot, constant, mask), _) => {
                let mask = if negated { ALL_ORDERINGS ^ mask } else { *mask };
                Test::compare(*slot, *constant, mask)
                    .map(|tests| self.facts.extend(tests))
                    .is_some()
            }
            (Op::CompareLinear(mask, sum), _) => {
                let mask = if negated { ALL_ORDERINGS ^ mask } else { *mask };
                self.linear.push((mask, sum.clone()));
                true
            }
            _ => false,
        };
        let op = with_negation(op, negated);
        if simple {
            self.items.push(op);
        } else {
            rest.push(op);
        }
    }

    /// A conjunction as a negated group, when all of it is simple.
    fn conjunction(&mut self, op: &Op, negated: bool) -> bool {
        let mut inner_rest = Vec::new();
        // `not (a and b)` has the disjuncts of `not a`, `not b`: the conjunction negated.
        let group = Builder::group(std::slice::from_ref(op), !negated, self.booleans, &mut inner_rest);
        if !inner_rest.is_empty() {
            return false;
        }
        self.negated.push(group);
        true
    }

    /// A truth test on a boolean fact or rule; false (not simple) for other types.
    fn truth(&mut self, slot: u32, negated: bool, rule: bool) -> bool {
        let (types, tests) = if rule {
            (&self.booleans.rules, &mut self.rules)
        } else {
            (&self.booleans.facts, &mut self.facts)
        };
        if !types.get(slot as usize).copied().unwrap_or(false) {
            return false;
        }
        tests.push(Test::truth(slot, negated));
        true
    }
}

fn with_negation(op: &Op, negated: bool) -> Op {
    if negated {
        Op::Not(Box::new(op.clone()))
    } else {
        op.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast::BinaryOp;
    use crate::value::{Rational, Value};

    const GE: u8 = EQUAL | GREATER;

    fn int(i: i64) -> Tv {
        Some(Value::Number(Rational::from_integer(i128::from(i))))
    }

    fn boolean(b: bool) -> Tv {
        Some(Value::Bool(b))
    }

    /// Facts 0 and 2 are counts, 1 and 3 booleans; rule 0 is boolean.
    fn booleans() -> Booleans {
        Booleans {
            facts: vec![false, true, false, true],
            rules: vec![true],
        }
    }

    /// The group's truth over these facts and rule values, checked against the exact path.
    fn truth(group: &Group, facts: &[Tv], rules: &[Tv]) -> Result<Option<bool>> {
        let slots: Vec<Slot> = facts.iter().map(Slot::of).collect();
        let truths: Vec<Slot> = rules.iter().map(Slot::of).collect();
        let machine = Machine::new(&slots, facts, rules);
        let values = FactValues {
            values: facts.to_vec(),
            defaulted: vec![false; facts.len()],
        };
        let case = Case {
            slots: &slots,
            facts: &values,
            clean: clean(&slots),
        };
        let fast = group.truth(case, (&truths, rules));
        assert_eq!(fast, machine.truth(&group.exact), "fast and exact paths agree");
        fast
    }

    #[test]
    fn a_group_is_the_kleene_disjunction_of_its_items() {
        let branches = vec![
            Op::CompareFactInt(BinaryOp::Ge, 0, 200, GE),
            Op::Not(Box::new(Op::Fact(1))),
            Op::Rule(0),
        ];
        let (group, rest) = Group::split(&branches, &booleans());
        let group = group.expect("three simple items");
        assert!(rest.is_empty());
        let (t, f, u) = (|| boolean(true), || boolean(false), || None);
        assert_eq!(truth(&group, &[int(199), t()], &[f()]), Ok(Some(false)));
        assert_eq!(truth(&group, &[int(200), t()], &[f()]), Ok(Some(true)));
        assert_eq!(truth(&group, &[int(199), f()], &[f()]), Ok(Some(true)));
        assert_eq!(truth(&group, &[int(199), t()], &[t()]), Ok(Some(true)));
        assert_eq!(truth(&group, &[u(), t()], &[f()]), Ok(None));
        assert_eq!(truth(&group, &[u(), u()], &[t()]), Ok(Some(true)));
        assert_eq!(truth(&group, &[int(5), u()], &[u()]), Ok(None));
    }

    #[test]
    fn every_comparison_becomes_a_range_that_agrees_with_the_operator() {
        let ops = [
            BinaryOp::Eq,
            BinaryOp::Ne,
            BinaryOp::Lt,
            BinaryOp::Le,
            BinaryOp::Gt,
            BinaryOp::Ge,
        ];
        for op in ops {
            let mask = crate::eval::plan::mask(op);
            for negated in [false, true] {
                let compare = Op::CompareFactInt(op, 0, 10, mask);
                let branch = if negated { Op::Not(Box::new(compare)) } else { compare };
                let (group, _) = Group::split(&[branch, Op::Fact(1)], &booleans());
                let group = group.expect("two simple items");
                let not_equal = matches!((op, negated), (BinaryOp::Ne, false) | (BinaryOp::Eq, true));
                let ranges = if not_equal { 2 } else { 1 };
                assert_eq!(group.facts.len(), ranges + 1, "{op:?} is {ranges} range(s)");
                for x in [0, 9, 10, 11, 1 << 40] {
                    truth(&group, &[int(x), boolean(false)], &[]).expect("no bail");
                }
            }
        }
    }

    #[test]
    fn not_all_splits_by_de_morgan_and_keeps_what_is_not_simple() {
        let complex = Op::Compare(BinaryOp::Ge, Box::new(Op::Fact(0)), Box::new(Op::Fact(2)));
        let all = Op::Block(BlockKind::All, vec![Op::Fact(1), Op::Fact(3), complex]);
        let (group, rest) = Group::split(&[Op::Not(Box::new(all))], &booleans());
        let group = group.expect("two simple items");
        assert_eq!(group.facts.len(), 2);
        assert!(matches!(rest.as_slice(), [Op::Not(inner)] if matches!(**inner, Op::Compare(..))));
        let (t, f) = (boolean(true), boolean(false));
        // not (a and b) = not a or not b
        assert_eq!(
            truth(&group, &[int(1), t.clone(), int(1), t.clone()], &[]),
            Ok(Some(false))
        );
        assert_eq!(truth(&group, &[int(1), t.clone(), int(1), f], &[]), Ok(Some(true)));
    }

    #[test]
    fn facts_that_are_not_booleans_stay_out_of_truth_tests() {
        let (group, rest) = Group::split(&[Op::Fact(0), Op::Fact(2)], &booleans());
        assert!(group.is_none());
        assert_eq!(rest.len(), 2);
    }

    #[test]
    fn a_value_the_tests_cannot_read_goes_to_the_exact_path() {
        let branches = vec![Op::CompareFactInt(BinaryOp::Ge, 0, 200, GE), Op::Fact(1)];
        let (group, _) = Group::split(&branches, &booleans());
        let group = group.expect("two items");
        let half = Some(Value::Number(Rational::new(401, 2)));
        assert_eq!(truth(&group, &[half, boolean(false)], &[]), Ok(Some(true)));
        let beyond = Some(Value::Number(Rational::from_integer(1 << 70)));
        assert_eq!(truth(&group, &[beyond, boolean(false)], &[]), Ok(Some(true)));
    }
}
