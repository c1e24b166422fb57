//! `report sales` and `report capacity` as a pure function: the operator's view of each slot
//! or day — what was offered, what was sold and how, what the proxies served, the revenue, and
//! what was left unsold — from the usage report's lines cut at the same boundaries.
//!
//! Rates over a period are time-weighted means: a 100 rps sale for half of a slot counts 50,
//! and so does 100 rps served for half of it. A day's line is thus comparable column by column;
//! `used_rps` above the sold columns means use above them (best effort is its own column), or
//! requests served outside any sale (resolvers still holding answers after a window ends).

use crate::core::money::{Money, Overflow};
use crate::core::service::Service;
use crate::core::usage_bucket::UsageBucket;
use crate::core::usage_report::{UsageLine, totals_by_currency};
use crate::core::window::Window;

/// One period of the operator's report.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowLine {
    pub window: Window,
    /// Capacity offered (`capacity measure --save`); `None` where nothing was offered.
    pub offered_rps: Option<f64>,
    /// Guaranteed capacity the operator sold, by auction and by order.
    pub auction_rps: f64,
    pub order_rps: f64,
    /// Best-effort shares sold (not drawn from the offers).
    pub best_effort_rps: f64,
    /// Capacity buyers resold to each other.
    pub resold_rps: f64,
    /// What the proxies served for all buyers, per second of the period, each buyer's gaps
    /// (unmeasured time in its sales) filled at its measured rate; `None` if unmeasured.
    pub used_rps: Option<f64>,
    /// What buyers owe the operator for the period (resales are between buyers), exact, per
    /// currency (by code; none without sales): two currencies are never added.
    pub revenue: Vec<(String, Money)>,
    /// The same, as billed: the sum of the period's lines each as its bill prints it (to the
    /// currency's minor unit), so that it is what `report usage` cut at the same periods adds
    /// up to.
    pub billed: Vec<(String, Money)>,
    /// Offered minus sold; `None` where nothing was offered.
    pub unsold_rps: Option<f64>,
}

/// Lines for `periods` from usage `lines` cut at the same boundaries, the `offers` (slot,
/// rps), and every buyer's `usage` buckets. `billed` is a line's charge as its bill prints it.
/// A period's revenue that does not fit the ledger's amounts is an [`Overflow`].
pub fn window_lines(
    periods: &[Window],
    lines: &[UsageLine],
    offers: &[(Window, i64)],
    usage: &[(String, Vec<UsageBucket>)],
    billed: &dyn Fn(&UsageLine) -> Money,
) -> Result<Vec<WindowLine>, Overflow> {
    periods
        .iter()
        .map(|&period| {
            let weight = |w: Window| overlap(w, period) as f64 / period.secs() as f64;
            let mut line = WindowLine {
                window: period,
                offered_rps: None,
                auction_rps: 0.0,
                order_rps: 0.0,
                best_effort_rps: 0.0,
                resold_rps: 0.0,
                used_rps: None,
                revenue: Vec::new(),
                billed: Vec::new(),
                unsold_rps: None,
            };
            let (mut revenue, mut billed_lines) = (Vec::new(), Vec::new());
            for l in lines.iter().filter(|l| overlap(l.window, period) > 0) {
                let rps = l.purchased_rps as f64 * weight(l.window);
                match (l.purchased_rps < 0, l.service, &l.seller, l.mechanism.as_str()) {
                    (true, _, _, _) => line.resold_rps -= rps,
                    (false, Service::BestEffort, _, _) => line.best_effort_rps += rps,
                    (false, _, Some(_), _) => {}
                    (false, _, None, "auction") => line.auction_rps += rps,
                    (false, _, None, _) => line.order_rps += rps,
                }
                if l.purchased_rps > 0 && l.seller.is_none() {
                    revenue.push((l.currency.as_str(), l.charge));
                    billed_lines.push((l.currency.as_str(), billed(l)));
                }
            }
            let too_large = |_| Overflow(format!("the revenue of {period}"));
            line.revenue = totals_by_currency(revenue).map_err(too_large)?;
            line.billed = totals_by_currency(billed_lines).map_err(too_large)?;
            for (slot, rps) in offers.iter().filter(|(slot, _)| overlap(*slot, period) > 0) {
                *line.offered_rps.get_or_insert(0.0) += *rps as f64 * weight(*slot);
            }
            line.unsold_rps = line.offered_rps.map(|o| o - line.auction_rps - line.order_rps);
            for (buyer, buckets) in usage {
                let first = buckets.partition_point(|b| b.start < period.start);
                let buckets = || buckets[first..].iter().take_while(|b| b.start < period.end);
                let (served, measured) =
                    buckets().fold((0u64, 0i64), |(s, m), b| (s + b.served, m + b.measured_seconds));
                if measured == 0 {
                    continue;
                }
                // The time this buyer had traffic to expect: its sales in the period, and any
                // measured time outside them. Its measured rate stands for its gaps, as in the
                // usage report (a gap is never read as zero use).
                let sales = held(lines, buyer, period);
                let outside: i64 = buckets()
                    .filter(|b| !sales.iter().any(|w| w.start <= b.start && b.start < w.end))
                    .map(|b| b.measured_seconds)
                    .sum();
                let held_secs: i64 = sales.iter().map(|w| w.secs()).sum::<i64>() + outside;
                let rate = served as f64 / measured as f64;
                *line.used_rps.get_or_insert(0.0) += rate * held_secs.max(measured) as f64 / period.secs() as f64;
            }
            Ok(line)
        })
        .collect()
}

