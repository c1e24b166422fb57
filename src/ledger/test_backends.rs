//! One test body, two backends: the ledger's unit tests and proptests run each body on an
//! in-memory SQLite ledger and on a fresh database of the test PostgreSQL cluster
//! (`tests/support/pg_cluster.rs`), which `SURPLUS_REQUIRE_SYSTEM_TESTS=1` requires.
//!
//! A fresh PostgreSQL ledger is a copy of a template database migrated once per test process
//! (`CREATE DATABASE … TEMPLATE`), so a proptest can afford one per case.

use std::path::Path;

use super::location::Location;
use super::postgres::pg_cluster;
use super::{Ledger, OpenOptions};

/// Which database a test body runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The backends this machine can run: SQLite, and PostgreSQL when its binaries are here.
pub fn backends() -> Vec<Backend> {
    let mut all = vec![Backend::Sqlite];
    if pg_cluster::shared().is_some() {
        all.push(Backend::Postgres);
    }
    all
}

/// Runs `body` on a fresh ledger of each backend, saying which (a failure's output shows it).
pub fn each_backend(mut body: impl FnMut(Ledger)) {
    for backend in backends() {
        eprintln!("backend: {backend:?}");
        body(backend.ledger());
    }
}

impl Backend {
    /// A fresh, empty, migrated ledger.
    pub fn ledger(self) -> Ledger {
        match self {
            Backend::Sqlite => Ledger::open_in_memory().expect("an in-memory ledger"),
            Backend::Postgres => {
                let url = fresh_postgres_url();
                let location = Location::parse(&url, Path::new("")).expect("the cluster's URL");
                Ledger::open_location(&location, OpenOptions::write("EUR")).expect("a fresh PostgreSQL ledger")
            }
        }
    }
}

/// The URL of a new database copied from a migrated template.
pub fn fresh_postgres_url() -> String {
    let cluster = pg_cluster::shared().expect("PostgreSQL");
    cluster.fresh_database_like("ledger", |client| {
        super::postgres::migrations::migrate(client).expect("the template ledger");
    })
}

/// A ledger of `backend` with rows in every table: offers, a settled and an open auction with
/// bids, trades and a resting order, usage samples (one rewritten, one expired), and zone serials.
pub fn sample_ledger(backend: Backend) -> Ledger {
    use crate::core::auction::{Rule, clear};
    use crate::core::book::{Side, TimeInForce};
    use crate::core::money::Money;
    use crate::core::window::Window;
    use crate::ledger::{BookCache, NewAuction, NewBid, NewOffer, NewOrder, UsageSample};

    let mut l = backend.ledger();
    let hour = |h: i64| Window::new(h * 3600, 3600).unwrap();
    let offers: Vec<NewOffer> = (0..4).map(|h| NewOffer { slot: hour(h), rps: 100 }).collect();
    l.save_offers(&offers, 1, "test").unwrap();
    let auction = |window, rps| NewAuction {
        window,
        rps: Some(rps),
        rule: Rule::Uniform,
        reserve: Money(1),
        closes_at: None,
        service: Default::default(),
        currency: "EUR".into(),
    };
    let settled = l.create_auction(&auction(hour(0), 50), 2).unwrap();
    let bid = |buyer: &str, rps, price| NewBid { buyer: buyer.into(), rps, min_rps: 0, price: Money(price) };
    l.place_bids(settled.id, &[bid("shop", 30, 5_000_000), bid("news", 30, 4_000_000)], "EUR", 3).unwrap();
    l.settle_auction(settled.id, 4, false, |a, b| clear(a.rps, a.reserve, a.rule, b)).unwrap();
    let open = l.create_auction(&auction(hour(1), 20), 5).unwrap();
    l.place_bids(open.id, &[bid("shop", 10, 2_000_000)], "EUR", 6).unwrap();
    let order = |side, owner: Option<&str>, rps, limit| NewOrder {
        side,
        owner: owner.map(str::to_string),
        window: hour(2),
        rps,
        limit: Money(limit),
        tif: TimeInForce::Gtc,
        currency: "EUR".into(),
    };
    let mut cache = BookCache::default();
    l.place_order(&order(Side::Sell, None, 40, 3_000_000), 7, &mut cache).unwrap();
    l.place_order(&order(Side::Buy, Some("shop"), 25, 3_500_000), 8, &mut cache).unwrap();
    l.place_order(&order(Side::Buy, Some("news"), 5, 1_000_000), 9, &mut cache).unwrap();
    let sample = |start, proxy, served, fraction| UsageSample {
        server: "127.0.0.1:53".into(),
        buyer: "shop".into(),
        start,
        seconds: 5,
        purchased_rps: 30,
        proxy_answers: proxy,
        fallback_answers: 2,
        fraction,
        served_requests: served,
        monitor: "ok".into(),
    };
    let t = 1_795_564_800;
    l.record_usage(&[sample(t, 10, Some(160), 0.25), sample(t + 5, 11, None, 0.5), sample(t + 300, 3, Some(90), 0.75)])
        .unwrap();
    // An hour before, expired: its rollups stay, below the expiry horizon.
    l.record_usage(&[sample(t - 3600, 7, Some(120), 0.5)]).unwrap();
    assert_eq!(l.expire_samples(t - 3000, 100).unwrap(), 1);
    // As `dns serve` writes: a named batch.
    let batch = super::UsageBatch { seq: 1, samples: vec![sample(t + 5, 4, Some(140), 0.125)] };
    l.record_usage_batches("127.0.0.1:53:1:0", &[batch], t + 10).unwrap();
    l.zone_serials(&[("cdn.example.net".into(), "f1".into())], t).unwrap();
    l
}
