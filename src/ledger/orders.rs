//! The continuous market in the ledger: each order is checked, matched and recorded in one
//! writing transaction (`BEGIN IMMEDIATE` on SQLite, `SERIALIZABLE` on PostgreSQL), so
//! concurrent invocations never oversell or lose an order.
//!
//! **Kept by triggers:** `offers.sold` rises by each trade the operator sells (a sale with no
//! seller, mechanism `order`); `offers.reserved` follows the operator's open asks (`remaining`
//! while `status` is `open`, on insert and on every change of either). A buyer's resale ask
//! holds no offer. `ledger check` recounts both (`ledger/invariants.rs`).
//!
//! A batch (`--file`) shares one transaction per group of orders. Each order is checked and
//! matched in memory before anything of it is written, and written as it ends (open, filled or
//! cancelled), so a refused order leaves nothing to undo and needs no savepoint; bids that
//! meet no ask change nothing but their own rows, which the group writes together
//! (`ledger/unwritten_orders.rs`), with ids it gives out itself under its lock
//! (`ledger/order_ids.rs`). A group whose writes fail is placed again one order at a time, each
//! in a savepoint; see [`Ledger::place_orders`].
//!
//! Matching runs on an in-memory [`Book`] rebuilt from the open orders of the window. A
//! [`BookCache`] keeps books between orders of one process (a `--file` batch). It throws them
//! away whenever the ledger's change counter says another connection has changed it since, so a
//! cached book is always the ledger's book: on SQLite `PRAGMA data_version` (it moves when
//! another connection commits); on PostgreSQL the sequence `orders_changes`, which a trigger
//! bumps before every statement that changes `orders` (PostgreSQL migration 2). The cache
//! keeps the number it saw at the end of its last committed group; while a group runs, and
//! after any group that failed, it holds none, so a rolled-back attempt is never trusted.
//!
//! Why the PostgreSQL number is enough: a group takes `LOCK TABLE orders IN SHARE ROW
//! EXCLUSIVE MODE` before its snapshot. That lock conflicts with the ROW EXCLUSIVE lock every
//! writer of `orders` holds from its first change to its commit, so while a group holds it no
//! other transaction has an uncommitted change to `orders`, and the snapshot sees every
//! committed one. If the sequence reads the same at the next group's start as at the previous
//! group's end, no statement has changed `orders` in between. Without the counter every
//! group reloaded its window's book, which for a batch of 100,000 bids that all rest is the
//! sum of 1,563 growing books, some 78 million rows.

use std::collections::HashMap;

use super::db::{Db, Dialect, Row, TxKind, args};

use super::order_ids::OrderIds;
use super::supply::{self, Excluding};
use super::unwritten_orders::UnwrittenOrders;
use super::{Ledger, LedgerError, MarketError};
use crate::core::auction::total_for_window;
use crate::core::book::{Book, Fill, Order, Side, Submission, TimeInForce};
use crate::core::holding::{HoldingChange, least_holding};
use crate::core::money::{self, Money};
use crate::core::supply::unsold;
use crate::core::window::Window;

/// An order to place; `owner: None` is the network operator (asks only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrder {
    pub side: Side,
    pub owner: Option<String>,
    pub window: Window,
    pub rps: i64,
    pub limit: Money,
    pub tif: TimeInForce,
    /// What `limit` is in; a window's book trades in one currency.
    pub currency: String,
}

/// Where an order is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderStatus {
    Open,
    Filled,
    Cancelled,
}

impl OrderStatus {
    /// The name in the ledger.
    pub fn name(self) -> &'static str {
        match self {
            OrderStatus::Open => "open",
            OrderStatus::Filled => "filled",
            OrderStatus::Cancelled => "cancelled",
        }
    }
}

/// An order as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredOrder {
    pub id: i64,
    pub side: Side,
    pub owner: Option<String>,
    pub window: Window,
    pub rps: i64,
    /// Still resting (open), or left unfilled (cancelled).
    pub remaining: i64,
    pub limit: Money,
    pub tif: TimeInForce,
    pub status: OrderStatus,
    pub placed_at: i64,
    pub currency: String,
}

/// One trade, recorded as a sale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trade {
    pub sale_id: i64,
    pub buy_order: i64,
    pub sell_order: i64,
    pub buyer: String,
    pub seller: Option<String>,
    pub rps: i64,
    pub price: Money,
    /// The sale's total for the window.
    pub total: Money,
}

/// What placing an order did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placed {
    pub order: StoredOrder,
    pub trades: Vec<Trade>,
    /// Rps left resting (GTC).
    pub rested: i64,
    /// Rps cancelled (the IOC remainder).
    pub cancelled: i64,
}

/// Books kept between orders of one process; see the module docs.
#[derive(Debug, Default)]
pub struct BookCache {
    /// The ledger's change counter when `books` were last known to be its books; `None`
    /// while a group runs and after one failed.
    data_version: Option<i64>,
    books: HashMap<Window, OwnedBook>,
    loads: u64,
}

impl BookCache {
    /// How many books it has read from the ledger: what the cache did not save.
    pub fn loads(&self) -> u64 {
        self.loads
    }
}

/// A book and the names behind its owner numbers (0 is the operator).
#[derive(Debug, Default)]
pub struct OwnedBook {
    pub book: Book,
    /// What its resting orders are priced in (all alike); `None` before any rested.
    pub currency: Option<String>,
    names: Vec<Option<String>>,
    ids: HashMap<String, u32>,
}

