//! Sync against the real FHIR test peer (Medplum's router): the demo practice loaded into
//! it, an empty kiosk pulls the roster, three patients check in while the server is down,
//! and all three arrive exactly once when it is back, even after forced retries.

use checkin_kiosk::app::{
    demo, CheckInService, ConfirmOutcome, FixedClock, Identification, ServiceConfig,
};
use checkin_kiosk::config::Config;
use checkin_kiosk::domain::{AppointmentStatus, ArrivalWindow, WalkIn};
use checkin_kiosk::store::Store;
use serde_json::Value;

use crate::util::fhir::{
    block_on, count_by_identifier, demo_bundle_file, desk_edit, get_json, history, sync_config,
    syncer, NodePeer,
};
use crate::util::logs::{assert_no_patient_data, capture_logs, patient_secrets};
use crate::util::test_now;

fn service(db: &std::path::Path) -> CheckInService<FixedClock> {
    let mut config = ServiceConfig::from(&Config::default());
    config.arrival = ArrivalWindow {
        early_minutes: 720,
        late_minutes: 720,
        desk_only_types: Vec::new(),
    };
    CheckInService::new(
        Store::open(db).expect("store"),
        FixedClock::new(test_now()),
        config,
    )
}

fn ticket(outcome: ConfirmOutcome) {
    assert!(
        matches!(outcome, ConfirmOutcome::CheckedIn(_)),
        "{outcome:?}"
    );
}

fn found(i: Identification) -> String {
    match i {
        Identification::Found(v) => v.appointment_id,
        other => panic!("not found: {other:?}"),
    }
}

fn outbox_ids(db: &std::path::Path) -> Vec<(String, String, Option<String>)> {
    let c = rusqlite::Connection::open(db).expect("db");
    let mut st = c
        .prepare(
            "SELECT o.id, o.state, c.appointment_id FROM outbox o JOIN check_ins c ON c.id = o.check_in_id
             ORDER BY o.rowid",
        )
        .expect("prepare");
    let rows = st
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .expect("query");
    rows.map(|r| r.expect("row")).collect()
}

#[test]
fn offline_check_ins_arrive_exactly_once_when_the_server_is_back() {
    let logs = capture_logs();
    let dir = tempfile::tempdir().expect("tmp");
    let bundle = demo_bundle_file(dir.path());
    let state = dir.path().join("server-state.json");
    let mut server = NodePeer::server(Some(&bundle), Some(&state), 0);
    let base = server.url.clone();
    let db = dir.path().join("kiosk.db");

    // An empty kiosk pulls today's roster.
    let mut sync = syncer(&db, sync_config(&base));
    let pulled = block_on(sync.pull()).expect("pull");
    assert_eq!(pulled.appointments, 86, "87 booked minus the cancelled one");
    let mut kiosk = service(&db);
    assert_eq!(
        kiosk.store().roster_len(test_now().date()).expect("len"),
        86
    );

    // The server goes away; three patients check in: by name, by scan, and a walk-in.
    server.stop();
    let p = demo::people();
    let maria = found(
        kiosk
            .identify("munoz", p.maria.birth_date)
            .expect("identify"),
    );
    ticket(kiosk.confirm(&maria, &[]).expect("confirm"));
    let thanh = found(kiosk.identify_by_scan(p.thanh.code).expect("scan"));
    ticket(kiosk.confirm(&thanh, &[]).expect("confirm"));
    kiosk
        .walk_in(
            WalkIn {
                given_name: "Zelda".into(),
                family_name: "Quixote".into(),
                birth_date: chrono::NaiveDate::from_ymd_opt(1979, 5, 21).expect("date"),
                phone: Some("5550142999".into()),
                reason: "injury".into(),
            },
            &[],
        )
        .expect("walk-in");
    let pushed = block_on(sync.push_batch());
    assert!(
        pushed.as_ref().is_err_and(|e| e.is_transient()),
        "server down: {pushed:?}"
    );
    let c = kiosk.store().outbox_counts().expect("counts");
    assert_eq!(
        (c.pending, c.sent, c.failed),
        (3, 0, 0),
        "nothing lost, nothing failed"
    );

    // Back on the same port with the same data: everything goes, in one transaction.
    let server = NodePeer::server(None, Some(&state), server.port());
    assert_eq!(server.url, base);
    let report = block_on(sync.push_batch()).expect("push");
    assert_eq!((report.sent, report.failed), (3, 0));
    let c = kiosk.store().outbox_counts().expect("counts");
    assert_eq!((c.pending, c.sent, c.failed), (0, 3, 0));

    // Forced retries, as after an answer lost on the way back: the items are pending again
    // and pushed twice more (the second time with the kiosk's cache of versions cold).
    let rows = outbox_ids(&db);
    let raw = rusqlite::Connection::open(&db).expect("db");
    for _ in 0..2 {
        raw.execute("UPDATE outbox SET state = 'pending'", [])
            .expect("reset");
        let report = block_on(sync.push_batch()).expect("push again");
        assert_eq!(report.sent, 3);
        sync = syncer(&db, sync_config(&base));
    }

    // Read back from the server.
    for appt in [&maria, &thanh] {
        let a = get_json(&format!("{base}/Appointment/{appt}"));
        assert_eq!(a["status"], "arrived", "{appt}");
        // The PUT kept what the server had: both identifiers, the type, the participants.
        assert_eq!(a["identifier"].as_array().map(Vec::len), Some(2));
        assert!(a["appointmentType"]["coding"][0]["code"].is_string());
        assert_eq!(a["participant"].as_array().map(Vec::len), Some(2));
        // Exactly one change since the restart: booked -> arrived (history restarts with
        // the server; the replays changed nothing).
        let versions = history(&base, "Appointment", appt);
        let arrived = versions.iter().filter(|v| v["status"] == "arrived").count();
        assert_eq!(arrived, 1, "{appt}: {versions:?}");
    }
    let walk_in = rows
        .iter()
        .find(|(_, _, appointment)| appointment.is_none())
        .map(|(id, _, _)| id.clone())
        .expect("walk-in row");
    assert_eq!(
        count_by_identifier(&base, "Patient", &walk_in),
        1,
        "one Patient"
    );
    assert_eq!(count_by_identifier(&base, "Appointment", &walk_in), 1);
    let patients = get_json(&format!(
        "{base}/Patient?identifier={}|{walk_in}",
        checkin_kiosk::fhir::mapping::kiosk_system(crate::util::fhir::KIOSK_ID)
    ));
    let patient = &patients["entry"][0]["resource"];
    assert_eq!(patient["name"][0]["family"], "Quixote");
    assert_eq!(patient["birthDate"], "1979-05-21");
    let appts = get_json(&format!(
        "{base}/Appointment?identifier={}|{walk_in}",
        checkin_kiosk::fhir::mapping::kiosk_system(crate::util::fhir::KIOSK_ID)
    ));
    let walk_in_appt = &appts["entry"][0]["resource"];
    assert_eq!(walk_in_appt["status"], "arrived");
    let patient_ref = format!("Patient/{}", patient["id"].as_str().expect("id"));
    assert_eq!(
        walk_in_appt["participant"][0]["actor"]["reference"],
        Value::from(patient_ref)
    );

    // The next pull sees the arrivals; the local statuses follow.
    block_on(sync.pull()).expect("pull again");
    let store = kiosk.store();
    for id in [&maria, &thanh] {
        assert_eq!(
            store.appointment(id).expect("read").expect("there").status,
            AppointmentStatus::Arrived
        );
    }

    let secrets = patient_secrets(&["Zelda", "Quixote", "1979-05-21", "5550142999"]);
    assert_no_patient_data("kiosk", &logs.text(), &secrets);
    assert_no_patient_data("server", &server.log_text(), &secrets);
}

