//! Everything the configuration says about our zones, encoded once for the answer path: per
//! zone its apex and SOA; the NS records and their glue; the name servers' and proxies'
//! addresses; and each buyer's fallback (a CNAME back to its own DNS, or its servers'
//! addresses), in two forms: for its hosts inside our zone, and for its hosts delegated to us,
//! each a zone apex, which cannot be a CNAME (RFC 1034 §3.6.2, RFC 2181 §10.1).
//!
//! Each zone's static data (everything but the answers the controller and learning decide)
//! has a fingerprint ([`fingerprints`]); the SOA serial is recorded in the ledger against it,
//! so every server of the same data serves the same serial.

use std::collections::HashMap;
use std::net::IpAddr;

use super::response::{self, Additional, NegativeSoa, Record, wire_name};
use crate::config::{Algorithm, BuyerServer, Config};
use crate::core::zone_index::{NameKind, ZoneError, ZoneIndex};

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
    /// Per zone: the apex in wire form, its SOA (for SOA answers), and the same SOA as
    /// negative answers carry it (TTL and compression, [`NegativeSoa`]).
    pub apexes: Vec<Vec<u8>>,
    pub soas: Vec<Record>,
    pub negative_soas: Vec<NegativeSoa>,
    /// Per zone: its SOA serial.
    pub serials: Vec<u32>,
    /// Our name servers, the NS set of every zone.
    pub ns: Vec<Record>,
    /// Per zone: the same NS set as the answer to that zone's apex writes it, compressed
    /// against the question and each other (valid only in that answer: a zone file wants `ns`).
    pub apex_ns: Vec<Vec<Record>>,
    /// The addresses of the name servers inside the network's zone, for the additional section
    /// of its apex's NS answer (`apex_ns[0]`: their owners point into it). Delegated buyer
    /// zones get none: our name servers are outside them, and NSD and Knot add no out-of-zone
    /// addresses either.
    pub glue: Vec<Additional>,
    pub nameservers: Vec<Addresses>,
    pub proxies: Vec<Addresses>,
    /// Per buyer: its fallback at its hosts inside our zone (CNAMEd to us).
    pub fallbacks: Vec<Fallback>,
    /// Per buyer: its fallback at its hosts delegated to us, each a zone apex, where a CNAME
    /// cannot be: the buyer's servers, or the addresses learned for its `handback` or `resolve`
    /// name; `None` while nothing is learned (answered SERVFAIL).
    pub apex_fallbacks: Vec<Option<Fallback>>,
    /// Per buyer: its key for the client split (a hash of its name).
    pub split_keys: Vec<u64>,
    pub ttl: u32,
}

impl ZoneData {
    /// Encodes the zones of `config`, with the addresses `learned` for `resolve` fallbacks (and
    /// `handback` ones at delegated hosts); `serial` is every zone's SOA serial.
    pub fn new(config: &Config, learned: &Learned, serial: u32) -> Result<ZoneData, ZoneError> {
        let zones = config.zone_index()?.zones();
        ZoneData::with_serials(config, learned, &vec![serial; zones])
    }

