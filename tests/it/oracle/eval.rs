//! A deliberately simple second evaluator: walks the syntax tree (`ruling::ast`) with
//! its own name lookup, big-integer rationals and date arithmetic, with no compilation
//! and no caching. Written from the language reference, not from `src/eval`.

use std::cmp::Ordering;
use std::collections::HashMap;

use num_bigint::BigInt;
use num_traits::{Signed, ToPrimitive, Zero};
use ruling::ast::{
    AggregateKind, BinaryOp, BlockKind, Branch, ExceptionDecl, Expr, ExprKind, FactDecl, File, Item, Literal, Prefer,
    PreferOrder, TypeExpr, TypeKind, UnaryOp, ValueDecl,
};
use serde_json::{json, Map, Value as Json};

/// An exact rational with big integers, always normalised (`d > 0`, gcd 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Q {
    n: BigInt,
    d: BigInt,
}

impl Q {
    pub fn new(n: BigInt, d: BigInt) -> Option<Q> {
        if d.is_zero() {
            return None;
        }
        let g = num_integer::Integer::gcd(&n, &d);
        let (mut n, mut d) = (n / &g, d / &g);
        if d.is_negative() {
            n = -n;
            d = -d;
        }
        Some(Q { n, d })
    }
    pub fn int(i: i64) -> Q {
        Q {
            n: BigInt::from(i),
            d: BigInt::from(1),
        }
    }
    fn add(&self, o: &Q) -> Q {
        Q::new(&self.n * &o.d + &o.n * &self.d, &self.d * &o.d).unwrap_or_else(|| Q::int(0))
    }
    fn neg(&self) -> Q {
        Q {
            n: -self.n.clone(),
            d: self.d.clone(),
        }
    }
    fn mul(&self, o: &Q) -> Q {
        Q::new(&self.n * &o.n, &self.d * &o.d).unwrap_or_else(|| Q::int(0))
    }
    fn div(&self, o: &Q) -> Option<Q> {
        Q::new(&self.n * &o.d, &self.d * &o.n)
    }
    fn cmp(&self, o: &Q) -> Ordering {
        (&self.n * &o.d).cmp(&(&o.n * &self.d))
    }
    /// Parses `-12.50` exactly.
    pub fn parse(text: &str) -> Option<Q> {
        let (neg, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
        if whole.is_empty() || !whole.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
            return None;
        }
        let n: BigInt = format!("{whole}{frac}").parse().ok()?;
        let d = BigInt::from(10).pow(frac.len() as u32);
        let q = Q::new(n, d)?;
        Some(if neg { q.neg() } else { q })
    }
    /// Truncated toward zero.
    fn trunc(&self) -> BigInt {
        &self.n / &self.d
    }
    /// Exact decimal text when the denominator divides a power of ten, else `p/q`.
    fn text(&self) -> String {
        for places in 0..40u32 {
            let scale = BigInt::from(10).pow(places);
            if (&scale % &self.d).is_zero() {
                let scaled = &self.n * (&scale / &self.d);
                return decimal(&scaled, places);
            }
        }
        format!("{}/{}", self.n, self.d)
    }
    /// Two decimals, half away from zero.
    fn money(&self) -> String {
        let scaled = self.mul(&Q::int(100));
        let twice: BigInt = &scaled.n * BigInt::from(2);
        let half: BigInt = if twice.is_negative() {
            -scaled.d.clone()
        } else {
            scaled.d.clone()
        };
        let rounded: BigInt = (twice + half) / (&scaled.d * BigInt::from(2));
        decimal(&rounded, 2)
    }
}

fn decimal(scaled: &BigInt, places: u32) -> String {
    if places == 0 {
        return scaled.to_string();
    }
    let sign = if scaled.is_negative() { "-" } else { "" };
    let digits = scaled.abs().to_string();
    let padded = format!("{digits:0>width$}", width = places as usize + 1);
    let (int, frac) = padded.split_at(padded.len() - places as usize);
    format!("{sign}{int}.{frac}")
}

/// Oracle values.
#[derive(Debug, Clone, PartialEq)]
pub enum V {
    Bool(bool),
    Num(Q),
    Date(jiff::civil::Date),
    Dur { months: i64, minutes: i64 },
    Text(String),
    List(Vec<V>),
    Record(Vec<(String, V)>),
    Null,
}

/// Unknown is `None`.
pub type T = Option<V>;
/// An arithmetic error stops the evaluation, as in the main evaluator.
pub type R<X> = Result<X, String>;

