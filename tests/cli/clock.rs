//! Time as the market reads it: times without a zone are refused (never cut to midnight), the
//! past is not sold or offered, `--closes` falls between now and the window, and `--now` sets
//! the clock for the commands that read it (and is refused by those that run on the real one).

use crate::test::{NOW, Scratch, Test, WINDOW, backends, example_config};

/// `WINDOW` ended 2026-11-30T20:00Z; this is 1 day 5 h 20 min later.
const LATE: &str = "2026-12-02T01:20Z";

#[test]
fn times_without_an_offset_are_refused_by_every_flag() {
    let m = Scratch::empty();
    let no_offset = "has no zone offset: expected an RFC 3339 time with Z or an offset, like 2026-12-02T16:00Z";
    for args in [
        &["capacity", "measure", "--for", "2026-12-02T16:00/1h"][..],
        &["capacity", "history", "--since", "2026-12-02T16:00"],
        &["capacity", "history", "--until", "2026-12-02T16:00"],
        &["capacity", "offers", "--window", "2026-12-02T16:00/1h"],
        &["market", "auction", "create", "--window", "2026-12-02T16:00/1h"],
        &["market", "auction", "create", "--window", "2026-12-02T17:00Z/1h", "--closes", "2026-12-02T16:00"],
        &["market", "order", "buy", "--buyer", "shop", "--window", "2026-12-02T16:00/1h", "--rps", "1", "--limit", "1"],
        &["market", "book", "--window", "2026-12-02T16:00/1h"],
        &["market", "sales", "--window", "2026-12-02T16:00/1h"],
        &["report", "usage", "--since", "2026-12-02T16:00"],
        &["report", "usage", "--until", "2026-12-02T16:00"],
        &["report", "sales", "--since", "2026-12-02T16:00"],
        &["report", "capacity", "--until", "2026-12-02T16:00"],
        &["--now", "2026-12-02T16:00", "report", "usage"],
    ] {
        m.surplus(args).status(2).stderr_contains(no_offset).run();
    }
    // From the environment too, named as clap names it.
    m.surplus(&["report", "usage"]).now("2026-12-02T16:00").status(2).stderr_contains(no_offset).run();
    // An order file says where.
    let file = m.file("orders.csv", "side,buyer,window,rps,limit\nbuy,shop,2026-12-02T16:00/1h,1,1\n");
    m.surplus(&["market", "order", "--file", file.to_str().unwrap()])
        .status(1)
        .stderr(&format!("error: {}:2: window: `2026-12-02T16:00` {no_offset}\n", file.display()))
        .run();
    assert!(!std::path::Path::new(&m.db()).exists() || m.sales().is_empty());
}

#[test]
fn a_time_with_an_offset_keeps_its_time_of_day() {
    // The bundled logs start 2026-11-16T17:00Z (edge-1): from 17:30 on, the first slot is 17:00.
    let json = Test::new()
        .config(example_config())
        .args(["capacity", "history", "--since", "2026-11-16T18:30+01:00", "--format", "json"])
        .run()
        .json();
    assert_eq!(json[0]["start"], "2026-11-16T17:00:00Z");
    // A bare date is midnight UTC, as documented.
    let json = Test::new()
        .config(example_config())
        .args(["capacity", "history", "--since", "2026-11-20", "--format", "json"])
        .run()
        .json();
    assert_eq!(json[0]["start"], "2026-11-20T00:00:00Z");
}

#[test]
fn a_window_that_has_ended_is_neither_sold_nor_offered() {
    for backend in backends() {
        eprintln!("backend: {backend:?}");
        let m = Scratch::with_offers_on(backend);
        m.surplus(&["market", "auction", "create", "--window", WINDOW]).stdout_contains("created auction #1").run();
        m.surplus(&["market", "auction", "bid", "1", "--buyer", "shop", "--rps", "5", "--price", "1"]).run();
        let ended = "window 2026-11-30T16:00Z/4h ended 1d 5h ago";
        let late = |args: &[&str]| m.surplus(args).now(LATE).status(1);
        late(&["market", "auction", "create", "--window", WINDOW, "--rps", "1"])
            .stderr(&format!("error: --window: {ended}\n"))
            .run();
        let hint = "; cancel it with `surplus market auction cancel 1`";
        late(&["market", "auction", "bid", "1", "--buyer", "news", "--rps", "5", "--price", "1"])
            .stderr(&format!("error: auction #1: {ended}{hint}\n"))
            .run();
        late(&["market", "auction", "run", "1"]).stderr(&format!("error: auction #1: {ended}{hint}\n")).run();
        late(&["market", "auction", "run", "1", "--dry-run"]).stderr_contains(ended).run();
        for side in [&["buy", "--buyer", "shop"][..], &["sell"]] {
            late(&[&["market", "order"], side, &["--window", WINDOW, "--rps", "1", "--limit", "1"]].concat())
                .stderr(&format!("error: --window: {ended}\n"))
                .run();
        }
        let file = m.file("orders.csv", &format!("side,buyer,window,rps,limit\nsell,,{WINDOW},1,1\n"));
        late(&["market", "order", "--file", file.to_str().unwrap()])
            .stderr(&format!("error: {}:2: window: {ended}\n", file.display()))
            .run();
        late(&["capacity", "measure", "--for", WINDOW, "--save"])
            .stderr(&format!("error: --save --for: {ended}\n"))
            .run();
        // A forecast of the past, without --save, is a backtest and still runs.
        m.surplus(&["capacity", "measure", "--for", WINDOW]).now(LATE).run();

        // Nothing was written; the auction can still be cancelled.
        assert!(m.sales().is_empty());
        assert_eq!(m.surplus(&["market", "orders", "--format", "json"]).run().json(), serde_json::json!([]));
        let show = m.surplus(&["market", "auction", "show", "1", "--format", "json"]).run().json();
        assert_eq!((show["bids"].as_array().unwrap().len(), show["auction"]["status"].as_str()), (1, Some("open")));
        m.surplus(&["market", "auction", "cancel", "1"]).now(LATE).stdout_contains("cancelled auction #1").run();
    }
}

