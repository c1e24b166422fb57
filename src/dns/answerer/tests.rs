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
        let (m, outcome) = ask(&mut a, "WWW.Shop.Example.", RecordType::A);
        assert_eq!(addresses(&m), ["cname origin.shop.example."]);
        assert_eq!(outcome, Outcome::Fallback { buyer: 0 });
        assert_eq!(m.queries[0].name().to_ascii(), "WWW.Shop.Example.", "the question's case is kept");
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
    let (m, outcome) = ask(&mut a, "www.shop.example.", RecordType::A);
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

mod edns;
