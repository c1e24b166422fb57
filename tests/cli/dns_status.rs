//! `dns status` as the view of a cluster: the nodes' heartbeats and the control lease written
//! into the ledger through the library (as each `dns serve` writes them), then the table and
//! the JSON read back: the nodes with their roles and what they serve, the leader, and the
//! warnings for a configuration that differs, a node gone quiet, and no leader.

use std::path::PathBuf;

use surplus::config::Config;
use surplus::config::config_hash::config_hash;
use surplus::core::control_lease::Me;
use surplus::ledger::cluster::NodeBeat;

use crate::test::{Scratch, Test, example_config};

const A: Me<'static> = Me { node: "ns-a", instance: "ns-a:101:7" };

/// The example config without its metrics address: `dns status` reads the ledger.
fn config(scratch: &Scratch) -> PathBuf {
    let text = std::fs::read_to_string(example_config()).unwrap();
    let line = "  metrics: 127.0.0.53:9153    # Prometheus text endpoint (optional)\n";
    assert!(text.contains(line), "the example's metrics line moved");
    scratch.file("surplus.yaml", &text.replacen(line, "", 1))
}

fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

fn beat(node: &str, hash: &str, heartbeat_at: i64, leading_epoch: Option<i64>, serving: &str) -> NodeBeat {
    NodeBeat {
        node: node.into(),
        instance: format!("{node}:101:7"),
        // ns-a on .51, ns-b on .52, …
        address: format!("127.0.0.{}:53", 51 + (node.as_bytes()[3] - b'a')),
        version: "0.1.0".into(),
        config_hash: hash.into(),
        started_at: heartbeat_at - 600_000,
        heartbeat_at,
        interval_ms: 1_000,
        leading_epoch,
        applied_version: Some(7),
        counts: r#"{"shop":40}"#.into(),
        serving: serving.into(),
    }
}

fn status(config: &PathBuf, scratch: &Scratch, format: &str) -> crate::test::Ran {
    Test::new().config(config).args(["--db", &scratch.db(), "dns", "status", "--format", format]).run()
}

#[test]
fn dns_status_lists_the_nodes_the_leader_and_warns_of_other_configs_quiet_nodes_and_no_leader() {
    for backend in crate::test::backends() {
        nodes_leader_and_warnings(&Scratch::empty_on(backend));
    }
}

