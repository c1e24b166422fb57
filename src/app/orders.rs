//! `surplus market order …`, `market book` and `market orders`: the continuous market.

use std::collections::HashSet;
use std::io::{self, Write};
use std::path::Path;
use std::time::Instant;

use super::bad_usage;
use anyhow::{Context, anyhow, bail};
use serde::Serialize;

use crate::cli::{BookArgs, OrderArgs, OrderCommand, OrderTerms, OrdersArgs};
use crate::config::Config;
use crate::core::book::{Side, TimeInForce};
use crate::core::money::{self, Money, format_minor, format_price, to_minor};
use crate::core::window::{Window, format_instant};
use crate::ledger::{Access, BookCache, Ledger, NewOrder, Placed};
use crate::output::{self, Rows};

/// `market order buy|sell|cancel` and `market order --file`, at `now`.
pub fn order(config: &Config, db: Option<&Path>, args: &OrderArgs, now: i64) -> anyhow::Result<()> {
    let mut ledger = super::open_ledger(config, db, Access::Write)?;
    let buyers: HashSet<&str> = config.buyers.iter().map(|b| b.name.as_str()).collect();
    let mut out = io::stdout().lock();
    let new = match (&args.command, &args.file) {
        (Some(OrderCommand::Cancel { id }), _) => {
            let o = ledger.cancel_order(*id)?;
            writeln!(out, "cancelled order #{}: {} rps were still open", o.id, o.remaining)?;
            return Ok(());
        }
        (None, Some(path)) => return batch(config, &mut ledger, path, &buyers, now),
        (Some(OrderCommand::Buy(a)), _) => new_order(config, Side::Buy, Some(&a.buyer), &a.terms, &buyers, now)?,
        (Some(OrderCommand::Sell(a)), _) => new_order(config, Side::Sell, a.buyer.as_deref(), &a.terms, &buyers, now)?,
        (None, None) => return Err(bad_usage("give an order (buy, sell, cancel) or --file")),
    };
    let placed = ledger.place_order(&new, now, &mut BookCache::default())?;
    super::market::note_begun(new.window, new.window.began(now));
    writeln!(out, "{}", describe(&placed)?)?;
    Ok(())
}

fn new_order(
    config: &Config,
    side: Side,
    owner: Option<&str>,
    t: &OrderTerms,
    buyers: &HashSet<&str>,
    now: i64,
) -> anyhow::Result<NewOrder> {
    let tif = if t.ioc { TimeInForce::Ioc } else { TimeInForce::Gtc };
    check_order(config, side, owner, t.window, buyers).map_err(|e| bad_usage(format!("--{e}")))?;
    // Not bad usage: the same window was sellable a while ago.
    check_tradable(config, t.window, now).map_err(|e| anyhow!("--{e}"))?;
    Ok(NewOrder {
        side,
        owner: owner.map(str::to_string),
        window: t.window,
        rps: t.rps,
        limit: t.limit,
        tif,
        currency: config.market.currency.0.clone(),
    })
}

/// Checks what the ledger cannot: the buyer is known, the window is on the slot grid and not
/// longer than surplus sells.
fn check_order(
    config: &Config,
    side: Side,
    owner: Option<&str>,
    window: Window,
    buyers: &HashSet<&str>,
) -> Result<(), String> {
    if let Some(name) = owner
        && !buyers.contains(name)
    {
        return Err(format!("buyer: unknown buyer `{name}` (not in the configuration)"));
    }
    if side == Side::Buy && owner.is_none() {
        return Err("buyer: a buy order needs a buyer".into());
    }
    window.check_aligned(config.market.slot).map_err(|e| format!("window: {e}"))?;
    money::check_window_secs(window.secs(), window).map_err(|e| format!("window: {e}"))
}

/// Checks that `window` can still be traded at `now`: a window whose first slot is over would
/// bill hours that are gone.
fn check_tradable(config: &Config, window: Window, now: i64) -> Result<(), String> {
    window.check_sellable(config.market.slot, now).map(|_| ()).map_err(|e| format!("window: {e}"))
}

