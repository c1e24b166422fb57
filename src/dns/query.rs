//! Parsing a DNS query in place: the header, the one question, and the additional section's
//! EDNS OPT record (with its Client Subnet, NSID and COOKIE options) and TSIG record. Strict,
//! allocation-free, and total: every input is a query, a reason to answer FORMERR or NOTIMP
//! (with as much of the query as could be read, so that the error carries the question and
//! the OPT, RFC 6891 §7), or a reason to stay silent.

use std::net::IpAddr;

/// Header flag bits (RFC 1035 4.1.1).
pub const QR: u16 = 0x8000;
pub const AA: u16 = 0x0400;
pub const TC: u16 = 0x0200;
pub const RD: u16 = 0x0100;
pub const CD: u16 = 0x0010;
/// The opcode bits of the header's flags.
pub const OPCODE_BITS: u16 = 0x7800;
/// The opcode of a standard query.
pub const OPCODE_QUERY: u8 = 0;
/// RR type of the EDNS OPT pseudo-record.
pub const TYPE_OPT: u16 = 41;
/// RR type of a transaction signature (RFC 8945).
pub const TYPE_TSIG: u16 = 250;
/// Query types of the zone transfers (RFC 1995, RFC 5936).
pub const TYPE_IXFR: u16 = 251;
pub const TYPE_AXFR: u16 = 252;
/// EDNS option codes: Name Server Identifier (RFC 5001), Client Subnet (RFC 7871), COOKIE
/// (RFC 7873).
pub const OPTION_NSID: u16 = 3;
pub const OPTION_ECS: u16 = 8;
pub const OPTION_COOKIE: u16 = 10;
/// Response codes.
pub const FORMERR: u8 = 1;
pub const NOTIMP: u8 = 4;
/// RR type SOA, the one record an IXFR query carries (in its authority section).
const TYPE_SOA: u16 = 6;

/// A parsed query; borrows the packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Query<'a> {
    pub id: u16,
    /// The header's flags as sent (RD and CD are copied into the answer).
    pub flags: u16,
    /// The question as sent (name, type, class), copied verbatim into the answer so that the
    /// question's case is preserved. Empty in a [`Refusal`] whose question could not be read,
    /// and in a query for a server cookie alone (QDCOUNT 0 with a COOKIE, RFC 7873 §5.4).
    pub question: &'a [u8],
    /// The query name in wire form (labels), as sent.
    pub name: &'a [u8],
    pub qtype: u16,
    pub qclass: u16,
    pub edns: Option<Edns<'a>>,
    /// The TSIG record that ended the additional section, if any.
    pub tsig: Option<Tsig<'a>>,
}

/// What the OPT record said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Edns<'a> {
    /// The requester's UDP payload size (at least 512).
    pub payload: u16,
    pub version: u8,
    /// DNSSEC OK, copied into the answer (RFC 3225).
    pub dnssec_ok: bool,
    pub client_subnet: Option<ClientSubnet>,
    /// Whether the query asked for the server's NSID (RFC 5001 §2.1).
    pub nsid: bool,
    /// The COOKIE option, well formed (RFC 7873 §4).
    pub cookie: Option<Cookie<'a>>,
}

/// An EDNS Client Subnet option from a query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientSubnet {
    pub address: IpAddr,
    pub source_prefix: u8,
}

/// A COOKIE option's data from a query, of a valid length (8, or 16 to 40). Kept as the slice
/// alone, so that a query without one carries little: every query's `Query` is moved around.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cookie<'a>(&'a [u8]);

impl<'a> Cookie<'a> {
    /// The client cookie (8 bytes).
    pub fn client(&self) -> [u8; 8] {
        let mut client = [0u8; 8];
        client.copy_from_slice(&self.0[..8]);
        client
    }

    /// The server cookie the client holds: empty when it has none yet, else 8 to 32 bytes.
    pub fn server(&self) -> &'a [u8] {
        &self.0[8..]
    }
}

