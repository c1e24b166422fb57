//! The ledger: offers, auctions and their bids, orders, sales, usage samples from the DNS
//! server, and the serials of its zones, in an SQLite file (one host, the default) or a
//! PostgreSQL database (several hosts), chosen at open by [`location::Location`].
//!
//! **Two backends, one interface.** Like atuin's and vaultwarden's servers, the dialects'
//! differences live beside each backend: `ledger/postgres/` (connecting, TLS, passwords, its
//! migrations and version table) and `ledger/sqlite/` (opening a file, [`sqlite::migrations`]);
//! each has a committed `schema.sql`. Unlike them, there is no query layer between: every query is
//! written once, in the SQL both speak, and runs through the small executor [`db::Db`], which
//! also owns transactions (SERIALIZABLE with retries on PostgreSQL, `BEGIN IMMEDIATE` on
//! SQLite). That keeps one copy of each statement, readable as SQL, for the price of a few
//! casts both dialects accept; the handful of places that must differ ask [`db::Db::dialect`].
//!
//! **SQLite** is opened in WAL mode so readers (reports, the DNS server's reload) never block the writer, with
//! foreign keys on and a busy timeout so concurrent invocations wait instead of failing. The
//! schema evolves only by appending to [`sqlite::migrations::MIGRATIONS`]. Every change that
//! writes more than one row is one transaction.
//!
//! **Two ways in.** [`Access::Write`] creates the ledger if there is none and migrates it;
//! [`Access::Read`] (reports, listings) needs an existing ledger at the current schema and
//! touches nothing: SQLite's read-only mode and `query_only`, so a user who may read the file
//! but not write it can run every report. SQLite reads a WAL database through the `-shm` and
//! `-wal` beside it (sqlite.org/wal.html, "Read-Only Databases"): while a writer has them open
//! a reader uses them read-only. When they are missing and this user may not create them (a
//! read-only directory or mount), no writer is running, and the file alone is the ledger: it
//! is read as `immutable`. Not when a `-wal` holds changes the file lacks (a writer stopped
//! without checkpointing): `immutable` would not lock against a writer that comes back, so
//! that is refused with the reason. The case left is a writer starting during such a read, as
//! a user who may write the directory while the reader may not; it would checkpoint into the
//! file under the reader. Making writers keep their `-wal`/`-shm` (SQLITE_FCNTL_PERSIST_WAL)
//! would close it, at the price of the two files staying beside the ledger.
//!
//! A read-only connection cannot delete the `-wal`/`-shm` it created (where it may create
//! them); they stay until the next writer closes the ledger.
//!
//! **Only ours.** A surplus ledger carries `PRAGMA application_id` [`APPLICATION_ID`] ('SRPL').
//! Ledgers made before the id are recognised by the first migration's `offers` table and get
//! the id when next opened for writing. Anything else (another program's database, a file that
//! is not SQLite) is refused before anything is written, and the error says what it is.

pub mod auctions;
pub mod cluster;
pub mod copy;
pub mod db;
pub mod invariants;
pub mod location;
pub mod market_error;
pub mod offers;
mod order_ids;
pub mod orders;
pub mod postgres;
pub mod sales;
pub mod sqlite;
pub mod supply;
#[cfg(test)]
pub mod test_backends;
mod unwritten_orders;
pub mod usage;
pub mod usage_expiry;
pub mod zone_serials;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OpenFlags};
use sqlite::open::{FILE_FLAGS, open_read, open_write, tune};

pub use crate::core::holding::Holding;
pub use auctions::{Auction, AuctionStatus, NewAuction, NewBid, StoredBid};
pub use market_error::MarketError;
pub use offers::{NewOffer, Offer, SavedOffers};
pub use orders::{BookCache, NewOrder, OrderStatus, Placed, StoredOrder};
pub use sales::Sale;
pub use usage::{UsageBatch, UsageSample};

/// How long a writer waits for another writer before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// `PRAGMA application_id` of a surplus ledger: ASCII `SRPL`.
pub const APPLICATION_ID: i32 = i32::from_be_bytes(*b"SRPL");

/// What a command does with the ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Reports and listings: the ledger must exist and be current; nothing is created,
    /// migrated or written.
    Read,
    /// Commands that record something: the ledger is created if there is none, and migrated.
    Write,
}

/// How to open the ledger.
#[derive(Debug, Clone, Copy)]
pub struct OpenOptions<'a> {
    pub access: Access,
    /// The currency prices were in before the ledger stored one with each (the config's
    /// `market.currency`): what a migration gives the rows it finds. Unused by [`Access::Read`].
    pub currency: &'a str,
    /// The config's `password_file:` (PostgreSQL only).
    pub password_file: Option<&'a Path>,
}