impl OwnedBook {
    fn owner_id(&mut self, owner: Option<&str>) -> u32 {
        let Some(name) = owner else {
            return 0;
        };
        if self.names.is_empty() {
            self.names.push(None);
        }
        if let Some(&id) = self.ids.get(name) {
            return id;
        }
        let id = self.names.len() as u32;
        self.names.push(Some(name.to_string()));
        self.ids.insert(name.to_string(), id);
        id
    }

    /// The name of owner `id` (`None`: the operator).
    pub fn owner_name(&self, id: u32) -> Option<&str> {
        self.names.get(id as usize).and_then(|n| n.as_deref())
    }
}

pub(super) fn side_name(side: Side) -> &'static str {
    match side {
        Side::Buy => "buy",
        Side::Sell => "sell",
    }
}

pub(super) fn tif_name(tif: TimeInForce) -> &'static str {
    match tif {
        TimeInForce::Gtc => "gtc",
        TimeInForce::Ioc => "ioc",
    }
}

fn order_from(r: &Row<'_>) -> Result<StoredOrder, LedgerError> {
    let text = |i: usize| -> Result<String, LedgerError> { r.get(i) };
    Ok(StoredOrder {
        id: r.get(0)?,
        side: if text(1)? == "buy" { Side::Buy } else { Side::Sell },
        owner: r.get(2)?,
        window: Window { start: r.get(3)?, end: r.get(4)? },
        rps: r.get(5)?,
        remaining: r.get(6)?,
        limit: Money(r.get(7)?),
        tif: if text(8)? == "ioc" { TimeInForce::Ioc } else { TimeInForce::Gtc },
        status: match text(9)?.as_str() {
            "open" => OrderStatus::Open,
            "filled" => OrderStatus::Filled,
            _ => OrderStatus::Cancelled,
        },
        placed_at: r.get(10)?,
        currency: r.get(11)?,
    })
}

const ORDER_COLUMNS: &str =
    "id, side, owner, window_start, window_end, rps, remaining, limit_price, tif, status, placed_at, currency";

/// Loads the open orders of `window` placed before order `before`, in priority (id) order.
fn load_book(db: &Db, window: Window, before: i64) -> Result<OwnedBook, MarketError> {
    let mut owned = OwnedBook::default();
    let mut failure = None;
    db.for_each(
        "SELECT id, side, owner, remaining, limit_price, tif, currency FROM orders
         WHERE window_start = ?1 AND window_end = ?2 AND status = 'open' AND id < ?3 ORDER BY id",
        args![window.start, window.end, before],
        |r| {
            if failure.is_some() {
                return Ok(());
            }
            let owner: Option<String> = r.get(2)?;
            let currency: String = r.get(6)?;
            match &owned.currency {
                None => owned.currency = Some(currency),
                Some(c) if *c != currency => {
                    failure = Some(format!("the book of {window} holds orders in {c} and {currency}"));
                    return Ok(());
                }
                Some(_) => {}
            }
            let order = Order {
                id: r.get(0)?,
                side: if r.get::<String>(1)? == "buy" { Side::Buy } else { Side::Sell },
                owner: owned.owner_id(owner.as_deref()),
                rps: r.get(3)?,
                limit: Money(r.get(4)?),
                tif: if r.get::<String>(5)? == "ioc" { TimeInForce::Ioc } else { TimeInForce::Gtc },
            };
            if let Err(e) = owned.book.rest(order) {
                failure = Some(e.to_string());
            }
            Ok(())
        },
    )?;
    match failure {
        Some(why) => Err(MarketError::Corrupt(why)),
        None => Ok(owned),
    }
}

/// What `buyer` holds over `window` net of what it sold and offers for resale.
fn holding(db: &Db, buyer: &str, window: Window) -> Result<i64, MarketError> {
    let changes = db.query(
        "SELECT window_start, window_end, rps FROM sales
          WHERE buyer = ?1 AND service = 'guaranteed' AND window_start < ?3 AND window_end > ?2
         UNION ALL
         SELECT window_start, window_end, -rps FROM sales WHERE seller = ?1 AND window_start < ?3 AND window_end > ?2
         UNION ALL
         SELECT window_start, window_end, -remaining FROM orders
          WHERE owner = ?1 AND side = 'sell' AND status = 'open' AND window_start < ?3 AND window_end > ?2",
        args![buyer, window.start, window.end],
        |r| Ok(HoldingChange { start: r.get(0)?, end: r.get(1)?, rps: r.get(2)? }),
    )?;
    Ok(least_holding(window, &changes))
}

/// Orders of a batch that share one transaction.
const GROUP: usize = 64;

impl Ledger {
    /// Checks, matches and records one order in one immediate transaction.
    pub fn place_order(&mut self, new: &NewOrder, now: i64, cache: &mut BookCache) -> Result<Placed, MarketError> {
        let mut result = None;
        self.place_orders(std::slice::from_ref(new), now, cache, |_, r| result = Some(r))?;
        result.unwrap_or(Err(MarketError::Corrupt("an order went unanswered".into())))
    }

