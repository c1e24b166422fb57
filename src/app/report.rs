//! `surplus report usage|sales|capacity`: the ledger's sales and usage rollups through
//! [`crate::core::usage_report`] and [`crate::core::window_report`], printed as a table, CSV
//! or JSON, drawn as a chart, or held against the proxies' access logs.

use std::collections::HashMap;
use std::io::{self, Write};
use std::path::Path;

use super::bad_usage;
use anyhow::{Context, bail};
use serde::Serialize;

use crate::app::chart::{self, UsagePoint};
use crate::cli::{ReportBy, UsageReportArgs, WindowBy, WindowReportArgs};
use crate::config::{Config, parse_format};
use crate::core::money::{Money, format_minor, format_price, to_minor};
use crate::core::sale::Sale;
use crate::core::usage_bucket::UsageBucket;
use crate::core::usage_report::{BUCKET_SECS, Period, ReportOptions, UsageLine, totals_by_currency, usage_lines};
use crate::core::window::{DAY_SECS, Window, format_instant, format_secs};
use crate::core::window_report::{WindowLine, window_lines};
use crate::ingest::JsonFields;
use crate::ingest::host_count::{HostCountOptions, count_hosts};
use crate::ingest::log_files;
use crate::ledger::{Access, Ledger};
use crate::output::{self, Format, Rows};

/// The most lines `report sales|capacity` makes: 11 years by the hour (the range is the
/// caller's, `--since 0001-01-01` included).
const MAX_PERIODS: i64 = 100_000;

/// A usage line in JSON (documented in the README for billing systems; keep names stable).
/// Money is a decimal string; rates are rounded to 3 decimals.
#[derive(Debug, Serialize)]
struct UsageJson<'a> {
    buyer: &'a str,
    sale_id: i64,
    service: &'static str,
    seller: Option<&'a str>,
    mechanism: &'a str,
    window_start: String,
    window_end: String,
    hours: f64,
    purchased_rps: i64,
    measured_seconds: i64,
    served_requests: Option<u64>,
    mean_rps: Option<f64>,
    peak_rps: Option<f64>,
    p95_rps: Option<f64>,
    utilisation_pct: Option<f64>,
    above_purchase_seconds: i64,
    above_purchase_requests: u64,
    proxy_answers: u64,
    fallback_answers: u64,
    fraction_min: Option<f64>,
    fraction_mean: Option<f64>,
    fraction_max: Option<f64>,
    gap_seconds: i64,
    gaps: u32,
    /// `reserved`, `actual`, `p95`, or `resale` on a seller's credit line.
    billing: &'static str,
    rule: &'a str,
    unit_price: String,
    charge: String,
    currency: &'a str,
}

/// `--since` must come before `--until`.
fn check_range(since: Option<jiff::Timestamp>, until: Option<jiff::Timestamp>) -> anyhow::Result<()> {
    if let (Some(s), Some(u)) = (since, until)
        && s >= u
    {
        return Err(bad_usage(format!("--since {s} is not before --until {u}")));
    }
    Ok(())
}

