//! `surplus dns serve`: zone data from the config, listeners, and the threads around them: the
//! control loop (sales, the monitor, each buyer's controller setting its fraction of proxy
//! answers, and the usage samples), proxy health checks, `resolve:` learning, and signals
//! (SIGHUP reloads, SIGINT/SIGTERM stop).

use crate::ledger::location::Location;
use std::io::Write;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use jiff::Timestamp;
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

use super::spooled_usage::SpooledUsage;
use crate::cli::ServeArgs;
use crate::config::Config;
use crate::core::control::{Params, Reading};
use crate::core::control_loop::{Buyer, ControlLoop, Readings};
use crate::core::zone_serial;
use crate::dns::control_board::{BuyerStatus, ControlBoard};
use crate::dns::cookie::CookieSecret;
use crate::dns::counters::{Registry, Totals};
use crate::dns::edns_extras::EdnsExtras;
use crate::dns::fallback_learner;
use crate::dns::generation::Generation;
use crate::dns::metrics;
use crate::dns::server::Listeners;
use crate::dns::serving::Serving;
use crate::dns::zone_data::{self, Learned};
use crate::ledger::{Access, Ledger, UsageBatch, UsageSample, Waits};
use crate::monitor::{Monitor, MonitorState, Taken};

/// How often active sales are re-read from the ledger (a new sale takes effect within this).
const SALES_REFRESH: Duration = Duration::from_secs(2);
/// How often the watcher reads the monitor's logs (so no read has much to do) and looks at
/// the clock, at most.
const POLL: Duration = Duration::from_millis(100);

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
    let extras = edns_extras(&config, &generated)?;
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
    let mut usage = UsageWriter::new(server_name, &serving.current().1);
    let mut control = Control::new(&serving.current().1);
    control.refresh_sales(&mut ledger, &serving.current().1, Timestamp::now().as_second())?;
    let watcher = {
        let serving = Arc::clone(&serving);
        std::thread::spawn(move || watch(&serving, &mut ledger, &ledger_location, &mut usage, &mut control))
    };
    fallback_learner::start(Arc::clone(&serving), Arc::clone(&learned));
    let signaller = {
        let (serving, path, db) = (Arc::clone(&serving), config_path.to_path_buf(), db.map(Path::to_path_buf));
        std::thread::spawn(move || handle_signals(signals, &serving, &path, db.as_deref(), &learned, &generated))
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

/// SIGHUP: reload the config (a bad one is reported and the running one kept). SIGINT,
/// SIGTERM: stop serving.
fn handle_signals(
    mut signals: Signals,
    serving: &Serving,
    path: &Path,
    db: Option<&Path>,
    learned: &Mutex<Learned>,
    generated: &CookieSecret,
) {
    for signal in signals.forever() {
        if signal != SIGHUP {
            tracing::info!("stopping (signal {signal})");
            serving.stop();
            return;
        }
        match reload(serving, path, db, learned, generated) {
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
    generated: &CookieSecret,
) -> anyhow::Result<String> {
    let config = Config::load(path)?;
    let extras = edns_extras(&config, generated)?;
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

/// The NSID (`dns.nsid`, else the host name) and cookie secret (`dns.cookie_secret_file`, else
/// `generated`) the server answers with.
fn edns_extras(config: &Config, generated: &CookieSecret) -> anyhow::Result<EdnsExtras> {
    let nsid = match &config.dns.nsid {
        Some(nsid) => nsid.clone(),
        None => host_name(),
    };
    let secret = match config.cookie_secret_path() {
        Some(path) => read_secret(&path)?,
        None => generated.clone(),
    };
    Ok(EdnsExtras::new(nsid.as_bytes(), Some(secret)))
}

/// The host name, as NSID: printable ASCII only, at most 255 bytes; empty if there is none.
fn host_name() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: gethostname writes at most `buf.len()` bytes into the buffer it is given.
    let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
    if rc != 0 {
        return String::new();
    }
    let len = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    buf[..len.min(crate::dns::edns_extras::MAX_NSID)]
        .iter()
        .filter(|b| (0x20..=0x7e).contains(*b))
        .map(|&b| char::from(b))
        .collect()
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

/// Until the server stops: re-reads sales every [`SALES_REFRESH`], follows the monitor, and at
/// every `control.interval` boundary writes the usage samples and steps each buyer's
/// controller; then writes the last (partial) interval.
fn watch(
    serving: &Serving,
    ledger: &mut Ledger,
    ledger_location: &Location,
    usage: &mut UsageWriter,
    control: &mut Control,
) -> Option<usize> {
    let mut next_sales = Instant::now() + SALES_REFRESH;
    let warn = |e: anyhow::Error| tracing::warn!("ledger {ledger_location}: {e:#}");
    loop {
        let stopping = serving.stopping();
        if !stopping {
            std::thread::sleep(usage.wait(&serving.current().1, Timestamp::now()));
        }
        let (_, g) = serving.current();
        control.follow(&g);
        control.monitor.poll();
        let now = Timestamp::now().as_second();
        usage.follow(&g);
        // The interval first: it is read at its boundary, before anything else the loop
        // does (re-reading sales waits on the ledger) can make the reading late.
        if usage.due(&g, now, stopping) {
            let taken = control.monitor.take(|i| g.live.is_healthy(i));
            let span = control.taken_at.elapsed().as_secs_f64();
            control.taken_at = Instant::now();
            if let Err(e) = usage.write(ledger, &g, now, stopping, &taken, control) {
                warn(e);
            }
            control.last_span = span;
            if let Err(e) = control.step(ledger, &g, now, &taken) {
                warn(e);
            }
            *serving.board.lock().unwrap_or_else(|e| e.into_inner()) = control.board(&g, &taken);
            control.last_taken = taken;
        }
        if Instant::now() >= next_sales {
            next_sales = Instant::now() + SALES_REFRESH;
            if let Err(e) = control.refresh_sales(ledger, &g, now) {
                warn(e);
            }
            *serving.board.lock().unwrap_or_else(|e| e.into_inner()) = control.board(&g, &control.last_taken);
        }
        if stopping {
            return usage.spool(&g);
        }
    }
}

/// The control loop's state: the monitor of the current config and every buyer's controller
/// ([`ControlLoop`], kept by name across reloads).
struct Control {
    config: Arc<Config>,
    monitor: Monitor,
    plan: ControlLoop,
    /// Per proxy, the last source error logged and whether its proxy was down then (to log
    /// changes once).
    errors: Vec<Option<(String, bool)>>,
    /// The last interval's readings, for the board between intervals.
    last_taken: Taken,
    /// When the monitor was last read.
    taken_at: Instant,
    /// Seconds the last readings cover: the time between the two reads, not the nominal
    /// interval (see [`UsageWriter::wait`]).
    last_span: f64,
}

impl Control {
    fn new(g: &Generation) -> Control {
        let mut monitor = Monitor::new(&g.config);
        // Nothing counted yet; this only says what each source is.
        let last_taken = monitor.take(|_| true);
        let control = Control {
            last_taken,
            taken_at: Instant::now(),
            last_span: UsageWriter::interval(g) as f64,
            config: Arc::clone(&g.config),
            monitor,
            plan: ControlLoop::new(Control::params(&g.config)),
            errors: Vec::new(),
        };
        control.announce();
        control
    }

    fn params(config: &Config) -> Params {
        let interval = u32::try_from(config.control.interval.secs()).unwrap_or(u32::MAX);
        let ttl = u32::try_from(config.network.ttl.secs()).unwrap_or(u32::MAX);
        // The monitor reads at the boundary what arrived during the interval: no delay.
        Params::new(interval, ttl, 0, config.control.headroom.0)
    }

    fn buyers(config: &Config) -> Vec<Buyer<'_>> {
        config.buyers.iter().map(|b| Buyer { name: &b.name, estimate: b.estimate.0 }).collect()
    }

    fn announce(&self) {
        let unmonitored = self.monitor.unmonitored();
        if unmonitored.is_empty() {
            tracing::info!("control: closed loop, monitoring every proxy");
        } else {
            tracing::warn!(
                "control: open loop (each buyer's f stays at its estimate): no monitor source for proxy {}",
                unmonitored.join(", ")
            );
        }
    }

    /// After a reload: the new config's monitor; controllers carry over by buyer name.
    fn follow(&mut self, g: &Generation) {
        if Arc::ptr_eq(&self.config, &g.config) {
            return;
        }
        self.config = Arc::clone(&g.config);
        self.monitor = Monitor::new(&g.config);
        self.last_taken = self.monitor.take(|_| true);
        self.taken_at = Instant::now();
        self.errors.clear();
        let names: Vec<&str> = g.config.buyers.iter().map(|b| b.name.as_str()).collect();
        self.plan.reconfigure(Control::params(&g.config), &names);
        self.announce();
    }

    /// Re-reads sales. A window that opens or closes takes effect now, not at the next
    /// interval: the controller starts the buyer at its estimate, or stops it.
    fn refresh_sales(&mut self, ledger: &mut Ledger, g: &Generation, now: i64) -> anyhow::Result<()> {
        let open_loop = !self.monitor.unmonitored().is_empty();
        let decisions = self.plan.sales(ledger.holdings_at(now)?, &Control::buyers(&g.config), open_loop);
        for (i, (buyer, d)) in g.config.buyers.iter().zip(decisions).enumerate() {
            let Some(d) = d else { continue };
            g.live.set_line(i, &d.line);
            tracing::info!(
                "buyer {}: {} rps bought now, fraction {:.2} ({})",
                buyer.name,
                d.purchased_rps,
                d.f,
                d.mode.name()
            );
        }
        Ok(())
    }

    /// One interval: each buyer's controller reads the monitor and sets its fraction.
    fn step(&mut self, ledger: &mut Ledger, g: &Generation, now: i64, taken: &Taken) -> anyhow::Result<()> {
        let seconds = self.last_span;
        let holdings = ledger.holdings_at(now)?;
        self.log_sources(taken);
        let config = &g.config;
        let readings: Vec<Reading> = (0..config.buyers.len()).map(|i| taken.reading(i, seconds)).collect();
        let healthy_capacity_rps: f64 = config
            .proxies
            .iter()
            .enumerate()
            .filter(|(i, _)| g.live.is_healthy(*i))
            .map(|(_, p)| p.capacity_rps.0)
            .sum();
        let read = Readings {
            buyers: &readings,
            total_load_rps: taken.load_rps(seconds),
            unmonitored: taken.state() == MonitorState::Unmonitored,
            healthy_capacity_rps,
            margin: config.market.margin.0,
        };
        let decisions = self.plan.interval(holdings, &Control::buyers(config), &read);
        for (i, (buyer, d)) in config.buyers.iter().zip(decisions).enumerate() {
            g.live.set_line(i, &d.line);
            if let (Some(state), Reading::Served(rps)) = (self.plan.state(&buyer.name), readings[i]) {
                tracing::debug!(
                    "control {}: served {rps:.2} rps over {seconds:.3} s at f {:.4}; f {:.4}, ceiling {}, excluded {:.4}",
                    buyer.name,
                    state.effective_f,
                    d.f,
                    state.ceiling.map_or_else(|| "none".to_string(), |c| format!("{:.4}", c.f)),
                    d.line.excluded()
                );
            }
            if d.mode != d.before {
                tracing::info!(
                    "buyer {}: {} → {} (f {:.3}, {} rps bought)",
                    buyer.name,
                    d.before.name(),
                    d.mode.name(),
                    d.f,
                    d.purchased_rps
                );
            }
        }
        Ok(())
    }

    fn log_sources(&mut self, taken: &Taken) {
        self.errors.resize(taken.sources.len(), None);
        for (s, logged) in taken.sources.iter().zip(&mut self.errors) {
            // The health check and the monitor run on clocks of their own, so a stopped
            // proxy's source usually fails an interval before the check says it is down: the
            // error is logged again when that changes how it counts.
            let was_down = logged.as_ref().map(|(_, down)| *down);
            match (&s.error, was_down) {
                (Some(e), Some(false) | None) if s.proxy_down => {
                    tracing::warn!("monitor {}: {e} (the proxy is down: counted as serving nothing)", s.proxy)
                }
                (Some(e), None | Some(true)) if !s.proxy_down => tracing::warn!("monitor {}: {e}", s.proxy),
                (None, Some(_)) => tracing::info!("monitor {}: reading again ({})", s.proxy, s.describe()),
                _ => {}
            }
            *logged = s.error.clone().map(|e| (e, s.proxy_down));
        }
    }

    fn board(&self, g: &Generation, taken: &Taken) -> ControlBoard {
        let seconds = self.last_span;
        let buyers = g
            .config
            .buyers
            .iter()
            .enumerate()
            .map(|(i, b)| {
                let state = self.plan.state(&b.name).copied();
                BuyerStatus {
                    name: b.name.clone(),
                    purchased_rps: self.plan.purchased(&b.name),
                    best_effort_rps: self.plan.cap(&b.name),
                    served_rps: match taken.reading(i, seconds) {
                        Reading::Served(rps) => Some(rps),
                        _ => None,
                    },
                    target_rps: state.map_or(0.0, |s| s.target_rps),
                    f: g.live.fraction(i),
                    excluded: g.live.line(i).excluded(),
                    ceiling: state.and_then(|s| s.ceiling).map(|c| c.f),
                    mode: state.map_or("off", |s| s.mode.name()),
                    monitor: taken.state().name(),
                }
            })
            .collect();
        ControlBoard { buyers, sources: taken.sources.clone(), load_rps: taken.load_rps(seconds) }
    }
}

/// [`POLL`], or the time from `now` to unix second `due` if that is shorter (nothing once it
/// has passed).
fn until(due: i64, now: Timestamp) -> Duration {
    let left = Timestamp::from_second(due).map_or(jiff::SignedDuration::ZERO, |due| now.duration_until(due));
    Duration::try_from(left).unwrap_or(Duration::ZERO).min(POLL)
}

/// The most usage samples held while the ledger is unreachable: an hour of 5-second samples
/// for 200 buyers (about 150 bytes each in memory). The oldest go first beyond it.
const HELD_SAMPLES: usize = 200 * 720;

/// How long a statement of the watcher may wait on a PostgreSQL ledger: for a lock, 2 s (its
/// writes are rows no other writer touches, so a wait means someone holds a whole table), in
/// all 30 s (each statement writes one sample). A write cut short is held and tried again, as
/// when the ledger is away; the controllers go on meanwhile.
const LEDGER_WAITS: Waits = Waits { lock: Duration::from_secs(2), statement: Duration::from_secs(30) };

/// How long one attempt to reconnect to a lost PostgreSQL ledger may take: the watcher also
/// steps the controllers, which must not stall for long (the answer path never waits on it).
const RECONNECT_WAIT: Duration = Duration::from_secs(1);

/// Turns the answer counters into usage samples, one per buyer and `control.interval`, on a
/// grid of unix time (so samples of several servers line up).
struct UsageWriter {
    server: String,
    /// This process's name for its batches in the ledger (`usage_batches`): the server, the
    /// pid and a random part, so no two processes share one, even on one host.
    writer: String,
    /// The next batch's number.
    seq: i64,
    /// Start of the interval being counted.
    start: i64,
    /// Batches the ledger could not take yet (unreachable, restarting, or the reply to their
    /// commit lost: then the ledger skips them when they come again), oldest first, written
    /// with the next interval's: at most [`HELD_SAMPLES`] samples, the oldest batches dropped
    /// (and their samples counted) beyond that.
    held: std::collections::VecDeque<UsageBatch>,
    /// Samples in `held`.
    held_samples: usize,
    /// Samples dropped from `held` since the ledger was last reachable.
    dropped: u64,
    /// Batches of servers that stopped while the ledger was unreachable, from the spool
    /// ([`SpooledUsage`]), written before this server's own.
    spooled: Vec<SpooledUsage>,
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
        let spool = g.config.usage_spool_dir();
        let mut spooled = Vec::new();
        for found in SpooledUsage::load_all(&spool) {
            match found {
                Ok(s) => {
                    tracing::info!(
                        "{}: {} usage samples a server ({}) spooled as it stopped; writing them to the ledger",
                        s.path.display(),
                        s.samples(),
                        s.writer
                    );
                    spooled.push(s);
                }
                Err(e) => tracing::error!("usage spool: {e:#} (left in place)"),
            }
        }
        UsageWriter {
            spooled,
            writer: format!("{server}:{}:{:016x}", std::process::id(), rand::random::<u64>()),
            server,
            seq: 1,
            start: Self::grid(g, Timestamp::now().as_second()),
            sources: vec![Source::of(g)],
            held: std::collections::VecDeque::new(),
            held_samples: 0,
            dropped: 0,
        }
    }

    fn interval(g: &Generation) -> i64 {
        g.config.control.interval.secs().max(1)
    }

    fn grid(g: &Generation, now: i64) -> i64 {
        now - now.rem_euclid(Self::interval(g))
    }

    /// Counts a registry a reload (or a relearned `resolve:`) brought in, from zero.
    fn follow(&mut self, g: &Generation) {
        if !self.sources.iter().any(|s| s.registry.same(&g.registry)) {
            let mut source = Source::of(g);
            source.counted = Totals { buyers: vec![[0; 2]; source.buyers.len()], ..Totals::default() };
            self.sources.push(source);
        }
    }

    /// How long the watcher sleeps before it looks again: [`POLL`], or less if the interval
    /// ends sooner, so the monitor is read at the boundary. Sleeping [`POLL`] whatever the
    /// time read each interval up to [`POLL`] late, later by each turn's own work, until the
    /// lateness wrapped: that reading covered 0.9 s of a 1 s interval and read 10% low, and
    /// the one before a turn of the loop later read high (the end-to-end test saw 24 and 34
    /// rps at 29 rps steady, and the law cut on the 34).
    fn wait(&self, g: &Generation, now: Timestamp) -> Duration {
        until(self.start + Self::interval(g), now)
    }

    /// Whether the interval has ended (with `last`, the server is stopping: write what there is).
    fn due(&self, g: &Generation, now: i64, last: bool) -> bool {
        last || now >= self.start + Self::interval(g)
    }

    /// Writes the interval, one sample per buyer of the current config and per buyer a reload
    /// removed, with the requests the monitor counted (`taken`).
    fn write(
        &mut self,
        ledger: &mut Ledger,
        g: &Generation,
        now: i64,
        last: bool,
        taken: &Taken,
        control: &Control,
    ) -> anyhow::Result<()> {
        let ended = now >= self.start + Self::interval(g);
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
        // Unreadable (the ledger is down): what the controllers were last told.
        let holdings = ledger.holdings_at(self.start).ok();
        let samples: Vec<UsageSample> = answers
            .into_iter()
            .map(|(buyer, [proxy, fallback])| {
                let index = g.config.buyers.iter().position(|b| b.name == buyer);
                UsageSample {
                    server: self.server.clone(),
                    start: self.start,
                    seconds,
                    // What the buyer was held to: a best-effort cap is the one in force.
                    purchased_rps: match &holdings {
                        Some(h) => control.plan.purchased_under(h, &buyer),
                        None => control.plan.purchased(&buyer),
                    }
                    .round() as i64,
                    proxy_answers: proxy,
                    fallback_answers: fallback,
                    fraction: index.map_or(0.0, |j| g.live.fraction(j)),
                    served_requests: index.and_then(|j| taken.served.get(j).copied().flatten()),
                    // A buyer a reload removed is no longer monitored.
                    monitor: index.map_or(MonitorState::Unmonitored, |_| taken.state()).name().into(),
                    buyer,
                }
            })
            .collect();
        // A registry replaced before the previous write has had a whole interval for every
        // serving thread to move on; one replaced since is read once more.
        self.sources.retain(|s| !s.retired);
        for s in &mut self.sources {
            s.retired = !s.registry.same(&g.registry);
        }
        if !last {
            self.start = Self::grid(g, now);
        }
        self.record(ledger, samples, now)
    }

    /// Records `samples` as a batch after those held; holds them all if the ledger cannot take
    /// them.
    fn record(&mut self, ledger: &mut Ledger, samples: Vec<UsageSample>, now: i64) -> anyhow::Result<()> {
        let fresh = samples.len();
        self.held.push_back(UsageBatch { seq: self.seq, samples });
        self.seq += 1;
        self.held_samples += fresh;
        while self.held_samples > HELD_SAMPLES {
            let Some(oldest) = self.held.pop_front() else { break };
            self.held_samples -= oldest.samples.len();
            self.dropped += oldest.samples.len() as u64;
        }
        let written = ledger
            .reconnect(RECONNECT_WAIT)
            .map_err(anyhow::Error::from)
            .and_then(|()| self.write_spooled(ledger, now))
            .and_then(|()| Ok(ledger.record_usage_batches(&self.writer, self.held.make_contiguous(), now)?));
        let skipped = match written {
            Ok(skipped) => skipped,
            Err(e) => {
                let dropped = match self.dropped {
                    0 => String::new(),
                    n => format!(", {n} older ones dropped"),
                };
                return Err(e.context(format!("holding {} usage samples until it is back{dropped}", self.held_samples)));
            }
        };
        let earlier = self.held_samples - fresh;
        if earlier > 0 {
            let landed = match skipped {
                0 => String::new(),
                n => format!("; {n} of their batches had landed already, their reply lost, and were not counted again"),
            };
            tracing::info!(
                "the ledger is back: wrote {earlier} usage samples held while it was unreachable ({} dropped{landed})",
                self.dropped
            );
        }
        self.held.clear();
        self.held_samples = 0;
        self.dropped = 0;
        Ok(())
    }

    /// Writes the spooled batches of stopped servers, each writer in its own transaction, and
    /// removes each file once its batches are in.
    fn write_spooled(&mut self, ledger: &mut Ledger, now: i64) -> anyhow::Result<()> {
        while let Some(s) = self.spooled.first() {
            let skipped = ledger.record_usage_batches(&s.writer, &s.batches, now)?;
            let landed = match skipped {
                0 => String::new(),
                n => format!("; {n} of its batches were in the ledger already and were not counted again"),
            };
            tracing::info!("{}: wrote {} spooled usage samples to the ledger{landed}", s.path.display(), s.samples());
            if let Err(e) = s.remove() {
                tracing::warn!("usage spool: {e:#}");
            }
            self.spooled.remove(0);
        }
        Ok(())
    }

    /// At stop, after the last write failed: keeps what is held in the spool for the next
    /// start. Returns how many samples were lost, if they could not be kept.
    fn spool(&mut self, g: &Generation) -> Option<usize> {
        if self.held.is_empty() {
            return None;
        }
        let held = self.held_samples;
        let dir = g.config.usage_spool_dir();
        match SpooledUsage::save(&dir, &self.writer, self.held.drain(..).collect()) {
            Ok(saved) => {
                tracing::warn!(
                    "the ledger is unreachable: kept {held} usage samples in {}; the next `dns serve` with this \
                     spool writes them",
                    saved.path.display()
                );
                self.held_samples = 0;
                None
            }
            Err(e) => {
                tracing::error!("the ledger is unreachable and {held} usage samples are lost: {e:#}");
                Some(held)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_watcher_wakes_at_the_interval_boundary_not_up_to_a_poll_after_it() {
        let at = |s: f64| Timestamp::from_duration(jiff::SignedDuration::from_secs_f64(s)).unwrap();
        assert_eq!(until(100, at(99.0)), POLL);
        assert_eq!(until(100, at(99.96)), Duration::from_millis(40));
        assert_eq!(until(100, at(100.0)), Duration::ZERO);
        assert_eq!(until(100, at(100.3)), Duration::ZERO, "late: look now");
    }
}
