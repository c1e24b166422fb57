//! Parsing a DNS query in place: the header, the one question, and the EDNS OPT record with its
//! Client Subnet option. Strict, allocation-free, and total: every input is a query, a reason to
//! answer FORMERR or NOTIMP, or a reason to stay silent.

use std::net::IpAddr;

/// Header flag bits (RFC 1035 4.1.1).
pub const QR: u16 = 0x8000;
pub const AA: u16 = 0x0400;
pub const TC: u16 = 0x0200;
pub const RD: u16 = 0x0100;
pub const CD: u16 = 0x0010;
/// The opcode of a standard query.
pub const OPCODE_QUERY: u8 = 0;
/// RR type of the EDNS OPT pseudo-record.
pub const TYPE_OPT: u16 = 41;
/// EDNS option code of Client Subnet (RFC 7871).
pub const OPTION_ECS: u16 = 8;
/// Response codes.
pub const FORMERR: u8 = 1;
pub const NOTIMP: u8 = 4;

/// A parsed query; borrows the packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query<'a> {
    pub id: u16,
    /// The header's flags as sent (RD and CD are copied into the answer).
    pub flags: u16,
    /// The question as sent (name, type, class), copied verbatim into the answer so that the
    /// question's case is preserved.
    pub question: &'a [u8],
    /// The query name in wire form (labels), as sent.
    pub name: &'a [u8],
    pub qtype: u16,
    pub qclass: u16,
    pub edns: Option<Edns>,
}

/// What the OPT record said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Edns {
    /// The requester's UDP payload size (at least 512).
    pub payload: u16,
    pub version: u8,
    /// DNSSEC OK, copied into the answer (RFC 3225).
    pub dnssec_ok: bool,
    pub client_subnet: Option<ClientSubnet>,
}

/// An EDNS Client Subnet option from a query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientSubnet {
    pub address: IpAddr,
    pub source_prefix: u8,
}

/// Why a packet is not a query we answer normally.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Not worth an answer: too short for a header, or itself a response (answering responses
    /// invites loops and reflection).
    Drop,
    /// Answer with this rcode (FORMERR, NOTIMP), echoing the id and opcode.
    Reply { id: u16, flags: u16, rcode: u8 },
}

impl Query<'_> {
    /// The opcode (0 for every query this returns).
    pub fn opcode(&self) -> u8 {
        ((self.flags >> 11) & 0xf) as u8
    }

    /// Writes the query name in lower case, dotted, without the trailing dot, into `out`
    /// (cleared first): the form names are looked up by. A byte that is not printable ASCII, or
    /// a `.` inside a label, is written as U+FFFD so that it can never match a configured name.
    pub fn lower_name(&self, out: &mut String) {
        out.clear();
        let mut at = 0;
        while let Some(&len) = self.name.get(at) {
            if len == 0 {
                break;
            }
            if !out.is_empty() {
                out.push('.');
            }
            for &b in &self.name[at + 1..at + 1 + usize::from(len)] {
                match b {
                    b'.' => out.push('\u{FFFD}'),
                    0x21..=0x7e => out.push(char::from(b.to_ascii_lowercase())),
                    _ => out.push('\u{FFFD}'),
                }
            }
            at += 1 + usize::from(len);
        }
    }
}

/// Parses a query packet.
pub fn parse(packet: &[u8]) -> Result<Query<'_>, Refusal> {
    let Some(header) = packet.get(..12) else {
        return Err(Refusal::Drop);
    };
    let word = |i: usize| u16::from_be_bytes([header[i], header[i + 1]]);
    let (id, flags) = (word(0), word(2));
    if flags & QR != 0 {
        return Err(Refusal::Drop);
    }
    let formerr = Refusal::Reply { id, flags, rcode: FORMERR };
    if ((flags >> 11) & 0xf) as u8 != OPCODE_QUERY {
        return Err(Refusal::Reply { id, flags, rcode: NOTIMP });
    }
    let (qdcount, ancount, nscount, arcount) = (word(4), word(6), word(8), word(10));
    if qdcount != 1 || ancount != 0 || nscount != 0 {
        return Err(formerr);
    }
    let name_len = name_length(&packet[12..]).ok_or(formerr)?;
    let fixed = packet.get(12 + name_len..12 + name_len + 4).ok_or(formerr)?;
    let (qtype, qclass) = (u16::from_be_bytes([fixed[0], fixed[1]]), u16::from_be_bytes([fixed[2], fixed[3]]));
    let question_end = 12 + name_len + 4;
    let mut edns = None;
    let mut at = question_end;
    for _ in 0..arcount {
        let (record, next) = additional(packet, at).ok_or(formerr)?;
        if let Some(opt) = record {
            if edns.is_some() {
                return Err(formerr); // RFC 6891 6.1.1: more than one OPT
            }
            edns = Some(opt);
        }
        at = next;
    }
    if at != packet.len() {
        return Err(formerr);
    }
    Ok(Query { id, flags, question: &packet[12..question_end], name: &packet[12..12 + name_len], qtype, qclass, edns })
}

