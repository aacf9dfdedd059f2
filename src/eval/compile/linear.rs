//! Linear comparisons: `a * k + b >= threshold` as one flat sum.
//!
//! The other common shape of a statutory threshold converts one kind of item into another
//! and adds them up (法释〔2019〕15号 第三条第三项: videos at a rate, plus other items, against
//! the threshold for other items). The formula walk computes such a sum node by node; a
//! linear comparison moves everything to one side (`left - right`), as a list of terms
//! (a leaf, or the product of two), and adds them in one loop on 64-bit integers.
//!
//! It decides only when every part is an integer a word holds and every product and partial
//! sum is one too (as the walk's integer path requires); anything else — a fraction, money
//! with cents, an overflow — goes to the walk, which computes it exactly or bails.

use crate::ast::BinaryOp;
use crate::eval::ops;
use crate::eval::word::W;

use super::formula::{numbers, Bail, Leaf, Num, Reader};

type Result<T> = std::result::Result<T, Bail>;

/// One term of the sum: a product of two leaves (the second is the constant 1 for a leaf
/// alone), added or subtracted.
#[derive(Debug, Clone, Copy)]
struct Term {
    negative: bool,
    factors: [Leaf; 2],
}

/// `left <op> right` as `sum of terms <op> 0`.
#[derive(Debug, Clone)]
pub(crate) struct Linear {
    op: BinaryOp,
    terms: Box<[Term]>,
    /// The comparison as written, for the walk.
    sides: Box<[Num; 2]>,
}

impl Linear {
    /// The linear form of `left <op> right`, when both sides are sums of products of at most
    /// two leaves.
    pub(crate) fn of(op: BinaryOp, sides: Box<[Num; 2]>) -> std::result::Result<Linear, Box<[Num; 2]>> {
        let mut terms = Vec::new();
        let [left, right] = &*sides;
        if !(collect(left, false, &mut terms) && collect(right, true, &mut terms)) {
            return Err(sides);
        }
        Ok(Linear {
            op,
            terms: terms.into(),
            sides,
        })
    }

    /// The comparison's truth as a word.
    #[inline]
    pub(crate) fn eval(&self, r: &Reader<'_, '_>) -> Result<W> {
        let mut sum: i64 = 0;
        let mut unknown = false;
        for term in self.terms.iter() {
            let [a, b] = term.factors;
            let (a, b) = (r.leaf_word(a)?, r.leaf_word(b)?);
            let product = match (a.as_int(), b.as_int()) {
                (Some(a), Some(b)) => a.checked_mul(b).filter(|p| W::int(*p).is_some()),
                _ if (a == W::UNKNOWN && (b == W::UNKNOWN || b.as_int().is_some()))
                    || (b == W::UNKNOWN && a.as_int().is_some()) =>
                {
                    unknown = true;
                    continue;
                }
                _ => None,
            };
            let next = product
                .map(|p| if term.negative { -p } else { p })
                .and_then(|p| sum.checked_add(p))
                .filter(|s| W::int(*s).is_some());
            match next {
                Some(s) => sum = s,
                None => return numbers(self.op, &self.sides, r),
            }
        }
        Ok(if unknown {
            W::UNKNOWN
        } else {
            W::bool(ops::ordered(self.op, sum.cmp(&0)))
        })
    }
}

/// Adds the terms of `num` (negated when `negative`) to `terms`; false when it is not a sum
/// of products of at most two leaves.
fn collect(num: &Num, negative: bool, terms: &mut Vec<Term>) -> bool {
    match num {
        Num::Leaf(leaf) => {
            terms.push(Term {
                negative,
                factors: [*leaf, Leaf::Const(W::ONE)],
            });
            true
        }
        Num::Neg(inner) => collect(inner, !negative, terms),
        Num::Arith { op, sides } => {
            let [a, b] = &**sides;
            match (op, a, b) {
                (BinaryOp::Add, a, b) => collect(a, negative, terms) && collect(b, negative, terms),
                (BinaryOp::Sub, a, b) => collect(a, negative, terms) && collect(b, !negative, terms),
                (BinaryOp::Mul, Num::Leaf(x), Num::Leaf(y)) => {
                    terms.push(Term {
                        negative,
                        factors: [*x, *y],
                    });
                    true
                }
                _ => false,
            }
        }
        Num::If(_) => false,
    }
}
