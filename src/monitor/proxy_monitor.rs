//! One proxy's monitor source: its access log followed, or its stats endpoint read, turned into
//! requests served per buyer since the last reading, and in total (every host, for the
//! best-effort cap). The total comes from the same source, or from nginx `stub_status` when
//! the proxy's `stats` is one: that counts requests the log format or the host counters miss.

use std::collections::HashMap;
use std::time::Duration;

use super::log_follower::LogFollower;
use super::stats_text::{self, HostCounters};
use crate::config::{Config, MonitorChoice, Proxy, StatsKind, StatsSource};
use crate::ingest::log_format::LineParser;

/// How long one stats request may take.
const STATS_TIMEOUT: Duration = Duration::from_secs(2);

enum Source {
    Log { follower: LogFollower, parser: LineParser },
    Stats { agent: ureq::Agent, stats: StatsSource, last: Option<HostCounters> },
}

/// nginx `stub_status`, read for the proxy's total load.
struct StubStatus {
    agent: ureq::Agent,
    url: String,
    last: Option<u64>,
}

/// What a proxy served since the last reading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Served {
    /// Per buyer, in the config's order.
    pub per_buyer: Vec<u64>,
    /// Every request, buyers' or not.
    pub total: u64,
}

/// A proxy's monitor.
pub struct ProxyMonitor {
    source: Source,
    /// The total from `stub_status` instead of the source.
    stub_status: Option<StubStatus>,
    /// Buyer by host (lower case).
    hosts: HashMap<String, usize>,
    /// Requests per buyer since the last [`ProxyMonitor::take`] (logs).
    counts: Vec<u64>,
    /// Every request logged since the last take (logs).
    lines: u64,
    /// The last error reading the log, until a read succeeds.
    error: Option<String>,
}

impl ProxyMonitor {
    /// The monitor of `proxy`, if it has one (see [`Proxy::monitor_choice`]).
    pub fn new(proxy: &Proxy, config: &Config) -> Option<ProxyMonitor> {
        let hosts: HashMap<String, usize> = config
            .buyers
            .iter()
            .enumerate()
            .flat_map(|(i, b)| b.hosts.iter().map(move |h| (h.as_str().to_string(), i)))
            .collect();
        let source = match proxy.monitor_choice() {
            MonitorChoice::None => return None,
            MonitorChoice::Log => {
                let log = proxy.log.as_ref()?;
                let format = Config::log_format(log).ok()??;
                let path = config.base_dir.join(log.follow_path()?);
                Source::Log { follower: LogFollower::new(&path), parser: LineParser::new(format) }
            }
            MonitorChoice::Stats => {
                let stats = proxy.stats.clone()?;
                let agent = agent();
                // The baseline the first interval's rate is taken from.
                let last = fetch(&agent, &stats).ok();
                Source::Stats { agent, stats, last }
            }
        };
        let stub_status = proxy.stats.as_ref().filter(|s| s.kind == StatsKind::NginxStubStatus).map(|s| {
            let agent = agent();
            let last = stub_status(&agent, &s.url).ok();
            StubStatus { agent, url: s.url.clone(), last }
        });
        Some(ProxyMonitor { source, stub_status, hosts, counts: vec![0; config.buyers.len()], lines: 0, error: None })
    }

    /// What is read, for logs and `dns status`.
    pub fn describe(&self) -> String {
        let source = match &self.source {
            Source::Log { follower, .. } => format!("log {}", follower.path().display()),
            Source::Stats { stats, .. } => format!("stats {}", stats.url),
        };
        match &self.stub_status {
            Some(s) => format!("{source}, stub_status {}", s.url),
            None => source,
        }
    }

    /// Reads what a log has gained (stats are read at [`ProxyMonitor::take`]).
    pub fn poll(&mut self) {
        let Source::Log { follower, parser } = &mut self.source else { return };
        let (hosts, counts, lines) = (&self.hosts, &mut self.counts, &mut self.lines);
        let result = follower.poll(|line| {
            let Ok(record) = parser.parse(line) else { return };
            *lines += 1;
            let Some(host) = record.host else { return };
            if let Some(&buyer) = hosts.get(&host_key(&host)) {
                counts[buyer] += 1;
            }
        });
        self.error = result.err().map(|e| format!("{}: {e}", follower.path().display()));
    }

