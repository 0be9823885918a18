//! `checkin-kiosk doctor`: everything a kiosk needs, checked in the order IT would fix it,
//! each finding either ok or a precise problem with its fix. Reads only: it never creates,
//! migrates or moves the database.

use std::path::Path;

use crate::app::FormCatalogue;
use crate::config::{Config, ConfigProblem};
use crate::fhir::FhirError;
use crate::store::{DatabaseKey, Store, StoreError, DB_FILE_NAME};
use crate::sync::SyncConfig;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Ok,
    /// Works, but not as it should be in a clinic (e.g. no encryption).
    Warn,
    Fail,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub check: &'static str,
    pub verdict: Verdict,
    pub detail: String,
    /// What to do about it (None when nothing is needed).
    pub fix: Option<String>,
}

impl Finding {
    fn ok(check: &'static str, detail: impl Into<String>) -> Finding {
        Finding {
            check,
            verdict: Verdict::Ok,
            detail: detail.into(),
            fix: None,
        }
    }

    fn problem(
        check: &'static str,
        verdict: Verdict,
        detail: impl Into<String>,
        fix: impl Into<String>,
    ) -> Finding {
        Finding {
            check,
            verdict,
            detail: detail.into(),
            fix: Some(fix.into()),
        }
    }
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let tag = match self.verdict {
            Verdict::Ok => "ok  ",
            Verdict::Warn => "WARN",
            Verdict::Fail => "FAIL",
        };
        write!(f, "{tag} {}: {}", self.check, self.detail)?;
        if let Some(fix) = &self.fix {
            write!(f, "\n     fix: {fix}")?;
        }
        Ok(())
    }
}

/// The checks that need no network. `env` looks up environment variables (a parameter so
/// tests choose the display).
pub fn check_local(
    config: &Config,
    problems: &[ConfigProblem],
    env: &dyn Fn(&str) -> Option<String>,
) -> Vec<Finding> {
    let mut out = Vec::new();
    if problems.is_empty() {
        out.push(Finding::ok("configuration", "every key is valid"));
    }
    for p in problems {
        out.push(Finding::problem(
            "configuration",
            Verdict::Fail,
            p.to_string(),
            "correct or remove that key (every key is documented in /etc/checkin-kiosk/kiosk.toml); \
             until then it keeps its default",
        ));
    }
    let (key_finding, key) = check_key(config);
    out.push(key_finding);
    out.push(check_data_dir(&config.data_dir));
    out.push(check_database(
        &config.data_dir.join(DB_FILE_NAME),
        key.as_ref(),
        config.database.key_file.is_some(),
    ));
    out.push(check_display(env));
    out.push(Finding::ok(
        "fonts",
        "Noto Sans, Kiosk Sans Arabic and Kiosk Sans SC are compiled into the binary (no system fonts needed)",
    ));
    out.extend(check_forms(config));
    out
}

fn check_key(config: &Config) -> (Finding, Option<DatabaseKey>) {
    const CHECK: &str = "database key";
    match &config.database.key_file {
        None if config.demo_mode() => (
            Finding::ok(
                CHECK,
                "none (demo mode): the demo database is not encrypted",
            ),
            None,
        ),
        None => (
            Finding::problem(
                CHECK,
                Verdict::Warn,
                "none configured: patient data is not encrypted at rest",
                "set database.key_file to a systemd credential or a root-only file outside \
                 data_dir (the package's first-boot step makes one)",
            ),
            None,
        ),
        Some(path) => match DatabaseKey::from_file(path) {
            Ok(key) => (
                Finding::ok(CHECK, format!("read from {}", path.display())),
                Some(key),
            ),
            Err(e) => (
                Finding::problem(
                    CHECK,
                    Verdict::Fail,
                    e.to_string(),
                    "restore the key file (or the systemd credential) that encrypted this \
                     database; a new key cannot open the old data",
                ),
                None,
            ),
        },
    }
}

fn check_data_dir(dir: &Path) -> Finding {
    const CHECK: &str = "data directory";
    if !dir.exists() {
        return Finding::ok(
            CHECK,
            format!(
                "{} does not exist yet; it is made at first start",
                dir.display()
            ),
        );
    }
    let probe = dir.join(".doctor-write-test");
    match std::fs::write(&probe, b"ok").and_then(|()| std::fs::remove_file(&probe)) {
        Ok(()) => Finding::ok(CHECK, format!("{} is writable", dir.display())),
        Err(e) => Finding::problem(
            CHECK,
            Verdict::Fail,
            format!("{} is not writable: {}", dir.display(), e.kind()),
            "let the kiosk's user own it (the packaged unit uses StateDirectory=checkin-kiosk)",
        ),
    }
}

