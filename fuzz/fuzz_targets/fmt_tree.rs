//! Well-formed rule files generated from the bytes (expressions with prefixes, parentheses,
//! lists, blocks whose branches are separated by commas, labels, `if`, calls, `at`): `fmt`
//! keeps the tree exactly (`without_spans` equal before and after), in both keyword styles,
//! and is idempotent. Issue 12: commas between branches were dropped, so `any { a > 1, -b }`
//! became `a > 1 - b`; this target generates exactly the shapes where separators matter.
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use ruling::format::{self, FormatOptions, KeywordStyle};

#[derive(Debug, Arbitrary)]
enum Expr {
    Leaf(u8),
    Neg(Box<Expr>),
    Not(Box<Expr>),
    Paren(Box<Expr>),
    Binary(u8, Box<Expr>, Box<Expr>),
    List(Vec<Expr>),
    Block(u8, Vec<(Option<u8>, Expr)>, bool),
    If(Box<Expr>, Box<Expr>, Box<Expr>),
    Call(Vec<Expr>),
    At(Box<Expr>),
}

const LEAVES: [&str; 10] = ["a", "b", "r", "1", "200", "none", "true", "10万元", "5%", "2021-01-01"];
const OPS: [&str; 12] = ["and", "or", "==", "!=", ">", "<", ">=", "+", "-", "*", "/", "in"];
const BLOCKS: [&str; 4] = ["all", "any", "not", "2 of"];
const LABELS: [&str; 2] = ["\"甲\": ", "\"乙\" cite 法 第一条: "];

fn pick<'a>(items: &[&'a str], n: u8) -> &'a str {
    items.get(usize::from(n) % items.len()).copied().unwrap_or("a")
}

fn text(expr: &Expr, depth: usize, out: &mut String) {
    if depth > 6 {
        out.push('a');
        return;
    }
    match expr {
        Expr::Leaf(n) => out.push_str(pick(&LEAVES, *n)),
        Expr::Neg(e) => {
            out.push('-');
            text(e, depth + 1, out);
        }
        Expr::Not(e) => {
            out.push_str("not ");
            text(e, depth + 1, out);
        }
        Expr::Paren(e) => {
            out.push('(');
            text(e, depth + 1, out);
            out.push(')');
        }
        Expr::Binary(op, a, b) => {
            text(a, depth + 1, out);
            out.push_str(&format!(" {} ", pick(&OPS, *op)));
            text(b, depth + 1, out);
        }
        Expr::List(items) => {
            out.push('[');
            for (i, item) in items.iter().take(4).enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                text(item, depth + 1, out);
            }
            out.push(']');
        }
        Expr::Block(kind, branches, trailing) => {
            out.push_str(pick(&BLOCKS, *kind));
            out.push_str(" {\n");
            for (i, (label, branch)) in branches.iter().take(5).enumerate() {
                if i > 0 {
                    out.push_str(",\n");
                }
                if let Some(label) = label {
                    out.push_str(pick(&LABELS, *label));
                }
                text(branch, depth + 1, out);
            }
            if branches.is_empty() {
                out.push('a');
            }
            if *trailing {
                out.push(',');
            }
            out.push_str("\n}");
        }
        Expr::If(c, a, b) => {
            out.push_str("if ");
            text(c, depth + 1, out);
            out.push_str(" then ");
            text(a, depth + 1, out);
            out.push_str(" else ");
            text(b, depth + 1, out);
        }
        Expr::Call(args) => {
            out.push_str("max(");
            for (i, arg) in args.iter().take(3).enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                text(arg, depth + 1, out);
            }
            if args.is_empty() {
                out.push('a');
            }
            out.push(')');
        }
        Expr::At(e) => {
            text(e, depth + 1, out);
            out.push_str(" at 2020-01-01");
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let mut input = Unstructured::new(data);
    let (Ok(first), Ok(second)) = (Expr::arbitrary(&mut input), Expr::arbitrary(&mut input)) else {
        return;
    };
    let (mut body, mut other) = (String::new(), String::new());
    text(&first, 0, &mut body);
    text(&second, 0, &mut other);
    let source = format!(
        "source 法 \"某法\"\nfact a: count \"甲\"\nfact b: count \"乙\"\n\
         rule r: bool \"规则\" cite 法 第一条 = {body}\nrule s: bool \"规则\" cite 法 第二条 = {other}\n"
    );
    let Ok(before) = format::parse_source("g.rule", &source) else { return };
    let before = format::without_spans(&before);
    for keywords in [KeywordStyle::English, KeywordStyle::Chinese] {
        let options = FormatOptions { keywords };
        let formatted = match format::format_source_with("g.rule", &source, &options) {
            Ok(formatted) => formatted,
            Err(e) => panic!("fmt fails on a file that parses: {e}\n{source}"),
        };
        let after = match format::parse_source("g.rule", &formatted) {
            Ok(after) => format::without_spans(&after),
            Err(e) => panic!("fmt output does not parse: {e}\n{source}\n----\n{formatted}"),
        };
        assert!(before == after, "fmt changed the tree\n{source}\n----\n{formatted}");
        match format::format_source_with("g.rule", &formatted, &options) {
            Ok(again) => assert_eq!(formatted, again, "fmt is not idempotent"),
            Err(e) => panic!("{e}"),
        }
    }
});