/// A query's TSIG record (RFC 8945 §4.2), checked well formed, read for what an unsigned
/// error reply echoes. Kept as the record's bytes and two lengths, small for the same reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tsig<'a> {
    /// Owner name, type, class, TTL, RDLENGTH, RDATA.
    record: &'a [u8],
    key_len: u16,
    algorithm_len: u16,
}

impl<'a> Tsig<'a> {
    /// The key name as sent: labels, possibly ending in a compression pointer into the
    /// question's name, which is valid in the reply too (its question sits at the same offset).
    pub fn key(&self) -> &'a [u8] {
        &self.record[..usize::from(self.key_len)]
    }

    /// The algorithm name, uncompressed.
    pub fn algorithm(&self) -> &'a [u8] {
        &self.rdata()[..usize::from(self.algorithm_len)]
    }

    /// Time signed (48 bits, as sent).
    pub fn time_signed(&self) -> &'a [u8] {
        let at = usize::from(self.algorithm_len);
        &self.rdata()[at..at + 6]
    }

    pub fn fudge(&self) -> u16 {
        self.word(usize::from(self.algorithm_len) + 6)
    }

    /// The id of the message as the client signed it.
    pub fn original_id(&self) -> u16 {
        let mac_len = usize::from(self.word(usize::from(self.algorithm_len) + 8));
        self.word(usize::from(self.algorithm_len) + 10 + mac_len)
    }

    fn rdata(&self) -> &'a [u8] {
        &self.record[usize::from(self.key_len) + 10..]
    }

    fn word(&self, at: usize) -> u16 {
        let rdata = self.rdata();
        u16::from_be_bytes([rdata[at], rdata[at + 1]])
    }
}

/// Why a packet is not a query we answer normally.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal<'a> {
    /// Not worth an answer: too short for a header, or itself a response (answering responses
    /// invites loops and reflection).
    Drop,
    /// Answer with this rcode (FORMERR, NOTIMP). `query` holds what could be read: always the
    /// id and flags (whose opcode is echoed), the question when it parsed (else empty), the OPT
    /// when it parsed (without the option that was wrong, if that was the fault).
    Reply { rcode: u8, query: Query<'a> },
}

impl Query<'_> {
    /// The opcode (0 for every query this returns).
    pub fn opcode(&self) -> u8 {
        ((self.flags >> 11) & 0xf) as u8
    }

    /// Writes the query name in lower case, dotted, without the trailing dot, into `out`
    /// (cleared first): the form names are looked up by. A byte that is not printable ASCII, or
    /// a `.` inside a label, is written as [`ODD`], which no configured name (UTF-8 text) holds,
    /// so that it can never match one.
    pub fn lower_name(&self, out: &mut Vec<u8>) {
        out.clear();
        // The wire name without its first length byte and its root label is the dotted name
        // with length bytes where the dots go: copied whole, lowered (or marked odd) in one
        // branch-free pass, then the dots put in by walking the labels. (Pushed a character at
        // a time into a `String`, this took a sixth of an answer's instructions.)
        let Some(body) = self.name.get(1..self.name.len().saturating_sub(1)) else {
            return; // the root, or no question
        };
        out.extend_from_slice(body);
        for b in out.iter_mut() {
            *b = if matches!(*b, 0x21..=0x7e) && *b != b'.' { b.to_ascii_lowercase() } else { ODD };
        }
        // `out[i]` is `self.name[i + 1]`: the length bytes after the first one.
        let mut at = usize::from(self.name[0]);
        while at < out.len() {
            let Some(&len) = self.name.get(at + 1) else { break };
            out[at] = b'.';
            at += 1 + usize::from(len);
        }
    }
}

/// What [`Query::lower_name`] writes for a byte no configured name has: never part of UTF-8.
pub const ODD: u8 = 0xff;

/// One resource record's fixed parts, found in place.
struct RawRecord<'a> {
    /// Where its owner name starts and ends in the packet.
    owner: (usize, usize),
    rtype: u16,
    class: u16,
    ttl: u32,
    rdata: &'a [u8],
    next: usize,
}

