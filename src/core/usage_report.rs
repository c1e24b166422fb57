//! `report usage` as a pure function: each sale's stretches (the whole window, or its slots or
//! days), with what the buyer used in them and what it owes.
//!
//! **Whose requests are whose.** The ledger knows what the proxies served per buyer, not per
//! sale, so a buyer holding several sales at once has each 5-minute bucket's usage shared out:
//! guaranteed sales first, in proportion to their rps, up to what they guarantee together; what
//! is served above that goes to the buyer's best-effort sales, in proportion to theirs (the
//! controller counts best-effort load the same way). A buyer with one sale at a time, the usual
//! case, gets every request on that sale and every figure exact. A bucket cut by a window
//! boundary (slots that are not a multiple of 5 minutes) is shared by time.
//!
//! **Gaps.** Time in a stretch without a measured sample (the server down, the monitor stale,
//! or no monitor) is a gap: counted and shown, never taken as zero use. Means, the p95 and
//! utilisation are over the measured time only.
//!
//! **Resales.** A buyer that resold part of what it bought gets a credit line for the resale
//! (negative rps and charge) beside its purchase, so its lines add up to what it owes.
//!
//! **Currencies.** Each line is in its sale's currency; lines in different currencies are
//! never added up (see [`totals_by_currency`]).

use std::collections::HashMap;

use crate::core::billing::{self, Billing};
use crate::core::money::{Money, Overflow};
use crate::core::sale::Sale;
use crate::core::service::Service;
use crate::core::usage_bucket::UsageBucket;
use crate::core::window::{DAY_SECS, Slot, Window};

/// Seconds in a usage bucket: the 5 minutes of burstable billing.
pub const BUCKET_SECS: i64 = 300;

/// How a sale's window is cut into report lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    /// One line per sale.
    Sale,
    /// One line per sale and slot.
    Slot(Slot),
    /// One line per sale and UTC day.
    Day,
}

impl Period {
    /// A slot's or a day's length; `None` for a sale (its own window).
    fn secs(self) -> Option<i64> {
        match self {
            Period::Sale => None,
            Period::Slot(slot) => Some(i64::from(slot.secs())),
            Period::Day => Some(DAY_SECS),
        }
    }

    /// `window` cut at this period's boundaries.
    pub fn split(self, window: Window) -> Vec<Window> {
        let Some(len) = self.secs() else { return vec![window] };
        let mut parts = Vec::new();
        let mut start = window.start;
        while start < window.end {
            let end = (start.div_euclid(len) + 1) * len;
            parts.push(Window { start, end: end.min(window.end) });
            start = end;
        }
        parts
    }
}

impl Period {
    /// How many whole periods `range` touches (1 for [`Period::Sale`]), without listing them.
    pub fn count_covering(self, range: Window) -> i64 {
        let Some(len) = self.secs() else { return 1 };
        (range.end - 1).div_euclid(len) - range.start.div_euclid(len) + 1
    }

    /// The whole periods that `range` touches, from the boundary at or before its start
    /// (`range` itself for [`Period::Sale`]).
    pub fn covering(self, range: Window) -> Vec<Window> {
        let Some(len) = self.secs() else { return vec![range] };
        (range.start - range.start.rem_euclid(len)..range.end)
            .step_by(len as usize)
            .map(|start| Window { start, end: start + len })
            .collect()
    }
}

/// What the report is asked for.
#[derive(Debug, Clone)]
pub struct ReportOptions {
    /// Only sale time inside this range.
    pub range: Window,
    pub period: Period,
    /// Bill every sale by this rule instead of the one its service says.
    pub billing: Option<Billing>,
    /// Price per rps-hour above the purchase under p95 (default: the sale's unit price).
    pub overage_price: Option<Money>,
    /// What `overage_price` is in: a sale in another currency pays overage at its own price.
    pub overage_currency: String,
    /// The report's present: time after it has not happened yet, so it is no gap.
    pub now: i64,
}

/// The fraction of answers sent to proxies over a line.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FractionRange {
    pub min: f64,
    pub mean: f64,
    pub max: f64,
}

/// One line of the report: a sale (or its resale) over one stretch.
#[derive(Debug, Clone, PartialEq)]
pub struct UsageLine {
    pub buyer: String,
    pub sale_id: i64,
    pub service: Service,
    /// Who sold: `None` for the network operator, a buyer for a resale.
    pub seller: Option<String>,
    /// `auction` or `order`.
    pub mechanism: String,
    /// The line's stretch of the sale's window.
    pub window: Window,
    /// What the sale bought; negative on a resale's credit line.
    pub purchased_rps: i64,
    /// Seconds of the stretch with a measured sample.
    pub measured_seconds: i64,
    /// Requests the proxies served for this sale; `None` when nothing was measured.
    pub served_requests: Option<u64>,
    pub mean_rps: Option<f64>,
    pub peak_rps: Option<f64>,
    pub p95_rps: Option<f64>,
    pub utilisation_pct: Option<f64>,
    pub above_seconds: i64,
    pub above_requests: u64,
    pub proxy_answers: u64,
    pub fallback_answers: u64,
    pub fraction: Option<FractionRange>,
    pub gap_seconds: i64,
    /// Runs of buckets with missing measurements.
    pub gaps: u32,
    /// `None` on a resale's credit line.
    pub billing: Option<Billing>,
    /// How the charge was worked out, in words and numbers.
    pub rule: String,
    pub unit_price: Money,
    pub charge: Money,
    /// The sale's currency, of `unit_price` and `charge`.
    pub currency: String,
}

