//! The trace: what one evaluation recorded, as compact records naming sites.
//!
//! Records are appended in postorder: a node's record comes after the records of its
//! children, the `span` records just before it. (A span, not an index: the records of a
//! rule can be moved to another place in another trace as they are.) A comparison's two sides and an `at`'s
//! date are operand records just before the node's own. A rule computed under the law of
//! another date (inside `at`) is *detached*: its records lie inside the enclosing rule's but
//! are not its children; the tree built from the trace embeds them where the rule is used.

use crate::value::{Date, Value};

use super::word::W;

/// The site of an operand record (a comparison's side, an `at`'s date).
pub(crate) const OPERAND: u32 = u32::MAX - 1;

/// Flag: the fact took its declared default.
pub(crate) const DEFAULTED: u8 = 1;
/// Flag: a rule's tree computed outside the main frame.
pub(crate) const DETACHED: u8 = 2;

/// One recorded node (24 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Rec {
    /// The site (or [`OPERAND`]).
    pub(crate) site: u32,
    /// How many records its children take, just before it (0 when it has none).
    span: u32,
    /// The frame it was recorded in (`0` = the law of `as_of`).
    pub(crate) frame: u16,
    /// [`DEFAULTED`], [`DETACHED`].
    pub(crate) flags: u8,
    value: i64,
}

impl Rec {
    /// The record at index `index` of `value` at `site`, whose children start at `start`.
    pub(crate) fn new(index: u32, site: u32, start: u32, frame: u16, flags: u8, value: W) -> Rec {
        Rec {
            site,
            span: index.saturating_sub(start),
            frame,
            flags,
            value: value.raw(),
        }
    }

    /// The index of the first record of its children (its own when it has none), given its
    /// own index.
    #[inline]
    pub(crate) fn start(&self, index: usize) -> usize {
        index.saturating_sub(self.span as usize)
    }

    /// The same record with another value.
    pub(crate) fn with_value(self, value: W) -> Rec {
        Rec {
            value: value.raw(),
            ..self
        }
    }

    /// The recorded value.
    pub(crate) fn value(&self) -> W {
        W::from_raw(self.value)
    }

    /// Whether a flag is set.
    pub(crate) fn has(&self, flag: u8) -> bool {
        self.flags & flag != 0
    }
}

/// What one evaluation recorded: the records, the values they refer to, and the date of
/// each frame.
#[derive(Debug, Clone, Default)]
pub(crate) struct Trace {
    /// The records, in postorder.
    pub(crate) recs: Vec<Rec>,
    /// The case's part of the value store ([`W::Ref`] at and above the constants).
    pub(crate) values: Vec<Value>,
    /// The date of each frame (frame 0: `as_of`).
    pub(crate) frames: Vec<Date>,
    /// Whether facts, parameters and comparisons were recorded (full), or only the outline.
    pub(crate) full: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_keep_every_kind_of_word() {
        let words = [
            W::UNKNOWN,
            W::NULL,
            W::TRUE,
            W::FALSE,
            W::int(-5).unwrap_or(W::NULL),
            W::int(i64::MAX).unwrap_or(W::NULL),
            W::date(Date::constant(-9999, 1, 1)),
            W::date(Date::constant(2021, 12, 31)),
            W::text(7),
            W::reference(u32::MAX),
        ];
        for word in words {
            assert_eq!(Rec::new(3, 1, 0, 0, 0, word).value(), word);
            assert_eq!(Rec::new(3, 1, 0, 0, 0, word).start(3), 0);
        }
        assert_eq!(std::mem::size_of::<Rec>(), 24);
    }
}
