//! Check-ins and their outbox rows, always written in ONE transaction.

use chrono::{NaiveDate, NaiveDateTime};
use rusqlite::{params, TransactionBehavior};

use super::{Store, StoreError};
use crate::domain::{format_ticket, CheckInKind, CheckInState, DeskReason, Queue};

/// A check-in to commit. `id` is a fresh UUID; the outbox row gets its own.
#[derive(Debug)]
pub struct NewCheckIn {
    pub id: String,
    pub now: NaiveDateTime,
    pub kind: CheckInKind,
    pub state: CheckInState,
    /// The opaque token of the "follow your place" URL.
    pub qr_token: String,
    /// The intake forms answered before this check-in.
    pub responses: Vec<NewResponse>,
}

/// One answered form. The resource has no subject yet: the push adds the Patient.
#[derive(Clone, PartialEq)]
pub struct NewResponse {
    pub id: String,
    /// The Questionnaire's canonical URL with |version.
    pub questionnaire: String,
    pub resource: serde_json::Value,
}

// The resource holds the patient's answers: never print it.
impl std::fmt::Debug for NewResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewResponse")
            .field("id", &self.id)
            .field("questionnaire", &self.questionnaire)
            .finish_non_exhaustive()
    }
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

/// A check-in as staff pages and tests see it: no patient data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckInSummary {
    pub id: String,
    pub created_at: NaiveDateTime,
    pub ticket: String,
    pub queue: Queue,
    pub state: CheckInState,
    pub appointment_id: Option<String>,
}

fn queue_of(kind: &CheckInKind) -> Queue {
    match kind {
        CheckInKind::Appointment { .. } => Queue::Appointment,
        CheckInKind::WalkIn(_) => Queue::WalkIn,
    }
}

fn parse_queue(s: &str) -> Result<Queue, StoreError> {
    [Queue::Appointment, Queue::WalkIn]
        .into_iter()
        .find(|q| q.as_str() == s)
        .ok_or(StoreError::Corrupt("unknown queue"))
}

