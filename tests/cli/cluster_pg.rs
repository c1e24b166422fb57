//! Three name servers on one PostgreSQL, for real (issue 19, "Tests"): a private PostgreSQL
//! cluster; two nginx proxies, each with `surplus monitor export` beside it and the servers
//! reading the exporters over HTTP; three `dns serve --node ns-a|ns-b|ns-c` on 127.0.0.51,
//! .52 and .53 with one config file and a 1 s control interval; Unbound as the clients'
//! resolver with the zone delegated to all three; and e2e.rs's 64 load clients driving news at
//! twice its purchase. One run checks, in order: the same SOA serial and distinct NSIDs; one
//! leader at a time (every interval, from the ledger and from `dns status`) and news held on
//! the proxies' own logs; a SIGKILLed leader replaced within 3 intervals in a new epoch,
//! without a step in news's traffic, and the killed node back as a follower; a SIGSTOPped
//! leader fenced (nothing written under its old epoch); the same side of the split for one
//! ECS subnet from every node; and PostgreSQL stopped for 60 s: no SERVFAIL, news held, every
//! usage sample written after, and `report usage` equal to the proxies' logs.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use hickory_proto::op::Message;
use hickory_proto::rr::RData;

use crate::dns::{Server, subnet};
use crate::e2e::{CLIENTS, Client, drive, free_udp_port, logged_between, now, nsd, proxied_rps, sell, unbound};
use crate::monitor_export::Exporter;
use crate::nginx::Nginx;
use crate::test::{Scratch, root, system_tool};

/// Addresses of our own, apart from e2e.rs's (its nginx listen on port 80 too, and the two
/// tests may run at once).
const ORIGIN: &str = "127.0.0.63";
const PROXY_A: &str = "127.0.0.61";
const PROXY_B: &str = "127.0.0.62";
const NODES: [(&str, &str); 3] = [("ns-a", "127.0.0.51"), ("ns-b", "127.0.0.52"), ("ns-c", "127.0.0.53")];
/// news bought 32 rps (e2e.rs's `sell`) and asks 64.
const BOUGHT: f64 = 32.0;
/// Buyers in the config: each node writes one usage sample per buyer per interval.
const BUYERS: i64 = 3;
/// How long the clients drive news, s: every phase below fits in it.
const LOAD: u32 = 260;

/// The config every node shares: three name servers, two proxies read through their
/// exporters (`monitor: stats`; the logs are there for `capacity measure`'s history only),
/// news and shop capped, api unsold, a 1 s interval, no `nsid:` (each node's is its name).
fn config(scratch: &Scratch, proxies: [(&Nginx, &Exporter); 2], nsd: SocketAddr) -> PathBuf {
    let history = root().join("examples/logs/edge-1/access.log*");
    let proxy = |name: &str, n: &Nginx, e: &Exporter| {
        format!(
            "  - name: {name}\n    addresses: [{}]\n    capacity_rps: 100\n    log: {{path: '{}', format: vhost_combined}}\n    \
             monitor: stats\n    stats: {{kind: prometheus, url: '{}', metric: surplus_proxy_requests_total}}\n    \
             health: {{tcp: 80, interval: 1s}}",
            n.addr.ip(),
            history.display(),
            e.url
        )
    };
    let nameservers: Vec<String> = ["a", "b", "c"]
        .iter()
        .zip(NODES)
        .map(|(n, (_, ip))| format!("{{name: ns-{n}.cdn.example.net, addresses: [{ip}]}}"))
        .collect();
    let fallback = format!("fallback: {{servers: [{{address: {ORIGIN}}}]}}, estimate: 0.5");
    let text = [
        "network:".to_string(),
        "  zone: cdn.example.net".into(),
        format!("  nameservers: [{}]", nameservers.join(", ")),
        "  ttl: 5s".into(),
        "proxies:".into(),
        proxy("edge-a", proxies[0].0, proxies[0].1),
        proxy("edge-b", proxies[1].0, proxies[1].1),
        "buyers:".into(),
        format!("  - {{name: shop, hosts: [shop.cdn.example.net], {fallback}}}"),
        format!("  - {{name: news, hosts: [news.cdn.example.net], {fallback}}}"),
        format!("  - {{name: api, hosts: [api.cdn.example.net], {fallback}}}"),
        "control: {interval: 1s}".into(),
        format!("dns: {{resolvers: [{nsd}]}}"),
        String::new(),
    ]
    .join("\n");
    scratch.file("surplus.yaml", &text)
}

