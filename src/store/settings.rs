//! Two small key/value tables: settings staff saved on the kiosk (the top configuration
//! layer) and the sync worker's latest results for staff. One implementation for both.

use chrono::NaiveDateTime;
use rusqlite::{params, OptionalExtension};

use super::{Store, StoreError};

#[derive(Clone, Copy)]
enum KeyValue {
    Settings,
    SyncState,
}

impl KeyValue {
    /// A fixed table name: never built from input.
    fn table(self) -> &'static str {
        match self {
            KeyValue::Settings => "settings",
            KeyValue::SyncState => "sync_state",
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
