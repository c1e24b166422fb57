//! `sslmode`, as libpq spells and means it.

use std::fmt;
use std::str::FromStr;

/// How much TLS a connection to the ledger insists on (libpq's `sslmode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SslMode {
    /// Never TLS.
    Disable,
    /// TLS if the server offers it, without verifying the server; plain otherwise (libpq's
    /// default).
    #[default]
    Prefer,
    /// TLS, without verifying the server, unless a root certificate is given: then as
    /// [`SslMode::VerifyCa`] (libpq does the same).
    Require,
    /// TLS, the server's certificate chained to a trusted root; any host name.
    VerifyCa,
    /// TLS, the chain and the host name both verified.
    VerifyFull,
}

impl SslMode {
    pub const NAMES: &'static str = "disable, prefer, require, verify-ca or verify-full";

    pub fn as_str(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }

    /// What the postgres crate is told: whether to ask for TLS and whether to insist.
    pub fn wire(self) -> postgres::config::SslMode {
        match self {
            SslMode::Disable => postgres::config::SslMode::Disable,
            SslMode::Prefer => postgres::config::SslMode::Prefer,
            SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => postgres::config::SslMode::Require,
        }
    }
}

impl FromStr for SslMode {
    type Err = String;

    fn from_str(s: &str) -> Result<SslMode, String> {
        Ok(match s {
            "disable" => SslMode::Disable,
            // libpq's `allow` tries plain first; TLS first is no weaker.
            "allow" | "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            other => return Err(format!("sslmode={other} is not one of {}", SslMode::NAMES)),
        })
    }
}

impl fmt::Display for SslMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