/// `report usage`.
pub fn usage(config: &Config, db: Option<&Path>, args: &UsageReportArgs, now: i64) -> anyhow::Result<()> {
    check_range(args.since, args.until)?;
    let ledger = super::open_ledger(config, db, Access::Read)?;
    if let Some(name) = &args.buyer {
        super::check_buyer(config, &ledger, name)?;
    }
    let asked = args.since.zip(args.until).map(|(s, u)| Window { start: s.as_second(), end: u.as_second() });
    let sales = ledger.sales(None, asked)?;
    let mine = |s: &Sale| args.buyer.as_deref().is_none_or(|b| s.buyer == b || s.seller.as_deref() == Some(b));
    let Some(range) = range(args.since, args.until, sales.iter().filter(|s| mine(s)).map(|s| s.window)) else {
        return no_sales(args.format.format, args.buyer.as_deref());
    };
    let usage = ledger.usage_buckets(args.buyer.as_deref(), range.start, range.end, BUCKET_SECS)?;
    let opts = ReportOptions {
        range,
        period: match args.by {
            ReportBy::Sale => Period::Sale,
            ReportBy::Slot => Period::Slot(config.market.slot),
            ReportBy::Day => Period::Day,
        },
        billing: args.billing,
        overage_price: config.market.overage_price,
        overage_currency: config.market.currency.0.clone(),
        now: present(&ledger, now)?,
    };
    let lines: Vec<UsageLine> = usage_lines(&sales, &usage, &opts)?
        .into_iter()
        .filter(|l| args.buyer.as_deref().is_none_or(|b| l.buyer == b))
        .collect();
    if let Some(path) = &args.chart {
        // Up to two days a chart has room for every minute; beyond, 5-minute means.
        let step = if range.secs() <= 2 * DAY_SECS { 60 } else { BUCKET_SECS };
        // A chart of more than a year has more 5-minute points than pixels (and memory).
        if range.secs() > 366 * DAY_SECS {
            bail!("--chart: {range} is more than a chart draws (a year at most); narrow --since/--until");
        }
        let detail = match step {
            BUCKET_SECS => None,
            _ => Some(ledger.usage_buckets(args.buyer.as_deref(), range.start, range.end, step)?),
        };
        draw(path, &lines, &sales, detail.as_deref().unwrap_or(&usage), range, step)
            .with_context(|| format!("--chart {}", path.display()))?;
    }
    if !args.logs.is_empty() {
        return reconcile(config, args, range, &usage);
    }
    let json: Vec<UsageJson> = lines.iter().map(usage_json).collect();
    let rows = match args.format.format {
        Format::Csv => usage_rows_full(&json, &lines),
        _ => usage_rows(&lines, &config.market.currency.0),
    };
    let mut out = io::stdout().lock();
    output::write(&mut out, args.format.format, &rows, &json)?;
    if args.format.format == Format::Table {
        write_totals(&mut out, &lines, config)?;
    }
    Ok(())
}

/// The report's present: the later of the clock (`now`, `--now` or the system's) and the newest
/// sample, so a ledger written under another clock (a copy, a fixture) reads the same.
fn present(ledger: &Ledger, clock: i64) -> anyhow::Result<i64> {
    Ok(ledger.usage_end()?.map_or(clock, |end| end.max(clock)))
}

/// `[since, until)`, each defaulting to the extreme of `windows`; `None` if there is nothing.
fn range(
    since: Option<jiff::Timestamp>,
    until: Option<jiff::Timestamp>,
    windows: impl Iterator<Item = Window> + Clone,
) -> Option<Window> {
    let start = since.map(|t| t.as_second()).or_else(|| windows.clone().map(|w| w.start).min())?;
    let end = until.map(|t| t.as_second()).or_else(|| windows.map(|w| w.end).max())?;
    (start < end).then_some(Window { start, end })
}

fn no_sales(format: Format, buyer: Option<&str>) -> anyhow::Result<()> {
    let mut out = io::stdout().lock();
    match format {
        Format::Json => writeln!(out, "[]")?,
        Format::Csv => {}
        Format::Table => match buyer {
            Some(b) => writeln!(out, "no sales of {b} in that time")?,
            None => writeln!(out, "no sales in that time")?,
        },
    }
    Ok(())
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

fn usage_json(l: &UsageLine) -> UsageJson<'_> {
    UsageJson {
        buyer: &l.buyer,
        sale_id: l.sale_id,
        service: l.service.name(),
        seller: l.seller.as_deref(),
        mechanism: &l.mechanism,
        window_start: format_instant(l.window.start),
        window_end: format_instant(l.window.end),
        hours: round3(l.window.secs() as f64 / 3600.0),
        purchased_rps: l.purchased_rps,
        measured_seconds: l.measured_seconds,
        served_requests: l.served_requests,
        mean_rps: l.mean_rps.map(round3),
        peak_rps: l.peak_rps.map(round3),
        p95_rps: l.p95_rps.map(round3),
        utilisation_pct: l.utilisation_pct.map(round3),
        above_purchase_seconds: l.above_seconds,
        above_purchase_requests: l.above_requests,
        proxy_answers: l.proxy_answers,
        fallback_answers: l.fallback_answers,
        fraction_min: l.fraction.map(|f| round3(f.min)),
        fraction_mean: l.fraction.map(|f| round3(f.mean)),
        fraction_max: l.fraction.map(|f| round3(f.max)),
        gap_seconds: l.gap_seconds,
        gaps: l.gaps,
        billing: l.billing.map_or("resale", |b| b.name()),
        rule: &l.rule,
        unit_price: l.unit_price.to_string(),
        charge: l.charge.to_string(),
        currency: &l.currency,
    }
}

