//! The pure domain: what the loop computes, with no files, sockets, clock or environment.
//!
//! Everything here takes its time and data as arguments, so it is tested exhaustively in memory.
//! Times are unix seconds (UTC) in hot paths and [`jiff::Timestamp`] where they meet people.

pub mod auction;
pub mod best_effort;
pub mod billing;
pub mod book;
pub mod capacity;
pub mod client_hash;
pub mod client_split;
pub mod cluster_view;
pub mod control;
pub mod control_lease;
pub mod control_loop;
pub mod fraction_split;
pub mod holding;
pub mod money;
pub mod proxy_line;
pub mod published_control;
pub mod quantile;
pub mod rate_limit;
pub mod sale;
pub mod sale_schedule;
pub mod second_counts;
pub mod service;
pub mod smooth_weighted;
pub mod step_rates;
pub mod supply;
pub mod usage_bucket;
pub mod usage_report;
pub mod window;
pub mod window_report;
pub mod zone_index;
pub mod zone_serial;
