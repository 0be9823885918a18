//! Checking answers against their items. `check` is the single place that turns an answer
//! into FHIR values: enableWhen, validation and the response all go through it, so they
//! can never disagree about what a valid answer is.

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate};

use super::answers::{Answer, AnswerCode, Answers, Decimal};
use super::model::{Item, ItemType, OptionValue, Questionnaire};
use super::Page;

/// What is wrong with one item's answer. The UI shows `message_key` translated, with
/// `message_args` filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProblemKind {
    /// An enabled required question (or required group) has no answer.
    Required,
    /// More characters than maxLength.
    TooLong {
        max: u32,
    },
    NotANumber,
    /// A decimal typed where a whole number is asked.
    NotAWholeNumber,
    NotADate,
    /// Below minValue (or the FHIR integer range); `min` as written in the form.
    TooSmall {
        min: String,
    },
    TooLarge {
        max: String,
    },
    /// A selection that is not one of the item's options.
    ChoiceNotOffered,
    /// Several selections on a question that takes one.
    TooManyChoices,
    /// A signature that is not a PNG image.
    NotASignature,
    /// An answer of the wrong kind for the item (a UI bug rather than a patient slip).
    WrongType,
}

impl ProblemKind {
    pub fn message_key(&self) -> &'static str {
        match self {
            Self::Required => "form.required",
            Self::TooLong { .. } => "form.too_long",
            Self::NotANumber => "form.not_a_number",
            Self::NotAWholeNumber => "form.not_whole_number",
            Self::NotADate => "form.not_a_date",
            Self::TooSmall { .. } => "form.too_small",
            Self::TooLarge { .. } => "form.too_large",
            Self::ChoiceNotOffered => "form.choice_not_offered",
            Self::TooManyChoices => "form.too_many_choices",
            Self::NotASignature => "form.signature_invalid",
            Self::WrongType => "form.wrong_type",
        }
    }

    /// Named values for the message (`max` for too_long/too_large, `min` for too_small).
    pub fn message_args(&self) -> Vec<(&'static str, String)> {
        match self {
            Self::TooLong { max } => vec![("max", max.to_string())],
            Self::TooSmall { min } => vec![("min", min.clone())],
            Self::TooLarge { max } => vec![("max", max.clone())],
            _ => Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub link_id: String,
    pub kind: ProblemKind,
}

/// One answer value, as it goes into the response.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Typed<'a> {
    Boolean(bool),
    Integer(i64),
    Decimal(Decimal),
    Date(NaiveDate),
    String(String),
    Coding {
        system: Option<&'a str>,
        code: &'a str,
        display: Option<&'a str>,
    },
    Png(&'a [u8]),
}

const PNG_MAGIC: &[u8] = b"\x89PNG\r\n\x1a\n";

/// The answer's FHIR values, or why it is not acceptable for `item`. An empty answer gives
/// no values; display and group items take no answer, so theirs is ignored.
pub(crate) fn check<'a>(item: &'a Item, answer: &'a Answer) -> Result<Vec<Typed<'a>>, ProblemKind> {
    if answer.is_empty() || !item.item_type.is_question() {
        return Ok(Vec::new());
    }
    let value = match (item.item_type, answer) {
        (ItemType::Boolean, Answer::Boolean(b)) => Typed::Boolean(*b),
        (ItemType::Choice | ItemType::OpenChoice, Answer::Choice(codes)) => {
            return check_choice(item, codes)
        }
        (ItemType::OpenChoice, Answer::Text(s)) => Typed::String(check_text(item, s)?),
        (ItemType::String | ItemType::Text, Answer::Text(s)) => Typed::String(check_text(item, s)?),
        (ItemType::Integer, Answer::Integer(i)) => Typed::Integer(check_integer(item, *i)?),
        (ItemType::Integer, Answer::Text(s)) => {
            let t = s.trim();
            match t.strip_prefix('+').unwrap_or(t).parse::<i64>() {
                Ok(i) => Typed::Integer(check_integer(item, i)?),
                Err(_) if Decimal::parse(t).is_some() => return Err(ProblemKind::NotAWholeNumber),
                Err(_) => return Err(ProblemKind::NotANumber),
            }
        }
        (ItemType::Integer, Answer::Decimal(_)) => return Err(ProblemKind::NotAWholeNumber),
        (ItemType::Decimal, Answer::Decimal(d)) => Typed::Decimal(check_decimal(item, d.clone())?),
        (ItemType::Decimal, Answer::Integer(i)) => {
            Typed::Decimal(check_decimal(item, Decimal::from_i64(*i))?)
        }
        (ItemType::Decimal, Answer::Text(s)) => {
            let d = Decimal::parse(s).ok_or(ProblemKind::NotANumber)?;
            Typed::Decimal(check_decimal(item, d)?)
        }
        (ItemType::Date, Answer::Date(d)) => Typed::Date(check_date(*d)?),
        (ItemType::Date, Answer::Text(s)) => {
            let d = NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
                .map_err(|_| ProblemKind::NotADate)?;
            Typed::Date(check_date(d)?)
        }
        (ItemType::Attachment, Answer::Signature(png)) => {
            if !png.starts_with(PNG_MAGIC) {
                return Err(ProblemKind::NotASignature);
            }
            Typed::Png(png)
        }
        _ => return Err(ProblemKind::WrongType),
    };
    Ok(vec![value])
}

fn check_choice<'a>(
    item: &'a Item,
    codes: &'a [AnswerCode],
) -> Result<Vec<Typed<'a>>, ProblemKind> {
    let picked: Vec<&AnswerCode> = codes
        .iter()
        .filter(|c| !matches!(c, AnswerCode::String(s) if s.trim().is_empty()))
        .collect();
    if picked.len() > 1 && !item.repeats {
        return Err(ProblemKind::TooManyChoices);
    }
    let mut out = Vec::with_capacity(picked.len());
    for code in picked {
        let value = match (item.option_for(code).map(|o| &o.value), code) {
            (Some(OptionValue::Coding(c)), _) => Typed::Coding {
                system: c.system.as_deref(),
                code: &c.code,
                display: c.display.as_ref().map(|d| d.default.as_str()),
            },
            (Some(OptionValue::String(s)), _) => Typed::String(s.default.clone()),
            (Some(OptionValue::Integer(i)), _) => Typed::Integer(*i),
            (None, AnswerCode::String(s)) if item.item_type == ItemType::OpenChoice => {
                Typed::String(check_text(item, s)?)
            }
            (None, _) => return Err(ProblemKind::ChoiceNotOffered),
        };
        if !out.contains(&value) {
            out.push(value);
        }
    }
    Ok(out)
}

