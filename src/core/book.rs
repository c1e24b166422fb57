//! A continuous limit order book for one sale window: capacity (rps) matched on arrival.
//!
//! One [`Book`] trades requests per second ("rps", whole numbers) for one fixed time window, at
//! [`Money`] per rps-hour. The rules:
//!
//! - **Matching on arrival, price-time priority.** An incoming order meets the opposite side best
//!   price first (lowest ask for a buy, highest bid for a sell) and, within a price, oldest first.
//!   It keeps matching while the resting price is within its limit and it has rps left.
//! - **Trades at the resting price.** The resting order set its price first; the incoming order
//!   gets any improvement over its own limit.
//! - **Partial fills.** A fill is the smaller of what the two orders have left; a resting order
//!   partly filled keeps its place in its queue.
//! - **Time in force.** What an incoming order has left after matching rests at the back of its
//!   price's queue ([`TimeInForce::Gtc`]) or is cancelled ([`TimeInForce::Ioc`]).
//! - **Self-trade prevention.** An incoming order never trades with a resting order of the same
//!   `owner`: it skips over it, the skipped order keeps its place, and matching goes on further
//!   down the book. Skipping rather than cancelling keeps one owner's orders from destroying each
//!   other, and lets the operator (owner 0) quote both ways without trading with itself.
//!
//! # What "never crossed" means here
//!
//! After every call that succeeds, **no resting bid and resting ask of different owners cross**:
//! for every resting buy `b` and sell `a`, `b.owner == a.owner || b.limit < a.limit`. (Induction:
//! an incoming order only rests after it has taken every crossing order of other owners, and
//! fills and cancels only remove orders; [`Book::rest`] refuses an order that would break it.)
//! Because of self-trade prevention `best_bid() >= best_ask()` *can* happen, but only when a
//! single owner holds every order priced inside `[best_ask, best_bid]` on both sides.
//!
//! # Cost
//!
//! Price levels live in a `BTreeMap` per side, each a FIFO queue threaded through one slab of
//! nodes (an intrusive doubly-linked list), with an id → node index. So resting is O(log levels),
//! cancelling is O(1) plus O(log levels) when the level empties, and matching costs
//! O(log levels) per level touched plus O(1) per fill. Skipped same-owner orders are walked over,
//! so an owner whose own orders cross the book pays for each one it skips.

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasherDefault, Hasher};
use std::ops::Bound;

use super::money::Money;

/// Which side of the book an order is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    /// A bid: wants capacity, pays at most `limit`.
    Buy,
    /// An ask: offers capacity, takes at least `limit`.
    Sell,
}

impl Side {
    /// The side an order of this side trades against.
    pub fn opposite(self) -> Side {
        match self {
            Side::Buy => Side::Sell,
            Side::Sell => Side::Buy,
        }
    }
}

/// What happens to what is left of an incoming order after matching.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimeInForce {
    /// Good till cancelled: the rest rests in the book.
    Gtc,
    /// Immediate or cancel: the rest is cancelled.
    Ioc,
}

/// An order. `owner`: 0 is the network operator, other values are buyers (ids the caller assigns).
///
/// In the book, `rps` is what is left to fill.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    pub id: i64,
    pub side: Side,
    pub owner: u32,
    pub rps: i64,
    pub limit: Money,
    pub tif: TimeInForce,
}

/// One trade: `rps` at `price` between an incoming and a resting order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fill {
    /// Id of the order being submitted.
    pub incoming: i64,
    /// Id of the resting order it traded with; its `limit` is the `price`.
    pub resting: i64,
    pub buyer_owner: u32,
    pub seller_owner: u32,
    pub rps: i64,
    pub price: Money,
}

/// What a submission did: `fills` rps + `rested` + `cancelled` is always the order's rps.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Submission {
    /// Trades in the order they happened (best price first, then oldest first).
    pub fills: Vec<Fill>,
    /// Rps left resting in the book (GTC).
    pub rested: i64,
    /// Rps cancelled (the IOC remainder).
    pub cancelled: i64,
}

/// One price level of depth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Level {
    pub price: Money,
    /// Sum of the remaining rps of the orders resting at this price.
    pub rps: i64,
    /// How many orders rest at this price.
    pub orders: usize,
}

/// Why an order was refused. A refused call leaves the book as it was.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BookError {
    #[error("order {id}: rps must be positive, got {rps}")]
    NotPositive { id: i64, rps: i64 },
    #[error("order {0} is already resting in the book")]
    Duplicate(i64),
    #[error("order {id} would cross resting order {resting} of another owner")]
    Crosses { id: i64, resting: i64 },
    #[error("order {id}: the rps resting at its price would exceed {max}", max = i64::MAX)]
    Overflow { id: i64 },
}

/// "No node": the end of a queue.
const NIL: usize = usize::MAX;

/// A resting order and its neighbours in its price level's queue.
#[derive(Debug, Clone)]
struct Node {
    order: Order,
    prev: usize,
    next: usize,
}

/// One price level: the ends of its queue (oldest at `head`) and running totals for depth.
#[derive(Debug, Clone, Copy)]
struct Queue {
    head: usize,
    tail: usize,
    rps: i64,
    orders: usize,
}

