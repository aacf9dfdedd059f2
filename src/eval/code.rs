//! A plan's conditions compiled to jumps: three-valued short-circuit logic without recursion.
//!
//! Every condition is compiled with three exits — where to go when it is true, false or
//! unknown — so `any`, `all`, `and`, `or` and `not` become jumps between tests of facts
//! (`fact >= 200`, `10 * videos + other >= 2000`, a boolean fact, a rule's value). An `any`
//! remembers whether an earlier branch was unknown by being compiled twice: once for "all
//! false so far" and once for "one unknown so far" (`all` likewise), which gives exactly the
//! engine's result: true at the first true branch, else unknown if a branch was, else false.
//!
//! Conditions made only of simple tests are not jumps but formulas ([`super::group`]): one
//! instruction each, or, when every rule of the plan is one, a list run without dispatch.

use super::group::{Booleans, Case, Formula, Group};
use super::ops::Tv;
use super::plan::{Bail, Fallback, Linear, Machine, Op, Slot};
use crate::ast::{BinaryOp, BlockKind};
use crate::ir::RuleId;
use crate::value::Value;

type Result<T> = std::result::Result<T, Bail>;

/// Where to continue when a condition is true, false or unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Exits {
    t: u32,
    f: u32,
    u: u32,
}

impl Exits {
    #[inline(always)]
    fn pick(self, truth: Option<bool>) -> u32 {
        match truth {
            Some(true) => self.t,
            Some(false) => self.f,
            None => self.u,
        }
    }
}

/// One instruction.
#[derive(Debug, Clone)]
pub(crate) enum Ins {
    /// The truth of a fact.
    Fact { slot: u32, exits: Exits },
    /// `fact <op> integer` (the operator also as an ordering mask).
    Compare {
        op: BinaryOp,
        slot: u32,
        constant: i64,
        mask: u8,
        exits: Exits,
    },
    /// `linear sum <op> 0` (the operator as an ordering mask).
    Linear { mask: u8, sum: Linear, exits: Exits },
    /// The truth of a rule computed earlier.
    Rule { slot: u32, exits: Exits },
    /// The simple items of an `any`, tested together.
    Group { group: Box<Group>, exits: Exits },
    /// Any other condition, by the machine.
    Truth { op: Op, exits: Exits },
    /// A rule whose condition is one group, then `next`.
    Formula {
        formula: Box<Formula>,
        rule: u32,
        next: u32,
    },
    /// A rule's value from a condition's outcome.
    Set { rule: u32, value: Option<bool>, next: u32 },
    /// A rule's value computed by the machine.
    Value { rule: u32, op: Op, next: u32 },
    /// A rule the engine computes.
    Engine { rule: u32, next: u32 },
    /// Done.
    End,
}

/// Most instructions a plan may have (nesting doubles the code of inner blocks).
const MAX_CODE: usize = 1 << 16;

/// Builds the code backwards: continuations first, so every exit is known when a test is emitted.
pub(crate) struct Emitter {
    code: Vec<Ins>,
    booleans: Booleans,
}

impl Emitter {
    /// An emitter for a program whose boolean facts and rules are `booleans`.
    pub(crate) fn new(booleans: Booleans) -> Self {
        Emitter {
            code: Vec::new(),
            booleans,
        }
    }

    fn push(&mut self, ins: Ins) -> Option<u32> {
        if self.code.len() >= MAX_CODE {
            return None;
        }
        self.code.push(ins);
        u32::try_from(self.code.len() - 1).ok()
    }

    /// The end of the program.
    pub(crate) fn end(&mut self) -> Option<u32> {
        self.push(Ins::End)
    }

    /// A rule whose value is a condition, then `next`.
    pub(crate) fn condition_rule(&mut self, rule: u32, op: &Op, next: u32) -> Option<u32> {
        if let Some(formula) = Formula::of(op, &self.booleans) {
            return self.push(Ins::Formula {
                formula: Box::new(formula),
                rule,
                next,
            });
        }
        let exits = Exits {
            t: self.push(Ins::Set {
                rule,
                value: Some(true),
                next,
            })?,
            f: self.push(Ins::Set {
                rule,
                value: Some(false),
                next,
            })?,
            u: self.push(Ins::Set {
                rule,
                value: None,
                next,
            })?,
        };
        self.condition(op, exits)
    }

