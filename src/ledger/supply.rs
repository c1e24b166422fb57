//! Reading a window's supply: offers, minus operator sales, minus what open auctions and the
//! operator's open asks have promised. Callers hold a write transaction while they act on it.

use rusqlite::{Connection, params};

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
pub fn slots(conn: &Connection, window: Window, excluding: Excluding) -> Result<Vec<SlotSupply>, LedgerError> {
    let mut stmt = conn.prepare_cached(
        "SELECT o.slot_start, o.slot_end, o.rps,
           (SELECT COALESCE(SUM(s.rps), 0) FROM sales s
             WHERE s.seller IS NULL AND s.window_start < o.slot_end AND s.window_end > o.slot_start),
           (SELECT COALESCE(SUM(a.rps), 0) FROM auctions a
             WHERE a.status = 'open' AND a.id IS NOT ?3
               AND a.window_start < o.slot_end AND a.window_end > o.slot_start)
         + (SELECT COALESCE(SUM(r.remaining), 0) FROM orders r
             WHERE r.status = 'open' AND r.side = 'sell' AND r.owner IS NULL AND r.id IS NOT ?4
               AND r.window_start < o.slot_end AND r.window_end > o.slot_start)
         FROM offers o WHERE o.slot_start < ?2 AND o.slot_end > ?1 ORDER BY o.slot_start",
    )?;
    let rows = stmt.query_map(params![window.start, window.end, excluding.auction, excluding.order], |r| {
        Ok(SlotSupply { start: r.get(0)?, end: r.get(1)?, offered: r.get(2)?, sold: r.get(3)?, reserved: r.get(4)? })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Whether any sale or promise draws on the slot `[start, end)`: then its offer must stay.
pub fn committed(conn: &Connection, start: i64, end: i64) -> Result<bool, LedgerError> {
    let count: i64 = conn.query_row(
        "SELECT (SELECT COUNT(*) FROM sales WHERE window_start < ?2 AND window_end > ?1)
              + (SELECT COUNT(*) FROM auctions WHERE status = 'open' AND window_start < ?2 AND window_end > ?1)
              + (SELECT COUNT(*) FROM orders
                  WHERE status = 'open' AND owner IS NULL AND window_start < ?2 AND window_end > ?1)",
        params![start, end],
        |r| r.get(0),
    )?;
    Ok(count > 0)
}
