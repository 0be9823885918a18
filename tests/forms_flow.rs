//! The intake forms through the real UI: María fills in the general intake and signs the
//! privacy acknowledgement by touch, and the answers are stored with her check-in.

use checkin_kiosk::config::Config;
use slint::platform::{PointerEventButton, WindowEvent};
use slint::{ComponentHandle, LogicalPosition};

use crate::util::logs::capture_logs;
use crate::util::{start_kiosk, TestKiosk};

/// A problem message is on screen (under its question, and in the summary by Next).
fn shows_problem(k: &TestKiosk, message: &str) -> bool {
    k.visible_texts().iter().any(|t| t.contains(message))
}

/// A swipe up over the questions: the page scrolls to what is below.
fn scroll_down(k: &TestKiosk) {
    let size = k
        .window
        .window()
        .size()
        .to_logical(k.window.window().scale_factor());
    k.window
        .window()
        .dispatch_event(WindowEvent::PointerScrolled {
            position: LogicalPosition::new(size.width / 2.0, size.height / 2.0),
            delta_x: 0.0,
            delta_y: -600.0,
        });
    crate::util::settle();
}

/// Swipes down the review until `label` shows (a long review scrolls).
fn scroll_to(k: &TestKiosk, label: &str) -> bool {
    for _ in 0..8 {
        if k.has(label) {
            return true;
        }
        scroll_down(k);
    }
    k.has(label)
}

fn tap_field(k: &TestKiosk, question: &str) {
    k.tap(&format!("{question} {}", k.tr("form.tap_to_answer")));
}

fn is_checked(k: &TestKiosk, label: &str) -> bool {
    let found = k.find(label);
    assert_eq!(found.len(), 1, "one control labelled {label:?}");
    found[0].accessible_checked().unwrap_or(false)
}

/// Draws a zig-zag across the signature pad with pointer events, as a finger would.
fn sign(k: &TestKiosk) {
    let pads = k.find(&k.tr("form.signature_pad"));
    assert_eq!(pads.len(), 1, "one signature pad");
    let origin = pads[0].absolute_position();
    let size = pads[0].size();
    let window = k.window.window();
    let at = |fx: f32, fy: f32| {
        LogicalPosition::new(origin.x + size.width * fx, origin.y + size.height * fy)
    };
    window.dispatch_event(WindowEvent::PointerPressed {
        position: at(0.1, 0.6),
        button: PointerEventButton::Left,
    });
    for i in 1..=40 {
        let t = i as f32 / 40.0;
        let fy = if i % 10 < 5 { 0.3 } else { 0.7 };
        window.dispatch_event(WindowEvent::PointerMoved {
            position: at(0.1 + 0.6 * t, fy),
        });
    }
    window.dispatch_event(WindowEvent::PointerReleased {
        position: at(0.7, 0.5),
        button: PointerEventButton::Left,
    });
    crate::util::settle();
}

