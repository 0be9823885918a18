//! A database file that SQLite cannot use is moved aside with a timestamp, reported, and
//! replaced by a fresh one, so the lobby keeps working. Nothing is ever deleted: check-ins
//! not yet sent are still in the moved file for IT to recover.

use std::path::{Path, PathBuf};

use chrono::NaiveDateTime;

use super::{DatabaseKey, Store, StoreError};

/// The opened store, and where a damaged database was moved if there was one.
pub struct Opened {
    pub store: Store,
    pub quarantined: Option<PathBuf>,
}

impl Store {
    /// Opens the database, checking its integrity first; a damaged file is quarantined.
    /// Errors that are not damage (a newer schema, a full disk, permissions) are returned
    /// as they are and the file is left alone.
    pub fn open_or_quarantine(
        path: &Path,
        key: Option<&DatabaseKey>,
        now: NaiveDateTime,
    ) -> Result<Opened, StoreError> {
        let damage = match Store::open_keyed(path, key) {
            Ok(store) => match store.quick_check() {
                Ok(()) => {
                    return Ok(Opened {
                        store,
                        quarantined: None,
                    })
                }
                Err(e) => e,
            },
            Err(e) if e.is_corruption() => e,
            Err(e) => return Err(e),
        };
        let aside = move_aside(path, now)?;
        tracing::error!(
            error = %damage,
            moved_to = %aside.display(),
            "the database was damaged: moved aside (nothing deleted) and a fresh one started"
        );
        Ok(Opened {
            store: Store::open_keyed(path, key)?,
            quarantined: Some(aside),
        })
    }

    /// SQLite's own consistency check of every page and index.
    pub(super) fn quick_check(&self) -> Result<(), StoreError> {
        let verdict: String = self
            .conn
            .query_row("PRAGMA quick_check", [], |r| r.get(0))
            .map_err(StoreError::sqlite("checking the database"))?;
        if verdict == "ok" {
            Ok(())
        } else {
            Err(StoreError::Corrupt("the integrity check failed"))
        }
    }
}

/// Renames `kiosk.db` (and its -wal and -shm files) to `kiosk.db.corrupt-<timestamp>[...]`.
fn move_aside(path: &Path, now: NaiveDateTime) -> Result<PathBuf, StoreError> {
    let stamp = now.format("%Y%m%dT%H%M%S");
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| super::DB_FILE_NAME.to_owned());
    let aside = path.with_file_name(format!("{file_name}.corrupt-{stamp}"));
    for suffix in ["", "-wal", "-shm"] {
        let from = PathBuf::from(format!("{}{suffix}", path.display()));
        if from.exists() {
            let to = PathBuf::from(format!("{}{suffix}", aside.display()));
            std::fs::rename(&from, &to).map_err(|source| StoreError::Quarantine {
                path: from.clone(),
                source,
            })?;
        }
    }
    Ok(aside)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn now() -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, 23)
            .unwrap()
            .and_hms_opt(10, 0, 0)
            .unwrap()
    }

    #[test]
    fn a_file_that_is_not_a_database_is_moved_aside_untouched_and_a_fresh_one_opens() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kiosk.db");
        let garbage = b"this is not an SQLite database, but it is somebody's data".repeat(100);
        std::fs::write(&path, &garbage).unwrap();

        let opened = Store::open_or_quarantine(&path, None, now()).unwrap();
        let aside = opened.quarantined.expect("reported");
        assert_eq!(aside, dir.path().join("kiosk.db.corrupt-20261123T100000"));
        assert_eq!(
            std::fs::read(&aside).unwrap(),
            garbage,
            "kept byte for byte"
        );
        assert_eq!(
            opened.store.check_in_count().unwrap(),
            0,
            "fresh database works"
        );
    }

    #[test]
    fn a_damaged_page_is_detected_and_the_file_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kiosk.db");
        {
            let store = Store::open(&path).unwrap();
            // Enough rows to spread the tables over many pages, then a clean checkpoint.
            store
                .conn
                .execute_batch(
                    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)
                     INSERT INTO help_requests (created_at, screen) SELECT '2026-11-23T10:00:00', 'welcome' FROM n;
                     PRAGMA wal_checkpoint(TRUNCATE);",
                )
                .unwrap();
        }
        // Scribble over the middle of the file, where table pages live.
        let mut bytes = std::fs::read(&path).unwrap();
        let middle = bytes.len() / 2;
        for b in bytes.iter_mut().skip(middle).take(4096) {
            *b = 0xA5;
        }
        std::fs::write(&path, &bytes).unwrap();

        let opened = Store::open_or_quarantine(&path, None, now()).unwrap();
        let aside = opened.quarantined.expect("damage is detected");
        assert_eq!(std::fs::read(aside).unwrap(), bytes);
        assert_eq!(opened.store.open_help_requests().unwrap(), 0);
    }

    #[test]
    fn a_healthy_database_is_opened_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kiosk.db");
        drop(Store::open(&path).unwrap());
        let opened = Store::open_or_quarantine(&path, None, now()).unwrap();
        assert!(opened.quarantined.is_none());
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(!names.iter().any(|n| n.contains("corrupt")), "{names:?}");
    }

    #[test]
    fn a_newer_schema_is_not_mistaken_for_damage() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kiosk.db");
        {
            let conn = rusqlite::Connection::open(&path).unwrap();
            conn.pragma_update(None, "user_version", 999).unwrap();
        }
        assert!(matches!(
            Store::open_or_quarantine(&path, None, now()),
            Err(StoreError::TooNew { .. })
        ));
        assert!(path.exists(), "left where it was");
    }
}
