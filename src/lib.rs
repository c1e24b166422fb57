//! surplus sells the capacity a proxy / CDN network is not using, and carries the buyers' traffic.
//!
//! The loop, and where each step lives:
//!
//! 1. **Measure** ([`app::capacity`], [`ingest`], [`core::capacity`]): read the proxies' access
//!    logs, count requests per second, build a usage profile by hour-of-week, forecast each future
//!    slot, and offer `capacity × (1 − margin) − forecast` for sale, recorded in the [`ledger`].
//! 2. **Sell**: sealed-bid auctions and a continuous market over those offers (to come).
//! 3. **Serve**: an authoritative DNS server that answers a controlled fraction of each buyer's
//!    lookups with proxy addresses (to come).
//! 4. **Control**: a feedback loop that holds each buyer to what it bought (to come).
//! 5. **Bill**: usage and charges per buyer (to come).
//!
//! [`core`] is pure (no files, sockets, clock or environment); [`ingest`], [`ledger`] and
//! [`config`] are the adapters; [`app`] wires them per command; [`cli`] is the command tree only;
//! [`output`] renders tables, JSON and CSV.

pub mod app;
pub mod cli;
pub mod config;
pub mod core;
pub mod dns;
pub mod ingest;
pub mod ledger;
pub mod monitor;
pub mod output;
pub mod simulate;
