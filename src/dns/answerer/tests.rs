//! The answerer driven without sockets: every protocol rule, the fallbacks, health, and the
//! split, checked by decoding the answers with hickory-proto.

use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use hickory_proto::op::{Edns, Message, MessageType, OpCode, Query, ResponseCode};
use hickory_proto::rr::rdata::opt::{ClientSubnet, EdnsCode, EdnsOption};
use hickory_proto::rr::{DNSClass, Name, RData, RecordType};

use super::{Answerer, Live, Outcome};
use crate::config::Config;
use crate::core::client_hash::Subnet;
use crate::core::client_split;
use crate::core::fraction_split::ppm;
use crate::core::proxy_line::ProxyLine;
use crate::dns::response::Transport;
use crate::dns::zone_data::{Learned, ZoneData};

const RESOLVER: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 53));

/// An answerer over the example's zones, the zones it answers for, and its live values.
struct Setup {
    answerer: Answerer,
    zone: Arc<ZoneData>,
}

fn setup() -> (Setup, Arc<Live>) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/surplus.yaml");
    let config = Config::load(&path).unwrap();
    let zone = Arc::new(ZoneData::new(&config, &Learned::new(), 2026112501).unwrap());
    let capacities: Vec<u64> = config.proxies.iter().map(|p| p.capacity_rps.0 as u64).collect();
    let live = Arc::new(Live::new(config.buyers.len(), &capacities));
    (Setup { answerer: Answerer::new(&zone, Arc::clone(&live), 2), zone }, live)
}

fn packet(name: &str, rtype: RecordType, edns: Option<Edns>) -> Vec<u8> {
    let mut m = Message::new(42, MessageType::Query, OpCode::Query);
    m.add_query(Query::query(Name::from_ascii(name).unwrap(), rtype));
    if let Some(e) = edns {
        m.set_edns(e);
    }
    m.to_vec().unwrap()
}

fn ask(a: &mut Setup, name: &str, rtype: RecordType) -> (Message, Outcome) {
    ask_with(a, &packet(name, rtype, None))
}

fn ask_with(a: &mut Setup, bytes: &[u8]) -> (Message, Outcome) {
    let (out, outcome) = a.answerer.answer(&a.zone, bytes, RESOLVER, Transport::Udp);
    (Message::from_vec(out.expect("an answer")).unwrap(), outcome)
}

fn addresses(m: &Message) -> Vec<String> {
    m.answers
        .iter()
        .map(|r| match &r.data {
            RData::A(a) => a.to_string(),
            RData::AAAA(a) => a.to_string(),
            RData::CNAME(c) => format!("cname {}", c.0),
            other => format!("{other:?}"),
        })
        .collect()
}

#[test]
fn zone_apex_names_and_missing_names() {
    let (mut a, _) = setup();
    let (m, _) = ask(&mut a, "cdn.example.net.", RecordType::SOA);
    assert!(m.metadata.authoritative);
    assert_eq!(m.answers[0].record_type(), RecordType::SOA);
    let (m, _) = ask(&mut a, "cdn.example.net.", RecordType::NS);
    assert_eq!(m.answers.len(), 2);
    let (m, _) = ask(&mut a, "ns1.cdn.example.net.", RecordType::A);
    assert_eq!(addresses(&m), ["127.0.0.53"]);
    let (m, _) = ask(&mut a, "edge-1.cdn.example.net.", RecordType::AAAA);
    assert_eq!(addresses(&m), ["::1"]);

    // NXDOMAIN and NODATA carry the SOA; outside our zones is REFUSED, not authoritative.
    let (m, _) = ask(&mut a, "nope.cdn.example.net.", RecordType::A);
    assert_eq!((m.metadata.response_code, m.metadata.authoritative), (ResponseCode::NXDomain, true));
    assert_eq!(m.authorities[0].record_type(), RecordType::SOA);
    let (m, _) = ask(&mut a, "edge-1.cdn.example.net.", RecordType::TXT);
    assert_eq!((m.metadata.response_code, m.answers.len()), (ResponseCode::NoError, 0));
    assert_eq!(m.authorities[0].name.to_ascii(), "cdn.example.net.");
    let (m, outcome) = ask(&mut a, "www.example.com.", RecordType::A);
    assert_eq!(
        (m.metadata.response_code, m.metadata.authoritative, outcome),
        (ResponseCode::Refused, false, Outcome::Other)
    );
}

