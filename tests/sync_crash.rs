//! Crash test: a child process checks patients in while its sync worker pushes them, and is
//! killed with SIGKILL at a random moment, 50 times. After each kill the database passes
//! `PRAGMA integrity_check` and holds every check-in the child had acknowledged (printed a
//! ticket for); at the end every check-in is on the server exactly once.
//!
//! The child is this test binary again, running the ignored `crash_child` test (it does
//! nothing unless the parent set CRASH_CHILD_DIR).

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use checkin_kiosk::app::{demo, CheckInService, ConfirmOutcome, FixedClock, ServiceConfig};
use checkin_kiosk::config::Config;
use checkin_kiosk::domain::{AppointmentStatus, ArrivalWindow, WalkIn};
use checkin_kiosk::store::Store;
use checkin_kiosk::sync;

use crate::util::fhir::{
    block_on, count_by_identifier, demo_bundle_file, get_json, history, sync_config, syncer,
    NodePeer,
};
use crate::util::logs::{assert_no_patient_data, patient_secrets};
use crate::util::test_now;

const ROUNDS: usize = 50;
const CHILD: &str = "sync_crash::crash_child";

#[test]
#[ignore = "the child process of the crash test (started by it)"]
fn crash_child() {
    let Ok(dir) = std::env::var("CRASH_CHILD_DIR") else {
        return;
    };
    let url = std::env::var("CRASH_CHILD_URL").expect("url");
    let seed: u64 = std::env::var("CRASH_CHILD_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .init();
    let db = std::path::Path::new(&dir).join("kiosk.db");
    let mut config = sync_config(&url);
    config.batch_size = 5;
    config.push_interval = Duration::from_millis(100);
    let worker = sync::spawn(syncer(&db, config), Box::new(|_| {})).expect("worker");
    let mut service_config = ServiceConfig::from(&Config::default());
    service_config.arrival = ArrivalWindow {
        early_minutes: 720,
        late_minutes: 720,
        desk_only_types: Vec::new(),
    };
    let mut service = CheckInService::new(
        Store::open(&db).expect("store"),
        FixedClock::new(test_now()),
        service_config,
    );
    let nudger = worker.nudger();
    service.set_after_commit(move || nudger.nudge());
    let mut rng = fastrand::Rng::with_seed(seed);
    let codes: Vec<String> = demo::demo_roster(test_now())
        .into_iter()
        .map(|a| a.code)
        .collect();
    let today = test_now().date();
    loop {
        let booked = if rng.bool() {
            codes.iter().find_map(|c| {
                service
                    .store()
                    .find_by_code(today, c)
                    .ok()
                    .flatten()
                    .filter(|a| a.status == AppointmentStatus::Booked)
                    .map(|a| a.id)
            })
        } else {
            None
        };
        let ticket = match booked {
            Some(id) => match service.confirm(&id, &[]).expect("confirm") {
                ConfirmOutcome::CheckedIn(t) => t.ticket,
                ConfirmOutcome::SeeDesk(r) => panic!("desk: {r:?}"),
            },
            None => {
                let letters: String = (0..6)
                    .map(|_| rng.alphabetic().to_ascii_lowercase())
                    .collect();
                service
                    .walk_in(
                        WalkIn {
                            given_name: "Kilian".into(),
                            family_name: format!("Crashtest{letters}"),
                            birth_date: chrono::NaiveDate::from_ymd_opt(
                                1985,
                                4,
                                1 + rng.u32(0..28),
                            )
                            .expect("date"),
                            phone: Some("5550199000".into()),
                            reason: "sick".into(),
                        },
                        &[],
                    )
                    .expect("walk-in")
                    .ticket
            }
        };
        // The patient sees the ticket only now: this line is the acknowledgement.
        println!("ACK {ticket}");
        std::thread::sleep(Duration::from_millis(rng.u64(2..20)));
    }
}

fn db_check(db: &std::path::Path, acked: &[String]) {
    let c = rusqlite::Connection::open(db).expect("db");
    let ok: String = c
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity_check");
    assert_eq!(ok, "ok");
    let orphans: i64 = c
        .query_row(
            "SELECT COUNT(*) FROM check_ins c LEFT JOIN outbox o ON o.check_in_id = c.id WHERE o.id IS NULL",
            [],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(orphans, 0, "every check-in has its outbox row");
    for ticket in acked {
        let n: i64 = c
            .query_row(
                "SELECT COUNT(*) FROM check_ins WHERE ticket = ?1",
                [ticket],
                |r| r.get(0),
            )
            .expect("count");
        assert_eq!(n, 1, "acknowledged ticket {ticket} is in the database once");
    }
}

#[test]
fn fifty_sigkills_lose_nothing_and_duplicate_nothing() {
    let started = Instant::now();
    let dir = tempfile::tempdir().expect("tmp");
    let server = NodePeer::server(Some(&demo_bundle_file(dir.path())), None, 0);
    let base = server.url.clone();
    let db = dir.path().join("kiosk.db");
    let exe = std::env::current_exe().expect("test binary");
    let child_logs = Arc::new(Mutex::new(String::new()));
    let mut acked: Vec<String> = Vec::new();
    let mut rng = fastrand::Rng::with_seed(0x5eed);
    let mut pending_at_kill = 0u64;
    for round in 0..ROUNDS {
        let mut child = Command::new(&exe)
            .args([
                CHILD,
                "--exact",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("CRASH_CHILD_DIR", dir.path())
            .env("CRASH_CHILD_URL", &base)
            .env("CRASH_CHILD_SEED", round.to_string())
            .env_remove("NEXTEST_TEST_FILTER")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("child");
        let stdout = child.stdout.take().expect("stdout");
        let reader = std::thread::spawn(move || {
            let mut acks = Vec::new();
            let mut r = BufReader::new(stdout);
            let mut line = String::new();
            while r.read_line(&mut line).map(|n| n > 0).unwrap_or(false) {
                // libtest's "test ... " has no newline, so the first ACK shares its line. A
                // line cut by the kill has no newline: not an acknowledgement.
                let ack = line.find("ACK ").map(|at| &line[at + 4..]);
                if let Some(t) = ack.and_then(|l| l.strip_suffix('\n')) {
                    acks.push(t.to_owned());
                }
                line.clear();
            }
            acks
        });
        let mut stderr = child.stderr.take().expect("stderr");
        let sink = child_logs.clone();
        let drain = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text);
            if let Ok(mut l) = sink.lock() {
                l.push_str(&text);
            }
        });
        // Random moments: while starting, pulling, checking in, pushing.
        std::thread::sleep(Duration::from_millis(rng.u64(20..300)));
        child.kill().expect("SIGKILL");
        let status = child.wait().expect("wait");
        assert!(!status.success(), "round {round}: the child was killed");
        let acks = reader.join().expect("reader");
        let _ = drain.join();
        acked.extend(acks);
        db_check(&db, &acked);
        let c = rusqlite::Connection::open(&db).expect("db");
        pending_at_kill += c
            .query_row(
                "SELECT COUNT(*) FROM outbox WHERE state = 'pending'",
                [],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| u64::try_from(n).unwrap_or(0))
            .expect("count");
    }
    assert!(
        acked.len() >= ROUNDS,
        "the children made progress: {}",
        acked.len()
    );

    // The rest goes out, and everything is on the server exactly once.
    let mut s = syncer(&db, sync_config(&base));
    loop {
        let r = block_on(s.push_batch()).expect("final push");
        if r.sent + r.failed == 0 {
            break;
        }
    }
    let store = Store::open(&db).expect("store");
    let counts = store.outbox_counts().expect("counts");
    assert_eq!((counts.pending, counts.failed), (0, 0));
    let c = rusqlite::Connection::open(&db).expect("db");
    let mut st = c
        .prepare(
            "SELECT o.id, c.appointment_id FROM outbox o JOIN check_ins c ON c.id = o.check_in_id",
        )
        .expect("prepare");
    let rows: Vec<(String, Option<String>)> = st
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("query")
        .map(|r| r.expect("row"))
        .collect();
    // Every acknowledged check-in is there (db_check); a kill between the commit and the
    // ticket on screen leaves at most one more per kill, which must arrive too.
    assert!(
        rows.len() >= acked.len(),
        "{} rows, {} acknowledged",
        rows.len(),
        acked.len()
    );
    assert!(
        rows.len() - acked.len() <= ROUNDS,
        "at most one unacknowledged commit per kill: {} rows, {} acknowledged",
        rows.len(),
        acked.len()
    );
    let mut appointments = 0;
    for (outbox, appointment) in &rows {
        match appointment {
            Some(id) => {
                appointments += 1;
                let versions = history(&base, "Appointment", id);
                let arrived = versions.iter().filter(|v| v["status"] == "arrived").count();
                assert_eq!(arrived, 1, "{id} set arrived once");
                assert_eq!(
                    get_json(&format!("{base}/Appointment/{id}"))["status"],
                    "arrived"
                );
            }
            None => {
                assert_eq!(
                    count_by_identifier(&base, "Patient", outbox),
                    1,
                    "one Patient"
                );
                assert_eq!(count_by_identifier(&base, "Appointment", outbox), 1);
            }
        }
    }
    println!(
        "crash test: {ROUNDS} SIGKILLs in {:.1} s; {} acknowledged check-ins ({appointments} appointments), \
         {} committed but killed before the ticket showed; {pending_at_kill} items pending \
         summed over the kills; all on the server exactly once",
        started.elapsed().as_secs_f64(),
        acked.len(),
        rows.len() - acked.len()
    );
    let logs = child_logs.lock().map(|l| l.clone()).unwrap_or_default();
    assert!(logs.contains("check-in committed"), "the children logged");
    let secrets = patient_secrets(&["Kilian", "Crashtest", "5550199000"]);
    assert_no_patient_data("children", &logs, &secrets);
    assert_no_patient_data("server", &server.log_text(), &secrets);
}
