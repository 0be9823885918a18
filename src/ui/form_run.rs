//! A patient's way through the intake forms: which page is showing, the answers so far,
//! the field being typed, the signature being drawn, and the review at the end. Plain Rust
//! over the domain engine; the controller maps it to the screen.

use std::sync::Arc;

use chrono::NaiveDate;

use crate::app::AnsweredForm;
use crate::domain::questionnaire::{
    Answer, AnswerCode, Answers, Decimal, Item, ItemType, Page, Problem, Questionnaire,
};
use crate::ui::i18n::date_order;
use crate::ui::session::DateInput;
use crate::ui::signature::Signature;

/// Longest free text a patient can type when the form sets no maxLength.
const TEXT_MAX_CHARS: usize = 500;
const NUMBER_MAX_CHARS: usize = 12;

/// What Next did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Advance {
    /// Something on this page needs an answer or a fix; the problems are set.
    Stay,
    NextPage,
    /// Every form is done: the review page shows.
    Review,
}

/// The field open in the keyboard or keypad.
#[derive(Debug, Clone, Default)]
pub struct Editor {
    pub link_id: String,
    /// Typed text (string, text, numbers, open-choice "other").
    pub text: String,
    /// The date being typed, field by field, for date items.
    pub date: DateInput,
}

#[derive(Debug, Clone)]
pub struct FormRun {
    forms: Vec<Arc<Questionnaire>>,
    answers: Vec<Answers>,
    form: usize,
    page: usize,
    pub reviewing: bool,
    /// Set by "Change" on the review page: Next goes back to the review.
    return_to_review: bool,
    pub problems: Vec<Problem>,
    pub editor: Option<Editor>,
    /// The signature being drawn on the current page, if it has a signature item.
    pub signature: Signature,
}

impl FormRun {
    /// None when there is nothing to fill in.
    pub fn new(forms: Vec<Arc<Questionnaire>>) -> Option<FormRun> {
        let forms: Vec<_> = forms
            .into_iter()
            .filter(|f| !f.pages(&f.initial_answers()).is_empty())
            .collect();
        if forms.is_empty() {
            return None;
        }
        let answers = forms.iter().map(|f| f.initial_answers()).collect();
        Some(FormRun {
            forms,
            answers,
            form: 0,
            page: 0,
            reviewing: false,
            return_to_review: false,
            problems: Vec::new(),
            editor: None,
            signature: Signature::default(),
        })
    }

    pub fn form(&self) -> Option<&Questionnaire> {
        self.forms.get(self.form).map(Arc::as_ref)
    }

    pub fn forms(&self) -> &[Arc<Questionnaire>] {
        &self.forms
    }

    pub fn answers(&self) -> Option<&Answers> {
        self.answers.get(self.form)
    }

    pub fn answers_of(&self, form: usize) -> Option<&Answers> {
        self.answers.get(form)
    }

    fn pages(&self) -> Vec<Page> {
        match (self.form(), self.answers()) {
            (Some(f), Some(a)) => f.pages(a),
            _ => Vec::new(),
        }
    }

    /// The current page; answers can remove pages, so the index is kept in range.
    pub fn page(&self) -> Option<Page> {
        let pages = self.pages();
        let last = pages.len().checked_sub(1)?;
        pages.get(self.page.min(last)).cloned()
    }

    /// (page, pages) across all forms, for "2 of 9" (the total can change with answers).
    pub fn progress(&self) -> (usize, usize) {
        let counts: Vec<usize> = self
            .forms
            .iter()
            .zip(&self.answers)
            .map(|(f, a)| f.pages(a).len())
            .collect();
        let before: usize = counts.iter().take(self.form).sum();
        let here = counts.get(self.form).copied().unwrap_or(0);
        let page = self.page.min(here.saturating_sub(1));
        (before + page + 1, counts.iter().sum())
    }

    /// Names the page on screen (form, page, review), so the view can start it at the top.
    pub fn page_key(&self) -> String {
        if self.reviewing {
            return "review".into();
        }
        format!("{}:{}", self.form, self.page)
    }