/// Length of an uncompressed wire name at the start of `buf`, root label included. A question
/// comes right after the header, so a compression pointer there could only point into the
/// header: it is malformed, like a label over 63 octets or a name over 255.
fn name_length(buf: &[u8]) -> Option<usize> {
    let mut at = 0;
    loop {
        let len = usize::from(*buf.get(at)?);
        if len == 0 {
            return Some(at + 1);
        }
        if len > 63 {
            return None;
        }
        at += 1 + len;
        if at >= 255 {
            return None;
        }
    }
}

/// Length of a possibly compressed name in an additional record (its owner); pointers are
/// followed only to check they point backwards, which rules out loops.
fn skip_name(packet: &[u8], mut at: usize) -> Option<usize> {
    loop {
        let len = *packet.get(at)?;
        match len {
            0 => return Some(at + 1),
            1..=63 => at += 1 + usize::from(len),
            0xc0..=0xff => {
                let target = usize::from(u16::from_be_bytes([len, *packet.get(at + 1)?]) & 0x3fff);
                return (target < at).then_some(at + 2);
            }
            _ => return None,
        }
    }
}

/// Reads one additional record at `at`: `Some(edns)` for an OPT, `None` for anything else (a
/// TSIG, say, which we do not check); and where the next record starts.
fn additional(packet: &[u8], at: usize) -> Option<(Option<Edns>, usize)> {
    let after_name = skip_name(packet, at)?;
    let fixed = packet.get(after_name..after_name + 10)?;
    let rtype = u16::from_be_bytes([fixed[0], fixed[1]]);
    let class = u16::from_be_bytes([fixed[2], fixed[3]]);
    let ttl = u32::from_be_bytes([fixed[4], fixed[5], fixed[6], fixed[7]]);
    let rdlen = usize::from(u16::from_be_bytes([fixed[8], fixed[9]]));
    let rdata = packet.get(after_name + 10..after_name + 10 + rdlen)?;
    let next = after_name + 10 + rdlen;
    if rtype != TYPE_OPT {
        return Some((None, next));
    }
    if after_name != at + 1 {
        return None; // an OPT's owner is the root
    }
    let client_subnet = options(rdata)?;
    let edns = Edns {
        payload: class.max(512),
        version: ((ttl >> 16) & 0xff) as u8,
        dnssec_ok: ttl & 0x8000 != 0,
        client_subnet,
    };
    Some((Some(edns), next))
}

/// Walks the OPT options, returning the Client Subnet one if present and well formed.
fn options(mut rdata: &[u8]) -> Option<Option<ClientSubnet>> {
    let mut subnet = None;
    while !rdata.is_empty() {
        let head = rdata.get(..4)?;
        let code = u16::from_be_bytes([head[0], head[1]]);
        let len = usize::from(u16::from_be_bytes([head[2], head[3]]));
        let data = rdata.get(4..4 + len)?;
        if code == OPTION_ECS {
            if subnet.is_some() {
                return None;
            }
            subnet = Some(client_subnet(data)?);
        }
        rdata = &rdata[4 + len..];
    }
    Some(subnet)
}

