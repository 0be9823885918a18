//! What staff mode reads and changes: today's arrivals, calls and visits, help requests,
//! failed sync items, the audit log, and the de-identified records the insights are drawn
//! from (kept after patient data is purged).

use chrono::{NaiveDate, NaiveDateTime};
use rusqlite::{params, OptionalExtension};

use super::{Store, StoreError};
use crate::domain::{AppointmentStatus, DeskReason, QueueSlot};

/// One check-in on the Today page. Holds the patient's first name and family name (for the
/// "first name + initial" column): its Debug never prints them.
#[derive(Clone, PartialEq, Eq)]
pub struct Arrival {
    pub check_in_id: String,
    pub ticket: String,
    pub walk_in: bool,
    pub created_at: NaiveDateTime,
    pub called_at: Option<NaiveDateTime>,
    pub seen_at: Option<NaiveDateTime>,
    pub desk_reason: Option<DeskReason>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    /// The appointment's start and clinician (None for walk-ins).
    pub start: Option<NaiveDateTime>,
    pub clinician: Option<String>,
    /// What the server says of the appointment (fulfilled = seen).
    pub appointment_status: Option<AppointmentStatus>,
}

impl std::fmt::Debug for Arrival {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Arrival")
            .field("check_in_id", &self.check_in_id)
            .field("ticket", &self.ticket)
            .finish_non_exhaustive()
    }
}

/// A patient in a queue, for the estimator: the clinician's name ("" for the walk-in
/// queue), the check-in when the patient checked in here, and the slot's times.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueueRow {
    pub clinician: String,
    pub check_in_id: Option<String>,
    pub slot: QueueSlot,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HelpRequest {
    pub id: i64,
    pub created_at: NaiveDateTime,
    /// The page it was asked from.
    pub screen: String,
}

/// A check-in the server refused, for the Sync page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FailedItem {
    pub outbox_id: String,
    pub ticket: String,
    pub created_at: NaiveDateTime,
    pub attempts: u32,
    /// The server's status and codes, never patient data (see fhir::FhirError).
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEntry {
    pub at: NaiveDateTime,
    pub action: String,
    pub detail: String,
}

/// How a patient's session at the kiosk ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlowOutcome {
    CheckedIn,
    Desk,
    Abandoned,
}

impl FlowOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            FlowOutcome::CheckedIn => "checked_in",
            FlowOutcome::Desk => "desk",
            FlowOutcome::Abandoned => "abandoned",
        }
    }

    fn parse(s: &str) -> Result<Self, StoreError> {
        [
            FlowOutcome::CheckedIn,
            FlowOutcome::Desk,
            FlowOutcome::Abandoned,
        ]
        .into_iter()
        .find(|o| o.as_str() == s)
        .ok_or(StoreError::Corrupt("unknown session outcome"))
    }
}

/// One patient session, de-identified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlowSession {
    pub started_at: NaiveDateTime,
    pub ended_at: NaiveDateTime,
    pub outcome: FlowOutcome,
    /// The screen the session ended on (a page name).
    pub last_step: String,
}

