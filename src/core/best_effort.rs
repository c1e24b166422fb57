//! Best-effort capacity: what the proxies can take right now beyond everyone else's load,
//! shared among the buyers holding best-effort sales in proportion to what each bought.
//!
//! `free = healthy capacity × (1 − margin) − (total load − best-effort load)`, never below 0,
//! where the total load is what the proxies served in the last interval (every host, not only
//! buyers') and the best-effort load is what each best-effort buyer served beyond its
//! guaranteed holding. Each best-effort buyer's cap is `free × bought / Σ bought`; the
//! controller then holds it to `guaranteed + cap` like any purchase. Measuring the load that
//! best-effort buyers themselves bring and taking it back out is what keeps the cap from
//! chasing its own tail: a buyer using its whole share does not shrink that share.
//!
//! A share a buyer does not use is not handed to the others within the interval: the next
//! interval's free capacity includes it, and their controllers raise towards it from there.

/// The proxies right now.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pool {
    /// Sum of the healthy proxies' `capacity_rps`.
    pub healthy_capacity_rps: f64,
    /// Share of capacity never sold (`market.margin`).
    pub margin: f64,
    /// Requests per second the proxies served in the last interval, for everyone.
    pub total_load_rps: f64,
}

/// One buyer holding a best-effort sale now.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Claim {
    /// Its guaranteed holding, rps.
    pub guaranteed_rps: f64,
    /// What it bought best effort, rps: the weight of its share.
    pub best_effort_rps: f64,
    /// What the proxies served it in the last interval, rps.
    pub served_rps: f64,
}

/// Each claim's best-effort cap, rps, in the order given.
pub fn caps(pool: Pool, claims: &[Claim]) -> Vec<f64> {
    let weight: f64 = claims.iter().map(|c| c.best_effort_rps.max(0.0)).sum();
    if weight <= 0.0 {
        return vec![0.0; claims.len()];
    }
    let best_effort_load: f64 = claims.iter().map(|c| (c.served_rps - c.guaranteed_rps).max(0.0)).sum();
    let others = (pool.total_load_rps - best_effort_load).max(0.0);
    let usable = pool.healthy_capacity_rps * (1.0 - pool.margin.clamp(0.0, 1.0));
    let free = (usable - others).max(0.0);
    claims.iter().map(|c| free * c.best_effort_rps.max(0.0) / weight).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claim(guaranteed_rps: f64, best_effort_rps: f64, served_rps: f64) -> Claim {
        Claim { guaranteed_rps, best_effort_rps, served_rps }
    }

    #[test]
    fn free_capacity_shared_by_what_each_bought() {
        // 200 rps healthy, 10% margin: 180 usable. 100 served in all, of which the best-effort
        // buyers brought 20 + 10: others 70, free 110, shared 3:1 (30 and 10 bought).
        let pool = Pool { healthy_capacity_rps: 200.0, margin: 0.1, total_load_rps: 100.0 };
        let got = caps(pool, &[claim(0.0, 30.0, 20.0), claim(0.0, 10.0, 10.0)]);
        assert_eq!(got, vec![82.5, 27.5]);
    }

    #[test]
    fn a_guaranteed_holding_counts_as_someone_elses_load() {
        // The buyer holds 40 guaranteed and was served 50: 40 of it is "everyone else".
        let pool = Pool { healthy_capacity_rps: 100.0, margin: 0.0, total_load_rps: 90.0 };
        assert_eq!(caps(pool, &[claim(40.0, 10.0, 50.0)]), vec![20.0]);
        // Served below its guarantee: no best-effort load to take back out.
        assert_eq!(caps(pool, &[claim(40.0, 10.0, 30.0)]), vec![10.0]);
    }

    #[test]
    fn nothing_free_is_nothing_and_never_negative() {
        let full = Pool { healthy_capacity_rps: 100.0, margin: 0.1, total_load_rps: 150.0 };
        assert_eq!(caps(full, &[claim(0.0, 10.0, 0.0)]), vec![0.0]);
        let down = Pool { healthy_capacity_rps: 0.0, margin: 0.1, total_load_rps: 0.0 };
        assert_eq!(caps(down, &[claim(0.0, 10.0, 0.0)]), vec![0.0]);
        let pool = Pool { healthy_capacity_rps: 100.0, margin: 0.0, total_load_rps: 0.0 };
        assert_eq!(caps(pool, &[]), Vec::<f64>::new());
        assert_eq!(caps(pool, &[claim(0.0, 0.0, 0.0)]), vec![0.0]);
    }

    #[test]
    fn a_buyer_using_its_share_keeps_it() {
        // Using the whole cap does not shrink the next one: its own load is taken back out.
        let mut served = 0.0;
        for _ in 0..5 {
            let pool = Pool { healthy_capacity_rps: 100.0, margin: 0.0, total_load_rps: 40.0 + served };
            let cap = caps(pool, &[claim(0.0, 5.0, served)])[0];
            assert_eq!(cap, 60.0);
            served = cap;
        }
    }
}
