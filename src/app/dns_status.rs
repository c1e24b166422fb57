//! `surplus dns status`: what the controller is doing, per buyer, read from the running
//! server's metrics endpoint; when no server answers there, from the ledger's newest usage
//! samples (and it says so). When the ledger can be read and `dns serve` nodes heartbeat
//! into it, also the cluster: each node (address, last heartbeat, version, config hash, role,
//! applied control version, what it serves per buyer), the leader and since when, and the
//! warnings [`crate::core::cluster_view`] decides against this host's wall clock.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::time::Duration;

use serde::Serialize;

use crate::cli::StatusArgs;
use crate::config::Config;
use crate::core::cluster_view::{self, Beat};
use crate::ledger::{Access, Ledger};
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
    /// The `dns serve` nodes heartbeating into the ledger, by name (none when the ledger
    /// cannot be read or no node wrote to it).
    nodes: Vec<NodeLine>,
    /// Who leads the control now (`None`: nobody, or the lease expired).
    leader: Option<LeaderLine>,
    /// What is wrong with the cluster, one line each.
    warnings: Vec<String>,
}

/// One node's line, from its heartbeat row.
#[derive(Debug, Clone, Serialize)]
struct NodeLine {
    node: String,
    /// The process: node:pid:random.
    instance: String,
    address: String,
    /// RFC 3339.
    heartbeat: String,
    /// Seconds since its heartbeat by this host's clock (negative: its clock is ahead).
    heartbeat_age_s: f64,
    /// The same for people: `2.1 s ago`.
    #[serde(skip)]
    age: String,
    interval_ms: i64,
    version: String,
    config_hash: String,
    /// `leader` or `follower`.
    role: &'static str,
    /// The epoch it says it leads in.
    leading_epoch: Option<i64>,
    /// The version of the published control state it applies.
    applied_version: Option<i64>,
    /// RFC 3339.
    started: String,
    /// Per buyer, the share of answers it sends to proxies.
    serving: BTreeMap<String, f64>,
    /// Its last interval's DNS queries per buyer, as it wrote them.
    counts: serde_json::Value,
}

/// The lease's holder while it runs.
#[derive(Debug, Clone, Serialize)]
struct LeaderLine {
    node: String,
    epoch: i64,
    /// RFC 3339: when this epoch began.
    since: String,
    /// RFC 3339: when the lease ends unless renewed.
    expires: String,
}