impl OpenOptions<'_> {
    /// Read-only.
    pub fn read() -> OpenOptions<'static> {
        OpenOptions { access: Access::Read, currency: "", password_file: None }
    }

    /// For writing; rows from before the currency was stored take `currency`.
    pub fn write(currency: &str) -> OpenOptions<'_> {
        OpenOptions { access: Access::Write, currency, password_file: None }
    }
}

/// Why the ledger failed.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error("{path}: cannot open the ledger: {error}{}", why.as_ref().map(|w| format!(" ({w})")).unwrap_or_default())]
    Open { path: PathBuf, error: rusqlite::Error, why: Option<std::io::Error> },
    #[error("no ledger at {path}{}; create one with capacity measure --save or any command that writes", if *empty { " (an empty file)" } else { "" })]
    Missing { path: PathBuf, empty: bool },
    #[error("{path}: not a surplus ledger ({what})")]
    NotLedger { path: PathBuf, what: String },
    #[error("{path}: the ledger's schema version {found} is newer than this surplus knows ({known}); upgrade surplus")]
    TooNew { path: PathBuf, found: i64, known: i64 },
    #[error(
        "{path}: the ledger needs migration (schema version {found}, this surplus's is {known}); run any writing command as a user who may write it"
    )]
    NeedsMigration { path: PathBuf, found: i64, known: i64 },
    #[error(
        "{path}: cannot read the ledger: {path}-wal holds changes not yet in the ledger file, and this user may not create {path}-shm to read them; run any command as a user who may write the directory, then read again"
    )]
    WalUnreadable { path: PathBuf },
    #[error("ledger: the disk is full; nothing of this change was written")]
    DiskFull,
    #[error("{}: the ledger is read-only ({}); nothing was written",
        path.as_ref().map_or_else(|| "ledger".to_string(), |p| p.display().to_string()),
        why.as_deref().unwrap_or("its file or file system"))]
    ReadOnly { path: Option<PathBuf>, why: Option<String> },
    #[error("ledger: {0}")]
    Sqlite(rusqlite::Error),
    #[error("ledger: {}", postgres_message(.0))]
    Postgres(::postgres::Error),
    #[error(transparent)]
    Connect(#[from] postgres::ConnectError),
    #[error("{at}: {error}")]
    Schema { at: String, error: postgres::SchemaError },
    #[error("ledger: a query that returns one row returned none")]
    NoRow,
    #[error("ledger: unreadable {0}")]
    Corrupt(String),
}

/// A PostgreSQL error as one line: the server's message (and detail) when it sent one, the
/// client's otherwise.
fn postgres_message(e: &::postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => match db.detail() {
            Some(detail) => format!("{} ({detail})", db.message()),
            None => db.message().to_string(),
        },
        None => e.to_string(),
    }
}

impl From<::postgres::Error> for LedgerError {
    fn from(e: ::postgres::Error) -> LedgerError {
        LedgerError::Postgres(e)
    }
}

// Not `#[from]`: that would also make the SQLite error the `source`, and the message, which
// already carries it, would be printed twice in an error chain.
impl From<rusqlite::Error> for LedgerError {
    fn from(e: rusqlite::Error) -> LedgerError {
        match e.sqlite_error_code() {
            Some(ErrorCode::DiskFull) => LedgerError::DiskFull,
            Some(ErrorCode::ReadOnly) => LedgerError::ReadOnly { path: None, why: None },
            _ => LedgerError::Sqlite(e),
        }
    }
}

/// How the ledger was opened, so that more connections (parallel readers) open alike.
#[derive(Debug, Clone)]
enum Reader {
    /// The file, SQLite's read-only mode.
    File(PathBuf),
    /// A `file:…?immutable=1` URI.
    Immutable(String),
    /// The PostgreSQL database, and where its password came from.
    Postgres(Box<postgres::PostgresUrl>, postgres::PasswordSources),
}

/// An open ledger, at the current schema.
#[derive(Debug)]
pub struct Ledger {
    db: db::Db,
    /// How more read-only connections to it are opened (parallel readers); `None`: in memory.
    reader: Option<Reader>,
    /// The bounds [`Ledger::limit_waits`] set, applied again after a reconnect.
    waits: Option<Waits>,
}

/// How long a statement of a long-running server may wait on PostgreSQL; see
/// [`Ledger::limit_waits`].
#[derive(Debug, Clone, Copy)]
pub struct Waits {
    /// For a lock (`lock_timeout`).
    pub lock: Duration,
    /// In all (`statement_timeout`).
    pub statement: Duration,
}

impl Ledger {
    /// Opens the ledger at `path` for reading or writing; see the module docs.
    pub fn open(path: &Path, options: OpenOptions<'_>) -> Result<Ledger, LedgerError> {
        match options.access {
            Access::Read => open_read(path),
            Access::Write => open_write(path, options.currency),
        }
    }

