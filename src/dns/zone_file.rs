//! The zones `dns serve` answers from, as RFC 1035 §5 master files: what an operator reviews,
//! diffs between two nodes, and loads into another name server (NSD, Knot) to compare answers.
//!
//! Built from the encoded [`ZoneData`] the server answers from, not from the config a second
//! time, so the file cannot say something the server does not. Each record is decoded back
//! with hickory-proto and written with its `Display` (the master-file form), so the text is
//! an independent reading of the bytes we put on the wire.
//!
//! A buyer's host is dynamic: the controller sends a fraction of client subnets to proxies and
//! the rest to the buyer's fallback. The file says so in a comment and carries the records the
//! host is answered with when nothing is sold (f = 0), so that a server loading the file
//! answers as we do with no sales. A host delegated to us is never a CNAME (its zone's apex
//! has SOA and NS: RFC 1034 §3.6.2): its fallback is the addresses learned for the buyer's
//! name, and until they are learned it has no address records here (we answer SERVFAIL for
//! them, which no master file can say; the comment does).

use std::fmt::Write as _;

use hickory_resolver::proto::rr::{Name, RData, Record as HRecord, RecordType};
use hickory_resolver::proto::serialize::binary::{BinDecoder, Restrict};
use serde::Serialize;

use super::response::Record;
use super::zone_data::{Fallback, ZoneData};
use crate::config::{Algorithm, Config};
use crate::core::zone_index::NameKind;

/// Why the zones could not be written (never for a config that `config check` accepts).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ZoneFileError {
    #[error("{name}: not a DNS name: {why}")]
    Name { name: String, why: String },
    #[error("{name}: {rtype} record does not decode: {why}")]
    Record { name: String, rtype: u16, why: String },
}

/// One zone: its apex, and its names in the order written.
#[derive(Debug, Clone)]
pub struct Zone {
    pub apex: Name,
    /// Its SOA serial, as served.
    pub serial: u32,
    /// `$TTL`: the network's TTL, which every record has.
    pub ttl: u32,
    pub names: Vec<Owner>,
}

/// One owner name and its records.
#[derive(Debug, Clone)]
pub struct Owner {
    pub name: Name,
    pub records: Vec<HRecord>,
    /// For a buyer's host: what decides its answer.
    pub dynamic: Option<Dynamic>,
}

/// How a buyer's host is answered.
#[derive(Debug, Clone)]
pub struct Dynamic {
    /// The buyer.
    pub buyer: String,
    /// What decides the answer, in words.
    pub decided_by: String,
}

impl Zone {
    /// The file name an operator loads it from: `APEX.zone`.
    pub fn file_name(&self) -> String {
        format!("{}zone", self.apex.to_ascii())
    }

    /// The zone as a master file (RFC 1035 §5): `$ORIGIN`, `$TTL`, then every record, fully
    /// qualified, one per line; a dynamic name is preceded by a comment saying what decides its
    /// answer, and records no master file can hold are commented out.
    pub fn master_file(&self) -> String {
        let mut out = String::new();
        let kind = if self.names.iter().any(|o| o.dynamic.is_some() && o.name == self.apex) {
            "a buyer's host delegated to us"
        } else {
            "the network's zone"
        };
        let _ = writeln!(out, "; {}: {kind}, as `surplus dns serve` answers it with nothing sold.", self.apex);
        let _ = writeln!(out, "; SOA serial {}. Written by `surplus dns zone`.", self.serial);
        let _ = writeln!(out, "$ORIGIN {}", self.apex);
        let _ = writeln!(out, "$TTL {}", self.ttl);
        for owner in &self.names {
            if let Some(d) = &owner.dynamic {
                let _ = writeln!(out, "; {}: {}", owner.name, d.decided_by);
            }
            for r in &owner.records {
                let _ = writeln!(out, "{r}");
            }
        }
        out
    }

