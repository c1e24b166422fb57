//! Fuzzes the DNS packet path: any bytes go through the query parser and the answerer (over the
//! bundled example zones, with a sale's fraction set), and whatever we would send back must be
//! a well-formed DNS message with the query's id, that fits the payload the query allows, and
//! carries an OPT whenever the query had one we could read (RFC 6891 §7), error replies too;
//! every authoritative NODATA and NXDOMAIN carries the zone's SOA (RFC 2308 §2.2, §3); and no
//! owner has a CNAME beside other data (RFC 2181 §10.1), nor a zone apex a CNAME at all.
//! The answerer has an NSID and a cookie secret, so those options are fuzzed as well.
//!
//! `RUSTC_BOOTSTRAP=1 cargo fuzz run packet -- -max_total_time=600` (see the README).

#![no_main]

use std::cell::RefCell;
use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;
use std::sync::Arc;

use hickory_proto::op::{Message, ResponseCode};
use hickory_proto::rr::RecordType;
use libfuzzer_sys::fuzz_target;
use surplus::config::Config;
use surplus::dns::answerer::{Answerer, Live};
use surplus::dns::cookie::CookieSecret;
use surplus::dns::edns_extras::EdnsExtras;
use surplus::dns::query::{self, Refusal};
use surplus::dns::response::Transport;
use surplus::dns::zone_data::{Learned, ZoneData};

thread_local! {
    static ANSWERER: RefCell<(Answerer, Arc<ZoneData>)> = RefCell::new({
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/surplus.yaml");
        let config = Config::load(&path).expect("the example config loads");
        // `api` resolves its fallback: give it learned addresses, so that path is fuzzed too.
        let learned: Learned = [("api".to_string(), vec!["127.0.0.31".parse().unwrap(), "::31".parse().unwrap()])].into();
        let zone = Arc::new(ZoneData::new(&config, &learned, 1).expect("the example zones build"));
        let live = Arc::new(Live::new(config.buyers.len(), &[40, 30, 20]));
        live.set_fraction(0, 500_000);
        let mut answerer = Answerer::new(&zone, live, 2);
        answerer.set_extras(Arc::new(EdnsExtras::new(b"fuzz-node", Some(CookieSecret::new([7; 16])))));
        answerer.set_clock(1_764_640_000);
        (answerer, zone)
    });
}

fuzz_target!(|data: &[u8]| {
    let client = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1));
    let had_opt = match query::parse(data) {
        Ok(q) | Err(Refusal::Reply { query: q, .. }) => q.edns.is_some(),
        Err(Refusal::Drop) => false,
    };
    for transport in [Transport::Udp, Transport::Tcp] {
        ANSWERER.with(|a| {
            let (answerer, zone) = &mut *a.borrow_mut();
            if let (Some(reply), _) = answerer.answer(zone, data, client, transport) {
                let message = Message::from_vec(reply).expect("we only send valid DNS");
                assert_eq!(message.metadata.id, u16::from_be_bytes([data[0], data[1]]), "the query's id");
                if transport == Transport::Udp {
                    assert!(reply.len() <= if had_opt { 1232 } else { 512 }, "UDP answers fit the payload");
                }
                assert_eq!(message.edns.is_some(), had_opt, "an OPT exactly when the query had one");
                negative_answers_carry_the_soa(&message);
                no_cname_beside_other_data(&message, zone);
            }
        });
    }
});

/// RFC 2308 §2.2, §3: an authoritative NXDOMAIN, or NOERROR with no answer (NODATA), that was
/// not truncated carries exactly one record in authority: the SOA of the zone the name is in.
fn negative_answers_carry_the_soa(m: &Message) {
    let h = &m.metadata;
    let negative = matches!(h.response_code, ResponseCode::NXDomain | ResponseCode::NoError) && m.answers.is_empty();
    if !(h.authoritative && negative && !h.truncation) || m.queries.is_empty() {
        return;
    }
    let [soa] = m.authorities.as_slice() else { panic!("a negative answer with {:?} in authority", m.authorities) };
    assert_eq!(soa.record_type(), RecordType::SOA, "{m:?}");
    assert!(soa.name.zone_of(m.queries[0].name()), "the SOA of the name's zone: {m:?}");
}

/// RFC 2181 §10.1: an owner with a CNAME has nothing else (in any section), and (RFC 1034
/// §3.6.2) no zone apex of ours is a CNAME, beside its SOA and NS.
fn no_cname_beside_other_data(m: &Message, zone: &ZoneData) {
    for cname in m.all_sections().filter(|r| r.record_type() == RecordType::CNAME) {
        let others = m.all_sections().filter(|r| r.name == cname.name && r.record_type() != RecordType::CNAME);
        assert_eq!(others.count(), 0, "a CNAME beside other data at {}: {m:?}", cname.name);
        let owner = cname.name.to_ascii().trim_end_matches('.').to_ascii_lowercase();
        assert!((0..zone.index.zones()).all(|z| zone.index.apex(z) != owner), "a CNAME at the apex {owner}: {m:?}");
    }
}
