//! Money as integer micro-units of a currency (each sale, bid, order and auction names its
//! own): exact sums, never floats; the bounds that keep every sale's total inside the ledger's
//! 64-bit integers; checked sums; and printing to a currency's minor unit.
//!
//! **Bounds.** The ledger stores amounts as `i64` micro-units, so nothing may add up to more
//! than [`MAX_AMOUNT`] (9,223,372,036,854 units). A sale's total is `rps × hours × price`, so
//! each factor has a bound, chosen so that the largest sale there can be still fits:
//!
//! ```text
//! MAX_RPS × MAX_WINDOW hours × MAX_PRICE micros
//!   = 10,000,000 rps × 744 h × 1,000,000,000 µ = 7.44 × 10^18  ≤  MAX_AMOUNT ≈ 9.22 × 10^18
//! ```
//!
//! - [`MAX_PRICE`], 1,000 per rps-hour: an rps-hour is 3,600 requests, so that is 0.28 a
//!   request, hundreds of times what CDNs charge in EUR or USD (and still above it in JPY).
//! - [`MAX_RPS`], 10,000,000 per bid, order or sale: a fifth of the busiest CDN's whole load.
//! - [`MAX_WINDOW_SECS`], 31 days: surplus capacity is forecast from a week's profile; a month
//!   is the longest contract (and burstable billing's period).
//!
//! Sums of many sales (a report's total) can still go past [`MAX_AMOUNT`]; they are added with
//! [`Money::checked_add`] and fail with [`Overflow`] instead of wrapping or saturating.
//!
//! **Printing.** Charges, totals and revenue are printed to the currency's minor unit
//! ([`format_minor`]: 2 decimals for EUR and USD, 0 for JPY, 3 for KWD), rounded half-even, so a
//! bill's lines and its total (the sum of the printed lines) can be checked by hand. Unit prices
//! ([`format_price`]) keep the decimals they have (`0.125`), since a rate is not an amount owed.
//! JSON keeps the exact amount ([`Money`]'s `Display`).

use std::fmt;
use std::str::FromStr;

/// Micro-units per unit (six decimal places).
pub const MICROS: i64 = 1_000_000;

/// The largest amount surplus stores or adds up to: the whole units of `i64::MAX` micro-units.
pub const MAX_AMOUNT: Money = Money(i64::MAX / MICROS * MICROS);

/// The highest price per rps-hour surplus takes (see the module's note for why).
pub const MAX_PRICE: Money = Money(1_000 * MICROS);

/// The most rps one bid, order, auction or sale may have.
pub const MAX_RPS: i64 = 10_000_000;

/// The longest window that can be sold: 31 days.
pub const MAX_WINDOW_SECS: i64 = 31 * 86_400;

// The bounds' promise, checked by the compiler: the largest sale's total fits.
const _: () = assert!(MAX_RPS as i128 * (MAX_WINDOW_SECS as i128 / 3600) * MAX_PRICE.0 as i128 <= MAX_AMOUNT.0 as i128);

/// An amount of money in micro-units.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Money(pub i64);

/// Why an amount did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("`{0}` is not an amount: expected a decimal number with at most 6 decimal places, like 0.25")]
    NotAnAmount(String),
    #[error("`{0}` is above the largest amount the ledger holds ({MAX_AMOUNT})")]
    TooLarge(String),
}

/// An amount that does not fit what the ledger holds. `0` says which amount.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0} is above the largest amount the ledger holds ({MAX_AMOUNT})")]
pub struct Overflow(pub String);

/// A number outside the bounds that keep every total within the ledger.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LimitError {
    #[error(
        "price {0} per rps-hour is above the largest surplus takes ({MAX_PRICE}, so that {MAX_RPS} rps for 31 days fits the ledger)"
    )]
    Price(Money),
    #[error("{0} rps is above the largest surplus takes ({MAX_RPS} per bid, order or sale)")]
    Rps(i64),
    #[error("window {0} is longer than the longest surplus sells (31d)")]
    Window(String),
}

