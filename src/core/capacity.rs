//! Unused capacity: per-slot usage from per-second counts, a usage profile, and the forecast.
//!
//! For every slot of a source's history we compute the request count, mean rps, the peak second
//! and the 95th percentile of its per-second rates. The p95 second is the slot's *load*: it is
//! what the proxy had to carry most of the time, without letting one burst second decide. At low
//! rates with bursty traffic most seconds are empty and the p95 second can be 0 in an hour that
//! served thousands of requests, so the load is never taken below the slot's mean rate. Loads
//! are grouped by their position in the week (hour-of-week for 1 h slots; hour-of-day when the
//! history is shorter than a week), and the forecast for a future slot is the chosen quantile of
//! the loads seen at the same position. Then, per source,
//!
//! ```text
//! unused = max(0, capacity × (1 − margin) − forecast)
//! ```
//!
//! and the network's unused capacity is the sum over sources. A position with no history at all
//! (less than a day of logs) falls back to the quantile over the whole history.

use std::collections::HashMap;

use super::quantile::{quantile_counts, quantile_sorted};
use super::second_counts::SecondCounts;
use super::window::{DAY_SECS, FIRST_MONDAY, Slot, WEEK_SECS, Window};

/// The quantile of per-second rates that makes a slot's load.
pub const SLOT_LOAD_QUANTILE: f64 = 0.95;

/// Usage of one source in one slot of its history.
#[derive(Debug, Clone, PartialEq)]
pub struct SlotUsage {
    pub start: i64,
    pub end: i64,
    /// Seconds of the slot inside the observed history (less than the slot at either end).
    pub covered_secs: u32,
    pub requests: u64,
    pub bytes: u64,
    pub mean_rps: f64,
    pub peak_rps: u32,
    /// The 95th percentile of per-second rates over the covered seconds.
    pub p95_rps: f64,
}

impl SlotUsage {
    /// The load the slot puts on its source: the p95 second, but at least the mean rate.
    pub fn load(&self) -> f64 {
        self.p95_rps.max(self.mean_rps)
    }
}

/// Per-slot usage for every slot of the history `span` (first and last second, inclusive; see
/// [`SecondCounts::history_span`]), empty slots included.
pub fn slot_usage(counts: &SecondCounts, span: (i64, i64)) -> Vec<SlotUsage> {
    let (first, last) = span;
    if first > last {
        return Vec::new();
    }
    let slot = counts.slot();
    let mut scratch: Vec<u32> = Vec::with_capacity(slot.secs() as usize);
    (slot.index(first)..=slot.index(last))
        .map(|index| {
            let start = slot.start(index);
            let end = start + i64::from(slot.secs());
            let from = (first.max(start) - start) as usize;
            let to = (last.min(end - 1) - start + 1) as usize;
            let covered = (to - from) as u32;
            scratch.clear();
            match counts.get(index) {
                Some(c) => scratch.extend_from_slice(&c.per_second[from..to]),
                None => scratch.resize(covered as usize, 0),
            }
            let (requests, bytes) = counts.get(index).map_or((0, 0), |c| (c.requests, c.bytes));
            let peak_rps = scratch.iter().copied().max().unwrap_or(0);
            let p95_rps = quantile_counts(&mut scratch, SLOT_LOAD_QUANTILE).unwrap_or(0.0);
            SlotUsage {
                start,
                end,
                covered_secs: covered,
                requests,
                bytes,
                mean_rps: requests as f64 / f64::from(covered),
                peak_rps,
                p95_rps,
            }
        })
        .collect()
}

/// How history is grouped into a usage profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// By position in the week (Monday 00:00 UTC first): needs at least 7 days of history.
    HourOfWeek,
    /// By position in the day, for shorter histories.
    HourOfDay,
}

impl Profile {
    /// The profile a history of `span_secs` (slot-aligned) supports.
    pub fn for_span(span_secs: i64) -> Profile {
        if span_secs >= WEEK_SECS { Profile::HourOfWeek } else { Profile::HourOfDay }
    }

    /// The stable name used in output (`hour_of_week`, `hour_of_day`).
    pub fn name(self) -> &'static str {
        match self {
            Profile::HourOfWeek => "hour_of_week",
            Profile::HourOfDay => "hour_of_day",
        }
    }

    /// The profile bucket of the slot starting at `start`.
    fn bucket(self, slot: Slot, start: i64) -> i64 {
        let period = match self {
            Profile::HourOfWeek => WEEK_SECS,
            Profile::HourOfDay => DAY_SECS,
        };
        (start - FIRST_MONDAY).rem_euclid(period) / i64::from(slot.secs())
    }
}

/// Forecasts a source's load for future slots from its history.
#[derive(Debug, Clone)]
pub struct Forecaster {
    slot: Slot,
    profile: Profile,
    quantile: f64,
    by_bucket: HashMap<i64, Vec<f64>>,
    all: Vec<f64>,
}

