//! The top of the answer (helper "wire"'s part of issue 17): error replies with the question
//! and OPT, zone transfers, TSIG, QCLASS ANY, NSID and cookies.

use hickory_proto::rr::rdata::tsig::{TSIG, TsigAlgorithm, TsigError};
use hickory_proto::rr::{Record, RecordType as T};
use hickory_proto::serialize::binary::BinEncodable;

use super::*;
use crate::dns::cookie::CookieSecret;
use crate::dns::edns_extras::EdnsExtras;

const NOW: u32 = 1_764_640_000;
const SECRET: [u8; 16] = [0x5a; 16];

fn with_extras() -> Setup {
    let (mut a, _) = setup();
    a.answerer.set_extras(Arc::new(EdnsExtras::new(b"node-1", Some(CookieSecret::new(SECRET)))));
    a.answerer.set_clock(NOW);
    a
}

fn edns(options: &[(u16, &[u8])]) -> Edns {
    let mut e = Edns::new();
    e.set_max_payload(1232);
    for (code, data) in options {
        e.options_mut().insert(EdnsOption::Unknown(*code, data.to_vec()));
    }
    e
}

fn message(op: OpCode, name: &str, rtype: RecordType, class: DNSClass, e: Option<Edns>) -> Message {
    let mut m = Message::new(42, MessageType::Query, op);
    let mut q = Query::query(Name::from_ascii(name).unwrap(), rtype);
    q.set_query_class(class);
    m.add_query(q);
    if let Some(e) = e {
        m.set_edns(e);
    }
    m
}

fn answer(a: &mut Setup, bytes: &[u8], transport: Transport) -> Message {
    let (out, _) = a.answerer.answer(&a.zone, bytes, RESOLVER, transport);
    Message::from_vec(out.expect("an answer")).expect("hickory reads it")
}

fn option(m: &Message, code: EdnsCode) -> Option<Vec<u8>> {
    m.edns.as_ref().expect("an OPT").option(code).map(|o| match o {
        EdnsOption::NSID(p) => p.as_ref().to_vec(),
        EdnsOption::Unknown(_, data) => data.clone(),
        other => panic!("{other:?}"),
    })
}

#[test]
fn error_replies_carry_the_question_and_the_opt_rfc6891_s7() {
    let mut a = with_extras();
    // NOTIFY (opcode 4): NOTIMP, with the question and an OPT.
    let notify = message(OpCode::Notify, "cdn.example.net.", T::SOA, DNSClass::IN, Some(edns(&[])));
    let m = answer(&mut a, &notify.to_vec().unwrap(), Transport::Udp);
    assert_eq!((m.metadata.response_code, m.metadata.op_code), (ResponseCode::NotImp, OpCode::Notify));
    assert_eq!(m.queries[0].name().to_ascii(), "cdn.example.net.");
    assert!(m.edns.is_some() && !m.metadata.authoritative);
    // A bad Client Subnet (scope set in a query): FORMERR with question and OPT.
    let mut e = Edns::new();
    e.options_mut().insert(EdnsOption::Subnet(ClientSubnet::new("192.0.2.0".parse().unwrap(), 24, 8)));
    let bad = message(OpCode::Query, "www.shop.example.", T::A, DNSClass::IN, Some(e));
    let m = answer(&mut a, &bad.to_vec().unwrap(), Transport::Udp);
    assert_eq!((m.metadata.response_code, m.queries.len()), (ResponseCode::FormErr, 1));
    assert!(m.edns.is_some());
    // Outside our zones: REFUSED, with the OPT (and the NSID asked for).
    let outside = message(OpCode::Query, "example.com.", T::A, DNSClass::IN, Some(edns(&[(3, b"")])));
    let m = answer(&mut a, &outside.to_vec().unwrap(), Transport::Udp);
    assert_eq!(m.metadata.response_code, ResponseCode::Refused);
    assert_eq!(option(&m, EdnsCode::NSID).as_deref(), Some(&b"node-1"[..]));
}

#[test]
fn no_question_with_a_cookie_gets_a_server_cookie_rfc7873_s5_4() {
    let mut a = with_extras();
    let ping = |cookie: Option<&[u8]>| {
        let mut m = Message::new(7, MessageType::Query, OpCode::Query);
        m.set_edns(edns(&cookie.map(|c| vec![(10, c)]).unwrap_or_default()));
        m.to_vec().unwrap()
    };
    let m = answer(&mut a, &ping(Some(&[1, 2, 3, 4, 5, 6, 7, 8])), Transport::Udp);
    assert_eq!((m.metadata.response_code, m.queries.len(), m.answers.len()), (ResponseCode::NoError, 0, 0));
    assert!(!m.metadata.authoritative);
    let cookie = option(&m, EdnsCode::Cookie).expect("a server cookie");
    assert_eq!((cookie.len(), &cookie[..8]), (24, &[1, 2, 3, 4, 5, 6, 7, 8][..]));
    // Without a cookie, or from a server that makes none, no question is FORMERR (with the OPT).
    let m = answer(&mut a, &ping(None), Transport::Udp);
    assert_eq!((m.metadata.response_code, m.edns.is_some()), (ResponseCode::FormErr, true));
    a.answerer.set_extras(Arc::new(EdnsExtras::default()));
    let m = answer(&mut a, &ping(Some(&[1, 2, 3, 4, 5, 6, 7, 8])), Transport::Udp);
    assert_eq!((m.metadata.response_code, m.edns.is_some()), (ResponseCode::FormErr, true));
}

