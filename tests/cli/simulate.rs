//! `surplus simulate`: the default scenario, closed and open loop, its JSON shape, repeatability
//! for a seed, the chart, and scenario errors.

use crate::test::Scratch;

#[test]
fn the_default_scenario_holds_the_purchase_far_better_than_open_loop() {
    let scratch = Scratch::empty();
    let closed = scratch.surplus(&["simulate", "--format", "json", "--seed", "3"]).run().json();
    let intervals = closed["intervals"].as_array().unwrap();
    // One hour at 5 s.
    assert_eq!(intervals.len(), 720);
    for key in ["buyer", "start_s", "demand_rps", "served_rps", "purchased_rps", "f", "mode", "proxy_answers"] {
        assert!(intervals[0].get(key).is_some(), "no {key} in {:#}", intervals[0]);
    }
    assert!(intervals.iter().all(|i| (0.0..=1.0).contains(&i["f"].as_f64().unwrap())));
    let summary = &closed["summary"];
    // Steps: the sale opens, 20 min, 40 min, flash crowd start and end.
    assert_eq!(summary["settle_s"].as_array().unwrap().len(), 5);
    let open = scratch.surplus(&["simulate", "--format", "json", "--seed", "3", "--open-loop"]).run().json();
    let pct = |j: &serde_json::Value, k: &str| j["summary"][k].as_f64().unwrap();
    // Open loop at the estimate (0.5) serves half of 3,000 rps for 20 minutes: far above.
    assert!(pct(&open, "above_purchase_pct") > 10.0, "{}", open["summary"]);
    assert!(pct(&closed, "above_purchase_pct") < pct(&open, "above_purchase_pct") / 4.0, "{}", closed["summary"]);
    assert!(pct(&closed, "utilisation_pct") > pct(&open, "utilisation_pct"), "{}", closed["summary"]);
    // The same seed, the same run, byte for byte.
    let again = scratch.surplus(&["simulate", "--format", "json", "--seed", "3"]).run().stdout;
    assert_eq!(serde_json::from_str::<serde_json::Value>(&again).unwrap(), closed);
}

#[test]
fn the_default_scenario_meets_the_issue_targets_over_ten_seeds() {
    // The controller's targets, as the issue states them: over seeds 1–10 of the default
    // scenario, at most 2% of the purchase served above it, at least 90% utilisation. The
    // runs are deterministic, so this fails only when the law (or the world) changes.
    let scratch = Scratch::empty();
    let json = scratch.surplus(&["simulate", "--runs", "10", "--format", "json"]).run().json();
    let mean = &json["mean"];
    let above = mean["above_purchase_pct"].as_f64().unwrap();
    let used = mean["utilisation_pct"].as_f64().unwrap();
    assert!(above <= 2.0, "{above:.2}% above the purchase: {mean}");
    assert!(used >= 90.0, "{used:.1}% utilisation: {mean}");
}

#[test]
fn runs_over_seeds_give_each_summary_and_the_mean() {
    let scratch = Scratch::empty();
    let json = scratch.surplus(&["simulate", "--runs", "3", "--format", "json"]).run().json();
    let runs = json["runs"].as_array().unwrap();
    assert_eq!(runs.iter().map(|r| r["seed"].as_u64().unwrap()).collect::<Vec<_>>(), [1, 2, 3]);
    let mean: f64 = runs.iter().map(|r| r["summary"]["above_purchase_pct"].as_f64().unwrap()).sum::<f64>() / 3.0;
    assert!((json["mean"]["above_purchase_pct"].as_f64().unwrap() - mean).abs() < 1e-9);
    let table = scratch.surplus(&["simulate", "--runs", "2"]).run().stdout;
    assert!(table.lines().last().unwrap().trim_start().starts_with("mean"), "{table}");
}

#[test]
fn a_chart_is_an_svg_with_every_series() {
    let scratch = Scratch::empty();
    let chart = scratch.dir.path().join("run.svg");
    scratch.surplus(&["simulate", "--chart", chart.to_str().unwrap()]).run();
    let svg = std::fs::read_to_string(&chart).unwrap();
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    for label in ["shop: requests per second", "demand", "purchased", "served", "f: fraction"] {
        assert!(svg.contains(label), "no {label} in the chart");
    }
    assert!(svg.matches("<polyline").count() >= 4, "four lines");
}

#[test]
fn a_bad_scenario_names_the_file_line_and_field() {
    let scratch = Scratch::empty();
    let text = std::fs::read_to_string(crate::test::root().join("examples/scenario.yaml")).unwrap();
    let bad = scratch.file("bad.yaml", &text.replace("count: 2000", "count: 0"));
    let path = bad.display().to_string();
    scratch
        .surplus(&["simulate", "--scenario", &path])
        .status(1)
        .stderr(&format!("error: {path}:18:10: resolvers.count: expected 1 to 1000000 resolvers\n"))
        .run();
    let bad = scratch.file("bad2.yaml", &text.replace("ttl: 20s ", "ttl: soon"));
    scratch
        .surplus(&["simulate", "--scenario", bad.to_str().unwrap()])
        .status(1)
        .stderr_contains("bad2.yaml:11:6: ttl: `soon` is not a duration")
        .run();
}

#[test]
fn a_monitor_without_delay_is_written_0s_and_matches_leaving_it_out() {
    let scratch = Scratch::empty();
    let text = std::fs::read_to_string(crate::test::root().join("examples/scenario.yaml")).unwrap();
    let zero = scratch.file("zero.yaml", &text.replace("monitor_delay: 5s", "monitor_delay: 0s"));
    let none = scratch.file("none.yaml", &text.replace("monitor_delay: 5s", ""));
    let run = |path: &std::path::Path| {
        scratch.surplus(&["simulate", "--scenario", path.to_str().unwrap(), "--format", "json"]).run().json()["summary"]
            .clone()
    };
    assert_eq!(run(&zero), run(&none));
}
