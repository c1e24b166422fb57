//! Schema migrations, tracked in `PRAGMA user_version`.
//!
//! `MIGRATIONS[i]` takes the schema from version `i` to `i + 1`. A migration that has landed is
//! never edited: a ledger in the field has already run it. Change the schema by appending.

use std::path::Path;

use rusqlite::{Connection, TransactionBehavior};

use super::LedgerError;

/// Every migration, in order.
pub const MIGRATIONS: &[&str] = &[
    // 1: offers — unsold capacity per slot, from `capacity measure --save`.
    "CREATE TABLE offers (
        id          INTEGER PRIMARY KEY,
        slot_start  INTEGER NOT NULL,           -- unix seconds, UTC, on the slot grid
        slot_end    INTEGER NOT NULL,
        rps         INTEGER NOT NULL CHECK (rps >= 0),
        measured_at INTEGER NOT NULL,           -- unix seconds the estimate was made
        method      TEXT NOT NULL,              -- how: profile, quantile, margin, slot load
        CHECK (slot_end > slot_start)
    ) STRICT;
    CREATE UNIQUE INDEX offers_by_start ON offers (slot_start);",
];

/// Brings the schema up to date, each step in its own immediate transaction (so two processes
/// opening a new ledger at once do not both migrate).
pub fn migrate(conn: &mut Connection, path: &Path) -> Result<(), LedgerError> {
    let known = MIGRATIONS.len() as i64;
    loop {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if version > known {
            return Err(LedgerError::TooNew { path: path.to_path_buf(), found: version, known });
        }
        if version == known {
            return Ok(());
        }
        tx.execute_batch(MIGRATIONS[version as usize])?;
        tx.pragma_update(None, "user_version", version + 1)?;
        tx.commit()?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::Ledger;

    #[test]
    fn migrates_a_new_ledger_to_the_latest_version() {
        let ledger = Ledger::open_in_memory().unwrap();
        assert_eq!(ledger.schema_version().unwrap(), MIGRATIONS.len() as i64);
    }

    #[test]
    fn migrating_twice_changes_nothing() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn, Path::new(":memory:")).unwrap();
        let schema = |c: &Connection| -> Vec<String> {
            let mut s = c.prepare("SELECT sql FROM sqlite_master ORDER BY name").unwrap();
            s.query_map([], |r| r.get::<_, Option<String>>(0))
                .unwrap()
                .map(|r| r.unwrap().unwrap_or_default())
                .collect()
        };
        let before = schema(&conn);
        migrate(&mut conn, Path::new(":memory:")).unwrap();
        assert_eq!(schema(&conn), before);
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(version, MIGRATIONS.len() as i64);
    }

    #[test]
    fn refuses_a_newer_ledger() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", 999).unwrap();
        let err = migrate(&mut conn, Path::new("x.db")).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "x.db: the ledger's schema version 999 is newer than this surplus knows ({}); upgrade surplus",
                MIGRATIONS.len()
            )
        );
    }

    #[test]
    fn reopening_a_file_keeps_data_and_version() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.db");
        {
            let ledger = Ledger::open(&path).unwrap();
            ledger
                .conn
                .execute(
                    "INSERT INTO offers (slot_start, slot_end, rps, measured_at, method) VALUES (0, 3600, 5, 0, 'x')",
                    [],
                )
                .unwrap();
        }
        let ledger = Ledger::open(&path).unwrap();
        let n: i64 = ledger.conn.query_row("SELECT count(*) FROM offers", [], |r| r.get(0)).unwrap();
        assert_eq!(n, 1);
        let mode: String = ledger.conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
        assert_eq!(mode, "wal");
    }
}
