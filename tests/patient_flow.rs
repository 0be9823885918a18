//! The patient flow end to end through the real UI, the real store and a real database file.

use std::time::Duration;

use checkin_kiosk::config::Config;
use checkin_kiosk::TextEntryAdapter;
use slint::ComponentHandle;

use crate::util::{advance, start_kiosk, without_forms};

/// María Muñoz of the demo practice, born 9 March 1984, typed as month, day, year (English).
const MARIA_FAMILY_TYPED: &str = "MUNOZ";
const MARIA_BIRTH_MDY: &str = "03091984";

#[test]
fn an_appointment_is_found_by_name_ignoring_case_and_accents_and_checked_in_once() {
    let k = start_kiosk(without_forms());
    k.identify(MARIA_FAMILY_TYPED, MARIA_BIRTH_MDY);

    assert!(
        k.has_tr("confirm.title"),
        "Is this you? after an exact match"
    );
    assert!(k.has("María M."), "first name and initial only");
    let shown = k.visible_texts().join("\n");
    assert!(
        !shown.contains("1984") && !shown.contains("Muñoz"),
        "no birth date or full family name on confirm:\n{shown}"
    );

    k.tap_tr("confirm.yes");
    assert!(k.has_tr("done.title"));
    let ticket_label = format!("{} A-001", k.tr("done.your_number"));
    assert!(
        k.has(&ticket_label),
        "ticket shown: {:?}",
        k.visible_texts()
    );

    assert_eq!(k.count("check_ins"), 1);
    assert_eq!(k.count("outbox"), 1);
    let (state, kind): (String, String) = k
        .db()
        .query_row("SELECT state, kind FROM check_ins", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .expect("one check-in row");
    assert_eq!(
        (state.as_str(), kind.as_str()),
        ("checked_in", "appointment")
    );
}

#[test]
fn a_wrong_birth_date_sends_the_patient_to_the_desk_and_writes_nothing() {
    let k = start_kiosk(without_forms());
    k.identify(MARIA_FAMILY_TYPED, "03101984");
    assert!(k.has_tr("desk.not_found.title"));
    assert!(!k.has("María M."));
    assert_eq!(k.count("check_ins"), 0);
    assert_eq!(k.count("outbox"), 0);
}

#[test]
fn two_patients_sharing_a_family_name_are_told_apart_by_birth_date() {
    let k = start_kiosk(without_forms());
    // Ana García, born 15 January 1962; José García shares the family name.
    k.identify("garcia", "01151962");
    assert!(k.has("Ana G."), "{:?}", k.visible_texts());
    assert!(!k.has("José G."));
}

#[test]
fn a_walk_in_gets_a_ticket_in_the_walk_in_queue() {
    let k = start_kiosk(without_forms());
    k.tap_tr("welcome.check_in");
    k.tap_tr("choose.walk_in");
    k.tap_tr("walkin.reason.sick");
    k.type_keys("ANA");
    k.tap_tr("nav.next");
    k.type_keys("TORRES");
    k.tap_tr("nav.next");
    k.type_keys("05211979");
    k.tap_tr("nav.next");
    assert!(k.has_tr("walkin.phone"));
    k.tap_tr("nav.skip");

    assert!(k.has_tr("done.title"), "{:?}", k.visible_texts());
    let ticket_label = format!("{} W-001", k.tr("done.your_number"));
    assert!(k.has(&ticket_label), "{:?}", k.visible_texts());
    assert_eq!(k.count("check_ins"), 1);
    assert_eq!(k.count("outbox"), 1);
    let kind: String = k
        .db()
        .query_row("SELECT kind FROM check_ins", [], |r| r.get(0))
        .expect("row");
    assert_eq!(kind, "walk_in");
}

#[test]
fn idle_asks_then_wipes_what_was_typed_and_returns_to_welcome() {
    let config = Config {
        idle_timeout_secs: 10,
        idle_prompt_secs: 5,
        ..without_forms()
    };
    let k = start_kiosk(config);
    k.tap_tr("welcome.check_in");
    k.tap_tr("choose.appointment");
    k.type_keys("GARC");
    assert_eq!(k.window.global::<TextEntryAdapter>().get_value(), "Garc");

    advance(Duration::from_secs(9));
    assert!(!k.has_tr("idle.title"), "not before the timeout");
    advance(Duration::from_secs(2));
    assert!(
        k.has_tr("idle.title"),
        "Are you still there? after the timeout"
    );
    for _ in 0..6 {
        advance(Duration::from_secs(1));
    }
    assert!(k.has_tr("welcome.check_in"), "back on the welcome screen");
    assert_eq!(
        k.window.global::<TextEntryAdapter>().get_value(),
        "",
        "typed text wiped"
    );

    // Coming back, the field is empty.
    k.tap_tr("welcome.check_in");
    k.tap_tr("choose.appointment");
    let field = k.find(&k.tr("identify.family_name"));
    assert!(field
        .iter()
        .any(|e| e.accessible_value().is_some_and(|v| v.is_empty())));
}

#[test]
fn still_here_keeps_what_was_typed() {
    let config = Config {
        idle_timeout_secs: 10,
        idle_prompt_secs: 5,
        ..without_forms()
    };
    let k = start_kiosk(config);
    k.tap_tr("welcome.check_in");
    k.tap_tr("choose.appointment");
    k.type_keys("GARC");
    advance(Duration::from_secs(11));
    k.tap_tr("idle.still_here");
    advance(Duration::from_secs(6));
    assert!(!k.has_tr("idle.title"));
    assert_eq!(k.window.global::<TextEntryAdapter>().get_value(), "Garc");
}

#[test]
fn a_scanned_reminder_code_jumps_straight_to_confirmation() {
    let k = start_kiosk(without_forms());
    let code = checkin_kiosk::app::demo::people().thanh.code;
    for c in code.chars().chain(std::iter::once('\n')) {
        let window = k.window.window();
        window.dispatch_event(slint::platform::WindowEvent::KeyPressed {
            text: c.to_string().into(),
        });
        window.dispatch_event(slint::platform::WindowEvent::KeyReleased {
            text: c.to_string().into(),
        });
    }
    assert!(k.has_tr("confirm.title"), "{:?}", k.visible_texts());
    assert!(k.has("Thanh N."));
}

#[test]
fn scanner_garbage_gets_a_plain_message_and_changes_nothing() {
    let k = start_kiosk(without_forms());
    for c in "%%\u{e9}!?\n".chars() {
        k.window
            .window()
            .dispatch_event(slint::platform::WindowEvent::KeyPressed {
                text: c.to_string().into(),
            });
    }
    assert!(k.has_tr("error.bad_scan"), "{:?}", k.visible_texts());
    assert!(k.has_tr("welcome.check_in"));
    assert_eq!(k.count("check_ins"), 0);
}

#[test]
fn help_is_on_every_screen_and_raises_a_request() {
    let k = start_kiosk(without_forms());
    assert!(k.has_tr("nav.help"));
    k.tap_tr("welcome.check_in");
    k.tap_tr("choose.appointment");
    k.tap_tr("nav.help");
    assert!(k.has_tr("help.title"));
    assert_eq!(k.count("help_requests"), 1);
    k.tap_tr("help.ok");
    assert!(k.has_tr("nav.start_over"));
    k.tap_tr("nav.start_over");
    assert!(k.has_tr("welcome.check_in"));
}

#[test]
fn repeated_failed_look_ups_are_slowed_down_with_a_plain_message() {
    let k = start_kiosk(without_forms());
    for _ in 0..3 {
        k.identify("NOBODY", "01011950");
        assert!(k.has_tr("desk.not_found.title"));
        k.tap_tr("desk.ok");
    }
    // The fourth try, straight away: the kiosk asks for a pause and keeps what was typed.
    k.identify(MARIA_FAMILY_TYPED, MARIA_BIRTH_MDY);
    assert!(k.has_tr("error.slow_down"), "{:?}", k.visible_texts());
    assert!(
        k.has_tr("identify.birth_date"),
        "still on the birth date page"
    );
    assert!(!k.has("María M."));
    assert_eq!(k.count("check_ins"), 0);
}

#[test]
fn a_notice_on_the_welcome_screen_fades_at_idle_without_asking_anything() {
    let config = Config {
        idle_timeout_secs: 10,
        ..without_forms()
    };
    let k = start_kiosk(config);
    for c in "??!!\n".chars() {
        k.window
            .window()
            .dispatch_event(slint::platform::WindowEvent::KeyPressed {
                text: c.to_string().into(),
            });
    }
    assert!(k.has_tr("error.bad_scan"));
    advance(Duration::from_secs(11));
    assert!(!k.has_tr("idle.title"), "nothing to wipe, nothing to ask");
    assert!(!k.has_tr("error.bad_scan"), "the notice is gone");
    assert!(k.has_tr("welcome.check_in"));
}
