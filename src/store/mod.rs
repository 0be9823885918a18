//! The local database: the only module that speaks SQL. One function opens it (encryption
//! will be added there), migrations keep the schema, and a check-in is always committed
//! together with its outbox row.

mod checkins;
mod migrations;
mod roster;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::Connection;

pub use checkins::{CommittedCheckIn, NewCheckIn, OutboxCounts};

pub const DB_FILE_NAME: &str = "kiosk.db";

/// A storage failure. Display never contains patient data: only what failed and SQLite's
/// own error kind.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot create the data directory {path}: {source}")]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("database error while {action}: {kind}")]
    Sqlite { action: &'static str, kind: String },
    #[error("the database was written by a newer kiosk (schema {found}, this build knows {known}); it was left untouched")]
    TooNew { found: i64, known: i64 },
    #[error("stored data is not valid: {0}")]
    Corrupt(&'static str),
}

impl StoreError {
    /// Keeps SQLite's error code and message, never the bound values (which may be PHI).
    fn sqlite(action: &'static str) -> impl FnOnce(rusqlite::Error) -> StoreError {
        move |e| {
            let kind = match &e {
                rusqlite::Error::SqliteFailure(code, msg) => {
                    format!("{:?}{}", code.code, msg.as_deref().map(|m| format!(" ({m})")).unwrap_or_default())
                }
                rusqlite::Error::QueryReturnedNoRows => "no rows".to_owned(),
                other => format!("{:?}", std::mem::discriminant(other)),
            };
            StoreError::Sqlite { action, kind }
        }
    }
}

pub struct Store {
    conn: Connection,
}

impl Store {
    /// THE way to open the database: WAL, synchronous=FULL (a check-in is on disk before the
    /// patient sees "done"), foreign keys, then migrations.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::DataDir {
                path: dir.to_owned(),
                source,
            })?;
        }
        let mut conn = Connection::open(path).map_err(StoreError::sqlite("opening the database"))?;
        conn.busy_timeout(Duration::from_secs(5))
            .map_err(StoreError::sqlite("setting the busy timeout"))?;
        // Refuse a newer schema before changing anything in the file (WAL is persistent).
        migrations::refuse_newer(&conn)?;
        conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;")
            .map_err(StoreError::sqlite("setting up the connection"))?;
        migrations::migrate(&mut conn)?;
        Ok(Store { conn })
    }

    /// Opens `<data_dir>/kiosk.db`.
    pub fn open_in_dir(data_dir: &Path) -> Result<Store, StoreError> {
        Store::open(&data_dir.join(DB_FILE_NAME))
    }

    pub fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        use rusqlite::OptionalExtension;
        self.conn
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| r.get(0))
            .optional()
            .map_err(StoreError::sqlite("reading a setting"))
    }

    pub fn set_setting(&mut self, key: &str, value: &str, now: chrono::NaiveDateTime) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO settings (key, value, updated_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                rusqlite::params![key, value, now],
            )
            .map(|_| ())
            .map_err(StoreError::sqlite("saving a setting"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_round_trip_and_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let now = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap().and_hms_opt(9, 0, 0).unwrap();
        {
            let mut s = Store::open_in_dir(dir.path()).unwrap();
            assert_eq!(s.setting("practice_name").unwrap(), None);
            s.set_setting("practice_name", "Hill Clinic", now).unwrap();
            s.set_setting("practice_name", "Hill Clinic East", now).unwrap();
        }
        let s = Store::open_in_dir(dir.path()).unwrap();
        assert_eq!(s.setting("practice_name").unwrap().as_deref(), Some("Hill Clinic East"));
    }

    #[test]
    fn opens_in_wal_with_full_sync() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open_in_dir(dir.path().join("nested/dir").as_path()).unwrap();
        let mode: String = s.conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
        let sync: i64 = s.conn.query_row("PRAGMA synchronous", [], |r| r.get(0)).unwrap();
        assert_eq!((mode.as_str(), sync), ("wal", 2));
    }
}
