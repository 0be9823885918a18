//! The outbox as the sync worker sees it: pending items oldest first, with what each must
//! send; and their outcome (sent, retry later, failed with a reason). Plus the worker's
//! latest results by key, for staff.

use chrono::{NaiveDate, NaiveDateTime};
use rusqlite::{params, OptionalExtension, TransactionBehavior};

use super::{NewResponse, Store, StoreError};
use crate::domain::{CheckInKind, CheckInState, WalkIn};

/// One check-in still owed to the server. Debug shows ids only (WalkIn and NewResponse
/// redact themselves).
#[derive(Clone, Debug)]
pub struct OutboxItem {
    /// The idempotency key: identifiers minted from it make a replay add nothing.
    pub outbox_id: String,
    pub check_in_id: String,
    pub created_at: NaiveDateTime,
    pub attempts: u32,
    pub kind: CheckInKind,
    pub state: CheckInState,
    pub responses: Vec<NewResponse>,
}

type ItemRow = (
    String,
    String,
    NaiveDateTime,
    i64,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<NaiveDate>,
    Option<String>,
    Option<String>,
);

fn item_from_row(row: ItemRow) -> Result<(OutboxItem, String), StoreError> {
    let (
        outbox_id,
        check_in_id,
        created_at,
        attempts,
        appointment_id,
        state,
        desk,
        given,
        family,
        born,
        phone,
        reason,
    ) = row;
    let state = match (state.as_str(), desk) {
        ("checked_in", None) => CheckInState::CheckedIn,
        ("needs_desk", Some(r)) => CheckInState::NeedsDesk(
            r.parse()
                .map_err(|_| StoreError::Corrupt("unknown desk reason"))?,
        ),
        _ => return Err(StoreError::Corrupt("unknown check-in state")),
    };
    let kind = match (appointment_id, given, family, born, reason) {
        (Some(appointment_id), ..) => CheckInKind::Appointment { appointment_id },
        (None, Some(given_name), Some(family_name), Some(birth_date), Some(reason)) => {
            CheckInKind::WalkIn(WalkIn {
                given_name,
                family_name,
                birth_date,
                phone,
                reason,
            })
        }
        _ => return Err(StoreError::Corrupt("a walk-in without its details")),
    };
    let id = check_in_id.clone();
    Ok((
        OutboxItem {
            outbox_id,
            check_in_id,
            created_at,
            attempts: u32::try_from(attempts).unwrap_or(0),
            kind,
            state,
            responses: Vec::new(),
        },
        id,
    ))
}