    /// Places orders in turn, reporting each one's result (by index) to `each`.
    ///
    /// Every order is checked, matched and recorded atomically: checked and matched before any
    /// of it is written, a bid that meets no ask written with the group's other such bids in
    /// one statement; if a write fails, the group is placed again one order at a time, each in
    /// a savepoint. A refused order (no supply, not held) leaves no trace, not even a gap in the
    /// ids, and the orders around it go on. Up to 64 orders (`GROUP`) share one
    /// writing transaction (`BEGIN IMMEDIATE`, or `LOCK TABLE orders` at `SERIALIZABLE`), so a
    /// batch pays for one commit per group instead of one per order; no other process writes
    /// in between, so none can oversell or see half an order. Results are reported only once
    /// their group has committed.
    /// A ledger failure (I/O, a corrupt book) stops the batch: the orders before it in its group
    /// are committed and reported, and the error is returned.
    pub fn place_orders(
        &mut self,
        orders: &[NewOrder],
        now: i64,
        cache: &mut BookCache,
        mut each: impl FnMut(usize, Result<Placed, MarketError>),
    ) -> Result<(), MarketError> {
        for (group, chunk) in orders.chunks(GROUP).enumerate() {
            // A failure of the batched attempt, whatever it was, is found again one order at a
            // time, which commits the orders before it (`ledger/unwritten_orders.rs`).
            let placed = self
                .db
                .transaction(TxKind::Write, |db| place_group(db, chunk, now, cache, Writing::Batched))
                .or_else(|_| {
                    cache.books.clear();
                    self.db.transaction(TxKind::Write, |db| place_group(db, chunk, now, cache, Writing::OneByOne))
                });
            let (results, fatal) = match placed {
                Ok(placed) => {
                    // Committed: the books are the ledger's as of this number.
                    cache.data_version = Some(placed.version);
                    (placed.results, placed.fatal)
                }
                Err(e) => {
                    cache.books.clear();
                    return Err(e);
                }
            };
            for (i, result) in results.into_iter().enumerate() {
                each(group * GROUP + i, result);
            }
            if let Some(e) = fatal {
                return Err(e);
            }
        }
        Ok(())
    }

    /// Cancels an open order.
    pub fn cancel_order(&mut self, id: i64) -> Result<StoredOrder, MarketError> {
        self.db.transaction(TxKind::Write, |db| {
            let order = load_order(db, id)?;
            if order.status != OrderStatus::Open {
                return Err(MarketError::OrderClosed { id, status: order.status.name().into() });
            }
            db.execute("UPDATE orders SET status = 'cancelled' WHERE id = ?1", args![id])?;
            load_order(db, id)
        })
    }

    /// Orders, newest first; only open ones when `open_only`.
    pub fn orders(&self, open_only: bool) -> Result<Vec<StoredOrder>, LedgerError> {
        self.db.query(
            &format!("SELECT {ORDER_COLUMNS} FROM orders WHERE NOT ?1 OR status = 'open' ORDER BY id DESC"),
            args![open_only],
            order_from,
        )
    }

    /// The book of `window` as it stands.
    pub fn book(&mut self, window: Window) -> Result<OwnedBook, MarketError> {
        self.db.transaction(TxKind::Read, |db| load_book(db, window, i64::MAX))
    }
}

/// One group of a batch, in its transaction.
struct GroupResult {
    /// Each order's result.
    results: Vec<Result<Placed, MarketError>>,
    /// The ledger failure that stopped the group early, if one did.
    fatal: Option<MarketError>,
    /// The change counter the cached books match once the group has committed.
    version: i64,
}

/// The ledger's change counter; see the module docs.
fn change_counter(db: &Db) -> Result<i64, LedgerError> {
    match db.dialect() {
        Dialect::Sqlite => db.query_row("PRAGMA data_version", args![], |r| r.get(0)),
        // Read outside any snapshot: a sequence shows its latest value. `last_value` is the
        // start value both before and after the first `nextval`; `is_called` tells them apart.
        Dialect::Postgres => db.query_row(
            "SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM orders_changes",
            args![],
            |r| r.get(0),
        ),
    }
}

/// How a group writes its orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Writing {
    /// Bids that trade nothing together, in one statement ([`UnwrittenOrders`]); every other
    /// order by itself, without a savepoint: it is checked and matched before anything is
    /// written, so a refused one leaves nothing to undo, and a failed write fails the group.
    Batched,
    /// Each order in its own savepoint: how a group that failed batched is placed again, so
    /// that the order that fails is told from the ones that do not.
    OneByOne,
}

