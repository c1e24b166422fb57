//! The monitor: requests the proxies actually served, per buyer and control interval, from
//! each proxy's access log (followed across rotation) or stats endpoint (Prometheus, nginx Plus,
//! nginx-vts), or for the whole fleet from one query to a Prometheus server
//! (`monitor.prometheus_query`), for the controller ([`crate::core::control`]).
//!
//! A buyer's reading is the sum over every proxy. If any proxy has no monitor source the sum
//! would be short, so every buyer stays open loop (the log says which proxy); if any source
//! fails, the reading is stale and the controller holds, then walks `f` down. Except when the
//! proxy itself fails its health check: a stats endpoint on a stopped proxy fails with it,
//! and a stopped proxy serves nothing (DNS no longer sends anyone there), so its source counts
//! as zero. Without that, one proxy going down would walk every buyer down to `f` = 0 on the
//! proxies still up.

pub mod export;
pub mod log_follower;
pub mod prometheus_query;
pub mod proxy_monitor;
pub mod stats_text;

use crate::config::Config;
use crate::core::control::Reading;
use prometheus_query::PrometheusQuerySource;
use proxy_monitor::{ProxyMonitor, Served};

/// One proxy's source state, for logs, metrics and `dns status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceState {
    pub proxy: String,
    /// `log PATH` or `stats URL`; `None`: the proxy has no monitor source.
    pub source: Option<String>,
    /// Why the last reading failed.
    pub error: Option<String>,
    /// The proxy failed its health check: a failed reading counts as nothing served.
    pub proxy_down: bool,
}

impl SourceState {
    /// Whether it has a source and the last reading worked.
    pub fn up(&self) -> bool {
        self.source.is_some() && self.error.is_none()
    }

    /// The source as shown to people: `log PATH`, `stats URL` or `none`.
    pub fn describe(&self) -> &str {
        self.source.as_deref().unwrap_or("none")
    }
}

/// The monitor's state for buyers, as logs, metrics, `dns status` and usage samples name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MonitorState {
    /// Every proxy's source read.
    Ok,
    /// Some source failed: the controllers hold, then walk down.
    Stale,
    /// Some proxy has no source at all: every buyer is open loop.
    Unmonitored,
}

impl MonitorState {
    /// `ok`, `stale` or `none`.
    pub fn name(self) -> &'static str {
        match self {
            MonitorState::Ok => "ok",
            MonitorState::Stale => "stale",
            MonitorState::Unmonitored => "none",
        }
    }
}

/// Readings over a shorter span than this are taken over this span (no division by zero).
const MIN_SPAN: f64 = 1e-3;

/// One interval's readings.
#[derive(Debug, Clone, PartialEq)]
pub struct Taken {
    /// Per buyer: requests served in the interval (`None`: unmonitored or stale).
    pub served: Vec<Option<u64>>,
    /// Every request the proxies served in the interval, buyers' or not (`None`: a proxy is
    /// unmonitored or its reading failed).
    pub total: Option<u64>,
    pub sources: Vec<SourceState>,
}

impl Taken {
    /// The monitor's state for buyers.
    pub fn state(&self) -> MonitorState {
        if self.sources.iter().any(|s| s.source.is_none()) {
            MonitorState::Unmonitored
        } else if self.sources.iter().any(|s| s.error.is_some() && !s.proxy_down) {
            MonitorState::Stale
        } else {
            MonitorState::Ok
        }
    }

    /// Requests per second all proxies served over the `seconds` since the last take, when
    /// known.
    pub fn load_rps(&self, seconds: f64) -> Option<f64> {
        self.total.map(|t| t as f64 / seconds.max(MIN_SPAN))
    }

    /// The controller's reading for `buyer` over the `seconds` since the last take (the time
    /// measured, not the nominal interval: a read 0.9 s after the last one is 0.9 s of load).
    pub fn reading(&self, buyer: usize, seconds: f64) -> Reading {
        match (self.state(), self.served.get(buyer).copied().flatten()) {
            (MonitorState::Unmonitored, _) => Reading::Unmonitored,
            (_, Some(n)) => Reading::Served(n as f64 / seconds.max(MIN_SPAN)),
            _ => Reading::Stale,
        }
    }
}

/// Where a proxy's requests are counted.
enum ProxySource {
    /// Its own log or stats.
    Own(Box<ProxyMonitor>),
    /// The fleet's `prometheus_query`.
    Fleet,
    /// Nowhere: buyers stay open loop.
    None,
}

/// Every proxy's monitor.
pub struct Monitor {
    proxies: Vec<(String, ProxySource)>,
    /// `monitor.prometheus_query`, counting for the proxies marked [`ProxySource::Fleet`].
    fleet: Option<PrometheusQuerySource>,
    buyers: usize,
}

impl Monitor {
    /// The monitors `config` describes.
    pub fn new(config: &Config) -> Monitor {
        let fleet = PrometheusQuerySource::new(config);
        let proxies = config
            .proxies
            .iter()
            .map(|p| {
                let source = if fleet.as_ref().is_some_and(|f| f.covers(&p.name)) {
                    ProxySource::Fleet
                } else {
                    ProxyMonitor::new(p, config).map_or(ProxySource::None, |m| ProxySource::Own(Box::new(m)))
                };
                (p.name.clone(), source)
            })
            .collect();
        Monitor { proxies, fleet, buyers: config.buyers.len() }
    }

    /// Proxies without a monitor source.
    pub fn unmonitored(&self) -> Vec<&str> {
        self.proxies.iter().filter(|(_, m)| matches!(m, ProxySource::None)).map(|(name, _)| name.as_str()).collect()
    }