/// Every declaration of a rule set, by name.
pub struct Oracle {
    facts: HashMap<String, FactDecl>,
    params: HashMap<String, ValueDecl>,
    rules: HashMap<String, ValueDecl>,
    rule_names: Vec<String>,
    exceptions: Vec<ExceptionDecl>,
}

struct Ctx<'a> {
    oracle: &'a Oracle,
    /// The case's facts as written; a fact's value is converted at each use.
    given: &'a Map<String, Json>,
    /// Items of enclosing aggregates, innermost last.
    items: Vec<V>,
    /// Inside a parameter's definition (where `prefer` clauses do not apply).
    in_param: u32,
}

impl Oracle {
    pub fn new(files: &[File]) -> Oracle {
        let mut oracle = Oracle {
            facts: HashMap::new(),
            params: HashMap::new(),
            rules: HashMap::new(),
            rule_names: Vec::new(),
            exceptions: Vec::new(),
        };
        for item in files.iter().flat_map(|f| &f.items) {
            match item {
                Item::Fact(d) => {
                    oracle.facts.insert(d.name.text.clone(), d.clone());
                }
                Item::Param(d) => {
                    oracle.params.insert(d.name.text.clone(), d.clone());
                }
                Item::Rule(d) => {
                    oracle.rule_names.push(d.name.text.clone());
                    oracle.rules.insert(d.name.text.clone(), d.clone());
                }
                Item::Exception(d) => oracle.exceptions.push(d.clone()),
                Item::Source(_) => {}
            }
        }
        oracle
    }

    /// Names of the rules, in declaration order.
    pub fn rule_names(&self) -> &[String] {
        &self.rule_names
    }

    /// Evaluates the named rules of a case (the JSON case document): each value, or the
    /// error that stops the evaluation. `None` when the case has no date to apply.
    pub fn evaluate(&self, case: &Json, names: &[String]) -> Option<R<Vec<T>>> {
        let empty = Map::new();
        let given = case.get("facts").and_then(Json::as_object).unwrap_or(&empty);
        let mut ctx = Ctx {
            oracle: self,
            given,
            items: Vec::new(),
            in_param: 0,
        };
        let as_of = match case.get("as_of").and_then(Json::as_str) {
            Some(text) => ruling::value::parse_date(text)?,
            None => match ctx.fact_value("conduct_date", 0) {
                Some(V::Date(d)) => d,
                _ => return None,
            },
        };
        let mut out = Vec::new();
        for name in names {
            match ctx.rule(name, as_of) {
                Ok(v) => out.push(v),
                Err(e) => return Some(Err(e)),
            }
        }
        Some(Ok(out))
    }

    /// The values of every rule (as [`Oracle::evaluate`] gives them) as `{name: JSON}`,
    /// in the encoding of case files.
    pub fn to_json(&self, values: &[T]) -> Map<String, Json> {
        let mut out = Map::new();
        for (name, value) in self.rule_names.iter().zip(values) {
            let ty = self.rules.get(name).map(|d| &d.ty);
            out.insert(name.clone(), encode(value, ty));
        }
        out
    }
}

/// The main evaluator's value in the oracle's terms (record field names dropped).
pub fn from_main(value: &ruling::value::Value) -> V {
    use ruling::value::Value;
    match value {
        Value::Bool(b) => V::Bool(*b),
        Value::Number(r) => {
            V::Num(Q::new(BigInt::from(*r.numer()), BigInt::from(*r.denom())).unwrap_or_else(|| Q::int(0)))
        }
        Value::Date(d) => V::Date(*d),
        Value::Duration(d) => V::Dur {
            months: d.months,
            minutes: d.minutes,
        },
        Value::Text(t) => V::Text(t.to_string()),
        Value::List(items) => V::List(items.iter().map(from_main).collect()),
        Value::Record(fields) => V::Record(fields.iter().map(|f| (String::new(), from_main(f))).collect()),
        Value::Null => V::Null,
    }
}

/// An oracle value with record field names dropped (to compare with [`from_main`]).
pub fn anonymous(value: &V) -> V {
    match value {
        V::List(items) => V::List(items.iter().map(anonymous).collect()),
        V::Record(fields) => V::Record(fields.iter().map(|(_, v)| (String::new(), anonymous(v))).collect()),
        other => other.clone(),
    }
}

