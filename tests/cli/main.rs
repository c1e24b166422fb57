//! Integration tests: run the real `surplus` binary on real files and an on-disk ledger.

mod capacity;
mod capacity_prometheus;
mod clock;
mod cluster;
mod cluster_pg;
mod config;
mod demo;
mod dns;
mod dns_ops;
mod dns_peers;
mod dns_status;
mod dns_wire;
mod dns_zone;
mod e2e;
mod e2e_prometheus;
mod faults;
mod generate;
mod hardening;
mod install;
mod ledger;
mod ledger_file;
mod limits;
mod market;
mod messages;
mod money;
mod monitor_export;
mod nginx;
mod orders;
#[path = "../support/pg_cluster.rs"]
mod pg_cluster;
mod prometheus_server;
mod race;
mod report;
mod simulate;
mod simulate_suite;
mod test;
