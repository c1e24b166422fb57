//! `surplus dns status`: what the controller is doing, per buyer, read from the running
//! server's metrics endpoint; when no server answers there, from the ledger's newest usage
//! samples (and it says so).

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::time::Duration;

use serde::Serialize;

use crate::cli::StatusArgs;
use crate::config::Config;
use crate::ledger::Access;
use crate::monitor::stats_text::series;
use crate::output::{self, Format, Rows};

/// One buyer's line.
#[derive(Debug, Clone, Default, Serialize)]
struct BuyerLine {
    buyer: String,
    purchased_rps: f64,
    /// Of `purchased_rps`, the best-effort cap in force (from the metrics only).
    best_effort_rps: Option<f64>,
    served_rps: Option<f64>,
    target_rps: Option<f64>,
    f: f64,
    /// Share of the hash line excluded for lumps (from the metrics only).
    excluded: Option<f64>,
    /// The fraction raises stop under (from the metrics only).
    ceiling: Option<f64>,
    proxy_answers: u64,
    fallback_answers: u64,
    mode: String,
    monitor: String,
}

/// The whole status.
#[derive(Debug, Serialize)]
struct Status {
    /// `metrics http://…` or `ledger FILE (newest samples, from TIME)`.
    source: String,
    buyers: Vec<BuyerLine>,
    /// Monitor sources, from the metrics: proxy, source, up.
    monitors: Vec<(String, String, bool)>,
    /// Requests per second all proxies served last interval (from the metrics only).
    load_rps: Option<f64>,
}

/// `dns status`.
pub fn status(config: &Config, db: Option<&Path>, args: &StatusArgs) -> anyhow::Result<()> {
    loop {
        let status = read(config, db, args)?;
        let mut out = std::io::stdout().lock();
        if args.watch.is_some() && out.is_terminal() {
            write!(out, "\x1b[2J\x1b[H")?;
        }
        print(&mut out, &status, args.format.format)?;
        out.flush()?;
        let Some(every) = args.watch else { return Ok(()) };
        std::thread::sleep(Duration::from_secs(u64::from(every.max(1))));
    }
}

/// From the metrics endpoint if one answers, else from the ledger. An endpoint given with
/// `--metrics` must answer (asked for it, the user must not get stale samples unawares); the
/// one from `dns.metrics` may be down (no server running), which a note on stderr says.
fn read(config: &Config, db: Option<&Path>, args: &StatusArgs) -> anyhow::Result<Status> {
    let why_ledger = match (args.metrics, config.dns.metrics) {
        (Some(addr), _) => {
            let url = format!("http://{addr}/metrics");
            let text = fetch(&url).map_err(|e| anyhow::anyhow!("--metrics {url}: no answer: {e}"))?;
            return Ok(from_metrics(&text, url));
        }
        (None, Some(addr)) => {
            let url = format!("http://{addr}/metrics");
            match fetch(&url) {
                Ok(text) => return Ok(from_metrics(&text, url)),
                Err(e) => {
                    let why = format!("dns.metrics {url}: no answer: {e}");
                    eprintln!("note: {why}; showing the ledger's newest usage samples");
                    why
                }
            }
        }
        (None, None) => "no --metrics, and no dns.metrics in the configuration".to_string(),
    };
    let location = config.ledger_location(db)?;
    let ledger = super::open_ledger(config, db, Access::Read)?;
    let samples = ledger.latest_usage()?;
    let from = samples.iter().map(|s| s.start).max().and_then(|t| jiff::Timestamp::from_second(t).ok());
    let buyers = samples
        .into_iter()
        .map(|s| BuyerLine {
            served_rps: s.served_requests.map(|n| n as f64 / s.seconds.max(1) as f64),
            buyer: s.buyer,
            purchased_rps: s.purchased_rps as f64,
            best_effort_rps: None,
            target_rps: None,
            f: s.fraction,
            excluded: None,
            ceiling: None,
            proxy_answers: s.proxy_answers,
            fallback_answers: s.fallback_answers,
            mode: "-".into(),
            monitor: s.monitor,
        })
        .collect();
    let when = from.map_or("no samples yet".to_string(), |t| format!("newest samples from {t}"));
    Ok(Status {
        source: format!("ledger {location} ({when}; {why_ledger})"),
        buyers,
        monitors: Vec::new(),
        load_rps: None,
    })
}

