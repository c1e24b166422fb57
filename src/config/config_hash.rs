//! A short fingerprint of the configuration, which each `dns serve` writes with its heartbeat
//! so that `dns status` can warn when the nodes of one service run different configurations.
//!
//! It hashes what the nodes must agree on and leaves out what is each host's own: `dns.node`
//! (the node's name), `dns.listen` (its addresses) and `dns.metrics` (its metrics endpoint,
//! an address on that host too). The directory the config was read from (`base_dir`) is not
//! serialized at all. Everything else counts, defaults included, as the config was read:
//! two files that differ only in comments or key order hash the same, and a default that
//! changes between versions changes the hash (the nodes would behave differently).

use sha2::{Digest, Sha256};

use super::Config;

/// Hex digits kept of the SHA-256: 64 bits, plenty to tell a handful of configurations apart,
/// short enough for a table column.
const HEX_DIGITS: usize = 16;

/// The first 16 hex digits of the SHA-256 of `config`'s JSON serialization (fields in their
/// declared order; the config holds no hash maps, so the order is fixed), with the per-host
/// fields cleared.
pub fn config_hash(config: &Config) -> String {
    let mut shared = config.clone();
    shared.dns.node = None;
    shared.dns.listen.clear();
    shared.dns.metrics = None;
    // Serializing plain data (strings, numbers, addresses) to a Vec cannot fail; if a future
    // field could, the hash of its error text still tells configurations apart.
    let bytes = serde_json::to_vec(&shared).unwrap_or_else(|e| e.to_string().into_bytes());
    let digest = Sha256::digest(&bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect::<String>()[..HEX_DIGITS].to_string()
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::*;
    use crate::config::tests::MINIMAL;

    fn base() -> String {
        format!(
            "{MINIMAL}buyers:
  - name: shop
    hosts: [www.shop.example]
    fallback: {{handback: origin.shop.example}}
    estimate: 0.5
"
        )
    }

    fn hash(text: &str, dir: &str) -> String {
        config_hash(&Config::parse(text, Path::new("surplus.yaml"), PathBuf::from(dir)).unwrap())
    }

    #[test]
    fn nodes_that_differ_in_name_listen_and_metrics_only_hash_the_same() {
        let base = base();
        let a = format!("{base}dns:\n  node: ns-a\n  listen: [127.0.0.51:53]\n  metrics: 127.0.0.51:9153\n");
        let b = format!("{base}dns:\n  node: ns-b\n  listen: [127.0.0.52:53, 127.0.0.52:5353]\n");
        let h = hash(&a, "/etc/surplus");
        assert_eq!(h.len(), 16);
        assert!(h.bytes().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()), "{h}");
        assert_eq!(h, hash(&b, "/srv/other"), "the directory is not part of it either");
        assert_eq!(h, hash(&base, "/etc/surplus"));
        // Comments and key order are not the configuration.
        let reordered = base.replace(
            "    hosts: [www.shop.example]\n    fallback: {handback: origin.shop.example}\n",
            "    # the shop\n    fallback: {handback: origin.shop.example}\n    hosts: [www.shop.example]\n",
        );
        assert_eq!(h, hash(&reordered, "/etc/surplus"));
    }

    #[test]
    fn a_change_in_a_buyer_or_a_shared_dns_setting_hashes_differently() {
        let base = base();
        let h = hash(&base, "/etc/surplus");
        assert_ne!(h, hash(&base.replace("origin.shop.example", "origin2.shop.example"), "/etc/surplus"));
        assert_ne!(h, hash(&base.replace("estimate: 0.5", "estimate: 0.6"), "/etc/surplus"));
        assert_ne!(h, hash(&base.replace("[www.shop.example]", "[www.shop.example, shop.example]"), "/etc/surplus"));
        assert_ne!(h, hash(&format!("{base}dns:\n  answers: 3\n"), "/etc/surplus"));
        assert_ne!(h, hash(&format!("{base}dns:\n  nsid: pop-1\n"), "/etc/surplus"));
    }
}