fn count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl Store {
    /// Today's check-ins, oldest first, with what the Today page shows.
    pub fn arrivals(&self, service_date: NaiveDate) -> Result<Vec<Arrival>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT c.id, c.ticket, c.kind, c.created_at, c.called_at, c.seen_at,
                        c.desk_reason, COALESCE(a.given_name, c.given_name),
                        COALESCE(a.family_name, c.family_name), a.start, a.clinician, a.status
                 FROM check_ins c LEFT JOIN appointments a ON a.id = c.appointment_id
                 WHERE c.service_date = ?1 ORDER BY c.created_at, c.rowid",
            )
            .map_err(StoreError::sqlite("listing arrivals"))?;
        let rows = stmt
            .query_map([service_date], |r| {
                Ok((
                    (
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, NaiveDateTime>(3)?,
                        r.get::<_, Option<NaiveDateTime>>(4)?,
                        r.get::<_, Option<NaiveDateTime>>(5)?,
                    ),
                    (
                        r.get::<_, Option<String>>(6)?,
                        r.get::<_, Option<String>>(7)?,
                        r.get::<_, Option<String>>(8)?,
                        r.get::<_, Option<NaiveDateTime>>(9)?,
                        r.get::<_, Option<String>>(10)?,
                        r.get::<_, Option<String>>(11)?,
                    ),
                ))
            })
            .map_err(StoreError::sqlite("listing arrivals"))?;
        let mut out = Vec::new();
        for row in rows {
            let (
                (check_in_id, ticket, kind, created_at, called_at, seen_at),
                (desk, given_name, family_name, start, clinician, status),
            ) = row.map_err(StoreError::sqlite("reading an arrival"))?;
            out.push(Arrival {
                check_in_id,
                ticket,
                walk_in: kind == "walk_in",
                created_at,
                called_at,
                seen_at,
                desk_reason: desk
                    .map(|d| d.parse())
                    .transpose()
                    .map_err(|_| StoreError::Corrupt("unknown desk reason"))?,
                given_name,
                family_name,
                start,
                clinician,
                appointment_status: status
                    .map(|s| s.parse())
                    .transpose()
                    .map_err(|_| StoreError::Corrupt("unknown appointment status"))?,
            });
        }
        Ok(out)
    }

    /// Every queue of the day for the wait estimator: each booked appointment (a no-show or
    /// cancelled one is left out) with its check-in's times, and each walk-in.
    pub fn queue_rows(&self, service_date: NaiveDate) -> Result<Vec<QueueRow>, StoreError> {
        let mut out = Vec::new();
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT a.clinician, a.start, a.status, c.id, c.created_at, c.called_at,
                        c.seen_at
                 FROM appointments a
                 LEFT JOIN check_ins c ON c.appointment_id = a.id AND c.state = 'checked_in'
                 WHERE a.service_date = ?1 AND a.status NOT IN ('cancelled', 'no_show')",
            )
            .map_err(StoreError::sqlite("reading the queues"))?;
        let rows = stmt
            .query_map([service_date], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, NaiveDateTime>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, Option<NaiveDateTime>>(4)?,
                    r.get::<_, Option<NaiveDateTime>>(5)?,
                    r.get::<_, Option<NaiveDateTime>>(6)?,
                ))
            })
            .map_err(StoreError::sqlite("reading the queues"))?;
        for row in rows {
            let (clinician, start, status, check_in_id, arrived, called, seen) =
                row.map_err(StoreError::sqlite("reading the queues"))?;
            // Checked in at the desk or seen according to the server: the time is unknown,
            // the appointment's start stands in for it.
            let server_says = |s: &str| status == s;
            let arrived = arrived.or_else(|| {
                ["arrived", "checked_in", "fulfilled"]
                    .iter()
                    .any(|s| server_says(s))
                    .then_some(start)
            });
            let seen = seen.or_else(|| server_says("fulfilled").then_some(start));
            out.push(QueueRow {
                clinician,
                check_in_id,
                slot: QueueSlot {
                    scheduled: Some(start),
                    arrived,
                    called,
                    seen,
                },
            });
        }
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id, created_at, called_at, seen_at FROM check_ins
                 WHERE service_date = ?1 AND kind = 'walk_in' AND state = 'checked_in'",
            )
            .map_err(StoreError::sqlite("reading the walk-in queue"))?;
        let rows = stmt
            .query_map([service_date], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, NaiveDateTime>(1)?,
                    r.get::<_, Option<NaiveDateTime>>(2)?,
                    r.get::<_, Option<NaiveDateTime>>(3)?,
                ))
            })
            .map_err(StoreError::sqlite("reading the walk-in queue"))?;
        for row in rows {
            let (id, arrived, called, seen) =
                row.map_err(StoreError::sqlite("reading the walk-in queue"))?;
            out.push(QueueRow {
                clinician: String::new(),
                check_in_id: Some(id),
                slot: QueueSlot {
                    scheduled: None,
                    arrived: Some(arrived),
                    called,
                    seen,
                },
            });
        }
        Ok(out)
    }

    /// Staff called the patient in. False when there is no such check-in or it was
    /// already called.
    pub fn mark_called(
        &mut self,
        check_in_id: &str,
        now: NaiveDateTime,
    ) -> Result<bool, StoreError> {
        self.conn
            .execute(
                "UPDATE check_ins SET called_at = ?2 WHERE id = ?1 AND called_at IS NULL",
                params![check_in_id, now],
            )
            .map(|n| n > 0)
            .map_err(StoreError::sqlite("recording a call"))
    }

    /// The visit is over (a patient seen without a call is called at the same time).
    pub fn mark_seen(&mut self, check_in_id: &str, now: NaiveDateTime) -> Result<bool, StoreError> {
        self.conn
            .execute(
                "UPDATE check_ins SET seen_at = ?2, called_at = COALESCE(called_at, ?2)
                 WHERE id = ?1 AND seen_at IS NULL",
                params![check_in_id, now],
            )
            .map(|n| n > 0)
            .map_err(StoreError::sqlite("recording a visit"))
    }

    /// Tickets called on `service_date`, the latest call first.
    pub fn called_tickets(
        &self,
        service_date: NaiveDate,
        limit: usize,
    ) -> Result<Vec<(String, NaiveDateTime)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT ticket, called_at FROM check_ins
                 WHERE service_date = ?1 AND called_at IS NOT NULL AND seen_at IS NULL
                 ORDER BY called_at DESC, rowid DESC LIMIT ?2",
            )
            .map_err(StoreError::sqlite("listing calls"))?;
        let rows = stmt
            .query_map(params![service_date, count(limit)], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .map_err(StoreError::sqlite("listing calls"))?;
        rows.collect::<Result<_, _>>()
            .map_err(StoreError::sqlite("listing calls"))
    }

    pub fn help_requests_open(&self) -> Result<Vec<HelpRequest>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id, created_at, screen FROM help_requests
                 WHERE resolved_at IS NULL ORDER BY created_at, id",
            )
            .map_err(StoreError::sqlite("listing help requests"))?;
        let rows = stmt
            .query_map([], |r| {
                Ok(HelpRequest {
                    id: r.get(0)?,
                    created_at: r.get(1)?,
                    screen: r.get(2)?,
                })
            })
            .map_err(StoreError::sqlite("listing help requests"))?;
        rows.collect::<Result<_, _>>()
            .map_err(StoreError::sqlite("listing help requests"))
    }

    pub fn resolve_help_request(
        &mut self,
        id: i64,
        now: NaiveDateTime,
    ) -> Result<bool, StoreError> {
        self.conn
            .execute(
                "UPDATE help_requests SET resolved_at = ?2 WHERE id = ?1 AND resolved_at IS NULL",
                params![id, now],
            )
            .map(|n| n > 0)
            .map_err(StoreError::sqlite("resolving a help request"))
    }

    /// Times of the help requests asked between `from` and `to`.
    pub fn help_request_times(
        &self,
        from: NaiveDateTime,
        to: NaiveDateTime,
    ) -> Result<Vec<NaiveDateTime>, StoreError> {
        self.times(
            "SELECT created_at FROM help_requests WHERE created_at >= ?1 AND created_at < ?2",
            from,
            to,
        )
    }

    /// Times of the check-ins made between `from` and `to`.
    pub fn check_in_times(
        &self,
        from: NaiveDateTime,
        to: NaiveDateTime,
    ) -> Result<Vec<NaiveDateTime>, StoreError> {
        self.times(
            "SELECT created_at FROM check_ins WHERE created_at >= ?1 AND created_at < ?2",
            from,
            to,
        )
    }

    fn times(
        &self,
        sql: &str,
        from: NaiveDateTime,
        to: NaiveDateTime,
    ) -> Result<Vec<NaiveDateTime>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(sql)
            .map_err(StoreError::sqlite("reading the metrics"))?;
        let rows = stmt
            .query_map(params![from, to], |r| r.get(0))
            .map_err(StoreError::sqlite("reading the metrics"))?;
        rows.collect::<Result<_, _>>()
            .map_err(StoreError::sqlite("reading the metrics"))
    }

    /// Observed waits (check-in -> call) of the days `from..=to`: (day, minutes).
    pub fn observed_waits(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<(NaiveDate, u32)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT service_date, created_at, called_at FROM check_ins
                 WHERE service_date >= ?1 AND service_date <= ?2 AND called_at IS NOT NULL",
            )
            .map_err(StoreError::sqlite("reading the waits"))?;
        let rows = stmt
            .query_map(params![from, to], |r| {
                Ok((
                    r.get::<_, NaiveDate>(0)?,
                    r.get::<_, NaiveDateTime>(1)?,
                    r.get::<_, NaiveDateTime>(2)?,
                ))
            })
            .map_err(StoreError::sqlite("reading the waits"))?;
        let mut out = Vec::new();
        for row in rows {
            let (day, arrived, called) = row.map_err(StoreError::sqlite("reading the waits"))?;
            let minutes = (called - arrived).num_minutes().max(0);
            out.push((day, u32::try_from(minutes).unwrap_or(u32::MAX)));
        }
        Ok(out)
    }

    pub fn record_flow_session(&mut self, session: &FlowSession) -> Result<(), StoreError> {
        self.conn
            .prepare_cached(
                "INSERT INTO flow_sessions (started_at, ended_at, outcome, last_step)
                 VALUES (?1, ?2, ?3, ?4)",
            )
            .and_then(|mut st| {
                st.execute(params![
                    session.started_at,
                    session.ended_at,
                    session.outcome.as_str(),
                    session.last_step
                ])
            })
            .map(|_| ())
            .map_err(StoreError::sqlite("recording a session"))
    }

    pub fn flow_sessions(
        &self,
        from: NaiveDateTime,
        to: NaiveDateTime,
    ) -> Result<Vec<FlowSession>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT started_at, ended_at, outcome, last_step FROM flow_sessions
                 WHERE started_at >= ?1 AND started_at < ?2 ORDER BY started_at",
            )
            .map_err(StoreError::sqlite("reading the sessions"))?;
        let rows = stmt
            .query_map(params![from, to], |r| {
                Ok((
                    r.get::<_, NaiveDateTime>(0)?,
                    r.get::<_, NaiveDateTime>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                ))
            })
            .map_err(StoreError::sqlite("reading the sessions"))?;
        let mut out = Vec::new();
        for row in rows {
            let (started_at, ended_at, outcome, last_step) =
                row.map_err(StoreError::sqlite("reading the sessions"))?;
            out.push(FlowSession {
                started_at,
                ended_at,
                outcome: FlowOutcome::parse(&outcome)?,
                last_step,
            });
        }
        Ok(out)
    }

    /// Check-ins the server refused, not set aside, oldest first.
    pub fn failed_outbox(&self) -> Result<Vec<FailedItem>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT o.id, c.ticket, o.created_at, o.attempts, COALESCE(o.last_error, '')
                 FROM outbox o JOIN check_ins c ON c.id = o.check_in_id
                 WHERE o.state = 'failed' AND o.set_aside_at IS NULL
                 ORDER BY o.created_at, o.rowid",
            )
            .map_err(StoreError::sqlite("listing failed check-ins"))?;
        let rows = stmt
            .query_map([], |r| {
                Ok(FailedItem {
                    outbox_id: r.get(0)?,
                    ticket: r.get(1)?,
                    created_at: r.get(2)?,
                    attempts: r.get(3)?,
                    reason: r.get(4)?,
                })
            })
            .map_err(StoreError::sqlite("listing failed check-ins"))?;
        rows.collect::<Result<_, _>>()
            .map_err(StoreError::sqlite("listing failed check-ins"))
    }

    /// Failed check-ins staff set aside (kept on the kiosk, not retried).
    pub fn set_aside_count(&self) -> Result<u64, StoreError> {
        let n: i64 = self
            .conn
            .query_row(
                "SELECT COUNT(*) FROM outbox WHERE set_aside_at IS NOT NULL",
                [],
                |r| r.get(0),
            )
            .map_err(StoreError::sqlite("counting set-aside check-ins"))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// A failed check-in goes back to the queue, to be sent at the next pass.
    pub fn retry_outbox(&mut self, outbox_id: &str) -> Result<bool, StoreError> {
        self.conn
            .execute(
                "UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = NULL,
                     last_error = NULL, set_aside_at = NULL
                 WHERE id = ?1 AND state = 'failed'",
                [outbox_id],
            )
            .map(|n| n > 0)
            .map_err(StoreError::sqlite("retrying a check-in"))
    }

    /// A failed check-in staff dealt with at the desk: hidden from the list, still kept.
    pub fn set_aside_outbox(
        &mut self,
        outbox_id: &str,
        now: NaiveDateTime,
    ) -> Result<bool, StoreError> {
        self.conn
            .execute(
                "UPDATE outbox SET set_aside_at = ?2
                 WHERE id = ?1 AND state = 'failed' AND set_aside_at IS NULL",
                params![outbox_id, now],
            )
            .map(|n| n > 0)
            .map_err(StoreError::sqlite("setting a check-in aside"))
    }

    /// One line of the staff audit log. `action` and `detail` never hold patient data.
    pub fn record_audit(
        &mut self,
        now: NaiveDateTime,
        action: &str,
        detail: &str,
    ) -> Result<(), StoreError> {
        self.conn
            .prepare_cached("INSERT INTO staff_audit (at, action, detail) VALUES (?1, ?2, ?3)")
            .and_then(|mut st| st.execute(params![now, action, detail]))
            .map(|_| ())
            .map_err(StoreError::sqlite("recording a staff action"))
    }

    /// The latest `limit` audit entries, newest first.
    pub fn audit_log(&self, limit: usize) -> Result<Vec<AuditEntry>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT at, action, detail FROM staff_audit ORDER BY id DESC LIMIT ?1")
            .map_err(StoreError::sqlite("reading the audit log"))?;
        let rows = stmt
            .query_map([count(limit)], |r| {
                Ok(AuditEntry {
                    at: r.get(0)?,
                    action: r.get(1)?,
                    detail: r.get(2)?,
                })
            })
            .map_err(StoreError::sqlite("reading the audit log"))?;
        rows.collect::<Result<_, _>>()
            .map_err(StoreError::sqlite("reading the audit log"))
    }

    /// The latest time an outbox item was acknowledged by the server.
    pub fn last_acknowledged(&self) -> Result<Option<NaiveDateTime>, StoreError> {
        self.conn
            .query_row("SELECT MAX(acked_at) FROM outbox", [], |r| r.get(0))
            .optional()
            .map(Option::flatten)
            .map_err(StoreError::sqlite("reading the last acknowledgement"))
    }
}
