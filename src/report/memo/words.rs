//! Values in words: units (个, 元, 年), dates written the Chinese way, enum labels instead of
//! codes, item numbers as 第一项.

use std::collections::HashMap;

use serde_json::Value as Json;

use crate::explain::{Catalog, Declaration, Node, NodeKind};

/// The declarations of a rule set, found by id, to put values into words.
pub(super) struct Lexicon<'c> {
    catalog: &'c Catalog,
    facts: HashMap<&'c str, &'c Declaration>,
    params: HashMap<&'c str, &'c Declaration>,
    rules: HashMap<&'c str, &'c Declaration>,
}

impl<'c> Lexicon<'c> {
    /// Indexes a catalog's declarations by id.
    pub(super) fn new(catalog: &'c Catalog) -> Lexicon<'c> {
        let index = |decls: &'c [Declaration]| decls.iter().map(|d| (d.id.as_str(), d)).collect();
        Lexicon {
            catalog,
            facts: index(&catalog.facts),
            params: index(&catalog.params),
            rules: index(&catalog.rules),
        }
    }

    /// The declaration of a fact.
    pub(super) fn fact(&self, id: &str) -> Option<&'c Declaration> {
        self.facts.get(id).copied()
    }

    /// The declaration a fact, parameter or rule node stands for.
    pub(super) fn declaration(&self, node: &Node) -> Option<&'c Declaration> {
        let id = node.id.as_deref()?;
        match node.kind {
            NodeKind::Fact => self.facts.get(id).copied(),
            NodeKind::Param => self.params.get(id).copied(),
            NodeKind::Rule | NodeKind::RuleRef | NodeKind::Held => self.rules.get(id).copied(),
            _ => None,
        }
    }

    /// A node's value in words, with its unit or enum label.
    pub(super) fn value(&self, node: &Node) -> String {
        if node.unknown {
            return String::from("未知");
        }
        let decl = self.declaration(node);
        self.typed(decl, &node.value)
    }

    /// A value of a declaration's type in words.
    pub(super) fn typed(&self, decl: Option<&Declaration>, value: &Json) -> String {
        let type_name = decl.map(|d| d.type_name.trim_end_matches('?')).unwrap_or("");
        match value {
            Json::Bool(true) => String::from("是"),
            Json::Bool(false) => String::from("否"),
            Json::Null => String::from("无"),
            Json::Number(n) => format!("{n}{}", count_unit(type_name, decl)),
            Json::String(s) => self.text(decl, type_name, s),
            Json::Array(items) if items.is_empty() => String::from("无"),
            Json::Array(items) if items.iter().all(Json::is_object) => format!("{}项记录", items.len()),
            Json::Array(items) => items.iter().map(|i| self.typed(None, i)).collect::<Vec<_>>().join("、"),
            Json::Object(_) => String::from("一项记录"),
        }
    }

    fn text(&self, decl: Option<&Declaration>, type_name: &str, text: &str) -> String {
        if let Some(label) = self.enum_label(decl, text) {
            return label;
        }
        match type_name {
            "money" => amount_words(text),
            "percent" => percent_words(text),
            "date" => date_words(text),
            "duration" => duration_words(text),
            _ => text.to_string(),
        }
    }

    /// A value of a declaration's type in words when the type is measured in a unit the
    /// statutes write in words (money in 万元, percent, dates, durations); `None` for other
    /// types, whose values read as recorded.
    pub(super) fn measured(&self, decl: Option<&Declaration>, text: &str) -> Option<String> {
        let number = crate::value::parse_decimal(text.trim()).is_some();
        match decl?.type_name.trim_end_matches('?') {
            "money" if number => Some(amount_words(text)),
            "percent" if number => Some(percent_words(text)),
            "date" => Some(date_words(text)),
            "duration" => Some(duration_words(text)),
            _ => None,
        }
    }

    /// A list of records of a declaration's record type in words: each record's fields that
    /// differ from their defaults, labelled (`2项记录：（一）行为日期：2020年6月9日，…；（二）…`).
    /// `None` when the declaration lists no fields or an item is no record.
    pub(super) fn records(&self, decl: Option<&Declaration>, items: &[Json]) -> Option<String> {
        let fields = &decl?.fields;
        if fields.is_empty() || items.is_empty() {
            return None;
        }
        let mut parts = Vec::with_capacity(items.len());
        for (n, item) in items.iter().enumerate() {
            let item = item.as_object()?;
            let shown: Vec<String> = fields
                .iter()
                .filter_map(|field| {
                    let value = item.get(&field.id)?;
                    let label = field.label.as_deref().unwrap_or(&field.id);
                    let defaulted = field.default.as_ref() == Some(value);
                    (!defaulted).then(|| format!("{label}：{}", self.typed(Some(field), value)))
                })
                .collect();
            let number = u32::try_from(n + 1).map_or_else(|_| (n + 1).to_string(), numeral);
            parts.push(format!("（{number}）{}", shown.join("，")));
        }
        Some(format!("{}项记录：{}", items.len(), parts.join("；")))
    }

    /// The label of an enum value of a declaration's type.
    pub(super) fn enum_label(&self, decl: Option<&Declaration>, code: &str) -> Option<String> {
        let values = self.catalog.enums.get(decl?.enum_index? as usize)?;
        values.iter().find(|v| v.value == code)?.label.clone()
    }

    /// The unit a difference between two values of this node's type is counted in.
    pub(super) fn unit(&self, node: &Node) -> &'static str {
        let decl = self.declaration(node);
        let type_name = decl.map(|d| d.type_name.trim_end_matches('?')).unwrap_or("");
        match type_name {
            "money" => "元",
            _ => count_unit(type_name, decl),
        }
    }

    /// Whether the node is of a date type.
    pub(super) fn is_date(&self, node: &Node) -> bool {
        self.declaration(node)
            .is_some_and(|d| d.type_name.trim_end_matches('?') == "date")
    }
}

