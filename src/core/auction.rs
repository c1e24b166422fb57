//! Sealed-bid multi-unit auctions: who wins how many rps, and what each winner pays.
//!
//! **Allocation** (the same for every rule). Bids rank by price (highest first), then by the
//! order they were placed (earlier first; callers pass ids in placement order). Going down the
//! ranking, each bid gets what it asked for while supply lasts. The bid at which supply runs out
//! (the marginal bid) gets the rest if that is at least its `min_rps`; otherwise it is skipped
//! and the next bid is considered. Bids below the reserve price never win.
//!
//! **Payments**, per rps-hour, as integer micro-units:
//! - *uniform*: every winner pays one clearing price, `max(reserve, highest losing bid)`. Only
//!   losing bids that ranked below the last winner set the price. A bid skipped for its min-rps
//!   can rank above a winner, and letting it set the price would make that winner pay more than
//!   it bid.
//! - *pay-as-bid*: each winner pays its own price.
//! - *vickrey* (VCG): each winner pays the harm it does to the others. That is the value the
//!   others (and the reserve, which values every unsold rps at the reserve price) would get
//!   without it, minus what they get with it. The payment is never above the winner's own bid.
//!   Bids ranked above a winner are allocated the same whether it is there or not. So the rerun
//!   without it starts at the first position after it where the original run was not a full
//!   fill. That keeps clearing near-linear in practice and exact always.

use std::fmt;
use std::str::FromStr;

use super::money::{self, LimitError, Money, Overflow};

/// How winners pay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rule {
    Uniform,
    PayAsBid,
    Vickrey,
}

impl Rule {
    /// The name used on the command line and in the ledger.
    pub fn name(self) -> &'static str {
        match self {
            Rule::Uniform => "uniform",
            Rule::PayAsBid => "pay-as-bid",
            Rule::Vickrey => "vickrey",
        }
    }
}

impl FromStr for Rule {
    type Err = String;

