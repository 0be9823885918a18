//! A server that answers the roster pull with garbage: missing fields, wrong types, a 50 MB
//! body, HTML, a Bundle whose next link is itself, a link to another server, a cut-off body.
//! Each time the previous roster stays intact, the error is plain and quotes nothing the
//! server sent, and nothing panics. The server here is ours on purpose: a real FHIR server
//! does not send garbage.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use checkin_kiosk::app::demo;
use checkin_kiosk::store::Store;
use serde_json::json;

use crate::util::fhir::{block_on, sync_config, syncer};
use crate::util::logs::{assert_no_patient_data, capture_logs, patient_secrets};
use crate::util::test_now;

/// What the hostile server sends back, whatever was asked.
#[derive(Clone)]
enum Reply {
    Json(serde_json::Value),
    Raw {
        content_type: &'static str,
        body: Vec<u8>,
    },
    /// Headers promise `promised` bytes; `sent` are written, then the connection closes.
    Truncated {
        promised: usize,
        sent: Vec<u8>,
    },
    /// A 200 whose body is `size` bytes of JSON-looking filler, streamed.
    Huge {
        size: usize,
    },
}

struct Hostile {
    url: String,
    stop: Arc<AtomicBool>,
}

impl Drop for Hostile {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

fn read_request(stream: &mut TcpStream) {
    let mut buf = [0u8; 4096];
    let mut seen = Vec::new();
    while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => seen.extend_from_slice(&buf[..n]),
        }
    }
}

fn respond(stream: &mut TcpStream, reply: &Reply) -> std::io::Result<()> {
    let head = |len: usize, ct: &str| {
        format!("HTTP/1.1 200 OK\r\nContent-Type: {ct}\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n")
    };
    match reply {
        Reply::Json(v) => {
            let body = serde_json::to_vec(v).unwrap_or_default();
            stream.write_all(head(body.len(), "application/fhir+json").as_bytes())?;
            stream.write_all(&body)
        }
        Reply::Raw { content_type, body } => {
            stream.write_all(head(body.len(), content_type).as_bytes())?;
            stream.write_all(body)
        }
        Reply::Truncated { promised, sent } => {
            stream.write_all(head(*promised, "application/fhir+json").as_bytes())?;
            stream.write_all(sent)
        }
        Reply::Huge { size } => {
            stream.write_all(head(*size, "application/fhir+json").as_bytes())?;
            stream.write_all(b"{\"resourceType\":\"Bundle\",\"type\":\"searchset\",\"x\":\"")?;
            let chunk = vec![b'a'; 64 * 1024];
            let mut left = size.saturating_sub(48);
            while left > 0 {
                let n = left.min(chunk.len());
                stream.write_all(&chunk[..n])?;
                left -= n;
            }
            Ok(())
        }
    }
}

fn hostile(reply: Reply) -> Hostile {
    hostile_at(|_| reply)
}

/// A hostile server whose reply may name its own address (for links back to itself).
fn hostile_at(reply: impl FnOnce(&str) -> Reply) -> Hostile {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("nonblocking");
    let port = listener.local_addr().expect("addr").port();
    let url = format!("http://127.0.0.1:{port}/fhir/R4");
    let reply = reply(&url);
    let stop = Arc::new(AtomicBool::new(false));
    let stopping = stop.clone();
    std::thread::spawn(move || {
        while !stopping.load(Ordering::SeqCst) {
            match listener.accept() {
                Ok((mut stream, _)) => {
                    let _ = stream.set_nonblocking(false);
                    read_request(&mut stream);
                    // A client that stops reading (the size limit) ends the write: fine.
                    let _ = respond(&mut stream, &reply);
                }
                Err(_) => std::thread::sleep(Duration::from_millis(5)),
            }
        }
    });
    Hostile { url, stop }
}

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