/// The cluster part of the status.
#[derive(Debug, Default)]
struct Cluster {
    nodes: Vec<NodeLine>,
    leader: Option<LeaderLine>,
    warnings: Vec<String>,
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
            return Ok(with_cluster_of(from_metrics(&text, url), config, db));
        }
        (None, Some(addr)) => {
            let url = format!("http://{addr}/metrics");
            match fetch(&url) {
                Ok(text) => return Ok(with_cluster_of(from_metrics(&text, url), config, db)),
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
    let Cluster { nodes, leader, warnings } = cluster(&ledger, jiff::Timestamp::now().as_millisecond())?;
    Ok(Status {
        source: format!("ledger {location} ({when}; {why_ledger})"),
        buyers,
        monitors: Vec::new(),
        load_rps: None,
        nodes,
        leader,
        warnings,
    })
}

/// `status` from the metrics, with the cluster from the ledger if it can be read. One server's
/// metrics are complete without it, so a ledger that cannot be read is a note on stderr, not
/// an error.
fn with_cluster_of(mut status: Status, config: &Config, db: Option<&Path>) -> Status {
    let read = super::open_ledger(config, db, Access::Read)
        .and_then(|ledger| cluster(&ledger, jiff::Timestamp::now().as_millisecond()));
    match read {
        Ok(Cluster { nodes, leader, warnings }) => {
            (status.nodes, status.leader, status.warnings) = (nodes, leader, warnings)
        }
        Err(e) => eprintln!("note: no nodes shown: the ledger: {e:#}"),
    }
    status
}

/// The nodes, the leader and the warnings from `ledger`'s heartbeats and lease, at `now`
/// (unix ms, this host's wall clock).
fn cluster(ledger: &Ledger, now: i64) -> anyhow::Result<Cluster> {
    let rows = ledger.dns_nodes()?;
    if rows.is_empty() {
        return Ok(Cluster::default());
    }
    let lease = ledger.control_lease()?.map(|row| row.lease);
    let beats: Vec<Beat<'_>> = rows
        .iter()
        .map(|r| Beat {
            node: &r.node,
            config_hash: &r.config_hash,
            heartbeat_at: r.heartbeat_at,
            interval_ms: r.interval_ms,
            leading_epoch: r.leading_epoch,
        })
        .collect();
    let nodes = rows
        .iter()
        .zip(&beats)
        .map(|(r, beat)| NodeLine {
            node: r.node.clone(),
            instance: r.instance.clone(),
            address: r.address.clone(),
            heartbeat: instant_ms(r.heartbeat_at),
            heartbeat_age_s: (now - r.heartbeat_at) as f64 / 1000.0,
            age: cluster_view::age(r.heartbeat_at, now),
            interval_ms: r.interval_ms,
            version: r.version.clone(),
            config_hash: r.config_hash.clone(),
            role: cluster_view::role(beat, lease.as_ref(), now).as_str(),
            leading_epoch: r.leading_epoch,
            applied_version: r.applied_version,
            started: instant_ms(r.started_at),
            serving: serving(&r.serving),
            counts: serde_json::from_str(&r.counts).unwrap_or_else(|_| serde_json::Value::String(r.counts.clone())),
        })
        .collect();
    let leader = cluster_view::current_lease(lease.as_ref(), now).map(|l| LeaderLine {
        node: l.holder.clone(),
        epoch: l.epoch,
        since: instant_ms(l.since),
        expires: instant_ms(l.expires),
    });
    let warnings = cluster_view::warnings(&beats, lease.as_ref(), now).iter().map(ToString::to_string).collect();
    Ok(Cluster { nodes, leader, warnings })
}

/// A node's `serving` column, `{"BUYER": f, ...}`; what is not a number is left out (a
/// newer node may write more than a share there).
fn serving(json: &str) -> BTreeMap<String, f64> {
    let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(json) else {
        return BTreeMap::new();
    };
    map.into_iter().filter_map(|(buyer, f)| f.as_f64().map(|f| (buyer, f))).collect()
}

/// Unix ms as RFC 3339 (`2026-12-02T18:30:01.25Z`).
fn instant_ms(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms).map_or_else(|_| ms.to_string(), |t| t.to_string())
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
    Status {
        source: format!("metrics {url}"),
        buyers,
        monitors,
        load_rps,
        nodes: Vec::new(),
        leader: None,
        warnings: Vec::new(),
    }
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
        print_nodes(out, status)?;
    }
    if format == Format::Csv {
        // The CSV is the buyers' table alone, for programs; a person running it still sees
        // what is wrong.
        for w in &status.warnings {
            eprintln!("warning: {w}");
        }
    }
    Ok(())
}

/// The nodes' table, the leader and the warnings, below the buyers (nothing without nodes).
fn print_nodes(out: &mut dyn Write, status: &Status) -> anyhow::Result<()> {
    if status.nodes.is_empty() {
        return Ok(());
    }
    let mut rows = Rows::new(&["node", "address", "heartbeat", "version", "config", "role", "applied#", "serving"]);
    for n in &status.nodes {
        let serving: Vec<String> = n.serving.iter().map(|(buyer, f)| format!("{buyer} {f:.3}")).collect();
        rows.push(vec![
            n.node.clone(),
            n.address.clone(),
            n.age.clone(),
            n.version.clone(),
            n.config_hash.clone(),
            n.role.to_string(),
            n.applied_version.map_or(output::NOTHING.to_string(), |v| v.to_string()),
            if serving.is_empty() { output::NOTHING.to_string() } else { serving.join(", ") },
        ]);
    }
    writeln!(out)?;
    output::write_table(out, &rows)?;
    match &status.leader {
        Some(l) => writeln!(out, "leader: {} (epoch {}) since {}", l.node, l.epoch, l.since)?,
        None => writeln!(out, "leader: none")?,
    }
    for w in &status.warnings {
        writeln!(out, "warning: {w}")?;
    }
    Ok(())
}
