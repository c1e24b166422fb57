//! Unsold supply of a window: the least, over its slots, of what was offered and not yet sold
//! or promised. A window needs an offer for every one of its slots.

use super::window::{Window, format_instant};

/// One slot's supply, as the ledger sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlotSupply {
    pub start: i64,
    pub end: i64,
    /// Offered by `capacity measure --save`.
    pub offered: i64,
    /// Sold by the operator (resales between buyers do not count).
    pub sold: i64,
    /// Promised but not yet sold: open auctions, the operator's open asks.
    pub reserved: i64,
}

impl SlotSupply {
    /// What is left to sell in this slot (never negative).
    pub fn unsold(&self) -> i64 {
        (self.offered - self.sold - self.reserved).max(0)
    }
}

/// Why a window has no supply to speak of.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SupplyError {
    #[error("no capacity is offered for {slot_start} (window {window}); run `surplus capacity measure --save` for it")]
    NoOffer { window: String, slot_start: String },
}

/// Unsold rps available in every slot of `window`, from the slots overlapping it (in order).
pub fn unsold(window: Window, slots: &[SlotSupply]) -> Result<i64, SupplyError> {
    let mut covered_to = window.start;
    let mut least = i64::MAX;
    for s in slots.iter().filter(|s| s.end > window.start && s.start < window.end) {
        if s.start > covered_to {
            break;
        }
        covered_to = covered_to.max(s.end);
        least = least.min(s.unsold());
    }
    if covered_to < window.end {
        return Err(SupplyError::NoOffer { window: window.to_string(), slot_start: format_instant(covered_to) });
    }
    Ok(least)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slot(h: i64, offered: i64, sold: i64, reserved: i64) -> SlotSupply {
        SlotSupply { start: h * 3600, end: (h + 1) * 3600, offered, sold, reserved }
    }

    #[test]
    fn the_least_over_the_slots() {
        let w = Window::new(0, 3 * 3600).unwrap();
        assert_eq!(unsold(w, &[slot(0, 100, 10, 0), slot(1, 80, 0, 5), slot(2, 90, 0, 0)]), Ok(75));
        assert_eq!(unsold(w, &[slot(0, 100, 120, 0), slot(1, 80, 0, 0), slot(2, 90, 0, 0)]), Ok(0));
    }

    #[test]
    fn every_slot_needs_an_offer() {
        let w = Window::new(0, 3 * 3600).unwrap();
        let err = unsold(w, &[slot(0, 100, 0, 0), slot(2, 90, 0, 0)]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "no capacity is offered for 1970-01-01T01:00:00Z (window 1970-01-01T00:00Z/3h); run `surplus capacity measure --save` for it"
        );
        assert!(unsold(w, &[]).is_err());
        assert!(unsold(w, &[slot(0, 1, 0, 0), slot(1, 1, 0, 0)]).is_err());
    }
}
