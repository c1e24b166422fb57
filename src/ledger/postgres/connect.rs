//! Opening a connection to a PostgreSQL ledger: the password from its sources, TLS as the URL
//! says, a bounded wait for a server that is not up yet, and every failure as one
//! [`ConnectError`] line.
//!
//! The wait: each attempt is bounded by the URL's `connect_timeout` (else
//! [`DEFAULT_CONNECT_TIMEOUT`]), and attempts are retried while the server cannot be reached or
//! is still starting (SQLSTATE 57P03), until `wait` has passed. A wrong password, a missing
//! role or database, or a TLS failure is not retried: waiting would not change it.
//!
//! **A database that stops answering.** The client is synchronous and has no read timeout: a
//! query sent to a host that vanished, or through a firewall that started dropping packets,
//! would wait as long as the kernel retransmits (about 15 minutes on Linux, `tcp_retries2`),
//! and an idle connection's peer would be missed for the kernel's 2 hours of keepalive idle.
//! `dns serve`'s writer thread must come back and hold its samples instead, so unless the URL
//! sets its own, a connection gets [`TCP_USER_TIMEOUT`] (unacknowledged data: the connection
//! is closed and the next use reconnects) and keepalives after [`KEEPALIVES_IDLE`] idle, every
//! [`KEEPALIVES_INTERVAL`], [`KEEPALIVES_RETRIES`] times. A database process that is alive to
//! TCP but never answers (stopped, stuck) is not caught by either: its kernel acknowledges.

use std::error::Error as _;
use std::time::{Duration, Instant};

use postgres::error::SqlState;

use super::connect_error::ConnectError;
use super::password_sources::PasswordSources;
use super::postgres_url::PostgresUrl;
use super::schema_error::describe;
use super::ssl_mode::SslMode;
use super::tls;

/// One attempt's bound, when the URL sets no `connect_timeout`.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long to keep trying a ledger that cannot be reached, by default.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(10);

/// How long sent data may stay unacknowledged before the connection is given up (Linux's
/// `TCP_USER_TIMEOUT`), unless the URL sets `tcp_user_timeout`: time for about seven
/// retransmissions from the 200 ms minimum timeout (0.2 + 0.4 + … + 12.8 s = 25.4 s), so a
/// lossy link is not mistaken for a dead one, and short enough that the writer is back within
/// a few of `dns serve`'s control intervals.
pub const TCP_USER_TIMEOUT: Duration = Duration::from_secs(30);
/// Idle time before the first keepalive probe, unless the URL sets `keepalives_idle`. `dns
/// serve` reads the ledger every 2 s, so its connection is idle for long only in other
/// commands; probes also keep a stateful firewall's entry alive (they drop idle ones in minutes).
pub const KEEPALIVES_IDLE: Duration = Duration::from_secs(15);
/// Between keepalive probes, unless the URL sets `keepalives_interval`.
pub const KEEPALIVES_INTERVAL: Duration = Duration::from_secs(5);
/// Unanswered probes before the connection is given up, unless the URL sets
/// `keepalives_count`: an idle connection to a vanished host is closed 15 + 3 × 5 = 30 s on,
/// as a busy one is by [`TCP_USER_TIMEOUT`].
pub const KEEPALIVES_RETRIES: u32 = 3;

/// Pause between attempts: short, since a restarting server is back within a second or two.
const RETRY_PAUSE: Duration = Duration::from_millis(250);

/// Connects to `url`, trying until `wait` has passed while the server is unreachable or starting.
pub fn connect(url: &PostgresUrl, sources: &PasswordSources, wait: Duration) -> Result<postgres::Client, ConnectError> {
    let mut config = settings(url, wait);
    if let Some(password) = sources.password_for(url)? {
        config.password(password);
    }
    let tls = tls::connector(url)?;
    let deadline = Instant::now() + wait;
    loop {
        let error = match config.connect(tls.clone()) {
            Ok(client) => return Ok(client),
            Err(e) => classify(url, &e),
        };
        // `prefer` goes on without TLS when the handshake fails, as libpq does (a root
        // certificate that does not verify the server, a server's TLS we cannot speak).
        if let ConnectError::Tls { reason, .. } = &error
            && url.ssl_mode() == SslMode::Prefer
            && config.get_ssl_mode() != postgres::config::SslMode::Disable
        {
            tracing::warn!("ledger {url}: TLS failed ({reason}); sslmode=prefer: connecting without it");
            config.ssl_mode(postgres::config::SslMode::Disable);
            continue;
        }
        let transient = matches!(error, ConnectError::Unreachable { .. }) || is_starting(&error);
        if !transient || Instant::now() + RETRY_PAUSE >= deadline {
            return Err(error);
        }
        std::thread::sleep(RETRY_PAUSE);
    }
}

