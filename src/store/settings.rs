//! Settings staff saved on the kiosk (the top configuration layer).

use chrono::NaiveDateTime;
use rusqlite::{params, OptionalExtension};

use super::{Store, StoreError};

impl Store {
    pub fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.conn
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()
            .map_err(StoreError::sqlite("reading a setting"))
    }

    pub fn set_setting(
        &mut self,
        key: &str,
        value: &str,
        now: NaiveDateTime,
    ) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO settings (key, value, updated_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value,
                     updated_at = excluded.updated_at",
                params![key, value, now],
            )
            .map(|_| ())
            .map_err(StoreError::sqlite("saving a setting"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn settings_round_trip_and_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let now = NaiveDate::from_ymd_opt(2026, 11, 23)
            .unwrap()
            .and_hms_opt(9, 0, 0)
            .unwrap();
        {
            let mut s = Store::open_in_dir(dir.path()).unwrap();
            assert_eq!(s.setting("practice_name").unwrap(), None);
            s.set_setting("practice_name", "Hill Clinic", now).unwrap();
            s.set_setting("practice_name", "Hill Clinic East", now)
                .unwrap();
            s.set_setting("idle_timeout_secs", "90", now).unwrap();
        }
        let s = Store::open_in_dir(dir.path()).unwrap();
        assert_eq!(
            s.setting("practice_name").unwrap().as_deref(),
            Some("Hill Clinic East")
        );
        assert_eq!(
            s.setting("idle_timeout_secs").unwrap().as_deref(),
            Some("90")
        );
    }
}
