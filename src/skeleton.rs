//! `ruling new-case`: a case-file skeleton for a rule set, in YAML with a comment on every fact
//! (its label, type, unit and default), limited to what the questions depend on.
//!
//! Every value is `null` ("not given"), so the skeleton parses as it is; filling in a value
//! and deleting the lines of the facts that are not known gives a case file.

use crate::eval::EvalError;
use crate::ir::{Program, Type};
use crate::RuleSet;

/// The skeleton of a case about `questions` (rule ids; all conclusions when empty): every fact
/// those conclusions can read, directly, through the rules they use, or through a fact's
/// default, in declaration order.
pub fn case_skeleton(rules: &RuleSet, questions: &[String]) -> Result<String, EvalError> {
    let catalog = rules.catalog();
    let program = rules.program();
    for question in questions {
        if !catalog.rules.iter().any(|r| r.id == *question) {
            return Err(EvalError::unknown_conclusion(
                question,
                catalog.rules.iter().map(|r| r.id.as_str()),
            ));
        }
    }
    let mut relevant = vec![questions.is_empty(); program.facts.len()];
    if !questions.is_empty() {
        let asked: Vec<&str> = questions.iter().map(String::as_str).collect();
        for (rule, reached) in catalog.rules.iter().zip(catalog.closure(&asked)) {
            if reached {
                for fact in &rule.reads_facts {
                    if let Some(slot) = relevant.get_mut(*fact as usize) {
                        *slot = true;
                    }
                }
            }
        }
        // A fact whose default is another fact (`decision_date = conduct_date`) needs that one.
        for _ in 0..program.facts.len() {
            let mut changed = false;
            for (index, fact) in program.facts.iter().enumerate() {
                if relevant.get(index) == Some(&true) {
                    if let Some(slot) = fact.default_fact.and_then(|f| relevant.get_mut(f.0 as usize)) {
                        changed |= !*slot;
                        *slot = true;
                    }
                }
            }
            if !changed {
                break;
            }
        }
    }
    let mut out = String::new();
    let scope = if questions.is_empty() {
        String::from("全部结论")
    } else {
        questions.join(", ")
    };
    out.push_str(&format!("# 案件骨架（ruling new-case）：{scope}\n"));
    out.push_str(
        "# 填入已查明的事实；不知道的事实保留 null 或删去该行（未给出的事实取声明的默认值，没有默认值则为“未知”）。\n",
    );
    out.push_str("# 枚举可写取值代码或其标签。A case-file skeleton: fill in the facts known, leave the others null.\n");
    out.push_str("name: null\n");
    out.push_str("# 适用日期（YYYY-MM-DD）；缺省取事实 conduct_date。\nas_of: null\n");
    if !questions.is_empty() {
        out.push_str(&format!("questions: [{}]\n", questions.join(", ")));
    }
    out.push_str("facts:\n");
    let mut n_facts = 0;
    for (fact, _) in program.facts.iter().zip(&relevant).filter(|(_, r)| **r) {
        n_facts += 1;
        let mut parts = vec![fact.label.clone().unwrap_or_else(|| fact.name.clone())];
        parts.push(type_words(program, &fact.ty));
        parts.push(match (&fact.default, fact.default_fact) {
            (Some(value), _) => format!("默认 {value}"),
            (None, Some(other)) => format!(
                "默认同 {}",
                program.facts.get(other.0 as usize).map_or("?", |f| f.name.as_str())
            ),
            (None, None) => String::from("无默认值：不给出则为“未知”"),
        });
        if let Some(cite) = &fact.cite {
            parts.push(format!("依据 {}", cite.text));
        }
        out.push_str(&format!("  # {}\n", parts.join(" · ")));
        out.push_str(&format!("  {}: null\n", yaml_key(&fact.name)));
    }
    if n_facts == 0 {
        out.push_str("  {}\n");
    }
    Ok(out)
}

/// A type with how a case writes it, in words (`count：整数，如 250`).
fn type_words(program: &Program, ty: &Type) -> String {
    let optional = matches!(ty, Type::Optional(_));
    let words = match ty.strip_optional() {
        Type::Bool => String::from("bool：true 或 false"),
        Type::Count => String::from("count：非负整数，如 250（不加引号和单位）"),
        Type::Integer => String::from("integer：整数，如 35"),
        Type::Decimal => String::from("decimal：小数字符串，如 \"2.5\""),
        Type::Percent => String::from("percent：如 \"5%\" 或 \"0.05\""),
        Type::Money => String::from("money：金额（元）字符串，如 \"9000\""),
        Type::Date => String::from("date：\"YYYY-MM-DD\""),
        Type::Duration => String::from("duration：如 \"2 years\""),
        Type::Text => String::from("text：文本"),
        Type::Enum(id) => {
            let values: Vec<String> = program
                .enums
                .get(id.0 as usize)
                .map(|e| {
                    e.values
                        .iter()
                        .map(|(code, label)| match label {
                            Some(label) => format!("{code}（{label}）"),
                            None => code.clone(),
                        })
                        .collect()
                })
                .unwrap_or_default();
            format!("取值：{}", values.join("、"))
        }
        Type::Record(id) => {
            let fields: Vec<String> = program
                .records
                .get(id.0 as usize)
                .map(|r| {
                    r.fields
                        .iter()
                        .map(|f| match &f.label {
                            Some(label) => format!("{}（{label}，{}）", f.name, program.type_name(&f.ty)),
                            None => format!("{}（{}）", f.name, program.type_name(&f.ty)),
                        })
                        .collect()
                })
                .unwrap_or_default();
            format!("记录：{}", fields.join("，"))
        }
        Type::List(element) => match element.strip_optional() {
            Type::Record(_) => format!("列表，每项为{}", type_words(program, element)),
            other => format!("列表，每项为{}", type_words(program, other)),
        },
        other => program.type_name(other),
    };
    if optional {
        format!("{words}；可为 null")
    } else {
        words
    }
}

/// A fact name as a YAML key: plain when it is a simple name, quoted otherwise.
fn yaml_key(name: &str) -> String {
    let plain = name.chars().all(|c| c.is_alphanumeric() || c == '_')
        && !matches!(
            name,
            "true" | "false" | "null" | "yes" | "no" | "on" | "off" | "y" | "n"
        );
    if plain {
        name.to_string()
    } else {
        format!("\"{}\"", name.replace('\\', "\\\\").replace('"', "\\\""))
    }
}
