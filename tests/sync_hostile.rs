//! A server that answers the roster pull with garbage: missing fields, wrong types, a 50 MB
//! body, HTML, a Bundle whose next link is itself, a link to another server, a cut-off body.
//! Each time the previous roster stays intact, the error is plain and quotes nothing the
//! server sent, and nothing panics. The server here is ours on purpose: a real FHIR server
//! does not send garbage.

use std::time::Duration;

use checkin_kiosk::app::demo;
use checkin_kiosk::store::Store;
use serde_json::json;

use crate::util::fhir::{block_on, sync_config, syncer};
use crate::util::hostile::{hostile, hostile_at, Hostile, Reply};
use crate::util::logs::{assert_no_patient_data, capture_logs, patient_secrets};
use crate::util::test_now;

fn searchset(entries: serde_json::Value, next: Option<String>) -> serde_json::Value {
    let mut b = json!({
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": entries,
    });
    if let Some(next) = next {
        b["link"] = json!([{ "relation": "next", "url": next }]);
    }
    b
}

#[test]
fn hostile_roster_answers_keep_the_previous_roster_and_say_what_was_wrong() {
    let logs = capture_logs();
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("kiosk.db");
    let today = test_now().date();
    let roster = demo::demo_roster(test_now());
    {
        let mut store = Store::open(&db).expect("store");
        store.replace_roster(today, &roster).expect("seed");
    }
    let before = Store::open(&db)
        .expect("store")
        .roster_len(today)
        .expect("len");
    assert!(before > 80);

    let patient_name = demo::people().maria.family_name;
    let cases: Vec<(&str, Hostile, &str)> = vec![
        (
            "an Appointment without status or start, a Patient with a number for a name",
            hostile(Reply::Json(searchset(
                json!([
                    {"resource": {"resourceType": "Appointment", "id": "x1"}},
                    {"resource": {"resourceType": "Patient", "id": "p1", "name": 42,
                                  "birthDate": patient_name}}
                ]),
                None,
            ))),
            "not valid FHIR",
        ),
        (
            "entry is a string",
            hostile(Reply::Json(
                json!({"resourceType": "Bundle", "type": "searchset", "entry": patient_name}),
            )),
            "not valid FHIR",
        ),
        (
            "a 50 MB answer",
            hostile(Reply::Huge {
                size: 50 * 1024 * 1024,
            }),
            "larger than the limit",
        ),
        (
            "an HTML page",
            hostile(Reply::Raw {
                content_type: "text/html",
                body: format!("<html><body>Login for {patient_name}</body></html>").into_bytes(),
            }),
            "not valid FHIR",
        ),
        (
            "a cut-off body",
            hostile(Reply::Truncated {
                promised: 10_000,
                sent: b"{\"resourceType\":\"Bundle\",\"type\":\"sea".to_vec(),
            }),
            "the connection broke",
        ),
        // Links: a next page that is the same page again, and one on another server.
        (
            "a Bundle whose next link is itself",
            hostile_at(|url| {
                Reply::Json(searchset(
                    json!([]),
                    Some(format!("{url}/Appointment?page=2")),
                ))
            }),
            "loop",
        ),
        (
            "a next link to another server",
            hostile(Reply::Json(searchset(
                json!([]),
                Some("http://evil.example.org/fhir/R4/Appointment?page=2".to_owned()),
            ))),
            "another server",
        ),
    ];
    for (what, server, expected) in cases {
        let mut sync = syncer(&db, sync_config(&server.url));
        let err = block_on(sync.pull())
            .err()
            .unwrap_or_else(|| panic!("{what}: accepted"));
        let text = err.to_string();
        assert!(text.contains(expected), "{what}: {text}");
        assert!(
            !text.contains(patient_name),
            "{what}: the error quotes the server: {text}"
        );
        assert_eq!(
            Store::open(&db)
                .expect("store")
                .roster_len(today)
                .expect("len"),
            before,
            "{what}: the previous roster is intact"
        );
    }

    // The running worker tells staff (kept in the database for staff mode) and keeps going.
    let server = hostile(Reply::Raw {
        content_type: "text/html",
        body: b"<html>maintenance</html>".to_vec(),
    });
    let handle =
        checkin_kiosk::sync::spawn(syncer(&db, sync_config(&server.url)), Box::new(|_| {}))
            .expect("worker");
    let mut problem = None;
    for _ in 0..200 {
        problem = Store::open(&db)
            .expect("store")
            .sync_state("pull_problem")
            .expect("state");
        if problem.is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    drop(handle);
    let problem = problem.expect("the worker recorded the problem for staff");
    assert!(
        problem.starts_with("Today's schedule could not be refreshed (the previous one is kept)"),
        "{problem}"
    );
    assert_eq!(
        Store::open(&db)
            .expect("store")
            .roster_len(today)
            .expect("len"),
        before
    );

    assert_no_patient_data("hostile pulls", &logs.text(), &patient_secrets(&[]));
}
