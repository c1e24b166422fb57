//! The SOA of negative answers (NXDOMAIN, NODATA), written compressed as NSD and Knot write
//! it: its owner, the zone apex, a pointer into the question's name (the apex is always a
//! suffix of it); MNAME and RNAME pointers to the apex when below it, to the question when it
//! ends with all of them, and RNAME into MNAME when neither is below the apex. Laid out once per
//! zone; per query only the pointers' offsets are worked out, without allocating.

use super::response::{Record, TYPE_SOA};

/// A zone's SOA as the authority section of its negative answers (NXDOMAIN, NODATA): with
/// the TTL RFC 2308 §5 gives it, the smaller of the SOA's own TTL and its minimum, and laid out
/// for compression against the question (see the module's comment).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NegativeSoa {
    /// The apex in wire form, to find it at the end of the question's name.
    apex: Vec<u8>,
    ttl: u32,
    mname: Compressed,
    rname: Compressed,
    /// For names not below the apex (a delegated buyer zone's SOA names our name servers and
    /// mailbox): RNAME as its labels in front of a suffix of MNAME, and where in MNAME that
    /// suffix starts (`hostmaster` + the `cdn.example.net` of `ns1.cdn.example.net`, as NSD).
    rname_after_mname: Option<(Vec<u8>, u16)>,
    /// Serial, refresh, retry, expire, minimum.
    timers: [u8; 20],
}

/// The offsets of the label boundaries of a wire name (not the root's).
fn label_starts(name: &[u8]) -> impl Iterator<Item = usize> + '_ {
    let mut at = 0;
    std::iter::from_fn(move || {
        let here = at;
        let len = usize::from(*name.get(here)?);
        if len == 0 {
            return None;
        }
        at += 1 + len;
        Some(here)
    })
}

/// A name in SOA data: its labels in front of the apex, then a pointer to the apex; or (a name
/// not below the apex) the whole name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Compressed {
    /// The whole name, to point at where the question's name ends with all of it.
    whole: Vec<u8>,
    pub(super) labels: Vec<u8>,
    pub(super) below_apex: bool,
}

impl Compressed {
    pub(super) fn of(name: &[u8], apex: &[u8]) -> Compressed {
        // Whole labels only: the apex at one of the name's label boundaries.
        match label_starts(name).find(|&at| name[at..].eq_ignore_ascii_case(apex)) {
            Some(at) => Compressed { whole: name.to_vec(), labels: name[..at].to_vec(), below_apex: true },
            None => Compressed { whole: name.to_vec(), labels: name.to_vec(), below_apex: false },
        }
    }

    /// Where in the question's name (`qname`, wire form) all of this name is, if it is: the
    /// NODATA for `AAAA ns1.cdn.example.net` points its MNAME at the question (as NSD does).
    fn in_question(&self, qname: &[u8]) -> Option<u16> {
        let at = qname.len().checked_sub(self.whole.len())?;
        if !qname[at..].eq_ignore_ascii_case(&self.whole) {
            return None;
        }
        // At a label boundary only.
        label_starts(qname).any(|l| l == at).then_some((12 + at) as u16)
    }

    fn len(&self, qname: &[u8]) -> usize {
        if self.in_question(qname).is_some() {
            return 2;
        }
        self.labels.len() + if self.below_apex { 2 } else { 0 }
    }

    fn write(&self, qname: &[u8], apex_at: u16, out: &mut Vec<u8>) {
        if let Some(at) = self.in_question(qname) {
            out.extend((0xc000 | at).to_be_bytes());
            return;
        }
        out.extend_from_slice(&self.labels);
        if self.below_apex {
            out.extend((0xc000 | apex_at).to_be_bytes());
        }
    }
}

