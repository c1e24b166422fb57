//! Reading a window's supply: offers, minus operator sales, minus what open auctions and the
//! operator's open asks have promised. Callers hold a write transaction while they act on it.

use super::db::{Db, args};

use super::LedgerError;
use crate::core::supply::SlotSupply;
use crate::core::window::Window;

/// What to leave out of the promises (the auction or order being acted on).
#[derive(Debug, Clone, Copy, Default)]
pub struct Excluding {
    pub auction: Option<i64>,
    pub order: Option<i64>,
}

/// Supply of every offered slot overlapping `window`, in order.
pub fn slots(db: &Db, window: Window, excluding: Excluding) -> Result<Vec<SlotSupply>, LedgerError> {
    // The promise of the auction or ask being acted on, which the caller is about to turn into
    // sales: it is still counted in `reserved` and must not count against itself.
    // (`id = NULL` matches nothing: one of the two may be missing.) With neither (an ask
    // being placed, a check), no statement.
    let own: i64 = if excluding.auction.is_none() && excluding.order.is_none() {
        0
    } else {
        db.query_row(
            "SELECT COALESCE((SELECT rps FROM auctions WHERE id = ?1 AND status = 'open'), 0)
              + COALESCE((SELECT remaining FROM orders WHERE id = ?2 AND status = 'open' AND owner IS NULL), 0)",
            args![excluding.auction, excluding.order],
            |r| r.get(0),
        )?
    };
    db.query(
        "SELECT slot_start, slot_end, rps, sold, reserved FROM offers
         WHERE slot_start < ?2 AND slot_end > ?1 ORDER BY slot_start",
        args![window.start, window.end],
        |r| {
            let (start, end): (i64, i64) = (r.get(0)?, r.get(1)?);
            let overlaps_own = start < window.end && end > window.start;
            let reserved: i64 = r.get(4)?;
            Ok(SlotSupply {
                start,
                end,
                offered: r.get(2)?,
                sold: r.get(3)?,
                reserved: if overlaps_own { reserved - own } else { reserved },
            })
        },
    )
}

/// Whether any sale or promise draws on the offer of slot `[start, end)`: then it must stay.
pub fn committed(db: &Db, start: i64, end: i64) -> Result<bool, LedgerError> {
    let count: i64 = db.query_row(
        "SELECT COUNT(*) FROM offers WHERE slot_start = ?1 AND slot_end = ?2 AND (sold > 0 OR reserved > 0)",
        args![start, end],
        |r| r.get(0),
    )?;
    Ok(count > 0)
}
