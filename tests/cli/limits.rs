//! What a user can ask for that the machine cannot do: more threads than it will start, a
//! report over ten thousand years, a proxy faster than any. Each is one clear error line and a
//! non-zero exit, never a panic or an abort.

use std::process::Command;

use crate::test::{Scratch, Test, WINDOW, example_config};

#[test]
fn a_thread_count_beyond_the_bound_is_bad_usage() {
    for command in [&["capacity", "measure"][..], &["dns", "serve"]] {
        Test::new()
            .config(example_config())
            .args(command)
            .args(["--threads", "65535"])
            .status(2)
            .stderr_contains("65535 is not in 1..=1024")
            .run();
    }
    let help = Test::new().args(["capacity", "measure", "--help"]).run().stdout;
    assert!(help.contains("Worker threads for parsing, 1 to 1024"), "{help}");
}

#[test]
fn threads_the_system_will_not_start_are_an_error_not_a_panic() {
    // 1,024 threads need 2 GiB of stack; a process held to 400 MB of address space cannot
    // start them all. (`ulimit -v` limits root too, unlike `ulimit -u`.)
    let script = format!(
        "ulimit -v 400000 && exec {} -c {} capacity measure --for {WINDOW} --threads 1024",
        env!("CARGO_BIN_EXE_surplus"),
        example_config().display()
    );
    let out = Command::new("sh").args(["-c", &script]).env("SURPLUS_NOW", "2026-11-30T12:00Z").output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.starts_with("error: cannot start 1024 worker threads: "), "{stderr}");
    assert!(stderr.trim_end().ends_with("ask for fewer with --threads") && stderr.lines().count() == 1, "{stderr}");
}

#[test]
fn a_report_over_millennia_is_refused_not_an_out_of_memory_abort() {
    let m = Scratch::with_offers();
    let range = ["--since", "0001-01-01T00:00:00Z", "--until", "9999-01-01T00:00:00Z"];
    m.surplus(&[&["report", "sales"][..], &range].concat())
        .status(1)
        .stderr("error: 0001-01-01T00:00Z/87640656h has 87640656 periods of 1h, more than a report shows (100000); narrow --since/--until, or use --by day\n")
        .run();
    m.surplus(&[&["report", "capacity", "--by", "day"][..], &range].concat())
        .status(1)
        .stderr_contains("has 3651694 periods of 1 day, more than a report shows (100000); narrow --since/--until\n")
        .run();
    let chart = m.dir.path().join("chart.svg").display().to_string();
    m.surplus(&["market", "auction", "create", "--window", WINDOW]).run();
    m.surplus(&["market", "auction", "bid", "1", "--buyer", "shop", "--rps", "10", "--price", "1"]).run();
    m.surplus(&["market", "auction", "run", "1"]).run();
    m.surplus(&[&["report", "usage", "--chart", &chart][..], &range].concat())
        .status(1)
        .stderr_contains("--chart: 0001-01-01T00:00Z/87640656h is more than a chart draws (a year at most)")
        .run();
    // A range of a few years is fine.
    m.surplus(&["report", "sales", "--by", "day", "--since", "2024-01-01T00:00Z", "--until", "2028-01-01T00:00Z"])
        .stdout_contains("1461 periods, revenue 20.00 EUR")
        .run();
}

#[test]
fn a_proxy_capacity_beyond_the_bound_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("surplus.yaml");
    let text = std::fs::read_to_string(example_config()).unwrap().replace("capacity_rps: 40", "capacity_rps: 1e300");
    std::fs::write(&path, text).unwrap();
    Test::new()
        .config(&path)
        .args(["config", "check"])
        .status(1)
        .stderr_contains("proxies[0].capacity_rps: 1e300 rps is above the largest surplus takes (10000000)")
        .run();
}