/// Parses a query packet.
///
/// The whole packet is walked even when the opcode is not QUERY, so that a NOTIMP (a NOTIFY,
/// an UPDATE) carries the question and OPT like any other error (RFC 6891 §7). The one record
/// allowed outside the additional section is the SOA of an IXFR query (RFC 1995 §3).
// The error holds a `Query` as the value does, so the two are the same size; boxing it would
// allocate for every bad packet, which the hot path never does.
#[allow(clippy::result_large_err)]
pub fn parse(packet: &[u8]) -> Result<Query<'_>, Refusal<'_>> {
    let Some(header) = packet.get(..12) else {
        return Err(Refusal::Drop);
    };
    let word = |i: usize| u16::from_be_bytes([header[i], header[i + 1]]);
    let (id, flags) = (word(0), word(2));
    if flags & QR != 0 {
        return Err(Refusal::Drop);
    }
    let mut q = Query { id, flags, question: &[], name: &[], qtype: 0, qclass: 0, edns: None, tsig: None };
    let (qdcount, ancount, nscount, arcount) = (word(4), word(6), word(8), word(10));
    let formerr = |query| Err(Refusal::Reply { rcode: FORMERR, query });
    if qdcount > 1 {
        return formerr(q); // where the records start is anyone's guess
    }
    let mut at = 12;
    if qdcount == 1 {
        let Some(name_len) = name_length(&packet[12..]) else {
            return formerr(q);
        };
        let Some(fixed) = packet.get(12 + name_len..12 + name_len + 4) else {
            return formerr(q);
        };
        q.qtype = u16::from_be_bytes([fixed[0], fixed[1]]);
        q.qclass = u16::from_be_bytes([fixed[2], fixed[3]]);
        at = 12 + name_len + 4;
        q.question = &packet[12..at];
        q.name = &packet[12..12 + name_len];
    }
    // A fault is answered once the walk is done, so that the FORMERR still carries the OPT
    // when the OPT comes after the fault.
    let mut fault = false;
    let (before_additional, total) =
        (u32::from(ancount) + u32::from(nscount), u32::from(ancount) + u32::from(nscount) + u32::from(arcount));
    for i in 0..total {
        let Some(record) = raw_record(packet, at) else {
            return formerr(q);
        };
        at = record.next;
        if i < before_additional {
            // An IXFR query's SOA (RFC 1995 §3) is the only record expected before the additional section.
            let ixfr_soa = q.qtype == TYPE_IXFR && ancount == 0 && nscount == 1 && record.rtype == TYPE_SOA;
            fault |= !ixfr_soa;
            continue;
        }
        match record.rtype {
            TYPE_OPT => {
                if q.edns.is_some() || record.owner.1 != record.owner.0 + 1 {
                    fault = true; // RFC 6891 §6.1.1: one OPT, owned by the root
                    continue;
                }
                let (edns, ok) = edns(record.class, record.ttl, record.rdata);
                q.edns = Some(edns);
                fault |= !ok;
            }
            TYPE_TSIG => match tsig(packet, &q, &record) {
                // RFC 8945 §5.1: the TSIG comes last, else FORMERR.
                Some(t) if i + 1 == total => q.tsig = Some(t),
                _ => fault = true,
            },
            _ => {}
        }
    }
    if at != packet.len() {
        return formerr(q);
    }
    if ((flags >> 11) & 0xf) as u8 != OPCODE_QUERY {
        return Err(Refusal::Reply { rcode: NOTIMP, query: q });
    }
    // QDCOUNT 0 is a query only when it asks for a server cookie (RFC 7873 §5.4, RFC 9619 §3).
    if fault || (qdcount == 0 && q.edns.and_then(|e| e.cookie).is_none()) {
        return formerr(q);
    }
    Ok(q)
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

/// Length of a possibly compressed name in a record (its owner); pointers are followed only
/// to check they point backwards, which rules out loops.
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

/// The record at `at`: owner, type, class, TTL, data, and where the next starts.
fn raw_record(packet: &[u8], at: usize) -> Option<RawRecord<'_>> {
    let after_name = skip_name(packet, at)?;
    let fixed = packet.get(after_name..after_name + 10)?;
    let rdlen = usize::from(u16::from_be_bytes([fixed[8], fixed[9]]));
    Some(RawRecord {
        owner: (at, after_name),
        rtype: u16::from_be_bytes([fixed[0], fixed[1]]),
        class: u16::from_be_bytes([fixed[2], fixed[3]]),
        ttl: u32::from_be_bytes([fixed[4], fixed[5], fixed[6], fixed[7]]),
        rdata: packet.get(after_name + 10..after_name + 10 + rdlen)?,
        next: after_name + 10 + rdlen,
    })
}