fn opt(x: Option<f64>, digits: usize) -> String {
    x.map_or_else(|| "-".into(), |v| format!("{v:.digits$}"))
}

/// The table: the figures people read; CSV has every JSON field. Charges are to the minor unit
/// of their currency, which is named beside a charge not in `currency`, the config's.
fn usage_rows(lines: &[UsageLine], currency: &str) -> Rows {
    let mut rows = Rows::new(&[
        "buyer",
        "sale#",
        "window",
        "rps#",
        "served#",
        "mean#",
        "p95#",
        "peak#",
        "used_%#",
        "above#",
        "answers",
        "f_min/mean/max",
        "gaps",
        "billing",
        "rule",
        "charge#",
    ]);
    for l in lines {
        rows.push(vec![
            l.buyer.clone(),
            l.sale_id.to_string(),
            l.window.to_string(),
            l.purchased_rps.to_string(),
            l.served_requests.map_or_else(|| "-".into(), |n| n.to_string()),
            opt(l.mean_rps, 1),
            opt(l.p95_rps, 1),
            opt(l.peak_rps, 1),
            opt(l.utilisation_pct, 1),
            if l.above_requests > 0 {
                format!("{} in {}", l.above_requests, format_secs(l.above_seconds))
            } else {
                "-".into()
            },
            if l.billing.is_some() { format!("{}/{}", l.proxy_answers, l.fallback_answers) } else { "-".into() },
            l.fraction.map_or_else(|| "-".into(), |f| format!("{:.2}/{:.2}/{:.2}", f.min, f.mean, f.max)),
            if l.gaps > 0 { format!("{} ({})", l.gaps, format_secs(l.gap_seconds)) } else { "-".into() },
            l.billing.map_or("resale", |b| b.name()).into(),
            l.rule.clone(),
            match l.currency == currency {
                true => format_minor(l.charge, currency),
                false => format!("{} {}", format_minor(l.charge, &l.currency), l.currency),
            },
        ]);
    }
    rows
}

/// Every JSON field, but the charge to the minor unit of its currency (JSON's is exact).
fn usage_rows_full(json: &[UsageJson], lines: &[UsageLine]) -> Rows {
    let mut rows = Rows::new(&[
        "buyer",
        "sale_id",
        "service",
        "seller",
        "mechanism",
        "window_start",
        "window_end",
        "hours",
        "purchased_rps",
        "measured_seconds",
        "served_requests",
        "mean_rps",
        "peak_rps",
        "p95_rps",
        "utilisation_pct",
        "above_purchase_seconds",
        "above_purchase_requests",
        "proxy_answers",
        "fallback_answers",
        "fraction_min",
        "fraction_mean",
        "fraction_max",
        "gap_seconds",
        "gaps",
        "billing",
        "rule",
        "unit_price",
        "charge",
        "currency",
    ]);
    let o = |x: Option<f64>| x.map_or_else(String::new, |v| v.to_string());
    for (j, l) in json.iter().zip(lines) {
        rows.push(vec![
            j.buyer.into(),
            j.sale_id.to_string(),
            j.service.into(),
            j.seller.unwrap_or("").into(),
            j.mechanism.into(),
            j.window_start.clone(),
            j.window_end.clone(),
            j.hours.to_string(),
            j.purchased_rps.to_string(),
            j.measured_seconds.to_string(),
            j.served_requests.map_or_else(String::new, |n| n.to_string()),
            o(j.mean_rps),
            o(j.peak_rps),
            o(j.p95_rps),
            o(j.utilisation_pct),
            j.above_purchase_seconds.to_string(),
            j.above_purchase_requests.to_string(),
            j.proxy_answers.to_string(),
            j.fallback_answers.to_string(),
            o(j.fraction_min),
            o(j.fraction_mean),
            o(j.fraction_max),
            j.gap_seconds.to_string(),
            j.gaps.to_string(),
            j.billing.into(),
            j.rule.into(),
            format_price(l.unit_price, &l.currency),
            format_minor(l.charge, &l.currency),
            j.currency.into(),
        ]);
    }
    rows
}

