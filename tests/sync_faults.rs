//! 200 check-ins pushed through our fault proxy while it injects every fault kind at random
//! (delays, resets, 500/503/408, 429 with Retry-After, truncated answers; before or after
//! the server did the work): none lost, none twice on the server, every item sent or failed
//! with a reason; and while every request fails, the worker backs off instead of storming.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use checkin_kiosk::domain::{AppointmentStatus, CheckInKind, CheckInState, WalkIn};
use checkin_kiosk::store::{NewCheckIn, NewResponse, Store};
use checkin_kiosk::sync::{self, SyncStatus};
use serde_json::json;

use crate::util::fhir::{
    block_on, count_by_identifier, demo_bundle_file, get_json, history, post, sync_config, syncer,
    NodePeer,
};
use crate::util::logs::{assert_no_patient_data, capture_logs, patient_secrets};
use crate::util::test_now;

const CHECK_INS: usize = 200;

struct Made {
    outbox_id: String,
    appointment: Option<String>,
    responses: Vec<String>,
}

fn walk_in_name(i: usize) -> (String, String) {
    let letters: String = format!("{i:03}")
        .chars()
        .map(|d| char::from(b'a' + d.to_digit(10).unwrap_or(0) as u8))
        .collect();
    (format!("Wanda{letters}"), format!("Faultline{letters}"))
}

