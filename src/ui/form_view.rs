//! Maps a FormRun to the form page's Slint global: the fields of the current page, the
//! keyboard for a typed answer, or the review of every answer.

use slint::{ComponentHandle, Image, Model, Rgba8Pixel, SharedPixelBuffer, SharedString};

use crate::domain::questionnaire::{Answer, AnswerCode, Item, ItemType, Questionnaire};
use crate::ui::controller::{date_segments, model, update_model};
use crate::ui::form_run::FormRun;
use crate::ui::i18n::{format_long_date, tr, tr_with};
use crate::{FieldKind, FormAdapter, FormField, FormOption, KeyRow, MainWindow, ReviewRow};

/// `rows` and `rows_compact`: the keyboard for typed answers, with and without digits.
pub fn show_form(
    window: &MainWindow,
    run: &FormRun,
    lang: &str,
    rows: Vec<KeyRow>,
    rows_compact: Vec<KeyRow>,
) {
    let adapter = window.global::<FormAdapter>();
    adapter.set_reviewing(run.reviewing);
    adapter.set_page_key(run.page_key().into());
    adapter.set_has_problems(!run.problems.is_empty());
    adapter.set_problem_summary(problem_summary(run, lang).into());
    let review = if run.reviewing {
        review_rows(run, lang)
    } else {
        Vec::new()
    };
    update_model(&adapter.get_review(), review, |m| adapter.set_review(m));

    let items = run.items_on_page();
    adapter.set_has_signature(items.iter().any(|i| i.item_type == ItemType::Attachment));
    adapter.set_signature_path(run.signature.path_commands().into());
    let fields: Vec<FormField> = items.iter().map(|item| field(run, item, lang)).collect();
    // Rows are updated in place: a new model would rebuild the page under the patient's
    // finger (and end a signature stroke that has just started).
    let current = adapter.get_fields();
    if current.row_count() == fields.len() {
        for (i, mut new) in fields.into_iter().enumerate() {
            let Some(old) = current.row_data(i) else {
                continue;
            };
            // The answers too: a chosen option keeps its button (and the keyboard focus).
            if old.link_id == new.link_id && old.options.row_count() == new.options.row_count() {
                let options: Vec<FormOption> = new.options.iter().collect();
                update_model(&old.options, options, |_| {});
                new.options = old.options.clone();
            }
            if !same_field(&old, &new) {
                current.set_row_data(i, new);
            }
        }
    } else {
        adapter.set_fields(model(fields));
    }
    adapter.set_rows(model(rows));
    adapter.set_rows_compact(model(rows_compact));
    show_editor(&adapter, run, lang);
}

fn field(run: &FormRun, item: &Item, lang: &str) -> FormField {
    let answer = run.answers().and_then(|a| a.get(&item.link_id));
    let kind = match item.item_type {
        ItemType::Group => FieldKind::Heading,
        ItemType::Display => FieldKind::Note,
        ItemType::Boolean => FieldKind::YesNo,
        ItemType::Choice | ItemType::OpenChoice if item.repeats => FieldKind::Multiple,
        ItemType::Choice | ItemType::OpenChoice => FieldKind::Single,
        ItemType::Attachment => FieldKind::Signature,
        _ => FieldKind::Typed,
    };
    let options: Vec<FormOption> = match item.item_type {
        ItemType::Boolean => [("form.yes", true), ("form.no", false)]
            .iter()
            .map(|(key, value)| FormOption {
                label: tr(lang, key).into(),
                selected: answer == Some(&Answer::Boolean(*value)),
            })
            .collect(),
        ItemType::Choice | ItemType::OpenChoice => item
            .options
            .iter()
            .map(|o| FormOption {
                label: o.display_in(lang).as_ref().into(),
                selected: matches!(answer, Some(Answer::Choice(codes)) if codes.contains(&o.code())),
            })
            .collect(),
        _ => Vec::new(),
    };
    let value = match item.item_type {
        ItemType::OpenChoice => run.other_text(item).unwrap_or_default(),
        _ => answer.map(|a| typed_text(a, lang)).unwrap_or_default(),
    };
    let mut text = item.text_in(lang).to_owned();
    if item.item_type.is_question() && !item.required && kind != FieldKind::Signature {
        text = format!("{text} {}", tr(lang, "form.optional"));
    }
    FormField {
        link_id: item.link_id.as_str().into(),
        kind,
        text: text.into(),
        required: item.required,
        options: model(options),
        value: value.into(),
        has_other: item.item_type == ItemType::OpenChoice,
        problem: run
            .problem_for(&item.link_id)
            .map(|p| tr_with(lang, p.kind.message_key(), &p.kind.message_args()))
            .unwrap_or_default()
            .into(),
    }
}

fn same_field(a: &FormField, b: &FormField) -> bool {
    let options = |f: &FormField| f.options.iter().collect::<Vec<FormOption>>();
    a.link_id == b.link_id
        && a.kind == b.kind
        && a.text == b.text
        && a.required == b.required
        && a.value == b.value
        && a.has_other == b.has_other
        && a.problem == b.problem
        && options(a) == options(b)
}