/// Sums of `amounts` per currency, by currency code: money in two currencies is never added.
/// A sum that does not fit the ledger's amounts is an [`Overflow`], never a wrapped figure.
pub fn totals_by_currency<'a>(
    amounts: impl IntoIterator<Item = (&'a str, Money)>,
) -> Result<Vec<(String, Money)>, Overflow> {
    let mut totals: std::collections::BTreeMap<&str, Money> = std::collections::BTreeMap::new();
    for (currency, m) in amounts {
        let total = totals.entry(currency).or_default();
        *total = total.checked_add(m).ok_or_else(|| Overflow(format!("the total in {currency}")))?;
    }
    Ok(totals.into_iter().map(|(c, m)| (c.to_string(), m)).collect())
}

/// The report's lines: for every sale in `sales` overlapping the range, its purchase lines
/// (for its buyer) and, for a resale, its credit lines (for its seller); by buyer, then time,
/// then sale. `usage` is each buyer's buckets of [`BUCKET_SECS`], by start. A charge that does
/// not fit the ledger's amounts (a measured rate beyond reason) is an [`Overflow`].
pub fn usage_lines(
    sales: &[Sale],
    usage: &[(String, Vec<UsageBucket>)],
    opts: &ReportOptions,
) -> Result<Vec<UsageLine>, Overflow> {
    let mut lines = Vec::new();
    let mut by_buyer: HashMap<&str, Vec<&Sale>> = HashMap::new();
    for sale in sales {
        by_buyer.entry(sale.buyer.as_str()).or_default().push(sale);
    }
    for sale in sales {
        let Some(clipped) = intersect(sale.window, opts.range) else { continue };
        let held = &by_buyer[sale.buyer.as_str()];
        let buckets = usage.iter().find(|(b, _)| *b == sale.buyer).map_or(&[][..], |(_, u)| u.as_slice());
        for part in opts.period.split(clipped) {
            lines.push(purchase_line(sale, part, held, buckets, opts)?);
            if let Some(seller) = &sale.seller {
                lines.push(credit_line(sale, seller, part));
            }
        }
    }
    lines.sort_by(|a, b| (&a.buyer, a.window.start, a.sale_id).cmp(&(&b.buyer, b.window.start, b.sale_id)));
    Ok(lines)
}

fn intersect(a: Window, b: Window) -> Option<Window> {
    let (start, end) = (a.start.max(b.start), a.end.min(b.end));
    (start < end).then_some(Window { start, end })
}

/// The share of bucket `at`'s usage that is `sale`'s, of the buyer's sales `held`, when the
/// bucket served `rate` rps (see the module's note).
fn share(sale: &Sale, held: &[&Sale], at: Window, rate: f64) -> f64 {
    let weight = |s: &Sale| intersect(s.window, at).map_or(0.0, |o| s.rps as f64 * o.secs() as f64 / at.secs() as f64);
    let total = |service: Service| held.iter().filter(|s| s.service == service).map(|s| weight(s)).sum::<f64>();
    let (guaranteed, best_effort) = (total(Service::Guaranteed), total(Service::BestEffort));
    let mine = weight(sale);
    if mine == 0.0 {
        return 0.0;
    }
    let (pool, of_rate) = match (sale.service, guaranteed > 0.0, best_effort > 0.0) {
        (Service::Guaranteed, _, false) | (Service::BestEffort, false, _) => return mine / (guaranteed + best_effort),
        (Service::Guaranteed, _, true) => (guaranteed, if rate > 0.0 { rate.min(guaranteed) / rate } else { 1.0 }),
        (Service::BestEffort, true, _) => {
            (best_effort, if rate > 0.0 { (rate - guaranteed).max(0.0) / rate } else { 0.0 })
        }
    };
    of_rate * mine / pool
}

