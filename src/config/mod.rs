//! `surplus.yaml` → a validated [`Config`].
//!
//! Values check themselves while the YAML is read ([`values`]), so serde_yaml reports them at
//! their line and column; checks across items (unique names, one fallback kind) run afterwards
//! and are located with [`locate`]. Every error reads `FILE:LINE:COLUMN: PATH: what was expected`.

pub mod buyer;
pub mod config_hash;
pub mod locate;
pub mod network;
pub mod node_name;
pub mod prometheus;
pub mod proxy;
pub mod settings;
pub mod values;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use buyer::{Algorithm, Buyer, BuyerServer, Fallback};
pub use locate::YamlPath;
pub use network::{Nameserver, Network, Soa, SoaTimes};
pub use prometheus::{CapacitySettings, MonitorSettings, PrometheusHistory, PrometheusQuery};
pub use proxy::{HealthCheck, LogSource, MonitorChoice, Proxy, StatsKind, StatsSource};
pub use settings::{Control, Dns, Market};

use crate::core::zone_index::{ZoneError, ZoneIndex};
use crate::ingest::{JsonFields, LogFormat, log_format::UnknownFormat};
use crate::ledger::location::Location;
use crate::ledger::postgres::ConnectError;

/// The whole configuration document.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub network: Network,
    pub proxies: Vec<Proxy>,
    #[serde(default)]
    pub buyers: Vec<Buyer>,
    #[serde(default)]
    pub market: Market,
    #[serde(default)]
    pub dns: Dns,
    #[serde(default)]
    pub control: Control,
    /// Monitor sources that count for several proxies (a Prometheus query).
    #[serde(default)]
    pub monitor: MonitorSettings,
    /// Where `capacity measure` reads history besides logs (a Prometheus server).
    #[serde(default)]
    pub capacity: CapacitySettings,
    /// The ledger: an SQLite file (a path, relative to the config file's directory, or
    /// `sqlite:PATH`) or a PostgreSQL URL (`postgres://…`).
    #[serde(default)]
    pub database: Option<String>,
    /// A file holding the PostgreSQL password (its first line), relative to the config file's
    /// directory; else `PGPASSWORD`, then `PGPASSFILE` / `~/.pgpass`, as libpq looks.
    #[serde(default)]
    pub password_file: Option<PathBuf>,
    /// The directory relative paths are resolved against (the config file's).
    #[serde(skip)]
    pub base_dir: PathBuf,
}

/// Why a config could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: {error}")]
    Read { path: PathBuf, error: std::io::Error },
    #[error("{file}:{line}:{column}: {message}")]
    Invalid { file: PathBuf, line: usize, column: usize, message: String },
    #[error("{file}: {message}")]
    Unlocated { file: PathBuf, message: String },
}

