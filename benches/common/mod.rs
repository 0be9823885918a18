//! What the benchmarks share: the fixed "now", a large day of appointments, the database
//! key, and the figure printer (p50/p99, and a JSON line for scripts/bench.sh's table).

#![allow(dead_code)]

use std::time::Duration;

use checkin_kiosk::domain::{Appointment, AppointmentStatus, Patient};
use checkin_kiosk::store::DatabaseKey;
use chrono::{NaiveDate, NaiveDateTime};

pub fn now() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 11, 23)
        .and_then(|d| d.and_hms_opt(10, 0, 0))
        .expect("date")
}

/// A day of `n` appointments: family names from a syllable grid (a few very common ones
/// repeat with other birth dates, as in a real practice), all within the arrival window.
pub fn roster(n: usize) -> Vec<Appointment> {
    const A: [&str; 20] = [
        "Gar", "Ngu", "Mar", "Lop", "Smi", "Oco", "Kow", "Tan", "Ber", "Haa", "Rod", "Per", "Wil",
        "Cha", "Dub", "Ive", "Sat", "Ali", "Mor", "Fer",
    ];
    const B: [&str; 25] = [
        "cia", "yen", "tin", "ez", "th", "nor", "alski", "aka", "nard", "sen", "ri", "eira", "son",
        "ng", "ois", "anov", "o", "ev", "eno", "ando", "ley", "rick", "ton", "well", "ard",
    ];
    (0..n)
        .map(|i| {
            let family = if i % 10 == 0 {
                "Garcia".to_owned()
            } else {
                format!(
                    "{}{}{}",
                    A[i % 20],
                    B[(i / 20) % 25],
                    ["", "a", "e"][(i / 500) % 3]
                )
            };
            let birth = NaiveDate::from_ymd_opt(
                1930 + (i % 80) as i32,
                1 + (i % 12) as u32,
                1 + (i % 28) as u32,
            )
            .expect("date");
            Appointment {
                id: format!("bench-{i:05}"),
                code: format!("CKI-B{i:05}"),
                start: now() + chrono::Duration::minutes((i % 10) as i64),
                clinician: format!("Dr. Bench {}", i % 12),
                appointment_type: "visit".into(),
                status: AppointmentStatus::Booked,
                patient: Patient {
                    id: format!("bench-p-{i:05}"),
                    given_name: "Pat".into(),
                    family_name: family,
                    birth_date: birth,
                },
            }
        })
        .collect()
}

pub fn key() -> DatabaseKey {
    DatabaseKey::parse(&"6b".repeat(32)).expect("key")
}

/// Where benchmarks keep their files: the project's disk (target/), not /tmp, which may be
/// a tmpfs.
pub fn bench_dir() -> tempfile::TempDir {
    let base = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target");
    let _ = std::fs::create_dir_all(&base);
    tempfile::tempdir_in(&base).expect("bench dir")
}

/// Appends one figure to $BENCH_RESULTS (a JSON line), when set.
pub fn record(value: serde_json::Value) {
    if let Ok(path) = std::env::var("BENCH_RESULTS") {
        use std::io::Write;
        if let Ok(mut f) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
        {
            let _ = writeln!(f, "{value}");
        }
    }
}

pub struct Figure {
    pub name: &'static str,
    pub samples: Vec<Duration>,
}

impl Figure {
    pub fn percentile(&self, p: f64) -> Duration {
        let mut s = self.samples.clone();
        s.sort();
        let rank = ((p / 100.0) * (s.len() as f64 - 1.0)).round() as usize;
        s.get(rank).copied().unwrap_or_default()
    }

    pub fn report(&self, budget_p99_ms: Option<f64>) {
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let (p50, p99) = (ms(self.percentile(50.0)), ms(self.percentile(99.0)));
        let (min, max) = (ms(self.percentile(0.0)), ms(self.percentile(100.0)));
        println!(
            "{:<28} n={:<6} p50 {p50:.3} ms  p99 {p99:.3} ms  (min {min:.3}, max {max:.3}){}",
            self.name,
            self.samples.len(),
            budget_p99_ms.map_or(String::new(), |b| format!("  budget p99 < {b} ms")),
        );
        record(serde_json::json!({
            "name": self.name, "n": self.samples.len(), "unit": "ms",
            "p50": p50, "p99": p99, "min": min, "max": max,
            "budget_p99": budget_p99_ms,
        }));
    }
}