    /// Opens the ledger at `location`: an SQLite file as [`Ledger::open`] does, or a
    /// PostgreSQL database (connected within [`postgres::DEFAULT_WAIT`], migrated when
    /// writing, checked to be current when reading).
    pub fn open_location(location: &location::Location, options: OpenOptions<'_>) -> Result<Ledger, LedgerError> {
        match location {
            location::Location::Sqlite(path) => Ledger::open(path, options),
            location::Location::Postgres(url) => {
                let sources = postgres::PasswordSources::from_env(options.password_file);
                open_postgres(url, sources, options.access)
            }
        }
    }

    /// Opens a new connection if the PostgreSQL one was lost (the server restarted, the
    /// session was terminated), trying for at most `wait`; nothing to do on SQLite, or while
    /// the connection is up. Not migrated again: it was current when first opened.
    pub fn reconnect(&mut self, wait: Duration) -> Result<(), LedgerError> {
        if !self.db.is_closed() {
            return Ok(());
        }
        let Some(Reader::Postgres(url, sources)) = &self.reader else { return Ok(()) };
        let client = postgres::connect(url, sources, wait)?;
        tracing::info!("ledger {url}: reconnected");
        self.db = db::Db::postgres(client);
        if let Some(waits) = self.waits {
            self.limit_waits(waits)?;
        }
        Ok(())
    }

    /// Bounds how long each statement may wait on PostgreSQL, on this connection and every
    /// reconnection: a server thread that also steps the controllers (`dns serve`'s watcher)
    /// must not hang behind a lock someone holds (a `LOCK TABLE`, a migration) or a statement
    /// that never ends; the statement fails instead, and its caller holds what it was writing.
    /// A dead or silent host is bounded by the connection's keepalives and TCP user timeout.
    /// What the URL's `options` set (`-c lock_timeout=…`) is kept. Nothing to do on SQLite,
    /// whose writers wait on the file lock for the busy timeout.
    pub fn limit_waits(&mut self, waits: Waits) -> Result<(), LedgerError> {
        self.waits = Some(waits);
        let Some(Reader::Postgres(url, _)) = &self.reader else { return Ok(()) };
        let given = url.config().get_options().unwrap_or_default();
        let mut set = String::new();
        for (name, value) in [("lock_timeout", waits.lock), ("statement_timeout", waits.statement)] {
            if !given.contains(name) {
                set.push_str(&format!("SET {name} = {}; ", value.as_millis()));
            }
        }
        if set.is_empty() {
            return Ok(());
        }
        self.db.batch(&set)
    }

    /// Which SQL the ledger's database speaks.
    pub fn dialect(&self) -> db::Dialect {
        self.db.dialect()
    }

    /// A private in-memory ledger, for tests and dry runs.
    pub fn open_in_memory() -> Result<Ledger, LedgerError> {
        let mut conn = Connection::open_in_memory()?;
        tune(&conn)?;
        sqlite::migrations::migrate(&mut conn, Path::new(":memory:"), "EUR")?;
        Ok(Ledger { db: db::Db::sqlite(conn), reader: None, waits: None })
    }

    /// The schema version: `PRAGMA user_version` on SQLite, the latest row of the version
    /// table on PostgreSQL (the two dialects number their migrations apart).
    pub fn schema_version(&self) -> Result<i64, LedgerError> {
        match self.db.sqlite_conn() {
            Some(conn) => Ok(conn.query_row("PRAGMA user_version", [], |r| r.get(0))?),
            None => self.db.query_row(
                &format!("SELECT COALESCE(MAX(version), 0) FROM {}", postgres::migrations::VERSION_TABLE),
                db::args![],
                |r| r.get(0),
            ),
        }
    }
}

impl Reader {
    /// A read-only connection to the ledger, opened as this says.
    fn connect(&self) -> Result<db::Db, LedgerError> {
        match self {
            Reader::Postgres(url, sources) => Ok(db::Db::postgres(connect_postgres(url, sources, Access::Read)?)),
            _ => Ok(db::Db::sqlite(self.connect_sqlite()?)),
        }
    }

    fn connect_sqlite(&self) -> Result<Connection, rusqlite::Error> {
        let conn = match self {
            // Not asked for: a PostgreSQL ledger's readers go through `connect`.
            Reader::Postgres(url, _) => return Err(rusqlite::Error::InvalidPath(url.to_string().into())),
            Reader::File(path) => Connection::open_with_flags(path, FILE_FLAGS | OpenFlags::SQLITE_OPEN_READ_ONLY)?,
            Reader::Immutable(uri) => Connection::open_with_flags(
                uri,
                FILE_FLAGS | OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI,
            )?,
        };
        conn.busy_timeout(BUSY_TIMEOUT)?;
        Ok(conn)
    }
}