/// What a count is counted in, from its label: 次 for 次数, 条 for 条数, 人 for 人数, else 个.
fn count_unit(type_name: &str, decl: Option<&Declaration>) -> &'static str {
    if type_name != "count" {
        return "";
    }
    let label = decl.and_then(|d| d.label.as_deref()).unwrap_or("");
    if label.contains("（分钟）") {
        "分钟"
    } else if label.contains("倍数") {
        "倍"
    } else if label.contains("台数") || label.contains("多少台") {
        "台"
    } else if label.contains("点击数") {
        "次"
    } else if label.contains("个人数量") {
        "人"
    } else if label.contains("次数") {
        "次"
    } else if label.contains("条数") {
        "条"
    } else if label.contains("人数") {
        "人"
    } else if label.contains("年限") || label.contains("年数") {
        "年"
    } else if label.contains("周岁") || label.contains("年龄") {
        "周岁"
    } else {
        "个"
    }
}

/// `9000.00` → `9000`; other amounts as written.
fn trim_cents(text: &str) -> &str {
    text.strip_suffix(".00").unwrap_or(text)
}

/// An amount in 元 as the statutes and the rule files write it: whole amounts of 万 or 亿 in
/// those units (`200000.00` → `20万元`, `19325000` → `1932.5万元`, `386500000` → `3.865亿元`),
/// others in 元 (`5000元`, `12345.67元`). Exact: a unit is used only where it takes at most two
/// decimals of 万 or four of 亿.
pub(super) fn amount_words(text: &str) -> String {
    use crate::value::{format_rational, parse_decimal, Rational};
    let Some(amount) = parse_decimal(text.trim()).filter(Rational::is_integer) else {
        return format!("{}元", trim_cents(text));
    };
    let whole = *amount.numer();
    let (yi, wan) = (100_000_000_i128, 10_000_i128);
    let size = whole.unsigned_abs();
    if size >= yi.unsigned_abs() && whole % wan == 0 {
        return format!("{}亿元", format_rational(&Rational::new(whole, yi)));
    }
    if size >= wan.unsigned_abs() && whole % 100 == 0 {
        return format!("{}万元", format_rational(&Rational::new(whole, wan)));
    }
    format!("{}元", format_rational(&amount))
}

/// A ratio as a percentage: `0.05` → `5%`, `0.025` → `2.5%`; text that is no number as written.
fn percent_words(text: &str) -> String {
    use crate::value::{format_rational, mul, parse_decimal, Rational};
    let hundred = Rational::from_integer(100);
    match parse_decimal(text.trim()).and_then(|ratio| mul(&ratio, &hundred).ok()) {
        Some(percent) => format!("{}%", format_rational(&percent)),
        None => text.to_string(),
    }
}

/// `2021-05-20` → `2021年5月20日`; anything else as written.
pub(super) fn date_words(text: &str) -> String {
    let parts: Vec<&str> = text.split('-').collect();
    match parts.as_slice() {
        [year, month, day] => match (month.parse::<u32>(), day.parse::<u32>()) {
            (Ok(month), Ok(day)) => format!("{year}年{month}月{day}日"),
            _ => text.to_string(),
        },
        _ => text.to_string(),
    }
}

