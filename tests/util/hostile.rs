//! Our own misbehaving HTTP server for the sync tests: it answers every request with the
//! same crafted reply (garbage, a huge body, a cut-off body...), optionally after a delay.
//! A real FHIR server does not send garbage, so this one is ours on purpose.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// What the hostile server sends back, whatever was asked.
#[derive(Clone)]
pub enum Reply {
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

pub struct Hostile {
    pub url: String,
    /// Requests received so far.
    pub requests: Arc<AtomicUsize>,
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

pub fn hostile(reply: Reply) -> Hostile {
    hostile_at(|_| reply)
}

/// A server that waits `delay` before each answer (a slow or overloaded server).
pub fn slow(delay: Duration, reply: Reply) -> Hostile {
    serve(delay, |_| reply)
}

/// A hostile server whose reply may name its own address (for links back to itself).
pub fn hostile_at(reply: impl FnOnce(&str) -> Reply) -> Hostile {
    serve(Duration::ZERO, reply)
}

fn serve(delay: Duration, reply: impl FnOnce(&str) -> Reply) -> Hostile {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("nonblocking");
    let port = listener.local_addr().expect("addr").port();
    let url = format!("http://127.0.0.1:{port}/fhir/R4");
    let reply = reply(&url);
    let stop = Arc::new(AtomicBool::new(false));
    let stopping = stop.clone();
    let requests = Arc::new(AtomicUsize::new(0));
    let counted = requests.clone();
    std::thread::spawn(move || {
        while !stopping.load(Ordering::SeqCst) {
            match listener.accept() {
                Ok((mut stream, _)) => {
                    let _ = stream.set_nonblocking(false);
                    read_request(&mut stream);
                    counted.fetch_add(1, Ordering::SeqCst);
                    let reply = reply.clone();
                    let stopping = stopping.clone();
                    // Each connection on its own thread, so a slow answer holds up no other.
                    std::thread::spawn(move || {
                        let until = std::time::Instant::now() + delay;
                        while std::time::Instant::now() < until && !stopping.load(Ordering::SeqCst)
                        {
                            std::thread::sleep(Duration::from_millis(10));
                        }
                        // A client that stops reading (the size limit) ends the write: fine.
                        let _ = respond(&mut stream, &reply);
                    });
                }
                Err(_) => std::thread::sleep(Duration::from_millis(5)),
            }
        }
    });
    Hostile {
        url,
        requests,
        stop,
    }
}
