//! "Did you mean …?": the closest known name, counted in characters.

/// The best suggestion for `name` among `candidates`, if any is close enough.
pub fn did_you_mean<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let lower = name.to_lowercase();
    let limit = match name.chars().count() {
        0..=2 => 1,
        3..=5 => 2,
        _ => 3,
    };
    let mut best: Option<(usize, &str)> = None;
    for candidate in candidates {
        if candidate == name {
            continue;
        }
        let distance = if candidate.to_lowercase() == lower {
            0
        } else {
            strsim::damerau_levenshtein(name, candidate)
        };
        let better = match best {
            None => true,
            Some((d, c)) => distance < d || (distance == d && candidate < c),
        };
        if distance <= limit && better {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, c)| c.to_string())
}

/// A help line for an unknown name.
pub fn help_line(name: &str, candidates: impl IntoIterator<Item = impl AsRef<str>>) -> Option<String> {
    let owned: Vec<String> = candidates.into_iter().map(|c| c.as_ref().to_string()).collect();
    did_you_mean(name, owned.iter().map(String::as_str)).map(|s| format!("did you mean `{s}`?"))
}

/// The keywords that join two conditions or values; glued between two names (`数量且金额`,
/// `a或b`) they are read as part of one name.
const JOINING_KEYWORDS: [&str; 8] = ["且", "或", "属于", "于", "and", "or", "in", "at"];

/// A help line for an unknown name that is two known names joined by a keyword without spaces
/// (`数量且金额` when `数量` and `金额` are declared): the keyword needs spaces around it.
pub fn glued_keyword(name: &str, candidates: &[String]) -> Option<String> {
    let known = |part: &str| candidates.iter().any(|c| c == part);
    for keyword in JOINING_KEYWORDS {
        for (at, _) in name.match_indices(keyword) {
            let (Some(left), Some(right)) = (name.get(..at), name.get(at + keyword.len()..)) else {
                continue;
            };
            if known(left) && known(right) {
                return Some(format!(
                    "`{name}` is read as one name: a keyword written without spaces is part of the name; write `{left} {keyword} {right}`"
                ));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_in_any_script() {
        assert_eq!(did_you_mean("vidoes", ["videos", "other"]), Some("videos".into()));
        assert_eq!(
            did_you_mean("违法视频文件数s", ["违法视频文件数"]),
            Some("违法视频文件数".into())
        );
        assert_eq!(did_you_mean("Videos", ["videos"]), Some("videos".into()));
        assert_eq!(did_you_mean("zzz", ["videos"]), None);
    }

    #[test]
    fn a_keyword_glued_between_two_names_is_pointed_out() {
        let names = [String::from("数量"), String::from("金额")];
        assert_eq!(
            glued_keyword("数量且金额", &names).as_deref(),
            Some("`数量且金额` is read as one name: a keyword written without spaces is part of the name; write `数量 且 金额`")
        );
        assert_eq!(glued_keyword("数量或金额x", &names), None);
        assert_eq!(glued_keyword("数量", &names), None);
    }
}
