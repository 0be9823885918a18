//! Why a Questionnaire file was refused. Every message names the file and, when there is
//! one, the item's linkId so staff can find the line to fix. Messages only ever quote the
//! form's own definitions, never anything a patient typed.

/// A Questionnaire that cannot be used. `file` is the source name given to `parse` (the
/// file name for `load_file`/`load_dir`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuestionnaireError {
    #[error("{file}: cannot read the file ({reason})")]
    Io { file: String, reason: String },
    #[error("{file}: not valid JSON at line {line}, column {column} ({reason})")]
    Json {
        file: String,
        line: usize,
        column: usize,
        reason: String,
    },
    #[error("{file}: not a FHIR Questionnaire (resourceType must be \"Questionnaire\")")]
    NotAQuestionnaire { file: String },
    #[error("{file}: \"{field}\" must be {expected}")]
    BadRootField {
        file: String,
        field: &'static str,
        expected: &'static str,
    },
    #[error("{file}: the item at {path} has no linkId")]
    MissingLinkId { file: String, path: String },
    #[error("{file}: item \"{link_id}\": \"{field}\" must be {expected}")]
    BadField {
        file: String,
        link_id: String,
        field: String,
        expected: &'static str,
    },
    #[error("{file}: item \"{link_id}\": this linkId is used by more than one item")]
    DuplicateLinkId { file: String, link_id: String },
    #[error("{file}: item \"{link_id}\": unknown item type \"{item_type}\"")]
    UnknownType {
        file: String,
        link_id: String,
        item_type: String,
    },
    #[error(
        "{file}: item \"{link_id}\": a choice question needs answerOption (answerValueSet is not supported)"
    )]
    ChoiceWithoutOptions { file: String, link_id: String },
    #[error("{file}: item \"{link_id}\": enableWhen refers to \"{target}\", which does not exist")]
    UnknownTarget {
        file: String,
        link_id: String,
        target: String,
    },
    #[error("{file}: item \"{link_id}\": enableWhen refers to the item itself")]
    SelfReference { file: String, link_id: String },
    #[error(
        "{file}: item \"{link_id}\": enableWhen refers to \"{target}\", a {target_type} item, which has no answer"
    )]
    TargetNotAQuestion {
        file: String,
        link_id: String,
        target: String,
        target_type: &'static str,
    },
    #[error("{file}: item \"{link_id}\": enableWhen dependencies form a cycle ({cycle})")]
    Cycle {
        file: String,
        link_id: String,
        cycle: String,
    },
    #[error(
        "{file}: item \"{link_id}\": operator \"{operator}\" cannot be used with \"{target}\", a {target_type} item"
    )]
    OperatorNotAllowed {
        file: String,
        link_id: String,
        operator: &'static str,
        target: String,
        target_type: &'static str,
    },
    #[error("{file}: item \"{link_id}\": enableWhen on \"{target}\" needs {expected}")]
    AnswerTypeMismatch {
        file: String,
        link_id: String,
        target: String,
        expected: &'static str,
    },
    #[error(
        "{file}: item \"{link_id}\": enableWhen on \"{target}\" compares with a value that is not one of its options"
    )]
    AnswerNotOffered {
        file: String,
        link_id: String,
        target: String,
    },
    #[error("{file}: the same questionnaire ({canonical}) is already loaded from {other}")]
    DuplicateQuestionnaire {
        file: String,
        canonical: String,
        other: String,
    },
}

impl QuestionnaireError {
    /// The source (file) the error is about.
    pub fn file(&self) -> &str {
        match self {
            Self::Io { file, .. }
            | Self::Json { file, .. }
            | Self::NotAQuestionnaire { file }
            | Self::BadRootField { file, .. }
            | Self::MissingLinkId { file, .. }
            | Self::BadField { file, .. }
            | Self::DuplicateLinkId { file, .. }
            | Self::UnknownType { file, .. }
            | Self::ChoiceWithoutOptions { file, .. }
            | Self::UnknownTarget { file, .. }
            | Self::SelfReference { file, .. }
            | Self::TargetNotAQuestion { file, .. }
            | Self::Cycle { file, .. }
            | Self::OperatorNotAllowed { file, .. }
            | Self::AnswerTypeMismatch { file, .. }
            | Self::AnswerNotOffered { file, .. }
            | Self::DuplicateQuestionnaire { file, .. } => file,
        }
    }

    /// The item the error is about, when it is about one item.
    pub fn link_id(&self) -> Option<&str> {
        match self {
            Self::BadField { link_id, .. }
            | Self::DuplicateLinkId { link_id, .. }
            | Self::UnknownType { link_id, .. }
            | Self::ChoiceWithoutOptions { link_id, .. }
            | Self::UnknownTarget { link_id, .. }
            | Self::SelfReference { link_id, .. }
            | Self::TargetNotAQuestion { link_id, .. }
            | Self::Cycle { link_id, .. }
            | Self::OperatorNotAllowed { link_id, .. }
            | Self::AnswerTypeMismatch { link_id, .. }
            | Self::AnswerNotOffered { link_id, .. } => Some(link_id),
            Self::MissingLinkId { path, .. } => Some(path),
            Self::Io { .. }
            | Self::Json { .. }
            | Self::NotAQuestionnaire { .. }
            | Self::BadRootField { .. }
            | Self::DuplicateQuestionnaire { .. } => None,
        }
    }
}
