//! The sales that bear on what the buyers hold from a little before now to well after, as
//! `dns serve` reads them at each interval: from them it knows each buyer's holding at any
//! moment of that span without asking the ledger again. That is what lets a node go on
//! controlling through an outage of the ledger and still see a sale's window close on time
//! (never serving a buyer more than it bought); and one read per interval replaces the
//! several `holdings_at` a node made.
//!
//! The ledger sums the sales by (who, service, window) before sending them, so an auction of
//! a hundred thousand sales over one window is one row per buyer here.

use super::holding::Holding;
use super::service::Service;

/// Sales of one kind of service over one window, summed for one holder: `+rps` bought,
/// `-rps` resold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldWindow {
    pub who: String,
    pub service: Service,
    /// Unix seconds, `[start, end)`.
    pub start: i64,
    pub end: i64,
    pub rps: i64,
}

/// The windows overlapping `[from, until)` (unix seconds), as read at one moment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SaleSchedule {
    pub from: i64,
    pub until: i64,
    pub windows: Vec<HeldWindow>,
}

impl SaleSchedule {
    /// What each buyer holds at `at`, as the ledger's `holdings_at` says it (bought minus
    /// resold, guaranteed and best effort apart, buyers holding nothing in all left out, by
    /// name); `None` outside the span read, where the schedule cannot know.
    pub fn holdings_at(&self, at: i64) -> Option<Vec<Holding>> {
        if at < self.from || at >= self.until {
            return None;
        }
        let mut held: Vec<Holding> = Vec::new();
        for w in self.windows.iter().filter(|w| w.start <= at && at < w.end) {
            let i = match held.binary_search_by(|h| h.buyer.as_str().cmp(&w.who)) {
                Ok(i) => i,
                Err(i) => {
                    held.insert(i, Holding { buyer: w.who.clone(), guaranteed_rps: 0, best_effort_rps: 0 });
                    i
                }
            };
            match w.service {
                Service::Guaranteed => held[i].guaranteed_rps += w.rps,
                Service::BestEffort => held[i].best_effort_rps += w.rps,
            }
        }
        held.retain(|h| h.guaranteed_rps + h.best_effort_rps > 0);
        Some(held)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(who: &str, service: Service, start: i64, end: i64, rps: i64) -> HeldWindow {
        HeldWindow { who: who.into(), service, start, end, rps }
    }

    fn h(buyer: &str, guaranteed_rps: i64, best_effort_rps: i64) -> Holding {
        Holding { buyer: buyer.into(), guaranteed_rps, best_effort_rps }
    }

    #[test]
    fn holdings_follow_the_windows_edges_and_net_resales() {
        let s = SaleSchedule {
            from: 0,
            until: 1_000,
            windows: vec![
                w("shop", Service::Guaranteed, 0, 100, 30),
                w("shop", Service::Guaranteed, 50, 100, -10),
                w("news", Service::BestEffort, 20, 200, 5),
                w("news", Service::Guaranteed, 20, 200, 7),
                w("gone", Service::Guaranteed, 0, 300, 10),
                w("gone", Service::Guaranteed, 0, 300, -10),
            ],
        };
        assert_eq!(s.holdings_at(10), Some(vec![h("shop", 30, 0)]));
        assert_eq!(s.holdings_at(20), Some(vec![h("news", 7, 5), h("shop", 30, 0)]));
        assert_eq!(s.holdings_at(50), Some(vec![h("news", 7, 5), h("shop", 20, 0)]), "resold from 50");
        assert_eq!(s.holdings_at(100), Some(vec![h("news", 7, 5)]), "the window's end is not in it");
        assert_eq!(s.holdings_at(200), Some(vec![]));
    }

    #[test]
    fn outside_the_span_read_nothing_is_known() {
        let s = SaleSchedule { from: 100, until: 200, windows: vec![w("shop", Service::Guaranteed, 0, 1_000, 1)] };
        assert_eq!(s.holdings_at(99), None);
        assert_eq!(s.holdings_at(200), None);
        assert_eq!(s.holdings_at(150), Some(vec![h("shop", 1, 0)]));
    }
}
