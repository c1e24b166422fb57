//! `surplus capacity measure | history | offers`: from access logs, or a Prometheus server's
//! history, to offers in the ledger.

use std::io::{self, Write};
use std::path::Path;

use super::bad_usage;
use anyhow::bail;
use jiff::Timestamp;
use serde::Serialize;

use super::log_inputs::{self, Source};
use super::prometheus_history::{self, PrometheusOrigin};
use crate::cli::{HistoryArgs, LogArgs, MeasureArgs, OffersArgs};
use crate::config::Config;
use crate::core::capacity::{self, EstimatePlan, Forecaster, Profile, SlotEstimate, SlotUsage, SourceModel};
use crate::core::window::{self, Slot, Window, format_instant};
use crate::ingest::scan::{self, Scan, ScanOptions};
use crate::ledger::{Access, NewOffer};
use crate::output::{self, Format, Progress, Rows, round3};

/// What reading the history produced: per-source history, and the totals for the footer.
struct Measured {
    sources: Vec<Source>,
    histories: Vec<Vec<SlotUsage>>,
    slot: Slot,
    origin: Origin,
    history_start: i64,
    history_end: i64,
    profile: Profile,
}

/// Where the history came from.
enum Origin {
    Logs { lines_read: u64, lines_skipped: u64, lines_filtered: u64 },
    Prometheus(PrometheusOrigin),
}

impl Origin {
    /// What a slot's load is, from this origin.
    fn load(&self) -> String {
        match self {
            Origin::Logs { .. } => "p95 of per-second rates".into(),
            Origin::Prometheus(p) => format!("p95 of {} s step rates (bursts shorter than the step smoothed)", p.step),
        }
    }

    fn lines(&self) -> (u64, u64, u64) {
        match self {
            Origin::Logs { lines_read, lines_skipped, lines_filtered } => {
                (*lines_read, *lines_skipped, *lines_filtered)
            }
            Origin::Prometheus(_) => (0, 0, 0),
        }
    }
}

/// Reads the history `args` (or the config) names, from logs or Prometheus, into per-slot
/// history per source.
fn read_history(config: &Config, args: &LogArgs, now: i64) -> anyhow::Result<Measured> {
    let slot = args.slot.unwrap_or(config.market.slot);
    let since = args.since.map(|t| t.as_second());
    let until = args.until.map(|t| t.as_second());
    if let (Some(s), Some(u)) = (since, until)
        && s >= u
    {
        return Err(bad_usage(format!("--since {} is not before --until {}", format_instant(s), format_instant(u))));
    }
    if let Some(wanted) = prometheus_history::wanted(config, args)? {
        let read = prometheus_history::read(config, &wanted, slot, since, until, now)?;
        for note in &read.notes {
            eprintln!("note: {note}");
        }
        let origin = Origin::Prometheus(read.origin);
        return measured(read.sources, read.histories, read.spans, slot, origin, "in the query's answer");
    }
    let inputs = log_inputs::resolve(config, args)?;
    for note in &inputs.notes {
        eprintln!("note: {note}");
    }
    let threads = args.threads.map_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()), usize::from);
    let opts = ScanOptions { slot, since, until, threads, json_fields: inputs.json_fields.clone() };
    let total: u64 = inputs.files.iter().map(|f| crate::ingest::log_files::size(&f.path)).sum();
    let progress = Progress::bytes(total, "reading logs");
    let scanned = scan::scan(&inputs.files, inputs.sources.len(), &opts, &|n| progress.advance(n));
    progress.finish();
    let scanned = scanned?;
    warn_skipped(&scanned);

    let spans: Vec<Option<(i64, i64)>> = scanned.sources.iter().map(|c| c.history_span(since, until)).collect();
    let histories: Vec<Vec<SlotUsage>> = scanned
        .sources
        .iter()
        .zip(&spans)
        .map(|(c, span)| span.map_or_else(Vec::new, |span| capacity::slot_usage(c, span)))
        .collect();
    let range = match (since, until) {
        (None, None) => String::new(),
        _ => format!(
            " between {} and {}",
            since.map_or("the beginning".into(), format_instant),
            until.map_or("the end".into(), format_instant)
        ),
    };
    let origin = Origin::Logs {
        lines_read: scanned.files.iter().map(|f| f.lines).sum(),
        lines_skipped: scanned.files.iter().map(|f| f.skipped).sum(),
        lines_filtered: scanned.files.iter().map(|f| f.filtered).sum(),
    };
    measured(inputs.sources, histories, spans, slot, origin, &format!("in its logs{range}"))
}

