//! One sync step at a time: pull today's roster, push a batch of the outbox. The worker
//! (worker.rs) decides when; `sync --once` and the tests call these directly.

use std::collections::HashMap;

use super::{SyncConfig, SyncError};
use crate::app::Clock;
use crate::domain::{CheckInKind, CheckInState};
use crate::fhir::mapping::{
    arrived_entry, day_range, kiosk_system, parse_roster, patient_reference, response_entry,
    walk_in_entries, Skipped,
};
use crate::fhir::model::{self, AppointmentStatus as FhirStatus, Bundle, BundleEntry};
use crate::fhir::{Client, FhirError, PageLimits};
use crate::store::{OutboxItem, Store};

/// Conflicts (412/409) re-read and retried at once, per batch, before backing off.
const CONFLICT_RETRIES: u32 = 3;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PullReport {
    pub appointments: usize,
    pub pages: usize,
    pub skipped: Skipped,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PushReport {
    /// Acknowledged by the server (or owed nothing: a desk case without forms).
    pub sent: usize,
    /// Refused for good, with the reason kept for staff.
    pub failed: usize,
    /// Version conflicts re-read and retried.
    pub conflicts: usize,
}

impl PushReport {
    fn add(&mut self, other: PushReport) {
        self.sent += other.sent;
        self.failed += other.failed;
        self.conflicts += other.conflicts;
    }
}

/// What one group of items came to.
enum GroupResult {
    /// Sent (or settled); `deferred` items did not fit under the entry cap and stay pending.
    Done { report: PushReport, deferred: usize },
    /// The server refused the transaction for something in it (400, 413, 422...); it had
    /// `entries` entries.
    Refused { error: FhirError, entries: usize },
}

/// A refusal that belongs to the items sent (as opposed to the server, the network or our
/// credentials, which retry later and never fail an item).
fn refused_for_the_items(e: &FhirError) -> bool {
    matches!(e.status(), Some(400 | 410 | 413 | 422))
}

fn is_conflict(e: &FhirError) -> bool {
    matches!(e.status(), Some(409 | 412))
}

pub struct Syncer<C: Clock> {
    store: Store,
    client: Client,
    clock: C,
    config: SyncConfig,
    system: String,
    /// Today's Appointments as the server last sent them (with versions), for the PUT.
    appointments: HashMap<String, model::Appointment>,
    entry_cap: usize,
}

impl<C: Clock> Syncer<C> {
    pub fn new(store: Store, config: SyncConfig, clock: C) -> Result<Self, SyncError> {
        let client = Client::new(&config.client)?;
        Ok(Syncer {
            store,
            client,
            clock,
            system: kiosk_system(&config.kiosk_id),
            config,
            appointments: HashMap::new(),
            entry_cap: usize::MAX,
        })
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn store_mut(&mut self) -> &mut Store {
        &mut self.store
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn config(&self) -> &SyncConfig {
        &self.config
    }

    pub fn clock(&self) -> &C {
        &self.clock
    }

    /// Today's Appointments with their Patients and Practitioners, every page, into the
    /// roster in one transaction. Anything wrong with the answer leaves the roster as it was.
    pub async fn pull(&mut self) -> Result<PullReport, SyncError> {
        let started = std::time::Instant::now();
        let day = self.clock.now().date();
        let (from, to) = day_range(day);
        let params = [
            ("date", format!("ge{from}")),
            ("date", format!("lt{to}")),
            ("_include", "Appointment:patient".to_owned()),
            ("_include", "Appointment:actor".to_owned()),
            ("_count", self.config.page_size.to_string()),
        ];
        let pages = self
            .client
            .search_all("Appointment", &params, PageLimits::default())
            .await?;
        let pulled = parse_roster(&pages, day, &self.config.code_system)?;
        self.store.replace_roster(day, &pulled.appointments)?;
        self.appointments = pulled
            .resources
            .into_iter()
            .filter_map(|r| Some((r.id.clone()?, r)))
            .collect();
        let report = PullReport {
            appointments: pulled.appointments.len(),
            pages: pages.len(),
            skipped: pulled.skipped,
        };
        tracing::info!(
            appointments = report.appointments,
            pages = report.pages,
            cancelled = report.skipped.cancelled,
            unusable = report.skipped.unusable(),
            other_day = report.skipped.other_day,
            millis = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            "roster pulled"
        );
        Ok(report)
    }

    /// Pushes the oldest pending items (one batch). `Ok` with nothing sent or failed means
    /// the outbox is empty; an `Err` means try again later (nothing was marked failed).
    ///
    /// A batch the server refuses is split in halves until the culprit stands alone (it is
    /// failed with the server's words) or every half goes through: then the refusal was the
    /// batch's size (Medplum, for one, takes at most 8 entries in a transaction with
    /// conditional creates) and later batches stay under the size that failed.
    pub async fn push_batch(&mut self) -> Result<PushReport, SyncError> {
        let items = self.store.pending_outbox(self.config.batch_size.max(1))?;
        if items.is_empty() {
            return Ok(PushReport::default());
        }
        let started = std::time::Instant::now();
        let mut report = PushReport::default();
        // Groups still to send, the next on top; and the refused groups (their entries and
        // outbox ids) to learn from.
        let mut stack: Vec<Vec<OutboxItem>> = vec![items];
        let mut refused: Vec<(usize, Vec<String>)> = Vec::new();
        while let Some(group) = stack.pop() {
            match self.push_group(&group).await {
                Ok(GroupResult::Done {
                    report: r,
                    deferred,
                }) => {
                    report.add(r);
                    if deferred > 0 {
                        // The rest waits for the next batch, in order: nothing after it now.
                        break;
                    }
                }
                Ok(GroupResult::Refused { error, entries }) if group.len() > 1 => {
                    tracing::info!(items = group.len(), entries, error = %error, "batch refused; splitting it");
                    refused.push((entries, group.iter().map(|i| i.outbox_id.clone()).collect()));
                    let mut first = group;
                    let second = first.split_off(first.len() / 2);
                    stack.push(second);
                    stack.push(first);
                }
                Ok(GroupResult::Refused { error, .. }) => {
                    for item in &group {
                        self.fail(item, &error.staff_text(), &error)?;
                        report.failed += 1;
                    }
                }
                Err(e) => {
                    let mut waiting: Vec<String> =
                        group.iter().map(|i| i.outbox_id.clone()).collect();
                    waiting.extend(stack.iter().flatten().map(|i| i.outbox_id.clone()));
                    self.store
                        .mark_outbox_retry(&waiting, &staff_text(&e), self.clock.now())?;
                    return Err(e);
                }
            }
        }
        self.learn_entry_cap(&refused)?;
        tracing::info!(
            sent = report.sent,
            failed = report.failed,
            conflicts = report.conflicts,
            entry_cap = self.entry_cap,
            millis = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            "outbox batch pushed"
        );
        Ok(report)
    }

    /// A refused batch whose items all went through in smaller groups was refused for its
    /// size: stay under it from now on.
    fn learn_entry_cap(&mut self, refused: &[(usize, Vec<String>)]) -> Result<(), SyncError> {
        for (entries, ids) in refused {
            let mut all_sent = true;
            for id in ids {
                all_sent &= self.store.outbox_state(id)?.as_deref() == Some("sent");
            }
            if all_sent && *entries > 1 && entries - 1 < self.entry_cap {
                self.entry_cap = entries - 1;
                tracing::info!(
                    entry_cap = self.entry_cap,
                    "the server takes smaller transactions; batches shrink"
                );
            }
        }
        Ok(())
    }

    /// Entries per transaction this server has shown it takes (`usize::MAX` until a batch
    /// is refused for its size).
    pub fn entry_cap(&self) -> usize {
        self.entry_cap
    }

    fn fail(
        &mut self,
        item: &OutboxItem,
        reason: &str,
        e: &dyn std::fmt::Display,
    ) -> Result<(), SyncError> {
        tracing::warn!(outbox = %item.outbox_id, error = %e, "check-in refused by the server; kept as failed for staff");
        self.store.mark_outbox_failed(&item.outbox_id, reason)?;
        Ok(())
    }

    /// The server's current Appointments for these ids, from the cache or read fresh.
    async fn appointments_for(&mut self, ids: &[String]) -> Result<(), SyncError> {
        let missing: Vec<String> = ids
            .iter()
            .filter(|id| !self.appointments.contains_key(*id))
            .cloned()
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        for appt in self.client.read_appointments(&missing).await? {
            if let Some(id) = appt.id.clone() {
                self.appointments.insert(id, appt);
            }
        }
        Ok(())
    }

    /// Sends `items` as one transaction. Items the server can no longer take (appointment
    /// gone or cancelled) are failed on the way; desk cases without forms owe nothing.
    async fn push_group(&mut self, items: &[OutboxItem]) -> Result<GroupResult, SyncError> {
        let mut report = PushReport::default();
        let mut conflicts = 0u32;
        // Items settled without the transaction (failed, or owing nothing): not again on a
        // conflict round.
        let mut done: std::collections::HashSet<String> = std::collections::HashSet::new();
        loop {
            let ids: Vec<String> = items
                .iter()
                .filter_map(|i| match &i.kind {
                    CheckInKind::Appointment { appointment_id } => Some(appointment_id.clone()),
                    CheckInKind::WalkIn(_) => None,
                })
                .collect();
            self.appointments_for(&ids).await?;

            let mut entries: Vec<BundleEntry> = Vec::new();
            let mut included: Vec<String> = Vec::new();
            let mut settled: Vec<String> = Vec::new();
            let mut deferred = 0usize;
            for item in items {
                if done.contains(&item.outbox_id) {
                    continue;
                }
                if deferred > 0 {
                    deferred += 1;
                    continue;
                }
                match self.entries_for(item) {
                    Ok(e) if e.is_empty() => settled.push(item.outbox_id.clone()),
                    Ok(e) if !included.is_empty() && entries.len() + e.len() > self.entry_cap => {
                        deferred = 1;
                    }
                    Ok(e) => {
                        entries.extend(e);
                        included.push(item.outbox_id.clone());
                    }
                    Err(reason) => {
                        self.fail(
                            item,
                            &reason,
                            &"the server can no longer take this check-in",
                        )?;
                        done.insert(item.outbox_id.clone());
                        report.failed += 1;
                    }
                }
            }
            done.extend(settled.iter().cloned());
            if !settled.is_empty() {
                self.store.mark_outbox_sent(&settled, self.clock.now())?;
                report.sent += settled.len();
            }
            if entries.is_empty() {
                return Ok(GroupResult::Done { report, deferred });
            }
            let count = entries.len();
            match self.client.transaction(&Bundle::transaction(entries)).await {
                Ok(_reply) => {
                    self.store.mark_outbox_sent(&included, self.clock.now())?;
                    // Their versions moved on: read again if ever needed.
                    for id in &ids {
                        self.appointments.remove(id);
                    }
                    report.sent += included.len();
                    report.conflicts += usize::try_from(conflicts).unwrap_or(0);
                    return Ok(GroupResult::Done { report, deferred });
                }
                Err(e) if is_conflict(&e) && conflicts < CONFLICT_RETRIES => {
                    conflicts += 1;
                    tracing::info!(
                        attempt = conflicts,
                        "version conflict; reading the appointments again"
                    );
                    for id in &ids {
                        self.appointments.remove(id);
                    }
                }
                Err(e) if refused_for_the_items(&e) => {
                    return Ok(GroupResult::Refused {
                        error: e,
                        entries: count,
                    })
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// The entries one item becomes: empty when the server needs nothing (a
    /// desk case without forms), `Err(reason)` when it can no longer take it.
    fn entries_for(&self, item: &OutboxItem) -> Result<Vec<BundleEntry>, String> {
        let mut entries = Vec::new();
        let subject = match &item.kind {
            CheckInKind::WalkIn(w) => {
                let (e, patient) =
                    walk_in_entries(&self.system, &item.outbox_id, w, item.created_at)
                        .map_err(|e| e.to_string())?;
                entries.extend(e);
                patient
            }
            CheckInKind::Appointment { appointment_id } => {
                if item.state != CheckInState::CheckedIn && item.responses.is_empty() {
                    // Sent to the desk: staff check the patient in there; nothing is owed.
                    return Ok(Vec::new());
                }
                let Some(appt) = self.appointments.get(appointment_id) else {
                    return Err("the appointment is no longer on the server; please check the patient in at the desk".into());
                };
                match appt.status {
                    FhirStatus::Cancelled | FhirStatus::Noshow | FhirStatus::EnteredInError => {
                        return Err("the appointment was cancelled or closed on the server; please check the patient in at the desk".into());
                    }
                    // Already there (the desk, or an earlier push whose answer was lost).
                    FhirStatus::Arrived | FhirStatus::CheckedIn | FhirStatus::Fulfilled => {}
                    _ if item.state == CheckInState::CheckedIn => {
                        entries.push(arrived_entry(appt).map_err(|e| e.to_string())?);
                    }
                    _ => {}
                }
                patient_reference(appt).ok_or_else(|| {
                    "the appointment on the server has no patient; please check the patient in at the desk".to_owned()
                })?
            }
        };
        for r in &item.responses {
            entries.push(
                response_entry(&self.system, &r.id, &r.resource, &subject)
                    .map_err(|e| e.to_string())?,
            );
        }
        Ok(entries)
    }
}

/// What staff read about an error (may hold the server's words: not for logs).
pub(super) fn staff_text(e: &SyncError) -> String {
    match e {
        SyncError::Fhir(f) => f.staff_text(),
        other => other.to_string(),
    }
}