/// [`Ledger::place_orders`]'s group `chunk`, inside its transaction.
fn place_group(
    db: &Db,
    chunk: &[NewOrder],
    now: i64,
    cache: &mut BookCache,
    writing: Writing,
) -> Result<GroupResult, MarketError> {
    if db.dialect() == Dialect::Postgres {
        // Writers of the book queue here, as `BEGIN IMMEDIATE` queues them on SQLite. They
        // all update the same rows (the window's offers, the resting orders), so at
        // SERIALIZABLE alone 8 of them starve one another: 12 attempts with backoff ran
        // out for a fifth of the racers in tests/cli/race.rs. `LOCK TABLE` takes no
        // snapshot, so taken first it is waited for before this transaction's snapshot,
        // which then sees the previous writer's commit; readers (ACCESS SHARE) never wait.
        // It is also what makes the change counter enough (module docs).
        db.batch("LOCK TABLE orders IN SHARE ROW EXCLUSIVE MODE")?;
    }
    let version = change_counter(db)?;
    // Taken: until this group commits, the books are not known to be the ledger's.
    if cache.data_version.take() != Some(version) {
        cache.books.clear();
    }
    let mut ids = OrderIds::read(db)?;
    let mut unwritten = UnwrittenOrders::default();
    let mut results = Vec::with_capacity(chunk.len());
    let mut fatal = None;
    for new in chunk {
        let mark = ids.mark();
        let placed = match place_without_trading(new, now, cache, &mut ids, writing) {
            Some(Ok(placed)) => {
                unwritten.push(placed.order.clone());
                Ok(placed)
            }
            Some(Err(e)) => Err(e),
            None => {
                // Before any statement that may read `orders`.
                unwritten.write(db)?;
                match writing {
                    // Nothing written unless it is placed, so no savepoint (a round trip an
                    // order on PostgreSQL); a write that fails fails the group, which is then
                    // placed again one by one.
                    Writing::Batched => match match_order(db, new, now, cache, &mut ids) {
                        Ok(matched) => Ok(write_matched(db, matched, cache)?),
                        Err(e) => Err(e),
                    },
                    Writing::OneByOne => db.savepoint(|db| {
                        let matched = match_order(db, new, now, cache, &mut ids)?;
                        write_matched(db, matched, cache)
                    }),
                }
            }
        };
        match placed {
            Ok(placed) => results.push(Ok(placed)),
            Err(e) => {
                // Refused before anything was written, or rolled back: either way the book
                // may be half-matched, and the order's id is free again.
                cache.books.remove(&new.window);
                ids.rewind(mark);
                if db.must_retry() {
                    return Err(e);
                }
                if matches!(e, MarketError::Ledger(_) | MarketError::Corrupt(_)) {
                    fatal = Some(e);
                    break;
                }
                results.push(Err(e));
            }
        }
    }
    unwritten.write(db)?;
    ids.save(db)?;
    Ok(GroupResult { results, fatal, version: end_version(db, version)? })
}

/// Places `new` without a statement if it is a bid that meets no ask in a book already held:
/// it trades nothing, so all it changes in the ledger is its own row, which the caller writes
/// later with others ([`UnwrittenOrders`]). `None`: it is matched and written by itself
/// ([`match_order`], [`write_matched`]). Asks always are: selling reads the ledger
/// (`check_can_sell`), and the operator's asks hold offers by a trigger that the next ask's
/// check must see.
fn place_without_trading(
    new: &NewOrder,
    now: i64,
    cache: &mut BookCache,
    ids: &mut OrderIds,
    writing: Writing,
) -> Option<Result<Placed, MarketError>> {
    if writing != Writing::Batched || new.side != Side::Buy || new.owner.is_none() {
        return None;
    }
    let owned = cache.books.get_mut(&new.window)?;
    if owned.book.meets(new.side, new.limit) {
        return None;
    }
    Some(rest_untraded(owned, new, now, ids))
}

/// [`place_without_trading`] once it is known to trade nothing: the checks [`match_order`] makes,
/// then the book.
fn rest_untraded(owned: &mut OwnedBook, new: &NewOrder, now: i64, ids: &mut OrderIds) -> Result<Placed, MarketError> {
    check_order(new)?;
    check_currency(owned, new)?;
    owned.currency = Some(new.currency.clone());
    let id = ids.take();
    let owner = owned.owner_id(new.owner.as_deref());
    let order = Order { id, side: new.side, owner, rps: new.rps, limit: new.limit, tif: new.tif };
    let submission = owned.book.submit(order).map_err(|e| MarketError::Corrupt(e.to_string()))?;
    if !submission.fills.is_empty() {
        return Err(MarketError::Corrupt(format!("order #{id} traded in a book it did not meet")));
    }
    let (remaining, status) = outcome(&submission);
    let order = stored(new, id, now, remaining, status);
    Ok(Placed { order, trades: Vec::new(), rested: submission.rested, cancelled: submission.cancelled })
}

/// The checks of an order that need no ledger.
fn check_order(new: &NewOrder) -> Result<(), MarketError> {
    money::check_rps(new.rps)?;
    money::check_price(new.limit)?;
    money::check_window_secs(new.window.secs(), new.window)?;
    Ok(())
}

/// One book, one currency: a price in another is not comparable with those resting.
fn check_currency(owned: &OwnedBook, new: &NewOrder) -> Result<(), MarketError> {
    match owned.currency.as_ref().filter(|c| !owned.book.is_empty() && **c != new.currency) {
        Some(theirs) => Err(MarketError::Currency {
            what: format!("the book of {}", new.window),
            theirs: theirs.clone(),
            given: new.currency.clone(),
        }),
        None => Ok(()),
    }
}

/// What is left of an order after its submission, and its status.
fn outcome(submission: &Submission) -> (i64, OrderStatus) {
    let status = match (submission.rested, submission.cancelled) {
        (0, 0) => OrderStatus::Filled,
        (0, _) => OrderStatus::Cancelled,
        _ => OrderStatus::Open,
    };
    (submission.rested + submission.cancelled, status)
}

/// The order as recorded.
fn stored(new: &NewOrder, id: i64, now: i64, remaining: i64, status: OrderStatus) -> StoredOrder {
    StoredOrder {
        id,
        side: new.side,
        owner: new.owner.clone(),
        window: new.window,
        rps: new.rps,
        remaining,
        limit: new.limit,
        tif: new.tif,
        status,
        placed_at: now,
        currency: new.currency.clone(),
    }
}