/// `url`'s configuration with what it leaves unset filled in: the application name, one
/// attempt's bound, the TCP user timeout and keepalives (see the module docs). A value the URL
/// gives is kept, as is `keepalives=0`.
fn settings(url: &PostgresUrl, wait: Duration) -> postgres::Config {
    let mut config = url.config().clone();
    // So an operator's `pg_stat_activity` says whose connections these are.
    if config.get_application_name().is_none() {
        config.application_name("surplus");
    }
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(DEFAULT_CONNECT_TIMEOUT.min(wait.max(Duration::from_secs(1))));
    }
    if config.get_tcp_user_timeout().is_none() {
        config.tcp_user_timeout(TCP_USER_TIMEOUT);
    }
    if config.get_keepalives() {
        // The crate's idle has a default (2 h) that looks like a value: ask the URL.
        if !url.sets("keepalives_idle") {
            config.keepalives_idle(KEEPALIVES_IDLE);
        }
        if config.get_keepalives_interval().is_none() {
            config.keepalives_interval(KEEPALIVES_INTERVAL);
        }
        if config.get_keepalives_retries().is_none() {
            config.keepalives_retries(KEEPALIVES_RETRIES);
        }
    }
    config
}

fn is_starting(error: &ConnectError) -> bool {
    matches!(error, ConnectError::Server { reason, .. } if reason.starts_with("the database system is starting up")
        || reason.starts_with("the database system is shutting down")
        || reason.starts_with("the database system is in recovery mode"))
}

/// The one line a postgres error becomes.
pub fn classify(url: &PostgresUrl, e: &postgres::Error) -> ConnectError {
    let at = url.endpoint();
    let user = url.user().to_string();
    if let Some(db) = e.as_db_error() {
        let code = db.code();
        let reason = db.message().to_string();
        return if *code == SqlState::INVALID_PASSWORD {
            ConnectError::WrongPassword { at, user }
        } else if *code == SqlState::INVALID_CATALOG_NAME {
            ConnectError::NoDatabase { at, dbname: url.dbname().to_string() }
        } else if *code == SqlState::INVALID_AUTHORIZATION_SPECIFICATION
            && reason.starts_with("role ")
            && reason.ends_with("does not exist")
        {
            ConnectError::NoRole { at, user }
        } else if *code == SqlState::INVALID_AUTHORIZATION_SPECIFICATION {
            ConnectError::Refused { at, reason }
        } else {
            ConnectError::Server { at, reason }
        };
    }
    let text = e.to_string();
    let cause = e.source().map(|s| s.to_string()).unwrap_or_default();
    if text.starts_with("error connecting to server") {
        let reason = e.source().and_then(|s| s.downcast_ref::<std::io::Error>()).map(io_reason).unwrap_or(cause);
        return ConnectError::Unreachable { at, reason };
    }
    if text.starts_with("error performing TLS handshake") {
        return ConnectError::Tls { at, reason: tls_reason(e) };
    }
    if text.starts_with("invalid configuration") && cause == "password missing" {
        return ConnectError::NoPassword { at, user };
    }
    ConnectError::Server { at, reason: describe(e) }
}

/// "connection refused", "timed out", … without Rust's "(os error N)".
fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::ConnectionRefused => "connection refused".into(),
        std::io::ErrorKind::TimedOut => "no answer (timed out)".into(),
        _ => {
            let text = e.to_string();
            let text = text.split(" (os error").next().unwrap_or(&text).to_string();
            let mut chars = text.chars();
            chars.next().map(|c| c.to_lowercase().chain(chars).collect()).unwrap_or(text)
        }
    }
}

