//! `buyers:` — the web sites that buy capacity, and where their traffic goes otherwise.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use super::values::{DomainName, Fraction};

/// A buyer of capacity.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Buyer {
    /// A short unique name (`shop`).
    pub name: String,
    /// The DNS/HTTP names it sends to us (delegated, or CNAME'd to a name in our zone).
    pub hosts: Vec<DomainName>,
    /// Where the answers that do not go to proxies go.
    pub fallback: Fallback,
    /// The buyer's estimate of the fraction of its lookups that carries what it bought.
    pub estimate: Fraction,
}

/// The buyer's own servers: exactly one of `handback`, `servers` or `resolve`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Fallback {
    /// A CNAME target at the buyer's own DNS (`origin.shop.example`).
    #[serde(default)]
    pub handback: Option<DomainName>,
    /// The buyer's server addresses, answered directly.
    #[serde(default)]
    pub servers: Option<Vec<BuyerServer>>,
    /// A name whose addresses (learned from the buyer's DNS) are answered directly.
    #[serde(default)]
    pub resolve: Option<DomainName>,
    /// How `servers`/`resolve` addresses are picked (default `round_robin`).
    #[serde(default)]
    pub algorithm: Option<Algorithm>,
}

/// One of the buyer's servers.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct BuyerServer {
    pub address: IpAddr,
    /// Relative weight for `weighted` (default 1).
    #[serde(default = "one")]
    pub weight: u32,
}

fn one() -> u32 {
    1
}

/// How a buyer's server is picked for a fallback answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Algorithm {
    RoundRobin,
    Weighted,
    ClientHash,
}

impl Algorithm {
    /// The name as written in the config.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::RoundRobin => "round_robin",
            Algorithm::Weighted => "weighted",
            Algorithm::ClientHash => "client_hash",
        }
    }
}