impl Queue {
    const EMPTY: Queue = Queue { head: NIL, tail: NIL, rps: 0, orders: 0 };
}

/// Hashes an order id with one multiply (Fibonacci hashing).
///
/// Ids are the caller's database row ids, not attacker-chosen, so the flooding resistance of the
/// default SipHash buys nothing here; with it the `book` bench's `submit_into_1m` ran at 7.7 M
/// orders/s instead of 12.
#[derive(Debug, Clone, Copy, Default)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only reached if something other than an i64 is hashed; stay correct, if slower.
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_i64(&mut self, id: i64) {
        // The high bits of the product mix every bit of the id; hashbrown takes its control
        // bits from the top and its bucket from the bottom, so fold the top back down too.
        let h = (id as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        self.0 = h ^ (h >> 32);
    }
}

type IdMap<V> = HashMap<i64, V, BuildHasherDefault<IdHasher>>;

/// A limit order book for one sale window. See the [module docs](self) for the rules.
#[derive(Debug, Clone, Default)]
pub struct Book {
    bids: BTreeMap<Money, Queue>,
    asks: BTreeMap<Money, Queue>,
    /// Every node ever used; freed ones are listed in `free` and reused first.
    nodes: Vec<Node>,
    free: Vec<usize>,
    /// Resting order id → its node.
    index: IdMap<usize>,
}

impl Book {
    /// An empty book.
    pub fn new() -> Book {
        Book::default()
    }

    /// Places a resting order without matching, at the back of its price's queue.
    ///
    /// This rebuilds a book from storage: add the resting orders in their original priority
    /// (arrival) order, with their *remaining* rps, and the book matches as before. `tif` is
    /// ignored (it only decides what happens on arrival). Refuses `rps <= 0`, an id already
    /// resting, and an order that crosses a resting order of another owner, which no sequence of
    /// submissions can produce and so means the stored state is not a book's.
    pub fn rest(&mut self, order: Order) -> Result<(), BookError> {
        self.check(&order, true)?;
        let crossing = self
            .orders(order.side.opposite())
            .take_while(|r| crosses(order.side, order.limit, r.limit))
            .find(|r| r.owner != order.owner);
        if let Some(r) = crossing {
            return Err(BookError::Crosses { id: order.id, resting: r.id });
        }
        self.insert(order);
        Ok(())
    }

    /// Matches an incoming order, then rests (GTC) or cancels (IOC) what is left.
    ///
    /// Refuses `rps <= 0` and an id already resting; ids of orders no longer in the book are not
    /// remembered, so keeping ids unique over time is the caller's job.
    pub fn submit(&mut self, order: Order) -> Result<Submission, BookError> {
        let mut fills = Vec::new();
        let (rested, cancelled) = self.submit_into(order, &mut fills)?;
        Ok(Submission { fills, rested, cancelled })
    }

    /// [`submit`](Book::submit), appending the fills to a caller's buffer (which it does not
    /// clear) so that a hot loop allocates nothing; returns `(rested, cancelled)`.
    pub fn submit_into(&mut self, order: Order, fills: &mut Vec<Fill>) -> Result<(i64, i64), BookError> {
        self.check(&order, order.tif == TimeInForce::Gtc)?;
        let left = self.take(&order, fills);
        Ok(match order.tif {
            TimeInForce::Gtc if left > 0 => {
                self.insert(Order { rps: left, ..order });
                (left, 0)
            }
            TimeInForce::Gtc => (0, 0),
            TimeInForce::Ioc => (0, left),
        })
    }

    /// Removes a resting order and returns it with its remaining rps; `None` if it is not resting.
    pub fn cancel(&mut self, id: i64) -> Option<Order> {
        let slot = self.index.remove(&id)?;
        let Book { bids, asks, nodes, free, .. } = self;
        let (side, price) = (nodes[slot].order.side, nodes[slot].order.limit);
        let levels = match side {
            Side::Buy => bids,
            Side::Sell => asks,
        };
        let queue = levels.get_mut(&price)?;
        unlink(nodes, queue, slot);
        if queue.orders == 0 {
            levels.remove(&price);
        }
        free.push(slot);
        Some(nodes[slot].order.clone())
    }

    /// A resting order, with its remaining rps.
    pub fn get(&self, id: i64) -> Option<&Order> {
        self.index.get(&id).map(|&slot| &self.nodes[slot].order)
    }

    /// The highest resting bid price.
    pub fn best_bid(&self) -> Option<Money> {
        self.bids.last_key_value().map(|(&p, _)| p)
    }

    /// The lowest resting ask price.
    pub fn best_ask(&self) -> Option<Money> {
        self.asks.first_key_value().map(|(&p, _)| p)
    }

    /// Whether an order on `side` at `limit` would meet a resting order on the other side,
    /// whoever owns it. An order that meets none rests whole (GTC) or is cancelled whole (IOC):
    /// its submission has no fills, which the ledger uses to write such orders in batches.
    pub fn meets(&self, side: Side, limit: Money) -> bool {
        let best = match side {
            Side::Buy => self.best_ask(),
            Side::Sell => self.best_bid(),
        };
        best.is_some_and(|price| crosses(side, limit, price))
    }