/// The OPT record's EDNS parameters and options; `false` when an option is malformed (the
/// `Edns` then holds the rest, for the FORMERR to carry).
fn edns(class: u16, ttl: u32, rdata: &[u8]) -> (Edns<'_>, bool) {
    let mut edns = Edns {
        payload: class.max(512),
        version: ((ttl >> 16) & 0xff) as u8,
        dnssec_ok: ttl & 0x8000 != 0,
        client_subnet: None,
        nsid: false,
        cookie: None,
    };
    let ok = options(rdata, &mut edns).is_some();
    if !ok {
        (edns.client_subnet, edns.cookie) = (None, None);
    }
    (edns, ok)
}

/// Walks the OPT options into `edns`: Client Subnet, NSID and COOKIE, each at most once and
/// well formed. Others are ignored (RFC 6891 §6.1.2).
fn options<'a>(mut rdata: &'a [u8], edns: &mut Edns<'a>) -> Option<()> {
    let (mut subnet, mut cookie) = (false, false);
    while !rdata.is_empty() {
        let head = rdata.get(..4)?;
        let code = u16::from_be_bytes([head[0], head[1]]);
        let len = usize::from(u16::from_be_bytes([head[2], head[3]]));
        let data = rdata.get(4..4 + len)?;
        match code {
            OPTION_ECS if !subnet => {
                subnet = true;
                edns.client_subnet = Some(client_subnet(data)?);
            }
            // RFC 7873 §5.2.2: a client cookie alone (8), or with a server cookie of 8 to 32.
            OPTION_COOKIE if !cookie => {
                cookie = true;
                if len != 8 && !(16..=40).contains(&len) {
                    return None;
                }
                edns.cookie = Some(Cookie(data));
            }
            OPTION_ECS | OPTION_COOKIE => return None,
            OPTION_NSID => edns.nsid = true,
            _ => {}
        }
        rdata = &rdata[4 + len..];
    }
    Some(())
}

