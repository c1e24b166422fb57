//! Sales: every sale, from an auction or a trade, one row each.

use super::db::args;

use super::{Ledger, LedgerError};
use crate::core::holding::Holding;
use crate::core::money::Money;
pub use crate::core::sale::Sale;
use crate::core::sale_schedule::{HeldWindow, SaleSchedule};
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

impl Ledger {
    /// The sales whose windows overlap `[from, until)`, summed by holder, service and window
    /// ([`SaleSchedule`]): a resale counts against its seller, as in [`Ledger::holdings_at`].
    pub fn sale_schedule(&self, from: i64, until: i64) -> Result<SaleSchedule, LedgerError> {
        let windows = self.db.query(
            "SELECT who, service, window_start, window_end, CAST(SUM(rps) AS BIGINT) FROM (
                 SELECT buyer AS who, rps, service, window_start, window_end FROM sales
                  WHERE window_start < ?2 AND window_end > ?1
                 UNION ALL
                 SELECT seller AS who, -rps, service, window_start, window_end FROM sales
                  WHERE seller IS NOT NULL AND window_start < ?2 AND window_end > ?1
             ) AS held GROUP BY who, service, window_start, window_end HAVING SUM(rps) <> 0
             ORDER BY who, window_start",
            args![from, until],
            |r| {
                Ok(HeldWindow {
                    who: r.get(0)?,
                    service: {
                        let text: String = r.get(1)?;
                        text.parse().map_err(|_| LedgerError::Corrupt(format!("sales.service {text:?}")))?
                    },
                    start: r.get(2)?,
                    end: r.get(3)?,
                    rps: r.get(4)?,
                })
            },
        )?;
        Ok(SaleSchedule { from, until, windows })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sale as (buyer, seller if a resale, start, end, rps, service).
    type SaleRow<'a> = (&'a str, Option<&'a str>, i64, i64, i64, &'a str);

    /// Sales written as rows (from an auction: no trigger draws on offers), with resales.
    fn with_sales(l: Ledger, rows: &[SaleRow]) -> Ledger {
        for (i, (buyer, seller, start, end, rps, service)) in rows.iter().enumerate() {
            l.db.execute(
                "INSERT INTO sales (buyer, seller, window_start, window_end, rps, unit_price, total, mechanism,
                                    source_id, created_at, service, currency)
                 VALUES (?1, ?2, ?3, ?4, ?5, 1, ?5, 'auction', ?6, 0, ?7, 'EUR')",
                args![*buyer, *seller, *start, *end, *rps, i as i64, *service],
            )
            .unwrap();
        }
        l
    }

    #[test]
    fn the_schedule_holds_what_holdings_at_says_at_every_moment_it_covers() {
        crate::ledger::test_backends::each_backend(|fresh| {
            let l = with_sales(
                fresh,
                &[
                    ("shop", None, 0, 3_600, 30, "guaranteed"),
                    ("shop", None, 0, 3_600, 20, "guaranteed"),
                    ("news", Some("shop"), 1_800, 3_600, 10, "guaranteed"),
                    ("news", None, 600, 7_200, 5, "best-effort"),
                    ("blog", None, 3_600, 7_200, 8, "guaranteed"),
                    ("late", None, 90_000, 99_000, 8, "guaranteed"),
                ],
            );
            let s = l.sale_schedule(0, 7_200).unwrap();
            assert_eq!(s.windows.len(), 5, "shop's two sales over one window are one row; late is not in it");
            for t in [0, 599, 600, 1_799, 1_800, 3_599, 3_600, 7_199] {
                assert_eq!(s.holdings_at(t).unwrap(), l.holdings_at(t).unwrap(), "at {t}");
            }
            assert_eq!(s.holdings_at(7_200), None);
            let shop = |t| s.holdings_at(t).unwrap().into_iter().find(|h| h.buyer == "shop").map(|h| h.guaranteed_rps);
            assert_eq!((shop(0), shop(1_800), shop(3_600)), (Some(50), Some(40), None));
        });
    }
}
