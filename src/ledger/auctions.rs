//! Auctions and their bids in the ledger: create, bid, cancel, and settle in one transaction.
//!
//! **Kept by triggers:** `offers.reserved` rises by a guaranteed auction's `rps` when it is
//! created open and falls when its status leaves `open` (cleared or cancelled). `offers.sold`
//! is not kept by a trigger for auction sales: settling adds their total to the offers in one
//! statement (an auction's sales can number in the hundreds of thousands). `ledger check`
//! recounts both (`ledger/invariants.rs`).

use std::str::FromStr;

use postgres::binary_copy::BinaryCopyInWriter;
use postgres::types::Type;

use super::db::{Db, Dialect, Row, TxKind, args};

use super::supply::{self, Excluding};
use super::{Ledger, LedgerError, MarketError};
use crate::core::auction::{Award, Bid, Clearing, Rule, total_for_window};
use crate::core::money::{self, Money};
use crate::core::service::Service;
use crate::core::supply::unsold;
use crate::core::window::{Window, format_instant};

/// Where an auction is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuctionStatus {
    Open,
    Cleared,
    Cancelled,
}

impl AuctionStatus {
    /// The name in the ledger and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            AuctionStatus::Open => "open",
            AuctionStatus::Cleared => "cleared",
            AuctionStatus::Cancelled => "cancelled",
        }
    }

    fn parse(text: &str) -> Result<AuctionStatus, LedgerError> {
        match text {
            "open" => Ok(AuctionStatus::Open),
            "cleared" => Ok(AuctionStatus::Cleared),
            "cancelled" => Ok(AuctionStatus::Cancelled),
            other => Err(LedgerError::Corrupt(format!("auctions.status {other:?}"))),
        }
    }
}

/// An auction as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Auction {
    pub id: i64,
    pub window: Window,
    pub rps: i64,
    pub rule: Rule,
    pub reserve: Money,
    pub closes_at: Option<i64>,
    pub status: AuctionStatus,
    pub created_at: i64,
    pub ended_at: Option<i64>,
    pub clearing_price: Option<Money>,
    pub service: Service,
    /// The currency of the reserve, the bids and the sales (ISO 4217, `EUR`).
    pub currency: String,
}

/// An auction to create; `rps: None` means all that is unsold in the window (guaranteed only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAuction {
    pub window: Window,
    pub rps: Option<i64>,
    pub rule: Rule,
    pub reserve: Money,
    pub closes_at: Option<i64>,
    pub service: Service,
    /// What the reserve, and so every bid, is priced in.
    pub currency: String,
}

/// A bid to place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewBid {
    pub buyer: String,
    pub rps: i64,
    pub min_rps: i64,
    pub price: Money,
}

/// A bid as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredBid {
    pub id: i64,
    pub buyer: String,
    pub rps: i64,
    pub min_rps: i64,
    pub price: Money,
    pub placed_at: i64,
}

const AUCTION_COLUMNS: &str = "id, window_start, window_end, rps, rule, reserve, closes_at, status, created_at, ended_at, clearing_price, service, currency";

fn auction_from(r: &Row<'_>) -> Result<Auction, LedgerError> {
    let rule: String = r.get(4)?;
    Ok(Auction {
        id: r.get(0)?,
        window: Window { start: r.get(1)?, end: r.get(2)? },
        rps: r.get(3)?,
        rule: Rule::from_str(&rule).map_err(|_| LedgerError::Corrupt(format!("auctions.rule {rule:?}")))?,
        reserve: Money(r.get(5)?),
        closes_at: r.get(6)?,
        status: AuctionStatus::parse(&r.get::<String>(7)?)?,
        created_at: r.get(8)?,
        ended_at: r.get(9)?,
        clearing_price: r.get::<Option<i64>>(10)?.map(Money),
        service: {
            let text: String = r.get(11)?;
            text.parse().map_err(|_| LedgerError::Corrupt(format!("auctions.service {text:?}")))?
        },
        currency: r.get(12)?,
    })
}

fn load(db: &Db, id: i64) -> Result<Auction, MarketError> {
    db.query_opt(&format!("SELECT {AUCTION_COLUMNS} FROM auctions WHERE id = ?1"), args![id], auction_from)?
        .ok_or(MarketError::NoAuction(id))
}

