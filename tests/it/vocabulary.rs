//! The shipped rules declare every fact and conclusion of the spec's vocabulary, with
//! its type and Chinese label (`../shared/spec/vocabulary.md`, the public contract, vendored as
//! `tests/spec/vocabulary.md`).

use ruling::ir::{Program, Type};

use super::support::{root, shipped_rules};

/// One row of a vocabulary table.
#[derive(Debug)]
struct Entry {
    ids: Vec<String>,
    label: String,
    ty: String,
    /// The default column says the fact may be absent (`absent (= none)`): an optional type is the encoding.
    absent_is_none: bool,
    enum_values: Vec<String>,
}

/// The vocabulary as vendored in `tests/spec/` (CI runs on a clone without `../shared/`); where the
/// shared spec is present, the copy must equal it.
fn vocabulary_text() -> String {
    let vendored = root().join("tests/spec/vocabulary.md");
    let text = std::fs::read_to_string(&vendored).unwrap_or_else(|e| panic!("cannot read {}: {e}", vendored.display()));
    if let Ok(shared) = std::fs::read_to_string(root().join("../shared/spec/vocabulary.md")) {
        assert!(
            shared == text,
            "tests/spec/vocabulary.md differs from ../shared/spec/vocabulary.md: copy it again"
        );
    }
    text
}

fn vocabulary() -> Vec<Entry> {
    let text = vocabulary_text();
    let mut entries = Vec::new();
    let mut in_id_table = false;
    let mut in_spec_sections = false;
    for line in text.lines() {
        if line.starts_with("## 1.") {
            in_spec_sections = true;
        }
        if line.starts_with("## 9.") {
            break;
        }
        if !line.starts_with('|') {
            in_id_table = false;
            continue;
        }
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let first = cells.get(1).copied().unwrap_or("");
        if first == "id" || first == "conclusion" {
            in_id_table = true;
            continue;
        }
        if !in_spec_sections || !in_id_table || !first.starts_with('`') {
            continue;
        }
        let ids = backticked(first);
        let ty_cell = cells.get(3).copied().unwrap_or("");
        let values_cell = cells.get(4).copied().unwrap_or("");
        let enum_values = if ty_cell.starts_with("enum:") {
            backticked(ty_cell)
        } else if ty_cell.starts_with("enum") {
            let mut values: Vec<String> = backticked(values_cell)
                .into_iter()
                .chain(quoted(values_cell))
                .map(|v| v.trim_matches('"').to_string())
                .collect();
            values.sort_unstable();
            values.dedup();
            values
        } else {
            Vec::new()
        };
        entries.push(Entry {
            ids,
            label: cells.get(2).copied().unwrap_or("").to_string(),
            ty: ty_cell.to_string(),
            absent_is_none: values_cell.contains("absent"),
            enum_values,
        });
    }
    entries
}

fn backticked(cell: &str) -> Vec<String> {
    cell.split('`').skip(1).step_by(2).map(String::from).collect()
}

fn quoted(cell: &str) -> Vec<String> {
    cell.split('"').skip(1).step_by(2).map(String::from).collect()
}

fn declared(program: &Program, id: &str) -> Option<(Type, Option<String>)> {
    if let Some(fact) = program.facts.iter().find(|f| f.name == id) {
        return Some((fact.ty.clone(), fact.label.clone()));
    }
    program
        .rules
        .iter()
        .find(|r| r.name == id)
        .map(|r| (r.ty.clone(), r.label.clone()))
}

fn type_matches(program: &Program, entry: &Entry, ty: &Type) -> bool {
    let vocabulary_type = entry.ty.as_str();
    let optional = vocabulary_type.split_whitespace().next().unwrap_or("").ends_with('?')
        || (entry.absent_is_none && matches!(ty, Type::Optional(_)));
    let base = if optional { ty.strip_optional() } else { ty };
    if optional && !matches!(ty, Type::Optional(_)) {
        return false;
    }
    let word = vocabulary_type.trim_start_matches(|c: char| c.is_whitespace());
    match word {
        w if w.starts_with("bool") => matches!(ty.strip_optional(), Type::Bool),
        w if w.starts_with("int / money") => matches!(base, Type::Count | Type::Integer | Type::Money),
        w if w.starts_with("int") => matches!(base, Type::Count | Type::Integer),
        w if w.starts_with("money") => matches!(base, Type::Money),
        w if w.starts_with("date") => matches!(base, Type::Date),
        w if w.starts_with("text") => matches!(base, Type::Text),
        w if w.starts_with("list<text>") => *base == Type::List(Box::new(Type::Text)),
        w if w.starts_with("records") => matches!(base, Type::List(inner) if matches!(**inner, Type::Record(_))),
        w if w.starts_with("enum") => matches!(base, Type::Enum(_)),
        other => panic!(
            "vocabulary type `{other}` is not understood by this test: {}",
            program.type_name(ty)
        ),
    }
}

fn label_matches(ours: &str, theirs: &str) -> bool {
    let theirs = theirs.trim();
    // `(shared, §3.1)`: the label is given where the fact is first listed.
    theirs.starts_with("(shared")
        || ours == theirs
        || theirs
            .strip_prefix(ours)
            .is_some_and(|rest| rest.starts_with('（') || rest.starts_with('：') || rest.starts_with(" ("))
}

#[test]
fn every_vocabulary_id_is_declared_with_its_type_and_label() {
    let rules = shipped_rules();
    let program = rules.program();
    let entries = vocabulary();
    assert!(
        entries.len() > 150,
        "vocabulary tables not found ({} rows)",
        entries.len()
    );
    let mut problems = Vec::new();
    for entry in &entries {
        for id in &entry.ids {
            let Some((ty, label)) = declared(program, id) else {
                problems.push(format!("`{id}` is not declared"));
                continue;
            };
            if !type_matches(program, entry, &ty) {
                problems.push(format!(
                    "`{id}`: vocabulary type `{}`, rules say `{}`",
                    entry.ty,
                    program.type_name(&ty)
                ));
            }
            if let Type::Enum(enum_id) = ty.strip_optional() {
                let values: Vec<&str> = program.enums[enum_id.0 as usize]
                    .values
                    .iter()
                    .map(|(v, _)| v.as_str())
                    .collect();
                let mut wanted: Vec<&str> = entry.enum_values.iter().map(String::as_str).collect();
                wanted.retain(|w| !w.is_empty());
                if !wanted.is_empty() && {
                    let mut a = values.clone();
                    let mut b = wanted.clone();
                    a.sort_unstable();
                    b.sort_unstable();
                    a != b
                } {
                    problems.push(format!("`{id}`: enum values {values:?}, vocabulary {wanted:?}"));
                }
            }
            if entry.ids.len() == 1 {
                let ours = label.unwrap_or_default();
                if !label_matches(&ours, &entry.label) {
                    problems.push(format!("`{id}`: label `{ours}`, vocabulary `{}`", entry.label));
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} difference(s) from vocabulary.md:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
