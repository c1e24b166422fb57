//! Integration tests: run the real `surplus` binary on real files and an on-disk ledger.

mod capacity;
mod clock;
mod config;
mod demo;
mod dns;
mod dns_ops;
mod e2e;
mod faults;
mod generate;
mod hardening;
mod market;
mod nginx;
mod orders;
mod report;
mod simulate;
mod test;
