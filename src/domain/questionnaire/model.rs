//! The slim model of a FHIR R4 Questionnaire the kiosk understands. Built only by `parse`,
//! which checks every cross-reference, so the rest of the engine can rely on it.

use std::borrow::Cow;
use std::collections::HashMap;

use chrono::NaiveDate;

use super::answers::{AnswerCode, Decimal};

/// A text with its translations (the FHIR translation extension).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LocalizedText {
    pub default: String,
    /// (language code as written in the form, text), in file order.
    pub translations: Vec<(String, String)>,
}

impl LocalizedText {
    /// The text in `lang`: an exact match first (case-insensitive), then the primary language
    /// ("es-MX" asked, "es" present, or the other way round), then the default text.
    pub fn get(&self, lang: &str) -> &str {
        let exact = self
            .translations
            .iter()
            .find(|(l, _)| l.eq_ignore_ascii_case(lang));
        let primary = |s: &str| s.split(['-', '_']).next().unwrap_or(s).to_ascii_lowercase();
        let wanted = primary(lang);
        exact
            .or_else(|| self.translations.iter().find(|(l, _)| primary(l) == wanted))
            .map(|(_, t)| t.as_str())
            .unwrap_or(&self.default)
    }
}

/// The item types the kiosk renders. Anything else in a form is refused at load.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ItemType {
    Display,
    Group,
    Boolean,
    Choice,
    OpenChoice,
    String,
    Text,
    Integer,
    Decimal,
    Date,
    /// Used for the patient's signature (a PNG).
    Attachment,
}

impl ItemType {
    pub fn from_code(code: &str) -> Option<Self> {
        Some(match code {
            "display" => Self::Display,
            "group" => Self::Group,
            "boolean" => Self::Boolean,
            "choice" => Self::Choice,
            "open-choice" => Self::OpenChoice,
            "string" => Self::String,
            "text" => Self::Text,
            "integer" => Self::Integer,
            "decimal" => Self::Decimal,
            "date" => Self::Date,
            "attachment" => Self::Attachment,
            _ => return None,
        })
    }

    pub fn code(self) -> &'static str {
        match self {
            Self::Display => "display",
            Self::Group => "group",
            Self::Boolean => "boolean",
            Self::Choice => "choice",
            Self::OpenChoice => "open-choice",
            Self::String => "string",
            Self::Text => "text",
            Self::Integer => "integer",
            Self::Decimal => "decimal",
            Self::Date => "date",
            Self::Attachment => "attachment",
        }
    }

    /// Items that take an answer (not display, not group).
    pub fn is_question(self) -> bool {
        !matches!(self, Self::Display | Self::Group)
    }
}

/// A coded option.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coding {
    pub system: Option<String>,
    pub code: String,
    pub display: Option<LocalizedText>,
}

/// The value of one answerOption.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OptionValue {
    Coding(Coding),
    /// valueString, with translations from `_valueString`.
    String(LocalizedText),
    Integer(i64),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerOption {
    pub value: OptionValue,
    pub initial_selected: bool,
}

impl AnswerOption {
    /// What the UI stores in `Answer::Choice` when the patient picks this option.
    pub fn code(&self) -> AnswerCode {
        match &self.value {
            OptionValue::Coding(c) => AnswerCode::Coding {
                system: c.system.clone(),
                code: c.code.clone(),
            },
            OptionValue::String(s) => AnswerCode::String(s.default.clone()),
            OptionValue::Integer(i) => AnswerCode::Integer(*i),
        }
    }

    /// The label to show in `lang`; a coding without display shows its code.
    pub fn display_in(&self, lang: &str) -> Cow<'_, str> {
        match &self.value {
            OptionValue::Coding(c) => match &c.display {
                Some(d) => Cow::Borrowed(d.get(lang)),
                None => Cow::Borrowed(&c.code),
            },
            OptionValue::String(s) => Cow::Borrowed(s.get(lang)),
            OptionValue::Integer(i) => Cow::Owned(i.to_string()),
        }
    }

    /// Whether the patient's selection `code` is this option. A coding matches on code, and
    /// on system when both sides name one.
    pub fn matches(&self, code: &AnswerCode) -> bool {
        match (&self.value, code) {
            (OptionValue::Coding(c), AnswerCode::Coding { system, code }) => {
                c.code == *code && systems_match(c.system.as_deref(), system.as_deref())
            }
            (OptionValue::String(s), AnswerCode::String(t)) => s.default == *t,
            (OptionValue::Integer(i), AnswerCode::Integer(j)) => i == j,
            _ => false,
        }
    }
}

pub(crate) fn systems_match(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a == b,
        _ => true,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    Exists,
    Eq,
    Ne,
    Gt,
    Lt,
    Ge,
    Le,
}

impl Operator {
    pub fn from_code(code: &str) -> Option<Self> {
        Some(match code {
            "exists" => Self::Exists,
            "=" => Self::Eq,
            "!=" => Self::Ne,
            ">" => Self::Gt,
            "<" => Self::Lt,
            ">=" => Self::Ge,
            "<=" => Self::Le,
            _ => return None,
        })
    }

