//! Validated config values. Each checks itself while the YAML is read, so a bad value is
//! reported at its own line and column by serde_yaml.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;

use jiff::SignedDuration;
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize};

use crate::core::money::Money;
use crate::core::window::{Slot, parse_duration};

/// Reads a number or a string and checks it *inside* the visitor: serde_yaml attaches the
/// value's own line and column only to errors raised while it is being deserialized.
struct Checked<F>(&'static str, F);

impl<T, F: FnOnce(Scalar<'_>) -> Result<T, String>> Visitor<'_> for Checked<F> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
        (self.1)(Scalar::Int(i128::from(v))).map_err(E::custom)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
        (self.1)(Scalar::Int(i128::from(v))).map_err(E::custom)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<T, E> {
        (self.1)(Scalar::Float(v)).map_err(E::custom)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        (self.1)(Scalar::Text(v)).map_err(E::custom)
    }
}

/// A scalar as YAML gave it.
enum Scalar<'a> {
    Int(i128),
    Float(f64),
    Text(&'a str),
}

impl Scalar<'_> {
    fn number(&self, expected: &str) -> Result<f64, String> {
        match *self {
            Scalar::Int(i) => Ok(i as f64),
            Scalar::Float(f) => Ok(f),
            Scalar::Text(t) => Err(format!("expected {expected}, got `{t}`")),
        }
    }

    fn text(&self, expected: &str) -> Result<&str, String> {
        match *self {
            Scalar::Text(t) => Ok(t),
            Scalar::Int(i) => Err(format!("expected {expected}, got {i}")),
            Scalar::Float(f) => Err(format!("expected {expected}, got {f}")),
        }
    }
}

/// A number in [0, 1]: a fraction of answers, a margin, a quantile.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize)]
pub struct Fraction(pub f64);

impl<'de> Deserialize<'de> for Fraction {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        de.deserialize_any(Checked("a fraction between 0 and 1", |v: Scalar<'_>| {
            let v = v.number("a fraction between 0 and 1")?;
            if !(0.0..=1.0).contains(&v) {
                return Err(format!("expected a fraction between 0 and 1, got {v}"));
            }
            Ok(Fraction(v))
        }))
    }
}

/// A rate in requests per second, greater than 0 and at most
/// [`MAX_RPS`](crate::core::money::MAX_RPS).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize)]
pub struct Rps(pub f64);

impl<'de> Deserialize<'de> for Rps {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        de.deserialize_any(Checked("requests per second > 0", |v: Scalar<'_>| {
            let v = v.number("requests per second > 0")?;
            if !(v.is_finite() && v > 0.0) {
                return Err(format!("expected requests per second > 0, got {v}"));
            }
            // Offers are whole rps in the ledger: beyond the bound a rate would be cut to
            // i64::MAX and every sum over proxies overflow.
            let max = crate::core::money::MAX_RPS;
            if v > max as f64 {
                let v = if v < 1e15 { v.to_string() } else { format!("{v:e}") };
                return Err(format!("{v} rps is above the largest surplus takes ({max})"));
            }
            Ok(Rps(v))
        }))
    }
}

/// A fully qualified domain name, lower-cased, without the trailing dot.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct DomainName(String);

impl DomainName {
    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether this name is `zone` or below it.
    pub fn is_within(&self, zone: &DomainName) -> bool {
        self.0 == zone.0 || self.0.strip_suffix(&zone.0).is_some_and(|head| head.ends_with('.'))
    }
}

impl FromStr for DomainName {
    type Err = String;

    fn from_str(text: &str) -> Result<DomainName, String> {
        let name = text.strip_suffix('.').unwrap_or(text).to_ascii_lowercase();
        let bad = |why: &str| Err(format!("`{text}` is not a domain name: {why}"));
        if name.is_empty() || name.len() > 253 {
            return bad("it must be 1 to 253 characters");
        }
        if !name.contains('.') {
            return bad("it must be fully qualified (have a dot)");
        }
        for label in name.split('.') {
            if label.is_empty() || label.len() > 63 {
                return bad("each label must be 1 to 63 characters");
            }
            if !label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
                return bad("only letters, digits, `-` and `_` are allowed");
            }
            if label.starts_with('-') || label.ends_with('-') {
                return bad("a label cannot start or end with `-`");
            }
        }
        Ok(DomainName(name))
    }
}

impl fmt::Display for DomainName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for DomainName {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        de.deserialize_any(Checked("a domain name", |v: Scalar<'_>| v.text("a domain name")?.parse()))
    }
}

/// A positive duration, written `5s`, `1m30s`, `2h` (or a bare number of seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Interval(pub SignedDuration);

impl Interval {
    /// Whole seconds.
    pub fn secs(self) -> i64 {
        self.0.as_secs()
    }
}

impl Serialize for Interval {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("{:#}", self.0))
    }
}

