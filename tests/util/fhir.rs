//! The FHIR test peer (tests/fhir-server: Medplum's router behind node:http) and our fault
//! proxy, started by the tests on 127.0.0.1 and stopped on Drop; their output is drained
//! into a log the tests can search. Plus what the sync tests share: a kiosk core on a
//! temp database, a Syncer for it, a runtime to drive it, and reads of the server.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use checkin_kiosk::app::FixedClock;
use checkin_kiosk::fhir::ClientConfig;
use checkin_kiosk::store::Store;
use checkin_kiosk::sync::{Backoff, SyncConfig, Syncer};
use serde_json::Value;

use super::test_now;

pub const KIOSK_ID: &str = "test-kiosk";

pub fn peer_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fhir-server")
}

/// A Node process of ours that prints `LISTENING <url>` when ready.
pub struct NodePeer {
    child: Option<Child>,
    pub url: String,
    pub log: Arc<Mutex<String>>,
}

impl NodePeer {
    fn start(script: &str, args: &[String]) -> NodePeer {
        let dir = peer_dir();
        assert!(
            dir.join("node_modules/@medplum/fhir-router").exists(),
            "the FHIR test peer is not installed: run `npm ci` in tests/fhir-server (scripts/test.sh does)"
        );
        let mut child = Command::new("node")
            .arg(dir.join(script))
            .args(args)
            .current_dir(&dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("node must be installed (scripts/install-system-packages.sh)");
        let log = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = mpsc::channel();
        let stdout = child.stdout.take().expect("stdout");
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix("LISTENING ") {
                    let _ = tx.send(url.trim().to_owned());
                }
            }
        });
        let mut stderr = child.stderr.take().expect("stderr");
        let sink = log.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = stderr.read(&mut buf) {
                if n == 0 {
                    break;
                }
                if let Ok(mut l) = sink.lock() {
                    l.push_str(&String::from_utf8_lossy(&buf[..n]));
                }
            }
        });
        let url = match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(url) => url,
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "{script} did not start: {}",
                    log.lock().map(|l| l.clone()).unwrap_or_default()
                );
            }
        };
        NodePeer {
            child: Some(child),
            url,
            log,
        }
    }

    /// The FHIR server: `--load` a transaction Bundle, keep `--state` across restarts.
    pub fn server(load: Option<&Path>, state: Option<&Path>, port: u16) -> NodePeer {
        let mut args = vec!["--port".to_owned(), port.to_string()];
        if let Some(l) = load {
            args.extend(["--load".into(), l.display().to_string()]);
        }
        if let Some(s) = state {
            args.extend(["--state".into(), s.display().to_string()]);
        }
        NodePeer::start("server.mjs", &args)
    }

    /// The fault proxy in front of `server`.
    pub fn proxy(server: &NodePeer, seed: u64, rate: f64, extra: &[&str]) -> NodePeer {
        let target = server.url.trim_end_matches("/fhir/R4").to_owned();
        let mut args = vec![
            "--target".to_owned(),
            target,
            "--port".into(),
            "0".into(),
            "--seed".into(),
            seed.to_string(),
            "--rate".into(),
            rate.to_string(),
        ];
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        NodePeer::start("fault-proxy.mjs", &args)
    }

    pub fn port(&self) -> u16 {
        self.url
            .trim_start_matches("http://127.0.0.1:")
            .split('/')
            .next()
            .and_then(|p| p.parse().ok())
            .expect("port in the url")
    }

    /// Kills the process (SIGKILL: the server's --state file is written atomically).
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    pub fn log_text(&self) -> String {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }
}

impl Drop for NodePeer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The demo practice (around the tests' fixed "now") as a file to `--load`.
pub fn demo_bundle_file(dir: &Path) -> PathBuf {
    let path = dir.join("demo-bundle.json");
    let bundle = checkin_kiosk::fhir::demo::demo_bundle(test_now());
    std::fs::write(&path, serde_json::to_vec(&bundle).expect("json")).expect("write bundle");
    path
}

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    runtime().block_on(f)
}

/// Sync settings for the tests: short timeouts and backoffs.
pub fn sync_config(url: &str) -> SyncConfig {
    let mut client = ClientConfig::new(url);
    client.connect_timeout = Duration::from_secs(2);
    client.request_timeout = Duration::from_secs(15);
    let mut c = SyncConfig::new(client, KIOSK_ID);
    c.backoff = Backoff {
        base: Duration::from_millis(100),
        cap: Duration::from_secs(1),
    };
    c.pull_interval = Duration::from_secs(600);
    c.push_interval = Duration::from_millis(500);
    c
}

pub fn syncer(db: &Path, config: SyncConfig) -> Syncer<FixedClock> {
    let store = Store::open(db).expect("open store for the syncer");
    Syncer::new(store, config, FixedClock::new(test_now())).expect("syncer")
}

/// GET a URL (straight to the server, not through the proxy) as JSON.
pub fn get_json(url: &str) -> Value {
    block_on(async {
        let resp = reqwest::Client::new()
            .get(url)
            .header("Accept", "application/fhir+json")
            .send()
            .await
            .expect("GET");
        let status = resp.status();
        let body = resp.bytes().await.expect("body");
        assert!(status.is_success(), "GET {url}: {status}");
        serde_json::from_slice(&body).expect("json")
    })
}

/// How many resources of `ty` carry the kiosk identifier `value`.
pub fn count_by_identifier(base: &str, ty: &str, value: &str) -> u64 {
    let system = checkin_kiosk::fhir::mapping::kiosk_system(KIOSK_ID);
    let v = get_json(&format!(
        "{base}/{ty}?identifier={system}|{value}&_summary=count"
    ));
    v["total"].as_u64().expect("total")
}

/// The versions of a resource the server has (its instance history).
pub fn history(base: &str, ty: &str, id: &str) -> Vec<Value> {
    let v = get_json(&format!("{base}/{ty}/{id}/_history"));
    v["entry"]
        .as_array()
        .map(|e| e.iter().map(|x| x["resource"].clone()).collect())
        .unwrap_or_default()
}

/// Changes an Appointment on the server as the front desk would (read, edit, PUT).
pub fn desk_edit(base: &str, id: &str, edit: impl FnOnce(&mut Value)) {
    let mut appt = get_json(&format!("{base}/Appointment/{id}"));
    edit(&mut appt);
    block_on(async {
        let resp = reqwest::Client::new()
            .put(format!("{base}/Appointment/{id}"))
            .header("Content-Type", "application/fhir+json")
            .body(serde_json::to_vec(&appt).expect("json"))
            .send()
            .await
            .expect("PUT");
        assert!(resp.status().is_success(), "desk PUT: {}", resp.status());
    });
}

pub fn post(url: &str) {
    block_on(async {
        let resp = reqwest::Client::new().post(url).send().await.expect("POST");
        assert!(resp.status().is_success(), "POST {url}: {}", resp.status());
    });
}