fn check_text(item: &Item, s: &str) -> Result<String, ProblemKind> {
    let s = s.trim();
    match item.max_length {
        Some(max) if s.chars().count() > max as usize => Err(ProblemKind::TooLong { max }),
        _ => Ok(s.to_string()),
    }
}

fn check_integer(item: &Item, i: i64) -> Result<i64, ProblemKind> {
    // FHIR integers are 32-bit.
    if i < i64::from(i32::MIN) {
        return Err(ProblemKind::TooSmall {
            min: i32::MIN.to_string(),
        });
    }
    if i > i64::from(i32::MAX) {
        return Err(ProblemKind::TooLarge {
            max: i32::MAX.to_string(),
        });
    }
    check_decimal(item, Decimal::from_i64(i)).map(|_| i)
}

fn check_decimal(item: &Item, d: Decimal) -> Result<Decimal, ProblemKind> {
    if let Some(min) = &item.min_value {
        if d.value() < min.value() {
            return Err(ProblemKind::TooSmall {
                min: min.as_str().to_string(),
            });
        }
    }
    if let Some(max) = &item.max_value {
        if d.value() > max.value() {
            return Err(ProblemKind::TooLarge {
                max: max.as_str().to_string(),
            });
        }
    }
    Ok(d)
}

/// FHIR dates have four-digit years.
fn check_date(d: NaiveDate) -> Result<NaiveDate, ProblemKind> {
    if (1..=9999).contains(&d.year()) {
        Ok(d)
    } else {
        Err(ProblemKind::NotADate)
    }
}

impl Questionnaire {
    /// Problems on one page (the items listed in it), for Next. Disabled items are skipped:
    /// they are never required.
    pub fn validate_page(&self, page: &Page, answers: &Answers) -> Vec<Problem> {
        let on_page: BTreeSet<&str> = page.link_ids.iter().map(String::as_str).collect();
        self.problems(answers, |id| on_page.contains(id))
    }

    /// Problems anywhere in the form, for the review page and before submitting.
    pub fn validate_all(&self, answers: &Answers) -> Vec<Problem> {
        self.problems(answers, |_| true)
    }

    fn problems(&self, answers: &Answers, wanted: impl Fn(&str) -> bool) -> Vec<Problem> {
        let enabled = self.enabled(answers);
        let mut out = Vec::new();
        for item in self.all_items() {
            let id = item.link_id.as_str();
            if !enabled.contains(id) || !wanted(id) {
                continue;
            }
            let kind = match item.item_type {
                ItemType::Display => None,
                ItemType::Group => (item.required
                    && !self.has_answered_descendant(item, answers, &enabled))
                .then_some(ProblemKind::Required),
                _ => match answers.given(id) {
                    None => item.required.then_some(ProblemKind::Required),
                    Some(answer) => check(item, answer).err(),
                },
            };
            if let Some(kind) = kind {
                out.push(Problem {
                    link_id: id.to_string(),
                    kind,
                });
            }
        }
        out
    }

    /// A required group is satisfied by any valid answer among its enabled descendants.
    fn has_answered_descendant(
        &self,
        group: &Item,
        answers: &Answers,
        enabled: &BTreeSet<String>,
    ) -> bool {
        group.items.iter().any(|child| {
            enabled.contains(&child.link_id)
                && (answers
                    .given(&child.link_id)
                    .and_then(|a| check(child, a).ok())
                    .is_some_and(|v| !v.is_empty())
                    || self.has_answered_descendant(child, answers, enabled))
        })
    }
}