/// Per buyer and for the report: lines, requests served, gaps, and what is owed, per currency.
/// What is owed is the sum of the lines as printed (to the minor unit), so a reader can add
/// them up.
fn write_totals(out: &mut dyn Write, lines: &[UsageLine], config: &Config) -> anyhow::Result<()> {
    let currency = &config.market.currency.0;
    let owed = |lines: &[&UsageLine]| {
        totals_by_currency(lines.iter().map(|l| (l.currency.as_str(), to_minor(l.charge, &l.currency))))
    };
    let mut buyers: Vec<&str> = lines.iter().map(|l| l.buyer.as_str()).collect();
    buyers.dedup();
    writeln!(out)?;
    for buyer in &buyers {
        let theirs: Vec<&UsageLine> = lines.iter().filter(|l| l.buyer == *buyer).collect();
        let served: u64 = theirs.iter().filter_map(|l| l.served_requests).sum();
        let n = theirs.len();
        let noun = if n == 1 { "line" } else { "lines" };
        let owed = owed(&theirs).with_context(|| format!("what {buyer} owes"))?;
        writeln!(out, "{buyer}: {n} {noun}, {served} requests served, owes {}", output::amounts(&owed, currency))?;
    }
    let all: Vec<&UsageLine> = lines.iter().collect();
    let owed = owed(&all).context("the report's total")?;
    let gappy: Vec<&UsageLine> = lines.iter().filter(|l| l.gaps > 0).collect();
    let gap_secs: i64 = gappy.iter().map(|l| l.gap_seconds).sum();
    write!(
        out,
        "total: {} lines, {} {}, {}",
        lines.len(),
        buyers.len(),
        if buyers.len() == 1 { "buyer" } else { "buyers" },
        output::amounts(&owed, currency)
    )?;
    if gappy.is_empty() {
        writeln!(out, "; no gaps")?;
    } else {
        writeln!(
            out,
            "; {} lines have gaps ({} without a measurement, not counted as use)",
            gappy.len(),
            format_secs(gap_secs)
        )?;
    }
    Ok(())
}

/// Per buyer, served vs purchased rps and the fraction, per `step` seconds of `usage`.
fn draw(
    path: &Path,
    lines: &[UsageLine],
    sales: &[Sale],
    usage: &[(String, Vec<UsageBucket>)],
    range: Window,
    step: i64,
) -> anyhow::Result<()> {
    let mut buyers: Vec<&str> = lines.iter().filter(|l| l.purchased_rps > 0).map(|l| l.buyer.as_str()).collect();
    buyers.dedup();
    let series: Vec<(&str, Vec<UsagePoint>)> = buyers
        .iter()
        .map(|&buyer| {
            let buckets = usage.iter().find(|(b, _)| b == buyer).map_or(&[][..], |(_, u)| u.as_slice());
            let start = range.start - range.start.rem_euclid(step);
            let points = (start..range.end)
                .step_by(step as usize)
                .map(|at| {
                    let bucket = buckets.binary_search_by_key(&at, |b| b.start).ok().map(|i| &buckets[i]);
                    let held: i64 = sales
                        .iter()
                        .filter(|s| s.window.start <= at && at < s.window.end)
                        .map(|s| {
                            if s.buyer == buyer {
                                s.rps
                            } else if s.seller.as_deref() == Some(buyer) {
                                -s.rps
                            } else {
                                0
                            }
                        })
                        .sum();
                    UsagePoint {
                        hours: (at - range.start) as f64 / 3600.0,
                        served_rps: bucket.and_then(UsageBucket::served_rps),
                        purchased_rps: held as f64,
                        fraction: bucket.and_then(UsageBucket::fraction_mean),
                    }
                })
                .collect();
            (buyer, points)
        })
        .collect();
    chart::draw_usage(path, &series, &format_instant(range.start), step)
}