impl<'a> Ctx<'a> {
    /// A fact's value: the case's, else its default (a constant or another fact).
    fn fact_value(&self, name: &str, hops: usize) -> T {
        let decl = self.oracle.facts.get(name)?;
        if let Some(json) = self.given.get(name).filter(|j| !j.is_null()) {
            return self.convert(&decl.ty, json);
        }
        let default = decl.default.as_ref()?;
        if let ExprKind::Name(other) = &default.kind {
            if self.oracle.facts.contains_key(&other.text) && hops < 64 {
                return self.fact_value(&other.text, hops + 1);
            }
        }
        self.constant(default)
    }

    fn constant(&self, e: &Expr) -> T {
        let nothing = Map::new();
        let mut empty = Ctx {
            oracle: self.oracle,
            given: &nothing,
            items: Vec::new(),
            in_param: 0,
        };
        let date = jiff::civil::date(2000, 1, 1);
        empty.eval(e, date).ok().flatten()
    }

    fn convert(&self, ty: &TypeExpr, json: &Json) -> T {
        if ty.optional && json.is_null() {
            return Some(V::Null);
        }
        Some(match &ty.kind {
            TypeKind::Named(name) => match name.text.as_str() {
                "bool" => V::Bool(json.as_bool()?),
                "count" | "integer" => V::Num(Q::int(json.as_i64()?)),
                "decimal" | "money" | "percent" => V::Num(match json {
                    Json::String(s) => Q::parse(s.trim())?,
                    other => Q::int(other.as_i64()?),
                }),
                "date" => V::Date(ruling::value::parse_date(json.as_str()?)?),
                "duration" => duration(json.as_str()?)?,
                _ => V::Text(json.as_str()?.to_string()),
            },
            TypeKind::Enum(_) => V::Text(json.as_str()?.to_string()),
            TypeKind::List(inner) => V::List(
                json.as_array()?
                    .iter()
                    .map(|j| self.convert(inner, j))
                    .collect::<Option<_>>()?,
            ),
            TypeKind::Records(fields) => V::List(
                json.as_array()?
                    .iter()
                    .map(|item| {
                        let object = item.as_object()?;
                        let values = fields
                            .iter()
                            .map(|f| {
                                let value = match object.get(&f.name.text).filter(|j| !j.is_null()) {
                                    Some(j) => self.convert(&f.ty, j)?,
                                    None => self.constant(f.default.as_ref()?)?,
                                };
                                Some((f.name.text.clone(), value))
                            })
                            .collect::<Option<Vec<_>>>()?;
                        Some(V::Record(values))
                    })
                    .collect::<Option<_>>()?,
            ),
        })
    }

    /// The definition of a dated declaration in force on `as_of`: the latest `from`
    /// not after it (an undated definition always applies).
    fn version(decl: &ValueDecl, as_of: jiff::civil::Date) -> Option<&Expr> {
        let mut defs: Vec<_> = decl.definitions.iter().collect();
        defs.sort_by_key(|d| d.from.map(|(date, _)| date));
        let mut chosen = None;
        for def in defs {
            match def.from {
                None => chosen = Some(&def.body),
                Some((from, _)) if from <= as_of => chosen = Some(&def.body),
                Some(_) => break,
            }
        }
        chosen
    }

    fn param(&mut self, decl: &ValueDecl, as_of: jiff::civil::Date) -> R<T> {
        let Some(body) = Self::version(decl, as_of) else {
            return Ok(Some(V::Null));
        };
        self.in_param += 1;
        let value = self.eval(body, as_of);
        self.in_param -= 1;
        Ok(Some(value?.unwrap_or(V::Null)))
    }

    fn rule(&mut self, name: &str, as_of: jiff::civil::Date) -> R<T> {
        let oracle = self.oracle;
        let Some(decl) = oracle.rules.get(name) else {
            return Ok(None);
        };
        let Some(body) = Self::version(decl, as_of) else {
            return Ok(Some(V::Null));
        };
        let saved = std::mem::take(&mut self.items);
        let base = self.eval(body, as_of);
        let result = match base {
            Ok(base) => self.exceptions(name, base, as_of),
            Err(e) => Err(e),
        };
        self.items = saved;
        result
    }

