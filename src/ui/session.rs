//! What one patient has entered, and where they are in the flow. Plain Rust, no Slint:
//! the controller maps it to the screen. Everything here is wiped on "Start over" and idle.

use chrono::NaiveDate;

use crate::app::{AppointmentView, Ticket};
use crate::domain::DeskReason;
use crate::ui::form_run::FormRun;
use crate::ui::i18n::{date_order, DateField};

/// The two ways through the kiosk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Path {
    Appointment,
    WalkIn,
}

/// One screen of the flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    Welcome,
    Choose,
    Reason,
    GivenName,
    FamilyName,
    BirthDate,
    Phone,
    Confirm,
    /// The intake forms, after Confirm (appointments) or Phone (walk-ins).
    Form,
    Desk,
    Done,
}

impl Path {
    /// The steps that show "Step n of m" and that Back walks through.
    pub fn steps(self) -> &'static [Step] {
        match self {
            Path::Appointment => &[Step::FamilyName, Step::BirthDate, Step::Confirm],
            Path::WalkIn => &[
                Step::Reason,
                Step::GivenName,
                Step::FamilyName,
                Step::BirthDate,
                Step::Phone,
            ],
        }
    }
}

pub const NAME_MAX_CHARS: usize = 40;
pub const PHONE_MAX_DIGITS: usize = 15;

/// A birth date being typed on the keypad, field by field.
#[derive(Clone, Debug, Default)]
pub struct DateInput {
    pub day: String,
    pub month: String,
    pub year: String,
    /// Index into the language's field order.
    pub active: usize,
}

impl DateInput {
    pub fn field(&self, f: DateField) -> &str {
        match f {
            DateField::Day => &self.day,
            DateField::Month => &self.month,
            DateField::Year => &self.year,
        }
    }

    fn field_mut(&mut self, f: DateField) -> &mut String {
        match f {
            DateField::Day => &mut self.day,
            DateField::Month => &mut self.month,
            DateField::Year => &mut self.year,
        }
    }

    /// Types a digit into the active field and moves on once the field is complete.
    pub fn push_digit(&mut self, lang: &str, digit: char) {
        let order = date_order(lang);
        let Some(&field) = order.get(self.active) else {
            return;
        };
        let value = self.field_mut(field);
        if value.len() >= field.max_digits() {
            return;
        }
        // "1" then "9" for a month means January, then day 9: move on instead of making 19.
        let limit = match field {
            DateField::Month => Some(12),
            DateField::Day => Some(31),
            DateField::Year => None,
        };
        let would_be: Option<u32> = format!("{value}{digit}").parse().ok();
        if let (Some(limit), Some(n), false) = (limit, would_be, value.is_empty()) {
            if n > limit && self.active + 1 < order.len() {
                self.active += 1;
                self.push_digit(lang, digit);
                return;
            }
        }
        let value = self.field_mut(field);
        value.push(digit);
        // "4" cannot start a two-digit month, nor "4" a day: no need to wait for a second digit.
        let complete = value.len() == field.max_digits()
            || (field == DateField::Month && digit > '1' && value.len() == 1)
            || (field == DateField::Day && digit > '3' && value.len() == 1);
        if complete && self.active + 1 < order.len() {
            self.active += 1;
        }
    }

    /// Deletes the last digit, stepping back a field when the active one is empty.
    pub fn backspace(&mut self, lang: &str) {
        let order = date_order(lang);
        let Some(&field) = order.get(self.active) else {
            return;
        };
        if self.field(field).is_empty() && self.active > 0 {
            self.active -= 1;
        }
        if let Some(&field) = order.get(self.active) {
            self.field_mut(field).pop();
        }
    }

    pub fn select(&mut self, index: usize) {
        if index < 3 {
            self.active = index;
        }
    }

    pub fn is_complete(&self) -> bool {
        !self.day.is_empty() && !self.month.is_empty() && self.year.len() == 4
    }

    /// (year, month, day) once every field is filled.
    pub fn parts(&self) -> Option<(u32, u32, u32)> {
        if !self.is_complete() {
            return None;
        }
        Some((
            self.year.parse().ok()?,
            self.month.parse().ok()?,
            self.day.parse().ok()?,
        ))
    }