/// The history's span and profile, once every source has some.
fn measured(
    sources: Vec<Source>,
    histories: Vec<Vec<SlotUsage>>,
    spans: Vec<Option<(i64, i64)>>,
    slot: Slot,
    origin: Origin,
    where_read: &str,
) -> anyhow::Result<Measured> {
    if sources.is_empty() {
        bail!("no proxy has history {where_read}: nothing to forecast from");
    }
    for (source, history) in sources.iter().zip(&histories) {
        if history.is_empty() {
            bail!("{}: no requests {where_read}: no history to forecast from", source.name);
        }
    }
    let spans: Vec<(i64, i64)> = spans.into_iter().flatten().collect();
    let history_start = spans.iter().map(|s| s.0).min().expect("every source has history");
    let history_end = spans.iter().map(|s| s.1).max().expect("every source has history");
    // Each source's slot-aligned span; the profile is the one the shortest history supports.
    let shortest =
        histories.iter().map(|h| h.last().map_or(0, |l| l.end) - h.first().map_or(0, |f| f.start)).min().unwrap_or(0);
    Ok(Measured { sources, histories, slot, origin, history_start, history_end, profile: Profile::for_span(shortest) })
}

fn warn_skipped(scan: &Scan) {
    for file in scan.files.iter().filter(|f| f.skipped > 0) {
        eprintln!("warning: {}: skipped {} malformed of {} lines", file.path.display(), file.skipped, file.lines);
        for bad in file.bad.iter().take(3) {
            eprintln!("warning: {}:{}: {}: {}", file.path.display(), bad.line, bad.error, bad.text);
        }
    }
}

/// The JSON of `capacity measure` (documented in the README; keep field names stable).
#[derive(Serialize)]
struct MeasureJson<'a> {
    window_start: String,
    window_end: String,
    slot: String,
    quantile: f64,
    margin: f64,
    profile: &'static str,
    slots: Vec<SlotJson<'a>>,
    lines_read: u64,
    lines_skipped: u64,
    lines_filtered: u64,
    history_start: String,
    history_end: String,
    /// What a slot's load is (a quantile of per-second or of per-step rates).
    load: String,
    /// Where the history came from, when it was a Prometheus server.
    #[serde(skip_serializing_if = "Option::is_none")]
    prometheus: Option<PrometheusJson<'a>>,
}

#[derive(Serialize)]
struct PrometheusJson<'a> {
    url: &'a str,
    step_secs: u32,
    requests: usize,
    series: usize,
    shared_by_capacity: bool,
}

#[derive(Serialize)]
struct SlotJson<'a> {
    start: String,
    end: String,
    capacity_rps: f64,
    forecast_rps: f64,
    unused_rps: f64,
    offer_rps: i64,
    proxies: Vec<ProxyJson<'a>>,
}

#[derive(Serialize)]
struct ProxyJson<'a> {
    name: &'a str,
    capacity_rps: f64,
    forecast_rps: f64,
    unused_rps: f64,
}

