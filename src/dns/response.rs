//! Writing answers: records encoded once, assembled per query by copying bytes.
//!
//! A response is the query's header (with QR, AA and the rcode set), its question copied as
//! sent (so the question's case is preserved), then records whose owner name is a compression
//! pointer to that question, then the OPT record when the query had one. Records are encoded
//! when the zone is built, never per query.
//!
//! The SOA of a negative answer ([`NegativeSoa`]) and the glue of the apex's NS answer
//! ([`Additional`]) are written compressed, as the peers write them.

use std::net::{Ipv4Addr, Ipv6Addr};

pub use super::additional::{Additional, Dictionary, apex_ns};
pub use super::negative_soa::NegativeSoa;
use super::query::{AA, CD, ClientSubnet, OPCODE_BITS, OPTION_ECS, QR, Query, RD, TC, TYPE_OPT, TYPE_TSIG};
use crate::config::SoaTimes;

/// The EDNS UDP payload we offer and honour (the DNS flag day 2020 value).
pub const EDNS_PAYLOAD: u16 = 1232;
/// The UDP size limit without EDNS.
pub const CLASSIC_PAYLOAD: usize = 512;
/// Extended rcode for an unsupported EDNS version (RFC 6891).
pub const BADVERS: u16 = 16;
/// Rcodes.
pub const NOERROR: u8 = 0;
pub const SERVFAIL: u8 = 2;
pub const NXDOMAIN: u8 = 3;
pub const REFUSED: u8 = 5;
pub const NOTAUTH: u8 = 9;
/// TSIG error: the key is not known here (RFC 8945 §5.2.1).
pub const BADKEY: u16 = 17;
/// Record types.
pub const TYPE_A: u16 = 1;
pub const TYPE_NS: u16 = 2;
pub const TYPE_CNAME: u16 = 5;
pub const TYPE_SOA: u16 = 6;
pub const TYPE_AAAA: u16 = 28;
pub const TYPE_ANY: u16 = 255;
/// Compression pointer to the question's name, which always starts right after the header.
pub(super) const QUESTION_NAME: [u8; 2] = [0xc0, 0x0c];

/// One record's type, TTL and data, encoded; the owner is supplied when it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub rtype: u16,
    pub ttl: u32,
    pub rdata: Vec<u8>,
}

impl Record {
    /// An A record.
    pub fn a(addr: Ipv4Addr, ttl: u32) -> Record {
        Record { rtype: TYPE_A, ttl, rdata: addr.octets().to_vec() }
    }

    /// An AAAA record.
    pub fn aaaa(addr: Ipv6Addr, ttl: u32) -> Record {
        Record { rtype: TYPE_AAAA, ttl, rdata: addr.octets().to_vec() }
    }

    /// A CNAME to `target` (a dotted name).
    pub fn cname(target: &str, ttl: u32) -> Record {
        Record { rtype: TYPE_CNAME, ttl, rdata: wire_name(target) }
    }

    /// An NS record naming `host`.
    pub fn ns(host: &str, ttl: u32) -> Record {
        Record { rtype: TYPE_NS, ttl, rdata: wire_name(host) }
    }

    /// An SOA record; `timers.minimum` is the negative-caching TTL (RFC 2308).
    pub fn soa(mname: &str, rname: &str, serial: u32, ttl: u32, timers: &SoaTimes) -> Record {
        let mut rdata = wire_name(mname);
        rdata.extend(wire_name(rname));
        for v in [serial, timers.refresh, timers.retry, timers.expire, timers.minimum] {
            rdata.extend(v.to_be_bytes());
        }
        Record { rtype: TYPE_SOA, ttl, rdata }
    }

    pub(super) fn write(&self, owner: &[u8], out: &mut Vec<u8>) {
        out.extend_from_slice(owner);
        out.extend(self.rtype.to_be_bytes());
        out.extend(1u16.to_be_bytes()); // class IN
        out.extend(self.ttl.to_be_bytes());
        out.extend((self.rdata.len() as u16).to_be_bytes());
        out.extend_from_slice(&self.rdata);
    }
}

