//! Expressions: on one line when they fit, otherwise broken before `and`/`or` (aligned with the
//! start of the condition) and before `+`/`-` (indented one level); blocks always one branch a line.
//!
//! The printer never adds or drops a token: it prints the tokens of the AST (parentheses are
//! nodes of their own) with canonical spacing, so the output parses to the same tree.

use crate::ast::{AggregateKind, BinaryOp, BlockKind, Branch, Expr, ExprKind, Literal, UnaryOp};
use crate::value;

use super::text::{end_col, last_indent, quote, spaces, width};
use super::{citation, Printer, Run, INDENT, WIDTH};

impl Printer<'_> {
    /// The expression on one line, or `None` when it holds a block (always several lines).
    pub(super) fn flat(&self, expr: &Expr) -> Option<String> {
        Some(match &expr.kind {
            ExprKind::Literal(literal) => self.literal(literal, expr),
            ExprKind::Name(name) => name.text.clone(),
            ExprKind::Unary(UnaryOp::Not, inner) => format!("not {}", self.flat(inner)?),
            ExprKind::Unary(UnaryOp::Neg, inner) => format!("-{}", self.flat(inner)?),
            ExprKind::Binary(op, a, b) => format!("{} {} {}", self.flat(a)?, op.symbol(), self.flat(b)?),
            ExprKind::At(target, date) => format!("{} at {}", self.flat(target)?, self.flat(date)?),
            ExprKind::Block(..) | ExprKind::AtLeast(..) => return None,
            ExprKind::If(c, a, b) => format!("if {} then {} else {}", self.flat(c)?, self.flat(a)?, self.flat(b)?),
            ExprKind::Aggregate(agg) => {
                let mut out = format!("{}({}", aggregate_name(agg.kind), self.flat(&agg.list)?);
                if let Some(value) = &agg.value {
                    out.push_str(&format!(": {}", self.flat(value)?));
                }
                if let Some(filter) = &agg.filter {
                    out.push_str(&format!(" where {}", self.flat(filter)?));
                }
                out.push(')');
                out
            }
            ExprKind::Call(name, args) => {
                let args = args.iter().map(|a| self.flat(a)).collect::<Option<Vec<_>>>()?;
                format!("{}({})", name.text, args.join(", "))
            }
            ExprKind::List(items) => {
                let items = items.iter().map(|a| self.flat(a)).collect::<Option<Vec<_>>>()?;
                format!("[{}]", items.join(", "))
            }
            ExprKind::Paren(inner) => format!("({})", self.flat(inner)?),
        })
    }

    /// A literal as written in the source (`10万元`, `2 years`), or its canonical form.
    fn literal(&self, literal: &Literal, expr: &Expr) -> String {
        // Truth values and `none` are keywords: printed in English here (`是` → `true`), and in the
        // chosen keyword style by `format_source_with`.
        let keyword = matches!(literal, Literal::Bool(_) | Literal::None);
        if let Some(written) = self.source.get(expr.span.start..expr.span.end).filter(|_| !keyword) {
            if !written.is_empty() && !written.contains('\n') {
                return written.to_string();
            }
        }
        match literal {
            Literal::Bool(b) => b.to_string(),
            Literal::Number(n) => value::format_rational(n),
            Literal::Money(n) => format!("{}元", value::format_rational(n)),
            Literal::Percent(n) => match value::mul(n, &value::Rational::from_integer(100)) {
                Ok(p) => format!("{}%", value::format_rational(&p)),
                Err(_) => value::format_rational(n),
            },
            Literal::Date(d) => d.to_string(),
            Literal::Duration(d) => d.to_string(),
            Literal::Text(t) => quote(t),
            Literal::None => String::from("none"),
        }
    }

    /// Width of the first line the expression would take, when it can start on the current line.
    fn first_width(&self, expr: &Expr) -> Option<usize> {
        match &expr.kind {
            ExprKind::Block(kind, _) => Some(width(block_head(*kind)) + 2),
            ExprKind::AtLeast(n, _) => Some(width(&format!("{n} of {{"))),
            _ => self.flat(expr).map(|f| width(&f)),
        }
    }

    /// The expression laid out from column `col` on a line indented `indent`; the lines after the
    /// first carry their own indentation.
    pub(super) fn layout(&mut self, expr: &Expr, indent: usize, col: usize) -> String {
        if let Some(flat) = self.flat(expr) {
            if col + width(&flat) <= WIDTH || !breakable(expr) {
                return flat;
            }
        }
        match &expr.kind {
            ExprKind::Block(kind, branches) => self.block(block_head(*kind), branches, expr, indent),
            ExprKind::AtLeast(n, branches) => self.block(&format!("{n} of"), branches, expr, indent),
            ExprKind::If(..) => self.if_chain(expr, indent, col),
            ExprKind::Binary(
                BinaryOp::And | BinaryOp::Or | BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div,
                ..,
            ) => self.broken(expr, indent, col),
            ExprKind::Binary(op, a, b) => {
                let left = self.broken(a, indent, col);
                self.continue_with(left, op.symbol(), b, indent, col, indent + INDENT)
            }
            ExprKind::Unary(op, inner) => {
                let head = if *op == UnaryOp::Not { "not " } else { "-" };
                format!("{head}{}", self.layout(inner, indent, col + head.len()))
            }
            ExprKind::Paren(inner) => format!("({})", self.layout(inner, indent, col + 1)),
            ExprKind::At(target, date) => {
                let left = self.layout(target, indent, col);
                let at = end_col(&left, col);
                let line = last_indent(&left, indent);
                format!("{left} at {}", self.layout(date, line, at + 4))
            }
            _ => self.composite(expr, indent, col),
        }
    }

    /// Aggregates with their parts in order (a long filter breaks inside); calls and list
    /// literals that do not fit with one argument a line, one level deeper.
    fn composite(&mut self, expr: &Expr, indent: usize, col: usize) -> String {
        match &expr.kind {
            ExprKind::Aggregate(agg) => {
                let mut out = format!("{}(", aggregate_name(agg.kind));
                let list = self.layout(&agg.list, indent, end_col(&out, col));
                out.push_str(&list);
                if let Some(value) = &agg.value {
                    out.push_str(": ");
                    let at = end_col(&out, col);
                    let printed = self.layout(value, last_indent(&out, indent), at);
                    out.push_str(&printed);
                }
                if let Some(filter) = &agg.filter {
                    let deeper = last_indent(&out, indent) + INDENT;
                    let printed = self.layout(filter, deeper, deeper + 6);
                    out.push_str(&format!("\n{}where {printed}", spaces(deeper)));
                }
                out.push(')');
                out
            }
            ExprKind::Call(name, args) => self.arguments(&format!("{}(", name.text), args, ")", indent),
            ExprKind::List(items) => self.arguments("[", items, "]", indent),
            _ => self.flat(expr).unwrap_or_default(),
        }
    }

    /// `open` then one argument a line with a trailing comma, then `close` under the line start.
    fn arguments(&mut self, open: &str, args: &[Expr], close: &str, indent: usize) -> String {
        let deeper = indent + INDENT;
        let mut out = String::from(open);
        for arg in args {
            let printed = self.layout(arg, deeper, deeper);
            out.push_str(&format!("\n{}{printed},", spaces(deeper)));
        }
        out.push_str(&format!("\n{}{close}", spaces(indent)));
        out
    }

    /// Width of what must stand on the current line for the expression to start there: the
    /// opening of a block, call, aggregate or parenthesis (which break inside), or the whole.
    fn head_width(&self, expr: &Expr) -> Option<usize> {
        match &expr.kind {
            ExprKind::Block(..) | ExprKind::AtLeast(..) => self.first_width(expr),
            ExprKind::Aggregate(agg) => Some(width(aggregate_name(agg.kind)) + 1),
            ExprKind::Call(name, _) => Some(width(&name.text) + 1),
            ExprKind::List(_) | ExprKind::Paren(_) => Some(1),
            _ => self.first_width(expr),
        }
    }

    /// `a and b and c` (or `+`, `*` …) that does not fit: the first operand where the chain
    /// starts, then one line per operand starting with its operator, at column `continuation`.
    /// A block operand stays on the line before when its opening fits (and the whole chain does
    /// when only a final block made it too long); in sums, so do calls and aggregates, which
    /// break inside.
    fn chain(&mut self, expr: &Expr, op: BinaryOp, indent: usize, col: usize, continuation: usize) -> String {
        let mut operands = Vec::new();
        let first = flatten(expr, op, &mut operands);
        if let Some(inline) = self.chain_before_block(first, &operands, indent, col) {
            return inline;
        }
        let arithmetic = !matches!(op, BinaryOp::And | BinaryOp::Or);
        let mut out = self.layout(first, indent, col);
        for (op, operand) in operands {
            let symbol = op.symbol();
            let at = end_col(&out, col);
            let stays = match operand.kind {
                ExprKind::Block(..) | ExprKind::AtLeast(..) => true,
                ExprKind::Aggregate(_) | ExprKind::Call(..) | ExprKind::Paren(_) | ExprKind::List(_) => arithmetic,
                _ => false,
            };
            if stays
                && self
                    .head_width(operand)
                    .is_some_and(|w| at + 2 + width(symbol) + w <= WIDTH)
            {
                let line = last_indent(&out, indent);
                let printed = self.layout(operand, line, at + 2 + width(symbol));
                out.push_str(&format!(" {symbol} {printed}"));
            } else {
                let start = continuation + width(symbol) + 1;
                let printed = self.layout(operand, continuation, start);
                out.push_str(&format!("\n{}{symbol} {printed}", spaces(continuation)));
            }
        }
        out
    }

    /// `a and b and any {`: the whole chain on one line when only its final block is long.
    fn chain_before_block(
        &mut self,
        first: &Expr,
        operands: &[(BinaryOp, &Expr)],
        indent: usize,
        col: usize,
    ) -> Option<String> {
        let ((last_op, last), others) = operands.split_last()?;
        if !matches!(last.kind, ExprKind::Block(..) | ExprKind::AtLeast(..)) {
            return None;
        }
        let mut line = self.flat(first)?;
        for (op, operand) in others {
            line.push_str(&format!(" {} {}", op.symbol(), self.flat(operand)?));
        }
        line.push_str(&format!(" {} ", last_op.symbol()));
        let at = col + width(&line);
        if at + self.first_width(last)? > WIDTH {
            return None;
        }
        let block = self.layout(last, indent, at);
        Some(format!("{line}{block}"))
    }

    /// A chain operand that does not fit is broken; anything else is laid out as usual.
    fn broken(&mut self, expr: &Expr, indent: usize, col: usize) -> String {
        match &expr.kind {
            ExprKind::Binary(op @ (BinaryOp::And | BinaryOp::Or), ..) => self.chain(expr, *op, indent, col, col),
            ExprKind::Binary(op @ (BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div), ..) => {
                self.chain(expr, *op, indent, col, indent + INDENT)
            }
            _ => self.layout(expr, indent, col),
        }
    }

    /// Appends ` op operand` to `out`, on the same line when the operand's first line fits,
    /// otherwise on a new line at column `continuation`.
    fn continue_with(
        &mut self,
        mut out: String,
        symbol: &str,
        operand: &Expr,
        indent: usize,
        col: usize,
        continuation: usize,
    ) -> String {
        let at = end_col(&out, col);
        let line = last_indent(&out, indent);
        let fits = self
            .first_width(operand)
            .is_some_and(|w| at + 2 + width(symbol) + w <= WIDTH);
        if fits {
            let start = at + 2 + width(symbol);
            let printed = self.layout(operand, line, start);
            out.push_str(&format!(" {symbol} {printed}"));
        } else {
            let start = continuation + width(symbol) + 1;
            let printed = self.layout(operand, continuation, start);
            out.push_str(&format!("\n{}{symbol} {printed}", spaces(continuation)));
        }
        out
    }

    /// `if c then a` and each `else if …` / `else …` on its own line, aligned with the `if`;
    /// a value that does not fit after `then` goes on the next line, one level deeper. Blocks in
    /// the chain close at the indentation of the line the chain started on.
    fn if_chain(&mut self, expr: &Expr, indent: usize, col: usize) -> String {
        let mut out = String::new();
        let mut current = expr;
        loop {
            match &current.kind {
                ExprKind::If(c, a, b) => {
                    let condition = self.layout(c, indent, end_col(&out, col) + 3);
                    out.push_str(&format!("if {condition} then"));
                    let at = end_col(&out, col) + 1;
                    if self.first_width(a).is_some_and(|w| at + w <= WIDTH) {
                        let then = self.layout(a, indent, at);
                        out.push_str(&format!(" {then}"));
                    } else {
                        let deeper = col + INDENT;
                        let then = self.layout(a, deeper, deeper);
                        out.push_str(&format!("\n{}{then}", spaces(deeper)));
                    }
                    out.push_str(&format!("\n{}else ", spaces(col)));
                    current = b;
                }
                _ => {
                    let last = self.layout(current, indent, col + 5);
                    out.push_str(&last);
                    return out;
                }
            }
        }
    }

    /// `any {`, one branch a line one level deeper, `}` under the line that opened it.
    fn block(&mut self, head: &str, branches: &[Branch], expr: &Expr, indent: usize) -> String {
        let inner = indent + INDENT;
        let mut run = Run::new(inner, expr.span.start);
        for (index, branch) in branches.iter().enumerate() {
            // Branches are separated by line breaks, which the grammar reads as spaces: a branch
            // that starts with `-`, `(` or `[` would continue the one before (`a > 1` then `-b`
            // is `a > 1 - b`; `a` then `(b)` is the call `a(b)`), so a comma ends the one before.
            let comma = branches
                .get(index + 1)
                .is_some_and(|next| next.label.is_none() && starts_with_punctuation(&next.expr));
            self.element(&mut run, branch.span, |p| {
                let mut printed = p.branch(branch, inner);
                if comma {
                    printed.push(',');
                }
                printed
            });
        }
        for comment in self.comments.take(run.previous.unwrap_or(run.origin), expr.span.end) {
            run.comment(self.source, &comment);
        }
        format!("{head} {{\n{}{}}}", run.out, spaces(indent))
    }

    /// `"label" cite 第一项: condition`, the condition on the next line when it does not fit.
    fn branch(&mut self, branch: &Branch, indent: usize) -> String {
        let Some(label) = &branch.label else {
            return self.layout(&branch.expr, indent, indent);
        };
        let mut head = quote(label);
        if let Some(c) = &branch.citation {
            head.push(' ');
            head.push_str(&citation(c));
        }
        if let Some(says) = &branch.says {
            head.push_str(&format!(" says {}", quote(&says.text)));
        }
        head.push(':');
        let col = indent + width(&head) + 1;
        let fits = match &branch.expr.kind {
            ExprKind::Block(..) | ExprKind::AtLeast(..) => true,
            _ => self.flat(&branch.expr).is_some_and(|f| col + width(&f) <= WIDTH),
        };
        if fits {
            let body = self.layout(&branch.expr, indent, col);
            format!("{head} {body}")
        } else {
            let deeper = indent + INDENT;
            let body = self.layout(&branch.expr, deeper, deeper);
            format!("{head}\n{}{body}", spaces(deeper))
        }
    }
}