#[test]
fn delegated_buyer_hosts_are_zones_of_their_own() {
    let (mut a, _) = setup();
    let (m, _) = ask(&mut a, "www.shop.example.", RecordType::SOA);
    assert_eq!(m.answers[0].name.to_ascii(), "www.shop.example.");
    let (m, _) = ask(&mut a, "img.www.shop.example.", RecordType::A);
    assert_eq!(m.metadata.response_code, ResponseCode::NXDomain);
    assert_eq!(m.authorities[0].name.to_ascii(), "www.shop.example.");
}

#[test]
fn without_a_sale_every_answer_is_the_fallback() {
    let (mut a, _) = setup();
    for _ in 0..5 {
        let (m, outcome) = ask(&mut a, "Shop.CDN.Example.net.", RecordType::A);
        assert_eq!(addresses(&m), ["cname origin.shop.example."]);
        assert_eq!(outcome, Outcome::Fallback { buyer: 0 });
        assert_eq!(m.queries[0].name().to_ascii(), "Shop.CDN.Example.net.", "the question's case is kept");
    }
    // news: servers 127.0.0.21 (weight 3) and .22 (weight 1), weighted: exactly 3:1 per cycle.
    let picks: Vec<String> =
        (0..8).map(|_| addresses(&ask(&mut a, "news.example.org.", RecordType::A).0).join(",")).collect();
    assert_eq!(picks.iter().filter(|p| *p == "127.0.0.21").count(), 6);
    assert_eq!(picks.iter().filter(|p| *p == "127.0.0.22").count(), 2);
}

fn from_subnet(name: &str, subnet: &str) -> Vec<u8> {
    let mut e = Edns::new();
    e.set_max_payload(1232);
    e.options_mut().insert(EdnsOption::Subnet(ClientSubnet::new(subnet.parse().unwrap(), 24, 0)));
    packet(name, RecordType::A, Some(e))
}

#[test]
fn answers_at_f_1_are_scoped_to_the_subnet_and_at_f_0_to_everyone() {
    let (mut a, live) = setup();
    let scope = |a: &mut Setup| {
        let (m, _) = ask_with(a, &from_subnet("www.shop.example.", "10.1.2.0"));
        let Some(EdnsOption::Subnet(s)) = m.edns.as_ref().unwrap().option(EdnsCode::Subnet) else { panic!() };
        s.scope_prefix()
    };
    live.set_fraction(0, ppm(1.0));
    assert_eq!(scope(&mut a), 24, "f = 1 may be cut at the next interval: not for every client");
    live.set_fraction(0, ppm(0.0));
    assert_eq!(scope(&mut a), 0);
}

