use std::path::PathBuf;
use std::time::Duration;

use super::model::OperationOutcome;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NetworkKind {
    Connect,
    Timeout,
    /// The connection broke while sending or receiving (reset, truncated body).
    Broken,
    Other,
}

impl NetworkKind {
    fn describe(self) -> &'static str {
        match self {
            NetworkKind::Connect => "cannot connect",
            NetworkKind::Timeout => "no answer in time",
            NetworkKind::Broken => "the connection broke",
            NetworkKind::Other => "network error",
        }
    }
}

/// What went wrong talking to the server. Display is for logs and staff and never contains
/// what the server sent (see `FhirError::Status` for the server's own words).
#[derive(Debug, thiserror::Error)]
pub enum FhirError {
    #[error("the server address is not usable: {0}")]
    BadUrl(&'static str),
    #[error("cannot read the CA file {path}: {source}")]
    CaFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the CA file {path} holds no usable PEM certificate")]
    CaPem { path: PathBuf },
    #[error("cannot set up the HTTP client: {0}")]
    Setup(String),
    #[error("cannot reach the server: {}", .0.describe())]
    Network(NetworkKind),
    /// A non-2xx answer. The outcome (the server's words) is kept for staff, never printed.
    #[error("the server answered HTTP {status}{}", outcome_codes(.outcome))]
    Status {
        status: u16,
        retry_after: Option<Duration>,
        outcome: Option<OperationOutcome>,
    },
    #[error("the server's answer is larger than the limit of {limit} bytes")]
    TooLarge { limit: usize },
    #[error("the server's answer is not valid FHIR R4: {0}")]
    Invalid(String),
    #[error(
        "the server's next-page links go round in a loop (page {page} repeats an earlier one)"
    )]
    PageLoop { page: usize },
    #[error("the server's next-page link points to another server; not followed")]
    ForeignLink,
    #[error("the server's answer has more than {limit} pages; stopped")]
    TooManyPages { limit: usize },
    #[error("the server's answer has more than {limit} entries; stopped")]
    TooManyEntries { limit: usize },
}

fn outcome_codes(outcome: &Option<OperationOutcome>) -> String {
    match outcome {
        Some(o) if !o.issue.is_empty() => format!(" ({})", o.codes()),
        _ => String::new(),
    }
}

impl FhirError {
    /// Worth trying again later unchanged: the network, 408, 429 and 5xx.
    pub fn is_transient(&self) -> bool {
        match self {
            FhirError::Network(_) => true,
            FhirError::Status { status, .. } => {
                *status == 408 || *status == 429 || (500..=599).contains(status)
            }
            _ => false,
        }
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            FhirError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            FhirError::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// Plain words for staff: our description, plus the server's own text when it sent an
    /// OperationOutcome. May quote the server (so: for the database and staff, not logs).
    pub fn staff_text(&self) -> String {
        match self {
            FhirError::Status {
                status,
                outcome: Some(o),
                ..
            } if !o.issue.is_empty() => {
                format!("the server answered HTTP {status}: {}", o.staff_text())
            }
            other => other.to_string(),
        }
    }

    /// A serde_json error, described without the value it choked on (it may be patient
    /// data): the kind of problem, a missing field's name, and the position.
    pub(crate) fn invalid_json(what: &str, e: &serde_json::Error) -> FhirError {
        use serde_json::error::Category;
        let text = e.to_string();
        let detail = match e.classify() {
            Category::Syntax | Category::Eof => "it is not JSON".to_owned(),
            Category::Io => "it could not be read".to_owned(),
            Category::Data => match text
                .strip_prefix("missing field `")
                .and_then(|rest| rest.split('`').next())
            {
                Some(field) => format!("the required field `{field}` is missing"),
                None => {
                    "a field has the wrong type or a code outside the FHIR value set".to_owned()
                }
            },
        };
        if e.line() > 0 {
            FhirError::Invalid(format!(
                "{what}: {detail} (line {}, column {})",
                e.line(),
                e.column()
            ))
        } else {
            FhirError::Invalid(format!("{what}: {detail}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_errors_never_quote_the_value() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct T {
            n: u32,
            s: String,
        }
        for text in [
            r#"{"n": "María Muñoz", "s": "x"}"#,
            r#"{"n": 1}"#,
            r#"{"n": 1, "s": "María"#,
            "María Muñoz",
        ] {
            let e = serde_json::from_str::<T>(text).unwrap_err();
            let mine = FhirError::invalid_json("page 1", &e).to_string();
            assert!(!mine.contains("María"), "{mine}");
            assert!(mine.starts_with("the server's answer is not valid FHIR R4: page 1"));
        }
        let e = serde_json::from_str::<T>(r#"{"n": 1}"#).unwrap_err();
        assert!(FhirError::invalid_json("x", &e)
            .to_string()
            .contains("`s` is missing"));
    }

    #[test]
    fn transient_errors_are_the_network_408_429_and_5xx() {
        let status = |s| FhirError::Status {
            status: s,
            retry_after: None,
            outcome: None,
        };
        assert!(FhirError::Network(NetworkKind::Broken).is_transient());
        for s in [408, 429, 500, 502, 503, 504] {
            assert!(status(s).is_transient(), "{s}");
        }
        for s in [400, 401, 403, 404, 409, 412, 413, 422] {
            assert!(!status(s).is_transient(), "{s}");
        }
        assert!(!FhirError::TooLarge { limit: 1 }.is_transient());
    }
}