fn require_open(a: &Auction) -> Result<(), MarketError> {
    if a.status == AuctionStatus::Open {
        return Ok(());
    }
    Err(MarketError::Ended {
        id: a.id,
        status: a.status.name().into(),
        at: a.ended_at.map_or("?".into(), format_instant),
    })
}

/// What settling an auction did.
#[derive(Debug, Clone)]
pub struct Settlement {
    pub auction: Auction,
    pub bids: Vec<StoredBid>,
    pub clearing: Clearing,
    /// Total payments for the window.
    pub revenue: Money,
}

impl Ledger {
    /// Creates an auction, in one transaction with the supply check: a guaranteed auction
    /// holds unsold capacity of the offers; a best-effort one sells shares of whatever is free
    /// at the time, so it holds nothing and needs its `rps` given.
    pub fn create_auction(&mut self, new: &NewAuction, now: i64) -> Result<Auction, MarketError> {
        money::check_window_secs(new.window.secs(), new.window)?;
        money::check_price(new.reserve)?;
        self.db.transaction(TxKind::Write, |db| create(db, new, now))
    }

    /// Auctions, newest first, optionally of one status.
    pub fn auctions(&self, status: Option<AuctionStatus>) -> Result<Vec<Auction>, LedgerError> {
        self.db.query(
            &format!(
                "SELECT {AUCTION_COLUMNS} FROM auctions WHERE CAST(?1 AS TEXT) IS NULL OR status = ?1 ORDER BY id DESC"
            ),
            args![status.map(AuctionStatus::name)],
            auction_from,
        )
    }

    /// One auction and its bids (in the order placed).
    pub fn auction(&mut self, id: i64) -> Result<(Auction, Vec<StoredBid>), MarketError> {
        self.db.transaction(TxKind::Read, |db| Ok((load(db, id)?, bids_of(db, id)?)))
    }

    /// One auction without its bids (which may be many), for checks made before a write.
    pub fn auction_terms(&mut self, id: i64) -> Result<Auction, MarketError> {
        load(&self.db, id)
    }

    /// Cancels an open auction, releasing the capacity it held.
    pub fn cancel_auction(&mut self, id: i64, now: i64) -> Result<Auction, MarketError> {
        self.db.transaction(TxKind::Write, |db| {
            require_open(&load(db, id)?)?;
            db.execute("UPDATE auctions SET status = 'cancelled', ended_at = ?2 WHERE id = ?1", args![id, now])?;
            load(db, id)
        })
    }

    /// Places bids priced in `currency` on an open auction, all or none; returns their ids. An
    /// auction's bids are in its currency: bids in another are refused, not converted.
    pub fn place_bids(&mut self, id: i64, bids: &[NewBid], currency: &str, now: i64) -> Result<Vec<i64>, MarketError> {
        for b in bids {
            money::check_rps(b.rps)?;
            money::check_price(b.price)?;
        }
        self.db.transaction(TxKind::Write, |db| {
            let auction = load(db, id)?;
            require_open(&auction)?;
            if auction.currency != currency {
                return Err(MarketError::Currency {
                    what: format!("auction #{id}"),
                    theirs: auction.currency,
                    given: currency.to_string(),
                });
            }
            if let Some(closes) = auction.closes_at
                && now >= closes
            {
                return Err(MarketError::Closed { id, at: format_instant(closes) });
            }
            if db.dialect() == Dialect::Postgres {
                return Ok(copy_bids(db, id, bids, currency, now)?);
            }
            let mut ids = Vec::with_capacity(bids.len());
            for b in bids {
                ids.push(db.query_row(
                    "INSERT INTO bids (auction_id, buyer, rps, min_rps, price, placed_at, currency)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id",
                    args![id, b.buyer, b.rps, b.min_rps, b.price.micros(), now, currency],
                    |r| r.get(0),
                )?);
            }
            Ok(ids)
        })
    }

    /// Clears an open auction with `clear` and, unless `dry_run`, records the sales and closes
    /// it, all in one transaction (`clear` runs again if PostgreSQL makes the transaction
    /// retry).
    pub fn settle_auction(
        &mut self,
        id: i64,
        now: i64,
        dry_run: bool,
        clear: impl Fn(&Auction, &[Bid]) -> Clearing,
    ) -> Result<Settlement, MarketError> {
        let kind = if dry_run { TxKind::Read } else { TxKind::Write };
        self.db.transaction(kind, |db| settle(db, id, now, dry_run, &clear))
    }
}

