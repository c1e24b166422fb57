//! DNS Cookies (RFC 7873) with the interoperable server cookie of RFC 9018: version 1, three
//! reserved zero octets, a 32-bit timestamp (Unix seconds), and 8 octets of SipHash-2-4 over
//! client cookie | version | reserved | timestamp | client address, keyed with a 128-bit
//! secret. Any server holding the same secret (every serving thread; every node given the same
//! `dns.cookie_secret_file`) accepts the cookies of any other, so a client that moves between
//! anycast nodes keeps a valid cookie.
//!
//! What a query's COOKIE option gets (RFC 7873 §5.2):
//! - malformed (length not 8 and not 16 to 40): FORMERR, with an OPT (§5.2.2); the parser
//!   ([`super::query`]) decides it;
//! - a client cookie only (§5.2.3), or a server cookie that is not valid (§5.2.4: not ours,
//!   expired, from another secret): the normal answer, with a fresh server cookie. Both
//!   sections allow BADCOOKIE instead, for a server that insists on cookies; we do not insist
//!   (most resolvers still send none), so BADCOOKIE is never sent;
//! - a valid server cookie (§5.2.5: its hash matches, and its timestamp is at most an hour
//!   old and at most five minutes ahead, RFC 9018 §4.3): the normal answer with a fresh
//!   server cookie, and exemption from `dns.rate_limit`: a forger of the client's address
//!   cannot have seen it.
//!
//! - no question, only a COOKIE (§5.4, "querying for a server cookie"): NOERROR with an empty
//!   answer and a fresh server cookie.
//!
//! A fresh cookie is made for every answer (one SipHash), rather than echoing a recent one as
//! RFC 9018 §4.3 allows, so that a client always holds the longest-lived cookie. Queries
//! without a COOKIE option cost nothing here.

use std::hash::Hasher;
use std::net::IpAddr;

use siphasher::sip::SipHasher24;

/// Length of the server cookie we make.
pub const SERVER_COOKIE_LEN: usize = 16;
/// How old a server cookie's timestamp may be, and how far ahead of our clock (RFC 9018 §4.3).
const MAX_AGE: i64 = 3600;
const MAX_AHEAD: i64 = 300;

/// The 128-bit secret server cookies are keyed with.
#[derive(Clone, PartialEq, Eq)]
pub struct CookieSecret([u8; 16]);

impl std::fmt::Debug for CookieSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CookieSecret(…)") // never in a log
    }
}

impl CookieSecret {
    pub fn new(key: [u8; 16]) -> CookieSecret {
        CookieSecret(key)
    }

    /// The server cookie for `client` (its cookie and address) at `timestamp`.
    pub fn server_cookie(&self, client: &[u8; 8], address: IpAddr, timestamp: u32) -> [u8; SERVER_COOKIE_LEN] {
        let mut cookie = [0u8; SERVER_COOKIE_LEN];
        cookie[0] = 1;
        cookie[4..8].copy_from_slice(&timestamp.to_be_bytes());
        let hash = self.hash(client, &cookie[..8], address);
        cookie[8..].copy_from_slice(&hash);
        cookie
    }

    /// Whether `server` is a server cookie we made for `client` (cookie and address) that is
    /// still valid at `now`. The reserved octets are hashed as sent (RFC 9018 §4.2).
    pub fn is_valid(&self, client: &[u8; 8], server: &[u8], address: IpAddr, now: u32) -> bool {
        if server.len() != SERVER_COOKIE_LEN || server[0] != 1 {
            return false;
        }
        let timestamp = u32::from_be_bytes([server[4], server[5], server[6], server[7]]);
        // Serial number arithmetic (RFC 1982), as RFC 9018 §4.3 asks: the age wraps with the clock.
        let age = i64::from(now.wrapping_sub(timestamp) as i32);
        if !(-MAX_AHEAD..=MAX_AGE).contains(&age) {
            return false;
        }
        self.hash(client, &server[..8], address) == server[8..]
    }