/// A buyer's recount: the ledger's measured requests against the logs' over the same buckets.
#[derive(Debug, Serialize)]
struct ReconcileJson<'a> {
    buyer: &'a str,
    window_start: String,
    window_end: String,
    ledger_requests: u64,
    logs_requests: u64,
    difference: i64,
    difference_pct: Option<f64>,
    /// Requests in the logs during the ledger's gaps (no measured sample), left out above.
    unmeasured_logs_requests: u64,
}

/// `report usage --logs`: per buyer, what the ledger says the proxies served, against a recount
/// of the access logs, over the buckets the ledger measured.
fn reconcile(
    config: &Config,
    args: &UsageReportArgs,
    range: Window,
    usage: &[(String, Vec<UsageBucket>)],
) -> anyhow::Result<()> {
    let mut paths = Vec::new();
    for pattern in &args.logs {
        paths.extend(log_files::expand(pattern)?);
    }
    let json_fields = JsonFields::default();
    let format = match args.log_format.as_deref() {
        Some(name) => parse_format(name, &json_fields).context("--log-format")?,
        None => None,
    };
    let buyers: Vec<&str> = config
        .buyers
        .iter()
        .map(|b| b.name.as_str())
        .filter(|b| args.buyer.as_deref().is_none_or(|want| want == *b))
        .collect();
    if buyers.is_empty() {
        return Err(bad_usage(format!(
            "--buyer {}: not in the configuration, so its hosts are unknown",
            args.buyer.as_deref().unwrap_or("")
        )));
    }
    let mut hosts = HashMap::new();
    for (i, name) in buyers.iter().enumerate() {
        let buyer = config.buyers.iter().find(|b| b.name == *name).expect("listed from the config");
        hosts.extend(buyer.hosts.iter().map(|h| (h.as_str().to_string(), i)));
    }
    let opts = HostCountOptions {
        hosts,
        buyers: buyers.len(),
        from: range.start,
        to: range.end,
        span: BUCKET_SECS,
        format,
        json_fields,
    };
    let counts = count_hosts(&paths, &opts)?;
    let mut json = Vec::new();
    let mut rows =
        Rows::new(&["buyer", "window/", "ledger#", "logs#", "difference#", "difference_%#", "logs_in_gaps#"]);
    for (i, buyer) in buyers.iter().enumerate() {
        let buckets = usage.iter().find(|(b, _)| b == buyer).map_or(&[][..], |(_, u)| u.as_slice());
        let measured =
            |at: i64| buckets.binary_search_by_key(&at, |b| b.start).is_ok_and(|k| buckets[k].measured_seconds > 0);
        let ledger: u64 = buckets.iter().map(|b| b.served).sum();
        let (mut logs, mut unmeasured) = (0u64, 0u64);
        for (&at, &n) in &counts.buckets[i] {
            if measured(at) { logs += n } else { unmeasured += n }
        }
        let difference = ledger as i64 - logs as i64;
        let pct = (logs > 0).then(|| round3(difference as f64 * 100.0 / logs as f64));
        rows.push(vec![
            buyer.to_string(),
            range.to_string(),
            ledger.to_string(),
            logs.to_string(),
            difference.to_string(),
            opt(pct, 2),
            unmeasured.to_string(),
        ]);
        json.push(ReconcileJson {
            buyer,
            window_start: format_instant(range.start),
            window_end: format_instant(range.end),
            ledger_requests: ledger,
            logs_requests: logs,
            difference,
            difference_pct: pct,
            unmeasured_logs_requests: unmeasured,
        });
    }
    let mut out = io::stdout().lock();
    output::write(&mut out, args.format.format, &rows, &json)?;
    if args.format.format == Format::Table {
        writeln!(
            out,
            "{} log lines in {} file{}: {} skipped as malformed, {} for hosts of no buyer",
            counts.lines,
            paths.len(),
            if paths.len() == 1 { "" } else { "s" },
            counts.skipped,
            counts.other_hosts
        )?;
    }
    Ok(())
}

