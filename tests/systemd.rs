//! The real kiosk binary on a real X server (Xvfb), started the way systemd starts a
//! `Type=notify` service with a watchdog: it says READY=1 once its window's event loop
//! runs, then keeps feeding the watchdog from that loop.

use std::os::unix::net::UnixDatagram;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Kills the process when the test ends, however it ends.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// An Xvfb on the first free display number from a per-process starting point.
fn start_xvfb() -> (Running, String) {
    let first = 200 + std::process::id() % 500;
    for n in first..first + 50 {
        if Path::new(&format!("/tmp/.X{n}-lock")).exists() {
            continue;
        }
        let mut child = Command::new("Xvfb")
            .arg(format!(":{n}"))
            .args(["-screen", "0", "1280x800x24", "-nolisten", "tcp"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb is installed (scripts/install-system-packages.sh)");
        let socket = format!("/tmp/.X11-unix/X{n}");
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if Path::new(&socket).exists() {
                return (Running(child), format!(":{n}"));
            }
            if let Ok(Some(_)) = child.try_wait() {
                break; // display taken meanwhile: try the next one
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
    }
    panic!("no free X display for Xvfb");
}

fn receive(socket: &UnixDatagram, until: Instant) -> Option<String> {
    let left = until.checked_duration_since(Instant::now())?;
    socket
        .set_read_timeout(Some(left.max(Duration::from_millis(1))))
        .ok()?;
    let mut buf = [0u8; 512];
    let n = socket.recv(&mut buf).ok()?;
    Some(String::from_utf8_lossy(&buf[..n]).into_owned())
}

#[test]
fn the_kiosk_tells_systemd_it_is_ready_and_feeds_the_watchdog_from_its_event_loop() {
    let (_xvfb, display) = start_xvfb();
    let dir = tempfile::tempdir().expect("dir");
    let notify_path = dir.path().join("notify");
    let notify = UnixDatagram::bind(&notify_path).expect("notify socket");
    let config = dir.path().join("kiosk.toml");
    std::fs::write(&config, "# defaults: the demo practice\n").expect("config");

    let mut cmd = Command::new(env!("CARGO_BIN_EXE_checkin-kiosk"));
    for (k, _) in std::env::vars() {
        if k.starts_with("CHECKIN_KIOSK_") || k == "WAYLAND_DISPLAY" || k == "SLINT_BACKEND" {
            cmd.env_remove(k);
        }
    }
    let kiosk = cmd
        .arg("--data-dir")
        .arg(dir.path())
        .arg("--config")
        .arg(&config)
        .arg("run")
        .env("DISPLAY", &display)
        .env("NOTIFY_SOCKET", &notify_path)
        // WatchdogSec=1: fed every half second.
        .env("WATCHDOG_USEC", "1000000")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the kiosk");
    let _kiosk = Running(kiosk);

    let deadline = Instant::now() + Duration::from_secs(90);
    let mut messages = Vec::new();
    while !messages.iter().any(|m| m == "READY=1") {
        match receive(&notify, deadline) {
            Some(m) => messages.push(m),
            None => panic!("no READY=1 within 90 s; got {messages:?}"),
        }
    }
    assert!(
        messages
            .iter()
            .any(|m| m == "STATUS=kiosk running the demo practice"),
        "{messages:?}"
    );
    // Then the watchdog, again and again, at about half a second.
    let started = Instant::now();
    let mut feeds = 0;
    while feeds < 4 {
        match receive(&notify, started + Duration::from_secs(20)) {
            Some(m) if m == "WATCHDOG=1" => feeds += 1,
            Some(_) => {}
            None => panic!("the watchdog stopped being fed after {feeds} feeds"),
        }
    }
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(1000),
        "four feeds in {took:?}: faster than every half second"
    );
}