#[test]
fn the_split_is_by_client_subnet_and_sticky() {
    let (mut a, live) = setup();
    live.set_fraction(0, ppm(0.3));
    let mut proxy = 0u32;
    let mut first_address = std::collections::HashMap::new();
    for i in 0..10_000u32 {
        let subnet = format!("10.{}.{}.0", i >> 8, i & 0xff);
        let (m, outcome) = ask_with(&mut a, &from_subnet("www.shop.example.", &subnet));
        // Asked again, the same subnet lands on the same side, and the scope says it depends
        // on the /24.
        let (again, outcome_again) = ask_with(&mut a, &from_subnet("www.shop.example.", &subnet));
        assert_eq!(outcome, outcome_again, "{subnet}");
        let Some(EdnsOption::Subnet(s)) = again.edns.as_ref().unwrap().option(EdnsCode::Subnet) else { panic!() };
        assert_eq!(s.scope_prefix(), 24);
        if outcome == (Outcome::Proxy { buyer: 0 }) {
            proxy += 2;
            let addrs = addresses(&m);
            assert_eq!(addrs.len(), 2, "two proxies per answer");
            assert_ne!(addrs[0], addrs[1]);
            *first_address.entry(addrs[0].clone()).or_insert(0) += 1;
            *first_address.entry(addresses(&again)[0].clone()).or_insert(0) += 1;
        }
    }
    // 10,000 subnets at f = 0.3: binomial, sd 46 subnets; 5 sd.
    assert!((5540..=6460).contains(&proxy), "{proxy} of 20,000 answers to proxies");
    // Spare capacity 40 : 30 : 20 decides who comes first: each proxy's share of the proxy
    // answers is within one answer of exact.
    for (ip, weight) in [("127.0.0.11", 40.0), ("127.0.0.12", 30.0), ("127.0.0.13", 20.0)] {
        let got = f64::from(first_address.get(ip).copied().unwrap_or(0));
        assert!((got - f64::from(proxy) * weight / 90.0).abs() < 1.0, "{ip}: {got}");
    }
    // Raising f keeps every subnet that had proxies on them.
    live.set_fraction(0, ppm(0.6));
    for i in 0..2_000u32 {
        let subnet = format!("10.{}.{}.0", i >> 8, i & 0xff);
        live.set_fraction(0, ppm(0.3));
        let (_, low) = ask_with(&mut a, &from_subnet("www.shop.example.", &subnet));
        live.set_fraction(0, ppm(0.6));
        let (_, high) = ask_with(&mut a, &from_subnet("www.shop.example.", &subnet));
        assert!(low != (Outcome::Proxy { buyer: 0 }) || high == low, "{subnet}");
    }
}

#[test]
fn subnets_in_an_excluded_stretch_get_the_fallback_and_the_line_goes_past_it() {
    let (mut a, live) = setup();
    let key = client_split::buyer_key("shop");
    let mut line = ProxyLine::default();
    line.set_share(0.5);
    line.exclude(100_000, 300_000);
    line.set_share(0.5);
    assert_eq!(line.threshold(), 700_000);
    live.set_line(0, &line);
    assert_eq!(live.line(0), line);
    let (mut proxy, mut excluded_asked) = (0, 0);
    for i in 0..4_000u32 {
        let subnet = format!("10.{}.{}.0", i >> 8, i & 0xff);
        let place = client_split::place(&Subnet::of_resolver(subnet.parse().unwrap()), key);
        let (_, outcome) = ask_with(&mut a, &from_subnet("www.shop.example.", &subnet));
        let to_proxy = outcome == (Outcome::Proxy { buyer: 0 });
        assert_eq!(to_proxy, place < 100_000 || (300_000..700_000).contains(&place), "{subnet} at {place}");
        proxy += u32::from(to_proxy);
        excluded_asked += u32::from((100_000..300_000).contains(&place));
    }
    // Half of the subnets, none of them from the stretch: binomial sd 32; 5 sd.
    assert!((1840..=2160).contains(&proxy), "{proxy} of 4,000");
    assert!(excluded_asked > 600, "the stretch was asked from: {excluded_asked}");
    // The fraction shown is the line's share, not its threshold.
    assert!((live.fraction(0) - 0.5).abs() < 1e-12, "{}", live.fraction(0));
    // A bare fraction clears the bands.
    live.set_fraction(0, ppm(0.5));
    assert_eq!(live.line(0), ProxyLine::below(500_000));
}

#[test]
fn unhealthy_proxies_get_no_answers_and_none_healthy_means_fallback() {
    let (mut a, live) = setup();
    live.set_fraction(0, ppm(1.0));
    live.healthy[0].store(false, Ordering::Relaxed);
    for _ in 0..50 {
        let (m, _) = ask(&mut a, "www.shop.example.", RecordType::A);
        assert!(!addresses(&m).contains(&"127.0.0.11".to_string()));
    }
    for h in &live.healthy {
        h.store(false, Ordering::Relaxed);
    }
    let (m, outcome) = ask(&mut a, "shop.cdn.example.net.", RecordType::A);
    assert_eq!(
        (addresses(&m), outcome),
        (vec!["cname origin.shop.example.".to_string()], Outcome::Fallback { buyer: 0 })
    );
}