    fn exceptions(&mut self, name: &str, base: T, as_of: jiff::civil::Date) -> R<T> {
        let oracle = self.oracle;
        let mut applied: Option<V> = None;
        let mut undecided: Vec<T> = Vec::new();
        let mut any = false;
        for exception in oracle.exceptions.iter().filter(|e| e.target.text == name) {
            any = true;
            if exception.from.is_some_and(|(from, _)| from > as_of) {
                continue;
            }
            let when = truth(&self.eval(&exception.when, as_of)?);
            let value = match (when, &exception.value) {
                (Some(false), _) => None,
                (_, Some(v)) => self.eval(v, as_of)?,
                (_, None) => Some(V::Bool(false)),
            };
            match (when, value) {
                (Some(true), Some(v)) => {
                    if applied.as_ref().is_some_and(|previous| *previous != v) {
                        return Err(format!("conflicting exceptions to `{name}`"));
                    }
                    applied = Some(v);
                }
                (Some(true), None) => undecided.push(None),
                (None, v) => undecided.push(v),
                (Some(false), _) => {}
            }
        }
        if !any {
            return Ok(base);
        }
        if let Some(v) = applied {
            return Ok(Some(v));
        }
        Ok(if undecided.iter().all(|v| v.is_some() && *v == base) {
            base
        } else {
            None
        })
    }

