//! The ledgers a bench runs on: a fresh SQLite file (opened as surplus opens it in
//! production: WAL, `synchronous=NORMAL`), and a fresh database on the test cluster
//! (`tests/support/pg_cluster.rs`, durability off as in the tests) when PostgreSQL is
//! installed. `SURPLUS_BENCH_BACKENDS=sqlite` or `=postgres` runs one of them only.
//! `SURPLUS_BENCH_PG_DURABLE=1` runs PostgreSQL as operators do instead: `fsync`,
//! `synchronous_commit` and `full_page_writes` at their defaults (a cluster of its own, the
//! same otherwise); its figures are printed as `postgres-durable`.
//!
//! Included by path from each bench, beside `pg_cluster` (`crate::pg_cluster`).
#![allow(dead_code)]

use std::path::Path;

use surplus::core::window::Window;
use surplus::ledger::location::Location;
use surplus::ledger::{Ledger, OpenOptions};

/// One ledger to measure on, and what it is called in the bench's output.
pub struct BenchLedger {
    /// `sqlite`, `postgres` or `postgres-durable`.
    pub name: &'static str,
    /// What `--db` is given: a file path or a `postgres://` URL.
    pub db: String,
    /// Where the bench may put its files (and the SQLite ledger).
    pub dir: tempfile::TempDir,
}

impl BenchLedger {
    /// The ledger, opened for writing (migrated on first open).
    pub fn open(&self) -> Ledger {
        let location = Location::parse(&self.db, Path::new("")).expect("bench ledger location");
        Ledger::open_location(&location, OpenOptions::write("EUR")).expect("open bench ledger")
    }

    /// Whether this is a PostgreSQL ledger (durable or not).
    pub fn is_postgres(&self) -> bool {
        self.name.starts_with("postgres")
    }
}

/// A fresh ledger on each backend the bench runs on.
pub fn fresh_ledgers() -> Vec<BenchLedger> {
    let only = std::env::var("SURPLUS_BENCH_BACKENDS").unwrap_or_default();
    let wanted = |name: &str| only.is_empty() || only.split(',').any(|b| b == name);
    let mut out = Vec::new();
    if wanted("sqlite") {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("ledger.db").to_string_lossy().into_owned();
        out.push(BenchLedger { name: "sqlite", db, dir });
    }
    if wanted("postgres") {
        let durable = std::env::var("SURPLUS_BENCH_PG_DURABLE").as_deref() == Ok("1");
        let (name, cluster) = if durable {
            ("postgres-durable", crate::pg_cluster::shared_durable())
        } else {
            ("postgres", crate::pg_cluster::shared())
        };
        match cluster {
            Some(cluster) => {
                out.push(BenchLedger { name, db: cluster.fresh_database(), dir: tempfile::tempdir().unwrap() })
            }
            None => eprintln!("PostgreSQL is not installed: the postgres runs are skipped"),
        }
    }
    out
}

/// Four hours from the next hour a day from now: a window still open to bids and orders.
pub fn tomorrow() -> Window {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    Window::new(now - now % 3600 + 86_400, 4 * 3600).unwrap()
}
