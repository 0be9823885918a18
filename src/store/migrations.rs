//! Schema versions in `PRAGMA user_version`; each migration runs in its own IMMEDIATE
//! transaction. A database newer than this build is refused and left untouched.

use rusqlite::{Connection, TransactionBehavior};

use super::StoreError;

/// Migration N (1-based) brings the schema from version N-1 to N. Append only: a shipped
/// entry is never edited.
const MIGRATIONS: &[&str] = &[
    // 1: roster cache, check-ins with their outbox, tickets, settings, help requests.
    "CREATE TABLE appointments (
        id TEXT PRIMARY KEY,
        -- NOCASE so a scanned code finds its row through the unique index (any case).
        code TEXT NOT NULL COLLATE NOCASE,
        service_date TEXT NOT NULL,
        start TEXT NOT NULL,
        clinician TEXT NOT NULL,
        appointment_type TEXT NOT NULL,
        status TEXT NOT NULL,
        patient_id TEXT NOT NULL,
        given_name TEXT NOT NULL,
        family_name TEXT NOT NULL,
        family_folded TEXT NOT NULL,
        birth_date TEXT NOT NULL,
        UNIQUE (service_date, code)
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
        qr_token TEXT NOT NULL UNIQUE,
        UNIQUE (service_date, ticket),
        CHECK ((kind = 'appointment') = (appointment_id IS NOT NULL)),
        CHECK ((state = 'needs_desk') = (desk_reason IS NOT NULL))
    );
    CREATE INDEX check_ins_day ON check_ins (service_date, kind, state);
    CREATE INDEX check_ins_appointment ON check_ins (appointment_id);

    CREATE TABLE outbox (
        id TEXT PRIMARY KEY,
        check_in_id TEXT NOT NULL UNIQUE REFERENCES check_ins (id),
        created_at TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed')),
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        next_attempt_at TEXT
    );
    CREATE INDEX outbox_due ON outbox (state, next_attempt_at, created_at);

    CREATE TABLE ticket_counters (
        service_date TEXT NOT NULL,
        queue TEXT NOT NULL,
        last INTEGER NOT NULL,
        PRIMARY KEY (service_date, queue)
    ) WITHOUT ROWID;

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
    );
    CREATE INDEX help_requests_open ON help_requests (resolved_at);",
    // 2: the intake forms a patient answered, written with their check-in. `id` is also the
    // identifier the server's conditional create uses, so a retried push adds nothing.
    "CREATE TABLE questionnaire_responses (
        id TEXT PRIMARY KEY,
        check_in_id TEXT NOT NULL REFERENCES check_ins (id),
        -- The Questionnaire's canonical URL with |version.
        questionnaire TEXT NOT NULL,
        -- The QuestionnaireResponse JSON without a subject (the push adds the Patient).
        resource TEXT NOT NULL CHECK (json_valid(resource)),
        UNIQUE (check_in_id, questionnaire)
    );",
    // 3: sync. When the server acknowledged an outbox item (the purge counts from it), and
    // the worker's latest results for staff (last pull, last error...), by key.
    "ALTER TABLE outbox ADD COLUMN acked_at TEXT;
    CREATE TABLE sync_state (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );",
    // 4: staff mode. When a patient was called in and seen (the board, the estimator and
    // the metrics); failed outbox items staff set aside (kept, never deleted); the staff
    // audit log (no patient data); staff-mode state (PIN hash, lockout); one row per patient
    // session at the kiosk (de-identified: times, outcome, the last screen).
    "ALTER TABLE check_ins ADD COLUMN called_at TEXT;
    ALTER TABLE check_ins ADD COLUMN seen_at TEXT;
    ALTER TABLE outbox ADD COLUMN set_aside_at TEXT;
    CREATE TABLE staff_audit (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        action TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE staff_state (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE flow_sessions (
        id INTEGER PRIMARY KEY,
        started_at TEXT NOT NULL,
        ended_at TEXT NOT NULL,
        outcome TEXT NOT NULL CHECK (outcome IN ('checked_in', 'desk', 'abandoned')),
        last_step TEXT NOT NULL
    );
    CREATE INDEX flow_sessions_day ON flow_sessions (started_at);",
];

pub fn latest_version() -> i64 {
    i64::try_from(MIGRATIONS.len()).unwrap_or(i64::MAX)
}

fn user_version(conn: &Connection) -> Result<i64, StoreError> {
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(StoreError::sqlite("reading the schema version"))
}

/// Refuses a database written by a newer build, before anything touches it.
pub fn refuse_newer(conn: &Connection) -> Result<i64, StoreError> {
    let current = user_version(conn)?;
    if current > latest_version() {
        return Err(StoreError::TooNew {
            found: current,
            known: latest_version(),
        });
    }
    Ok(current)
}

pub fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    migrate_to(conn, latest_version())
}

