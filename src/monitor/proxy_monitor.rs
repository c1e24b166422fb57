//! One proxy's monitor source: its access log followed, or its stats endpoint read, turned into
//! requests served per buyer since the last reading.

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

/// A proxy's monitor.
pub struct ProxyMonitor {
    source: Source,
    /// Buyer by host (lower case).
    hosts: HashMap<String, usize>,
    /// Requests per buyer since the last [`ProxyMonitor::take`] (logs).
    counts: Vec<u64>,
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
                let agent = ureq::Agent::new_with_config(
                    ureq::Agent::config_builder().timeout_global(Some(STATS_TIMEOUT)).build(),
                );
                // The baseline the first interval's rate is taken from.
                let last = fetch(&agent, &stats).ok();
                Source::Stats { agent, stats, last }
            }
        };
        Some(ProxyMonitor { source, hosts, counts: vec![0; config.buyers.len()], error: None })
    }

    /// What is read, for logs and `dns status`.
    pub fn describe(&self) -> String {
        match &self.source {
            Source::Log { follower, .. } => format!("log {}", follower.path().display()),
            Source::Stats { stats, .. } => format!("stats {}", stats.url),
        }
    }

    /// Reads what a log has gained (stats are read at [`ProxyMonitor::take`]).
    pub fn poll(&mut self) {
        let Source::Log { follower, parser } = &mut self.source else { return };
        let (hosts, counts) = (&self.hosts, &mut self.counts);
        let result = follower.poll(|line| {
            let Ok(record) = parser.parse(line) else { return };
            let Some(host) = record.host else { return };
            // Hosts in logs are as the client sent them: any case.
            let host = String::from_utf8_lossy(&host).to_ascii_lowercase();
            if let Some(&buyer) = hosts.get(host.trim_end_matches('.')) {
                counts[buyer] += 1;
            }
        });
        self.error = result.err().map(|e| format!("{}: {e}", follower.path().display()));
    }

    /// Requests per buyer since the last call, or why they cannot be known.
    pub fn take(&mut self) -> Result<Vec<u64>, String> {
        self.poll();
        let fresh = vec![0; self.counts.len()];
        let counts = std::mem::replace(&mut self.counts, fresh);
        match &mut self.source {
            Source::Log { .. } => match &self.error {
                Some(e) => Err(e.clone()),
                None => Ok(counts),
            },
            Source::Stats { agent, stats, last } => {
                let now = fetch(agent, stats)?;
                let Some(before) = last.replace(now.clone()) else {
                    return Err(format!("{}: first reading, no rate yet", stats.url));
                };
                let mut per_buyer = vec![0; counts.len()];
                for (host, &value) in &now {
                    if let Some(&buyer) = self.hosts.get(host.as_str()) {
                        per_buyer[buyer] += stats_text::increase(before.get(host).copied().unwrap_or(0), value);
                    }
                }
                Ok(per_buyer)
            }
        }
    }
}

/// Reads a stats endpoint's counters per host.
fn fetch(agent: &ureq::Agent, stats: &StatsSource) -> Result<HostCounters, String> {
    let fail = |e: &dyn std::fmt::Display| format!("{}: {e}", stats.url);
    let text =
        agent.get(&stats.url).call().map_err(|e| fail(&e))?.into_body().read_to_string().map_err(|e| fail(&e))?;
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