    /// The `prefer` clause that applies to a use of `name`: that of a parameter or rule with
    /// more than one version, outside the definitions of parameters.
    fn prefer_of(&self, name: &str) -> Option<&'a Prefer> {
        let oracle = self.oracle;
        let decl = oracle.params.get(name).or_else(|| oracle.rules.get(name))?;
        (self.in_param == 0 && decl.definitions.len() > 1).then_some(decl.prefer.as_ref()?)
    }

    /// A use of a value with a `prefer` clause, as the language reference defines it: the
    /// version in force on the clause's first date when its value is the preferred one
    /// compared with the version in force on the second, else the latter; when that cannot
    /// be decided, the value if both agree, else unknown.
    fn preferred(&mut self, name: &str, prefer: &Prefer, as_of: jiff::civil::Date) -> R<T> {
        let on = |ctx: &mut Self, date: &Expr| -> R<T> {
            match ctx.eval(date, as_of)? {
                Some(V::Date(when)) => ctx.written(name, when),
                _ => Ok(None),
            }
        };
        let at_first = on(self, &prefer.preferred)?;
        let at_second = on(self, &prefer.over)?;
        let test = |op: BinaryOp, other: &V| match &at_first {
            Some(first) => compare(op, first, other).map(|v| truth(&Some(v))),
            None => Ok(None),
        };
        let holds = match (prefer.order, &at_second) {
            (PreferOrder::Higher, Some(second)) => test(BinaryOp::Gt, second)?,
            (PreferOrder::Lower, Some(second)) => test(BinaryOp::Lt, second)?,
            (PreferOrder::Higher | PreferOrder::Lower, None) => None,
            (PreferOrder::True, _) => test(BinaryOp::Eq, &V::Bool(true))?,
            (PreferOrder::False, _) => test(BinaryOp::Eq, &V::Bool(false))?,
        };
        Ok(match holds {
            Some(true) => at_first,
            Some(false) => at_second,
            None if at_first.is_some() && at_first == at_second => at_first,
            None => None,
        })
    }

    fn name(&mut self, name: &str, as_of: jiff::civil::Date) -> R<T> {
        if let Some(prefer) = self.prefer_of(name) {
            if !self.items.iter().any(|item| field_of(item, name).is_some()) {
                return self.preferred(name, prefer, as_of);
            }
        }
        self.written(name, as_of)
    }

    /// A name's value as written, under the law of `as_of` (no `prefer` clause applies).
    fn written(&mut self, name: &str, as_of: jiff::civil::Date) -> R<T> {
        if let Some(v) = self.items.iter().rev().find_map(|item| field_of(item, name)) {
            return Ok(Some(v.clone()));
        }
        let oracle = self.oracle;
        if oracle.facts.contains_key(name) {
            return Ok(self.fact_value(name, 0));
        }
        if let Some(decl) = oracle.params.get(name) {
            return self.param(decl, as_of);
        }
        self.rule(name, as_of)
    }

    fn eval(&mut self, e: &Expr, as_of: jiff::civil::Date) -> R<T> {
        Ok(match &e.kind {
            ExprKind::Literal(lit) => Some(literal(lit)),
            ExprKind::Name(n) => self.name(&n.text, as_of)?,
            ExprKind::Paren(inner) => self.eval(inner, as_of)?,
            ExprKind::Unary(UnaryOp::Not, inner) => truth(&self.eval(inner, as_of)?).map(|b| V::Bool(!b)),
            ExprKind::Unary(UnaryOp::Neg, inner) => self.eval(inner, as_of)?.map(|v| match v {
                V::Num(q) => V::Num(q.neg()),
                V::Dur { months, minutes } => V::Dur {
                    months: -months,
                    minutes: -minutes,
                },
                other => other,
            }),
            ExprKind::Binary(op, a, b) => self.binary(*op, a, b, as_of)?,
            ExprKind::At(target, date) => match self.eval(date, as_of)? {
                // `x at DATE` asks for the version of that date: no `prefer` clause applies.
                Some(V::Date(when)) => match &unparenthesised(target).kind {
                    ExprKind::Name(n) => self.written(&n.text, when)?,
                    _ => self.eval(target, when)?,
                },
                _ => None,
            },
            ExprKind::Block(kind, branches) => self.block(*kind, branches, as_of)?,
            ExprKind::AtLeast(n, branches) => {
                let (mut yes, mut unknown) = (0u32, 0u32);
                for b in branches {
                    match truth(&self.eval(&b.expr, as_of)?) {
                        Some(true) => yes += 1,
                        None => unknown += 1,
                        Some(false) => {}
                    }
                }
                if yes >= *n {
                    Some(V::Bool(true))
                } else if yes + unknown < *n {
                    Some(V::Bool(false))
                } else {
                    None
                }
            }
            ExprKind::If(c, a, b) => match truth(&self.eval(c, as_of)?) {
                Some(true) => self.eval(a, as_of)?,
                Some(false) => self.eval(b, as_of)?,
                None => {
                    let (x, y) = (self.eval(a, as_of)?, self.eval(b, as_of)?);
                    if x.is_some() && x == y {
                        x
                    } else {
                        None
                    }
                }
            },
            ExprKind::Aggregate(agg) => self.aggregate(agg, as_of)?,
            ExprKind::Call(name, args) => self.call(&name.text, args, as_of)?,
            ExprKind::List(items) => {
                let mut out = Vec::new();
                for item in items {
                    match self.eval(item, as_of)? {
                        Some(v) => out.push(v),
                        None => return Ok(None),
                    }
                }
                Some(V::List(out))
            }
        })
    }

    fn block(&mut self, kind: BlockKind, branches: &[Branch], as_of: jiff::civil::Date) -> R<T> {
        let mut result = Some(kind != BlockKind::Any);
        for b in branches {
            let v = truth(&self.eval(&b.expr, as_of)?);
            result = match kind {
                BlockKind::All => and(result, v),
                BlockKind::Any => or(result, v),
                BlockKind::Not => v.map(|b| !b),
            };
        }
        Ok(result.map(V::Bool))
    }

    fn binary(&mut self, op: BinaryOp, a: &Expr, b: &Expr, as_of: jiff::civil::Date) -> R<T> {
        if matches!(op, BinaryOp::And | BinaryOp::Or) {
            let left = truth(&self.eval(a, as_of)?);
            if left == Some(op == BinaryOp::Or) {
                return Ok(left.map(V::Bool));
            }
            let right = truth(&self.eval(b, as_of)?);
            let result = if op == BinaryOp::And {
                and(left, right)
            } else {
                or(left, right)
            };
            return Ok(result.map(V::Bool));
        }
        let (left, right) = (self.eval(a, as_of)?, self.eval(b, as_of)?);
        let (Some(left), Some(right)) = (left, right) else {
            return Ok(None);
        };
        if op.is_comparison() {
            compare(op, &left, &right).map(Some)
        } else {
            arithmetic(op, &left, &right).map(Some)
        }
    }

    fn aggregate(&mut self, agg: &ruling::ast::Aggregate, as_of: jiff::civil::Date) -> R<T> {
        let Some(V::List(items)) = self.eval(&agg.list, as_of)? else {
            return Ok(None);
        };
        let kind = agg.kind;
        let quantifier = matches!(kind, AggregateKind::Any | AggregateKind::All);
        let (predicate, filter) = if quantifier {
            (
                agg.value.as_deref().or(agg.filter.as_deref()),
                agg.value.as_ref().and(agg.filter.as_deref()),
            )
        } else {
            (agg.value.as_deref(), agg.filter.as_deref())
        };
        let (mut count, mut acc, mut truth_acc) = (0i64, None::<V>, Some(kind == AggregateKind::All));
        for item in items {
            self.items.push(item);
            let step = self.aggregate_item(predicate, filter, as_of);
            self.items.pop();
            let Some((selected, v)) = step? else { return Ok(None) };
            if !selected {
                continue;
            }
            count += 1;
            match kind {
                AggregateKind::Any => truth_acc = or(truth_acc, truth(&v)),
                AggregateKind::All => truth_acc = and(truth_acc, truth(&v)),
                AggregateKind::Count => {}
                _ => {
                    let Some(v) = v else { return Ok(None) };
                    acc = Some(match acc {
                        None => v,
                        Some(a) if kind == AggregateKind::Sum => arithmetic(BinaryOp::Add, &a, &v)?,
                        Some(a) => extreme(kind == AggregateKind::Max, a, v)?,
                    });
                }
            }
        }
        Ok(match kind {
            AggregateKind::Count => Some(V::Num(Q::int(count))),
            AggregateKind::Any | AggregateKind::All => truth_acc.map(V::Bool),
            AggregateKind::Sum => Some(acc.unwrap_or(V::Num(Q::int(0)))),
            AggregateKind::Max | AggregateKind::Min => Some(acc.unwrap_or(V::Null)),
        })
    }

    /// Whether the current item is selected by the filter, and its value.
    fn aggregate_item(
        &mut self,
        predicate: Option<&Expr>,
        filter: Option<&Expr>,
        as_of: jiff::civil::Date,
    ) -> R<Option<(bool, T)>> {
        if let Some(f) = filter {
            match truth(&self.eval(f, as_of)?) {
                None => return Ok(None),
                Some(false) => return Ok(Some((false, None))),
                Some(true) => {}
            }
        }
        let v = match predicate {
            Some(p) => self.eval(p, as_of)?,
            None => Some(V::Bool(true)),
        };
        Ok(Some((true, v)))
    }

    fn call(&mut self, name: &str, args: &[Expr], as_of: jiff::civil::Date) -> R<T> {
        match name {
            "known" => {
                let value = match args.first() {
                    Some(arg) => self.eval(arg, as_of)?,
                    None => None,
                };
                Ok(Some(V::Bool(value.is_some())))
            }
            "held" => {
                let Some(ExprKind::Name(target)) = args.first().map(|a| &a.kind) else {
                    return Ok(None);
                };
                self.held(&target.text, as_of)
            }
            _ => {
                let mut best: Option<V> = None;
                for arg in args {
                    let Some(v) = self.eval(arg, as_of)? else {
                        return Ok(None);
                    };
                    best = Some(match best {
                        None => v,
                        Some(b) => extreme(name == "max", b, v)?,
                    });
                }
                Ok(best)
            }
        }
    }

    fn held(&mut self, rule: &str, as_of: jiff::civil::Date) -> R<T> {
        let oracle = self.oracle;
        let Some(decl) = oracle.rules.get(rule) else {
            return Ok(None);
        };
        let Some(body) = Self::version(decl, as_of) else {
            return Ok(Some(V::List(Vec::new())));
        };
        let (ExprKind::Block(_, branches) | ExprKind::AtLeast(_, branches)) = &body.kind else {
            return Ok(None);
        };
        let value = self.rule(rule, as_of)?;
        let saved = std::mem::take(&mut self.items);
        let mut labels = Vec::new();
        let mut unknown = false;
        for b in branches {
            match truth(&self.eval(&b.expr, as_of)?) {
                Some(true) => labels.push(V::Text(b.label.clone().unwrap_or_default())),
                None => unknown = true,
                Some(false) => {}
            }
        }
        self.items = saved;
        if value == Some(V::Bool(false)) {
            return Ok(Some(V::List(Vec::new())));
        }
        Ok((!unknown).then_some(V::List(labels)))
    }
}