/// [`Ledger::create_auction`] inside its transaction.
fn create(db: &Db, new: &NewAuction, now: i64) -> Result<Auction, MarketError> {
    let rps = match (new.service, new.rps) {
        (Service::BestEffort, Some(rps)) => rps,
        (Service::BestEffort, None) => return Err(MarketError::BestEffortRps),
        (Service::Guaranteed, wanted) => {
            let available = unsold(new.window, &supply::slots(db, new.window, Excluding::default())?)?;
            let rps = wanted.unwrap_or(available);
            if rps == 0 {
                return Err(MarketError::NothingUnsold { window: new.window.to_string() });
            }
            if rps > available {
                return Err(MarketError::Oversold { window: new.window.to_string(), wanted: rps, unsold: available });
            }
            rps
        }
    };
    let id: i64 = db.query_row(
        "INSERT INTO auctions (window_start, window_end, rps, rule, reserve, closes_at, status, created_at, service,
                               currency)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'open', ?7, ?8, ?9) RETURNING id",
        args![
            new.window.start,
            new.window.end,
            rps,
            new.rule.name(),
            new.reserve.micros(),
            new.closes_at,
            now,
            new.service.name(),
            new.currency
        ],
        |r| r.get(0),
    )?;
    load(db, id)
}

/// [`Ledger::settle_auction`] inside its transaction.
fn settle(
    db: &Db,
    id: i64,
    now: i64,
    dry_run: bool,
    clear: &impl Fn(&Auction, &[Bid]) -> Clearing,
) -> Result<Settlement, MarketError> {
    let mut auction = load(db, id)?;
    require_open(&auction)?;
    let bids = bids_of(db, id)?;
    let core_bids: Vec<Bid> =
        bids.iter().map(|b| Bid { id: b.id, rps: b.rps, min_rps: b.min_rps, price: b.price }).collect();
    let clearing = clear(&auction, &core_bids);
    // The auction's own promise is released by the sale: check what it sells against the
    // supply without it, in this same transaction. Best effort draws on no offer.
    let guaranteed = auction.service == Service::Guaranteed;
    let available = if guaranteed {
        unsold(auction.window, &supply::slots(db, auction.window, Excluding { auction: Some(id), order: None })?)?
    } else {
        auction.rps
    };
    if clearing.sold_rps > available {
        return Err(MarketError::Oversold {
            window: auction.window.to_string(),
            wanted: clearing.sold_rps,
            unsold: available,
        });
    }
    let secs = auction.window.secs();
    // Every total is worked out, and checked, before the first row is written.
    let mut totals = Vec::with_capacity(clearing.awards.len());
    for a in clearing.awards.iter().filter(|a| a.rps > 0) {
        let what = || format!("auction #{id}: bid #{}'s total", a.bid_id);
        let total =
            total_for_window(a.payment_per_hour, secs).map_err(|e| money::Overflow(format!("{}: {}", what(), e.0)))?;
        let unit = Money::from_i128(a.payment_per_hour / i128::from(a.rps), what)?;
        totals.push((a, unit, total));
    }
    let revenue = Money::sum(totals.iter().map(|(_, _, t)| *t), || format!("auction #{id}'s revenue"))?;
    if dry_run {
        return Ok(Settlement { auction, bids, clearing, revenue });
    }
    // The sales are written (and numbered) in the order the bids were placed, not in rank
    // order: on PostgreSQL each sale's check that its bid exists (migration 4) then reads the
    // bids' pages in order, once each, and the sales' ids go into their index in order. In
    // rank order both are random, 10-11 s against 6-7 s for 317,000 sales of a million bids
    // (`COPY` alone, this machine). SQLite writes them in the same order, so the ledgers agree.
    totals.sort_unstable_by_key(|(a, _, _)| a.bid_id);
    match db.dialect() {
        Dialect::Sqlite => insert_sales(db, &auction, &bids, &totals, now)?,
        Dialect::Postgres => copy_sales(db, &auction, &bids, &totals, now)?,
    }
    // What the sales draw on the offers, in one statement (the per-row trigger covers
    // trades only); the auction's hold is released by its status change below.
    if guaranteed {
        db.execute(
            "UPDATE offers SET sold = sold + ?3 WHERE slot_start < ?2 AND slot_end > ?1",
            args![auction.window.start, auction.window.end, clearing.sold_rps],
        )?;
    }
    db.execute(
        "UPDATE auctions SET status = 'cleared', ended_at = ?2, clearing_price = ?3 WHERE id = ?1",
        args![id, now, clearing.clearing_price.map(Money::micros)],
    )?;
    auction = load(db, id)?;
    Ok(Settlement { auction, bids, clearing, revenue })
}