/// `dns serve --node NAME --listen IP:PORT` (and the harness's own 127.0.0.1:0).
fn node(scratch: &Scratch, config: &Path, name: &str, listen: SocketAddr) -> Server {
    Server::start_with(scratch, config, &["--node", name, "--listen", &listen.to_string()])
}

/// The one integer (or text) `sql` returns from the ledger; an error while it is down.
fn ledger<T: for<'a> postgres::types::FromSql<'a>>(url: &str, sql: &str) -> Result<T, String> {
    let mut client = postgres::Client::connect(url, postgres::NoTls).map_err(|e| e.to_string())?;
    client.query_one(sql, &[]).map(|r| r.get(0)).map_err(|e| e.to_string())
}

/// The lease's (holder, epoch).
fn lease(url: &str) -> Result<(String, i64), String> {
    Ok((ledger(url, "SELECT holder FROM control_lease")?, ledger(url, "SELECT epoch FROM control_lease")?))
}

/// Polls `what` every 100 ms until it holds, for at most `secs` seconds.
fn eventually(secs: u64, message: &str, mut what: impl FnMut() -> bool) {
    let started = Instant::now();
    while !what() {
        assert!(started.elapsed() < Duration::from_secs(secs), "{message} (waited {secs} s)");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// `dig +nsid` of the zone's SOA at `at`: (serial, NSID).
fn soa_and_nsid(at: SocketAddr) -> (u64, String) {
    let out = Command::new("dig")
        .args([&format!("@{}", at.ip()), "-p", &at.port().to_string(), "+nsid", "+norec", "+time=2", "+tries=1"])
        .args(["cdn.example.net.", "SOA"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let serial = text
        .lines()
        .filter(|l| !l.starts_with(';'))
        .find_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f.get(3) == Some(&"SOA")).then(|| f.get(6)?.parse().ok()).flatten()
        })
        .unwrap_or_else(|| panic!("no SOA from {at}:\n{text}"));
    // `; NSID: 6e 73 2d 61 ("ns-a")`
    let nsid = text
        .lines()
        .find_map(|l| l.split_once("NSID: ")?.1.split_once("(\"")?.1.split_once("\")").map(|(n, _)| n.to_string()))
        .unwrap_or_else(|| panic!("no NSID from {at}:\n{text}"));
    (serial, nsid)
}

/// Whether `m` sends the client to a proxy (not to news's origin).
fn to_proxy(m: &Message) -> bool {
    m.answers.iter().any(|r| matches!(&r.data, RData::A(a) if [PROXY_A, PROXY_B].contains(&a.0.to_string().as_str())))
}

/// Which of 100 ECS subnets `server` sends to news's proxies.
fn news_side(server: &Server) -> Vec<bool> {
    (0..100).map(|i| to_proxy(&server.query_from("news.cdn.example.net.", subnet(i)))).collect()
}

/// One look at who leads, taken every interval by the watcher thread.
#[derive(Debug, Clone)]
struct Look {
    at: i64,
    /// The lease's (holder, epoch), from the ledger.
    lease: (String, i64),
    /// Nodes whose heartbeat (within 1.5 s of the newest) says they lead.
    leading_heard: i64,
    /// `dns status --format json`: its leader, and its nodes whose fresh heartbeat says leader.
    status_leader: Option<String>,
    status_leaders: usize,
}

fn look(url: &str, config: &Path) -> Result<Look, String> {
    let lease = lease(url)?;
    let leading_heard = ledger(
        url,
        "SELECT COUNT(*) FROM dns_nodes WHERE leading_epoch IS NOT NULL
           AND heartbeat_at > (SELECT MAX(heartbeat_at) FROM dns_nodes) - 1500",
    )?;
    let out = Command::new(env!("CARGO_BIN_EXE_surplus"))
        .env_remove("SURPLUS_NOW")
        .args(["-c", config.to_str().unwrap(), "--db", url, "dns", "status", "--format", "json"])
        .output()
        .map_err(|e| e.to_string())?;
    let json: serde_json::Value = serde_json::from_slice(&out.stdout)
        .map_err(|e| format!("dns status: {e}: {}", String::from_utf8_lossy(&out.stderr)))?;
    let status_leader = json["leader"]["node"].as_str().map(str::to_string);
    let status_leaders = json["nodes"]
        .as_array()
        .map(|n| {
            n.iter().filter(|n| n["role"] == "leader" && n["heartbeat_age_s"].as_f64().is_some_and(|a| a < 1.5)).count()
        })
        .unwrap_or(0);
    Ok(Look { at: now(), lease, leading_heard, status_leader, status_leaders })
}

/// Sets its flag when dropped.
struct SetOnDrop<'a>(&'a AtomicBool);

