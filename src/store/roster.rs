//! Today's appointments, cached from the server (or the demo practice).

use chrono::{NaiveDate, NaiveDateTime};
use rusqlite::{params, Row};

use super::{Store, StoreError};
use crate::domain::{fold_name, Appointment, AppointmentStatus, Patient};

const COLUMNS: &str =
    "id, code, start, clinician, appointment_type, status, patient_id, given_name, family_name, birth_date";

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
    /// checked in keep their local status until the server reports a later one.
    pub fn replace_roster(&mut self, service_date: NaiveDate, appts: &[Appointment]) -> Result<(), StoreError> {
        let tx = self.conn.transaction().map_err(StoreError::sqlite("starting a roster update"))?;
        tx.execute(
            "CREATE TEMP TABLE IF NOT EXISTS incoming (id TEXT PRIMARY KEY)",
            [],
        )
        .map_err(StoreError::sqlite("preparing a roster update"))?;
        tx.execute("DELETE FROM temp.incoming", [])
            .map_err(StoreError::sqlite("preparing a roster update"))?;
        {
            let mut mark = tx
                .prepare("INSERT OR IGNORE INTO temp.incoming (id) VALUES (?1)")
                .map_err(StoreError::sqlite("preparing a roster update"))?;
            let mut upsert = tx
                .prepare(
                    "INSERT INTO appointments (id, code, service_date, start, clinician, appointment_type, status,
                         patient_id, given_name, family_name, family_folded, birth_date)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
                     ON CONFLICT(id) DO UPDATE SET
                         code = excluded.code, service_date = excluded.service_date, start = excluded.start,
                         clinician = excluded.clinician, appointment_type = excluded.appointment_type,
                         status = CASE WHEN appointments.status = 'checked_in' AND excluded.status = 'booked'
                                       THEN appointments.status ELSE excluded.status END,
                         patient_id = excluded.patient_id, given_name = excluded.given_name,
                         family_name = excluded.family_name, family_folded = excluded.family_folded,
                         birth_date = excluded.birth_date",
                )
                .map_err(StoreError::sqlite("preparing a roster update"))?;
            for a in appts {
                mark.execute([&a.id]).map_err(StoreError::sqlite("updating the roster"))?;
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
        tx.execute(
            "DELETE FROM appointments WHERE service_date = ?1 AND id NOT IN (SELECT id FROM temp.incoming)",
            [service_date],
        )
        .map_err(StoreError::sqlite("updating the roster"))?;
        tx.commit().map_err(StoreError::sqlite("committing the roster"))
    }

    fn query_appointments(&self, sql: &str, params: impl rusqlite::Params) -> Result<Vec<Appointment>, StoreError> {
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

    /// Today's appointments whose folded family name and birth date equal the input.
    pub fn find_candidates(
        &self,
        service_date: NaiveDate,
        family_name: &str,
        birth_date: NaiveDate,
    ) -> Result<Vec<Appointment>, StoreError> {
        self.query_appointments(
            &format!(
                "SELECT {COLUMNS} FROM appointments
                 WHERE service_date = ?1 AND family_folded = ?2 AND birth_date = ?3"
            ),
            params![service_date, fold_name(family_name), birth_date],
        )
    }

    pub fn find_by_code(&self, service_date: NaiveDate, code: &str) -> Result<Option<Appointment>, StoreError> {
        let found = self.query_appointments(
            &format!("SELECT {COLUMNS} FROM appointments WHERE service_date = ?1 AND code = ?2 COLLATE NOCASE"),
            params![service_date, code],
        )?;
        Ok(found.into_iter().next())
    }

    pub fn appointment(&self, id: &str) -> Result<Option<Appointment>, StoreError> {
        let found = self.query_appointments(&format!("SELECT {COLUMNS} FROM appointments WHERE id = ?1"), [id])?;
        Ok(found.into_iter().next())
    }

    pub fn roster_len(&self, service_date: NaiveDate) -> Result<usize, StoreError> {
        let n: i64 = self
            .conn
            .query_row("SELECT COUNT(*) FROM appointments WHERE service_date = ?1", [service_date], |r| r.get(0))
            .map_err(StoreError::sqlite("counting the roster"))?;
        Ok(usize::try_from(n).unwrap_or(0))
    }

    /// Patients of `clinician` already here and not yet seen, booked before `before`.
    pub fn waiting_ahead(&self, service_date: NaiveDate, clinician: &str, before: NaiveDateTime) -> Result<u32, StoreError> {
        let n: i64 = self
            .conn
            .query_row(
                "SELECT COUNT(*) FROM appointments
                 WHERE service_date = ?1 AND clinician = ?2 AND start < ?3 AND status IN ('arrived', 'checked_in')",
                params![service_date, clinician, before],
                |r| r.get(0),
            )
            .map_err(StoreError::sqlite("counting the queue"))?;
        Ok(u32::try_from(n).unwrap_or(0))
    }

    /// Walk-ins checked in today (the walk-in queue has no "seen" state yet).
    pub fn walk_ins_waiting(&self, service_date: NaiveDate) -> Result<u32, StoreError> {
        let n: i64 = self
            .conn
            .query_row(
                "SELECT COUNT(*) FROM check_ins WHERE service_date = ?1 AND kind = 'walk_in' AND state = 'checked_in'",
                [service_date],
                |r| r.get(0),
            )
            .map_err(StoreError::sqlite("counting the walk-in queue"))?;
        Ok(u32::try_from(n).unwrap_or(0))
    }
}

impl Store {
    /// How many patients wait for each clinician today (here, not yet seen).
    pub fn waiting_per_clinician(&self, service_date: NaiveDate) -> Result<Vec<u32>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT COUNT(*) FROM appointments
                 WHERE service_date = ?1 AND status IN ('arrived', 'checked_in') GROUP BY clinician",
            )
            .map_err(StoreError::sqlite("counting the queues"))?;
        let rows = stmt
            .query_map([service_date], |r| r.get::<_, i64>(0))
            .map_err(StoreError::sqlite("counting the queues"))?;
        let mut out = Vec::new();
        for n in rows {
            out.push(u32::try_from(n.map_err(StoreError::sqlite("counting the queues"))?).unwrap_or(0));
        }
        Ok(out)
    }
}
