//! The check-in and its outbox row are one transaction on the real database file.

use checkin_kiosk::app::{
    CheckInService, ConfirmOutcome, FixedClock, Identification, ServiceConfig,
};
use checkin_kiosk::config::Config;
use checkin_kiosk::store::Store;

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