/// `surplus capacity measure`.
///
/// `now` is where `--next` starts, and offers saved for slots that are over by then are refused.
pub fn measure(config: &Config, db: Option<&Path>, args: &MeasureArgs, now: i64) -> anyhow::Result<()> {
    let quantile = args.quantile.unwrap_or(config.market.quantile.0);
    let margin = args.margin.unwrap_or(config.market.margin.0);
    if margin >= 1.0 {
        return Err(bad_usage(format!("--margin {margin}: must be below 1 (1 would sell nothing)")));
    }
    let window = forecast_window(args, config, now)?;
    let slot = args.logs.slot.unwrap_or(config.market.slot);
    window.check_aligned(slot).map_err(|e| bad_usage(format!("--for: {e}")))?;
    if args.save {
        // A forecast of the past is a fair backtest; an offer of it is capacity nobody can use.
        window.check_sellable(slot, now).map_err(|e| anyhow::anyhow!("--save --for: {e}"))?;
    }
    let m = read_history(config, &args.logs, now)?;

    let plan = EstimatePlan { slot: m.slot, profile: m.profile, quantile, margin };
    let models: Vec<SourceModel> = m
        .sources
        .iter()
        .zip(&m.histories)
        .map(|(s, h)| SourceModel {
            capacity_rps: s.capacity_rps,
            forecaster: Forecaster::new(h, m.slot, m.profile, quantile),
        })
        .collect();
    let estimates = capacity::estimate(&models, window, &plan);
    let method = format!("{} q{quantile} of slot load, margin {margin}, slot {}", m.profile.name(), m.slot);

    let mut out = io::stdout().lock();
    let json = measure_json(&m, &plan, window, &estimates);
    output::write(&mut out, args.format.format, &measure_rows(&m, &estimates, args.by_proxy), &json)?;
    if args.format.format == Format::Table {
        write_footer(&mut out, &m)?;
    }
    out.flush()?;

    if args.save {
        let offers: Vec<NewOffer> = estimates
            .iter()
            .map(|e| NewOffer {
                slot: Window { start: e.start, end: e.end },
                rps: capacity::offerable_rps(e.unused_rps),
            })
            .collect();
        let location = config.ledger_location(db)?;
        let mut ledger = super::open_ledger(config, db, Access::Write)?;
        let saved = ledger.save_offers(&offers, now, &method)?;
        eprintln!(
            "saved {} offers for {window} ({} rps-slots in all) to {}; replaced {} earlier{}",
            saved.saved,
            offers.iter().map(|o| o.rps).sum::<i64>(),
            location,
            saved.replaced,
            if saved.kept > 0 {
                format!("; kept {} earlier that sales or open auctions draw on", saved.kept)
            } else {
                String::new()
            }
        );
    }
    Ok(())
}

/// `--for W`, or `--next D` from the next slot boundary (rounded up to whole slots).
fn forecast_window(args: &MeasureArgs, config: &Config, now: i64) -> anyhow::Result<Window> {
    if let Some(window) = args.window {
        return Ok(window);
    }
    let slot = args.logs.slot.unwrap_or(config.market.slot);
    let start = slot.ceil(now);
    Ok(Window::new(start, slot.ceil(args.next.as_secs().max(1)))?)
}

fn measure_json<'a>(
    m: &'a Measured,
    plan: &EstimatePlan,
    window: Window,
    estimates: &[SlotEstimate],
) -> MeasureJson<'a> {
    MeasureJson {
        window_start: format_instant(window.start),
        window_end: format_instant(window.end),
        slot: m.slot.to_string(),
        quantile: plan.quantile,
        margin: plan.margin,
        profile: m.profile.name(),
        slots: estimates
            .iter()
            .map(|e| SlotJson {
                start: format_instant(e.start),
                end: format_instant(e.end),
                capacity_rps: round3(e.capacity_rps),
                forecast_rps: round3(e.forecast_rps),
                unused_rps: round3(e.unused_rps),
                offer_rps: capacity::offerable_rps(e.unused_rps),
                proxies: m
                    .sources
                    .iter()
                    .zip(&e.sources)
                    .map(|(s, p)| ProxyJson {
                        name: &s.name,
                        capacity_rps: round3(p.capacity_rps),
                        forecast_rps: round3(p.forecast_rps),
                        unused_rps: round3(p.unused_rps),
                    })
                    .collect(),
            })
            .collect(),
        lines_read: m.origin.lines().0,
        lines_skipped: m.origin.lines().1,
        lines_filtered: m.origin.lines().2,
        load: m.origin.load(),
        prometheus: match &m.origin {
            Origin::Prometheus(p) => Some(PrometheusJson {
                url: &p.url,
                step_secs: p.step,
                requests: p.requests,
                series: p.series,
                shared_by_capacity: p.shared,
            }),
            Origin::Logs { .. } => None,
        },
        history_start: format_instant(m.history_start),
        history_end: format_instant(m.history_end),
    }
}

fn measure_rows(m: &Measured, estimates: &[SlotEstimate], by_proxy: bool) -> Rows {
    let mut rows = if by_proxy {
        Rows::new(&["slot@", "proxy", "capacity_rps#", "forecast_rps#", "unused_rps#", "offer_rps#"])
    } else {
        Rows::new(&["slot@", "capacity_rps#", "forecast_rps#", "unused_rps#", "offer_rps#"])
    };
    for e in estimates {
        let start = slot_label(e.start);
        let rates = |c: f64, f: f64, u: f64| [c, f, u].map(output::rps).into_iter();
        if by_proxy {
            for (s, p) in m.sources.iter().zip(&e.sources) {
                let head = [start.clone(), s.name.clone()].into_iter();
                rows.push(
                    head.chain(rates(p.capacity_rps, p.forecast_rps, p.unused_rps)).chain([String::new()]).collect(),
                );
            }
        }
        let head = if by_proxy { vec![start, "all".to_string()] } else { vec![start] };
        let offer = capacity::offerable_rps(e.unused_rps).to_string();
        rows.push(head.into_iter().chain(rates(e.capacity_rps, e.forecast_rps, e.unused_rps)).chain([offer]).collect());
    }
    rows
}