/// A dotted name (`cdn.example.net`, trailing dot optional) in uncompressed wire form.
pub fn wire_name(name: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(name.len() + 2);
    for label in name.trim_end_matches('.').split('.').filter(|l| !l.is_empty()) {
        out.push(label.len() as u8);
        out.extend_from_slice(label.as_bytes());
    }
    out.push(0);
    out
}

/// What goes into one response.
#[derive(Debug, Clone, Copy, Default)]
pub struct Reply<'a> {
    pub rcode: u8,
    /// Authoritative answer (everything inside our zones).
    pub authoritative: bool,
    /// Records owned by the question's name.
    pub answers: &'a [&'a Record],
    /// For NXDOMAIN and NODATA: the zone's SOA.
    pub authority: Option<&'a NegativeSoa>,
    /// The additional section (glue), sent when it fits: it is never a reason to truncate
    /// (RFC 2181 §9). Only for questions whose name the owners are relative to (the apex's NS).
    pub additional: &'a [Additional],
    /// The Client Subnet scope prefix to echo (RFC 7871: how much of the subnet the answer
    /// depended on), when the query sent one.
    pub ecs_scope: Option<u8>,
}

/// How the answer travels: UDP answers are bounded by the payload the client accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    Udp,
    Tcp,
}

/// Writes the response to `query` into `out` (cleared first), with `options` (encoded EDNS
/// options: NSID, COOKIE) added to the OPT record when the query had one. Returns whether it
/// was truncated (TC set, sections left out, for the client to retry over TCP).
///
/// Also writes the error replies to what [`super::query::parse`] refused: the opcode is echoed
/// and a question that could not be read is left out (QDCOUNT 0), while an OPT that was read
/// is answered with an OPT (RFC 6891 §6.1.1, §7).
pub fn write(query: &Query<'_>, reply: &Reply<'_>, options: &[u8], transport: Transport, out: &mut Vec<u8>) -> bool {
    out.clear();
    let badvers = query.edns.is_some_and(|e| e.version > 0);
    let limit = size_limit(query, transport);
    let rcode = if badvers { (BADVERS & 0xf) as u8 } else { reply.rcode };
    let (answers, authority) = if badvers { (&[][..], None) } else { (reply.answers, reply.authority) };
    let opt_len = query.edns.map_or(0, |e| opt_length(e.client_subnet, reply.ecs_scope) + options.len());
    let body_len = answers.iter().map(|r| 12 + r.rdata.len()).sum::<usize>()
        + authority.map_or(0, |soa| soa.len_in(query.question));
    let fits = |more: usize| 12 + query.question.len() + body_len + more + opt_len <= limit;
    let truncated = !fits(0);
    // The additional section (glue) goes only whole and only where it fits: it is a courtesy,
    // never a reason to truncate.
    let additional_len = reply.additional.iter().map(Additional::len).sum::<usize>();
    let additional = if !badvers && fits(additional_len) { reply.additional } else { &[][..] };

    let mut flags = QR | (query.flags & (OPCODE_BITS | RD | CD));
    // BADVERS answers nothing of the zone, so it is no authoritative answer.
    if reply.authoritative && !badvers {
        flags |= AA;
    }
    if truncated {
        flags |= TC;
    }
    flags |= u16::from(rcode);
    let (ancount, nscount) = if truncated { (0, 0) } else { (answers.len() as u16, u16::from(authority.is_some())) };
    out.extend(query.id.to_be_bytes());
    out.extend(flags.to_be_bytes());
    let qdcount = u16::from(!query.question.is_empty());
    for count in [qdcount, ancount, nscount, additional.len() as u16 + u16::from(query.edns.is_some())] {
        out.extend(count.to_be_bytes());
    }
    out.extend_from_slice(query.question);
    if !truncated {
        for record in answers {
            record.write(&QUESTION_NAME, out);
        }
        if let Some(soa) = authority {
            soa.write(query.question, out);
        }
        for record in additional {
            record.write(out);
        }
    }
    if let Some(e) = query.edns {
        write_opt(e.dnssec_ok, badvers, e.client_subnet.filter(|_| !badvers), reply.ecs_scope, options, out);
    }
    truncated
}