    /// Depth by price level: bids best (highest) first, asks best (lowest) first.
    pub fn depth(&self) -> (Vec<Level>, Vec<Level>) {
        let level = |(&price, q): (&Money, &Queue)| Level { price, rps: q.rps, orders: q.orders };
        (self.bids.iter().rev().map(level).collect(), self.asks.iter().map(level).collect())
    }

    /// The resting orders of one side in priority order: best price first, oldest first within
    /// a price. Each has its remaining rps.
    pub fn orders(&self, side: Side) -> impl Iterator<Item = &Order> {
        // Bids are walked from the top of the map, asks from the bottom; the two `Option`s give
        // one iterator type for both directions.
        let (up, down) = match side {
            Side::Buy => (None, Some(self.bids.values().rev())),
            Side::Sell => (Some(self.asks.values()), None),
        };
        up.into_iter().flatten().chain(down.into_iter().flatten()).flat_map(|q| self.queue(q.head))
    }

    /// How many orders are resting.
    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// Whether no order is resting.
    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// The checks shared by [`rest`](Book::rest) and [`submit`](Book::submit), done before
    /// anything changes so that a refused order leaves the book as it was. `may_rest`: whether
    /// some of the order can end up resting.
    fn check(&self, order: &Order, may_rest: bool) -> Result<(), BookError> {
        if order.rps <= 0 {
            return Err(BookError::NotPositive { id: order.id, rps: order.rps });
        }
        if self.index.contains_key(&order.id) {
            return Err(BookError::Duplicate(order.id));
        }
        // A level's total must fit an i64 if the whole order ends up resting. This is checked
        // before matching, so it may refuse an order that would have filled; it takes ~2^63 rps
        // at one price to get here.
        let resting = self.levels(order.side).get(&order.limit).map_or(0, |q| q.rps);
        if may_rest && resting.checked_add(order.rps).is_none() {
            return Err(BookError::Overflow { id: order.id });
        }
        Ok(())
    }

    /// Matches `order` against the opposite side, appending fills; returns the rps left.
    fn take(&mut self, order: &Order, fills: &mut Vec<Fill>) -> i64 {
        let resting_side = order.side.opposite();
        let Book { bids, asks, nodes, free, index } = self;
        let levels = match resting_side {
            Side::Buy => bids,
            Side::Sell => asks,
        };
        let mut left = order.rps;
        let mut after = None;
        while left > 0 {
            let Some((price, queue)) = next_level(levels, resting_side, after) else { break };
            if !crosses(order.side, order.limit, price) {
                break;
            }
            let mut slot = queue.head;
            while slot != NIL && left > 0 {
                let node = &mut nodes[slot];
                let next = node.next;
                let resting = &mut node.order;
                if resting.owner != order.owner {
                    let rps = left.min(resting.rps);
                    let (buyer_owner, seller_owner) = match order.side {
                        Side::Buy => (order.owner, resting.owner),
                        Side::Sell => (resting.owner, order.owner),
                    };
                    fills.push(Fill { incoming: order.id, resting: resting.id, buyer_owner, seller_owner, rps, price });
                    left -= rps;
                    resting.rps -= rps;
                    queue.rps -= rps;
                    if resting.rps == 0 {
                        index.remove(&resting.id);
                        unlink(nodes, queue, slot);
                        free.push(slot);
                    }
                }
                slot = next;
            }
            if queue.orders == 0 {
                levels.remove(&price);
            }
            after = Some(price);
        }
        left
    }

    /// Appends `order` to the back of its price's queue. The caller has run [`check`](Book::check).
    fn insert(&mut self, order: Order) {
        let (id, rps) = (order.id, order.rps);
        let Book { bids, asks, nodes, free, index } = self;
        let levels = match order.side {
            Side::Buy => bids,
            Side::Sell => asks,
        };
        let queue = levels.entry(order.limit).or_insert(Queue::EMPTY);
        let node = Node { order, prev: queue.tail, next: NIL };
        let slot = match free.pop() {
            Some(slot) => {
                nodes[slot] = node;
                slot
            }
            None => {
                nodes.push(node);
                nodes.len() - 1
            }
        };
        match queue.tail {
            NIL => queue.head = slot,
            tail => nodes[tail].next = slot,
        }
        queue.tail = slot;
        queue.rps += rps;
        queue.orders += 1;
        index.insert(id, slot);
    }

    /// The orders of one queue, oldest first.
    fn queue(&self, head: usize) -> impl Iterator<Item = &Order> {
        let next = |&slot: &usize| Some(self.nodes[slot].next).filter(|&n| n != NIL);
        std::iter::successors(Some(head).filter(|&h| h != NIL), next).map(|slot| &self.nodes[slot].order)
    }

    fn levels(&self, side: Side) -> &BTreeMap<Money, Queue> {
        match side {
            Side::Buy => &self.bids,
            Side::Sell => &self.asks,
        }
    }
}