/// PostgreSQL: `n` new ids of `table`'s identity column, ascending, drawn from its sequence in
/// one query (the column is `GENERATED BY DEFAULT`, so a `COPY` can give them). The sequence's
/// name is looked up once: `OFFSET 0` keeps the subquery from being pulled up into the select
/// list, where the catalog lookup ran once per id (7 of the 23 s of a million bids' load).
fn next_ids(db: &Db, table: &str, n: usize) -> Result<Vec<i64>, LedgerError> {
    let mut ids: Vec<i64> = db.query(
        "SELECT nextval(s.seq)
           FROM (SELECT CAST(pg_get_serial_sequence(CAST(?1 AS TEXT), 'id') AS regclass) AS seq OFFSET 0) s,
                generate_series(1, CAST(?2 AS BIGINT))",
        args![table, n as i64],
        |r| r.get(0),
    )?;
    ids.sort_unstable();
    Ok(ids)
}

/// PostgreSQL: bids in one `COPY` rather than an `INSERT` each. A million single-row
/// statements are a million round trips to the server (minutes on loopback); SQLite, in
/// process, inserts them faster one by one than it could parse one huge statement. `COPY`
/// returns no ids, so they are drawn first ([`next_ids`]) and given explicitly: ascending, so
/// the bids keep their order. The checks, the check that the auction exists (a statement
/// trigger on PostgreSQL, migration 4) and the triggers hold for `COPY` as for `INSERT`, and it
/// is in the caller's transaction: all or none.
fn copy_bids(db: &Db, auction: i64, bids: &[NewBid], currency: &str, now: i64) -> Result<Vec<i64>, LedgerError> {
    let ids = next_ids(db, "bids", bids.len())?;
    let copied = db.with_postgres(|client| {
        let sink = client
            .copy_in("COPY bids (id, auction_id, buyer, rps, min_rps, price, placed_at, currency) FROM STDIN BINARY")?;
        let mut rows = BinaryCopyInWriter::new(
            sink,
            &[Type::INT8, Type::INT8, Type::TEXT, Type::INT8, Type::INT8, Type::INT8, Type::INT8, Type::TEXT],
        );
        for (id, b) in ids.iter().zip(bids) {
            rows.write(&[id, &auction, &b.buyer, &b.rps, &b.min_rps, &b.price.micros(), &now, &currency])?;
        }
        rows.finish()
    });
    copied.unwrap_or(Err(LedgerError::Corrupt("COPY asked of SQLite".into())))?;
    Ok(ids)
}

/// An auction's sales, one `INSERT` each (SQLite; PostgreSQL takes [`copy_sales`]).
fn insert_sales(
    db: &Db,
    auction: &Auction,
    bids: &[StoredBid],
    totals: &[(&Award, Money, Money)],
    now: i64,
) -> Result<(), LedgerError> {
    let id = auction.id;
    for (a, unit, total) in totals {
        db.execute(
            "INSERT INTO sales (buyer, seller, window_start, window_end, rps, unit_price, total, mechanism, rule,
                                source_id, bid_id, created_at, service, currency)
             VALUES (?1, NULL, ?2, ?3, ?4, ?5, ?6, 'auction', ?7, ?8, ?9, ?10, ?11, ?12)",
            args![
                bids[a.index].buyer,
                auction.window.start,
                auction.window.end,
                a.rps,
                unit.micros(),
                total.micros(),
                auction.rule.name(),
                id,
                a.bid_id,
                now,
                auction.service.name(),
                auction.currency
            ],
        )?;
    }
    Ok(())
}

