//! surplus sells the capacity a proxy / CDN network is not using, and carries the buyers' traffic.
//!
//! The loop, and where each step lives:
//!
//! 1. **Measure** ([`app::capacity`], [`ingest`], [`core::capacity`]): read the proxies' access
//!    logs, count requests per second, build a usage profile by hour-of-week, forecast each future
//!    slot, and offer `capacity × (1 − margin) − forecast` for sale, recorded in the [`ledger`].
//! 2. **Sell** ([`app::market`], [`app::orders`], [`core::auction`], [`core::book`]): sealed-bid
//!    auctions and a continuous order book over those offers; every sale one ledger row, written
//!    in the transaction that checks supply.
//! 3. **Serve** ([`dns`]): an authoritative DNS server that answers a controlled fraction of each
//!    buyer's lookups with proxy addresses. Each client subnet has a fixed place on its buyer's
//!    hash line ([`core::client_split`]); the controller's line ([`core::proxy_line`]) says which
//!    places get proxies.
//! 4. **Control** ([`monitor`], [`core::control`], [`core::control_loop`], [`simulate`]): requests
//!    the proxies served, from their logs or stats, feed each buyer's controller, which moves its
//!    line every interval; `surplus simulate` runs the same law against caching resolvers.
//! 5. **Bill** ([`app::report`], [`core::usage_report`], [`core::billing`],
//!    [`core::window_report`]): the DNS server writes usage samples to the ledger every interval;
//!    `report usage` turns sales and samples into charges (reserved, actual use, 95th
//!    percentile), `report sales` and `report capacity` give the operator's view.
//!
//! [`core`] is pure (no files, sockets, clock or environment); [`ingest`], [`ledger`],
//! [`monitor`] and [`config`] are the adapters; [`app`] wires them per command; [`cli`] is the
//! command tree only; [`output`] renders tables, JSON and CSV.

pub mod app;
pub mod cli;
pub mod config;
pub mod control;
pub mod core;
pub mod dns;
pub mod ingest;
pub mod ledger;
pub mod metrics_endpoint;
pub mod monitor;
pub mod output;
pub mod prometheus;
pub mod simulate;
