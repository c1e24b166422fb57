//! `surplus simulate --bound` and `--suite`: the oracle beside the controller, the suite of
//! scenario classes, and the README's table of it kept as the suite prints it.

use crate::test::{Scratch, Test, root};

/// The default scenario cut to 10 minutes, with `change` applied (for quick runs).
fn short(change: (&str, &str)) -> String {
    let text = std::fs::read_to_string(root().join("examples/scenario.yaml"))
        .unwrap()
        .replace("duration: 1h", "duration: 10m");
    assert!(text.contains(change.0), "{}", change.0);
    text.replace(change.0, change.1)
}

#[test]
fn the_bound_is_printed_beside_the_controller_and_the_open_loop() {
    let scratch = Scratch::empty();
    // Demand at 3 times the purchase: the open loop at the estimate (0.5) serves 1.5 times it.
    let scenario = scratch.file("s.yaml", &short(("{at: 0s, rps: 1500}", "{at: 0s, rps: 3000}")));
    let s = scenario.to_str().unwrap();
    let json = scratch.surplus(&["simulate", "--scenario", s, "--bound", "--format", "json"]).run().json();
    let pct = |v: &serde_json::Value, k: &str| v[k].as_f64().unwrap_or_else(|| panic!("no {k} in {v}"));
    let (bound, controlled, open) = (&json["bound"], &json["summary"], &json["open_loop_summary"]);
    assert!(pct(bound, "utilisation_pct") >= 90.0, "{bound}");
    assert!(pct(bound, "above_purchase_pct") <= pct(controlled, "above_purchase_pct"), "{bound} vs {controlled}");
    // The causal oracle knows less than the foresight one and more than the law.
    let causal = &json["causal_bound"];
    assert!(pct(causal, "utilisation_pct") >= 90.0, "{causal}");
    assert!(pct(causal, "above_purchase_pct") >= pct(bound, "above_purchase_pct"), "{causal} vs {bound}");
    assert!(pct(open, "above_purchase_pct") > pct(controlled, "above_purchase_pct"), "{open}");
    let many =
        scratch.surplus(&["simulate", "--scenario", s, "--bound", "--runs", "2", "--format", "json"]).run().json();
    assert!(pct(&many["bound"], "above_purchase_pct") >= 0.0 && many["open_loop_mean"].is_object(), "{many}");
    assert!(pct(&many["causal_bound"], "above_purchase_pct") >= 0.0, "{many}");
    let table = scratch.surplus(&["simulate", "--scenario", s, "--bound", "--runs", "2"]).run().stdout;
    for row in [" mean ", " bound mean ", " causal bound mean ", " open loop mean "] {
        assert!(table.contains(row), "{table}");
    }
    Test::new()
        .args(["simulate", "--bound", "--open-loop"])
        .status(2)
        .stderr_contains("the argument '--bound' cannot be used with '--open-loop'")
        .run();
}

#[test]
fn a_suite_is_one_row_per_scenario_and_an_empty_one_is_an_error() {
    let scratch = Scratch::empty();
    let dir = scratch.dir.path().join("suite");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("b-ttl-60s.yaml"), short(("ttl: 20s ", "ttl: 60s "))).unwrap();
    std::fs::write(dir.join("a-default.yaml"), short(("ttl: 20s ", "ttl: 20s "))).unwrap();
    std::fs::write(dir.join("notes.txt"), "not a scenario").unwrap();
    let d = dir.to_str().unwrap();
    let json = scratch.surplus(&["simulate", "--suite", d, "--runs", "2", "--format", "json"]).run().json();
    let rows = json.as_array().unwrap();
    let names: Vec<&str> = rows.iter().map(|r| r["scenario"].as_str().unwrap()).collect();
    assert_eq!(names, ["a-default", "b-ttl-60s"]);
    for r in rows {
        for key in ["controller", "bound", "causal_bound", "open_loop"] {
            assert!(r[key]["above_purchase_pct"].is_number() && r[key]["utilisation_pct"].is_number(), "{r}");
        }
        for key in ["worst_5s_pct", "bound_worst_5s_pct", "causal_bound_worst_5s_pct"] {
            assert!(r[key].is_number(), "{key} in {r}");
        }
    }
    // The same seeds give the same suite.
    let again = scratch.surplus(&["simulate", "--suite", d, "--runs", "2", "--format", "json"]).run().json();
    assert_eq!(json, again);
    let empty = scratch.dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let e = empty.to_str().unwrap();
    scratch
        .surplus(&["simulate", "--suite", e])
        .status(1)
        .stderr(&format!("error: --suite {e}: no *.yaml scenarios in it\n"))
        .run();
    std::fs::write(empty.join("bad.yaml"), "duration: 1h\n").unwrap();
    scratch.surplus(&["simulate", "--suite", e]).status(1).stderr_contains("bad.yaml").run();
}

#[test]
fn the_suites_default_is_the_default_scenario() {
    let a = std::fs::read_to_string(root().join("examples/scenario.yaml")).unwrap();
    let b = std::fs::read_to_string(root().join("examples/scenarios/default.yaml")).unwrap();
    assert_eq!(a, b, "examples/scenarios/default.yaml must be a copy of examples/scenario.yaml");
}

/// The README's table is what `simulate --suite examples/scenarios --runs 10` prints. Ignored:
/// the suite takes minutes in a debug build, so CI runs it on the release build (`.ci/run`).
/// `SURPLUS_BLESS=1` writes the fresh table into the README instead of failing.
#[test]
#[ignore]
fn the_readme_table_is_the_suites_output() {
    let readme_path = root().join("README.md");
    let readme = std::fs::read_to_string(&readme_path).unwrap();
    let open = "<!-- simulate-suite: surplus simulate --suite examples/scenarios --runs 10 -->\n```\n";
    let close = "```\n<!-- /simulate-suite -->";
    let start = readme.find(open).expect("the README has the suite's table") + open.len();
    let end = start + readme[start..].find(close).expect("the table's end");
    let started = std::time::Instant::now();
    let suite = root().join("examples/scenarios");
    let printed = Test::new().args(["simulate", "--suite", suite.to_str().unwrap(), "--runs", "10"]).run().stdout;
    println!("the suite took {:.1} s", started.elapsed().as_secs_f64());
    if std::env::var("SURPLUS_BLESS").as_deref() == Ok("1") {
        std::fs::write(&readme_path, format!("{}{printed}{}", &readme[..start], &readme[end..])).unwrap();
        return;
    }
    assert!(
        readme[start..end] == printed,
        "README.md's suite table is stale; run SURPLUS_BLESS=1 cargo test --release --test cli -- --ignored simulate_suite::\nprinted:\n{printed}"
    );
}
