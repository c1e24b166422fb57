//! What the controller last decided, per buyer, and the state of each monitor source: written
//! by the control loop every interval, read by the metrics endpoint (and so `dns status`).

use crate::monitor::SourceState;

/// One buyer's control state.
#[derive(Debug, Clone, PartialEq)]
pub struct BuyerStatus {
    pub name: String,
    /// What it is held to: guaranteed plus its best-effort cap.
    pub purchased_rps: f64,
    /// Its best-effort cap, when it holds a best-effort sale and the cap is known.
    pub best_effort_rps: Option<f64>,
    /// Served rps in the last interval, when the monitor knew it.
    pub served_rps: Option<f64>,
    pub target_rps: f64,
    pub f: f64,
    /// Share of the buyer's hash line excluded for resolvers too big for its purchase.
    pub excluded: f64,
    /// The `f` raises stop under, while a lump the law could not place is remembered.
    pub ceiling: Option<f64>,
    /// The control mode ([`crate::core::control::Mode::name`]).
    pub mode: &'static str,
    /// The monitor's state for it: `ok`, `stale` or `none`.
    pub monitor: &'static str,
}

/// The whole board.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ControlBoard {
    pub buyers: Vec<BuyerStatus>,
    pub sources: Vec<SourceState>,
    /// Requests per second all proxies served last interval, for everyone (when every proxy's
    /// source read).
    pub load_rps: Option<f64>,
}