impl NegativeSoa {
    /// The negative-answer form of `soa` (a record from [`Record::soa`]) owned by `apex`
    /// (wire form).
    pub fn new(apex: &[u8], soa: &Record) -> NegativeSoa {
        let mname_len = name_length(&soa.rdata);
        let rname_len = name_length(&soa.rdata[mname_len..]);
        let (mname, rest) = soa.rdata.split_at(mname_len);
        let (rname, timers) = rest.split_at(rname_len);
        let minimum = u32::from_be_bytes(timers[16..20].try_into().unwrap_or_default());
        let (mname_c, rname_c) = (Compressed::of(mname, apex), Compressed::of(rname, apex));
        // The longest suffix of RNAME that is one of MNAME's, when both are written whole.
        let rname_after_mname = (!mname_c.below_apex && !rname_c.below_apex)
            .then(|| {
                label_starts(rname).find_map(|r| {
                    label_starts(mname)
                        .find(|&m| mname[m..].eq_ignore_ascii_case(&rname[r..]))
                        .map(|m| (rname[..r].to_vec(), m as u16))
                })
            })
            .flatten();
        NegativeSoa {
            apex: apex.to_vec(),
            ttl: soa.ttl.min(minimum),
            mname: mname_c,
            rname: rname_c,
            rname_after_mname,
            timers: timers.try_into().unwrap_or([0; 20]),
        }
    }

    /// The TTL it is sent with.
    pub fn ttl(&self) -> u32 {
        self.ttl
    }

    /// Octets it takes in a reply whose question's name (`qname`) ends with the apex.
    fn len(&self, qname: &[u8]) -> usize {
        2 + 10 + self.rdata_len(qname)
    }

    fn rdata_len(&self, qname: &[u8]) -> usize {
        let rname = match &self.rname_after_mname {
            Some((labels, _)) => labels.len() + 2,
            None => self.rname.len(qname),
        };
        self.mname.len(qname) + rname + 20
    }

    /// Where the apex starts in a reply to `question` (its name, type and class as sent), if
    /// the name ends with it: it always does for a name of the zone.
    fn apex_in(&self, question: &[u8]) -> Option<u16> {
        let name = question.get(..question.len().checked_sub(4)?)?;
        let head = name.len().checked_sub(self.apex.len())?;
        // A label boundary (lower_name makes a `.` inside a label match nothing, so a name
        // of the zone ends with the apex's labels), checked all the same: it is cheap.
        (name[head..].eq_ignore_ascii_case(&self.apex)).then_some((12 + head) as u16)
    }

    pub(super) fn write(&self, question: &[u8], out: &mut Vec<u8>) {
        let Some(apex_at) = self.apex_in(question) else {
            // Never for a name of the zone; written whole rather than wrong.
            let mut rdata = Vec::new();
            for name in [&self.mname, &self.rname] {
                rdata.extend_from_slice(&name.labels);
                if name.below_apex {
                    rdata.extend_from_slice(&self.apex);
                }
            }
            rdata.extend_from_slice(&self.timers);
            Record { rtype: TYPE_SOA, ttl: self.ttl, rdata }.write(&self.apex, out);
            return;
        };
        let qname = &question[..question.len() - 4];
        out.extend((0xc000 | apex_at).to_be_bytes());
        out.extend(TYPE_SOA.to_be_bytes());
        out.extend(1u16.to_be_bytes()); // class IN
        out.extend(self.ttl.to_be_bytes());
        out.extend((self.rdata_len(qname) as u16).to_be_bytes());
        let mname_at = out.len();
        self.mname.write(qname, apex_at, out);
        match &self.rname_after_mname {
            // MNAME is written whole at `mname_at` (it is not below the apex); a reply is far
            // below the 16 kB a pointer reaches.
            Some((labels, suffix)) => {
                out.extend_from_slice(labels);
                out.extend((0xc000 | (mname_at as u16 + suffix)).to_be_bytes());
            }
            None => self.rname.write(qname, apex_at, out),
        }
        out.extend_from_slice(&self.timers);
    }

    /// Its length in a reply to `question`.
    pub(super) fn len_in(&self, question: &[u8]) -> usize {
        match self.apex_in(question) {
            Some(_) => self.len(&question[..question.len() - 4]),
            None => {
                let whole = |n: &Compressed| n.labels.len() + if n.below_apex { self.apex.len() } else { 0 };
                self.apex.len() + 10 + whole(&self.mname) + whole(&self.rname) + 20
            }
        }
    }
}

/// The length of the uncompressed wire name at the start of `wire`.
fn name_length(wire: &[u8]) -> usize {
    let mut at = 0;
    while at < wire.len() && wire[at] != 0 {
        at += 1 + usize::from(wire[at]);
    }
    (at + 1).min(wire.len())
}