/// The change counter to keep once the group commits: on SQLite the one read at its start
/// (`data_version` does not count this connection's own commits); on PostgreSQL the one now,
/// which counts this group's own changes and, the lock held, no one else's.
fn end_version(db: &Db, start: i64) -> Result<i64, LedgerError> {
    match db.dialect() {
        Dialect::Sqlite => Ok(start),
        Dialect::Postgres => change_counter(db),
    }
}

/// An order checked and matched in memory ([`match_order`]), not yet written.
struct Matched {
    /// The window's book, the order matched into it; back in the cache once written.
    owned: OwnedBook,
    /// The order as it ends.
    order: StoredOrder,
    /// Its trades, their sale ids still 0.
    trades: Vec<Trade>,
    fills: Vec<Fill>,
    rested: i64,
    cancelled: i64,
}

/// One order's checks and its match against the (cached) book, reading the ledger but writing
/// nothing: an order refused here leaves nothing to undo. Its book is out of the cache until
/// [`write_matched`] puts it back; on an error it is dropped (it may be half-matched) and rebuilt
/// from the ledger next time.
fn match_order(
    db: &Db,
    new: &NewOrder,
    now: i64,
    cache: &mut BookCache,
    ids: &mut OrderIds,
) -> Result<Matched, MarketError> {
    check_order(new)?;
    check_can_sell(db, new)?;
    // Every open order of the window is older than this one, which is not written yet.
    let mut owned = match cache.books.remove(&new.window) {
        Some(owned) => owned,
        None => {
            cache.loads += 1;
            load_book(db, new.window, i64::MAX)?
        }
    };
    check_currency(&owned, new)?;
    owned.currency = Some(new.currency.clone());
    let id = ids.take();
    let owner = owned.owner_id(new.owner.as_deref());
    let order = Order { id, side: new.side, owner, rps: new.rps, limit: new.limit, tif: new.tif };
    let submission = owned.book.submit(order).map_err(|e| MarketError::Corrupt(e.to_string()))?;
    let trades = trades_of(&owned, new, id, &submission)?;
    let (remaining, status) = outcome(&submission);
    Ok(Matched {
        order: stored(new, id, now, remaining, status),
        trades,
        fills: submission.fills,
        rested: submission.rested,
        cancelled: submission.cancelled,
        owned,
    })
}

/// Writes a matched order: its row as it ends (one statement, not an INSERT and an UPDATE:
/// the triggers see the same changes either way, an ask holding offers for what rests of it
/// and its trades selling them), its sales, and the fills off the resting orders.
fn write_matched(db: &Db, matched: Matched, cache: &mut BookCache) -> Result<Placed, MarketError> {
    let Matched { owned, order, mut trades, fills, rested, cancelled } = matched;
    db.execute(
        "INSERT INTO orders (id, side, owner, window_start, window_end, rps, remaining, limit_price, tif, status,
                             placed_at, currency)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        args![
            order.id,
            side_name(order.side),
            order.owner,
            order.window.start,
            order.window.end,
            order.rps,
            order.remaining,
            order.limit.micros(),
            tif_name(order.tif),
            order.status.name(),
            order.placed_at,
            order.currency
        ],
    )?;
    for trade in &mut trades {
        trade.sale_id = db.query_row(
            "INSERT INTO sales (buyer, seller, window_start, window_end, rps, unit_price, total, mechanism, source_id,
                                buy_order, sell_order, created_at, currency)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'order', ?8, ?9, ?10, ?11, ?12) RETURNING id",
            args![
                trade.buyer,
                trade.seller,
                order.window.start,
                order.window.end,
                trade.rps,
                trade.price.micros(),
                trade.total.micros(),
                order.id,
                trade.buy_order,
                trade.sell_order,
                order.placed_at,
                order.currency
            ],
            |r| r.get(0),
        )?;
    }
    take_fills(db, &fills)?;
    cache.books.insert(order.window, owned);
    Ok(Placed { order, trades, rested, cancelled })
}

fn load_order(db: &Db, id: i64) -> Result<StoredOrder, MarketError> {
    db.query_opt(&format!("SELECT {ORDER_COLUMNS} FROM orders WHERE id = ?1"), args![id], order_from)?
        .ok_or(MarketError::NoOrder(id))
}

/// The operator sells only unsold offered capacity; a buyer only what it holds.
fn check_can_sell(db: &Db, new: &NewOrder) -> Result<(), MarketError> {
    match (new.side, &new.owner) {
        (Side::Buy, None) => Err(MarketError::BuyerNeeded),
        (Side::Buy, Some(_)) => Ok(()),
        (Side::Sell, None) => {
            let available = unsold(new.window, &supply::slots(db, new.window, Excluding::default())?)?;
            if new.rps > available {
                return Err(MarketError::Oversold {
                    window: new.window.to_string(),
                    wanted: new.rps,
                    unsold: available,
                });
            }
            Ok(())
        }
        (Side::Sell, Some(buyer)) => {
            let held = holding(db, buyer, new.window)?;
            if new.rps > held {
                return Err(MarketError::NotHeld {
                    buyer: buyer.clone(),
                    window: new.window.to_string(),
                    held,
                    wanted: new.rps,
                });
            }
            Ok(())
        }
    }
}

