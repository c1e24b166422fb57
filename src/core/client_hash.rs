//! `client_hash`: the same client subnet gets the same server, and when a server leaves only its
//! clients move. Weighted rendezvous hashing: each server scores `-weight / ln(u)` with `u` a
//! hash of (subnet, server) in (0, 1); the highest score wins.
//!
//! The subnet is the EDNS Client Subnet source prefix when the resolver sends one (capped at
//! /24 for IPv4 and /56 for IPv6, as resolvers send), else the resolver's own address with
//! those prefixes.

use std::net::IpAddr;

/// Longest prefixes that identify a client subnet.
pub const V4_PREFIX: u8 = 24;
pub const V6_PREFIX: u8 = 56;

/// A client subnet: the masked address bytes and the prefix length used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Subnet {
    pub bytes: [u8; 16],
    pub prefix: u8,
}

impl Subnet {
    /// The subnet of `addr` at `prefix` bits (capped at /24 or /56).
    pub fn of(addr: IpAddr, prefix: u8) -> Subnet {
        let (mut bytes, cap) = match addr {
            IpAddr::V4(v4) => {
                let mut b = [0u8; 16];
                b[..4].copy_from_slice(&v4.octets());
                (b, V4_PREFIX)
            }
            IpAddr::V6(v6) => (v6.octets(), V6_PREFIX),
        };
        let prefix = prefix.min(cap);
        // The first `prefix` bits kept, as one 128-bit mask (a loop over the bytes cost a
        // tenth of a DNS answer).
        let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
        bytes = (u128::from_be_bytes(bytes) & mask).to_be_bytes();
        // Tell v4 from v6 subnets that share bytes.
        if addr.is_ipv4() {
            bytes[15] = 4;
        }
        Subnet { bytes, prefix }
    }

    /// The subnet of a resolver's own address (no ECS).
    pub fn of_resolver(addr: IpAddr) -> Subnet {
        Subnet::of(addr, if addr.is_ipv4() { V4_PREFIX } else { V6_PREFIX })
    }
}

/// SplitMix64's finaliser: a fixed, seedless, well-mixing 64-bit hash step. Written out (not
/// `std`'s `DefaultHasher`) because the mapping must not change between Rust releases: a change
/// would move every client to another server on upgrade.
#[inline]
fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// A fixed hash of (subnet, key): the same on every machine and release.
pub fn subnet_hash(subnet: &Subnet, key: u64) -> u64 {
    hash(subnet, key)
}

fn hash(subnet: &Subnet, server: u64) -> u64 {
    let (a, b) = subnet.bytes.split_at(8);
    let a = u64::from_le_bytes(a.try_into().expect("8 bytes"));
    let b = u64::from_le_bytes(b.try_into().expect("8 bytes"));
    mix(mix(mix(a) ^ b) ^ mix(server.wrapping_add(u64::from(subnet.prefix))))
}

/// The server for `subnet` among servers identified by stable `ids` with `weights` (0: never).
pub fn pick(subnet: &Subnet, ids: &[u64], weights: &[u64]) -> Option<usize> {
    let mut best: Option<(usize, f64)> = None;
    for (i, (&id, &w)) in ids.iter().zip(weights).enumerate() {
        if w == 0 {
            continue;
        }
        // u in (0, 1), never 0 or 1, so ln(u) < 0 and the score is finite and positive.
        let u = ((hash(subnet, id) >> 11) as f64 + 0.5) / (1u64 << 53) as f64;
        let score = -(w as f64) / u.ln();
        if best.is_none_or(|(_, s)| score > s) {
            best = Some((i, score));
        }
    }
    best.map(|(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn v4(a: u8, b: u8, c: u8, d: u8) -> IpAddr {
        IpAddr::from([a, b, c, d])
    }

    #[test]
    fn subnets_mask_and_cap() {
        assert_eq!(Subnet::of(v4(10, 1, 2, 3), 24), Subnet::of(v4(10, 1, 2, 99), 24));
        assert_ne!(Subnet::of(v4(10, 1, 2, 3), 24), Subnet::of(v4(10, 1, 3, 3), 24));
        assert_eq!(Subnet::of(v4(10, 1, 2, 3), 32), Subnet::of(v4(10, 1, 2, 4), 24), "capped at /24");
        assert_eq!(Subnet::of(v4(10, 1, 2, 3), 20).bytes[2], 0);
        let a: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff::1".parse().unwrap();
        assert_eq!(Subnet::of_resolver(a), Subnet::of_resolver(b));
    }

    #[test]
    fn stable_and_weighted() {
        let ids = [11, 22, 33];
        let s = Subnet::of_resolver(v4(192, 0, 2, 1));
        let first = pick(&s, &ids, &[1, 1, 1]);
        assert_eq!(pick(&s, &ids, &[1, 1, 1]), first);
        assert_eq!(pick(&s, &ids, &[0, 0, 0]), None);
        // A heavily weighted server takes most subnets.
        let heavy = (0..1000u32)
            .filter(|i| pick(&Subnet::of_resolver(v4(10, (i >> 8) as u8, *i as u8, 1)), &ids, &[8, 1, 1]) == Some(0))
            .count();
        assert!((700..900).contains(&heavy), "{heavy}");
    }

    proptest! {
        /// The mask keeps exactly the first `prefix` bits (checked against a bit-by-bit mask):
        /// the hash of every subnet, and so every client's side and server, rests on it.
        #[test]
        fn keeps_the_first_prefix_bits(octets in any::<[u8; 16]>(), prefix in 0u8..=255) {
            let s = Subnet::of(IpAddr::from(octets), prefix);
            let kept = prefix.min(V6_PREFIX);
            let want: Vec<u8> = (0..16)
                .map(|i| (0..8).filter(|&bit| i * 8 + bit < u32::from(kept)).map(|bit| octets[i as usize] & (0x80 >> bit)).sum())
                .collect();
            prop_assert_eq!((s.bytes.to_vec(), s.prefix), (want, kept));
        }

        /// Removing one server moves only the subnets that were on it.
        #[test]
        fn only_the_removed_servers_clients_move(n in 2usize..8, gone in 0usize..8, seed in 0u32..1000) {
            let gone = gone % n;
            let ids: Vec<u64> = (0..n as u64).map(|i| i * 7919 + 1).collect();
            let all = vec![1u64; n];
            let mut fewer = all.clone();
            fewer[gone] = 0;
            for i in 0..200u32 {
                let x = i.wrapping_mul(2_654_435_761).wrapping_add(seed);
                let s = Subnet::of_resolver(IpAddr::from(x.to_be_bytes()));
                let before = pick(&s, &ids, &all).unwrap();
                let after = pick(&s, &ids, &fewer).unwrap();
                prop_assert!(before == gone || before == after);
            }
        }
    }
}
