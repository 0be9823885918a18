//! Talking to systemd's service manager (the `Type=notify` protocol): "ready" once the
//! window's event loop runs, and the watchdog fed from that same event loop, so a hung UI
//! stops the feeding and systemd restarts the kiosk. Without `NOTIFY_SOCKET` (not started
//! by systemd) all of this is off.

use std::io;
use std::os::unix::net::{SocketAddr, UnixDatagram};
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error("NOTIFY_SOCKET {0:?} is not a socket path or an abstract socket name")]
    BadSocket(String),
    #[error("cannot open a socket to tell systemd the kiosk's state: {0}")]
    Socket(#[source] io::Error),
}

/// What the service manager told this process through its environment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NotifyEnv {
    pub socket: Option<String>,
    pub watchdog_usec: Option<String>,
    pub watchdog_pid: Option<String>,
}

impl NotifyEnv {
    pub fn from_process() -> NotifyEnv {
        NotifyEnv {
            socket: std::env::var("NOTIFY_SOCKET").ok(),
            watchdog_usec: std::env::var("WATCHDOG_USEC").ok(),
            watchdog_pid: std::env::var("WATCHDOG_PID").ok(),
        }
    }
}

pub struct Notifier {
    socket: UnixDatagram,
    addr: SocketAddr,
    watchdog: Option<Duration>,
}

impl Notifier {
    /// None when the kiosk was not started by systemd as a notify service.
    pub fn from_env(env: &NotifyEnv) -> Result<Option<Notifier>, NotifyError> {
        let Some(path) = env.socket.as_deref().filter(|p| !p.is_empty()) else {
            return Ok(None);
        };
        let addr = socket_addr(path)?;
        let socket = UnixDatagram::unbound().map_err(NotifyError::Socket)?;
        Ok(Some(Notifier {
            socket,
            addr,
            watchdog: watchdog_interval(
                env,
                std::process::id(),
                std::os::unix::process::parent_id(),
            ),
        }))
    }

    /// How often to feed the watchdog: half the service's WatchdogSec, or None when the
    /// service has no watchdog for this process.
    pub fn watchdog_every(&self) -> Option<Duration> {
        self.watchdog
    }

    pub fn ready(&self) {
        self.send("READY=1");
    }

    pub fn watchdog(&self) {
        self.send("WATCHDOG=1");
    }

    /// A one-line status for `systemctl status`; never patient data.
    pub fn status(&self, text: &str) {
        self.send(&format!("STATUS={}", text.replace('\n', " ")));
    }

    fn send(&self, message: &str) {
        // Losing one message is harmless (the next feed follows); a socket that stays
        // broken shows as a watchdog restart in the journal, with this warning before it.
        if let Err(e) = self.socket.send_to_addr(message.as_bytes(), &self.addr) {
            tracing::warn!(error = %e, "could not tell systemd the kiosk's state");
        }
    }
}

fn socket_addr(path: &str) -> Result<SocketAddr, NotifyError> {
    if let Some(name) = path.strip_prefix('@') {
        use std::os::linux::net::SocketAddrExt;
        SocketAddr::from_abstract_name(name.as_bytes())
            .map_err(|_| NotifyError::BadSocket(path.to_owned()))
    } else if path.starts_with('/') {
        SocketAddr::from_pathname(path).map_err(|_| NotifyError::BadSocket(path.to_owned()))
    } else {
        Err(NotifyError::BadSocket(path.to_owned()))
    }
}

/// Half of WATCHDOG_USEC, when the watchdog is meant for this process. systemd names the
/// service's main process in WATCHDOG_PID; the kiosk is either that process or, in the
/// cage session, the compositor's only child (the unit then has NotifyAccess=all).
fn watchdog_interval(env: &NotifyEnv, pid: u32, parent: u32) -> Option<Duration> {
    let usec: u64 = env.watchdog_usec.as_deref()?.trim().parse().ok()?;
    if usec == 0 {
        return None;
    }
    if let Some(for_pid) = env.watchdog_pid.as_deref() {
        let for_pid: u32 = for_pid.trim().parse().ok()?;
        if for_pid != pid && for_pid != parent {
            return None;
        }
    }
    Some(Duration::from_micros(usec / 2))
}

