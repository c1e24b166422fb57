//! Several `dns serve` on one ledger (src/control/cluster.rs): one leader by lease, the others
//! answering with its published state, a failover when it dies, and a paused leader fenced
//! off by the epoch. On one host, two instances, on each backend.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::dns::{Server, subnet, to_proxies};
use crate::test::{Backend, Scratch, backends, example_config};

/// The example config with a 1 s control interval, in the scratch directory.
fn one_second_config(scratch: &Scratch) -> PathBuf {
    let text = std::fs::read_to_string(example_config()).unwrap();
    let from = "  interval: 5s        # how often served";
    assert!(text.contains(from));
    scratch.file("surplus.yaml", &text.replacen(from, "  interval: 1s        # how often served", 1))
}

/// Polls `what` every 50 ms until it holds, for at most `secs` seconds.
fn eventually(secs: u64, message: &str, mut what: impl FnMut() -> bool) {
    let started = Instant::now();
    while !what() {
        assert!(started.elapsed() < Duration::from_secs(secs), "{message} (waited {secs} s)");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Which of 100 client subnets get proxies for shop from `server`.
fn shop_side(server: &Server) -> Vec<bool> {
    (0..100).map(|i| to_proxies(&server.query_from("shop.cdn.example.net.", subnet(i)))).collect()
}

/// The lease's (holder, epoch) as the ledger has it; holders are `a` or `b` here.
fn lease(scratch: &Scratch) -> (String, i64) {
    let holder = scratch
        .count("SELECT CAST(CASE holder WHEN 'a' THEN 1 WHEN 'b' THEN 2 ELSE 0 END AS BIGINT) FROM control_lease");
    let epoch = scratch.count("SELECT epoch FROM control_lease");
    (["?", "a", "b"][holder as usize].to_string(), epoch)
}

/// Nodes whose last heartbeat (within 1.5 s of the newest) says they lead.
fn leaders_heard(scratch: &Scratch) -> i64 {
    scratch.count(
        "SELECT COUNT(*) FROM dns_nodes WHERE leading_epoch IS NOT NULL
           AND heartbeat_at > (SELECT MAX(heartbeat_at) FROM dns_nodes) - 1500",
    )
}

#[test]
fn two_servers_on_one_ledger_elect_one_leader_fail_over_and_fence_a_paused_one() {
    for backend in backends() {
        let scratch = Scratch::empty_on(backend);
        let config = one_second_config(&scratch);
        let a = Server::start_with(&scratch, &config, &["--node", "a"]);
        a.wait_for_log("leading the control as a (epoch 1)");
        a.sell_now(&scratch, "shop", "shop.cdn.example.net.");
        let b = Server::start_with(&scratch, &config, &["--node", "b"]);

        // b follows a: the same clients on the same side, whichever server they ask.
        eventually(5, "b answers with a's published line", || shop_side(&b) == shop_side(&a));
        assert!(shop_side(&a).contains(&true) && shop_side(&a).contains(&false), "a split, not all or nothing");
        for _ in 0..3 {
            assert_eq!(lease(&scratch), ("a".into(), 1));
            assert!(leaders_heard(&scratch) <= 1);
            std::thread::sleep(Duration::from_millis(700));
        }
        assert!(!b.log().contains("leading the control"), "{}", b.log());

        // SIGKILL the leader: b leads within 3 intervals of a's last heartbeat, in a new epoch.
        let mut a = a;
        a.signal(libc::SIGKILL);
        a.wait_exit();
        eventually(10, "b takes over", || lease(&scratch) == ("b".into(), 2));
        b.wait_for_log("leading the control as b (epoch 2; a led before)");
        let gap =
            scratch.count("SELECT (SELECT since FROM control_lease) - heartbeat_at FROM dns_nodes WHERE node = 'a'");
        assert!(gap <= 3_000, "b led {gap} ms after a's last heartbeat");
        assert!(b.log().contains("carrying on from the published state of"), "{}", b.log());

        // a again, a new process under the same name: it follows.
        let a = Server::start_with(&scratch, &config, &["--node", "a"]);
        eventually(5, "a answers with b's published line", || shop_side(&a) == shop_side(&b));
        std::thread::sleep(Duration::from_millis(1500));
        assert!(!a.log().contains("leading the control"), "{}", a.log());
        assert_eq!(scratch.count("SELECT COUNT(*) FROM dns_nodes WHERE node = 'a' AND leading_epoch IS NULL"), 1);

        // Pause the leader past its lease: a takes epoch 3. Woken, b writes nothing under 2.
        b.signal(libc::SIGSTOP);
        eventually(10, "a takes over from the paused b", || lease(&scratch) == ("a".into(), 3));
        b.signal(libc::SIGCONT);
        b.wait_for_log("no longer leading");
        std::thread::sleep(Duration::from_millis(2500));
        assert_eq!(lease(&scratch), ("a".into(), 3));
        assert_eq!(scratch.count("SELECT COUNT(*) FROM control_states WHERE epoch <> 3"), 0);
        assert!(scratch.count("SELECT COUNT(*) FROM control_states") > 0);
        assert_eq!(leaders_heard(&scratch), 1);
        eventually(5, "b follows a again", || shop_side(&b) == shop_side(&a));

        // A clean stop lets the lease go: b leads within half an interval, not after the
        // lease's two.
        let mut a = a;
        a.signal(libc::SIGTERM);
        assert_eq!(a.wait_exit(), Some(0), "{}", a.log());
        assert!(a.log().contains("released the control lease"), "{}", a.log());
        eventually(5, "b takes over from the stopped a", || lease(&scratch) == ("b".into(), 4));
        // a's last heartbeat is at its stop; unreleased, the lease would run 2 s past it.
        let gap =
            scratch.count("SELECT (SELECT since FROM control_lease) - heartbeat_at FROM dns_nodes WHERE node = 'a'");
        assert!(gap < 1_500, "b led {gap} ms after a stopped");
    }
}

/// The leader deletes the raw samples older than `control.keep_samples` (its first round at
/// its start, then every 10 s); the rollups stay, so the report and `ledger check` are as
/// before, and the samples inside `keep_samples` are all there.
#[test]
fn the_leader_expires_samples_older_than_keep_samples_and_the_report_is_unchanged() {
    for backend in backends() {
        let scratch = Scratch::empty_on(backend);
        let text = std::fs::read_to_string(one_second_config(&scratch)).unwrap();
        let keep = "  keep_samples: 2d ";
        assert!(text.contains(keep), "the example says how long samples are kept");
        let config = scratch.file("surplus.yaml", &text.replacen(keep, "  keep_samples: 1h ", 1));
        // Three hours of 5-second samples of two servers, up to 5 minutes ago.
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
        let to = now - now % 300 - 300;
        let from = to - 3 * 3600;
        let samples: Vec<surplus::ledger::UsageSample> = (from..to)
            .step_by(5)
            .flat_map(|t| {
                ["127.0.0.53:53", "127.0.0.54:53"].map(|server| surplus::ledger::UsageSample {
                    server: server.into(),
                    buyer: "shop".into(),
                    start: t,
                    seconds: 5,
                    purchased_rps: 40,
                    proxy_answers: 6,
                    fallback_answers: 4,
                    fraction: 0.6,
                    served_requests: Some(190 + (t % 7) as u64),
                    monitor: "ok".into(),
                })
            })
            .collect();
        scratch.ledger().record_usage(&samples).unwrap();
        // A sale over them (bought an hour before), for the report to have lines.
        let minute = |t: i64| jiff::Timestamp::from_second(t).unwrap().strftime("%Y-%m-%dT%H:%MZ").to_string();
        let (window, bought) = (format!("{}/5h", minute(from - from % 3600)), minute(from - from % 3600 - 3600));
        scratch.surplus(&["capacity", "measure", "--for", &window, "--save"]).now(&bought).run();
        scratch.surplus(&["market", "auction", "create", "--window", &window, "--rps", "10"]).now(&bought).run();
        let bid = ["market", "auction", "bid", "1", "--buyer", "shop", "--rps", "10", "--price", "1"];
        scratch.surplus(&bid).now(&bought).run();
        scratch.surplus(&["market", "auction", "run", "1"]).now(&bought).run();
        // (The server writes its own samples too, from its start: after `to`.) On PostgreSQL
        // the rollups as they stand are the table and what the leader has yet to fold in.
        let table = match scratch.backend() {
            Backend::Sqlite => "usage_rollups",
            Backend::Postgres => "usage_rollups_current",
        };
        let rollups =
            format!("SELECT CAST(COUNT(*) * 1000000 + SUM(served_requests) AS BIGINT) FROM {table} WHERE start < {to}");
        let rolled_up = scratch.count(&rollups);
        let (since, until) = (minute(from), minute(to));
        let report = |s: &Scratch| {
            let args = ["report", "usage", "--buyer", "shop", "--since", &since, "--until", &until, "--format", "json"];
            s.surplus(&args).run().json()
        };
        let before = report(&scratch);
        assert_eq!(before[0]["measured_seconds"], 3 * 3600, "the report covers the three hours: {before}");

        let server = Server::start_with(&scratch, &config, &["--node", "a"]);
        server.wait_for_log("expired ");
        let cut = now - 3600;
        let old = scratch.count(&format!("SELECT COUNT(*) FROM usage_samples WHERE start < {cut} - 2"));
        assert_eq!(old, 0, "samples older than an hour are gone: {}", server.log());
        let kept =
            scratch.count(&format!("SELECT COUNT(*) FROM usage_samples WHERE start >= {cut} + 2 AND start < {to}"));
        assert_eq!(kept, 2 * ((to - cut - 2) / 5), "samples of the last hour are all kept");
        assert_eq!(scratch.count(&rollups), rolled_up, "the rollups are unchanged");
        assert_eq!(report(&scratch), before, "the report reads the rollups");
        scratch.surplus(&["ledger", "check"]).run();
        if scratch.backend() == Backend::Postgres {
            // The leader folds what is pending into the table itself, 10 s after its start.
            let pending_before =
                |t: i64| scratch.count(&format!("SELECT COUNT(*) FROM usage_pending WHERE start < {t}"));
            assert!(pending_before(to) > 0, "the samples written before the server are pending");
            let waited = Instant::now();
            while pending_before(to) > 0 {
                assert!(waited.elapsed() < Duration::from_secs(40), "nothing folded in 40 s: {}", server.log());
                std::thread::sleep(Duration::from_millis(200));
            }
            let table = rollups.replace("usage_rollups_current", "usage_rollups");
            assert_eq!(scratch.count(&table), rolled_up, "the folded table holds what the view did");
            assert_eq!(report(&scratch), before, "the report after the fold");
        }
    }
}