impl Config {
    /// Reads and validates the config at `path`.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text =
            std::fs::read_to_string(path).map_err(|error| ConfigError::Read { path: path.to_path_buf(), error })?;
        let base_dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Config::parse(&text, path, base_dir)
    }

    /// Parses and validates config `text`; `file` names it in errors.
    pub fn parse(text: &str, file: &Path, base_dir: PathBuf) -> Result<Config, ConfigError> {
        let mut config: Config = serde_yaml::from_str(text).map_err(|e| yaml_error_in(&e, file, text))?;
        if let Some((path, message)) = config.check() {
            let message = format!("{path}: {message}");
            return Err(match locate::locate(text, &path) {
                Some((line, column)) => ConfigError::Invalid { file: file.to_path_buf(), line, column, message },
                None => ConfigError::Unlocated { file: file.to_path_buf(), message },
            });
        }
        config.base_dir = base_dir;
        Ok(config)
    }

    /// The first problem that no single value could see by itself, with where it is.
    fn check(&self) -> Option<(YamlPath, String)> {
        let root = YamlPath::default();
        if let Some(Err(e)) = self.database.as_deref().map(|d| Location::parse(d, Path::new(""))) {
            return Some((root.key("database"), e.to_string()));
        }
        let nonempty = |len: usize, path: YamlPath, what: &str| {
            (len == 0).then(|| (path, format!("expected at least one {what}")))
        };
        if let Some(e) = nonempty(self.network.nameservers.len(), root.key("network").key("nameservers"), "name server")
        {
            return Some(e);
        }
        for (i, ns) in self.network.nameservers.iter().enumerate() {
            let at = root.key("network").key("nameservers").index(i);
            if let Some(e) = nonempty(ns.addresses.len(), at.key("addresses"), "address") {
                return Some(e);
            }
        }
        if let Some((key, message)) = self.network.soa_problem() {
            return Some((root.key("network").key("soa").key(key), message));
        }
        if let Some(e) = nonempty(self.proxies.len(), root.key("proxies"), "proxy") {
            return Some(e);
        }
        if let Some(e) = duplicate(self.proxies.iter().map(|p| p.name.as_str()), &root.key("proxies"), "proxy") {
            return Some(e);
        }
        for (i, proxy) in self.proxies.iter().enumerate() {
            if let Some(e) = check_proxy(proxy, &root.key("proxies").index(i)) {
                return Some(e);
            }
        }
        if let Some(e) = duplicate(self.buyers.iter().map(|b| b.name.as_str()), &root.key("buyers"), "buyer") {
            return Some(e);
        }
        let mut owners: HashMap<&str, &str> = HashMap::new();
        for (i, buyer) in self.buyers.iter().enumerate() {
            let at = root.key("buyers").index(i);
            if let Some(e) = check_buyer(buyer, &at) {
                return Some(e);
            }
            for (j, host) in buyer.hosts.iter().enumerate() {
                if let Some(other) = owners.insert(host.as_str(), &buyer.name) {
                    return Some((at.key("hosts").index(j), format!("host {host} is already a host of buyer {other}")));
                }
            }
        }
        if let Err(ZoneError::Clash { name, first, second }) = self.zone_index() {
            let host = self.buyers.iter().enumerate().find_map(|(i, b)| {
                b.hosts
                    .iter()
                    .position(|h| h.as_str() == name)
                    .map(|j| root.key("buyers").index(i).key("hosts").index(j))
            });
            let at = host.unwrap_or_else(|| root.key("network").key("zone"));
            return Some((at, format!("{name} is both {first} and {second}")));
        }
        if let Some(Err(message)) = self.dns.node.as_deref().map(node_name::check) {
            return Some((root.key("dns").key("node"), message));
        }
        if let Some(nsid) = &self.dns.nsid
            && (nsid.len() > crate::dns::edns_extras::MAX_NSID || !nsid.bytes().all(|b| (0x20..=0x7e).contains(&b)))
        {
            let message = format!("expected printable ASCII of at most 255 bytes, got {nsid:?}");
            return Some((root.key("dns").key("nsid"), message));
        }
        if self.control.keep_samples.secs() < settings::KEEP_SAMPLES_AT_LEAST {
            let message = format!(
                "expected at least 1h (samples not yet written are held up to an hour), got {:#}",
                self.control.keep_samples.0
            );
            return Some((root.key("control").key("keep_samples"), message));
        }
        if let Some(e) = self.prometheus_problem() {
            return Some(e);
        }
        if self.market.margin.0 >= 1.0 {
            return Some((root.key("market").key("margin"), "expected a margin below 1 (1 would sell nothing)".into()));
        }
        None
    }

    /// A `monitor.prometheus_query` or `capacity.prometheus` that cannot work, with where.
    fn prometheus_problem(&self) -> Option<(YamlPath, String)> {
        if let Some(q) = &self.monitor.prometheus_query {
            let at = YamlPath::default().key("monitor").key("prometheus_query");
            if let Some(e) = server_problem(&q.url, &q.query, &at) {
                return Some(e);
            }
            for (i, name) in q.proxies.iter().flatten().enumerate() {
                if !self.proxies.iter().any(|p| &p.name == name) {
                    return Some((at.key("proxies").index(i), format!("no proxy is named {name}")));
                }
            }
        }
        if let Some(h) = &self.capacity.prometheus {
            let at = YamlPath::default().key("capacity").key("prometheus");
            if let Some(e) = server_problem(&h.url, &h.query, &at) {
                return Some(e);
            }
            if let Some(step) = h.step
                && (step.secs() < 1 || i64::from(self.market.slot.secs()) % step.secs() != 0)
            {
                let message =
                    format!("expected whole seconds that divide market.slot ({}), got {:#}", self.market.slot, step.0);
                return Some((at.key("step"), message));
            }
        }
        None
    }

    /// `buyer`'s hosts delegated to us (outside the network's zone): each a zone apex of ours.
    pub fn delegated_hosts<'a>(&'a self, buyer: &'a Buyer) -> impl Iterator<Item = &'a values::DomainName> {
        buyer.hosts.iter().filter(|h| !h.is_within(&self.network.zone))
    }

    /// The names of our zones: the network's zone, its name servers and proxies, buyers' hosts.
    pub fn zone_index(&self) -> Result<ZoneIndex, ZoneError> {
        let nameservers: Vec<&str> = self.network.nameservers.iter().map(|n| n.name.as_str()).collect();
        let proxies: Vec<&str> = self.proxies.iter().map(|p| p.name.as_str()).collect();
        let hosts: Vec<Vec<&str>> = self.buyers.iter().map(|b| b.hosts.iter().map(|h| h.as_str()).collect()).collect();
        let buyers: Vec<(&str, &[&str])> =
            self.buyers.iter().zip(&hosts).map(|(b, h)| (b.name.as_str(), h.as_slice())).collect();
        ZoneIndex::new(self.network.zone.as_str(), &nameservers, &proxies, &buyers)
    }

    /// Where the DNS server listens: `dns.listen`, else every name server address on port 53.
    pub fn dns_addresses(&self) -> Vec<std::net::SocketAddr> {
        if !self.dns.listen.is_empty() {
            return self.dns.listen.clone();
        }
        self.network
            .nameservers
            .iter()
            .flat_map(|n| n.addresses.iter().map(|a| std::net::SocketAddr::new(*a, 53)))
            .collect()
    }

    /// `dns.cookie_secret_file`, resolved against the config's directory.
    pub fn cookie_secret_path(&self) -> Option<PathBuf> {
        self.dns.cookie_secret_file.as_ref().map(|p| self.base_dir.join(p))
    }

    /// `dns.usage_spool`, resolved against the config's directory (default `usage-spool`
    /// beside the config, as the ledger's default file is).
    pub fn usage_spool_dir(&self) -> PathBuf {
        self.base_dir.join(self.dns.usage_spool.as_deref().unwrap_or(Path::new("usage-spool")))
    }

    /// Where the ledger is: `--db` wins (a path relative to the working directory, or a URL),
    /// then `database:` (a path relative to the config's directory), then `surplus.db` beside
    /// the config.
    pub fn ledger_location(&self, flag: Option<&Path>) -> Result<Location, ConnectError> {
        match (flag, &self.database) {
            (Some(p), _) => Location::parse(&p.to_string_lossy(), Path::new("")),
            (None, Some(text)) => Location::parse(text, &self.base_dir),
            (None, None) => Ok(Location::Sqlite(self.base_dir.join("surplus.db"))),
        }
    }

    /// `password_file:`, resolved against the config's directory.
    pub fn password_file_path(&self) -> Option<PathBuf> {
        self.password_file.as_ref().map(|p| self.base_dir.join(p))
    }

    /// A proxy's log path or glob, resolved against the config's directory.
    pub fn log_pattern(&self, log: &LogSource) -> String {
        self.base_dir.join(&log.path).to_string_lossy().into_owned()
    }

    /// A proxy's log format (`None`: detect), from its `log:` entry.
    pub fn log_format(log: &LogSource) -> Result<Option<LogFormat>, UnknownFormat> {
        parse_format(&log.format, &log.fields)
    }

    /// Total capacity of all proxies, in rps.
    pub fn total_capacity(&self) -> f64 {
        self.proxies.iter().map(|p| p.capacity_rps.0).sum()
    }
}

