//! `surplus dns serve`: zone data from the config, listeners, and the threads around them: the
//! watcher (src/control/: sales, the monitor, each buyer's controller setting its fraction of
//! proxy answers, the lease and published state among several servers, and the usage
//! samples), proxy health checks, `resolve:` learning, and signals (SIGHUP reloads,
//! SIGINT/SIGTERM stop).

use std::io::Write;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};

use anyhow::Context;
use jiff::Timestamp;
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

use crate::cli::ServeArgs;
use crate::config::{Config, node_name};
use crate::control::cluster::Cluster;
use crate::control::controllers::Controllers;
use crate::control::sample_expiry::SampleExpiry;
use crate::control::usage_fold::UsageFold;
use crate::control::usage_writer::UsageWriter;
use crate::control::watcher::{LEDGER_WAITS, Watcher};
use crate::core::zone_serial;
use crate::dns::cookie::CookieSecret;
use crate::dns::edns_extras::EdnsExtras;
use crate::dns::fallback_learner;
use crate::dns::generation::Generation;
use crate::dns::metrics;
use crate::dns::server::Listeners;
use crate::dns::serving::Serving;
use crate::dns::zone_data::{self, Learned};
use crate::ledger::location::Location;
use crate::ledger::{Access, Ledger};

/// `dns serve`.
pub fn serve(config: Config, config_path: &Path, db: Option<&Path>, args: &ServeArgs) -> anyhow::Result<()> {
    let learned = Arc::new(Mutex::new(Learned::new()));
    // The ledger before the zones: it holds their serials. It also takes the usage samples.
    let ledger_location = config.ledger_location(db)?;
    let mut ledger = super::open_ledger(&config, db, Access::Write)?;
    ledger.limit_waits(LEDGER_WAITS)?;
    let serials = zone_serials(&mut ledger, &config)?;
    // Made once per start, so a reload keeps clients' cookies valid.
    let generated = random_secret()?;
    let node = node_name::node_name(&config, args.node.as_deref());
    let extras = edns_extras(&config, &node, &generated)?;
    let first =
        Generation::new(config, &learned.lock().unwrap_or_else(|e| e.into_inner()), &serials)?.with_extras(extras);
    let config = Arc::clone(&first.config);
    let addresses = if args.listen.is_empty() { config.dns_addresses() } else { args.listen.clone() };
    let threads = args.threads.map_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()), usize::from);
    let listeners = Listeners::bind(&addresses, threads).with_context(|| format!("cannot listen on {addresses:?}"))?;
    let bound = listeners.local_addrs()?;
    crate::dns::health::start(&config, &first.live);
    let serving = Serving::new(first);
    let signals = Signals::new([SIGHUP, SIGINT, SIGTERM]).context("cannot handle signals")?;
    {
        let mut out = std::io::stdout().lock();
        for addr in &bound {
            writeln!(out, "listening on {addr} (udp, tcp)")?;
        }
        if let Some(addr) = args.metrics.or(config.dns.metrics) {
            let at = metrics::serve(addr, Arc::clone(&serving))
                .with_context(|| format!("cannot serve metrics on {addr}"))?;
            writeln!(out, "metrics on http://{at}/metrics")?;
        }
        out.flush()?;
    }
    let server_name = bound.first().map_or_else(String::new, SocketAddr::to_string);
    let now_ms = Timestamp::now().as_millisecond();
    let mut watcher = Watcher {
        usage: UsageWriter::new(server_name.clone(), &serving.current().1),
        controllers: Controllers::new(&serving.current().1),
        cluster: Cluster::new(node.clone(), server_name, now_ms),
        ledger,
        ledger_location: ledger_location.clone(),
        expiry: SampleExpiry::default(),
        fold: usage_fold(&config, db, &ledger_location)?,
    };
    watcher.start(&serving)?;
    let watcher = {
        let serving = Arc::clone(&serving);
        std::thread::spawn(move || watcher.run(&serving))
    };
    fallback_learner::start(Arc::clone(&serving), Arc::clone(&learned));
    let signaller = {
        let (serving, path, db) = (Arc::clone(&serving), config_path.to_path_buf(), db.map(Path::to_path_buf));
        std::thread::spawn(move || handle_signals(signals, &serving, &path, db.as_deref(), &learned, &node, &generated))
    };
    tracing::info!(
        "serving {} ({} zones), {} proxies, {} buyers, {threads} threads per address",
        config.network.zone,
        serving.current().1.zone.index.zones(),
        config.proxies.len(),
        config.buyers.len()
    );
    listeners.serve(&serving)?;
    let lost = watcher.join().unwrap_or(None);
    drop(signaller); // blocked on the next signal; the process ends without it
    tracing::info!("stopped");
    match lost {
        Some(n) => anyhow::bail!("stopped with {n} usage samples neither in the ledger nor kept (see above)"),
        None => Ok(()),
    }
}

/// PostgreSQL's fold of the servers' pending usage, on a connection of its own (opened now,
/// so a ledger that takes the watcher's connection but not a second says so at the start).
fn usage_fold(config: &Config, db: Option<&Path>, at: &Location) -> anyhow::Result<Option<UsageFold>> {
    let Location::Postgres(_) = at else { return Ok(None) };
    let mut ledger = super::open_ledger(config, db, Access::Write)?;
    ledger.limit_waits(LEDGER_WAITS)?;
    Ok(Some(UsageFold::start(ledger, at.clone()).context("cannot start the usage fold")?))
}

