//! Prometheus's HTTP API (`/api/v1/query`, `/api/v1/query_range`), read for the load the
//! proxies carried: by the monitor's `prometheus_query` source (live control) and by
//! `capacity measure --prometheus` (history). The JSON is decoded by serde into
//! [`response`]'s types; [`client`] makes the requests, splitting long ranges under the
//! server's points-per-series limit.

pub mod client;
pub mod response;

pub use client::Prometheus;
pub use response::{PrometheusError, Series};