/// `auto` → `None`, a known name → its format.
pub fn parse_format(name: &str, fields: &JsonFields) -> Result<Option<LogFormat>, UnknownFormat> {
    if name == "auto" {
        return Ok(None);
    }
    LogFormat::from_name(name, fields).map(Some)
}

/// A Prometheus source's `url` that is not HTTP(S), or an empty `query`, under `at`.
fn server_problem(url: &str, query: &str, at: &YamlPath) -> Option<(YamlPath, String)> {
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Some((at.key("url"), format!("expected an http:// or https:// URL, got {url:?}")));
    }
    query.trim().is_empty().then(|| (at.key("query"), "expected a PromQL expression".to_string()))
}

fn check_proxy(proxy: &Proxy, at: &YamlPath) -> Option<(YamlPath, String)> {
    if !valid_name(&proxy.name) {
        return Some((at.key("name"), name_rule(&proxy.name)));
    }
    if proxy.addresses.is_empty() {
        return Some((at.key("addresses"), "expected at least one address".into()));
    }
    if let Some(log) = &proxy.log {
        if let Err(e) = Config::log_format(log) {
            return Some((at.key("log").key("format"), e.to_string()));
        }
        if log.path.trim().is_empty() {
            return Some((at.key("log").key("path"), "expected a file path or glob".into()));
        }
    }
    if let Some(stats) = &proxy.stats {
        if !stats.url.starts_with("http://") && !stats.url.starts_with("https://") {
            return Some((at.key("stats").key("url"), format!("expected an http:// URL, got `{}`", stats.url)));
        }
        if stats.kind == StatsKind::Prometheus && stats.metric.as_deref().is_none_or(str::is_empty) {
            return Some((at.key("stats"), "expected `metric:`, the request counter to read, for prometheus".into()));
        }
    }
    match proxy.monitor {
        Some(MonitorChoice::Log) => {
            let Some(log) = &proxy.log else {
                return Some((at.key("monitor"), "`monitor: log` needs a `log:`".into()));
            };
            if !log.has_host() {
                return Some((
                    at.key("log").key("format"),
                    format!(
                        "`monitor: log` needs a format with the host (vhost_combined, combined_host, json or squid), not `{}`",
                        log.format
                    ),
                ));
            }
            if log.follow_path().is_none() {
                return Some((at.key("log"), "`path` is a glob: give `follow:`, the live file".into()));
            }
        }
        Some(MonitorChoice::Stats) if !proxy.stats.as_ref().is_some_and(|s| s.kind.counts_hosts()) => {
            return Some((
                at.key("monitor"),
                "`monitor: stats` needs `stats:` that count per host (not nginx_stub_status)".into(),
            ));
        }
        _ => {}
    }
    if let Some(health) = &proxy.health {
        match (&health.tcp, &health.http) {
            (Some(_), Some(_)) | (None, None) => {
                return Some((at.key("health"), "expected exactly one of `tcp: PORT` or `http: URL`".into()));
            }
            (None, Some(url)) if !url.starts_with("http://") => {
                return Some((at.key("health").key("http"), format!("expected an http:// URL, got `{url}`")));
            }
            _ => {}
        }
    }
    None
}