fn purchase_line(
    sale: &Sale,
    part: Window,
    held: &[&Sale],
    buckets: &[UsageBucket],
    opts: &ReportOptions,
) -> Result<UsageLine, Overflow> {
    let mut sum = Sums::default();
    let first = part.start - part.start.rem_euclid(BUCKET_SECS);
    let mut next = buckets.partition_point(|b| b.start < first);
    let mut in_gap = false;
    let past = Window { start: part.start, end: part.end.min(opts.now) };
    for at in (first..part.end).step_by(BUCKET_SECS as usize) {
        let span = Window { start: at, end: at + BUCKET_SECS };
        let inside = intersect(span, part).map_or(0, |o| o.secs());
        let happened = intersect(span, past).map_or(0, |o| o.secs());
        let bucket = buckets.get(next).filter(|b| b.start == at);
        if bucket.is_some() {
            next += 1;
        }
        let by_time = inside as f64 / BUCKET_SECS as f64;
        let measured = bucket.map_or(0.0, |b| b.measured_seconds as f64 * by_time);
        let gap = happened as f64 - measured;
        if gap > 0.5 {
            sum.gap_seconds += gap;
            sum.gaps += u32::from(!in_gap);
        }
        in_gap = gap > 0.5;
        let Some(b) = bucket else { continue };
        let rate = b.served_rps().unwrap_or(0.0);
        let mine = share(sale, held, span, rate);
        sum.add(b, mine, by_time, measured);
    }
    let measured = sum.measured_seconds.round() as i64;
    let served = (measured > 0).then(|| sum.served.round() as u64);
    let p95_rps = billing::percentile95(&mut sum.rates);
    let billing = opts.billing.unwrap_or(Billing::for_service(sale.service));
    let overage_price = opts.overage_price.filter(|_| sale.currency == opts.overage_currency);
    let (charge, rule) = charge(sale, part, billing, served, p95_rps, overage_price)
        .map_err(|e| Overflow(format!("the charge of sale #{} for {part}, {}", sale.id, e.0)))?;
    Ok(UsageLine {
        buyer: sale.buyer.clone(),
        sale_id: sale.id,
        service: sale.service,
        seller: sale.seller.clone(),
        mechanism: sale.mechanism.clone(),
        window: part,
        purchased_rps: sale.rps,
        measured_seconds: measured,
        served_requests: served,
        mean_rps: served.map(|s| s as f64 / measured as f64),
        peak_rps: sum.peak,
        p95_rps,
        utilisation_pct: served.map(|s| s as f64 * 100.0 / (sale.rps as f64 * measured as f64)),
        above_seconds: sum.above_seconds.round() as i64,
        above_requests: sum.above_requests.round() as u64,
        proxy_answers: sum.proxy_answers.round() as u64,
        fallback_answers: sum.fallback_answers.round() as u64,
        fraction: (sum.fraction_weight > 0.0).then(|| FractionRange {
            min: sum.fraction_min,
            mean: sum.fraction_seconds / sum.fraction_weight,
            max: sum.fraction_max,
        }),
        gap_seconds: sum.gap_seconds.round() as i64,
        gaps: sum.gaps,
        billing: Some(billing),
        rule,
        unit_price: sale.unit_price,
        charge,
        currency: sale.currency.clone(),
    })
}

/// A line's running totals.
#[derive(Debug)]
struct Sums {
    measured_seconds: f64,
    served: f64,
    peak: Option<f64>,
    rates: Vec<f64>,
    above_seconds: f64,
    above_requests: f64,
    proxy_answers: f64,
    fallback_answers: f64,
    fraction_seconds: f64,
    fraction_weight: f64,
    fraction_min: f64,
    fraction_max: f64,
    gap_seconds: f64,
    gaps: u32,
}

impl Default for Sums {
    fn default() -> Sums {
        Sums {
            measured_seconds: 0.0,
            served: 0.0,
            peak: None,
            rates: Vec::new(),
            above_seconds: 0.0,
            above_requests: 0.0,
            proxy_answers: 0.0,
            fallback_answers: 0.0,
            fraction_seconds: 0.0,
            fraction_weight: 0.0,
            fraction_min: f64::INFINITY,
            fraction_max: f64::NEG_INFINITY,
            gap_seconds: 0.0,
            gaps: 0,
        }
    }
}

impl Sums {
    /// Adds `share` of bucket `b`'s usage, `by_time` of it inside the line.
    fn add(&mut self, b: &UsageBucket, share: f64, by_time: f64, measured: f64) {
        let part = share * by_time;
        self.measured_seconds += measured;
        self.served += b.served as f64 * part;
        if let (Some(peak), true) = (b.peak_rps, measured > 0.0) {
            self.peak = Some(self.peak.unwrap_or(0.0).max(peak * share));
        }
        if let Some(rate) = b.served_rps() {
            self.rates.push(rate * share);
        }
        self.above_seconds += b.above_seconds as f64 * by_time;
        self.above_requests += b.above_requests as f64 * part;
        self.proxy_answers += b.proxy_answers as f64 * part;
        self.fallback_answers += b.fallback_answers as f64 * part;
        self.fraction_seconds += b.fraction_seconds * by_time;
        self.fraction_weight += b.fraction_weight * by_time;
        self.fraction_min = self.fraction_min.min(b.fraction_min);
        self.fraction_max = self.fraction_max.max(b.fraction_max);
    }
}

