//! Check-ins and their outbox rows, always written in ONE transaction.

use chrono::NaiveDateTime;
use rusqlite::{params, OptionalExtension, TransactionBehavior};

use super::{Store, StoreError};
use crate::domain::{format_ticket, CheckInKind, CheckInState, Queue};

/// A check-in to commit. `id` is a fresh UUID; the outbox row gets its own.
#[derive(Debug)]
pub struct NewCheckIn {
    pub id: String,
    pub now: NaiveDateTime,
    pub kind: CheckInKind,
    pub state: CheckInState,
    pub qr_token: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommittedCheckIn {
    pub id: String,
    /// The idempotency key the sync worker will send with it.
    pub outbox_id: String,
    pub ticket: String,
    pub queue: Queue,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OutboxCounts {
    pub pending: u64,
    pub sent: u64,
    pub failed: u64,
}

impl Store {
    /// Allocates the day's next ticket, writes the check-in, marks the appointment and adds
    /// the outbox row, all or nothing (IMMEDIATE transaction, synchronous=FULL).
    pub fn commit_check_in(&mut self, new: &NewCheckIn) -> Result<CommittedCheckIn, StoreError> {
        let day = new.now.date();
        let queue = match new.kind {
            CheckInKind::Appointment { .. } => Queue::Appointment,
            CheckInKind::WalkIn(_) => Queue::WalkIn,
        };
        let (state, desk_reason) = match new.state {
            CheckInState::CheckedIn => ("checked_in", None),
            CheckInState::NeedsDesk(reason) => ("needs_desk", Some(reason.as_str())),
        };
        let outbox_id = uuid::Uuid::new_v4().to_string();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(StoreError::sqlite("starting a check-in"))?;

        let last: Option<i64> = tx
            .query_row(
                "SELECT last FROM ticket_counters WHERE service_date = ?1 AND queue = ?2",
                params![day, queue.as_str()],
                |r| r.get(0),
            )
            .optional()
            .map_err(StoreError::sqlite("reading the ticket counter"))?;
        let number = last.unwrap_or(0) + 1;
        tx.execute(
            "INSERT INTO ticket_counters (service_date, queue, last) VALUES (?1, ?2, ?3)
             ON CONFLICT(service_date, queue) DO UPDATE SET last = excluded.last",
            params![day, queue.as_str(), number],
        )
        .map_err(StoreError::sqlite("advancing the ticket counter"))?;
        let ticket = format_ticket(queue, u32::try_from(number).unwrap_or(u32::MAX));

        match &new.kind {
            CheckInKind::Appointment { appointment_id } => {
                tx.execute(
                    "INSERT INTO check_ins (id, created_at, service_date, queue, ticket, kind, appointment_id,
                         state, desk_reason, qr_token)
                     VALUES (?1, ?2, ?3, ?4, ?5, 'appointment', ?6, ?7, ?8, ?9)",
                    params![new.id, new.now, day, queue.as_str(), ticket, appointment_id, state, desk_reason, new.qr_token],
                )
                .map_err(StoreError::sqlite("writing the check-in"))?;
                if new.state == CheckInState::CheckedIn {
                    tx.execute(
                        "UPDATE appointments SET status = 'checked_in' WHERE id = ?1",
                        [appointment_id],
                    )
                    .map_err(StoreError::sqlite("marking the appointment"))?;
                }
            }
            CheckInKind::WalkIn(w) => {
                tx.execute(
                    "INSERT INTO check_ins (id, created_at, service_date, queue, ticket, kind, state, desk_reason,
                         given_name, family_name, birth_date, phone, reason, qr_token)
                     VALUES (?1, ?2, ?3, ?4, ?5, 'walk_in', ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                    params![
                        new.id,
                        new.now,
                        day,
                        queue.as_str(),
                        ticket,
                        state,
                        desk_reason,
                        w.given_name,
                        w.family_name,
                        w.birth_date,
                        w.phone,
                        w.reason,
                        new.qr_token
                    ],
                )
                .map_err(StoreError::sqlite("writing the check-in"))?;
            }
        }
        tx.execute(
            "INSERT INTO outbox (id, check_in_id, created_at) VALUES (?1, ?2, ?3)",
            params![outbox_id, new.id, new.now],
        )
        .map_err(StoreError::sqlite("queueing the check-in for the server"))?;
        tx.commit().map_err(StoreError::sqlite("committing the check-in"))?;
        Ok(CommittedCheckIn {
            id: new.id.clone(),
            outbox_id,
            ticket,
            queue,
        })
    }

    pub fn check_in_count(&self) -> Result<u64, StoreError> {
        let n: i64 = self
            .conn
            .query_row("SELECT COUNT(*) FROM check_ins", [], |r| r.get(0))
            .map_err(StoreError::sqlite("counting check-ins"))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    pub fn outbox_counts(&self) -> Result<OutboxCounts, StoreError> {
        let mut counts = OutboxCounts::default();
        let mut stmt = self
            .conn
            .prepare_cached("SELECT state, COUNT(*) FROM outbox GROUP BY state")
            .map_err(StoreError::sqlite("counting the outbox"))?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
            .map_err(StoreError::sqlite("counting the outbox"))?;
        for row in rows {
            let (state, n) = row.map_err(StoreError::sqlite("counting the outbox"))?;
            let n = u64::try_from(n).unwrap_or(0);
            match state.as_str() {
                "pending" => counts.pending = n,
                "sent" => counts.sent = n,
                "failed" => counts.failed = n,
                _ => return Err(StoreError::Corrupt("unknown outbox state")),
            }
        }
        Ok(counts)
    }

    /// "I need help" pressed on `screen` (a page name, never patient data).
    pub fn record_help_request(&mut self, now: NaiveDateTime, screen: &str) -> Result<i64, StoreError> {
        self.conn
            .execute(
                "INSERT INTO help_requests (created_at, screen) VALUES (?1, ?2)",
                params![now, screen],
            )
            .map_err(StoreError::sqlite("recording a help request"))?;
        Ok(self.conn.last_insert_rowid())
    }

    pub fn open_help_requests(&self) -> Result<u32, StoreError> {
        let n: i64 = self
            .conn
            .query_row("SELECT COUNT(*) FROM help_requests WHERE resolved_at IS NULL", [], |r| r.get(0))
            .map_err(StoreError::sqlite("counting help requests"))?;
        Ok(u32::try_from(n).unwrap_or(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Appointment, AppointmentStatus, DeskReason, Patient, WalkIn};
    use chrono::NaiveDate;

    fn now() -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap().and_hms_opt(10, 0, 0).unwrap()
    }

    fn store_with_one_appointment(dir: &std::path::Path) -> Store {
        let mut s = Store::open_in_dir(dir).unwrap();
        let appt = Appointment {
            id: "a1".into(),
            code: "CKI-AAA111".into(),
            start: now(),
            clinician: "Dr. A".into(),
            appointment_type: "visit".into(),
            status: AppointmentStatus::Booked,
            patient: Patient {
                id: "p1".into(),
                given_name: "María".into(),
                family_name: "Muñoz".into(),
                birth_date: NaiveDate::from_ymd_opt(1984, 3, 9).unwrap(),
            },
        };
        s.replace_roster(now().date(), &[appt]).unwrap();
        s
    }

    fn new_check_in(kind: CheckInKind, state: CheckInState) -> NewCheckIn {
        NewCheckIn {
            id: uuid::Uuid::new_v4().to_string(),
            now: now(),
            kind,
            state,
            qr_token: "tok".into(),
        }
    }

    fn count(s: &Store, table: &str) -> i64 {
        s.conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0)).unwrap()
    }

    #[test]
    fn a_forced_failure_before_the_outbox_row_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = store_with_one_appointment(dir.path());
        s.conn
            .execute_batch("CREATE TRIGGER fail BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, 'forced'); END;")
            .unwrap();
        let appt = CheckInKind::Appointment { appointment_id: "a1".into() };
        assert!(s.commit_check_in(&new_check_in(appt.clone(), CheckInState::CheckedIn)).is_err());
        assert_eq!(count(&s, "check_ins"), 0);
        assert_eq!(count(&s, "outbox"), 0);
        assert_eq!(count(&s, "ticket_counters"), 0, "no ticket number consumed");
        assert_eq!(s.appointment("a1").unwrap().unwrap().status, AppointmentStatus::Booked);

        s.conn.execute_batch("DROP TRIGGER fail;").unwrap();
        let done = s.commit_check_in(&new_check_in(appt, CheckInState::CheckedIn)).unwrap();
        assert_eq!(done.ticket, "A-001");
        assert_eq!((count(&s, "check_ins"), count(&s, "outbox")), (1, 1));
        assert_eq!(s.appointment("a1").unwrap().unwrap().status, AppointmentStatus::CheckedIn);
    }

