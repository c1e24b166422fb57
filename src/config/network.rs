//! `network:` — the proxy network's own DNS zone and name servers.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use super::values::{DomainName, Interval};

/// The zone surplus is authoritative for.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Network {
    /// The zone (`cdn.example.net`); buyers may CNAME their names to names under it.
    pub zone: DomainName,
    /// The zone's name servers, with their addresses (glue).
    pub nameservers: Vec<Nameserver>,
    /// TTL of the answers (default 20s).
    #[serde(default = "default_ttl")]
    pub ttl: Interval,
    /// The SOA's timers and mailbox, the same for every zone we serve.
    #[serde(default)]
    pub soa: Soa,
}

/// `network.soa`: what secondaries and caches read from our SOA. Defaults inside RFC 1912 §2.2:
/// refresh 1h (its range is 20 minutes to 12 hours; our data changes with the config, and
/// secondaries of ours are rare), retry 10m (a fraction of refresh), expire 14d (RFC 1912: 2 to
/// 4 weeks; a secondary should outlive a long outage of ours), minimum `network.ttl`: negative
/// answers are cached no longer than positive ones, so a name added by a reload appears as
/// fast as a changed answer does.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Soa {
    pub refresh: Option<Interval>,
    pub retry: Option<Interval>,
    pub expire: Option<Interval>,
    /// The TTL of negative answers (RFC 2308 §4).
    pub minimum: Option<Interval>,
    /// The zone's mailbox as a domain name (RNAME): `hostmaster.cdn.example.net` for
    /// hostmaster@cdn.example.net, the default.
    pub hostmaster: Option<DomainName>,
}

/// The SOA timers in force, seconds (RFC 1035 §3.3.13); `minimum` is the TTL of negative
/// answers (RFC 2308 §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SoaTimes {
    pub refresh: u32,
    pub retry: u32,
    pub expire: u32,
    pub minimum: u32,
}

impl Network {
    /// The SOA's timers: configured, else the defaults (see [`Soa`]).
    pub fn soa_times(&self) -> SoaTimes {
        let secs =
            |v: Option<Interval>, default: i64| u32::try_from(v.map_or(default, Interval::secs)).unwrap_or(u32::MAX);
        SoaTimes {
            refresh: secs(self.soa.refresh, 3600),
            retry: secs(self.soa.retry, 600),
            expire: secs(self.soa.expire, 14 * 86_400),
            minimum: secs(self.soa.minimum, self.ttl.secs()),
        }
    }

    /// The SOA's RNAME: `network.soa.hostmaster`, else `hostmaster.` and the zone.
    pub fn hostmaster(&self) -> String {
        self.soa.hostmaster.as_ref().map_or_else(|| format!("hostmaster.{}", self.zone), ToString::to_string)
    }

    /// The first thing wrong with `network.soa`: which key, and why.
    pub fn soa_problem(&self) -> Option<(&'static str, String)> {
        // RFC 2181 §8: TTLs (and so the minimum) are at most 2^31 - 1; the timers are 32-bit
        // fields, kept to the same so no secondary reads one as negative.
        const MAX: i64 = i32::MAX as i64;
        let keys = [
            ("refresh", self.soa.refresh),
            ("retry", self.soa.retry),
            ("expire", self.soa.expire),
            ("minimum", self.soa.minimum),
        ];
        for (key, value) in keys {
            if let Some(v) = value
                && v.secs() > MAX
            {
                return Some((key, format!("expected at most {MAX} seconds (RFC 2181 §8), got {}", v.secs())));
            }
        }
        let t = self.soa_times();
        if t.retry >= t.refresh {
            return Some(("retry", format!("expected less than refresh ({}s), got {}s", t.refresh, t.retry)));
        }
        if u64::from(t.expire) < u64::from(t.refresh) + u64::from(t.retry) {
            return Some((
                "expire",
                format!(
                    "expected at least refresh + retry ({}s; RFC 1912 §2.2 suggests 2 to 4 weeks), got {}s",
                    u64::from(t.refresh) + u64::from(t.retry),
                    t.expire
                ),
            ));
        }
        None
    }
}

fn default_ttl() -> Interval {
    Interval(jiff::SignedDuration::from_secs(20))
}

/// One name server of the zone.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Nameserver {
    pub name: DomainName,
    pub addresses: Vec<IpAddr>,
}