/// RFC 7871 6: FAMILY, SOURCE PREFIX-LENGTH, SCOPE PREFIX-LENGTH (0 in queries), then exactly
/// ⌈source / 8⌉ address octets with no bits set beyond the prefix.
fn client_subnet(data: &[u8]) -> Option<ClientSubnet> {
    let (family, source, scope) = (u16::from_be_bytes([*data.first()?, *data.get(1)?]), *data.get(2)?, *data.get(3)?);
    let address = &data[4..];
    let max = match family {
        1 => 32,
        2 => 128,
        _ => return None,
    };
    if source > max || scope != 0 || address.len() != usize::from(source).div_ceil(8) {
        return None;
    }
    if source % 8 != 0 && address.last()? & (0xffu8 >> (source % 8)) != 0 {
        return None;
    }
    let address = if family == 1 {
        let mut b = [0u8; 4];
        b[..address.len()].copy_from_slice(address);
        IpAddr::from(b)
    } else {
        let mut b = [0u8; 16];
        b[..address.len()].copy_from_slice(address);
        IpAddr::from(b)
    };
    Some(ClientSubnet { address, source_prefix: source })
}

#[cfg(test)]
mod tests {
    use super::*;
    use hickory_proto::op::{Edns as HEdns, Message, MessageType, OpCode, Query as HQuery};
    use hickory_proto::rr::rdata::opt::{ClientSubnet as HSubnet, EdnsOption};
    use hickory_proto::rr::{Name, RecordType};
    use proptest::prelude::*;

    fn query(name: &str, rtype: RecordType) -> Message {
        message(MessageType::Query, OpCode::Query, name, rtype)
    }

    fn message(kind: MessageType, op: OpCode, name: &str, rtype: RecordType) -> Message {
        let mut m = Message::new(0x1234, kind, op);
        m.add_query(HQuery::query(Name::from_ascii(name).unwrap(), rtype));
        m
    }

    fn with_edns(mut m: Message, payload: u16, version: u8, ecs: Option<HSubnet>) -> Message {
        let mut e = HEdns::new();
        e.set_max_payload(payload).set_version(version).set_dnssec_ok(true);
        if let Some(s) = ecs {
            e.options_mut().insert(EdnsOption::Subnet(s));
        }
        m.set_edns(e);
        m
    }

    #[test]
    fn reads_a_plain_query_and_keeps_its_case() {
        let bytes = query("WwW.Shop.EXAMPLE.", RecordType::AAAA).to_vec().unwrap();
        let q = parse(&bytes).unwrap();
        assert_eq!((q.id, q.qtype, q.qclass, q.opcode()), (0x1234, 28, 1, 0));
        assert_eq!(q.edns, None);
        assert_eq!(&q.question[..4], b"\x03WwW");
        let mut name = String::new();
        q.lower_name(&mut name);
        assert_eq!(name, "www.shop.example");
    }

    #[test]
    fn reads_edns_and_client_subnet() {
        let ecs = HSubnet::new("192.0.2.0".parse().unwrap(), 24, 0);
        let bytes = with_edns(query("a.example.", RecordType::A), 4096, 0, Some(ecs)).to_vec().unwrap();
        let q = parse(&bytes).unwrap();
        let e = q.edns.unwrap();
        assert_eq!((e.payload, e.version, e.dnssec_ok), (4096, 0, true));
        assert_eq!(e.client_subnet, Some(ClientSubnet { address: "192.0.2.0".parse().unwrap(), source_prefix: 24 }));
        let small = with_edns(query("a.example.", RecordType::A), 100, 1, None).to_vec().unwrap();
        let e = parse(&small).unwrap().edns.unwrap();
        assert_eq!(
            (e.payload, e.version),
            (512, 1),
            "payload below 512 counts as 512; version is the caller's to check"
        );
        let v6 = HSubnet::new("2001:db8::".parse().unwrap(), 56, 0);
        let bytes = with_edns(query("a.example.", RecordType::A), 1232, 0, Some(v6)).to_vec().unwrap();
        assert_eq!(parse(&bytes).unwrap().edns.unwrap().client_subnet.unwrap().source_prefix, 56);
    }

    fn formerr(bytes: &[u8]) {
        assert!(matches!(parse(bytes), Err(Refusal::Reply { rcode: FORMERR, .. })), "{bytes:?}");
    }

