//! Offers: the capacity the network puts up for sale, per slot.

use super::db::{Db, TxKind, args};
use serde::Serialize;

use super::{Ledger, LedgerError, supply};
use crate::core::window::Window;

/// An offer to record: whole rps for one slot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOffer {
    pub slot: Window,
    pub rps: i64,
}

/// A recorded offer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Offer {
    pub slot_start: i64,
    pub slot_end: i64,
    pub rps: i64,
    pub measured_at: i64,
    pub method: String,
}

/// What saving offers changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SavedOffers {
    /// Offers written.
    pub saved: usize,
    /// Earlier offers overlapping them that were replaced.
    pub replaced: usize,
    /// New offers not written because the earlier offer of their slot is already sold from (or
    /// promised to an open auction or ask): what was sold stays backed by what was offered.
    pub kept: usize,
}

impl Ledger {
    /// Records offers in one transaction, replacing earlier offers that overlap them, except
    /// where a sale or an open auction or ask draws on the earlier offer.
    pub fn save_offers(
        &mut self,
        offers: &[NewOffer],
        measured_at: i64,
        method: &str,
    ) -> Result<SavedOffers, LedgerError> {
        self.db.transaction(TxKind::Write, |db| save(db, offers, measured_at, method))
    }

    /// Offers overlapping `range` (all offers when `None`), by slot.
    pub fn offers(&self, range: Option<Window>) -> Result<Vec<Offer>, LedgerError> {
        let (from, to) = range.map_or((i64::MIN, i64::MAX), |w| (w.start, w.end));
        self.db.query(
            "SELECT slot_start, slot_end, rps, measured_at, method FROM offers
             WHERE slot_start < ?2 AND slot_end > ?1 ORDER BY slot_start",
            args![from, to],
            |r| {
                Ok(Offer {
                    slot_start: r.get(0)?,
                    slot_end: r.get(1)?,
                    rps: r.get(2)?,
                    measured_at: r.get(3)?,
                    method: r.get(4)?,
                })
            },
        )
    }
}

/// [`Ledger::save_offers`] inside its transaction.
fn save(db: &Db, offers: &[NewOffer], measured_at: i64, method: &str) -> Result<SavedOffers, LedgerError> {
    let (mut saved, mut replaced, mut kept) = (0, 0, 0);
    for offer in offers {
        let earlier = db.query(
            "SELECT slot_start, slot_end FROM offers WHERE slot_start < ?2 AND slot_end > ?1",
            args![offer.slot.start, offer.slot.end],
            |r| Ok((r.get::<i64>(0)?, r.get::<i64>(1)?)),
        )?;
        let mut in_use = false;
        for (start, end) in earlier {
            in_use |= supply::committed(db, start, end)?;
        }
        if in_use {
            kept += 1;
            continue;
        }
        replaced += db.execute(
            "DELETE FROM offers WHERE slot_start < ?2 AND slot_end > ?1",
            args![offer.slot.start, offer.slot.end],
        )? as usize;
        db.execute(
            "INSERT INTO offers (slot_start, slot_end, rps, measured_at, method) VALUES (?1, ?2, ?3, ?4, ?5)",
            args![offer.slot.start, offer.slot.end, offer.rps, measured_at, method],
        )?;
        saved += 1;
    }
    Ok(SavedOffers { saved, replaced, kept })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::test_backends::each_backend;

    fn hour(h: i64, rps: i64) -> NewOffer {
        NewOffer { slot: Window::new(h * 3600, 3600).unwrap(), rps }
    }

    #[test]
    fn saves_and_replaces_overlapping_offers() {
        each_backend(|mut ledger| {
            let first = ledger.save_offers(&[hour(0, 10), hour(1, 20), hour(2, 30)], 100, "m1").unwrap();
            assert_eq!(first, SavedOffers { saved: 3, replaced: 0, kept: 0 });
            let second = ledger.save_offers(&[hour(1, 21), hour(2, 31), hour(3, 41)], 200, "m2").unwrap();
            assert_eq!(second, SavedOffers { saved: 3, replaced: 2, kept: 0 });
            let all = ledger.offers(None).unwrap();
            let rps: Vec<(i64, i64, &str)> =
                all.iter().map(|o| (o.slot_start / 3600, o.rps, o.method.as_str())).collect();
            assert_eq!(rps, [(0, 10, "m1"), (1, 21, "m2"), (2, 31, "m2"), (3, 41, "m2")]);
            let some = ledger.offers(Some(Window::new(3600, 2 * 3600).unwrap())).unwrap();
            assert_eq!(some.len(), 2);
        });
    }

    #[test]
    fn a_coarser_slot_replaces_the_finer_ones_it_covers() {
        each_backend(|mut ledger| {
            ledger.save_offers(&[hour(0, 10), hour(1, 20)], 100, "hourly").unwrap();
            let daily = NewOffer { slot: Window::new(0, 86_400).unwrap(), rps: 5 };
            assert_eq!(ledger.save_offers(&[daily], 200, "daily").unwrap().replaced, 2);
            assert_eq!(ledger.offers(None).unwrap().len(), 1);
        });
    }

    #[test]
    fn a_failed_save_writes_nothing() {
        each_backend(|mut ledger| {
            ledger.save_offers(&[hour(0, 10)], 100, "m1").unwrap();
            // The second offer violates `rps >= 0`: the whole batch, including the replacement of
            // hour 0, must roll back.
            let err = ledger.save_offers(&[hour(0, 99), hour(1, -1)], 200, "m2");
            assert!(err.is_err());
            let all = ledger.offers(None).unwrap();
            assert_eq!(all.len(), 1);
            assert_eq!((all[0].rps, all[0].method.as_str()), (10, "m1"));
        });
    }
}
