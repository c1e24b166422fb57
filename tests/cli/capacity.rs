//! `surplus capacity measure | history | offers` on real files, checked to the number.
//!
//! The synthetic history (hand-computable): Monday 2026-01-05 and Tuesday 2026-01-06. One request
//! at Monday 00:00:00 and one at Tuesday 23:59:59 (so history spans exactly two days, and the
//! profile is by hour of day); in hour 10, 2 requests every second on Monday and 4 on Tuesday.
//! For hour 10 the loads are [2, 4]: the 0.95-quantile forecast is 2 + 0.95 × 2 = 3.9, and with
//! capacity 100 and margin 0.10, unused = 90 − 3.9 = 86.1; every other hour is ~idle (unused 90).

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use jiff::Timestamp;

use crate::test::{Test, example_config};

const MONDAY: i64 = 1_767_571_200; // 2026-01-05T00:00:00Z
const HOUR: i64 = 3600;
const DAY: i64 = 86_400;

const CONFIG: &str = "\
network:
  zone: cdn.example.net
  nameservers: [{name: ns1.cdn.example.net, addresses: [127.0.0.53]}]
proxies:
  - {name: p1, addresses: [127.0.0.11], capacity_rps: 100}
market: {margin: 0.10, quantile: 0.95}
";

/// Every request time of the synthetic history, in time order.
fn request_times() -> Vec<i64> {
    let mut times = vec![MONDAY];
    for (day, per_second) in [(0, 2), (1, 4)] {
        for s in 0..HOUR {
            times.extend(std::iter::repeat_n(MONDAY + day * DAY + 10 * HOUR + s, per_second));
        }
    }
    times.push(MONDAY + 2 * DAY - 1);
    times
}

fn clf_time(t: i64) -> String {
    Timestamp::from_second(t).unwrap().strftime("%d/%b/%Y:%H:%M:%S +0000").to_string()
}

/// One log line at `t` in `format`, with the odd-but-valid shapes real logs have.
fn line(format: &str, t: i64, i: usize) -> String {
    let client = if i.is_multiple_of(2) { "2001:db8::1" } else { "192.0.2.7" };
    let size = if i.is_multiple_of(5) { "-".to_string() } else { (100 + i % 7).to_string() };
    let request = if i.is_multiple_of(3) { r#"GET /q?a=\x22b\x22 HTTP/1.1"# } else { "GET / HTTP/1.1" };
    match format {
        "common" => format!("{client} - - [{}] \"{request}\" 200 {size}", clf_time(t)),
        "combined" => format!("{client} - - [{}] \"{request}\" 200 {size} \"-\" \"curl/8\"", clf_time(t)),
        "vhost_combined" => {
            format!("www.shop.example:443 {client} - - [{}] \"{request}\" 200 {size} \"-\" \"curl/8\"", clf_time(t))
        }
        "squid" => format!(
            "{t}.{:03} {:>6} {client} TCP_MISS/200 {} GET http://www.shop.example/ - HIER_DIRECT/192.0.2.1 text/html",
            i % 1000,
            12,
            100 + i % 7
        ),
        "json" => format!(
            r#"{{"time":"{}","remote_addr":"{client}","host":"www.shop.example","request":"{}","status":200,"body_bytes_sent":"{size}"}}"#,
            Timestamp::from_second(t).unwrap(),
            request.replace('\\', "\\\\")
        ),
        other => panic!("no such format {other}"),
    }
}

struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("surplus.yaml"), CONFIG).unwrap();
        Fixture { dir }
    }

    fn config(&self) -> PathBuf {
        self.dir.path().join("surplus.yaml")
    }

    fn db(&self) -> String {
        self.dir.path().join("ledger.db").display().to_string()
    }

    /// Writes the synthetic history as `name` in `format`; `reverse` writes it backwards.
    fn log(&self, name: &str, format: &str, reverse: bool, extra: &[&str]) -> PathBuf {
        let mut lines: Vec<String> = request_times().iter().enumerate().map(|(i, &t)| line(format, t, i)).collect();
        if reverse {
            lines.reverse();
        }
        lines.extend(extra.iter().map(ToString::to_string));
        let path = self.dir.path().join(name);
        std::fs::write(&path, lines.join("\n") + "\n").unwrap();
        path
    }

    /// `capacity measure` of the synthetic history for 2026-01-08 09–12h, on the morning of
    /// that day (so that it may be saved as offers).
    fn measure(&self, log: &Path, more: &[&str]) -> Test {
        Test::new()
            .now("2026-01-08T08:00Z")
            .config(self.config())
            .args(["capacity", "measure", &format!("p1={}", log.display()), "--for", "2026-01-08T09:00Z/3h"])
            .args(more)
    }
}

