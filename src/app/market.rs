//! `surplus market auction …` and `surplus market sales`: selling offered capacity.

use std::collections::{HashMap, HashSet};
use std::io::{self, Write};
use std::path::Path;

use super::bad_usage;
use anyhow::{Context, anyhow};
use serde::Serialize;

use super::{bid_file, open_ledger};
use crate::cli::{AuctionCreateArgs, AuctionIdArgs, AuctionListArgs, AuctionRunArgs, BidArgs, SalesArgs};
use crate::config::Config;
use crate::core::auction::{check_bid, clear, total_for_window};
use crate::core::money::{Money, Overflow, format_minor, format_price, to_minor};
use crate::core::service::Service;
use crate::core::usage_report::totals_by_currency;
use crate::core::window::{Window, check_closes, format_ago, format_instant};
use crate::ledger::auctions::Settlement;
use crate::ledger::{Access, Auction, AuctionStatus, Ledger, NewAuction, NewBid, Sale};
use crate::output::{self, Format, Rows};

/// A price per rps-hour with its currency, as precise as it is.
fn price(m: Money, currency: &str) -> String {
    format!("{} {currency}", format_price(m, currency))
}

/// An amount owed with its currency, to the currency's minor unit.
fn amount(m: Money, currency: &str) -> String {
    format!("{} {currency}", format_minor(m, currency))
}

/// The total of printed (rounded) amounts in one currency: what a reader adding up the lines
/// gets.
fn printed_total(amounts: impl Iterator<Item = Money>, currency: &str, what: &str) -> anyhow::Result<Money> {
    Ok(Money::sum(amounts.map(|m| to_minor(m, currency)), || what.to_string())?)
}

/// An auction in JSON (documented in the README; keep names stable). Money is a decimal string.
#[derive(Serialize)]
struct AuctionJson {
    id: i64,
    window_start: String,
    window_end: String,
    rps: i64,
    rule: &'static str,
    reserve: String,
    currency: String,
    closes_at: Option<String>,
    status: &'static str,
    created_at: String,
    ended_at: Option<String>,
    clearing_price: Option<String>,
    /// `guaranteed` or `best-effort`.
    service: &'static str,
}

fn auction_json(a: &Auction) -> AuctionJson {
    AuctionJson {
        id: a.id,
        window_start: format_instant(a.window.start),
        window_end: format_instant(a.window.end),
        rps: a.rps,
        rule: a.rule.name(),
        reserve: a.reserve.to_string(),
        currency: a.currency.clone(),
        closes_at: a.closes_at.map(format_instant),
        status: a.status.name(),
        created_at: format_instant(a.created_at),
        ended_at: a.ended_at.map(format_instant),
        clearing_price: a.clearing_price.map(|p| p.to_string()),
        service: a.service.name(),
    }
}

fn describe(a: &Auction) -> String {
    let closes = a.closes_at.map(|c| format!(", closes {}", format_instant(c))).unwrap_or_default();
    let service = if a.service == Service::BestEffort { " best-effort" } else { "" };
    format!(
        "auction #{}: {}, {} rps{service}, {}, reserve {}{closes}, {}",
        a.id,
        a.window,
        a.rps,
        a.rule,
        price(a.reserve, &a.currency),
        a.status.name()
    )
}

/// Says on stderr that `window` began `began` seconds ago (when it has): the slot running now
/// is sold and billed whole, which whoever sells it should know.
pub fn note_begun(window: Window, began: Option<i64>) {
    if let Some(secs) = began {
        eprintln!("note: {window} began {} ago; its first slot is sold and billed whole", format_ago(secs));
    }
}

/// Checks that auction `id` can still sell its window at `now` (see `Window::check_sellable`),
/// before bids or a run write anything. An auction that is not open is left to the ledger's
/// own message.
fn check_auction_window(
    config: &Config,
    ledger: &mut Ledger,
    id: i64,
    now: i64,
) -> anyhow::Result<Option<(Window, Option<i64>)>> {
    let auction = ledger.auction_terms(id)?;
    if auction.status != AuctionStatus::Open {
        return Ok(None);
    }
    let began = auction
        .window
        .check_sellable(config.market.slot, now)
        .map_err(|e| anyhow!("auction #{id}: {e}; cancel it with `surplus market auction cancel {id}`"))?;
    Ok(Some((auction.window, began)))
}