impl Forecaster {
    /// Builds the profile from a history's slot usage.
    pub fn new(history: &[SlotUsage], slot: Slot, profile: Profile, quantile: f64) -> Forecaster {
        let mut by_bucket: HashMap<i64, Vec<f64>> = HashMap::new();
        for usage in history {
            by_bucket.entry(profile.bucket(slot, usage.start)).or_default().push(usage.load());
        }
        let mut all: Vec<f64> = history.iter().map(SlotUsage::load).collect();
        all.sort_unstable_by(f64::total_cmp);
        for loads in by_bucket.values_mut() {
            loads.sort_unstable_by(f64::total_cmp);
        }
        Forecaster { slot, profile, quantile, by_bucket, all }
    }

    /// Forecast load (rps) for the slot starting at `start`; 0 with no history at all.
    pub fn at(&self, start: i64) -> f64 {
        let loads = self.by_bucket.get(&self.profile.bucket(self.slot, start)).unwrap_or(&self.all);
        quantile_sorted(loads, self.quantile).unwrap_or(0.0)
    }
}

/// The knobs of an estimate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EstimatePlan {
    pub slot: Slot,
    pub profile: Profile,
    /// Quantile of a position's history used as its forecast.
    pub quantile: f64,
    /// Share of capacity never sold, kept for safety.
    pub margin: f64,
}

/// One source's part of an estimate: its capacity and the forecaster built from its history.
#[derive(Debug, Clone)]
pub struct SourceModel {
    pub capacity_rps: f64,
    pub forecaster: Forecaster,
}

/// Capacity, forecast and unused of one source in one future slot.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SourceEstimate {
    pub capacity_rps: f64,
    pub forecast_rps: f64,
    pub unused_rps: f64,
}

/// The estimate for one future slot: totals, and each source in the order given.
#[derive(Debug, Clone, PartialEq)]
pub struct SlotEstimate {
    pub start: i64,
    pub end: i64,
    pub capacity_rps: f64,
    pub forecast_rps: f64,
    pub unused_rps: f64,
    pub sources: Vec<SourceEstimate>,
}

/// Estimates unused capacity for every slot of `window` (which must be slot-aligned).
pub fn estimate(sources: &[SourceModel], window: Window, plan: &EstimatePlan) -> Vec<SlotEstimate> {
    let keep = 1.0 - plan.margin;
    window
        .slot_starts(plan.slot)
        .map(|start| {
            let sources: Vec<SourceEstimate> = sources
                .iter()
                .map(|s| {
                    let forecast_rps = s.forecaster.at(start);
                    let unused_rps = (s.capacity_rps * keep - forecast_rps).max(0.0);
                    SourceEstimate { capacity_rps: s.capacity_rps, forecast_rps, unused_rps }
                })
                .collect();
            SlotEstimate {
                start,
                end: start + i64::from(plan.slot.secs()),
                capacity_rps: sources.iter().map(|s| s.capacity_rps).sum(),
                forecast_rps: sources.iter().map(|s| s.forecast_rps).sum(),
                unused_rps: sources.iter().map(|s| s.unused_rps).sum(),
                sources,
            }
        })
        .collect()
}

