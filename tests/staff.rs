//! Staff mode through the real UI (testing backend): the hidden gesture and the PIN, the
//! lockout that survives a restart, idle exit, settings applied at once and audited, help
//! requests, calls that move the board and the estimates, and a board without patients.

use std::time::Duration;

use checkin_kiosk::app::{demo, CheckInService, FixedClock, ServiceConfig};
use checkin_kiosk::domain::WalkIn;
use checkin_kiosk::store::Store;
use checkin_kiosk::ui::board::{init_board_window, show_board};
use checkin_kiosk::{BoardWindow, Kiosk, StaffAdapter};
use chrono::NaiveDate;
use i_slint_backend_testing::ElementRoot;
use slint::platform::{PointerEventButton, WindowEvent};
use slint::{ComponentHandle, LogicalPosition};

use crate::util::{advance, settle, start_kiosk, test_now, without_forms, TestKiosk};

/// A finger held at (x, y) for `held`.
fn press(k: &TestKiosk, x: f32, y: f32, held: Duration) {
    let position = LogicalPosition::new(x, y);
    let window = k.window.window();
    window.dispatch_event(WindowEvent::PointerPressed {
        position,
        button: PointerEventButton::Left,
    });
    advance(held);
    window.dispatch_event(WindowEvent::PointerReleased {
        position,
        button: PointerEventButton::Left,
    });
    settle();
}

fn long_press_corner(k: &TestKiosk) {
    press(k, 12.0, 12.0, Duration::from_millis(3100));
}

fn type_pin(k: &TestKiosk, pin: &str) {
    for d in pin.chars() {
        k.tap(&d.to_string());
    }
    k.tap_tr("staff.pin.ok");
}

fn pin_pad_open(k: &TestKiosk) -> bool {
    ["staff.pin.title", "staff.pin.choose", "staff.pin.repeat"]
        .iter()
        .any(|key| k.has_tr(key))
}

/// First run: the gesture, a PIN chosen twice, staff mode open.
fn open_staff_first_time(k: &TestKiosk, pin: &str) {
    long_press_corner(k);
    assert!(
        k.has_tr("staff.pin.choose"),
        "first run asks staff to choose a PIN"
    );
    type_pin(k, pin);
    assert!(k.has_tr("staff.pin.repeat"));
    type_pin(k, pin);
    assert!(k.has_tr("staff.title"), "staff mode is open");
}

