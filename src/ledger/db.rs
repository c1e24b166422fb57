//! The one SQL executor the ledger's queries run through, on SQLite or on PostgreSQL.
//!
//! The ledger's SQL is written once, in the dialect both databases share (plain SELECT, INSERT
//! … RETURNING, UPDATE, ON CONFLICT, window-free aggregates), with SQLite's `?1` placeholders;
//! for PostgreSQL they are rewritten to `$1` when a statement is first prepared, and the
//! prepared statement is kept, as SQLite's `prepare_cached` keeps its own. What differs by
//! dialect (the schema, its migrations and triggers, connection setup) lives beside each
//! backend (`ledger/sqlite/`, `ledger/postgres/`); the few queries that must differ ask
//! [`Db::dialect`].
//!
//! Why not an ORM or a query builder (diesel, sea-query, sqlx's `Any`): the ledger is a few
//! dozen hand-tuned statements whose plans are measured (`benches/`), and both drivers the
//! brief names are synchronous; a thin executor over `rusqlite` and `postgres` keeps each
//! statement readable as SQL and adds no layer a reader must learn.
//!
//! **Transactions** are closures: [`Db::transaction`] runs one, commits it, and on PostgreSQL
//! runs it again (bounded, with jittered backoff) when the database reports a serialization
//! failure or a deadlock (SQLSTATE 40001, 40P01), which `SERIALIZABLE` makes the normal way
//! for two writers to meet. The closure must therefore be safe to run twice: it may only
//! change state of its own or return what it computed. On SQLite a writing transaction is
//! `BEGIN IMMEDIATE`: writers queue on the file lock (the busy timeout) and never conflict.
//!
//! Every method takes `&self`: rusqlite's connection does, and the PostgreSQL client (which
//! wants `&mut`) sits in a `RefCell`. A closure given to [`Db::query`] must not use the `Db`
//! itself; it only reads the row.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::time::Duration;

use postgres::error::SqlState;
use rand::Rng;

use super::LedgerError;

/// Which SQL the database speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// A value that binds as a parameter on both backends: `i64` (PostgreSQL binds integers to
/// `BIGINT` columns only by their width, and the schema has no other integer type, so a
/// narrower Rust integer is refused here, at compile time, rather than by the server), `f64`,
/// `bool`, text, and `Option`s of them.
pub trait Param {
    fn as_sqlite(&self) -> &dyn rusqlite::ToSql;
    fn as_postgres(&self) -> &(dyn postgres::types::ToSql + Sync);
}

macro_rules! params_of {
    ($($t:ty),*) => {$(
        impl Param for $t {
            fn as_sqlite(&self) -> &dyn rusqlite::ToSql {
                self
            }
            fn as_postgres(&self) -> &(dyn postgres::types::ToSql + Sync) {
                self
            }
        }
    )*};
}

params_of!(i64, f64, bool, String, &str, Option<i64>, Option<f64>, Option<bool>, Option<String>, Option<&str>);

impl<T: Param + ?Sized> Param for &T {
    fn as_sqlite(&self) -> &dyn rusqlite::ToSql {
        (**self).as_sqlite()
    }
    fn as_postgres(&self) -> &(dyn postgres::types::ToSql + Sync) {
        (**self).as_postgres()
    }
}

/// A value of any column, for copying rows between backends without knowing their types.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
}

impl Param for Value {
    fn as_sqlite(&self) -> &dyn rusqlite::ToSql {
        self
    }
    fn as_postgres(&self) -> &(dyn postgres::types::ToSql + Sync) {
        self
    }
}

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(ToSqlOutput::Borrowed(match self {
            Value::Null => ValueRef::Null,
            Value::Integer(n) => ValueRef::Integer(*n),
            Value::Real(x) => ValueRef::Real(*x),
            Value::Text(t) => ValueRef::Text(t.as_bytes()),
        }))
    }
}

impl postgres::types::ToSql for Value {
    fn to_sql(
        &self,
        ty: &postgres::types::Type,
        out: &mut bytes::BytesMut,
    ) -> Result<postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self {
            Value::Null => Ok(postgres::types::IsNull::Yes),
            Value::Integer(n) => n.to_sql(ty, out),
            Value::Real(x) => x.to_sql(ty, out),
            Value::Text(t) => t.to_sql(ty, out),
        }
    }

    fn accepts(ty: &postgres::types::Type) -> bool {
        <i64 as postgres::types::ToSql>::accepts(ty)
            || <f64 as postgres::types::ToSql>::accepts(ty)
            || <String as postgres::types::ToSql>::accepts(ty)
    }

    postgres::types::to_sql_checked!();
}