#[test]
fn client_hash_is_stable_per_subnet_and_echoes_the_scope() {
    // api resolves origin.api.example.net (a CNAME until its addresses are learned); use a
    // config whose buyer lists servers with client_hash.
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/surplus.yaml"))
        .unwrap()
        .replace("algorithm: weighted", "algorithm: client_hash");
    let config =
        Config::parse(&text, Path::new("t.yaml"), Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")).unwrap();
    let zone = Arc::new(ZoneData::new(&config, &Learned::new(), 1).unwrap());
    let live = Arc::new(Live::new(config.buyers.len(), &[40, 30, 20]));
    let mut a = Setup { answerer: Answerer::new(&zone, live, 2), zone };
    let with_ecs = |addr: &str| {
        let mut e = Edns::new();
        e.set_max_payload(1232);
        e.options_mut().insert(EdnsOption::Subnet(ClientSubnet::new(addr.parse().unwrap(), 24, 0)));
        packet("news.example.org.", RecordType::A, Some(e))
    };
    let first = addresses(&ask_with(&mut a, &with_ecs("198.51.100.0")).0);
    for _ in 0..10 {
        let (m, _) = ask_with(&mut a, &with_ecs("198.51.100.0"));
        assert_eq!(addresses(&m), first);
        let Some(EdnsOption::Subnet(s)) = m.edns.as_ref().unwrap().option(EdnsCode::Subnet) else { panic!("no ECS") };
        assert_eq!((s.source_prefix(), s.scope_prefix()), (24, 24));
    }
}

#[test]
fn odd_queries() {
    let (mut a, _) = setup();
    // ANY is answered minimally (RFC 8482): one RRset.
    let (m, _) = ask(&mut a, "cdn.example.net.", RecordType::ANY);
    assert_eq!(m.answers.len(), 1);
    // Class CH (version.bind and friends) is refused.
    let mut m = Message::new(1, MessageType::Query, OpCode::Query);
    let mut q = Query::query(Name::from_ascii("version.bind.").unwrap(), RecordType::TXT);
    q.set_query_class(DNSClass::CH);
    m.add_query(q);
    let (m, _) = ask_with(&mut a, &m.to_vec().unwrap());
    assert_eq!(m.metadata.response_code, ResponseCode::Refused);
    // A response is never answered; garbage with a header gets FORMERR.
    let (out, outcome) =
        a.answerer.answer(&a.zone, &[0u8, 1, 0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0], RESOLVER, Transport::Udp);
    assert_eq!((out, outcome), (None, Outcome::Dropped));
    let (m, _) = ask_with(&mut a, &[0u8, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0]);
    assert_eq!(m.metadata.response_code, ResponseCode::FormErr);
}

/// The example config, edited by `edit`, with `learned` fallback addresses.
fn setup_with(edit: impl Fn(String) -> String, learned: &Learned) -> (Setup, Arc<Live>) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let text = edit(std::fs::read_to_string(dir.join("surplus.yaml")).unwrap());
    let config = Config::parse(&text, Path::new("t.yaml"), dir).unwrap();
    let zone = Arc::new(ZoneData::new(&config, learned, 2026112501).unwrap());
    let capacities: Vec<u64> = config.proxies.iter().map(|p| p.capacity_rps.0 as u64).collect();
    let live = Arc::new(Live::new(config.buyers.len(), &capacities));
    (Setup { answerer: Answerer::new(&zone, Arc::clone(&live), 2), zone }, live)
}

