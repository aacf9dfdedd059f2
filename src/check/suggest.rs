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
}