/// A column value that reads from both backends.
pub trait Column: rusqlite::types::FromSql + for<'a> postgres::types::FromSql<'a> {}

impl<T: rusqlite::types::FromSql + for<'a> postgres::types::FromSql<'a>> Column for T {}

/// Parameters for [`Db`]'s methods, like rusqlite's `params!`.
#[macro_export]
macro_rules! sql_args {
    () => { &[] as &[&dyn $crate::ledger::db::Param] };
    ($($arg:expr),+ $(,)?) => { &[$(&$arg as &dyn $crate::ledger::db::Param),+] as &[&dyn $crate::ledger::db::Param] };
}
pub use sql_args as args;

/// One row of a result, read by column index.
pub enum Row<'a> {
    Sqlite(&'a rusqlite::Row<'a>),
    Postgres(&'a postgres::Row),
}

impl Row<'_> {
    /// Column `index`, whatever its type (integers, reals and text: all the ledger has).
    pub fn value(&self, index: usize) -> Result<Value, LedgerError> {
        match self {
            Row::Sqlite(row) => Ok(match row.get_ref(index)? {
                rusqlite::types::ValueRef::Null => Value::Null,
                rusqlite::types::ValueRef::Integer(n) => Value::Integer(n),
                rusqlite::types::ValueRef::Real(x) => Value::Real(x),
                rusqlite::types::ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
                rusqlite::types::ValueRef::Blob(_) => return Err(LedgerError::Corrupt("a blob".into())),
            }),
            Row::Postgres(row) => {
                use postgres::types::Type;
                let ty = row.columns()[index].type_().clone();
                Ok(match ty {
                    Type::INT8 => row.try_get::<_, Option<i64>>(index)?.map_or(Value::Null, Value::Integer),
                    Type::INT4 => {
                        row.try_get::<_, Option<i32>>(index)?.map_or(Value::Null, |n| Value::Integer(n.into()))
                    }
                    Type::FLOAT8 => row.try_get::<_, Option<f64>>(index)?.map_or(Value::Null, Value::Real),
                    Type::TEXT | Type::VARCHAR => {
                        row.try_get::<_, Option<String>>(index)?.map_or(Value::Null, Value::Text)
                    }
                    other => return Err(LedgerError::Corrupt(format!("a column of type {other}"))),
                })
            }
        }
    }

    /// Column `index`, as `T`.
    pub fn get<T: Column>(&self, index: usize) -> Result<T, LedgerError> {
        match self {
            Row::Sqlite(row) => Ok(row.get(index)?),
            Row::Postgres(row) => Ok(row.try_get(index)?),
        }
    }
}

/// What a transaction does, which sets how it begins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxKind {
    /// Reads that must see one state of the ledger (a report, a book).
    Read,
    /// A check and the writes that depend on it: never two at once on SQLite
    /// (`BEGIN IMMEDIATE`), `SERIALIZABLE` on PostgreSQL.
    Write,
    /// Writes that depend on nothing they read (usage samples: upserts that add): on
    /// PostgreSQL `READ COMMITTED`, where `ON CONFLICT DO UPDATE` is atomic and concurrent
    /// servers never fail each other; on SQLite as [`TxKind::Write`].
    Additive,
}

/// How many times a PostgreSQL transaction is tried before a serialization failure is
/// reported.
const ATTEMPTS: u32 = 12;

/// A connection to the ledger's database.
pub struct Db {
    backend: Backend,
    /// Whether the last failed statement failed in a way a rerun of its transaction cures.
    retryable: Cell<bool>,
    /// How deep in transactions and savepoints this connection is.
    depth: Cell<u32>,
    /// PostgreSQL: the depth of a savepoint that ended well and is not released yet; see
    /// [`Db::savepoint`].
    unreleased: Cell<Option<u32>>,
}

enum Backend {
    Sqlite(rusqlite::Connection),
    Postgres(Box<RefCell<Postgres>>),
}

struct Postgres {
    client: postgres::Client,
    /// Prepared statements by their SQL as written (with `?N`).
    statements: HashMap<String, postgres::Statement>,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db").field("dialect", &self.dialect()).finish()
    }
}