/// The value of field `name` when `item` is a record that has one.
fn field_of<'v>(item: &'v V, name: &str) -> Option<&'v V> {
    match item {
        V::Record(fields) => fields.iter().find(|(n, _)| n == name).map(|(_, v)| v),
        _ => None,
    }
}

fn unparenthesised(e: &Expr) -> &Expr {
    match &e.kind {
        ExprKind::Paren(inner) => unparenthesised(inner),
        _ => e,
    }
}

fn truth(v: &T) -> Option<bool> {
    match v {
        None => None,
        Some(V::Bool(b)) => Some(*b),
        Some(_) => Some(false),
    }
}

fn and(a: Option<bool>, b: Option<bool>) -> Option<bool> {
    match (a, b) {
        (Some(false), _) | (_, Some(false)) => Some(false),
        (Some(true), Some(true)) => Some(true),
        _ => None,
    }
}

fn or(a: Option<bool>, b: Option<bool>) -> Option<bool> {
    match (a, b) {
        (Some(true), _) | (_, Some(true)) => Some(true),
        (Some(false), Some(false)) => Some(false),
        _ => None,
    }
}

fn literal(lit: &Literal) -> V {
    match lit {
        Literal::Bool(b) => V::Bool(*b),
        Literal::Number(r) | Literal::Money(r) | Literal::Percent(r) => {
            V::Num(Q::new(BigInt::from(*r.numer()), BigInt::from(*r.denom())).unwrap_or_else(|| Q::int(0)))
        }
        Literal::Date(d) => V::Date(*d),
        Literal::Duration(d) => V::Dur {
            months: d.months,
            minutes: d.minutes,
        },
        Literal::Text(t) => V::Text(t.clone()),
        Literal::None => V::Null,
    }
}