impl Store {
    /// Up to `limit` pending items, oldest first (creation time, then insertion order).
    pub fn pending_outbox(&self, limit: usize) -> Result<Vec<OutboxItem>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT o.id, o.check_in_id, o.created_at, o.attempts, c.appointment_id,
                        c.state, c.desk_reason, c.given_name, c.family_name, c.birth_date,
                        c.phone, c.reason
                 FROM outbox o JOIN check_ins c ON c.id = o.check_in_id
                 WHERE o.state = 'pending'
                 ORDER BY o.created_at, o.rowid
                 LIMIT ?1",
            )
            .map_err(StoreError::sqlite("reading the outbox"))?;
        let rows = stmt
            .query_map([i64::try_from(limit).unwrap_or(i64::MAX)], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                    r.get(8)?,
                    r.get(9)?,
                    r.get(10)?,
                    r.get(11)?,
                ))
            })
            .map_err(StoreError::sqlite("reading the outbox"))?;
        let mut out = Vec::new();
        for row in rows {
            let (mut item, check_in) =
                item_from_row(row.map_err(StoreError::sqlite("reading the outbox"))?)?;
            item.responses = self.questionnaire_responses(&check_in)?;
            out.push(item);
        }
        Ok(out)
    }

    /// The server has these items: sent, acknowledged now. An appointment this kiosk checked
    /// in becomes `arrived` locally too (the server says so from now on). One transaction.
    pub fn mark_outbox_sent(
        &mut self,
        outbox_ids: &[String],
        now: NaiveDateTime,
    ) -> Result<(), StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(StoreError::sqlite("starting an outbox update"))?;
        for id in outbox_ids {
            tx.prepare_cached(
                "UPDATE appointments SET status = 'arrived'
                 WHERE status = 'checked_in' AND id = (
                     SELECT c.appointment_id FROM outbox o JOIN check_ins c ON c.id = o.check_in_id
                     WHERE o.id = ?1 AND o.state = 'pending' AND c.state = 'checked_in')",
            )
            .and_then(|mut s| s.execute([id]))
            .map_err(StoreError::sqlite("marking the appointment arrived"))?;
            tx.prepare_cached(
                "UPDATE outbox SET state = 'sent', acked_at = ?2, attempts = attempts + 1,
                     last_error = NULL, next_attempt_at = NULL
                 WHERE id = ?1 AND state = 'pending'",
            )
            .and_then(|mut s| s.execute(params![id, now]))
            .map_err(StoreError::sqlite("marking an outbox item sent"))?;
        }
        tx.commit()
            .map_err(StoreError::sqlite("committing an outbox update"))
    }

    /// These items stay pending: one more attempt, why it did not work, when the next is.
    pub fn mark_outbox_retry(
        &mut self,
        outbox_ids: &[String],
        error: &str,
        next_attempt_at: NaiveDateTime,
    ) -> Result<(), StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(StoreError::sqlite("starting an outbox update"))?;
        for id in outbox_ids {
            tx.prepare_cached(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ?2, next_attempt_at = ?3
                 WHERE id = ?1 AND state = 'pending'",
            )
            .and_then(|mut s| s.execute(params![id, error, next_attempt_at]))
            .map_err(StoreError::sqlite("scheduling an outbox retry"))?;
        }
        tx.commit()
            .map_err(StoreError::sqlite("committing an outbox update"))
    }

    /// The server refused this item for good: failed, with the reason staff will read.
    pub fn mark_outbox_failed(&mut self, outbox_id: &str, reason: &str) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE outbox SET state = 'failed', attempts = attempts + 1, last_error = ?2,
                     next_attempt_at = NULL
                 WHERE id = ?1 AND state = 'pending'",
                params![outbox_id, reason],
            )
            .map(|_| ())
            .map_err(StoreError::sqlite("marking an outbox item failed"))
    }

    /// pending, sent or failed (None: no such item).
    pub fn outbox_state(&self, outbox_id: &str) -> Result<Option<String>, StoreError> {
        self.conn
            .query_row("SELECT state FROM outbox WHERE id = ?1", [outbox_id], |r| {
                r.get(0)
            })
            .optional()
            .map_err(StoreError::sqlite("reading the outbox"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Appointment, AppointmentStatus, DeskReason, Patient};
    use crate::store::NewCheckIn;

    fn now() -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, 23)
            .unwrap()
            .and_hms_opt(10, 0, 0)
            .unwrap()
    }

    fn appt(id: &str) -> Appointment {
        Appointment {
            id: id.into(),
            code: format!("CKI-{id}00"),
            start: now(),
            clinician: "Dr. A".into(),
            appointment_type: "visit".into(),
            status: AppointmentStatus::Booked,
            patient: Patient {
                id: format!("p-{id}"),
                given_name: "G".into(),
                family_name: "F".into(),
                birth_date: NaiveDate::from_ymd_opt(1980, 1, 1).unwrap(),
            },
        }
    }

    fn commit(s: &mut Store, kind: CheckInKind, state: CheckInState, at: NaiveDateTime) -> String {
        s.commit_check_in(&NewCheckIn {
            id: uuid::Uuid::new_v4().to_string(),
            now: at,
            kind,
            state,
            qr_token: uuid::Uuid::new_v4().simple().to_string(),
            responses: vec![NewResponse {
                id: uuid::Uuid::new_v4().to_string(),
                questionnaire: "https://f.example/q|1".into(),
                resource: serde_json::json!({"resourceType": "QuestionnaireResponse", "status": "completed"}),
            }],
        })
        .unwrap()
        .outbox_id
    }

    fn state(s: &Store, id: &str) -> (String, i64, Option<String>) {
        s.conn
            .query_row(
                "SELECT state, attempts, last_error FROM outbox WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap()
    }

    #[test]
    fn pending_items_come_oldest_first_with_what_they_must_send() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open_in_dir(dir.path()).unwrap();
        s.replace_roster(now().date(), &[appt("a1"), appt("a2")])
            .unwrap();
        let later = now() + chrono::Duration::minutes(5);
        let a2 = commit(
            &mut s,
            CheckInKind::Appointment {
                appointment_id: "a2".into(),
            },
            CheckInState::CheckedIn,
            later,
        );
        let w = commit(
            &mut s,
            CheckInKind::WalkIn(WalkIn {
                given_name: "Zelda".into(),
                family_name: "Quixote".into(),
                birth_date: NaiveDate::from_ymd_opt(1979, 5, 21).unwrap(),
                phone: None,
                reason: "injury".into(),
            }),
            CheckInState::CheckedIn,
            now(),
        );
        let desk = commit(
            &mut s,
            CheckInKind::Appointment {
                appointment_id: "a1".into(),
            },
            CheckInState::NeedsDesk(DeskReason::TooEarly),
            later,
        );
        let items = s.pending_outbox(10).unwrap();
        let ids: Vec<&str> = items.iter().map(|i| i.outbox_id.as_str()).collect();
        assert_eq!(ids, [w.as_str(), a2.as_str(), desk.as_str()]);
        assert!(matches!(&items[0].kind, CheckInKind::WalkIn(w) if w.family_name == "Quixote"));
        assert_eq!(
            items[2].state,
            CheckInState::NeedsDesk(DeskReason::TooEarly)
        );
        assert_eq!(items[1].responses.len(), 1);
        assert_eq!(s.pending_outbox(1).unwrap().len(), 1);
        assert!(!format!("{items:?}").contains("Quixote"));

        s.mark_outbox_retry(std::slice::from_ref(&w), "cannot reach the server", later)
            .unwrap();
        assert_eq!(
            state(&s, &w),
            ("pending".into(), 1, Some("cannot reach the server".into()))
        );
        s.mark_outbox_sent(&[w.clone(), a2.clone()], later).unwrap();
        assert_eq!(state(&s, &w), ("sent".into(), 2, None));
        assert_eq!(
            s.appointment("a2").unwrap().unwrap().status,
            AppointmentStatus::Arrived
        );
        assert_eq!(
            s.appointment("a1").unwrap().unwrap().status,
            AppointmentStatus::Booked,
            "the desk case is left to the desk"
        );
        s.mark_outbox_failed(&desk, "HTTP 400: bad").unwrap();
        // Settled items do not move again.
        s.mark_outbox_retry(&[desk.clone(), w.clone()], "x", later)
            .unwrap();
        assert_eq!(
            state(&s, &desk),
            ("failed".into(), 1, Some("HTTP 400: bad".into()))
        );
        assert_eq!(state(&s, &w).0, "sent");
        assert!(s.pending_outbox(10).unwrap().is_empty());
        let c = s.outbox_counts().unwrap();
        assert_eq!((c.pending, c.sent, c.failed), (0, 2, 1));
    }

    #[test]
    fn sync_state_is_kept_by_key() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open_in_dir(dir.path()).unwrap();
        assert_eq!(s.sync_state("last_pull").unwrap(), None);
        s.set_sync_state("last_pull", "a", now()).unwrap();
        s.set_sync_state("last_pull", "b", now()).unwrap();
        assert_eq!(s.sync_state("last_pull").unwrap().as_deref(), Some("b"));
        s.clear_sync_state("last_pull").unwrap();
        assert_eq!(s.sync_state("last_pull").unwrap(), None);
    }
}
