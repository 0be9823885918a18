//! A kiosk fitted with an accessible keypad or a keyboard: a whole check-in with keys
//! alone (Tab and arrows move, Enter activates, letters and digits type), no touch.

use std::collections::BTreeMap;

use checkin_kiosk::config::{Config, FormsConfig};
use slint::platform::Key;

use crate::util::{start_kiosk, TestKiosk};

/// The demo visit with the PHQ-2 form (choices, then the review): every kind of control a
/// patient meets on the way, and no signature (drawing one needs a finger).
fn keyboard_kiosk() -> TestKiosk {
    let forms = FormsConfig {
        appointment_types: BTreeMap::from([
            ("visit".to_owned(), vec!["phq2-screening".to_owned()]),
            ("follow-up".to_owned(), vec!["phq2-screening".to_owned()]),
        ]),
        ..FormsConfig::default()
    };
    start_kiosk(Config {
        forms,
        ..Config::default()
    })
}

#[test]
fn a_whole_check_in_with_the_keyboard_alone() {
    let k = keyboard_kiosk();
    let maria = checkin_kiosk::app::demo::people().maria;

    // Welcome: Tab to "Check in".
    k.focus_on(Key::Tab, &k.tr("welcome.check_in"));
    k.press(Key::Return);
    assert!(k.has_tr("choose.title"), "the choice page follows");

    // Choose with the arrow keys, as on a four-way keypad.
    k.focus_on(Key::DownArrow, &k.tr("choose.appointment"));
    k.press(Key::Return);
    assert!(k.has_tr("identify.family_name"));

    // The family name on the physical keyboard (no accents needed), Enter for Next.
    k.type_physical("munoz");
    k.press(Key::Return);
    assert!(
        k.has_tr("identify.birth_date"),
        "Enter went on to the birth date"
    );
    k.type_physical(&maria.birth_date.format("%m%d%Y").to_string());
    k.press(Key::Return);

    // Confirm: the answer is reached with the keys.
    assert!(k.has_tr("confirm.title"), "the appointment was found");
    k.focus_on(Key::DownArrow, &k.tr("confirm.yes"));
    k.press(Key::Return);

    // The PHQ-2, a question a page: move to an answer, Space chooses it, then Next.
    for answer in ["Not at all", "Several days"] {
        k.focus_on(Key::DownArrow, answer);
        k.press(Key::Space);
        k.focus_on(Key::DownArrow, &k.tr("nav.next"));
        k.press(Key::Return);
    }
    assert!(
        k.has_tr("form.review_title"),
        "the review follows the answers"
    );
    k.focus_on(Key::DownArrow, &k.tr("form.submit"));
    k.press(Key::Return);

    assert!(k.has_tr("done.title"), "checked in with keys alone");
    assert_eq!(k.count("check_ins"), 1);
}

#[test]
fn arrows_move_like_tab_and_a_new_screen_starts_at_the_top() {
    let k = keyboard_kiosk();
    k.focus_on(Key::Tab, &k.tr("welcome.check_in"));
    let first = k.focused();
    k.press(Key::DownArrow);
    let second = k.focused();
    assert_ne!(first, second, "Down moved on");
    k.press(Key::UpArrow);
    assert_eq!(k.focused(), first, "Up came back");

    // Enter opens the next screen; the focus left the old one, so the first Tab lands on
    // the new screen's first control, and typed keys still arrive (the window has them).
    k.press(Key::Return);
    assert!(k.has_tr("choose.title"));
    k.press(Key::Tab);
    let on_new_screen = k.focused();
    assert!(
        k.has(&on_new_screen),
        "the focus is on a control of the new screen: {on_new_screen:?}"
    );
}

#[test]
fn in_arabic_left_is_forward() {
    let k = keyboard_kiosk();
    k.controller.borrow_mut().choose_language("ar");
    k.controller.borrow_mut().show();
    k.focus_on(Key::Tab, &k.tr("welcome.check_in"));
    let first = k.focused();
    k.press(Key::LeftArrow);
    let next = k.focused();
    assert_ne!(first, next);
    k.press(Key::RightArrow);
    assert_eq!(
        k.focused(),
        first,
        "Right goes back in a right-to-left language"
    );
}
