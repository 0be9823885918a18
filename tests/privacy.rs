//! No patient name, birth date or phone number in the logs of full check-ins, at the most
//! verbose level.

use crate::util::logs::capture_logs;
use crate::util::{start_kiosk, without_forms};

#[test]
fn full_check_ins_log_no_patient_data_at_trace_level() {
    let captured = capture_logs();

    let k = start_kiosk(without_forms());
    // An appointment, found by a misspelt-accent name, checked in.
    k.identify("MUNOZ", "03091984");
    k.tap_tr("confirm.yes");
    k.tap_tr("done.finish");
    // A failed attempt.
    k.tap_tr("welcome.check_in");
    k.tap_tr("choose.appointment");
    k.type_keys("OBRIENSMITH");
    k.tap_tr("nav.next");
    k.type_keys("01011900");
    k.tap_tr("nav.next");
    k.tap_tr("desk.ok");
    // A walk-in with a phone number.
    k.tap_tr("welcome.check_in");
    k.tap_tr("choose.walk_in");
    k.tap_tr("walkin.reason.injury");
    k.type_keys("ZELDA");
    k.tap_tr("nav.next");
    k.type_keys("QUIXOTE");
    k.tap_tr("nav.next");
    k.type_keys("05211979");
    k.tap_tr("nav.next");
    k.type_keys("5550142999");
    k.tap_tr("nav.next");
    assert!(k.has_tr("done.title"));
    assert_eq!(k.count("check_ins"), 2);

    let logs = captured.text();
    assert!(
        logs.lines().count() >= 3,
        "the check-ins should have logged something:\n{logs}"
    );
    for secret in [
        "Muñoz",
        "MUNOZ",
        "Munoz",
        "munoz",
        "María",
        "1984-03-09",
        "1984",
        "O'Brien",
        "obrien",
        "OBRIENSMITH",
        "Zelda",
        "ZELDA",
        "Quixote",
        "1979",
        "5550142999",
        "injury",
    ] {
        assert!(
            !logs.contains(secret),
            "log output contains {secret:?}:\n{logs}"
        );
    }
}