/// `price` if it is at most [`MAX_PRICE`].
pub fn check_price(price: Money) -> Result<Money, LimitError> {
    if price > MAX_PRICE {
        return Err(LimitError::Price(price));
    }
    Ok(price)
}

/// `rps` if it is at most [`MAX_RPS`].
pub fn check_rps(rps: i64) -> Result<i64, LimitError> {
    if rps > MAX_RPS {
        return Err(LimitError::Rps(rps));
    }
    Ok(rps)
}

/// Whether a window of `secs` (written `shown` in the error) may be sold.
pub fn check_window_secs(secs: i64, shown: impl fmt::Display) -> Result<(), LimitError> {
    if secs > MAX_WINDOW_SECS {
        return Err(LimitError::Window(shown.to_string()));
    }
    Ok(())
}

impl Money {
    /// Micro-units.
    pub fn micros(self) -> i64 {
        self.0
    }

    /// `micros` as an amount, if it is within ±[`MAX_AMOUNT`]; `what` names it in the error.
    pub fn from_i128(micros: i128, what: impl FnOnce() -> String) -> Result<Money, Overflow> {
        if micros.unsigned_abs() > MAX_AMOUNT.0 as u128 {
            return Err(Overflow(what()));
        }
        Ok(Money(micros as i64))
    }

    /// The sum, if it is within ±[`MAX_AMOUNT`].
    pub fn checked_add(self, other: Money) -> Option<Money> {
        Money::from_i128(i128::from(self.0) + i128::from(other.0), String::new).ok()
    }

    /// The sum of `amounts`, or [`Overflow`] naming `what` if it leaves ±[`MAX_AMOUNT`].
    pub fn sum(amounts: impl IntoIterator<Item = Money>, what: impl FnOnce() -> String) -> Result<Money, Overflow> {
        // In i128 a sum of up to 2^64 amounts cannot wrap; only the result is checked.
        Money::from_i128(amounts.into_iter().map(|m| i128::from(m.0)).sum(), what)
    }

    /// Rounded half-even to `digits` decimals (0 to 6). Exact for any amount within
    /// ±[`MAX_AMOUNT`]; beyond it, where rounding away from zero would not fit, toward zero.
    pub fn round_half_even(self, digits: u32) -> Money {
        let q = 10i128.pow(6 - digits.min(6));
        let x = i128::from(self.0);
        let (floor, rest) = (x - x.rem_euclid(q), x.rem_euclid(q));
        let up = match (2 * rest).cmp(&q) {
            std::cmp::Ordering::Greater => true,
            std::cmp::Ordering::Less => false,
            std::cmp::Ordering::Equal => (floor / q) % 2 != 0,
        };
        let rounded = if up { floor + q } else { floor };
        i64::try_from(rounded).map_or(Money(self.0 - self.0 % q as i64), Money)
    }
}

/// Decimals of `currency`'s minor unit (ISO 4217): 0 for JPY, 3 for KWD, 2 for EUR, USD and
/// any code not listed.
pub fn minor_digits(currency: &str) -> u32 {
    match currency {
        "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF" | "UGX" | "UYI" | "VND"
        | "VUV" | "XAF" | "XOF" | "XPF" => 0,
        "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
        "CLF" | "UYW" => 4,
        _ => 2,
    }
}

/// `amount` rounded half-even to `currency`'s minor unit: what a bill's line says.
pub fn to_minor(amount: Money, currency: &str) -> Money {
    amount.round_half_even(minor_digits(currency))
}

/// An amount owed, as printed in tables and CSV: rounded half-even to `currency`'s minor unit
/// and written with exactly its decimals (`12.35`, JPY `1235`, KWD `1.235`).
pub fn format_minor(amount: Money, currency: &str) -> String {
    let digits = minor_digits(currency);
    decimal(to_minor(amount, currency), digits as usize, digits as usize)
}

/// A unit price, as printed: at least `currency`'s minor-unit decimals, more when they are not
/// zero (`0.50`, `0.125`; JPY `5`, `0.5`).
pub fn format_price(price: Money, currency: &str) -> String {
    decimal(price, minor_digits(currency) as usize, 6)
}