    /// The zone as data: every record (a master file's, `dynamic` marking a buyer's host) and
    /// each dynamic name with what decides its answer.
    pub fn json(&self) -> ZoneJson {
        let record = |r: &HRecord, dynamic: bool| RecordJson {
            name: r.name.to_ascii(),
            ttl: r.ttl,
            rtype: r.record_type().to_string(),
            data: r.data.to_string(),
            dynamic,
        };
        ZoneJson {
            apex: self.apex.to_ascii(),
            file: self.file_name(),
            serial: self.serial,
            ttl: self.ttl,
            records: self.names.iter().flat_map(|o| o.records.iter().map(|r| record(r, o.dynamic.is_some()))).collect(),
            dynamic: self
                .names
                .iter()
                .filter_map(|o| {
                    let d = o.dynamic.as_ref()?;
                    Some(DynamicJson {
                        name: o.name.to_ascii(),
                        buyer: d.buyer.clone(),
                        decided_by: d.decided_by.clone(),
                        unsold: o.records.iter().map(|r| record(r, true)).collect(),
                    })
                })
                .collect(),
        }
    }
}

/// A zone, for `--format json`.
#[derive(Debug, Clone, Serialize)]
pub struct ZoneJson {
    pub apex: String,
    /// The file `--out` writes it to.
    pub file: String,
    pub serial: u32,
    pub ttl: u32,
    /// Every record of the master file.
    pub records: Vec<RecordJson>,
    /// The buyer hosts in the zone.
    pub dynamic: Vec<DynamicJson>,
}

/// One record: owner, TTL, type and data in master-file form.
#[derive(Debug, Clone, Serialize)]
pub struct RecordJson {
    pub name: String,
    pub ttl: u32,
    #[serde(rename = "type")]
    pub rtype: String,
    pub data: String,
    /// A buyer's host: its answer is decided per query.
    pub dynamic: bool,
}

/// A buyer's host.
#[derive(Debug, Clone, Serialize)]
pub struct DynamicJson {
    pub name: String,
    pub buyer: String,
    pub decided_by: String,
    /// What it is answered with when nothing is sold.
    pub unsold: Vec<RecordJson>,
}

/// The zones of `config`, as `data` (encoded from it) answers them: the network's zone first,
/// then one per buyer host delegated to us.
pub fn zones(config: &Config, data: &ZoneData) -> Result<Vec<Zone>, ZoneFileError> {
    let index = &data.index;
    let mut zones: Vec<Zone> = (0..index.zones())
        .map(|z| Ok(Zone { apex: name(index.apex(z))?, serial: serial(data, z)?, ttl: data.ttl, names: Vec::new() }))
        .collect::<Result<_, ZoneFileError>>()?;
    for (z, zone) in zones.iter_mut().enumerate() {
        let apex = zone.apex.clone();
        let mut records = vec![record(&apex, &data.soas[z])?];
        for ns in &data.ns {
            records.push(record(&apex, ns)?);
        }
        zone.names.push(Owner { name: apex, records, dynamic: None });
    }
    let mut add = |zone: usize, owner: Owner| zones[zone].names.push(owner);
    for ns in &config.network.nameservers {
        if let NameKind::Nameserver { index: i } = index.classify(ns.name.as_str()) {
            let n = name(ns.name.as_str())?;
            let a = &data.nameservers[i];
            add(0, Owner { records: records(&n, a.v4.iter().chain(&a.v6))?, name: n, dynamic: None });
        }
    }
    for p in &config.proxies {
        let owner = format!("{}.{}", p.name, config.network.zone);
        if let NameKind::Proxy { index: i } = index.classify(&owner) {
            let n = name(&owner)?;
            let a = &data.proxies[i];
            add(0, Owner { records: records(&n, a.v4.iter().chain(&a.v6))?, name: n, dynamic: None });
        }
    }
    for (b, buyer) in config.buyers.iter().enumerate() {
        for host in &buyer.hosts {
            let NameKind::BuyerHost { buyer: _, zone } = index.classify(host.as_str()) else { continue };
            let n = name(host.as_str())?;
            let (unsold, decided_by) = unsold(config, data, b, zone != 0);
            let dynamic = Some(Dynamic { buyer: buyer.name.clone(), decided_by });
            add(zone, Owner { records: records(&n, unsold.iter().copied())?, name: n, dynamic });
        }
    }
    Ok(zones)
}