impl Db {
    pub fn sqlite(conn: rusqlite::Connection) -> Db {
        Db {
            backend: Backend::Sqlite(conn),
            retryable: Cell::new(false),
            depth: Cell::new(0),
            unreleased: Cell::new(None),
        }
    }

    pub fn postgres(client: postgres::Client) -> Db {
        let pg = Postgres { client, statements: HashMap::new() };
        Db {
            backend: Backend::Postgres(Box::new(RefCell::new(pg))),
            retryable: Cell::new(false),
            depth: Cell::new(0),
            unreleased: Cell::new(None),
        }
    }

    pub fn dialect(&self) -> Dialect {
        match self.backend {
            Backend::Sqlite(_) => Dialect::Sqlite,
            Backend::Postgres(_) => Dialect::Postgres,
        }
    }

    /// Whether the connection is gone (PostgreSQL: the server closed it or went away).
    pub fn is_closed(&self) -> bool {
        match &self.backend {
            Backend::Sqlite(_) => false,
            Backend::Postgres(pg) => pg.borrow().client.is_closed(),
        }
    }

    /// The SQLite connection, for what only SQLite has (pragmas, its migrations).
    pub fn sqlite_conn(&self) -> Option<&rusqlite::Connection> {
        match &self.backend {
            Backend::Sqlite(conn) => Some(conn),
            Backend::Postgres(_) => None,
        }
    }

    /// The PostgreSQL client, for what only PostgreSQL has (COPY, its migrations). Panics if
    /// called while a [`Db::query`] closure runs (the client is borrowed then).
    pub fn with_postgres<T>(
        &self,
        f: impl FnOnce(&mut postgres::Client) -> Result<T, postgres::Error>,
    ) -> Option<Result<T, LedgerError>> {
        match &self.backend {
            Backend::Sqlite(_) => None,
            Backend::Postgres(pg) => Some(f(&mut pg.borrow_mut().client).map_err(|e| self.pg_error(e))),
        }
    }

    /// Runs a statement; the number of rows it changed.
    pub fn execute(&self, sql: &str, params: &[&dyn Param]) -> Result<u64, LedgerError> {
        match &self.backend {
            Backend::Sqlite(conn) => {
                let mut stmt = conn.prepare_cached(sql)?;
                let n = stmt.execute(sqlite_params(params).as_slice())?;
                Ok(n as u64)
            }
            Backend::Postgres(pg) => {
                let mut pg = pg.borrow_mut();
                let stmt = pg.statement(sql).map_err(|e| self.pg_error(e))?;
                pg.client.execute(&stmt, &postgres_params(params)).map_err(|e| self.pg_error(e))
            }
        }
    }

    /// Runs statements without parameters (schema changes, `BEGIN`).
    pub fn batch(&self, sql: &str) -> Result<(), LedgerError> {
        match &self.backend {
            Backend::Sqlite(conn) => Ok(conn.execute_batch(sql)?),
            Backend::Postgres(pg) => pg.borrow_mut().client.batch_execute(sql).map_err(|e| self.pg_error(e)),
        }
    }