/// Whole rps that can be offered for sale from an unused estimate (never rounded up).
pub fn offerable_rps(unused_rps: f64) -> i64 {
    if unused_rps.is_finite() && unused_rps > 0.0 { unused_rps.floor() as i64 } else { 0 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const MON: i64 = 1_763_942_400; // 2025-11-24T00:00Z, a Monday

    fn usage_of(records: &[(i64, u32)], slot: Slot) -> Vec<SlotUsage> {
        let mut c = SecondCounts::new(slot);
        for &(t, n) in records {
            for _ in 0..n {
                c.record(t, 10);
            }
        }
        slot_usage(&c, c.span().unwrap())
    }

    #[test]
    fn slot_statistics() {
        // 1 h slot: second 0 has 10 requests, second 1 has 2, nothing else until second 3599.
        let u = usage_of(&[(MON, 10), (MON + 1, 2), (MON + 3599, 1)], Slot::HOUR);
        assert_eq!(u.len(), 1);
        let s = &u[0];
        assert_eq!((s.covered_secs, s.requests, s.bytes, s.peak_rps), (3600, 13, 130, 10));
        assert!((s.mean_rps - 13.0 / 3600.0).abs() < 1e-12);
        assert_eq!(s.p95_rps, 0.0);
        assert_eq!(s.load(), s.mean_rps);
    }

    #[test]
    fn edge_slots_count_only_covered_seconds() {
        // History from 00:59:50 to 01:00:09: 10 seconds in slot 0, 10 in slot 1, 2 req/s.
        let recs: Vec<(i64, u32)> = (0..20).map(|i| (MON + 3590 + i, 2)).collect();
        let u = usage_of(&recs, Slot::HOUR);
        assert_eq!(u.len(), 2);
        assert_eq!((u[0].covered_secs, u[1].covered_secs), (10, 10));
        assert_eq!((u[0].mean_rps, u[0].p95_rps, u[1].mean_rps), (2.0, 2.0, 2.0));
    }

    #[test]
    fn empty_slots_inside_history_are_zero_load() {
        let u = usage_of(&[(MON, 1), (MON + 3 * 3600, 1)], Slot::HOUR);
        assert_eq!(u.len(), 4);
        assert_eq!(u[1].requests, 0);
        assert_eq!(u[1].covered_secs, 3600);
        assert_eq!(u[3].covered_secs, 1);
    }

    #[test]
    fn profile_choice_and_buckets() {
        assert_eq!(Profile::for_span(WEEK_SECS), Profile::HourOfWeek);
        assert_eq!(Profile::for_span(WEEK_SECS - 3600), Profile::HourOfDay);
        assert_eq!(Profile::HourOfWeek.bucket(Slot::HOUR, MON), 0);
        assert_eq!(Profile::HourOfWeek.bucket(Slot::HOUR, MON + WEEK_SECS + 5 * 3600), 5);
        assert_eq!(Profile::HourOfDay.bucket(Slot::HOUR, MON + 2 * DAY_SECS + 7 * 3600), 7);
    }

    fn flat_usage(start: i64, loads: &[f64]) -> Vec<SlotUsage> {
        loads
            .iter()
            .enumerate()
            .map(|(i, &l)| SlotUsage {
                start: start + i as i64 * 3600,
                end: start + (i as i64 + 1) * 3600,
                covered_secs: 3600,
                requests: 0,
                bytes: 0,
                mean_rps: 0.0,
                peak_rps: 0,
                p95_rps: l,
            })
            .collect()
    }

    #[test]
    fn forecast_is_the_quantile_of_the_same_hour() {
        // Three days of history; hour 5 had loads 10, 20, 30 → median 20, q0.95 = 29.
        let mut loads = vec![1.0; 72];
        loads[5] = 10.0;
        loads[24 + 5] = 30.0;
        loads[48 + 5] = 20.0;
        let h = flat_usage(MON, &loads);
        let f = Forecaster::new(&h, Slot::HOUR, Profile::HourOfDay, 0.5);
        assert_eq!(f.at(MON + 10 * DAY_SECS + 5 * 3600), 20.0);
        assert_eq!(f.at(MON + 10 * DAY_SECS + 6 * 3600), 1.0);
        let f = Forecaster::new(&h, Slot::HOUR, Profile::HourOfDay, 0.95);
        assert!((f.at(MON + 5 * 3600) - 29.0).abs() < 1e-9);
    }

    #[test]
    fn missing_positions_fall_back_to_all_history() {
        let h = flat_usage(MON, &[4.0, 8.0]);
        let f = Forecaster::new(&h, Slot::HOUR, Profile::HourOfDay, 1.0);
        assert_eq!(f.at(MON + 12 * 3600), 8.0);
        let none = Forecaster::new(&[], Slot::HOUR, Profile::HourOfDay, 1.0);
        assert_eq!(none.at(MON), 0.0);
    }

    #[test]
    fn unused_is_capacity_less_margin_less_forecast_never_negative() {
        let busy = flat_usage(MON, &[50.0; 24]);
        let idle = flat_usage(MON, &[200.0; 24]);
        let plan = EstimatePlan { slot: Slot::HOUR, profile: Profile::HourOfDay, quantile: 0.95, margin: 0.1 };
        let sources = [
            SourceModel { capacity_rps: 100.0, forecaster: Forecaster::new(&busy, Slot::HOUR, plan.profile, 0.95) },
            SourceModel { capacity_rps: 100.0, forecaster: Forecaster::new(&idle, Slot::HOUR, plan.profile, 0.95) },
        ];
        let window = Window::new(MON + DAY_SECS, 2 * 3600).unwrap();
        let e = estimate(&sources, window, &plan);
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].sources[0].unused_rps, 40.0);
        assert_eq!(e[0].sources[1].unused_rps, 0.0);
        assert_eq!((e[0].capacity_rps, e[0].forecast_rps, e[0].unused_rps), (200.0, 250.0, 40.0));
        assert_eq!(e[1].start, MON + DAY_SECS + 3600);
    }

    #[test]
    fn offerable_rounds_down() {
        assert_eq!(offerable_rps(12.99), 12);
        assert_eq!(offerable_rps(0.0), 0);
        assert_eq!(offerable_rps(f64::NAN), 0);
    }

    proptest! {
        #[test]
        fn unused_within_bounds(cap in 1.0f64..1e5, load in 0.0f64..2e5, margin in 0.0f64..1.0) {
            let h = flat_usage(MON, &[load; 24]);
            let plan = EstimatePlan { slot: Slot::HOUR, profile: Profile::HourOfDay, quantile: 0.95, margin };
            let s = [SourceModel { capacity_rps: cap, forecaster: Forecaster::new(&h, Slot::HOUR, plan.profile, 0.95) }];
            let e = estimate(&s, Window::new(MON, 3600).unwrap(), &plan);
            prop_assert!(e[0].unused_rps >= 0.0);
            prop_assert!(e[0].unused_rps <= cap * (1.0 - margin) + 1e-9);
        }
    }
}