/// PostgreSQL: an auction's sales (one per winning bid, hundreds of thousands of them) in one
/// `COPY`, for the reason [`copy_bids`] gives; the same rows SQLite's `INSERT`s write.
fn copy_sales(
    db: &Db,
    auction: &Auction,
    bids: &[StoredBid],
    totals: &[(&Award, Money, Money)],
    now: i64,
) -> Result<(), LedgerError> {
    let copied = db.with_postgres(|client| {
        let sink = client.copy_in(
            "COPY sales (buyer, seller, window_start, window_end, rps, unit_price, total, mechanism, rule, source_id,
                         bid_id, created_at, service, currency) FROM STDIN BINARY",
        )?;
        let (int, text) = (Type::INT8, Type::TEXT);
        let types = [
            text.clone(), // buyer
            text.clone(), // seller
            int.clone(),  // window_start
            int.clone(),  // window_end
            int.clone(),  // rps
            int.clone(),  // unit_price
            int.clone(),  // total
            text.clone(), // mechanism
            text.clone(), // rule
            int.clone(),  // source_id
            int.clone(),  // bid_id
            int.clone(),  // created_at
            text.clone(), // service
            text,         // currency
        ];
        let mut rows = BinaryCopyInWriter::new(sink, &types);
        let (rule, service) = (auction.rule.name(), auction.service.name());
        for (a, unit, total) in totals {
            rows.write(&[
                &bids[a.index].buyer,
                &None::<&str>,
                &auction.window.start,
                &auction.window.end,
                &a.rps,
                &unit.micros(),
                &total.micros(),
                &"auction",
                &rule,
                &auction.id,
                &a.bid_id,
                &now,
                &service,
                &auction.currency,
            ])?;
        }
        rows.finish()
    });
    copied.unwrap_or(Err(LedgerError::Corrupt("COPY asked of SQLite".into())))?;
    Ok(())
}

