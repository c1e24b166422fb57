//! `capacity measure | history` from a Prometheus server: which server and queries (flags,
//! else `capacity.prometheus`), the step, the range requests, and each series matched to the
//! proxy it counts for; out come per-proxy slot histories for [`crate::core::capacity`], as
//! the log scanner's are.

use std::time::Duration;

use anyhow::anyhow;

use super::bad_usage;
use super::log_inputs::Source;
use crate::cli::LogArgs;
use crate::config::{Config, PrometheusHistory, Proxy};
use crate::core::capacity::SlotUsage;
use crate::core::step_rates::{self, SeriesKind, StepRates};
use crate::core::window::{DAY_SECS, Slot, format_instant};
use crate::prometheus::{Prometheus, Series};

/// How long one range request may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// The history read when `--since` is not given: a week, so the profile is by hour of week.
const DEFAULT_DAYS: i64 = 7;

/// The step when the data never changes in the probe (and `--step` is not given).
const FALLBACK_STEP: u32 = 60;

/// What the queries and the server were, for the output.
#[derive(Debug, Clone)]
pub struct PrometheusOrigin {
    pub url: String,
    pub step: u32,
    /// Range requests made (the probe for the step included).
    pub requests: usize,
    pub series: usize,
    /// One series for the whole fleet, shared over the proxies by capacity.
    pub shared: bool,
}

/// Per-proxy histories read from Prometheus.
pub struct PrometheusRead {
    pub sources: Vec<Source>,
    pub histories: Vec<Vec<SlotUsage>>,
    /// Each source's first and last second with data.
    pub spans: Vec<Option<(i64, i64)>>,
    pub origin: PrometheusOrigin,
    pub notes: Vec<String>,
}

/// The server and queries `args` or the config name; `None`: read logs.
pub fn wanted(config: &Config, args: &LogArgs) -> anyhow::Result<Option<PrometheusHistory>> {
    let configured = config.capacity.prometheus.clone();
    let url = match (&args.prometheus, &configured) {
        (Some(url), _) => url.clone(),
        (None, Some(c)) if args.logs.is_empty() => c.url.clone(),
        _ => return Ok(None),
    };
    let query = args.query.clone().or_else(|| configured.as_ref().map(|c| c.query.clone())).ok_or_else(|| {
        bad_usage("--prometheus needs --query (PromQL giving requests per second), or `capacity.prometheus.query`")
    })?;
    let step = match args.step {
        Some(step) => Some(crate::config::values::Interval(step)),
        None => configured.as_ref().and_then(|c| c.step),
    };
    // A token file from the config is relative to the config; one from the flag to the
    // working directory, as every path flag is.
    let bearer_token_file = match &args.bearer_token_file {
        Some(path) => Some(path.clone()),
        None => configured.as_ref().and_then(|c| c.bearer_token_file.as_ref()).map(|p| config.base_dir.join(p)),
    };
    Ok(Some(PrometheusHistory {
        url,
        bearer_token_file,
        query,
        bytes_query: args.bytes_query.clone().or_else(|| configured.as_ref().and_then(|c| c.bytes_query.clone())),
        proxy_label: args
            .proxy_label
            .clone()
            .or_else(|| configured.as_ref().map(|c| c.proxy_label.clone()))
            .unwrap_or_else(|| "instance".into()),
        counter: args.counter || configured.as_ref().is_some_and(|c| c.counter),
        step,
    }))
}