/// The metrics page at `url`, or why there is none (`connection refused`, `timeout`, `HTTP 404`).
fn fetch(url: &str) -> Result<String, String> {
    let agent = ureq::Agent::new_with_config(
        ureq::Agent::config_builder().timeout_global(Some(Duration::from_secs(2))).build(),
    );
    agent.get(url).call().and_then(|r| r.into_body().read_to_string()).map_err(|e| match e {
        ureq::Error::StatusCode(code) => format!("HTTP {code}"),
        ureq::Error::Io(io) => io.to_string(),
        other => other.to_string(),
    })
}

fn from_metrics(text: &str, url: String) -> Status {
    let label = |labels: &[(String, String)], key: &str| {
        labels.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()).unwrap_or_default()
    };
    let mut buyers: Vec<BuyerLine> = Vec::new();
    for metric in [
        "surplus_dns_fraction",
        "surplus_control_purchased_rps",
        "surplus_control_best_effort_rps",
        "surplus_control_served_rps",
        "surplus_control_target_rps",
        "surplus_control_excluded_share",
        "surplus_control_ceiling",
        "surplus_dns_answers_total",
        "surplus_control_mode",
    ] {
        for (labels, v) in series(text, metric) {
            let b = line_of(&mut buyers, label(&labels, "buyer"));
            match metric {
                "surplus_dns_fraction" => b.f = v,
                "surplus_control_purchased_rps" => b.purchased_rps = v,
                "surplus_control_best_effort_rps" => b.best_effort_rps = Some(v),
                "surplus_control_served_rps" => b.served_rps = Some(v),
                "surplus_control_target_rps" => b.target_rps = Some(v),
                "surplus_control_excluded_share" => b.excluded = Some(v),
                "surplus_control_ceiling" => b.ceiling = Some(v),
                "surplus_dns_answers_total" if label(&labels, "kind") == "proxy" => b.proxy_answers = v as u64,
                "surplus_dns_answers_total" => b.fallback_answers = v as u64,
                _ => (b.mode, b.monitor) = (label(&labels, "mode"), label(&labels, "monitor")),
            }
        }
    }
    let monitors = series(text, "surplus_monitor_up")
        .into_iter()
        .map(|(labels, v)| (label(&labels, "proxy"), label(&labels, "source"), v == 1.0))
        .collect();
    let load_rps = series(text, "surplus_monitor_load_rps").first().map(|(_, v)| *v);
    Status { source: format!("metrics {url}"), buyers, monitors, load_rps }
}

/// The line of buyer `name`, added (off, no monitor) when it is not there yet.
fn line_of(buyers: &mut Vec<BuyerLine>, name: String) -> &mut BuyerLine {
    let i = match buyers.iter().position(|b| b.buyer == name) {
        Some(i) => i,
        None => {
            buyers.push(BuyerLine { buyer: name, mode: "off".into(), monitor: "-".into(), ..BuyerLine::default() });
            buyers.len() - 1
        }
    };
    &mut buyers[i]
}

fn print(out: &mut dyn Write, status: &Status, format: Format) -> anyhow::Result<()> {
    let mut rows = Rows::new(&[
        "buyer",
        "purchased rps#",
        "best effort rps#",
        "served rps#",
        "target rps#",
        "f#",
        "excluded#",
        "ceiling#",
        "proxy answers#",
        "fallback answers#",
        "mode",
        "monitor",
    ]);
    let opt = |v: Option<f64>| v.map_or("-".to_string(), output::rps);
    for b in &status.buyers {
        rows.push(vec![
            b.buyer.clone(),
            output::rps(b.purchased_rps),
            opt(b.best_effort_rps),
            opt(b.served_rps),
            opt(b.target_rps),
            format!("{:.3}", b.f),
            b.excluded.map_or("-".to_string(), |e| format!("{e:.3}")),
            b.ceiling.map_or("-".to_string(), |c| format!("{c:.3}")),
            b.proxy_answers.to_string(),
            b.fallback_answers.to_string(),
            b.mode.clone(),
            b.monitor.clone(),
        ]);
    }
    output::write(out, format, &rows, status)?;
    if format == Format::Table {
        writeln!(out, "from {}", status.source)?;
        if let Some(load) = status.load_rps {
            writeln!(out, "proxies served {} rps in all last interval", output::rps(load))?;
        }
        for (proxy, source, up) in &status.monitors {
            writeln!(out, "monitor {proxy}: {} ({source})", if *up { "up" } else { "DOWN" })?;
        }
    }
    Ok(())
}