    /// The date when the fields make a real calendar date (for the reassuring summary line).
    pub fn calendar_date(&self) -> Option<NaiveDate> {
        let (y, m, d) = self.parts()?;
        NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, m, d)
    }
}

/// Appends a typed character to a name, capitalising each word the way names are written.
pub fn push_name_char(name: &mut String, c: char) {
    if name.chars().count() >= NAME_MAX_CHARS {
        return;
    }
    let is_letter = c.is_alphabetic();
    // A tone mark (Vietnamese) joins the letter before it: "E" + "◌̃" = "Ẽ".
    if unicode_normalization::char::is_combining_mark(c) {
        if name.chars().last().is_some_and(char::is_alphabetic) {
            name.push(c);
            *name = unicode_normalization::UnicodeNormalization::nfc(name.as_str()).collect();
        }
        return;
    }
    let allowed = is_letter || matches!(c, ' ' | '-' | '\'' | '’' | '.');
    if !allowed {
        return;
    }
    // No leading or doubled separators.
    if !is_letter
        && name
            .chars()
            .last()
            .is_none_or(|p| !p.is_alphabetic() && p != '.')
    {
        return;
    }
    let starts_word = name
        .chars()
        .last()
        .is_none_or(|p| matches!(p, ' ' | '-' | '\'' | '’'));
    if starts_word {
        name.extend(c.to_uppercase());
    } else {
        name.extend(c.to_lowercase());
    }
}

pub fn push_phone_char(phone: &mut String, c: char) {
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    let digit_fits = c.is_ascii_digit() && digits < PHONE_MAX_DIGITS;
    let leading_plus = c == '+' && phone.is_empty();
    if digit_fits || leading_plus {
        phone.push(c);
    }
}

/// What one patient is doing at the kiosk right now.
#[derive(Debug)]
pub struct Session {
    pub language: String,
    pub large_text: bool,
    pub high_contrast: bool,
    /// Every control in the lower part of the screen, for a patient in a wheelchair.
    pub seated: bool,
    /// Read each screen's prompt and the chosen answer aloud.
    pub read_aloud: bool,
    /// The on-screen keyboard shows its second layer (accents, or Latin letters).
    pub second_keys: bool,
    pub path: Option<Path>,
    pub step: Step,
    pub reason: Option<String>,
    pub given_name: String,
    pub family_name: String,
    pub birth: DateInput,
    pub phone: String,
    pub found: Option<AppointmentView>,
    pub desk_reason: Option<DeskReason>,
    pub ticket: Option<Ticket>,
    /// The intake forms once they have started (kept when Back leaves them, so answers stay).
    pub forms: Option<FormRun>,
    /// A translation key for the problem shown on the current page.
    pub error_key: Option<&'static str>,
    /// A translation key for a short notice on the welcome screen (e.g. an unreadable scan).
    pub notice_key: Option<&'static str>,
    pub help_visible: bool,
    pub language_picker_visible: bool,
    /// The accessibility dialog: larger text, high contrast, read aloud, seated.
    pub options_visible: bool,
    /// Seconds left before an idle wipe, while "Are you still there?" shows.
    pub idle_seconds_left: Option<u32>,
    /// Seconds left before the "done" screen resets.
    pub done_seconds_left: u32,
    /// Characters typed on a physical keyboard or scanner since the last Enter.
    pub key_buffer: String,
    /// The field's text before the current key buffer started (restored when it was a scan).
    pub field_before_buffer: Option<String>,
    /// When the patient first moved past the welcome screen (for the de-identified session
    /// metrics); None once the session's outcome is recorded.
    pub started_at: Option<chrono::NaiveDateTime>,
}

impl Session {
    pub fn new(language: &str) -> Self {
        Session {
            language: language.to_owned(),
            large_text: false,
            high_contrast: false,
            seated: false,
            options_visible: false,
            read_aloud: false,
            second_keys: false,
            path: None,
            step: Step::Welcome,
            started_at: None,
            reason: None,
            given_name: String::new(),
            family_name: String::new(),
            birth: DateInput::default(),
            phone: String::new(),
            found: None,
            desk_reason: None,
            ticket: None,
            forms: None,
            error_key: None,
            notice_key: None,
            help_visible: false,
            language_picker_visible: false,
            idle_seconds_left: None,
            done_seconds_left: 0,
            key_buffer: String::new(),
            field_before_buffer: None,
        }
    }