impl Drop for SetOnDrop<'_> {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// "applied N published control states, ms after they were written: p50 .., p99 .., max .."
fn apply_lag(log: &str) -> Option<String> {
    log.lines()
        .find_map(|l| l.split_once("applied ").filter(|(_, r)| r.contains("ms after")).map(|(_, r)| r.to_string()))
}

/// news's rate on both proxies over `[from, to)`, as a share of what it bought.
fn share(a: &Nginx, b: &Nginx, from: i64, to: i64) -> f64 {
    proxied_rps(&[a, b], "news.cdn.example.net", from, to) / BOUGHT
}

/// news second by second from 5 s before the kill to 25 s after: what the proxies logged,
/// and each node's sample (its fraction at the second's end, its DNS answers). A dip that
/// follows the fractions is the law's; one under steady fractions and answers is the clients'
/// (a lookup that waited on the dead node).
fn failover_series(url: &str, a: &Nginx, b: &Nginx, killed_at: i64) -> String {
    let Ok(mut client) = postgres::Client::connect(url, postgres::NoTls) else { return "(ledger away)".into() };
    let Ok(rows) = client.query(
        "SELECT start, server, fraction, proxy_answers + fallback_answers, seconds FROM usage_samples
         WHERE buyer = 'news' AND start >= $1 AND start < $2 ORDER BY start, server",
        &[&(killed_at - 5), &(killed_at + 25)],
    ) else {
        return "(no samples)".into();
    };
    let mut lines = vec!["  t-kill  served/s  node fraction:answers …".to_string()];
    for t in killed_at - 5..killed_at + 25 {
        let served =
            logged_between(a, "news.cdn.example.net", t, t + 1) + logged_between(b, "news.cdn.example.net", t, t + 1);
        let nodes: Vec<String> = rows
            .iter()
            .filter(|r| r.get::<_, i64>(0) <= t && t < r.get::<_, i64>(0) + r.get::<_, i64>(4))
            .map(|r| format!("{}={:.2}:{}", r.get::<_, String>(1), r.get::<_, f64>(2), r.get::<_, i64>(3)))
            .collect();
        lines.push(format!("  {:>6}  {served:>8}  {}", t - killed_at, nodes.join(" ")));
    }
    lines.join("\n")
}

