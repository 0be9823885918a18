//! What Read aloud says on each screen, in the patient's language: the screen's prompt,
//! then the answer the patient chose. Built from translation keys and the clock, never
//! from what the patient typed: the confirmation says "Appointment at 10:30", not the name.

use crate::domain::questionnaire::{Answer, ItemType};
use crate::ui::i18n::{format_time, tr, tr_count};
use crate::ui::session::{Session, Step};

/// The prompt of the screen the patient sees now.
pub fn screen_text(s: &Session) -> String {
    let lang = s.language.as_str();
    let t = |key: &str| tr(lang, key);
    if s.idle_seconds_left.is_some() {
        return t("idle.title");
    }
    if s.help_visible {
        return join(&[t("help.title"), t("help.body")]);
    }
    if s.language_picker_visible {
        return t("language.title");
    }
    if s.options_visible {
        return t("nav.options");
    }
    match s.step {
        Step::Welcome => join(&[t("welcome.title"), t("welcome.subtitle")]),
        Step::Choose => t("choose.title"),
        Step::Reason => t("walkin.reason_title"),
        Step::GivenName => join(&[t("walkin.given_name"), t("walkin.given_name_hint")]),
        Step::FamilyName => join(&[t("identify.family_name"), t("identify.family_name_hint")]),
        Step::BirthDate => t("identify.birth_date"),
        Step::Phone => join(&[t("walkin.phone"), t("walkin.phone_hint")]),
        Step::Confirm => {
            let time = s
                .found
                .as_ref()
                .map(|a| format_time(lang, a.start.time()))
                .unwrap_or_default();
            join(&[
                t("confirm.title"),
                format!("{} {time}", t("confirm.appointment_at")),
            ])
        }
        Step::Form => form_text(s),
        Step::Desk => {
            let reason = super::controller::desk_reason_key(s.desk_reason);
            join(&[
                t(&format!("desk.{reason}.title")),
                t(&format!("desk.{reason}.body")),
            ])
        }
        Step::Done => match &s.ticket {
            Some(ticket) => join(&[
                t("done.title"),
                format!("{} {}", t("done.your_number"), ticket.ticket),
                tr_count(lang, "done.ahead", ticket.ahead),
                t("done.have_a_seat"),
            ]),
            None => t("done.title"),
        },
    }
}

/// The questions on the current form page (or the review's title).
fn form_text(s: &Session) -> String {
    let lang = s.language.as_str();
    let Some(run) = s.forms.as_ref() else {
        return String::new();
    };
    if run.reviewing {
        return join(&[tr(lang, "form.review_title"), tr(lang, "form.review_hint")]);
    }
    let questions: Vec<String> = run
        .items_on_page()
        .iter()
        .filter(|item| item.item_type != ItemType::Group)
        .map(|item| item.text_in(lang).to_owned())
        .collect();
    join(&questions)
}

/// The answers chosen on the current screen, as the patient saw them ("" when none): the
/// options of a form page, in the patient's language. Typed answers are not read back.
pub fn chosen_text(s: &Session) -> String {
    let lang = s.language.as_str();
    if s.step == Step::Reason {
        return s
            .reason
            .as_ref()
            .map(|r| tr(lang, &format!("walkin.reason.{r}")))
            .unwrap_or_default();
    }
    let Some(run) = s.forms.as_ref().filter(|_| s.step == Step::Form) else {
        return String::new();
    };
    if run.reviewing {
        return String::new();
    }
    let Some(answers) = run.answers() else {
        return String::new();
    };
    let mut chosen = Vec::new();
    for item in run.items_on_page() {
        match answers.get(&item.link_id) {
            Some(Answer::Boolean(yes)) => {
                chosen.push(tr(lang, if *yes { "form.yes" } else { "form.no" }));
            }
            Some(Answer::Choice(codes)) => chosen.extend(
                item.options
                    .iter()
                    .filter(|o| codes.contains(&o.code()))
                    .map(|o| o.display_in(lang).into_owned()),
            ),
            _ => {}
        }
    }
    join(&chosen)
}

/// The new part of the answer: what is in `now` and was not in `before`.
pub fn newly_chosen(before: &str, now: &str) -> String {
    let old: Vec<&str> = before.split(SEPARATOR).collect();
    let added: Vec<&str> = now
        .split(SEPARATOR)
        .filter(|part| !part.is_empty() && !old.contains(part))
        .collect();
    added.join(SEPARATOR)
}

const SEPARATOR: &str = ". ";

fn join(parts: &[String]) -> String {
    parts
        .iter()
        .map(|p| p.trim().trim_end_matches('.'))
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(SEPARATOR)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_new_choice_is_said() {
        assert_eq!(newly_chosen("", "Yes"), "Yes");
        assert_eq!(newly_chosen("Pollen", "Pollen. Dust"), "Dust");
        assert_eq!(newly_chosen("Pollen. Dust", "Dust"), "");
    }

    #[test]
    fn the_welcome_prompt_follows_the_language() {
        let mut s = Session::new("es");
        assert!(
            screen_text(&s).starts_with("Bienvenido"),
            "{}",
            screen_text(&s)
        );
        s.language = "en".into();
        assert!(screen_text(&s).starts_with("Welcome"));
    }
}