/// The most a reply to `query` may take: UDP answers are bounded by the payload the client
/// accepts.
fn size_limit(query: &Query<'_>, transport: Transport) -> usize {
    match (transport, query.edns) {
        (Transport::Tcp, _) => usize::from(u16::MAX),
        (Transport::Udp, Some(e)) => usize::from(e.payload.min(EDNS_PAYLOAD)),
        (Transport::Udp, None) => CLASSIC_PAYLOAD,
    }
}

/// The answer to a TSIG-signed query when no key is configured (RFC 8945 §5.2.1): NOTAUTH,
/// with an unsigned TSIG (MAC size 0, §5.3.2) carrying error BADKEY and the query's key name,
/// algorithm, time signed, fudge and original id, after the OPT if the query had one.
pub fn write_badkey(query: &Query<'_>, options: &[u8], transport: Transport, out: &mut Vec<u8>) {
    let reply = Reply { rcode: NOTAUTH, ..Reply::default() };
    write(query, &reply, options, transport, out);
    let Some(tsig) = query.tsig else {
        return;
    };
    let (key, algorithm) = (tsig.key(), tsig.algorithm());
    if out.len() + key.len() + 10 + algorithm.len() + 16 > size_limit(query, transport) {
        // Long key and algorithm names in a small UDP payload: "ask over TCP".
        out[2] |= (TC >> 8) as u8;
        return;
    }
    out.extend_from_slice(key);
    out.extend(TYPE_TSIG.to_be_bytes());
    out.extend(255u16.to_be_bytes()); // class ANY
    out.extend(0u32.to_be_bytes());
    out.extend(((algorithm.len() + 16) as u16).to_be_bytes());
    out.extend_from_slice(algorithm);
    out.extend_from_slice(tsig.time_signed());
    out.extend(tsig.fudge().to_be_bytes());
    out.extend(0u16.to_be_bytes()); // MAC size
    out.extend(tsig.original_id().to_be_bytes());
    out.extend(BADKEY.to_be_bytes());
    out.extend(0u16.to_be_bytes()); // other data
    let arcount = u16::from_be_bytes([out[10], out[11]]) + 1;
    out[10..12].copy_from_slice(&arcount.to_be_bytes());
}

/// Cuts a UDP reply down to its header and question, with TC set: "ask again over TCP".
/// Returns the new length. For rate-limited clients (RRL's slip).
pub fn truncate(reply: &mut [u8]) -> usize {
    // Header, then the question (a name of labels, then type and class). Our own reply, so
    // well-formed; still, never read past it.
    let mut at = 12;
    while at < reply.len() && reply[at] != 0 {
        at += 1 + usize::from(reply[at]);
    }
    let has_question = reply.get(4..6).is_some_and(|n| n != [0, 0]);
    let end = if has_question { (at + 5).min(reply.len()) } else { 12.min(reply.len()) };
    let flags = u16::from_be_bytes([reply[2], reply[3]]) | TC;
    reply[2..4].copy_from_slice(&flags.to_be_bytes());
    reply[6..12].fill(0); // no answer, authority or additional records
    end
}

fn subnet_bytes(s: &ClientSubnet) -> usize {
    usize::from(s.source_prefix).div_ceil(8)
}

fn opt_length(subnet: Option<ClientSubnet>, scope: Option<u8>) -> usize {
    11 + subnet.filter(|_| scope.is_some()).map_or(0, |s| 8 + subnet_bytes(&s))
}