/// `2 years` → `2年`, `6 months` → `6个月`, `424 days` → `424日`.
fn duration_words(text: &str) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut out = String::new();
    for pair in words.chunks(2) {
        let unit = match pair.get(1).copied() {
            Some("year" | "years") => "年",
            Some("month" | "months") => "个月",
            Some("day" | "days") => "日",
            Some("hour" | "hours") => "小时",
            Some("minute" | "minutes") => "分钟",
            _ => return text.to_string(),
        };
        out.push_str(pair.first().copied().unwrap_or_default());
        out.push_str(unit);
    }
    if out.is_empty() {
        text.to_string()
    } else {
        out
    }
}

/// `2` → `二`, `12` → `十二`: the numerals of item numbers (up to 99).
pub(super) fn numeral(n: u32) -> String {
    const DIGITS: [&str; 10] = ["〇", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    let digit = |d: u32| DIGITS.get(d as usize).copied().unwrap_or("");
    match n {
        0..=9 => digit(n).to_string(),
        10..=19 => format!("十{}", if n == 10 { "" } else { digit(n - 10) }),
        20..=99 => format!("{}十{}", digit(n / 10), if n % 10 == 0 { "" } else { digit(n % 10) }),
        _ => n.to_string(),
    }
}

/// A branch label that is an item number (`2`) as the item (`第二项`); other labels as written.
pub(super) fn item_label(label: &str) -> String {
    match (label.parse::<u32>(), sub_item(label)) {
        (Ok(n), _) => format!("第{}项", numeral(n)),
        (_, Some((item, sub))) => format!("第{}项第{}目", numeral(item), numeral(sub)),
        _ => label.to_string(),
    }
}

/// An item and its sub-item written `4.2` (第四项第二目).
fn sub_item(label: &str) -> Option<(u32, u32)> {
    let (item, sub) = label.split_once('.')?;
    Some((item.parse().ok()?, sub.parse().ok()?))
}

/// Whether a label is only an item number (`2`, `二`, `4.2`).
pub(super) fn is_item_number(label: &str) -> bool {
    label.parse::<u32>().is_ok()
        || sub_item(label).is_some()
        || (!label.is_empty() && label.chars().all(|c| "一二三四五六七八九十".contains(c)))
}

/// A decimal string as written, without a leading minus: the size of a margin.
pub(super) fn magnitude(margin: &str) -> &str {
    margin.trim_start_matches('-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numerals_and_dates_read_as_chinese() {
        assert_eq!(numeral(2), "二");
        assert_eq!(numeral(10), "十");
        assert_eq!(numeral(16), "十六");
        assert_eq!(numeral(21), "二十一");
        assert_eq!(item_label("7"), "第七项");
        assert_eq!(item_label("责令"), "责令");
        assert_eq!(item_label("4.2"), "第四项第二目");
        assert!(is_item_number("4.2") && !is_item_number("4.") && !is_item_number("0.05%"));
        assert_eq!(date_words("2021-05-20"), "2021年5月20日");
        assert_eq!(duration_words("2 years"), "2年");
        assert_eq!(duration_words("1 hours"), "1小时");
        assert_eq!(duration_words("90 minutes"), "90分钟");
        assert_eq!(duration_words("1 years 3 days"), "1年3日");
        assert_eq!(duration_words("3 fortnights"), "3 fortnights");
    }

    #[test]
    fn amounts_read_in_wan_and_yi_where_exact_and_ratios_as_percentages() {
        for (text, words) in [
            ("200000.00", "20万元"),
            ("210000", "21万元"),
            ("10000", "1万元"),
            ("19325000", "1932.5万元"),
            ("50000000.00", "5000万元"),
            ("386500000", "3.865亿元"),
            ("100000000", "1亿元"),
            ("123456789", "123456789元"),
            ("12345", "12345元"),
            ("12345.67", "12345.67元"),
            ("9000.00", "9000元"),
            ("0", "0元"),
            ("-30000", "-3万元"),
        ] {
            assert_eq!(amount_words(text), words, "{text}");
        }
        assert_eq!(percent_words("0.05"), "5%");
        assert_eq!(percent_words("0.025"), "2.5%");
        assert_eq!(percent_words("1"), "100%");
        assert_eq!(percent_words("a lot"), "a lot");
    }
}
