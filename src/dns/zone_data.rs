//! Everything the configuration says about our zones, encoded once for the answer path: per
//! zone its apex and SOA; the NS records; the name servers' and proxies' addresses; and each
//! buyer's fallback (a CNAME back to its own DNS, or its servers' addresses).

use std::collections::HashMap;
use std::net::IpAddr;

use super::response::{Record, wire_name};
use crate::config::{Algorithm, BuyerServer, Config};
use crate::core::zone_index::{ZoneError, ZoneIndex};

/// Addresses learned from buyers' DNS for `resolve` fallbacks, by buyer name.
pub type Learned = HashMap<String, Vec<IpAddr>>;

/// Answers per address family: A and AAAA records of one host.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Addresses {
    pub v4: Vec<Record>,
    pub v6: Vec<Record>,
}

impl Addresses {
    fn of(addrs: &[IpAddr], ttl: u32) -> Addresses {
        let mut a = Addresses::default();
        for addr in addrs {
            match addr {
                IpAddr::V4(v4) => a.v4.push(Record::a(*v4, ttl)),
                IpAddr::V6(v6) => a.v6.push(Record::aaaa(*v6, ttl)),
            }
        }
        a
    }

    /// The records of one family (`true`: IPv6).
    pub fn family(&self, v6: bool) -> &[Record] {
        if v6 { &self.v6 } else { &self.v4 }
    }
}

/// A buyer's servers of one address family, ready for picking.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServerFamily {
    /// Each server's records of this family (empty for a server without one).
    pub records: Vec<Vec<Record>>,
    /// Servers that have an address of this family, in config order (for `round_robin`).
    pub members: Vec<usize>,
    /// Configured weights, 0 for servers without this family (`weighted`, `client_hash`).
    pub weights: Vec<u64>,
    /// Stable ids from each server's address, so `client_hash` keeps clients on their server
    /// when the list is reordered.
    pub ids: Vec<u64>,
}

/// Where a buyer's answers go when they do not go to proxies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fallback {
    /// A CNAME to the buyer's origin name, resolved by the buyer's own DNS.
    Handback(Record),
    /// The buyer's servers, per family (`[0]` IPv4, `[1]` IPv6), picked by `algorithm`.
    Servers { families: [ServerFamily; 2], algorithm: Algorithm },
}

impl ServerFamily {
    fn of(servers: &[BuyerServer], v6: bool, ttl: u32) -> ServerFamily {
        let mut f = ServerFamily::default();
        for (i, s) in servers.iter().enumerate() {
            let records = Addresses::of(&[s.address], ttl).family(v6).to_vec();
            if !records.is_empty() {
                f.members.push(i);
            }
            f.weights.push(if records.is_empty() { 0 } else { u64::from(s.weight) });
            f.ids.push(match s.address {
                IpAddr::V4(a) => u64::from(u32::from(a)),
                IpAddr::V6(a) => {
                    let x = u128::from(a);
                    (x as u64) ^ ((x >> 64) as u64)
                }
            });
            f.records.push(records);
        }
        f
    }
}

/// The encoded zones.
#[derive(Debug, Clone)]
pub struct ZoneData {
    pub index: ZoneIndex,
    /// Per zone: the apex in wire form, and its SOA.
    pub apexes: Vec<Vec<u8>>,
    pub soas: Vec<Record>,
    /// Our name servers, the NS set of every zone.
    pub ns: Vec<Record>,
    pub nameservers: Vec<Addresses>,
    pub proxies: Vec<Addresses>,
    pub fallbacks: Vec<Fallback>,
    /// Per buyer: its key for the client split (a hash of its name).
    pub split_keys: Vec<u64>,
    pub ttl: u32,
}

impl ZoneData {
    /// Encodes the zones of `config`, with the addresses `learned` for `resolve` fallbacks;
    /// `serial` is the SOA serial (the load time, say).
    pub fn new(config: &Config, learned: &Learned, serial: u32) -> Result<ZoneData, ZoneError> {
        let index = config.zone_index()?;
        let ttl = u32::try_from(config.network.ttl.secs()).unwrap_or(u32::MAX);
        let primary = config.network.nameservers.first().map_or("ns.invalid", |n| n.name.as_str());
        let apexes: Vec<Vec<u8>> = (0..index.zones()).map(|z| wire_name(index.apex(z))).collect();
        let soas = (0..index.zones())
            .map(|_| Record::soa(primary, &format!("hostmaster.{}", config.network.zone), serial, ttl, ttl))
            .collect();
        let ns = config.network.nameservers.iter().map(|n| Record::ns(n.name.as_str(), ttl)).collect();
        let nameservers = config.network.nameservers.iter().map(|n| Addresses::of(&n.addresses, ttl)).collect();
        let proxies = config.proxies.iter().map(|p| Addresses::of(&p.addresses, ttl)).collect();
        let fallbacks = config
            .buyers
            .iter()
            .map(|b| {
                let f = &b.fallback;
                if let Some(servers) = &f.servers {
                    return Fallback::Servers {
                        families: [ServerFamily::of(servers, false, ttl), ServerFamily::of(servers, true, ttl)],
                        algorithm: f.algorithm.unwrap_or(Algorithm::RoundRobin),
                    };
                }
                // `resolve` answers like `servers` once the buyer's DNS has told us the name's
                // addresses, and with a CNAME to the name (as `handback`) until then.
                if let Some(addresses) = learned.get(&b.name).filter(|a| !a.is_empty()) {
                    let servers: Vec<BuyerServer> =
                        addresses.iter().map(|&address| BuyerServer { address, weight: 1 }).collect();
                    return Fallback::Servers {
                        families: [ServerFamily::of(&servers, false, ttl), ServerFamily::of(&servers, true, ttl)],
                        algorithm: f.algorithm.unwrap_or(Algorithm::RoundRobin),
                    };
                }
                let target = f.handback.as_ref().or(f.resolve.as_ref()).map_or("invalid", |n| n.as_str());
                Fallback::Handback(Record::cname(target, ttl))
            })
            .collect();
        let split_keys = config.buyers.iter().map(|b| crate::core::client_split::buyer_key(&b.name)).collect();
        Ok(ZoneData { index, apexes, soas, ns, nameservers, proxies, fallbacks, split_keys, ttl })
    }
}