    /// As [`ZoneData::new`], with zone `z`'s serial `serials[z]` (the ledger's, see
    /// [`fingerprints`]).
    pub fn with_serials(config: &Config, learned: &Learned, serials: &[u32]) -> Result<ZoneData, ZoneError> {
        let index = config.zone_index()?;
        let ttl = u32::try_from(config.network.ttl.secs()).unwrap_or(u32::MAX);
        let timers = config.network.soa_times();
        let primary = config.network.nameservers.first().map_or("ns.invalid", |n| n.name.as_str());
        let hostmaster = config.network.hostmaster();
        let apexes: Vec<Vec<u8>> = (0..index.zones()).map(|z| wire_name(index.apex(z))).collect();
        let serials: Vec<u32> =
            (0..index.zones()).map(|z| serials.get(z).or(serials.last()).copied().unwrap_or(1)).collect();
        let soas: Vec<Record> =
            serials.iter().map(|&serial| Record::soa(primary, &hostmaster, serial, ttl, &timers)).collect();
        let negative_soas = apexes.iter().zip(&soas).map(|(apex, soa)| NegativeSoa::new(apex, soa)).collect();
        let ns = config.network.nameservers.iter().map(|n| Record::ns(n.name.as_str(), ttl)).collect();
        let zone = &config.network.zone;
        let hosts: Vec<&str> = config.network.nameservers.iter().map(|n| n.name.as_str()).collect();
        let (apex_ns, dictionaries): (Vec<Vec<Record>>, Vec<_>) =
            apexes.iter().map(|apex| response::apex_ns(&hosts, apex, ttl)).unzip();
        let glue = config
            .network
            .nameservers
            .iter()
            .filter(|n| n.name.is_within(zone))
            .flat_map(|n| {
                let a = Addresses::of(&n.addresses, ttl);
                let dictionary = &dictionaries[0];
                a.v4.into_iter().chain(a.v6).map(move |r| Additional::after(n.name.as_str(), dictionary, r))
            })
            .collect();
        let nameservers = config.network.nameservers.iter().map(|n| Addresses::of(&n.addresses, ttl)).collect();
        let proxies = config.proxies.iter().map(|p| Addresses::of(&p.addresses, ttl)).collect();
        let servers_fallback = |servers: &[BuyerServer], algorithm: Option<Algorithm>| Fallback::Servers {
            families: [ServerFamily::of(servers, false, ttl), ServerFamily::of(servers, true, ttl)],
            algorithm: algorithm.unwrap_or(Algorithm::RoundRobin),
        };
        // Learned addresses answer as servers of equal weight.
        let servers_of = |addresses: &[IpAddr], algorithm: Option<Algorithm>| {
            let servers: Vec<BuyerServer> =
                addresses.iter().map(|&address| BuyerServer { address, weight: 1 }).collect();
            servers_fallback(&servers, algorithm)
        };
        let mut fallbacks = Vec::new();
        let mut apex_fallbacks = Vec::new();
        for b in &config.buyers {
            let f = &b.fallback;
            if let Some(servers) = &f.servers {
                let fallback = servers_fallback(servers, f.algorithm);
                apex_fallbacks.push(Some(fallback.clone()));
                fallbacks.push(fallback);
                continue;
            }
            let learned = learned.get(&b.name).filter(|a| !a.is_empty());
            let target = f.handback.as_ref().or(f.resolve.as_ref()).map_or("invalid", |n| n.as_str());
            // `resolve` answers like `servers` once the buyer's DNS has told us the name's
            // addresses, and with a CNAME to the name (as `handback`) until then; `handback`
            // is a CNAME inside our zone whatever is learned.
            fallbacks.push(match (learned, &f.resolve) {
                (Some(addresses), Some(_)) => servers_of(addresses, f.algorithm),
                _ => Fallback::Handback(Record::cname(target, ttl)),
            });
            apex_fallbacks.push(learned.map(|addresses| servers_of(addresses, f.algorithm)));
        }
        let split_keys = config.buyers.iter().map(|b| crate::core::client_split::buyer_key(&b.name)).collect();
        Ok(ZoneData {
            index,
            apexes,
            soas,
            negative_soas,
            serials,
            ns,
            apex_ns,
            glue,
            nameservers,
            proxies,
            fallbacks,
            apex_fallbacks,
            split_keys,
            ttl,
        })
    }
}

/// The names whose addresses the buyer's DNS must tell us, by buyer: every `resolve:` name,
/// and the `handback:` name of every buyer with a host delegated to us (a zone apex, which
/// cannot be a CNAME to it).
pub fn names_to_learn(config: &Config) -> Vec<(String, String)> {
    config
        .buyers
        .iter()
        .filter_map(|b| {
            let f = &b.fallback;
            let delegated = config.delegated_hosts(b).next().is_some();
            let name = f.resolve.as_ref().or(f.handback.as_ref().filter(|_| delegated))?;
            Some((b.name.clone(), name.to_string()))
        })
        .collect()
}

