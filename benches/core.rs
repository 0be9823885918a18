//! The kiosk's hot paths on a real encrypted database file on disk (synchronous=FULL):
//!   - Confirm -> check-in + outbox row durable, next to a bare fsync'd SQLite insert on the
//!     same disk (each timed one by one: p50/p99);
//!   - roster look-up by family name + birth date among 5,000 appointments (criterion, with
//!     every iteration also timed for p50/p99).
//!
//! `cargo bench --bench core`; with BENCH_RESULTS=<file> each figure is also appended to
//! that file as a JSON line for scripts/bench.sh's table.

use std::cell::RefCell;
use std::path::Path;
use std::time::{Duration, Instant};

use checkin_kiosk::app::{
    CheckInService, ConfirmOutcome, FixedClock, Identification, ServiceConfig,
};
use checkin_kiosk::config::Config;
use checkin_kiosk::domain::{Appointment, CheckInKind, CheckInState};
use checkin_kiosk::store::{NewCheckIn, Store};
use criterion::Criterion;

mod common;
use common::{bench_dir, key, now, roster, Figure};

const ROSTER: usize = 5_000;
const CONFIRMS: usize = 2_000;

fn service(dir: &Path, appointments: &[Appointment]) -> CheckInService<FixedClock> {
    let mut store = Store::open_keyed(&dir.join("kiosk.db"), Some(&key())).expect("store");
    store
        .replace_roster(now().date(), appointments)
        .expect("roster");
    let config = Config {
        forms: checkin_kiosk::config::FormsConfig::none(),
        ..Config::default()
    };
    CheckInService::new(store, FixedClock::new(now()), ServiceConfig::from(&config))
}

/// Each Confirm: the check-in row, its outbox row and the ticket, committed with
/// synchronous=FULL (fsync of the WAL) on an encrypted database, then the wait estimate.
fn confirm_durable(dir: &Path) -> Figure {
    let appointments = roster(CONFIRMS);
    let mut service = service(dir, &appointments);
    let mut samples = Vec::with_capacity(CONFIRMS);
    for a in &appointments {
        let started = Instant::now();
        let outcome = service.confirm(&a.id, &[]).expect("confirm");
        samples.push(started.elapsed());
        assert!(
            matches!(outcome, ConfirmOutcome::CheckedIn(_)),
            "not checked in"
        );
    }
    Figure {
        name: "confirm_durable",
        samples,
    }
}

/// The durable part of Confirm alone: the check-in, its outbox row and the ticket counter
/// in one transaction on the encrypted file (no identification, no wait estimate).
fn commit_only(dir: &Path) -> Figure {
    let appointments = roster(CONFIRMS);
    let mut store = Store::open_keyed(&dir.join("kiosk.db"), Some(&key())).expect("store");
    store
        .replace_roster(now().date(), &appointments)
        .expect("roster");
    let mut samples = Vec::with_capacity(CONFIRMS);
    for a in &appointments {
        let new = NewCheckIn {
            id: uuid::Uuid::new_v4().to_string(),
            now: now(),
            kind: CheckInKind::Appointment {
                appointment_id: a.id.clone(),
            },
            state: CheckInState::CheckedIn,
            qr_token: uuid::Uuid::new_v4().simple().to_string(),
            responses: Vec::new(),
        };
        let started = Instant::now();
        store.commit_check_in(&new).expect("commit");
        samples.push(started.elapsed());
    }
    Figure {
        name: "check_in_commit",
        samples,
    }
}

/// The floor under it: one row of about the same size inserted and committed with
/// synchronous=FULL in WAL mode, no encryption, on the same disk.
fn bare_insert(dir: &Path) -> Figure {
    let conn = rusqlite::Connection::open(dir.join("bare.db")).expect("bare db");
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;
         CREATE TABLE t (id TEXT PRIMARY KEY, body TEXT NOT NULL);",
    )
    .expect("schema");
    let body = "x".repeat(400);
    let mut samples = Vec::with_capacity(CONFIRMS);
    for i in 0..CONFIRMS {
        let started = Instant::now();
        conn.execute(
            "INSERT INTO t (id, body) VALUES (?1, ?2)",
            (format!("row-{i}"), &body),
        )
        .expect("insert");
        samples.push(started.elapsed());
    }
    Figure {
        name: "bare_fsync_insert",
        samples,
    }
}

fn main() {
    // Each figure on its own fresh database file.
    let dirs: Vec<_> = (0..4).map(|_| bench_dir()).collect();
    confirm_durable(dirs[0].path()).report(Some(5.0));
    commit_only(dirs[1].path()).report(None);
    bare_insert(dirs[2].path()).report(None);

    // Look-ups: criterion's statistics, plus every iteration timed for the percentiles.
    let appointments = roster(ROSTER);
    let service = RefCell::new(service(dirs[3].path(), &appointments));
    let mut samples = Vec::new();
    let mut next = 0usize;
    let mut c = Criterion::default()
        .configure_from_args()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    c.bench_function("roster_lookup_5000", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                // A prime stride covers the whole roster; the shared "Garcia" rows (every
                // tenth) are skipped: some of them share a birth date, so they go to the desk.
                let mut i = next % appointments.len();
                if i.is_multiple_of(10) {
                    i += 1;
                }
                next += 7919;
                let a = &appointments[i];
                let started = Instant::now();
                let found = service
                    .borrow_mut()
                    .identify(&a.patient.family_name.to_uppercase(), a.patient.birth_date)
                    .expect("identify");
                let took = started.elapsed();
                assert!(matches!(found, Identification::Found(_)), "not found");
                samples.push(took);
                total += took;
            }
            total
        })
    });
    c.final_summary();
    Figure {
        name: "roster_lookup_5000",
        samples,
    }
    .report(Some(1.0));
}