impl Store {
    /// Allocates the day's next ticket of the queue, writes the check-in, marks the
    /// appointment checked in (when it is) and adds the outbox row: all or nothing, in one
    /// IMMEDIATE transaction made durable by synchronous=FULL before this returns.
    pub fn commit_check_in(&mut self, new: &NewCheckIn) -> Result<CommittedCheckIn, StoreError> {
        let day = new.now.date();
        let queue = queue_of(&new.kind);
        let desk_reason = new.state.desk_reason().map(DeskReason::as_str);
        let outbox_id = uuid::Uuid::new_v4().to_string();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(StoreError::sqlite("starting a check-in"))?;

        let number: i64 = tx
            .prepare_cached(
                "INSERT INTO ticket_counters (service_date, queue, last) VALUES (?1, ?2, 1)
                 ON CONFLICT(service_date, queue) DO UPDATE SET last = last + 1
                 RETURNING last",
            )
            .and_then(|mut s| s.query_row(params![day, queue.as_str()], |r| r.get(0)))
            .map_err(StoreError::sqlite("advancing the ticket counter"))?;
        let number = u32::try_from(number).map_err(|_| StoreError::Corrupt("ticket counter"))?;
        let ticket = format_ticket(queue, number);

        // One row shape for both kinds: the columns of the other kind stay NULL.
        let (kind, appointment_id, walk_in) = match &new.kind {
            CheckInKind::Appointment { appointment_id } => {
                ("appointment", Some(appointment_id.as_str()), None)
            }
            CheckInKind::WalkIn(w) => ("walk_in", None, Some(w)),
        };
        tx.prepare_cached(
            "INSERT INTO check_ins (id, created_at, service_date, queue, ticket, kind,
                 appointment_id, state, desk_reason, given_name, family_name, birth_date, phone,
                 reason, qr_token)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
        )
        .and_then(|mut s| {
            s.execute(params![
                new.id,
                new.now,
                day,
                queue.as_str(),
                ticket,
                kind,
                appointment_id,
                new.state.as_str(),
                desk_reason,
                walk_in.map(|w| w.given_name.as_str()),
                walk_in.map(|w| w.family_name.as_str()),
                walk_in.map(|w| w.birth_date),
                walk_in.and_then(|w| w.phone.as_deref()),
                walk_in.map(|w| w.reason.as_str()),
                new.qr_token
            ])
        })
        .map_err(StoreError::sqlite("writing the check-in"))?;
        if let (Some(id), CheckInState::CheckedIn) = (appointment_id, new.state) {
            tx.prepare_cached("UPDATE appointments SET status = 'checked_in' WHERE id = ?1")
                .and_then(|mut s| s.execute([id]))
                .map_err(StoreError::sqlite("marking the appointment"))?;
        }
        for response in &new.responses {
            tx.prepare_cached(
                "INSERT INTO questionnaire_responses (id, check_in_id, questionnaire, resource)
                 VALUES (?1, ?2, ?3, ?4)",
            )
            .and_then(|mut s| {
                s.execute(params![
                    response.id,
                    new.id,
                    response.questionnaire,
                    response.resource.to_string()
                ])
            })
            .map_err(StoreError::sqlite("writing the form answers"))?;
        }
        tx.prepare_cached("INSERT INTO outbox (id, check_in_id, created_at) VALUES (?1, ?2, ?3)")
            .and_then(|mut s| s.execute(params![outbox_id, new.id, new.now]))
            .map_err(StoreError::sqlite("queueing the check-in for the server"))?;
        tx.commit()
            .map_err(StoreError::sqlite("committing the check-in"))?;
        Ok(CommittedCheckIn {
            id: new.id.clone(),
            outbox_id,
            ticket,
            queue,
        })
    }

    /// The forms answered with a check-in, in the order they were written.
    pub fn questionnaire_responses(
        &self,
        check_in_id: &str,
    ) -> Result<Vec<NewResponse>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id, questionnaire, resource FROM questionnaire_responses
                 WHERE check_in_id = ?1 ORDER BY rowid",
            )
            .map_err(StoreError::sqlite("reading form answers"))?;
        let rows = stmt
            .query_map([check_in_id], |r| {
                Ok((r.get::<_, String>(0)?, r.get(1)?, r.get::<_, String>(2)?))
            })
            .map_err(StoreError::sqlite("reading form answers"))?;
        let mut out = Vec::new();
        for row in rows {
            let (id, questionnaire, resource) =
                row.map_err(StoreError::sqlite("reading form answers"))?;
            let resource = serde_json::from_str(&resource)
                .map_err(|_| StoreError::Corrupt("stored form answers are not JSON"))?;
            out.push(NewResponse {
                id,
                questionnaire,
                resource,
            });
        }
        Ok(out)
    }

    pub fn check_in_count(&self) -> Result<u64, StoreError> {
        let n: i64 = self
            .conn
            .query_row("SELECT COUNT(*) FROM check_ins", [], |r| r.get(0))
            .map_err(StoreError::sqlite("counting check-ins"))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// The check-ins of `service_date`, oldest first, without patient data.
    pub fn check_in_summaries(
        &self,
        service_date: NaiveDate,
    ) -> Result<Vec<CheckInSummary>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id, created_at, ticket, queue, state, desk_reason, appointment_id
                 FROM check_ins WHERE service_date = ?1 ORDER BY created_at, rowid",
            )
            .map_err(StoreError::sqlite("listing check-ins"))?;
        let rows = stmt
            .query_map([service_date], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, NaiveDateTime>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, Option<String>>(5)?,
                    r.get::<_, Option<String>>(6)?,
                ))
            })
            .map_err(StoreError::sqlite("listing check-ins"))?;
        let mut out = Vec::new();
        for row in rows {
            let (id, created_at, ticket, queue, state, reason, appointment_id) =
                row.map_err(StoreError::sqlite("reading a check-in"))?;
            let state = match (state.as_str(), reason) {
                ("checked_in", None) => CheckInState::CheckedIn,
                ("needs_desk", Some(reason)) => CheckInState::NeedsDesk(
                    reason
                        .parse()
                        .map_err(|_| StoreError::Corrupt("unknown desk reason"))?,
                ),
                _ => return Err(StoreError::Corrupt("unknown check-in state")),
            };
            out.push(CheckInSummary {
                id,
                created_at,
                ticket,
                queue: parse_queue(&queue)?,
                state,
                appointment_id,
            });
        }
        Ok(out)
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

    /// "I need help" pressed on `screen` (a page name, never patient data). Returns its id.
    pub fn record_help_request(
        &mut self,
        now: NaiveDateTime,
        screen: &str,
    ) -> Result<i64, StoreError> {
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
            .query_row(
                "SELECT COUNT(*) FROM help_requests WHERE resolved_at IS NULL",
                [],
                |r| r.get(0),
            )
            .map_err(StoreError::sqlite("counting help requests"))?;
        Ok(u32::try_from(n).unwrap_or(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Appointment, AppointmentStatus, DeskReason, Patient, WalkIn};
    use chrono::NaiveDate;

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
    }

    fn now() -> NaiveDateTime {
        day().and_hms_opt(10, 0, 0).unwrap()
    }

    fn appt(id: &str, code: &str, given: &str, family: &str, born: (i32, u32, u32)) -> Appointment {
        Appointment {
            id: id.into(),
            code: code.into(),
            start: now(),
            clinician: "Dr. A".into(),
            appointment_type: "visit".into(),
            status: AppointmentStatus::Booked,
            patient: Patient {
                id: format!("p-{id}"),
                given_name: given.into(),
                family_name: family.into(),
                birth_date: NaiveDate::from_ymd_opt(born.0, born.1, born.2).unwrap(),
            },
        }
    }

    fn maria() -> Appointment {
        appt("a1", "CKI-MUN384", "María", "Muñoz", (1984, 3, 9))
    }

    fn store_with(dir: &std::path::Path, appts: &[Appointment]) -> Store {
        let mut s = Store::open_in_dir(dir).unwrap();
        s.replace_roster(day(), appts).unwrap();
        s
    }

    fn new_check_in(kind: CheckInKind, state: CheckInState) -> NewCheckIn {
        NewCheckIn {
            id: uuid::Uuid::new_v4().to_string(),
            now: now(),
            kind,
            state,
            qr_token: uuid::Uuid::new_v4().simple().to_string(),
            responses: Vec::new(),
        }
    }

    fn with_answers(mut new: NewCheckIn) -> NewCheckIn {
        new.responses = vec![NewResponse {
            id: uuid::Uuid::new_v4().to_string(),
            questionnaire: "https://example.org/Questionnaire/q|1".into(),
            resource: serde_json::json!({
                "resourceType": "QuestionnaireResponse",
                "status": "completed",
                "item": [{"linkId": "allergies", "answer": [{"valueString": "penicillin"}]}]
            }),
        }];
        new
    }

    fn for_appt(id: &str, state: CheckInState) -> NewCheckIn {
        new_check_in(
            CheckInKind::Appointment {
                appointment_id: id.into(),
            },
            state,
        )
    }

    fn walk_in() -> CheckInKind {
        CheckInKind::WalkIn(WalkIn {
            given_name: "Zelda".into(),
            family_name: "Quixote".into(),
            birth_date: NaiveDate::from_ymd_opt(1979, 5, 21).unwrap(),
            phone: Some("5550142999".into()),
            reason: "injury".into(),
        })
    }

    fn count(s: &Store, table: &str) -> i64 {
        s.conn
            .query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
            .unwrap()
    }

    fn status(s: &Store, id: &str) -> AppointmentStatus {
        s.appointment(id).unwrap().unwrap().status
    }

    #[test]
    fn a_forced_failure_at_the_outbox_row_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = store_with(dir.path(), &[maria()]);
        s.commit_check_in(&new_check_in(walk_in(), CheckInState::CheckedIn))
            .unwrap();
        s.conn
            .execute_batch(
                "CREATE TRIGGER fail BEFORE INSERT ON outbox
                 BEGIN SELECT RAISE(ABORT, 'forced'); END;",
            )
            .unwrap();
        let counter = |s: &Store| -> Vec<(String, i64)> {
            let mut st = s
                .conn
                .prepare("SELECT queue, last FROM ticket_counters ORDER BY queue")
                .unwrap();
            let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
            rows.map(Result::unwrap).collect()
        };
        let counters_before = counter(&s);

        for attempt in [
            for_appt("a1", CheckInState::CheckedIn),
            new_check_in(walk_in(), CheckInState::CheckedIn),
        ] {
            let err = s.commit_check_in(&attempt).unwrap_err();
            assert!(err.to_string().contains("forced"), "{err}");
            assert_eq!(count(&s, "check_ins"), 1, "only the earlier check-in");
            assert_eq!(count(&s, "outbox"), 1);
            assert_eq!(counter(&s), counters_before, "no ticket number consumed");
            assert_eq!(
                status(&s, "a1"),
                AppointmentStatus::Booked,
                "status rolled back"
            );
        }

        // The rollback left the connection usable: with the fault gone, the same numbers.
        s.conn.execute_batch("DROP TRIGGER fail;").unwrap();
        let a = s
            .commit_check_in(&for_appt("a1", CheckInState::CheckedIn))
            .unwrap();
        let w = s
            .commit_check_in(&new_check_in(walk_in(), CheckInState::CheckedIn))
            .unwrap();
        assert_eq!((a.ticket.as_str(), w.ticket.as_str()), ("A-001", "W-002"));
        assert_eq!((count(&s, "check_ins"), count(&s, "outbox")), (3, 3));
        assert_eq!(status(&s, "a1"), AppointmentStatus::CheckedIn);
    }

    #[test]
    fn form_answers_are_written_with_their_check_in_or_not_at_all() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = store_with(dir.path(), &[maria()]);
        let kept = with_answers(for_appt("a1", CheckInState::CheckedIn));
        let committed = s.commit_check_in(&kept).unwrap();
        let read = s.questionnaire_responses(&committed.id).unwrap();
        assert_eq!(read, kept.responses, "read back as written");

        s.conn
            .execute_batch(
                "CREATE TRIGGER fail BEFORE INSERT ON outbox
                 BEGIN SELECT RAISE(ABORT, 'forced'); END;",
            )
            .unwrap();
        let lost = with_answers(new_check_in(walk_in(), CheckInState::CheckedIn));
        assert!(s.commit_check_in(&lost).is_err());
        assert_eq!(
            count(&s, "questionnaire_responses"),
            1,
            "the failed one's rolled back"
        );
        assert!(s.questionnaire_responses(&lost.id).unwrap().is_empty());
    }

    #[test]
    fn a_failure_is_durable_across_reopening() {
        // What a crash right after the failed commit would find: still nothing half-written.
        let dir = tempfile::tempdir().unwrap();
        {
            let mut s = store_with(dir.path(), &[maria()]);
            s.conn
                .execute_batch(
                    "CREATE TRIGGER fail BEFORE INSERT ON outbox
                     BEGIN SELECT RAISE(ABORT, 'forced'); END;",
                )
                .unwrap();
            assert!(s
                .commit_check_in(&for_appt("a1", CheckInState::CheckedIn))
                .is_err());
        }
        let s = Store::open_in_dir(dir.path()).unwrap();
        assert_eq!(count(&s, "check_ins"), 0);
        assert_eq!(count(&s, "outbox"), 0);
        assert_eq!(count(&s, "ticket_counters"), 0);
        assert_eq!(status(&s, "a1"), AppointmentStatus::Booked);
    }

    #[test]
    fn tickets_count_per_queue_and_per_day() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = store_with(dir.path(), &[maria()]);
        let w1 = s
            .commit_check_in(&new_check_in(walk_in(), CheckInState::CheckedIn))
            .unwrap();
        let w2 = s
            .commit_check_in(&new_check_in(walk_in(), CheckInState::CheckedIn))
            .unwrap();
        let a1 = s
            .commit_check_in(&for_appt(
                "a1",
                CheckInState::NeedsDesk(DeskReason::TooEarly),
            ))
            .unwrap();
        assert_eq!(
            (w1.ticket.as_str(), w2.ticket.as_str(), a1.ticket.as_str()),
            ("W-001", "W-002", "A-001")
        );
        assert_eq!((w1.queue, a1.queue), (Queue::WalkIn, Queue::Appointment));
        assert_ne!(w1.outbox_id, w2.outbox_id);
        assert_eq!(
            s.outbox_counts().unwrap(),
            OutboxCounts {
                pending: 3,
                sent: 0,
                failed: 0
            }
        );
        assert_eq!(s.check_in_count().unwrap(), 3);
        assert_eq!(s.walk_ins_waiting(day()).unwrap(), 2);
        // A needs-desk check-in leaves the appointment to the desk.
        assert_eq!(status(&s, "a1"), AppointmentStatus::Booked);

        let mut tomorrow = new_check_in(walk_in(), CheckInState::CheckedIn);
        tomorrow.now += chrono::Duration::days(1);
        assert_eq!(s.commit_check_in(&tomorrow).unwrap().ticket, "W-001");
    }

    #[test]
    fn summaries_show_states_without_patient_data() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = store_with(dir.path(), &[maria()]);
        let desk = s
            .commit_check_in(&for_appt(
                "a1",
                CheckInState::NeedsDesk(DeskReason::DeskOnly),
            ))
            .unwrap();
        let w = s
            .commit_check_in(&new_check_in(walk_in(), CheckInState::CheckedIn))
            .unwrap();
        let list = s.check_in_summaries(day()).unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!(list[0].id, desk.id);
        assert_eq!(list[0].state, CheckInState::NeedsDesk(DeskReason::DeskOnly));
        assert_eq!(list[0].appointment_id.as_deref(), Some("a1"));
        assert_eq!(
            (list[1].id.as_str(), list[1].queue),
            (w.id.as_str(), Queue::WalkIn)
        );
        assert_eq!(list[1].state, CheckInState::CheckedIn);
        let text = format!("{list:?}");
        assert!(!text.contains("Zelda") && !text.contains("María"), "{text}");
    }

    #[test]
    fn errors_hide_patient_data() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = store_with(dir.path(), &[maria()]);
        let first = s
            .commit_check_in(&new_check_in(walk_in(), CheckInState::CheckedIn))
            .unwrap();
        // A duplicate id fails on the primary key; the error must not carry the values.
        let mut dup = new_check_in(walk_in(), CheckInState::CheckedIn);
        dup.id = first.id.clone();
        let err = s.commit_check_in(&dup).unwrap_err();
        let text = format!("{err} {err:?}");
        assert!(text.contains("UNIQUE constraint failed"), "{text}");
        for secret in [
            "Zelda",
            "Quixote",
            "1979",
            "5550142999",
            "injury",
            &first.id,
        ] {
            assert!(!text.contains(secret), "{text}");
        }
    }

    #[test]
    fn help_requests_are_counted_until_resolved() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = store_with(dir.path(), &[]);
        let a = s.record_help_request(now(), "identify").unwrap();
        let b = s.record_help_request(now(), "welcome").unwrap();
        assert!(b > a);
        assert_eq!(s.open_help_requests().unwrap(), 2);
        s.conn
            .execute(
                "UPDATE help_requests SET resolved_at = ?1 WHERE id = ?2",
                params![now(), a],
            )
            .unwrap();
        assert_eq!(s.open_help_requests().unwrap(), 1);
    }

    #[test]
    fn lookup_folds_names_and_uses_the_index() {
        let dir = tempfile::tempdir().unwrap();
        let s = store_with(
            dir.path(),
            &[
                maria(),
                appt("a2", "CKI-NGU901", "Thanh", "Nguyễn", (1990, 11, 23)),
                appt("a3", "CKI-OBR756", "Sean", "O'Brien-Smith", (1975, 6, 30)),
                appt("a4", "CKI-DAN001", "Linh", "Đặng", (1970, 1, 2)),
            ],
        );
        let born = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let ids = |name: &str, b: NaiveDate| -> Vec<String> {
            s.find_candidates(day(), name, b)
                .unwrap()
                .into_iter()
                .map(|a| a.id)
                .collect()
        };
        assert_eq!(ids("MUNOZ", born(1984, 3, 9)), ["a1"]);
        assert_eq!(ids("  muñoz ", born(1984, 3, 9)), ["a1"]);
        assert_eq!(ids("nguyen", born(1990, 11, 23)), ["a2"]);
        assert_eq!(ids("O BRIEN SMITH", born(1975, 6, 30)), ["a3"]);
        assert_eq!(ids("obrien-smith", born(1975, 6, 30)), ["a3"]);
        assert_eq!(ids("dang", born(1970, 1, 2)), ["a4"]);
        assert!(
            ids("munoz", born(1984, 3, 10)).is_empty(),
            "birth date must match"
        );
        assert!(ids("munoz", born(1984, 3, 9)).len() == 1);
        assert!(ids("-'", born(1984, 3, 9)).is_empty());
        assert!(s
            .find_candidates(day().succ_opt().unwrap(), "munoz", born(1984, 3, 9))
            .unwrap()
            .is_empty());

        assert_eq!(
            s.find_by_code(day(), "cki-ngu901").unwrap().unwrap().id,
            "a2"
        );
        assert!(s.find_by_code(day(), "CKI-XXX000").unwrap().is_none());

        let plan = |sql: &str| -> String {
            let mut st = s
                .conn
                .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
                .unwrap();
            let rows = st.query_map([], |r| r.get::<_, String>(3)).unwrap();
            rows.map(Result::unwrap).collect::<Vec<_>>().join("; ")
        };
        let lookup = plan(
            "SELECT id FROM appointments WHERE service_date = '2026-11-23'
             AND family_folded = 'munoz' AND birth_date = '1984-03-09'",
        );
        assert!(lookup.contains("appointments_lookup"), "{lookup}");
        let by_code = plan(
            "SELECT id FROM appointments WHERE code = 'cki-ngu901' AND service_date = '2026-11-23'",
        );
        assert!(by_code.contains("USING INDEX"), "{by_code}");
    }

    #[test]
    fn replacing_the_roster_keeps_local_check_ins() {
        let dir = tempfile::tempdir().unwrap();
        let sean = appt("a3", "CKI-OBR756", "Sean", "O'Brien-Smith", (1975, 6, 30));
        let thanh = appt("a2", "CKI-NGU901", "Thanh", "Nguyễn", (1990, 11, 23));
        let mut s = store_with(dir.path(), &[maria(), thanh.clone(), sean.clone()]);
        assert_eq!(s.roster_len(day()).unwrap(), 3);
        s.commit_check_in(&for_appt("a1", CheckInState::CheckedIn))
            .unwrap();
        s.commit_check_in(&for_appt("a2", CheckInState::CheckedIn))
            .unwrap();

        // The server has not received the check-ins yet: María is "booked" there and Thanh
        // is left out; Sean was moved to 11:00; a new appointment arrives.
        let mut again = maria();
        again.clinician = "Dr. B".into();
        let mut moved = sean.clone();
        moved.start = day().and_hms_opt(11, 0, 0).unwrap();
        let new = appt("a5", "CKI-NEW555", "Ana", "García", (1962, 1, 15));
        s.replace_roster(day(), &[again, moved, new]).unwrap();
        assert_eq!(s.roster_len(day()).unwrap(), 4);
        let m = s.appointment("a1").unwrap().unwrap();
        assert_eq!(
            m.status,
            AppointmentStatus::CheckedIn,
            "local status preserved"
        );
        assert_eq!(m.clinician, "Dr. B", "the rest follows the server");
        assert_eq!(
            status(&s, "a2"),
            AppointmentStatus::CheckedIn,
            "kept while unsent"
        );
        assert_eq!(
            s.appointment("a3").unwrap().unwrap().start,
            day().and_hms_opt(11, 0, 0).unwrap()
        );

        // Once the server reports a later status, it wins; a left-out, not checked-in
        // appointment goes.
        let mut arrived = maria();
        arrived.status = AppointmentStatus::Arrived;
        s.replace_roster(day(), &[arrived]).unwrap();
        assert_eq!(status(&s, "a1"), AppointmentStatus::Arrived);
        assert!(s.appointment("a3").unwrap().is_none());
        assert!(s.appointment("a5").unwrap().is_none());
        assert_eq!(s.roster_len(day()).unwrap(), 2, "a1 and the unsent a2");

        // Another day's roster is untouched by today's replacement.
        let mut other = appt("b1", "CKI-MUN384", "María", "Muñoz", (1984, 3, 9));
        other.start += chrono::Duration::days(1);
        let tomorrow = day().succ_opt().unwrap();
        s.replace_roster(tomorrow, &[other]).unwrap();
        s.replace_roster(day(), &[]).unwrap();
        assert_eq!(s.roster_len(tomorrow).unwrap(), 1, "same code, another day");
        assert_eq!(
            s.roster_len(day()).unwrap(),
            1,
            "only the unsent a2 is left"
        );
    }

    #[test]
    fn queue_counts_follow_clinician_time_and_status() {
        let dir = tempfile::tempdir().unwrap();
        let at = |h| day().and_hms_opt(h, 0, 0).unwrap();
        let mut rows = Vec::new();
        for (i, (h, st, who)) in [
            (8, AppointmentStatus::Arrived, "Dr. A"),
            (8, AppointmentStatus::Fulfilled, "Dr. A"),
            (9, AppointmentStatus::Arrived, "Dr. B"),
            (9, AppointmentStatus::Booked, "Dr. A"),
            (11, AppointmentStatus::Arrived, "Dr. A"),
        ]
        .into_iter()
        .enumerate()
        {
            let mut a = appt(
                &format!("q{i}"),
                &format!("CKI-Q{i}"),
                "G",
                "F",
                (1980, 1, 1),
            );
            a.start = at(h);
            a.status = st;
            a.clinician = who.into();
            rows.push(a);
        }
        let mut s = store_with(dir.path(), &rows);
        assert_eq!(s.waiting_ahead(day(), "Dr. A", at(10)).unwrap(), 1);
        s.commit_check_in(&for_appt("q3", CheckInState::CheckedIn))
            .unwrap();
        assert_eq!(s.waiting_ahead(day(), "Dr. A", at(10)).unwrap(), 2);
        assert_eq!(
            s.waiting_ahead(day(), "Dr. A", at(9)).unwrap(),
            1,
            "strictly before"
        );
        assert_eq!(s.waiting_ahead(day(), "Dr. B", at(10)).unwrap(), 1);
        let mut per = s.waiting_per_clinician(day()).unwrap();
        per.sort_unstable();
        assert_eq!(per, [1, 3]);
    }
}
