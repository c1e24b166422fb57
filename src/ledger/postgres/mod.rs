//! The PostgreSQL backend of the ledger: its URL, connecting (passwords, TLS, a bounded wait,
//! one clear line per failure), and its own schema migrations and dump.
//!
//! The SQL the ledger runs on either backend lives in the ledger's modules; what is
//! PostgreSQL's alone lives here.

pub mod any_certificate;
pub mod chain_only;
pub mod connect;
pub mod connect_error;
pub mod migrations;
pub mod password_sources;
pub mod pgpass;
pub mod postgres_url;
pub mod schema_error;
pub mod ssl_mode;
pub mod tls;

#[cfg(test)]
mod schema_dump;

/// The test cluster harness, shared with `tests/cli`.
#[cfg(test)]
#[path = "../../../tests/support/pg_cluster.rs"]
pub(crate) mod pg_cluster;

pub use connect::{DEFAULT_WAIT, connect};
pub use connect_error::ConnectError;
pub use password_sources::PasswordSources;
pub use postgres_url::PostgresUrl;
pub use schema_error::SchemaError;
pub use ssl_mode::SslMode;
