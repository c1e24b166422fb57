//! The ledger: one SQLite file holding offers, auctions and their bids, orders, sales, and usage
//! samples from the DNS server.
//!
//! Opened in WAL mode so readers (reports, the DNS server's reload) never block the writer, with
//! foreign keys on and a busy timeout so concurrent invocations wait instead of failing. The
//! schema evolves only by appending to [`migrations::MIGRATIONS`]. Every change that writes more
//! than one row is one transaction.

pub mod auctions;
pub mod market_error;
pub mod migrations;
pub mod offers;
pub mod orders;
pub mod sales;
pub mod supply;
pub mod usage;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::Connection;

pub use crate::core::holding::Holding;
pub use auctions::{Auction, AuctionStatus, NewAuction, NewBid, StoredBid};
pub use market_error::MarketError;
pub use offers::{NewOffer, Offer, SavedOffers};
pub use orders::{BookCache, NewOrder, OrderStatus, Placed, StoredOrder};
pub use sales::Sale;
pub use usage::UsageSample;

/// How long a writer waits for another writer before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Why the ledger failed.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error("{path}: cannot open the ledger: {error}{}", why.as_ref().map(|w| format!(" ({w})")).unwrap_or_default())]
    Open { path: PathBuf, error: rusqlite::Error, why: Option<std::io::Error> },
    #[error("{path}: the ledger's schema version {found} is newer than this surplus knows ({known}); upgrade surplus")]
    TooNew { path: PathBuf, found: i64, known: i64 },
    #[error("ledger: the disk is full; nothing of this change was written")]
    DiskFull,
    #[error("ledger: the ledger is read-only (its file or file system); nothing was written")]
    ReadOnly,
    #[error("ledger: {0}")]
    Sqlite(rusqlite::Error),
}

// Not `#[from]`: that would also make the SQLite error the `source`, and the message, which
// already carries it, would be printed twice in an error chain.
impl From<rusqlite::Error> for LedgerError {
    fn from(e: rusqlite::Error) -> LedgerError {
        match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DiskFull) => LedgerError::DiskFull,
            Some(rusqlite::ErrorCode::ReadOnly) => LedgerError::ReadOnly,
            _ => LedgerError::Sqlite(e),
        }
    }
}

/// An open, migrated ledger.
#[derive(Debug)]
pub struct Ledger {
    conn: Connection,
}

impl Ledger {
    /// Opens (creating if needed) and migrates the ledger at `path`.
    pub fn open(path: &Path) -> Result<Ledger, LedgerError> {
        // SQLite says only "unable to open database file"; the file system says why (a
        // read-only file system, a missing directory, permissions).
        let open_err = |error| LedgerError::Open {
            path: path.to_path_buf(),
            error,
            why: std::fs::OpenOptions::new().read(true).append(true).create(true).open(path).err(),
        };
        let conn = Connection::open(path).map_err(open_err)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(open_err)?;
        conn.pragma_update(None, "journal_mode", "WAL").map_err(open_err)?;
        // Checkpoint every 8192 pages (32 MiB of WAL) rather than SQLite's 1000: a stream of
        // small transactions (one per order) rewrites the same few pages, and each checkpoint
        // copies them to the database again and syncs it.
        conn.pragma_update(None, "wal_autocheckpoint", 8192).map_err(open_err)?;
        Ledger::setup(conn, path)
    }

    /// A private in-memory ledger, for tests and dry runs.
    pub fn open_in_memory() -> Result<Ledger, LedgerError> {
        Ledger::setup(Connection::open_in_memory()?, Path::new(":memory:"))
    }

    fn setup(mut conn: Connection, path: &Path) -> Result<Ledger, LedgerError> {
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        // Savepoints (one per order of a batch) journal the pages they change; in memory, not
        // in a temporary file.
        conn.pragma_update(None, "temp_store", "MEMORY")?;
        // Up to 64 MiB of page cache (SQLite's default is 2 MiB): settling an auction of a
        // million bids reads them all, then checks each sale's bid; they should still be here.
        conn.pragma_update(None, "cache_size", -65_536)?;
        migrations::migrate(&mut conn, path)?;
        Ok(Ledger { conn })
    }

    /// The schema version (`PRAGMA user_version`).
    pub fn schema_version(&self) -> Result<i64, LedgerError> {
        Ok(self.conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
    }
}
