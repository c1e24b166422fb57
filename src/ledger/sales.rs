//! Sales: every sale, from an auction or a trade, one row each.

use super::db::args;

use super::{Ledger, LedgerError};
use crate::core::holding::Holding;
use crate::core::money::Money;
pub use crate::core::sale::Sale;
use crate::core::window::Window;

impl Ledger {
    /// Sales, oldest first, optionally of one buyer and overlapping one window.
    pub fn sales(&self, buyer: Option<&str>, window: Option<Window>) -> Result<Vec<Sale>, LedgerError> {
        let (from, to) = window.map_or((i64::MIN, i64::MAX), |w| (w.start, w.end));
        self.db.query(
            "SELECT id, buyer, seller, window_start, window_end, rps, unit_price, total, mechanism, rule, source_id,
                    bid_id, created_at, service, currency
             FROM sales WHERE (CAST(?1 AS TEXT) IS NULL OR buyer = ?1) AND window_start < ?3 AND window_end > ?2
             ORDER BY id",
            args![buyer, from, to],
            |r| {
                Ok(Sale {
                    id: r.get(0)?,
                    buyer: r.get(1)?,
                    seller: r.get(2)?,
                    window: Window { start: r.get(3)?, end: r.get(4)? },
                    rps: r.get(5)?,
                    unit_price: Money(r.get(6)?),
                    total: Money(r.get(7)?),
                    mechanism: r.get(8)?,
                    rule: r.get(9)?,
                    source_id: r.get(10)?,
                    bid_id: r.get(11)?,
                    created_at: r.get(12)?,
                    service: {
                        let text: String = r.get(13)?;
                        text.parse().map_err(|_| LedgerError::Corrupt(format!("sales.service {text:?}")))?
                    },
                    currency: r.get(14)?,
                })
            },
        )
    }
}

impl Ledger {
    /// The currencies of the sales, each with its number of sales, by code.
    pub fn sale_currencies(&self) -> Result<Vec<(String, i64)>, LedgerError> {
        self.db.query("SELECT currency, count(*) FROM sales GROUP BY currency ORDER BY currency", args![], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
    }
}

impl Ledger {
    /// What each buyer holds at unix time `now`: bought minus resold, over sales whose window
    /// contains `now`, guaranteed and best effort apart. Buyers holding nothing are left out.
    pub fn holdings_at(&self, now: i64) -> Result<Vec<Holding>, LedgerError> {
        self.db.query(
            "SELECT who, CAST(SUM(CASE WHEN service = 'guaranteed' THEN rps ELSE 0 END) AS BIGINT),
                    CAST(SUM(CASE WHEN service = 'best-effort' THEN rps ELSE 0 END) AS BIGINT) FROM (
                 SELECT buyer AS who, rps, service FROM sales WHERE window_start <= ?1 AND window_end > ?1
                 UNION ALL
                 SELECT seller AS who, -rps, service FROM sales
                  WHERE seller IS NOT NULL AND window_start <= ?1 AND window_end > ?1
             ) AS held GROUP BY who HAVING SUM(rps) > 0 ORDER BY who",
            args![now],
            |r| Ok(Holding { buyer: r.get(0)?, guaranteed_rps: r.get(1)?, best_effort_rps: r.get(2)? }),
        )
    }
}
