//! The sync worker: a thread with a current-thread tokio runtime that owns the `Syncer`.
//! It wakes on a nudge (after each check-in), on its timers, or when a backoff ends; pushes
//! oldest first; backs off (capped, full jitter, Retry-After honoured) on anything that is
//! not the items' fault; and publishes a `SyncStatus` after every step. The UI thread only
//! ever sends it a message.

use std::thread::JoinHandle;

use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};
use tokio::time::Instant;

use super::engine::{staff_text, PullReport, PushReport, Syncer};
use super::{SyncError, SyncStatus};
use crate::app::Clock;

/// Batches pushed in one go before the worker looks at its messages and timers again.
const MAX_BATCHES_PER_CYCLE: usize = 1000;

enum Command {
    Nudge,
    Pull,
    Stop,
}

/// Wakes the worker after a check-in. Cheap to clone, never blocks, callable from any
/// thread; a stopped worker ignores it.
#[derive(Clone, Debug)]
pub struct Nudger(UnboundedSender<Command>);

impl Nudger {
    pub fn nudge(&self) {
        let _stopped = self.0.send(Command::Nudge);
    }

    /// Pull today's schedule now (staff's "Refresh today's schedule").
    pub fn refresh_roster(&self) {
        let _stopped = self.0.send(Command::Pull);
    }
}

impl std::fmt::Debug for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Command::Nudge => "Nudge",
            Command::Pull => "Pull",
            Command::Stop => "Stop",
        })
    }
}

/// The running worker. Dropping it stops the worker (an exchange in flight is abandoned:
/// every push is idempotent, so it is simply sent again next time).
pub struct SyncHandle {
    tx: UnboundedSender<Command>,
    thread: Option<JoinHandle<()>>,
}

impl SyncHandle {
    pub fn nudger(&self) -> Nudger {
        Nudger(self.tx.clone())
    }

    pub fn nudge(&self) {
        let _stopped = self.tx.send(Command::Nudge);
    }

    /// Pull today's schedule now (staff's "Refresh").
    pub fn refresh_roster(&self) {
        let _stopped = self.tx.send(Command::Pull);
    }

    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        let _stopped = self.tx.send(Command::Stop);
        if let Some(thread) = self.thread.take() {
            if thread.join().is_err() {
                tracing::error!("the sync worker thread panicked");
            }
        }
    }
}

impl Drop for SyncHandle {
    fn drop(&mut self) {
        self.shutdown();
    }
}

type Publish = Box<dyn Fn(&SyncStatus) + Send>;

/// Starts the worker on its own thread. `publish` is called on that thread after every
/// step (the UI hands it to its event loop).
pub fn spawn<C: Clock + 'static>(
    syncer: Syncer<C>,
    publish: Publish,
) -> Result<SyncHandle, SyncError> {
    let (tx, rx) = unbounded_channel();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| SyncError::Start(e.to_string()))?;
    let thread = std::thread::Builder::new()
        .name("sync".into())
        .spawn(move || runtime.block_on(run(syncer, rx, publish)))
        .map_err(|e| SyncError::Start(e.to_string()))?;
    Ok(SyncHandle {
        tx,
        thread: Some(thread),
    })
}

#[derive(Default)]
struct Cycle {
    pull: Option<Result<PullReport, SyncError>>,
    push: PushReport,
    push_error: Option<SyncError>,
}

fn refresh_counts<C: Clock>(s: &Syncer<C>, status: &mut SyncStatus) {
    match s.store().outbox_counts() {
        Ok(c) => {
            status.pending = c.pending;
            status.sent = c.sent;
            status.failed = c.failed;
        }
        Err(e) => tracing::warn!(error = %e, "outbox counts not read"),
    }
    status.requests = s.client().requests();
}

async fn cycle<C: Clock>(
    s: &mut Syncer<C>,
    do_pull: bool,
    status: &mut SyncStatus,
    publish: &Publish,
) -> Cycle {
    let mut out = Cycle::default();
    if do_pull {
        let pulled = s.pull().await;
        let unreachable = matches!(&pulled, Err(e) if e.is_transient());
        out.pull = Some(pulled);
        if unreachable {
            return out;
        }
    }
    for _ in 0..MAX_BATCHES_PER_CYCLE {
        match s.push_batch().await {
            Ok(r) if r.sent + r.failed == 0 => break,
            Ok(r) => {
                out.push.sent += r.sent;
                out.push.failed += r.failed;
                out.push.conflicts += r.conflicts;
                status.online = true;
                refresh_counts(s, status);
                publish(status);
            }
            Err(e) => {
                out.push_error = Some(e);
                break;
            }
        }
    }
    out
}