/// An operator's period in JSON (documented in the README; keep names stable).
#[derive(Debug, Serialize)]
struct WindowJson<'a> {
    window_start: String,
    window_end: String,
    offered_rps: Option<f64>,
    sold_auction_rps: f64,
    sold_order_rps: f64,
    best_effort_rps: f64,
    resold_rps: f64,
    used_rps: Option<f64>,
    unsold_rps: Option<f64>,
    /// The period's revenue when it is in one currency (the config's when there are no sales).
    revenue: Option<String>,
    currency: Option<&'a str>,
    /// Every currency's revenue, by code.
    revenue_by_currency: std::collections::BTreeMap<&'a str, String>,
}

/// The two operator views.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowView {
    Sales,
    Capacity,
}

/// `report sales` and `report capacity`.
pub fn windows(
    config: &Config,
    db: Option<&Path>,
    args: &WindowReportArgs,
    view: WindowView,
    now: i64,
) -> anyhow::Result<()> {
    check_range(args.since, args.until)?;
    let ledger = super::open_ledger(config, db, Access::Read)?;
    let sales = ledger.sales(None, None)?;
    let offers: Vec<(Window, i64)> =
        ledger.offers(None)?.into_iter().map(|o| (Window { start: o.slot_start, end: o.slot_end }, o.rps)).collect();
    let spans = sales.iter().map(|s| s.window).chain(offers.iter().map(|(w, _)| *w));
    let Some(range) = range(args.since, args.until, spans) else {
        return no_sales(args.format.format, None);
    };
    let period = match args.by {
        WindowBy::Slot => Period::Slot(config.market.slot),
        WindowBy::Day => Period::Day,
    };
    // A range of ten thousand years by the minute would not fit in memory: refuse it first.
    let count = period.count_covering(range);
    if count > MAX_PERIODS {
        let (len, or) = match args.by {
            WindowBy::Slot => (config.market.slot.to_string(), ", or use --by day"),
            WindowBy::Day => ("1 day".into(), ""),
        };
        bail!(
            "{range} has {count} periods of {len}, more than a report shows ({MAX_PERIODS}); narrow --since/--until{or}"
        );
    }
    // Whole periods: the range is widened to their boundaries.
    let periods = period.covering(range);
    let whole = Window { start: periods[0].start, end: periods.last().map_or(range.end, |p| p.end) };
    let usage = ledger.usage_buckets(None, whole.start, whole.end, BUCKET_SECS)?;
    let opts = ReportOptions {
        range: whole,
        period,
        billing: None,
        overage_price: config.market.overage_price,
        overage_currency: config.market.currency.0.clone(),
        now: present(&ledger, now)?,
    };
    let lines = usage_lines(&sales, &usage, &opts)?;
    let currency = config.market.currency.0.as_str();
    let report = window_lines(&periods, &lines, &offers, &usage, &|l| to_minor(l.charge, &l.currency))?;
    let json: Vec<WindowJson> = report.iter().map(|w| window_json(w, currency)).collect();
    // Amounts show their currency in the table too when there is more than one.
    let revenue = totals_by_currency(report.iter().flat_map(|w| w.billed.iter().map(|(c, m)| (c.as_str(), *m))))
        .context("the report's revenue")?;
    let rows = window_rows(&report, view, currency, revenue.len() > 1);
    let mut out = io::stdout().lock();
    output::write(&mut out, args.format.format, &rows, &json)?;
    if args.format.format == Format::Table {
        // The sum of the periods' revenue as printed, each the sum of its lines as billed.
        writeln!(out, "{} periods, revenue {}", report.len(), output::amounts(&revenue, currency))?;
    }
    Ok(())
}

