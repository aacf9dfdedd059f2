//! Compiled code: each expression becomes a closure over the machine, built once.
//!
//! The leaves every rule reads (constants, facts, parameters, other rules) are plain data the
//! machine reads directly, without a call; everything else is a closure that runs its parts.

use std::fmt;

use crate::eval::error::EvalError;
use crate::eval::machine::Machine;
use crate::eval::word::W;

use super::formula::Formula;

/// The site of a leaf that records nothing (plain code, or inside an aggregate or `known`).
pub(crate) const NO_SITE: u32 = u32::MAX;

/// Why an evaluation stopped (boxed: results travel through every closure).
pub(crate) type Fault = Box<EvalError>;

/// The result of running code.
pub(crate) type Out = Result<W, Fault>;

/// A compiled expression that is not a leaf.
pub(crate) type Thunk = Box<dyn Fn(&mut Machine<'_>) -> Out + Send + Sync>;

/// Compiled code for one expression: the leaves every rule reads (read directly, with no
/// call), or a closure.
pub(crate) enum Code {
    /// A constant.
    Const(W),
    /// A fact; `strict`: a missing fact counts as needed (not inside `known`).
    Fact { fact: u32, site: u32, strict: bool },
    /// A parameter, under the law of the frame's date.
    Param { param: u32, site: u32 },
    /// A rule, in the current frame (computed there on first use).
    Rule { rule: u32, site: u32 },
    /// A condition as a formula, with its general code.
    Formula(Box<Formula>),
    /// Run.
    Thunk(Thunk),
}

impl Code {
    /// Runs the code on the machine.
    #[inline(always)]
    pub(crate) fn run(&self, machine: &mut Machine<'_>) -> Out {
        match self {
            Code::Const(w) => Ok(*w),
            Code::Fact { fact, site, strict } => Ok(machine.fact(*fact, *site, *strict)),
            Code::Param { param, site } => machine.param_use(*param, *site),
            Code::Rule { rule, site } => machine.rule_use(*rule, *site),
            Code::Formula(formula) => machine.formula(formula),
            Code::Thunk(thunk) => thunk(machine),
        }
    }

    /// Code that gives a constant.
    pub(crate) fn constant(w: W) -> Code {
        Code::Const(w)
    }

    /// Code from a closure.
    pub(crate) fn thunk(f: impl Fn(&mut Machine<'_>) -> Out + Send + Sync + 'static) -> Code {
        Code::Thunk(Box::new(f))
    }
}

impl fmt::Debug for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Code::Const(w) => write!(f, "{w:?}"),
            Code::Fact { fact, .. } => write!(f, "fact {fact}"),
            Code::Param { param, .. } => write!(f, "param {param}"),
            Code::Rule { rule, .. } => write!(f, "rule {rule}"),
            Code::Formula(formula) => write!(f, "formula {:?}", formula.cond),
            Code::Thunk(_) => f.write_str("<code>"),
        }
    }
}