fn nodes_leader_and_warnings(scratch: &Scratch) {
    let config = config(scratch);
    let hash = config_hash(&Config::load(&config).unwrap());
    let mut ledger = scratch.ledger();

    // No node ever heartbeat here: the single-server status, nothing about a cluster.
    let json = status(&config, scratch, "json").json();
    assert_eq!((json["nodes"].as_array().map(Vec::len), &json["leader"]), (Some(0), &serde_json::Value::Null));
    assert_eq!(json["warnings"].as_array().map(Vec::len), Some(0), "{json:#}");
    let table = status(&config, scratch, "table").stdout;
    assert!(!table.contains("leader:") && !table.contains("warning:"), "{table}");

    // ns-a leads (epoch 1, for a minute); ns-b runs another configuration; ns-c has the same
    // configuration but has not been heard from for 600 of its 1 s intervals.
    let now = now_ms();
    let (claim, _) = ledger.claim_control_lease(A, now - 5_000, 60_000).unwrap();
    let lease = claim.lease().clone();
    assert_eq!(lease.epoch, 1);
    ledger.heartbeat(&beat("ns-a", &hash, now - 400, Some(1), r#"{"shop":0.5,"news":0.25}"#)).unwrap();
    ledger.heartbeat(&beat("ns-b", "0123456789abcdef", now - 700, None, r#"{"shop":0.5}"#)).unwrap();
    ledger.heartbeat(&beat("ns-c", &hash, now - 600_000, Some(1), "not json")).unwrap();

    let table = status(&config, scratch, "table").stdout;
    let line = |node: &str| {
        let l =
            table.lines().find(|l| l.trim_start().starts_with(node)).unwrap_or_else(|| panic!("no {node} in\n{table}"));
        l.split_whitespace().collect::<Vec<_>>().join(" ")
    };
    // node, address, heartbeat, version, config, role, applied, serving
    let a = line("ns-a");
    assert!(a.starts_with("ns-a 127.0.0.51:53 0."), "{a}");
    assert!(a.ends_with(&format!(" s ago 0.1.0 {hash} leader 7 news 0.250, shop 0.500")), "{a}");
    assert!(line("ns-b").ends_with(" s ago 0.1.0 0123456789abcdef follower 7 shop 0.500"), "{table}");
    // Its heartbeat still says it leads in epoch 1, but ns-a holds the lease.
    let c = line("ns-c");
    assert!(c.starts_with("ns-c 127.0.0.53:53 10 min 0 s ago 0.1.0"), "{c}");
    assert!(c.ends_with(&format!("{hash} follower 7 -")), "{c}");
    let since = jiff::Timestamp::from_millisecond(now - 5_000).unwrap().to_string();
    assert!(table.contains(&format!("\nleader: ns-a (epoch 1) since {since}\n")), "{table}");
    let configs =
        format!("warning: the nodes run different configurations: {hash} on ns-a; 0123456789abcdef on ns-b\n");
    assert!(table.contains(&configs), "{table}");
    assert!(
        table.contains("warning: node ns-c not heard from for 10 min 0 s (3 of its 1.0 s intervals or more)\n"),
        "{table}"
    );
    assert!(!table.contains("no leader"), "{table}");

    let json = status(&config, scratch, "json").json();
    let nodes = json["nodes"].as_array().unwrap();
    let names: Vec<&str> = nodes.iter().map(|n| n["node"].as_str().unwrap()).collect();
    assert_eq!(names, ["ns-a", "ns-b", "ns-c"]);
    let roles: Vec<&str> = nodes.iter().map(|n| n["role"].as_str().unwrap()).collect();
    assert_eq!(roles, ["leader", "follower", "follower"]);
    assert_eq!(nodes[0]["serving"], serde_json::json!({"news": 0.25, "shop": 0.5}));
    assert_eq!(nodes[2]["serving"], serde_json::json!({}), "a serving column that is not JSON is nothing served");
    assert_eq!(nodes[0]["counts"], serde_json::json!({"shop": 40}));
    assert_eq!(
        (nodes[1]["config_hash"].as_str(), nodes[1]["applied_version"].as_i64(), nodes[1]["interval_ms"].as_i64()),
        (Some("0123456789abcdef"), Some(7), Some(1_000))
    );
    assert_eq!(
        nodes[0]["heartbeat"].as_str(),
        Some(jiff::Timestamp::from_millisecond(now - 400).unwrap().to_string().as_str())
    );
    let age = nodes[2]["heartbeat_age_s"].as_f64().unwrap();
    assert!((600.0..660.0).contains(&age), "{age}");
    let expires = jiff::Timestamp::from_millisecond(now + 55_000).unwrap().to_string();
    assert_eq!(json["leader"], serde_json::json!({"node": "ns-a", "epoch": 1, "since": since, "expires": expires}));
    let warnings: Vec<&str> = json["warnings"].as_array().unwrap().iter().map(|w| w.as_str().unwrap()).collect();
    assert_eq!(
        warnings,
        [
            configs.trim_start_matches("warning: ").trim_end(),
            "node ns-c not heard from for 10 min 0 s (3 of its 1.0 s intervals or more)"
        ]
    );

    // CSV stays the buyers' table for programs; the warnings go to stderr.
    let csv = status(&config, scratch, "csv");
    assert!(csv.stdout.starts_with("buyer,") && !csv.stdout.contains("ns-a"), "{}", csv.stdout);
    assert!(csv.stderr.contains("warning: node ns-c not heard from"), "{}", csv.stderr);

    // ns-a stops cleanly and lets the lease go: nobody leads.
    assert!(ledger.release_control_lease(A, now_ms()).unwrap());
    let json = status(&config, scratch, "json").json();
    assert_eq!(json["leader"], serde_json::Value::Null, "{json:#}");
    assert_eq!(json["nodes"][0]["role"].as_str(), Some("follower"));
    let last = json["warnings"].as_array().unwrap().last().unwrap().as_str().unwrap();
    assert!(
        last.starts_with("no leader: the control lease of ns-a (epoch 1) expired ")
            && last.ends_with(" ago and nobody took it"),
        "{json:#}"
    );
    let table = status(&config, scratch, "table").stdout;
    assert!(
        table.contains("\nleader: none\n") && table.contains("\nwarning: no leader: the control lease of ns-a"),
        "{table}"
    );
}

#[test]
fn a_bad_node_name_is_refused_from_the_flag_and_from_the_environment() {
    Test::new()
        .config(example_config())
        .args(["dns", "serve", "--node", ""])
        .status(2)
        .stderr_contains("expected a node name of 1 to 255 printable ASCII bytes, got \"\"")
        .run();
    Test::new()
        .config(example_config())
        .env("SURPLUS_NODE", "ns\u{7}")
        .args(["dns", "serve"])
        .status(2)
        .stderr_contains("expected a node name of 1 to 255 printable ASCII bytes, got \"ns\\u{7}\"")
        .run();
}