/// Reads `wanted`'s history over `[since, until)` (defaults: the last week up to `now`).
pub fn read(
    config: &Config,
    wanted: &PrometheusHistory,
    slot: Slot,
    since: Option<i64>,
    until: Option<i64>,
    now: i64,
) -> anyhow::Result<PrometheusRead> {
    let server = Prometheus::new(&wanted.url, wanted.bearer_token_file.as_deref(), REQUEST_TIMEOUT)
        .map_err(|e| bad_usage(format!("--prometheus {e}")))?;
    let fail = |e: &dyn std::fmt::Display| anyhow!("{}: {e}", wanted.url);
    let until = until.unwrap_or(now);
    let since = since.unwrap_or(until - DEFAULT_DAYS * DAY_SECS);
    let kind = if wanted.counter { SeriesKind::Counter } else { SeriesKind::Rate };
    let mut requests = 0;
    let mut notes = Vec::new();
    let step = match wanted.step {
        Some(step) => {
            let secs = step.secs();
            if secs < 1 || i64::from(slot.secs()) % secs != 0 {
                return Err(bad_usage(format!(
                    "--step {:#}: must be whole seconds that divide the slot ({slot})",
                    step.0
                )));
            }
            secs as u32
        }
        None => {
            requests += 1;
            probe_step(&server, &wanted.query, since, until, slot).map_err(|e| fail(&e))?.unwrap_or_else(|| {
                notes.push(format!(
                    "the query's values did not change in the last hour asked for: reading at a {FALLBACK_STEP} s step (--step sets it)"
                ));
                FALLBACK_STEP
            })
        }
    };
    let step64 = i64::from(step);
    // Steps end on the grid; a point at t is the step [t − step, t).
    let first_end = since.div_euclid(step64) * step64 + step64;
    let last_end = until.div_euclid(step64) * step64;
    if last_end < first_end {
        return Err(bad_usage(format!(
            "{} .. {}: shorter than one step ({step} s)",
            format_instant(since),
            format_instant(until)
        )));
    }
    // A counter's first step needs the point before it as its baseline.
    let query_start = if kind == SeriesKind::Counter { first_end - step64 } else { first_end };
    let (series, made) =
        server.range_split(&wanted.query, query_start, last_end, step).map_err(|e| fail(&format!("--query: {e}")))?;
    requests += made;
    let bytes = match &wanted.bytes_query {
        Some(q) => {
            let (series, made) =
                server.range_split(q, query_start, last_end, step).map_err(|e| fail(&format!("--bytes-query: {e}")))?;
            requests += made;
            Some(series)
        }
        None => None,
    };
    check_coverage(&series, since, until, slot).map_err(|e| fail(&e))?;

    let grid = || StepRates::new(first_end, last_end, step);
    let by_proxy = match_series(&series, &config.proxies, &wanted.proxy_label).map_err(|e| fail(&e))?;
    let bytes_by_proxy = bytes
        .as_ref()
        .map(|b| match_series(b, &config.proxies, &wanted.proxy_label))
        .transpose()
        .map_err(|e| fail(&format!("--bytes-query: {e}")))?;
    let rates_of = |matched: &Matched, series: &[Series]| -> Vec<Option<StepRates>> {
        match matched {
            Matched::Fleet => {
                let mut fleet = grid();
                fleet.add(kind, &series[0].points);
                let total: f64 = config.proxies.iter().map(|p| p.capacity_rps.0).sum();
                config.proxies.iter().map(|p| Some(fleet.scaled(p.capacity_rps.0 / total))).collect()
            }
            Matched::PerProxy(of_series) => {
                let mut rates: Vec<Option<StepRates>> = vec![None; config.proxies.len()];
                for (s, &proxy) in series.iter().zip(of_series) {
                    rates[proxy].get_or_insert_with(grid).add(kind, &s.points);
                }
                rates
            }
        }
    };
    let rates = rates_of(&by_proxy, &series);
    let byte_rates = bytes_by_proxy.as_ref().zip(bytes.as_ref()).map(|(m, s)| rates_of(m, s));
    let shared = matches!(by_proxy, Matched::Fleet);
    if shared {
        notes.push(format!(
            "one series for the whole fleet: shared over the {} proxies by their capacity_rps",
            config.proxies.len()
        ));
    }
    let mut sources = Vec::new();
    let mut histories = Vec::new();
    let mut spans = Vec::new();
    for (i, (proxy, rates)) in config.proxies.iter().zip(&rates).enumerate() {
        let Some(rates) = rates else {
            notes.push(format!("proxy {} has no series in the query's answer: its capacity is left out", proxy.name));
            continue;
        };
        let bytes = byte_rates.as_ref().and_then(|b| b[i].as_ref());
        sources.push(Source { name: proxy.name.clone(), capacity_rps: proxy.capacity_rps.0 });
        histories.push(rates.slot_usage(bytes, slot));
        spans.push(rates.span());
    }
    let origin = PrometheusOrigin { url: server.url().to_string(), step, requests, series: series.len(), shared };
    Ok(PrometheusRead { sources, histories, spans, origin, notes })
}

/// The step the data holds: how often the query's value changes over the last hour asked for,
/// read at 1 s steps.
fn probe_step(server: &Prometheus, query: &str, since: i64, until: i64, slot: Slot) -> Result<Option<u32>, String> {
    let from = since.max(until - 3600);
    let series = server.range(query, from, until, 1).map_err(|e| format!("--query: {e}"))?;
    Ok(series.iter().filter_map(|s| step_rates::step_of_changes(&s.points, slot)).min())
}