#[test]
fn zone_transfers_are_refused_with_the_question_rfc5936_s2_2_s4_2() {
    let mut a = with_extras();
    for transport in [Transport::Tcp, Transport::Udp] {
        let axfr = message(OpCode::Query, "cdn.example.net.", T::AXFR, DNSClass::IN, Some(edns(&[])));
        let m = answer(&mut a, &axfr.to_vec().unwrap(), transport);
        assert_eq!((m.metadata.response_code, m.answers.len()), (ResponseCode::Refused, 0), "{transport:?}");
        assert_eq!(m.queries[0].query_type(), T::AXFR);
        assert!(m.edns.is_some());
    }
    // IXFR carries the client's SOA in the authority section (RFC 1995 §3): read, then refused.
    let mut ixfr = message(OpCode::Query, "cdn.example.net.", T::IXFR, DNSClass::IN, None);
    let (soa, _) = ask(&mut a, "cdn.example.net.", T::SOA);
    ixfr.authorities.push(soa.answers[0].clone());
    let m = answer(&mut a, &ixfr.to_vec().unwrap(), Transport::Tcp);
    assert_eq!((m.metadata.response_code, m.queries[0].query_type()), (ResponseCode::Refused, T::IXFR));
    // Anything else in the authority section is still FORMERR.
    let mut odd = message(OpCode::Query, "cdn.example.net.", T::A, DNSClass::IN, None);
    odd.authorities.push(soa.answers[0].clone());
    assert_eq!(answer(&mut a, &odd.to_vec().unwrap(), Transport::Udp).metadata.response_code, ResponseCode::FormErr);
}

/// A query signed with key `key.example.` (a MAC we cannot check), with or without EDNS.
fn signed(e: Option<Edns>) -> Vec<u8> {
    let mut bytes = message(OpCode::Query, "www.shop.example.", T::A, DNSClass::IN, e).to_vec().unwrap();
    let tsig = TSIG::new(TsigAlgorithm::HmacSha256, 1_764_640_123, 300, vec![0xab; 32], 42, None, Vec::new());
    let mut record = Record::from_rdata(Name::from_ascii("key.example.").unwrap(), 0, RData::TSIG(tsig));
    record.dns_class = DNSClass::ANY;
    bytes.extend(record.to_bytes().unwrap());
    bytes[11] += 1; // ARCOUNT
    bytes
}

#[test]
fn tsig_without_keys_is_notauth_badkey_rfc8945_s5_2_1() {
    let mut a = with_extras();
    for e in [None, Some(edns(&[]))] {
        let m = answer(&mut a, &signed(e.clone()), Transport::Udp);
        assert_eq!(m.metadata.response_code, ResponseCode::NotAuth);
        assert!(m.answers.is_empty() && !m.metadata.authoritative);
        assert_eq!(m.edns.is_some(), e.is_some());
        let tsig = m.additionals.last().expect("a TSIG");
        assert_eq!((tsig.name.to_ascii(), tsig.dns_class), ("key.example.".to_string(), DNSClass::ANY));
        let RData::TSIG(t) = &tsig.data else { panic!("not a TSIG: {tsig:?}") };
        assert_eq!((t.algorithm.clone(), t.time, t.fudge, t.oid), (TsigAlgorithm::HmacSha256, 1_764_640_123, 300, 42));
        assert_eq!((t.mac.len(), t.error), (0, Some(TsigError::BadKey)), "unsigned, BADKEY (RFC 8945 §5.3.2)");
    }
    // A TSIG that is not the last record is FORMERR (RFC 8945 §5.1).
    let mut bytes = signed(None);
    bytes.extend(&[0, 0, 41, 4, 208, 0, 0, 0, 0, 0, 0]); // an OPT after it
    bytes[11] += 1;
    assert_eq!(answer(&mut a, &bytes, Transport::Udp).metadata.response_code, ResponseCode::FormErr);
}

