//! The local database: the only module that speaks SQL. One function opens it (with the
//! SQLCipher key when one is configured), migrations keep the schema, a check-in is always
//! committed together with its outbox row, and patient data goes after sync and retention.

mod checkins;
mod key;
mod migrations;
mod outbox;
mod quarantine;
mod retention;
mod roster;
mod settings;
mod staff;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::Connection;

pub use checkins::{CheckInSummary, CommittedCheckIn, NewCheckIn, NewResponse, OutboxCounts};
pub use key::{DatabaseKey, KeyError};
pub use outbox::OutboxItem;
pub use quarantine::Opened;
pub use retention::PurgeReport;
pub use staff::{Arrival, AuditEntry, FailedItem, FlowOutcome, FlowSession, HelpRequest, QueueRow};

pub const DB_FILE_NAME: &str = "kiosk.db";

/// What `Store::inspect` found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DatabaseHealth {
    pub schema: i64,
    pub outbox: OutboxCounts,
}

/// A storage failure. Display never contains patient data: only what was being done and
/// SQLite's own error code and message (which name tables and constraints, never values).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot create the data directory {path}: {source}")]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("database error while {action}: {kind}")]
    Sqlite {
        action: &'static str,
        kind: String,
        /// SQLite says the file is not a database or is damaged.
        corrupt: bool,
    },
    #[error(
        "the database was written by a newer kiosk (schema {found}, this build knows {known}); \
         it was left untouched"
    )]
    TooNew { found: i64, known: i64 },
    #[error("stored data is not valid: {0}")]
    Corrupt(&'static str),
    #[error(
        "the database key does not open {path} (a wrong key, or page 1 of the file is \
         damaged); the file was left untouched"
    )]
    WrongKey { path: PathBuf },
    #[error(
        "{path} is not encrypted but a database key is configured; it was left untouched \
         (move it away once its check-ins are synced, or remove the key setting)"
    )]
    NotEncrypted { path: PathBuf },
    #[error("this build has no database encryption; it cannot use the configured key")]
    EncryptionUnavailable,
    #[error("cannot move the damaged database {path} aside: {source}")]
    Quarantine {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl StoreError {
    /// Wraps a rusqlite error for `action`, keeping SQLite's code and message but never
    /// the bound values (which may be patient data).
    fn sqlite(action: &'static str) -> impl FnOnce(rusqlite::Error) -> StoreError {
        move |e| StoreError::Sqlite {
            action,
            kind: describe(&e),
            corrupt: matches!(
                e.sqlite_error_code(),
                Some(rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase)
            ),
        }
    }

    /// The file itself is damaged (as opposed to a full disk, a permission, a newer schema).
    pub fn is_corruption(&self) -> bool {
        matches!(
            self,
            StoreError::Sqlite { corrupt: true, .. } | StoreError::Corrupt(_)
        )
    }
}

fn describe(e: &rusqlite::Error) -> String {
    use rusqlite::Error as E;
    match e {
        E::SqliteFailure(code, msg) => {
            let msg = msg.as_deref().map(|m| format!(": {m}")).unwrap_or_default();
            format!("{code} ({:?}, code {}){msg}", code.code, code.extended_code)
        }
        E::QueryReturnedNoRows => "no rows".to_owned(),
        E::QueryReturnedMoreThanOneRow => "more than one row".to_owned(),
        E::InvalidColumnType(index, name, ty) => {
            format!("column {index} ({name}) holds a {ty} value of the wrong type")
        }
        // The wrapped error could quote the stored value: say where, not what.
        E::FromSqlConversionFailure(index, ty, _) => {
            format!("column {index} holds a {ty} value that cannot be read")
        }
        E::IntegralValueOutOfRange(index, _) => format!("column {index} is out of range"),
        E::InvalidParameterCount(given, expected) => {
            format!("{given} parameters given, {expected} expected")
        }
        E::ExecuteReturnedResults => "a statement returned rows".to_owned(),
        E::SqlInputError { error, msg, .. } => format!("bad SQL ({error}): {msg}"),
        _ => "an unexpected SQLite interface error".to_owned(),
    }
}

pub struct Store {
    conn: Connection,
}

impl Store {
    /// THE way to open the database: creates its directory, refuses a newer schema before
    /// touching the file, then WAL, synchronous=FULL (a check-in is on disk before the
    /// patient sees "done"), foreign keys, a 5 s busy timeout, and migrations.
    /// Opens an unencrypted database (tests, demo, tools).
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        Store::open_keyed(path, None)
    }

    /// THE way the database is opened: with the SQLCipher key when one is configured. A
    /// wrong key, or a plain file where an encrypted one is expected, is refused without
    /// touching the file, so no empty database ever replaces the real one.
    pub fn open_keyed(path: &Path, key: Option<&DatabaseKey>) -> Result<Store, StoreError> {
        let started = std::time::Instant::now();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::DataDir {
                path: dir.to_owned(),
                source,
            })?;
        }
        if key.is_some() && is_plain_sqlite(path) {
            return Err(StoreError::NotEncrypted {
                path: path.to_owned(),
            });
        }
        let mut conn =
            Connection::open(path).map_err(StoreError::sqlite("opening the database"))?;
        if let Some(key) = key {
            apply_key(&conn, key, path)?;
        }
        conn.busy_timeout(Duration::from_secs(5))
            .map_err(StoreError::sqlite("setting the busy timeout"))?;
        // Refuse a newer schema before changing anything in the file (WAL is persistent).
        migrations::refuse_newer(&conn)?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;
             PRAGMA secure_delete = ON;",
        )
        .map_err(StoreError::sqlite("setting up the connection"))?;
        migrations::migrate(&mut conn)?;
        tracing::debug!(
            micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
            "database opened"
        );
        Ok(Store { conn })
    }

    /// A read-only look at an existing database for `doctor`: the key opens it, SQLite's
    /// integrity check passes, the schema is known. Changes nothing (no migration, no WAL
    /// switch, no quarantine).
    pub fn inspect(path: &Path, key: Option<&DatabaseKey>) -> Result<DatabaseHealth, StoreError> {
        use rusqlite::OpenFlags;
        if key.is_some() && is_plain_sqlite(path) {
            return Err(StoreError::NotEncrypted {
                path: path.to_owned(),
            });
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(StoreError::sqlite("opening the database read-only"))?;
        if let Some(key) = key {
            apply_key(&conn, key, path)?;
        }
        let schema = migrations::refuse_newer(&conn)?;
        let store = Store { conn };
        store.quick_check()?;
        let outbox = if schema >= 1 {
            store.outbox_counts()?
        } else {
            OutboxCounts::default()
        };
        Ok(DatabaseHealth { schema, outbox })
    }

    /// Whether the file is encrypted (its first bytes are not SQLite's plain header).
    pub fn is_encrypted_file(path: &Path) -> bool {
        path.exists() && !is_plain_sqlite(path)
    }

    /// Opens `<data_dir>/kiosk.db`.
    pub fn open_in_dir(data_dir: &Path) -> Result<Store, StoreError> {
        Store::open(&data_dir.join(DB_FILE_NAME))
    }
}

