//! Small key/value tables: settings staff saved on the kiosk (the top configuration layer),
//! the sync worker's latest results for staff, and staff mode's own state (PIN hash,
//! lockout). One implementation for all.

use chrono::NaiveDateTime;
use rusqlite::{params, OptionalExtension};

use super::{Store, StoreError};

#[derive(Clone, Copy)]
enum KeyValue {
    Settings,
    SyncState,
    StaffState,
}

impl KeyValue {
    /// A fixed table name: never built from input.
    fn table(self) -> &'static str {
        match self {
            KeyValue::Settings => "settings",
            KeyValue::SyncState => "sync_state",
            KeyValue::StaffState => "staff_state",
        }
    }

    fn get(self, store: &Store, key: &str) -> Result<Option<String>, StoreError> {
        store
            .conn
            .prepare_cached(&format!(
                "SELECT value FROM {} WHERE key = ?1",
                self.table()
            ))
            .and_then(|mut st| st.query_row([key], |r| r.get(0)).optional())
            .map_err(StoreError::sqlite("reading a stored value"))
    }

    fn set(
        self,
        store: &mut Store,
        key: &str,
        value: &str,
        now: NaiveDateTime,
    ) -> Result<(), StoreError> {
        store
            .conn
            .prepare_cached(&format!(
                "INSERT INTO {} (key, value, updated_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value,
                     updated_at = excluded.updated_at",
                self.table()
            ))
            .and_then(|mut st| st.execute(params![key, value, now]))
            .map(|_| ())
            .map_err(StoreError::sqlite("saving a stored value"))
    }

    fn clear(self, store: &mut Store, key: &str) -> Result<(), StoreError> {
        store
            .conn
            .prepare_cached(&format!("DELETE FROM {} WHERE key = ?1", self.table()))
            .and_then(|mut st| st.execute([key]))
            .map(|_| ())
            .map_err(StoreError::sqlite("clearing a stored value"))
    }
}

impl Store {
    pub fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        KeyValue::Settings.get(self, key)
    }

    pub fn set_setting(
        &mut self,
        key: &str,
        value: &str,
        now: NaiveDateTime,
    ) -> Result<(), StoreError> {
        KeyValue::Settings.set(self, key, value, now)
    }

    pub fn clear_setting(&mut self, key: &str) -> Result<(), StoreError> {
        KeyValue::Settings.clear(self, key)
    }

    /// Every setting staff saved, by key.
    pub fn settings(&self) -> Result<Vec<(String, String)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT key, value FROM settings ORDER BY key")
            .map_err(StoreError::sqlite("reading the settings"))?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(StoreError::sqlite("reading the settings"))?;
        rows.collect::<Result<_, _>>()
            .map_err(StoreError::sqlite("reading the settings"))
    }

    pub fn staff_state(&self, key: &str) -> Result<Option<String>, StoreError> {
        KeyValue::StaffState.get(self, key)
    }

    pub fn set_staff_state(
        &mut self,
        key: &str,
        value: &str,
        now: NaiveDateTime,
    ) -> Result<(), StoreError> {
        KeyValue::StaffState.set(self, key, value, now)
    }

    /// The sync worker's latest results (last pull, problems), kept for staff.
    pub fn sync_state(&self, key: &str) -> Result<Option<String>, StoreError> {
        KeyValue::SyncState.get(self, key)
    }

    pub fn set_sync_state(
        &mut self,
        key: &str,
        value: &str,
        now: NaiveDateTime,
    ) -> Result<(), StoreError> {
        KeyValue::SyncState.set(self, key, value, now)
    }

    pub fn clear_sync_state(&mut self, key: &str) -> Result<(), StoreError> {
        KeyValue::SyncState.clear(self, key)
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