    /// Every row of a query, each read by `f`.
    pub fn query<T>(
        &self,
        sql: &str,
        params: &[&dyn Param],
        mut f: impl FnMut(&Row<'_>) -> Result<T, LedgerError>,
    ) -> Result<Vec<T>, LedgerError> {
        let mut out = Vec::new();
        self.for_each(sql, params, |row| {
            out.push(f(row)?);
            Ok(())
        })?;
        Ok(out)
    }

    /// Reads the rows of a query one at a time, without collecting them (a million bids).
    pub fn for_each(
        &self,
        sql: &str,
        params: &[&dyn Param],
        mut f: impl FnMut(&Row<'_>) -> Result<(), LedgerError>,
    ) -> Result<(), LedgerError> {
        match &self.backend {
            Backend::Sqlite(conn) => {
                let mut stmt = conn.prepare_cached(sql)?;
                let mut rows = stmt.query(sqlite_params(params).as_slice())?;
                while let Some(row) = rows.next()? {
                    f(&Row::Sqlite(row))?;
                }
                Ok(())
            }
            Backend::Postgres(pg) => {
                use postgres::fallible_iterator::FallibleIterator;
                let mut pg = pg.borrow_mut();
                let stmt = pg.statement(sql).map_err(|e| self.pg_error(e))?;
                let args = postgres_params(params);
                let mut rows = pg.client.query_raw(&stmt, args).map_err(|e| self.pg_error(e))?;
                while let Some(row) = rows.next().map_err(|e| self.pg_error(e))? {
                    f(&Row::Postgres(&row))?;
                }
                Ok(())
            }
        }
    }

    /// The one row a query returns; `None` if it returns none.
    pub fn query_opt<T>(
        &self,
        sql: &str,
        params: &[&dyn Param],
        f: impl FnOnce(&Row<'_>) -> Result<T, LedgerError>,
    ) -> Result<Option<T>, LedgerError> {
        let mut f = Some(f);
        let mut out = None;
        self.for_each(sql, params, |row| {
            if let Some(f) = f.take() {
                out = Some(f(row)?);
            }
            Ok(())
        })?;
        Ok(out)
    }

    /// The one row a query must return (an aggregate, a `RETURNING`).
    pub fn query_row<T>(
        &self,
        sql: &str,
        params: &[&dyn Param],
        f: impl FnOnce(&Row<'_>) -> Result<T, LedgerError>,
    ) -> Result<T, LedgerError> {
        self.query_opt(sql, params, f)?.ok_or(LedgerError::NoRow)
    }

    /// Runs `f` in a transaction of `kind` and commits it; see the module docs. Rolled back
    /// if `f` fails. Nested calls run in a savepoint of the outer transaction instead.
    pub fn transaction<T, E: From<LedgerError>>(
        &self,
        kind: TxKind,
        mut f: impl FnMut(&Db) -> Result<T, E>,
    ) -> Result<T, E> {
        if self.depth.get() > 0 {
            return self.savepoint(f);
        }
        let mut attempt = 0;
        loop {
            attempt += 1;
            self.retryable.set(false);
            self.unreleased.set(None);
            self.batch(self.begin(kind))?;
            self.depth.set(1);
            let result = f(self);
            self.depth.set(0);
            let result = match result {
                Ok(value) => match self.batch("COMMIT") {
                    Ok(()) => Ok(value),
                    Err(e) => Err(E::from(self.rolled_back(e))),
                },
                Err(e) => Err(self.rolled_back(e)),
            };
            match result {
                Err(_) if self.retryable.get() && attempt < ATTEMPTS => std::thread::sleep(backoff(attempt)),
                Err(e) if self.retryable.get() => {
                    tracing::warn!("ledger: gave up after {attempt} serialization failures");
                    return Err(e);
                }
                other => return other,
            }
        }
    }

    /// Ends a failed transaction, keeping whether it may be retried; a failed rollback (the
    /// connection is gone, or PostgreSQL ended it already) leaves nothing committed either.
    fn rolled_back<E>(&self, e: E) -> E {
        let retry = self.retryable.get();
        let _ = self.batch("ROLLBACK");
        self.retryable.set(retry);
        e
    }

    /// Whether the transaction in progress met a failure that only running it again cures (a
    /// serialization failure or deadlock on PostgreSQL): the closure should return its error
    /// rather than go on.
    pub fn must_retry(&self) -> bool {
        self.retryable.get()
    }

    /// Runs `f` in a savepoint of the transaction this connection is in: if `f` fails, what
    /// it wrote is undone and the transaction goes on.
    ///
    /// On PostgreSQL a savepoint that ended well is released with the start of the next one
    /// at its depth, in one round trip (`RELEASE SAVEPOINT s1; SAVEPOINT s1`), or by the
    /// commit: a batch of orders, one savepoint each, pays two round trips per order instead
    /// of three. What runs in between runs inside the unreleased savepoint, which changes
    /// nothing: it is kept or undone with the whole transaction, and a later savepoint's
    /// rollback undoes only that savepoint's work.
    pub fn savepoint<T, E: From<LedgerError>>(&self, mut f: impl FnMut(&Db) -> Result<T, E>) -> Result<T, E> {
        let depth = self.depth.get();
        let name = format!("s{depth}");
        match self.unreleased.take() {
            Some(d) if d == depth => self.batch(&format!("RELEASE SAVEPOINT {name}; SAVEPOINT {name}"))?,
            _ => self.batch(&format!("SAVEPOINT {name}"))?,
        }
        self.depth.set(depth + 1);
        let result = f(self);
        self.depth.set(depth);
        match result {
            Ok(value) => {
                match self.dialect() {
                    // In-process: nothing to save.
                    Dialect::Sqlite => self.batch(&format!("RELEASE SAVEPOINT {name}"))?,
                    // Releasing it also releases any left unreleased inside it.
                    Dialect::Postgres => self.unreleased.set(Some(depth)),
                }
                Ok(value)
            }
            Err(e) => {
                let retry = self.retryable.get();
                self.unreleased.set(None);
                self.batch(&format!("ROLLBACK TO SAVEPOINT {name}; RELEASE SAVEPOINT {name}"))?;
                self.retryable.set(self.retryable.get() || retry);
                Err(e)
            }
        }
    }

    fn begin(&self, kind: TxKind) -> &'static str {
        match (self.dialect(), kind) {
            (Dialect::Sqlite, TxKind::Read) => "BEGIN DEFERRED",
            (Dialect::Sqlite, TxKind::Write | TxKind::Additive) => "BEGIN IMMEDIATE",
            (Dialect::Postgres, TxKind::Read) => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
            (Dialect::Postgres, TxKind::Write) => "BEGIN ISOLATION LEVEL SERIALIZABLE",
            (Dialect::Postgres, TxKind::Additive) => "BEGIN ISOLATION LEVEL READ COMMITTED",
        }
    }

    /// A PostgreSQL error as the ledger's, noting whether a rerun would cure it.
    fn pg_error(&self, e: postgres::Error) -> LedgerError {
        if matches!(e.code(), Some(c) if *c == SqlState::T_R_SERIALIZATION_FAILURE || *c == SqlState::T_R_DEADLOCK_DETECTED)
        {
            self.retryable.set(true);
        }
        LedgerError::from(e)
    }
}

impl Postgres {
    fn statement(&mut self, sql: &str) -> Result<postgres::Statement, postgres::Error> {
        if let Some(stmt) = self.statements.get(sql) {
            return Ok(stmt.clone());
        }
        let stmt = self.client.prepare(&postgres_placeholders(sql))?;
        self.statements.insert(sql.to_string(), stmt.clone());
        Ok(stmt)
    }
}

/// How long to wait before try `attempt + 1`: doubling from 2 ms, capped at 250 ms, each wait
/// drawn uniformly from its upper half so that writers who failed together spread out.
fn backoff(attempt: u32) -> Duration {
    let cap = (2u64 << attempt.min(7)).min(250);
    Duration::from_millis(rand::rng().random_range(cap / 2..=cap))
}

fn sqlite_params<'a>(params: &'a [&'a dyn Param]) -> Vec<&'a dyn rusqlite::ToSql> {
    params.iter().map(|p| p.as_sqlite()).collect()
}

fn postgres_params<'a>(params: &'a [&'a dyn Param]) -> Vec<&'a (dyn postgres::types::ToSql + Sync)> {
    params.iter().map(|p| p.as_postgres()).collect()
}

/// `sql` with SQLite's `?N` placeholders as PostgreSQL's `$N`, leaving quoted text and
/// identifiers alone.
pub fn postgres_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut quote = None;
    for c in sql.chars() {
        match (quote, c) {
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), _) if q == c => quote = None,
            (None, '?') => {
                out.push('$');
                continue;
            }
            _ => {}
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_become_dollars_outside_quotes() {
        assert_eq!(
            postgres_placeholders("SELECT a FROM t WHERE b = ?1 AND c = '?2' AND \"d?\" = ?12"),
            "SELECT a FROM t WHERE b = $1 AND c = '?2' AND \"d?\" = $12"
        );
    }

    #[test]
    fn a_failed_transaction_leaves_nothing_and_a_savepoint_only_its_own() {
        let db = Db::sqlite(rusqlite::Connection::open_in_memory().unwrap());
        db.batch("CREATE TABLE t (x INTEGER)").unwrap();
        let failed: Result<(), LedgerError> = db.transaction(TxKind::Write, |db| {
            db.execute("INSERT INTO t VALUES (?1)", args![1i64])?;
            Err(LedgerError::DiskFull)
        });
        assert!(failed.is_err());
        db.transaction(TxKind::Write, |db| {
            db.execute("INSERT INTO t VALUES (?1)", args![2i64])?;
            let inner: Result<(), LedgerError> = db.savepoint(|db| {
                db.execute("INSERT INTO t VALUES (?1)", args![3i64])?;
                Err(LedgerError::DiskFull)
            });
            assert!(inner.is_err());
            Ok::<_, LedgerError>(())
        })
        .unwrap();
        let rows = db.query("SELECT x FROM t ORDER BY x", args![], |r| r.get::<i64>(0)).unwrap();
        assert_eq!(rows, vec![2]);
    }
}