    fn from_str(text: &str) -> Result<Rule, String> {
        match text {
            "uniform" => Ok(Rule::Uniform),
            "pay-as-bid" => Ok(Rule::PayAsBid),
            "vickrey" => Ok(Rule::Vickrey),
            other => Err(format!("unknown auction rule `{other}` (known: uniform, pay-as-bid, vickrey)")),
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A sealed bid: up to `rps` at `price` per rps-hour, accepting a partial fill of `min_rps` or more.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bid {
    /// Unique, increasing in the order bids were placed.
    pub id: i64,
    pub rps: i64,
    pub min_rps: i64,
    pub price: Money,
}

/// Why a bid is not a bid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BidError {
    #[error("rps must be > 0, got {0}")]
    Rps(i64),
    #[error("price must be > 0, got {0}")]
    Price(Money),
    #[error("min_rps must be between 0 and rps ({rps}), got {min_rps}")]
    MinRps { min_rps: i64, rps: i64 },
    #[error(transparent)]
    Limit(#[from] LimitError),
}

/// Checks a bid's numbers, the bounds of [`money`] included.
pub fn check_bid(rps: i64, min_rps: i64, price: Money) -> Result<(), BidError> {
    if rps <= 0 {
        return Err(BidError::Rps(rps));
    }
    if price.micros() <= 0 {
        return Err(BidError::Price(price));
    }
    money::check_rps(rps)?;
    money::check_price(price)?;
    if !(0..=rps).contains(&min_rps) {
        return Err(BidError::MinRps { min_rps, rps });
    }
    Ok(())
}

/// What one bid won: `rps` for `payment` micro-units per hour of the window (0 for a loser).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Award {
    pub bid_id: i64,
    /// The bid's position in the slice given to [`clear`], for O(1) lookups by the caller.
    pub index: usize,
    pub rps: i64,
    pub payment_per_hour: i128,
}

/// The result of clearing an auction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clearing {
    /// One award per bid, in rank order (winners first among equals), losers with 0 rps.
    pub awards: Vec<Award>,
    /// The uniform price, when the rule is uniform and something was sold.
    pub clearing_price: Option<Money>,
    pub sold_rps: i64,
}

impl Clearing {
    /// Total payments per hour of the window.
    pub fn revenue_per_hour(&self) -> i128 {
        self.awards.iter().map(|a| a.payment_per_hour).sum()
    }
}

/// Clears `bids` for `supply` rps under `rule` with `reserve` as the lowest price.
pub fn clear(supply: i64, reserve: Money, rule: Rule, bids: &[Bid]) -> Clearing {
    let mut order: Vec<usize> = (0..bids.len()).collect();
    order.sort_unstable_by_key(|&i| (std::cmp::Reverse(bids[i].price), bids[i].id));
    let ranked: Vec<Bid> = order.iter().map(|&i| bids[i]).collect();
    let run = Greedy::run(&ranked, supply, reserve);

    let last_winner = run.won.iter().rposition(|&w| w > 0);
    let clearing_price = match (rule, last_winner) {
        (Rule::Uniform, Some(last)) => {
            let highest_loser = ranked[last + 1..].iter().zip(&run.won[last + 1..]).find(|(_, w)| **w == 0);
            Some(highest_loser.map_or(reserve, |(b, _)| b.price.max(reserve)))
        }
        _ => None,
    };
    let payments: Vec<i128> = match rule {
        Rule::Uniform => {
            let p = i128::from(clearing_price.unwrap_or(reserve).micros());
            run.won.iter().map(|&w| i128::from(w) * p).collect()
        }
        Rule::PayAsBid => {
            ranked.iter().zip(&run.won).map(|(b, &w)| i128::from(w) * i128::from(b.price.micros())).collect()
        }
        Rule::Vickrey => vickrey_payments(&ranked, &run, reserve),
    };
    Clearing {
        awards: ranked
            .iter()
            .zip(&order)
            .zip(&run.won)
            .zip(payments)
            .map(|(((b, &index), &rps), payment_per_hour)| Award { bid_id: b.id, index, rps, payment_per_hour })
            .collect(),
        clearing_price,
        sold_rps: supply - run.left,
    }
}

/// One greedy allocation down the ranking.
struct Greedy {
    /// rps won, by rank.
    won: Vec<i64>,
    /// supply left just before each rank (and, at `len`, after the last).
    left_before: Vec<i64>,
    /// supply left at the end.
    left: i64,
}

impl Greedy {
    fn run(ranked: &[Bid], supply: i64, reserve: Money) -> Greedy {
        let mut won = vec![0; ranked.len()];
        let mut left_before = Vec::with_capacity(ranked.len() + 1);
        let mut left = supply.max(0);
        for (i, bid) in ranked.iter().enumerate() {
            left_before.push(left);
            let take = fill(bid, left, reserve);
            won[i] = take;
            left -= take;
        }
        left_before.push(left);
        Greedy { won, left_before, left }
    }
}

/// What `bid` gets with `left` rps still unsold.
#[inline]
fn fill(bid: &Bid, left: i64, reserve: Money) -> i64 {
    if left <= 0 || bid.price < reserve || bid.rps <= 0 {
        return 0;
    }
    let take = bid.rps.min(left);
    if take < bid.rps && take < bid.min_rps.max(1) { 0 } else { take }
}

fn value(bid: &Bid, rps: i64) -> i128 {
    i128::from(rps) * i128::from(bid.price.micros())
}

fn vickrey_payments(ranked: &[Bid], run: &Greedy, reserve: Money) -> Vec<i128> {
    let n = ranked.len();
    let reserve = i128::from(reserve.micros());
    // value_after[k] = value the original allocation gives ranks k.. ; next_partial[k] = first
    // rank ≥ k that did not get all it asked for (a partial fill, a skip, or a loser).
    let mut value_after = vec![0i128; n + 1];
    let mut next_partial = vec![n; n + 1];
    for k in (0..n).rev() {
        value_after[k] = value_after[k + 1] + value(&ranked[k], run.won[k]);
        next_partial[k] = if run.won[k] < ranked[k].rps { k } else { next_partial[k + 1] };
    }
    let with_me = |i: usize| value_after[i + 1] + i128::from(run.left) * reserve;
    (0..n)
        .map(|i| {
            let won = run.won[i];
            if won == 0 {
                return 0;
            }
            // Without bid i, ranks i+1..p are full fills exactly as before; from p on, rerun
            // with the rps bid i took added to what was left.
            let p = next_partial[i + 1];
            let mut left = run.left_before[p] + won;
            let mut without_me = value_after[i + 1] - value_after[p];
            for bid in &ranked[p..] {
                if left == 0 || bid.price.micros() < reserve as i64 {
                    break;
                }
                let take = fill(bid, left, Money(reserve as i64));
                without_me += value(bid, take);
                left -= take;
            }
            without_me += i128::from(left) * reserve;
            (without_me - with_me(i)).clamp(0, value(&ranked[i], won))
        })
        .collect()
}

/// A window's total for a price per rps-hour: `payment_per_hour × seconds / 3600`, rounded to
/// the nearest micro-unit (exact for whole hours). Within the bounds of [`money`] it always
/// fits; a bid from outside them (an older ledger) is an [`Overflow`], never a saturated total.
pub fn total_for_window(payment_per_hour: i128, window_secs: i64) -> Result<Money, Overflow> {
    let too_large =
        || format!("{} per hour for {}", money_text(payment_per_hour), super::window::format_secs(window_secs));
    let num = payment_per_hour.checked_mul(i128::from(window_secs)).ok_or_else(|| Overflow(too_large()))?;
    Money::from_i128((num + 1800).div_euclid(3600), too_large)
}

/// Micro-units that may not fit an `i64`, as a decimal.
fn money_text(micros: i128) -> String {
    let (whole, frac) = (micros / i128::from(money::MICROS), (micros % i128::from(money::MICROS)).abs());
    format!("{whole}.{frac:06}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn bid(id: i64, rps: i64, price: i64, min_rps: i64) -> Bid {
        Bid { id, rps, min_rps, price: Money(price) }
    }

    fn won(c: &Clearing, id: i64) -> (i64, i128) {
        let a = c.awards.iter().find(|a| a.bid_id == id).unwrap();
        (a.rps, a.payment_per_hour)
    }

    #[test]
    fn uniform_price_is_the_highest_losing_bid() {
        let bids = [bid(1, 50, 10, 0), bid(2, 50, 8, 0), bid(3, 50, 6, 0), bid(4, 50, 4, 0)];
        let c = clear(100, Money(5), Rule::Uniform, &bids);
        assert_eq!(c.clearing_price, Some(Money(6)));
        assert_eq!((won(&c, 1), won(&c, 2), won(&c, 3)), ((50, 300), (50, 300), (0, 0)));
        assert_eq!(c.sold_rps, 100);
        // Nobody left out: the reserve sets the price.
        let c = clear(1000, Money(5), Rule::Uniform, &bids);
        assert_eq!(c.clearing_price, Some(Money(5)));
        assert_eq!(won(&c, 4), (0, 0));
        assert_eq!(c.sold_rps, 150);
    }

    #[test]
    fn ties_go_to_the_earlier_bid_and_the_marginal_bid_is_partly_filled() {
        let bids = [bid(2, 60, 10, 0), bid(1, 60, 10, 0), bid(3, 60, 9, 0)];
        let c = clear(100, Money(0), Rule::PayAsBid, &bids);
        assert_eq!(won(&c, 1), (60, 600));
        assert_eq!(won(&c, 2), (40, 400));
        assert_eq!(won(&c, 3), (0, 0));
    }

    #[test]
    fn min_rps_skips_to_the_next_bid() {
        // 100 supply: A takes 70; B wants ≥ 50 of the 30 left: skipped; C takes 30 (partial ok).
        let bids = [bid(1, 70, 10, 0), bid(2, 60, 9, 50), bid(3, 40, 8, 0), bid(4, 10, 7, 0)];
        let c = clear(100, Money(1), Rule::Uniform, &bids);
        assert_eq!((won(&c, 1).0, won(&c, 2).0, won(&c, 3).0, won(&c, 4).0), (70, 0, 30, 0));
        // B ranks above C and must not set C's price above C's bid; D, the loser below, does.
        assert_eq!(c.clearing_price, Some(Money(7)));
    }

    #[test]
    fn vickrey_charges_the_displaced_bids() {
        // 100 rps; A 60@10, B 60@8, C 30@5. A wins 60, B 40. Without A: B 60, C 30, 10 @ reserve 1
        // → others get 480+150+10 = 640; with A others have B 40×8 = 320 → A pays 320.
        // Without B: A 60, C 30, 10 @ 1 → 160 beyond A; with B: 0 for C, 0 unsold → B pays 160.
        let bids = [bid(1, 60, 10, 0), bid(2, 60, 8, 0), bid(3, 30, 5, 0)];
        let c = clear(100, Money(1), Rule::Vickrey, &bids);
        assert_eq!(won(&c, 1), (60, 320));
        assert_eq!(won(&c, 2), (40, 160));
        assert_eq!(won(&c, 3), (0, 0));
    }

    #[test]
    fn bids_beyond_the_bounds_are_refused() {
        assert_eq!(check_bid(10, 0, Money(500_000)), Ok(()));
        assert_eq!(check_bid(money::MAX_RPS, 0, money::MAX_PRICE), Ok(()));
        assert_eq!(
            check_bid(money::MAX_RPS + 1, 0, Money(1)),
            Err(BidError::Limit(LimitError::Rps(money::MAX_RPS + 1)))
        );
        let huge = Money(9_223_372_036_854_000_000);
        assert_eq!(check_bid(10, 0, huge), Err(BidError::Limit(LimitError::Price(huge))));
    }

    #[test]
    fn below_reserve_never_wins() {
        let c = clear(100, Money(5), Rule::PayAsBid, &[bid(1, 10, 4, 0)]);
        assert_eq!((c.sold_rps, c.clearing_price), (0, None));
        assert_eq!(won(&c, 1), (0, 0));
    }

    #[test]
    fn window_totals() {
        assert_eq!(total_for_window(300, 4 * 3600), Ok(Money(1200)));
        assert_eq!(total_for_window(300, 1800), Ok(Money(150)));
        assert_eq!(total_for_window(1, 1800), Ok(Money(1))); // 0.5 rounds up
        assert_eq!(total_for_window(1, 1799), Ok(Money(0)));
        // The largest sale there can be fits; a price from beyond the bounds is an error.
        let largest = i128::from(money::MAX_RPS) * i128::from(money::MAX_PRICE.micros());
        assert_eq!(total_for_window(largest, money::MAX_WINDOW_SECS), Ok(Money(7_440_000_000_000_000_000)));
        let e = total_for_window(100 * i128::from(9_223_372_036_854_000_000i64), 4 * 3600).unwrap_err();
        assert_eq!(
            e.to_string(),
            "922337203685400.000000 per hour for 4h is above the largest amount the ledger holds (9223372036854.00)"
        );
        assert!(total_for_window(i128::MAX, 2).is_err());
    }

    /// Vickrey by definition: clear again without each winner.
    fn vickrey_reference(supply: i64, reserve: Money, bids: &[Bid]) -> Vec<(i64, i128)> {
        let base = clear(supply, reserve, Rule::PayAsBid, bids);
        let r = i128::from(reserve.micros());
        let others_value = |c: &Clearing, skip: i64| -> i128 {
            let v: i128 = c.awards.iter().filter(|a| a.bid_id != skip).map(|a| a.payment_per_hour).sum();
            v + i128::from(supply - c.sold_rps) * r
        };
        bids.iter()
            .map(|b| {
                let (rps, _) = won(&base, b.id);
                if rps == 0 {
                    return (b.id, 0);
                }
                let rest: Vec<Bid> = bids.iter().copied().filter(|x| x.id != b.id).collect();
                let without = clear(supply, reserve, Rule::PayAsBid, &rest);
                let harm = others_value(&without, b.id) - others_value(&base, b.id);
                (b.id, harm.clamp(0, i128::from(rps) * i128::from(b.price.micros())))
            })
            .collect()
    }

    fn bids_strategy() -> impl Strategy<Value = (i64, i64, Vec<Bid>)> {
        (0i64..400, 0i64..6, prop::collection::vec((1i64..80, 1i64..10, 0i64..60), 0..30)).prop_map(
            |(supply, reserve, raw)| {
                let bids = raw
                    .into_iter()
                    .enumerate()
                    .map(|(i, (rps, price, min))| bid(i as i64 + 1, rps, price, min.min(rps)))
                    .collect();
                (supply, reserve, bids)
            },
        )
    }

    proptest! {
        #[test]
        fn invariants((supply, reserve, bids) in bids_strategy()) {
            let reserve = Money(reserve);
            for rule in [Rule::Uniform, Rule::PayAsBid, Rule::Vickrey] {
                let c = clear(supply, reserve, rule, &bids);
                prop_assert_eq!(c.awards.len(), bids.len());
                let sold: i64 = c.awards.iter().map(|a| a.rps).sum();
                prop_assert_eq!(sold, c.sold_rps);
                prop_assert!(sold <= supply);
                for a in &c.awards {
                    let b = bids.iter().find(|b| b.id == a.bid_id).unwrap();
                    prop_assert!(a.rps <= b.rps);
                    prop_assert!(a.rps == 0 || a.rps == b.rps || a.rps >= b.min_rps, "partial below min");
                    if a.rps == 0 { prop_assert_eq!(a.payment_per_hour, 0, "a loser pays"); }
                    prop_assert!(a.payment_per_hour <= value(b, a.rps), "paid above the bid");
                    prop_assert!(a.payment_per_hour >= 0);
                }
                // Efficient: a losing bid priced above a winner was skipped for its min-rps.
                let lowest_winner = c.awards.iter().filter(|a| a.rps > 0).map(|a| bids.iter().find(|b| b.id == a.bid_id).unwrap().price).min();
                if let Some(low) = lowest_winner {
                    for a in c.awards.iter().filter(|a| a.rps == 0) {
                        let b = bids.iter().find(|b| b.id == a.bid_id).unwrap();
                        prop_assert!(b.price <= low || b.min_rps > 1, "efficient");
                    }
                }
                if rule == Rule::Uniform {
                    match c.clearing_price {
                        Some(p) => {
                            prop_assert!(p >= reserve);
                            for a in c.awards.iter().filter(|a| a.rps > 0) {
                                prop_assert_eq!(a.payment_per_hour, i128::from(a.rps) * i128::from(p.micros()));
                            }
                        }
                        None => prop_assert_eq!(sold, 0),
                    }
                }
            }
            // Vickrey never charges more than pay-as-bid, and matches its definition.
            let pab = clear(supply, reserve, Rule::PayAsBid, &bids);
            let vcg = clear(supply, reserve, Rule::Vickrey, &bids);
            prop_assert_eq!(&pab.awards.iter().map(|a| a.rps).collect::<Vec<_>>(), &vcg.awards.iter().map(|a| a.rps).collect::<Vec<_>>());
            for (p, v) in pab.awards.iter().zip(&vcg.awards) {
                prop_assert!(v.payment_per_hour <= p.payment_per_hour);
            }
            for (id, pay) in vickrey_reference(supply, reserve, &bids) {
                prop_assert_eq!(won(&vcg, id).1, pay, "bid {}", id);
            }
        }
    }
}