    pub fn items_on_page(&self) -> Vec<&Item> {
        let (Some(form), Some(page)) = (self.form(), self.page()) else {
            return Vec::new();
        };
        page.link_ids
            .iter()
            .filter_map(|id| form.item(id))
            .collect()
    }

    pub fn problem_for(&self, link_id: &str) -> Option<&Problem> {
        self.problems.iter().find(|p| p.link_id == link_id)
    }

    fn item(&self, link_id: &str) -> Option<Item> {
        self.form()?.item(link_id).cloned()
    }

    fn set(&mut self, link_id: &str, answer: Option<Answer>) {
        if let Some(a) = self.answers.get_mut(self.form) {
            match answer {
                Some(answer) if !answer.is_empty() => a.set(link_id, answer),
                _ => drop(a.remove(link_id)),
            }
        }
        self.problems.retain(|p| p.link_id != link_id);
    }

    /// A tap on option `index` of a choice or yes/no question. Multiple choice toggles;
    /// single choice selects (a second tap on the same answer keeps it).
    pub fn choose(&mut self, link_id: &str, index: usize) {
        let Some(item) = self.item(link_id) else {
            return;
        };
        let current = self.answers().and_then(|a| a.get(link_id)).cloned();
        let answer = match item.item_type {
            ItemType::Boolean => Some(Answer::Boolean(index == 0)),
            ItemType::Choice | ItemType::OpenChoice => {
                let Some(option) = item.options.get(index) else {
                    return;
                };
                let code = option.code();
                let mut codes = match current {
                    Some(Answer::Choice(codes)) => codes,
                    _ => Vec::new(),
                };
                if item.repeats {
                    if let Some(at) = codes.iter().position(|c| *c == code) {
                        codes.remove(at);
                    } else {
                        codes.push(code);
                    }
                } else {
                    // The typed "other" answer of an open-choice gives way to an option.
                    codes = vec![code];
                }
                Some(Answer::Choice(codes))
            }
            _ => return,
        };
        self.set(link_id, answer);
    }

    /// The text typed for "other" in an open-choice question, if any.
    pub fn other_text(&self, item: &Item) -> Option<String> {
        match self.answers()?.get(&item.link_id)? {
            Answer::Choice(codes) => codes.iter().find_map(|c| match c {
                AnswerCode::String(s) if item.option_for(c).is_none() => Some(s.clone()),
                _ => None,
            }),
            _ => None,
        }
    }

    /// Opens the keyboard or keypad for a typed answer, with what is there already.
    pub fn edit(&mut self, link_id: &str, lang: &str) {
        let Some(item) = self.item(link_id) else {
            return;
        };
        let answer = self.answers().and_then(|a| a.get(link_id)).cloned();
        let mut editor = Editor {
            link_id: link_id.to_owned(),
            ..Editor::default()
        };
        match (item.item_type, answer) {
            (ItemType::OpenChoice, _) => editor.text = self.other_text(&item).unwrap_or_default(),
            (_, Some(Answer::Text(s))) => editor.text = s,
            (_, Some(Answer::Integer(i))) => editor.text = i.to_string(),
            (_, Some(Answer::Decimal(d))) => editor.text = d.as_str().to_owned(),
            (_, Some(Answer::Date(d))) => editor.date = date_input(d, lang),
            _ => {}
        }
        self.editor = Some(editor);
    }

    pub fn editing_item(&self) -> Option<Item> {
        self.item(&self.editor.as_ref()?.link_id)
    }

