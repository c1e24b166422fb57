//! Which of our zones a query name falls in, and what it names there: the decision behind
//! every DNS answer (answer, NXDOMAIN, NODATA, or REFUSED).
//!
//! We are authoritative for the network's zone (`cdn.example.net`) and for every buyer host
//! delegated to us from outside it (`www.shop.example`, whose parent delegates it with NS
//! records). Buyer hosts inside our zone (`shop.cdn.example.net`, CNAME'd to by the buyer) are
//! names in our zone. Names are compared in lower case, without the trailing dot; the caller
//! lowercases the query name once (the answer still carries the question's own case). They are
//! compared as bytes, so that the DNS server can look up a name it built without checking that
//! it is UTF-8 (a configured name always is).

/// The name tables: read per query, and only read (queries look names up, never add any), so
/// a fast hash with a per-process seed is enough; SipHash cost an eighth of an answer.
type HashMap<K, V> = foldhash::HashMap<K, V>;

/// What a name is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameKind {
    /// The apex of zone `zone` (SOA and NS live here).
    Apex { zone: usize },
    /// Name server `index` of the network's zone (its glue addresses).
    Nameserver { index: usize },
    /// Proxy `index`, as `<proxy>.<zone>`.
    Proxy { index: usize },
    /// A host of buyer `buyer`: answered with proxies or the buyer's fallback. When the host is a
    /// zone of its own (delegated to us), `zone` is that zone.
    BuyerHost { buyer: usize, zone: usize },
    /// An empty non-terminal of zone `zone`: a name with no data of its own that has names below
    /// it (`static.cdn.example.net` above `img.static.cdn.example.net`). It exists (RFC 4592
    /// §2.2.2), so it is NODATA, never NXDOMAIN (RFC 8020 §2: that would deny the subtree).
    Empty { zone: usize },
    /// No such name, inside zone `zone`: NXDOMAIN with that zone's SOA.
    Missing { zone: usize },
    /// Not in any zone of ours: REFUSED (never an open resolver).
    Outside,
}

/// The names of all our zones.
#[derive(Debug, Clone, Default)]
pub struct ZoneIndex {
    /// Zone apexes; 0 is the network's zone.
    zones: Vec<String>,
    zone_of_apex: HashMap<Vec<u8>, usize>,
    /// Each name, what it is, and how to describe it in an error.
    names: HashMap<Vec<u8>, (NameKind, String)>,
}

/// Why the names of a configuration do not make a consistent set of zones.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ZoneError {
    #[error("{name} is both {first} and {second}")]
    Clash { name: String, first: String, second: String },
}

impl ZoneIndex {
    /// The index for `zone`, its name servers, proxies (by short name) and buyers (name, hosts).
    pub fn new(
        zone: &str,
        nameservers: &[&str],
        proxies: &[&str],
        buyers: &[(&str, &[&str])],
    ) -> Result<ZoneIndex, ZoneError> {
        let mut index = ZoneIndex::default();
        index.add_zone(zone);
        index.insert(zone.to_string(), NameKind::Apex { zone: 0 }, "the zone apex")?;
        for (i, ns) in nameservers.iter().enumerate() {
            if within(ns, zone) {
                index.insert(ns.to_string(), NameKind::Nameserver { index: i }, &format!("name server {ns}"))?;
            }
        }
        for (i, proxy) in proxies.iter().enumerate() {
            index.insert(format!("{proxy}.{zone}"), NameKind::Proxy { index: i }, &format!("proxy {proxy}"))?;
        }
        for (b, (buyer, hosts)) in buyers.iter().enumerate() {
            for host in hosts.iter() {
                let zone = if within(host, zone) { 0 } else { index.add_zone(host) };
                index.insert(
                    host.to_string(),
                    NameKind::BuyerHost { buyer: b, zone },
                    &format!("a host of buyer {buyer}"),
                )?;
            }
        }
        index.add_empty_non_terminals();
        Ok(index)
    }

    /// Every ancestor of a name, between it and the apex of the zone it is in, that is not a
    /// name itself. A zone apex is a name, so the walk stops at the closest one; above a
    /// delegated buyer zone that is not in ours there is nothing of ours.
    fn add_empty_non_terminals(&mut self) {
        let mut found = Vec::new();
        for name in self.names.keys() {
            let mut rest = name.as_slice();
            while let Some(parent) = parent(rest) {
                if self.names.contains_key(parent) {
                    break;
                }
                let Some(zone) = self.enclosing_zone(parent) else { break };
                found.push((parent.to_vec(), zone));
                rest = parent;
            }
        }
        for (name, zone) in found {
            self.names.insert(name, (NameKind::Empty { zone }, "an empty non-terminal".to_string()));
        }
    }

    /// The zone `name` is in (the closest apex at or above it).
    fn enclosing_zone(&self, name: &[u8]) -> Option<usize> {
        let mut rest = name;
        loop {
            if let Some(&zone) = self.zone_of_apex.get(rest) {
                return Some(zone);
            }
            rest = parent(rest)?;
        }
    }

    /// Every name of every zone (apexes, name servers, proxies, buyer hosts, empty
    /// non-terminals) and what it is, in no particular order.
    pub fn names(&self) -> impl Iterator<Item = (&str, NameKind)> {
        // Every key was inserted from a `&str`, so each converts back.
        self.names.iter().filter_map(|(name, (kind, _))| Some((std::str::from_utf8(name).ok()?, *kind)))
    }

    fn add_zone(&mut self, apex: &str) -> usize {
        let z = self.zones.len();
        self.zones.push(apex.to_string());
        self.zone_of_apex.insert(apex.as_bytes().to_vec(), z);
        z
    }

