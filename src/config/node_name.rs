//! Which node of the service this `dns serve` is: its name among the nodes sharing one ledger
//! (the `dns_nodes` row it heartbeats, the control lease's holder, what `dns status` lists) and
//! the NSID it answers with by default. `dns serve --node` (or `SURPLUS_NODE`) wins over
//! `dns.node`, which wins over the host name, so several nodes on one host can share one
//! config file and still be told apart.

use super::Config;
use crate::dns::edns_extras::MAX_NSID;

/// What a node is called when the host has no name to give (gethostname failed or returned
/// nothing printable): a name every host has.
const NAMELESS_HOST: &str = "localhost";

/// The node's name: `cli` (`--node`, `SURPLUS_NODE`), else `dns.node`, else the host name.
/// Both given names were checked ([`check`]) when read.
pub fn node_name(config: &Config, cli: Option<&str>) -> String {
    match cli.or(config.dns.node.as_deref()) {
        Some(name) => name.to_string(),
        None => {
            let host = host_name();
            if host.is_empty() { NAMELESS_HOST.to_string() } else { host }
        }
    }
}

/// The NSID the server answers with (RFC 5001): `dns.nsid` when set (`""` turns it off),
/// else the node's name, so each node of a cluster answers with its own.
pub fn nsid(config: &Config, node: &str) -> String {
    match &config.dns.nsid {
        Some(nsid) => nsid.clone(),
        None => node.to_string(),
    }
}

/// A node name as given in `dns.node` or `--node`: printable ASCII (it is the default NSID,
/// and a column in `dns status`), 1 to 255 bytes. The error is the message after the field.
pub fn check(name: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > MAX_NSID || !name.bytes().all(|b| (0x20..=0x7e).contains(&b)) {
        return Err(format!("expected a node name of 1 to 255 printable ASCII bytes, got {name:?}"));
    }
    Ok(())
}

/// [`check`] as a clap value parser for `--node`.
pub fn parse(name: &str) -> Result<String, String> {
    check(name).map(|()| name.to_string())
}

/// The host name, as a node name and NSID: printable ASCII only, at most 255 bytes; empty if
/// there is none.
pub fn host_name() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: gethostname writes at most `buf.len()` bytes into the buffer it is given.
    let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
    if rc != 0 {
        return String::new();
    }
    let len = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    buf[..len.min(MAX_NSID)].iter().filter(|b| (0x20..=0x7e).contains(*b)).map(|&b| char::from(b)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::tests::{MINIMAL, parse};

    #[test]
    fn the_flag_wins_over_the_config_which_wins_over_the_host_name() {
        let plain = parse(MINIMAL).unwrap();
        let host = host_name();
        assert_eq!(node_name(&plain, None), if host.is_empty() { NAMELESS_HOST.to_string() } else { host });
        assert_eq!(node_name(&plain, Some("ns-b")), "ns-b");
        let named = parse(&format!("{MINIMAL}dns:\n  node: ns-a\n")).unwrap();
        assert_eq!(named.dns.node.as_deref(), Some("ns-a"));
        assert_eq!(node_name(&named, None), "ns-a");
        assert_eq!(node_name(&named, Some("ns-b")), "ns-b");
    }

    #[test]
    fn the_nsid_is_the_node_name_unless_dns_nsid_says_otherwise() {
        let plain = parse(MINIMAL).unwrap();
        assert_eq!(nsid(&plain, "ns-b"), "ns-b");
        let set = parse(&format!("{MINIMAL}dns:\n  node: ns-a\n  nsid: pop-1\n")).unwrap();
        assert_eq!(nsid(&set, &node_name(&set, None)), "pop-1");
        let off = parse(&format!("{MINIMAL}dns:\n  nsid: \"\"\n")).unwrap();
        assert_eq!(nsid(&off, "ns-b"), "");
    }

    #[test]
    fn a_bad_node_name_is_named_at_its_line_and_by_the_flag() {
        for (bad, shown) in [("\"\"", "\"\""), ("\"ns\\u0007\"", "\"ns\\u{7}\""), ("\"ns\\u00e9\"", "\"nsé\"")] {
            let e = parse(&format!("{MINIMAL}dns:\n  node: {bad}\n")).unwrap_err();
            assert_eq!(
                e,
                format!(
                    "surplus.yaml:11:9: dns.node: expected a node name of 1 to 255 printable ASCII bytes, got {shown}"
                )
            );
        }
        let long = "n".repeat(256);
        assert!(parse(&format!("{MINIMAL}dns:\n  node: {long}\n")).is_err());
        assert!(super::parse(&"n".repeat(255)).is_ok());
        assert_eq!(super::parse("ns a").as_deref(), Ok("ns a"));
        assert!(super::parse(&long).unwrap_err().contains("1 to 255 printable ASCII bytes"));
    }

    #[test]
    fn the_host_name_is_printable_and_short_enough_for_an_nsid() {
        let host = host_name();
        assert!(host.len() <= MAX_NSID && host.bytes().all(|b| (0x20..=0x7e).contains(&b)), "{host:?}");
    }
}
