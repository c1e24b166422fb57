//! `surplus config check`: validate, then summarise what the config describes, and hold its
//! currency against the ledger's sales (read-only: the check writes nothing).

use std::io::{self, Write};
use std::path::Path;

use serde::Serialize;

use crate::cli::FormatArgs;
use crate::config::{Buyer, Config, Fallback, Proxy};
use crate::ledger::{Access, LedgerError};
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
pub fn run(path: &Path, config: &Config, db: Option<&Path>, args: &FormatArgs) -> anyhow::Result<()> {
    let location = config.ledger_location(db)?;
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
    output::write(&mut out, args.format, &rows, &summary)?;
    if args.format == Format::Table {
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
