//! Log capture for the tests: every line the kiosk writes at TRACE, searched for patient data.

use std::io::Write;
use std::sync::{Arc, Mutex};

#[derive(Clone, Default)]
pub struct Captured(pub Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut v) = self.0.lock() {
            v.extend_from_slice(buf);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    pub fn text(&self) -> String {
        self.0
            .lock()
            .map(|v| String::from_utf8_lossy(&v).into_owned())
            .unwrap_or_default()
    }
}

/// Installs a TRACE subscriber for the whole process (one test per process under nextest).
pub fn capture_logs() -> Captured {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    tracing::subscriber::set_global_default(subscriber).expect("subscriber");
    captured
}

/// Every name and birth date of the demo practice, plus `extra` (walk-ins the test made).
pub fn patient_secrets(extra: &[&str]) -> Vec<String> {
    let now = super::test_now();
    let mut out: Vec<String> = Vec::new();
    for a in checkin_kiosk::app::demo::demo_roster(now) {
        // Family names of 4 letters or more ("Ng" is in "pending").
        if a.patient.family_name.chars().count() >= 4 {
            out.push(a.patient.family_name.clone());
        }
        out.push(a.patient.birth_date.format("%Y-%m-%d").to_string());
        // Given names: only the distinctive ones (short ones like "Mei" or "Kim" occur in
        // ordinary words and identifiers).
        if a.patient.given_name.chars().count() >= 5 {
            out.push(a.patient.given_name.clone());
        }
    }
    for p in checkin_kiosk::app::demo::people().all() {
        out.push(p.given_name.to_owned());
        out.push(p.family_name.to_owned());
    }
    out.extend(extra.iter().map(|s| (*s).to_owned()));
    out.sort();
    out.dedup();
    out
}

/// Fails with the offending line when a log holds any of `secrets`.
pub fn assert_no_patient_data(what: &str, logs: &str, secrets: &[String]) {
    for line in logs.lines() {
        for s in secrets {
            assert!(
                !line.contains(s.as_str()),
                "{what}: a log line holds patient data {s:?}: {line}"
            );
        }
    }
}