/// An auction's bids in the order placed. Sorted here rather than by `ORDER BY`: right after
/// a million bids are loaded PostgreSQL has no statistics on them yet (until autovacuum
/// analyzes), plans a few thousand rows and sorts the million on disk (`work_mem`), where
/// they mostly come in order anyway.
fn bids_of(db: &Db, auction: i64) -> Result<Vec<StoredBid>, LedgerError> {
    let mut bids = db.query(
        "SELECT id, buyer, rps, min_rps, price, placed_at FROM bids WHERE auction_id = ?1",
        args![auction],
        |r| {
            Ok(StoredBid {
                id: r.get(0)?,
                buyer: r.get(1)?,
                rps: r.get(2)?,
                min_rps: r.get(3)?,
                price: Money(r.get(4)?),
                placed_at: r.get(5)?,
            })
        },
    )?;
    bids.sort_unstable_by_key(|b| b.id);
    Ok(bids)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::auction::clear;
    use crate::ledger::NewOffer;

    fn ledger_with_offers(mut l: Ledger, rps: &[i64]) -> Ledger {
        let offers: Vec<NewOffer> = rps
            .iter()
            .enumerate()
            .map(|(h, &r)| NewOffer { slot: Window::new(h as i64 * 3600, 3600).unwrap(), rps: r })
            .collect();
        l.save_offers(&offers, 0, "test").unwrap();
        l
    }

    fn new_auction(hours: i64, rps: Option<i64>) -> NewAuction {
        NewAuction {
            window: Window::new(0, hours * 3600).unwrap(),
            rps,
            rule: Rule::Uniform,
            reserve: Money(1),
            closes_at: None,
            service: Service::Guaranteed,
            currency: "EUR".into(),
        }
    }

    fn bid(buyer: &str, rps: i64, price: i64) -> NewBid {
        NewBid { buyer: buyer.into(), rps, min_rps: 0, price: Money(price) }
    }

    #[test]
    fn an_auction_takes_the_least_unsold_and_holds_it() {
        crate::ledger::test_backends::each_backend(|fresh| {
            let mut l = ledger_with_offers(fresh, &[100, 60, 80]);
            let a = l.create_auction(&new_auction(3, None), 10).unwrap();
            assert_eq!((a.rps, a.status), (60, AuctionStatus::Open));
            let err = l.create_auction(&new_auction(2, Some(1)), 10).unwrap_err();
            assert_eq!(err.to_string(), "only 0 rps are unsold in every slot of 1970-01-01T00:00Z/2h; asked for 1");
            l.cancel_auction(a.id, 11).unwrap();
            assert_eq!(l.create_auction(&new_auction(1, Some(100)), 12).unwrap().rps, 100);
            let err =
                l.create_auction(&NewAuction { window: Window::new(0, 4 * 3600).unwrap(), ..new_auction(1, None) }, 0);
            assert!(matches!(err, Err(MarketError::Supply(_))));
        });
    }

    #[test]
    fn settling_writes_sales_once() {
        crate::ledger::test_backends::each_backend(|fresh| {
            let mut l = ledger_with_offers(fresh, &[100, 100]);
            let a = l.create_auction(&new_auction(2, Some(100)), 0).unwrap();
            l.place_bids(a.id, &[bid("x", 60, 10), bid("y", 60, 8), bid("z", 10, 2)], "EUR", 1).unwrap();
            let run = |l: &mut Ledger, dry| l.settle_auction(a.id, 5, dry, |a, b| clear(a.rps, a.reserve, a.rule, b));
            let dry = run(&mut l, true).unwrap();
            assert_eq!(dry.revenue, Money(2 * (60 + 40) * 2)); // clearing price 2 per rps-hour, 2 hours
            assert!(l.sales(None, None).unwrap().is_empty());
            let s = run(&mut l, false).unwrap();
            assert_eq!(s.auction.status, AuctionStatus::Cleared);
            assert_eq!(s.auction.clearing_price, Some(Money(2)));
            let sales = l.sales(None, None).unwrap();
            assert_eq!(
                sales.iter().map(|s| (s.buyer.as_str(), s.rps, s.total.micros())).collect::<Vec<_>>(),
                [("x", 60, 240), ("y", 40, 160)]
            );
            let err = run(&mut l, false).unwrap_err();
            assert_eq!(err.to_string(), "auction #1 was cleared at 1970-01-01T00:00:05Z");
            assert!(matches!(l.place_bids(a.id, &[bid("x", 1, 1)], "EUR", 6), Err(MarketError::Ended { .. })));
            // The sold capacity is gone from supply, and its offers can no longer be replaced.
            let err = l.create_auction(&new_auction(1, Some(1)), 7).unwrap_err();
            assert_eq!(err.to_string(), "only 0 rps are unsold in every slot of 1970-01-01T00:00Z/1h; asked for 1");
            let saved = l.save_offers(&[NewOffer { slot: Window::new(0, 3600).unwrap(), rps: 5 }], 8, "again").unwrap();
            assert_eq!((saved.saved, saved.kept), (0, 1));
        });
    }

    #[derive(Debug, Clone)]
    enum Step {
        MeasureAll { rps: i64 },
        Measure { hour: i64, rps: i64 },
        Create { hour: i64, hours: i64, rps: Option<i64>, best_effort: bool },
        Bid { auction: i64, rps: i64, price: i64 },
        Run { auction: i64 },
        Cancel { auction: i64 },
    }

    fn step() -> impl proptest::strategy::Strategy<Value = Step> {
        use proptest::prelude::*;
        // Few hours and auctions, large bids: most sequences get as far as selling something.
        prop_oneof![
            (0i64..120).prop_map(|rps| Step::MeasureAll { rps }),
            (0i64..4, 0i64..120).prop_map(|(hour, rps)| Step::Measure { hour, rps }),
            (0i64..3, 1i64..3, proptest::option::of(1i64..150), proptest::bool::weighted(0.2))
                .prop_map(|(hour, hours, rps, best_effort)| Step::Create { hour, hours, rps, best_effort }),
            (1i64..4, 1i64..150, 1i64..20).prop_map(|(auction, rps, price)| Step::Bid { auction, rps, price }),
            (1i64..4, 1i64..150, 1i64..20).prop_map(|(auction, rps, price)| Step::Bid { auction, rps, price }),
            (1i64..4).prop_map(|auction| Step::Run { auction }),
            (1i64..4).prop_map(|auction| Step::Cancel { auction }),
        ]
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]
        /// Whatever happens, in whatever order, no slot is ever sold beyond its offer, and
        /// best-effort auctions and sales never touch the offers.
        #[test]
        fn never_sold_beyond_the_offer(steps in proptest::collection::vec(step(), 1..40)) {
            let mut l = Ledger::open_in_memory().unwrap();
            for (t, s) in steps.iter().enumerate() {
                let now = t as i64;
                let _ = match s {
                    Step::MeasureAll { rps } => {
                        let offers: Vec<NewOffer> = (0..4).map(|h| NewOffer { slot: Window::new(h * 3600, 3600).unwrap(), rps: *rps }).collect();
                        l.save_offers(&offers, now, "p").map(|_| ()).map_err(MarketError::from)
                    }
                    Step::Measure { hour, rps } => {
                        let slot = Window::new(hour * 3600, 3600).unwrap();
                        l.save_offers(&[NewOffer { slot, rps: *rps }], now, "p").map(|_| ()).map_err(MarketError::from)
                    }
                    Step::Create { hour, hours, rps, best_effort } => {
                        let window = Window::new(hour * 3600, hours * 3600).unwrap();
                        let service = if *best_effort { Service::BestEffort } else { Service::Guaranteed };
                        let new = NewAuction { window, rps: *rps, rule: Rule::Vickrey, reserve: Money(1), closes_at: None, service, currency: "EUR".into() };
                        l.create_auction(&new, now).map(|_| ())
                    }
                    Step::Bid { auction, rps, price } => l.place_bids(*auction, &[bid("x", *rps, *price)], "EUR", now).map(|_| ()),
                    Step::Run { auction } => {
                        l.settle_auction(*auction, now, false, |a, b| clear(a.rps, a.reserve, a.rule, b)).map(|_| ())
                    }
                    Step::Cancel { auction } => l.cancel_auction(*auction, now).map(|_| ()),
                };
                let broken: Vec<_> = l.check_invariants().unwrap().into_iter().filter(|i| i.violations > 0).collect();
                proptest::prop_assert!(broken.is_empty(), "after step {} ({:?}): {:?}", t, s, broken);
            }
        }
    }

    #[test]
    fn best_effort_sells_shares_without_touching_the_offers() {
        crate::ledger::test_backends::each_backend(|fresh| {
            let mut l = ledger_with_offers(fresh, &[100, 100]);
            let g = l.create_auction(&new_auction(2, None), 0).unwrap();
            l.place_bids(g.id, &[bid("x", 100, 5)], "EUR", 1).unwrap();
            l.settle_auction(g.id, 2, false, |a, b| clear(a.rps, a.reserve, a.rule, b)).unwrap();
            let offers = |l: &Ledger| -> Vec<(i64, i64)> {
                l.db.query("SELECT sold, reserved FROM offers ORDER BY slot_start", crate::ledger::db::args![], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .unwrap()
            };
            assert_eq!(offers(&l), [(100, 0), (100, 0)], "everything guaranteed is sold");

            let best_effort = |rps| NewAuction { service: Service::BestEffort, ..new_auction(2, rps) };
            let err = l.create_auction(&best_effort(None), 3).unwrap_err();
            assert_eq!(err.to_string(), "a best-effort auction needs --rps: there is no offer to take it from");
            let a = l.create_auction(&best_effort(Some(50)), 3).unwrap();
            assert_eq!((a.rps, a.service), (50, Service::BestEffort));
            assert_eq!(offers(&l), [(100, 0), (100, 0)], "a best-effort auction holds nothing");
            l.place_bids(a.id, &[bid("x", 20, 3), bid("y", 40, 2)], "EUR", 4).unwrap();
            let s = l.settle_auction(a.id, 5, false, |a, b| clear(a.rps, a.reserve, a.rule, b)).unwrap();
            assert_eq!(s.clearing.sold_rps, 50);
            assert_eq!(offers(&l), [(100, 0), (100, 0)], "nor do its sales");
            let sales = l.sales(None, None).unwrap();
            assert_eq!(
                sales.iter().map(|s| (s.buyer.as_str(), s.rps, s.service)).collect::<Vec<_>>(),
                [("x", 100, Service::Guaranteed), ("x", 20, Service::BestEffort), ("y", 30, Service::BestEffort)]
            );
            let held = l.holdings_at(3600).unwrap();
            let x = crate::ledger::Holding { buyer: "x".into(), guaranteed_rps: 100, best_effort_rps: 20 };
            let y = crate::ledger::Holding { buyer: "y".into(), guaranteed_rps: 0, best_effort_rps: 30 };
            assert_eq!(held, [x, y]);
            assert!(l.holdings_at(2 * 3600).unwrap().is_empty(), "the windows have ended");
        });
    }

    #[test]
    fn bids_are_in_the_auctions_currency() {
        crate::ledger::test_backends::each_backend(|fresh| {
            let mut l = ledger_with_offers(fresh, &[100]);
            let a = l.create_auction(&NewAuction { currency: "USD".into(), ..new_auction(1, None) }, 0).unwrap();
            let err = l.place_bids(a.id, &[bid("x", 10, 5)], "EUR", 1).unwrap_err();
            assert_eq!(err.to_string(), "auction #1 is priced in USD, not EUR: prices in two currencies cannot meet");
            l.place_bids(a.id, &[bid("x", 10, 5)], "USD", 1).unwrap();
            l.settle_auction(a.id, 2, false, |a, b| clear(a.rps, a.reserve, a.rule, b)).unwrap();
            assert_eq!(l.sales(None, None).unwrap()[0].currency, "USD");
        });
    }

    /// On PostgreSQL these are statement checks (migration 4), not foreign keys: they must
    /// refuse what SQLite's keys refuse, and let a settled auction's COPY of sales through.
    #[test]
    fn bids_and_sales_must_name_what_exists() {
        crate::ledger::test_backends::each_backend(|fresh| {
            let mut l = ledger_with_offers(fresh, &[100]);
            let a = l.create_auction(&new_auction(1, None), 0).unwrap();
            let ids = l.place_bids(a.id, &[bid("x", 10, 4), bid("y", 10, 5)], "EUR", 1).unwrap();
            let bid_into = |auction: i64| {
                format!(
                    "INSERT INTO bids (auction_id, buyer, rps, min_rps, price, placed_at, currency)
                     VALUES ({auction}, 'z', 1, 0, 1, 1, 'EUR')"
                )
            };
            assert!(l.db.batch(&bid_into(a.id + 1)).is_err(), "a bid on no auction");
            assert!(l.db.batch(&format!("UPDATE bids SET auction_id = {} WHERE id = {}", a.id + 1, ids[0])).is_err());
            assert!(l.db.batch(&format!("DELETE FROM auctions WHERE id = {}", a.id)).is_err(), "it has bids");
            l.settle_auction(a.id, 2, false, |a, b| clear(a.rps, a.reserve, a.rule, b)).unwrap();
            let sales = l.sales(None, None).unwrap();
            assert_eq!(sales.iter().map(|s| s.buyer.as_str()).collect::<Vec<_>>(), ["x", "y"], "in bid order");
            let sale_of = |bid: i64| {
                format!(
                    "INSERT INTO sales (buyer, window_start, window_end, rps, unit_price, total, mechanism, source_id,
                                        bid_id, created_at, currency)
                     VALUES ('x', 0, 3600, 1, 1, 1, 'auction', {}, {bid}, 3, 'EUR')",
                    a.id
                )
            };
            assert!(l.db.batch(&sale_of(ids[1] + 100)).is_err(), "a sale of no bid");
            assert!(l.db.batch(&format!("DELETE FROM bids WHERE id = {}", ids[0])).is_err(), "it has a sale");
            l.db.batch(&sale_of(ids[1])).unwrap();
            l.db.batch(&bid_into(a.id)).unwrap();
        });
    }

    #[test]
    fn bids_go_in_whole_or_not_at_all() {
        crate::ledger::test_backends::each_backend(|fresh| {
            let mut l = ledger_with_offers(fresh, &[100]);
            let a = l.create_auction(&new_auction(1, None), 0).unwrap();
            let bad = [bid("x", 10, 5), NewBid { buyer: "y".into(), rps: 5, min_rps: 9, price: Money(5) }];
            assert!(l.place_bids(a.id, &bad, "EUR", 1).is_err());
            assert!(l.auction(a.id).unwrap().1.is_empty());
            let closing = l.create_auction(&NewAuction { closes_at: Some(50), ..new_auction(1, Some(0)) }, 0);
            assert!(closing.is_err(), "0 rps");
            assert!(matches!(l.place_bids(99, &[bid("x", 1, 1)], "EUR", 1), Err(MarketError::NoAuction(99))));
        });
    }
}