/// The windows `buyer` held a purchase in, within `period`, merged where they overlap.
fn held(lines: &[UsageLine], buyer: &str, period: Window) -> Vec<Window> {
    let mut spans: Vec<Window> = lines
        .iter()
        .filter(|l| l.buyer == buyer && l.purchased_rps > 0 && overlap(l.window, period) > 0)
        .map(|l| Window { start: l.window.start.max(period.start), end: l.window.end.min(period.end) })
        .collect();
    spans.sort_by_key(|w| w.start);
    let mut merged: Vec<Window> = Vec::new();
    for w in spans {
        match merged.last_mut() {
            Some(last) if w.start <= last.end => last.end = last.end.max(w.end),
            _ => merged.push(w),
        }
    }
    merged
}

fn overlap(a: Window, b: Window) -> i64 {
    (a.end.min(b.end) - a.start.max(b.start)).max(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::billing::Billing;

    const T: i64 = 1_795_564_800;

    fn exact(l: &UsageLine) -> Money {
        l.charge
    }

    fn line(
        buyer: &str,
        start: i64,
        secs: i64,
        rps: i64,
        mechanism: &str,
        seller: Option<&str>,
        charge: i64,
    ) -> UsageLine {
        UsageLine {
            buyer: buyer.into(),
            sale_id: 1,
            service: Service::Guaranteed,
            seller: seller.map(String::from),
            mechanism: mechanism.into(),
            window: Window { start, end: start + secs },
            purchased_rps: rps,
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
            billing: Some(Billing::Reserved),
            rule: String::new(),
            unit_price: Money(0),
            charge: Money(charge),
            currency: "EUR".into(),
        }
    }

    #[test]
    fn sold_offered_used_and_revenue_per_hour() {
        let hour = |h: i64| Window { start: T + h * 3600, end: T + (h + 1) * 3600 };
        let mut best_effort = line("news", T, 3600, 40, "auction", None, 2_000_000);
        best_effort.service = Service::BestEffort;
        let lines = [
            line("shop", T, 3600, 100, "auction", None, 80_000_000),
            line("api", T + 1800, 1800, 20, "order", None, 9_000_000),
            line("news", T, 3600, 10, "order", Some("shop"), 9_000_000),
            line("shop", T, 3600, -10, "order", Some("shop"), -9_000_000),
            best_effort,
        ];
        let usage = vec![(
            "shop".to_string(),
            vec![UsageBucket { start: T, measured_seconds: 300, served: 27_000, ..UsageBucket::default() }],
        )];
        let got = window_lines(&[hour(0), hour(1)], &lines, &[(hour(0), 150), (hour(1), 150)], &usage, &exact).unwrap();
        let h0 = &got[0];
        assert_eq!((h0.auction_rps, h0.order_rps, h0.best_effort_rps, h0.resold_rps), (100.0, 10.0, 40.0, 10.0));
        assert_eq!((h0.offered_rps, h0.unsold_rps, h0.used_rps), (Some(150.0), Some(40.0), Some(90.0)));
        assert_eq!(h0.revenue, [("EUR".to_string(), Money(91_000_000))]);
        let h1 = &got[1];
        assert_eq!(
            (h1.auction_rps, h1.unsold_rps, h1.used_rps, h1.revenue.as_slice()),
            (0.0, Some(150.0), None, &[][..])
        );
    }

    #[test]
    fn revenue_in_two_currencies_is_two_sums() {
        let hour = Window { start: T, end: T + 3600 };
        let mut usd = line("api", T, 3600, 20, "order", None, 7_000_000);
        usd.currency = "USD".into();
        let lines = [
            line("shop", T, 3600, 100, "auction", None, 80_000_000),
            usd,
            line("news", T, 1800, 10, "order", None, 1_000_000),
        ];
        let got = window_lines(&[hour], &lines, &[], &[], &exact).unwrap();
        assert_eq!(got[0].revenue, [("EUR".to_string(), Money(81_000_000)), ("USD".to_string(), Money(7_000_000))]);
    }

    #[test]
    fn a_day_compares_use_with_sales_over_the_same_time() {
        // 40 rps sold for 16–20h and served at 40 rps, but the 17:00–17:10 samples lost; then
        // 10 rps more served in 20–21h, after the sale (resolvers' cached answers).
        let day = Window { start: T, end: T + 86_400 };
        let lines = [line("shop", T + 16 * 3600, 4 * 3600, 40, "auction", None, 80_000_000)];
        let bucket = |h: i64, m: i64, rps: u64| UsageBucket {
            start: T + h * 3600 + m * 60,
            measured_seconds: 300,
            served: rps * 300,
            ..UsageBucket::default()
        };
        let mut buckets: Vec<UsageBucket> = Vec::new();
        for h in 16..20 {
            buckets.extend((0..60).step_by(5).filter(|&m| !(h == 17 && m < 10)).map(|m| bucket(h, m, 40)));
        }
        buckets.extend((0..60).step_by(5).map(|m| bucket(20, m, 10)));
        let got = &window_lines(&[day], &lines, &[], &[("shop".to_string(), buckets)], &exact).unwrap()[0];
        let sold = got.auction_rps;
        assert!((sold - 40.0 * 4.0 / 24.0).abs() < 1e-9, "{sold}");
        // The gap is filled at the measured rate: 40 rps over the 4 h held, and the hour after.
        let rate = (40.0 * (4.0 * 3600.0 - 600.0) + 10.0 * 3600.0) / (5.0 * 3600.0 - 600.0);
        let want = rate * 5.0 / 24.0;
        let used = got.used_rps.unwrap();
        assert!((used - want).abs() < 1e-9, "{used} vs {want}");
        assert!(used < 40.0 && used > sold, "comparable with the sold columns, {used} vs {sold}");
    }

    #[test]
    fn a_revenue_past_the_ledger_is_an_error_not_a_wrapped_sum() {
        use crate::core::money::MAX_AMOUNT;
        let hour = Window { start: T, end: T + 3600 };
        let lines = [
            line("shop", T, 3600, 100, "auction", None, MAX_AMOUNT.micros()),
            line("news", T, 3600, 100, "auction", None, MAX_AMOUNT.micros()),
        ];
        let e = window_lines(&[hour], &lines, &[], &[], &exact).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("the revenue of {hour} is above the largest amount the ledger holds ({MAX_AMOUNT})")
        );
        let one = &window_lines(&[hour], &lines[..1], &[], &[], &exact).unwrap()[0];
        assert_eq!(one.revenue, [("EUR".to_string(), MAX_AMOUNT)]);
    }

    #[test]
    fn billed_revenue_is_the_sum_of_the_lines_as_printed() {
        use crate::core::money::to_minor;
        let hour = Window { start: T, end: T + 3600 };
        // Three lines of 0.125 and one of 0.135: 0.51 exactly, 0.12 × 3 + 0.14 = 0.50 billed.
        let mut lines = vec![line("shop", T, 3600, 1, "auction", None, 125_000); 3];
        lines.push(line("news", T, 3600, 1, "auction", None, 135_000));
        let got = &window_lines(&[hour], &lines, &[], &[], &|l| to_minor(l.charge, "EUR")).unwrap()[0];
        let eur = |m| vec![("EUR".to_string(), Money(m))];
        assert_eq!((got.revenue.clone(), got.billed.clone()), (eur(510_000), eur(500_000)));
    }
}
