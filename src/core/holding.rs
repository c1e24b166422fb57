//! What a buyer holds: now, per kind of service, and over a window (bought minus sold minus
//! offered for resale, at its lowest).

use super::window::Window;

/// What a buyer holds at one moment, per kind of service (bought minus resold).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holding {
    pub buyer: String,
    pub guaranteed_rps: i64,
    /// Weight of its share of the free capacity ([`super::best_effort`]).
    pub best_effort_rps: i64,
}

/// A change to a holding over `[start, end)`: `+rps` bought, `-rps` sold or on offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HoldingChange {
    pub start: i64,
    pub end: i64,
    pub rps: i64,
}

/// The least the changes add up to at any moment of `window` (0 where none apply).
pub fn least_holding(window: Window, changes: &[HoldingChange]) -> i64 {
    // The sum only changes at a change's edges: look at the window's start and every edge in it.
    let mut points: Vec<i64> =
        changes.iter().flat_map(|c| [c.start, c.end]).filter(|&t| t > window.start && t < window.end).collect();
    points.push(window.start);
    points
        .into_iter()
        .map(|t| changes.iter().filter(|c| c.start <= t && t < c.end).map(|c| c.rps).sum::<i64>())
        .min()
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(start: i64, end: i64, rps: i64) -> HoldingChange {
        HoldingChange { start, end, rps }
    }

    #[test]
    fn the_least_over_the_window() {
        let w = Window::new(0, 40).unwrap();
        assert_eq!(least_holding(w, &[c(0, 40, 10)]), 10);
        assert_eq!(least_holding(w, &[c(0, 40, 10), c(10, 20, -4)]), 6);
        assert_eq!(least_holding(w, &[c(0, 20, 10)]), 0, "not held for the whole window");
        assert_eq!(least_holding(w, &[c(-100, 100, 5), c(0, 40, 3)]), 8);
        assert_eq!(least_holding(w, &[]), 0);
    }
}