/// Keeps the notifications running on the Slint event loop for as long as it is held.
pub struct EventLoopNotifier {
    _ready: slint::Timer,
    _watchdog: Option<slint::Timer>,
}

/// Sends READY=1 once the event loop runs (the window is up by then) and feeds the
/// watchdog from the event loop: a UI that stops turning stops the feeding.
pub fn notify_from_event_loop(notifier: Notifier, status: String) -> EventLoopNotifier {
    let notifier = std::rc::Rc::new(notifier);
    let ready = slint::Timer::default();
    let first = notifier.clone();
    ready.start(
        slint::TimerMode::SingleShot,
        Duration::from_millis(0),
        move || {
            first.status(&status);
            first.ready();
            first.watchdog();
        },
    );
    let watchdog = notifier.watchdog_every().map(|every| {
        let timer = slint::Timer::default();
        let feeder = notifier.clone();
        timer.start(slint::TimerMode::Repeated, every, move || feeder.watchdog());
        timer
    });
    EventLoopNotifier {
        _ready: ready,
        _watchdog: watchdog,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(socket: Option<&str>, usec: Option<&str>, pid: Option<&str>) -> NotifyEnv {
        NotifyEnv {
            socket: socket.map(str::to_owned),
            watchdog_usec: usec.map(str::to_owned),
            watchdog_pid: pid.map(str::to_owned),
        }
    }

    #[test]
    fn the_watchdog_is_fed_at_half_its_timeout_and_only_when_meant_for_this_process() {
        let half = Some(Duration::from_secs(15));
        assert_eq!(
            watchdog_interval(&env(None, Some("30000000"), None), 7, 1),
            half
        );
        assert_eq!(
            watchdog_interval(&env(None, Some("30000000"), Some("7")), 7, 1),
            half
        );
        // The kiosk as cage's child.
        assert_eq!(
            watchdog_interval(&env(None, Some("30000000"), Some("3")), 7, 3),
            half
        );
        assert_eq!(
            watchdog_interval(&env(None, Some("30000000"), Some("9")), 7, 3),
            None
        );
        assert_eq!(watchdog_interval(&env(None, Some("0"), None), 7, 1), None);
        assert_eq!(
            watchdog_interval(&env(None, Some("soon"), None), 7, 1),
            None
        );
        assert_eq!(watchdog_interval(&env(None, None, None), 7, 1), None);
    }

    #[test]
    fn messages_reach_the_notify_socket() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notify");
        let listener = UnixDatagram::bind(&path).unwrap();
        listener
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let notifier = Notifier::from_env(&env(path.to_str(), Some("2000000"), None))
            .unwrap()
            .unwrap();
        assert_eq!(notifier.watchdog_every(), Some(Duration::from_secs(1)));
        notifier.status("3 check-ins waiting\nto sync");
        notifier.ready();
        notifier.watchdog();
        let mut received = Vec::new();
        let mut buf = [0u8; 256];
        for _ in 0..3 {
            let n = listener.recv(&mut buf).unwrap();
            received.push(String::from_utf8_lossy(&buf[..n]).into_owned());
        }
        assert_eq!(
            received,
            [
                "STATUS=3 check-ins waiting to sync",
                "READY=1",
                "WATCHDOG=1"
            ]
        );
    }

    #[test]
    fn no_socket_means_not_under_systemd_and_a_bad_one_is_named() {
        assert!(Notifier::from_env(&env(None, Some("1000"), None))
            .unwrap()
            .is_none());
        assert!(Notifier::from_env(&env(Some(""), None, None))
            .unwrap()
            .is_none());
        let e = Notifier::from_env(&env(Some("relative/path"), None, None))
            .err()
            .unwrap();
        assert!(e.to_string().contains("relative/path"), "{e}");
        // Abstract names (systemd's usual) are accepted.
        assert!(
            Notifier::from_env(&env(Some("@/org/freedesktop/systemd1/notify"), None, None))
                .unwrap()
                .is_some()
        );
    }
}