fn check_database(path: &Path, key: Option<&DatabaseKey>, key_configured: bool) -> Finding {
    const CHECK: &str = "database";
    if !path.exists() {
        return Finding::ok(
            CHECK,
            format!(
                "{} does not exist yet; it is made at first start",
                path.display()
            ),
        );
    }
    if key_configured && key.is_none() {
        return Finding::problem(
            CHECK,
            Verdict::Fail,
            "not checked: the key cannot be read",
            "fix the database key first",
        );
    }
    if key.is_none() && Store::is_encrypted_file(path) {
        return Finding::problem(
            CHECK,
            Verdict::Fail,
            format!(
                "{} is encrypted (or not a database) and no key is configured",
                path.display()
            ),
            "set database.key_file to the key that encrypted it",
        );
    }
    match Store::inspect(path, key) {
        Ok(h) => Finding::ok(
            CHECK,
            format!(
                "integrity ok, schema {}, {} check-ins waiting to sync, {} failed{}",
                h.schema,
                h.outbox.pending,
                h.outbox.failed,
                if key.is_some() { ", encrypted" } else { "" }
            ),
        ),
        Err(e @ StoreError::WrongKey { .. }) => Finding::problem(
            CHECK,
            Verdict::Fail,
            e.to_string(),
            "use the key that encrypted this database; the kiosk will not start until then",
        ),
        Err(e) if e.is_corruption() => Finding::problem(
            CHECK,
            Verdict::Fail,
            format!("damaged: {e}"),
            "at the next start the kiosk moves it aside as kiosk.db.corrupt-<time> (nothing is \
             deleted) and starts a fresh one; give the moved file to IT to recover unsynced \
             check-ins",
        ),
        Err(e) => Finding::problem(
            CHECK,
            Verdict::Fail,
            e.to_string(),
            "see the message; the file was not changed",
        ),
    }
}

fn check_display(env: &dyn Fn(&str) -> Option<String>) -> Finding {
    const CHECK: &str = "display";
    let set = |k: &str| env(k).filter(|v| !v.is_empty());
    if let Some(w) = set("WAYLAND_DISPLAY") {
        return Finding::ok(CHECK, format!("Wayland compositor ({w})"));
    }
    if let Some(x) = set("DISPLAY") {
        return Finding::ok(CHECK, format!("X11 display ({x})"));
    }
    let drm = std::fs::read_dir("/dev/dri")
        .map(|d| {
            d.filter_map(Result::ok)
                .any(|e| e.file_name().to_string_lossy().starts_with("card"))
        })
        .unwrap_or(false);
    let wants_kms = set("SLINT_BACKEND").is_some_and(|b| b.starts_with("linuxkms"));
    if wants_kms && !cfg!(feature = "linuxkms") {
        return Finding::problem(
            CHECK,
            Verdict::Fail,
            "SLINT_BACKEND asks for linuxkms but this build has no linuxkms backend",
            "install the packaged build (it has it), or build with `cargo build --release \
             --features linuxkms`",
        );
    }
    if drm && cfg!(feature = "linuxkms") {
        Finding::ok(
            CHECK,
            "no compositor in this session; the linuxkms backend draws on /dev/dri directly",
        )
    } else if drm {
        Finding::problem(
            CHECK,
            Verdict::Warn,
            "no compositor in this session, but a GPU (/dev/dri) is present",
            "start the kiosk in its cage session (checkin-kiosk-cage.service), or use the \
             linuxkms build which draws on /dev/dri directly",
        )
    } else {
        Finding::problem(
            CHECK,
            Verdict::Fail,
            "no Wayland or X11 display and no GPU device (/dev/dri)",
            "run the kiosk in its cage session on the machine's screen (checkin-kiosk-cage.service)",
        )
    }
}

fn check_forms(config: &Config) -> Vec<Finding> {
    const CHECK: &str = "intake forms";
    let catalogue = FormCatalogue::load(&config.forms);
    let mut out: Vec<Finding> = catalogue
        .problems()
        .iter()
        .map(|p| {
            Finding::problem(
                CHECK,
                Verdict::Fail,
                p.to_string(),
                "fix or remove that file (the other forms keep working meanwhile)",
            )
        })
        .collect();
    if out.is_empty() {
        out.push(Finding::ok(
            CHECK,
            format!(
                "{} forms loaded{}",
                catalogue.forms().len(),
                match &config.forms.dir {
                    Some(d) => format!(" from {}", d.display()),
                    None => " (built in)".into(),
                }
            ),
        ));
    }
    out
}

