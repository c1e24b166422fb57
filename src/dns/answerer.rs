//! The answer to one query packet: classify the name, and for a buyer's name split answers
//! between proxies and the buyer's fallback by the live fraction `f`, per client subnet
//! ([`client_split`]: the same subnet stays on the same side while `f` stands). No sockets: the listeners
//! hand packets in and send back what comes out. One `Answerer` per serving thread; the
//! buyers' lines and the proxies' health are shared `Live` values that the controller and the
//! health checks change while serving. Proxy answers are spread over the healthy proxies in
//! proportion to their configured capacity (`capacity_rps`), which is fixed for a generation:
//! what each buyer gets is held by its line, not by the choice of proxy.

use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::time::SystemTime;

use smallvec::{SmallVec, smallvec};

use super::edns_extras::EdnsExtras;
use super::query::{self, Query, Refusal, TYPE_AXFR, TYPE_IXFR};
use super::response::{
    self, NOERROR, NXDOMAIN, REFUSED, Record, Reply, SERVFAIL, TYPE_A, TYPE_AAAA, TYPE_ANY, TYPE_NS, TYPE_SOA,
    Transport,
};
use super::zone_data::{Addresses, Fallback, ServerFamily, ZoneData};
use crate::config::Algorithm;
use crate::core::client_hash::{self, Subnet};
use crate::core::client_split;
use crate::core::proxy_line::{MAX_BANDS, ProxyLine};
use crate::core::smooth_weighted::SmoothWeighted;
use crate::core::zone_index::NameKind;

/// Class IN, and the QCLASS that matches any class (RFC 1035 §3.2.5).
const CLASS_IN: u16 = 1;
const CLASS_ANY: u16 = 255;

/// Values other parts change while serving.
#[derive(Debug)]
pub struct Live {
    /// Per buyer: the [`ProxyLine`] of clients that get proxies (threshold 0 without a sale),
    /// as its threshold and its excluded stretches (`from << 32 | to`, 0 for none).
    threshold_ppm: Vec<AtomicU32>,
    bands: Vec<[AtomicU64; MAX_BANDS]>,
    /// Per proxy: whether it passes its health check.
    pub healthy: Vec<AtomicBool>,
    /// Per proxy: its configured capacity, rps, the weight of its share of proxy answers.
    /// Set once from the config; an atomic so a later change (weights from measured spare
    /// capacity) needs no new generation.
    pub capacity_rps: Vec<AtomicU64>,
}

impl Live {
    /// No sales (f = 0), every proxy healthy, weighted by its capacity.
    pub fn new(buyers: usize, capacities: &[u64]) -> Live {
        Live {
            threshold_ppm: (0..buyers).map(|_| AtomicU32::new(0)).collect(),
            bands: (0..buyers).map(|_| std::array::from_fn(|_| AtomicU64::new(0))).collect(),
            healthy: capacities.iter().map(|_| AtomicBool::new(true)).collect(),
            capacity_rps: capacities.iter().map(|&c| AtomicU64::new(c)).collect(),
        }
    }

    /// A buyer's fraction: the share of its hash line that gets proxies (for metrics, status
    /// and usage samples; answers go by [`Live::line`]).
    pub fn fraction(&self, buyer: usize) -> f64 {
        self.line(buyer).share()
    }

    /// Sets a buyer's fraction (parts per million) on the bare line, nothing excluded.
    pub fn set_fraction(&self, buyer: usize, ppm: u32) {
        self.set_line(buyer, &ProxyLine::below(ppm));
    }

    /// Sets the clients a buyer's proxies go to.
    ///
    /// The parts are stored one by one, so an answer given while they change may see the
    /// new bands with the old threshold or the other way round. That is one answer going the
    /// way of the line before or after, both of which the controller chose: no lock on the
    /// hot path for it.
    pub fn set_line(&self, buyer: usize, line: &ProxyLine) {
        for (k, slot) in self.bands[buyer].iter().enumerate() {
            let packed = line.bands().get(k).map_or(0, |&(from, to)| u64::from(from) << 32 | u64::from(to));
            slot.store(packed, Ordering::Relaxed);
        }
        self.threshold_ppm[buyer].store(line.threshold(), Ordering::Relaxed);
    }

    /// The clients a buyer's proxies go to now.
    #[inline]
    pub fn line(&self, buyer: usize) -> ProxyLine {
        let bands = self.bands[buyer].each_ref().map(|b| {
            let packed = b.load(Ordering::Relaxed);
            ((packed >> 32) as u32, packed as u32)
        });
        ProxyLine::from_parts(self.threshold_ppm[buyer].load(Ordering::Relaxed), &bands)
    }