fn slot_label(start: i64) -> String {
    Timestamp::from_second(start).map_or_else(|_| start.to_string(), |t| t.strftime("%Y-%m-%d %H:%MZ").to_string())
}

fn write_footer(out: &mut dyn Write, m: &Measured) -> io::Result<()> {
    let days = (m.history_end - m.history_start + 1) as f64 / window::DAY_SECS as f64;
    let read = match &m.origin {
        Origin::Logs { lines_read, lines_skipped, lines_filtered } => format!(
            "lines read {lines_read}, skipped {lines_skipped} malformed, {lines_filtered} outside --since/--until"
        ),
        Origin::Prometheus(p) => format!(
            "read from {}: {} series at a {} s step in {} requests{}",
            p.url,
            p.series,
            p.step,
            p.requests,
            if p.shared { ", shared over the proxies by capacity" } else { "" }
        ),
    };
    writeln!(
        out,
        "{read}; history {} .. {} ({days:.1} days, by {}); a slot's load is the {}",
        format_instant(m.history_start),
        format_instant(m.history_end),
        m.profile.name().replace('_', "-"),
        m.origin.load(),
    )?;
    if m.profile == Profile::HourOfDay {
        writeln!(out, "note: less than 7 days of history, so the profile is by hour of day, not hour of week")?;
    }
    Ok(())
}

/// One history row of `capacity history --format json`.
#[derive(Serialize)]
struct HistoryJson<'a> {
    proxy: &'a str,
    start: String,
    end: String,
    seconds: u32,
    requests: u64,
    mean_rps: f64,
    peak_rps: u32,
    p95_rps: f64,
    bytes: u64,
}

/// `surplus capacity history`.
pub fn history(config: &Config, args: &HistoryArgs, now: i64) -> anyhow::Result<()> {
    let m = read_history(config, &args.logs, now)?;
    let mut rows = Rows::new(&["proxy", "slot@", "requests#", "mean_rps#", "peak_rps#", "p95_rps#", "bytes#"]);
    let mut json = Vec::new();
    for (source, history) in m.sources.iter().zip(&m.histories) {
        for u in history {
            rows.push(vec![
                source.name.clone(),
                slot_label(u.start),
                u.requests.to_string(),
                output::rps(u.mean_rps),
                u.peak_rps.to_string(),
                output::rps(u.p95_rps),
                u.bytes.to_string(),
            ]);
            json.push(HistoryJson {
                proxy: &source.name,
                start: format_instant(u.start),
                end: format_instant(u.end),
                seconds: u.covered_secs,
                requests: u.requests,
                mean_rps: round3(u.mean_rps),
                peak_rps: u.peak_rps,
                p95_rps: round3(u.p95_rps),
                bytes: u.bytes,
            });
        }
    }
    let mut out = io::stdout().lock();
    output::write(&mut out, args.format.format, &rows, &json)?;
    if args.format.format == Format::Table {
        write_footer(&mut out, &m)?;
    }
    Ok(())
}

/// `surplus capacity offers`.
pub fn offers(config: &Config, db: Option<&Path>, args: &OffersArgs) -> anyhow::Result<()> {
    let range = args.window;
    let offers = super::open_ledger(config, db, Access::Read)?.offers(range)?;
    #[derive(Serialize)]
    struct OfferJson<'a> {
        start: String,
        end: String,
        rps: i64,
        measured_at: String,
        method: &'a str,
    }
    let mut rows = Rows::new(&["slot@", "rps#", "measured_at@", "method"]);
    let mut json = Vec::new();
    for o in &offers {
        rows.push(vec![slot_label(o.slot_start), o.rps.to_string(), format_instant(o.measured_at), o.method.clone()]);
        json.push(OfferJson {
            start: format_instant(o.slot_start),
            end: format_instant(o.slot_end),
            rps: o.rps,
            measured_at: format_instant(o.measured_at),
            method: &o.method,
        });
    }
    output::write(&mut io::stdout().lock(), args.format.format, &rows, &json)?;
    Ok(())
}