/// A host two labels below the zone: `static.cdn.example.net` is an empty non-terminal.
fn with_deep_host(text: String) -> String {
    text.replace(
        "hosts: [www.shop.example, shop.cdn.example.net]",
        "hosts: [www.shop.example, shop.cdn.example.net, img.static.cdn.example.net]",
    )
}

const TYPES: [RecordType; 13] = [
    RecordType::A,
    RecordType::AAAA,
    RecordType::NS,
    RecordType::SOA,
    RecordType::MX,
    RecordType::TXT,
    RecordType::CNAME,
    RecordType::DS,
    RecordType::PTR,
    RecordType::SRV,
    RecordType::CAA,
    RecordType::ANY,
    RecordType::Unknown(65333),
];

/// RFC 2308 §2.2 and §3: every NODATA and NXDOMAIN carries the zone's SOA, one record in
/// authority, with the TTL §5 gives it (the smaller of its TTL and minimum); and (RFC 2181
/// §10.1) a CNAME is never beside other data. Every name of the config (empty non-terminals
/// too), a name below each, in mixed case, every type; without a sale, with one, and with
/// fallbacks learned.
#[test]
fn every_nodata_and_nxdomain_carries_the_zone_soa_rfc2308_s2_2() {
    let mut learned = Learned::new();
    learned.insert("shop".into(), vec!["127.0.0.31".parse().unwrap()]);
    learned.insert("api".into(), vec!["127.0.0.41".parse().unwrap(), "::41".parse().unwrap()]);
    let mut checked = 0;
    for learned in [Learned::new(), learned] {
        for f in [0.0, 0.5, 1.0] {
            let (mut a, live) = setup_with(with_deep_host, &learned);
            (0..3).for_each(|b| live.set_fraction(b, ppm(f)));
            let zone = Arc::clone(&a.zone);
            let mut names: Vec<String> = zone.index.names().map(|(n, _)| n.to_string()).collect();
            names.extend((0..zone.index.zones()).map(|z| format!("nope.{}", zone.index.apex(z))));
            names.push("deeper.nope.img.static.cdn.example.net".into());
            names.sort();
            assert!(names.contains(&"static.cdn.example.net".to_string()));
            for name in &names {
                let apex = (0..zone.index.zones())
                    .map(|z| zone.index.apex(z))
                    .filter(|apex| name == apex || name.ends_with(&format!(".{apex}")))
                    .max_by_key(|apex| apex.len())
                    .unwrap();
                let mixed: String = name
                    .chars()
                    .enumerate()
                    .map(|(i, c)| if i % 2 == 0 { c.to_ascii_uppercase() } else { c })
                    .collect();
                for rtype in TYPES {
                    for subnet in ["10.0.0.0", "10.0.1.0", "10.0.2.0", "10.9.9.0"] {
                        let (m, _) = ask_with(&mut a, &from_subnet_type(&format!("{mixed}."), subnet, rtype));
                        let code = m.metadata.response_code;
                        let what = format!("{name} {rtype} at f {f} from {subnet}, learned {}", learned.len());
                        let negative =
                            code == ResponseCode::NXDomain || (code == ResponseCode::NoError && m.answers.is_empty());
                        if negative {
                            assert_eq!(m.authorities.len(), 1, "{what}: {:?}", m.authorities);
                            let soa = &m.authorities[0];
                            assert_eq!(soa.record_type(), RecordType::SOA, "{what}");
                            assert!(
                                soa.name.to_ascii().eq_ignore_ascii_case(&format!("{apex}.")),
                                "{what}: {}",
                                soa.name
                            );
                            let RData::SOA(data) = &soa.data else { panic!("{what}") };
                            assert_eq!(soa.ttl, data.minimum.min(20), "{what}");
                            assert!(m.metadata.authoritative, "{what}");
                            checked += 1;
                        } else if code == ResponseCode::NoError {
                            assert!(m.authorities.is_empty(), "{what}");
                        } else {
                            // Only a delegated host's addresses before they are learned.
                            assert_eq!(code, ResponseCode::ServFail, "{what}");
                            let address = matches!(rtype, RecordType::A | RecordType::AAAA);
                            assert!(address && apex == name && learned.is_empty(), "{what}: SERVFAIL");
                        }
                        let cnames = m.answers.iter().filter(|r| r.record_type() == RecordType::CNAME).count();
                        assert!(cnames == 0 || m.answers.len() == 1, "{what}: a CNAME beside other data");
                        if cnames == 1 {
                            assert_ne!(apex, name, "{what}: a CNAME at a zone apex (RFC 1034 §3.6.2)");
                        }
                    }
                }
            }
        }
    }
    assert!(checked > 1000, "{checked} negative answers checked");
}