    /// A key from the on-screen keyboard, the keypad or a physical keyboard.
    pub fn type_text(&mut self, text: &str, lang: &str) {
        let Some(item) = self.editing_item() else {
            return;
        };
        let Some(editor) = self.editor.as_mut() else {
            return;
        };
        for c in text.chars() {
            match item.item_type {
                ItemType::Date if c.is_ascii_digit() => editor.date.push_digit(lang, c),
                ItemType::Integer | ItemType::Decimal => {
                    let fits = editor.text.chars().count() < NUMBER_MAX_CHARS;
                    let ok = c.is_ascii_digit()
                        || (c == '-' && editor.text.is_empty())
                        || ((c == '.' || c == ',')
                            && item.item_type == ItemType::Decimal
                            && !editor.text.contains('.'));
                    if fits && ok {
                        editor.text.push(if c == ',' { '.' } else { c });
                    }
                }
                ItemType::String | ItemType::Text | ItemType::OpenChoice => {
                    let max = item
                        .max_length
                        .map_or(TEXT_MAX_CHARS, |m| m as usize)
                        .min(TEXT_MAX_CHARS);
                    if !c.is_control() && editor.text.chars().count() < max {
                        // Letters arrive in capitals from the keyboard: sentences read
                        // better in sentence case, the name of a pharmacy in title case.
                        let first = editor.text.trim().is_empty()
                            || editor.text.trim_end().ends_with(['.', '!', '?'])
                            || (item.item_type == ItemType::OpenChoice
                                && editor.text.ends_with([' ', '-']));
                        if first {
                            editor.text.extend(c.to_uppercase());
                        } else {
                            editor.text.extend(c.to_lowercase());
                        }
                    }
                }
                _ => {}
            }
        }
    }

    pub fn backspace(&mut self, lang: &str) {
        let is_date = self
            .editing_item()
            .is_some_and(|i| i.item_type == ItemType::Date);
        if let Some(editor) = self.editor.as_mut() {
            if is_date {
                editor.date.backspace(lang);
            } else {
                editor.text.pop();
            }
        }
    }

    pub fn select_date_field(&mut self, index: usize) {
        if let Some(editor) = self.editor.as_mut() {
            editor.date.select(index);
        }
    }

    /// Closes the keyboard, keeping what was typed as the answer.
    pub fn finish_editing(&mut self) {
        let Some(item) = self.editing_item() else {
            self.editor = None;
            return;
        };
        let Some(editor) = self.editor.take() else {
            return;
        };
        let text = editor.text.trim().to_owned();
        let answer = match item.item_type {
            ItemType::Date => {
                if editor.date.day.is_empty()
                    && editor.date.month.is_empty()
                    && editor.date.year.is_empty()
                {
                    None
                } else {
                    // An impossible date stays as text, so validation names the problem.
                    Some(
                        editor
                            .date
                            .calendar_date()
                            .map_or_else(|| Answer::Text("not a date".into()), Answer::Date),
                    )
                }
            }
            ItemType::Integer => Some(
                text.parse::<i64>()
                    .map_or_else(|_| Answer::Text(text.clone()), Answer::Integer),
            ),
            ItemType::Decimal => Some(
                Decimal::parse(&text).map_or_else(|| Answer::Text(text.clone()), Answer::Decimal),
            ),
            ItemType::OpenChoice => {
                let mut codes: Vec<AnswerCode> =
                    match self.answers().and_then(|a| a.get(&item.link_id)) {
                        Some(Answer::Choice(codes)) => codes
                            .iter()
                            .filter(|c| item.option_for(c).is_some())
                            .cloned()
                            .collect(),
                        _ => Vec::new(),
                    };
                if !text.is_empty() {
                    if !item.repeats {
                        codes.clear();
                    }
                    codes.push(AnswerCode::String(text.clone()));
                }
                Some(Answer::Choice(codes))
            }
            _ => Some(Answer::Text(text.clone())),
        };
        self.set(&item.link_id, answer);
    }

    pub fn cancel_editing(&mut self) {
        self.editor = None;
    }

    /// Starts a stroke on the signature pad of `link_id` (pad coordinates, logical px).
    pub fn sign_start(&mut self, link_id: &str, x: f32, y: f32, width: f32, height: f32) {
        if self.signature.link_id != link_id {
            self.signature = Signature::new(link_id);
        }
        self.signature.start(x, y, width, height);
    }

    pub fn sign_move(&mut self, x: f32, y: f32) {
        self.signature.extend(x, y);
    }