/// `market auction create`.
pub fn create(config: &Config, db: Option<&Path>, args: &AuctionCreateArgs, now: i64) -> anyhow::Result<()> {
    args.window.check_aligned(config.market.slot).map_err(|e| bad_usage(format!("--window: {e}")))?;
    crate::core::money::check_window_secs(args.window.secs(), args.window)
        .map_err(|e| bad_usage(format!("--window: {e}")))?;
    let began = args.window.check_sellable(config.market.slot, now).context("--window")?;
    if let Some(closes) = args.closes {
        check_closes(closes.as_second(), args.window, now)?;
    }
    let new = NewAuction {
        window: args.window,
        rps: args.rps,
        rule: args.rule,
        reserve: args.reserve.unwrap_or(config.market.reserve_price),
        closes_at: args.closes.map(|t| t.as_second()),
        service: if args.best_effort { Service::BestEffort } else { Service::Guaranteed },
        currency: config.market.currency.0.clone(),
    };
    let auction = open_ledger(config, db, Access::Write)?.create_auction(&new, now)?;
    note_begun(auction.window, began);
    writeln!(io::stdout(), "created {}", describe(&auction))?;
    Ok(())
}

/// `market auction list`.
pub fn list(config: &Config, db: Option<&Path>, args: &AuctionListArgs) -> anyhow::Result<()> {
    let status = match args.status.as_deref() {
        Some("open") => Some(AuctionStatus::Open),
        Some("cleared") => Some(AuctionStatus::Cleared),
        Some("cancelled") => Some(AuctionStatus::Cancelled),
        _ => None,
    };
    let auctions = open_ledger(config, db, Access::Read)?.auctions(status)?;
    let mut rows =
        Rows::new(&["id#", "window/", "rps#", "service", "rule", "reserve#", "currency!", "closes_at@", "status"]);
    for a in &auctions {
        rows.push(vec![
            a.id.to_string(),
            a.window.to_string(),
            a.rps.to_string(),
            a.service.name().into(),
            a.rule.name().into(),
            format_price(a.reserve, &a.currency),
            a.currency.clone(),
            a.closes_at.map(format_instant).unwrap_or_default(),
            a.status.name().into(),
        ]);
    }
    let json: Vec<AuctionJson> = auctions.iter().map(auction_json).collect();
    output::write(&mut io::stdout().lock(), args.format.format, &rows, &json)?;
    Ok(())
}

/// One bid and, once cleared, what it won.
#[derive(Serialize)]
struct BidJson<'a> {
    bid_id: i64,
    buyer: &'a str,
    rps: i64,
    min_rps: i64,
    price: String,
    placed_at: String,
    won_rps: Option<i64>,
    unit_price: Option<String>,
    total: Option<String>,
}

#[derive(Serialize)]
struct ShowJson<'a> {
    auction: AuctionJson,
    bids: Vec<BidJson<'a>>,
}

/// `market auction show`.
pub fn show(config: &Config, db: Option<&Path>, args: &AuctionIdArgs) -> anyhow::Result<()> {
    let mut ledger = open_ledger(config, db, Access::Read)?;
    let (auction, bids) = ledger.auction(args.id)?;
    let won: HashMap<i64, Sale> = ledger
        .sales(None, Some(auction.window))?
        .into_iter()
        .filter(|s| s.mechanism == "auction" && s.source_id == auction.id)
        .filter_map(|s| s.bid_id.map(|b| (b, s)))
        .collect();
    let cleared = auction.status == AuctionStatus::Cleared;
    let mut rows = Rows::new(&[
        "bid#",
        "buyer",
        "rps#",
        "min_rps#",
        "price#",
        "placed_at@",
        "won_rps#",
        "unit_price#",
        "total#",
        "currency!",
    ]);
    let mut json = ShowJson { auction: auction_json(&auction), bids: Vec::new() };
    for b in &bids {
        let sale = won.get(&b.id);
        let won_rps = cleared.then(|| sale.map_or(0, |s| s.rps));
        let unit = sale.map(|s| s.unit_price.to_string());
        let total = sale.map(|s| s.total.to_string());
        let c = auction.currency.as_str();
        rows.push(vec![
            b.id.to_string(),
            b.buyer.clone(),
            b.rps.to_string(),
            b.min_rps.to_string(),
            format_price(b.price, c),
            format_instant(b.placed_at),
            won_rps.map(|w| w.to_string()).unwrap_or_default(),
            sale.map(|s| format_price(s.unit_price, c)).unwrap_or_default(),
            sale.map(|s| format_minor(s.total, c)).unwrap_or_default(),
            auction.currency.clone(),
        ]);
        json.bids.push(BidJson {
            bid_id: b.id,
            buyer: &b.buyer,
            rps: b.rps,
            min_rps: b.min_rps,
            price: b.price.to_string(),
            placed_at: format_instant(b.placed_at),
            won_rps,
            unit_price: unit,
            total,
        });
    }
    let mut out = io::stdout().lock();
    if args.format.format == Format::Table {
        writeln!(out, "{}", describe(&auction))?;
    }
    output::write(&mut out, args.format.format, &rows, &json)?;
    Ok(())
}