fn check_buyer(buyer: &Buyer, at: &YamlPath) -> Option<(YamlPath, String)> {
    if !valid_name(&buyer.name) {
        return Some((at.key("name"), name_rule(&buyer.name)));
    }
    if buyer.hosts.is_empty() {
        return Some((at.key("hosts"), "expected at least one host name".into()));
    }
    let f = &buyer.fallback;
    let kinds = [f.handback.is_some(), f.servers.is_some(), f.resolve.is_some()];
    if kinds.iter().filter(|&&k| k).count() != 1 {
        return Some((
            at.key("fallback"),
            "expected exactly one of `handback: NAME`, `servers: [...]` or `resolve: NAME`".into(),
        ));
    }
    if f.handback.is_some() && f.algorithm.is_some() {
        return Some((
            at.key("fallback").key("algorithm"),
            "an algorithm applies to `servers` and `resolve`, not `handback`".into(),
        ));
    }
    if let Some(servers) = &f.servers {
        if servers.is_empty() {
            return Some((at.key("fallback").key("servers"), "expected at least one server".into()));
        }
        if let Some(i) = servers.iter().position(|s| s.weight == 0) {
            return Some((at.key("fallback").key("servers").index(i).key("weight"), "expected a weight > 0".into()));
        }
    }
    None
}