/// `2 years`, `60 minutes`, `30日`.
fn duration(text: &str) -> Option<V> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit())?;
    let (digits, unit) = text.split_at(split);
    let n: i64 = digits.parse().ok()?;
    let (months, minutes) = match unit.trim() {
        "years" | "year" | "年" => (n * 12, 0),
        "months" | "month" | "个月" => (n, 0),
        "days" | "day" | "日" | "天" => (0, n * 1440),
        "hours" | "hour" | "小时" => (0, n * 60),
        "minutes" | "minute" | "分钟" => (0, n),
        _ => return None,
    };
    Some(V::Dur { months, minutes })
}

fn compare(op: BinaryOp, a: &V, b: &V) -> R<V> {
    if *a == V::Null || *b == V::Null {
        return Ok(match op {
            BinaryOp::Eq => V::Bool(a == b),
            BinaryOp::Ne => V::Bool(a != b),
            _ => V::Null,
        });
    }
    if op == BinaryOp::In {
        return Ok(V::Bool(matches!(b, V::List(items) if items.contains(a))));
    }
    let order = match (a, b) {
        (V::Num(x), V::Num(y)) => Some(x.cmp(y)),
        (V::Date(x), V::Date(y)) => Some(x.cmp(y)),
        (
            V::Dur {
                months: m1,
                minutes: n1,
            },
            V::Dur {
                months: m2,
                minutes: n2,
            },
        ) => {
            if *m1 == 0 && *m2 == 0 {
                Some(n1.cmp(n2))
            } else if *n1 == 0 && *n2 == 0 {
                Some(m1.cmp(m2))
            } else {
                return Err(String::from("incomparable durations"));
            }
        }
        _ => None,
    };
    Ok(V::Bool(match (op, order) {
        (BinaryOp::Eq, None) => a == b,
        (BinaryOp::Ne, None) => a != b,
        (_, None) => false,
        (BinaryOp::Eq, Some(o)) => o.is_eq(),
        (BinaryOp::Ne, Some(o)) => o.is_ne(),
        (BinaryOp::Ge, Some(o)) => o.is_ge(),
        (BinaryOp::Gt, Some(o)) => o.is_gt(),
        (BinaryOp::Le, Some(o)) => o.is_le(),
        (BinaryOp::Lt, Some(o)) => o.is_lt(),
        _ => false,
    }))
}

fn extreme(max: bool, a: V, b: V) -> R<V> {
    let a_less = compare(BinaryOp::Lt, &a, &b)? == V::Bool(true);
    Ok(if a_less == max { b } else { a })
}

/// Moves a date by whole months (clamped to the month's last day), then by whole days.
pub fn shift(date: jiff::civil::Date, months: i64, minutes: i64) -> Option<jiff::civil::Date> {
    let total = i64::from(date.year()) * 12 + i64::from(date.month()) - 1 + months;
    let (year, month) = (total.div_euclid(12), total.rem_euclid(12) + 1);
    let year = i16::try_from(year).ok()?;
    let month = i8::try_from(month).ok()?;
    let last = jiff::civil::date(year, month, 1).days_in_month();
    let moved = jiff::civil::Date::new(year, month, date.day().min(last)).ok()?;
    moved.checked_add(jiff::Span::new().try_days(minutes / 1440).ok()?).ok()
}

