//! The SQLite backend of the ledger: what is SQLite's alone. For now its committed schema dump
//! (`schema.sql`) and the test that keeps it equal to what the migrations produce.

#[cfg(test)]
pub(crate) mod schema_dump;
