//! `surplus config check`: validate, then summarise what the config describes, and hold its
//! currency against the ledger's sales (read-only: the check writes nothing).

use std::io::{self, Write};
use std::path::Path;

use serde::Serialize;

use crate::cli::CheckArgs;
use crate::config::{Buyer, Config, Fallback, Proxy};
use crate::ledger::{Access, LedgerError};
use crate::monitor::prometheus_query::PrometheusQuerySource;
use crate::output::{self, Format, Rows};

#[derive(Serialize)]
struct Summary<'a> {
    file: String,
    zone: &'a str,
    nameservers: usize,
    proxies: &'a [Proxy],
    total_capacity_rps: f64,
    buyers: &'a [Buyer],
    database: String,
    /// `sqlite` or `postgres`.
    ledger_backend: &'static str,
    currency: &'a str,
    /// Sales in the ledger per currency; `None` when there is no ledger (or it cannot be read).
    ledger_sales_by_currency: Option<std::collections::BTreeMap<String, i64>>,
    /// What the config means that an operator may not expect.
    notes: Vec<String>,
    /// With `--online`: what `monitor.prometheus_query` returned.
    #[serde(skip_serializing_if = "Option::is_none")]
    prometheus_query: Option<&'a Online>,
}

/// What `monitor.prometheus_query` returned once, per buyer.
#[derive(Serialize)]
struct Online {
    url: String,
    /// `rate` (requests per second) or `counter` (requests counted).
    values: &'static str,
    series: usize,
    /// Per buyer, in the config's order: the sum over its hosts, `None` when no series is one
    /// of its hosts.
    buyers: Vec<(String, Option<f64>)>,
    /// Series whose host is no buyer's, and their sum.
    other_hosts: usize,
    other_sum: f64,
}

/// Runs the query once; its failure is the check's.
fn online(config: &Config) -> anyhow::Result<Option<Online>> {
    let Some(source) = PrometheusQuerySource::new_unread(config) else {
        anyhow::bail!("--online: the configuration has no monitor.prometheus_query to run");
    };
    let query = config.monitor.prometheus_query.as_ref().expect("the source has its query");
    let series = source.read().map_err(|e| anyhow::anyhow!("monitor.prometheus_query: {e}"))?;
    source.check_labels(&series).map_err(|e| anyhow::anyhow!("monitor.prometheus_query: {e}"))?;
    let mut buyers: Vec<(String, Option<f64>)> = config.buyers.iter().map(|b| (b.name.clone(), None)).collect();
    let (mut other_hosts, mut other_sum) = (0, 0.0);
    for s in &series {
        let value = s.points.first().map_or(0.0, |p| p.1);
        match source.buyer_of(s) {
            Some(&b) => *buyers[b].1.get_or_insert(0.0) += value,
            None => {
                other_hosts += 1;
                other_sum += value;
            }
        }
    }
    let values = if query.counter { "counter" } else { "rate" };
    Ok(Some(Online { url: query.url.clone(), values, series: series.len(), buyers, other_hosts, other_sum }))
}

impl Online {
    fn line(&self) -> String {
        let unit = if self.values == "rate" { " rps" } else { " requests counted" };
        let buyers: Vec<String> = self
            .buyers
            .iter()
            .map(|(name, v)| match v {
                Some(v) => format!("{name} {}{unit}", output::rps(*v)),
                None => format!("{name} none (no series has one of its hosts)"),
            })
            .collect();
        format!(
            "monitor.prometheus_query {}: {} series; {}; {} other host{} ({}{unit})",
            self.url,
            self.series,
            buyers.join(", "),
            self.other_hosts,
            if self.other_hosts == 1 { "" } else { "s" },
            output::rps(self.other_sum)
        )
    }
}

/// One line per buyer host delegated to us whose fallback is a `handback`: the CNAME it would
/// be cannot be at a zone apex, so it is answered with addresses learned instead.
fn notes(config: &Config) -> Vec<String> {
    let from = if config.dns.resolvers.is_empty() {
        "the system's resolvers (dns.resolvers is empty)"
    } else {
        "dns.resolvers"
    };
    config
        .buyers
        .iter()
        .filter_map(|b| b.fallback.handback.as_ref().map(|target| (b, target)))
        .flat_map(|(b, target)| {
            config.delegated_hosts(b).map(move |host| {
                format!(
                    "{host} is delegated to us: a zone apex cannot be a CNAME (RFC 1034 §3.6.2), so its fallback answers are {target}'s addresses, learned from {from}"
                )
            })
        })
        .collect()
}

