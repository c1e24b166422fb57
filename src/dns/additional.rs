//! Records of the additional section (the network apex's glue), and the NS records they follow,
//! with their names compressed as NSD and Knot write them.

use super::negative_soa::Compressed;
use super::response::{QUESTION_NAME, Record, TYPE_NS, wire_name};

/// A record for the additional section (a name server's address), with its owner as it is
/// written: labels in front of a pointer to the question when the question's name is a suffix
/// of it (glue below the apex asked for), a pointer to where the answer already has the name,
/// or the whole name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Additional {
    owner: Vec<u8>,
    pub record: Record,
}

impl Additional {
    /// `record` owned by `owner` (a dotted name), for answers to questions about `apex` (a
    /// dotted name).
    pub fn new(owner: &str, apex: &str, record: Record) -> Additional {
        let c = Compressed::of(&wire_name(owner), &wire_name(apex));
        let mut owner = c.labels;
        if c.below_apex {
            owner.extend_from_slice(&QUESTION_NAME);
        }
        Additional { owner, record }
    }

    /// `record` owned by `owner` (a dotted name), compressed against the names before it.
    pub fn after(owner: &str, dictionary: &Dictionary, record: Record) -> Additional {
        Additional { owner: dictionary.compress(&wire_name(owner)), record }
    }

    pub(super) fn len(&self) -> usize {
        self.owner.len() + 10 + self.record.rdata.len()
    }

    pub(super) fn write(&self, out: &mut Vec<u8>) {
        self.record.write(&self.owner, out);
    }
}

/// The names already in a reply being laid out, for compressing the next ones against: each
/// suffix (at a label boundary) of each name written whole, with its offset in the reply.
#[derive(Debug, Clone, Default)]
pub struct Dictionary {
    suffixes: Vec<(Vec<u8>, u16)>,
}

impl Dictionary {
    /// A reply to a question whose name is `qname` (wire form), which starts at offset 12.
    pub fn after_question(qname: &[u8]) -> Dictionary {
        let mut d = Dictionary::default();
        d.add(qname, 12);
        d
    }

    /// `written` (wire form, as [`Dictionary::compress`] gave it) now starts at offset `at`: its
    /// labels before any pointer become suffixes to point at.
    pub fn add(&mut self, written: &[u8], at: usize) {
        let mut b = 0;
        while b < written.len() && written[b] != 0 && written[b] & 0xc0 == 0 {
            if let Ok(offset) = u16::try_from(at + b)
                && offset < 0x4000
            {
                // The suffix as a whole name: its own labels, then whatever the pointer ends
                // with (resolved when it was compressed, so kept whole here).
                let whole = self.expand(&written[b..]);
                self.suffixes.push((whole, offset));
            }
            b += 1 + usize::from(written[b]);
        }
    }

    /// A name written compressed: its labels up to the longest suffix already written, then a
    /// pointer to it; or whole.
    pub fn compress(&self, name: &[u8]) -> Vec<u8> {
        let mut b = 0;
        while b < name.len() && name[b] != 0 {
            if let Some((_, at)) = self.suffixes.iter().find(|(s, _)| s.eq_ignore_ascii_case(&name[b..])) {
                let mut out = name[..b].to_vec();
                out.extend((0xc000 | at).to_be_bytes());
                return out;
            }
            b += 1 + usize::from(name[b]);
        }
        name.to_vec()
    }

    /// `written` with its pointer (if any) replaced by the name it points at.
    fn expand(&self, written: &[u8]) -> Vec<u8> {
        let mut b = 0;
        while b < written.len() && written[b] != 0 {
            if written[b] & 0xc0 == 0xc0 && b + 1 < written.len() {
                let at = u16::from_be_bytes([written[b] & 0x3f, written[b + 1]]);
                let mut out = written[..b].to_vec();
                let tail = self.suffixes.iter().find(|(_, o)| *o == at).map_or(&[0u8][..], |(s, _)| s.as_slice());
                out.extend_from_slice(tail);
                return out;
            }
            b += 1 + usize::from(written[b]);
        }
        written.to_vec()
    }
}

/// The NS records of an apex's answer to a question for that apex (`apex`, wire form; the
/// question at offset 12), each name compressed against the question and the names before it,
/// as NSD and Knot write them; and the dictionary after them, for the glue.
pub fn apex_ns(hosts: &[&str], apex: &[u8], ttl: u32) -> (Vec<Record>, Dictionary) {
    let mut dictionary = Dictionary::after_question(apex);
    // Header, question (name, type, class), then each record: owner pointer, type, class,
    // TTL, length, data.
    let mut at = 12 + apex.len() + 4;
    let mut records = Vec::new();
    for host in hosts {
        let rdata = dictionary.compress(&wire_name(host));
        dictionary.add(&rdata, at + 12);
        at += 12 + rdata.len();
        records.push(Record { rtype: TYPE_NS, ttl, rdata });
    }
    (records, dictionary)
}
