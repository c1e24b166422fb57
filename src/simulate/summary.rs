//! What a run comes to: requests above the purchase, utilisation, time to settle after each
//! step, and the worst interval.
//!
//! Definitions (all over every interval of the run, window or not, so that answers still cached
//! after a window closes count against it):
//! - `above_purchase_pct` = Σ max(0, served − purchased) / Σ purchased, in requests;
//! - `utilisation_pct` = Σ min(served, purchased) / Σ min(demand, purchased);
//! - an interval is *settled* when served ≤ purchased and served ≥ 90% of min(demand,
//!   purchased); `settle_s` per step (the sale opening or closing, a demand step, a flash
//!   crowd's start and end) is the time from the step to the first interval from which every
//!   interval up to the next step is settled (`null`: it never settled);
//! - `worst_interval_pct` = the largest (served − purchased) / purchased of an interval with a
//!   purchase, in percent.

use serde::Serialize;

use super::world::IntervalRow;

/// Settled means served at least this share of what could be served.
const SETTLED_SHARE: f64 = 0.9;

/// One run's (or one buyer's) summary.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    pub above_purchase_pct: f64,
    pub utilisation_pct: f64,
    pub settle_s: Vec<Option<i64>>,
    pub worst_interval_pct: f64,
    pub purchased_requests: f64,
    pub served_requests: f64,
    pub above_purchase_requests: f64,
}

/// Summarises one buyer's `rows` (in time order), whose steps are at `steps` seconds.
pub fn summarise(rows: &[IntervalRow], steps: &[i64]) -> Summary {
    let mut s = Summary { worst_interval_pct: f64::NEG_INFINITY, ..Summary::default() };
    let mut could = 0.0;
    let mut used = 0.0;
    for r in rows {
        let secs = r.seconds as f64;
        s.purchased_requests += r.purchased_rps * secs;
        s.served_requests += r.served_rps * secs;
        s.above_purchase_requests += (r.served_rps - r.purchased_rps).max(0.0) * secs;
        could += r.demand_rps.min(r.purchased_rps) * secs;
        used += r.served_rps.min(r.purchased_rps) * secs;
        if r.purchased_rps > 0.0 {
            s.worst_interval_pct = s.worst_interval_pct.max((r.served_rps / r.purchased_rps - 1.0) * 100.0);
        }
    }
    if !s.worst_interval_pct.is_finite() {
        s.worst_interval_pct = 0.0;
    }
    s.above_purchase_pct = percent(s.above_purchase_requests, s.purchased_requests);
    s.utilisation_pct = percent(used, could);
    s.settle_s = steps
        .iter()
        .enumerate()
        .map(|(k, &step)| {
            let next = steps.get(k + 1).copied().unwrap_or(i64::MAX);
            let span: Vec<&IntervalRow> = rows.iter().filter(|r| r.start_s >= step && r.start_s < next).collect();
            let unsettled = span.iter().rposition(|r| !settled(r));
            match unsettled {
                None => Some(0),
                Some(i) if i + 1 < span.len() => Some(span[i + 1].start_s - step),
                Some(_) => None,
            }
        })
        .collect();
    s
}

fn settled(r: &IntervalRow) -> bool {
    r.served_rps <= r.purchased_rps && r.served_rps >= SETTLED_SHARE * r.demand_rps.min(r.purchased_rps)
}

fn percent(part: f64, whole: f64) -> f64 {
    if whole > 0.0 { 100.0 * part / whole } else { 0.0 }
}

/// The largest (served − purchased) / purchased, in percent, of any `secs`-second window (on
/// the grid of `secs` from the start) of any buyer with a purchase all through it; windows
/// shorter than an interval are the interval.
pub fn worst_window_pct(rows: &[IntervalRow], secs: i64) -> f64 {
    let mut worst = f64::NEG_INFINITY;
    let mut window: Option<(&str, i64, f64, f64, bool)> = None;
    let mut close = |w: Option<(&str, i64, f64, f64, bool)>| {
        if let Some((_, _, served, purchased, whole)) = w
            && whole
            && purchased > 0.0
        {
            worst = worst.max((served / purchased - 1.0) * 100.0);
        }
    };
    for r in rows {
        let key = r.start_s.div_euclid(secs.max(1));
        let secs_f = r.seconds as f64;
        match &mut window {
            Some((buyer, k, served, purchased, whole)) if *buyer == r.buyer && *k == key => {
                *served += r.served_rps * secs_f;
                *purchased += r.purchased_rps * secs_f;
                *whole &= r.purchased_rps > 0.0;
            }
            _ => {
                close(window.take());
                window = Some((&r.buyer, key, r.served_rps * secs_f, r.purchased_rps * secs_f, r.purchased_rps > 0.0));
            }
        }
    }
    close(window);
    if worst.is_finite() { worst } else { 0.0 }
}