/// Whether an incoming order on `side` with `limit` may trade at a resting `price`.
fn crosses(side: Side, limit: Money, price: Money) -> bool {
    match side {
        Side::Buy => price <= limit,
        Side::Sell => price >= limit,
    }
}

/// The best level of a side strictly after price `after` (from the best when `None`).
fn next_level(levels: &mut BTreeMap<Money, Queue>, side: Side, after: Option<Money>) -> Option<(Money, &mut Queue)> {
    let found = match (side, after) {
        (Side::Sell, None) => levels.iter_mut().next(),
        (Side::Sell, Some(p)) => levels.range_mut((Bound::Excluded(p), Bound::Unbounded)).next(),
        (Side::Buy, None) => levels.iter_mut().next_back(),
        (Side::Buy, Some(p)) => levels.range_mut(..p).next_back(),
    };
    found.map(|(&p, q)| (p, q))
}

/// Takes a node out of its queue, with whatever rps it has left.
fn unlink(nodes: &mut [Node], queue: &mut Queue, slot: usize) {
    let Node { prev, next, ref order } = nodes[slot];
    queue.rps -= order.rps;
    queue.orders -= 1;
    match prev {
        NIL => queue.head = next,
        prev => nodes[prev].next = next,
    }
    match next {
        NIL => queue.tail = prev,
        next => nodes[next].prev = prev,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    /// `cents` hundredths of a unit.
    fn c(cents: i64) -> Money {
        Money(cents * 10_000)
    }

    fn order(id: i64, side: Side, owner: u32, rps: i64, cents: i64, tif: TimeInForce) -> Order {
        Order { id, side, owner, rps, limit: c(cents), tif }
    }

    fn buy(id: i64, owner: u32, rps: i64, cents: i64) -> Order {
        order(id, Side::Buy, owner, rps, cents, TimeInForce::Gtc)
    }

    fn sell(id: i64, owner: u32, rps: i64, cents: i64) -> Order {
        order(id, Side::Sell, owner, rps, cents, TimeInForce::Gtc)
    }

    fn ioc(o: Order) -> Order {
        Order { tif: TimeInForce::Ioc, ..o }
    }

    fn fill(incoming: i64, resting: i64, (buyer_owner, seller_owner): (u32, u32), rps: i64, cents: i64) -> Fill {
        Fill { incoming, resting, buyer_owner, seller_owner, rps, price: c(cents) }
    }

    fn book(orders: impl IntoIterator<Item = Order>) -> Book {
        let mut b = Book::new();
        for o in orders {
            b.rest(o).unwrap();
        }
        b
    }

    fn ids(b: &Book, side: Side) -> Vec<(i64, i64)> {
        b.orders(side).map(|o| (o.id, o.rps)).collect()
    }

    #[test]
    fn an_order_meets_the_other_side_at_or_past_its_best_price_whoever_owns_it() {
        let b = book([sell(1, 0, 10, 100), buy(2, 1, 10, 90)]);
        assert!(b.meets(Side::Buy, c(100)) && b.meets(Side::Buy, c(120)) && !b.meets(Side::Buy, c(99)));
        assert!(b.meets(Side::Sell, c(90)) && !b.meets(Side::Sell, c(91)));
        // Owner 0's own ask still counts: `meets` is the cheap test, `submit` skips self-trades.
        let own = book([sell(1, 0, 10, 100)]);
        assert!(own.meets(Side::Buy, c(100)));
        assert!(!Book::new().meets(Side::Buy, c(1_000_000)) && !Book::new().meets(Side::Sell, c(1)));
    }

    #[test]
    fn full_fill_empties_the_book() {
        let mut b = book([sell(1, 0, 10, 100)]);
        let s = b.submit(buy(2, 1, 10, 100)).unwrap();
        assert_eq!(s, Submission { fills: vec![fill(2, 1, (1, 0), 10, 100)], rested: 0, cancelled: 0 });
        assert!(b.is_empty());
        assert_eq!((b.best_bid(), b.best_ask()), (None, None));
        assert_eq!(b.depth(), (vec![], vec![]));
    }

    #[test]
    fn partial_fill_across_levels_trades_at_each_resting_price() {
        let mut b = book([sell(1, 0, 5, 120), sell(2, 0, 5, 100), sell(3, 0, 5, 110)]);
        let s = b.submit(buy(4, 1, 12, 115)).unwrap();
        assert_eq!(s.fills, vec![fill(4, 2, (1, 0), 5, 100), fill(4, 3, (1, 0), 5, 110)]);
        assert_eq!((s.rested, s.cancelled), (2, 0));
        assert_eq!((b.best_bid(), b.best_ask()), (Some(c(115)), Some(c(120))));
        assert_eq!(b.get(4).map(|o| o.rps), Some(2));

        // And a sell sweeping bids, highest first, leaving the last one partly filled.
        let mut b = book([buy(1, 1, 3, 90), buy(2, 2, 3, 95), buy(3, 3, 3, 80)]);
        let s = b.submit(sell(4, 0, 5, 85)).unwrap();
        assert_eq!(s.fills, vec![fill(4, 2, (2, 0), 3, 95), fill(4, 1, (1, 0), 2, 90)]);
        assert_eq!((s.rested, s.cancelled), (0, 0));
        assert_eq!(ids(&b, Side::Buy), [(1, 1), (3, 3)]);
    }

    #[test]
    fn price_then_time_priority() {
        let mut b = book([sell(1, 1, 5, 100), sell(2, 2, 5, 100), sell(3, 3, 5, 90), sell(4, 1, 5, 100)]);
        let s = b.submit(buy(5, 4, 12, 100)).unwrap();
        assert_eq!(s.fills, vec![fill(5, 3, (4, 3), 5, 90), fill(5, 1, (4, 1), 5, 100), fill(5, 2, (4, 2), 2, 100)]);
        // The partly filled order keeps its place ahead of later arrivals.
        assert_eq!(ids(&b, Side::Sell), [(2, 3), (4, 5)]);
        let s = b.submit(buy(6, 4, 4, 100)).unwrap();
        assert_eq!(s.fills, vec![fill(6, 2, (4, 2), 3, 100), fill(6, 4, (4, 1), 1, 100)]);
    }

    #[test]
    fn gtc_rests_and_ioc_cancels_the_remainder() {
        let mut b = book([sell(1, 0, 4, 95)]);
        let s = b.submit(ioc(buy(2, 1, 10, 100))).unwrap();
        assert_eq!(s, Submission { fills: vec![fill(2, 1, (1, 0), 4, 95)], rested: 0, cancelled: 6 });
        assert!(b.is_empty());

        let mut b = book([sell(1, 0, 4, 95)]);
        let s = b.submit(buy(2, 1, 10, 100)).unwrap();
        assert_eq!((s.rested, s.cancelled), (6, 0));
        assert_eq!(b.get(2), Some(&buy(2, 1, 6, 100)));

        // An IOC that meets nothing is wholly cancelled and leaves no trace.
        let s = b.submit(ioc(sell(3, 0, 7, 101))).unwrap();
        assert_eq!(s, Submission { fills: vec![], rested: 0, cancelled: 7 });
        assert_eq!(b.len(), 1);
    }

    #[test]
    fn no_trade_when_limits_do_not_cross() {
        let mut b = book([sell(1, 0, 5, 101)]);
        let s = b.submit(buy(2, 1, 5, 100)).unwrap();
        assert_eq!(s, Submission { fills: vec![], rested: 5, cancelled: 0 });
        let s = b.submit(sell(3, 0, 5, 101)).unwrap();
        assert_eq!(s.rested, 5);
        assert_eq!((b.best_bid(), b.best_ask()), (Some(c(100)), Some(c(101))));
        assert_eq!(b.len(), 3);
    }

    #[test]
    fn self_trades_are_skipped_and_the_skipped_order_keeps_its_place() {
        let mut b = book([sell(1, 1, 5, 90), sell(2, 2, 5, 100)]);
        let s = b.submit(buy(3, 1, 8, 100)).unwrap();
        assert_eq!(s.fills, vec![fill(3, 2, (1, 2), 5, 100)]);
        assert_eq!(s.rested, 3);
        // Owner 1 now bids 1.00 above its own ask at 0.90: crossed, but only with itself.
        assert_eq!((b.best_bid(), b.best_ask()), (Some(c(100)), Some(c(90))));
        // Anyone else takes both sides at the resting prices.
        let s = b.submit(ioc(sell(4, 2, 10, 90))).unwrap();
        assert_eq!(s.fills, vec![fill(4, 3, (1, 2), 3, 100)]);
        let s = b.submit(ioc(buy(5, 3, 10, 90))).unwrap();
        assert_eq!(s.fills, vec![fill(5, 1, (3, 1), 5, 90)]);
        assert!(b.is_empty());

        // Within a level: the skipped order stays first in line.
        let mut b = book([sell(1, 1, 5, 100), sell(2, 2, 5, 100)]);
        let s = b.submit(ioc(buy(3, 1, 8, 100))).unwrap();
        assert_eq!((s.fills, s.cancelled), (vec![fill(3, 2, (1, 2), 5, 100)], 3));
        let s = b.submit(buy(4, 3, 2, 100)).unwrap();
        assert_eq!(s.fills, vec![fill(4, 1, (3, 1), 2, 100)]);
    }

    #[test]
    fn cancel_returns_the_remainder_and_unlinks_from_anywhere() {
        let mut b = book([sell(1, 0, 5, 100), sell(2, 0, 5, 100), sell(3, 0, 5, 100), sell(4, 0, 5, 110)]);
        b.submit(buy(5, 1, 2, 100)).unwrap();
        assert_eq!(b.cancel(1), Some(sell(1, 0, 3, 100)));
        assert_eq!(b.cancel(1), None);
        assert_eq!(b.cancel(99), None);
        assert_eq!(b.cancel(3), Some(sell(3, 0, 5, 100)));
        assert_eq!(ids(&b, Side::Sell), [(2, 5), (4, 5)]);
        assert_eq!(b.cancel(2).map(|o| o.rps), Some(5));
        // The emptied level is gone.
        assert_eq!(b.best_ask(), Some(c(110)));
        // Freed nodes are reused without disturbing the queue order.
        b.rest(sell(6, 0, 1, 110)).unwrap();
        b.rest(sell(7, 0, 1, 110)).unwrap();
        assert_eq!(ids(&b, Side::Sell), [(4, 5), (6, 1), (7, 1)]);
        assert_eq!(b.len(), 3);
    }

    #[test]
    fn depth_by_level_best_first() {
        let b = book([
            buy(1, 1, 5, 90),
            buy(2, 2, 7, 95),
            buy(3, 3, 1, 90),
            sell(4, 0, 4, 100),
            sell(5, 0, 6, 120),
            sell(6, 0, 2, 100),
        ]);
        let level = |cents, rps, orders| Level { price: c(cents), rps, orders };
        assert_eq!(b.depth(), (vec![level(95, 7, 1), level(90, 6, 2)], vec![level(100, 6, 2), level(120, 6, 1)]));
        assert_eq!((b.best_bid(), b.best_ask(), b.len()), (Some(c(95)), Some(c(100)), 6));
    }

    #[test]
    fn refusals_leave_the_book_unchanged() {
        let mut b = book([sell(1, 0, 5, 100), buy(2, 1, 5, 90)]);
        let before = (b.depth(), ids(&b, Side::Buy), ids(&b, Side::Sell));
        assert_eq!(b.submit(buy(3, 1, 0, 100)), Err(BookError::NotPositive { id: 3, rps: 0 }));
        assert_eq!(b.rest(buy(3, 1, -1, 80)), Err(BookError::NotPositive { id: 3, rps: -1 }));
        assert_eq!(b.submit(buy(1, 1, 5, 100)), Err(BookError::Duplicate(1)));
        assert_eq!(b.rest(sell(2, 0, 5, 200)), Err(BookError::Duplicate(2)));
        assert_eq!(b.rest(buy(3, 2, 5, 100)), Err(BookError::Crosses { id: 3, resting: 1 }));
        assert_eq!(b.rest(sell(3, 2, 5, 90)), Err(BookError::Crosses { id: 3, resting: 2 }));
        b.rest(sell(4, 7, i64::MAX, 130)).unwrap();
        assert_eq!(b.submit(sell(5, 7, 1, 130)), Err(BookError::Overflow { id: 5 }));
        assert_eq!(b.rest(ioc(sell(5, 7, 1, 130))), Err(BookError::Overflow { id: 5 }));
        // An IOC never rests, so it may meet a full level.
        assert_eq!(b.submit(ioc(sell(5, 7, 1, 130))).map(|s| s.cancelled), Ok(1));
        assert_eq!(b.cancel(4).map(|o| o.rps), Some(i64::MAX));
        assert_eq!((b.depth(), ids(&b, Side::Buy), ids(&b, Side::Sell)), before);
        assert_eq!(
            BookError::Crosses { id: 3, resting: 1 }.to_string(),
            "order 3 would cross resting order 1 of another owner"
        );
    }

    #[test]
    fn rest_allows_an_owner_to_cross_itself_and_does_not_match() {
        let mut b = book([sell(1, 1, 5, 100)]);
        b.rest(buy(2, 1, 5, 110)).unwrap();
        b.rest(sell(3, 2, 5, 120)).unwrap();
        assert_eq!(b.len(), 3);
        // The check skips owner 1's own ask at 1.00 and finds owner 2's at 1.20 beyond it.
        assert_eq!(b.rest(buy(4, 1, 5, 120)), Err(BookError::Crosses { id: 4, resting: 3 }));
        assert_eq!(b.rest(buy(4, 2, 5, 100)), Err(BookError::Crosses { id: 4, resting: 1 }));
        assert_eq!(b.rest(sell(4, 3, 5, 110)), Err(BookError::Crosses { id: 4, resting: 2 }));
        assert_eq!(b.rest(buy(4, 1, 1, 119)), Ok(()));
        assert_eq!(ids(&b, Side::Buy), [(4, 1), (2, 5)]);
    }

    // ---- Property tests against a reference model ----

    /// The obvious book: resting orders in arrival order, each fill found by scanning all of them
    /// for the best price, then the earliest id. Quadratic, and hard to get wrong.
    #[derive(Default)]
    struct Model {
        resting: Vec<Order>,
    }

    impl Model {
        fn submit(&mut self, mut o: Order) -> Submission {
            let mut fills = Vec::new();
            while o.rps > 0 {
                let best = (self.resting.iter().enumerate())
                    .filter(|(_, r)| r.side != o.side && r.owner != o.owner && crosses(o.side, o.limit, r.limit))
                    .min_by_key(|(_, r)| (if o.side == Side::Buy { r.limit.0 } else { -r.limit.0 }, r.id))
                    .map(|(i, _)| i);
                let Some(i) = best else { break };
                let r = &mut self.resting[i];
                let rps = o.rps.min(r.rps);
                let (buyer_owner, seller_owner) =
                    if o.side == Side::Buy { (o.owner, r.owner) } else { (r.owner, o.owner) };
                fills.push(Fill { incoming: o.id, resting: r.id, buyer_owner, seller_owner, rps, price: r.limit });
                o.rps -= rps;
                r.rps -= rps;
                if r.rps == 0 {
                    self.resting.remove(i);
                }
            }
            let left = o.rps;
            match o.tif {
                TimeInForce::Gtc if left > 0 => {
                    self.resting.push(o);
                    Submission { fills, rested: left, cancelled: 0 }
                }
                TimeInForce::Gtc => Submission { fills, rested: 0, cancelled: 0 },
                TimeInForce::Ioc => Submission { fills, rested: 0, cancelled: left },
            }
        }

        fn cancel(&mut self, id: i64) -> Option<Order> {
            let i = self.resting.iter().position(|r| r.id == id)?;
            Some(self.resting.remove(i))
        }

        /// One side in priority order, as [`Book::orders`] lists it.
        fn orders(&self, side: Side) -> Vec<Order> {
            let mut v: Vec<Order> = self.resting.iter().filter(|r| r.side == side).cloned().collect();
            v.sort_by_key(|r| (if side == Side::Buy { -r.limit.0 } else { r.limit.0 }, r.id));
            v
        }
    }

    #[derive(Debug, Clone)]
    enum Op {
        Submit {
            side: Side,
            owner: u32,
            rps: i64,
            cents: i64,
            tif: TimeInForce,
        },
        /// Cancels the `n`-th id submitted so far (modulo), resting or not.
        Cancel(usize),
    }

    fn op() -> impl Strategy<Value = Op> {
        let side = prop_oneof![Just(Side::Buy), Just(Side::Sell)];
        let tif = prop_oneof![3 => Just(TimeInForce::Gtc), 1 => Just(TimeInForce::Ioc)];
        let submit = (side, 0u32..4, 1i64..50, 95i64..103, tif).prop_map(|(side, owner, rps, cents, tif)| Op::Submit {
            side,
            owner,
            rps,
            cents,
            tif,
        });
        prop_oneof![4 => submit, 1 => any::<usize>().prop_map(Op::Cancel)]
    }

    /// Checks the invariants that must hold between any two calls.
    fn check_book(b: &Book) -> Result<(), TestCaseError> {
        let (bids, asks): (Vec<&Order>, Vec<&Order>) = (b.orders(Side::Buy).collect(), b.orders(Side::Sell).collect());
        for bid in &bids {
            for ask in &asks {
                prop_assert!(bid.owner == ask.owner || bid.limit < ask.limit, "crossed: {bid:?} {ask:?}");
            }
        }
        let (bid_levels, ask_levels) = b.depth();
        for (levels, orders, side) in [(&bid_levels, &bids, Side::Buy), (&ask_levels, &asks, Side::Sell)] {
            prop_assert!(orders.iter().all(|o| o.side == side && o.rps > 0));
            prop_assert_eq!(levels.iter().map(|l| l.rps).sum::<i64>(), orders.iter().map(|o| o.rps).sum::<i64>());
            prop_assert_eq!(levels.iter().map(|l| l.orders).sum::<usize>(), orders.len());
            for l in levels.iter() {
                let at: Vec<_> = orders.iter().filter(|o| o.limit == l.price).collect();
                prop_assert!(l.orders > 0 && l.orders == at.len());
                prop_assert_eq!(l.rps, at.iter().map(|o| o.rps).sum::<i64>());
            }
        }
        prop_assert!(bid_levels.windows(2).all(|w| w[0].price > w[1].price));
        prop_assert!(ask_levels.windows(2).all(|w| w[0].price < w[1].price));
        // What the pairwise rule implies for the top of the book (see the module docs).
        if let (Some(hi), Some(lo)) = (b.best_bid(), b.best_ask())
            && hi >= lo
        {
            let inside: BTreeSet<u32> =
                bids.iter().chain(&asks).filter(|o| (lo..=hi).contains(&o.limit)).map(|o| o.owner).collect();
            prop_assert_eq!(inside.len(), 1);
        }
        prop_assert_eq!(b.best_bid(), bid_levels.first().map(|l| l.price));
        prop_assert_eq!(b.best_ask(), ask_levels.first().map(|l| l.price));
        prop_assert_eq!(b.len(), bids.len() + asks.len());
        prop_assert_eq!(b.is_empty(), bids.is_empty() && asks.is_empty());
        for o in bids.iter().chain(&asks) {
            prop_assert_eq!(b.get(o.id), Some(*o));
        }
        Ok(())
    }

    /// Runs `ops` on a book and the model side by side, checking everything along the way.
    fn run(ops: &[Op]) -> Result<Book, TestCaseError> {
        let mut b = Book::new();
        let mut model = Model::default();
        // Per order: (original, filled, cancelled at submission or later).
        let mut orders: Vec<(Order, i64, i64)> = Vec::new();
        let (mut bought, mut sold) = (0i64, 0i64);
        for op in ops {
            match *op {
                Op::Submit { side, owner, rps, cents, tif } => {
                    let o = order(orders.len() as i64 + 1, side, owner, rps, cents, tif);
                    let meets = b.meets(side, o.limit);
                    let s = b.submit(o.clone()).unwrap();
                    // What the ledger relies on to write such orders in batches.
                    prop_assert!(meets || s.fills.is_empty(), "{o:?} met nothing but traded: {s:?}");
                    prop_assert_eq!(&s, &model.submit(o.clone()));
                    prop_assert_eq!(s.fills.iter().map(|f| f.rps).sum::<i64>() + s.rested + s.cancelled, o.rps);
                    prop_assert!(s.rested == 0 || s.cancelled == 0);
                    prop_assert!(tif == TimeInForce::Gtc || s.rested == 0);
                    orders.push((o.clone(), 0, s.cancelled));
                    for f in &s.fills {
                        let (resting, _, _) = &orders[f.resting as usize - 1];
                        prop_assert!(f.rps > 0);
                        prop_assert_eq!(f.incoming, o.id);
                        prop_assert_eq!(f.price, resting.limit);
                        prop_assert!(crosses(side, o.limit, f.price));
                        prop_assert!(resting.side != side && resting.owner != owner);
                        let (buyer, seller) = if side == Side::Buy { (&o, resting) } else { (resting, &o) };
                        prop_assert_eq!((f.buyer_owner, f.seller_owner), (buyer.owner, seller.owner));
                        orders[f.resting as usize - 1].1 += f.rps;
                        orders[f.incoming as usize - 1].1 += f.rps;
                        bought += f.rps;
                        sold += f.rps;
                    }
                }
                Op::Cancel(n) if !orders.is_empty() => {
                    let id = (n % orders.len()) as i64 + 1;
                    let got = b.cancel(id);
                    prop_assert_eq!(&got, &model.cancel(id));
                    orders[id as usize - 1].2 += got.map_or(0, |o| o.rps);
                }
                Op::Cancel(_) => prop_assert_eq!(b.cancel(1), None),
            }
            check_book(&b)?;
            for side in [Side::Buy, Side::Sell] {
                prop_assert_eq!(b.orders(side).cloned().collect::<Vec<_>>(), model.orders(side));
            }
            // Per order over its lifetime: filled + still resting + cancelled is exactly its rps.
            for (o, filled, cancelled) in &orders {
                let resting = b.get(o.id).map_or(0, |r| r.rps);
                prop_assert!(*filled <= o.rps);
                prop_assert_eq!(filled + resting + cancelled, o.rps, "{:?}", o);
            }
        }
        let filled = |side| orders.iter().filter(|(o, ..)| o.side == side).map(|(_, f, _)| f).sum::<i64>();
        prop_assert_eq!(filled(Side::Buy), bought);
        prop_assert_eq!(filled(Side::Sell), sold);
        prop_assert_eq!(bought, sold);
        Ok(b)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn matches_the_reference_model(ops in prop::collection::vec(op(), 0..200)) {
            run(&ops)?;
        }

        /// Rebuilding from the resting orders in id order with `rest` (what storage does) gives a
        /// book that lists, and then matches, exactly like the original.
        #[test]
        fn rest_rebuilds_an_equivalent_book(ops in prop::collection::vec(op(), 0..200), next in op(), next2 in op()) {
            let mut b = run(&ops)?;
            let mut resting: Vec<Order> = b.orders(Side::Buy).chain(b.orders(Side::Sell)).cloned().collect();
            resting.sort_by_key(|o| o.id);
            let mut rebuilt = Book::new();
            for o in resting {
                rebuilt.rest(o).unwrap();
            }
            for side in [Side::Buy, Side::Sell] {
                prop_assert!(b.orders(side).eq(rebuilt.orders(side)));
            }
            prop_assert_eq!(b.depth(), rebuilt.depth());
            for (i, op) in [next, next2].into_iter().enumerate() {
                let id = 1_000 + i as i64;
                match op {
                    Op::Submit { side, owner, rps, cents, tif } => {
                        let o = order(id, side, owner, rps, cents, tif);
                        prop_assert_eq!(b.submit(o.clone()), rebuilt.submit(o));
                    }
                    Op::Cancel(n) => {
                        let id = (n % 200) as i64 + 1;
                        prop_assert_eq!(b.cancel(id), rebuilt.cancel(id));
                    }
                }
                prop_assert_eq!(b.depth(), rebuilt.depth());
            }
        }

        /// `rest` accepts exactly the orders that cross no resting order of another owner.
        #[test]
        fn rest_refuses_exactly_the_crossing_orders(ops in prop::collection::vec(op(), 0..100), side in prop_oneof![Just(Side::Buy), Just(Side::Sell)], owner in 0u32..4, cents in 94i64..104) {
            let mut b = run(&ops)?;
            let o = order(10_000, side, owner, 1, cents, TimeInForce::Gtc);
            let crossing: BTreeSet<i64> = b
                .orders(side.opposite())
                .filter(|r| r.owner != owner && crosses(side, o.limit, r.limit))
                .map(|r| r.id)
                .collect();
            match b.rest(o) {
                Ok(()) => prop_assert!(crossing.is_empty()),
                Err(BookError::Crosses { resting, .. }) => prop_assert!(crossing.contains(&resting)),
                Err(e) => prop_assert!(false, "{e}"),
            }
            check_book(&b)?;
        }
    }
}