fn describe(p: &Placed) -> anyhow::Result<String> {
    let o = &p.order;
    let currency = o.currency.as_str();
    let who = o.owner.as_deref().unwrap_or("operator");
    let side = if o.side == Side::Buy { "buy" } else { "sell" };
    let traded: i64 = p.trades.iter().map(|t| t.rps).sum();
    let value: i128 = p.trades.iter().map(|t| i128::from(t.rps) * i128::from(t.price.micros())).sum();
    let average = if traded > 0 {
        // The trades' totals as their sales print them (to the minor unit), added up.
        let cost =
            Money::sum(p.trades.iter().map(|t| to_minor(t.total, currency)), || format!("order #{}'s trades", o.id))?;
        let mean = Money::from_i128(value / i128::from(traded), || format!("order #{}'s mean price", o.id))?;
        format!(" at {} on average for {} {currency}", format_price(mean, currency), format_minor(cost, currency))
    } else {
        String::new()
    };
    Ok(format!(
        "order #{} ({side}, {who}, {} rps of {} at {} {currency}{}): traded {traded} rps in {} trade{}{average}; {} resting, {} cancelled",
        o.id,
        o.rps,
        o.window,
        format_price(o.limit, currency),
        if o.tif == TimeInForce::Ioc { ", ioc" } else { "" },
        p.trades.len(),
        if p.trades.len() == 1 { "" } else { "s" },
        p.rested,
        p.cancelled
    ))
}

/// One line of an order file, checked.
pub struct FileOrder {
    pub line: u64,
    pub order: NewOrder,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct OrderRow {
    side: String,
    #[serde(default)]
    buyer: String,
    window: String,
    rps: i64,
    #[serde(deserialize_with = "crate::config::values::money")]
    limit: Money,
    #[serde(default)]
    tif: String,
}

fn read_orders(config: &Config, path: &Path, buyers: &HashSet<&str>, now: i64) -> anyhow::Result<Vec<FileOrder>> {
    let text = std::fs::read_to_string(path).with_context(|| path.display().to_string())?;
    parse_orders(config, &path.display().to_string(), &text, buyers, now)
}

/// The orders of an orders file's `text` (named `file` in errors), every line checked, the
/// windows against `now`.
pub fn parse_orders(
    config: &Config,
    file: &str,
    text: &str,
    buyers: &HashSet<&str>,
    now: i64,
) -> anyhow::Result<Vec<FileOrder>> {
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(text.as_bytes());
    let headers = reader.headers().map_err(|e| anyhow!("{file}:1: {e}"))?.clone();
    let mut orders = Vec::new();
    for (i, row) in reader.deserialize::<OrderRow>().enumerate() {
        let line = i as u64 + 2;
        let row = row.map_err(|e| {
            anyhow!(
                "{file}:{}: {}",
                e.position().map_or(line, |p| p.line()),
                super::bid_file::csv_message(&e, &headers)
            )
        })?;
        let order = parse_row(config, row, buyers, now).map_err(|e| anyhow!("{file}:{line}: {e}"))?;
        orders.push(FileOrder { line, order });
    }
    Ok(orders)
}

fn parse_row(config: &Config, row: OrderRow, buyers: &HashSet<&str>, now: i64) -> Result<NewOrder, String> {
    let side = match row.side.as_str() {
        "buy" => Side::Buy,
        "sell" => Side::Sell,
        other => return Err(format!("side: expected buy or sell, got `{other}`")),
    };
    let tif = match row.tif.as_str() {
        "" | "gtc" => TimeInForce::Gtc,
        "ioc" => TimeInForce::Ioc,
        other => return Err(format!("tif: expected gtc or ioc, got `{other}`")),
    };
    let window: Window = row.window.parse().map_err(|e| format!("window: {e}"))?;
    let owner = (!row.buyer.is_empty()).then_some(row.buyer);
    check_order(config, side, owner.as_deref(), window, buyers)?;
    check_tradable(config, window, now)?;
    if row.rps <= 0 {
        return Err(format!("rps: must be > 0, got {}", row.rps));
    }
    money::check_rps(row.rps).map_err(|e| format!("rps: {e}"))?;
    if row.limit.micros() <= 0 {
        return Err(format!("limit: must be > 0, got {}", row.limit));
    }
    Ok(NewOrder {
        side,
        owner,
        window,
        rps: row.rps,
        limit: row.limit,
        tif,
        currency: config.market.currency.0.clone(),
    })
}

/// Places a file of orders in turn, as an exchange takes a batch: an order the market refuses
/// (no supply left, not held) is reported by line and the rest go on; the command then fails,
/// naming how many were refused.
fn batch(config: &Config, ledger: &mut Ledger, path: &Path, buyers: &HashSet<&str>, now: i64) -> anyhow::Result<()> {
    let orders = read_orders(config, path, buyers, now)?;
    let started = Instant::now();
    let mut cache = BookCache::default();
    let (mut trades, mut rested, mut cancelled, mut placed, mut refused) = (0usize, 0i64, 0i64, 0usize, 0usize);
    let news: Vec<NewOrder> = orders.iter().map(|o| o.order.clone()).collect();
    let outcome = ledger.place_orders(&news, now, &mut cache, |i, result| match result {
        Ok(p) => {
            trades += p.trades.len();
            rested += p.rested;
            cancelled += p.cancelled;
            placed += 1;
        }
        Err(e) => {
            refused += 1;
            eprintln!("refused: {}:{}: {e}", path.display(), orders[i].line);
        }
    });
    if let Err(e) = outcome {
        let line = orders.get(placed + refused).map_or(0, |o| o.line);
        return Err(anyhow!(e)
            .context(format!("{}:{line}: stopped; the {placed} orders before it were placed", path.display())));
    }
    let secs = started.elapsed().as_secs_f64();
    writeln!(
        io::stdout(),
        "placed {placed} orders from {} in {secs:.2} s ({:.0} orders/s): {trades} trades, {rested} rps resting, {cancelled} rps cancelled; {refused} refused",
        path.display(),
        (placed + refused) as f64 / secs.max(1e-9)
    )?;
    if refused > 0 {
        bail!("{refused} of {} orders in {} were refused", orders.len(), path.display());
    }
    Ok(())
}

#[derive(Serialize)]
struct LevelJson {
    price: String,
    rps: i64,
    orders: usize,
}

#[derive(Serialize)]
struct BookJson<'a> {
    window_start: String,
    window_end: String,
    /// What the resting orders are priced in; null for an empty book.
    currency: Option<&'a str>,
    bids: Vec<LevelJson>,
    asks: Vec<LevelJson>,
}

