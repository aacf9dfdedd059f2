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
