//! Every control on every screen (patient pages, dialogs, forms, staff mode): labelled for
//! screen readers in the current language, at least 60 px each way (PRODUCT.md: touch
//! targets), and inside the window, at both screen sizes, with and without larger text, in
//! every language. Arabic screens are mirrored; the seated layout keeps every control
//! low; the keyboard focus moves in reading order.

use checkin_kiosk::config::Config;
use checkin_kiosk::ui::i18n::{tr, LANGUAGES};
use checkin_kiosk::ui::render::{drive_scene, Look, Scene};
use i_slint_backend_testing::{AccessibleRole, ElementHandle, ElementRoot};
use slint::platform::Key;
use slint::ComponentHandle;

use crate::util::{settle, start_kiosk, TestKiosk};

const MIN_TOUCH_PX: f32 = 60.0;

fn controls(k: &TestKiosk) -> Vec<ElementHandle> {
    settle();
    settle();
    k.window
        .root_element()
        .query_descendants()
        .match_predicate(|e| {
            matches!(
                e.accessible_role(),
                Some(AccessibleRole::Button | AccessibleRole::TextInput)
            )
        })
        .find_all()
}

fn set_size(k: &TestKiosk, width: f32, height: f32) {
    k.window
        .window()
        .set_size(slint::LogicalSize::new(width, height));
    settle();
}

#[test]
fn every_control_is_labelled_big_enough_and_on_screen() {
    let k = start_kiosk(Config::default());
    let mut checked = 0;
    for (width, height) in [(1280.0, 800.0), (800.0, 480.0)] {
        set_size(&k, width, height);
        for large_text in [false, true] {
            for scene in Scene::ALL {
                for lang in LANGUAGES.iter().map(|l| l.code) {
                    let look = Look {
                        large_text,
                        ..Look::default()
                    };
                    drive_scene(&k.controller, *scene, lang, look);
                    settle();
                    let controls = controls(&k);
                    assert!(!controls.is_empty(), "{scene:?}: no controls found");
                    for c in controls {
                        let where_ =
                            format!("{scene:?} {lang} {width}x{height} large={large_text}");
                        let label = c.accessible_label().unwrap_or_default();
                        assert!(!label.trim().is_empty(), "{where_}: a control has no label");
                        if c.accessible_role() == Some(AccessibleRole::TextInput) {
                            assert!(
                                c.accessible_value().is_some(),
                                "{where_}: {label:?} has no value"
                            );
                        }
                        let size = c.size();
                        let pos = c.absolute_position();
                        assert!(
                            size.width >= MIN_TOUCH_PX - 0.5 && size.height >= MIN_TOUCH_PX - 0.5,
                            "{where_}: {label:?} is {}x{} px",
                            size.width,
                            size.height
                        );
                        // Staff lists (arrivals, settings, audit) scroll: a row may continue
                        // below the fold; it must still start on screen.
                        let bottom = if scene.is_staff() {
                            pos.y
                        } else {
                            pos.y + size.height
                        };
                        assert!(
                            pos.x >= -0.5
                                && pos.y >= -0.5
                                && pos.x + size.width <= width + 0.5
                                && bottom <= height + 0.5,
                            "{where_}: {label:?} at {},{} size {}x{} leaves the window",
                            pos.x,
                            pos.y,
                            size.width,
                            size.height
                        );
                        checked += 1;
                    }
                }
            }
        }
    }
    assert!(checked > 5000, "only {checked} controls checked");
}

/// The centre x of the one control labelled `label`.
fn centre_x(k: &TestKiosk, label: &str) -> f32 {
    let found = k.find(label);
    assert_eq!(found.len(), 1, "{label:?}: {} found", found.len());
    found[0].absolute_position().x + found[0].size().width / 2.0
}

#[test]
fn arabic_screens_are_mirrored() {
    let k = start_kiosk(Config::default());
    set_size(&k, 1280.0, 800.0);
    let at = |scene: Scene, lang: &str, key: &str| {
        drive_scene(&k.controller, scene, lang, Look::default());
        centre_x(&k, &tr(lang, key))
    };
    // The main button, Back, Next on the keyboard, and the bottom bar's Help.
    for (scene, key) in [
        (Scene::Welcome, "welcome.check_in"),
        (Scene::IdentifyName, "nav.back"),
        (Scene::IdentifyName, "nav.next"),
        (Scene::Confirm, "nav.help"),
    ] {
        let (en, ar) = (at(scene, "en", key), at(scene, "ar", key));
        assert!(
            (en + ar - 1280.0).abs() < 40.0 && (en - ar).abs() > 100.0,
            "{scene:?} {key}: x {en} in English, {ar} in Arabic: not mirrored"
        );
    }
    // Right-to-left text starts at the right: the question title's left edge moves right.
    drive_scene(&k.controller, Scene::Choose, "en", Look::default());
    let en_cards = centre_x(&k, &tr("en", "choose.appointment"));
    drive_scene(&k.controller, Scene::Choose, "ar", Look::default());
    let ar_cards = centre_x(&k, &tr("ar", "choose.appointment"));
    assert!(
        en_cards < 640.0 && ar_cards > 640.0,
        "{en_cards} / {ar_cards}"
    );
}

