//! Why a PostgreSQL ledger's schema cannot be used (or migrated). The messages name no place:
//! the caller puts the ledger's URL (as displayed, without a password) in front.

/// A schema the ledger cannot use as it is.
#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    #[error("not a surplus ledger ({what})")]
    NotLedger { what: String },
    #[error("no ledger in this database; create one with capacity measure --save or any command that writes")]
    Empty,
    #[error("the ledger's schema version {found} is newer than this surplus knows ({known}); upgrade surplus")]
    TooNew { found: i64, known: i64 },
    #[error(
        "the ledger needs migration (schema version {found}, this surplus's is {known}); run surplus ledger migrate, or any writing command"
    )]
    NeedsMigration { found: i64, known: i64 },
    #[error("ledger: {}", describe(.0))]
    Postgres(postgres::Error),
}

/// A postgres error as one line: the server's message and SQLSTATE for a database error (the
/// crate's own Display says only "db error"), else the crate's text and its cause.
pub fn describe(e: &postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        return format!("{} (SQLSTATE {})", db.message(), db.code().code());
    }
    match std::error::Error::source(e) {
        Some(cause) => format!("{e}: {cause}"),
        None => e.to_string(),
    }
}

// Not `#[from]` on the variant: the message already carries the error; as a `source` too it
// would print twice in a chain. (Same reasoning as `LedgerError`'s SQLite variant.)
impl From<postgres::Error> for SchemaError {
    fn from(e: postgres::Error) -> SchemaError {
        SchemaError::Postgres(e)
    }
}