/// Per zone, in [`ZoneIndex`] order: its apex and a fingerprint of its static data, the data a
/// secondary would transfer: the SOA without its serial, the NS set, the glue, the proxies'
/// names and addresses, and the set of names. Not what the controller or learning decide (a
/// buyer host's answers), so a serial stays while only those move.
pub fn fingerprints(config: &Config) -> Result<Vec<(String, String)>, ZoneError> {
    let index = config.zone_index()?;
    let n = &config.network;
    let t = n.soa_times();
    let primary = n.nameservers.first().map_or("ns.invalid", |n| n.name.as_str());
    let mut lines: Vec<Vec<String>> = (0..index.zones())
        .map(|z| {
            let mut l = vec![format!(
                "{} SOA {primary} {} {} {} {} {} ttl {}",
                index.apex(z),
                n.hostmaster(),
                t.refresh,
                t.retry,
                t.expire,
                t.minimum,
                n.ttl.secs()
            )];
            l.extend(n.nameservers.iter().map(|ns| format!("NS {}", ns.name)));
            l
        })
        .collect();
    for (name, kind) in index.names() {
        let (zone, what) = match kind {
            NameKind::Apex { zone } => (zone, "apex".to_string()),
            NameKind::Nameserver { index: i } => (0, format!("name server {:?}", n.nameservers[i].addresses)),
            NameKind::Proxy { index: i } => (0, format!("proxy {:?}", config.proxies[i].addresses)),
            NameKind::BuyerHost { zone, .. } => (zone, "buyer host".to_string()),
            NameKind::Empty { zone } => (zone, "empty".to_string()),
            NameKind::Missing { .. } | NameKind::Outside => continue,
        };
        lines[zone].push(format!("{name} {what}"));
    }
    Ok(lines
        .into_iter()
        .enumerate()
        .map(|(z, mut l)| {
            l.sort();
            (index.apex(z).to_string(), format!("{:016x}", fnv1a(l.join("\n").as_bytes())))
        })
        .collect())
}

/// FNV-1a, 64 bits: stable across builds and platforms (std's hasher promises neither), and
/// enough to tell one zone's data from the next.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn example(edit: impl Fn(String) -> String) -> Config {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
        let text = edit(std::fs::read_to_string(dir.join("surplus.yaml")).unwrap());
        Config::parse(&text, Path::new("t.yaml"), dir).unwrap()
    }

    /// The serial follows the static data (RFC 1035 §3.3.13: it changes when the zone does)
    /// and nothing else: not the buyers' answers, which the controller and learning move.
    #[test]
    fn fingerprints_follow_the_static_data_only() {
        let base = fingerprints(&example(|t| t)).unwrap();
        assert_eq!(
            base.iter().map(|(a, _)| a.as_str()).collect::<Vec<_>>()[..2],
            ["cdn.example.net", "www.shop.example"]
        );
        assert_eq!(fingerprints(&example(|t| t)).unwrap(), base, "stable");
        let same = [
            example(|t| t.replace("estimate: 0.5", "estimate: 0.9")),
            example(|t| t.replace("address: 127.0.0.21", "address: 127.0.0.29")),
            example(|t| t.replace("capacity_rps: 40", "capacity_rps: 45")),
        ];
        for config in &same {
            assert_eq!(fingerprints(config).unwrap(), base);
        }
        let proxy =
            fingerprints(&example(|t| t.replace("addresses: [127.0.0.12]", "addresses: [127.0.0.19]"))).unwrap();
        assert_ne!(proxy[0], base[0], "a proxy's address is the network zone's data");
        assert_eq!(proxy[1], base[1], "and not a buyer zone's");
        let timers = fingerprints(&example(|t| t.replace("expire: 14d", "expire: 21d"))).unwrap();
        assert!(timers.iter().zip(&base).all(|(a, b)| a != b), "the SOA is every zone's");
        let name = fingerprints(&example(|t| t.replace("- name: edge-3", "- name: edge-9"))).unwrap();
        assert_ne!(name[0], base[0]);
    }

    #[test]
    fn zones_take_their_own_serials() {
        let config = example(|t| t);
        let zone = ZoneData::with_serials(&config, &Learned::new(), &[7, 8, 9, 10]).unwrap();
        assert_eq!(zone.serials, [7, 8, 9, 10]);
        let serial = |r: &Record| u32::from_be_bytes(r.rdata[r.rdata.len() - 20..][..4].try_into().unwrap());
        assert_eq!(zone.soas.iter().map(serial).collect::<Vec<_>>(), [7, 8, 9, 10]);
    }
}