/// A range the data does not reach, more than a slot short at either end, is an error that
/// says what came back: it is usually beyond the server's retention.
fn check_coverage(series: &[Series], since: i64, until: i64, slot: Slot) -> Result<(), String> {
    let first = series.iter().filter_map(|s| s.points.first()).map(|p| p.0).min();
    let last = series.iter().filter_map(|s| s.points.last()).map(|p| p.0).max();
    let asked = format!("{} .. {}", format_instant(since), format_instant(until));
    let (Some(first), Some(last)) = (first, last) else {
        return Err(format!(
            "--query: no data at all in {asked}: beyond the server's retention, or a query no series matches"
        ));
    };
    let slack = i64::from(slot.secs());
    if first > since + slack || last < until - slack {
        return Err(format!(
            "--query: data only from {} to {} of {asked} asked (the server's retention?): give --since/--until inside it",
            format_instant(first),
            format_instant(last)
        ));
    }
    Ok(())
}

/// Which proxy each series counts for.
enum Matched {
    /// One series without the proxy label: the whole fleet.
    Fleet,
    /// The proxy of each series, in order.
    PerProxy(Vec<usize>),
}

fn match_series(series: &[Series], proxies: &[Proxy], label: &str) -> Result<Matched, String> {
    if let [only] = series
        && !only.labels.contains_key(label)
    {
        return Ok(Matched::Fleet);
    }
    let mut of_series = Vec::with_capacity(series.len());
    for s in series {
        let Some(value) = s.labels.get(label) else {
            return Err(format!(
                "series {} has no `{label}` label: sum by ({label}), or give --proxy-label",
                s.describe()
            ));
        };
        let Some(proxy) = proxy_of(value, proxies) else {
            let names: Vec<&str> = proxies.iter().map(|p| p.name.as_str()).collect();
            return Err(format!(
                "series {}: {label}={value:?} is none of the proxies ({}) nor their addresses",
                s.describe(),
                names.join(", ")
            ));
        };
        of_series.push(proxy);
    }
    Ok(Matched::PerProxy(of_series))
}

/// The proxy a label value names: its name or one of its addresses, with or without a port
/// (`edge-1`, `edge-1:9113`, `127.0.0.11:9113`, `[::1]:9113`).
pub fn proxy_of(value: &str, proxies: &[Proxy]) -> Option<usize> {
    let host = match value.strip_prefix('[') {
        Some(rest) => rest.split_once(']').map_or(rest, |(h, _)| h),
        None if value.matches(':').count() == 1 => value.split_once(':').map_or(value, |(h, _)| h),
        None => value,
    };
    proxies.iter().position(|p| {
        p.name == value || p.name == host || p.addresses.iter().any(|a| a.to_string() == host || a.to_string() == value)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::{Path, PathBuf};

    fn proxies() -> Vec<Proxy> {
        let text = "network: {zone: cdn.example.net, nameservers: [{name: ns1.cdn.example.net, addresses: [127.0.0.1]}]}\n\
                    proxies:\n  - {name: edge-1, addresses: [127.0.0.11], capacity_rps: 10}\n  - {name: edge-2, addresses: ['::1'], capacity_rps: 30}\n";
        Config::parse(text, Path::new("t.yaml"), PathBuf::new()).unwrap().proxies
    }

    #[test]
    fn a_series_names_its_proxy_by_name_or_address_with_or_without_a_port() {
        let p = proxies();
        for (value, want) in [
            ("edge-1", Some(0)),
            ("edge-1:9113", Some(0)),
            ("127.0.0.11:9113", Some(0)),
            ("127.0.0.11", Some(0)),
            ("[::1]:9113", Some(1)),
            ("::1", Some(1)),
            ("edge-3", None),
        ] {
            assert_eq!(proxy_of(value, &p), want, "{value}");
        }
    }

    #[test]
    fn one_series_without_the_label_is_the_fleet_and_otherwise_each_needs_it() {
        let p = proxies();
        let series = |labels: &[(&str, &str)]| Series {
            labels: labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            points: vec![],
        };
        assert!(matches!(match_series(&[series(&[])], &p, "instance"), Ok(Matched::Fleet)));
        let two = [series(&[("instance", "edge-2:80")]), series(&[("instance", "edge-1:80")])];
        assert!(matches!(match_series(&two, &p, "instance"), Ok(Matched::PerProxy(v)) if v == [1, 0]));
        let err = match_series(&[series(&[("job", "nginx")]), series(&[])], &p, "instance").err().unwrap();
        assert_eq!(err, "series {job=\"nginx\"} has no `instance` label: sum by (instance), or give --proxy-label");
        let err = match_series(&[series(&[("instance", "edge-9")])], &p, "instance").err().unwrap();
        assert!(err.contains("instance=\"edge-9\" is none of the proxies (edge-1, edge-2)"), "{err}");
    }
}
