//! The check-in and its outbox row are one transaction on the real database file.

use checkin_kiosk::app::{
    CheckInService, ConfirmOutcome, FixedClock, Identification, ServiceConfig,
};
use checkin_kiosk::config::Config;
use checkin_kiosk::store::{DatabaseKey, Store, StoreError};

use crate::util::test_now;

fn count(db: &rusqlite::Connection, table: &str) -> i64 {
    db.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
        .expect("count")
}

#[test]
fn a_failure_between_check_in_and_outbox_leaves_neither_row() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open_in_dir(dir.path()).expect("store");
    let mut service = CheckInService::new(
        store,
        FixedClock::new(test_now()),
        ServiceConfig::from(&Config::default()),
    );
    service.seed_demo().expect("demo");
    let maria = checkin_kiosk::app::demo::people().maria;
    let Identification::Found(view) = service
        .identify("munoz", maria.birth_date)
        .expect("identify")
    else {
        panic!("María should be found");
    };

    // A real fault inside SQLite, after the check-in row is written: the outbox insert aborts.
    let db = rusqlite::Connection::open(dir.path().join("kiosk.db")).expect("second connection");
    db.execute_batch("CREATE TRIGGER fail_outbox BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, 'forced'); END;")
        .expect("trigger");
    assert!(
        service.confirm(&view.appointment_id, &[]).is_err(),
        "the forced failure must surface"
    );
    assert_eq!(
        count(&db, "check_ins"),
        0,
        "no check-in without its outbox row"
    );
    assert_eq!(count(&db, "outbox"), 0);

    // Nothing was half-done: with the fault gone the same patient checks in, ticket A-001.
    db.execute_batch("DROP TRIGGER fail_outbox;")
        .expect("drop trigger");
    match service.confirm(&view.appointment_id, &[]).expect("confirm") {
        ConfirmOutcome::CheckedIn(ticket) => assert_eq!(ticket.ticket, "A-001"),
        ConfirmOutcome::SeeDesk(r) => panic!("unexpected desk: {r:?}"),
    }
    assert_eq!(count(&db, "check_ins"), 1);
    assert_eq!(count(&db, "outbox"), 1);
    let mode: String = db
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .expect("mode");
    assert_eq!(mode, "wal");
}