/// `market book`.
pub fn book(config: &Config, db: Option<&Path>, args: &BookArgs) -> anyhow::Result<()> {
    let owned = super::open_ledger(config, db, Access::Read)?.book(args.window)?;
    let (bids, asks) = owned.book.depth();
    let mut rows = Rows::new(&["side", "price#", "currency!", "rps#", "orders#"]);
    for (side, levels) in [("ask", asks.iter().rev().collect::<Vec<_>>()), ("bid", bids.iter().collect())] {
        for l in levels {
            let currency = owned.currency.clone().unwrap_or_else(|| config.market.currency.0.clone());
            let price = format_price(l.price, &currency);
            rows.push(vec![side.into(), price, currency, l.rps.to_string(), l.orders.to_string()]);
        }
    }
    let level = |l: &crate::core::book::Level| LevelJson { price: l.price.to_string(), rps: l.rps, orders: l.orders };
    let json = BookJson {
        window_start: format_instant(args.window.start),
        window_end: format_instant(args.window.end),
        currency: owned.currency.as_deref().filter(|_| !owned.book.is_empty()),
        bids: bids.iter().map(level).collect(),
        asks: asks.iter().map(level).collect(),
    };
    output::write(&mut io::stdout().lock(), args.format.format, &rows, &json)?;
    Ok(())
}

#[derive(Serialize)]
struct OrderJson<'a> {
    id: i64,
    side: &'static str,
    owner: Option<&'a str>,
    window_start: String,
    window_end: String,
    rps: i64,
    remaining: i64,
    limit: String,
    currency: &'a str,
    tif: &'static str,
    status: &'static str,
    placed_at: String,
}

/// `market orders`.
pub fn orders(config: &Config, db: Option<&Path>, args: &OrdersArgs) -> anyhow::Result<()> {
    let orders = super::open_ledger(config, db, Access::Read)?.orders(args.open)?;
    let mut rows =
        Rows::new(&["id#", "side", "owner", "window/", "rps#", "remaining#", "limit#", "currency!", "tif", "status"]);
    let mut json = Vec::new();
    for o in &orders {
        let side = if o.side == Side::Buy { "buy" } else { "sell" };
        let tif = if o.tif == TimeInForce::Ioc { "ioc" } else { "gtc" };
        rows.push(vec![
            o.id.to_string(),
            side.into(),
            o.owner.clone().unwrap_or_else(|| "operator".into()),
            o.window.to_string(),
            o.rps.to_string(),
            o.remaining.to_string(),
            format_price(o.limit, &o.currency),
            o.currency.clone(),
            tif.into(),
            o.status.name().into(),
        ]);
        json.push(OrderJson {
            id: o.id,
            side,
            owner: o.owner.as_deref(),
            window_start: format_instant(o.window.start),
            window_end: format_instant(o.window.end),
            rps: o.rps,
            remaining: o.remaining,
            limit: o.limit.to_string(),
            currency: &o.currency,
            tif,
            status: o.status.name(),
            placed_at: format_instant(o.placed_at),
        });
    }
    output::write(&mut io::stdout().lock(), args.format.format, &rows, &json)?;
    Ok(())
}