/// Prints the summary of a config that has already loaded (and so is valid).
pub fn run(path: &Path, config: &Config, db: Option<&Path>, args: &CheckArgs) -> anyhow::Result<()> {
    let location = config.ledger_location(db)?;
    let online = if args.online { online(config)? } else { None };
    let summary = Summary {
        file: path.display().to_string(),
        zone: config.network.zone.as_str(),
        nameservers: config.network.nameservers.len(),
        proxies: &config.proxies,
        total_capacity_rps: config.total_capacity(),
        buyers: &config.buyers,
        database: location.to_string(),
        ledger_backend: location.backend(),
        currency: &config.market.currency.0,
        ledger_sales_by_currency: ledger_currencies(config, db)?,
        notes: notes(config),
        prometheus_query: online.as_ref(),
    };
    let mut rows = Rows::new(&["kind", "name", "capacity_rps#", "details"]);
    for p in &config.proxies {
        let addresses: Vec<String> = p.addresses.iter().map(ToString::to_string).collect();
        let log = p.log.as_ref().map_or("no log".to_string(), |l| format!("log {} ({})", l.path, l.format));
        rows.push(vec![
            "proxy".into(),
            p.name.clone(),
            output::rps(p.capacity_rps.0),
            format!("{}; {log}", addresses.join(" ")),
        ]);
    }
    for b in &config.buyers {
        let hosts: Vec<&str> = b.hosts.iter().map(|h| h.as_str()).collect();
        let details = format!("{}; {}; estimate {}", hosts.join(" "), fallback(&b.fallback), b.estimate.0);
        rows.push(vec!["buyer".into(), b.name.clone(), String::new(), details]);
    }
    let mut out = io::stdout().lock();
    output::write(&mut out, args.format.format, &rows, &summary)?;
    if args.format.format == Format::Table {
        writeln!(
            out,
            "{} is valid: zone {}, {} proxies with {} rps in all, {} buyers; ledger {} ({})",
            summary.file,
            summary.zone,
            config.proxies.len(),
            output::rps(summary.total_capacity_rps),
            config.buyers.len(),
            summary.database,
            summary.ledger_backend
        )?;
        for note in &summary.notes {
            writeln!(out, "note: {note}")?;
        }
        if let Some(online) = &online {
            writeln!(out, "{}", online.line())?;
        }
    }
    let ours = &config.market.currency.0;
    let others: Vec<String> = summary
        .ledger_sales_by_currency
        .iter()
        .flatten()
        .filter(|(c, _)| *c != ours)
        .map(|(c, n)| format!("{c} ({n} sale{})", if *n == 1 { "" } else { "s" }))
        .collect();
    if !others.is_empty() {
        eprintln!(
            "warning: market.currency is {ours}, but the ledger {} has sales in {}; new prices will be in {ours}, and reports total each currency apart",
            summary.database,
            others.join(", ")
        );
    }
    Ok(())
}

/// The ledger's sales per currency, read-only. No ledger yet is no error; one this user cannot
/// read, or that needs migrating, is noted on stderr; a file that is not a ledger is an error.
fn ledger_currencies(
    config: &Config,
    db: Option<&Path>,
) -> anyhow::Result<Option<std::collections::BTreeMap<String, i64>>> {
    match super::open_ledger(config, db, Access::Read) {
        Ok(ledger) => Ok(Some(ledger.sale_currencies()?.into_iter().collect())),
        Err(e) => match e.downcast_ref::<LedgerError>() {
            Some(LedgerError::Missing { .. }) => Ok(None),
            Some(LedgerError::NotLedger { .. } | LedgerError::TooNew { .. }) | None => Err(e),
            Some(_) => {
                eprintln!("note: the ledger's currencies were not checked: {e:#}");
                Ok(None)
            }
        },
    }
}

fn fallback(f: &Fallback) -> String {
    let algorithm = f
        .algorithm
        .map(|a| format!(" by {}", serde_yaml::to_string(&a).unwrap_or_default().trim()))
        .unwrap_or_default();
    if let Some(name) = &f.handback {
        return format!("handback to {name}");
    }
    if let Some(servers) = &f.servers {
        let list: Vec<String> = servers.iter().map(|s| s.address.to_string()).collect();
        return format!("servers {}{algorithm}", list.join(" "));
    }
    f.resolve.as_ref().map_or_else(String::new, |name| format!("resolve {name}{algorithm}"))
}