/// Every byte the database left on disk: the file, its WAL and shared memory.
fn bytes_on_disk(dir: &std::path::Path) -> Vec<u8> {
    let mut all = Vec::new();
    for name in ["kiosk.db", "kiosk.db-wal", "kiosk.db-shm"] {
        if let Ok(b) = std::fs::read(dir.join(name)) {
            all.extend(b);
        }
    }
    all
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

/// María checks in as a walk-in (so her name is written by the check-in itself) and the
/// kiosk is closed.
fn walk_in_maria(store: Store) {
    let mut service = CheckInService::new(
        store,
        FixedClock::new(test_now()),
        ServiceConfig::from(&Config::default()),
    );
    let maria = checkin_kiosk::app::demo::people().maria;
    service
        .walk_in(
            checkin_kiosk::domain::WalkIn {
                given_name: maria.given_name.into(),
                family_name: "Zyxwunderlich".into(),
                birth_date: maria.birth_date,
                phone: Some("5550142999".into()),
                reason: "injury".into(),
            },
            &[],
        )
        .expect("walk-in");
}

fn key() -> DatabaseKey {
    DatabaseKey::parse(&"3f".repeat(32)).expect("key")
}

#[test]
fn an_encrypted_database_holds_no_patient_data_in_plain_bytes() {
    // Control: without a key the same check-in is readable in the file.
    let plain = tempfile::tempdir().expect("dir");
    walk_in_maria(Store::open_in_dir(plain.path()).expect("store"));
    let bytes = bytes_on_disk(plain.path());
    assert!(contains(&bytes, "Zyxwunderlich") && contains(&bytes, "5550142999"));

    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("kiosk.db");
    walk_in_maria(Store::open_keyed(&path, Some(&key())).expect("encrypted store"));
    let bytes = bytes_on_disk(dir.path());
    assert!(bytes.len() > 4096, "something was written");
    for secret in [
        "Zyxwunderlich",
        "María",
        "5550142999",
        "1984-03-09",
        "SQLite format 3",
    ] {
        assert!(!contains(&bytes, secret), "{secret:?} readable on disk");
    }
    // The right key reads it back.
    let store = Store::open_keyed(&path, Some(&key())).expect("reopen with the key");
    assert_eq!(store.check_in_count().expect("count"), 1);
}

#[test]
fn a_wrong_or_missing_key_is_refused_and_the_file_left_untouched() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("kiosk.db");
    walk_in_maria(Store::open_keyed(&path, Some(&key())).expect("encrypted store"));
    let before = bytes_on_disk(dir.path());

    let wrong = DatabaseKey::parse(&"00".repeat(32)).expect("key");
    let err = Store::open_keyed(&path, Some(&wrong))
        .err()
        .expect("refused");
    assert!(matches!(err, StoreError::WrongKey { .. }), "{err:?}");
    assert!(err.to_string().contains("left untouched"), "{err}");
    // Through the start-up path too: a wrong key is not "damage" to quarantine.
    let err = Store::open_or_quarantine(&path, Some(&wrong), test_now())
        .err()
        .expect("refused at start-up");
    assert!(matches!(err, StoreError::WrongKey { .. }), "{err:?}");
    assert_eq!(bytes_on_disk(dir.path()), before, "not a byte changed");
    assert_eq!(
        std::fs::read_dir(dir.path()).expect("ls").count(),
        before_files(dir.path()),
        "no quarantine copy, no new file"
    );

    // A key file that is gone stops the start with a message, before the database.
    let missing = DatabaseKey::from_file(&dir.path().join("no-such-key")).unwrap_err();
    assert!(missing.to_string().contains("will not start"), "{missing}");

    // A plain database where an encrypted one is expected is not silently used.
    let plain = tempfile::tempdir().expect("dir");
    walk_in_maria(Store::open_in_dir(plain.path()).expect("store"));
    let err = Store::open_keyed(&plain.path().join("kiosk.db"), Some(&key()))
        .err()
        .expect("refused");
    assert!(matches!(err, StoreError::NotEncrypted { .. }), "{err:?}");
}

fn before_files(dir: &std::path::Path) -> usize {
    ["kiosk.db", "kiosk.db-wal", "kiosk.db-shm"]
        .iter()
        .filter(|n| dir.join(n).exists())
        .count()
}

#[test]
fn a_corrupted_database_is_set_aside_and_the_kiosk_starts_and_tells_staff() {
    use checkin_kiosk::ui::{connect, UiSettings};
    use checkin_kiosk::MainWindow;
    use slint::ComponentHandle;

    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("kiosk.db");
    let damaged = b"half a database, then the power went".repeat(300);
    std::fs::write(&path, &damaged).expect("write");

    // The start-up path of `checkin-kiosk run`.
    let opened = Store::open_or_quarantine(&path, None, test_now()).expect("starts");
    let aside = opened.quarantined.expect("reported as quarantined");
    assert_eq!(
        std::fs::read(&aside).expect("kept"),
        damaged,
        "nothing deleted"
    );
    i_slint_backend_testing::init_no_event_loop();
    let config = Config::default();
    let mut service = CheckInService::new(
        opened.store,
        FixedClock::new(test_now()),
        ServiceConfig::from(&config),
    );
    service.seed_demo().expect("demo");
    let window = MainWindow::new().expect("window");
    let controller = connect(&window, service, UiSettings::from(&config));
    controller
        .borrow_mut()
        .set_staff_alert("staff.database_quarantined");
    window.show().expect("show");
    crate::util::settle();
    let texts: Vec<String> = i_slint_backend_testing::ElementHandle::find_by_accessible_label(
        &window,
        &checkin_kiosk::ui::i18n::tr("en", "staff.database_quarantined"),
    )
    .map(|e| e.accessible_label().unwrap_or_default().to_string())
    .collect();
    assert_eq!(texts.len(), 1, "staff see the alert on the welcome screen");
    assert!(
        !i_slint_backend_testing::ElementHandle::find_by_accessible_label(
            &window,
            &checkin_kiosk::ui::i18n::tr("en", "welcome.check_in"),
        )
        .collect::<Vec<_>>()
        .is_empty(),
        "and patients can check in"
    );
}