/// Applies migrations up to `target` (tests use it to build old databases). The version is
/// re-read inside each IMMEDIATE transaction, so two processes starting together cannot
/// apply the same step twice.
pub(super) fn migrate_to(conn: &mut Connection, target: i64) -> Result<(), StoreError> {
    refuse_newer(conn)?;
    loop {
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(StoreError::sqlite("starting a migration"))?;
        let current = refuse_newer(&tx)?;
        if current >= target {
            return Ok(());
        }
        let next = current + 1;
        let sql = usize::try_from(current)
            .ok()
            .and_then(|i| MIGRATIONS.get(i))
            .ok_or(StoreError::Corrupt("negative schema version"))?;
        tx.execute_batch(sql)
            .map_err(StoreError::sqlite("migrating the schema"))?;
        tx.pragma_update(None, "user_version", next)
            .map_err(StoreError::sqlite("recording the schema version"))?;
        tx.commit()
            .map_err(StoreError::sqlite("committing a migration"))?;
        tracing::info!(version = next, "database schema migrated");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    fn schema(conn: &Connection) -> Vec<(String, String, String, String)> {
        let mut stmt = conn
            .prepare(
                "SELECT type, name, tbl_name, COALESCE(sql, '') FROM sqlite_master
                 ORDER BY type, name",
            )
            .unwrap();
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap();
        rows.map(Result::unwrap).collect()
    }

    fn count(conn: &Connection, table: &str) -> i64 {
        conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn upgrading_from_the_first_schema_equals_a_fresh_database_and_keeps_rows() {
        // Every later migration is applied on top of a version-1 file with rows in it.
        let dir = tempfile::tempdir().unwrap();
        let old_path = dir.path().join("old.db");
        {
            let mut conn = Connection::open(&old_path).unwrap();
            migrate_to(&mut conn, 1).unwrap();
            conn.execute_batch(
                "INSERT INTO settings (key, value, updated_at) VALUES ('k', 'v', '2026-11-23 09:00:00');
                 INSERT INTO appointments VALUES ('a1', 'CKI-AAA111', '2026-11-23',
                     '2026-11-23 10:00:00', 'Dr. A', 'visit', 'booked', 'p1', 'G', 'F', 'f',
                     '1980-01-01');
                 INSERT INTO check_ins (id, created_at, service_date, queue, ticket, kind,
                     appointment_id, state, qr_token)
                     VALUES ('c1', '2026-11-23 09:30:00', '2026-11-23', 'appointment', 'A-001',
                     'appointment', 'a1', 'checked_in', 't1');
                 INSERT INTO outbox (id, check_in_id, created_at)
                     VALUES ('o1', 'c1', '2026-11-23 09:30:00');
                 INSERT INTO ticket_counters VALUES ('2026-11-23', 'appointment', 1);
                 INSERT INTO help_requests (created_at, screen) VALUES ('2026-11-23 09:31:00', 'welcome');",
            )
            .unwrap();
        }
        let upgraded = Store::open(&old_path).unwrap();
        let fresh = Store::open(&dir.path().join("fresh.db")).unwrap();
        assert_eq!(schema(&upgraded.conn), schema(&fresh.conn));
        assert!(schema(&fresh.conn).len() > 6, "the schema is really there");
        assert_eq!(user_version(&upgraded.conn).unwrap(), latest_version());
        assert_eq!(user_version(&fresh.conn).unwrap(), latest_version());
        for table in [
            "settings",
            "appointments",
            "check_ins",
            "outbox",
            "ticket_counters",
            "help_requests",
        ] {
            assert_eq!(count(&upgraded.conn, table), 1, "{table} kept its row");
        }
        assert_eq!(upgraded.setting("k").unwrap().as_deref(), Some("v"));
    }

    #[test]
    fn opening_twice_migrates_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kiosk.db");
        let first = Store::open(&path).unwrap();
        let second = Store::open(&path).unwrap();
        assert_eq!(schema(&first.conn), schema(&second.conn));
    }

    #[test]
    fn a_newer_database_is_refused_and_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new.db");
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch("CREATE TABLE future (x);").unwrap();
            conn.pragma_update(None, "user_version", latest_version() + 1)
                .unwrap();
        }
        let before = std::fs::read(&path).unwrap();
        let err = Store::open(&path).err().unwrap();
        assert!(matches!(err, StoreError::TooNew { .. }), "{err:?}");
        assert_eq!(
            std::fs::read(&path).unwrap(),
            before,
            "file bytes unchanged"
        );
        assert!(
            !dir.path().join("new.db-wal").exists(),
            "not switched to WAL"
        );
    }
}