/// The charge for `part` of `sale` by `rule`, and how it was worked out.
fn charge(
    sale: &Sale,
    part: Window,
    rule: Billing,
    served: Option<u64>,
    p95_rps: Option<f64>,
    overage_price: Option<Money>,
) -> Result<(Money, String), Overflow> {
    let (rps, hours, unit) = (sale.rps, hours(part.secs()), sale.unit_price);
    Ok(match rule {
        Billing::Reserved => {
            (billing::apportion(sale.total, sale.window, part), format!("{rps} rps × {hours} h × {unit}"))
        }
        Billing::Actual => match served {
            Some(n) => (billing::actual(n, unit)?, format!("{n} requests × {unit}/3600")),
            None => (Money(0), "no requests measured".into()),
        },
        Billing::P95 => {
            let Some(p95) = p95_rps else { return Ok((Money(0), "no requests measured".into())) };
            let overage = overage_price.unwrap_or(unit);
            let amount = billing::p95(p95, rps, part.secs(), unit, overage)?;
            let within = p95.min(rps as f64);
            let over = p95 - within;
            let rule = if over > 0.0 {
                format!(
                    "p95 {} rps: {} rps × {hours} h × {unit} + {} rps over × {hours} h × {overage}",
                    round2(p95),
                    round2(within),
                    round2(over)
                )
            } else {
                format!("p95 {} rps × {hours} h × {unit}", round2(within))
            };
            (amount, rule)
        }
    })
}

fn credit_line(sale: &Sale, seller: &str, part: Window) -> UsageLine {
    let credit = billing::apportion(sale.total, sale.window, part);
    UsageLine {
        buyer: seller.to_string(),
        sale_id: sale.id,
        service: sale.service,
        seller: sale.seller.clone(),
        mechanism: sale.mechanism.clone(),
        window: part,
        purchased_rps: -sale.rps,
        measured_seconds: 0,
        served_requests: None,
        mean_rps: None,
        peak_rps: None,
        p95_rps: None,
        utilisation_pct: None,
        above_seconds: 0,
        above_requests: 0,
        proxy_answers: 0,
        fallback_answers: 0,
        fraction: None,
        gap_seconds: 0,
        gaps: 0,
        billing: None,
        rule: format!("resold {} rps × {} h × {} to {}", sale.rps, hours(part.secs()), sale.unit_price, sale.buyer),
        unit_price: sale.unit_price,
        charge: Money(-credit.micros()),
        currency: sale.currency.clone(),
    }
}