fn duration(v: Scalar<'_>) -> Result<SignedDuration, String> {
    match v {
        Scalar::Int(i) => i64::try_from(i).map(SignedDuration::from_secs).map_err(|_| "duration too long".to_string()),
        Scalar::Text(t) => parse_duration(t).map_err(|e| e.to_string()),
        Scalar::Float(f) => Err(format!("expected a duration like 5s, 1m30s or 2h, got {f}")),
    }
}

impl<'de> Deserialize<'de> for Interval {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        de.deserialize_any(Checked("a duration like 5s, 1m30s or 2h", |v: Scalar<'_>| {
            let d = duration(v)?;
            if !d.is_positive() {
                return Err(format!("expected a duration > 0, got {d:#}"));
            }
            Ok(Interval(d))
        }))
    }
}

/// A time from a start, 0 or more: `0s`, `20m`, `1h30m`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Offset(pub SignedDuration);

impl Offset {
    /// Whole seconds.
    pub fn secs(self) -> i64 {
        self.0.as_secs()
    }
}

impl<'de> Deserialize<'de> for Offset {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        de.deserialize_any(Checked("a time from the start like 0s, 20m or 1h", |v: Scalar<'_>| {
            let d = duration(v)?;
            if d.is_negative() {
                return Err(format!("expected a time >= 0, got {d:#}"));
            }
            Ok(Offset(d))
        }))
    }
}

/// Deserializes a [`Slot`] from `1h`, `15m` ….
pub fn slot<'de, D: Deserializer<'de>>(de: D) -> Result<Slot, D::Error> {
    de.deserialize_any(Checked("a slot length like 1h", |v: Scalar<'_>| {
        Slot::from_secs(duration(v)?.as_secs()).map_err(|e| e.to_string())
    }))
}

/// Deserializes an optional [`Money`] (>= 0), as [`money`] does.
pub fn optional_money<'de, D: Deserializer<'de>>(de: D) -> Result<Option<Money>, D::Error> {
    money(de).map(Some)
}

/// Deserializes [`Money`] (>= 0, at most [`MAX_PRICE`](crate::core::money::MAX_PRICE)) from a
/// number (`0.5`) or a string (`"0.50"`).
pub fn money<'de, D: Deserializer<'de>>(de: D) -> Result<Money, D::Error> {
    de.deserialize_any(Checked("an amount like 0.50", |v: Scalar<'_>| {
        // YAML gives `0.50` to us as a float; its shortest decimal form is the literal the
        // operator wrote (up to float precision), which we then parse exactly.
        let m: Money = match v {
            Scalar::Int(i) => i.to_string().parse(),
            Scalar::Float(f) => f.to_string().parse(),
            Scalar::Text(t) => t.parse(),
        }
        .map_err(|e: crate::core::money::MoneyError| e.to_string())?;
        if m.micros() < 0 {
            return Err(format!("expected a price >= 0, got {m}"));
        }
        crate::core::money::check_price(m).map_err(|e| e.to_string())
    }))
}

/// `ADDR:PORT` (`[V6]:PORT` for IPv6), saying what is wrong: std's parser only says "invalid
/// socket address syntax", also for a port above 65535. Shared with the CLI's address flags.
pub fn parse_socket_addr(text: &str) -> Result<SocketAddr, String> {
    if let Ok(addr) = text.parse() {
        return Ok(addr);
    }
    let Some((ip, port)) = text.rsplit_once(':') else {
        return Err(format!("`{text}` is not ADDR:PORT: expected an IP address and a port, like 127.0.0.1:53"));
    };
    if let Ok(port) = port.parse::<u64>()
        && port > 65535
    {
        return Err(format!("port {port} is above 65535"));
    }
    let ip = ip.trim_start_matches('[').trim_end_matches(']');
    if ip.parse::<IpAddr>().is_err() {
        return Err(format!("`{text}` is not ADDR:PORT: `{ip}` is not an IP address (host names are not looked up)"));
    }
    Err(format!("`{text}` is not ADDR:PORT: `{port}` is not a port (0 to 65535)"))
}

fn checked_socket_addr(v: Scalar<'_>) -> Result<SocketAddr, String> {
    parse_socket_addr(v.text("ADDR:PORT")?)
}

/// One `ADDR:PORT`.
struct Addr(SocketAddr);

