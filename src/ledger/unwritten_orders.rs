//! Orders a group has placed that traded nothing, waiting to be written together.
//!
//! A bid that meets no ask (or an ask no bid) changes nothing in the ledger but its own row:
//! no sale, no other order, no offer. A batch of them is therefore written as one multi-row
//! INSERT, before the group's next statement (which might read `orders`) and before it
//! commits, instead of one statement each. On PostgreSQL each statement is a round trip and a
//! trip through the executor, which is most of what a resting bid costs: 100,000 bids that all
//! rest went in at about 2,300 a second one by one.
//!
//! Nothing can make a written order differ from the one placed: every check the table's
//! constraints make was made before (`ledger/orders.rs`). Should the INSERT fail anyway, the
//! group's transaction fails and the group is placed again one order at a time, each in its
//! own savepoint, which tells the orders that fail from the ones that do not.

use super::LedgerError;
use super::db::{Db, Param};
use super::orders::{StoredOrder, side_name, tif_name};

/// Columns of one order row, in the INSERT's order.
const COLUMNS: &str =
    "id, side, owner, window_start, window_end, rps, remaining, limit_price, tif, status, placed_at, currency";
const PER_ROW: usize = 12;

/// Orders placed but not yet written, in placement (id) order.
#[derive(Debug, Default)]
pub struct UnwrittenOrders {
    orders: Vec<StoredOrder>,
}

impl UnwrittenOrders {
    /// Holds `order` until the next [`write`](UnwrittenOrders::write).
    pub fn push(&mut self, order: StoredOrder) {
        self.orders.push(order);
    }

    /// Writes every held order in one statement; none are held after it succeeds.
    pub fn write(&mut self, db: &Db) -> Result<(), LedgerError> {
        if self.orders.is_empty() {
            return Ok(());
        }
        let mut sql = format!("INSERT INTO orders ({COLUMNS}) VALUES ");
        for row in 0..self.orders.len() {
            let first = row * PER_ROW + 1;
            let placeholders: Vec<String> = (first..first + PER_ROW).map(|n| format!("?{n}")).collect();
            sql.push_str(if row == 0 { "(" } else { ", (" });
            sql.push_str(&placeholders.join(", "));
            sql.push(')');
        }
        let texts: Vec<[&str; 3]> =
            self.orders.iter().map(|o| [side_name(o.side), tif_name(o.tif), o.status.name()]).collect();
        let mut params: Vec<&dyn Param> = Vec::with_capacity(self.orders.len() * PER_ROW);
        for (o, [side, tif, status]) in self.orders.iter().zip(&texts) {
            params.extend([
                &o.id as &dyn Param,
                side,
                &o.owner,
                &o.window.start,
                &o.window.end,
                &o.rps,
                &o.remaining,
                &o.limit.0,
                tif,
                status,
                &o.placed_at,
                &o.currency,
            ]);
        }
        db.execute(&sql, &params)?;
        self.orders.clear();
        Ok(())
    }
}
