//! Mistakes in the command line's own arguments that clap's parsing cannot see, as diagnostics
//! (localised through the catalogue like the library's).

use miette::Diagnostic;
use thiserror::Error;

/// A command-line argument that is well-formed for clap but wrong.
#[derive(Debug, Error, Diagnostic)]
pub(crate) enum CliError {
    /// `--as-of 2021-13-01`
    #[error("--as-of `{text}` is not a date YYYY-MM-DD")]
    #[diagnostic(code(ruling::cli::bad_as_of), help("write the date as YYYY-MM-DD, e.g. 2021-05-20"))]
    BadAsOf {
        /// The argument as given.
        text: String,
    },
    /// `--why-not --format json`: the option shapes the text tree only.
    #[error("{option} applies to the text output, not to --format {format}")]
    #[diagnostic(
        code(ruling::cli::option_not_for_format),
        help("drop {option}, or leave out --format: {instead}")
    )]
    OptionNotForFormat {
        /// The option given (`--why-not`, `--quote`).
        option: &'static str,
        /// The format asked for (`json`, `md`, `html`).
        format: &'static str,
        /// Where that format already has what the option would add.
        instead: &'static str,
    },
}

/// `--why-not` and `--quote` shape the text tree; with another format they would be ignored,
/// so they are refused, saying where that format has what they would add.
pub(crate) fn options_for_format(why_not: bool, quote: bool, format: &'static str) -> Result<(), CliError> {
    let instead = match format {
        "json" => "the JSON explanation has every element with its value, margin and statute text",
        _ => "the memo gives the reasons of each conclusion, and the derivation with every margin",
    };
    let option = match (why_not, quote) {
        (true, _) => "--why-not",
        (false, true) => "--quote",
        (false, false) => return Ok(()),
    };
    Err(CliError::OptionNotForFormat {
        option,
        format,
        instead,
    })
}

/// The date of `--as-of`, or the diagnostic saying it is not one.
pub(crate) fn as_of(text: Option<&str>) -> Result<Option<ruling::value::Date>, CliError> {
    text.map(|text| ruling::value::parse_date(text).ok_or_else(|| CliError::BadAsOf { text: text.to_string() }))
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_options_with_another_format_are_refused_by_name() {
        assert!(options_for_format(false, false, "json").is_ok());
        let error = options_for_format(true, true, "md").err().map(|e| e.to_string());
        assert_eq!(
            error.as_deref(),
            Some("--why-not applies to the text output, not to --format md")
        );
        let error = options_for_format(false, true, "json").err().map(|e| e.to_string());
        assert_eq!(
            error.as_deref(),
            Some("--quote applies to the text output, not to --format json")
        );
    }

    #[test]
    fn an_impossible_date_is_named_with_its_text() {
        assert!(matches!(as_of(None), Ok(None)));
        assert!(as_of(Some("2021-05-20")).is_ok_and(|d| d.is_some()));
        let error = as_of(Some("2021-13-01")).err();
        assert_eq!(
            error.map(|e| e.to_string()).as_deref(),
            Some("--as-of `2021-13-01` is not a date YYYY-MM-DD")
        );
    }
}