    /// Whether a proxy passes its health check.
    pub fn is_healthy(&self, proxy: usize) -> bool {
        self.healthy[proxy].load(Ordering::Relaxed)
    }

    /// Sets a proxy's health; returns what it was.
    pub fn set_healthy(&self, proxy: usize, healthy: bool) -> bool {
        self.healthy[proxy].swap(healthy, Ordering::Relaxed)
    }
}

/// An answer's records. Held inline up to 8 (every answer of the example config, a proxy
/// answer of `dns.answers: 8` with one address each too): a `Vec` here was a heap allocation
/// and free per query, about a twentieth of an answer's instructions.
type Answers<'z> = SmallVec<[&'z Record; 8]>;

/// What an answer was, for metrics and usage samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// A buyer's name answered with proxy addresses.
    Proxy { buyer: usize },
    /// A buyer's name answered with its fallback.
    Fallback { buyer: usize },
    /// Any other answer (zone data, NXDOMAIN, REFUSED, FORMERR …).
    Other,
    /// Nothing sent.
    Dropped,
    /// Over the client subnet's rate limit: dropped, or sent truncated.
    RateLimited,
}

/// One serving thread's answering state. The zone data is lent to each call rather than held,
/// so that serving threads never touch a shared reference count per query.
pub struct Answerer {
    live: Arc<Live>,
    /// Proxies per answer.
    per_answer: usize,
    /// Proxy rotations for A and AAAA.
    proxies: [SmoothWeighted; 2],
    /// Per buyer and family: its servers' rotation (`weighted`) and counter (`round_robin`).
    servers: Vec<[SmoothWeighted; 2]>,
    turns: Vec<[usize; 2]>,
    picks: Vec<usize>,
    weights: Vec<u64>,
    /// The query name in lower case, as names are looked up ([`Query::lower_name`]).
    name: Vec<u8>,
    out: Vec<u8>,
    /// NSID and the cookie secret, from the generation; and the clock cookies are made and
    /// checked by: Unix seconds set by [`Answerer::set_clock`] (tests), else (`None`) the
    /// system clock, read only for a query that needs it.
    extras: Arc<EdnsExtras>,
    now: Option<u32>,
    /// The EDNS options of the reply in hand (NSID, COOKIE); empty for most queries.
    options: Vec<u8>,
}

impl Answerer {
    /// An answerer for `zone`, reading `live`, putting `per_answer` proxies in each answer.
    pub fn new(zone: &ZoneData, live: Arc<Live>, per_answer: usize) -> Answerer {
        let buyers = zone.fallbacks.len();
        let servers = zone
            .fallbacks
            .iter()
            .map(|f| match f {
                Fallback::Servers { families, .. } => families.each_ref().map(|f| SmoothWeighted::new(&f.weights)),
                Fallback::Handback(_) => Default::default(),
            })
            .collect();
        Answerer {
            proxies: [
                SmoothWeighted::new(&vec![0; zone.proxies.len()]),
                SmoothWeighted::new(&vec![0; zone.proxies.len()]),
            ],
            live,
            per_answer: per_answer.max(1),
            servers,
            turns: vec![[0; 2]; buyers],
            picks: Vec::new(),
            weights: Vec::new(),
            name: Vec::new(),
            out: Vec::with_capacity(1232),
            extras: Arc::default(),
            now: None,
            options: Vec::new(),
        }
    }

    /// Answers with this NSID and these cookies from now on (none until set).
    pub fn set_extras(&mut self, extras: Arc<EdnsExtras>) {
        self.options = Vec::with_capacity(extras.capacity());
        self.extras = extras;
    }

    /// Makes and checks cookies by this time, Unix seconds, from now on, instead of the
    /// system clock: for tests.
    pub fn set_clock(&mut self, now: u32) {
        self.now = Some(now);
    }

    /// The time cookies go by. Read per query that sends a cookie or asks for NSID, and only
    /// then: the other queries, nearly all, pay nothing for it (reading it for every batch of
    /// queries was a clock read per query at the rates a server usually sees).
    fn clock(&self) -> u32 {
        self.now.unwrap_or_else(unix_now)
    }

    /// Whether `packet` is a query holding a server cookie we made for `client`, valid now
    /// (RFC 7873 §5.2.5). Parses the packet: for the rate limiter to ask about the few queries
    /// it would limit, not for every query.
    pub fn has_valid_cookie(&self, packet: &[u8], client: IpAddr) -> bool {
        query::parse(packet).ok().and_then(|q| q.edns).is_some_and(|e| self.extras.verified(&e, client, self.clock()))
    }