    /// Requests served since the last call, or why they cannot be known. Both sources (the
    /// monitor's and `stub_status`) are read every time, so a failing one cannot leave the
    /// other's baseline behind.
    pub fn take(&mut self) -> Result<Served, String> {
        let served = self.take_source();
        let total = self.stub_status.as_mut().map(StubStatus::take);
        let mut served = served?;
        if let Some(total) = total {
            served.total = total?;
        }
        Ok(served)
    }

    fn take_source(&mut self) -> Result<Served, String> {
        self.poll();
        let fresh = vec![0; self.counts.len()];
        let counts = std::mem::replace(&mut self.counts, fresh);
        let lines = std::mem::take(&mut self.lines);
        match &mut self.source {
            Source::Log { .. } => match &self.error {
                Some(e) => Err(e.clone()),
                None => Ok(Served { per_buyer: counts, total: lines }),
            },
            Source::Stats { agent, stats, last } => {
                let now = fetch(agent, stats)?;
                let Some(before) = last.replace(now.clone()) else {
                    return Err(format!("{}: first reading, no rate yet", stats.url));
                };
                let mut served = Served { per_buyer: vec![0; counts.len()], total: 0 };
                for (host, &value) in &now {
                    let increase = stats_text::increase(before.get(host).copied().unwrap_or(0), value);
                    // nginx-vts adds a `*` zone holding the sum of the others.
                    if host != "*" {
                        served.total += increase;
                    }
                    if let Some(&buyer) = self.hosts.get(host.as_str()) {
                        served.per_buyer[buyer] += increase;
                    }
                }
                Ok(served)
            }
        }
    }
}

/// A logged Host as buyers' hosts are written: hosts in logs are as the client sent them, in
/// any case and maybe with the root's trailing dot.
pub fn host_key(logged: &[u8]) -> String {
    let mut host = String::from_utf8_lossy(logged).to_ascii_lowercase();
    host.truncate(host.trim_end_matches('.').len());
    host
}

impl StubStatus {
    fn take(&mut self) -> Result<u64, String> {
        let now = stub_status(&self.agent, &self.url)?;
        match self.last.replace(now) {
            Some(before) => Ok(stats_text::increase(before, now)),
            None => Err(format!("{}: first reading, no rate yet", self.url)),
        }
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::new_with_config(ureq::Agent::config_builder().timeout_global(Some(STATS_TIMEOUT)).build())
}

fn get(agent: &ureq::Agent, url: &str) -> Result<String, String> {
    let fail = |e: &dyn std::fmt::Display| format!("{url}: {e}");
    agent.get(url).call().map_err(|e| fail(&e))?.into_body().read_to_string().map_err(|e| fail(&e))
}

/// Reads nginx `stub_status`'s request total.
fn stub_status(agent: &ureq::Agent, url: &str) -> Result<u64, String> {
    stats_text::stub_status(&get(agent, url)?).map_err(|e| format!("{url}: {e}"))
}

/// Reads a stats endpoint's counters per host.
fn fetch(agent: &ureq::Agent, stats: &StatsSource) -> Result<HostCounters, String> {
    let fail = |e: &dyn std::fmt::Display| format!("{}: {e}", stats.url);
    let text = get(agent, &stats.url)?;
    match stats.kind {
        StatsKind::Prometheus => {
            let matching: Vec<(String, String)> = stats.matching.clone().into_iter().collect();
            let metric = stats.metric.as_deref().unwrap_or_default();
            Ok(stats_text::prometheus(&text, metric, stats.label.as_deref().unwrap_or("host"), &matching))
        }
        StatsKind::NginxPlus => stats_text::nginx_plus(&text).map_err(|e| fail(&e)),
        StatsKind::NginxVts => stats_text::nginx_vts(&text).map_err(|e| fail(&e)),
        StatsKind::NginxStubStatus => Err(fail(&"stub_status has no per-host counts")),
    }
}
