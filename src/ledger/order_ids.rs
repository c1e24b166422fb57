//! The ids a group of orders gives out, chosen by the group itself rather than by the
//! database, so an order can be matched and reported before its row is written (see
//! [`UnwrittenOrders`](super::unwritten_orders::UnwrittenOrders)).
//!
//! Why that is safe: only a group places orders, and a group holds the ledger's write lock for
//! orders (`BEGIN IMMEDIATE` on SQLite, `LOCK TABLE orders` on PostgreSQL; see
//! `ledger/orders.rs`) from before it reads the next id until it commits, so no other writer
//! can take an id in between. The ids are the ones the database would have given: on SQLite
//! one past the largest (what a rowid table does), on PostgreSQL the identity sequence's next
//! value, which [`OrderIds::save`] moves past the ids used before the commit. A sequence is not
//! rolled back, so a group that fails after saving leaves a gap, as a failed `nextval` would.

use super::LedgerError;
use super::db::{Db, Dialect, args};

/// The next order id of a group, and the first it started from.
#[derive(Debug)]
pub struct OrderIds {
    first: i64,
    next: i64,
}

impl OrderIds {
    /// The ids after every order in the ledger; call with the write lock held.
    pub fn read(db: &Db) -> Result<OrderIds, LedgerError> {
        let next: i64 = match db.dialect() {
            Dialect::Sqlite => db.query_row("SELECT COALESCE(MAX(id), 0) + 1 FROM orders", args![], |r| r.get(0))?,
            // `last_value` is the start value both before and after the first `nextval`;
            // `is_called` tells them apart. The largest id as well, in case rows were ever
            // written past the sequence (by hand): a clash would refuse every order after it.
            Dialect::Postgres => db.query_row(
                "SELECT GREATEST((SELECT CASE WHEN is_called THEN last_value + 1 ELSE last_value END
                                    FROM orders_id_seq),
                                 (SELECT COALESCE(MAX(id), 0) + 1 FROM orders))",
                args![],
                |r| r.get(0),
            )?,
        };
        Ok(OrderIds { first: next, next })
    }

    /// The id of the next order.
    pub fn take(&mut self) -> i64 {
        let id = self.next;
        self.next += 1;
        id
    }

    /// Where the ids stand, to [`rewind`](OrderIds::rewind) to if an order is refused.
    pub fn mark(&self) -> i64 {
        self.next
    }

    /// Gives back the ids taken since `mark`: a refused order leaves no gap.
    pub fn rewind(&mut self, mark: i64) {
        self.next = mark;
    }

    /// Moves PostgreSQL's identity sequence past the ids used, so that the next group (or any
    /// other insert) starts after them; nothing to do on SQLite.
    pub fn save(&self, db: &Db) -> Result<(), LedgerError> {
        if db.dialect() == Dialect::Sqlite || self.next == self.first {
            return Ok(());
        }
        db.query_row("SELECT setval('orders_id_seq', ?1)", args![self.next - 1], |r| r.get::<i64>(0))?;
        Ok(())
    }
}