#[test]
fn the_general_intake_and_a_signed_consent_are_stored_with_the_check_in() {
    let captured = capture_logs();

    // The default configuration gives a "visit" the general intake and the privacy notice.
    let k = start_kiosk(Config::default());
    k.identify("MUNOZ", "03091984");
    k.tap_tr("confirm.yes");
    assert!(
        k.has("Before your visit · page 1 of 11"),
        "the intake form's title and progress: {:?}",
        k.visible_texts()
    );
    assert_eq!(
        k.count("check_ins"),
        0,
        "nothing is committed before the forms"
    );

    // A required answer is refused, with a plain message naming the question.
    k.tap_tr("nav.next");
    assert!(
        shows_problem(&k, &k.tr("form.required")),
        "{:?}",
        k.visible_texts()
    );
    assert!(k.has("What brings you in today? Choose all that apply."));

    // "Something else" makes a follow-up question appear; untapping it hides it again.
    let other_question = "Tell us a little more about why you came in.";
    k.tap("Feeling sick (cold, fever, cough)");
    assert!(!k.has(other_question));
    k.tap("Something else");
    assert!(
        k.has(other_question),
        "the question that appears is scrolled into view"
    );
    k.tap("Something else");
    assert!(!k.has(other_question), "and disappears");
    k.tap("Something else");
    scroll_down(&k);
    assert!(is_checked(&k, "Feeling sick (cold, fever, cough)"));
    // Required and empty: refused.
    k.tap_tr("nav.next");
    assert!(shows_problem(&k, &k.tr("form.required")));
    tap_field(&k, other_question);
    k.type_keys("SCHOOL FORM");
    k.tap_tr("form.done_typing");
    k.tap_tr("nav.next");

    // Back keeps the answers.
    assert!(k.has("When did this start? A guess is fine. Skip it if it does not apply. (optional)"));
    k.tap_tr("nav.back");
    assert!(is_checked(&k, "Feeling sick (cold, fever, cough)"));
    assert!(is_checked(&k, "Something else"));
    k.tap_tr("nav.next");
    // A date on the keypad, in the language's order (month, day, year in English).
    tap_field(
        &k,
        "When did this start? A guess is fine. Skip it if it does not apply. (optional)",
    );
    k.type_keys("11202026");
    k.tap_tr("form.done_typing");
    k.tap_tr("nav.next");

    // The pregnancy question only for the age group it concerns.
    k.tap("Female");
    k.tap("56 or older");
    assert!(!k.has("Could you be pregnant?"));
    k.tap("12 to 55");
    assert!(k.has("Could you be pregnant?"), "scrolled into view");
    k.tap_tr("nav.next");
    assert!(
        shows_problem(&k, &k.tr("form.required")),
        "pregnancy now required"
    );
    scroll_down(&k);
    k.tap("No");
    k.tap_tr("nav.next");

    // Allergies: yes, then the list.
    k.tap(&k.tr("form.yes"));
    let list = "Please list them and what happens (for example: penicillin, rash).";
    tap_field(&k, list);
    k.type_keys("PENICILLIN RASH");
    k.tap_tr("form.done_typing");
    k.tap_tr("nav.next");

    // Medicines and weight are optional.
    k.tap_tr("nav.next");
    tap_field(
        &k,
        "About how much do you weigh, in kilograms? Skip it if you are not sure. (optional)",
    );
    k.type_keys("72");
    k.tap_tr("form.decimal_point");
    k.type_keys("5");
    k.tap_tr("form.done_typing");
    k.tap_tr("nav.next");

    k.tap("Main Street Pharmacy");
    k.tap_tr("nav.next");
    // Pain 0-10: 11 is refused, 3 is fine.
    let pain =
        "How much pain do you feel today, from 0 (no pain) to 10 (the worst pain you can imagine)?";
    tap_field(&k, pain);
    k.type_keys("11");
    k.tap_tr("form.done_typing");
    k.tap_tr("nav.next");
    let too_large =
        checkin_kiosk::ui::i18n::tr_with("en", "form.too_large", &[("max", "10".into())]);
    assert!(shows_problem(&k, &too_large), "{:?}", k.visible_texts());
    tap_field(&k, pain);
    k.tap_tr("keyboard.delete");
    k.tap_tr("keyboard.delete");
    k.type_keys("3");
    k.tap_tr("form.done_typing");
    k.tap_tr("nav.next");

    // The privacy acknowledgement, signed with a finger.
    assert!(
        k.visible_texts()
            .iter()
            .any(|t| t.starts_with("Notice of Privacy Practices · page")),
        "{:?}",
        k.visible_texts()
    );
    k.tap(&k.tr("form.yes"));
    k.tap_tr("nav.next");
    k.tap("I am the patient");
    k.tap_tr("nav.next");
    k.tap_tr("nav.next");
    assert!(
        shows_problem(&k, &k.tr("form.required")),
        "a signature is required"
    );
    sign(&k);
    k.tap_tr("nav.next");

    // The review lists the answers; "Check in" commits everything at once.
    assert!(k.has_tr("form.review_title"));
    assert!(k.has("School form"), "{:?}", k.visible_texts());
    assert!(scroll_to(&k, "Penicillin rash"));
    assert!(scroll_to(&k, &k.tr("form.signed")));
    assert_eq!(k.count("check_ins"), 0);
    k.tap_tr("form.submit");
    assert!(k.has_tr("done.title"), "{:?}", k.visible_texts());

    assert_eq!(k.count("check_ins"), 1);
    assert_eq!(k.count("outbox"), 1);
    let db = k.db();
    let mut stmt = db
        .prepare(
            "SELECT r.questionnaire, r.resource FROM questionnaire_responses r
             JOIN check_ins c ON c.id = r.check_in_id ORDER BY r.rowid",
        )
        .expect("query");
    let rows: Vec<(String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("rows")
        .map(|r| r.expect("row"))
        .collect();
    assert_eq!(rows.len(), 2, "one response per form");
    assert!(rows[0].0.ends_with("general-intake|2026-01"));
    assert!(rows[1].0.ends_with("privacy-acknowledgement|2026-01"));

    let intake: serde_json::Value = serde_json::from_str(&rows[0].1).expect("json");
    let answer = |r: &serde_json::Value, link: &str| -> Option<serde_json::Value> {
        fn walk(items: &serde_json::Value, link: &str) -> Option<serde_json::Value> {
            for item in items.as_array()? {
                if item["linkId"] == link {
                    return Some(item["answer"].clone());
                }
                if let Some(found) = walk(&item["item"], link) {
                    return Some(found);
                }
            }
            None
        }
        walk(&r["item"], link)
    };
    assert_eq!(
        answer(&intake, "reason-other").expect("reason-other")[0]["valueString"],
        "School form"
    );
    assert_eq!(
        answer(&intake, "symptoms-since").expect("date")[0]["valueDate"],
        "2026-11-20"
    );
    assert_eq!(
        answer(&intake, "weight").expect("weight")[0]["valueDecimal"],
        72.5
    );
    assert_eq!(answer(&intake, "pain").expect("pain")[0]["valueInteger"], 3);
    assert_eq!(
        answer(&intake, "reason")
            .expect("reason")
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    assert_eq!(
        answer(&intake, "pharmacy").expect("pharmacy")[0]["valueString"],
        "Main Street Pharmacy"
    );

    let consent: serde_json::Value = serde_json::from_str(&rows[1].1).expect("json");
    let signature = answer(&consent, "signature").expect("signature");
    let attachment = &signature[0]["valueAttachment"];
    assert_eq!(attachment["contentType"], "image/png");
    let png = base64_decode(attachment["data"].as_str().expect("data"));
    let img = image::load_from_memory(&png).expect("a PNG").to_luma8();
    let ink = img.pixels().filter(|p| p.0[0] < 128).count();
    assert!(
        ink > 300,
        "the drawn strokes are in the PNG: {ink} dark pixels"
    );

    let logs = captured.text();
    assert!(logs.contains("forms=2"), "the check-in logged its forms");
    for secret in [
        "School",
        "school",
        "Penicillin",
        "PENICILLIN",
        "72.5",
        "Main Street",
    ] {
        assert!(!logs.contains(secret), "{secret:?} leaked into the logs");
    }
}

fn base64_decode(s: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let mut buffer = 0u32;
    let mut bits = 0;
    for c in s.bytes().filter(|c| *c != b'=') {
        let v = ALPHABET
            .iter()
            .position(|a| *a == c)
            .expect("base64 character") as u32;
        buffer = (buffer << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    out
}

#[test]
fn a_broken_form_is_skipped_patients_get_the_others_and_staff_are_told() {
    let forms = tempfile::tempdir().expect("dir");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/forms");
    std::fs::copy(
        root.join("phq2-screening.json"),
        forms.path().join("phq2-screening.json"),
    )
    .expect("copy");
    // An enableWhen that points at a question that does not exist.
    let broken = std::fs::read_to_string(root.join("general-intake.json"))
        .expect("form")
        .replace(
            "\"question\": \"age-group\"",
            "\"question\": \"no-such-question\"",
        );
    std::fs::write(forms.path().join("general-intake.json"), broken).expect("write");
    let mut config = Config::default();
    config.forms.dir = Some(forms.path().to_path_buf());
    config.forms.appointment_types.insert(
        "visit".into(),
        vec!["general-intake".into(), "phq2-screening".into()],
    );

    let k = start_kiosk(config);
    assert!(
        k.has(&k.tr("staff.form_problem")),
        "staff see it on the welcome screen: {:?}",
        k.visible_texts()
    );
    k.identify("MUNOZ", "03091984");
    k.tap_tr("confirm.yes");
    assert!(
        k.visible_texts()
            .iter()
            .any(|t| t == "Mood check (PHQ-2) · page 1 of 2"),
        "the working form is offered: {:?}",
        k.visible_texts()
    );
}
