//! `surplus dns serve`: zone data from the config, listeners, and the threads around them: the
//! sales watcher that sets each buyer's fraction of proxy answers, the usage writer, proxy
//! health checks, `resolve:` learning, and signals (SIGHUP reloads, SIGINT/SIGTERM stop).

use std::io::Write;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use jiff::Timestamp;
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

use crate::cli::ServeArgs;
use crate::config::Config;
use crate::core::fraction_split::ppm;
use crate::dns::counters::{Registry, Totals};
use crate::dns::fallback_learner::{self, serial_now};
use crate::dns::generation::Generation;
use crate::dns::metrics;
use crate::dns::server::Listeners;
use crate::dns::serving::Serving;
use crate::dns::zone_data::Learned;
use crate::ledger::{Ledger, UsageSample};

/// How often active sales are re-read from the ledger (a new sale takes effect within this).
const SALES_REFRESH: Duration = Duration::from_secs(2);

/// `dns serve`.
pub fn serve(config: Config, config_path: &Path, db: Option<&Path>, args: &ServeArgs) -> anyhow::Result<()> {
    let learned = Arc::new(Mutex::new(Learned::new()));
    let first = Generation::new(config, &learned.lock().unwrap_or_else(|e| e.into_inner()), serial_now())?;
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
    let ledger_path = config.database_path(db);
    let mut ledger = Ledger::open(&ledger_path)?;
    let server_name = bound.first().map_or_else(String::new, SocketAddr::to_string);
    let mut usage = UsageWriter::new(server_name, &serving.current().1);
    refresh_sales(&mut ledger, &serving.current().1)?;
    let watcher = {
        let serving = Arc::clone(&serving);
        std::thread::spawn(move || watch(&serving, &mut ledger, &ledger_path, &mut usage))
    };
    fallback_learner::start(Arc::clone(&serving), Arc::clone(&learned));
    let signaller = {
        let (serving, path, db) = (Arc::clone(&serving), config_path.to_path_buf(), db.map(Path::to_path_buf));
        std::thread::spawn(move || handle_signals(signals, &serving, &path, db.as_deref(), &learned))
    };
    tracing::info!(
        "serving {} ({} zones), {} proxies, {} buyers, {threads} threads per address",
        config.network.zone,
        serving.current().1.zone.index.zones(),
        config.proxies.len(),
        config.buyers.len()
    );
    listeners.serve(&serving)?;
    let _ = watcher.join();
    drop(signaller); // blocked on the next signal; the process ends without it
    tracing::info!("stopped");
    Ok(())
}

/// SIGHUP: reload the config (a bad one is reported and the running one kept). SIGINT,
/// SIGTERM: stop serving.
fn handle_signals(mut signals: Signals, serving: &Serving, path: &Path, db: Option<&Path>, learned: &Mutex<Learned>) {
    for signal in signals.forever() {
        if signal != SIGHUP {
            tracing::info!("stopping (signal {signal})");
            serving.stop();
            return;
        }
        match reload(serving, path, db, learned) {
            Ok(summary) => tracing::info!("reloaded {}: {summary}", path.display()),
            Err(e) => tracing::error!("reload failed, still serving the previous config: {e:#}"),
        }
    }
}

/// Loads `path` and swaps in a generation built from it.
fn reload(serving: &Serving, path: &Path, db: Option<&Path>, learned: &Mutex<Learned>) -> anyhow::Result<String> {
    let config = Config::load(path)?;
    let (_, current) = serving.current();
    if config.database_path(db) != current.config.database_path(db) {
        anyhow::bail!("`database` changed; restart to use another ledger");
    }
    if config.dns.listen != current.config.dns.listen {
        tracing::warn!("dns.listen changed: listen addresses take effect on restart");
    }
    let next = current.reloaded(config, &learned.lock().unwrap_or_else(|e| e.into_inner()), serial_now())?;
    crate::dns::health::start(&next.config, &next.live);
    let summary = format!("{} proxies, {} buyers", next.config.proxies.len(), next.config.buyers.len());
    serving.replace(next);
    Ok(summary)
}

/// Until the server stops: re-reads sales every [`SALES_REFRESH`] and writes usage samples at
/// every `control.interval` boundary; then writes the last (partial) interval.
fn watch(serving: &Serving, ledger: &mut Ledger, ledger_path: &Path, usage: &mut UsageWriter) {
    let mut next_sales = Instant::now() + SALES_REFRESH;
    while !serving.stopping() {
        std::thread::sleep(Duration::from_millis(100));
        let (_, g) = serving.current();
        if Instant::now() >= next_sales {
            next_sales = Instant::now() + SALES_REFRESH;
            if let Err(e) = refresh_sales(ledger, &g) {
                tracing::warn!("reading sales from {}: {e:#}", ledger_path.display());
            }
        }
        if let Err(e) = usage.tick(ledger, &g, Timestamp::now().as_second(), false) {
            tracing::warn!("writing usage to {}: {e:#}", ledger_path.display());
        }
    }
    let (_, g) = serving.current();
    if let Err(e) = usage.tick(ledger, &g, Timestamp::now().as_second(), true) {
        tracing::warn!("writing usage to {}: {e:#}", ledger_path.display());
    }
}