    /// Reads what logs have gained; call often, so no poll has much to read.
    pub fn poll(&mut self) {
        for (_, m) in &mut self.proxies {
            if let ProxySource::Own(m) = m {
                m.poll();
            }
        }
    }

    /// The requests served per buyer since the last take; `healthy(i)` says whether proxy `i`
    /// passes its health check.
    pub fn take(&mut self, healthy: impl Fn(usize) -> bool) -> Taken {
        let mut served: Vec<Option<u64>> = vec![Some(0); self.buyers];
        let mut total = Some(0);
        let mut sources = Vec::new();
        let add = |served: &mut Vec<Option<u64>>, total: &mut Option<u64>, counts: &Served| {
            for (s, n) in served.iter_mut().zip(&counts.per_buyer) {
                *s = s.map(|s| s + n);
            }
            *total = total.map(|t| t + counts.total);
        };
        let fleet = self.fleet.as_mut().map(|f| (f.describe(), f.take()));
        // A failed fleet reading is stale unless every proxy it counts for is down.
        let mut fleet_all_down = true;
        for (i, (proxy, m)) in self.proxies.iter_mut().enumerate() {
            let proxy_down = !healthy(i);
            let (source, error) = match m {
                ProxySource::None => {
                    served.iter_mut().for_each(|s| *s = None);
                    total = None;
                    (None, None)
                }
                ProxySource::Fleet => {
                    fleet_all_down &= proxy_down;
                    let (describe, result) = fleet.as_ref().expect("a fleet proxy has the fleet's source");
                    (Some(describe.clone()), result.as_ref().err().cloned())
                }
                ProxySource::Own(m) => {
                    let result = m.take();
                    match &result {
                        Ok(counts) => add(&mut served, &mut total, counts),
                        Err(_) if proxy_down => {}
                        Err(_) => {
                            served.iter_mut().for_each(|s| *s = None);
                            total = None;
                        }
                    }
                    (Some(m.describe()), result.err())
                }
            };
            sources.push(SourceState { proxy: proxy.clone(), source, error, proxy_down });
        }
        match fleet.as_ref().map(|(_, r)| r) {
            Some(Ok(counts)) => add(&mut served, &mut total, counts),
            Some(Err(_)) if !fleet_all_down => {
                served.iter_mut().for_each(|s| *s = None);
                total = None;
            }
            _ => {}
        }
        Taken { served, total, sources }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn a_fleet_query_and_a_proxys_own_log_mix_and_a_failed_query_is_stale_unless_its_proxies_are_down() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("b.log");
        std::fs::write(&log, "").unwrap();
        // Nothing listens on port 1: the query fails at once, as a down server does.
        let text = format!(
            "network: {{zone: cdn.example.net, nameservers: [{{name: ns1.cdn.example.net, addresses: [127.0.0.1]}}]}}\n\
             proxies:\n\
             \x20 - {{name: a, addresses: [127.0.0.2], capacity_rps: 10}}\n\
             \x20 - {{name: b, addresses: [127.0.0.3], capacity_rps: 10, log: {{path: '{}', format: vhost_combined}}}}\n\
             buyers: [{{name: shop, hosts: [www.shop.example], fallback: {{servers: [{{address: 127.0.0.9}}]}}, estimate: 0.5}}]\n\
             monitor: {{prometheus_query: {{url: 'http://127.0.0.1:1', query: q, proxies: [a]}}}}\n",
            log.display()
        );
        let config = Config::parse(&text, std::path::Path::new("t.yaml"), dir.path().to_path_buf()).unwrap();
        let mut monitor = Monitor::new(&config);
        assert!(monitor.unmonitored().is_empty(), "a is the query's, b follows its log");
        let line =
            "www.shop.example:80 127.0.0.1 - - [04/Dec/2026:04:00:00 +0000] \"GET / HTTP/1.1\" 200 5 \"-\" \"-\"\n";
        let mut file = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
        file.write_all(line.repeat(3).as_bytes()).unwrap();

        let taken = monitor.take(|_| true);
        let sources: Vec<(&str, &str, bool)> =
            taken.sources.iter().map(|s| (s.proxy.as_str(), s.describe(), s.error.is_some())).collect();
        assert_eq!(sources[0], ("a", "prometheus_query http://127.0.0.1:1", true));
        assert_eq!((sources[1].0, sources[1].2), ("b", false));
        assert_eq!(taken.state(), MonitorState::Stale, "the query failed and a is up");
        assert_eq!(taken.served, [None]);

        // a fails its health check: it serves nothing, so the failed query counts as zero and
        // b's log is the reading.
        file.write_all(line.repeat(2).as_bytes()).unwrap();
        let taken = monitor.take(|i| i != 0);
        assert_eq!(taken.state(), MonitorState::Ok);
        assert_eq!(taken.served, [Some(2)]);
    }

    #[test]
    fn a_reading_is_over_the_time_it_covers() {
        let source = SourceState { proxy: "a".into(), source: Some("log a".into()), error: None, proxy_down: false };
        let taken = Taken { served: vec![Some(27)], total: Some(36), sources: vec![source] };
        // Read 0.9 s after the last read (a watcher that woke late the time before): 27
        // requests are 30 rps, not 27.
        assert_eq!(taken.reading(0, 0.9), Reading::Served(30.0));
        assert_eq!(taken.load_rps(0.9), Some(40.0));
        assert_eq!(taken.reading(0, 1.5), Reading::Served(18.0));
    }
}