/// The mean of several runs' summaries (`settle_s` step by step, over the runs that settled;
/// `null` when none did).
pub fn mean(runs: &[Summary]) -> Summary {
    let n = runs.len().max(1) as f64;
    let avg = |get: fn(&Summary) -> f64| runs.iter().map(get).sum::<f64>() / n;
    let steps = runs.iter().map(|r| r.settle_s.len()).max().unwrap_or(0);
    let settle_s = (0..steps)
        .map(|k| {
            let settled: Vec<i64> = runs.iter().filter_map(|r| r.settle_s.get(k).copied().flatten()).collect();
            (!settled.is_empty()).then(|| settled.iter().sum::<i64>() / settled.len() as i64)
        })
        .collect();
    Summary {
        above_purchase_pct: avg(|s| s.above_purchase_pct),
        utilisation_pct: avg(|s| s.utilisation_pct),
        settle_s,
        worst_interval_pct: avg(|s| s.worst_interval_pct),
        purchased_requests: avg(|s| s.purchased_requests),
        served_requests: avg(|s| s.served_requests),
        above_purchase_requests: avg(|s| s.above_purchase_requests),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(start_s: i64, demand: f64, served: f64, purchased: f64) -> IntervalRow {
        IntervalRow {
            buyer: "b".into(),
            start_s,
            seconds: 5,
            demand_rps: demand,
            served_rps: served,
            purchased_rps: purchased,
            f: 0.5,
            mode: "closed",
            proxy_answers: 0,
            fallback_answers: 0,
        }
    }

    #[test]
    fn hand_computed() {
        // Purchased 100 over 4 intervals (2,000 requests); 60 above in one interval of 5 s.
        let rows = [
            row(0, 200.0, 80.0, 100.0),
            row(5, 200.0, 112.0, 100.0),
            row(10, 200.0, 95.0, 100.0),
            row(15, 50.0, 50.0, 100.0),
        ];
        let s = summarise(&rows, &[0, 15]);
        assert_eq!(s.above_purchase_requests, 60.0);
        assert!((s.above_purchase_pct - 3.0).abs() < 1e-9);
        // used (80 + 100 + 95 + 50)·5 over could (100 + 100 + 100 + 50)·5.
        assert!((s.utilisation_pct - 100.0 * 325.0 / 350.0).abs() < 1e-9);
        assert!((s.worst_interval_pct - 12.0).abs() < 1e-9);
        // Step at 0: intervals 0 (80 < 90, unsettled), 5 (above), 10 settled → 10 s.
        assert_eq!(s.settle_s, vec![Some(10), Some(0)]);
        let never = summarise(&rows[..2], &[0]);
        assert_eq!(never.settle_s, vec![None]);
        let m = mean(&[s.clone(), never]);
        assert_eq!(m.settle_s, vec![Some(10), Some(0)]);
    }

    #[test]
    fn the_worst_window_adds_up_the_intervals_inside_it() {
        let one = |start_s: i64, served: f64| IntervalRow { seconds: 1, ..row(start_s, 200.0, served, 100.0) };
        // 1 s intervals: 150, 100, 100, 100, 100 → the 5 s window is 10% above; the next
        // window's single second at 300 is not a whole window of purchase… but it is one.
        let rows: Vec<IntervalRow> =
            [150.0, 100.0, 100.0, 100.0, 100.0, 300.0].iter().enumerate().map(|(k, &s)| one(k as i64, s)).collect();
        assert!((worst_window_pct(&rows[..5], 5) - 10.0).abs() < 1e-9);
        assert!((worst_window_pct(&rows, 5) - 200.0).abs() < 1e-9);
        // 5 s intervals are their own windows.
        let rows = [row(0, 200.0, 80.0, 100.0), row(5, 200.0, 112.0, 100.0)];
        assert!((worst_window_pct(&rows, 5) - 12.0).abs() < 1e-9);
    }
}
