//! Where the ledger is: a PostgreSQL URL, or an SQLite file.
//!
//! `postgres://…` and `postgresql://…` are PostgreSQL; `sqlite:PATH` or any other text is an
//! SQLite path, relative to the config's directory as `database:` always was (a `--db` path is
//! taken as given, relative to the working directory, by the caller passing no base). The
//! [`fmt::Display`] is for `config check` and error messages: it never shows a password.

use std::fmt;
use std::path::{Path, PathBuf};

use super::postgres::postgres_url::is_postgres_url;
use super::postgres::{ConnectError, PostgresUrl};

/// The ledger's location.
#[derive(Debug, Clone)]
pub enum Location {
    Sqlite(PathBuf),
    /// Boxed: a parsed URL is ten times the size of a path.
    Postgres(Box<PostgresUrl>),
}

impl Location {
    /// Parses `text`, a relative SQLite path resolved against `base_dir`.
    pub fn parse(text: &str, base_dir: &Path) -> Result<Location, ConnectError> {
        if is_postgres_url(text) {
            return PostgresUrl::parse(text).map(|url| Location::Postgres(Box::new(url)));
        }
        let path = text.strip_prefix("sqlite:").unwrap_or(text);
        if path.is_empty() {
            return Err(ConnectError::Url("sqlite: needs a path".into()));
        }
        Ok(Location::Sqlite(base_dir.join(path)))
    }

    /// `sqlite` or `postgres`: which backend (for `config check`).
    pub fn backend(&self) -> &'static str {
        match self {
            Location::Sqlite(_) => "sqlite",
            Location::Postgres(_) => "postgres",
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Sqlite(path) => write!(f, "{}", path.display()),
            Location::Postgres(url) => write!(f, "{url}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Location {
        Location::parse(text, Path::new("/etc/surplus")).unwrap()
    }

    #[test]
    fn urls_are_postgres_and_everything_else_a_path() {
        assert_eq!(parse("postgres://surplus@db.example.net/surplus").backend(), "postgres");
        assert_eq!(parse("postgresql://surplus@db.example.net/surplus").backend(), "postgres");
        for (text, path) in [
            ("surplus.db", "/etc/surplus/surplus.db"),
            ("sqlite:surplus.db", "/etc/surplus/surplus.db"),
            ("sqlite:/var/lib/surplus/ledger.db", "/var/lib/surplus/ledger.db"),
            ("/var/lib/surplus/ledger.db", "/var/lib/surplus/ledger.db"),
            // Not a URL: a file whose name merely starts with "postgres".
            ("postgres.db", "/etc/surplus/postgres.db"),
        ] {
            match parse(text) {
                Location::Sqlite(p) => assert_eq!(p, Path::new(path), "{text}"),
                other => panic!("{text}: {other}"),
            }
        }
    }

    #[test]
    fn display_hides_the_password() {
        let shown = parse("postgres://surplus:hunter2@db.example.net/surplus?sslmode=verify-full").to_string();
        assert_eq!(shown, "postgres://surplus@db.example.net:5432/surplus?sslmode=verify-full");
        assert_eq!(parse("sqlite:ledger.db").to_string(), "/etc/surplus/ledger.db");
    }

    #[test]
    fn bad_locations_are_one_line() {
        let err = |t: &str| Location::parse(t, Path::new(".")).unwrap_err().to_string();
        assert_eq!(err("sqlite:"), "invalid ledger URL: sqlite: needs a path");
        assert!(err("postgres://u@h/d?sslmode=nope").starts_with("invalid ledger URL: sslmode=nope"));
    }
}
