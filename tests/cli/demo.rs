//! `surplus demo`: the whole loop, run as a new user would, with its directory kept and then
//! explored with the other commands.

use crate::test::Test;

#[test]
fn the_demo_runs_the_loop_and_keeps_a_ledger_to_explore() {
    let dir = tempfile::tempdir().unwrap();
    let keep = dir.path().join("demo");
    let keep_text = keep.to_str().unwrap();
    let started = std::time::Instant::now();
    let ran = Test::new().args(["demo", "--seconds", "10", "--keep", keep_text]).run();
    println!("the demo took {:.1?}", started.elapsed());
    // Every step shows the command it runs, in order.
    let mut at = 0;
    for command in [
        "$ export SURPLUS_CONFIG=",
        "$ surplus capacity measure --for ",
        "$ surplus market auction create --window ",
        "$ surplus market auction bid 1 --file ",
        "$ surplus market auction run 1",
        "$ surplus dns serve --listen 127.0.0.1:0",
        "$ surplus dns status --metrics 127.0.0.1:",
        "$ kill -TERM %1",
        "$ surplus report usage",
    ] {
        let found =
            ran.stdout[at..].find(command).unwrap_or_else(|| panic!("no `{command}` after byte {at}:\n{}", ran.stdout));
        at += found + command.len();
    }
    // The auction sells what was offered over its window, which depends on the hour (the
    // forecast is by hour of week, and late in an hour the demo sells two): 79 or 80 rps.
    let offered = ran
        .stdout
        .split("created auction #1: ")
        .nth(1)
        .and_then(|rest| rest.split(" rps").next()?.rsplit(", ").next()?.parse::<i64>().ok())
        .unwrap_or_else(|| panic!("no auction created:\n{}", ran.stdout));
    assert!((70..=90).contains(&offered), "{}", ran.stdout);
    assert!(ran.stdout.contains(&format!("sold 70 of {offered} rps")), "{}", ran.stdout);
    assert!(ran.stdout.contains("monitor edge-2: up (stats http://127.0.0.1:"), "{}", ran.stdout);

    // What it kept is a ledger the other commands read: both loaded buyers were served by the
    // proxies, measured by the monitor (logs for edge-1 and edge-3, the exporter for edge-2).
    let config = keep.join("surplus.yaml");
    assert!(keep.join("surplus.db").is_file() && keep.join("live/edge-1.log").is_file());
    let lines = Test::new().config(&config).args(["report", "usage", "--format", "json"]).run().json();
    let line = |buyer: &str| lines.as_array().unwrap().iter().find(|l| l["buyer"] == buyer).unwrap().clone();
    let (shop, news) = (line("shop"), line("news"));
    assert!(shop["served_requests"].as_u64().unwrap() > 100, "{shop:#}");
    assert!(news["served_requests"].as_u64().unwrap() > 20, "{news:#}");
    assert!(shop["measured_seconds"].as_i64().unwrap() >= 8, "{shop:#}");
    assert_eq!(shop["charge"], "40.00", "40 rps × 2 h × 0.50");
    // Shop asked for twice its purchase and the controller cut its fraction.
    assert!(shop["fraction_min"].as_f64().unwrap() < 0.5, "{shop:#}");

    // A kept directory is never overwritten.
    Test::new()
        .args(["demo", "--keep", keep_text])
        .status(1)
        .stderr(&format!("error: --keep {keep_text}: the directory is not empty; the demo writes a new ledger there\n"))
        .run();
}
