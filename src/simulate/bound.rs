//! `surplus simulate --bound`: what a law could reach at best on the same scenario and seed,
//! to measure the controller against, knowing the future (the foresight oracle) or only the
//! present (the causal oracle, below).
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
//!
//! **The causal oracle** (`Sight::Present`, the `causal` columns). The same oracle, but it
//! knows only the demand of the second it answers in and takes it to last: it still knows
//! every resolver's share and hold time and the sale schedule (a law knows the sales too:
//! they are in the ledger before they start), and has no monitor delay or noise. It is run at
//! the same levels and picked the same way, so it hedges against the future only as far as
//! 90% utilisation lets it. What separates it from the foresight oracle is what not knowing
//! the future costs once answers are cached: a step or a flash crowd lands on the answers
//! given before it, for as long as resolvers keep them. What separates the controller from it
//! is what the law still loses to lag, noise and not knowing the resolvers. It too is greedy,
//! so an upper estimate of the best a causal policy could do, not a proof.

use super::scenario::{Scenario, SimBuyer};
use super::world::{Options, Policy, Sight};
use super::{Run, run};

/// The levels the oracle is run at, lowest first.
pub const LEVELS: [f64; 6] = [0.91, 0.93, 0.95, 0.97, 0.99, 1.0];

/// The utilisation the oracle must reach, percent.
const UTILISATION_PCT: f64 = 90.0;

/// A resolver asking the oracle for an answer.
#[derive(Debug, Clone, Copy)]
pub struct Ask {
    /// Its share of the buyer's clients.
    pub share: f64,
    /// Its clients' expected requests in the second it asks: more than `share` × demand for a
    /// small resolver, whose lookup itself says a request came (the world's Poisson count
    /// given one).
    pub first: f64,
    /// The second it asks in.
    pub t: i64,
    /// How long it keeps the answer, seconds.
    pub keeps: i64,
}

/// Whether the oracle gives proxies to `ask`; if so, its load is committed. With
/// [`Sight::Present`] the load of every later second is reckoned at the demand of `ask.t`.
pub fn admit(committed: &mut [f64], buyer: &SimBuyer, level: f64, sight: Sight, ask: &Ask) -> bool {
    let Ask { share, first, t, keeps } = *ask;
    let span = t.max(0) as usize..(t + keeps).max(0) as usize;
    if committed.get(span.clone()).is_none() {
        return false;
    }
    let now = buyer.demand.at(t);
    let load = |s: i64| match (s == t, sight) {
        (true, _) => first,
        (false, Sight::Foresight) => buyer.demand.at(s) * share,
        (false, Sight::Present) => now * share,
    };
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
pub fn bound_run(scenario: &Scenario, seed: u64, sight: Sight) -> Run {
    let mut best: Option<Run> = None;
    for level in LEVELS {
        let candidate = run(scenario, &Options { seed, policy: Policy::Oracle { level, sight } });
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
        let bound = bound_run(&scenario, 1, Sight::Foresight).summary;
        let controlled = run(&scenario, &Options { seed: 1, policy: Policy::Controlled }).summary;
        let open = run(&scenario, &Options { seed: 1, policy: Policy::OpenLoop }).summary;
        assert!(bound.utilisation_pct >= UTILISATION_PCT, "{bound:?}");
        assert!(bound.above_purchase_pct < controlled.above_purchase_pct, "{bound:?} vs {controlled:?}");
        assert!(bound.above_purchase_pct < open.above_purchase_pct, "{bound:?} vs {open:?}");
        // A flash crowd cannot trap it: its worst interval is Poisson noise, not 2× the purchase.
        assert!(bound.worst_interval_pct < 20.0, "{bound:?}");
    }

    #[test]
    fn only_foresight_refuses_an_answer_that_a_coming_flash_crowd_would_push_over() {
        // Default scenario: 800 rps from 40 min, × 4 from 50 min; 1,000 bought.
        let scenario = Scenario::default_scenario();
        let buyer = &scenario.buyers[0];
        let before_crowd = 50 * 60 - 10;
        let ask = Ask { share: 0.4, first: 320.0, t: before_crowd, keeps: 20 };
        let fresh = || vec![0.0; 4000];
        // 0.4 × 800 = 320 now, 0.4 × 3,200 = 1,280 in 10 s.
        assert!(!admit(&mut fresh(), buyer, 1.0, Sight::Foresight, &ask));
        let mut committed = fresh();
        assert!(admit(&mut committed, buyer, 1.0, Sight::Present, &ask));
        assert_eq!(committed[before_crowd as usize + 15], 320.0, "reckoned at the demand it asked in");
    }

    #[test]
    fn the_causal_oracle_is_caught_by_the_flash_crowd_and_foresight_is_not() {
        let scenario = Scenario::default_scenario();
        let foresight = bound_run(&scenario, 1, Sight::Foresight).summary;
        let present = bound_run(&scenario, 1, Sight::Present).summary;
        assert!(present.utilisation_pct >= UTILISATION_PCT, "{present:?}");
        assert!(present.above_purchase_pct > foresight.above_purchase_pct + 0.5, "{present:?} vs {foresight:?}");
        // The answers cached before the crowd carry it: well over the purchase.
        assert!(present.worst_interval_pct > 100.0, "{present:?}");
    }

    #[test]
    fn nothing_is_admitted_that_would_outlive_the_sale() {
        let scenario = Scenario::default_scenario();
        let buyer = &scenario.buyers[0];
        let end = buyer.sale.at.secs() + buyer.sale.length.secs();
        let mut committed = vec![0.0; (end + 200) as usize];
        let ask = |t| Ask { share: 1e-6, first: 1.0, t, keeps: 20 };
        assert!(!admit(&mut committed, buyer, 1.0, Sight::Foresight, &ask(end - 10)));
        assert!(admit(&mut committed, buyer, 1.0, Sight::Foresight, &ask(end - 30)));
        assert_eq!(committed[(end - 30) as usize], 1.0, "the second it asks: the request that made it ask");
        assert!(committed[(end - 30) as usize] > 0.0 && committed[(end - 10) as usize] == 0.0);
    }
}
