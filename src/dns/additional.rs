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

    /// `record` owned by the name at offset `at` of every reply it goes in.
    pub fn at(at: u16, record: Record) -> Additional {
        Additional { owner: (0xc000 | at).to_be_bytes().to_vec(), record }
    }

    pub(super) fn len(&self) -> usize {
        self.owner.len() + 10 + self.record.rdata.len()
    }

    pub(super) fn write(&self, out: &mut Vec<u8>) {
        self.record.write(&self.owner, out);
    }
}

/// An NS record of the network's apex for answers to that apex (the question is the apex, at
/// offset 12): `host` written as its labels in front of a pointer to the question when it is
/// below the apex, as NSD and Knot write it.
pub fn apex_ns(host: &str, apex: &str, ttl: u32) -> Record {
    let c = Compressed::of(&wire_name(host), &wire_name(apex));
    let mut rdata = c.labels;
    if c.below_apex {
        rdata.extend_from_slice(&QUESTION_NAME);
    }
    Record { rtype: TYPE_NS, ttl, rdata }
}