    /// Fills `options` for the reply to `q`: cleared, and only queries that ask for NSID or
    /// send a cookie go further.
    #[inline]
    fn edns_options(&mut self, q: &Query<'_>, client: IpAddr) {
        self.options.clear();
        if let Some(e) = q.edns
            && (e.nsid || e.cookie.is_some())
        {
            self.extras.write(&e, client, self.clock(), &mut self.options);
        }
    }

    /// Writes a reply with no records (an error, REFUSED) into `out`.
    fn write_empty(&mut self, q: &Query<'_>, rcode: u8, transport: Transport) -> (Option<&[u8]>, Outcome) {
        let reply = Reply { rcode, ..Reply::default() };
        response::write(q, &reply, &self.options, transport, &mut self.out);
        (Some(&self.out), Outcome::Other)
    }

    /// Answers `packet` from `client` over `zone` (the one given to [`Answerer::new`]): the bytes
    /// to send (none: stay silent) and what it was.
    pub fn answer(
        &mut self,
        zone: &ZoneData,
        packet: &[u8],
        client: IpAddr,
        transport: Transport,
    ) -> (Option<&[u8]>, Outcome) {
        let q = match query::parse(packet) {
            Ok(q) => q,
            Err(Refusal::Drop) => return (None, Outcome::Dropped),
            Err(Refusal::Reply { rcode, query }) => {
                // With the question and OPT as far as they were read (RFC 6891 §7).
                self.edns_options(&query, client);
                return self.write_empty(&query, rcode, transport);
            }
        };
        self.edns_options(&q, client);
        if q.tsig.is_some() {
            // We hold no keys: NOTAUTH with BADKEY, unsigned (RFC 8945 §5.2.1).
            response::write_badkey(&q, &self.options, transport, &mut self.out);
            return (Some(&self.out), Outcome::Other);
        }
        if q.question.is_empty() {
            // No question, a cookie: the client asks for a server cookie alone, which a server
            // that makes cookies answers with NOERROR (RFC 7873 §5.4); one that does not has
            // nothing to say but FORMERR.
            let rcode = if self.extras.makes_cookies() { NOERROR } else { query::FORMERR };
            return self.write_empty(&q, rcode, transport);
        }
        // No zone transfers from here, over TCP (RFC 5936 §2.2) or UDP (§4.2); other classes
        // than IN have no data here, and QCLASS ANY gets the IN data (RFC 1035 §3.2.5).
        if matches!(q.qtype, TYPE_AXFR | TYPE_IXFR) || !matches!(q.qclass, CLASS_IN | CLASS_ANY) {
            return self.write_empty(&q, REFUSED, transport);
        }
        q.lower_name(&mut self.name);
        let kind = zone.index.classify(&self.name);
        let v6 = q.qtype == TYPE_AAAA;
        let address_query = matches!(q.qtype, TYPE_A | TYPE_AAAA | TYPE_ANY);
        let mut additional: &[response::Additional] = &[];
        // Every path that ends without an answer names the zone whose SOA goes in authority
        // (RFC 2308 §2.2, §3): NODATA and NXDOMAIN alike.
        let nodata = |z: usize| (NOERROR, Answers::new(), Some(z), Outcome::Other, None);
        let (rcode, answers, soa_of, outcome, scope): (u8, Answers<'_>, Option<usize>, Outcome, Option<u8>) = match kind
        {
            NameKind::Outside => return self.write_empty(&q, REFUSED, transport),
            NameKind::Missing { zone: z } => (NXDOMAIN, Answers::new(), Some(z), Outcome::Other, None),
            NameKind::Empty { zone: z } => nodata(z),
            // The network's apex NS, with the glue.
            NameKind::Apex { zone: 0 } if q.qtype == TYPE_NS => {
                additional = &zone.glue;
                (NOERROR, zone.apex_ns[0].iter().collect(), None, Outcome::Other, None)
            }
            NameKind::Apex { zone: z } => match apex_answer(zone, z, q.qtype) {
                Some(answers) => (NOERROR, answers, None, Outcome::Other, None),
                None => nodata(z),
            },
            NameKind::Nameserver { index } if address_query => {
                host_answer(&zone.nameservers[index], v6, q.qtype == TYPE_ANY)
                    .map_or(nodata(0), |answers| (NOERROR, answers, None, Outcome::Other, None))
            }
            NameKind::Proxy { index } if address_query => host_answer(&zone.proxies[index], v6, q.qtype == TYPE_ANY)
                .map_or(nodata(0), |answers| (NOERROR, answers, None, Outcome::Other, None)),
            NameKind::Nameserver { .. } | NameKind::Proxy { .. } => nodata(0),
            NameKind::BuyerHost { buyer, zone: z } => {
                // A delegated host's apex data: SOA, NS, and (RFC 8482) the SOA for ANY,
                // as the network's apex and NSD answer it.
                let apex = (z != 0).then(|| apex_answer(zone, z, q.qtype)).flatten();
                match apex {
                    Some(answers) => (NOERROR, answers, None, Outcome::Other, None),
                    _ => {
                        let subnet = q
                            .edns
                            .and_then(|e| e.client_subnet)
                            .map_or_else(|| Subnet::of_resolver(client), |s| Subnet::of(s.address, s.source_prefix));
                        let answer = self.buyer_answer(zone, buyer, z != 0, q.qtype, &subnet);
                        match answer.answers {
                            BuyerAnswers::Records(answers) => {
                                let soa = answers.is_empty().then_some(z);
                                (NOERROR, answers, soa, answer.outcome, answer.scope)
                            }
                            BuyerAnswers::Unknown => (SERVFAIL, Answers::new(), None, Outcome::Other, answer.scope),
                        }
                    }
                }
            }
        };
        let authority = soa_of.map(|z| &zone.negative_soas[z]);
        let ecs_scope = q.edns.and_then(|e| e.client_subnet).map(|_| scope.unwrap_or(0));
        // SERVFAIL says nothing about the data: not authoritative (as NSD and Knot send it).
        let reply =
            Reply { rcode, authoritative: rcode != SERVFAIL, answers: &answers, authority, additional, ecs_scope };
        response::write(&q, &reply, &self.options, transport, &mut self.out);
        (Some(&self.out), outcome)
    }

    /// A buyer's answer, for any type: which side of the buyer's line the client is on
    /// ([`client_split::place`], the same for every type, so one client sees one name), then
    /// that side's records. On the proxy side A/AAAA get proxies and other types nothing. On
    /// the fallback side a `handback` host in our zone is a CNAME for every type (RFC 1034
    /// §4.3.2 step 3a: a CNAME owner has no other data); the buyer's servers answer A/AAAA and
    /// nothing else. `delegated`: the host is a zone apex of ours, where a CNAME cannot be
    /// (RFC 1034 §3.6.2), so its fallback is addresses even for `handback`. The ECS scope says
    /// what the answer depended on (the split's subnet while the buyer has a fraction, a
    /// `client_hash` pick's).
    fn buyer_answer<'z>(
        &mut self,
        zone: &'z ZoneData,
        buyer: usize,
        delegated: bool,
        qtype: u16,
        subnet: &Subnet,
    ) -> BuyerAnswer<'z> {
        let line = self.live.line(buyer);
        // While the buyer has a fraction the side depends on the client subnet, and the ECS
        // scope says so, at f = 1 too. With scope 0 an ECS resolver (Unbound's subnetcache)
        // caches the answer for every client it has; the controller's next cut then reaches
        // none of them until it expires, and all of them at once after. Seen in tests/cli/e2e.rs,
        // where a resolver's 64 client subnets swung between all and none. f = 0 (no sale, or
        // cut to nothing) answers everyone alike.
        let split_scope = (line.threshold() > 0).then_some(subnet.prefix);
        let fallback = if delegated { zone.apex_fallbacks[buyer].as_ref() } else { Some(&zone.fallbacks[buyer]) };
        let v6 = qtype == TYPE_AAAA;
        let address_query = matches!(qtype, TYPE_A | TYPE_AAAA | TYPE_ANY);
        let cname = matches!(fallback, Some(Fallback::Handback(_)));
        let records = |answers, outcome, scope: Option<u8>| BuyerAnswer {
            answers: BuyerAnswers::Records(answers),
            outcome,
            scope: scope.or(split_scope),
        };
        if line.to_proxy(client_split::place(subnet, zone.split_keys[buyer])) && self.any_proxy_healthy() {
            if !address_query {
                return records(Answers::new(), Outcome::Other, None);
            }
            let answers = self.proxy_answer(zone, v6);
            if !answers.is_empty() {
                return records(answers, Outcome::Proxy { buyer }, None);
            }
            // No proxy of this family: the buyer's servers have one, perhaps; but beside a
            // CNAME for one type the name cannot have addresses for another, so a CNAMEd host
            // on the proxy side has none of the family.
            if cname {
                return records(Answers::new(), Outcome::Other, None);
            }
        }
        match fallback {
            Some(Fallback::Handback(target)) => {
                let outcome = if address_query { Outcome::Fallback { buyer } } else { Outcome::Other };
                records(smallvec![target], outcome, None)
            }
            // Not a CNAME, so only addresses: other types have no data, learned or not.
            _ if !address_query => records(Answers::new(), Outcome::Other, None),
            None => BuyerAnswer { answers: BuyerAnswers::Unknown, outcome: Outcome::Other, scope: split_scope },
            Some(Fallback::Servers { families, algorithm }) => {
                let (answers, scope) = self.server_answer(buyer, families, *algorithm, v6, subnet);
                let outcome = if answers.is_empty() { Outcome::Other } else { Outcome::Fallback { buyer } };
                records(answers, outcome, scope)
            }
        }
    }

    /// Whether any proxy passes its health check: the proxy side has something to give.
    fn any_proxy_healthy(&self) -> bool {
        self.live.healthy.iter().any(|h| h.load(Ordering::Relaxed))
    }

    /// Addresses of `per_answer` healthy proxies, picked in proportion to their capacity.
    fn proxy_answer<'z>(&mut self, zone: &'z ZoneData, v6: bool) -> Answers<'z> {
        self.weights.clear();
        self.weights.extend(zone.proxies.iter().enumerate().map(|(i, p)| {
            let usable = self.live.healthy[i].load(Ordering::Relaxed) && !p.family(v6).is_empty();
            if usable { self.live.capacity_rps[i].load(Ordering::Relaxed) } else { 0 }
        }));
        let rotation = &mut self.proxies[usize::from(v6)];
        rotation.set_weights(&self.weights);
        rotation.pick_distinct(self.per_answer, &mut self.picks);
        self.picks.iter().flat_map(|&i| zone.proxies[i].family(v6)).collect()
    }

    /// One of the buyer's servers with an address of the family, by its algorithm, and the
    /// ECS scope a `client_hash` pick depends on.
    fn server_answer<'z>(
        &mut self,
        buyer: usize,
        families: &'z [ServerFamily; 2],
        algorithm: Algorithm,
        v6: bool,
        subnet: &Subnet,
    ) -> (Answers<'z>, Option<u8>) {
        let family = &families[usize::from(v6)];
        if family.members.is_empty() {
            return (Answers::new(), None);
        }
        let (pick, scope) = match algorithm {
            Algorithm::RoundRobin => {
                let turn = &mut self.turns[buyer][usize::from(v6)];
                *turn = turn.wrapping_add(1);
                (family.members[*turn % family.members.len()], None)
            }
            Algorithm::Weighted => (self.servers[buyer][usize::from(v6)].pick().unwrap_or(family.members[0]), None),
            Algorithm::ClientHash => (
                client_hash::pick(subnet, &family.ids, &family.weights).unwrap_or(family.members[0]),
                Some(subnet.prefix),
            ),
        };
        (family.records[pick].iter().collect(), scope)
    }
}

