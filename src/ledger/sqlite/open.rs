//! Opening an SQLite ledger: the checks before anything is written (may this user write it?
//! is it ours?), WAL mode and the connection settings, the migrations for writers, and for
//! readers the read-only and `immutable` ways in; see the ledger's module docs for why.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, ErrorCode, OpenFlags};

use super::migrations;
use crate::ledger::{APPLICATION_ID, BUSY_TIMEOUT, Ledger, LedgerError, Reader, db};

/// What a SQLite file turned out to be.
#[derive(Debug, PartialEq, Eq)]
enum Identity {
    /// Marked as a surplus ledger.
    Ours,
    /// A surplus ledger from before the mark.
    Unmarked,
    /// Nothing in it yet.
    Empty,
    /// Something else.
    Foreign(String),
}

/// Flags for every connection: paths are paths (no URIs), one thread per connection.
pub(in crate::ledger) const FILE_FLAGS: OpenFlags = OpenFlags::SQLITE_OPEN_NO_MUTEX;

/// Connection settings, none of which writes the file (they are safe on a file that turns out
/// not to be ours).
pub(in crate::ledger) fn tune(conn: &Connection) -> Result<(), rusqlite::Error> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    // Savepoints (one per order of a batch) journal the pages they change; in memory, not
    // in a temporary file.
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    // Up to 64 MiB of page cache (SQLite's default is 2 MiB): settling an auction of a
    // million bids reads them all, then checks each sale's bid; they should still be here.
    conn.pragma_update(None, "cache_size", -65_536)
}

/// Opens for writing: refuses what may not be written or is not ours before anything is
/// written, then WAL mode, the id, and the migrations.
pub(in crate::ledger) fn open_write(path: &Path, currency: &str) -> Result<Ledger, LedgerError> {
    let read_only =
        |why: std::io::Error| LedgerError::ReadOnly { path: Some(path.to_path_buf()), why: Some(why.to_string()) };
    if path.exists()
        && let Some(why) = why_not_writable(path)
    {
        return Err(read_only(why));
    }
    let open_err = |error| LedgerError::Open { path: path.to_path_buf(), error, why: why_not_writable(path) };
    let mut conn = Connection::open_with_flags(
        path,
        FILE_FLAGS | OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
    )
    .map_err(open_err)?;
    let with_path = |e: LedgerError| match e {
        LedgerError::ReadOnly { path: None, .. } => {
            LedgerError::ReadOnly { path: Some(path.to_path_buf()), why: why_not_writable(path).map(|e| e.to_string()) }
        }
        LedgerError::Sqlite(error) if error.sqlite_error_code() == Some(ErrorCode::CannotOpen) => open_err(error),
        other => other,
    };
    // Before anything reads it: another process may be creating or migrating it.
    tune(&conn).map_err(|e| if is_not_sqlite(&e) { not_sqlite(path) } else { open_err(e) })?;
    // SQLite falls back to read-only when the file may not be written.
    if conn.is_readonly(rusqlite::MAIN_DB).map_err(open_err)? {
        return Err(with_path(LedgerError::ReadOnly { path: None, why: None }));
    }
    if let Identity::Foreign(what) = identify(&conn, path).map_err(with_path)? {
        return Err(LedgerError::NotLedger { path: path.to_path_buf(), what });
    }
    let setup = |conn: &mut Connection| -> Result<(), LedgerError> {
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // Checkpoint every 8192 pages (32 MiB of WAL) rather than SQLite's 1000: a stream of
        // small transactions (one per order) rewrites the same few pages, and each checkpoint
        // copies them to the database again and syncs it.
        conn.pragma_update(None, "wal_autocheckpoint", 8192)?;
        migrations::migrate(conn, path, currency)
    };
    setup(&mut conn).map_err(with_path)?;
    Ok(Ledger { db: db::Db::sqlite(conn), reader: Some(Reader::File(path.to_path_buf())), waits: None })
}

/// The directory `path` is in.
fn dir_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Why this process may not create files in `dir`; `None` if it may.
fn dir_not_writable(dir: &Path) -> Option<std::io::Error> {
    let c = std::ffi::CString::new(dir.as_os_str().as_encoded_bytes()).ok()?;
    // SAFETY: `access` reads a NUL-terminated path and nothing else.
    if unsafe { libc::access(c.as_ptr(), libc::W_OK) } == 0 {
        return None;
    }
    let e = std::io::Error::last_os_error();
    Some(std::io::Error::new(e.kind(), format!("directory {}: {e}", dir.display())))
}

/// Why the ledger at `path` (or, for a new one, its directory) may not be written, as the file
/// system says; `None` if it may. Creates nothing.
fn why_not_writable(path: &Path) -> Option<std::io::Error> {
    if path.exists()
        && let Err(e) = std::fs::OpenOptions::new().append(true).open(path)
    {
        return Some(e);
    }
    // The WAL's -wal and -shm files go beside the ledger: its directory must be writable,
    // unless they are there already (a writer has them open).
    let beside = |suffix: &str| Path::new(&format!("{}{suffix}", path.display())).exists();
    if beside("-wal") && beside("-shm") {
        return None;
    }
    dir_not_writable(&dir_of(path))
}

