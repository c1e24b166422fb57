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
    /// Where the controller counts the requests it serves per buyer (default: `stats` when
    /// they count per host, else `log` when its format has the host, else none).
    #[serde(default)]
    pub monitor: Option<MonitorChoice>,
}

/// A proxy's monitor source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MonitorChoice {
    /// Follow `log` (`log.follow`, else `log.path` without a trailing `*`).
    Log,
    /// Read `stats` counters per host.
    Stats,
    /// Not monitored: buyers answered by this proxy stay open loop.
    None,
}

impl Proxy {
    /// The monitor source in effect: as chosen, else the default described on `monitor`.
    pub fn monitor_choice(&self) -> MonitorChoice {
        if let Some(choice) = self.monitor {
            return choice;
        }
        if self.stats.as_ref().is_some_and(|s| s.kind.counts_hosts()) {
            return MonitorChoice::Stats;
        }
        if self.log.as_ref().is_some_and(LogSource::has_host) {
            return MonitorChoice::Log;
        }
        MonitorChoice::None
    }
}

/// Where a proxy's access log is and how it is written.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LogSource {
    /// A path or glob (`/var/log/nginx/access.log*`), relative to the config file's directory.
    pub path: String,
    /// `auto` (default), `combined`, `common`, `vhost_combined`, `combined_host`, `squid` or
    /// `json`.
    #[serde(default = "auto")]
    pub format: String,
    /// Field names, for `json`.
    #[serde(default, skip_serializing)]
    pub fields: JsonFields,
    /// The live file the monitor follows (default: `path` without a trailing `*`).
    #[serde(default)]
    pub follow: Option<String>,
}

impl LogSource {
    /// Whether its format names the host of each request (what the monitor counts by).
    pub fn has_host(&self) -> bool {
        matches!(self.format.as_str(), "vhost_combined" | "combined_host" | "json" | "squid")
    }

    /// The file to follow, as written (relative to the config's directory); `None` when
    /// `path` is a glob with wildcards beyond a trailing `*` and `follow` is not given.
    pub fn follow_path(&self) -> Option<&str> {
        if let Some(follow) = &self.follow {
            return Some(follow);
        }
        let live = self.path.strip_suffix('*').unwrap_or(&self.path);
        (!live.contains(['*', '?', '['])).then_some(live)
    }
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

impl StatsKind {
    /// Whether it counts requests per host (stub_status only counts them all).
    pub fn counts_hosts(self) -> bool {
        self != StatsKind::NginxStubStatus
    }
}

/// A live statistics endpoint.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct StatsSource {
    pub kind: StatsKind,
    /// `http://…` URL of the endpoint.
    pub url: String,
    /// For `prometheus`: the request counter metric (`nginx_vts_server_requests_total`).
    #[serde(default)]
    pub metric: Option<String>,
    /// For `prometheus`: the label holding the host (default `host`).
    #[serde(default)]
    pub label: Option<String>,
    /// For `prometheus`: other labels a series must have (`{code: total}`).
    #[serde(default, rename = "match")]
    pub matching: std::collections::BTreeMap<String, String>,
}

/// A health check: exactly one of `tcp` (a port to connect to) or `http` (a URL to GET).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct HealthCheck {
    #[serde(default, deserialize_with = "super::values::optional_port")]
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