fn from_subnet_type(name: &str, subnet: &str, rtype: RecordType) -> Vec<u8> {
    let mut e = Edns::new();
    e.set_max_payload(1232);
    e.options_mut().insert(EdnsOption::Subnet(ClientSubnet::new(subnet.parse().unwrap(), 24, 0)));
    packet(name, rtype, Some(e))
}

/// RFC 2308 §2.2: a name server with only an A record, and a proxy without IPv6, are NODATA
/// with the SOA for AAAA (they answered with an empty authority).
#[test]
fn nodata_carries_the_soa_rfc2308_s2_2() {
    let (mut a, _) = setup();
    for name in ["ns1.cdn.example.net.", "edge-2.cdn.example.net."] {
        let (m, _) = ask(&mut a, name, RecordType::AAAA);
        assert_eq!((m.metadata.response_code, m.answers.len()), (ResponseCode::NoError, 0), "{name}");
        assert_eq!(m.authorities.len(), 1, "{name}");
        assert_eq!(m.authorities[0].record_type(), RecordType::SOA, "{name}");
    }
}

/// RFC 8020 §2, RFC 4592 §2.2.2: above `img.static.cdn.example.net`, `static.cdn.example.net`
/// exists: NODATA with the SOA, not NXDOMAIN; a name below it that is not one is NXDOMAIN.
#[test]
fn empty_non_terminals_are_nodata_not_nxdomain_rfc8020_s2() {
    let (mut a, _) = setup_with(with_deep_host, &Learned::new());
    for rtype in [RecordType::A, RecordType::AAAA, RecordType::TXT, RecordType::NS] {
        let (m, _) = ask(&mut a, "Static.cdn.example.net.", rtype);
        assert_eq!((m.metadata.response_code, m.answers.len()), (ResponseCode::NoError, 0), "{rtype}");
        assert_eq!(m.authorities[0].record_type(), RecordType::SOA);
    }
    let (m, _) = ask(&mut a, "img.static.cdn.example.net.", RecordType::A);
    assert_eq!(addresses(&m), ["cname origin.shop.example."]);
    let (m, _) = ask(&mut a, "other.static.cdn.example.net.", RecordType::A);
    assert_eq!(m.metadata.response_code, ResponseCode::NXDomain);
}