    /// A finished stroke: the drawing so far becomes the answer, as a PNG.
    pub fn sign_end(&mut self) {
        let link_id = self.signature.link_id.clone();
        if link_id.is_empty() {
            return;
        }
        let png = self.signature.png();
        self.set(&link_id, png.map(Answer::Signature));
    }

    pub fn sign_clear(&mut self, link_id: &str) {
        self.signature = Signature::new(link_id);
        self.set(link_id, None);
    }

    /// Next: checks this page, then moves on (to the next page, form or the review).
    pub fn advance(&mut self) -> Advance {
        self.editor = None;
        let (Some(form), Some(answers), Some(page)) = (self.form(), self.answers(), self.page())
        else {
            self.reviewing = true;
            return Advance::Review;
        };
        let problems = form.validate_page(&page, answers);
        if !problems.is_empty() {
            self.problems = problems;
            return Advance::Stay;
        }
        self.problems.clear();
        if self.return_to_review {
            self.return_to_review = false;
            self.reviewing = true;
            return Advance::Review;
        }
        let pages = self.pages().len();
        if self.page + 1 < pages {
            self.page += 1;
            return Advance::NextPage;
        }
        if self.form + 1 < self.forms.len() {
            self.form += 1;
            self.page = 0;
            return Advance::NextPage;
        }
        self.reviewing = true;
        Advance::Review
    }

    /// Back within the forms; false at the very first page (the flow goes back further).
    /// Answers are kept.
    pub fn back(&mut self) -> bool {
        self.editor = None;
        self.problems.clear();
        if self.reviewing {
            self.reviewing = false;
            return true;
        }
        if self.return_to_review {
            self.return_to_review = false;
            self.reviewing = true;
            return true;
        }
        if self.page > 0 {
            self.page = self.page.min(self.pages().len()).saturating_sub(1);
            return true;
        }
        if self.form > 0 {
            self.form -= 1;
            self.page = self.pages().len().saturating_sub(1);
            return true;
        }
        false
    }

    /// "Change" on the review page: the page with that question, then back to the review.
    pub fn change(&mut self, form: usize, link_id: &str) {
        let Some(pages) = self
            .forms
            .get(form)
            .zip(self.answers.get(form))
            .map(|(f, a)| f.pages(a))
        else {
            return;
        };
        if let Some(index) = pages
            .iter()
            .position(|p| p.link_ids.iter().any(|id| id == link_id))
        {
            self.form = form;
            self.page = index;
            self.reviewing = false;
            self.return_to_review = true;
            self.problems.clear();
        }
    }

    /// Every form with its answers, for the check-in. Checks everything once more.
    pub fn completed(&self) -> Result<Vec<AnsweredForm>, (usize, Vec<Problem>)> {
        let mut out = Vec::with_capacity(self.forms.len());
        for (i, (form, answers)) in self.forms.iter().zip(&self.answers).enumerate() {
            let problems = form.validate_all(answers);
            if !problems.is_empty() {
                return Err((i, problems));
            }
            out.push(AnsweredForm {
                form: Arc::clone(form),
                answers: answers.clone(),
            });
        }
        Ok(out)
    }

    /// Shows the page of the first problem found by `completed`.
    pub fn show_problems(&mut self, form: usize, problems: Vec<Problem>) {
        if let Some(first) = problems.first() {
            let link = first.link_id.clone();
            self.change(form, &link);
            self.return_to_review = false;
        }
        self.problems = problems;
    }
}

