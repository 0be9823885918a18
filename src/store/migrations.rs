//! Schema versions in `PRAGMA user_version`; each migration runs in its own IMMEDIATE
//! transaction. A database newer than this build is refused and left untouched.

use rusqlite::{Connection, TransactionBehavior};

use super::StoreError;

/// Migration N (1-based) brings the schema from version N-1 to N. Append only.
const MIGRATIONS: &[&str] = &[
    // 1: roster cache, check-ins with their outbox, tickets, settings, help requests.
    "CREATE TABLE appointments (
        id TEXT PRIMARY KEY,
        code TEXT NOT NULL UNIQUE,
        service_date TEXT NOT NULL,
        start TEXT NOT NULL,
        clinician TEXT NOT NULL,
        appointment_type TEXT NOT NULL,
        status TEXT NOT NULL,
        patient_id TEXT NOT NULL,
        given_name TEXT NOT NULL,
        family_name TEXT NOT NULL,
        family_folded TEXT NOT NULL,
        birth_date TEXT NOT NULL
    );
    CREATE INDEX appointments_lookup ON appointments (service_date, family_folded, birth_date);
    CREATE INDEX appointments_queue ON appointments (service_date, clinician, start);

    CREATE TABLE check_ins (
        id TEXT PRIMARY KEY,
        created_at TEXT NOT NULL,
        service_date TEXT NOT NULL,
        queue TEXT NOT NULL CHECK (queue IN ('appointment', 'walk_in')),
        ticket TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('appointment', 'walk_in')),
        appointment_id TEXT,
        state TEXT NOT NULL CHECK (state IN ('checked_in', 'needs_desk')),
        desk_reason TEXT,
        given_name TEXT,
        family_name TEXT,
        birth_date TEXT,
        phone TEXT,
        reason TEXT,
        qr_token TEXT NOT NULL,
        UNIQUE (service_date, ticket)
    );
    CREATE INDEX check_ins_day ON check_ins (service_date, queue);

    CREATE TABLE outbox (
        id TEXT PRIMARY KEY,
        check_in_id TEXT NOT NULL UNIQUE REFERENCES check_ins (id),
        created_at TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed')),
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        next_attempt_at TEXT
    );
    CREATE INDEX outbox_pending ON outbox (state, created_at);

    CREATE TABLE ticket_counters (
        service_date TEXT NOT NULL,
        queue TEXT NOT NULL,
        last INTEGER NOT NULL,
        PRIMARY KEY (service_date, queue)
    );

    CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );

    CREATE TABLE help_requests (
        id INTEGER PRIMARY KEY,
        created_at TEXT NOT NULL,
        screen TEXT NOT NULL,
        resolved_at TEXT
    );",
];

pub fn latest_version() -> i64 {
    i64::try_from(MIGRATIONS.len()).unwrap_or(i64::MAX)
}

pub fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    migrate_to(conn, latest_version())
}

pub fn refuse_newer(conn: &Connection) -> Result<i64, StoreError> {
    let current: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(StoreError::sqlite("reading the schema version"))?;
    if current > latest_version() {
        return Err(StoreError::TooNew {
            found: current,
            known: latest_version(),
        });
    }
    Ok(current)
}

/// Applies migrations up to `target` (tests use it to build old databases).
pub(super) fn migrate_to(conn: &mut Connection, target: i64) -> Result<(), StoreError> {
    let current = refuse_newer(conn)?;
    for (index, sql) in MIGRATIONS.iter().enumerate() {
        let version = i64::try_from(index + 1).unwrap_or(i64::MAX);
        if version <= current || version > target {
            continue;
        }
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(StoreError::sqlite("starting a migration"))?;
        tx.execute_batch(sql).map_err(StoreError::sqlite("migrating the schema"))?;
        tx.pragma_update(None, "user_version", version)
            .map_err(StoreError::sqlite("recording the schema version"))?;
        tx.commit().map_err(StoreError::sqlite("committing a migration"))?;
        tracing::info!(version, "database schema migrated");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    fn schema(conn: &Connection) -> Vec<(String, String, String)> {
        let mut stmt = conn
            .prepare("SELECT type, name, COALESCE(sql, '') FROM sqlite_master ORDER BY type, name")
            .unwrap();
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap();
        rows.map(Result::unwrap).collect()
    }

    #[test]
    fn upgrading_from_the_first_schema_equals_a_fresh_database_and_keeps_rows() {
        let dir = tempfile::tempdir().unwrap();
        let old_path = dir.path().join("old.db");
        {
            let mut conn = Connection::open(&old_path).unwrap();
            migrate_to(&mut conn, 1).unwrap();
            conn.execute(
                "INSERT INTO settings (key, value, updated_at) VALUES ('k', 'v', '2026-11-23T09:00:00')",
                [],
            )
            .unwrap();
        }
        let upgraded = Store::open(&old_path).unwrap();
        let fresh = Store::open(&dir.path().join("fresh.db")).unwrap();
        assert_eq!(schema(&upgraded.conn), schema(&fresh.conn));
        let version: i64 = upgraded.conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(version, latest_version());
        assert_eq!(upgraded.setting("k").unwrap().as_deref(), Some("v"));
    }

    #[test]
    fn a_newer_database_is_refused_and_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new.db");
        {
            let conn = Connection::open(&path).unwrap();
            conn.pragma_update(None, "user_version", latest_version() + 1).unwrap();
        }
        let before = std::fs::read(&path).unwrap();
        assert!(matches!(Store::open(&path), Err(StoreError::TooNew { .. })));
        assert_eq!(std::fs::read(&path).unwrap(), before, "file bytes unchanged");
    }
}
