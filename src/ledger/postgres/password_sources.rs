//! Where a ledger password comes from, in order: the URL, the config's `password_file:`,
//! `PGPASSWORD`, then the password file (`PGPASSFILE`, else `~/.pgpass`).
//!
//! The URL wins because it is the most specific thing the operator wrote; `password_file:` is
//! next because the config names it for this ledger alone; the environment and `~/.pgpass` are
//! what every PostgreSQL client reads, in libpq's order. A config never has to hold the
//! password, so it may stay world-readable.

use std::path::{Path, PathBuf};

use super::connect_error::ConnectError;
use super::pgpass::{PgPass, PgPassKey};
use super::postgres_url::PostgresUrl;

/// The sources besides the URL, gathered once (from the environment by [`Self::from_env`]).
#[derive(Debug, Clone, Default)]
pub struct PasswordSources {
    /// The config's `password_file:`, resolved by the caller.
    pub password_file: Option<PathBuf>,
    /// `PGPASSWORD`.
    pub pgpassword: Option<String>,
    /// `PGPASSFILE`, else `$HOME/.pgpass`.
    pub pgpassfile: Option<PathBuf>,
}

impl PasswordSources {
    /// The environment's sources, and `password_file` from the config.
    pub fn from_env(password_file: Option<&Path>) -> PasswordSources {
        let pgpassfile = std::env::var_os("PGPASSFILE")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".pgpass")));
        PasswordSources {
            password_file: password_file.map(Path::to_path_buf),
            pgpassword: std::env::var("PGPASSWORD").ok().filter(|p| !p.is_empty()),
            pgpassfile,
        }
    }

    /// The password for `url`, or `None` (the server may not ask for one).
    pub fn password_for(&self, url: &PostgresUrl) -> Result<Option<Vec<u8>>, ConnectError> {
        if let Some(p) = url.config().get_password() {
            return Ok(Some(p.to_vec()));
        }
        if let Some(path) = &self.password_file {
            return read_password_file(path).map(Some);
        }
        if let Some(p) = &self.pgpassword {
            return Ok(Some(p.clone().into_bytes()));
        }
        let Some(file) = self.pgpassfile.as_deref().and_then(PgPass::load) else {
            return Ok(None);
        };
        let host = url.host();
        let key = PgPassKey { host: &host, port: url.port(), dbname: url.dbname(), user: url.user() };
        Ok(file.find(key).map(|p| p.as_bytes().to_vec()))
    }
}

/// A password file's first line, without its line ending.
fn read_password_file(path: &Path) -> Result<Vec<u8>, ConnectError> {
    let text =
        std::fs::read_to_string(path).map_err(|error| ConnectError::PasswordFile { path: path.into(), error })?;
    let line = text.lines().next().unwrap_or_default();
    Ok(line.as_bytes().to_vec())
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    struct Files {
        _dir: tempfile::TempDir,
        password_file: PathBuf,
        pgpass: PathBuf,
    }

    fn files() -> Files {
        let dir = tempfile::tempdir().unwrap();
        let password_file = dir.path().join("ledger-password");
        std::fs::write(&password_file, "from-file\nsecond line\n").unwrap();
        let pgpass = dir.path().join("pgpass");
        std::fs::write(&pgpass, "db.example.net:5432:surplus:surplus:from-pgpass\n").unwrap();
        std::fs::set_permissions(&pgpass, std::fs::Permissions::from_mode(0o600)).unwrap();
        Files { _dir: dir, password_file, pgpass }
    }

    fn password(url: &str, sources: &PasswordSources) -> Option<String> {
        let url = PostgresUrl::parse(url).unwrap();
        sources.password_for(&url).unwrap().map(|p| String::from_utf8(p).unwrap())
    }

    #[test]
    fn each_source_gives_way_to_the_one_before() {
        let f = files();
        let all = PasswordSources {
            password_file: Some(f.password_file.clone()),
            pgpassword: Some("from-env".into()),
            pgpassfile: Some(f.pgpass.clone()),
        };
        let plain = "postgres://surplus@db.example.net/surplus";
        assert_eq!(password("postgres://surplus:from-url@db.example.net/surplus", &all).as_deref(), Some("from-url"));
        assert_eq!(password(plain, &all).as_deref(), Some("from-file"));
        let no_file = PasswordSources { password_file: None, ..all.clone() };
        assert_eq!(password(plain, &no_file).as_deref(), Some("from-env"));
        let only_pgpass = PasswordSources { pgpassword: None, ..no_file.clone() };
        assert_eq!(password(plain, &only_pgpass).as_deref(), Some("from-pgpass"));
        // ~/.pgpass is looked up by host, port, database and user.
        assert_eq!(password("postgres://surplus@db.example.net:6543/surplus", &only_pgpass), None);
        assert_eq!(password(plain, &PasswordSources::default()), None);
    }

    #[test]
    fn an_unreadable_password_file_is_one_clear_error() {
        let sources = PasswordSources { password_file: Some("/nonexistent/pw".into()), ..Default::default() };
        let url = PostgresUrl::parse("postgres://surplus@db.example.net/surplus").unwrap();
        let err = sources.password_for(&url).unwrap_err().to_string();
        assert_eq!(err, "/nonexistent/pw: cannot read the ledger's password: No such file or directory (os error 2)");
    }
}