#[test]
fn three_name_servers_on_one_postgres_lead_one_at_a_time_fail_over_fence_and_ride_out_the_database() {
    if !(system_tool("nginx", "nginx-light")
        && system_tool("nsd", "nsd")
        && system_tool("unbound", "unbound")
        && system_tool("dig", "bind9-dnsutils"))
    {
        return;
    }
    let Some(mut cluster) = crate::pg_cluster::private() else { return };
    let url = cluster.fresh_database();
    let scratch = Scratch::on_database(url.clone());
    let origin = SocketAddr::new(ORIGIN.parse().unwrap(), 80);
    let _origin = Nginx::launch(&scratch, "origin", ORIGIN, 80, "vhost_combined", None);
    let a = Nginx::launch(&scratch, "edge-a", PROXY_A, 80, "vhost_combined", Some(origin));
    let b = Nginx::launch(&scratch, "edge-b", PROXY_B, 80, "vhost_combined", Some(origin));
    let exporters =
        [&a, &b].map(|n| Exporter::start(&scratch, &["--log-format", "vhost_combined", n.log().to_str().unwrap()]));
    let (_nsd, nsd_at) = nsd(&scratch);
    let config = config(&scratch, [(&a, &exporters[0]), (&b, &exporters[1])], nsd_at);
    let listen: Vec<SocketAddr> =
        NODES.iter().map(|(_, ip)| format!("{ip}:{}", free_udp_port(ip)).parse().unwrap()).collect();

    // ns-a first, so it leads (epoch 1); ns-b and ns-c follow it.
    let mut servers: Vec<Server> = Vec::new();
    servers.push(node(&scratch, &config, "ns-a", listen[0]));
    servers[0].wait_for_log("leading the control as ns-a (epoch 1)");
    for i in 1..3 {
        servers.push(node(&scratch, &config, NODES[i].0, listen[i]));
    }

    // 5. One SOA serial, three NSIDs (each node's name: the config sets none).
    let answers: Vec<(u64, String)> = listen.iter().map(|at| soa_and_nsid(*at)).collect();
    println!("SOA serial and NSID per node: {answers:?}");
    assert!(answers.iter().all(|(serial, _)| *serial == answers[0].0), "{answers:?}");
    let nsids: Vec<&str> = answers.iter().map(|(_, n)| n.as_str()).collect();
    assert_eq!(nsids, ["ns-a", "ns-b", "ns-c"]);

    let (_unbound, resolver) = unbound(&scratch, nsd_at, &listen);
    let pg_down = AtomicBool::new(false);
    let done = AtomicBool::new(false);
    let looks: Mutex<Vec<Look>> = Mutex::new(Vec::new());
    let started = now();
    // What the orchestration saw, for the checks after the load.
    let mut killed_at = 0;
    let mut restarted_at = 0;
    let mut down = (0, 0);
    let mut failover_ms = 0;
    let dropped = std::thread::scope(|s| {
        // The watcher stops with the orchestration, a failed assertion in it too.
        let _stop = SetOnDrop(&done);
        let driver = s.spawn(|| {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            let clients: Vec<Client> = (0..CLIENTS).map(|k| Client::new(k, resolver)).collect();
            // A SERVFAIL is a failed lookup: `resolve` panics on it, and the test with it.
            drive(&clients, &runtime, &[("news.cdn.example.net", 64)], LOAD)
        });
        s.spawn(|| {
            while !done.load(Ordering::Relaxed) {
                if !pg_down.load(Ordering::Relaxed)
                    && let Ok(l) = look(&url, &config)
                {
                    looks.lock().unwrap().push(l);
                }
                std::thread::sleep(Duration::from_millis(1000));
            }
        });
        std::thread::sleep(Duration::from_secs(5));
        sell(&scratch, &config);

        // 2. SIGKILL the leader 90 s in.
        std::thread::sleep(Duration::from_secs((started + 90 - now()).max(0) as u64));
        assert_eq!(lease(&url).unwrap(), ("ns-a".into(), 1), "ns-a led from the start");
        killed_at = now();
        servers[0].signal(libc::SIGKILL);
        servers[0].wait_exit();
        eventually(10, "another node leads after ns-a is killed", || lease(&url).is_ok_and(|l| l.1 == 2));
        let (second, _) = lease(&url).unwrap();
        failover_ms = ledger::<i64>(
            &url,
            "SELECT (SELECT since FROM control_lease) - heartbeat_at FROM dns_nodes WHERE node = 'ns-a'",
        )
        .unwrap();
        println!("{second} leads (epoch 2) {failover_ms} ms after ns-a's last heartbeat");
        std::thread::sleep(Duration::from_secs(10));
        restarted_at = now();
        servers[0] = node(&scratch, &config, "ns-a", listen[0]);
        std::thread::sleep(Duration::from_secs(3));
        assert!(!servers[0].log().contains("leading the control"), "{}", servers[0].log());
        assert_eq!(
            ledger::<i64>(&url, "SELECT COUNT(*) FROM dns_nodes WHERE node = 'ns-a' AND leading_epoch IS NULL"),
            Ok(1)
        );

        // 4. SIGSTOP the leader past its lease; woken, it writes nothing under epoch 2.
        std::thread::sleep(Duration::from_secs((killed_at + 30 - now()).max(0) as u64));
        let paused = NODES.iter().position(|(n, _)| *n == second).unwrap();
        servers[paused].signal(libc::SIGSTOP);
        eventually(10, "another node leads after the leader is paused", || lease(&url).is_ok_and(|l| l.1 == 3));
        std::thread::sleep(Duration::from_secs(1));
        servers[paused].signal(libc::SIGCONT);
        servers[paused].wait_for_log("no longer leading");
        std::thread::sleep(Duration::from_millis(2500));
        let (third, epoch) = lease(&url).unwrap();
        println!("{third} leads (epoch {epoch}) after {second} was paused");
        assert_eq!(epoch, 3);
        assert_eq!(ledger::<i64>(&url, "SELECT COUNT(*) FROM control_states WHERE epoch <> 3"), Ok(0));
        assert!(ledger::<i64>(&url, "SELECT COUNT(*) FROM control_states").unwrap() > 0);

        // One ECS subnet, the same side of news's split from every node.
        eventually(5, "every node sends each subnet to the same side", || {
            let sides: Vec<Vec<bool>> = servers.iter().map(news_side).collect();
            sides.iter().all(|s| *s == sides[0])
        });
        let side = news_side(&servers[0]);
        assert!(side.contains(&true) && side.contains(&false), "news split, not all or nothing: {side:?}");

        // 3. PostgreSQL stopped for 60 s.
        pg_down.store(true, Ordering::Relaxed);
        down.0 = now();
        cluster.stop();
        std::thread::sleep(Duration::from_secs(60));
        cluster.start();
        down.1 = now();
        pg_down.store(false, Ordering::Relaxed);
        for server in &servers {
            eventually(30, "each node writes the samples it held", || {
                server.log().contains("while it was unreachable")
            });
            // No lease could run: each stepped the law itself, then took the leader's again.
            let log = server.log();
            assert!(log.contains("the ledger is away and no lease runs: stepping the controllers"), "{log}");
        }
        driver.join().unwrap()
    });
    let end = now();
    for server in &mut servers {
        server.signal(libc::SIGTERM);
        assert_eq!(server.wait_exit(), Some(0), "{}", server.log());
    }
    for (server, (name, _)) in servers.iter().zip(NODES) {
        println!("{name}: {}", apply_lag(&server.log()).unwrap_or_else(|| "no apply-lag line".into()));
    }
    let timeline: Vec<String> =
        (started..end).step_by(5).map(|t| format!("{:.0}", share(&a, &b, t, t + 5) * 100.0)).collect();
    println!("news on the proxies, % of bought per 5 s from {started}: {}", timeline.join(" "));
    println!("requests dropped by a stalled load, in seconds {dropped:?}");
    assert!(
        down.1 <= started + i64::from(LOAD) - 10,
        "the load ended {} s after PostgreSQL came back",
        started + i64::from(LOAD) - down.1
    );

    // 1. One leader at any time, on every look; epochs never reused.
    let looks = looks.into_inner().unwrap();
    println!("{} looks at the leader; lease epochs seen: {:?}", looks.len(), {
        let mut e: Vec<(i64, String)> = looks.iter().map(|l| (l.lease.1, l.lease.0.clone())).collect();
        e.dedup();
        e
    });
    assert!(looks.len() as i64 >= (down.0 - started) / 2, "a look every interval or so: {}", looks.len());
    for l in &looks {
        assert!(l.leading_heard <= 1 && l.status_leaders <= 1, "two leaders: {l:?}");
    }
    assert!(looks.windows(2).all(|w| w[0].lease.1 <= w[1].lease.1), "epochs only grow");
    assert!(
        looks.windows(2).all(|w| w[0].lease.1 != w[1].lease.1 || w[0].lease.0 == w[1].lease.0),
        "one holder per epoch"
    );
    let steady: Vec<&Look> = looks.iter().filter(|l| l.at > started + 10 && l.at < killed_at).collect();
    assert!(
        steady
            .iter()
            .all(|l| l.leading_heard == 1 && l.status_leaders == 1 && l.status_leader.as_deref() == Some("ns-a")),
        "exactly one leader, ns-a, before the kill: {steady:?}"
    );
    let steady = share(&a, &b, started + 50, killed_at);
    println!("steady: news {:.1}% of bought", steady * 100.0);
    assert!((0.90..=1.05).contains(&steady), "news {:.1}% of bought before the kill", steady * 100.0);

    // 2. Failover within 3 intervals, no step in news's traffic, ns-a back as a follower.
    assert!(failover_ms <= 3_000, "a new leader {failover_ms} ms after ns-a's last heartbeat");
    let through: Vec<f64> = (0..4).map(|i| share(&a, &b, killed_at - 10 + i * 10, killed_at + i * 10)).collect();
    println!(
        "through the failover, % per 10 s: {:?}",
        through.iter().map(|s| (s * 1000.0).round() / 10.0).collect::<Vec<_>>()
    );
    let series = failover_series(&url, &a, &b, killed_at);
    println!("news per second around the kill at {killed_at}:\n{series}");
    assert!(through.iter().all(|s| (0.80..=1.10).contains(s)), "{through:?}\n{series}");
    assert!(restarted_at > killed_at);

    // 3. The database's 60 s away: news held (the clients saw no SERVFAIL, or `drive` would
    // have failed), every sample written after, and the report equal to the proxies' logs.
    let outage = share(&a, &b, down.0, down.1);
    println!("PostgreSQL down {} s: news {:.1}% of bought", down.1 - down.0, outage * 100.0);
    assert!((0.90..=1.05).contains(&outage), "news {:.1}% while PostgreSQL was down", outage * 100.0);
    let (from, to) = (down.0 - 5, down.1 + 10);
    // Every second of every node and buyer is covered by exactly one sample: a boundary read
    // late under load (this 2-core machine runs the proxies, the load and three servers) is one
    // sample covering the seconds since the last one, so the count alone may be short while
    // the coverage, which is what `report usage` sums, is whole.
    let samples: i64 =
        ledger(&url, &format!("SELECT COUNT(*) FROM usage_samples WHERE start >= {from} AND start < {to}")).unwrap();
    let covered: i64 = ledger(
        &url,
        &format!(
            "SELECT COALESCE(SUM(LEAST(start + seconds, {to}) - GREATEST(start, {from})), 0)::BIGINT \
             FROM usage_samples WHERE start < {to} AND start + seconds > {from}"
        ),
    )
    .unwrap();
    println!(
        "usage samples in [{from}, {to}): {samples} covering {covered} node-buyer-seconds, want {}",
        (to - from) * 3 * BUYERS
    );
    assert_eq!(covered, (to - from) * 3 * BUYERS, "every second of every node and buyer in one sample");
    let report = crate::test::Test::new()
        .config(&config)
        .args(["--db", &url, "report", "usage", "--buyer", "news", "--format", "json"])
        .run()
        .json();
    let reported: i64 = report.as_array().unwrap().iter().filter_map(|l| l["served_requests"].as_i64()).sum();
    let logged = (logged_between(&a, "news.cdn.example.net", 0, i64::MAX)
        + logged_between(&b, "news.cdn.example.net", 0, i64::MAX)) as i64;
    println!("report usage: news served {reported}; the proxies logged {logged}");
    assert!(
        (reported - logged).abs() as f64 <= logged as f64 * 0.01,
        "report {reported} vs logs {logged}:\n{report:#}"
    );
}