    /// A rule whose value the machine computes, then `next`.
    pub(crate) fn value_rule(&mut self, rule: u32, op: Op, next: u32) -> Option<u32> {
        self.push(Ins::Value { rule, op, next })
    }

    /// A rule the engine computes, then `next`.
    pub(crate) fn engine_rule(&mut self, rule: u32, next: u32) -> Option<u32> {
        self.push(Ins::Engine { rule, next })
    }

    /// Compiles a condition with its exits; returns its entry.
    fn condition(&mut self, op: &Op, e: Exits) -> Option<u32> {
        match op {
            Op::Not(a) => self.condition(a, Exits { t: e.f, f: e.t, u: e.u }),
            // `a or b` is `any { a b }`; `a and b` and `all` are `not any not`.
            Op::Or(a, b) => self.any(&[(**a).clone(), (**b).clone()], e),
            Op::And(a, b) => self.all(&[(**a).clone(), (**b).clone()], e),
            Op::Block(BlockKind::Any, branches) => self.any(branches, e),
            Op::Block(BlockKind::All, branches) => self.all(branches, e),
            Op::Fact(slot) => self.push(Ins::Fact { slot: *slot, exits: e }),
            Op::CompareFactInt(op, slot, constant, mask) => self.push(Ins::Compare {
                op: *op,
                slot: *slot,
                constant: *constant,
                mask: *mask,
                exits: e,
            }),
            Op::CompareLinear(mask, sum) => self.push(Ins::Linear {
                mask: *mask,
                sum: sum.clone(),
                exits: e,
            }),
            Op::Rule(slot) => self.push(Ins::Rule { slot: *slot, exits: e }),
            other => self.push(Ins::Truth {
                op: other.clone(),
                exits: e,
            }),
        }
    }

    /// `all` as `not any not`.
    fn all(&mut self, branches: &[Op], e: Exits) -> Option<u32> {
        let swapped = Exits { t: e.f, f: e.t, u: e.u };
        let negated: Vec<Op> = branches.iter().map(|b| Op::Not(Box::new(b.clone()))).collect();
        self.any(&negated, swapped)
    }

    /// `any`: its simple items tested together first (see [`Group`]), then the other branches.
    fn any(&mut self, branches: &[Op], e: Exits) -> Option<u32> {
        let (group, rest) = Group::split(branches, &self.booleans);
        let mut items: Vec<Item> = group.map(Item::Group).into_iter().collect();
        items.extend(rest.into_iter().map(Item::Op));
        self.any_items(&items, e)
    }

    /// One branch of an `any`.
    fn item(&mut self, item: &Item, exits: Exits) -> Option<u32> {
        match item {
            Item::Group(group) => self.push(Ins::Group {
                group: Box::new(group.clone()),
                exits,
            }),
            Item::Op(op) => self.condition(op, exits),
        }
    }

    /// The branches in state "false so far" and, after an unknown branch, "unknown so far".
    fn any_items(&mut self, branches: &[Item], e: Exits) -> Option<u32> {
        let (mut next_false, mut next_unknown) = (e.f, e.u);
        for (index, branch) in branches.iter().enumerate().rev() {
            let entry_false = self.item(
                branch,
                Exits {
                    t: e.t,
                    f: next_false,
                    u: next_unknown,
                },
            )?;
            if index > 0 {
                next_unknown = self.item(
                    branch,
                    Exits {
                        t: e.t,
                        f: next_unknown,
                        u: next_unknown,
                    },
                )?;
            }
            next_false = entry_false;
        }
        Some(next_false)
    }

    /// The finished code.
    pub(crate) fn finish(self) -> Vec<Ins> {
        self.code
    }
}

/// Runs rules that are each one formula, in order.
pub(crate) fn run_formulas(formulas: &[(u32, Formula)], case: Case<'_>, registers: Registers<'_>) -> Result<()> {
    let Registers { values, truths } = registers;
    for (rule, formula) in formulas {
        let value = formula.truth(case, (truths, values))?;
        set(*rule, value, (values, truths), None)?;
    }
    Ok(())
}

