//! Groups: an `any` or `all` of simple tests, run in one loop.
//!
//! The commonest condition in statute thresholds is "any of these items", each item a fact
//! compared with a threshold or the truth of a fact or of a rule computed earlier
//! (法释〔2019〕15号 第三条 is six such items; 刑法 第二百八十六条之一 is `all` of such items).
//! Walking such a condition node by node costs a call and a mispredicted branch per item: the
//! values sit near the thresholds, so which item holds changes from case to case. A group
//! runs every simple test without a branch on its outcome (the tests have no effects, so
//! running one that the written order would skip changes nothing) and leaves the other items
//! to the formula walk.
//!
//! Kleene `or` and `and` are associative and commutative, so the value does not depend on
//! the order of the items; nested `or`s in an `any` (and `and`s in an `all`) join their
//! parent. A test whose sides are not both integers a word holds (a fraction, money with
//! cents, an unknown threshold) is decided by the formula's own comparison, item by item.

use crate::ast::{BinaryOp, BlockKind};
use crate::eval::word::W;

use super::formula::{Bail, Cond, Leaf, Reader};

type Result<T> = std::result::Result<T, Bail>;

/// Orderings as bits of a mask: less, equal, greater.
const LESS: u8 = 0b001;
const EQUAL: u8 = 0b010;
const GREATER: u8 = 0b100;

/// `fact <op> threshold`, or the mirror image.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Comparison {
    /// The fact compared.
    fact: u32,
    /// The threshold: a constant or a parameter.
    bound: Leaf,
    /// The orderings of fact against threshold under which the item decides the group.
    decides: u8,
    /// The comparison as written, for values that are not both integers.
    op: BinaryOp,
    sides: [Leaf; 2],
}

/// The truth of a boolean fact or rule, or of its negation.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Truth {
    leaf: Leaf,
    /// The item is the leaf itself (true) or its negation (false).
    positive: bool,
}

/// An `any` (or `all`) of items: simple tests, and other conditions.
#[derive(Debug, Clone)]
pub(crate) struct Group {
    /// `all`: decided by an item that is false; `any`: by an item that is true.
    all: bool,
    comparisons: Box<[Comparison]>,
    truths: Box<[Truth]>,
    /// The other items, and whether each may be skipped once the group is decided (see
    /// [`quiet`]).
    others: Box<[(Cond, bool)]>,
}

impl Group {
    /// `cond` with its `any`/`all` (or `or`/`and`) of simple tests as a group, when it has
    /// at least two; else `cond` as it was.
    pub(crate) fn regroup(cond: Cond) -> Cond {
        let all = match &cond {
            Cond::Logic { and, .. } => *and,
            Cond::Block {
                kind: BlockKind::All, ..
            } => true,
            Cond::Block {
                kind: BlockKind::Any, ..
            } => false,
            _ => return cond,
        };
        if simple_tests(all, &cond) < 2 {
            return cond;
        }
        let mut flat = Vec::new();
        flatten(all, cond, &mut flat);
        let mut comparisons = Vec::new();
        let mut truths = Vec::new();
        let mut others = Vec::new();
        for item in flat {
            if let Some(test) = comparison(&item, all) {
                comparisons.push(test);
            } else if let Some(test) = truth(&item) {
                truths.push(test);
            } else {
                let quiet = quiet(&item);
                others.push((item, quiet));
            }
        }
        Cond::Group(Box::new(Group {
            all,
            comparisons: comparisons.into(),
            truths: truths.into(),
            others: others.into(),
        }))
    }

    /// The group's truth as a word (unknown, true or false).
    #[inline]
    pub(crate) fn eval(&self, r: &Reader<'_, '_>) -> Result<W> {
        // Looking for an item with this truth: true in an `any`, false in an `all`.
        let target = !self.all;
        let mut hits = 0u32;
        let mut unknowns = 0u32;
        for test in self.comparisons.iter() {
            let x = r.fact_word(test.fact);
            let bound = r.leaf_word(test.bound)?;
            match (x.as_int(), bound.as_int()) {
                (Some(x), Some(b)) => {
                    let ordering = u32::from(x >= b) + u32::from(x > b);
                    hits += u32::from((test.decides >> ordering) & 1);
                }
                _ => match r.compare(test.op, test.sides)?.truth() {
                    Some(t) => hits += u32::from(t == target),
                    None => unknowns += 1,
                },
            }
        }
        for test in self.truths.iter() {
            let w = r.leaf_word(test.leaf)?;
            let known = w != W::UNKNOWN;
            unknowns += u32::from(!known);
            hits += u32::from(known && ((w == W::TRUE) == test.positive) == target);
        }
        for (item, quiet) in self.others.iter() {
            if hits != 0 && *quiet {
                continue;
            }
            match item.eval(r)?.truth() {
                Some(t) => hits += u32::from(t == target),
                None => unknowns += 1,
            }
        }
        Ok(if hits != 0 {
            W::bool(target)
        } else if unknowns != 0 {
            W::UNKNOWN
        } else {
            W::bool(!target)
        })
    }
}