#[test]
fn a_desk_change_meanwhile_is_re_read_not_overwritten_and_statuses_follow_the_server() {
    let dir = tempfile::tempdir().expect("tmp");
    let bundle = demo_bundle_file(dir.path());
    let server = NodePeer::server(Some(&bundle), None, 0);
    let base = server.url.clone();
    let db = dir.path().join("kiosk.db");
    let mut sync = syncer(&db, sync_config(&base));
    block_on(sync.pull()).expect("pull");
    let mut kiosk = service(&db);
    let p = demo::people();
    let maria = found(
        kiosk
            .identify("munoz", p.maria.birth_date)
            .expect("identify"),
    );

    // The desk edits María's appointment after the kiosk read it: the kiosk's version is old.
    desk_edit(&base, &maria, |a| {
        a["comment"] = "insurance card checked".into()
    });
    ticket(kiosk.confirm(&maria, &[]).expect("confirm"));
    let report = block_on(sync.push_batch()).expect("push");
    assert_eq!((report.sent, report.conflicts), (1, 1), "{report:?}");
    let a = get_json(&format!("{base}/Appointment/{maria}"));
    assert_eq!(a["status"], "arrived");
    assert_eq!(
        a["comment"], "insurance card checked",
        "the desk's change is kept"
    );

    // The server cancels one appointment and closes another: the pull follows.
    let roster = kiosk.store();
    let today = test_now().date();
    let sean = roster
        .find_by_code(today, p.sean.code)
        .expect("find")
        .expect("sean");
    let jose = roster
        .find_by_code(today, p.jose_garcia.code)
        .expect("find")
        .expect("jose");
    desk_edit(&base, &sean.id, |a| a["status"] = "cancelled".into());
    desk_edit(&base, &jose.id, |a| a["status"] = "fulfilled".into());
    block_on(sync.pull()).expect("pull");
    assert!(
        kiosk.store().appointment(&sean.id).expect("read").is_none(),
        "gone"
    );
    assert_eq!(
        kiosk
            .store()
            .appointment(&jose.id)
            .expect("read")
            .expect("kept")
            .status,
        AppointmentStatus::Fulfilled
    );

    // A check-in whose appointment the server cancelled after the pull: failed, with a
    // reason for staff; nothing sent for it.
    let ana = found(
        kiosk
            .identify("garcia", p.ana_garcia.birth_date)
            .expect("identify"),
    );
    desk_edit(&base, &ana, |a| a["status"] = "cancelled".into());
    ticket(kiosk.confirm(&ana, &[]).expect("confirm"));
    let mut fresh = syncer(&db, sync_config(&base));
    let report = block_on(fresh.push_batch()).expect("push");
    assert_eq!((report.sent, report.failed), (0, 1));
    let reason: String = rusqlite::Connection::open(&db)
        .expect("db")
        .query_row(
            "SELECT last_error FROM outbox WHERE state = 'failed'",
            [],
            |r| r.get(0),
        )
        .expect("reason");
    assert!(reason.contains("cancelled"), "{reason}");
    assert_eq!(
        get_json(&format!("{base}/Appointment/{ana}"))["status"],
        "cancelled",
        "not overwritten"
    );
}
