//! `checkin-kiosk doctor`, the real binary, against a good setup (an encrypted database,
//! the key in its own directory, a live FHIR server) and a broken one.

use std::path::Path;
use std::process::Command;

use checkin_kiosk::store::{DatabaseKey, Store};

use crate::util::fhir::NodePeer;

fn doctor(config: &Path, display: bool) -> (i32, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_checkin-kiosk"));
    cmd.arg("--config").arg(config).arg("doctor");
    cmd.env_remove("DISPLAY").env_remove("WAYLAND_DISPLAY");
    for (k, _) in std::env::vars() {
        if k.starts_with("CHECKIN_KIOSK_") {
            cmd.env_remove(k);
        }
    }
    if display {
        cmd.env("WAYLAND_DISPLAY", "wayland-0");
    }
    let out = cmd.output().expect("run doctor");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

fn line<'a>(report: &'a str, check: &str) -> &'a str {
    report
        .lines()
        .find(|l| {
            l.get(5..)
                .is_some_and(|rest| rest.starts_with(&format!("{check}:")))
        })
        .unwrap_or_else(|| panic!("no {check:?} line in:\n{report}"))
}

#[test]
fn doctor_passes_a_good_setup_and_names_every_problem_of_a_broken_one() {
    let server = NodePeer::server(None, None, 0);
    let data = tempfile::tempdir().expect("dir");
    let secrets = tempfile::tempdir().expect("dir");
    let key_file = secrets.path().join("db-key");
    std::fs::write(&key_file, format!("{}\n", "5a".repeat(32))).expect("key");
    let key = DatabaseKey::from_file(&key_file).expect("key");
    drop(Store::open_keyed(&data.path().join("kiosk.db"), Some(&key)).expect("db"));

    let good = data.path().join("good.toml");
    std::fs::write(
        &good,
        format!(
            "data_dir = {:?}\nserver_url = {:?}\n[database]\nkey_file = {:?}\n",
            data.path(),
            server.url,
            key_file
        ),
    )
    .expect("config");
    let (code, report) = doctor(&good, true);
    assert_eq!(code, 0, "{report}");
    for check in [
        "configuration",
        "database key",
        "data directory",
        "database",
        "display",
        "fonts",
        "intake forms",
        "server",
    ] {
        assert!(line(&report, check).starts_with("ok"), "{check}:\n{report}");
    }
    assert!(line(&report, "database").contains("encrypted"), "{report}");

    // Broken: a bad value, the wrong key, a broken form, a server that is not there, no
    // display.
    let forms = data.path().join("forms");
    std::fs::create_dir(&forms).expect("forms dir");
    std::fs::write(
        forms.join("intake.json"),
        "{ \"resourceType\": \"Questionnaire\"",
    )
    .expect("form");
    let wrong_key = secrets.path().join("wrong-key");
    std::fs::write(&wrong_key, "00".repeat(32)).expect("key");
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let broken = data.path().join("broken.toml");
    std::fs::write(
        &broken,
        format!(
            "data_dir = {:?}\nidle_timeout_secs = 2\nserver_url = \"http://127.0.0.1:{closed}/fhir/R4\"\n\
             [database]\nkey_file = {:?}\n[forms]\ndir = {:?}\nwalk_in = [\"intake\"]\n",
            data.path(),
            wrong_key,
            forms
        ),
    )
    .expect("config");
    let before = std::fs::read(data.path().join("kiosk.db")).expect("db bytes");
    let (code, report) = doctor(&broken, false);
    assert_eq!(code, 1, "{report}");
    assert!(line(&report, "configuration").starts_with("FAIL"));
    assert!(line(&report, "configuration").contains("idle_timeout_secs"));
    assert!(line(&report, "database").starts_with("FAIL"));
    assert!(
        line(&report, "database").contains("key does not open"),
        "{report}"
    );
    assert!(report.contains("intake.json"), "{report}");
    assert!(
        line(&report, "display").starts_with("FAIL")
            || line(&report, "display").starts_with("WARN")
    );
    assert!(line(&report, "server").starts_with("FAIL"), "{report}");
    assert!(line(&report, "server").contains("cannot reach"), "{report}");
    assert!(report.matches("fix:").count() >= 5, "{report}");
    assert_eq!(
        std::fs::read(data.path().join("kiosk.db")).expect("db bytes"),
        before,
        "doctor changed nothing"
    );
}
