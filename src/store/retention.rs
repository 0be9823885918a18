//! Patient data leaves the disk once the server has it and the retention time has passed.
//! What stays is de-identified: tickets, times and states feed the day's metrics.

use chrono::NaiveDateTime;
use rusqlite::{params, TransactionBehavior};

use super::{Store, StoreError};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PurgeReport {
    /// Check-ins whose name, birth date, phone and reason were erased.
    pub check_ins: u64,
    /// Stored form answers deleted.
    pub responses: u64,
    /// Roster rows of past days deleted.
    pub appointments: u64,
}

impl Store {
    /// Erases the patient data of check-ins the server acknowledged at or before `cutoff`
    /// (now minus the retention), their form answers, and past days' roster rows that no
    /// unacknowledged check-in still needs. A check-in the server has not acknowledged is
    /// never touched. secure_delete (set at open) overwrites the freed pages, and the WAL is
    /// checkpointed and truncated so no old copy stays in it.
    pub fn purge_patient_data(&mut self, cutoff: NaiveDateTime) -> Result<PurgeReport, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(StoreError::sqlite("starting the purge"))?;
        let acked = "SELECT check_in_id FROM outbox
                     WHERE state = 'sent' AND acked_at IS NOT NULL AND acked_at <= ?1";
        let responses = tx
            .execute(
                &format!("DELETE FROM questionnaire_responses WHERE check_in_id IN ({acked})"),
                params![cutoff],
            )
            .map_err(StoreError::sqlite("deleting sent form answers"))?;
        let check_ins = tx
            .execute(
                &format!(
                    "UPDATE check_ins SET given_name = NULL, family_name = NULL,
                         birth_date = NULL, phone = NULL, reason = NULL
                     WHERE id IN ({acked})
                       AND (given_name IS NOT NULL OR family_name IS NOT NULL
                            OR birth_date IS NOT NULL OR phone IS NOT NULL OR reason IS NOT NULL)"
                ),
                params![cutoff],
            )
            .map_err(StoreError::sqlite("erasing sent check-ins"))?;
        let appointments = tx
            .execute(
                "DELETE FROM appointments WHERE service_date < ?1 AND id NOT IN (
                     SELECT c.appointment_id FROM check_ins c JOIN outbox o ON o.check_in_id = c.id
                     WHERE o.state <> 'sent' AND c.appointment_id IS NOT NULL)",
                params![cutoff.date()],
            )
            .map_err(StoreError::sqlite("deleting past rosters"))?;
        tx.commit()
            .map_err(StoreError::sqlite("committing the purge"))?;
        let report = PurgeReport {
            check_ins: check_ins as u64,
            responses: responses as u64,
            appointments: appointments as u64,
        };
        if report != PurgeReport::default() {
            self.conn
                .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
                .map_err(StoreError::sqlite("checkpointing after the purge"))?;
        }
        tracing::info!(
            check_ins = report.check_ins,
            responses = report.responses,
            appointments = report.appointments,
            "patient data past retention purged"
        );
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, NaiveDate};

    use super::*;
    use crate::domain::{
        Appointment, AppointmentStatus, CheckInKind, CheckInState, Patient, WalkIn,
    };
    use crate::store::{NewCheckIn, NewResponse};

    fn at(day: u32, hour: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, day)
            .and_then(|d| d.and_hms_opt(hour, 0, 0))
            .unwrap()
    }

    fn appointment(id: &str, day: u32) -> Appointment {
        Appointment {
            id: id.into(),
            code: format!("CKI-{id}"),
            start: at(day, 9),
            clinician: "Dr. A".into(),
            appointment_type: "visit".into(),
            status: AppointmentStatus::Booked,
            patient: Patient {
                id: format!("p-{id}"),
                given_name: "Olga".into(),
                family_name: "Quistgaard".into(),
                birth_date: NaiveDate::from_ymd_opt(1950, 1, 2).unwrap(),
            },
        }
    }

    fn walk_in(s: &mut Store, now: NaiveDateTime) -> (String, String) {
        let new = NewCheckIn {
            id: uuid::Uuid::new_v4().to_string(),
            now,
            kind: CheckInKind::WalkIn(WalkIn {
                given_name: "Zelda".into(),
                family_name: "Quixote".into(),
                birth_date: NaiveDate::from_ymd_opt(1979, 5, 21).unwrap(),
                phone: Some("5550142999".into()),
                reason: "injury".into(),
            }),
            state: CheckInState::CheckedIn,
            qr_token: uuid::Uuid::new_v4().simple().to_string(),
            responses: vec![NewResponse {
                id: uuid::Uuid::new_v4().to_string(),
                questionnaire: "https://example.org/Questionnaire/q|1".into(),
                resource: serde_json::json!({"resourceType": "QuestionnaireResponse",
                    "status": "completed",
                    "item": [{"linkId": "a", "answer": [{"valueString": "hives"}]}]}),
            }],
        };
        let c = s.commit_check_in(&new).unwrap();
        (c.id, c.outbox_id)
    }

    fn patient_columns(s: &Store, id: &str) -> Vec<Option<String>> {
        s.conn
            .query_row(
                "SELECT given_name, family_name, birth_date, phone, reason FROM check_ins
                 WHERE id = ?1",
                [id],
                |r| (0..5).map(|i| r.get(i)).collect(),
            )
            .unwrap()
    }

    fn count(s: &Store, sql: &str) -> i64 {
        s.conn.query_row(sql, [], |r| r.get(0)).unwrap()
    }

    #[test]
    fn only_acknowledged_check_ins_past_retention_lose_their_patient_data() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open_in_dir(dir.path()).unwrap();
        s.replace_roster(at(20, 0).date(), &[appointment("old", 20)])
            .unwrap();
        s.replace_roster(at(23, 0).date(), &[appointment("today", 23)])
            .unwrap();
        // Sent two days ago; sent an hour ago; never acknowledged (offline for days).
        let (old_sent, o1) = walk_in(&mut s, at(21, 10));
        let (recent, o2) = walk_in(&mut s, at(23, 9));
        let (unsent, _) = walk_in(&mut s, at(20, 10));
        s.mark_outbox_sent(&[o1], at(21, 10)).unwrap();
        s.mark_outbox_sent(&[o2], at(23, 9)).unwrap();

        let now = at(23, 10);
        let report = s.purge_patient_data(now - Duration::hours(24)).unwrap();
        assert_eq!(
            report,
            PurgeReport {
                check_ins: 1,
                responses: 1,
                appointments: 1
            }
        );
        assert!(patient_columns(&s, &old_sent).iter().all(Option::is_none));
        assert!(patient_columns(&s, &recent).iter().all(Option::is_some));
        assert!(
            patient_columns(&s, &unsent).iter().all(Option::is_some),
            "never purged before the server has it"
        );
        assert_eq!(count(&s, "SELECT COUNT(*) FROM questionnaire_responses"), 2);
        // The de-identified record stays for the metrics: ticket, time, state.
        assert_eq!(count(&s, "SELECT COUNT(*) FROM check_ins"), 3);
        assert_eq!(
            count(
                &s,
                "SELECT COUNT(*) FROM check_ins WHERE ticket IS NOT NULL"
            ),
            3
        );
        // Yesterday's roster is gone; today's is kept.
        assert_eq!(count(&s, "SELECT COUNT(*) FROM appointments"), 1);
        assert!(s.appointment("today").unwrap().is_some());
        // A second pass finds nothing more.
        assert_eq!(
            s.purge_patient_data(now - Duration::hours(24)).unwrap(),
            PurgeReport::default()
        );
        // The erased name is not left in the file or its WAL.
        drop(s);
        let mut bytes = std::fs::read(dir.path().join("kiosk.db")).unwrap();
        bytes.extend(std::fs::read(dir.path().join("kiosk.db-wal")).unwrap_or_default());
        let names = bytes.windows(7).filter(|w| *w == b"Quixote").count();
        assert_eq!(names, 2, "only the two check-ins still kept hold the name");
    }
}
