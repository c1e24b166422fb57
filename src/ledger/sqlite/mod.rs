//! The SQLite backend of the ledger: what is SQLite's alone. Opening a ledger file
//! (`open.rs`), the migrations tracked in `PRAGMA user_version` ([`migrations`]), and the
//! committed schema dump (`schema.sql`) with the test that keeps it equal to what the
//! migrations produce.

pub mod migrations;
pub(crate) mod open;
#[cfg(test)]
pub(crate) mod schema_dump;
