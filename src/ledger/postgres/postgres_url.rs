//! A PostgreSQL ledger's URL (`postgres://` or `postgresql://`, libpq's URL form), parsed once.
//!
//! The postgres crate parses the URL (hosts, ports, user, password, dbname, `connect_timeout`,
//! `application_name`, …) except what it does not know: its `sslmode` stops at `require`, and it
//! has no `sslrootcert`. Those two are taken out of the query here and handled by
//! [`super::tls`]; libpq's `keepalives_count` is passed on under the crate's name for it
//! (`keepalives_retries`); the rest goes to the crate as written. Which keys the query set is
//! kept ([`PostgresUrl::sets`]): the crate's getters cannot tell a default from a value given.
//!
//! As libpq, `PGSSLMODE` and `PGSSLROOTCERT` in the environment stand in for `sslmode` and
//! `sslrootcert` when the URL does not give them, so an operator's usual environment (or a
//! systemd unit's `Environment=`) asks for TLS the same way for psql and for surplus.
//!
//! [`fmt::Display`] rebuilds the URL from the parsed parts, so it never carries the password,
//! whatever the text held: it is what `config check` and error messages show.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use postgres::config::Host;

use super::connect_error::ConnectError;
use super::ssl_mode::SslMode;

/// A parsed ledger URL.
#[derive(Clone)]
pub struct PostgresUrl {
    config: postgres::Config,
    ssl_mode: SslMode,
    root_cert: Option<PathBuf>,
    /// The query's keys, decoded, as written (`keepalives_count`, not the crate's name).
    given: Vec<String>,
}

impl PostgresUrl {
    /// Parses `text`, which starts with `postgres://` or `postgresql://`. A missing user is the
    /// login name (as libpq's), a missing database the user's name (the server's rule).
    pub fn parse(text: &str) -> Result<PostgresUrl, ConnectError> {
        Self::parse_with_env(text, |key| std::env::var(key).ok().filter(|v| !v.is_empty()))
    }

    /// [`PostgresUrl::parse`], with `env` for the environment.
    fn parse_with_env(text: &str, env: impl Fn(&str) -> Option<String>) -> Result<PostgresUrl, ConnectError> {
        if !is_postgres_url(text) {
            return Err(ConnectError::Url("it must start with postgres:// or postgresql://".into()));
        }
        let (base, query) = text.split_once('?').unwrap_or((text, ""));
        let mut ssl_mode = SslMode::default();
        let mut root_cert = None;
        let mut kept = Vec::new();
        let mut given = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let key = decode(key)?;
            match key.as_str() {
                "sslmode" => ssl_mode = decode(value)?.parse().map_err(ConnectError::Url)?,
                "sslrootcert" => root_cert = Some(PathBuf::from(decode(value)?)),
                "keepalives_count" => kept.push(format!("keepalives_retries={value}")),
                _ => kept.push(pair.to_string()),
            }
            given.push(key);
        }
        if !given.iter().any(|k| k == "sslmode")
            && let Some(mode) = env("PGSSLMODE")
        {
            ssl_mode = mode.parse().map_err(|e: String| ConnectError::Url(format!("PGSSLMODE: {e}")))?;
        }
        if root_cert.is_none() {
            root_cert = env("PGSSLROOTCERT").map(PathBuf::from);
        }
        // libpq's default, when it is there: `~/.postgresql/root.crt` (then, as libpq,
        // `require` checks the chain too); without it, the system's store (`tls.rs`).
        if root_cert.is_none() {
            root_cert = env("HOME").map(|home| Path::new(&home).join(".postgresql/root.crt")).filter(|p| p.is_file());
        }
        let rebuilt = if kept.is_empty() { base.to_string() } else { format!("{base}?{}", kept.join("&")) };
        let mut config = postgres::Config::from_str(&rebuilt).map_err(|e| ConnectError::Url(crate_reason(&e)))?;
        if config.get_hosts().is_empty() && config.get_hostaddrs().is_empty() {
            config.host("localhost");
        }
        if config.get_user().is_none() {
            let user = login_name().ok_or_else(|| ConnectError::Url("it names no user".into()))?;
            config.user(&user);
        }
        if config.get_dbname().is_none() {
            let user = config.get_user().unwrap_or_default().to_string();
            config.dbname(&user);
        }
        config.ssl_mode(ssl_mode.wire());
        Ok(PostgresUrl { config, ssl_mode, root_cert, given })
    }

    /// The postgres crate's configuration (without a password unless the URL had one).
    pub fn config(&self) -> &postgres::Config {
        &self.config
    }

    /// Whether the URL's query set `key` (libpq's name), whatever the value.
    pub fn sets(&self, key: &str) -> bool {
        self.given.iter().any(|k| k == key)
    }

    pub fn ssl_mode(&self) -> SslMode {
        self.ssl_mode
    }

    /// `sslrootcert`: the certificates (PEM) a server's chain must end in.
    pub fn root_cert(&self) -> Option<&Path> {
        self.root_cert.as_deref()
    }

    pub fn user(&self) -> &str {
        self.config.get_user().unwrap_or_default()
    }

    pub fn dbname(&self) -> &str {
        self.config.get_dbname().unwrap_or_default()
    }

    /// The first host as libpq matches it in `~/.pgpass`: its name, else its address;
    /// `localhost` for a unix socket.
    pub fn host(&self) -> String {
        match self.config.get_hosts().first() {
            Some(Host::Tcp(name)) => name.clone(),
            Some(Host::Unix(_)) => "localhost".into(),
            None => self.config.get_hostaddrs().first().map(|a| a.to_string()).unwrap_or_else(|| "localhost".into()),
        }
    }

    /// The first host's port (5432 unless the URL says).
    pub fn port(&self) -> u16 {
        self.config.get_ports().first().copied().unwrap_or(5432)
    }

    /// Where a connection goes, for messages: `host:port`, or the socket directory.
    pub fn endpoint(&self) -> String {
        match self.config.get_hosts().first() {
            Some(Host::Unix(dir)) => dir.display().to_string(),
            _ => format!("{}:{}", self.host(), self.port()),
        }
    }
}