    fn insert(&mut self, name: String, kind: NameKind, what: &str) -> Result<(), ZoneError> {
        if let Some((old, described)) = self.names.get(name.as_bytes())
            && *old != kind
        {
            return Err(ZoneError::Clash { name, first: described.clone(), second: what.to_string() });
        }
        self.names.insert(name.into_bytes(), (kind, what.to_string()));
        Ok(())
    }

    /// The apex of zone `zone`.
    pub fn apex(&self, zone: usize) -> &str {
        &self.zones[zone]
    }

    /// Number of zones (the network's, then one per delegated buyer host).
    pub fn zones(&self) -> usize {
        self.zones.len()
    }

    /// What `name` (lower case, dotted, no trailing dot) is. Any bytes: a name that is not
    /// UTF-8 matches none of ours, but may still be below one of our zones.
    pub fn classify(&self, name: impl AsRef<[u8]>) -> NameKind {
        let name = name.as_ref();
        if let Some((kind, _)) = self.names.get(name) {
            return *kind;
        }
        // The closest enclosing zone: walk up label by label.
        let mut rest = name;
        while let Some(parent) = parent(rest) {
            if let Some(&zone) = self.zone_of_apex.get(parent) {
                return NameKind::Missing { zone };
            }
            rest = parent;
        }
        NameKind::Outside
    }
}

/// The name one label up (`example.net` for `cdn.example.net`); `None` for a single label.
fn parent(name: &[u8]) -> Option<&[u8]> {
    let dot = name.iter().position(|&b| b == b'.')?;
    Some(&name[dot + 1..])
}

/// Whether `name` is `zone` or below it.
fn within(name: &str, zone: &str) -> bool {
    name == zone || name.strip_suffix(zone).is_some_and(|head| head.ends_with('.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example() -> ZoneIndex {
        ZoneIndex::new(
            "cdn.example.net",
            &["ns1.cdn.example.net", "ns.elsewhere.org"],
            &["edge-1", "edge-2"],
            &[("shop", &["www.shop.example", "shop.cdn.example.net"]), ("news", &["news.example.org"])],
        )
        .unwrap()
    }

    #[test]
    fn classifies_every_kind_of_name() {
        let z = example();
        assert_eq!(z.classify("cdn.example.net"), NameKind::Apex { zone: 0 });
        assert_eq!(z.classify("ns1.cdn.example.net"), NameKind::Nameserver { index: 0 });
        assert_eq!(z.classify("edge-2.cdn.example.net"), NameKind::Proxy { index: 1 });
        assert_eq!(z.classify("shop.cdn.example.net"), NameKind::BuyerHost { buyer: 0, zone: 0 });
        assert_eq!(z.classify("www.shop.example"), NameKind::BuyerHost { buyer: 0, zone: 1 });
        assert_eq!(z.classify("news.example.org"), NameKind::BuyerHost { buyer: 1, zone: 2 });
        assert_eq!(z.apex(2), "news.example.org");
    }

    /// RFC 8020 §2, RFC 4592 §2.2.2: a name with names below it exists, data or not.
    #[test]
    fn empty_non_terminals_exist_rfc8020_s2() {
        let z = ZoneIndex::new(
            "cdn.example.net",
            &["a.ns.cdn.example.net"],
            &["edge-1"],
            &[("shop", &["img.static.cdn.example.net", "x.y.www.shop.example", "www.shop.example"])],
        )
        .unwrap();
        assert_eq!(z.classify("static.cdn.example.net"), NameKind::Empty { zone: 0 });
        assert_eq!(z.classify("ns.cdn.example.net"), NameKind::Empty { zone: 0 });
        // Below a delegated buyer host, inside its zone.
        let shop = z.names().find(|(n, _)| *n == "www.shop.example").map(|(_, k)| k);
        let Some(NameKind::BuyerHost { zone: shop, .. }) = shop else { panic!("{shop:?}") };
        assert_eq!(z.classify("y.www.shop.example"), NameKind::Empty { zone: shop });
        // Not above a zone apex, and not beside one: those stay what they were.
        assert_eq!(z.classify("shop.example"), NameKind::Outside);
        assert_eq!(z.classify("cdn.example.net"), NameKind::Apex { zone: 0 });
        assert_eq!(z.classify("nope.static.cdn.example.net"), NameKind::Missing { zone: 0 });
        assert_eq!(z.classify("other.cdn.example.net"), NameKind::Missing { zone: 0 });
        let empty: Vec<&str> = {
            let mut e: Vec<&str> =
                z.names().filter(|(_, k)| matches!(k, NameKind::Empty { .. })).map(|(n, _)| n).collect();
            e.sort();
            e
        };
        assert_eq!(empty, ["ns.cdn.example.net", "static.cdn.example.net", "y.www.shop.example"]);
    }

    #[test]
    fn missing_names_belong_to_the_closest_zone() {
        let z = example();
        assert_eq!(z.classify("nope.cdn.example.net"), NameKind::Missing { zone: 0 });
        assert_eq!(z.classify("a.b.cdn.example.net"), NameKind::Missing { zone: 0 });
        assert_eq!(z.classify("img.www.shop.example"), NameKind::Missing { zone: 1 });
    }

    #[test]
    fn everything_else_is_refused() {
        let z = example();
        for name in ["example.net", "shop.example", "example.org", "ns.elsewhere.org", "com", "", "xcdn.example.net"] {
            assert_eq!(z.classify(name), NameKind::Outside, "{name}");
        }
    }

    #[test]
    fn clashing_names_are_refused() {
        let err = ZoneIndex::new("cdn.example.net", &[], &["shop"], &[("web", &["shop.cdn.example.net"])]).unwrap_err();
        assert_eq!(err.to_string(), "shop.cdn.example.net is both proxy shop and a host of buyer web");
    }
}
