//! The monitor's `prometheus_query` source: requests per buyer host for the whole fleet (or the
//! proxies it names) from one instant query to a Prometheus server each control interval.
//!
//! A query of rates (`sum by (host) (rate(…[30s]))`) is turned into the requests of the time
//! since the last reading, the fractions carried over so that no request is lost to rounding.
//! A query of counters (`counter: true`) is differentiated per series before the series are
//! summed by host, so a proxy that restarts (its counter reset) is seen as `rate()` sees it and
//! does not make the fleet's sum go backwards. Every host the query returns counts toward the
//! total (the best-effort cap's load), a buyer's hosts toward that buyer.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use super::proxy_monitor::Served;
use crate::config::{Config, PrometheusQuery};
use crate::monitor::stats_text;
use crate::prometheus::response::Labels;
use crate::prometheus::{Prometheus, Series};

/// How long one query may take: a control interval's reading must not hold the watcher.
const QUERY_TIMEOUT: Duration = Duration::from_secs(2);

/// The source, as `describe` names it: `prometheus_query URL`.
pub struct PrometheusQuerySource {
    server: Result<Prometheus, String>,
    query: PrometheusQuery,
    /// Buyer by host (lower case).
    hosts: HashMap<String, usize>,
    buyers: usize,
    /// Counters: each series' last value. Rates: when the last reading was taken.
    last_counters: Option<HashMap<Labels, f64>>,
    last_read: Option<Instant>,
    /// Rates: requests per buyer (and in total) read but not yet whole.
    carry: Vec<f64>,
    carry_total: f64,
}

impl PrometheusQuerySource {
    /// The source `config.monitor.prometheus_query` describes, if any, with its baseline read.
    pub fn new(config: &Config) -> Option<PrometheusQuerySource> {
        let mut source = PrometheusQuerySource::new_unread(config)?;
        // The baseline the first interval is measured from.
        let _ = source.take();
        Some(source)
    }

    /// The source, not yet read.
    pub fn new_unread(config: &Config) -> Option<PrometheusQuerySource> {
        let query = config.monitor.prometheus_query.clone()?;
        let token = query.bearer_token_file.as_ref().map(|p| config.base_dir.join(p));
        let server = Prometheus::new(&query.url, token.as_deref(), QUERY_TIMEOUT);
        let hosts = config
            .buyers
            .iter()
            .enumerate()
            .flat_map(|(i, b)| b.hosts.iter().map(move |h| (h.as_str().to_string(), i)))
            .collect();
        let buyers = config.buyers.len();
        Some(PrometheusQuerySource {
            server,
            query,
            hosts,
            buyers,
            last_counters: None,
            last_read: None,
            carry: vec![0.0; buyers],
            carry_total: 0.0,
        })
    }

    /// `prometheus_query URL`.
    pub fn describe(&self) -> String {
        format!("prometheus_query {}", self.query.url)
    }

    /// Whether the query counts for the proxy named `proxy`.
    pub fn covers(&self, proxy: &str) -> bool {
        self.query.covers(proxy)
    }

    /// The query's answer now, per series, or why there is none.
    pub fn read(&self) -> Result<Vec<Series>, String> {
        let server = self.server.as_ref().map_err(Clone::clone)?;
        server.instant(&self.query.query).map_err(|e| format!("{}: {e}", self.query.url))
    }

    /// Requests served since the last call, or why they cannot be known.
    pub fn take(&mut self) -> Result<Served, String> {
        let series = self.read();
        let now = Instant::now();
        let since = self.last_read.replace(now).map(|t| now.duration_since(t).as_secs_f64());
        let series = series?;
        self.check_labels(&series)?;
        if self.query.counter {
            return self.take_counters(&series);
        }
        let Some(seconds) = since else {
            return Err(format!("{}: first reading, no interval yet", self.query.url));
        };
        let mut served = Served { per_buyer: vec![0; self.buyers], total: 0 };
        for s in &series {
            let rate = s.points.first().map_or(0.0, |p| p.1);
            let requests = rate * seconds;
            self.carry_total += requests;
            if let Some(&buyer) = self.buyer_of(s) {
                self.carry[buyer] += requests;
            }
        }
        for (n, carry) in served.per_buyer.iter_mut().zip(&mut self.carry) {
            *n = whole(carry);
        }
        served.total = whole(&mut self.carry_total);
        Ok(served)
    }

