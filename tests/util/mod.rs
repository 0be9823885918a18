//! Helpers: a kiosk on a real SQLite file in a temp dir, driven through Slint's testing
//! backend by accessible labels, the way a screen reader or a patient would.

#![allow(dead_code)]

pub mod fhir;
pub mod hostile;
pub mod logs;

use std::cell::RefCell;
use std::path::PathBuf;
use std::rc::Rc;
use std::time::Duration;

use checkin_kiosk::app::{CheckInService, FixedClock, ServiceConfig};
use checkin_kiosk::config::{Config, ConfigLayers};
use checkin_kiosk::store::Store;
use checkin_kiosk::ui::staff::StaffSetup;
use checkin_kiosk::ui::{connect, Controller, UiSettings};
use checkin_kiosk::MainWindow;
use chrono::{NaiveDate, NaiveDateTime};
use i_slint_backend_testing::{ElementHandle, ElementRoot};
use slint::ComponentHandle;

pub struct TestKiosk {
    pub window: MainWindow,
    pub controller: Rc<RefCell<Controller<FixedClock>>>,
    pub dir: tempfile::TempDir,
    /// The configuration the kiosk started with (staff settings go on top of it).
    pub config: Config,
}

/// Mid-morning on a fixed day: the demo practice is laid out around it.
pub fn test_now() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 11, 23)
        .and_then(|d| d.and_hms_opt(10, 0, 0))
        .expect("valid test time")
}

/// The default configuration with no intake forms: for tests of the identification flow.
pub fn without_forms() -> Config {
    Config {
        forms: checkin_kiosk::config::FormsConfig::none(),
        ..Config::default()
    }
}

pub fn settings(config: &Config) -> UiSettings {
    UiSettings::from(config)
}

/// A kiosk with the demo practice, on a fresh database file, shown in the testing backend.
pub fn start_kiosk(config: Config) -> TestKiosk {
    i_slint_backend_testing::init_no_event_loop();
    start_kiosk_on_current_platform(config)
}

pub fn start_kiosk_on_current_platform(config: Config) -> TestKiosk {
    let dir = tempfile::tempdir().expect("temp dir");
    open_kiosk(config, dir)
}

/// The kiosk on the database in `dir`, started the way `main` starts it: the settings staff
/// saved there go on top of `config`.
fn open_kiosk(config: Config, dir: tempfile::TempDir) -> TestKiosk {
    open_kiosk_with(config, dir, |_| {})
}

/// A kiosk whose Read aloud writes one WAV file per utterance into `wav_dir` with the real
/// espeak-ng (instead of playing it).
pub fn start_kiosk_speaking(config: Config, wav_dir: &std::path::Path) -> TestKiosk {
    i_slint_backend_testing::init_no_event_loop();
    let dir = tempfile::tempdir().expect("temp dir");
    let output = checkin_kiosk::speech::Output::WavFiles(wav_dir.to_owned());
    open_kiosk_with(config, dir, move |s| s.speech.output = output)
}

fn open_kiosk_with(
    config: Config,
    dir: tempfile::TempDir,
    adjust: impl FnOnce(&mut UiSettings),
) -> TestKiosk {
    let store = Store::open_in_dir(dir.path()).expect("open store");
    let layers = ConfigLayers::over(config.clone());
    let (effective, problems) = layers.resolve(&store.settings().expect("saved settings"));
    assert!(problems.is_empty(), "{problems:?}");
    let mut service = CheckInService::new(
        store,
        FixedClock::new(test_now()),
        ServiceConfig::from(&effective),
    );
    service.seed_demo().expect("seed demo");
    let window = MainWindow::new().expect("window");
    let mut ui_settings = settings(&effective);
    adjust(&mut ui_settings);
    let controller = connect(&window, service, ui_settings);
    controller.borrow_mut().set_staff_setup(StaffSetup {
        layers,
        config: effective,
        sync: None,
    });
    window.show().expect("show");
    settle();
    TestKiosk {
        window,
        controller,
        dir,
        config,
    }
}

impl TestKiosk {
    /// The app core stops and starts again on the same database file (same clock time).
    pub fn restart(self) -> TestKiosk {
        let TestKiosk {
            window,
            controller,
            dir,
            config,
        } = self;
        let _closed = window.hide();
        drop(controller);
        drop(window);
        open_kiosk(config, dir)
    }