fn slots(json: &serde_json::Value) -> Vec<(String, f64, f64, f64, i64)> {
    json["slots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["start"].as_str().unwrap().to_string(),
                s["capacity_rps"].as_f64().unwrap(),
                s["forecast_rps"].as_f64().unwrap(),
                s["unused_rps"].as_f64().unwrap(),
                s["offer_rps"].as_i64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn measures_unused_capacity_exactly() {
    let f = Fixture::new();
    let log = f.log("access.log", "vhost_combined", false, &[]);
    let json = f.measure(&log, &["--format", "json"]).run().json();
    assert_eq!(
        slots(&json),
        [
            ("2026-01-08T09:00:00Z".into(), 100.0, 0.0, 90.0, 90),
            ("2026-01-08T10:00:00Z".into(), 100.0, 3.9, 86.1, 86),
            ("2026-01-08T11:00:00Z".into(), 100.0, 0.0, 90.0, 90),
        ]
    );
    assert_eq!(json["profile"], "hour_of_day");
    assert_eq!(json["lines_read"], 21_602);
    assert_eq!(json["lines_skipped"], 0);
    assert_eq!(json["history_start"], "2026-01-05T00:00:00Z");
    assert_eq!(json["history_end"], "2026-01-06T23:59:59Z");
    assert_eq!(json["slots"][1]["proxies"][0]["name"], "p1");
    assert_eq!(json["slots"][1]["proxies"][0]["forecast_rps"], 3.9);
}

#[test]
fn every_format_and_any_order_give_the_same_numbers() {
    let f = Fixture::new();
    let want = slots(&f.measure(&f.log("base.log", "combined", false, &[]), &["--format", "json"]).run().json());
    for format in ["common", "combined", "vhost_combined", "squid", "json"] {
        for reverse in [false, true] {
            let log = f.log(&format!("{format}-{reverse}.log"), format, reverse, &[]);
            // detected, and given explicitly
            assert_eq!(slots(&f.measure(&log, &["--format", "json"]).run().json()), want, "{format} reverse={reverse}");
            let json = f.measure(&log, &["--format", "json", "--log-format", format]).run().json();
            assert_eq!(slots(&json), want, "{format} explicit");
        }
    }
}

#[test]
fn gzip_and_globs_are_read() {
    let f = Fixture::new();
    let plain = f.log("access.log.1", "combined", false, &[]);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&std::fs::read(&plain).unwrap()).unwrap();
    std::fs::write(f.dir.path().join("access.log.2.gz"), gz.finish().unwrap()).unwrap();
    let glob = f.dir.path().join("access.log*");
    let json = f.measure(&glob, &["--format", "json"]).run().json();
    // The same history twice: loads double (4 and 8 → 4 + 0.95 × 4 = 7.8).
    assert_eq!(json["lines_read"], 2 * 21_602);
    assert_eq!(slots(&json)[1].2, 7.8);
}

#[test]
fn malformed_lines_are_counted_and_reported() {
    let f = Fixture::new();
    let log = f.log(
        "access.log",
        "combined",
        false,
        &["garbage", r#"192.0.2.7 - - [06/Jan/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 many "-" "-""#],
    );
    let ran = f
        .measure(&log, &["--format", "json"])
        .stderr_contains(&format!("warning: {}: skipped 2 malformed of 21604 lines", log.display()))
        .stderr_contains(&format!("warning: {}:21603: no [time] field: garbage", log.display()))
        .stderr_contains(&format!("warning: {}:21604: bytes field is not a number or -", log.display()))
        .run();
    assert_eq!(ran.json()["lines_skipped"], 2);
    assert_eq!(slots(&ran.json())[1].2, 3.9);
}

#[test]
fn a_file_that_is_not_a_log_is_refused() {
    let f = Fixture::new();
    let notes = f.dir.path().join("notes.txt");
    std::fs::write(&notes, "shopping list\neggs\n").unwrap();
    f.measure(&notes, &[])
        .status(1)
        .stdout("")
        .stderr(&format!(
            "error: {}: cannot tell the log format from its first lines; give it with --log-format\n",
            notes.display()
        ))
        .run();
    let log = f.log("access.log", "combined", false, &[]);
    f.measure(&log, &["--log-format", "squid"])
        .status(1)
        .stderr_contains(&format!(
            "error: {}: not a squid log: 21602 of 21602 lines malformed (line 1: time is not a valid date and time: ",
            log.display()
        ))
        .stderr_contains("; it looks like combined\n")
        .run();
}

#[test]
fn since_and_until_select_history() {
    let f = Fixture::new();
    let log = f.log("access.log", "combined", false, &[]);
    let json = f.measure(&log, &["--format", "json", "--since", "2026-01-06"]).run().json();
    assert_eq!(json["lines_filtered"], 1 + 7200);
    assert_eq!(slots(&json)[1].2, 4.0);
    // Lines before --since were seen, so the history starts at --since, not at the first request.
    assert_eq!(json["history_start"], "2026-01-06T00:00:00Z");
    f.measure(&log, &["--since", "2027-01-01"])
        .status(1)
        .stderr("error: p1: no requests in its logs between 2027-01-01T00:00:00Z and the end: no history to forecast from\n")
        .run();
    f.measure(&log, &["--since", "2026-01-06", "--until", "2026-01-05"])
        .status(2)
        .stderr_contains("is not before --until")
        .run();
}

#[test]
fn forecast_windows_must_be_on_the_slot_grid() {
    let f = Fixture::new();
    let log = f.log("access.log", "combined", false, &[]);
    Test::new()
        .config(f.config())
        .args(["capacity", "measure", &format!("p1={}", log.display()), "--for", "2026-01-08T09:30Z/1h"])
        .status(2)
        .stderr("error: --for: window 2026-01-08T09:30Z/1h is not on the 1h slot grid (slots start at midnight UTC)\n")
        .run();
    // A 2h slot: hour 10 falls in the 10:00–12:00 slot, whose load is that of the whole slot.
    let json = Test::new()
        .config(f.config())
        .args([
            "capacity",
            "measure",
            &format!("p1={}", log.display()),
            "--for",
            "2026-01-08T10:00Z/2h",
            "--slot",
            "2h",
            "--format",
            "json",
        ])
        .run()
        .json();
    assert_eq!(json["slot"], "2h");
    assert_eq!(slots(&json).len(), 1);
}

#[test]
fn save_records_offers_and_replaces_them() {
    let f = Fixture::new();
    let log = f.log("access.log", "combined", false, &[]);
    f.measure(&log, &["--save", "--db", &f.db()])
        .stderr_contains(&format!(
            "saved 3 offers for 2026-01-08T09:00Z/3h (266 rps-slots in all) to {}; replaced 0 earlier",
            f.db()
        ))
        .run();
    let offers =
        Test::new().config(f.config()).args(["capacity", "offers", "--db", &f.db(), "--format", "json"]).run().json();
    let rps: Vec<i64> = offers.as_array().unwrap().iter().map(|o| o["rps"].as_i64().unwrap()).collect();
    assert_eq!(rps, [90, 86, 90]);
    assert_eq!(offers[1]["start"], "2026-01-08T10:00:00Z");
    assert_eq!(offers[1]["end"], "2026-01-08T11:00:00Z");
    assert!(offers[1]["method"].as_str().unwrap().starts_with("hour_of_day q0.95"));

    f.measure(&log, &["--save", "--db", &f.db(), "--quantile", "0.5"]).stderr_contains("replaced 3 earlier").run();
    let offers = Test::new()
        .config(f.config())
        .args(["capacity", "offers", "--db", &f.db(), "--format", "csv", "--window", "2026-01-08T10:00Z/1h"])
        .run();
    let rows: Vec<&str> = offers.stdout.lines().collect();
    assert_eq!(rows[0], "slot,rps,measured_at,method");
    assert!(rows[1].starts_with("2026-01-08T10:00:00Z,87,"), "CSV times are RFC 3339:\n{}", offers.stdout);
    assert_eq!(rows.len(), 2);
}

#[test]
fn a_failed_measure_writes_nothing() {
    let f = Fixture::new();
    let log = f.log("access.log", "combined", false, &[]);
    f.measure(&log, &["--save", "--db", &f.db(), "--since", "2027-01-01"]).status(1).run();
    assert!(!Path::new(&f.db()).exists(), "the ledger was created by a failed run");
}

#[test]
fn history_shows_each_slot() {
    let f = Fixture::new();
    let log = f.log("access.log", "vhost_combined", false, &[]);
    let json = Test::new()
        .config(f.config())
        .args(["capacity", "history", &format!("p1={}", log.display()), "--format", "json"])
        .run()
        .json();
    let rows = json.as_array().unwrap();
    assert_eq!(rows.len(), 48);
    let monday10 = &rows[10];
    assert_eq!(monday10["start"], "2026-01-05T10:00:00Z");
    assert_eq!(
        (
            monday10["requests"].as_u64(),
            monday10["mean_rps"].as_f64(),
            monday10["peak_rps"].as_u64(),
            monday10["p95_rps"].as_f64()
        ),
        (Some(7200), Some(2.0), Some(2), Some(2.0))
    );
    let tuesday10 = &rows[34];
    assert_eq!((tuesday10["requests"].as_u64(), tuesday10["peak_rps"].as_u64()), (Some(14_400), Some(4)));
    // `-` sizes count as 0 bytes: every 5th request has none, the rest 100 + i % 7.
    let bytes: u64 =
        request_times().iter().enumerate().filter(|(i, _)| i % 5 != 0).map(|(i, _)| 100 + (i % 7) as u64).sum();
    assert_eq!(rows.iter().map(|r| r["bytes"].as_u64().unwrap()).sum::<u64>(), bytes);
}

#[test]
fn unattributed_files_count_for_the_network() {
    let f = Fixture::new();
    let log = f.log("access.log", "combined", false, &[]);
    let json = Test::new()
        .config(f.config())
        .args(["capacity", "measure", log.to_str().unwrap(), "--for", "2026-01-08T10:00Z/1h", "--format", "json"])
        .run()
        .json();
    assert_eq!(json["slots"][0]["proxies"][0]["name"], "network");
    assert_eq!(json["slots"][0]["unused_rps"], 86.1);
}

#[test]
fn the_example_measures_from_rotated_and_compressed_logs() {
    let json = Test::new()
        .config(example_config())
        .args(["capacity", "measure", "--for", "2026-11-23T18:00Z/1h", "--format", "json"])
        .stderr_contains("examples/logs/edge-2/access.log.1:803: no [time] field")
        .run()
        .json();
    assert_eq!(json["profile"], "hour_of_week");
    assert_eq!(json["lines_read"], 115_907);
    assert_eq!(json["lines_skipped"], 3);
    // One week of history: Monday 18:00's forecast is what each proxy carried last Monday at
    // 18:00, as `capacity history` reports it (its load: the p95 second, at least the mean).
    let history = Test::new().config(example_config()).args(["capacity", "history", "--format", "json"]).run().json();
    for proxy in json["slots"][0]["proxies"].as_array().unwrap() {
        let past = history
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["proxy"] == proxy["name"] && h["start"] == "2026-11-16T18:00:00Z")
            .unwrap();
        let load = past["p95_rps"].as_f64().unwrap().max(past["mean_rps"].as_f64().unwrap());
        assert!((proxy["forecast_rps"].as_f64().unwrap() - load).abs() < 0.001, "{proxy} vs {past}");
    }
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_surplus"))
        .args(["-c", example_config().to_str().unwrap(), "capacity", "history", "--format", "csv"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
    assert!(first.starts_with("proxy,slot,"));
    assert!(child.wait().unwrap().success());
}

/// The `--log-format` help lists in words the formats it takes, so it must name every one clap
/// accepts (`combined_host` was missing from the words).
#[test]
fn the_log_format_help_names_every_format_it_takes() {
    for command in ["measure", "history"] {
        let help = Test::new().args(["capacity", command, "--help"]).run().stdout;
        let at = help.find("--log-format <FORMAT>").expect("--log-format in the help");
        let (words, rest) = help[at..].split_once("[possible values: ").unwrap();
        let values = rest.split_once(']').unwrap().0;
        let words: Vec<&str> = words.split(|c: char| !(c.is_alphanumeric() || c == '_')).collect();
        for value in values.split(", ") {
            assert!(words.contains(&value), "capacity {command} --help: --log-format does not name {value}: {words:?}");
        }
    }
}
