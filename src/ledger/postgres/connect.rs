//! Opening a connection to a PostgreSQL ledger: the password from its sources, TLS as the URL
//! says, a bounded wait for a server that is not up yet, and every failure as one
//! [`ConnectError`] line.
//!
//! The wait: each attempt is bounded by the URL's `connect_timeout` (else
//! [`DEFAULT_CONNECT_TIMEOUT`]), and attempts are retried while the server cannot be reached or
//! is still starting (SQLSTATE 57P03), until `wait` has passed. A wrong password, a missing
//! role or database, or a TLS failure is not retried: waiting would not change it.

use std::error::Error as _;
use std::time::{Duration, Instant};

use postgres::error::SqlState;

use super::connect_error::ConnectError;
use super::password_sources::PasswordSources;
use super::postgres_url::PostgresUrl;
use super::tls;

/// One attempt's bound, when the URL sets no `connect_timeout`.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long to keep trying a ledger that cannot be reached, by default.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(10);

/// Pause between attempts: short, since a restarting server is back within a second or two.
const RETRY_PAUSE: Duration = Duration::from_millis(250);

/// Connects to `url`, trying until `wait` has passed while the server is unreachable or starting.
pub fn connect(url: &PostgresUrl, sources: &PasswordSources, wait: Duration) -> Result<postgres::Client, ConnectError> {
    let mut config = url.config().clone();
    if let Some(password) = sources.password_for(url)? {
        config.password(password);
    }
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(DEFAULT_CONNECT_TIMEOUT.min(wait.max(Duration::from_secs(1))));
    }
    let tls = tls::connector(url)?;
    let deadline = Instant::now() + wait;
    loop {
        let error = match config.connect(tls.clone()) {
            Ok(client) => return Ok(client),
            Err(e) => classify(url, &e),
        };
        let transient = matches!(error, ConnectError::Unreachable { .. }) || is_starting(&error);
        if !transient || Instant::now() + RETRY_PAUSE >= deadline {
            return Err(error);
        }
        std::thread::sleep(RETRY_PAUSE);
    }
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
    ConnectError::Server { at, reason: text }
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