/// SIGHUP: reload the config (a bad one is reported and the running one kept). SIGINT,
/// SIGTERM: stop serving.
fn handle_signals(
    mut signals: Signals,
    serving: &Serving,
    path: &Path,
    db: Option<&Path>,
    learned: &Mutex<Learned>,
    node: &str,
    generated: &CookieSecret,
) {
    for signal in signals.forever() {
        if signal != SIGHUP {
            tracing::info!("stopping (signal {signal})");
            serving.stop();
            return;
        }
        match reload(serving, path, db, learned, node, generated) {
            Ok(summary) => tracing::info!("reloaded {}: {summary}", path.display()),
            Err(e) => tracing::error!("reload failed, still serving the previous config: {e:#}"),
        }
    }
}

/// Loads `path` and swaps in a generation built from it.
fn reload(
    serving: &Serving,
    path: &Path,
    db: Option<&Path>,
    learned: &Mutex<Learned>,
    node: &str,
    generated: &CookieSecret,
) -> anyhow::Result<String> {
    let config = Config::load(path)?;
    let extras = edns_extras(&config, node, generated)?;
    let (_, current) = serving.current();
    if config.ledger_location(db)?.to_string() != current.config.ledger_location(db)?.to_string() {
        anyhow::bail!("`database` changed; restart to use another ledger");
    }
    if config.dns.listen != current.config.dns.listen {
        tracing::warn!("dns.listen changed: listen addresses take effect on restart");
    }
    let serials = match super::open_ledger(&config, db, Access::Write).and_then(|mut l| zone_serials(&mut l, &config)) {
        Ok(serials) => serials,
        Err(e) => {
            // Alone is safe: a reload does not wait for the ledger. Unchanged zones keep their
            // serial; changed ones go past it, as the ledger would have.
            let fallback = unrecorded_serials(&current, &config)?;
            tracing::warn!("zone serials not recorded ({e:#}); serving {fallback:?}");
            fallback
        }
    };
    let next =
        current.reloaded(config, &learned.lock().unwrap_or_else(|e| e.into_inner()), &serials)?.with_extras(extras);
    crate::dns::health::start(&next.config, &next.live);
    let summary = format!("{} proxies, {} buyers", next.config.proxies.len(), next.config.buyers.len());
    serving.replace(next);
    Ok(summary)
}

/// Each zone's SOA serial for `config`'s data, from the ledger (recorded there when new).
pub fn zone_serials(ledger: &mut Ledger, config: &Config) -> anyhow::Result<Vec<u32>> {
    let fingerprints = zone_data::fingerprints(config)?;
    ledger.zone_serials(&fingerprints, Timestamp::now().as_second()).context("cannot record the zones' serials")
}

/// Serials without the ledger: the rule the ledger applies ([`zone_serial::serial_for`]), after
/// the serials being served.
fn unrecorded_serials(current: &Generation, config: &Config) -> anyhow::Result<Vec<u32>> {
    let before = zone_data::fingerprints(&current.config)?;
    let now = Timestamp::now().as_second();
    Ok(zone_data::fingerprints(config)?
        .iter()
        .map(|(apex, fingerprint)| {
            let latest = before
                .iter()
                .zip(&current.zone.serials)
                .find(|((a, _), _)| a == apex)
                .map(|((_, known), &serial)| (serial, known.as_str()));
            zone_serial::serial_for(latest, fingerprint, now).0
        })
        .collect())
}

/// The NSID (`dns.nsid`, else the node's name) and cookie secret (`dns.cookie_secret_file`,
/// else `generated`) the server answers with.
fn edns_extras(config: &Config, node: &str, generated: &CookieSecret) -> anyhow::Result<EdnsExtras> {
    let nsid = node_name::nsid(config, node);
    let secret = match config.cookie_secret_path() {
        Some(path) => read_secret(&path)?,
        None => generated.clone(),
    };
    Ok(EdnsExtras::new(nsid.as_bytes(), Some(secret)))
}

/// A cookie secret file: 32 hex digits (surrounding white space allowed). The error names the
/// file but never shows its content.
fn read_secret(path: &Path) -> anyhow::Result<CookieSecret> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read dns.cookie_secret_file {}", path.display()))?;
    let hex = text.trim();
    let bad = || anyhow::anyhow!("{}: expected 32 hex digits (a 128-bit cookie secret)", path.display());
    if hex.len() != 32 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad());
    }
    let mut key = [0u8; 16];
    for (i, b) in key.iter_mut().enumerate() {
        *b = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).map_err(|_| bad())?;
    }
    Ok(CookieSecret::new(key))
}

/// A cookie secret from the system's random source.
fn random_secret() -> anyhow::Result<CookieSecret> {
    use rand::TryRngCore;
    let mut key = [0u8; 16];
    rand::rngs::OsRng.try_fill_bytes(&mut key).context("cannot get random bytes for the cookie secret")?;
    Ok(CookieSecret::new(key))
}