impl fmt::Display for PostgresUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hosts = self.config.get_hosts();
        let ports = self.config.get_ports();
        let port_of = |i: usize| ports.get(i).or(ports.first()).copied().unwrap_or(5432);
        let mut listed = Vec::new();
        for (i, host) in hosts.iter().enumerate() {
            match host {
                Host::Tcp(name) if name.contains(':') => listed.push(format!("[{name}]:{}", port_of(i))),
                Host::Tcp(name) => listed.push(format!("{name}:{}", port_of(i))),
                Host::Unix(_) => {}
            }
        }
        if hosts.is_empty() {
            for (i, addr) in self.config.get_hostaddrs().iter().enumerate() {
                listed.push(match addr {
                    std::net::IpAddr::V6(a) => format!("[{a}]:{}", port_of(i)),
                    std::net::IpAddr::V4(a) => format!("{a}:{}", port_of(i)),
                });
            }
        }
        write!(f, "postgres://{}@{}/{}", self.user(), listed.join(","), self.dbname())?;
        let mut params = vec![format!("sslmode={}", self.ssl_mode)];
        if let Some(Host::Unix(dir)) = hosts.first() {
            params.push(format!("host={}", dir.display()));
        }
        if let Some(cert) = &self.root_cert {
            params.push(format!("sslrootcert={}", cert.display()));
        }
        write!(f, "?{}", params.join("&"))
    }
}

impl fmt::Debug for PostgresUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PostgresUrl({self})")
    }
}

/// Whether `text` is a PostgreSQL URL rather than a path.
pub fn is_postgres_url(text: &str) -> bool {
    text.starts_with("postgres://") || text.starts_with("postgresql://")
}

/// The postgres crate's reason, without its "invalid connection string" preamble.
fn crate_reason(e: &postgres::Error) -> String {
    match std::error::Error::source(e) {
        Some(source) => source.to_string(),
        None => e.to_string(),
    }
}

/// `%XX` decoding of a query key or value.
fn decode(text: &str) -> Result<String, ConnectError> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'%' {
            out.push(bytes[i]);
            i += 1;
            continue;
        }
        let hex = text.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok());
        let Some(byte) = hex else {
            return Err(ConnectError::Url(format!("bad percent-encoding in {text:?}")));
        };
        out.push(byte);
        i += 3;
    }
    String::from_utf8(out).map_err(|_| ConnectError::Url(format!("{text:?} is not UTF-8 once decoded")))
}

