//! `surplus simulate`: the real controller ([`crate::core::control`]) and the real answer split
//! ([`crate::core::client_split`]) on simulated time, against caching resolvers, a monitor with
//! a delay and changing demand. Pure: no clock, files or sockets; a seed makes it repeatable.

pub mod bound;
mod properties;
pub mod scenario;
pub mod summary;
pub mod world;

pub use scenario::Scenario;
pub use summary::Summary;
pub use world::{IntervalRow, Options, Policy, Sight};

/// The steps of one buyer of `scenario` within its duration: the sale's start and end and its
/// demand changes, in order.
pub fn steps(scenario: &Scenario, buyer: usize) -> Vec<i64> {
    let b = &scenario.buyers[buyer];
    let mut at = b.demand.changes();
    at.extend([b.sale.at.secs(), b.sale.at.secs() + b.sale.length.secs()]);
    at.retain(|&t| (0..scenario.duration.secs()).contains(&t));
    at.sort_unstable();
    at.dedup();
    at
}

/// One run: every buyer's intervals and summary.
pub struct Run {
    pub intervals: Vec<IntervalRow>,
    /// Per buyer, in the scenario's order.
    pub buyers: Vec<Summary>,
    /// All buyers together.
    pub summary: Summary,
}

/// Runs `scenario` once.
pub fn run(scenario: &Scenario, options: &Options) -> Run {
    let intervals = world::run(scenario, options);
    let buyers: Vec<Summary> = scenario
        .buyers
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let rows: Vec<IntervalRow> = intervals.iter().filter(|r| r.buyer == b.name).cloned().collect();
            summary::summarise(&rows, &steps(scenario, i))
        })
        .collect();
    // All buyers: the sums over every row, the worst of any, each buyer's settle times in turn.
    let mut summary = summary::summarise(&intervals, &[]);
    summary.settle_s = buyers.iter().flat_map(|b| b.settle_s.iter().copied()).collect();
    Run { intervals, buyers, summary }
}