#[test]
fn qclass_any_gets_the_in_data_rfc1035_s3_2_5() {
    let mut a = with_extras();
    let q = message(OpCode::Query, "ns1.cdn.example.net.", T::A, DNSClass::ANY, None);
    let m = answer(&mut a, &q.to_vec().unwrap(), Transport::Udp);
    assert_eq!((m.metadata.response_code, m.metadata.authoritative), (ResponseCode::NoError, true));
    assert_eq!(addresses(&m), ["127.0.0.53"]);
    assert_eq!((m.answers[0].dns_class, m.queries[0].query_class()), (DNSClass::IN, DNSClass::ANY));
    let q = message(OpCode::Query, "nope.cdn.example.net.", T::A, DNSClass::ANY, None);
    assert_eq!(answer(&mut a, &q.to_vec().unwrap(), Transport::Udp).metadata.response_code, ResponseCode::NXDomain);
    // CHAOS for our names stays REFUSED.
    let q = message(OpCode::Query, "ns1.cdn.example.net.", T::A, DNSClass::CH, None);
    assert_eq!(answer(&mut a, &q.to_vec().unwrap(), Transport::Udp).metadata.response_code, ResponseCode::Refused);
}

#[test]
fn nsid_only_when_asked_rfc5001_s2_1() {
    let mut a = with_extras();
    let asked = message(OpCode::Query, "shop.cdn.example.net.", T::A, DNSClass::IN, Some(edns(&[(3, b"")])));
    let m = answer(&mut a, &asked.to_vec().unwrap(), Transport::Udp);
    assert_eq!(option(&m, EdnsCode::NSID).as_deref(), Some(&b"node-1"[..]));
    assert_eq!(addresses(&m), ["cname origin.shop.example."]);
    let plain = message(OpCode::Query, "shop.cdn.example.net.", T::A, DNSClass::IN, Some(edns(&[])));
    assert_eq!(option(&answer(&mut a, &plain.to_vec().unwrap(), Transport::Udp), EdnsCode::NSID), None);
    // Off (`dns.nsid: ""`): not answered.
    a.answerer.set_extras(Arc::new(EdnsExtras::new(b"", None)));
    assert_eq!(option(&answer(&mut a, &asked.to_vec().unwrap(), Transport::Udp), EdnsCode::NSID), None);
}

#[test]
fn cookies_rfc7873_s5_2() {
    let mut a = with_extras();
    let secret = CookieSecret::new(SECRET);
    let client = [9u8, 8, 7, 6, 5, 4, 3, 2];
    let ask_cookie = |a: &mut Setup, cookie: &[u8]| {
        let q = message(OpCode::Query, "ns1.cdn.example.net.", T::A, DNSClass::IN, Some(edns(&[(10, cookie)])));
        let bytes = q.to_vec().unwrap();
        (answer(a, &bytes, Transport::Udp), a.answerer.has_valid_cookie(&bytes, RESOLVER))
    };
    // §5.2.3: a client cookie only: the answer, with a fresh server cookie.
    let (m, valid) = ask_cookie(&mut a, &client);
    assert_eq!((m.metadata.response_code, addresses(&m).len(), valid), (ResponseCode::NoError, 1, false));
    let cookie = option(&m, EdnsCode::Cookie).unwrap();
    assert_eq!(&cookie[..8], client);
    assert!(secret.is_valid(&client, &cookie[8..], RESOLVER, NOW));
    // §5.2.5: the server cookie sent back, 20 minutes on: valid, answered with a fresh one.
    a.answerer.set_clock(NOW + 1200);
    let (m, valid) = ask_cookie(&mut a, &cookie);
    assert!(valid);
    let fresh = option(&m, EdnsCode::Cookie).unwrap();
    assert_eq!(&fresh[12..16], (NOW + 1200).to_be_bytes(), "a fresh timestamp");
    // §5.2.4: expired, or not ours: still answered normally (no BADCOOKIE), with a fresh cookie.
    a.answerer.set_clock(NOW + 3601);
    let (m, valid) = ask_cookie(&mut a, &cookie);
    assert_eq!((m.metadata.response_code, addresses(&m).len(), valid), (ResponseCode::NoError, 1, false));
    assert!(secret.is_valid(&client, &option(&m, EdnsCode::Cookie).unwrap()[8..], RESOLVER, NOW + 3601));
    let (m, valid) = ask_cookie(&mut a, &[&client[..], &[0u8; 16]].concat());
    assert_eq!((m.metadata.response_code, valid), (ResponseCode::NoError, false));
    // §5.2.2: malformed (not 8, nor 16 to 40 bytes): FORMERR, with an OPT and no cookie.
    for len in [0, 7, 9, 15, 41] {
        let (m, valid) = ask_cookie(&mut a, &vec![1u8; len]);
        assert_eq!((m.metadata.response_code, m.queries.len(), valid), (ResponseCode::FormErr, 1, false), "{len}");
        assert_eq!(option(&m, EdnsCode::Cookie), None);
    }
    // Without a secret (a library user that set none), cookies are not answered.
    a.answerer.set_extras(Arc::new(EdnsExtras::default()));
    let (m, _) = ask_cookie(&mut a, &client);
    assert_eq!(option(&m, EdnsCode::Cookie), None);
}