    fn hash(&self, client: &[u8; 8], head: &[u8], address: IpAddr) -> [u8; 8] {
        let mut h = SipHasher24::new_with_key(&self.0);
        h.write(client);
        h.write(head);
        match address {
            IpAddr::V4(a) => h.write(&a.octets()),
            IpAddr::V6(a) => h.write(&a.octets()),
        }
        // RFC 9018 appendix A: the hash's octets are SipHash's 64-bit result, little-endian.
        h.finish().to_le_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex<const N: usize>(text: &str) -> [u8; N] {
        let mut out = [0u8; N];
        for (i, b) in out.iter_mut().enumerate() {
            *b = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).unwrap();
        }
        out
    }

    fn secret(text: &str) -> CookieSecret {
        CookieSecret::new(hex(text))
    }

    #[test]
    fn rfc9018_appendix_a_1_and_a_2_learning_and_renewing() {
        let s = secret("e5e973e5a6b2a43f48e7dc849e37bfcf");
        let (client, ip) = (hex::<8>("2464c4abcf10c957"), "198.51.100.100".parse().unwrap());
        let first = s.server_cookie(&client, ip, 1559731985);
        assert_eq!(first, hex::<16>("010000005cf79f111f8130c3eee29480"));
        assert!(s.is_valid(&client, &first, ip, 1559734385), "40 minutes later it is still valid");
        let renewed = s.server_cookie(&client, ip, 1559734385);
        assert_eq!(renewed, hex::<16>("010000005cf7a871d4a564a1442aca77"));
    }

    #[test]
    fn rfc9018_appendix_a_3_reserved_octets_are_hashed_as_sent() {
        let s = secret("e5e973e5a6b2a43f48e7dc849e37bfcf");
        let (client, ip) = (hex::<8>("fc93fc62807ddb86"), "203.0.113.203".parse().unwrap());
        let sent = hex::<16>("01abcdef5cf78f71a314227b6679ebf5");
        assert!(s.is_valid(&client, &sent, ip, 1559727985 + 60));
        // The example answers it 1 h 52 min after it was made: past the hour, so for us expired
        // (RFC 9018 §4.3), and answered with the fresh cookie the example gives.
        assert!(!s.is_valid(&client, &sent, ip, 1559734700));
        assert_eq!(s.server_cookie(&client, ip, 1559734700), hex::<16>("010000005cf7a9acf73a7810aca2381e"));
    }

    #[test]
    fn rfc9018_appendix_a_4_ipv6_and_a_rolled_secret() {
        let (old, new) = (secret("dd3bdf9344b678b185a6f5cb60fca715"), secret("445536bcd2513298075a5d379663c962"));
        let (client, ip) = (hex::<8>("22681ab97d52c298"), "2001:db8:220:1:59de:d0f4:8769:82b8".parse().unwrap());
        let sent = hex::<16>("010000005cf7c57926556bd0934c72f8");
        assert!(old.is_valid(&client, &sent, ip, 1559741961));
        assert!(!new.is_valid(&client, &sent, ip, 1559741961), "another secret's cookie is not ours");
        assert_eq!(new.server_cookie(&client, ip, 1559741961), hex::<16>("010000005cf7c609a6bb79d16625507a"));
    }

    #[test]
    fn validity_window_is_an_hour_back_and_five_minutes_ahead_rfc9018_s4_3() {
        let s = CookieSecret::new([7; 16]);
        let (client, ip) = ([1; 8], "192.0.2.1".parse().unwrap());
        let made = 1_000_000;
        let cookie = s.server_cookie(&client, ip, made);
        assert!(s.is_valid(&client, &cookie, ip, made + 3600));
        assert!(!s.is_valid(&client, &cookie, ip, made + 3601));
        assert!(s.is_valid(&client, &cookie, ip, made - 300));
        assert!(!s.is_valid(&client, &cookie, ip, made - 301));
        assert!(!s.is_valid(&client, &cookie, "192.0.2.2".parse().unwrap(), made), "bound to the address");
        assert!(!s.is_valid(&[2; 8], &cookie, ip, made), "bound to the client cookie");
        assert!(!s.is_valid(&client, &cookie[..8], ip, made));
        // Across the 32-bit wrap of the clock (RFC 1982).
        let late = s.server_cookie(&client, ip, u32::MAX - 10);
        assert!(s.is_valid(&client, &late, ip, 20));
    }
}