/// Opens for reading; see the ledger's module docs ([`crate::ledger`]), "Two ways in".
pub(in crate::ledger) fn open_read(path: &Path) -> Result<Ledger, LedgerError> {
    let open_err = |error, why| LedgerError::Open { path: path.to_path_buf(), error, why };
    match std::fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(LedgerError::Missing { path: path.to_path_buf(), empty: false });
        }
        // A directory on the way that may not be searched: SQLite would say only "unable to
        // open".
        Err(e) => {
            return Err(open_err(rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(14), None), Some(e)));
        }
        Ok(_) => {}
    }
    let plain = Reader::File(path.to_path_buf());
    let (conn, reader) = match read_connection(path, &plain) {
        Ok(conn) => (conn, plain),
        // The WAL index cannot be made: read the file as it is, if it is all there is.
        Err(LedgerError::ReadOnly { .. }) | Err(LedgerError::Open { .. }) if cannot_make_shm(path) => {
            let wal = PathBuf::from(format!("{}-wal", path.display()));
            if std::fs::metadata(&wal).is_ok_and(|m| m.len() > 0) {
                return Err(LedgerError::WalUnreadable { path: path.to_path_buf() });
            }
            let immutable = Reader::Immutable(format!("file:{}?immutable=1", uri_path(path)));
            (read_connection(path, &immutable)?, immutable)
        }
        Err(e) => return Err(e),
    };
    Ok(Ledger { db: db::Db::sqlite(conn), reader: Some(reader), waits: None })
}

/// Whether the `-shm` beside `path` is missing and may not be created.
fn cannot_make_shm(path: &Path) -> bool {
    !Path::new(&format!("{}-shm", path.display())).exists() && dir_not_writable(&dir_of(path)).is_some()
}

/// One read-only connection, the ledger checked: ours, and at the schema this surplus knows.
fn read_connection(path: &Path, reader: &Reader) -> Result<Connection, LedgerError> {
    let open_err = |error| LedgerError::Open { path: path.to_path_buf(), error, why: std::fs::File::open(path).err() };
    let conn = reader.connect_sqlite().map_err(open_err)?;
    tune(&conn).map_err(|e| if is_not_sqlite(&e) { not_sqlite(path) } else { open_err(e) })?;
    let identity = identify(&conn, path).map_err(|e| match e {
        LedgerError::Sqlite(error) => open_err(error),
        other => other,
    })?;
    match identity {
        Identity::Foreign(what) => return Err(LedgerError::NotLedger { path: path.to_path_buf(), what }),
        Identity::Empty => return Err(LedgerError::Missing { path: path.to_path_buf(), empty: true }),
        Identity::Ours | Identity::Unmarked => {}
    }
    conn.pragma_update(None, "query_only", "ON")?;
    let found: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let known = migrations::MIGRATIONS.len() as i64;
    if found > known {
        return Err(LedgerError::TooNew { path: path.to_path_buf(), found, known });
    }
    if found < known {
        return Err(LedgerError::NeedsMigration { path: path.to_path_buf(), found, known });
    }
    Ok(conn)
}

/// `path` for a `file:` URI: `%`, `?` and `#` (which would end the path) escaped, as RFC 3986
/// and SQLite's URI parser want.
pub(in crate::ledger) fn uri_path(path: &Path) -> String {
    let mut out = String::new();
    for b in path.as_os_str().as_encoded_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' => out.push(*b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Whether SQLite says the file is not a database at all.
fn is_not_sqlite(e: &rusqlite::Error) -> bool {
    e.sqlite_error_code() == Some(ErrorCode::NotADatabase)
}

fn not_sqlite(path: &Path) -> LedgerError {
    LedgerError::NotLedger { path: path.to_path_buf(), what: "not an SQLite database".into() }
}

/// What the file at `path` is, by its application id, schema and tables. Reads only.
fn identify(conn: &Connection, path: &Path) -> Result<Identity, LedgerError> {
    let id: i32 = conn
        .query_row("PRAGMA application_id", [], |r| r.get(0))
        .map_err(|e| if is_not_sqlite(&e) { not_sqlite(path) } else { e.into() })?;
    if id == APPLICATION_ID {
        return Ok(Identity::Ours);
    }
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let objects: i64 = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))?;
    if id == 0 && version == 0 && objects == 0 {
        return Ok(Identity::Empty);
    }
    // The first migration's table, column for column.
    let offers: Vec<String> = conn
        .prepare("SELECT name FROM pragma_table_info('offers') ORDER BY cid")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let first = ["id", "slot_start", "slot_end", "rps", "measured_at", "method"];
    if id == 0 && version >= 1 && offers.len() >= first.len() && offers[..first.len()] == first {
        return Ok(Identity::Unmarked);
    }
    let listed = match tables.len() {
        0 => "no tables".to_string(),
        n if n <= 6 => format!("tables {}", tables.join(", ")),
        n => format!("tables {} and {} more", tables[..5].join(", "), n - 5),
    };
    let version = if version != 0 { format!(", user_version {version}") } else { String::new() };
    Ok(Identity::Foreign(format!("an SQLite database with {listed}; application_id {id}{version}")))
}
