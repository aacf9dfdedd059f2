//! The memo as one self-contained HTML page: no scripts, no external files, styles inline, an
//! A4 print layout. Every text is escaped.

use std::fmt::Write as _;

use super::Memo;

const STYLE: &str = "body{font-family:\"Noto Serif CJK SC\",\"Source Han Serif SC\",\"SimSun\",serif;\
max-width:48em;margin:2em auto;padding:0 1em;line-height:1.7;color:#111}\
h1{font-size:1.5em;text-align:center}h2{font-size:1.2em;border-bottom:1px solid #999;margin-top:1.5em}\
h3{font-size:1.05em}table{border-collapse:collapse;width:100%}\
th,td{border:1px solid #666;padding:.3em .5em;text-align:left;vertical-align:top}\
.meta{color:#333}.appendix{font-size:.85em;color:#333}.appendix ul{margin:0;padding-left:1.2em}\
.appendix li{list-style:none}.hold{color:#060}.fail{color:#900}.unknown{color:#960}\
@media print{body{margin:0;max-width:none}.appendix{break-before:page}}\
@page{size:A4;margin:2cm}";

/// The page.
pub(super) fn render(memo: &Memo) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        escape(&memo.title)
    );
    let _ = writeln!(out, "<h1>{}</h1>", escape(&memo.title));
    let _ = writeln!(out, "<p class=\"meta\">适用日期：{}</p>", escape(&memo.as_of));
    let _ = writeln!(out, "<p class=\"meta\">{}</p>", escape(&memo.scope));
    conclusions(&mut out, memo);
    reasons(&mut out, memo);
    missing(&mut out, memo);
    appendix(&mut out, memo);
    out.push_str("</body>\n</html>\n");
    out
}

fn conclusions(out: &mut String, memo: &Memo) {
    out.push_str("<h2>结论</h2>\n<table>\n<tr><th>结论</th><th>结果</th><th>依据</th></tr>\n");
    for row in &memo.rows {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&row.conclusion),
            escape(&row.result),
            escape(&row.basis)
        );
    }
    out.push_str("</table>\n");
    let lists = [
        ("不成立或无结果（否）", memo.not_held.join("、")),
        ("无法确定（缺少事实）", memo.undetermined.join("、")),
    ];
    for (title, text) in lists {
        if !text.is_empty() {
            let _ = writeln!(out, "<p><strong>{title}：</strong>{}</p>", escape(&text));
        }
    }
    if memo.n_not_assessed > 0 {
        let _ = writeln!(
            out,
            "<p><strong>未评估：</strong>审查范围以外的 {} 项结论。</p>",
            memo.n_not_assessed
        );
    }
}

fn reasons(out: &mut String, memo: &Memo) {
    out.push_str("<h2>理由</h2>\n");
    for group in &memo.reasons {
        let _ = writeln!(out, "<h3>{}</h3>\n<ol>", escape(&group.heading));
        for paragraph in &group.paragraphs {
            let cite = paragraph
                .citation
                .as_ref()
                .map(|c| format!("（{}）", escape(c)))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "<li><strong>{}</strong>{cite}：{}。</li>",
                escape(&paragraph.heading),
                escape(&paragraph.text)
            );
        }
        out.push_str("</ol>\n");
    }
    if !memo.defaults.is_empty() {
        out.push_str(
            "<p><strong>未提供、按默认值认定的事实</strong>（未经查明，如与案情不符请在案件中写明）：</p>\n<ul>\n",
        );
        for fact in &memo.defaults {
            let _ = writeln!(out, "<li>{}</li>", escape(fact));
        }
        out.push_str("</ul>\n");
    }
}

fn missing(out: &mut String, memo: &Memo) {
    if memo.missing.is_empty() {
        return;
    }
    out.push_str("<h2>缺少的事实</h2>\n<ul>\n");
    for fact in &memo.missing {
        let why = if fact.decides.is_empty() {
            String::new()
        } else {
            format!("：决定“{}”", fact.decides.join("”“"))
        };
        let _ = writeln!(
            out,
            "<li>{}（案件字段 <code>{}</code>）{}</li>",
            escape(&fact.label),
            escape(&fact.key),
            escape(&why)
        );
    }
    out.push_str("</ul>\n");
}

fn appendix(out: &mut String, memo: &Memo) {
    out.push_str("<section class=\"appendix\">\n<h2>附录：推导过程</h2>\n");
    for (conclusion, lines) in &memo.appendix {
        let _ = writeln!(out, "<h3>{}</h3>\n<ul>", escape(conclusion));
        for line in lines {
            let class = match line.mark {
                "✓" => "hold",
                "✗" => "fail",
                "？" => "unknown",
                _ => "",
            };
            let _ = writeln!(
                out,
                "<li style=\"margin-left:{}em\"><span class=\"{class}\">{}</span> {}</li>",
                line.depth * 2,
                line.mark,
                escape(&line.text)
            );
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</section>\n");
}

/// Escapes text for HTML element content and attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn markup_in_texts_is_escaped() {
        assert_eq!(
            escape("<script>alert('x') & \"y\"</script>"),
            "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;"
        );
    }
}