/// `market auction cancel`.
pub fn cancel(config: &Config, db: Option<&Path>, args: &AuctionIdArgs, now: i64) -> anyhow::Result<()> {
    let auction = open_ledger(config, db, Access::Write)?.cancel_auction(args.id, now)?;
    writeln!(io::stdout(), "cancelled {}", describe(&auction))?;
    Ok(())
}

/// `market auction bid`.
pub fn bid(config: &Config, db: Option<&Path>, args: &BidArgs, now: i64) -> anyhow::Result<()> {
    let buyers: HashSet<&str> = config.buyers.iter().map(|b| b.name.as_str()).collect();
    let bids = match (&args.file, &args.buyer, args.rps, args.price) {
        (Some(path), ..) => bid_file::read(path, &buyers)?,
        (None, Some(buyer), Some(rps), Some(price)) => {
            if !buyers.contains(buyer.as_str()) {
                return Err(bad_usage(format!("--buyer: unknown buyer `{buyer}` (not in the configuration)")));
            }
            let min_rps = args.min_rps.unwrap_or(0);
            check_bid(rps, min_rps, price).map_err(bad_usage)?;
            vec![NewBid { buyer: buyer.clone(), rps, min_rps, price }]
        }
        _ => return Err(bad_usage("give --buyer, --rps and --price, or --file")),
    };
    let mut ledger = open_ledger(config, db, Access::Write)?;
    check_auction_window(config, &mut ledger, args.id, now)?;
    // The bids' prices are in the config's currency; the ledger refuses them on an auction in
    // another.
    let ids = ledger.place_bids(args.id, &bids, &config.market.currency.0, now)?;
    let first = ids.first().copied().unwrap_or_default();
    let last = ids.last().copied().unwrap_or_default();
    let range = if ids.len() == 1 { format!("bid #{first}") } else { format!("{} bids, #{first}..#{last}", ids.len()) };
    writeln!(io::stdout(), "placed {range} on auction #{}", args.id)?;
    Ok(())
}

#[derive(Serialize)]
struct RunJson<'a> {
    auction: AuctionJson,
    dry_run: bool,
    sold_rps: i64,
    clearing_price: Option<String>,
    revenue: String,
    allocations: Vec<AllocationJson<'a>>,
}

#[derive(Serialize)]
struct AllocationJson<'a> {
    rank: usize,
    bid_id: i64,
    buyer: &'a str,
    price: String,
    rps: i64,
    min_rps: i64,
    won_rps: i64,
    unit_price: String,
    total: String,
}

/// `market auction run`.
pub fn run(config: &Config, db: Option<&Path>, args: &AuctionRunArgs, now: i64) -> anyhow::Result<()> {
    let mut ledger = open_ledger(config, db, Access::Write)?;
    if let Some((window, began)) = check_auction_window(config, &mut ledger, args.id, now)? {
        note_begun(window, began);
    }
    let s = ledger.settle_auction(args.id, now, args.dry_run, |a, bids| clear(a.rps, a.reserve, a.rule, bids))?;
    print_settlement(&s, args)
}