/// Sets a rule to a truth value (`None` = unknown).
#[inline(always)]
fn set(
    rule: u32,
    value: Option<bool>,
    (values, truths): (&mut [Tv], &mut [Slot]),
    fallback: Option<&mut (dyn Fallback + '_)>,
) -> Result<()> {
    if let Some(f) = fallback {
        f.seed(RuleId(rule), &value.map(Value::Bool));
    }
    // Writing a whole new value from partial stores stalled on store forwarding (a fifth of
    // the fast path's time): a rule that held a truth value keeps its slot and only its flag
    // changes.
    match (values.get_mut(rule as usize).ok_or(Bail)?, value) {
        (Some(Value::Bool(slot)), Some(v)) => *slot = v,
        (slot, v) => *slot = v.map(Value::Bool),
    }
    *truths.get_mut(rule as usize).ok_or(Bail)? = Slot::of_truth(value);
    Ok(())
}

/// A branch of an `any`.
enum Item {
    Group(Group),
    Op(Op),
}

/// What the code writes: every rule's value, and its truth as a word that groups read.
pub(crate) struct Registers<'a> {
    pub(crate) values: &'a mut [Tv],
    pub(crate) truths: &'a mut [Slot],
}

/// Runs the code from `entry`: computes every rule into `values`.
pub(crate) fn run(
    code: &[Ins],
    entry: u32,
    case: Case<'_>,
    registers: Registers<'_>,
    fallback: Option<&mut dyn Fallback>,
) -> Result<()> {
    let slots = case.slots;
    let Registers { values, truths } = registers;
    let mut fallback = fallback;
    let mut pc = entry;
    loop {
        pc = match code.get(pc as usize).ok_or(Bail)? {
            Ins::Compare {
                op,
                slot,
                constant,
                mask,
                exits,
            } => {
                let slot_value = slots.get(*slot as usize).ok_or(Bail)?;
                match slot_value.int() {
                    Some(x) => exits.pick(Some(mask & (1 << (x.cmp(constant) as i8 + 1)) != 0)),
                    None if slot_value.is_unknown() => exits.u,
                    None => {
                        let machine = Machine::new(slots, &case.facts.values, values);
                        exits.pick(machine.truth(&Op::CompareFactInt(*op, *slot, *constant, *mask))?)
                    }
                }
            }
            Ins::Fact { slot, exits } => exits.pick(slots.get(*slot as usize).ok_or(Bail)?.truth()),
            Ins::Rule { slot, exits } => exits.pick(truths.get(*slot as usize).ok_or(Bail)?.truth()),
            Ins::Group { group, exits } => exits.pick(group.truth(case, (truths, values))?),
            Ins::Linear { mask, sum, exits } => exits.pick(sum.holds(*mask, slots)?),
            Ins::Truth { op, exits } => exits.pick(Machine::new(slots, &case.facts.values, values).truth(op)?),
            Ins::Formula { formula, rule, next } => {
                let value = formula.truth(case, (truths, values))?;
                set(*rule, value, (values, truths), fallback.as_deref_mut())?;
                *next
            }
            Ins::Set { rule, value, next } => {
                set(*rule, *value, (values, truths), fallback.as_deref_mut())?;
                *next
            }
            Ins::Value { rule, op, next } => {
                let value = Machine::new(slots, &case.facts.values, values).value(op)?;
                if let Some(f) = fallback.as_deref_mut() {
                    f.seed(RuleId(*rule), &value);
                }
                *truths.get_mut(*rule as usize).ok_or(Bail)? = Slot::of(&value);
                *values.get_mut(*rule as usize).ok_or(Bail)? = value;
                *next
            }
            Ins::Engine { rule, next } => {
                let value = fallback.as_deref_mut().ok_or(Bail)?.rule(RuleId(*rule))?;
                *truths.get_mut(*rule as usize).ok_or(Bail)? = Slot::of(&value);
                *values.get_mut(*rule as usize).ok_or(Bail)? = value;
                *next
            }
            Ins::End => return Ok(()),
        };
    }
}