fn write_opt(
    dnssec_ok: bool,
    badvers: bool,
    subnet: Option<ClientSubnet>,
    scope: Option<u8>,
    options: &[u8],
    out: &mut Vec<u8>,
) {
    out.push(0); // root owner
    out.extend(TYPE_OPT.to_be_bytes());
    out.extend(EDNS_PAYLOAD.to_be_bytes());
    let extended = if badvers { (BADVERS >> 4) as u8 } else { 0 };
    out.extend([extended, 0, if dnssec_ok { 0x80 } else { 0 }, 0]);
    match (subnet, scope) {
        (Some(s), Some(scope)) => {
            let n = subnet_bytes(&s);
            out.extend(((8 + n + options.len()) as u16).to_be_bytes());
            out.extend(OPTION_ECS.to_be_bytes());
            out.extend(((4 + n) as u16).to_be_bytes());
            let mut bytes = [0u8; 16]; // no allocation per query
            let family = match s.address {
                std::net::IpAddr::V4(a) => {
                    bytes[..4].copy_from_slice(&a.octets());
                    1u16
                }
                std::net::IpAddr::V6(a) => {
                    bytes = a.octets();
                    2u16
                }
            };
            out.extend(family.to_be_bytes());
            out.extend([s.source_prefix, scope.min(s.source_prefix)]);
            out.extend_from_slice(&bytes[..n]);
        }
        _ => out.extend((options.len() as u16).to_be_bytes()),
    }
    out.extend_from_slice(options);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dns::query;
    use hickory_proto::op::{Edns as HEdns, Message, MessageType, OpCode, Query as HQuery, ResponseCode};
    use hickory_proto::rr::rdata::opt::{ClientSubnet as HSubnet, EdnsCode, EdnsOption};
    use hickory_proto::rr::{Name, RData, RecordType};

    fn ask(name: &str, rtype: RecordType, edns: Option<(u16, u8, Option<HSubnet>)>) -> Vec<u8> {
        let mut m = Message::new(7, MessageType::Query, OpCode::Query);
        m.add_query(HQuery::query(Name::from_ascii(name).unwrap(), rtype));
        if let Some((payload, version, ecs)) = edns {
            let mut e = HEdns::new();
            e.set_max_payload(payload).set_version(version).set_dnssec_ok(true);
            if let Some(s) = ecs {
                e.options_mut().insert(EdnsOption::Subnet(s));
            }
            m.set_edns(e);
        }
        m.to_vec().unwrap()
    }

    fn answer(packet: &[u8], reply: &Reply<'_>, transport: Transport) -> (Message, bool) {
        let q = query::parse(packet).unwrap();
        let mut out = Vec::new();
        let truncated = write(&q, reply, &[], transport, &mut out);
        (Message::from_vec(&out).expect("hickory reads our answer"), truncated)
    }

    fn plain<'a>(answers: &'a [&'a Record]) -> Reply<'a> {
        Reply { rcode: NOERROR, authoritative: true, answers, ..Reply::default() }
    }

    #[test]
    fn answers_keep_the_question_and_its_case() {
        let a = Record::a(Ipv4Addr::new(127, 0, 0, 11), 20);
        let b = Record::a(Ipv4Addr::new(127, 0, 0, 12), 20);
        let (m, truncated) = answer(&ask("WWW.Shop.Example.", RecordType::A, None), &plain(&[&a, &b]), Transport::Udp);
        assert!(!truncated);
        assert_eq!(
            (m.metadata.id, m.metadata.message_type, m.metadata.authoritative, m.metadata.response_code),
            (7, MessageType::Response, true, ResponseCode::NoError)
        );
        assert_eq!(m.queries[0].name().to_ascii(), "WWW.Shop.Example.");
        let got: Vec<_> = m.answers.iter().map(|r| (r.name.to_ascii(), r.ttl, r.data.clone())).collect();
        assert_eq!(got[0], ("WWW.Shop.Example.".to_string(), 20, RData::A(Ipv4Addr::new(127, 0, 0, 11).into())));
        assert_eq!(got.len(), 2);
    }

    const TIMERS: SoaTimes = SoaTimes { refresh: 3600, retry: 600, expire: 1_209_600, minimum: 20 };

    #[test]
    fn nxdomain_and_nodata_carry_the_soa() {
        let soa = Record::soa("ns1.cdn.example.net", "hostmaster.cdn.example.net", 7, 20, &TIMERS);
        let negative = NegativeSoa::new(&wire_name("cdn.example.net"), &soa);
        let reply = Reply { rcode: NXDOMAIN, authoritative: true, authority: Some(&negative), ..Reply::default() };
        let (m, _) = answer(&ask("nope.cdn.example.net.", RecordType::A, None), &reply, Transport::Udp);
        assert_eq!(m.metadata.response_code, ResponseCode::NXDomain);
        assert!(m.answers.is_empty());
        let auth = &m.authorities[0];
        assert_eq!((auth.name.to_ascii(), auth.record_type()), ("cdn.example.net.".to_string(), RecordType::SOA));
        let RData::SOA(s) = &auth.data else { panic!("not an SOA") };
        assert_eq!((s.serial, s.minimum, s.mname.to_ascii()), (7, 20, "ns1.cdn.example.net.".to_string()));
        assert_eq!((s.refresh, s.retry, s.expire), (3600, 600, 1_209_600));
    }

    /// RFC 2308 §5: a negative answer's SOA has the smaller of its TTL and its minimum.
    #[test]
    fn the_negative_soa_ttl_is_the_smaller_of_ttl_and_minimum_rfc2308_s5() {
        let apex = wire_name("cdn.example.net");
        for (ttl, minimum, want) in [(20, 300, 20), (300, 20, 20), (60, 60, 60)] {
            let timers = SoaTimes { minimum, ..TIMERS };
            let soa = Record::soa("ns1.cdn.example.net", "hostmaster.cdn.example.net", 7, ttl, &timers);
            let negative = NegativeSoa::new(&apex, &soa);
            let reply = Reply { rcode: NXDOMAIN, authoritative: true, authority: Some(&negative), ..Reply::default() };
            let (m, _) = answer(&ask("nope.cdn.example.net.", RecordType::A, None), &reply, Transport::Udp);
            assert_eq!(m.authorities[0].ttl, want, "ttl {ttl}, minimum {minimum}");
        }
    }

    /// RFC 1035 §4.1.4: the SOA of a negative answer is written with compression, the owner a
    /// pointer into the question, MNAME and RNAME pointers to the apex below which they are:
    /// 12 octets for the owner and its fields, 6 + 13 for the names, 20 for the timers (NSD and
    /// Knot answer `nope.cdn.example.net A` in 100 octets with EDNS, 89 without).
    #[test]
    fn the_negative_soa_is_compressed_against_the_question_rfc1035_s4_1_4() {
        let soa = Record::soa("ns1.cdn.example.net", "hostmaster.cdn.example.net", 7, 20, &TIMERS);
        let negative = NegativeSoa::new(&wire_name("cdn.example.net"), &soa);
        let reply = Reply { rcode: NXDOMAIN, authoritative: true, authority: Some(&negative), ..Reply::default() };
        for (name, case) in
            [("nope.cdn.example.net.", "nope.cdn.example.net."), ("A.b.CDN.example.NET.", "A.b.CDN.example.NET.")]
        {
            let packet = ask(name, RecordType::A, None);
            let q = query::parse(&packet).unwrap();
            let mut out = Vec::new();
            write(&q, &reply, &[], Transport::Udp, &mut out);
            assert_eq!(out.len(), packet.len() + 12 + 6 + 13 + 20, "{name}");
            let m = Message::from_vec(&out).unwrap();
            assert_eq!(m.queries[0].name().to_ascii(), case);
            let auth = &m.authorities[0];
            assert!(auth.name.to_ascii().eq_ignore_ascii_case("cdn.example.net."), "{}", auth.name);
            let RData::SOA(s) = &auth.data else { panic!("not an SOA") };
            assert!(s.mname.to_ascii().eq_ignore_ascii_case("ns1.cdn.example.net."));
            assert!(s.rname.to_ascii().eq_ignore_ascii_case("hostmaster.cdn.example.net."));
            assert_eq!((s.serial, s.refresh, s.retry, s.expire, s.minimum), (7, 3600, 600, 1_209_600, 20));
        }
        // Names not below the apex (a delegated buyer zone's): MNAME whole, RNAME pointing into
        // it (NSD: 105 octets for this NXDOMAIN without EDNS).
        let negative = NegativeSoa::new(&wire_name("www.shop.example"), &soa);
        let reply = Reply { rcode: NXDOMAIN, authoritative: true, authority: Some(&negative), ..Reply::default() };
        let packet = ask("nope.www.shop.example.", RecordType::A, None);
        let (m, _) = answer(&packet, &reply, Transport::Udp);
        let RData::SOA(s) = &m.authorities[0].data else { panic!("not an SOA") };
        assert_eq!(
            (s.mname.to_ascii(), m.authorities[0].name.to_ascii()),
            ("ns1.cdn.example.net.".into(), "www.shop.example.".into())
        );
        assert_eq!(s.rname.to_ascii(), "hostmaster.cdn.example.net.");
        let mut out = Vec::new();
        write(&query::parse(&packet).unwrap(), &reply, &[], Transport::Udp, &mut out);
        assert_eq!(out.len(), 105);
    }

    #[test]
    fn glue_goes_in_additional_when_it_fits() {
        let ns = [Record::ns("ns1.cdn.example.net", 20), Record::ns("ns2.cdn.example.net", 20)];
        let glue = [
            Additional::new("ns1.cdn.example.net", "cdn.example.net", Record::a(Ipv4Addr::new(127, 0, 0, 53), 20)),
            Additional::new("ns2.cdn.example.net", "cdn.example.net", Record::a(Ipv4Addr::new(127, 0, 0, 54), 20)),
        ];
        let answers = [&ns[0], &ns[1]];
        let reply = Reply { additional: &glue, ..plain(&answers) };
        let (m, truncated) = answer(&ask("CDN.example.net.", RecordType::NS, None), &reply, Transport::Udp);
        assert!(!truncated);
        let got: Vec<_> = m.additionals.iter().map(|r| (r.name.to_ascii().to_lowercase(), r.data.clone())).collect();
        assert_eq!(got[0], ("ns1.cdn.example.net.".to_string(), RData::A(Ipv4Addr::new(127, 0, 0, 53).into())));
        assert_eq!(got.len(), 2);
        // Never a reason to truncate (RFC 2181 §9): left out when it does not fit.
        let many: Vec<Additional> = (0..40)
            .map(|i| {
                Additional::new(
                    "ns1.cdn.example.net",
                    "cdn.example.net",
                    Record::aaaa(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, i), 20),
                )
            })
            .collect();
        let reply = Reply { additional: &many, ..plain(&answers) };
        let (m, truncated) = answer(&ask("cdn.example.net.", RecordType::NS, None), &reply, Transport::Udp);
        assert!(!truncated && !m.metadata.truncation);
        assert_eq!((m.answers.len(), m.additionals.len()), (2, 0));
    }

    #[test]
    fn refused_is_not_authoritative() {
        let reply = Reply { rcode: REFUSED, ..Reply::default() };
        let (m, _) = answer(&ask("example.com.", RecordType::A, None), &reply, Transport::Udp);
        assert_eq!((m.metadata.response_code, m.metadata.authoritative), (ResponseCode::Refused, false));
    }

    #[test]
    fn edns_payload_dnssec_ok_and_badvers() {
        let a = Record::a(Ipv4Addr::LOCALHOST, 20);
        let (m, _) = answer(&ask("a.example.", RecordType::A, Some((4096, 0, None))), &plain(&[&a]), Transport::Udp);
        let e = m.edns.as_ref().expect("an OPT in the answer");
        assert_eq!((e.max_payload(), e.version(), e.flags().dnssec_ok), (1232, 0, true));
        let (m, _) = answer(&ask("a.example.", RecordType::A, Some((1232, 1, None))), &plain(&[&a]), Transport::Udp);
        // 16 is both BADVERS (RFC 6891) and BADSIG (RFC 2845); hickory names it BADSIG.
        assert_eq!(u16::from(m.metadata.response_code), BADVERS);
        assert!(m.answers.is_empty());
    }

    #[test]
    fn client_subnet_is_echoed_with_the_scope() {
        let a = Record::a(Ipv4Addr::LOCALHOST, 20);
        let ecs = HSubnet::new("192.0.2.0".parse().unwrap(), 24, 0);
        let answers = [&a];
        let reply = Reply { ecs_scope: Some(24), ..plain(&answers) };
        let (m, _) = answer(&ask("a.example.", RecordType::A, Some((1232, 0, Some(ecs)))), &reply, Transport::Udp);
        let e = m.edns.as_ref().unwrap();
        let Some(EdnsOption::Subnet(s)) = e.option(EdnsCode::Subnet) else { panic!("no ECS echoed") };
        assert_eq!((s.addr().to_string(), s.source_prefix(), s.scope_prefix()), ("192.0.2.0".into(), 24, 24));
    }

    #[test]
    fn too_big_for_udp_is_truncated_and_whole_over_tcp() {
        let many: Vec<Record> =
            (0..40).map(|i| Record::aaaa(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, i), 20)).collect();
        let refs: Vec<&Record> = many.iter().collect();
        let packet = ask("big.example.", RecordType::AAAA, None);
        let (m, truncated) = answer(&packet, &plain(&refs), Transport::Udp);
        assert!(truncated && m.metadata.truncation);
        assert!(m.answers.is_empty());
        let (m, truncated) = answer(&packet, &plain(&refs), Transport::Tcp);
        assert!(!truncated);
        assert_eq!(m.answers.len(), 40);
        // With EDNS the same answer (40 × 28 bytes + overhead, about 1.2 kB) fits in 1232.
        let (m, truncated) =
            answer(&ask("big.example.", RecordType::AAAA, Some((4096, 0, None))), &plain(&refs), Transport::Udp);
        assert!(!truncated, "{}", m.answers.len());
    }

    fn bare(id: u16, flags: u16) -> Query<'static> {
        Query { id, flags, question: &[], name: &[], qtype: 0, qclass: 0, edns: None, tsig: None }
    }

    #[test]
    fn refusals_without_a_question() {
        let mut out = Vec::new();
        let formerr = Reply { rcode: query::FORMERR, ..Reply::default() };
        write(&bare(9, 0x0100), &formerr, &[], Transport::Udp, &mut out);
        let m = Message::from_vec(&out).unwrap();
        assert_eq!((m.metadata.id, m.metadata.response_code, m.queries.len()), (9, ResponseCode::FormErr, 0));
        let notimp = Reply { rcode: query::NOTIMP, ..formerr };
        write(&bare(9, 0x2000), &notimp, &[], Transport::Udp, &mut out); // opcode 4 (NOTIFY) echoed
        let m = Message::from_vec(&out).unwrap();
        assert_eq!((m.metadata.op_code, m.metadata.response_code), (OpCode::Notify, ResponseCode::NotImp));
        assert_eq!(truncate(&mut out), 12, "a reply without a question truncates to its header");
    }

    #[test]
    fn badvers_is_not_authoritative_rfc6891_s7() {
        let a = Record::a(Ipv4Addr::LOCALHOST, 20);
        let (m, _) = answer(&ask("a.example.", RecordType::A, Some((1232, 1, None))), &plain(&[&a]), Transport::Udp);
        assert_eq!(u16::from(m.metadata.response_code), BADVERS);
        assert!(!m.metadata.authoritative, "BADVERS answers nothing of the zone");
    }

    #[test]
    fn options_go_into_the_opt_and_count_towards_the_size() {
        let a = Record::a(Ipv4Addr::LOCALHOST, 20);
        let q = ask("a.example.", RecordType::A, Some((1232, 0, None)));
        let nsid = [0, 3, 0, 4, b'n', b'o', b'd', b'e'];
        let mut out = Vec::new();
        write(&query::parse(&q).unwrap(), &plain(&[&a]), &nsid, Transport::Udp, &mut out);
        let m = Message::from_vec(&out).unwrap();
        let Some(EdnsOption::NSID(id)) = m.edns.as_ref().unwrap().option(EdnsCode::NSID) else { panic!("no NSID") };
        assert_eq!(id.as_ref(), b"node");
        let many: Vec<Record> = (0..42).map(|i| Record::a(Ipv4Addr::new(192, 0, 2, i), 20)).collect();
        let refs: Vec<&Record> = many.iter().collect();
        // 12 + 15 (question) + 42 × 16 + 11 (OPT) = 710 fits 1232; with 600 bytes of options it does not.
        let q = ask("a.example.", RecordType::A, Some((1232, 0, None)));
        let big = [&[0u8, 3, 2, 84][..], &[b'x'; 596]].concat();
        assert!(!write(&query::parse(&q).unwrap(), &plain(&refs), &[], Transport::Udp, &mut out));
        assert!(write(&query::parse(&q).unwrap(), &plain(&refs), &big, Transport::Udp, &mut out));
    }
}