/// The leftmost operand of a chain of operators of one precedence level, and the rest in order.
fn flatten<'e>(expr: &'e Expr, op: BinaryOp, rest: &mut Vec<(BinaryOp, &'e Expr)>) -> &'e Expr {
    match &expr.kind {
        ExprKind::Binary(this, a, b) if same_level(*this, op) => {
            let first = flatten(a, op, rest);
            rest.push((*this, b));
            first
        }
        _ => expr,
    }
}

fn same_level(a: BinaryOp, b: BinaryOp) -> bool {
    let level = |op: BinaryOp| match op {
        BinaryOp::Or => 0,
        BinaryOp::And => 1,
        BinaryOp::Add | BinaryOp::Sub => 3,
        BinaryOp::Mul | BinaryOp::Div => 4,
        _ => 2,
    };
    level(a) == level(b) && level(a) != 2
}

/// Whether the first token of the expression is `-`, `(` or `[`, which after an expression
/// would continue it rather than start a new one.
fn starts_with_punctuation(expr: &Expr) -> bool {
    match &expr.kind {
        ExprKind::Unary(UnaryOp::Neg, _) | ExprKind::Paren(_) | ExprKind::List(_) => true,
        ExprKind::Binary(_, first, _) | ExprKind::At(first, _) => starts_with_punctuation(first),
        _ => false,
    }
}

/// Whether a long expression has a place to break.
fn breakable(expr: &Expr) -> bool {
    match &expr.kind {
        ExprKind::Binary(..)
        | ExprKind::If(..)
        | ExprKind::Block(..)
        | ExprKind::AtLeast(..)
        | ExprKind::Aggregate(_) => true,
        ExprKind::Call(_, args) | ExprKind::List(args) => !args.is_empty(),
        ExprKind::Paren(inner) | ExprKind::Unary(_, inner) => breakable(inner),
        _ => false,
    }
}

fn block_head(kind: BlockKind) -> &'static str {
    match kind {
        BlockKind::All => "all",
        BlockKind::Any => "any",
        BlockKind::Not => "not",
    }
}

fn aggregate_name(kind: AggregateKind) -> &'static str {
    match kind {
        AggregateKind::Count => "count",
        AggregateKind::Sum => "sum",
        AggregateKind::Max => "max",
        AggregateKind::Min => "min",
        AggregateKind::Any => "any",
        AggregateKind::All => "all",
    }
}