/// The innermost reason (rustls's "invalid peer certificate: …"), not the wrappers'.
fn tls_reason(e: &postgres::Error) -> String {
    let mut reason = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        reason = s.to_string();
        source = s.source();
    }
    reason
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::super::pg_cluster::{self, Cluster, PASSWORD, PASSWORD_ROLE};
    use super::*;

    const WAIT: Duration = Duration::from_millis(600);

    /// `postgres://USER[:PASSWORD]@127.0.0.1:PORT/DB`.
    fn url(cluster: &Cluster, user: &str, password: Option<&str>, db: &str) -> PostgresUrl {
        let password = password.map(|p| format!(":{}", p.replace(' ', "%20"))).unwrap_or_default();
        PostgresUrl::parse(&format!("postgres://{user}{password}@127.0.0.1:{}/{db}", cluster.port)).unwrap()
    }

    fn error(url: &PostgresUrl, sources: &PasswordSources) -> String {
        match connect(url, sources, WAIT) {
            Ok(_) => panic!("{url}: connected"),
            Err(e) => e.to_string(),
        }
    }

    fn none() -> PasswordSources {
        PasswordSources::default()
    }

    #[test]
    fn timeouts_and_keepalives_are_set_unless_the_url_sets_its_own() {
        let of = |text: &str| settings(&PostgresUrl::parse(text).unwrap(), DEFAULT_WAIT);
        let plain = of("postgres://u@db.example.net/d");
        assert_eq!(plain.get_tcp_user_timeout(), Some(&TCP_USER_TIMEOUT));
        assert!(plain.get_keepalives());
        assert_eq!(plain.get_keepalives_idle(), KEEPALIVES_IDLE);
        assert_eq!(plain.get_keepalives_interval(), Some(KEEPALIVES_INTERVAL));
        assert_eq!(plain.get_keepalives_retries(), Some(KEEPALIVES_RETRIES));
        assert_eq!(plain.get_connect_timeout(), Some(&DEFAULT_CONNECT_TIMEOUT));
        // The URL's own win, the crate's default idle (7200) too when it is written out, and
        // libpq's keepalives_count is the crate's retries.
        let own = of("postgres://u@db.example.net/d?tcp_user_timeout=7&keepalives_idle=7200\
             &keepalives_interval=9&keepalives_count=2&connect_timeout=4");
        assert_eq!(own.get_tcp_user_timeout(), Some(&Duration::from_secs(7)));
        assert_eq!(own.get_keepalives_idle(), Duration::from_secs(7200));
        assert_eq!(own.get_keepalives_interval(), Some(Duration::from_secs(9)));
        assert_eq!(own.get_keepalives_retries(), Some(2));
        assert_eq!(own.get_connect_timeout(), Some(&Duration::from_secs(4)));
        // One set, the others filled in.
        let idle = of("postgres://u@db.example.net/d?keepalives_idle=60");
        assert_eq!(idle.get_keepalives_idle(), Duration::from_secs(60));
        assert_eq!(idle.get_keepalives_interval(), Some(KEEPALIVES_INTERVAL));
        // Keepalives turned off stay off, and nothing is set for them.
        let off = of("postgres://u@db.example.net/d?keepalives=0");
        assert!(!off.get_keepalives());
        assert_eq!(off.get_keepalives_interval(), None);
        assert_eq!(off.get_tcp_user_timeout(), Some(&TCP_USER_TIMEOUT));
    }

    #[test]
    fn a_trusted_user_connects() {
        let Some(cluster) = pg_cluster::shared() else { return };
        let mut client = connect(&url(cluster, &cluster.user, None, "postgres"), &none(), WAIT).unwrap();
        let name: String = client.query_one("SELECT current_setting('application_name')", &[]).unwrap().get(0);
        assert_eq!(name, "surplus");
        let url = PostgresUrl::parse(&format!(
            "postgres://{}@127.0.0.1:{}/postgres?application_name=dns-1",
            cluster.user, cluster.port
        ));
        let mut client = connect(&url.unwrap(), &none(), WAIT).unwrap();
        let name: String = client.query_one("SELECT current_setting('application_name')", &[]).unwrap().get(0);
        assert_eq!(name, "dns-1");
    }

    #[test]
    fn nothing_listening_is_one_line_after_a_bounded_wait() {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let url = PostgresUrl::parse(&format!("postgres://surplus@127.0.0.1:{port}/surplus")).unwrap();
        let begun = Instant::now();
        let err = error(&url, &none());
        assert_eq!(err, format!("cannot reach the ledger at 127.0.0.1:{port}: connection refused"));
        // Retried for the wait, and not much longer.
        let took = begun.elapsed();
        assert!(took >= Duration::from_millis(250) && took < Duration::from_secs(3), "{took:?}");
    }

    #[test]
    fn a_server_that_comes_up_during_the_wait_is_reached() {
        let Some(cluster) = pg_cluster::shared() else { return };
        // A port that starts forwarding to the cluster only after a while.
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let target = cluster.port;
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(400));
            let listener = std::net::TcpListener::bind(("127.0.0.1", port)).unwrap();
            let (client, _) = listener.accept().unwrap();
            let server = std::net::TcpStream::connect(("127.0.0.1", target)).unwrap();
            let (mut upstream, mut downstream) = (client.try_clone().unwrap(), server.try_clone().unwrap());
            std::thread::spawn(move || std::io::copy(&mut upstream, &mut downstream));
            let (mut from, mut to) = (server, client);
            let _ = std::io::copy(&mut from, &mut to);
        });
        let url = PostgresUrl::parse(&format!("postgres://{}@127.0.0.1:{port}/postgres?sslmode=disable", cluster.user))
            .unwrap();
        let mut client = connect(&url, &none(), Duration::from_secs(5)).unwrap();
        assert_eq!(client.query_one("SELECT 2", &[]).unwrap().get::<_, i32>(0), 2);
    }

    #[test]
    fn a_wrong_password_a_missing_one_a_missing_role_and_database_are_one_line_each() {
        let Some(cluster) = pg_cluster::shared() else { return };
        let at = format!("127.0.0.1:{}", cluster.port);
        assert_eq!(
            error(&url(cluster, PASSWORD_ROLE, Some("wrong"), "postgres"), &none()),
            format!("the ledger at {at} refused the password of user {PASSWORD_ROLE}")
        );
        assert_eq!(
            error(&url(cluster, PASSWORD_ROLE, None, "postgres"), &none()),
            format!(
                "the ledger at {at} asks user {PASSWORD_ROLE} for a password and none was given (in the URL, password_file:, PGPASSWORD or ~/.pgpass)"
            )
        );
        assert_eq!(
            error(&url(cluster, "ghost", None, "postgres"), &none()),
            format!("the ledger at {at} has no role ghost")
        );
        assert_eq!(
            error(&url(cluster, &cluster.user, None, "no_such_db"), &none()),
            format!("the ledger at {at} has no database no_such_db")
        );
    }

    #[test]
    fn the_password_comes_from_each_source() {
        let Some(cluster) = pg_cluster::shared() else { return };
        connect(&url(cluster, PASSWORD_ROLE, Some(PASSWORD), "postgres"), &none(), WAIT).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("password");
        std::fs::write(&file, format!("{PASSWORD}\n")).unwrap();
        let plain = url(cluster, PASSWORD_ROLE, None, "postgres");
        connect(&plain, &PasswordSources { password_file: Some(file), ..none() }, WAIT).unwrap();
        connect(&plain, &PasswordSources { pgpassword: Some(PASSWORD.into()), ..none() }, WAIT).unwrap();
        let pgpass = dir.path().join("pgpass");
        std::fs::write(&pgpass, format!("127.0.0.1:{}:*:{PASSWORD_ROLE}:{PASSWORD}\n", cluster.port)).unwrap();
        std::fs::set_permissions(&pgpass, std::fs::Permissions::from_mode(0o600)).unwrap();
        let sources = PasswordSources { pgpassfile: Some(pgpass.clone()), ..none() };
        connect(&plain, &sources, WAIT).unwrap();
        // Readable by others: ignored, so no password.
        std::fs::set_permissions(&pgpass, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(error(&plain, &sources).contains("none was given"));
    }
}