fn audit_actions(k: &TestKiosk) -> Vec<(String, String)> {
    let db = k.db();
    let mut stmt = db
        .prepare("SELECT action, detail FROM staff_audit ORDER BY id")
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn patients_taps_never_open_staff_mode_the_gesture_and_pin_do_and_five_wrong_pins_lock_it_across_a_restart(
) {
    let k = start_kiosk(without_forms());
    // Taps anywhere, a 2.5 s press on the corner, every control of the welcome screen.
    for (x, y) in [(12.0, 12.0), (1268.0, 12.0), (640.0, 400.0), (12.0, 788.0)] {
        press(&k, x, y, Duration::from_millis(150));
    }
    press(&k, 12.0, 12.0, Duration::from_millis(2500));
    assert!(!pin_pad_open(&k), "short presses never open the PIN pad");
    let labels: Vec<String> = k
        .window
        .root_element()
        .query_descendants()
        .match_accessible_role(i_slint_backend_testing::AccessibleRole::Button)
        .find_all()
        .into_iter()
        .filter_map(|e| e.accessible_label().map(|l| l.to_string()))
        .collect();
    assert!(labels.len() >= 4, "{labels:?}");
    for label in labels {
        if let Some(button) = k.find(&label).first() {
            button.invoke_accessible_default_action();
            settle();
        }
        assert!(
            !pin_pad_open(&k) && !k.has_tr("staff.title"),
            "{label} opened staff mode"
        );
        k.controller.borrow_mut().start_over();
        k.controller.borrow_mut().show();
    }

    open_staff_first_time(&k, "2468");
    k.tap_tr("staff.leave");
    assert!(k.has_tr("welcome.check_in"), "back on the patient screens");

    long_press_corner(&k);
    assert!(k.has_tr("staff.pin.title"));
    for attempt in 1..=4 {
        type_pin(&k, "1357");
        let left = 5 - attempt;
        let wrong = k
            .tr("staff.pin.wrong")
            .replace("%{count}", &left.to_string());
        assert!(k.has(&wrong), "attempt {attempt}: {wrong}");
    }
    type_pin(&k, "1357");
    assert!(!k.has_tr("staff.title"));
    assert!(k.find("5").is_empty(), "a locked pad has no keys");
    let wrong = audit_actions(&k)
        .iter()
        .filter(|(a, _)| a == "audit.staff.pin_wrong")
        .count();
    assert_eq!(wrong, 5);
    assert!(audit_actions(&k)
        .iter()
        .any(|(a, _)| a == "audit.staff.locked"));
    // The PIN is stored only as an argon2 hash.
    let stored: String = k
        .db()
        .query_row(
            "SELECT value FROM staff_state WHERE key = 'pin_hash'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(stored.starts_with("$argon2") && !stored.contains("2468"));

    // A restart of the app core on the same database: still locked, even the right PIN.
    let k = k.restart();
    long_press_corner(&k);
    let locked_prefix = k.tr("staff.pin.locked");
    let locked_prefix = locked_prefix.split("%{time}").next().unwrap().to_owned();
    assert!(
        k.visible_texts()
            .iter()
            .any(|t| t.starts_with(&locked_prefix)),
        "the lock survived the restart: {:?}",
        k.visible_texts()
    );
    assert!(k.find("2").is_empty());
    assert!(!k.has_tr("staff.title"));
}

#[test]
fn staff_mode_leaves_itself_after_two_idle_minutes() {
    let k = start_kiosk(without_forms());
    open_staff_first_time(&k, "2468");
    advance(Duration::from_secs(70));
    assert!(
        k.has_tr("staff.title"),
        "still open after the patients' 60 s idle timeout"
    );
    advance(Duration::from_secs(55));
    assert!(!k.has_tr("staff.title"), "closed after 2 minutes idle");
    assert!(k.has_tr("welcome.check_in"));
    assert!(audit_actions(&k)
        .iter()
        .any(|(a, d)| a == "audit.staff.left" && d == "idle"));
}

/// Opens the settings row whose label starts with the setting's name.
fn edit_setting(k: &TestKiosk, key: &str) {
    let name = k.tr(&format!("setting.{key}"));
    let row = k
        .window
        .root_element()
        .query_descendants()
        .match_predicate(move |e| {
            e.accessible_label()
                .is_some_and(|l| l.starts_with(&format!("{name}: ")))
        })
        .find_first()
        .unwrap_or_else(|| panic!("no settings row for {key}"));
    row.invoke_accessible_default_action();
    settle();
}

fn clear_field(k: &TestKiosk, chars: usize) {
    for _ in 0..chars {
        k.tap_tr("keyboard.delete");
    }
}

#[test]
fn a_setting_changed_in_staff_mode_applies_at_once_survives_a_restart_and_is_audited() {
    let k = start_kiosk(without_forms());
    let old_name = k.config.practice_name.clone();
    open_staff_first_time(&k, "2468");
    k.tap_tr("staff.tab.settings");

    // Invalid: an idle timeout of 5 s is refused next to the field, nothing saved.
    edit_setting(&k, "idle_timeout_secs");
    clear_field(&k, 2);
    k.tap("5");
    k.tap_tr("staff.settings.save");
    assert!(
        k.visible_texts()
            .iter()
            .any(|t| t == "Not accepted: 5 is out of range (10 to 3600)"),
        "{:?}",
        k.visible_texts()
    );
    let saved: i64 = k
        .db()
        .query_row("SELECT COUNT(*) FROM settings", [], |r| r.get(0))
        .unwrap();
    assert_eq!(saved, 0);
    k.tap_tr("staff.settings.cancel");

    // Valid: the practice name, typed with shift for the capital.
    edit_setting(&k, "practice_name");
    clear_field(&k, old_name.chars().count());
    for key in ["⇧", "N", "⇧", "o", "r", "t", "h"] {
        k.tap(key);
    }
    k.tap_tr("staff.settings.save");
    assert_eq!(k.window.global::<Kiosk>().get_practice_name(), "North");
    let layer = k.tr("staff.layer.staff");
    assert!(
        k.visible_texts()
            .iter()
            .any(|t| t.contains("North") && t.contains(&layer)),
        "the row shows the new value set by staff"
    );
    assert!(audit_actions(&k).contains(&(
        "audit.settings.changed".to_owned(),
        format!("practice_name: {old_name} -> North")
    )));
    k.tap_tr("staff.leave");
    assert!(k.has("North"), "the welcome screen shows it at once");

    let k = k.restart();
    assert!(k.has("North"), "the saved setting wins after a restart");
    assert!(!k.has(&old_name));
}

#[test]
fn a_help_request_shows_in_staff_mode_and_a_call_moves_the_board_and_the_estimates_behind() {
    let k = start_kiosk(without_forms());
    k.tap_tr("nav.help");
    k.tap_tr("help.ok");
    // A staged morning, plus one more walk-in behind W-002.
    {
        let mut c = k.controller.borrow_mut();
        demo::stage_demo_day(c.service_mut(), test_now()).unwrap();
        c.service_mut()
            .walk_in(
                WalkIn {
                    given_name: "Zed".into(),
                    family_name: "Behind".into(),
                    birth_date: NaiveDate::from_ymd_opt(1990, 1, 1).unwrap(),
                    phone: None,
                    reason: "sick".into(),
                },
                &[],
            )
            .unwrap();
    }
    open_staff_first_time(&k, "2468");
    let help = k.tr("staff.today.help_request");
    let help_rows = k
        .visible_texts()
        .into_iter()
        .filter(|t| t.starts_with(&help))
        .count();
    assert_eq!(
        help_rows, 2,
        "the welcome-screen request and the staged one"
    );

    let arrivals = k.controller.borrow().service().today_arrivals().unwrap();
    let id_of = |ticket: &str| {
        arrivals
            .iter()
            .find(|a| a.ticket == ticket)
            .map(|a| a.check_in_id.clone())
            .unwrap()
    };
    let (w2, w3) = (id_of("W-002"), id_of("W-003"));
    let before = k.controller.borrow().service().estimate_for(&w3).unwrap();
    assert_eq!(before.ahead, 1, "W-002 waits before W-003");

    // W-002's "Call" (the button's callback: the rows below the fold are not on screen).
    k.window
        .global::<StaffAdapter>()
        .invoke_call(w2.as_str().into());
    settle();

    let after = k.controller.borrow().service().estimate_for(&w3).unwrap();
    assert_eq!(after.ahead, 0, "W-003 moved up");
    assert!(after.max_minutes < before.max_minutes);
    assert!(audit_actions(&k).contains(&("audit.today.called".to_owned(), "W-002".to_owned())));
    let called_at: Option<String> = k
        .db()
        .query_row(
            "SELECT called_at FROM check_ins WHERE id = ?1",
            [&w2],
            |r| r.get(0),
        )
        .unwrap();
    assert!(called_at.is_some());

    k.tap_tr("staff.tab.board");
    assert!(k.has("W-002"), "the board shows the call");
    assert!(k.has_tr("board.now_calling"));
}

#[test]
fn the_board_of_the_demo_day_never_shows_a_patient() {
    i_slint_backend_testing::init_no_event_loop();
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_in_dir(dir.path()).unwrap();
    let mut service = CheckInService::new(
        store,
        FixedClock::new(test_now()),
        ServiceConfig::from(&without_forms()),
    );
    service.seed_demo().unwrap();
    demo::stage_demo_day(&mut service, test_now()).unwrap();
    let board = BoardWindow::new().unwrap();
    init_board_window(&board, "en");
    show_board(&board, &service, "Riverside Family Clinic", "en");
    board.show().unwrap();
    settle();
    let texts: Vec<String> = board
        .root_element()
        .query_descendants()
        .match_predicate(|e| e.accessible_label().is_some_and(|l| !l.is_empty()))
        .find_all()
        .into_iter()
        .filter_map(|e| e.accessible_label().map(|l| l.to_string()))
        .collect();
    assert!(texts.iter().any(|t| t == "A-002"), "{texts:?}");
    assert!(texts.iter().any(|t| t == "Now calling"), "{texts:?}");
    // Every name on the roster and in the staged check-ins, whole or as "First I.".
    let mut names: Vec<String> = Vec::new();
    for a in demo::demo_roster(test_now()) {
        names.push(a.patient.given_name.clone());
        names.push(a.patient.family_name.clone());
        names.push(a.patient.display_name());
        names.push(a.patient.birth_date.to_string());
    }
    for a in service.today_arrivals().unwrap() {
        names.push(a.name.clone());
    }
    names.extend(["Walkin".to_owned(), "Second".to_owned()]);
    for text in &texts {
        // Clinicians are not patients (one demo patient shares a first name with one).
        if demo::CLINICIANS.contains(&text.as_str()) {
            continue;
        }
        for name in &names {
            assert!(
                !text.contains(name.as_str()),
                "the board shows patient data: {text:?} contains {name:?}"
            );
        }
    }
}