    #[test]
    fn tickets_count_per_queue_and_errors_hide_patient_data() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = store_with_one_appointment(dir.path());
        let walk_in = || {
            CheckInKind::WalkIn(WalkIn {
                given_name: "Zelda".into(),
                family_name: "Quixote".into(),
                birth_date: NaiveDate::from_ymd_opt(1979, 5, 21).unwrap(),
                phone: Some("5550142999".into()),
                reason: "injury".into(),
            })
        };
        let w1 = s.commit_check_in(&new_check_in(walk_in(), CheckInState::CheckedIn)).unwrap();
        let w2 = s.commit_check_in(&new_check_in(walk_in(), CheckInState::CheckedIn)).unwrap();
        let a = s
            .commit_check_in(&new_check_in(
                CheckInKind::Appointment { appointment_id: "a1".into() },
                CheckInState::NeedsDesk(DeskReason::TooEarly),
            ))
            .unwrap();
        assert_eq!((w1.ticket.as_str(), w2.ticket.as_str(), a.ticket.as_str()), ("W-001", "W-002", "A-001"));
        assert_eq!(s.outbox_counts().unwrap(), OutboxCounts { pending: 3, sent: 0, failed: 0 });
        assert_eq!(s.walk_ins_waiting(now().date()).unwrap(), 2);
        // A needs-desk check-in leaves the appointment bookable at the desk.
        assert_eq!(s.appointment("a1").unwrap().unwrap().status, AppointmentStatus::Booked);