/// The trades of order `id`'s fills, their sale ids still 0. A resting order from before the
/// bounds could make a total past the ledger: the order is refused before anything is
/// written, never recorded with a saturated total.
fn trades_of(owned: &OwnedBook, new: &NewOrder, id: i64, submission: &Submission) -> Result<Vec<Trade>, MarketError> {
    let mut trades = Vec::with_capacity(submission.fills.len());
    for fill in &submission.fills {
        let (buy_order, sell_order) = match new.side {
            Side::Buy => (fill.incoming, fill.resting),
            Side::Sell => (fill.resting, fill.incoming),
        };
        let buyer = owned
            .owner_name(fill.buyer_owner)
            .ok_or_else(|| MarketError::Corrupt("a buy order without a buyer".into()))?;
        let per_hour = i128::from(fill.rps) * i128::from(fill.price.micros());
        let total = total_for_window(per_hour, new.window.secs())
            .map_err(|e| money::Overflow(format!("the trade of order #{id} with #{}: {}", fill.resting, e.0)))?;
        trades.push(Trade {
            sale_id: 0,
            buy_order,
            sell_order,
            buyer: buyer.to_string(),
            seller: owned.owner_name(fill.seller_owner).map(str::to_string),
            rps: fill.rps,
            price: fill.price,
            total,
        });
    }
    Ok(trades)
}

