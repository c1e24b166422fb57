//! Copying a whole ledger into an empty one, SQLite to PostgreSQL or back (`surplus ledger
//! copy`), so an operator who outgrows one host moves without losing a sale or a sample.
//!
//! Every table is copied row for row, ids and all, in one transaction on the target: a copy
//! that fails leaves the target as empty as it was. The source is read in one snapshot.
//!
//! The counters that triggers keep (`offers.sold`/`reserved`, `usage_rollups`) are copied as
//! they are, with the target's triggers off for the copy: replaying the rows through the
//! triggers would count every sale and sample twice, and rebuilding the rollups from the
//! samples would not give the same rows (a rewritten sample's rollup keeps the minimum and
//! maximum fraction of both writes). On PostgreSQL `ALTER TABLE … DISABLE TRIGGER USER` (the
//! ledger's role owns its tables); SQLite cannot disable a trigger, so they are dropped and
//! created again from their own SQL, inside the same transaction. Identity sequences on
//! PostgreSQL are moved past the copied ids.

use super::db::{Db, Dialect, Param, TxKind, Value, args};
use super::{Ledger, LedgerError};

/// The ledger's tables, parents before the tables that refer to them, each with the column
/// that orders its rows.
const TABLES: &[(&str, &str)] = &[
    ("offers", "id"),
    ("auctions", "id"),
    ("bids", "id"),
    ("orders", "id"),
    ("sales", "id"),
    ("usage_samples", "server, buyer, start"),
    ("usage_rollups", "buyer, span, start, server"),
    ("zone_serials", "apex, serial"),
    ("usage_batches", "writer, seq"),
    ("usage_expiry", "id"),
];

/// Tables whose `id` is an identity column on PostgreSQL.
const WITH_IDS: &[&str] = &["offers", "auctions", "bids", "orders", "sales"];

/// Rows per INSERT: a few hundred rows amortise the round trip; the parameters stay well under
/// both databases' limits (SQLite 32,766; PostgreSQL 65,535).
const ROWS_PER_INSERT: usize = 200;

/// Why a copy was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    #[error("the target ledger is not empty ({0}); copy needs an empty one")]
    NotEmpty(String),
    #[error("the ledgers' {table} tables differ in their columns ({source_columns} here, {target_columns} there)")]
    Columns { table: String, source_columns: String, target_columns: String },
    #[error(transparent)]
    Ledger(#[from] LedgerError),
}

/// What a copy wrote: rows per table.
pub type Copied = Vec<(&'static str, u64)>;

impl Ledger {
    /// Copies every row of this ledger into `target`, which must be empty; see the module
    /// docs.
    pub fn copy_into(&self, target: &mut Ledger) -> Result<Copied, CopyError> {
        self.db
            .transaction(TxKind::Read, |source| target.db.transaction(TxKind::Write, |target| copy_all(source, target)))
    }
}

fn copy_all(source: &Db, target: &Db) -> Result<Copied, CopyError> {
    let held: Vec<String> = TABLES
        .iter()
        .filter_map(|(table, _)| {
            let n = target.query_row(&format!("SELECT COUNT(*) FROM {table}"), args![], |r| r.get::<i64>(0));
            match n {
                Ok(0) => None,
                Ok(n) => Some(Ok(format!("{n} rows in {table}"))),
                Err(e) => Some(Err(e)),
            }
        })
        .collect::<Result<_, _>>()?;
    if !held.is_empty() {
        return Err(CopyError::NotEmpty(held.join(", ")));
    }
    let triggers = Triggers::off(target)?;
    let mut copied = Vec::with_capacity(TABLES.len());
    for (table, order) in TABLES {
        copied.push((*table, copy_table(source, target, table, order)?));
    }
    triggers.on(target)?;
    if target.dialect() == Dialect::Postgres {
        // The orders went in with the trigger that counts changes to them off: counted here,
        // so that no process keeps a book of the empty ledger (ledger/orders.rs).
        target.query_row("SELECT nextval('orders_changes')", args![], |_| Ok(()))?;
        for table in WITH_IDS {
            target.query_row(
                &format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
                ),
                args![],
                |_| Ok(()),
            )?;
        }
    }
    Ok(copied)
}

