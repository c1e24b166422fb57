//! `market:`, `dns:` and `control:` — the knobs of selling, serving and control.

use std::net::SocketAddr;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::values::{self, Currency, Fraction, Interval};
use crate::core::money::Money;
use crate::core::window::Slot;

/// How capacity is measured and sold.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Market {
    /// Length of a measurement and sale slot; divides a day (default 1h).
    #[serde(deserialize_with = "values::slot", serialize_with = "slot_text")]
    pub slot: Slot,
    /// Quantile of a slot's history used as its forecast (default 0.95).
    pub quantile: Fraction,
    /// Share of capacity never sold (default 0.10).
    pub margin: Fraction,
    /// Lowest price per rps-hour (default 0).
    #[serde(deserialize_with = "values::money", serialize_with = "money_text")]
    pub reserve_price: Money,
    /// Price per rps-hour of use above a purchase under p95 billing (`report usage --billing
    /// p95`); default: the sale's own unit price.
    #[serde(deserialize_with = "values::optional_money", serialize_with = "optional_money_text")]
    pub overage_price: Option<Money>,
    /// Currency of prices (default EUR).
    pub currency: Currency,
}

impl Default for Market {
    fn default() -> Market {
        Market {
            slot: Slot::HOUR,
            quantile: Fraction(0.95),
            margin: Fraction(0.10),
            reserve_price: Money(0),
            overage_price: None,
            currency: Currency("EUR".into()),
        }
    }
}

fn slot_text<S: serde::Serializer>(slot: &Slot, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(slot)
}

fn money_text<S: serde::Serializer>(m: &Money, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(m)
}

fn optional_money_text<S: serde::Serializer>(m: &Option<Money>, s: S) -> Result<S::Ok, S::Error> {
    match m {
        Some(m) => s.collect_str(m),
        None => s.serialize_none(),
    }
}

/// The DNS server.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Dns {
    /// Addresses to listen on, UDP and TCP (default: each name server address, port 53).
    #[serde(deserialize_with = "super::values::socket_addrs")]
    pub listen: Vec<SocketAddr>,
    /// Prometheus metrics endpoint (default: none).
    #[serde(deserialize_with = "super::values::optional_socket_addr")]
    pub metrics: Option<SocketAddr>,
    /// Proxies in each proxy answer, 1 to 8 (default 2).
    #[serde(deserialize_with = "super::values::proxies_per_answer")]
    pub answers: u8,
    /// DNS servers that `resolve:` fallbacks are looked up at (default: the system's, from
    /// /etc/resolv.conf).
    #[serde(deserialize_with = "super::values::socket_addrs")]
    pub resolvers: Vec<SocketAddr>,
    /// Response rate limiting per client /24 or /56 over UDP (default: off). Clients with a
    /// valid DNS server cookie are exempt.
    pub rate_limit: Option<RateLimit>,
    /// This node's name among the `dns serve` sharing one ledger (what `dns status` lists and
    /// the control lease names): printable ASCII, 1 to 255 bytes; `dns serve --node` (or
    /// `SURPLUS_NODE`) overrides it, so several nodes on one host can share one config file
    /// (default: the host name).
    pub node: Option<String>,
    /// The name server identifier answered to queries that ask for it (RFC 5001): printable
    /// ASCII, up to 255 bytes; `""` turns it off (default: the node name).
    pub nsid: Option<String>,
    /// A file holding the DNS cookie secret, 32 hex digits (RFC 9018); give every node the same
    /// one to keep clients' cookies valid across them (default: a random secret per start).
    pub cookie_secret_file: Option<PathBuf>,
    /// Where `dns serve` keeps the usage samples it could not write to the ledger when it
    /// stops, for the next start to write (default: `usage-spool` beside the config).
    pub usage_spool: Option<PathBuf>,
    /// With several servers on one ledger: how long a server that does not lead may go without
    /// a control state from the leader (the ledger unreachable, or no leader) before it moves
    /// each buyer to the share that cannot exceed its purchase (default 5m).
    pub control_stale: Interval,
}

impl Default for Dns {
    fn default() -> Dns {
        Dns {
            listen: Vec::new(),
            metrics: None,
            answers: 2,
            resolvers: Vec::new(),
            rate_limit: None,
            node: None,
            nsid: None,
            cookie_secret_file: None,
            usage_spool: None,
            control_stale: Interval(jiff::SignedDuration::from_secs(300)),
        }
    }
}

/// `dns.rate_limit`: UDP responses per second per client subnet (its source address, /24 or
/// /56), and how many of the limited ones go out truncated.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimit {
    /// Responses a second (and the burst) per subnet; set it above your busiest resolver's rate.
    pub responses_per_second: u32,
    /// Every `slip`-th limited response is sent truncated, for real clients to retry over TCP
    /// (default 2; 0 drops them all).
    #[serde(default = "default_slip")]
    pub slip: u32,
}

fn default_slip() -> u32 {
    2
}

/// The controller that holds buyers to what they bought.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Control {
    /// How often served load is compared with purchases (default 5s).
    pub interval: Interval,
    /// Share of a purchase kept free as a buffer (default 0.05).
    pub headroom: Fraction,
    /// How long raw usage samples are kept in the ledger; the server that leads the control
    /// deletes older ones. Reports read the per-minute and 5-minute rollups, which are kept;
    /// `dns status` reads the samples of the last day (default 2d, at least 1h).
    pub keep_samples: Interval,
}

/// The least `control.keep_samples`: an hour, more than the writers hold samples to write later.
pub const KEEP_SAMPLES_AT_LEAST: i64 = 3600;

impl Default for Control {
    fn default() -> Control {
        Control {
            interval: Interval(jiff::SignedDuration::from_secs(5)),
            headroom: Fraction(0.05),
            keep_samples: Interval(jiff::SignedDuration::from_secs(2 * 86_400)),
        }
    }
}