/// Sets each buyer's fraction: its estimate while it holds capacity now, else 0. Logs changes.
fn refresh_sales(ledger: &mut Ledger, g: &Generation) -> anyhow::Result<()> {
    let holdings = ledger.holdings_at(Timestamp::now().as_second())?;
    for (i, buyer) in g.config.buyers.iter().enumerate() {
        let held = holding(&holdings, &buyer.name);
        let f = if held > 0 { ppm(buyer.estimate.0) } else { 0 };
        if g.live.set_fraction(i, f) != f {
            tracing::info!("buyer {}: {} rps bought now, fraction {:.2}", buyer.name, held, f64::from(f) / 1e6);
        }
    }
    Ok(())
}

fn holding(holdings: &[(String, i64)], buyer: &str) -> i64 {
    holdings.iter().find(|(name, _)| name == buyer).map_or(0, |(_, rps)| *rps)
}

/// Turns the answer counters into usage samples, one per buyer and `control.interval`, on a
/// grid of unix time (so samples of several servers line up).
struct UsageWriter {
    server: String,
    /// Start of the interval being counted.
    start: i64,
    /// The registries counted: the current generation's, and one a reload replaced, which
    /// serving threads may still count into for a moment, so it is read once more after.
    sources: Vec<Source>,
}

/// One registry's counts at the start of the interval.
struct Source {
    registry: Registry,
    counted: Totals,
    /// Buyers' names in the registry's order.
    buyers: Vec<String>,
    /// Replaced by a reload before the last write.
    retired: bool,
}

impl Source {
    fn of(g: &Generation) -> Source {
        Source {
            registry: g.registry.clone(),
            counted: g.registry.totals(),
            buyers: g.config.buyers.iter().map(|b| b.name.clone()).collect(),
            retired: false,
        }
    }
}

impl UsageWriter {
    fn new(server: String, g: &Generation) -> UsageWriter {
        UsageWriter { server, start: Self::grid(g, Timestamp::now().as_second()), sources: vec![Source::of(g)] }
    }

    fn interval(g: &Generation) -> i64 {
        g.config.control.interval.secs().max(1)
    }

    fn grid(g: &Generation, now: i64) -> i64 {
        now - now.rem_euclid(Self::interval(g))
    }

    /// Writes the interval when it has ended (with `last`: whatever of it has passed), one
    /// sample per buyer of the current config and per buyer a reload removed.
    fn tick(&mut self, ledger: &mut Ledger, g: &Generation, now: i64, last: bool) -> anyhow::Result<()> {
        if !self.sources.iter().any(|s| s.registry.same(&g.registry)) {
            // A new registry counts from zero.
            let mut source = Source::of(g);
            source.counted = Totals { buyers: vec![[0; 2]; source.buyers.len()], ..Totals::default() };
            self.sources.push(source);
        }
        let ended = now >= self.start + Self::interval(g);
        if !(ended || last) {
            return Ok(());
        }
        let seconds = if ended { Self::interval(g) } else { (now - self.start).max(1) };
        let mut answers: Vec<(String, [u64; 2])> = Vec::new();
        for source in &mut self.sources {
            let totals = source.registry.totals();
            for (i, buyer) in source.buyers.iter().enumerate() {
                let delta = [0, 1].map(|k| totals.buyers[i][k] - source.counted.buyers[i][k]);
                match answers.iter_mut().find(|(name, _)| name == buyer) {
                    Some((_, sum)) => *sum = [sum[0] + delta[0], sum[1] + delta[1]],
                    None => answers.push((buyer.clone(), delta)),
                }
            }
            source.counted = totals;
        }
        let holdings = ledger.holdings_at(self.start)?;
        let samples: Vec<UsageSample> = answers
            .into_iter()
            .map(|(buyer, [proxy, fallback])| {
                let index = g.config.buyers.iter().position(|b| b.name == buyer);
                UsageSample {
                    server: self.server.clone(),
                    start: self.start,
                    seconds,
                    purchased_rps: holding(&holdings, &buyer),
                    proxy_answers: proxy,
                    fallback_answers: fallback,
                    fraction: index.map_or(0.0, |j| f64::from(g.live.fraction(j)) / 1e6),
                    served_requests: None,
                    monitor: "none".into(),
                    buyer,
                }
            })
            .collect();
        ledger.record_usage(&samples)?;
        // A registry replaced before the previous write has had a whole interval for every
        // serving thread to move on; one replaced since is read once more.
        self.sources.retain(|s| !s.retired);
        for s in &mut self.sources {
            s.retired = !s.registry.same(&g.registry);
        }
        self.start = Self::grid(g, now);
        Ok(())
    }
}