/// What a buyer's name answers.
struct BuyerAnswer<'z> {
    answers: BuyerAnswers<'z>,
    outcome: Outcome,
    scope: Option<u8>,
}

enum BuyerAnswers<'z> {
    /// These records (none: NODATA).
    Records(Answers<'z>),
    /// A delegated host's fallback before its addresses are learned: SERVFAIL, as a
    /// secondary that has no copy of the zone would answer.
    Unknown,
}

/// The clock cookies go by: Unix seconds, truncated to 32 bits as RFC 9018 timestamps are.
fn unix_now() -> u32 {
    SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs() as u32)
}

/// A host's addresses of the family asked for; for ANY, its IPv4 ones, else its IPv6 ones.
/// `None`: it has none (NODATA).
fn host_answer(addresses: &Addresses, v6: bool, any: bool) -> Option<Answers<'_>> {
    let records = match addresses.family(v6) {
        [] if any => addresses.family(true),
        records => records,
    };
    (!records.is_empty()).then(|| records.iter().collect())
}

/// The apex's own data: SOA, NS (ANY gets the SOA, minimally, as RFC 8482 allows).
fn apex_answer(zone: &ZoneData, z: usize, qtype: u16) -> Option<Answers<'_>> {
    match qtype {
        TYPE_SOA | TYPE_ANY => Some(smallvec![&zone.soas[z]]),
        // Written compressed against the question, which is this apex.
        TYPE_NS => Some(zone.apex_ns[z].iter().collect()),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