/// What buyer `b`'s hosts (`delegated`: its hosts that are a zone of their own) are answered
/// with when nothing is sold, and what decides it, in words.
fn unsold<'z>(config: &Config, data: &'z ZoneData, b: usize, delegated: bool) -> (Vec<&'z Record>, String) {
    let fallback = &config.buyers[b].fallback;
    let split = "proxies for the controller's fraction of client subnets, else the fallback:";
    let fallback_here = if delegated { data.apex_fallbacks[b].as_ref() } else { Some(&data.fallbacks[b]) };
    let Some(fallback_here) = fallback_here else {
        let learned = fallback.handback.as_ref().or(fallback.resolve.as_ref()).map_or("?", |n| n.as_str());
        return (
            Vec::new(),
            format!(
                "{split} the addresses `dns.resolvers` give for {learned}, learned while serving \
                 (a zone apex is never a CNAME, RFC 1034 §3.6.2); until the first answer (as here, \
                 where nothing is looked up) A and AAAA are SERVFAIL"
            ),
        );
    };
    match fallback_here {
        Fallback::Handback(cname) => {
            let target = match record(&Name::root(), cname).map(|r| r.data) {
                Ok(RData::CNAME(t)) => t.to_string(),
                _ => "?".to_string(),
            };
            let words = match &fallback.resolve {
                Some(name) => format!(
                    "{split} the addresses `dns.resolvers` give for {name}, learned while serving; \
                     until the first answer (as here, where nothing is looked up): CNAME {target}"
                ),
                None => format!("{split} CNAME {target}"),
            };
            (vec![cname], words)
        }
        Fallback::Servers { families, algorithm } => {
            let all: Vec<&Record> = families.iter().flat_map(|f| f.records.iter().flatten()).collect();
            let how = match algorithm {
                Algorithm::RoundRobin => "one of",
                Algorithm::Weighted => "one by weight of",
                Algorithm::ClientHash => "one per client subnet (client_hash) of",
            };
            let whose = match (&fallback.servers, fallback.handback.as_ref().or(fallback.resolve.as_ref())) {
                (None, Some(name)) => format!("the addresses learned for {name}"),
                _ => "the buyer's servers".to_string(),
            };
            (all, format!("{split} {how} {whose} (all of them here)"))
        }
    }
}

fn name(text: &str) -> Result<Name, ZoneFileError> {
    Name::from_ascii(format!("{}.", text.trim_end_matches('.')))
        .map_err(|e| ZoneFileError::Name { name: text.to_string(), why: e.to_string() })
}

fn records<'r>(owner: &Name, rs: impl Iterator<Item = &'r Record>) -> Result<Vec<HRecord>, ZoneFileError> {
    rs.map(|r| record(owner, r)).collect()
}

/// Our encoded record, decoded by hickory-proto under `owner`.
fn record(owner: &Name, r: &Record) -> Result<HRecord, ZoneFileError> {
    let bad = |why: String| ZoneFileError::Record { name: owner.to_ascii(), rtype: r.rtype, why };
    let len = u16::try_from(r.rdata.len()).map_err(|_| bad("longer than 65535 octets".into()))?;
    let mut decoder = BinDecoder::new(&r.rdata);
    let data =
        RData::read(&mut decoder, RecordType::from(r.rtype), Restrict::new(len)).map_err(|e| bad(e.to_string()))?;
    Ok(HRecord::from_rdata(owner.clone(), r.ttl, data))
}