/// Copies one table's rows; how many.
fn copy_table(source: &Db, target: &Db, table: &str, order: &str) -> Result<u64, CopyError> {
    let columns = columns(source, table)?;
    let theirs = columns_sorted(target, table)?;
    let mut ours = columns.clone();
    ours.sort();
    if ours != theirs {
        return Err(CopyError::Columns {
            table: table.to_string(),
            source_columns: ours.join(", "),
            target_columns: theirs.join(", "),
        });
    }
    let list = columns.join(", ");
    let width = columns.len();
    let mut pending: Vec<Value> = Vec::with_capacity(width * ROWS_PER_INSERT);
    let mut rows = 0u64;
    let flush = |pending: &mut Vec<Value>| -> Result<(), LedgerError> {
        if pending.is_empty() {
            return Ok(());
        }
        let n = pending.len() / width;
        let values: Vec<String> = (0..n)
            .map(|r| {
                let cells: Vec<String> = (1..=width).map(|c| format!("?{}", r * width + c)).collect();
                format!("({})", cells.join(", "))
            })
            .collect();
        let params: Vec<&dyn Param> = pending.iter().map(|v| v as &dyn Param).collect();
        target.execute(&format!("INSERT INTO {table} ({list}) VALUES {}", values.join(", ")), &params)?;
        pending.clear();
        Ok(())
    };
    let mut failed = None;
    // A PostgreSQL source's rollups are read with what is pending folded in; the target's come
    // whole, its triggers off, so it has nothing pending.
    let from = if table == "usage_rollups" { super::usage::current_rollups(source) } else { table };
    source.for_each(&format!("SELECT {list} FROM {from} ORDER BY {order}"), args![], |row| {
        for c in 0..width {
            pending.push(row.value(c)?);
        }
        rows += 1;
        if pending.len() >= width * ROWS_PER_INSERT
            && let Err(e) = flush(&mut pending)
        {
            // The source's rows stream while the target is written: on SQLite the two are
            // separate connections, so writing inside the loop is safe.
            failed.get_or_insert(e);
        }
        Ok(())
    })?;
    if let Some(e) = failed {
        return Err(e.into());
    }
    flush(&mut pending)?;
    Ok(rows)
}

/// A table's columns in their order.
fn columns(db: &Db, table: &str) -> Result<Vec<String>, LedgerError> {
    match db.dialect() {
        Dialect::Sqlite => db.query("SELECT name FROM pragma_table_info(?1) ORDER BY cid", args![table], |r| r.get(0)),
        Dialect::Postgres => db.query(
            "SELECT column_name::text FROM information_schema.columns
              WHERE table_schema = current_schema() AND table_name = ?1 ORDER BY ordinal_position",
            args![table],
            |r| r.get(0),
        ),
    }
}

fn columns_sorted(db: &Db, table: &str) -> Result<Vec<String>, LedgerError> {
    let mut c = columns(db, table)?;
    c.sort();
    Ok(c)
}

/// The target's triggers, switched off for the copy.
enum Triggers {
    /// SQLite's, dropped: their SQL, to create them again.
    Dropped(Vec<String>),
    /// PostgreSQL's, disabled.
    Disabled,
}

impl Triggers {
    fn off(db: &Db) -> Result<Triggers, LedgerError> {
        match db.dialect() {
            Dialect::Sqlite => {
                let triggers: Vec<(String, String)> = db.query(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name",
                    args![],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )?;
                for (name, _) in &triggers {
                    db.batch(&format!("DROP TRIGGER {name}"))?;
                }
                Ok(Triggers::Dropped(triggers.into_iter().map(|(_, sql)| sql).collect()))
            }
            Dialect::Postgres => {
                for (table, _) in TABLES {
                    db.batch(&format!("ALTER TABLE {table} DISABLE TRIGGER USER"))?;
                }
                Ok(Triggers::Disabled)
            }
        }
    }

    fn on(self, db: &Db) -> Result<(), LedgerError> {
        match self {
            Triggers::Dropped(sql) => {
                for create in sql {
                    db.batch(&create)?;
                }
            }
            Triggers::Disabled => {
                for (table, _) in TABLES {
                    db.batch(&format!("ALTER TABLE {table} ENABLE TRIGGER USER"))?;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::test_backends::backends;

    #[test]
    fn a_copy_holds_every_row_and_the_invariants_both_ways() {
        for from in backends() {
            for to in backends() {
                eprintln!("copy {from:?} -> {to:?}");
                let source = crate::ledger::test_backends::sample_ledger(from);
                let mut target = to.ledger();
                let copied = source.copy_into(&mut target).unwrap();
                assert!(copied.iter().all(|(_, n)| *n > 0), "{copied:?}");
                for (table, order) in TABLES {
                    let dump = |l: &Ledger| {
                        let cols = columns(&l.db, table).unwrap().join(", ");
                        let width = cols.split(", ").count();
                        // The rollups as they stand: a PostgreSQL source's are partly pending.
                        let from =
                            if *table == "usage_rollups" { super::super::usage::current_rollups(&l.db) } else { table };
                        l.db.query(&format!("SELECT {cols} FROM {from} ORDER BY {order}"), args![], |r| {
                            (0..width).map(|c| r.value(c)).collect::<Result<Vec<_>, _>>()
                        })
                        .unwrap()
                    };
                    assert_eq!(dump(&source), dump(&target), "{table}");
                }
                assert!(target.check_invariants().unwrap().iter().all(|i| i.violations == 0));
                assert_eq!(target.usage_pending().unwrap(), (0, None), "the copy's rollups are whole");
                // A second copy into the same target is refused and changes nothing.
                let err = source.copy_into(&mut target).unwrap_err();
                assert!(err.to_string().starts_with("the target ledger is not empty ("), "{err}");
                // New rows in the copy take ids after the copied ones.
                let offer =
                    crate::ledger::NewOffer { slot: crate::core::window::Window::new(7200, 3600).unwrap(), rps: 3 };
                target.save_offers(&[offer], 0, "after").unwrap();
                let ids: Vec<i64> =
                    target.db.query("SELECT id FROM offers ORDER BY id", args![], |r| r.get(0)).unwrap();
                assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
            }
        }
    }
}