/// `m` with between `min` and `max` (≤ 6) decimals; digits past `max` are dropped, so callers
/// round first.
fn decimal(m: Money, min: usize, max: usize) -> String {
    let sign = if m.0 < 0 { "-" } else { "" };
    let abs = m.0.unsigned_abs();
    let (whole, frac) = (abs / MICROS as u64, abs % MICROS as u64);
    let frac = format!("{frac:06}");
    let frac = frac[..max].trim_end_matches('0');
    let width = frac.len().max(min);
    if width == 0 { format!("{sign}{whole}") } else { format!("{sign}{whole}.{frac:0<width$}") }
}

impl FromStr for Money {
    type Err = MoneyError;

    /// Parses `12`, `12.5`, `-0.000001`: digits with an optional point and up to 6 decimals,
    /// at most [`MAX_AMOUNT`] either way.
    fn from_str(text: &str) -> Result<Money, MoneyError> {
        let err = || MoneyError::NotAnAmount(text.to_string());
        let (negative, body) = match text.trim().strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text.trim()),
        };
        let (whole, frac) = body.split_once('.').unwrap_or((body, ""));
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() && frac.is_empty() || !digits(whole) || !digits(frac) || frac.len() > 6 {
            return Err(err());
        }
        // Only digits from here: a number that does not parse is too long to be an amount.
        let too_large = || MoneyError::TooLarge(text.trim().to_string());
        let whole: i128 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| too_large())? };
        let frac: i128 = format!("{frac:0<6}").parse().map_err(|_| err())?;
        let micros = whole.checked_mul(i128::from(MICROS)).and_then(|w| w.checked_add(frac)).ok_or_else(too_large)?;
        let micros = Money::from_i128(micros, String::new).map_err(|_| too_large())?.0;
        Ok(Money(if negative { -micros } else { micros }))
    }
}