/// Opens a PostgreSQL ledger; see [`Ledger::open_location`].
fn open_postgres(
    url: &postgres::PostgresUrl,
    sources: postgres::PasswordSources,
    access: Access,
) -> Result<Ledger, LedgerError> {
    let client = connect_postgres(url, &sources, access)?;
    Ok(Ledger {
        db: db::Db::postgres(client),
        reader: Some(Reader::Postgres(Box::new(url.clone()), sources)),
        waits: None,
    })
}

/// A connection to a PostgreSQL ledger, migrated (writers) or checked current (readers). A
/// reader's session is read-only, as SQLite's `query_only` makes it.
fn connect_postgres(
    url: &postgres::PostgresUrl,
    sources: &postgres::PasswordSources,
    access: Access,
) -> Result<::postgres::Client, LedgerError> {
    let mut client = postgres::connect(url, sources, postgres::DEFAULT_WAIT)?;
    let schema = |error| LedgerError::Schema { at: url.to_string(), error };
    match access {
        Access::Write => postgres::migrations::migrate(&mut client).map_err(schema)?,
        Access::Read => {
            postgres::migrations::check_current(&mut client).map_err(schema)?;
            client.batch_execute("SET default_transaction_read_only = on")?;
        }
    }
    Ok(client)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(path: &Path) -> Result<Ledger, LedgerError> {
        Ledger::open(path, OpenOptions::write("EUR"))
    }

    #[test]
    fn reading_a_missing_ledger_creates_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("typo.db");
        let err = Ledger::open(&path, OpenOptions::read()).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "no ledger at {}; create one with capacity measure --save or any command that writes",
                path.display()
            )
        );
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        std::fs::write(&path, "").unwrap();
        let err = Ledger::open(&path, OpenOptions::read()).unwrap_err();
        assert!(matches!(err, LedgerError::Missing { empty: true, .. }), "{err}");
        // An empty file is where a writer starts one.
        let ledger = write(&path).unwrap();
        assert_eq!(
            ledger.db.sqlite_conn().unwrap().query_row("PRAGMA application_id", [], |r| r.get::<_, i32>(0)).unwrap(),
            APPLICATION_ID
        );
        drop(ledger);
        assert!(Ledger::open(&path, OpenOptions::read()).is_ok());
    }

    #[test]
    fn another_programs_database_is_refused_either_way_and_not_touched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("other.db");
        Connection::open(&path).unwrap().execute_batch("CREATE TABLE foo (x); CREATE TABLE bar (y);").unwrap();
        let before = std::fs::read(&path).unwrap();
        let want = format!(
            "{}: not a surplus ledger (an SQLite database with tables bar, foo; application_id 0)",
            path.display()
        );
        assert_eq!(write(&path).unwrap_err().to_string(), want);
        assert_eq!(Ledger::open(&path, OpenOptions::read()).unwrap_err().to_string(), want);
        assert_eq!(std::fs::read(&path).unwrap(), before);
        let journal: String =
            Connection::open(&path).unwrap().query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
        assert_eq!(journal, "delete", "not switched to WAL");
    }

    #[test]
    fn a_ledger_from_before_the_mark_is_recognised_and_marked_by_a_writer() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(sqlite::migrations::MIGRATIONS[0]).unwrap();
        conn.pragma_update(None, "user_version", 1).unwrap();
        drop(conn);
        let id = |path: &Path| -> i32 {
            Connection::open(path).unwrap().query_row("PRAGMA application_id", [], |r| r.get(0)).unwrap()
        };
        assert!(matches!(Ledger::open(&path, OpenOptions::read()), Err(LedgerError::NeedsMigration { found: 1, .. })));
        assert_eq!(id(&path), 0, "a reader does not mark it");
        drop(write(&path).unwrap());
        assert_eq!(id(&path), APPLICATION_ID);
    }

    #[test]
    fn an_immutable_reader_finds_a_path_with_uri_characters() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("a b%20?x#y");
        std::fs::create_dir(&sub).unwrap();
        let path = sub.join("l.db");
        let mut ledger = write(&path).unwrap();
        ledger
            .save_offers(&[NewOffer { slot: crate::core::window::Window::new(0, 3600).unwrap(), rps: 5 }], 0, "t")
            .unwrap();
        drop(ledger);
        let uri = format!("file:{}?immutable=1", sqlite::open::uri_path(&path));
        let conn = Reader::Immutable(uri).connect_sqlite().unwrap();
        let n: i64 = conn.query_row("SELECT count(*) FROM offers", [], |r| r.get(0)).unwrap();
        assert_eq!(n, 1);
    }
}