/// A TSIG record's fields (RFC 8945 §4.2), if well formed and its key name can be echoed: a
/// name of labels, optionally ending in a pointer to a label of the question's name.
fn tsig<'a>(packet: &'a [u8], q: &Query<'a>, record: &RawRecord<'a>) -> Option<Tsig<'a>> {
    let key = &packet[record.owner.0..record.owner.1];
    if key.len() > 255 {
        return None; // a name longer than names may be (RFC 1035 §3.1)
    }
    // Where the name's last label byte is: the root (0), or a pointer's first byte. (The key's
    // last byte alone cannot tell: a pointer may well end in 0.)
    let mut end = 0;
    while let Some(&len) = key.get(end)
        && (1..=63).contains(&len)
    {
        end += 1 + usize::from(len);
    }
    if key.get(end) != Some(&0) {
        let target = usize::from(u16::from_be_bytes([key[end], key[end + 1]]) & 0x3fff);
        let mut label = 12;
        while label != target {
            let len = usize::from(*q.name.get(label - 12).filter(|&&l| l != 0)?);
            label += 1 + len;
        }
        if key.len() - 2 + q.name.len() - (target - 12) > 255 {
            return None; // too long once the pointer is followed
        }
    }
    let rdata = record.rdata;
    let alg_len = name_length(rdata)?;
    let fixed = rdata.get(alg_len..alg_len + 10)?;
    let mac_len = usize::from(u16::from_be_bytes([fixed[8], fixed[9]]));
    let rest = rdata.get(alg_len + 10 + mac_len..)?;
    let (tail, other) = (rest.get(..6)?, &rest[6..]); // original id, error, other length
    if other.len() != usize::from(u16::from_be_bytes([tail[4], tail[5]])) {
        return None;
    }
    // Names are at most 255 octets, so the lengths fit.
    Some(Tsig {
        record: &packet[record.owner.0..record.next],
        key_len: key.len() as u16,
        algorithm_len: alg_len as u16,
    })
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
        let mut name = Vec::new();
        q.lower_name(&mut name);
        assert_eq!(name, b"www.shop.example");
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
        let notify = notify.to_vec().unwrap();
        let Err(Refusal::Reply { rcode: NOTIMP, query }) = parse(&notify) else { panic!("not NOTIMP") };
        assert_eq!((query.id, query.qtype), (0x1234, 6), "the question is kept for the reply (RFC 6891 §7)");
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

    /// A query for www.shop.example with a TSIG whose key name is `key_name` (wire form).
    fn signed(key_name: &[u8]) -> Vec<u8> {
        let mut p = query("www.shop.example.", RecordType::A).to_vec().unwrap();
        p[11] = 1;
        p.extend_from_slice(key_name);
        let rdata = [
            &b"\x0bhmac-sha256\x00"[..],
            &[0, 0, 0x6b, 0x0f, 0x79, 0xb0, 1, 44, 0, 2, 0xab, 0xab, 0x12, 0x34, 0, 0, 0, 0],
        ]
        .concat();
        p.extend([0, 250, 0, 255, 0, 0, 0, 0]);
        p.extend((rdata.len() as u16).to_be_bytes());
        p.extend(rdata);
        p
    }

    #[test]
    fn tsig_key_names_are_read_as_far_as_a_reply_can_echo_them_rfc8945_s4_2() {
        let plain = signed(b"\x03key\x07example\x00");
        let t = parse(&plain).unwrap().tsig.unwrap();
        assert_eq!((t.key(), t.fudge(), t.original_id()), (&b"\x03key\x07example\x00"[..], 300, 0x1234));
        assert_eq!(
            (t.time_signed(), t.algorithm()),
            (&[0, 0, 0x6b, 0x0f, 0x79, 0xb0][..], &b"\x0bhmac-sha256\x00"[..])
        );
        // A pointer to a label of the question (offset 16: "shop.example") is valid in the reply too.
        let pointer = signed(b"\x03key\xc0\x10");
        assert_eq!(parse(&pointer).unwrap().tsig.unwrap().key(), b"\x03key\xc0\x10");
        // One into the header (found by the fuzzer: a pointer ending in 0 is no root label), or
        // into the middle of a label, cannot be echoed: FORMERR.
        formerr(&signed(b"\x03key\x07example\xc0\x00"));
        formerr(&signed(b"\x03key\xc0\x0d"));
    }

    #[test]
    fn odd_bytes_in_names_never_match() {
        let mut name = Vec::new();
        let q = Query {
            id: 0,
            flags: 0,
            question: b"",
            name: b"\x03a.b\x07example\x00",
            qtype: 1,
            qclass: 1,
            edns: None,
            tsig: None,
        };
        q.lower_name(&mut name);
        assert_eq!(name, b"a\xffb.example");
        let q = Query { name: b"\x02\x00A\x01\xc3\x00", ..q };
        q.lower_name(&mut name);
        assert_eq!(name, b"\xffa.\xff");
        let q = Query { name: b"\x00", ..q };
        q.lower_name(&mut name);
        assert_eq!(name, b"");
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
            let mut lower = Vec::new();
            q.lower_name(&mut lower);
            prop_assert_eq!(lower, name.trim_end_matches('.').to_ascii_lowercase().into_bytes());
            prop_assert_eq!(q.edns.and_then(|e| e.client_subnet).map(|s| s.source_prefix), ecs.map(|(_, p)| p));
        }
    }
}