/// The login name, as libpq's default user.
fn login_name() -> Option<String> {
    std::env::var("USER").or_else(|_| std::env::var("LOGNAME")).ok().filter(|u| !u.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pgsslmode_and_pgsslrootcert_stand_in_for_what_the_url_does_not_say() {
        let env = |key: &str| match key {
            "PGSSLMODE" => Some("verify-full".to_string()),
            "PGSSLROOTCERT" => Some("/etc/ssl/ledger-ca.pem".to_string()),
            _ => None,
        };
        let url = PostgresUrl::parse_with_env("postgres://u@h/d", env).unwrap();
        assert_eq!(url.ssl_mode(), SslMode::VerifyFull);
        assert_eq!(url.root_cert(), Some(Path::new("/etc/ssl/ledger-ca.pem")));
        let url = PostgresUrl::parse_with_env("postgres://u@h/d?sslmode=disable&sslrootcert=/ca.pem", env).unwrap();
        assert_eq!((url.ssl_mode(), url.root_cert()), (SslMode::Disable, Some(Path::new("/ca.pem"))));
        // ~/.postgresql/root.crt, as libpq, when neither the URL nor PGSSLROOTCERT names one.
        let home = tempfile::tempdir().unwrap();
        let in_home = |key: &str| (key == "HOME").then(|| home.path().to_string_lossy().into_owned());
        assert_eq!(PostgresUrl::parse_with_env("postgres://u@h/d", in_home).unwrap().root_cert(), None);
        std::fs::create_dir(home.path().join(".postgresql")).unwrap();
        std::fs::write(home.path().join(".postgresql/root.crt"), "").unwrap();
        let url = PostgresUrl::parse_with_env("postgres://u@h/d", in_home).unwrap();
        assert_eq!(url.root_cert(), Some(home.path().join(".postgresql/root.crt").as_path()));
        let url = PostgresUrl::parse_with_env("postgres://u@h/d?sslrootcert=/ca.pem", in_home).unwrap();
        assert_eq!(url.root_cert(), Some(Path::new("/ca.pem")));
        let bad = |key: &str| (key == "PGSSLMODE").then(|| "verify".to_string());
        let err = PostgresUrl::parse_with_env("postgres://u@h/d", bad).unwrap_err().to_string();
        assert_eq!(
            err,
            "invalid ledger URL: PGSSLMODE: sslmode=verify is not one of disable, prefer, require, verify-ca or verify-full"
        );
    }

    fn parse(text: &str) -> PostgresUrl {
        PostgresUrl::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn takes_libpq_url_parts() {
        let url =
            parse("postgresql://surplus:s3cret@db.example.net:6543/ledger?connect_timeout=3&application_name=dns");
        assert_eq!((url.user(), url.dbname(), url.port()), ("surplus", "ledger", 6543));
        assert_eq!(url.endpoint(), "db.example.net:6543");
        assert_eq!(url.config().get_password(), Some(&b"s3cret"[..]));
        assert_eq!(url.config().get_connect_timeout(), Some(&std::time::Duration::from_secs(3)));
        assert_eq!(url.config().get_application_name(), Some("dns"));
        assert_eq!(url.ssl_mode(), SslMode::Prefer);
    }

    #[test]
    fn defaults_port_and_database() {
        let url = parse("postgres://surplus@db.example.net");
        assert_eq!((url.port(), url.dbname()), (5432, "surplus"));
        assert_eq!(url.to_string(), "postgres://surplus@db.example.net:5432/surplus?sslmode=prefer");
    }

    #[test]
    fn display_never_shows_the_password() {
        for text in [
            "postgres://surplus:hunter2@db.example.net/surplus?sslmode=verify-full",
            "postgres://surplus@db.example.net/surplus?password=hunter2&sslmode=verify-full",
        ] {
            let url = parse(text);
            assert_eq!(url.config().get_password(), Some(&b"hunter2"[..]), "{text}");
            assert_eq!(url.to_string(), "postgres://surplus@db.example.net:5432/surplus?sslmode=verify-full");
            assert!(!format!("{url:?}").contains("hunter2"));
        }
    }

    #[test]
    fn takes_sslmode_and_sslrootcert_out_of_the_query() {
        let url =
            parse("postgres://u@h/d?sslmode=verify-ca&sslrootcert=%2Fetc%2Fca%20dir%2Froot.crt&application_name=x");
        assert_eq!(url.ssl_mode(), SslMode::VerifyCa);
        assert_eq!(url.root_cert(), Some(Path::new("/etc/ca dir/root.crt")));
        assert_eq!(url.config().get_ssl_mode(), postgres::config::SslMode::Require);
        assert_eq!(url.config().get_application_name(), Some("x"));
        assert_eq!(
            parse("postgres://u@h/d?sslmode=disable").config().get_ssl_mode(),
            postgres::config::SslMode::Disable
        );
    }

    #[test]
    fn unix_socket_hosts_and_addresses() {
        let url = parse("postgres://u@%2Frun%2Fpostgresql:5433/d");
        assert_eq!(url.endpoint(), "/run/postgresql");
        assert_eq!(url.host(), "localhost");
        let url = parse("postgres://u@/d?host=/tmp/sock&port=5999");
        assert_eq!(url.endpoint(), "/tmp/sock");
        assert_eq!(url.to_string(), "postgres://u@/d?sslmode=prefer&host=/tmp/sock");
        let url = parse("postgres://u@localhost:5999/d?hostaddr=127.0.0.1");
        assert_eq!(url.endpoint(), "localhost:5999");
    }

    #[test]
    fn refuses_bad_urls_with_the_reason() {
        let err = |t: &str| PostgresUrl::parse(t).unwrap_err().to_string();
        assert_eq!(
            err("postgres://u@h/d?sslmode=verify"),
            "invalid ledger URL: sslmode=verify is not one of disable, prefer, require, verify-ca or verify-full"
        );
        assert_eq!(err("mysql://u@h/d"), "invalid ledger URL: it must start with postgres:// or postgresql://");
        assert_eq!(err("postgres://u@h/d?sslrootcert=%zz"), "invalid ledger URL: bad percent-encoding in \"%zz\"");
        assert!(
            err("postgres://u@h/d?frobnicate=1").contains("frobnicate"),
            "{}",
            err("postgres://u@h/d?frobnicate=1")
        );
        assert!(err("postgres://u@h:notaport/d").starts_with("invalid ledger URL: "));
    }
}