/// The items of `item` that join a group: `item` itself, or the items of an `or` (in an
/// `any`) or an `and` (in an `all`), of a block or group of the same kind.
fn flatten(all: bool, item: Cond, out: &mut Vec<Cond>) {
    match item {
        Cond::Logic { and, sides } if and == all => {
            let [a, b] = *sides;
            flatten(all, a, out);
            flatten(all, b, out);
        }
        Cond::Block { kind, branches } if kind == block_kind(all) => {
            for (branch, _) in branches {
                flatten(all, branch, out);
            }
        }
        Cond::Group(group) if group.all == all => {
            let group = *group;
            out.extend(group.comparisons.iter().map(Comparison::written));
            out.extend(group.truths.iter().map(Truth::written));
            out.extend(group.others.into_vec().into_iter().map(|(c, _)| c));
        }
        other => out.push(other),
    }
}

/// How many simple tests [`flatten`] would find.
fn simple_tests(all: bool, item: &Cond) -> usize {
    match item {
        Cond::Logic { and, sides } if *and == all => sides.iter().map(|s| simple_tests(all, s)).sum(),
        Cond::Block { kind, branches } if *kind == block_kind(all) => {
            branches.iter().map(|(b, _)| simple_tests(all, b)).sum()
        }
        Cond::Group(group) if group.all == all => group.comparisons.len() + group.truths.len(),
        other => usize::from(comparison(other, all).is_some() || truth(other).is_some()),
    }
}

/// Whether the general code of a condition can never fail (no arithmetic, which may
/// overflow): once its group is decided, it need not run. A condition that may fail runs,
/// so that where its general code fails the formula bails too.
fn quiet(item: &Cond) -> bool {
    match item {
        Cond::Numbers { .. } | Cond::Linear(_) => false,
        Cond::Leaf(_) | Cond::Leaves { .. } | Cond::In { .. } => true,
        Cond::Not(inner) => quiet(inner),
        Cond::Logic { sides, .. } => sides.iter().all(quiet),
        Cond::Block { branches, .. } => branches.iter().all(|(b, _)| quiet(b)),
        Cond::If(parts) => parts.iter().all(quiet),
        Cond::Group(group) => group.others.iter().all(|(o, _)| quiet(o)),
    }
}

fn block_kind(all: bool) -> BlockKind {
    if all {
        BlockKind::All
    } else {
        BlockKind::Any
    }
}

/// A comparison of a fact with a constant or parameter, as a test.
fn comparison(item: &Cond, all: bool) -> Option<Comparison> {
    let Cond::Leaves {
        op,
        sides,
        numbers: true,
    } = item
    else {
        return None;
    };
    let is_bound = |leaf: &Leaf| matches!(leaf, Leaf::Const(_) | Leaf::Param(_));
    let (fact, bound, holds) = match sides {
        [Leaf::Fact(fact), bound] if is_bound(bound) => (*fact, *bound, mask(*op)?),
        [bound, Leaf::Fact(fact)] if is_bound(bound) => (*fact, *bound, mirror(mask(*op)?)),
        _ => return None,
    };
    Some(Comparison {
        fact,
        bound,
        // In an `all`, the item decides when it does not hold.
        decides: if all { !holds & 0b111 } else { holds },
        op: *op,
        sides: *sides,
    })
}

/// The truth of a fact or rule, or of its negation, as a test.
fn truth(item: &Cond) -> Option<Truth> {
    let (leaf, positive) = match item {
        Cond::Leaf(leaf) => (*leaf, true),
        Cond::Not(inner) => match &**inner {
            Cond::Leaf(leaf) => (*leaf, false),
            _ => return None,
        },
        _ => return None,
    };
    matches!(leaf, Leaf::Fact(_) | Leaf::Rule(_)).then_some(Truth { leaf, positive })
}

/// The orderings (of left against right) under which a comparison holds.
fn mask(op: BinaryOp) -> Option<u8> {
    Some(match op {
        BinaryOp::Lt => LESS,
        BinaryOp::Le => LESS | EQUAL,
        BinaryOp::Eq => EQUAL,
        BinaryOp::Ne => LESS | GREATER,
        BinaryOp::Ge => EQUAL | GREATER,
        BinaryOp::Gt => GREATER,
        _ => return None,
    })
}

/// The same orderings seen from the other side.
fn mirror(mask: u8) -> u8 {
    ((mask & LESS) << 2) | (mask & EQUAL) | ((mask & GREATER) >> 2)
}

impl Comparison {
    /// The comparison as the formula walk runs it.
    fn written(&self) -> Cond {
        Cond::Leaves {
            op: self.op,
            sides: self.sides,
            numbers: true,
        }
    }
}

impl Truth {
    /// The test as the formula walk runs it.
    fn written(&self) -> Cond {
        if self.positive {
            Cond::Leaf(self.leaf)
        } else {
            Cond::Not(Box::new(Cond::Leaf(self.leaf)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_hold_for_the_orderings_of_their_operator() {
        use std::cmp::Ordering;
        for op in [
            BinaryOp::Lt,
            BinaryOp::Le,
            BinaryOp::Eq,
            BinaryOp::Ne,
            BinaryOp::Ge,
            BinaryOp::Gt,
        ] {
            let m = mask(op).unwrap_or(0);
            for (bit, ordering) in [(0, Ordering::Less), (1, Ordering::Equal), (2, Ordering::Greater)] {
                assert_eq!(
                    (m >> bit) & 1 == 1,
                    crate::eval::ops::ordered(op, ordering),
                    "{op:?} {ordering:?}"
                );
                let mirrored = (mirror(m) >> bit) & 1 == 1;
                assert_eq!(
                    mirrored,
                    crate::eval::ops::ordered(op, ordering.reverse()),
                    "mirror {op:?}"
                );
            }
        }
    }
}
