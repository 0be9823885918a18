//! What the patient answered, keyed by linkId. Repeating groups (several instances of the
//! same group, e.g. "add another medication") are out of scope: one answer per linkId.

use std::collections::BTreeMap;
use std::fmt;

use chrono::NaiveDate;

/// A decimal as typed: the text is kept exactly (FHIR decimals keep their precision, and the
/// review page shows what the patient typed), the f64 is for enableWhen and range checks,
/// where 15 significant digits are far more than any clinical value needs. A scaled integer
/// would force a fixed scale on every form; rust_decimal would be a new dependency.
#[derive(Clone, PartialEq)]
pub struct Decimal {
    text: String,
    value: f64,
}

/// Longest decimal we accept; keeps f64 parsing meaningful and the response small.
const MAX_DECIMAL_LEN: usize = 32;

impl Decimal {
    /// A plain decimal: optional sign, digits, optional fraction. A comma is taken as the
    /// decimal separator too (Spanish keypads). No exponents, no NaN/inf.
    pub fn parse(input: &str) -> Option<Decimal> {
        let s = input.trim().replace(',', ".");
        if s.is_empty() || s.len() > MAX_DECIMAL_LEN {
            return None;
        }
        let unsigned = s.strip_prefix(['-', '+']).unwrap_or(&s);
        let (int, frac) = match unsigned.split_once('.') {
            Some((i, f)) => (i, Some(f)),
            None => (unsigned, None),
        };
        let digits = |p: &str| p.chars().all(|c| c.is_ascii_digit());
        let ok = digits(int)
            && frac.is_none_or(|f| !f.is_empty() && digits(f))
            && !(int.is_empty() && frac.is_none());
        if !ok {
            return None;
        }
        let value: f64 = s.parse().ok()?;
        value.is_finite().then(|| Decimal {
            text: s.strip_prefix('+').unwrap_or(&s).to_string(),
            value,
        })
    }

    pub fn from_i64(i: i64) -> Decimal {
        Decimal {
            text: i.to_string(),
            // Precision loss only beyond 2^53, far outside any form's range.
            value: i as f64,
        }
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn value(&self) -> f64 {
        self.value
    }
}

// The digits may be patient data: Debug shows nothing of them.
impl fmt::Debug for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Decimal(..)")
    }
}

/// One selected option of a choice question, or free text for open-choice.
#[derive(Clone, PartialEq, Eq, Hash)]
pub enum AnswerCode {
    Coding {
        system: Option<String>,
        code: String,
    },
    /// A valueString option, or (open-choice only) text the patient typed.
    String(String),
    Integer(i64),
}

impl fmt::Debug for AnswerCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // Codes come from the form, not the patient.
            Self::Coding { code, .. } => write!(f, "Coding({code})"),
            Self::String(_) => f.write_str("String(..)"),
            Self::Integer(_) => f.write_str("Integer(..)"),
        }
    }
}

/// A patient's answer to one item.
#[derive(Clone, PartialEq)]
pub enum Answer {
    Boolean(bool),
    /// One or more selected options (several only when the item repeats).
    Choice(Vec<AnswerCode>),
    /// string/text items; also accepted for integer/decimal/date items as the raw keypad
    /// text, which validation then parses (NotANumber / NotADate when it cannot).
    Text(String),
    Integer(i64),
    Decimal(Decimal),
    Date(NaiveDate),
    /// The signature as PNG bytes, drawn by the UI.
    Signature(Vec<u8>),
}

impl Answer {
    /// Blank text, no selection or an empty signature is no answer at all.
    pub fn is_empty(&self) -> bool {
        match self {
            Answer::Choice(codes) => codes.iter().all(|c| match c {
                AnswerCode::String(s) => s.trim().is_empty(),
                _ => false,
            }),
            Answer::Text(s) => s.trim().is_empty(),
            Answer::Signature(png) => png.is_empty(),
            Answer::Boolean(_) | Answer::Integer(_) | Answer::Decimal(_) | Answer::Date(_) => false,
        }
    }

    /// The variant's name, for logs and debugging (never the value).
    pub fn kind(&self) -> &'static str {
        match self {
            Answer::Boolean(_) => "boolean",
            Answer::Choice(_) => "choice",
            Answer::Text(_) => "text",
            Answer::Integer(_) => "integer",
            Answer::Decimal(_) => "decimal",
            Answer::Date(_) => "date",
            Answer::Signature(_) => "signature",
        }
    }
}

impl fmt::Debug for Answer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Answer::{}(..)", self.kind())
    }
}

/// All answers of one form, keyed by linkId. Answers of items that become disabled are
/// kept (Back restores them) but ignored by enableWhen, validation and the response.
#[derive(Clone, Default, PartialEq)]
pub struct Answers {
    by_link_id: BTreeMap<String, Answer>,
}

impl Answers {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn set(&mut self, link_id: impl Into<String>, answer: Answer) {
        self.by_link_id.insert(link_id.into(), answer);
    }

    pub fn remove(&mut self, link_id: &str) -> Option<Answer> {
        self.by_link_id.remove(link_id)
    }

    pub fn clear(&mut self) {
        self.by_link_id.clear();
    }

    /// The answer to `link_id`, if any (possibly empty; see `Answer::is_empty`).
    pub fn get(&self, link_id: &str) -> Option<&Answer> {
        self.by_link_id.get(link_id)
    }

    /// The answer when there is a non-empty one.
    pub fn given(&self, link_id: &str) -> Option<&Answer> {
        self.get(link_id).filter(|a| !a.is_empty())
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &Answer)> {
        self.by_link_id.iter().map(|(k, v)| (k.as_str(), v))
    }

    pub fn len(&self) -> usize {
        self.by_link_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_link_id.is_empty()
    }
}

impl fmt::Debug for Answers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.by_link_id.iter()).finish()
    }
}
