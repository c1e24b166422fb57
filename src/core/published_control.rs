//! What the leader of several `dns serve` publishes for each buyer, and the rules a node
//! follows with it: what it answers with ([`Applied`]), what a successor carries on from
//! ([`BuyerMemory`]), when a node has heard nothing for too long and what it falls back to
//! ([`is_stale`], [`safe_line`]), and how the leader adds up the nodes' DNS queries
//! ([`summed_queries`]). Pure; the server reads the ledger and the clock (src/control/).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::control::{Controller, Mode};
use super::proxy_line::ProxyLine;

/// One buyer's state as every node applies it, and what `dns status` shows of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Applied {
    /// Which clients get proxies: the share `f` of the hash line, around excluded stretches.
    pub line: ProxyLine,
    pub mode: Mode,
    /// What the buyer is held to, rps (with a best-effort cap in force).
    pub purchased_rps: f64,
    /// The best-effort cap, once known.
    pub best_effort_rps: Option<f64>,
    pub target_rps: f64,
    /// What the leader's monitor read last interval, rps.
    pub served_rps: Option<f64>,
    /// The share raises stop under.
    pub ceiling: Option<f64>,
    /// The law's estimate of demand at `f` = 1, rps.
    pub demand_rps: Option<f64>,
}

/// A buyer's controller and best-effort cap, for the next leader.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BuyerMemory {
    pub controller: Controller,
    pub cap: Option<f64>,
}

/// Whether a node that last saw a publication at `published_at` (unix ms) has heard nothing
/// for `stale_ms` by `now`.
pub fn is_stale(published_at: i64, now: i64, stale_ms: i64) -> bool {
    now.saturating_sub(published_at) >= stale_ms
}

/// The line a node falls back to when its published state is stale: the share that keeps the
/// buyer at or below `purchased_rps` (what the node last knew it held; never more than it
/// bought) at the demand the law last estimated, with the headroom kept; never above the
/// share it answers with now. Nothing held: no proxies. No estimate of demand: the line as it
/// is, since nothing says which way is safe.
pub fn safe_line(applied: &Applied, purchased_rps: f64, headroom: f64) -> ProxyLine {
    let mut line = applied.line;
    if purchased_rps.is_nan() || purchased_rps <= 0.0 {
        return ProxyLine::default();
    }
    let Some(demand) = applied.demand_rps.filter(|d| d.is_finite() && *d > 0.0) else { return line };
    let safe = (purchased_rps * (1.0 - headroom.clamp(0.0, 1.0)) / demand).clamp(0.0, 1.0);
    if safe < line.share() {
        line.set_share(safe);
    }
    line
}

/// One node's DNS queries per buyer over its last interval, as in its heartbeat.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeCounts {
    /// Unix seconds: the interval's start.
    pub start: i64,
    /// Queries answered for each buyer's names (proxy and fallback answers).
    pub queries: BTreeMap<String, u64>,
}

/// A node's last heartbeat as the leader reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeardNode {
    /// Unix ms.
    pub heartbeat_at: i64,
    pub interval_ms: i64,
    pub counts: NodeCounts,
}

/// Intervals without a heartbeat after which a node counts as gone.
pub const GONE_INTERVALS: i64 = 3;

/// Per buyer of `buyers`, the queries of every node added up: a node that missed an interval
/// or two at its last figure, one unheard for [`GONE_INTERVALS`] at zero. `None` for a buyer
/// no node counted.
pub fn summed_queries(nodes: &[HeardNode], buyers: &[&str], now: i64) -> Vec<Option<u64>> {
    let live: Vec<&HeardNode> =
        nodes.iter().filter(|n| now.saturating_sub(n.heartbeat_at) < GONE_INTERVALS * n.interval_ms.max(1)).collect();
    buyers.iter().map(|b| live.iter().filter_map(|n| n.counts.queries.get(*b)).copied().reduce(|a, q| a + q)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn applied(share: f64, demand: Option<f64>) -> Applied {
        let mut line = ProxyLine::default();
        line.set_share(share);
        Applied {
            line,
            mode: Mode::Closed,
            purchased_rps: 100.0,
            best_effort_rps: None,
            target_rps: 95.0,
            served_rps: Some(95.0),
            ceiling: None,
            demand_rps: demand,
        }
    }

    #[test]
    fn stale_after_the_configured_silence() {
        assert!(!is_stale(1_000, 300_999, 300_000));
        assert!(is_stale(1_000, 301_000, 300_000));
    }

    #[test]
    fn the_safe_share_serves_the_purchase_at_the_last_demand_and_never_raises() {
        // 400 rps at f = 1: 100 rps bought, 5% headroom → 0.2375 of the line.
        let safe = safe_line(&applied(0.5, Some(400.0)), 100.0, 0.05);
        assert!((safe.share() - 0.2375).abs() < 1e-6, "{}", safe.share());
        assert_eq!(safe_line(&applied(0.1, Some(400.0)), 100.0, 0.05).share(), 0.1, "already below");
        assert_eq!(safe_line(&applied(0.5, None), 100.0, 0.05).share(), 0.5, "no estimate: as it is");
        assert_eq!(safe_line(&applied(0.5, Some(400.0)), 0.0, 0.05), ProxyLine::default(), "nothing held");
    }

    #[test]
    fn the_leader_adds_every_nodes_queries_and_drops_a_node_gone_three_intervals() {
        let node = |at: i64, shop: u64| HeardNode {
            heartbeat_at: at,
            interval_ms: 1_000,
            counts: NodeCounts { start: 0, queries: BTreeMap::from([("shop".to_string(), shop)]) },
        };
        let nodes = [node(10_000, 5), node(8_500, 7), node(7_000, 100)];
        assert_eq!(summed_queries(&nodes, &["shop", "news"], 10_000), [Some(12), None]);
    }

    #[test]
    fn a_published_state_reads_back_the_same() {
        let a = applied(0.37, Some(200.0));
        let text = serde_json::to_string(&a).unwrap();
        assert_eq!(serde_json::from_str::<Applied>(&text).unwrap(), a);
        let bad: Applied = serde_json::from_str(&text.replace("\"bands\":[]", "\"bands\":[[9,3],[5,6]]")).unwrap();
        assert_eq!(bad.line.bands(), [(5, 6)], "a stretch out of order is dropped, not trusted");
    }
}
