//! The intake-form engine: FHIR R4 Questionnaires in, QuestionnaireResponses out. Pure
//! except for `load_file`/`load_dir`. What it supports and why:
//!
//! - item types display, group, boolean, choice, open-choice, string, text, integer,
//!   decimal, date, attachment (the signature); any other type refuses the file;
//! - `required`, `repeats` (multiple choice), `maxLength`, minValue/maxValue extensions,
//!   answerOption with `initialSelected`, enableWhen with every operator and
//!   enableBehavior, nested groups and items nested under questions;
//! - texts in several languages through the standard translation extension;
//! - one answer per linkId: repeating groups are out of scope.
//!
//! Unknown fields are ignored, so newer forms still load.

mod answers;
mod error;
mod load;
mod logic;
mod model;
mod parse;
mod response;
mod validate;

pub use answers::{Answer, AnswerCode, Answers, Decimal};
pub use error::QuestionnaireError;
pub use load::{load_dir, load_file};
pub use logic::Page;
pub use model::{
    AnswerOption, Coding, EnableAnswer, EnableBehavior, EnableWhen, Item, ItemType, LocalizedText,
    Operator, OptionValue, Questionnaire,
};
pub use parse::parse;
pub use validate::{Problem, ProblemKind};

#[cfg(test)]
mod fuzz;
#[cfg(test)]
mod tests;