    pub fn code(self) -> &'static str {
        match self {
            Self::Exists => "exists",
            Self::Eq => "=",
            Self::Ne => "!=",
            Self::Gt => ">",
            Self::Lt => "<",
            Self::Ge => ">=",
            Self::Le => "<=",
        }
    }
}

/// The value an enableWhen compares with (answer[x]).
#[derive(Debug, Clone, PartialEq)]
pub enum EnableAnswer {
    Boolean(bool),
    Decimal(Decimal),
    Integer(i64),
    Date(NaiveDate),
    String(String),
    Coding {
        system: Option<String>,
        code: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct EnableWhen {
    pub question: String,
    pub operator: Operator,
    pub answer: EnableAnswer,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EnableBehavior {
    /// FHIR requires enableBehavior when there are several conditions; we default to `all`
    /// (the stricter reading) when a form leaves it out.
    #[default]
    All,
    Any,
}

/// One item of the form.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub link_id: String,
    pub text: Option<LocalizedText>,
    pub item_type: ItemType,
    pub required: bool,
    /// Honoured for choice and open-choice (multiple choice) only: other repeating items
    /// collect a single answer, which is still a valid response.
    pub repeats: bool,
    pub max_length: Option<u32>,
    /// From the standard minValue/maxValue extensions (integer and decimal items).
    pub min_value: Option<Decimal>,
    pub max_value: Option<Decimal>,
    pub options: Vec<AnswerOption>,
    pub enable_when: Vec<EnableWhen>,
    pub enable_behavior: EnableBehavior,
    pub items: Vec<Item>,
}

impl Item {
    /// The item's text in `lang`, falling back to the default text ("" when none).
    pub fn text_in(&self, lang: &str) -> &str {
        self.text.as_ref().map(|t| t.get(lang)).unwrap_or("")
    }

    /// The option the selection `code` refers to, if it is offered.
    pub fn option_for(&self, code: &AnswerCode) -> Option<&AnswerOption> {
        self.options.iter().find(|o| o.matches(code))
    }
}

/// A parsed, checked Questionnaire.
#[derive(Debug, Clone, PartialEq)]
pub struct Questionnaire {
    pub(crate) source_name: String,
    pub(crate) url: String,
    pub(crate) version: Option<String>,
    pub(crate) title: Option<LocalizedText>,
    pub(crate) items: Vec<Item>,
    /// linkId -> child indexes from the root, to find an item without a search.
    pub(crate) paths: HashMap<String, Vec<usize>>,
    /// Every linkId, each after the items it depends on (its parent and its enableWhen
    /// questions): `enabled` evaluates in this order without recursion.
    pub(crate) order: Vec<String>,
}

impl Questionnaire {
    pub fn source_name(&self) -> &str {
        &self.source_name
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn version(&self) -> Option<&str> {
        self.version.as_deref()
    }

    /// "url|version" (or the url alone when unversioned), as QuestionnaireResponse wants.
    pub fn canonical(&self) -> String {
        match &self.version {
            Some(v) => format!("{}|{v}", self.url),
            None => self.url.clone(),
        }
    }

    /// The title in `lang`, falling back to the default title ("" when none).
    pub fn title_in(&self, lang: &str) -> &str {
        self.title.as_ref().map(|t| t.get(lang)).unwrap_or("")
    }

    /// The top-level items, in order.
    pub fn items(&self) -> &[Item] {
        &self.items
    }

    pub fn item(&self, link_id: &str) -> Option<&Item> {
        let path = self.paths.get(link_id)?;
        let (first, rest) = path.split_first()?;
        let mut item = self.items.get(*first)?;
        for i in rest {
            item = item.items.get(*i)?;
        }
        Some(item)
    }

    /// The linkId of the item containing `link_id`, if it is nested.
    pub fn parent_of(&self, link_id: &str) -> Option<&str> {
        let path = self.paths.get(link_id)?;
        let (_, parent_path) = path.split_last()?;
        let (first, rest) = parent_path.split_first()?;
        let mut item = self.items.get(*first)?;
        for i in rest {
            item = item.items.get(*i)?;
        }
        Some(&item.link_id)
    }

    /// Every item, depth first in document order.
    pub fn all_items(&self) -> Vec<&Item> {
        fn walk<'a>(items: &'a [Item], out: &mut Vec<&'a Item>) {
            for item in items {
                out.push(item);
                walk(&item.items, out);
            }
        }
        let mut out = Vec::new();
        walk(&self.items, &mut out);
        out
    }

    /// The consent version the patient signs: the form's `version`, when the form has a
    /// signature (attachment) item. The kiosk records it with the check-in.
    pub fn consent_version(&self) -> Option<&str> {
        let signs = self
            .all_items()
            .iter()
            .any(|i| i.item_type == ItemType::Attachment);
        if signs {
            self.version.as_deref()
        } else {
            None
        }
    }
}
