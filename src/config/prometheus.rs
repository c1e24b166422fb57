//! `monitor:` and `capacity:` — the load read from a Prometheus server, for the whole fleet in
//! one query, beside (or instead of) each proxy's own log and stats.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::values::Interval;

/// `monitor:`: sources that count for several proxies at once.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MonitorSettings {
    /// One Prometheus query giving requests per buyer host.
    #[serde(default)]
    pub prometheus_query: Option<PrometheusQuery>,
}

/// `monitor.prometheus_query`: requests per buyer host from a Prometheus server, every
/// control interval, in one request for the whole fleet.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PrometheusQuery {
    /// The server (`http://prometheus:9090`).
    pub url: String,
    /// A file holding a bearer token, relative to the config's directory.
    #[serde(default)]
    pub bearer_token_file: Option<PathBuf>,
    /// PromQL giving requests per second by host (`sum by (host) (rate(…[30s]))`), or with
    /// `counter: true` request counters (differentiated per series, so a reset is seen).
    pub query: String,
    /// The label holding the buyer host (default `host`).
    #[serde(default = "host_label")]
    pub label: String,
    /// The query gives counters, not rates.
    #[serde(default)]
    pub counter: bool,
    /// The proxies whose requests the query counts (default: every proxy); the others keep
    /// their own `log` or `stats` source.
    #[serde(default)]
    pub proxies: Option<Vec<String>>,
}

impl PrometheusQuery {
    /// Whether the query counts for the proxy named `proxy`.
    pub fn covers(&self, proxy: &str) -> bool {
        self.proxies.as_ref().is_none_or(|names| names.iter().any(|n| n == proxy))
    }
}

/// `capacity:`: where `capacity measure` reads history when no LOG is given.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CapacitySettings {
    #[serde(default)]
    pub prometheus: Option<PrometheusHistory>,
}

/// `capacity.prometheus`: the proxies' load history, read with range queries.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PrometheusHistory {
    /// The server (`http://prometheus:9090`).
    pub url: String,
    /// A file holding a bearer token, relative to the config's directory.
    #[serde(default)]
    pub bearer_token_file: Option<PathBuf>,
    /// PromQL giving requests per second: one series per proxy, or one for the fleet.
    pub query: String,
    /// PromQL giving bytes per second the same way (optional).
    #[serde(default)]
    pub bytes_query: Option<String>,
    /// The label naming the proxy, matched against each proxy's name or address (default
    /// `instance`; `host:port` matches the host).
    #[serde(default = "instance_label")]
    pub proxy_label: String,
    /// The queries give counters, not rates.
    #[serde(default)]
    pub counter: bool,
    /// The step of the range queries (default: the smallest the data holds).
    #[serde(default)]
    pub step: Option<Interval>,
}

fn host_label() -> String {
    "host".into()
}

fn instance_label() -> String {
    "instance".into()
}
