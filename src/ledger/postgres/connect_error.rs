//! Why connecting to a PostgreSQL ledger failed: one line each, never a password.

use std::path::PathBuf;

/// A failed connection to the ledger. `at` is `host:port` (or the socket directory).
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("invalid ledger URL: {0}")]
    Url(String),
    #[error("cannot reach the ledger at {at}: {reason}")]
    Unreachable { at: String, reason: String },
    #[error(
        "the ledger at {at} asks user {user} for a password and none was given (in the URL, password_file:, PGPASSWORD or ~/.pgpass)"
    )]
    NoPassword { at: String, user: String },
    #[error("the ledger at {at} refused the password of user {user}")]
    WrongPassword { at: String, user: String },
    #[error("the ledger at {at} has no role {user}")]
    NoRole { at: String, user: String },
    #[error("the ledger at {at} has no database {dbname}")]
    NoDatabase { at: String, dbname: String },
    #[error("the ledger at {at} refused the connection: {reason}")]
    Refused { at: String, reason: String },
    #[error("TLS to the ledger at {at} failed: {reason}")]
    Tls { at: String, reason: String },
    #[error("{path}: cannot read the ledger's password: {error}")]
    PasswordFile { path: PathBuf, error: std::io::Error },
    #[error("{path}: cannot use it as the ledger's root certificate: {reason}")]
    RootCert { path: PathBuf, reason: String },
    #[error("the ledger at {at}: {reason}")]
    Server { at: String, reason: String },
}
