//! Sync with the practice's FHIR R4 server, off the UI thread: today's schedule in,
//! check-ins out, nothing lost. `Syncer` does one step (pull, push a batch); the worker
//! thread owns a tokio runtime and decides when (on a nudge after each check-in, on a
//! timer, after a backoff), and publishes online/offline and the outbox counts.

pub mod backoff;
mod engine;
mod worker;

use std::time::Duration;

use chrono::NaiveDateTime;

pub use backoff::Backoff;
pub use engine::{PullReport, PushReport, Syncer};
pub use worker::{spawn, Nudger, SyncHandle};

use crate::fhir::{ClientConfig, FhirError};
use crate::store::StoreError;

#[derive(Clone, Debug)]
pub struct SyncConfig {
    pub client: ClientConfig,
    /// Minted identifiers use `urn:checkin-kiosk:<kiosk_id>`.
    pub kiosk_id: String,
    /// Identifier system of the code printed on appointment reminders.
    pub code_system: String,
    /// Today's schedule is pulled again this often (later statuses feed the wait estimate).
    pub pull_interval: Duration,
    /// Pending items are looked at this often even without a nudge.
    pub push_interval: Duration,
    /// Outbox items per transaction Bundle (1: one request per check-in).
    pub batch_size: usize,
    /// Appointments per search page asked of the server.
    pub page_size: usize,
    pub backoff: Backoff,
}

impl SyncConfig {
    pub fn new(client: ClientConfig, kiosk_id: impl Into<String>) -> Self {
        SyncConfig {
            client,
            kiosk_id: kiosk_id.into(),
            code_system: crate::fhir::mapping::DEFAULT_CODE_SYSTEM.to_owned(),
            pull_interval: Duration::from_secs(120),
            push_interval: Duration::from_secs(30),
            batch_size: 20,
            page_size: 100,
            backoff: Backoff::default(),
        }
    }
}

impl SyncConfig {
    /// The sync settings of a configuration; None without a server (demo mode). A token
    /// file is read here (its first line, trimmed).
    pub fn from_config(c: &crate::config::Config) -> Result<Option<SyncConfig>, SyncError> {
        let Some(url) = &c.server_url else {
            return Ok(None);
        };
        let sv = &c.server;
        let token = match (&sv.token, &sv.token_file) {
            (Some(t), _) => Some(t.clone()),
            (None, Some(path)) => {
                let text =
                    std::fs::read_to_string(path).map_err(|source| SyncError::TokenFile {
                        path: path.clone(),
                        source,
                    })?;
                text.lines()
                    .next()
                    .map(|l| l.trim().to_owned())
                    .filter(|t| !t.is_empty())
            }
            (None, None) => None,
        };
        let secs = |n: u32| Duration::from_secs(u64::from(n));
        let mut client = ClientConfig::new(url.clone());
        client.token = token;
        client.ca_file = sv.ca_file.clone();
        client.connect_timeout = secs(sv.connect_timeout_secs);
        client.request_timeout = secs(sv.request_timeout_secs);
        let mut config = SyncConfig::new(client, c.kiosk_id.clone());
        config.code_system = sv.appointment_code_system.clone();
        config.pull_interval = secs(sv.pull_interval_secs);
        config.push_interval = secs(sv.push_interval_secs);
        config.batch_size = usize::try_from(sv.batch_size).unwrap_or(20);
        config.backoff.cap = secs(sv.max_backoff_secs);
        Ok(Some(config))
    }
}

/// What the UI and staff see of the sync. No patient data; `problem` is plain words for
/// staff and may quote the server (so it goes to the screen and the database, not logs).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SyncStatus {
    /// The last exchange with the server worked.
    pub online: bool,
    pub pending: u64,
    pub sent: u64,
    pub failed: u64,
    pub last_pull: Option<NaiveDateTime>,
    pub last_push: Option<NaiveDateTime>,
    pub problem: Option<String>,
    /// Requests sent and backoff waits so far (diagnostics; tests count them).
    pub requests: u64,
    pub backoffs: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Fhir(#[from] FhirError),
    #[error("cannot start the sync worker: {0}")]
    Start(String),
    #[error("cannot read the token file {path}: {source}")]
    TokenFile {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
}

impl SyncError {
    /// Worth retrying after a backoff (the network, the server being busy or failing).
    pub fn is_transient(&self) -> bool {
        match self {
            SyncError::Fhir(e) => e.is_transient(),
            SyncError::Store(_) | SyncError::Start(_) | SyncError::TokenFile { .. } => false,
        }
    }

    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            SyncError::Fhir(e) => e.retry_after(),
            _ => None,
        }
    }
}