/// `currency`: the config's, for a period without sales.
fn window_json<'a>(w: &'a WindowLine, currency: &'a str) -> WindowJson<'a> {
    // One currency: `revenue` and `currency` as ever. Several: no one figure can say it;
    // `revenue` and `currency` are null and `revenue_by_currency` has each.
    let (revenue, currency) = match w.revenue.as_slice() {
        [] => (Some(Money(0).to_string()), Some(currency)),
        [(c, m)] => (Some(m.to_string()), Some(c.as_str())),
        _ => (None, None),
    };
    WindowJson {
        window_start: format_instant(w.window.start),
        window_end: format_instant(w.window.end),
        offered_rps: w.offered_rps.map(round3),
        sold_auction_rps: round3(w.auction_rps),
        sold_order_rps: round3(w.order_rps),
        best_effort_rps: round3(w.best_effort_rps),
        resold_rps: round3(w.resold_rps),
        used_rps: w.used_rps.map(round3),
        unsold_rps: w.unsold_rps.map(round3),
        revenue,
        currency,
        revenue_by_currency: w.revenue.iter().map(|(c, m)| (c.as_str(), m.to_string())).collect(),
    }
}

/// One line per period; a period with sales in several currencies has one more line per
/// further currency, with only its window, revenue and currency (empty cells elsewhere, so the
/// rps columns still add up). Revenue is as billed, to the minor unit. `currency` is the
/// config's, for a period without sales; `several`: the report has more than one, so the
/// table shows the currency column too.
fn window_rows(report: &[WindowLine], view: WindowView, currency: &str, several: bool) -> Rows {
    let mut rows = match view {
        WindowView::Sales => Rows::new(&[
            "window/",
            "auction_rps#",
            "order_rps#",
            "best_effort_rps#",
            "resold_rps#",
            "used_rps#",
            "unsold_rps#",
            "revenue#",
            if several { "currency" } else { "currency!" },
        ]),
        WindowView::Capacity => Rows::new(&[
            "window/",
            "offered_rps#",
            "sold_rps#",
            "best_effort_rps#",
            "unsold_rps#",
            "used_rps#",
            "used_%#",
        ]),
    };
    for w in report {
        let sold = w.auction_rps + w.order_rps;
        let first_revenue = w.billed.first().map_or((currency, Money(0)), |(c, m)| (c.as_str(), *m));
        rows.push(match view {
            WindowView::Sales => vec![
                w.window.to_string(),
                format!("{:.1}", w.auction_rps),
                format!("{:.1}", w.order_rps),
                format!("{:.1}", w.best_effort_rps),
                format!("{:.1}", w.resold_rps),
                opt(w.used_rps, 1),
                opt(w.unsold_rps, 1),
                format_minor(first_revenue.1, first_revenue.0),
                first_revenue.0.to_string(),
            ],
            WindowView::Capacity => vec![
                w.window.to_string(),
                opt(w.offered_rps, 1),
                format!("{sold:.1}"),
                format!("{:.1}", w.best_effort_rps),
                opt(w.unsold_rps, 1),
                opt(w.used_rps, 1),
                opt(w.used_rps.zip(w.offered_rps).filter(|(_, o)| *o > 0.0).map(|(u, o)| u * 100.0 / o), 1),
            ],
        });
        if view == WindowView::Sales {
            for (c, m) in w.billed.iter().skip(1) {
                let mut line = vec![w.window.to_string()];
                line.extend(std::iter::repeat_n("-".to_string(), 6));
                line.extend([format_minor(*m, c), c.clone()]);
                rows.push(line);
            }
        }
    }
    rows
}
