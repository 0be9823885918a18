//! Sync drain: 10,000 queued check-ins pushed to a real FHIR R4 server on loopback (the test
//! peer in tests/fhir-server: Medplum's router behind node:http), as transaction Bundles of
//! 20 (the default batch) and of 100, next to one request per check-in (batch 1). Each run
//! starts from a fresh server holding the day's 10,000 appointments and a fresh kiosk
//! database that pulled them. Prints total time and rate; checks the server has them all.
//! `cargo bench --bench sync_drain` (needs `npm ci` in tests/fhir-server once).

use std::path::Path;
use std::time::{Duration, Instant};

use checkin_kiosk::domain::{AppointmentStatus, CheckInKind, CheckInState};
use checkin_kiosk::store::NewCheckIn;
use chrono::NaiveDateTime;

mod common;
#[allow(dead_code)]
#[path = "../tests/util/fhir.rs"]
mod peer;

use common::{bench_dir, now, record, roster};
use peer::{get_json, runtime, sync_config, syncer, NodePeer};

/// tests/util/fhir.rs dates its kiosk clock with this.
fn test_now() -> NaiveDateTime {
    now()
}

fn check_ins() -> usize {
    std::env::var("BENCH_SYNC_CHECK_INS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000)
}

struct Drain {
    batch: usize,
    took: Duration,
    requests: usize,
    /// CPU the kiosk side (this process) spent: where the time went, us or the server.
    kiosk_cpu: Duration,
}

/// This process's CPU time (user + system) so far.
fn own_cpu() -> Duration {
    let ticks = std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            let fields: Vec<u64> = s
                .rsplit_once(')')?
                .1
                .split_whitespace()
                .skip(11)
                .take(2)
                .filter_map(|v| v.parse().ok())
                .collect();
            Some(fields.iter().sum::<u64>())
        })
        .unwrap_or(0);
    // USER_HZ is 100 on Linux.
    Duration::from_millis(ticks * 10)
}

fn drain(bundle: &Path, n: usize, batch: usize) -> Drain {
    let server = NodePeer::server(Some(bundle), None, 0);
    let dir = bench_dir();
    let db = dir.path().join("kiosk.db");
    let mut config = sync_config(&server.url);
    config.batch_size = batch;
    // A Bundle of 100 on a loaded Node server can take longer than the tests' 15 s.
    config.client.request_timeout = Duration::from_secs(120);
    let mut syncer = syncer(&db, config);
    let rt = runtime();
    let pulled = rt.block_on(syncer.pull()).expect("pull the day");
    assert_eq!(pulled.appointments, n, "the kiosk pulled the whole day");

    // The queue: one check-in per appointment, committed as the kiosk does.
    let today = now().date();
    let store = syncer.store_mut();
    for (i, a) in roster(n).iter().enumerate() {
        let local = store
            .find_by_code(today, &a.code)
            .expect("read roster")
            .expect("appointment pulled");
        assert_eq!(local.status, AppointmentStatus::Booked);
        store
            .commit_check_in(&NewCheckIn {
                id: uuid::Uuid::new_v4().to_string(),
                now: now() + chrono::Duration::milliseconds(i as i64),
                kind: CheckInKind::Appointment {
                    appointment_id: local.id,
                },
                state: CheckInState::CheckedIn,
                qr_token: uuid::Uuid::new_v4().simple().to_string(),
                responses: Vec::new(),
            })
            .expect("commit");
    }

    let started = Instant::now();
    let cpu_before = own_cpu();
    let (mut sent, mut requests) = (0, 0);
    loop {
        let report = rt.block_on(syncer.push_batch()).expect("push");
        assert_eq!(report.failed, 0, "nothing refused");
        if report.sent == 0 {
            break;
        }
        sent += report.sent;
        requests += 1;
    }
    let took = started.elapsed();
    let kiosk_cpu = own_cpu().saturating_sub(cpu_before);
    assert_eq!(sent, n, "every check-in acknowledged");
    let arrived = get_json(&format!(
        "{}/Appointment?status=arrived&_summary=count",
        server.url
    ));
    assert_eq!(
        arrived["total"].as_u64(),
        Some(n as u64),
        "all arrived on the server"
    );
    Drain {
        batch,
        took,
        requests,
        kiosk_cpu,
    }
}

fn main() {
    let n = check_ins();
    let dir = bench_dir();
    let bundle = dir.path().join("day.json");
    let day = checkin_kiosk::fhir::demo::roster_bundle(&roster(n));
    std::fs::write(&bundle, serde_json::to_vec(&day).expect("json")).expect("bundle");

    let mut runs = Vec::new();
    for batch in [20, 100, 1] {
        let d = drain(&bundle, n, batch);
        let rate = n as f64 / d.took.as_secs_f64();
        println!(
            "sync_drain batch={:<4} {n} check-ins in {:.1} s ({rate:.0}/s, {} requests; kiosk CPU {:.1} s)",
            d.batch,
            d.took.as_secs_f64(),
            d.requests,
            d.kiosk_cpu.as_secs_f64()
        );
        record(serde_json::json!({
            "name": format!("sync_drain_batch_{}", d.batch), "check_ins": n,
            "seconds": d.took.as_secs_f64(), "per_second": rate, "requests": d.requests,
            "kiosk_cpu_seconds": d.kiosk_cpu.as_secs_f64(),
        }));
        runs.push(d);
    }
    let one = runs
        .iter()
        .find(|d| d.batch == 1)
        .map(|d| d.took.as_secs_f64());
    let default = runs
        .iter()
        .find(|d| d.batch == 20)
        .map(|d| d.took.as_secs_f64());
    if let (Some(one), Some(default)) = (one, default) {
        println!(
            "sync_drain speed-up of batch 20 over one request per check-in: {:.1}x (budget >= 5x)",
            one / default
        );
    }
}