/// RFC 1034 §3.6.2, RFC 2181 §10.1: a delegated buyer host is a zone apex (SOA, NS), so it is
/// never a CNAME: its `handback` fallback answers the addresses learned for the handback name,
/// and SERVFAIL until they are. Its CNAMEd host inside our zone keeps the CNAME.
#[test]
fn a_delegated_apex_is_never_a_cname_rfc1034_s3_6_2() {
    let (mut a, _) = setup();
    for rtype in TYPES {
        let (m, _) = ask(&mut a, "www.shop.example.", rtype);
        assert!(m.answers.iter().all(|r| r.record_type() != RecordType::CNAME), "{rtype}: {m:?}");
    }
    let (m, outcome) = ask(&mut a, "www.shop.example.", RecordType::A);
    assert_eq!((m.metadata.response_code, m.metadata.authoritative), (ResponseCode::ServFail, false));
    assert_eq!(outcome, Outcome::Other);
    // Only the addresses are unknown: other types have none either way.
    for rtype in [RecordType::TXT, RecordType::MX, RecordType::CNAME] {
        let (m, _) = ask(&mut a, "www.shop.example.", rtype);
        assert_eq!(
            (m.metadata.response_code, m.answers.len(), m.authorities.len()),
            (ResponseCode::NoError, 0, 1),
            "{rtype}"
        );
    }
    for rtype in [RecordType::SOA, RecordType::ANY] {
        let (m, _) = ask(&mut a, "www.shop.example.", rtype);
        assert_eq!(m.answers[0].record_type(), RecordType::SOA, "{rtype}: the apex's own data is there all along");
    }

    let mut learned = Learned::new();
    learned.insert("shop".into(), vec!["127.0.0.31".parse().unwrap(), "::31".parse().unwrap()]);
    let (mut a, _) = setup_with(|t| t, &learned);
    let (m, outcome) = ask(&mut a, "www.shop.example.", RecordType::A);
    assert_eq!((addresses(&m), outcome), (vec!["127.0.0.31".to_string()], Outcome::Fallback { buyer: 0 }));
    assert_eq!(addresses(&ask(&mut a, "www.shop.example.", RecordType::AAAA).0), ["::31"]);
    let (m, _) = ask(&mut a, "www.shop.example.", RecordType::TXT);
    assert_eq!((m.metadata.response_code, m.answers.len()), (ResponseCode::NoError, 0));
    assert_eq!(m.authorities[0].name.to_ascii(), "www.shop.example.");
    // Inside our zone a handback is a CNAME, learned or not.
    assert_eq!(addresses(&ask(&mut a, "shop.cdn.example.net.", RecordType::A).0), ["cname origin.shop.example."]);
}

/// RFC 1034 §4.3.2 step 3a: a name that is a CNAME is one for every type. Which side a client
/// is on is decided once per query by its subnet, the same for every type: on the fallback
/// side of a `handback` every type gets the CNAME; on the proxy side A/AAAA get proxies and
/// other types NODATA, never a CNAME.
#[test]
fn a_cname_owner_answers_every_type_with_the_cname_rfc1034_s4_3_2() {
    let (mut a, live) = setup();
    for rtype in [RecordType::TXT, RecordType::CNAME, RecordType::MX, RecordType::AAAA, RecordType::ANY] {
        let (m, outcome) = ask(&mut a, "shop.cdn.example.net.", rtype);
        assert_eq!(addresses(&m), ["cname origin.shop.example."], "{rtype}");
        // Usage counts A/AAAA answers only.
        let counted = matches!(rtype, RecordType::AAAA | RecordType::ANY);
        assert_eq!(outcome == (Outcome::Fallback { buyer: 0 }), counted, "{rtype}: {outcome:?}");
    }
    live.set_fraction(0, ppm(0.5));
    let (mut cnames, mut proxied) = (0, 0);
    for i in 0..200u32 {
        let subnet = format!("10.{}.{}.0", i >> 8, i & 0xff);
        let a_answer = ask_with(&mut a, &from_subnet_type("shop.cdn.example.net.", &subnet, RecordType::A)).0;
        let is_cname = addresses(&a_answer) == ["cname origin.shop.example."];
        for rtype in [RecordType::TXT, RecordType::CNAME, RecordType::AAAA, RecordType::MX] {
            let (m, _) = ask_with(&mut a, &from_subnet_type("shop.cdn.example.net.", &subnet, rtype));
            let cname = m.answers.iter().any(|r| r.record_type() == RecordType::CNAME);
            assert_eq!(cname, is_cname, "{subnet} {rtype}: {m:?}");
            if !is_cname && rtype != RecordType::AAAA {
                assert_eq!((m.answers.len(), m.authorities.len()), (0, 1), "{subnet} {rtype}");
            }
        }
        cnames += usize::from(is_cname);
        proxied += usize::from(!is_cname);
    }
    assert!(cnames > 50 && proxied > 50, "{cnames} CNAMEs, {proxied} proxied");
    // A proxy side without IPv6 proxies is NODATA for AAAA, not the CNAME.
    live.set_fraction(0, ppm(1.0));
    live.healthy[0].store(false, Ordering::Relaxed); // edge-1, the one with IPv6
    let (m, _) = ask(&mut a, "shop.cdn.example.net.", RecordType::AAAA);
    assert_eq!((m.answers.len(), m.authorities.len()), (0, 1), "{m:?}");
    assert_eq!(addresses(&ask(&mut a, "shop.cdn.example.net.", RecordType::A).0).len(), 2);
}

