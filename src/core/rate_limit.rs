//! Response rate limiting per client subnet (RRL), so the server cannot be used to flood a
//! victim whose address an attacker forges.
//!
//! Each client /24 (IPv4) or /56 (IPv6) — the source address of the packet, which is what a
//! forger controls, not EDNS Client Subnet — has a token bucket of `per_second` tokens that
//! refills at `per_second` a second. A response takes a token. Without one, the response is
//! dropped, except every `slip`-th, which is sent truncated (TC, no records) instead: a real
//! client retries over TCP, which a forger cannot, and a victim gets a small packet at most.
//! Like BIND's and Knot's RRL, but per subnet rather than per response, because a CDN's
//! clients are resolvers asking many names.
//!
//! Time comes in as milliseconds from the caller, so the limiter is pure and testable.

use std::collections::HashMap;
use std::net::IpAddr;

/// Buckets kept before idle (full) ones are swept out.
const SWEEP_ABOVE: usize = 65_536;

/// What to do with one response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Answer,
    /// Send it truncated (TC, no records).
    Slip,
    Drop,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at_ms: u64,
}

/// One serving thread's limiter.
#[derive(Debug)]
pub struct RateLimiter {
    per_second: f64,
    slip: u32,
    buckets: HashMap<u128, Bucket>,
    limited: u32,
}

impl RateLimiter {
    /// `per_second` responses a second per subnet (also the burst); every `slip`-th limited
    /// response is sent truncated (0: none).
    pub fn new(per_second: f64, slip: u32) -> RateLimiter {
        RateLimiter { per_second: per_second.max(0.001), slip, buckets: HashMap::new(), limited: 0 }
    }

    /// The verdict on a response to `client` at `now_ms`.
    pub fn check(&mut self, client: IpAddr, now_ms: u64) -> Verdict {
        if self.buckets.len() > SWEEP_ABOVE {
            self.sweep(now_ms);
        }
        let per_second = self.per_second;
        let bucket = self.buckets.entry(subnet_key(client)).or_insert(Bucket { tokens: per_second, at_ms: now_ms });
        let elapsed = now_ms.saturating_sub(bucket.at_ms) as f64 / 1000.0;
        bucket.tokens = (bucket.tokens + elapsed * per_second).min(per_second);
        bucket.at_ms = now_ms;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            return Verdict::Answer;
        }
        self.limited = self.limited.wrapping_add(1);
        if self.slip > 0 && self.limited.is_multiple_of(self.slip) { Verdict::Slip } else { Verdict::Drop }
    }

    /// Forgets the subnets whose bucket has refilled: they are as good as new.
    fn sweep(&mut self, now_ms: u64) {
        let per_second = self.per_second;
        self.buckets.retain(|_, b| b.tokens + now_ms.saturating_sub(b.at_ms) as f64 / 1000.0 * per_second < per_second);
    }
}

/// The client's /24 or /56, as one key.
fn subnet_key(client: IpAddr) -> u128 {
    match client {
        IpAddr::V4(v4) => u128::from(u32::from(v4) & 0xffff_ff00),
        IpAddr::V6(v6) => (u128::from(v6) & !((1u128 << 72) - 1)) | 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn a_subnet_gets_its_rate_then_every_second_limited_response_slips() {
        let mut l = RateLimiter::new(10.0, 2);
        let verdicts: Vec<Verdict> = (0..20).map(|_| l.check(ip("192.0.2.7"), 1000)).collect();
        assert!(verdicts[..10].iter().all(|v| *v == Verdict::Answer));
        assert_eq!(verdicts[10..], [Verdict::Drop, Verdict::Slip].repeat(5));
        // The same /24 shares the bucket; another /24 has its own.
        assert_ne!(l.check(ip("192.0.2.200"), 1000), Verdict::Answer);
        assert_eq!(l.check(ip("192.0.3.1"), 1000), Verdict::Answer);
        // 100 ms later, one token is back.
        assert_eq!(l.check(ip("192.0.2.7"), 1100), Verdict::Answer);
        assert_ne!(l.check(ip("192.0.2.7"), 1100), Verdict::Answer);
    }

    #[test]
    fn ipv6_is_limited_by_the_slash_56_and_slip_0_only_drops() {
        let mut l = RateLimiter::new(1.0, 0);
        assert_eq!(l.check(ip("2001:db8:0:100::1"), 0), Verdict::Answer);
        assert_eq!(l.check(ip("2001:db8:0:1ff::9"), 0), Verdict::Drop, "same /56");
        assert_eq!(l.check(ip("2001:db8:0:200::1"), 0), Verdict::Answer, "another /56");
        assert!((0..100).all(|_| l.check(ip("2001:db8:0:100::1"), 0) == Verdict::Drop));
    }

    #[test]
    fn idle_subnets_are_swept_out() {
        let mut l = RateLimiter::new(5.0, 2);
        for i in 0..=SWEEP_ABOVE as u32 {
            l.check(IpAddr::V4((i << 8).into()), 0);
        }
        assert_eq!(l.buckets.len(), SWEEP_ABOVE + 1);
        l.check(ip("192.0.2.1"), 10_000);
        assert_eq!(l.buckets.len(), 1, "all refilled after 10 s");
    }
}