/// "Question: what to fix", for the first problem: the question may be scrolled away.
fn problem_summary(run: &FormRun, lang: &str) -> String {
    let Some(problem) = run.problems.first() else {
        return String::new();
    };
    let message = tr_with(
        lang,
        problem.kind.message_key(),
        &problem.kind.message_args(),
    );
    let question = run
        .form()
        .and_then(|f| f.item(&problem.link_id))
        .map(|i| i.text_in(lang))
        .unwrap_or_default();
    let short: String = question.chars().take(70).collect();
    let ellipsis = if short.len() < question.len() {
        "…"
    } else {
        ""
    };
    tr_with(
        lang,
        "form.problem_summary",
        &[
            ("question", format!("{short}{ellipsis}")),
            ("message", message),
        ],
    )
}

/// A typed answer as the patient reads it back.
fn typed_text(answer: &Answer, lang: &str) -> String {
    match answer {
        Answer::Text(s) => s.clone(),
        Answer::Integer(i) => i.to_string(),
        Answer::Decimal(d) => d.as_str().to_owned(),
        Answer::Date(d) => format_long_date(lang, *d),
        Answer::Boolean(b) => tr(lang, if *b { "form.yes" } else { "form.no" }),
        Answer::Choice(_) | Answer::Signature(_) => String::new(),
    }
}

fn show_editor(adapter: &FormAdapter<'_>, run: &FormRun, lang: &str) {
    let (Some(editor), Some(item)) = (run.editor.as_ref(), run.editing_item()) else {
        adapter.set_editing(SharedString::new());
        return;
    };
    adapter.set_editing(item.link_id.as_str().into());
    adapter.set_editing_question(item.text_in(lang).into());
    adapter.set_editing_value(editor.text.as_str().into());
    adapter.set_editing_problem(
        run.problem_for(&item.link_id)
            .map(|p| tr_with(lang, p.kind.message_key(), &p.kind.message_args()))
            .unwrap_or_default()
            .into(),
    );
    let number = matches!(item.item_type, ItemType::Integer | ItemType::Decimal);
    adapter.set_editing_number(number);
    adapter.set_editing_decimal(item.item_type == ItemType::Decimal);
    adapter.set_editing_date(item.item_type == ItemType::Date);
    update_model(
        &adapter.get_editing_date_segments(),
        date_segments(&editor.date, lang),
        |m| adapter.set_editing_date_segments(m),
    );
}

/// Every enabled question of every form with its answer, under each form's title.
fn review_rows(run: &FormRun, lang: &str) -> Vec<ReviewRow> {
    let mut rows = Vec::new();
    for (index, form) in run.forms().iter().enumerate() {
        let Some(answers) = run.answers_of(index) else {
            continue;
        };
        let form_index = i32::try_from(index).unwrap_or(i32::MAX);
        rows.push(ReviewRow {
            form: form_index,
            link_id: SharedString::new(),
            question: form.title_in(lang).into(),
            answer: SharedString::new(),
            heading: true,
            signature: Image::default(),
        });
        let enabled = form.enabled(answers);
        for item in form.all_items() {
            if !item.item_type.is_question() || !enabled.contains(&item.link_id) {
                continue;
            }
            let answer = answers.get(&item.link_id);
            rows.push(ReviewRow {
                form: form_index,
                link_id: item.link_id.as_str().into(),
                question: item.text_in(lang).into(),
                answer: answer_text(form, item, answer, lang).into(),
                heading: false,
                signature: match answer {
                    Some(Answer::Signature(png)) => png_image(png),
                    _ => Image::default(),
                },
            });
        }
    }
    rows
}

fn answer_text(_form: &Questionnaire, item: &Item, answer: Option<&Answer>, lang: &str) -> String {
    let Some(answer) = answer.filter(|a| !a.is_empty()) else {
        return tr(lang, "form.no_answer");
    };
    match answer {
        Answer::Choice(codes) => codes
            .iter()
            .map(|c| match (item.option_for(c), c) {
                (Some(o), _) => o.display_in(lang).into_owned(),
                (None, AnswerCode::String(s)) => s.clone(),
                (None, _) => String::new(),
            })
            .collect::<Vec<_>>()
            .join(", "),
        Answer::Signature(_) => tr(lang, "form.signed"),
        other => typed_text(other, lang),
    }
}

/// The signature PNG for the review page; a blank image if it cannot be decoded.
fn png_image(png: &[u8]) -> Image {
    match image::load_from_memory(png) {
        Ok(img) => {
            let rgba = img.to_rgba8();
            let buffer = SharedPixelBuffer::<Rgba8Pixel>::clone_from_slice(
                rgba.as_raw(),
                rgba.width(),
                rgba.height(),
            );
            Image::from_rgba8(buffer)
        }
        Err(_) => Image::default(),
    }
}