    #[test]
    fn refuses_what_is_not_a_query() {
        assert_eq!(parse(b"short"), Err(Refusal::Drop));
        let response = message(MessageType::Response, OpCode::Query, "a.example.", RecordType::A);
        assert_eq!(parse(&response.to_vec().unwrap()), Err(Refusal::Drop));
        let notify = message(MessageType::Query, OpCode::Notify, "a.example.", RecordType::SOA);
        assert!(matches!(parse(&notify.to_vec().unwrap()), Err(Refusal::Reply { id: 0x1234, rcode: NOTIMP, .. })));
    }

    #[test]
    fn malformed_queries_are_formerr() {
        let good = query("a.example.", RecordType::A).to_vec().unwrap();
        formerr(&good[..good.len() - 1]); // truncated
        formerr(&[good.as_slice(), b"junk"].concat()); // trailing garbage
        let mut two = good.clone();
        two[5] = 2; // QDCOUNT 2
        formerr(&two);
        let mut none = good.clone();
        none[5] = 0; // QDCOUNT 0
        formerr(&none);
        let mut answers = good.clone();
        answers[7] = 1; // ANCOUNT 1
        formerr(&answers);
        // A compression pointer in the question (to offset 12: itself, a loop).
        formerr(&[&good[..12], &[0xc0, 0x0c], &[0, 1, 0, 1]].concat());
        // A label longer than 63 octets, and a name longer than 255.
        formerr(&[&good[..12], &[64], &[b'a'; 64], &[0, 0, 1, 0, 1]].concat());
        let long: Vec<u8> = (0..5).flat_map(|_| std::iter::once(60).chain(std::iter::repeat_n(b'a', 60))).collect();
        formerr(&[&good[..12], long.as_slice(), &[0, 0, 1, 0, 1]].concat());
        // Two OPT records; a bad Client Subnet (scope set; bits past the prefix).
        let opt = with_edns(query("a.example.", RecordType::A), 1232, 0, None).to_vec().unwrap();
        let record = &opt[good.len()..];
        let mut twice = [opt.as_slice(), record].concat();
        twice[11] = 2;
        formerr(&twice);
        let scoped = HSubnet::new("192.0.2.0".parse().unwrap(), 24, 8);
        formerr(&with_edns(query("a.example.", RecordType::A), 1232, 0, Some(scoped)).to_vec().unwrap());
        let mut loose = with_edns(
            query("a.example.", RecordType::A),
            1232,
            0,
            Some(HSubnet::new("192.0.2.0".parse().unwrap(), 20, 0)),
        )
        .to_vec()
        .unwrap();
        let last = loose.len() - 1;
        loose[last] |= 0x01; // a bit past /20
        formerr(&loose);
    }

    #[test]
    fn odd_bytes_in_names_never_match() {
        let mut name = String::new();
        let q =
            Query { id: 0, flags: 0, question: b"", name: b"\x03a.b\x07example\x00", qtype: 1, qclass: 1, edns: None };
        q.lower_name(&mut name);
        assert_eq!(name, "a\u{FFFD}b.example");
    }

    proptest! {
        #[test]
        fn never_panics(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
            let _ = parse(&bytes);
        }

        #[test]
        fn agrees_with_hickory(labels in prop::collection::vec("[a-zA-Z0-9]([a-zA-Z0-9-]{0,18}[a-zA-Z0-9])?", 1..5), rtype in 1u16..300, ecs in proptest::option::of((any::<[u8; 4]>(), 0u8..=32))) {
            let name = format!("{}.", labels.join("."));
            let mut m = query(&name, RecordType::from(rtype));
            if let Some((addr, prefix)) = ecs {
                let net = ipnet::Ipv4Net::new(addr.into(), prefix).unwrap().trunc();
                m = with_edns(m, 1232, 0, Some(HSubnet::new(IpAddr::V4(net.network()), prefix, 0)));
            }
            let bytes = m.to_vec().unwrap();
            let q = parse(&bytes).unwrap();
            prop_assert_eq!(q.qtype, rtype);
            let mut lower = String::new();
            q.lower_name(&mut lower);
            prop_assert_eq!(lower, name.trim_end_matches('.').to_ascii_lowercase());
            prop_assert_eq!(q.edns.and_then(|e| e.client_subnet).map(|s| s.source_prefix), ecs.map(|(_, p)| p));
        }
    }
}