/// The SOA serial of zone `z` as `data` serves it.
fn serial(data: &ZoneData, z: usize) -> Result<u32, ZoneFileError> {
    match record(&Name::root(), &data.soas[z])?.data {
        RData::SOA(soa) => Ok(soa.serial),
        _ => Err(ZoneFileError::Record { name: data.index.apex(z).to_string(), rtype: 6, why: "not an SOA".into() }),
    }
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::*;
    use crate::dns::zone_data::Learned;

    fn config(buyers: &str) -> Config {
        let text = format!(
            "network:\n  zone: cdn.example.net\n  nameservers:\n    - name: ns1.cdn.example.net\n      addresses: [127.0.0.53, \"::1\"]\n    \
             - name: ns.elsewhere.org\n      addresses: [127.0.0.54]\n  ttl: 30s\n\
             proxies:\n  - name: edge-1\n    addresses: [127.0.0.11]\n    capacity_rps: 10\n\
             buyers:\n{buyers}"
        );
        Config::parse(&text, Path::new("test.yaml"), PathBuf::from(".")).unwrap()
    }

    fn files(config: &Config, learned: &Learned) -> Vec<String> {
        let data = ZoneData::new(config, learned, 7).unwrap();
        zones(config, &data).unwrap().iter().map(Zone::master_file).collect()
    }

    /// The whole network zone, as written: an out-of-zone name server has its NS record and
    /// no address (no glue outside the zone), and a handback host in the zone its CNAME.
    #[test]
    fn the_network_zone_as_a_master_file_rfc1035_s5() {
        let config = config(
            "  - name: shop\n    hosts: [shop.cdn.example.net]\n    fallback:\n      handback: origin.shop.example\n    estimate: 0.5\n",
        );
        let files = files(&config, &Learned::new());
        assert_eq!(files.len(), 1);
        assert_eq!(
            files[0],
            "; cdn.example.net.: the network's zone, as `surplus dns serve` answers it with nothing sold.\n\
             ; SOA serial 7. Written by `surplus dns zone`.\n\
             $ORIGIN cdn.example.net.\n\
             $TTL 30\n\
             cdn.example.net. 30 IN SOA ns1.cdn.example.net. hostmaster.cdn.example.net. 7 3600 600 1209600 30\n\
             cdn.example.net. 30 IN NS ns1.cdn.example.net.\n\
             cdn.example.net. 30 IN NS ns.elsewhere.org.\n\
             ns1.cdn.example.net. 30 IN A 127.0.0.53\n\
             ns1.cdn.example.net. 30 IN AAAA ::1\n\
             edge-1.cdn.example.net. 30 IN A 127.0.0.11\n\
             ; shop.cdn.example.net.: proxies for the controller's fraction of client subnets, else the fallback: \
             CNAME origin.shop.example.\n\
             shop.cdn.example.net. 30 IN CNAME origin.shop.example.\n"
        );
    }

    /// A delegated `resolve` host is never a CNAME (RFC 2181 §10.1): before anything is learned
    /// it has no address records (we answer SERVFAIL, the comment says); once addresses are
    /// learned they are its records.
    #[test]
    fn a_delegated_resolve_host_before_and_after_learning_rfc2181_s10_1() {
        let config = config(
            "  - name: api\n    hosts: [api.example.net]\n    fallback:\n      resolve: origin.api.example.net\n    estimate: 0.5\n",
        );
        let before = &files(&config, &Learned::new())[1];
        assert!(
            before.contains("until the first answer (as here, where nothing is looked up) A and AAAA are SERVFAIL"),
            "{before}"
        );
        assert!(!before.contains("CNAME origin") && !before.contains(" IN A "), "{before}");
        let learned =
            Learned::from([("api".to_string(), vec!["192.0.2.1".parse().unwrap(), "2001:db8::1".parse().unwrap()])]);
        let after = &files(&config, &learned)[1];
        assert!(
            after.contains("\napi.example.net. 30 IN A 192.0.2.1\napi.example.net. 30 IN AAAA 2001:db8::1\n"),
            "{after}"
        );
        assert!(after.contains("the addresses learned for origin.api.example.net"), "{after}");
        assert!(!after.contains("CNAME"), "{after}");
    }

    /// The JSON marks the buyer host and lists its records with nothing sold.
    #[test]
    fn json_marks_dynamic_names() {
        let config = config(
            "  - name: news\n    hosts: [news.cdn.example.net]\n    fallback:\n      servers:\n        - address: 127.0.0.21\n    estimate: 0.5\n",
        );
        let data = ZoneData::new(&config, &Learned::new(), 7).unwrap();
        let json = zones(&config, &data).unwrap()[0].json();
        let dynamic: Vec<(&str, bool)> = json.records.iter().map(|r| (r.name.as_str(), r.dynamic)).collect();
        assert!(dynamic.contains(&("news.cdn.example.net.", true)) && dynamic.contains(&("cdn.example.net.", false)));
        assert_eq!((json.serial, json.dynamic.len(), json.dynamic[0].unsold[0].data.as_str()), (7, 1, "127.0.0.21"));
    }
}
