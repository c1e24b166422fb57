//! `surplus dns serve`: zone data from the config, listeners, and the sales watcher that sets
//! each buyer's fraction of proxy answers.

use std::io::Write;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use anyhow::Context;
use jiff::Timestamp;

use crate::cli::ServeArgs;
use crate::config::Config;
use crate::core::fraction_split::ppm;
use crate::dns::answerer::Live;
use crate::dns::counters::Registry;
use crate::dns::metrics::{self, Labels};
use crate::dns::server::Listeners;
use crate::dns::zone_data::ZoneData;
use crate::ledger::Ledger;

/// How often active sales are re-read from the ledger (a new sale takes effect within this).
const SALES_REFRESH: Duration = Duration::from_secs(2);

/// `dns serve`.
pub fn serve(config: &Config, db: Option<&Path>, args: &ServeArgs) -> anyhow::Result<()> {
    let now = Timestamp::now().as_second();
    let zone = Arc::new(ZoneData::new(config, u32::try_from(now).unwrap_or(u32::MAX))?);
    let capacities: Vec<u64> = config.proxies.iter().map(|p| p.capacity_rps.0 as u64).collect();
    let live = Arc::new(Live::new(config.buyers.len(), &capacities));
    let registry = Registry::new(config.buyers.len());
    let addresses = listen_addresses(config, &args.listen);
    let listeners = Listeners::bind(&addresses).with_context(|| format!("cannot listen on {addresses:?}"))?;
    {
        let mut out = std::io::stdout().lock();
        for addr in listeners.local_addrs()? {
            writeln!(out, "listening on {addr} (udp, tcp)")?;
        }
        if let Some(addr) = args.metrics.or(config.dns.metrics) {
            let labels = Labels {
                buyers: config.buyers.iter().map(|b| b.name.clone()).collect(),
                proxies: config.proxies.iter().map(|p| p.name.clone()).collect(),
            };
            let bound = metrics::serve(addr, labels, Arc::clone(&live), registry.clone())
                .with_context(|| format!("cannot serve metrics on {addr}"))?;
            writeln!(out, "metrics on http://{bound}/metrics")?;
        }
        out.flush()?;
    }
    crate::dns::health::start(config, &live);
    let ledger_path = config.database_path(db);
    let mut ledger = Ledger::open(&ledger_path)?;
    refresh_sales(config, &mut ledger, &live)?;
    let (config_for_sales, live_for_sales) = (config.clone(), Arc::clone(&live));
    std::thread::spawn(move || {
        loop {
            std::thread::sleep(SALES_REFRESH);
            if let Err(e) = refresh_sales(&config_for_sales, &mut ledger, &live_for_sales) {
                tracing::warn!("reading sales from {}: {e:#}", ledger_path.display());
            }
        }
    });
    tracing::info!(
        "serving {} ({} zones), {} proxies, {} buyers",
        config.network.zone,
        zone.index.zones(),
        config.proxies.len(),
        config.buyers.len()
    );
    let threads = args.threads.map_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()), usize::from);
    listeners.serve(zone, live, &registry, threads, usize::from(config.dns.answers))?;
    Ok(())
}

/// `--listen`, else `dns.listen`, else every name server address on port 53.
fn listen_addresses(config: &Config, flags: &[SocketAddr]) -> Vec<SocketAddr> {
    if !flags.is_empty() {
        return flags.to_vec();
    }
    if !config.dns.listen.is_empty() {
        return config.dns.listen.clone();
    }
    config.network.nameservers.iter().flat_map(|n| n.addresses.iter().map(|a| SocketAddr::new(*a, 53))).collect()
}

/// Sets each buyer's fraction: its estimate while it holds capacity now, else 0. Logs changes.
fn refresh_sales(config: &Config, ledger: &mut Ledger, live: &Live) -> anyhow::Result<()> {
    let holdings = ledger.holdings_at(Timestamp::now().as_second())?;
    for (i, buyer) in config.buyers.iter().enumerate() {
        let held = holdings.iter().find(|(name, _)| *name == buyer.name).map_or(0, |(_, rps)| *rps);
        let f = if held > 0 { ppm(buyer.estimate.0) } else { 0 };
        let before = live.fraction_ppm[i].swap(f, Ordering::Relaxed);
        if before != f {
            tracing::info!("buyer {}: {} rps bought now, fraction {:.2}", buyer.name, held, f64::from(f) / 1e6);
        }
    }
    Ok(())
}
