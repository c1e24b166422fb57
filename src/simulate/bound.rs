//! `surplus simulate --bound`: what a law could reach at best on the same scenario and seed,
//! to measure the controller against.
//!
//! **The oracle.** It answers every lookup itself, resolver by resolver, knowing the whole
//! future: each buyer's demand second by second and its sale, and each resolver's share of the
//! clients and how long it will keep the answer (the TTL, or its own hold time). It keeps, per
//! future second, the expected load of the proxy answers it has already given (a resolver's
//! share × the demand of that second, for as long as it keeps the answer). A resolver that
//! asks at `t` and would keep the answer for `k` seconds is given proxies exactly when, at every
//! second of `[t, t + k)`, that committed load plus its own stays within `level` × the
//! purchase; otherwise it is given the fallback. So the oracle never has answers cached at the
//! proxies that a later demand step or flash crowd, or the sale's end, would push above the
//! purchase: caching cannot trap it. What it cannot do, any more than a law, is recall an
//! answer once given, or choose how many requests a second its resolvers' clients send: the
//! proxies still serve a Poisson count of the expected rate.
//!
//! **The level.** Above-purchase falls and utilisation falls with `level`. For each seed the
//! oracle runs at every level of [`LEVELS`] and keeps the lowest whose utilisation is at least
//! 90%; when none is, the one with the highest utilisation (that is the bound's case "maximise
//! utilisation at zero excess": its expected load never exceeds the purchase at `level` ≤ 1).
//!
//! **What kind of bound.** The oracle is more powerful than any law `dns serve` can run: a law
//! sees only the past, and splits by a stretch of the hash line, not by resolver. So no law
//! does better than the best foresight policy. But this oracle is greedy (first come, first
//! admitted) and picks its level from a grid, so it is one good foresight policy, not proven
//! the best: its figures are an *upper estimate* of the bound, i.e. a law may in principle
//! come slightly closer to the purchase than this oracle does, and an above-purchase below it
//! means the law took utilisation for it (compare both columns).

use super::scenario::{Scenario, SimBuyer};
use super::world::{Options, Policy};
use super::{Run, run};

/// The levels the oracle is run at, lowest first.
pub const LEVELS: [f64; 6] = [0.91, 0.93, 0.95, 0.97, 0.99, 1.0];

/// The utilisation the oracle must reach, percent.
const UTILISATION_PCT: f64 = 90.0;

/// Whether the oracle gives proxies to a resolver with `share` of `buyer`'s clients that asks
/// at `t` and keeps the answer `keeps` seconds; if so, its load is committed. `first` is its
/// clients' expected requests in the second it asks: more than `share` × demand for a small
/// resolver, whose lookup itself says a request came (the world's Poisson count given one).
pub fn admit(committed: &mut [f64], buyer: &SimBuyer, level: f64, share: f64, first: f64, t: i64, keeps: i64) -> bool {
    let span = t.max(0) as usize..(t + keeps).max(0) as usize;
    if committed.get(span.clone()).is_none() {
        return false;
    }
    let load = |s: i64| if s == t { first } else { buyer.demand.at(s) * share };
    let fits = span.clone().all(|s| {
        let s = s as i64;
        let purchased = if buyer.sale.contains(s) { buyer.purchased_rps.0 } else { 0.0 };
        committed[s as usize] + load(s) <= level * purchased
    });
    if fits {
        for s in span {
            committed[s] += load(s as i64);
        }
    }
    fits
}

/// The oracle's run of `scenario` at `seed`, at the level chosen as above.
pub fn bound_run(scenario: &Scenario, seed: u64) -> Run {
    let mut best: Option<Run> = None;
    for level in LEVELS {
        let candidate = run(scenario, &Options { seed, policy: Policy::Oracle { level } });
        if candidate.summary.utilisation_pct >= UTILISATION_PCT {
            return candidate;
        }
        if best.as_ref().is_none_or(|b| candidate.summary.utilisation_pct > b.summary.utilisation_pct) {
            best = Some(candidate);
        }
    }
    best.expect("at least one level")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_oracle_beats_the_controller_and_the_open_loop_on_the_default_scenario() {
        let scenario = Scenario::default_scenario();
        let bound = bound_run(&scenario, 1).summary;
        let controlled = run(&scenario, &Options { seed: 1, policy: Policy::Controlled }).summary;
        let open = run(&scenario, &Options { seed: 1, policy: Policy::OpenLoop }).summary;
        assert!(bound.utilisation_pct >= UTILISATION_PCT, "{bound:?}");
        assert!(bound.above_purchase_pct < controlled.above_purchase_pct, "{bound:?} vs {controlled:?}");
        assert!(bound.above_purchase_pct < open.above_purchase_pct, "{bound:?} vs {open:?}");
        // A flash crowd cannot trap it: its worst interval is Poisson noise, not 2× the purchase.
        assert!(bound.worst_interval_pct < 20.0, "{bound:?}");
    }

    #[test]
    fn nothing_is_admitted_that_would_outlive_the_sale() {
        let scenario = Scenario::default_scenario();
        let buyer = &scenario.buyers[0];
        let end = buyer.sale.at.secs() + buyer.sale.length.secs();
        let mut committed = vec![0.0; (end + 200) as usize];
        assert!(!admit(&mut committed, buyer, 1.0, 1e-6, 1.0, end - 10, 20));
        assert!(admit(&mut committed, buyer, 1.0, 1e-6, 1.0, end - 30, 20));
        assert_eq!(committed[(end - 30) as usize], 1.0, "the second it asks: the request that made it ask");
        assert!(committed[(end - 30) as usize] > 0.0 && committed[(end - 10) as usize] == 0.0);
    }
}