#[test]
fn two_hundred_check_ins_through_random_faults_none_lost_none_twice() {
    let logs = capture_logs();
    let started = Instant::now();
    let dir = tempfile::tempdir().expect("tmp");
    let server = NodePeer::server(Some(&demo_bundle_file(dir.path())), None, 0);
    // Delay faults of 0.4 s (not 0.5-3 s) keep the test short; every other kind as is.
    let proxy = NodePeer::proxy(&server, 20261123, 0.0, &["--delay-ms", "400"]);
    let base = server.url.clone();
    let via_proxy = format!("{}/fhir/R4", proxy.url);
    let db = dir.path().join("kiosk.db");

    // The roster, through the (quiet) proxy.
    let mut config = sync_config(&via_proxy);
    config.batch_size = 20;
    config.backoff = checkin_kiosk::sync::Backoff {
        base: Duration::from_millis(50),
        cap: Duration::from_millis(600),
    };
    let mut first = syncer(&db, config.clone());
    block_on(first.pull()).expect("pull");
    drop(first);

    // 200 check-ins: every bookable appointment, then walk-ins; every third with a form.
    let mut store = Store::open(&db).expect("store");
    let today = test_now().date();
    let booked: Vec<String> = checkin_kiosk::app::demo::demo_roster(test_now())
        .into_iter()
        .filter_map(|a| store.find_by_code(today, &a.code).ok().flatten())
        .filter(|a| a.status == AppointmentStatus::Booked)
        .map(|a| a.id)
        .collect();
    assert!(booked.len() > 40, "{}", booked.len());
    let mut made = Vec::new();
    let mut names = Vec::new();
    for i in 0..CHECK_INS {
        let kind = match booked.get(i) {
            Some(id) => CheckInKind::Appointment {
                appointment_id: id.clone(),
            },
            None => {
                let (given, family) = walk_in_name(i);
                names.push(given.clone());
                names.push(family.clone());
                CheckInKind::WalkIn(WalkIn {
                    given_name: given,
                    family_name: family,
                    birth_date: chrono::NaiveDate::from_ymd_opt(
                        1970 + (i % 40) as i32,
                        1 + (i % 12) as u32,
                        1 + (i % 28) as u32,
                    )
                    .expect("date"),
                    phone: (i % 2 == 0).then(|| format!("55501{i:05}")),
                    reason: "sick".into(),
                })
            }
        };
        let responses: Vec<NewResponse> = if i % 3 == 0 {
            vec![NewResponse {
                id: uuid::Uuid::new_v4().to_string(),
                questionnaire: "https://forms.example/Questionnaire/intake|1".into(),
                resource: json!({
                    "resourceType": "QuestionnaireResponse",
                    "questionnaire": "https://forms.example/Questionnaire/intake|1",
                    "status": "completed",
                    "item": [{"linkId": "pain", "answer": [{"valueInteger": i % 10}]}]
                }),
            }]
        } else {
            Vec::new()
        };
        let appointment = match &kind {
            CheckInKind::Appointment { appointment_id } => Some(appointment_id.clone()),
            CheckInKind::WalkIn(_) => None,
        };
        let committed = store
            .commit_check_in(&NewCheckIn {
                id: uuid::Uuid::new_v4().to_string(),
                now: test_now() + chrono::Duration::seconds(i as i64),
                kind,
                state: CheckInState::CheckedIn,
                qr_token: uuid::Uuid::new_v4().simple().to_string(),
                responses: responses.clone(),
            })
            .expect("commit");
        made.push(Made {
            outbox_id: committed.outbox_id,
            appointment,
            responses: responses.into_iter().map(|r| r.id).collect(),
        });
    }

    // Phase 1: every request fails for 4 s. A worker without backoff would send hundreds.
    post(&format!("{}/__proxy/rate?value=1", proxy.url));
    let (tx, rx) = mpsc::channel::<SyncStatus>();
    let worker = sync::spawn(
        syncer(&db, config),
        Box::new(move |s: &SyncStatus| {
            let _ = tx.send(s.clone());
        }),
    )
    .expect("worker");
    std::thread::sleep(Duration::from_secs(4));
    let storm = get_json(&format!("{}/__proxy/stats", proxy.url));
    let requests_failing = storm["requests"].as_u64().expect("requests");

    // Phase 2: 30 % of requests get a random fault, until the outbox is empty.
    post(&format!("{}/__proxy/rate?value=0.3", proxy.url));
    let deadline = Instant::now() + Duration::from_secs(240);
    let mut last = SyncStatus::default();
    loop {
        while let Ok(s) = rx.try_recv() {
            last = s;
        }
        let c = store.outbox_counts().expect("counts");
        if c.pending == 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "outbox not drained: {c:?}; last status {last:?}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    worker.stop();
    while let Ok(s) = rx.try_recv() {
        last = s;
    }
    let stats = get_json(&format!("{}/__proxy/stats", proxy.url));

    // Every item ended sent or failed with a reason; here none could fail (all faults are
    // transient), so all 200 are sent.
    let raw = rusqlite::Connection::open(&db).expect("db");
    let unexplained: i64 = raw
        .query_row(
            "SELECT COUNT(*) FROM outbox WHERE NOT (state = 'sent' OR (state = 'failed' AND last_error IS NOT NULL))",
            [],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(unexplained, 0);
    let c = store.outbox_counts().expect("counts");
    assert_eq!((c.pending, c.sent, c.failed), (0, CHECK_INS as u64, 0));

    // On the server (read directly, not through the proxy): each exactly once.
    let mut forms = 0;
    for m in &made {
        match &m.appointment {
            Some(id) => {
                let versions = history(&base, "Appointment", id);
                let arrived = versions.iter().filter(|v| v["status"] == "arrived").count();
                assert_eq!(
                    arrived, 1,
                    "appointment {id} set arrived once: {versions:?}"
                );
                assert_eq!(
                    get_json(&format!("{base}/Appointment/{id}"))["status"],
                    "arrived"
                );
            }
            None => {
                assert_eq!(count_by_identifier(&base, "Patient", &m.outbox_id), 1);
                assert_eq!(count_by_identifier(&base, "Appointment", &m.outbox_id), 1);
            }
        }
        for r in &m.responses {
            assert_eq!(count_by_identifier(&base, "QuestionnaireResponse", r), 1);
            forms += 1;
        }
    }
    assert!(forms >= 60);

    let requests = stats["requests"].as_u64().expect("requests");
    let faults = &stats["faults"];
    let fault_total: u64 = faults
        .as_object()
        .map(|o| o.values().filter_map(|v| v.as_u64()).sum())
        .unwrap_or(0);
    println!(
        "fault test: {CHECK_INS} check-ins ({} appointments, {} walk-ins, {forms} forms) in {:.1} s; \
         {requests_failing} requests in the 4 s when every request failed; {requests} requests in all \
         (the kiosk counted {}), {fault_total} faults {faults}, {} after the server had done the work; \
         {} backoffs",
        booked.len().min(CHECK_INS),
        CHECK_INS - booked.len().min(CHECK_INS),
        started.elapsed().as_secs_f64(),
        last.requests,
        stats["faults_after_upstream"],
        last.backoffs
    );
    // Backoff, not a storm: 4 s of failures cost a few dozen requests at most (base 50 ms,
    // cap 0.6 s, full jitter, Retry-After: 1 on 429s); without it, thousands on loopback.
    assert!(
        requests_failing <= 40,
        "{requests_failing} requests while failing"
    );
    assert!(last.backoffs >= 3, "{last:?}");
    // Every fault kind was met, and some after the server had done the work.
    for kind in [
        "delay",
        "reset",
        "status500",
        "status503",
        "status429",
        "truncated",
        "status408",
    ] {
        assert!(
            faults[kind].as_u64().unwrap_or(0) > 0,
            "no {kind} fault: {faults}"
        );
    }
    assert!(stats["faults_after_upstream"].as_u64().unwrap_or(0) > 0);
    // No storm overall either: a few requests per check-in at most.
    assert!(requests < 3 * CHECK_INS as u64, "{requests} requests");
    // The worker's count plus the first pull (another Syncer) is what the proxy saw.
    assert_eq!(
        last.requests + 1,
        requests,
        "the kiosk's count and the proxy's agree"
    );

    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let secrets = patient_secrets(&refs);
    assert_no_patient_data("kiosk", &logs.text(), &secrets);
    assert_no_patient_data("server", &server.log_text(), &secrets);
    assert_no_patient_data("proxy", &proxy.log_text(), &secrets);
}