fn arithmetic(op: BinaryOp, a: &V, b: &V) -> R<V> {
    let out_of_range = || String::from("date out of range");
    Ok(match (op, a, b) {
        (_, V::Null, _) | (_, _, V::Null) => V::Null,
        (BinaryOp::Add, V::Num(x), V::Num(y)) => V::Num(x.add(y)),
        (BinaryOp::Sub, V::Num(x), V::Num(y)) => V::Num(x.add(&y.neg())),
        (BinaryOp::Mul, V::Num(x), V::Num(y)) => V::Num(x.mul(y)),
        (BinaryOp::Div, V::Num(x), V::Num(y)) => V::Num(x.div(y).ok_or_else(|| String::from("division by zero"))?),
        (BinaryOp::Add, V::Date(d), V::Dur { months, minutes })
        | (BinaryOp::Add, V::Dur { months, minutes }, V::Date(d)) => {
            V::Date(shift(*d, *months, *minutes).ok_or_else(out_of_range)?)
        }
        (BinaryOp::Sub, V::Date(d), V::Dur { months, minutes }) => {
            V::Date(shift(*d, -months, -minutes).ok_or_else(out_of_range)?)
        }
        (BinaryOp::Sub, V::Date(x), V::Date(y)) => V::Dur {
            months: 0,
            minutes: (day_number(*x) - day_number(*y)) * 1440,
        },
        (
            BinaryOp::Add,
            V::Dur {
                months: a1,
                minutes: b1,
            },
            V::Dur {
                months: a2,
                minutes: b2,
            },
        ) => V::Dur {
            months: a1 + a2,
            minutes: b1 + b2,
        },
        (
            BinaryOp::Sub,
            V::Dur {
                months: a1,
                minutes: b1,
            },
            V::Dur {
                months: a2,
                minutes: b2,
            },
        ) => V::Dur {
            months: a1 - a2,
            minutes: b1 - b2,
        },
        (BinaryOp::Mul, V::Dur { months, minutes }, V::Num(n))
        | (BinaryOp::Mul, V::Num(n), V::Dur { months, minutes }) => {
            let scale = |x: i64| {
                Q::int(x)
                    .mul(n)
                    .trunc()
                    .to_i64()
                    .ok_or_else(|| String::from("overflow"))
            };
            V::Dur {
                months: scale(*months)?,
                minutes: scale(*minutes)?,
            }
        }
        _ => V::Null,
    })
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
pub fn day_number(date: jiff::civil::Date) -> i64 {
    let (y, m, d) = (i64::from(date.year()), i64::from(date.month()), i64::from(date.day()));
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The JSON of a conclusion, following docs/formats (money with two decimals).
fn encode(value: &T, ty: Option<&TypeExpr>) -> Json {
    let Some(value) = value else { return Json::Null };
    let named = ty.and_then(|t| match &t.kind {
        TypeKind::Named(n) => Some(n.text.as_str()),
        _ => None,
    });
    match value {
        V::Null => Json::Null,
        V::Bool(b) => json!(b),
        V::Num(q) if named == Some("money") => json!(q.money()),
        V::Num(q) => json!(q.text()),
        V::Date(d) => json!(d.to_string()),
        V::Dur { months, minutes } => json!(duration_text(*months, *minutes)),
        V::Text(t) => json!(t),
        V::List(items) => {
            let inner = ty.and_then(|t| match &t.kind {
                TypeKind::List(inner) => Some(&**inner),
                _ => None,
            });
            Json::Array(items.iter().map(|i| encode(&Some(i.clone()), inner)).collect())
        }
        V::Record(fields) => Json::Array(fields.iter().map(|(_, v)| encode(&Some(v.clone()), None)).collect()),
    }
}

fn duration_text(months: i64, minutes: i64) -> String {
    let mut parts = Vec::new();
    if months != 0 {
        parts.push(if months % 12 == 0 {
            format!("{} years", months / 12)
        } else {
            format!("{months} months")
        });
    }
    if minutes != 0 || parts.is_empty() {
        parts.push(if minutes % 1440 == 0 && minutes != 0 {
            format!("{} days", minutes / 1440)
        } else if minutes % 60 == 0 && minutes != 0 {
            format!("{} hours", minutes / 60)
        } else {
            format!("{minutes} minutes")
        });
    }
    parts.join(" ")
}