const PLAIN_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// An existing, non-empty file that starts with SQLite's plain header.
fn is_plain_sqlite(path: &Path) -> bool {
    use std::io::Read;
    let mut header = [0u8; 16];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut header))
        .is_ok_and(|()| &header == PLAIN_HEADER)
}

#[cfg(feature = "encryption")]
fn apply_key(conn: &Connection, key: &DatabaseKey, path: &Path) -> Result<(), StoreError> {
    conn.execute_batch(&key.pragma())
        .map_err(StoreError::sqlite("applying the database key"))?;
    // The key is only checked when a page is read.
    match conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    }) {
        Ok(_) => Ok(()),
        Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::NotADatabase) => {
            Err(StoreError::WrongKey {
                path: path.to_owned(),
            })
        }
        Err(e) => Err(StoreError::sqlite("checking the database key")(e)),
    }
}

#[cfg(not(feature = "encryption"))]
fn apply_key(_: &Connection, _: &DatabaseKey, _: &Path) -> Result<(), StoreError> {
    Err(StoreError::EncryptionUnavailable)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_in_wal_with_full_sync_and_foreign_keys() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open_in_dir(dir.path().join("nested/dir").as_path()).unwrap();
        assert!(dir.path().join("nested/dir").join(DB_FILE_NAME).exists());
        let mode: String = s
            .conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        let sync: i64 = s
            .conn
            .query_row("PRAGMA synchronous", [], |r| r.get(0))
            .unwrap();
        let fk: i64 = s
            .conn
            .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
            .unwrap();
        assert_eq!((mode.as_str(), sync, fk), ("wal", 2, 1));
    }

    #[test]
    fn an_unusable_data_dir_is_reported_without_panicking() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("not-a-dir");
        std::fs::write(&file, b"x").unwrap();
        let err = Store::open_in_dir(&file.join("sub")).err().unwrap();
        assert!(matches!(err, StoreError::DataDir { .. }), "{err:?}");
    }

    #[test]
    fn sqlite_errors_keep_the_code_and_message() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open_in_dir(dir.path()).unwrap();
        let e = s
            .conn
            .execute("INSERT INTO settings (key) VALUES (?1)", ["Secret Value"])
            .unwrap_err();
        let text = StoreError::sqlite("saving a setting")(e).to_string();
        assert!(text.contains("NOT NULL constraint failed"), "{text}");
        assert!(text.contains("ConstraintViolation"), "{text}");
        assert!(!text.contains("Secret Value"), "{text}");
    }
}
