//! `proxies:` — the proxy servers whose spare capacity is sold.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use super::values::{Interval, Rps};
use crate::ingest::JsonFields;

/// One proxy server.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Proxy {
    /// A short unique name (`edge-1`).
    pub name: String,
    /// The addresses DNS answers with.
    pub addresses: Vec<IpAddr>,
    /// Requests per second it can serve.
    pub capacity_rps: Rps,
    /// Its access log, for measuring load.
    #[serde(default)]
    pub log: Option<LogSource>,
    /// Its live statistics endpoint.
    #[serde(default)]
    pub stats: Option<StatsSource>,
    /// How to tell whether it is up.
    #[serde(default)]
    pub health: Option<HealthCheck>,
}

/// Where a proxy's access log is and how it is written.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LogSource {
    /// A path or glob (`/var/log/nginx/access.log*`), relative to the config file's directory.
    pub path: String,
    /// `auto` (default), `combined`, `common`, `vhost_combined`, `squid` or `json`.
    #[serde(default = "auto")]
    pub format: String,
    /// Field names, for `json`.
    #[serde(default, skip_serializing)]
    pub fields: JsonFields,
}

fn auto() -> String {
    "auto".to_string()
}

/// The kinds of live statistics endpoint a proxy can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StatsKind {
    /// nginx `stub_status`.
    NginxStubStatus,
    /// nginx Plus API JSON.
    NginxPlus,
    /// nginx-module-vts JSON.
    NginxVts,
    /// A Prometheus text endpoint.
    Prometheus,
}

/// A live statistics endpoint.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct StatsSource {
    pub kind: StatsKind,
    /// `http://…` URL of the endpoint.
    pub url: String,
}

/// A health check: exactly one of `tcp` (a port to connect to) or `http` (a URL to GET).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct HealthCheck {
    #[serde(default)]
    pub tcp: Option<u16>,
    #[serde(default)]
    pub http: Option<String>,
    /// How often to check (default 5s).
    #[serde(default = "default_health_interval")]
    pub interval: Interval,
}

fn default_health_interval() -> Interval {
    Interval(jiff::SignedDuration::from_secs(5))
}
