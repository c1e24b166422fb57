//! What a buyer owes for a stretch of a sale, by one of three rules, each exact in micro-units:
//!
//! - **reserved** (guaranteed sales): `rps × hours × unit price`. It is the sale's own total,
//!   shared out over the stretches of its window in proportion to time ([`apportion`]), so the
//!   stretches of a sale always add up to what `market sales` says it cost.
//! - **actual** (best-effort sales): the requests the proxies served for it × the unit price
//!   per request. A price per rps-hour is the price of 3,600 requests, so one request costs
//!   `unit price / 3600`.
//! - **p95** (burstable billing, as transit and CDN contracts do it): the 95th percentile of the
//!   stretch's 5-minute served rates, the top 5% of them forgiven, × hours × unit price up to
//!   the purchase, and the part above the purchase at the overage price.
//!
//! Prices are per rps-hour. Amounts are rounded once, to the nearest micro-unit, and checked:
//! an amount past [`MAX_AMOUNT`](crate::core::money::MAX_AMOUNT) is an [`Overflow`], never a
//! wrapped or saturated figure. (Printing to the currency's minor unit is the report's, at the
//! line: [`crate::core::money::format_minor`].)

use std::fmt;
use std::str::FromStr;

use crate::core::money::{Money, Overflow};
use crate::core::service::Service;
use crate::core::window::Window;

/// A billing rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Billing {
    Reserved,
    Actual,
    P95,
}

impl Billing {
    /// The name on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Billing::Reserved => "reserved",
            Billing::Actual => "actual",
            Billing::P95 => "p95",
        }
    }

    /// The rule a sale says: what was reserved for guaranteed capacity, what was used for best
    /// effort.
    pub fn for_service(service: Service) -> Billing {
        match service {
            Service::Guaranteed => Billing::Reserved,
            Service::BestEffort => Billing::Actual,
        }
    }
}

impl FromStr for Billing {
    type Err = String;

    fn from_str(text: &str) -> Result<Billing, String> {
        match text {
            "reserved" => Ok(Billing::Reserved),
            "actual" => Ok(Billing::Actual),
            "p95" => Ok(Billing::P95),
            other => Err(format!("unknown billing `{other}` (reserved, actual, p95)")),
        }
    }
}

impl fmt::Display for Billing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// `part`'s share of `total`, which is the price of `whole`, by time. Shares of adjoining parts
/// add up exactly to the share of their union, and all of `whole`'s parts to `total`. A share
/// is never larger than `total` (the part is clamped to the whole), so it always fits.
pub fn apportion(total: Money, whole: Window, part: Window) -> Money {
    let len = i128::from(whole.secs().max(1));
    let upto = |t: i64| {
        let num = i128::from(total.micros()) * i128::from((t - whole.start).clamp(0, whole.secs()));
        (num + len / 2).div_euclid(len)
    };
    Money((upto(part.end) - upto(part.start)) as i64)
}

/// `requests × unit_price / 3600`, rounded to the nearest micro-unit.
pub fn actual(requests: u64, unit_price: Money) -> Result<Money, Overflow> {
    let num = i128::from(requests) * i128::from(unit_price.micros());
    Money::from_i128((num + 1800).div_euclid(3600), || format!("{requests} requests × {unit_price}/3600"))
}

/// The 95th percentile by nearest rank: of `n` rates sorted, the `⌈0.95 n⌉`-th smallest, so
/// the top 5% (rounded down) are forgiven. `None` for no rates.
pub fn percentile95(rates: &mut [f64]) -> Option<f64> {
    if rates.is_empty() {
        return None;
    }
    rates.sort_by(f64::total_cmp);
    let rank = (rates.len() * 95).div_ceil(100);
    Some(rates[rank.max(1) - 1])
}