fn remember<C: Clock>(s: &mut Syncer<C>, key: &str, value: Option<&str>) {
    let now = s.clock().now();
    let result = match value {
        Some(v) => s.store_mut().set_sync_state(key, v, now),
        None => s.store_mut().clear_sync_state(key),
    };
    if let Err(e) = result {
        tracing::warn!(error = %e, key, "sync state not saved");
    }
}

async fn run<C: Clock>(mut s: Syncer<C>, mut rx: UnboundedReceiver<Command>, publish: Publish) {
    let config = s.config().clone();
    let mut rng = fastrand::Rng::new();
    let mut status = SyncStatus::default();
    let mut failures: u32 = 0;
    let mut gate = Instant::now();
    let mut next_pull = Instant::now();
    let mut pull_wanted = true;
    refresh_counts(&s, &mut status);
    publish(&status);
    tracing::info!(batch_size = config.batch_size, "sync worker started");
    loop {
        let now = Instant::now();
        if now >= gate {
            let do_pull = pull_wanted || now >= next_pull;
            let finished = {
                let work = cycle(&mut s, do_pull, &mut status, &publish);
                tokio::pin!(work);
                loop {
                    tokio::select! {
                        done = &mut work => break Some(done),
                        cmd = rx.recv() => match cmd {
                            None | Some(Command::Stop) => break None,
                            Some(Command::Nudge) => {}
                            Some(Command::Pull) => pull_wanted = true,
                        },
                    }
                }
            };
            let Some(done) = finished else {
                break;
            };
            let now = Instant::now();
            let mut transient: Option<&SyncError> = None;
            let mut problem: Option<String> = None;
            if let Some(pulled) = &done.pull {
                match pulled {
                    Ok(_) => {
                        pull_wanted = false;
                        next_pull = now + config.pull_interval;
                        status.last_pull = Some(s.clock().now());
                        status.online = true;
                        let at = s.clock().now().format("%Y-%m-%d %H:%M:%S").to_string();
                        remember(&mut s, "last_pull_ok", Some(&at));
                        remember(&mut s, "pull_problem", None);
                    }
                    Err(e) if e.is_transient() => transient = Some(e),
                    Err(e) => {
                        // The server answered, but with something we cannot use: the
                        // roster stays as it was; staff are told; try at the next interval.
                        pull_wanted = false;
                        next_pull = now + config.pull_interval;
                        tracing::warn!(error = %e, "today's schedule not refreshed; the previous one is kept");
                        let text = format!("Today's schedule could not be refreshed (the previous one is kept): {}", staff_text(e));
                        remember(&mut s, "pull_problem", Some(&text));
                        problem = Some(text);
                    }
                }
            }
            if done.push.sent > 0 {
                status.last_push = Some(s.clock().now());
                let at = s.clock().now().format("%Y-%m-%d %H:%M:%S").to_string();
                remember(&mut s, "last_push_ok", Some(&at));
            }
            if let Some(e) = &done.push_error {
                transient = transient.or(Some(e));
                if !e.is_transient() {
                    tracing::warn!(error = %e, "check-ins not sent; will try again");
                }
            }
            match transient {
                Some(e) => {
                    failures = failures.saturating_add(1);
                    let wait = config.backoff.delay(failures, e.retry_after(), rng.f64());
                    gate = now + wait;
                    status.backoffs += 1;
                    status.online =
                        !matches!(e, SyncError::Fhir(crate::fhir::FhirError::Network(_)))
                            && !e.is_transient();
                    let text = format!(
                        "Cannot reach the practice server; trying again in {} s: {}",
                        wait.as_secs().max(1),
                        staff_text(e)
                    );
                    tracing::info!(error = %e, failures, wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX), "sync backing off");
                    remember(&mut s, "push_problem", Some(&text));
                    problem = problem.or(Some(text));
                }
                None => {
                    failures = 0;
                    if done.pull.is_some() || done.push.sent + done.push.failed > 0 {
                        remember(&mut s, "push_problem", None);
                    }
                }
            }
            status.problem =
                problem.or_else(|| s.store().sync_state("pull_problem").ok().flatten());
            refresh_counts(&s, &mut status);
            publish(&status);
        }
        let now = Instant::now();
        let wake = if gate > now {
            gate
        } else {
            next_pull.min(now + config.push_interval)
        };
        tokio::select! {
            cmd = rx.recv() => match cmd {
                None | Some(Command::Stop) => break,
                Some(Command::Nudge) => {}
                Some(Command::Pull) => pull_wanted = true,
            },
            () = tokio::time::sleep_until(wake) => {}
        }
    }
    tracing::info!("sync worker stopped");
}