/// Prints the winners in rank order and the revenue. Only the chosen format is built: an
/// auction can have a million bids.
fn print_settlement(s: &Settlement, args: &AuctionRunArgs) -> anyhow::Result<()> {
    let secs = s.auction.window.secs();
    // The settlement checked every total (and wrote none if one did not fit): these cannot fail.
    let winners = s.clearing.awards.iter().enumerate().filter(|(_, a)| a.rps > 0).map(|(rank, a)| {
        let what = || format!("bid #{}'s total", a.bid_id);
        let unit = Money::from_i128(a.payment_per_hour / i128::from(a.rps), what)?;
        Ok((rank + 1, a, &s.bids[a.index], unit, total_for_window(a.payment_per_hour, secs)?))
    });
    let mut out = io::stdout().lock();
    if args.format.format == Format::Json {
        let json = RunJson {
            auction: auction_json(&s.auction),
            dry_run: args.dry_run,
            sold_rps: s.clearing.sold_rps,
            clearing_price: s.clearing.clearing_price.map(|p| p.to_string()),
            revenue: s.revenue.to_string(),
            allocations: winners
                .map(|w| {
                    w.map(|(rank, a, b, unit, total)| AllocationJson {
                        rank,
                        bid_id: b.id,
                        buyer: &b.buyer,
                        price: b.price.to_string(),
                        rps: b.rps,
                        min_rps: b.min_rps,
                        won_rps: a.rps,
                        unit_price: unit.to_string(),
                        total: total.to_string(),
                    })
                })
                .collect::<Result<_, Overflow>>()?,
        };
        output::write_json(&mut out, &json)?;
        return Ok(());
    }
    let c = s.auction.currency.as_str();
    let mut rows = Rows::new(&[
        "rank#",
        "bid#",
        "buyer",
        "price#",
        "rps#",
        "min_rps#",
        "won_rps#",
        "unit_price#",
        "total#",
        "currency!",
    ]);
    let mut totals = Vec::new();
    for w in winners {
        let (rank, a, b, unit, total) = w?;
        totals.push(total);
        rows.push(vec![
            rank.to_string(),
            b.id.to_string(),
            b.buyer.clone(),
            format_price(b.price, c),
            b.rps.to_string(),
            b.min_rps.to_string(),
            a.rps.to_string(),
            format_price(unit, c),
            format_minor(total, c),
            s.auction.currency.clone(),
        ]);
    }
    output::write(&mut out, args.format.format, &rows, &())?;
    if args.format.format == Format::Table {
        let revenue = printed_total(totals.into_iter(), c, "the auction's revenue")?;
        let price = s.clearing.clearing_price.map(|p| format!(" at {} per rps-hour", price(p, c))).unwrap_or_default();
        let losers = s.clearing.awards.iter().filter(|a| a.rps == 0).count();
        writeln!(
            out,
            "auction #{} ({}{price}): sold {} of {} rps for {} to {} bids ({losers} lost); revenue {}{}",
            s.auction.id,
            s.auction.rule,
            s.clearing.sold_rps,
            s.auction.rps,
            s.auction.window,
            s.clearing.awards.len() - losers,
            amount(revenue, c),
            if args.dry_run { " (dry run: nothing written)" } else { "" }
        )?;
    }
    Ok(())
}

#[derive(Serialize)]
struct SaleJson<'a> {
    id: i64,
    buyer: &'a str,
    seller: Option<&'a str>,
    window_start: String,
    window_end: String,
    rps: i64,
    unit_price: String,
    total: String,
    currency: &'a str,
    mechanism: &'a str,
    rule: Option<&'a str>,
    source_id: i64,
    created_at: String,
    /// `guaranteed` or `best-effort` (charged for what is used).
    service: &'a str,
}

/// `market sales`.
pub fn sales(config: &Config, db: Option<&Path>, args: &SalesArgs) -> anyhow::Result<()> {
    let ledger = open_ledger(config, db, Access::Read)?;
    if let Some(name) = &args.buyer {
        super::check_buyer(config, &ledger, name)?;
    }
    let sales = ledger.sales(args.buyer.as_deref(), args.window)?;
    let mut rows = Rows::new(&[
        "id#",
        "buyer",
        "seller",
        "window/",
        "rps#",
        "service",
        "unit_price#",
        "total#",
        "currency!",
        "mechanism",
        "source_id#",
    ]);
    let mut json = Vec::new();
    for s in &sales {
        rows.push(vec![
            s.id.to_string(),
            s.buyer.clone(),
            s.seller.clone().unwrap_or_else(|| "operator".into()),
            s.window.to_string(),
            s.rps.to_string(),
            s.service.name().into(),
            format_price(s.unit_price, &s.currency),
            format_minor(s.total, &s.currency),
            s.currency.clone(),
            s.mechanism.clone(),
            s.source_id.to_string(),
        ]);
        json.push(SaleJson {
            id: s.id,
            buyer: &s.buyer,
            seller: s.seller.as_deref(),
            window_start: format_instant(s.window.start),
            window_end: format_instant(s.window.end),
            rps: s.rps,
            unit_price: s.unit_price.to_string(),
            total: s.total.to_string(),
            currency: &s.currency,
            mechanism: &s.mechanism,
            rule: s.rule.as_deref(),
            source_id: s.source_id,
            created_at: format_instant(s.created_at),
            service: s.service.name(),
        });
    }
    let mut out = io::stdout().lock();
    output::write(&mut out, args.format.format, &rows, &json)?;
    if args.format.format == Format::Table {
        let totals = totals_by_currency(sales.iter().map(|s| (s.currency.as_str(), to_minor(s.total, &s.currency))))?;
        writeln!(out, "{} sales, {} in all", sales.len(), output::amounts(&totals, &config.market.currency.0))?;
    }
    Ok(())
}