/// The apex's NS answer carries the in-zone name servers' addresses in additional; a
/// delegated buyer zone's does not (its name servers are out of zone; NSD and Knot add none).
#[test]
fn apex_ns_answers_carry_the_glue() {
    let (mut a, _) = setup();
    let (m, _) = ask(&mut a, "CDN.example.net.", RecordType::NS);
    let glue: Vec<_> = m.additionals.iter().map(|r| (r.name.to_ascii().to_lowercase(), r.data.clone())).collect();
    assert_eq!(
        glue,
        [
            ("ns1.cdn.example.net.".to_string(), RData::A(Ipv4Addr::new(127, 0, 0, 53).into())),
            ("ns2.cdn.example.net.".to_string(), RData::A(Ipv4Addr::new(127, 0, 0, 54).into())),
        ]
    );
    let (m, _) = ask(&mut a, "www.shop.example.", RecordType::NS);
    assert_eq!((m.answers.len(), m.additionals.len()), (2, 0));
}

/// RFC 1035 §4.1.4 compression, as NSD 4.6.1 writes the same records (measured with dig
/// against NSD on loopback, without EDNS): NXDOMAIN 89 octets, NODATA for AAAA of ns1 84, a
/// delegated zone's NXDOMAIN 105, the apex's NS with its glue 101, a delegated zone's NS 85.
#[test]
fn answers_are_as_small_as_the_peers_rfc1035_s4_1_4() {
    let (mut a, _) = setup();
    let sizes = [
        ("nope.cdn.example.net.", RecordType::A, 89),
        ("ns1.cdn.example.net.", RecordType::AAAA, 84),
        ("nope.www.shop.example.", RecordType::A, 105),
        ("cdn.example.net.", RecordType::NS, 101),
        ("www.shop.example.", RecordType::NS, 85),
    ];
    for (name, rtype, size) in sizes {
        let (out, _) = a.answerer.answer(&a.zone, &packet(name, rtype, None), RESOLVER, Transport::Udp);
        assert_eq!(out.unwrap().len(), size, "{name} {rtype}");
    }
}

/// `network.soa` is what the SOA says; the negative answers' SOA has the TTL RFC 2308 §5 gives
/// it, the smaller of its TTL and its minimum, while the SOA asked for keeps its TTL.
#[test]
fn the_soa_carries_the_configured_timers_and_negative_answers_its_minimum_rfc2308_s5() {
    let (mut a, _) =
        setup_with(|t| t.replace("minimum: 20s", "minimum: 5s").replace("expire: 14d", "expire: 21d"), &Learned::new());
    let (m, _) = ask(&mut a, "cdn.example.net.", RecordType::SOA);
    let RData::SOA(soa) = &m.answers[0].data else { panic!("{m:?}") };
    assert_eq!((m.answers[0].ttl, soa.refresh, soa.retry, soa.expire, soa.minimum), (20, 3600, 600, 1_814_400, 5));
    assert_eq!(soa.rname.to_ascii(), "hostmaster.cdn.example.net.");
    for (name, rtype) in [
        ("nope.cdn.example.net.", RecordType::A),
        ("ns1.cdn.example.net.", RecordType::AAAA),
        ("www.shop.example.", RecordType::TXT),
    ] {
        let (m, _) = ask(&mut a, name, rtype);
        assert_eq!(m.authorities.first().map(|r| r.ttl), Some(5), "{name} {rtype}: {m:?}");
    }
}

mod edns;