fn date_input(d: NaiveDate, lang: &str) -> DateInput {
    use chrono::Datelike;
    DateInput {
        day: format!("{:02}", d.day()),
        month: format!("{:02}", d.month()),
        year: format!("{:04}", d.year()),
        active: date_order(lang).len().saturating_sub(1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::FormCatalogue;
    use crate::config::FormsConfig;

    fn run(names: &[&str]) -> FormRun {
        let catalogue = FormCatalogue::load(&FormsConfig::default());
        let forms = names
            .iter()
            .map(|n| {
                catalogue
                    .forms()
                    .iter()
                    .find(|q| q.source_name() == format!("{n}.json"))
                    .cloned()
                    .unwrap()
            })
            .collect();
        FormRun::new(forms).unwrap()
    }

    fn codes(r: &FormRun, link: &str) -> usize {
        match r.answers().and_then(|a| a.get(link)) {
            Some(Answer::Choice(c)) => c.len(),
            _ => 0,
        }
    }

    #[test]
    fn multiple_choice_toggles_and_single_choice_replaces() {
        let mut r = run(&["general-intake"]);
        r.choose("reason", 1);
        r.choose("reason", 6);
        assert_eq!(codes(&r, "reason"), 2);
        r.choose("reason", 1);
        assert_eq!(codes(&r, "reason"), 1, "a second tap takes it back");
        r.choose("age-group", 0);
        r.choose("age-group", 2);
        assert_eq!(codes(&r, "age-group"), 1, "one answer only");
        r.choose("age-group", 99);
        assert_eq!(
            codes(&r, "age-group"),
            1,
            "an option that is not there changes nothing"
        );
    }

    #[test]
    fn next_refuses_missing_answers_then_walks_forms_to_the_review_and_back_keeps_answers() {
        let mut r = run(&["phq2-screening", "privacy-acknowledgement"]);
        assert_eq!(r.progress(), (1, 5));
        assert_eq!(r.advance(), Advance::Stay);
        assert_eq!(r.problems.len(), 1);
        r.choose("phq2-1", 0);
        assert!(r.problems.is_empty(), "answering clears the problem");
        assert_eq!(r.advance(), Advance::NextPage);
        r.choose("phq2-2", 3);
        assert_eq!(r.advance(), Advance::NextPage, "on to the second form");
        assert_eq!(r.progress(), (3, 5));
        assert!(r.back());
        assert!(r.back());
        assert_eq!(codes(&r, "phq2-1"), 1, "answers kept going back");
        assert!(!r.back(), "the first page: the flow goes back further");
    }

    #[test]
    fn change_from_the_review_returns_to_the_review() {
        let mut r = run(&["phq2-screening"]);
        r.choose("phq2-1", 0);
        r.advance();
        r.choose("phq2-2", 0);
        assert_eq!(r.advance(), Advance::Review);
        assert!(r.reviewing);
        assert!(r.completed().is_ok());
        r.change(0, "phq2-1");
        assert!(!r.reviewing);
        assert_eq!(r.page_key(), "0:0");
        r.choose("phq2-1", 2);
        assert_eq!(r.advance(), Advance::Review, "straight back to the review");
    }

    #[test]
    fn typed_answers_keep_their_kind_and_open_choice_takes_typed_text() {
        let mut r = run(&["general-intake"]);
        r.edit("pain", "en");
        r.type_text("1x2", "en");
        assert_eq!(r.editor.as_ref().unwrap().text, "12", "digits only");
        r.finish_editing();
        assert_eq!(r.answers().unwrap().get("pain"), Some(&Answer::Integer(12)));
        r.edit("weight", "en");
        r.type_text("72,5", "en");
        r.finish_editing();
        assert_eq!(
            r.answers().unwrap().get("weight").map(Answer::kind),
            Some("decimal")
        );
        r.edit("pharmacy", "en");
        r.type_text("ELM STREET", "en");
        r.finish_editing();
        let item = r.form().unwrap().item("pharmacy").unwrap().clone();
        assert_eq!(r.other_text(&item).as_deref(), Some("Elm Street"));
        r.choose("pharmacy", 0);
        assert_eq!(
            r.other_text(&item),
            None,
            "an option replaces the typed answer"
        );
        r.edit("symptoms-since", "es");
        r.type_text("31022026", "es");
        r.finish_editing();
        assert_eq!(
            r.answers().unwrap().get("symptoms-since").map(Answer::kind),
            Some("text"),
            "31 February stays as text, so validation names it"
        );
    }
}