/// The practice server: reachable (DNS, TLS), the credentials accepted, FHIR spoken.
pub async fn check_server(config: &Config) -> Vec<Finding> {
    const CHECK: &str = "server";
    let sync = match SyncConfig::from_config(config) {
        Ok(None) => {
            return vec![Finding::ok(
                CHECK,
                "none configured: demo mode with the seeded practice",
            )]
        }
        Ok(Some(s)) => s,
        Err(e) => {
            return vec![Finding::problem(
                CHECK,
                Verdict::Fail,
                e.to_string(),
                "fix the [server] settings (token file, CA file)",
            )]
        }
    };
    let client = match crate::fhir::Client::new(&sync.client) {
        Ok(c) => c,
        Err(e) => return vec![server_problem(e)],
    };
    let mut out = Vec::new();
    match client.capabilities().await {
        Ok(cs) => out.push(Finding::ok(
            "server metadata",
            format!(
                "CapabilityStatement: FHIR {}, transactions {}",
                cs.fhir_version.as_deref().unwrap_or("?"),
                if cs.supports_transactions() {
                    "supported"
                } else {
                    "not listed"
                }
            ),
        )),
        Err(FhirError::Status { status, .. }) => out.push(Finding::problem(
            "server metadata",
            Verdict::Warn,
            format!("no CapabilityStatement (HTTP {status})"),
            "none needed if the checks below pass; some servers publish none",
        )),
        Err(e) => {
            out.push(server_problem(e));
            return out;
        }
    }
    match client.get_json("Appointment?_count=1").await {
        Ok(_) => out.push(Finding::ok(
            CHECK,
            format!(
                "{} answers FHIR searches with these credentials",
                client.base()
            ),
        )),
        Err(e) => out.push(server_problem(e)),
    }
    out
}

fn server_problem(e: FhirError) -> Finding {
    const CHECK: &str = "server";
    let fix = match &e {
        FhirError::Status {
            status: 401 | 403, ..
        } => "the server refused the credentials: check server.token / server.token_file",
        FhirError::Status { status: 404, .. } => {
            "no FHIR endpoint at that address: check server_url (it ends at the FHIR base, e.g. /fhir/R4)"
        }
        FhirError::Network(_) => {
            "check server_url, DNS, the network and the firewall; for a practice CA set server.ca_file"
        }
        FhirError::CaFile { .. } | FhirError::CaPem { .. } => {
            "server.ca_file must be a readable PEM certificate"
        }
        _ => "see the message",
    };
    Finding::problem(CHECK, Verdict::Fail, e.to_string(), fix)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn a_healthy_local_setup_is_all_ok() {
        let dir = tempfile::tempdir().unwrap();
        let config = Config {
            data_dir: dir.path().to_path_buf(),
            ..Config::default()
        };
        Store::open_in_dir(dir.path()).unwrap();
        let env = |k: &str| (k == "WAYLAND_DISPLAY").then(|| "wayland-0".to_string());
        let findings = check_local(&config, &[], &env);
        for f in &findings {
            assert_eq!(f.verdict, Verdict::Ok, "{f}");
        }
        assert!(findings
            .iter()
            .any(|f| f.check == "database" && f.detail.starts_with("integrity ok")));
    }

    #[test]
    fn problems_are_named_with_their_fix() {
        let dir = tempfile::tempdir().unwrap();
        let keys = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(DB_FILE_NAME),
            b"this is not a database at all, no",
        )
        .unwrap();
        let config = Config {
            data_dir: dir.path().to_path_buf(),
            server_url: Some("https://fhir.example/r4".into()),
            database: crate::config::DatabaseSettings {
                key_file: Some(keys.path().join("missing-key")),
                retention_hours: 24,
            },
            ..Config::default()
        };
        let problems = [ConfigProblem {
            key: "idle_timeout_secs".into(),
            message: "2 is out of range (10 to 3600)".into(),
        }];
        let findings = check_local(&config, &problems, &no_env);
        let by = |check: &str| findings.iter().find(|f| f.check == check).cloned().unwrap();
        assert_eq!(by("configuration").verdict, Verdict::Fail);
        assert!(by("configuration").detail.contains("idle_timeout_secs"));
        assert_eq!(by("database key").verdict, Verdict::Fail);
        assert!(by("database key").detail.contains("missing-key"));
        assert_eq!(by("database").verdict, Verdict::Fail);
        assert_ne!(by("display").verdict, Verdict::Ok);
        assert!(by("display").fix.is_some());
        // The file was only looked at.
        assert_eq!(
            std::fs::read(dir.path().join(DB_FILE_NAME)).unwrap(),
            b"this is not a database at all, no"
        );
    }

    #[test]
    fn a_damaged_database_is_reported_not_touched() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(DB_FILE_NAME), vec![7u8; 8192]).unwrap();
        let config = Config {
            data_dir: dir.path().to_path_buf(),
            ..Config::default()
        };
        let findings = check_local(&config, &[], &no_env);
        let db = findings.iter().find(|f| f.check == "database").unwrap();
        assert_eq!(db.verdict, Verdict::Fail, "{db}");
        assert!(db.to_string().contains("fix:"), "{db}");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "nothing moved"
        );
    }
}