#[test]
fn the_seated_layout_keeps_every_control_in_the_lower_part() {
    let k = start_kiosk(Config::default());
    set_size(&k, 1280.0, 800.0);
    let seated = Look {
        seated: true,
        ..Look::default()
    };
    let mut checked = 0;
    for scene in Scene::ALL
        .iter()
        .filter(|s| !s.is_staff() && **s != Scene::Board)
    {
        for lang in ["en", "ar"] {
            drive_scene(&k.controller, *scene, lang, seated);
            for c in controls(&k) {
                let pos = c.absolute_position();
                let label = c.accessible_label().unwrap_or_default();
                assert!(
                    pos.y >= 800.0 * 0.3 - 0.5 && pos.y + c.size().height <= 800.5,
                    "{scene:?} {lang}: {label:?} at y {} is out of a seated patient's reach",
                    pos.y
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 300, "only {checked} controls checked");
    // Without it, the top of the screen is used.
    drive_scene(&k.controller, Scene::IdentifyName, "en", Look::default());
    let top = controls(&k)
        .iter()
        .map(|c| c.absolute_position().y)
        .fold(f32::MAX, f32::min);
    assert!(
        top < 800.0 * 0.3,
        "the normal layout starts at the top ({top})"
    );
}

/// Tab from the top of the screen through every control once: (label, x, y) in order.
fn tab_cycle(k: &TestKiosk) -> Vec<(String, f32, f32)> {
    let mut seen: Vec<(String, f32, f32)> = Vec::new();
    for _ in 0..60 {
        k.press(Key::Tab);
        let (label, (x, y)) = {
            let c = k.controller.borrow();
            let (l, at) = c.focused();
            (l.to_owned(), at)
        };
        // Back at the first control (a scrolled form moves it up, so y may differ).
        if seen
            .first()
            .is_some_and(|f| f.0 == label && (f.1 - x).abs() < 1.0)
        {
            return seen;
        }
        seen.push((label, x, y));
    }
    panic!("Tab never came back to the first control: {seen:?}");
}

#[test]
fn the_focus_moves_in_reading_order_over_every_control() {
    let k = start_kiosk(Config::default());
    set_size(&k, 1280.0, 800.0);
    for scene in [
        Scene::Choose,
        Scene::Confirm,
        Scene::FormSingle,
        Scene::FormYesNo,
        Scene::Done,
        Scene::Options,
    ] {
        for lang in ["en", "ar"] {
            drive_scene(&k.controller, scene, lang, Look::default());
            k.controller.borrow_mut().show();
            let cycle = tab_cycle(&k);
            let where_ = format!("{scene:?} {lang}");
            // Every control on screen, once (a dialog: only its own).
            let on_screen: Vec<String> = controls(&k)
                .iter()
                .filter(|c| c.accessible_role() == Some(AccessibleRole::Button))
                .filter_map(|c| c.accessible_label().map(|l| l.to_string()))
                .collect();
            for (label, _, _) in &cycle {
                assert!(
                    on_screen.contains(label),
                    "{where_}: {label:?} is not on screen"
                );
            }
            if scene != Scene::Options {
                assert_eq!(cycle.len(), on_screen.len(), "{where_}: {cycle:?}");
            }
            // Side by side: in reading order (left to right, or right to left in Arabic).
            // One above the other: top to bottom.
            for pair in cycle.windows(2) {
                let ((a, ax, ay), (b, bx, by)) = (&pair[0], &pair[1]);
                if (ay - by).abs() < 2.0 {
                    let forward = if lang == "ar" { bx < ax } else { bx > ax };
                    assert!(forward, "{where_}: {a:?} then {b:?} goes against reading");
                } else if (ax - bx).abs() < 2.0 {
                    assert!(by > ay, "{where_}: {a:?} then {b:?} goes up");
                }
            }
        }
    }
}