/// Takes the fills off the resting orders they filled, one statement each. (One `UPDATE … FROM`
/// a table of all an order's fills was tried: 3.6 ms a statement on PostgreSQL, against 0.15 ms
/// for each single-row UPDATE.)
fn take_fills(db: &Db, fills: &[Fill]) -> Result<(), MarketError> {
    for fill in fills {
        let taken = db.execute(
            "UPDATE orders SET remaining = remaining - ?2,
                               status = CASE WHEN remaining - ?2 = 0 THEN 'filled' ELSE status END
             WHERE id = ?1 AND status = 'open' AND remaining >= ?2",
            args![fill.resting, fill.rps],
        )?;
        if taken != 1 {
            return Err(MarketError::Corrupt(format!(
                "resting order #{} is not open with {} rps",
                fill.resting, fill.rps
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::NewOffer;

    fn window() -> Window {
        Window::new(0, 2 * 3600).unwrap()
    }

    fn ledger(mut l: Ledger, offered: i64) -> Ledger {
        let offers: Vec<NewOffer> =
            (0..2).map(|h| NewOffer { slot: Window::new(h * 3600, 3600).unwrap(), rps: offered }).collect();
        l.save_offers(&offers, 0, "t").unwrap();
        l
    }

    fn order(side: Side, owner: Option<&str>, rps: i64, limit: i64, tif: TimeInForce) -> NewOrder {
        NewOrder {
            side,
            owner: owner.map(str::to_string),
            window: window(),
            rps,
            limit: Money(limit),
            tif,
            currency: "EUR".into(),
        }
    }

    #[test]
    fn asks_are_bounded_by_unsold_capacity_and_trades_are_sales() {
        crate::ledger::test_backends::each_backend(|fresh| {
            let mut l = ledger(fresh, 100);
            let mut cache = BookCache::default();
            l.place_order(&order(Side::Sell, None, 60, 10, TimeInForce::Gtc), 1, &mut cache).unwrap();
            let err = l.place_order(&order(Side::Sell, None, 41, 9, TimeInForce::Gtc), 2, &mut cache).unwrap_err();
            assert_eq!(err.to_string(), "only 40 rps are unsold in every slot of 1970-01-01T00:00Z/2h; asked for 41");
            // An auction cannot take what the ask holds either.
            let auction = NewAuction {
                window: window(),
                rps: Some(41),
                rule: crate::core::auction::Rule::Uniform,
                reserve: Money(0),
                closes_at: None,
                service: Default::default(),
                currency: "EUR".into(),
            };
            assert!(l.create_auction(&auction, 3).is_err());

            let placed =
                l.place_order(&order(Side::Buy, Some("shop"), 25, 12, TimeInForce::Ioc), 4, &mut cache).unwrap();
            assert_eq!((placed.trades.len(), placed.rested, placed.cancelled), (1, 0, 0));
            assert_eq!(
                (placed.trades[0].rps, placed.trades[0].price, placed.trades[0].seller.as_deref()),
                (25, Money(10), None)
            );
            let sales = l.sales(Some("shop"), None).unwrap();
            assert_eq!(
                (sales[0].rps, sales[0].unit_price, sales[0].total, sales[0].mechanism.as_str()),
                (25, Money(10), Money(500), "order")
            );
            // Resale: shop holds 25 and may sell them, not more.
            let err =
                l.place_order(&order(Side::Sell, Some("shop"), 26, 20, TimeInForce::Gtc), 5, &mut cache).unwrap_err();
            assert_eq!(
                err.to_string(),
                "shop holds only 25 rps in every slot of 1970-01-01T00:00Z/2h; asked to sell 26"
            );
            l.place_order(&order(Side::Sell, Some("shop"), 25, 20, TimeInForce::Gtc), 6, &mut cache).unwrap();
            let resale =
                l.place_order(&order(Side::Buy, Some("news"), 30, 25, TimeInForce::Gtc), 7, &mut cache).unwrap();
            // news buys the operator's remaining 35 at 10 first (best price), not shop's at 20.
            assert_eq!(resale.trades.iter().map(|t| (t.rps, t.price)).collect::<Vec<_>>(), [(30, Money(10))]);
            let open: Vec<(i64, i64)> = l.orders(true).unwrap().iter().map(|o| (o.id, o.remaining)).collect();
            assert_eq!(open, [(3, 25), (1, 5)]);
        });
    }

    #[test]
    fn a_refused_order_in_a_batch_leaves_no_trace() {
        crate::ledger::test_backends::each_backend(|fresh| {
            let mut l = ledger(fresh, 100);
            let batch = [
                order(Side::Sell, None, 60, 10, TimeInForce::Gtc),
                order(Side::Sell, None, 50, 10, TimeInForce::Gtc), // only 40 left: refused
                order(Side::Buy, Some("shop"), 10, 10, TimeInForce::Gtc),
            ];
            let mut results = Vec::new();
            l.place_orders(&batch, 1, &mut BookCache::default(), |i, r| results.push((i, r.map(|p| p.trades.len()))))
                .unwrap();
            assert_eq!(results.len(), 3);
            assert!(matches!(results[0], (0, Ok(0))));
            assert!(matches!(results[1], (1, Err(MarketError::Oversold { unsold: 40, .. }))));
            assert!(matches!(results[2], (2, Ok(1))));
            let kept: Vec<(i64, i64)> = l.orders(false).unwrap().iter().map(|o| (o.id, o.rps)).collect();
            assert_eq!(kept, [(2, 10), (1, 60)]);
            let reserved: i64 = l.db.query_row("SELECT MAX(reserved) FROM offers", args![], |r| r.get(0)).unwrap();
            assert_eq!(reserved, 50, "the refused ask promised nothing");
        });
    }

    #[test]
    fn bids_that_trade_nothing_are_written_together_and_an_ask_in_the_same_group_meets_them() {
        crate::ledger::test_backends::each_backend(|fresh| {
            let mut l = ledger(fresh, 100);
            let mut batch: Vec<NewOrder> =
                (0..5).map(|i| order(Side::Buy, Some("shop"), 2, 10 + i, TimeInForce::Gtc)).collect();
            batch.push(order(Side::Buy, Some("news"), i64::MAX, 1, TimeInForce::Gtc)); // too large: refused
            batch.push(order(Side::Buy, Some("news"), 3, 1, TimeInForce::Ioc)); // meets nothing
            batch.push(order(Side::Sell, None, 3, 13, TimeInForce::Gtc)); // meets #5 (14), #4 (13)
            let mut results = Vec::new();
            l.place_orders(&batch, 1, &mut BookCache::default(), |i, r| results.push((i, r))).unwrap();
            let ids: Vec<Option<i64>> = results.iter().map(|(_, r)| r.as_ref().ok().map(|p| p.order.id)).collect();
            // Ids in placement order, the refused bid leaving no gap.
            assert_eq!(ids, [Some(1), Some(2), Some(3), Some(4), Some(5), None, Some(6), Some(7)]);
            let ioc = results[6].1.as_ref().unwrap();
            assert_eq!((ioc.order.status, ioc.cancelled, ioc.rested), (OrderStatus::Cancelled, 3, 0));
            let ask = results[7].1.as_ref().unwrap();
            let trades: Vec<(i64, i64, i64)> = ask.trades.iter().map(|t| (t.buy_order, t.rps, t.price.0)).collect();
            assert_eq!(trades, [(5, 2, 14), (4, 1, 13)]);
            let kept: Vec<(i64, i64, &str)> =
                l.orders(false).unwrap().iter().map(|o| (o.id, o.remaining, o.status.name())).collect();
            assert_eq!(
                kept,
                [
                    (7, 0, "filled"),
                    (6, 3, "cancelled"),
                    (5, 0, "filled"),
                    (4, 1, "open"),
                    (3, 2, "open"),
                    (2, 2, "open"),
                    (1, 2, "open")
                ]
            );
            // PostgreSQL's identity sequence was moved past them, so a plain INSERT follows.
            if l.db.dialect() == Dialect::Postgres {
                let last: i64 = l.db.query_row("SELECT last_value FROM orders_id_seq", args![], |r| r.get(0)).unwrap();
                assert_eq!(last, 7);
            }
            let next =
                l.place_order(&order(Side::Buy, Some("api"), 1, 1, TimeInForce::Gtc), 2, &mut BookCache::default());
            assert_eq!(next.unwrap().order.id, 8);
            assert!(l.check_invariants().unwrap().iter().all(|i| i.violations == 0));
        });
    }

    #[test]
    fn when_writing_a_group_together_fails_its_orders_are_placed_one_by_one() {
        crate::ledger::test_backends::each_backend(|fresh| {
            let mut l = ledger(fresh, 100);
            // A ledger that refuses bids of `bad` as it writes them, as only the database can.
            match l.db.dialect() {
                Dialect::Sqlite => l.db.batch(
                    "CREATE TRIGGER refuse_bad BEFORE INSERT ON orders WHEN NEW.owner = 'bad'
                     BEGIN SELECT RAISE(ABORT, 'bad is refused'); END",
                ),
                Dialect::Postgres => l.db.batch(
                    "CREATE FUNCTION refuse_bad() RETURNS trigger LANGUAGE plpgsql AS
                       $$ BEGIN RAISE EXCEPTION 'bad is refused'; END $$;
                     CREATE TRIGGER refuse_bad BEFORE INSERT ON orders FOR EACH ROW
                       WHEN (NEW.owner = 'bad') EXECUTE FUNCTION refuse_bad()",
                ),
            }
            .unwrap();
            let batch = [
                order(Side::Buy, Some("shop"), 1, 10, TimeInForce::Gtc),
                order(Side::Buy, Some("shop"), 1, 11, TimeInForce::Gtc),
                order(Side::Buy, Some("bad"), 1, 12, TimeInForce::Gtc),
                order(Side::Buy, Some("shop"), 1, 13, TimeInForce::Gtc),
            ];
            let mut reported = Vec::new();
            let err = l
                .place_orders(&batch, 1, &mut BookCache::default(), |i, r| reported.push((i, r.unwrap().order.id)))
                .unwrap_err();
            assert!(err.to_string().contains("bad is refused"), "{err}");
            // The orders before the failing one are committed and reported, as one by one.
            assert_eq!(reported, [(0, 1), (1, 2)]);
            let kept: Vec<i64> = l.orders(false).unwrap().iter().map(|o| o.id).collect();
            assert_eq!(kept, [2, 1]);
        });
    }

    /// Two connections to one new ledger of `backend` (and the directory an SQLite one is in).
    fn two_connections(backend: Backend) -> (Ledger, Ledger, Option<tempfile::TempDir>) {
        let (db, dir) = match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().unwrap();
                (dir.path().join("l.db").to_string_lossy().into_owned(), Some(dir))
            }
            Backend::Postgres => (crate::ledger::test_backends::fresh_postgres_url(), None),
        };
        let location = Location::parse(&db, std::path::Path::new("")).unwrap();
        let open = || Ledger::open_location(&location, crate::ledger::OpenOptions::write("EUR")).unwrap();
        (open(), open(), dir)
    }

    #[test]
    fn a_cached_book_follows_other_connections() {
        for backend in backends() {
            eprintln!("backend: {backend:?}");
            let (a, mut b, _dir) = two_connections(backend);
            let mut a = ledger(a, 100);
            let (mut ca, mut cb) = (BookCache::default(), BookCache::default());
            let ask = a.place_order(&order(Side::Sell, None, 10, 5, TimeInForce::Gtc), 1, &mut ca).unwrap();
            // Nobody else wrote: the second order matches on the book the first left.
            a.place_order(&order(Side::Sell, None, 3, 9, TimeInForce::Gtc), 2, &mut ca).unwrap();
            assert_eq!(ca.loads(), 1);
            // b cancels the ask a has cached; a must not trade against it.
            b.cancel_order(ask.order.id).unwrap();
            let bid = a.place_order(&order(Side::Buy, Some("shop"), 10, 5, TimeInForce::Gtc), 3, &mut ca).unwrap();
            assert!(bid.trades.is_empty());
            assert_eq!(ca.loads(), 2);
            // and b, whose cache is cold, sees a's resting bid.
            let sell = b.place_order(&order(Side::Sell, None, 4, 5, TimeInForce::Ioc), 4, &mut cb).unwrap();
            assert_eq!(sell.trades.len(), 1);
            // b's trade changed a's bid: a sees 6 rps of it left, not 10.
            let sell = a.place_order(&order(Side::Sell, None, 10, 5, TimeInForce::Ioc), 5, &mut ca).unwrap();
            assert_eq!((sell.trades.iter().map(|t| t.rps).sum::<i64>(), sell.cancelled), (6, 4));
            // A change behind the ledger's back (another program's SQL) is seen too.
            b.db.execute("UPDATE orders SET status = 'cancelled' WHERE id = ?1", args![ask.order.id + 1]).unwrap();
            let buy = a.place_order(&order(Side::Buy, Some("news"), 3, 9, TimeInForce::Ioc), 6, &mut ca).unwrap();
            assert!(buy.trades.is_empty(), "{buy:?}");
        }
    }

    #[test]
    fn a_book_trades_in_one_currency() {
        crate::ledger::test_backends::each_backend(|fresh| {
            let mut l = ledger(fresh, 100);
            let mut cache = BookCache::default();
            let usd = |o: NewOrder| NewOrder { currency: "USD".into(), ..o };
            l.place_order(&usd(order(Side::Sell, None, 10, 5, TimeInForce::Gtc)), 1, &mut cache).unwrap();
            let err =
                l.place_order(&order(Side::Buy, Some("shop"), 10, 9, TimeInForce::Gtc), 2, &mut cache).unwrap_err();
            assert_eq!(
                err.to_string(),
                "the book of 1970-01-01T00:00Z/2h is priced in USD, not EUR: prices in two currencies cannot meet"
            );
            // A cold cache reads the same from the ledger.
            let err =
                l.place_order(&order(Side::Buy, Some("shop"), 10, 9, TimeInForce::Gtc), 2, &mut BookCache::default());
            assert!(matches!(err, Err(MarketError::Currency { .. })));
            let placed =
                l.place_order(&usd(order(Side::Buy, Some("shop"), 10, 9, TimeInForce::Gtc)), 3, &mut cache).unwrap();
            assert_eq!(placed.trades.len(), 1);
            assert_eq!(l.sales(None, None).unwrap()[0].currency, "USD");
            // Emptied, the book takes any currency.
            l.place_order(&order(Side::Sell, None, 10, 5, TimeInForce::Gtc), 4, &mut cache).unwrap();
            assert_eq!(l.orders(true).unwrap()[0].currency, "EUR");
        });
    }

    use crate::ledger::NewAuction;
    use crate::ledger::location::Location;
    use crate::ledger::test_backends::{Backend, backends};
}