    fn take_counters(&mut self, series: &[Series]) -> Result<Served, String> {
        let now: HashMap<Labels, f64> =
            series.iter().map(|s| (s.labels.clone(), s.points.first().map_or(0.0, |p| p.1))).collect();
        let Some(before) = self.last_counters.replace(now) else {
            return Err(format!("{}: first reading, no rate yet", self.query.url));
        };
        let mut served = Served { per_buyer: vec![0; self.buyers], total: 0 };
        for s in series {
            let value = s.points.first().map_or(0.0, |p| p.1) as u64;
            // A series new since the last reading (a proxy that came up) counts from here on.
            let Some(&last) = before.get(&s.labels) else { continue };
            let increase = stats_text::increase(last as u64, value);
            served.total += increase;
            if let Some(&buyer) = self.buyer_of(s) {
                served.per_buyer[buyer] += increase;
            }
        }
        Ok(served)
    }

    /// The buyer whose host a series is.
    pub fn buyer_of(&self, series: &Series) -> Option<&usize> {
        let host = series.labels.get(&self.query.label)?;
        self.hosts.get(host.trim_end_matches('.').to_ascii_lowercase().as_str())
    }

    /// Every series must say its host, or the query is not the one the config means.
    pub fn check_labels(&self, series: &[Series]) -> Result<(), String> {
        match series.iter().find(|s| !s.labels.contains_key(&self.query.label)) {
            Some(s) => Err(format!(
                "{}: series {} has no `{}` label: sum by ({}) in the query, or set `label:`",
                self.query.url,
                s.describe(),
                self.query.label,
                self.query.label
            )),
            None => Ok(()),
        }
    }
}

/// The whole requests of `carry`, leaving the fraction in it.
fn whole(carry: &mut f64) -> u64 {
    let n = carry.floor().max(0.0);
    *carry -= n;
    n as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::{Path, PathBuf};

    fn source(counter: bool) -> PrometheusQuerySource {
        let text = format!(
            "network: {{zone: cdn.example.net, nameservers: [{{name: ns1.cdn.example.net, addresses: [127.0.0.1]}}]}}\n\
             proxies: [{{name: a, addresses: [127.0.0.2], capacity_rps: 10}}]\n\
             buyers: [{{name: shop, hosts: [www.shop.example], fallback: {{servers: [{{address: 127.0.0.9}}]}}, estimate: 0.5}}]\n\
             monitor: {{prometheus_query: {{url: 'http://127.0.0.1:1', query: q, counter: {counter}}}}}\n"
        );
        let config = Config::parse(&text, Path::new("t.yaml"), PathBuf::new()).unwrap();
        PrometheusQuerySource::new_unread(&config).unwrap()
    }

    fn series(instance: &str, host: &str, value: f64) -> Series {
        let labels = [("instance", instance), ("host", host)].map(|(k, v)| (k.to_string(), v.to_string()));
        Series { labels: labels.into_iter().collect(), points: vec![(0, value)] }
    }

    #[test]
    fn counters_are_differentiated_per_series_so_one_proxys_reset_is_not_a_fall_of_the_sum() {
        let mut s = source(true);
        let at = |a: f64, b: f64, other: f64| {
            vec![
                series("a:1", "WWW.Shop.Example.", a),
                series("b:1", "www.shop.example", b),
                series("a:1", "x.org", other),
            ]
        };
        assert!(s.take_counters(&at(1000.0, 500.0, 7.0)).is_err(), "the first reading is the baseline");
        let served = s.take_counters(&at(1030.0, 520.0, 9.0)).unwrap();
        assert_eq!((served.per_buyer.clone(), served.total), (vec![50], 52));
        // Proxy a restarts and has counted 12 since (its other host 3); b goes on. As rate()
        // does: 12 + 20 for shop, 3 more for the other host.
        let served = s.take_counters(&at(12.0, 540.0, 3.0)).unwrap();
        assert_eq!((served.per_buyer.clone(), served.total), (vec![32], 35));
    }

    #[test]
    fn a_series_without_the_host_label_is_refused() {
        let s = source(false);
        let bare = Series { labels: Labels::new(), points: vec![(0, 1.0)] };
        let err = s.check_labels(&[bare]).unwrap_err();
        assert_eq!(
            err,
            "http://127.0.0.1:1: series {} has no `host` label: sum by (host) in the query, or set `label:`"
        );
    }

    #[test]
    fn fractions_of_a_request_carry_over_to_the_next_reading() {
        let mut carry = 0.0;
        let taken: Vec<u64> = (0..4)
            .map(|_| {
                carry += 2.5;
                whole(&mut carry)
            })
            .collect();
        assert_eq!(taken, [2, 3, 2, 3]);
    }
}