        // A duplicate id fails on the unique key; the error must not carry the values.
        let mut dup = new_check_in(walk_in(), CheckInState::CheckedIn);
        dup.id = w1.id.clone();
        let err = s.commit_check_in(&dup).unwrap_err();
        let text = format!("{err} {err:?}");
        for secret in ["Zelda", "Quixote", "1979", "5550142999", "injury"] {
            assert!(!text.contains(secret), "{text}");
        }
    }

    #[test]
    fn roster_lookup_folds_names_and_replacement_keeps_local_check_ins() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = store_with_one_appointment(dir.path());
        let birth = NaiveDate::from_ymd_opt(1984, 3, 9).unwrap();
        assert_eq!(s.find_candidates(now().date(), "MUNOZ", birth).unwrap().len(), 1);
        assert_eq!(s.find_candidates(now().date(), "munoz", birth.succ_opt().unwrap()).unwrap().len(), 0);
        assert!(s.find_by_code(now().date(), "cki-aaa111").unwrap().is_some());

        s.commit_check_in(&new_check_in(
            CheckInKind::Appointment { appointment_id: "a1".into() },
            CheckInState::CheckedIn,
        ))
        .unwrap();
        // The server still says "booked" (it has not received the check-in yet).
        let mut again = s.appointment("a1").unwrap().unwrap();
        again.status = AppointmentStatus::Booked;
        s.replace_roster(now().date(), &[again.clone()]).unwrap();
        assert_eq!(s.appointment("a1").unwrap().unwrap().status, AppointmentStatus::CheckedIn);
        // A cancellation on the server removes it from the kiosk.
        s.replace_roster(now().date(), &[]).unwrap();
        assert_eq!(s.roster_len(now().date()).unwrap(), 0);
    }
}
