//! Today's appointments, cached from the server (or the demo practice).

use chrono::{NaiveDate, NaiveDateTime};
use rusqlite::{params, Row, TransactionBehavior};

use super::{Store, StoreError};
use crate::domain::{fold_name, Appointment, AppointmentStatus, Patient};

const COLUMNS: &str = "id, code, start, clinician, appointment_type, status, patient_id, \
                       given_name, family_name, birth_date";

/// Reads one row; an unknown stored status is reported as corruption, not a panic.
fn appointment_from_row(row: &Row<'_>) -> rusqlite::Result<Result<Appointment, StoreError>> {
    let status: String = row.get(5)?;
    let Ok(status) = status.parse::<AppointmentStatus>() else {
        return Ok(Err(StoreError::Corrupt("unknown appointment status")));
    };
    Ok(Ok(Appointment {
        id: row.get(0)?,
        code: row.get(1)?,
        start: row.get(2)?,
        clinician: row.get(3)?,
        appointment_type: row.get(4)?,
        status,
        patient: Patient {
            id: row.get(6)?,
            given_name: row.get(7)?,
            family_name: row.get(8)?,
            birth_date: row.get(9)?,
        },
    }))
}

impl Store {
    /// Replaces the roster of `service_date` in one transaction. Appointments this kiosk has
    /// checked in (local status `checked_in`, not yet acknowledged by the server) keep that
    /// status while the server still says "booked", and are kept even when the new list
    /// leaves them out: the patient is in the waiting room and staff must see them.
    pub fn replace_roster(
        &mut self,
        service_date: NaiveDate,
        appts: &[Appointment],
    ) -> Result<(), StoreError> {
        let started = std::time::Instant::now();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(StoreError::sqlite("starting a roster update"))?;
        tx.execute_batch(
            "CREATE TEMP TABLE IF NOT EXISTS incoming (id TEXT PRIMARY KEY);
             DELETE FROM temp.incoming;",
        )
        .map_err(StoreError::sqlite("preparing a roster update"))?;
        {
            let mut mark = tx
                .prepare_cached("INSERT OR IGNORE INTO temp.incoming (id) VALUES (?1)")
                .map_err(StoreError::sqlite("preparing a roster update"))?;
            let mut upsert = tx
                .prepare_cached(
                    "INSERT INTO appointments (id, code, service_date, start, clinician,
                         appointment_type, status, patient_id, given_name, family_name,
                         family_folded, birth_date)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
                     ON CONFLICT(id) DO UPDATE SET
                         code = excluded.code, service_date = excluded.service_date,
                         start = excluded.start, clinician = excluded.clinician,
                         appointment_type = excluded.appointment_type,
                         status = CASE WHEN appointments.status = 'checked_in'
                                        AND excluded.status = 'booked'
                                       THEN appointments.status ELSE excluded.status END,
                         patient_id = excluded.patient_id, given_name = excluded.given_name,
                         family_name = excluded.family_name,
                         family_folded = excluded.family_folded,
                         birth_date = excluded.birth_date",
                )
                .map_err(StoreError::sqlite("preparing a roster update"))?;
            for a in appts {
                mark.execute([&a.id])
                    .map_err(StoreError::sqlite("updating the roster"))?;
                upsert
                    .execute(params![
                        a.id,
                        a.code,
                        service_date,
                        a.start,
                        a.clinician,
                        a.appointment_type,
                        a.status.as_str(),
                        a.patient.id,
                        a.patient.given_name,
                        a.patient.family_name,
                        fold_name(&a.patient.family_name),
                        a.patient.birth_date,
                    ])
                    .map_err(StoreError::sqlite("updating the roster"))?;
            }
        }
        let removed = tx
            .execute(
                "DELETE FROM appointments
                 WHERE service_date = ?1 AND status <> 'checked_in'
                   AND id NOT IN (SELECT id FROM temp.incoming)",
                [service_date],
            )
            .map_err(StoreError::sqlite("updating the roster"))?;
        tx.execute("DELETE FROM temp.incoming", [])
            .map_err(StoreError::sqlite("updating the roster"))?;
        tx.commit()
            .map_err(StoreError::sqlite("committing the roster"))?;
        tracing::info!(
            appointments = appts.len(),
            removed,
            micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
            "roster replaced"
        );
        Ok(())
    }

    fn query_appointments(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
    ) -> Result<Vec<Appointment>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(sql)
            .map_err(StoreError::sqlite("looking up appointments"))?;
        let rows = stmt
            .query_map(params, appointment_from_row)
            .map_err(StoreError::sqlite("looking up appointments"))?;
        let mut out = Vec::new();
        for row in rows {
            out.push(row.map_err(StoreError::sqlite("reading an appointment"))??);
        }
        Ok(out)
    }

    /// The appointments of `service_date` whose folded family name and birth date equal the
    /// input (through the `appointments_lookup` index). Cancelled ones are included: the
    /// domain's `decide_match` decides.
    pub fn find_candidates(
        &self,
        service_date: NaiveDate,
        family_name_raw: &str,
        birth_date: NaiveDate,
    ) -> Result<Vec<Appointment>, StoreError> {
        let folded = fold_name(family_name_raw);
        if folded.is_empty() {
            return Ok(Vec::new());
        }
        self.query_appointments(
            &format!(
                "SELECT {COLUMNS} FROM appointments
                 WHERE service_date = ?1 AND family_folded = ?2 AND birth_date = ?3"
            ),
            params![service_date, folded, birth_date],
        )
    }

    /// The appointment of `service_date` with this printed code (any case).
    pub fn find_by_code(
        &self,
        service_date: NaiveDate,
        code: &str,
    ) -> Result<Option<Appointment>, StoreError> {
        let found = self.query_appointments(
            &format!("SELECT {COLUMNS} FROM appointments WHERE code = ?1 AND service_date = ?2"),
            params![code, service_date],
        )?;
        Ok(found.into_iter().next())
    }

    pub fn appointment(&self, id: &str) -> Result<Option<Appointment>, StoreError> {
        let found = self.query_appointments(
            &format!("SELECT {COLUMNS} FROM appointments WHERE id = ?1"),
            [id],
        )?;
        Ok(found.into_iter().next())
    }

    pub fn roster_len(&self, service_date: NaiveDate) -> Result<usize, StoreError> {
        let n: i64 = self
            .conn
            .query_row(
                "SELECT COUNT(*) FROM appointments WHERE service_date = ?1",
                [service_date],
                |r| r.get(0),
            )
            .map_err(StoreError::sqlite("counting the roster"))?;
        Ok(usize::try_from(n).unwrap_or(0))
    }

    /// Patients of `clinician` already here (arrived or checked in) and not yet seen, whose
    /// appointments start before `before`: the people ahead in that clinician's queue.
    pub fn waiting_ahead(
        &self,
        service_date: NaiveDate,
        clinician: &str,
        before: NaiveDateTime,
    ) -> Result<u32, StoreError> {
        let n: i64 = self
            .conn
            .prepare_cached(
                "SELECT COUNT(*) FROM appointments
                 WHERE service_date = ?1 AND clinician = ?2 AND start < ?3
                   AND status IN ('arrived', 'checked_in')",
            )
            .and_then(|mut s| s.query_row(params![service_date, clinician, before], |r| r.get(0)))
            .map_err(StoreError::sqlite("counting the queue"))?;
        Ok(u32::try_from(n).unwrap_or(0))
    }

    /// Walk-ins checked in on `service_date` (the walk-in queue has no "seen" state yet).
    pub fn walk_ins_waiting(&self, service_date: NaiveDate) -> Result<u32, StoreError> {
        let n: i64 = self
            .conn
            .query_row(
                "SELECT COUNT(*) FROM check_ins
                 WHERE service_date = ?1 AND kind = 'walk_in' AND state = 'checked_in'",
                [service_date],
                |r| r.get(0),
            )
            .map_err(StoreError::sqlite("counting the walk-in queue"))?;
        Ok(u32::try_from(n).unwrap_or(0))
    }

    /// How many patients wait for each clinician on `service_date` (here, not yet seen).
    pub fn waiting_per_clinician(&self, service_date: NaiveDate) -> Result<Vec<u32>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT COUNT(*) FROM appointments
                 WHERE service_date = ?1 AND status IN ('arrived', 'checked_in')
                 GROUP BY clinician",
            )
            .map_err(StoreError::sqlite("counting the queues"))?;
        let rows = stmt
            .query_map([service_date], |r| r.get::<_, i64>(0))
            .map_err(StoreError::sqlite("counting the queues"))?;
        let mut out = Vec::new();
        for n in rows {
            let n = n.map_err(StoreError::sqlite("counting the queues"))?;
            out.push(u32::try_from(n).unwrap_or(0));
        }
        Ok(out)
    }
}