/// The p95 charge for `seconds` of a purchase of `purchased_rps`: `min(p95, purchased)` at
/// `unit_price` and `max(p95 − purchased, 0)` at `overage_price`, per rps-hour. The p95 is a
/// measured rate, so unbounded: a charge it would take past the ledger is an [`Overflow`].
pub fn p95(
    p95_rps: f64,
    purchased_rps: i64,
    seconds: i64,
    unit_price: Money,
    overage_price: Money,
) -> Result<Money, Overflow> {
    let purchased = purchased_rps as f64;
    let within = p95_rps.min(purchased) * unit_price.micros() as f64;
    let over = (p95_rps - purchased).max(0.0) * overage_price.micros() as f64;
    let micros = ((within + over) * seconds as f64 / 3600.0).round();
    let too_large = || format!("p95 {p95_rps} rps for {} h", seconds as f64 / 3600.0);
    // A float's `as` cast saturates, and takes NaN (an infinite rate at no price) to 0: check
    // first. 2^63 is exact in f64, and every whole f64 below it converts exactly.
    if micros.is_nan() || micros.abs() >= 9_223_372_036_854_775_808.0 {
        return Err(Overflow(too_large()));
    }
    Money::from_i128(i128::from(micros as i64), too_large)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const HOUR: i64 = 3600;

    fn w(start: i64, secs: i64) -> Window {
        Window { start, end: start + secs }
    }

    #[test]
    fn a_window_split_in_pieces_adds_up_to_its_total() {
        // 100 rps × 4 h × 0.80 = 320.00, in hours and in uneven pieces.
        let (total, whole) = (Money(320_000_000), w(0, 4 * HOUR));
        let hours: Vec<Money> = (0..4).map(|h| apportion(total, whole, w(h * HOUR, HOUR))).collect();
        assert_eq!(hours, vec![Money(80_000_000); 4]);
        // 1/3 of 0.000010 rounds, but the pieces still add up.
        let (small, whole) = (Money(10), w(0, 3));
        let parts: Vec<i64> = (0..3).map(|s| apportion(small, whole, w(s, 1)).micros()).collect();
        assert_eq!(parts.iter().sum::<i64>(), 10);
        assert_eq!(apportion(total, w(0, 4 * HOUR), w(-HOUR, 10 * HOUR)), total);
    }

    #[test]
    fn actual_use_is_priced_per_request() {
        // 1,000,000 requests at 0.72 per rps-hour: 0.72 / 3600 = 0.0002 each → 200.00.
        assert_eq!(actual(1_000_000, Money(720_000)), Ok(Money(200_000_000)));
        // One request at 0.50/rps-hour is 0.000139 (138.9 micro-units, rounded).
        assert_eq!(actual(1, Money(500_000)), Ok(Money(139)));
        assert_eq!(actual(0, Money(500_000)), Ok(Money(0)));
    }

    #[test]
    fn p95_forgives_the_top_five_percent() {
        // 100 rates 1..=100: the 95th smallest is 95; the five largest are forgiven.
        let mut rates: Vec<f64> = (1..=100).rev().map(f64::from).collect();
        assert_eq!(percentile95(&mut rates), Some(95.0));
        // 30 days of 5-minute rates: 8,640, of which 432 may burst for free.
        let mut month = vec![100.0; 8640];
        month[..432].fill(900.0);
        assert_eq!(percentile95(&mut month), Some(100.0));
        month[432] = 900.0;
        assert_eq!(percentile95(&mut month), Some(900.0));
        assert_eq!(percentile95(&mut [7.0]), Some(7.0));
        assert_eq!(percentile95(&mut []), None);
    }

    #[test]
    fn p95_charges_overage_above_the_purchase() {
        // Bought 100 rps for 720 h at 0.80, overage 1.20: p95 of 90 → 90 × 720 × 0.80.
        assert_eq!(p95(90.0, 100, 720 * HOUR, Money(800_000), Money(1_200_000)), Ok(Money(51_840_000_000)));
        // p95 of 130: 100 × 720 × 0.80 + 30 × 720 × 1.20 = 57,600 + 25,920.
        assert_eq!(p95(130.0, 100, 720 * HOUR, Money(800_000), Money(1_200_000)), Ok(Money(83_520_000_000)));
    }

    #[test]
    fn a_charge_that_does_not_fit_is_an_error_not_a_wrapped_figure() {
        use crate::core::money::{MAX_AMOUNT, MAX_PRICE};
        // u64::MAX requests at the highest price: ~5 × 10^21 units, which i64 cannot hold.
        let e = actual(u64::MAX, MAX_PRICE).unwrap_err();
        assert!(e.to_string().contains("is above the largest amount the ledger holds"), "{e}");
        // The largest that fits still does.
        let n = (MAX_AMOUNT.micros() as u64 / 1_000_000_000) * 3600;
        assert_eq!(actual(n, MAX_PRICE), Ok(Money(MAX_AMOUNT.micros() / 1_000_000_000 * 1_000_000_000)));
        // A measured p95 of a billion billion rps, or an infinite one.
        assert!(p95(1e18, 100, 720 * HOUR, Money(800_000), MAX_PRICE).is_err());
        assert!(p95(f64::INFINITY, 100, HOUR, Money(800_000), MAX_PRICE).is_err());
    }

    #[test]
    fn rules_by_name_and_service() {
        for rule in [Billing::Reserved, Billing::Actual, Billing::P95] {
            assert_eq!(rule.name().parse::<Billing>(), Ok(rule));
        }
        assert!("burst".parse::<Billing>().is_err());
        assert_eq!(Billing::for_service(Service::Guaranteed), Billing::Reserved);
        assert_eq!(Billing::for_service(Service::BestEffort), Billing::Actual);
    }

    proptest! {
        #[test]
        fn hourly_shares_of_any_total_add_up(total in 0i64..1_000_000_000_000, hours in 1i64..200) {
            let whole = w(0, hours * HOUR);
            let sum: i64 = (0..hours).map(|h| apportion(Money(total), whole, w(h * HOUR, HOUR)).micros()).sum();
            prop_assert_eq!(sum, total);
        }
    }
}
