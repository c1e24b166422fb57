//! Properties of the controller over random scenarios within the suite's ranges (resolver
//! count, Zipf exponent, TTL, holders, demand steps, monitor delay, interval): it is never
//! worse than the open loop at the estimate on above-purchase (by more than half a point of
//! the purchase) unless it is within the 2% target, `f` stays in [0, 1], and it does not
//! oscillate at steady demand (Δf changes sign in at most half the intervals of any 5-minute
//! stretch without a step, the minute after a step left to settle).
//!
//! The estimate is the one an operator would set for weighted DNS: the share of the first
//! demand level that fills the purchase less the headroom. With a lower one the open loop
//! serves less than was bought and trivially has no excess (a first version drew the estimate
//! at random, and proptest found 0.2 × 1,538 rps against 1,000 bought: open loop 0.00% above,
//! the controller, which fills the purchase, 1.20% of Poisson noise). Even at that estimate,
//! one steady level is the open loop's best case: it found 200 resolvers, TTL 5 s, 1 s
//! intervals and 2,568 rps, where the open loop's lumps sit below the purchase (0.00% above)
//! and the controller, filling closer to it, has 0.63% above of Poisson noise. Hence "unless
//! within the target": the property holds the controller to the open loop where it matters,
//! when it is above 2%.

#[cfg(test)]
mod tests {
    use std::path::Path;

    use proptest::prelude::*;

    use crate::simulate::{self, IntervalRow, Options, Policy, Scenario};

    /// A 20-minute scenario with these knobs.
    #[allow(clippy::too_many_arguments)]
    fn scenario(
        resolvers: u32,
        zipf: f64,
        ttl: u32,
        holders: f64,
        delay: u32,
        interval: u32,
        levels: &[u32],
        estimate: f64,
    ) -> Scenario {
        let steps: Vec<String> =
            levels.iter().enumerate().map(|(k, rps)| format!("        - {{at: {}m, rps: {rps}}}", k * 7)).collect();
        let text = format!(
            "duration: 20m\ninterval: {interval}s\nttl: {ttl}s\nmonitor_delay: {delay}s\n\
             resolvers: {{count: {resolvers}, zipf: {zipf}, holders: {holders}, hold: [60s, 120s]}}\n\
             buyers:\n  - name: b\n    purchased_rps: 1000\n    sale: {{at: 0s, for: 20m}}\n    estimate: {estimate}\n\
             \x20   demand:\n      steps:\n{}\n",
            steps.join("\n")
        );
        Scenario::parse(&text, Path::new("property.yaml")).unwrap()
    }

    /// The most intervals, in any 5-minute stretch without a step, at which Δf changes sign,
    /// as a share of the stretch's intervals.
    fn worst_sign_change_share(rows: &[IntervalRow], steps: &[i64], interval: i64) -> f64 {
        let window = 300 / interval;
        let mut worst: f64 = 0.0;
        for start in 0..rows.len() {
            let end = start + window as usize;
            let Some(stretch) = rows.get(start..end) else { break };
            let (from, to) = (stretch[0].start_s, stretch[stretch.len() - 1].start_s + interval);
            // Steady: no step inside, and the minute after a step left to settle.
            if steps.iter().any(|&s| s > from - 60 && s < to) {
                continue;
            }
            let deltas: Vec<f64> = stretch.windows(2).map(|w| w[1].f - w[0].f).filter(|d| d.abs() > 1e-9).collect();
            let changes = deltas.windows(2).filter(|d| d[0].signum() != d[1].signum()).count();
            worst = worst.max(changes as f64 / stretch.len() as f64);
        }
        worst
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

        // Fails with today's law, on both counts (2026-12-04, proptest's minimal inputs):
        // - above-purchase: 306 resolvers, Zipf 1.16, TTL 20 s, no holders, no delay, 1 s
        //   interval, 1,284 rps steady, seed 39: controlled 6.18% above, open loop 0.00%;
        // - oscillation: 607 resolvers, Zipf 0.8, TTL 5 s, no holders, no delay, 5 s interval,
        //   946 rps (below the 1,000 bought), seed 204: Δf changed sign in 55% of a steady
        //   5-minute stretch.
        // It is the law's target for issue 21; run it with `cargo test --lib -- --ignored
        // properties`.
        #[test]
        #[ignore = "fails until the law is changed (issue 21): see the counterexamples above"]
        fn the_controller_is_never_worse_than_the_open_loop_keeps_f_in_range_and_does_not_oscillate(
            resolvers in 200u32..4000,
            zipf in 0.8f64..1.3,
            ttl in prop::sample::select(vec![5u32, 20, 60]),
            holders in 0.0f64..0.6,
            delay in prop::sample::select(vec![0u32, 5, 15]),
            interval in prop::sample::select(vec![1u32, 5]),
            levels in prop::collection::vec(500u32..3000, 1..=3),
            seed in 0u64..1000,
        ) {
            let estimate = (950.0 / f64::from(levels[0])).min(1.0);
            let scenario = scenario(resolvers, zipf, ttl, holders, delay, interval, &levels, estimate);
            let controlled = simulate::run(&scenario, &Options { seed, policy: Policy::Controlled });
            let open = simulate::run(&scenario, &Options { seed, policy: Policy::OpenLoop });
            prop_assert!(
                controlled.summary.above_purchase_pct <= (open.summary.above_purchase_pct + 0.5).max(2.0),
                "controlled {:.2}% above, open loop {:.2}%", controlled.summary.above_purchase_pct,
                open.summary.above_purchase_pct
            );
            prop_assert!(controlled.intervals.iter().all(|r| (0.0..=1.0).contains(&r.f)));
            let steps = simulate::steps(&scenario, 0);
            let share = worst_sign_change_share(&controlled.intervals, &steps, i64::from(interval));
            prop_assert!(share <= 0.5, "Δf changed sign in {:.0}% of a steady 5-minute stretch", share * 100.0);
        }
    }
}