impl<'de> Deserialize<'de> for Addr {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        de.deserialize_any(Checked("ADDR:PORT", |v: Scalar<'_>| checked_socket_addr(v).map(Addr)))
    }
}

/// Deserializes a list of `ADDR:PORT`, each located and explained by [`parse_socket_addr`].
pub fn socket_addrs<'de, D: Deserializer<'de>>(de: D) -> Result<Vec<SocketAddr>, D::Error> {
    Ok(Vec::<Addr>::deserialize(de)?.into_iter().map(|a| a.0).collect())
}

/// Deserializes an optional `ADDR:PORT`, as [`socket_addrs`] does.
pub fn optional_socket_addr<'de, D: Deserializer<'de>>(de: D) -> Result<Option<SocketAddr>, D::Error> {
    Ok(Option::<Addr>::deserialize(de)?.map(|a| a.0))
}

/// Deserializes an optional TCP port, 1 to 65535.
pub fn optional_port<'de, D: Deserializer<'de>>(de: D) -> Result<Option<u16>, D::Error> {
    struct Port(u16);
    impl<'de> Deserialize<'de> for Port {
        fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
            de.deserialize_any(Checked("a port, 1 to 65535", |v: Scalar<'_>| match v {
                Scalar::Int(p) if p > 65535 => Err(format!("port {p} is above 65535")),
                Scalar::Int(p) if p >= 1 => Ok(Port(p as u16)),
                Scalar::Int(p) => Err(format!("expected a port 1 to 65535, got {p}")),
                other => Err(format!("expected a port 1 to 65535, got {}", other.text("").unwrap_or("a number"))),
            }))
        }
    }
    Ok(Option::<Port>::deserialize(de)?.map(|p| p.0))
}

/// `dns.answers`: proxies in each proxy answer, 1 to 8 (an answer of more is rarely used by
/// clients, and 0 would answer a buyer's share with nothing).
pub fn proxies_per_answer<'de, D: Deserializer<'de>>(de: D) -> Result<u8, D::Error> {
    struct Answers(u8);
    impl<'de> Deserialize<'de> for Answers {
        fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
            de.deserialize_any(Checked("proxies per answer, 1 to 8", |v: Scalar<'_>| match v {
                Scalar::Int(n) if (1..=8).contains(&n) => Ok(Answers(n as u8)),
                Scalar::Int(n) => Err(format!("expected 1 to 8 proxies per answer, got {n}")),
                other => {
                    Err(format!("expected 1 to 8 proxies per answer, got {}", other.text("").unwrap_or("a number")))
                }
            }))
        }
    }
    Ok(Answers::deserialize(de)?.0)
}

/// An ISO 4217-shaped currency code (`EUR`, `USD`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Currency(pub String);

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        de.deserialize_any(Checked("a currency code like EUR", |v: Scalar<'_>| {
            let code = v.text("a 3-letter currency code like EUR")?;
            if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
                return Err(format!("expected a 3-letter currency code like EUR, got `{code}`"));
            }
            Ok(Currency(code.to_string()))
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domain_names() {
        let n: DomainName = "WWW.Shop.Example.".parse().unwrap();
        assert_eq!(n.as_str(), "www.shop.example");
        assert!(n.is_within(&"shop.example".parse().unwrap()));
        assert!(!n.is_within(&"hop.example".parse().unwrap()));
        for bad in ["", "localhost", "a..b", "-a.b", "a-.b", "a b.c", &format!("{}.com", "x".repeat(64))] {
            assert!(bad.parse::<DomainName>().is_err(), "{bad}");
        }
    }

    #[test]
    fn values_check_themselves() {
        assert!(serde_yaml::from_str::<Fraction>("1.5").is_err());
        assert_eq!(serde_yaml::from_str::<Fraction>("0.25").unwrap(), Fraction(0.25));
        assert!(serde_yaml::from_str::<Rps>("0").is_err());
        assert_eq!(serde_yaml::from_str::<Rps>("10000000").unwrap(), Rps(1e7));
        assert!(serde_yaml::from_str::<Rps>("1e300").is_err());
        assert!(serde_yaml::from_str::<Interval>("0s").is_err());
        assert_eq!(serde_yaml::from_str::<Interval>("90").unwrap().secs(), 90);
        assert_eq!(serde_yaml::from_str::<Interval>("1m30s").unwrap().secs(), 90);
        assert!(serde_yaml::from_str::<Currency>("eur").is_err());
    }

    #[test]
    fn prices_are_exact() {
        #[derive(Deserialize)]
        struct P(#[serde(deserialize_with = "money")] Money);
        assert_eq!(serde_yaml::from_str::<P>("0.1").unwrap().0, Money(100_000));
        assert_eq!(serde_yaml::from_str::<P>("\"0.10\"").unwrap().0, Money(100_000));
        assert_eq!(serde_yaml::from_str::<P>("3").unwrap().0, Money(3_000_000));
        assert!(serde_yaml::from_str::<P>("-1").is_err());
        assert!(serde_yaml::from_str::<P>("0.0000001").is_err());
        assert_eq!(serde_yaml::from_str::<P>("1000").unwrap().0, crate::core::money::MAX_PRICE);
        let e = serde_yaml::from_str::<P>("9223372036854").map(|_| ()).unwrap_err().to_string();
        assert!(e.contains("price 9223372036854.00 per rps-hour is above the largest surplus takes (1000.00"), "{e}");
    }
}
