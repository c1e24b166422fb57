//! `network:` — the proxy network's own DNS zone and name servers.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use super::values::{DomainName, Interval};

/// The zone surplus is authoritative for.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Network {
    /// The zone (`cdn.example.net`); buyers may CNAME their names to names under it.
    pub zone: DomainName,
    /// The zone's name servers, with their addresses (glue).
    pub nameservers: Vec<Nameserver>,
    /// TTL of the answers (default 20s).
    #[serde(default = "default_ttl")]
    pub ttl: Interval,
}

fn default_ttl() -> Interval {
    Interval(jiff::SignedDuration::from_secs(20))
}

/// One name server of the zone.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Nameserver {
    pub name: DomainName,
    pub addresses: Vec<IpAddr>,
}
