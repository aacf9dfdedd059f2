//! "Did you mean …?": the closest known name, counted in characters.

/// The best suggestion for `name` among `candidates`, if any is close enough.
pub fn did_you_mean<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    closest(name, candidates)
}

/// The closest candidate within the distance allowed for `name`'s length: the same name in
/// another case first, then the fewest edits, then the first in byte order.
fn closest<S: AsRef<str>>(name: &str, candidates: impl IntoIterator<Item = S>) -> Option<String> {
    let length = name.chars().count();
    let limit = match length {
        0..=2 => 1,
        3..=5 => 2,
        _ => 3,
    };
    let mut best: Option<(usize, String)> = None;
    for candidate in candidates {
        let candidate = candidate.as_ref();
        if candidate == name {
            continue;
        }
        let distance = if same_ignoring_case(name, candidate) {
            0
        } else if length.abs_diff(candidate.chars().count()) > limit {
            // At least that many insertions or deletions: too far, without computing it.
            continue;
        } else {
            strsim::damerau_levenshtein(name, candidate)
        };
        let better = match &best {
            None => true,
            Some((d, c)) => distance < *d || (distance == *d && candidate < c.as_str()),
        };
        if distance <= limit && better {
            best = Some((distance, candidate.to_string()));
        }
    }
    best.map(|(_, c)| c)
}

/// Whether two names are the same but for case, without allocating.
fn same_ignoring_case(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        return a.eq_ignore_ascii_case(b);
    }
    a.chars()
        .flat_map(char::to_lowercase)
        .eq(b.chars().flat_map(char::to_lowercase))
}

/// A help line for an unknown name.
pub fn help_line(name: &str, candidates: impl IntoIterator<Item = impl AsRef<str>>) -> Option<String> {
    closest(name, candidates).map(|s| format!("did you mean `{s}`?"))
}

/// The keywords that join two conditions or values; glued between two names (`数量且金额`,
/// `a或b`) they are read as part of one name.
const JOINING_KEYWORDS: [&str; 8] = ["且", "或", "属于", "于", "and", "or", "in", "at"];

/// A help line for an unknown name that is two known names joined by a keyword without spaces
/// (`数量且金额` when `数量` and `金额` are declared): the keyword needs spaces around it.
pub fn glued_keyword(name: &str, candidates: &[impl AsRef<str>]) -> Option<String> {
    let known = |part: &str| candidates.iter().any(|c| c.as_ref() == part);
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
    fn another_case_is_closest_and_far_lengths_are_never_suggested() {
        assert_eq!(
            did_you_mean("VIDEOS_TOTAL", ["videos_total", "videos_tota"]),
            Some("videos_total".into())
        );
        assert_eq!(did_you_mean("Ǆemal", ["ǆemal"]), Some("ǆemal".into()));
        assert_eq!(did_you_mean("ab", ["abcd"]), None);
        assert_eq!(
            did_you_mean("abcdef", ["abcdefghij", "abcdefg"]),
            Some("abcdefg".into())
        );
        assert_eq!(
            help_line("vidoes", vec![String::from("videos")]).as_deref(),
            Some("did you mean `videos`?")
        );
    }

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