    pub fn db_path(&self) -> PathBuf {
        self.dir.path().join("kiosk.db")
    }

    /// A second, independent connection to the database file the kiosk wrote.
    pub fn db(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(self.db_path()).expect("open db file")
    }

    pub fn count(&self, table: &str) -> i64 {
        self.db()
            .query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
            .expect("count")
    }

    /// All elements with this accessible label that are currently on screen.
    pub fn find(&self, label: &str) -> Vec<ElementHandle> {
        settle();
        ElementHandle::find_by_accessible_label(&self.window, label).collect()
    }

    pub fn has(&self, label: &str) -> bool {
        !self.find(label).is_empty()
    }

    /// Taps the one control with this label (fails when there is none or several).
    pub fn tap(&self, label: &str) {
        let found = self.find(label);
        assert_eq!(
            found.len(),
            1,
            "expected exactly one control labelled {label:?}, found {}",
            found.len()
        );
        found[0].invoke_accessible_default_action();
        settle();
    }

    /// Types on the on-screen keyboard or keypad, key by key.
    pub fn type_keys(&self, text: &str) {
        for c in text.chars() {
            let label = if c == ' ' {
                self.tr("keyboard.space")
            } else {
                c.to_uppercase().to_string()
            };
            self.tap(&label);
        }
    }

    /// A physical key (keyboard or accessible keypad), pressed and released.
    pub fn press(&self, key: impl Into<slint::SharedString>) {
        use slint::platform::WindowEvent;
        let text = key.into();
        self.window
            .window()
            .dispatch_event(WindowEvent::KeyPressed { text: text.clone() });
        self.window
            .window()
            .dispatch_event(WindowEvent::KeyReleased { text });
        settle();
        settle();
    }

    /// Types text on the physical keyboard, one key per character.
    pub fn type_physical(&self, text: &str) {
        for c in text.chars() {
            self.press(c.to_string());
        }
    }

    /// The label of the control that has the keyboard focus.
    pub fn focused(&self) -> String {
        settle();
        self.controller.borrow().focused().0.to_owned()
    }

    /// Presses `key` (an arrow or Tab) until the control labelled `label` has the focus.
    pub fn focus_on(&self, key: slint::platform::Key, label: &str) {
        for _ in 0..80 {
            self.press(key);
            if self.focused() == label {
                return;
            }
        }
        panic!(
            "{label:?} never got the keyboard focus (last: {:?})",
            self.focused()
        );
    }

    /// From the welcome screen: "I have an appointment", the family name and the birth date
    /// (digits in the language's order) typed on the keyboards.
    pub fn identify(&self, family: &str, birth_digits: &str) {
        self.tap_tr("welcome.check_in");
        self.tap_tr("choose.appointment");
        self.type_keys(family);
        self.tap_tr("nav.next");
        assert!(
            self.has_tr("identify.birth_date"),
            "the birth date page follows the name"
        );
        self.type_keys(birth_digits);
        self.tap_tr("nav.next");
    }

    pub fn tr(&self, key: &str) -> String {
        let lang = self.controller.borrow().session().language.clone();
        checkin_kiosk::ui::i18n::tr(&lang, key)
    }

    /// Taps the control whose label is the translation of `key` in the current language.
    pub fn tap_tr(&self, key: &str) {
        let label = self.tr(key);
        self.tap(&label);
    }

    pub fn has_tr(&self, key: &str) -> bool {
        self.has(&self.tr(key))
    }

    /// Every label and text visible right now.
    pub fn visible_texts(&self) -> Vec<String> {
        settle();
        self.window
            .root_element()
            .query_descendants()
            .match_predicate(|e| e.accessible_label().is_some_and(|l| !l.is_empty()))
            .find_all()
            .into_iter()
            .filter_map(|e| e.accessible_label().map(|l| l.to_string()))
            .collect()
    }
}

/// Lets Slint instantiate newly shown pages and run change handlers.
pub fn settle() {
    i_slint_backend_testing::mock_elapsed_time(Duration::from_millis(1));
}

pub fn advance(d: Duration) {
    i_slint_backend_testing::mock_elapsed_time(d);
}