    /// Nothing a patient entered or changed: idle has nothing to wipe.
    pub fn is_pristine(&self, default_language: &str) -> bool {
        self.step == Step::Welcome
            && self.language == default_language
            && !self.large_text
            && !self.high_contrast
            && !self.help_visible
            && !self.language_picker_visible
    }

    /// (n, m) for "Step n of m" on pages that are part of a sequence.
    pub fn progress(&self) -> Option<(usize, usize)> {
        let steps = self.path?.steps();
        let index = steps.iter().position(|s| *s == self.step)?;
        Some((index + 1, steps.len()))
    }

    /// The step Back leads to.
    pub fn previous_step(&self) -> Option<Step> {
        match self.step {
            Step::Choose => Some(Step::Welcome),
            Step::Confirm | Step::Desk | Step::Done | Step::Welcome => None,
            // Back from the first form page: the step that led here.
            Step::Form => match self.path {
                Some(Path::WalkIn) => Some(Step::Phone),
                _ => Some(Step::Confirm),
            },
            step => {
                let steps = self.path?.steps();
                let index = steps.iter().position(|s| *s == step)?;
                Some(if index == 0 {
                    Step::Choose
                } else {
                    *steps.get(index - 1)?
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_capitalised_per_word() {
        let mut name = String::new();
        for c in "O'BRIEN-SMITH".chars() {
            push_name_char(&mut name, c);
        }
        assert_eq!(name, "O'Brien-Smith");
        let mut name = String::new();
        for c in "de la cruz".chars() {
            push_name_char(&mut name, c);
        }
        assert_eq!(name, "De La Cruz");
    }

    #[test]
    fn names_refuse_leading_and_doubled_separators_and_digits() {
        let mut name = String::new();
        for c in " --a1  b".chars() {
            push_name_char(&mut name, c);
        }
        assert_eq!(name, "A B");
    }

    #[test]
    fn date_fields_advance_and_step_back() {
        let mut d = DateInput::default();
        for c in "3".chars().chain("9".chars()).chain("1984".chars()) {
            d.push_digit("en", c);
        }
        // en order is month, day, year: "3" completes the month, "9" the day.
        assert_eq!(
            (d.month.as_str(), d.day.as_str(), d.year.as_str()),
            ("3", "9", "1984")
        );
        assert_eq!(d.parts(), Some((1984, 3, 9)));
        d.backspace("en");
        assert_eq!(d.year, "198");
        d.select(1);
        d.backspace("en");
        assert_eq!(d.day, "");
        d.backspace("en");
        assert_eq!(d.month, "", "an empty field steps back to the previous one");
    }

    #[test]
    fn an_impossible_second_digit_moves_on_to_the_next_field() {
        let mut d = DateInput::default();
        for c in "19".chars() {
            d.push_digit("en", c);
        }
        assert_eq!((d.month.as_str(), d.day.as_str()), ("1", "9"));
        let mut d = DateInput::default();
        for c in "3519".chars() {
            d.push_digit("es", c);
        }
        // Day "3" then "5" cannot be day 35: day 3, month 5, year starts with 1, 9.
        assert_eq!(
            (d.day.as_str(), d.month.as_str(), d.year.as_str()),
            ("3", "5", "19")
        );
    }

    #[test]
    fn spanish_dates_start_with_the_day() {
        let mut d = DateInput::default();
        for c in "0903".chars() {
            d.push_digit("es", c);
        }
        assert_eq!((d.day.as_str(), d.month.as_str()), ("09", "03"));
    }

    #[test]
    fn back_walks_the_path_then_returns_to_the_choice() {
        let mut s = Session::new("en");
        s.path = Some(Path::WalkIn);
        s.step = Step::GivenName;
        assert_eq!(s.previous_step(), Some(Step::Reason));
        s.step = Step::Reason;
        assert_eq!(s.previous_step(), Some(Step::Choose));
        s.step = Step::Confirm;
        assert_eq!(s.previous_step(), None);
        assert_eq!(s.progress(), None, "confirm is not on the walk-in path");
    }
}