fn duplicate<'a>(names: impl Iterator<Item = &'a str>, list: &YamlPath, what: &str) -> Option<(YamlPath, String)> {
    let mut seen = HashMap::new();
    for (i, name) in names.enumerate() {
        if let Some(first) = seen.insert(name, i) {
            return Some((
                list.index(i).key("name"),
                format!("duplicate {what} name `{name}` (first at {list}[{first}])"),
            ));
        }
    }
    None
}

fn valid_name(name: &str) -> bool {
    !name.is_empty() && name.len() <= 64 && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
}

fn name_rule(name: &str) -> String {
    format!("`{name}` is not a name: use 1 to 64 letters, digits, `-`, `_` or `.`")
}

/// serde_yaml's message is `PATH: WHAT at line L column C`; we lead with the position instead.
/// A serde_yaml error as `FILE:LINE:COLUMN: message` (also used for simulation scenarios).
pub fn yaml_error(e: &serde_yaml::Error, file: &Path) -> ConfigError {
    let text = e.to_string();
    let message = match text.rfind(" at line ") {
        Some(i) => text[..i].to_string(),
        None => text,
    };
    match e.location() {
        Some(l) => ConfigError::Invalid { file: file.to_path_buf(), line: l.line(), column: l.column(), message },
        None => ConfigError::Unlocated { file: file.to_path_buf(), message },
    }
}

/// [`yaml_error`], with a misindented key of the document `text` reported at its own line.
///
/// serde_yaml 0.9 locates a key indented deeper than its neighbours at the key itself, but as
/// a parser error (`did not find expected key … while parsing a block mapping`); a key indented
/// less falls out of its mapping, which is then reported as `missing field` at the mapping's
/// first key. That key's line is found here: the first line below the mapping indented less
/// than its keys, when it holds the missing key.
pub fn yaml_error_in(e: &serde_yaml::Error, file: &Path, text: &str) -> ConfigError {
    let err = yaml_error(e, file);
    let ConfigError::Invalid { line, column, message, .. } = &err else { return err };
    let file = file.to_path_buf();
    if message.starts_with("did not find expected key") {
        let key = text.lines().nth(line - 1).map_or("", |l| l.trim().split(':').next().unwrap_or(""));
        let message = format!("`{key}` is not indented like the keys above it");
        return ConfigError::Invalid { file, line: *line, column: *column, message };
    }
    let Some((path, key)) = message.split_once(": missing field `").and_then(|(p, k)| Some((p, k.strip_suffix('`')?)))
    else {
        return err;
    };
    let misplaced = text
        .lines()
        .enumerate()
        .skip(*line)
        .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .find(|(_, l)| l.len() - l.trim_start().len() + 1 < *column)
        .filter(|(_, l)| l.trim_start().strip_prefix(key).is_some_and(|rest| rest.trim_start().starts_with(':')))
        .map(|(i, l)| (i + 1, l.len() - l.trim_start().len() + 1));
    match misplaced {
        Some((at, col)) => ConfigError::Invalid {
            file,
            line: at,
            column: col,
            message: format!(
                "{path}.{key}: indented to column {col}, not {column} like the other keys of {path} (line {line})"
            ),
        },
        None => err,
    }
}

#[cfg(test)]
mod tests;