#[test]
fn a_running_window_sells_its_current_slot_whole_but_not_slots_that_are_over() {
    for backend in backends() {
        eprintln!("backend: {backend:?}");
        let m = Scratch::with_offers_on(backend);
        // 20 minutes into the first slot: sold, whole, and said so.
        m.surplus(&["market", "auction", "create", "--window", WINDOW, "--rps", "10"])
            .now("2026-11-30T16:20Z")
            .stderr("note: 2026-11-30T16:00Z/4h began 20m ago; its first slot is sold and billed whole\n")
            .stdout_contains("created auction #1: 2026-11-30T16:00Z/4h, 10 rps")
            .run();
        m.surplus(&["market", "auction", "bid", "1", "--buyer", "shop", "--rps", "10", "--price", "1"])
            .now("2026-11-30T16:25Z")
            .run();
        m.surplus(&["market", "auction", "run", "1"])
            .now("2026-11-30T16:30Z")
            .stderr_contains("note: 2026-11-30T16:00Z/4h began 30m ago")
            .stdout_contains("sold 10 of 10 rps")
            .run();
        // Once the first slot is over, only what is left can be sold.
        let over = "window 2026-11-30T16:00Z/4h began 1h 5m ago and its first slot is over; what is left is 2026-11-30T17:00Z/3h";
        m.surplus(&["market", "auction", "create", "--window", WINDOW, "--rps", "10"])
            .now("2026-11-30T17:05Z")
            .status(1)
            .stderr(&format!("error: --window: {over}\n"))
            .run();
        m.surplus(&["market", "order", "sell", "--window", WINDOW, "--rps", "1", "--limit", "1"])
            .now("2026-11-30T17:05Z")
            .status(1)
            .stderr(&format!("error: --window: {over}\n"))
            .run();
        m.surplus(&["market", "auction", "create", "--window", "2026-11-30T17:00Z/3h", "--rps", "10"])
            .now("2026-11-30T17:05Z")
            .stdout_contains("created auction #2")
            .run();
        // The sale made in the first slot is billed whole: 10 rps × 4 h × 0.50 (the uniform price
        // with no losing bid is the reserve).
        let sales = m.surplus(&["market", "sales", "--format", "json"]).run().json();
        assert_eq!(
            (sales[0]["window_start"].as_str(), sales[0]["total"].as_str()),
            (Some("2026-11-30T16:00:00Z"), Some("20.00"))
        );
    }
}

#[test]
fn closes_falls_between_now_and_the_start_of_the_window() {
    for backend in backends() {
        eprintln!("backend: {backend:?}");
        let m = Scratch::with_offers_on(backend);
        let create = |closes: &str| m.surplus(&["market", "auction", "create", "--window", WINDOW, "--closes", closes]);
        create("2026-11-30T11:00Z")
            .status(1)
            .stderr("error: --closes 2026-11-30T11:00:00Z is not in the future (the time is 2026-11-30T12:00:00Z)\n")
            .run();
        create("2026-11-30T16:30Z")
        .status(1)
        .stderr("error: --closes 2026-11-30T16:30:00Z is after the window starts (2026-11-30T16:00:00Z): bids must close before it is used\n")
        .run();
        assert_eq!(m.surplus(&["market", "auction", "list", "--format", "json"]).run().json(), serde_json::json!([]));
        create("2026-11-30T16:00Z").stdout_contains("closes 2026-11-30T16:00:00Z").run();
    }
}

#[test]
fn now_is_refused_by_the_commands_on_the_real_clock() {
    // Each run would fail at once past the clock check (no config; a --keep directory that is
    // not empty), so a regression fails here rather than serving forever.
    let m = Scratch::empty();
    m.file("not-empty", "");
    Test::new()
        .args(["-c", &m.dir.path().join("missing.yaml").display().to_string(), "dns", "serve"])
        .now(NOW)
        .status(2)
        .stderr_contains("--now (or SURPLUS_NOW) cannot be used with `dns serve`: it runs on the real clock")
        .run();
    Test::new()
        .args(["--now", NOW, "demo", "--seconds", "5", "--keep", m.dir.path().to_str().unwrap()])
        .status(2)
        .stderr_contains("cannot be used with `demo`")
        .run();
    Test::new().args(["--now", "tomorrow", "config", "check"]).status(2).stderr_contains("is not a time").run();
}

#[test]
fn now_sets_where_the_forecast_starts() {
    let json = Test::new()
        .config(example_config())
        .args(["capacity", "measure", "--next", "4h", "--format", "json"])
        .now("2026-11-30T12:30Z")
        .run()
        .json();
    assert_eq!(
        (json["window_start"].as_str(), json["window_end"].as_str()),
        (Some("2026-11-30T13:00:00Z"), Some("2026-11-30T17:00:00Z"))
    );
}
