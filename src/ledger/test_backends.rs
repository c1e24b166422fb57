//! One test body, two backends: the ledger's unit tests and proptests run each body on an
//! in-memory SQLite ledger and on a fresh database of the test PostgreSQL cluster
//! (`tests/support/pg_cluster.rs`), which `SURPLUS_REQUIRE_SYSTEM_TESTS=1` requires.
//!
//! A fresh PostgreSQL ledger is a copy of a template database migrated once per test process
//! (`CREATE DATABASE … TEMPLATE`), so a proptest can afford one per case.

use std::path::Path;
use std::sync::OnceLock;

use super::location::Location;
use super::postgres::pg_cluster;
use super::{Ledger, OpenOptions};

/// Which database a test body runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The backends this machine can run: SQLite, and PostgreSQL when its binaries are here.
pub fn backends() -> Vec<Backend> {
    let mut all = vec![Backend::Sqlite];
    if pg_cluster::shared().is_some() {
        all.push(Backend::Postgres);
    }
    all
}

/// Runs `body` on a fresh ledger of each backend, saying which (a failure's output shows it).
pub fn each_backend(mut body: impl FnMut(Ledger)) {
    for backend in backends() {
        eprintln!("backend: {backend:?}");
        body(backend.ledger());
    }
}

impl Backend {
    /// A fresh, empty, migrated ledger.
    pub fn ledger(self) -> Ledger {
        match self {
            Backend::Sqlite => Ledger::open_in_memory().expect("an in-memory ledger"),
            Backend::Postgres => {
                let url = fresh_postgres_url();
                let location = Location::parse(&url, Path::new("")).expect("the cluster's URL");
                Ledger::open_location(&location, OpenOptions::write("EUR")).expect("a fresh PostgreSQL ledger")
            }
        }
    }
}

/// The URL of a new database copied from the migrated template.
pub fn fresh_postgres_url() -> String {
    static TEMPLATE: OnceLock<String> = OnceLock::new();
    let cluster = pg_cluster::shared().expect("PostgreSQL");
    let template = TEMPLATE.get_or_init(|| {
        let url = cluster.fresh_database();
        let location = Location::parse(&url, Path::new("")).expect("the cluster's URL");
        drop(Ledger::open_location(&location, OpenOptions::write("EUR")).expect("the template ledger"));
        url.rsplit('/').next().expect("a database name").to_string()
    });
    cluster.copy_database(template)
}
