//! A sticky split of answers by client: each client subnet has a fixed place on its buyer's
//! hash line, and whether the place gets proxies is the controller's [`ProxyLine`] (below a
//! threshold, outside the stretches excluded for lumps). The same subnet gets the same side
//! every time it asks while the line stands.
//!
//! [`ProxyLine`]: super::proxy_line::ProxyLine
//!
//! Why not split the answers themselves (every k-th answer to proxies, as `fraction_split`
//! does)? Because the load a DNS answer brings is the load of the resolver that cached it, and
//! resolvers are anything but equal: with a Zipf(1) spread over 2,000 resolvers the largest
//! carries 12% of all clients. A per-answer split hands that resolver proxies or not at each of
//! its re-asks, so served load jumps by its whole weight every TTL, at random; no controller can
//! hold a cap through that. With a sticky split the served load is a fixed, increasing function
//! of `f` (the sum of the weights of the subnets below `f`), so the controller only has to find
//! the right point on it, and raising or lowering `f` moves only the subnets between the old and
//! the new point. `selection: per_answer` in a `surplus simulate` scenario shows the difference.
//!
//! The place is a hash of (subnet, buyer): each buyer orders clients differently, so one
//! resolver is not first in line for every buyer's proxies.

use super::client_hash::{Subnet, subnet_hash};
use super::fraction_split::MILLION;

/// The subnet's place on buyer `buyer_key`'s line, in [0, 1,000,000).
#[inline]
pub fn place(subnet: &Subnet, buyer_key: u64) -> u32 {
    // The top 32 bits scaled into [0, MILLION): no modulo bias worth a thought.
    (((subnet_hash(subnet, buyer_key) >> 32) * u64::from(MILLION)) >> 32) as u32
}

/// A stable key for a buyer's name: its line must not move between releases or restarts.
pub fn buyer_key(name: &str) -> u64 {
    // FNV-1a: tiny, fixed, and plenty for a handful of names.
    name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::proxy_line::ProxyLine;
    use proptest::prelude::*;

    fn to_proxy(subnet: &Subnet, buyer_key: u64, f_ppm: u32) -> bool {
        ProxyLine::below(f_ppm).to_proxy(place(subnet, buyer_key))
    }
    use std::net::IpAddr;

    fn subnet(i: u32) -> Subnet {
        Subnet::of_resolver(IpAddr::from((0x0a00_0000 | (i << 8)).to_be_bytes()))
    }

    #[test]
    fn about_f_of_subnets_get_proxies() {
        let key = buyer_key("shop");
        for f in [0.1, 0.5, 0.9] {
            let n = (0..20_000).filter(|&i| to_proxy(&subnet(i), key, (f * 1e6) as u32)).count();
            let want = f * 20_000.0;
            // Binomial sd is at most 71 here; 4 sd.
            assert!((n as f64 - want).abs() < 300.0, "f {f}: {n}");
        }
        assert!((0..1000).all(|i| !to_proxy(&subnet(i), key, 0)));
        assert!((0..1000).all(|i| to_proxy(&subnet(i), key, MILLION)));
    }

    #[test]
    fn buyers_order_clients_differently() {
        let (a, b) = (buyer_key("shop"), buyer_key("news"));
        let same = (0..1000).filter(|&i| to_proxy(&subnet(i), a, 500_000) == to_proxy(&subnet(i), b, 500_000)).count();
        assert!((400..600).contains(&same), "{same}");
    }

    proptest! {
        /// Raising f only adds clients: whoever had proxies keeps them.
        #[test]
        fn raising_f_only_adds_clients(i in 0u32..1_000_000, low in 0u32..=MILLION, high in 0u32..=MILLION) {
            let (low, high) = (low.min(high), low.max(high));
            let s = subnet(i);
            let key = buyer_key("shop");
            prop_assert!(!to_proxy(&s, key, low) || to_proxy(&s, key, high));
        }
    }
}
