//! The runtime of `dns serve` around the answer path: the monitor and the controllers
//! ([`controllers`]), the usage samples ([`usage_writer`], [`spooled_usage`]), the part a
//! server plays among several on one ledger ([`cluster`]: the lease, the published control
//! state, heartbeats), the leader's expiry of old samples ([`sample_expiry`]) and fold of
//! PostgreSQL's pending usage into the rollups ([`usage_fold`]), and the thread that runs them
//! ([`watcher`]). The pure rules are in `core/` (`control`, `control_loop`, `control_lease`,
//! `published_control`); `app/dns.rs` parses arguments, binds, prints and handles signals.

pub mod cluster;
pub mod controllers;
pub mod sample_expiry;
pub mod spooled_usage;
pub mod usage_fold;
pub mod usage_writer;
pub mod watcher;