/// Hours as few digits as say them: `4`, `0.5`, `0.25`, `0.083`.
fn hours(secs: i64) -> String {
    let h = secs as f64 / 3600.0;
    let text = format!("{h:.3}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn round2(x: f64) -> String {
    let text = format!("{x:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: i64 = 3600;
    /// 2026-11-25T00:00:00Z.
    const DAY0: i64 = 1_795_564_800;

    fn sale(id: i64, buyer: &str, start: i64, hours: i64, rps: i64, unit: i64, service: Service) -> Sale {
        let window = Window { start, end: start + hours * H };
        let total = Money((i128::from(rps) * i128::from(unit) * i128::from(hours)) as i64);
        Sale {
            id,
            buyer: buyer.into(),
            seller: None,
            window,
            rps,
            unit_price: Money(unit),
            total,
            mechanism: "auction".into(),
            rule: Some("uniform".into()),
            source_id: 1,
            bid_id: None,
            created_at: start - H,
            service,
            currency: "EUR".into(),
        }
    }

    /// Fully measured 5-minute buckets from `start`, served at each of `rates` rps.
    fn buckets(start: i64, purchased_rps: i64, rates: &[f64]) -> Vec<UsageBucket> {
        rates
            .iter()
            .enumerate()
            .map(|(i, &rps)| {
                let served = (rps * 300.0) as u64;
                let above = served.saturating_sub(purchased_rps as u64 * 300);
                UsageBucket {
                    start: start + i as i64 * 300,
                    seconds: 300,
                    purchased: purchased_rps * 300,
                    measured_seconds: 300,
                    served,
                    above_seconds: if above > 0 { 300 } else { 0 },
                    above_requests: above,
                    peak_rps: Some(rps),
                    proxy_answers: 60,
                    fallback_answers: 40,
                    fraction_seconds: 0.6 * 300.0,
                    fraction_weight: 300.0,
                    fraction_min: 0.6,
                    fraction_max: 0.6,
                }
            })
            .collect()
    }

    fn usage_lines_ok(sales: &[Sale], usage: &[(String, Vec<UsageBucket>)], opts: &ReportOptions) -> Vec<UsageLine> {
        usage_lines(sales, usage, opts).unwrap()
    }

    fn opts(period: Period) -> ReportOptions {
        ReportOptions {
            range: Window { start: 0, end: i64::MAX / 2 },
            period,
            billing: None,
            overage_price: None,
            overage_currency: "EUR".into(),
            now: i64::MAX,
        }
    }

    #[test]
    fn a_guaranteed_sale_is_charged_what_it_reserved_whatever_it_used() {
        // 100 rps for 2 h at 0.80: 160.00. It uses 90 rps in the first hour, 110 in the second.
        let sales = [sale(1, "shop", DAY0, 2, 100, 800_000, Service::Guaranteed)];
        let mut rates = vec![90.0; 12];
        rates.extend([110.0; 12]);
        let usage = vec![("shop".to_string(), buckets(DAY0, 100, &rates))];
        let lines = usage_lines_ok(&sales, &usage, &opts(Period::Sale));
        assert_eq!(lines.len(), 1);
        let l = &lines[0];
        assert_eq!(l.served_requests, Some(12 * 27_000 + 12 * 33_000));
        assert_eq!((l.mean_rps, l.peak_rps, l.p95_rps), (Some(100.0), Some(110.0), Some(110.0)));
        assert_eq!(l.utilisation_pct, Some(100.0));
        assert_eq!((l.above_seconds, l.above_requests), (H, 12 * 3000));
        assert_eq!((l.proxy_answers, l.fallback_answers), (24 * 60, 24 * 40));
        assert_eq!((l.gap_seconds, l.gaps), (0, 0));
        assert_eq!(l.charge, Money(160_000_000));
        assert_eq!(l.rule, "100 rps × 2 h × 0.80");
        // By slot: two lines of 80.00, each with its own hour's use.
        let lines = usage_lines_ok(&sales, &usage, &opts(Period::Slot(Slot::HOUR)));
        let got: Vec<(Option<u64>, Money)> = lines.iter().map(|l| (l.served_requests, l.charge)).collect();
        assert_eq!(got, vec![(Some(324_000), Money(80_000_000)), (Some(396_000), Money(80_000_000))]);
    }

    #[test]
    fn a_best_effort_sale_is_charged_for_the_requests_served() {
        // 180,000 requests at 0.72 per rps-hour: 180,000 × 0.0002 = 36.00.
        let sales = [sale(1, "news", DAY0, 1, 50, 720_000, Service::BestEffort)];
        let usage = vec![("news".to_string(), buckets(DAY0, 50, &[50.0; 12]))];
        let l = &usage_lines_ok(&sales, &usage, &opts(Period::Sale))[0];
        assert_eq!((l.served_requests, l.charge), (Some(180_000), Money(36_000_000)));
        assert_eq!(l.rule, "180000 requests × 0.72/3600");
        assert_eq!(l.billing, Some(Billing::Actual));
    }

    #[test]
    fn p95_on_a_month_with_bursts() {
        // 100 rps for 30 days (720 h) at 0.80, overage 1.20. 8,640 buckets; 432 bursts of
        // 900 rps are the top 5% and are forgiven: 100 × 720 × 0.80 = 57,600.00.
        let sales = [sale(1, "shop", DAY0, 720, 100, 800_000, Service::Guaranteed)];
        let mut rates = vec![100.0; 8640];
        for i in 0..432 {
            rates[i * 20] = 900.0;
        }
        let mut o = opts(Period::Sale);
        o.billing = Some(Billing::P95);
        o.overage_price = Some(Money(1_200_000));
        let usage = vec![("shop".to_string(), buckets(DAY0, 100, &rates))];
        let l = &usage_lines_ok(&sales, &usage, &o)[0];
        assert_eq!((l.p95_rps, l.charge), (Some(100.0), Money(57_600_000_000)));
        assert_eq!(l.rule, "p95 100 rps × 720 h × 0.80");
        // One burst more and the p95 is 900: 57,600 + 800 × 720 × 1.20 = 748,800.00.
        rates[1] = 900.0;
        let usage = vec![("shop".to_string(), buckets(DAY0, 100, &rates))];
        let l = &usage_lines_ok(&sales, &usage, &o)[0];
        assert_eq!((l.p95_rps, l.charge), (Some(900.0), Money(748_800_000_000)));
        assert_eq!(l.rule, "p95 900 rps: 100 rps × 720 h × 0.80 + 800 rps over × 720 h × 1.20");
        // The sale's own rule, reserved, ignores the bursts.
        let l = &usage_lines_ok(&sales, &usage, &opts(Period::Sale))[0];
        assert_eq!(l.charge, Money(57_600_000_000));
    }

    #[test]
    fn overage_priced_in_another_currency_is_not_applied() {
        // The config's overage price is in EUR; a USD sale pays its overage at its own unit price
        // (0.80 USD), never at 1.20 "EUR" counted as dollars.
        let mut usd = sale(1, "shop", DAY0, 1, 100, 800_000, Service::Guaranteed);
        usd.currency = "USD".into();
        let mut o = opts(Period::Sale);
        o.billing = Some(Billing::P95);
        o.overage_price = Some(Money(1_200_000));
        let usage = vec![("shop".to_string(), buckets(DAY0, 100, &[200.0; 12]))];
        let l = &usage_lines(&[usd], &usage, &o).unwrap()[0];
        assert_eq!((l.charge, l.currency.as_str()), (Money(160_000_000), "USD"));
        assert_eq!(l.rule, "p95 200 rps: 100 rps × 1 h × 0.80 + 100 rps over × 1 h × 0.80");
    }

    #[test]
    fn totals_are_per_currency() {
        let got = totals_by_currency([("EUR", Money(5)), ("USD", Money(7)), ("EUR", Money(-2))]).unwrap();
        assert_eq!(got, [("EUR".to_string(), Money(3)), ("USD".to_string(), Money(7))]);
        let e = totals_by_currency([("EUR", Money(i64::MAX)), ("USD", Money(7)), ("EUR", Money(1))]).unwrap_err();
        assert!(e.to_string().starts_with("the total in EUR is above the largest amount"), "{e}");
    }

    #[test]
    fn missing_buckets_are_gaps_not_zero_use() {
        // 1 h: 20 minutes measured at 80 rps, 25 minutes missing, 15 measured.
        let sales = [sale(1, "shop", DAY0, 1, 100, 800_000, Service::Guaranteed)];
        let mut b = buckets(DAY0, 100, &[80.0; 12]);
        b.drain(4..9);
        let usage = vec![("shop".to_string(), b)];
        let l = &usage_lines_ok(&sales, &usage, &opts(Period::Sale))[0];
        assert_eq!((l.gap_seconds, l.gaps, l.measured_seconds), (25 * 60, 1, 35 * 60));
        assert_eq!((l.served_requests, l.mean_rps), (Some(7 * 24_000), Some(80.0)));
        assert_eq!(l.utilisation_pct, Some(80.0));
        // A report in the middle of the window: the time still to come is no gap.
        let mut o = opts(Period::Sale);
        o.now = DAY0 + 50 * 60;
        let l = &usage_lines_ok(&sales, &usage, &o)[0];
        assert_eq!((l.gap_seconds, l.gaps), (25 * 60, 1));
        o.now = DAY0 + 30 * 60;
        let l = &usage_lines_ok(&sales, &usage, &o)[0];
        assert_eq!((l.gap_seconds, l.gaps), (10 * 60, 1));
        // Nothing measured at all: no served figure, one gap the length of the window.
        let l = &usage_lines_ok(&sales, &[], &opts(Period::Sale))[0];
        assert_eq!((l.served_requests, l.gap_seconds, l.gaps, l.fraction), (None, H, 1, None));
        assert_eq!(l.charge, Money(80_000_000));
    }

    #[test]
    fn guaranteed_sales_take_the_use_first_best_effort_the_rest() {
        // shop holds 100 rps guaranteed and 50 best effort and is served 130 rps: 100 on the
        // guarantee, 30 on best effort (30 × 3600 = 108,000 requests at 0.36 → 10.80).
        let sales = [
            sale(1, "shop", DAY0, 1, 100, 800_000, Service::Guaranteed),
            sale(2, "shop", DAY0, 1, 50, 360_000, Service::BestEffort),
        ];
        let usage = vec![("shop".to_string(), buckets(DAY0, 150, &[130.0; 12]))];
        let lines = usage_lines_ok(&sales, &usage, &opts(Period::Sale));
        let got: Vec<(i64, Option<u64>, Money)> =
            lines.iter().map(|l| (l.sale_id, l.served_requests, l.charge)).collect();
        assert_eq!(got, vec![(1, Some(360_000), Money(80_000_000)), (2, Some(108_000), Money(10_800_000))]);
    }

    #[test]
    fn whole_periods_cover_a_range() {
        let range = Window { start: DAY0 + 90 * 60, end: DAY0 + 3 * H };
        let hours: Vec<i64> = Period::Slot(Slot::HOUR).covering(range).iter().map(|w| (w.start - DAY0) / H).collect();
        assert_eq!(hours, [1, 2]);
        assert_eq!(Period::Day.covering(range), [Window { start: DAY0, end: DAY0 + 24 * H }]);
        assert_eq!(Period::Sale.covering(range), [range]);
        for p in [Period::Slot(Slot::HOUR), Period::Day, Period::Sale, Period::Slot(Slot::from_secs(1800).unwrap())] {
            for r in [range, Window { start: DAY0, end: DAY0 + 1 }, Window { start: DAY0 - 1, end: DAY0 + 2 * H }] {
                assert_eq!(p.count_covering(r), p.covering(r).len() as i64, "{p:?} {r}");
            }
        }
    }

    #[test]
    fn a_sale_across_midnight_splits_into_days_and_slots() {
        // 20:00 to 04:00, 10 rps at 1.00: 80.00, 40.00 on each day.
        let sales = [sale(1, "api", DAY0 + 20 * H, 8, 10, 1_000_000, Service::Guaranteed)];
        let usage = vec![("api".to_string(), buckets(DAY0 + 20 * H, 10, &[5.0; 96]))];
        let days = usage_lines_ok(&sales, &usage, &opts(Period::Day));
        let got: Vec<(i64, i64, Money, Option<u64>)> =
            days.iter().map(|l| (l.window.start, l.window.end, l.charge, l.served_requests)).collect();
        assert_eq!(
            got,
            vec![
                (DAY0 + 20 * H, DAY0 + 24 * H, Money(40_000_000), Some(72_000)),
                (DAY0 + 24 * H, DAY0 + 28 * H, Money(40_000_000), Some(72_000)),
            ]
        );
        let slots = usage_lines_ok(&sales, &usage, &opts(Period::Slot(Slot::from_secs(1800).unwrap())));
        assert_eq!(slots.len(), 16);
        assert!(slots.iter().all(|l| l.charge == Money(5_000_000) && l.served_requests == Some(9000)));
        // A range clips the sale: only 02:00–03:00 of it.
        let mut o = opts(Period::Sale);
        o.range = Window { start: DAY0 + 26 * H, end: DAY0 + 27 * H };
        let l = &usage_lines_ok(&sales, &usage, &o)[0];
        assert_eq!((l.window, l.charge, l.served_requests), (o.range, Money(10_000_000), Some(18_000)));
    }

    #[test]
    fn a_resale_credits_the_seller() {
        let mut resale = sale(2, "news", DAY0, 1, 20, 900_000, Service::Guaranteed);
        resale.seller = Some("shop".into());
        let sales = [sale(1, "shop", DAY0, 1, 100, 800_000, Service::Guaranteed), resale];
        let lines = usage_lines_ok(&sales, &[], &opts(Period::Sale));
        let got: Vec<(&str, i64, i64, Money)> =
            lines.iter().map(|l| (l.buyer.as_str(), l.sale_id, l.purchased_rps, l.charge)).collect();
        assert_eq!(
            got,
            vec![
                ("news", 2, 20, Money(18_000_000)),
                ("shop", 1, 100, Money(80_000_000)),
                ("shop", 2, -20, Money(-18_000_000))
            ]
        );
        assert_eq!(lines[2].rule, "resold 20 rps × 1 h × 0.90 to news");
    }
}

/// Money at the bounds: sales as large as [`crate::core::money`] allows, usage far beyond any
/// purchase, every billing rule. Every charge and every sum is either exact (and, with no
/// resales, never negative) or an [`Overflow`]; never a wrapped or saturated figure.
#[cfg(test)]
mod extremes {
    use proptest::prelude::*;

    use super::*;
    use crate::core::auction::total_for_window;
    use crate::core::money::{MAX_AMOUNT, MAX_PRICE, MAX_RPS, MAX_WINDOW_SECS};
    use crate::core::window_report::window_lines;

    const DAY0: i64 = 1_795_564_800;
    /// Requests in a 5-minute bucket far beyond any purchase: 14 billion rps.
    const HUGE: u64 = u32::MAX as u64 * 1000;

    /// A bound, 1, or anything between, the ends more often than chance would pick them.
    fn up_to(max: i64) -> impl Strategy<Value = i64> {
        prop_oneof![Just(max), Just(1), 1..=max, (max - 1000).max(1)..=max]
    }

    /// `a × b / 3600`, rounded half up, in i128: the reference for reserved and actual.
    fn per_3600(a: i128, b: i128) -> i128 {
        (a * b + 1800).div_euclid(3600)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        #[test]
        fn no_charge_or_total_is_negative_or_wrapped(
            sales in prop::collection::vec(
                (up_to(MAX_RPS), up_to(MAX_PRICE.micros()), up_to(MAX_WINDOW_SECS / 3600), any::<bool>(), any::<bool>()),
                1..4,
            ),
            served in prop::collection::vec(
                prop_oneof![Just(0u64), 0u64..=1_000_000, (HUGE - 1_000_000)..=HUGE, 0..=HUGE],
                1..40,
            ),
            rule in prop::sample::select(vec![None, Some(Billing::Reserved), Some(Billing::Actual), Some(Billing::P95)]),
            overage in up_to(MAX_PRICE.micros()),
        ) {
            let sales: Vec<Sale> = sales
                .iter()
                .enumerate()
                .map(|(i, &(rps, price, hours, news, best_effort))| {
                    let window = Window { start: DAY0, end: DAY0 + hours * 3600 };
                    // Within the bounds a sale's total always fits: the bounds' promise.
                    let total = total_for_window(i128::from(rps) * i128::from(price), window.secs()).unwrap();
                    prop_assert_eq!(i128::from(total.micros()), per_3600(i128::from(rps) * i128::from(price), i128::from(window.secs())));
                    Ok(Sale {
                        id: i as i64 + 1,
                        buyer: if news { "news".into() } else { "shop".into() },
                        seller: None,
                        window,
                        rps,
                        unit_price: Money(price),
                        total,
                        mechanism: "auction".into(),
                        rule: None,
                        source_id: 1,
                        bid_id: None,
                        created_at: DAY0,
                        service: if best_effort { Service::BestEffort } else { Service::Guaranteed },
                        currency: "EUR".into(),
                    })
                })
                .collect::<Result<_, TestCaseError>>()?;
            let buckets: Vec<UsageBucket> = served
                .iter()
                .enumerate()
                .map(|(i, &n)| UsageBucket {
                    start: DAY0 + i as i64 * BUCKET_SECS,
                    seconds: BUCKET_SECS,
                    measured_seconds: BUCKET_SECS,
                    served: n,
                    ..UsageBucket::default()
                })
                .collect();
            let usage = vec![("news".to_string(), buckets.clone()), ("shop".to_string(), buckets)];
            let opts = ReportOptions {
                range: Window { start: DAY0, end: DAY0 + MAX_WINDOW_SECS },
                period: Period::Sale,
                billing: rule,
                overage_price: Some(Money(overage)),
                overage_currency: "EUR".into(),
                now: i64::MAX,
            };
            let lines = match usage_lines(&sales, &usage, &opts) {
                Ok(lines) => lines,
                Err(e) => {
                    // Only a charge from use (not from what was reserved) can go past the ledger,
                    // and only with use far beyond anything bought.
                    let requests: f64 = served.iter().map(|&n| n as f64).sum();
                    let peak = served.iter().max().map_or(0.0, |&n| n as f64 / BUCKET_SECS as f64);
                    let most = sales
                        .iter()
                        .map(|s| match rule.unwrap_or(Billing::for_service(s.service)) {
                            Billing::Reserved => 0.0,
                            Billing::Actual => requests * s.unit_price.micros() as f64 / 3600.0,
                            Billing::P95 => {
                                peak * s.window.secs() as f64 / 3600.0 * s.unit_price.micros().max(overage) as f64
                            }
                        })
                        .fold(0.0, f64::max);
                    prop_assert!(most > MAX_AMOUNT.micros() as f64 * 0.99, "{e} with at most {most} µ");
                    return Ok(());
                }
            };
            for l in &lines {
                prop_assert!(l.charge.micros() >= 0, "negative charge {:?}", l);
                let sale = &sales[(l.sale_id - 1) as usize];
                let exact = match l.billing {
                    Some(Billing::Reserved) => Some(i128::from(sale.total.micros())),
                    Some(Billing::Actual) => {
                        Some(l.served_requests.map_or(0, |n| per_3600(i128::from(n), i128::from(sale.unit_price.micros()))))
                    }
                    _ => None,
                };
                if let Some(exact) = exact {
                    prop_assert_eq!(i128::from(l.charge.micros()), exact);
                }
                if let (Some(Billing::P95), Some(p95)) = (l.billing, l.p95_rps) {
                    let within = p95.min(sale.rps as f64) * sale.unit_price.micros() as f64;
                    let over = (p95 - sale.rps as f64).max(0.0) * overage as f64;
                    let reference = (within + over) * l.window.secs() as f64 / 3600.0;
                    let off = (l.charge.micros() as f64 - reference).abs();
                    prop_assert!(off <= 1.0 + reference * 1e-12, "p95 charge {} for {reference}", l.charge.micros());
                }
            }
            // Sums are exact or an error, printed (rounded) or not.
            let exact: i128 = lines.iter().map(|l| i128::from(l.charge.micros())).sum();
            let sum = Money::sum(lines.iter().map(|l| l.charge), String::new);
            prop_assert_eq!(sum.is_ok(), exact <= i128::from(MAX_AMOUNT.micros()));
            if let Ok(sum) = sum {
                prop_assert_eq!(i128::from(sum.micros()), exact);
            }
            let billed = |l: &UsageLine| crate::core::money::to_minor(l.charge, "EUR");
            let periods = [opts.range];
            match window_lines(&periods, &lines, &[], &usage, &billed) {
                Ok(w) => {
                    // Every sale here is in EUR: one sum per kind.
                    let eur = |v: &[(String, Money)]| v.iter().find(|(c, _)| c == "EUR").map_or(0, |(_, m)| m.micros());
                    prop_assert_eq!(i128::from(eur(&w[0].revenue)), exact);
                    prop_assert!(eur(&w[0].billed) >= 0);
                    let printed: i128 = lines.iter().map(|l| i128::from(billed(l).micros())).sum();
                    prop_assert_eq!(i128::from(eur(&w[0].billed)), printed);
                }
                Err(_) => prop_assert!(exact > i128::from(MAX_AMOUNT.micros()) - 10_000 * lines.len() as i128),
            }
        }
    }
}