impl fmt::Display for Money {
    /// Exact, with at least two decimals, more only when they are not zero: `0.50`, `0.125`, `3.00`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&decimal(*self, 2, 6))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_exactly() {
        assert_eq!("0.50".parse::<Money>(), Ok(Money(500_000)));
        assert_eq!("12".parse::<Money>(), Ok(Money(12_000_000)));
        assert_eq!(".5".parse::<Money>(), Ok(Money(500_000)));
        assert_eq!("-0.000001".parse::<Money>(), Ok(Money(-1)));
        for bad in ["", ".", "1.2345678", "1,5", "abc", "1e3", "--1", "99999999999999999"] {
            assert!(bad.parse::<Money>().is_err(), "{bad}");
        }
        assert_eq!("9223372036854".parse::<Money>(), Ok(MAX_AMOUNT));
        assert_eq!("-9223372036854".parse::<Money>(), Ok(Money(-MAX_AMOUNT.0)));
        for huge in ["9223372036854.000001", "99999999999999999", &"9".repeat(60)] {
            assert_eq!(huge.parse::<Money>(), Err(MoneyError::TooLarge(huge.to_string())));
        }
        assert_eq!(
            MoneyError::TooLarge("1e99".into()).to_string(),
            "`1e99` is above the largest amount the ledger holds (9223372036854.00)"
        );
    }

    #[test]
    fn displays_with_two_to_six_decimals() {
        assert_eq!(Money(500_000).to_string(), "0.50");
        assert_eq!(Money(125_000).to_string(), "0.125");
        assert_eq!(Money(3_000_000).to_string(), "3.00");
        assert_eq!(Money(-1).to_string(), "-0.000001");
    }

    #[test]
    fn rounds_half_even_to_the_minor_unit() {
        let eur = |micros: i64| format_minor(Money(micros), "EUR");
        assert_eq!(eur(125_000), "0.12"); // a tie goes to the even cent
        assert_eq!(eur(135_000), "0.14");
        assert_eq!(eur(125_001), "0.13");
        assert_eq!(eur(-125_000), "-0.12");
        assert_eq!(eur(-135_000), "-0.14");
        assert_eq!(eur(3_000_000), "3.00");
        assert_eq!(eur(4_999), "0.00");
        assert_eq!(format_minor(Money(2_500_000), "JPY"), "2");
        assert_eq!(format_minor(Money(3_500_000), "JPY"), "4");
        assert_eq!(format_minor(Money(1_234_500), "KWD"), "1.234");
        assert_eq!(format_minor(Money(1_234_501), "BHD"), "1.235");
        assert_eq!(format_minor(Money(1_234_567), "XYZ"), "1.23");
        assert_eq!((minor_digits("USD"), minor_digits("JPY"), minor_digits("KWD")), (2, 0, 3));
        // At the very ends nothing wraps: the largest amount is whole, i64::MAX rounds down.
        assert_eq!(format_minor(MAX_AMOUNT, "EUR"), "9223372036854.00");
        assert_eq!(Money(i64::MAX).round_half_even(0), Money(9_223_372_036_854_000_000));
        assert_eq!(Money(i64::MIN).round_half_even(2), Money(-9_223_372_036_854_770_000));
    }

    #[test]
    fn prices_keep_their_decimals() {
        assert_eq!(format_price(Money(125_000), "EUR"), "0.125");
        assert_eq!(format_price(Money(500_000), "EUR"), "0.50");
        assert_eq!(format_price(Money(5_000_000), "JPY"), "5");
        assert_eq!(format_price(Money(500_000), "JPY"), "0.5");
        assert_eq!(format_price(Money(1_000_000), "KWD"), "1.000");
    }

    #[test]
    fn bounds_and_checked_sums() {
        assert_eq!(check_price(MAX_PRICE), Ok(MAX_PRICE));
        let huge: Money = "9223372036854".parse().unwrap();
        assert_eq!(
            check_price(huge).unwrap_err().to_string(),
            "price 9223372036854.00 per rps-hour is above the largest surplus takes (1000.00, so that 10000000 rps for 31 days fits the ledger)"
        );
        assert_eq!(check_rps(MAX_RPS), Ok(MAX_RPS));
        assert!(check_rps(MAX_RPS + 1).is_err());
        assert!(check_window_secs(MAX_WINDOW_SECS, "").is_ok());
        assert!(check_window_secs(MAX_WINDOW_SECS + 1, "").is_err());
        assert_eq!(MAX_AMOUNT.checked_add(Money(1)), None);
        assert_eq!(MAX_AMOUNT.checked_add(Money(-1)), Some(Money(MAX_AMOUNT.0 - 1)));
        let e = Money::sum([MAX_AMOUNT, Money(1)], || "the total".into()).unwrap_err();
        assert_eq!(e.to_string(), "the total is above the largest amount the ledger holds (9223372036854.00)");
        assert_eq!(Money::sum([MAX_AMOUNT, Money(1), Money(-1)], String::new), Ok(MAX_AMOUNT));
        assert_eq!(Money::sum([Money(i64::MAX); 4], String::new).map_err(|_| ()), Err(()));
    }

    proptest! {
        #[test]
        fn rounding_is_to_the_nearest_minor_unit(m in -MAX_AMOUNT.0..=MAX_AMOUNT.0, digits in 0u32..=6) {
            let q = 10i64.pow(6 - digits);
            let r = Money(m).round_half_even(digits).micros();
            prop_assert_eq!(r % q, 0);
            prop_assert!((i128::from(r) - i128::from(m)).abs() * 2 <= i128::from(q));
            prop_assert!(r.unsigned_abs() <= MAX_AMOUNT.0 as u64);
            prop_assert_eq!(Money(-m).round_half_even(digits), Money(-r), "symmetric");
        }

        #[test]
        fn display_round_trips(m in -1_000_000_000_000i64..1_000_000_000_000) {
            prop_assert_eq!(Money(m).to_string().parse::<Money>(), Ok(Money(m)));
        }
    }
}
