//! The whole path for real, on loopback: a load client resolves the buyer's name through an
//! Unbound resolver, which asks the buyer's own DNS (NSD), whose CNAME leads to `surplus dns
//! serve`; the client then sends HTTP to whatever address it got. Two nginx proxies (in front
//! of an nginx origin) log every request with its Host, and the server's monitor follows those
//! logs. Clients come from 64 source /24s, which Unbound passes on as EDNS Client Subnet, so
//! the server's split by subnet sees them apart, and Unbound caches each answer for its TTL.

use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use hickory_proto::op::{Message, MessageType, OpCode, Query};
use hickory_proto::rr::{Name, RData, RecordType};
use hickory_resolver::TokioResolver;
use hickory_resolver::config::{ConnectionConfig, NameServerConfig, ResolverConfig};
use hickory_resolver::net::runtime::TokioRuntimeProvider;

use crate::dns::Server;
use crate::nginx::Nginx;
use crate::test::{Scratch, root, system_tool};

pub(crate) const ORIGIN: &str = "127.0.0.33";
pub(crate) const PROXY_A: &str = "127.0.0.31";
pub(crate) const PROXY_B: &str = "127.0.0.32";
const NSD_IP: &str = "127.0.0.41";
const UNBOUND_IP: &str = "127.0.0.42";
/// Where `dns serve` also listens, on port 53, so the buyer's zone can delegate to it.
pub(crate) const SURPLUS_IP: &str = "127.0.0.43";
/// Load clients: 127.1.K.10 for K in 0..CLIENTS, one /24 each.
pub(crate) const CLIENTS: u8 = 64;

pub(crate) fn free_udp_port(ip: &str) -> u16 {
    UdpSocket::bind((ip, 0)).unwrap().local_addr().unwrap().port()
}

/// One UDP query to `server`; `None` on a timeout.
fn ask(server: SocketAddr, name: &str) -> Option<Message> {
    let mut m = Message::new(9, MessageType::Query, OpCode::Query);
    m.add_query(Query::query(Name::from_ascii(name).unwrap(), RecordType::A));
    m.metadata.recursion_desired = true;
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    socket.set_read_timeout(Some(Duration::from_millis(500))).unwrap();
    socket.send_to(&m.to_vec().unwrap(), server).unwrap();
    let mut buf = [0u8; 4096];
    let n = socket.recv(&mut buf).ok()?;
    Message::from_vec(&buf[..n]).ok()
}

fn wait_answering(server: SocketAddr, name: &str, what: &str, log: &Path) {
    let started = Instant::now();
    while ask(server, name).is_none() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{what} did not answer on {server}:\n{}",
            std::fs::read_to_string(log).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A process that is stopped when dropped: SIGTERM, so it cleans up after itself, and
/// SIGKILL if it has not exited within 5 s.
pub(crate) struct Daemon(pub(crate) Child);

impl Drop for Daemon {
    fn drop(&mut self) {
        // SAFETY: kill(2) on our own child's pid.
        unsafe { libc::kill(self.0.id() as i32, libc::SIGTERM) };
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(5) {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// NSD, authoritative for the buyer's zone shop.example: `www` is delegated to our name
/// server (ns1.cdn.example.net, which only we can tell the address of), and `origin` is the
/// buyer's own server, where handed-back lookups end. Everything NSD writes stays in the
/// scratch directory: `xfrdir` too, which is `/tmp` by default, where NSD makes a
/// `nsd-xfr-PID` directory that only a clean exit removes.
pub(crate) fn nsd(scratch: &Scratch) -> (Daemon, SocketAddr) {
    let dir = scratch.dir.path().join("nsd");
    std::fs::create_dir_all(&dir).unwrap();
    let port = free_udp_port(NSD_IP);
    std::fs::write(
        dir.join("shop.example.zone"),
        format!(
            "$ORIGIN shop.example.\n$TTL 30\n@ SOA ns hostmaster 1 3600 600 86400 30\n@ NS ns\nns A {NSD_IP}\n\
             www NS ns1.cdn.example.net.\norigin A {ORIGIN}\n"
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("news.example.zone"),
        format!(
            "$ORIGIN news.example.\n$TTL 30\n@ SOA ns hostmaster 1 3600 600 86400 30\n@ NS ns\nns A {NSD_IP}\n\
             www NS ns1.cdn.example.net.\n"
        ),
    )
    .unwrap();
    let d = dir.display();
    std::fs::write(
        dir.join("nsd.conf"),
        format!(
            "server:\n  ip-address: {NSD_IP}@{port}\n  do-ip6: no\n  username: \"\"\n  chroot: \"\"\n  zonesdir: \"{d}\"\n  \
             pidfile: \"{d}/nsd.pid\"\n  database: \"\"\n  xfrdfile: \"{d}/xfrd.state\"\n  xfrdir: \"{d}\"\n  zonelistfile: \"{d}/zone.list\"\n  \
             logfile: \"{d}/nsd.log\"\n  server-count: 1\n  verbosity: 1\nremote-control:\n  control-enable: no\n\
             zone:\n  name: \"shop.example\"\n  zonefile: \"shop.example.zone\"\n\
             zone:\n  name: \"news.example\"\n  zonefile: \"news.example.zone\"\n"
        ),
    )
    .unwrap();
    let addr: SocketAddr = format!("{NSD_IP}:{port}").parse().unwrap();
    (launch("nsd", &dir, addr), addr)
}

/// Starts `program` in the foreground on `dir/PROGRAM.conf` and waits until it answers at `addr`.
fn launch(program: &str, dir: &Path, addr: SocketAddr) -> Daemon {
    let child = Command::new(program)
        .args(["-d", "-c", dir.join(format!("{program}.conf")).to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.join("stderr.log")).unwrap())
        .spawn()
        .unwrap();
    let daemon = Daemon(child);
    wait_answering(addr, "origin.shop.example.", program, &dir.join(format!("{program}.log")));
    daemon
}

/// Unbound, the clients' resolver: shop.example is asked of NSD, cdn.example.net of our
/// servers (every one of `surplus`, which Unbound picks among by RTT), which get the clients' /24 as EDNS Client Subnet (Unbound's subnetcache module).
pub(crate) fn unbound(scratch: &Scratch, nsd: SocketAddr, surplus: &[SocketAddr]) -> (Daemon, SocketAddr) {
    let dir = scratch.dir.path().join("unbound");
    std::fs::create_dir_all(&dir).unwrap();
    let port = free_udp_port(UNBOUND_IP);
    let d = dir.display();
    std::fs::write(
        dir.join("unbound.conf"),
        format!(
            "server:\n  interface: {UNBOUND_IP}\n  port: {port}\n  do-daemonize: no\n  username: \"\"\n  chroot: \"\"\n  \
             directory: \"{d}\"\n  pidfile: \"{d}/unbound.pid\"\n  logfile: \"{d}/unbound.log\"\n  use-syslog: no\n  \
             verbosity: 3\n  do-ip6: no\n  access-control: 127.0.0.0/8 allow\n  do-not-query-localhost: no\n  \
             module-config: \"subnetcache iterator\"\n{send}  max-client-subnet-ipv4: 24\n  \
             qname-minimisation: no\n  prefetch: no\n  num-threads: 1\n\
             stub-zone:\n  name: \"shop.example\"\n  stub-addr: {nsd}\n\
             stub-zone:\n  name: \"news.example\"\n  stub-addr: {nsd}\n\
             stub-zone:\n  name: \"cdn.example.net\"\n{stubs}",
            send = surplus.iter().map(|s| format!("  send-client-subnet: {}\n", s.ip())).collect::<String>(),
            nsd = format!("{}@{}", nsd.ip(), nsd.port()),
            stubs = surplus.iter().map(|s| format!("  stub-addr: {}@{}\n", s.ip(), s.port())).collect::<String>(),
        ),
    )
    .unwrap();
    let addr: SocketAddr = format!("{UNBOUND_IP}:{port}").parse().unwrap();
    (launch("unbound", &dir, addr), addr)
}

/// The surplus configuration: two proxies with health checks every second, following their
/// nginx logs; shop handed back to its own DNS, news and api to servers. `www.shop.example` is
/// delegated to us, a zone apex, which cannot be a CNAME (RFC 1034 §3.6.2): its handback
/// answers origin.shop.example's addresses, learned from the buyer's DNS (`nsd`).
fn config(scratch: &Scratch, a: &Nginx, b: &Nginx, nsd: SocketAddr) -> PathBuf {
    config_with_monitor(scratch, a, b, nsd, "")
}

/// [`config`] with `monitor` (YAML of the `monitor:` section, or nothing) added.
pub(crate) fn config_with_monitor(scratch: &Scratch, a: &Nginx, b: &Nginx, nsd: SocketAddr, monitor: &str) -> PathBuf {
    let history = root().join("examples/logs/edge-1/access.log*");
    let proxy = |name: &str, n: &Nginx| {
        format!(
            "  - name: {name}\n    addresses: [{}]\n    capacity_rps: 100\n    log: {{path: '{}', format: vhost_combined, follow: '{}'}}\n    health: {{tcp: 80, interval: 1s}}",
            n.addr.ip(),
            history.display(),
            n.log().display()
        )
    };
    let text = [
        "network:",
        "  zone: cdn.example.net",
        &format!("  nameservers: [{{name: ns1.cdn.example.net, addresses: [{SURPLUS_IP}]}}]"),
        "  ttl: 5s",
        "proxies:",
        &proxy("edge-a", a),
        &proxy("edge-b", b),
        "buyers:",
        "  - {name: shop, hosts: [www.shop.example, shop.cdn.example.net], fallback: {handback: origin.shop.example}, estimate: 0.5}",
        &format!("  - {{name: news, hosts: [www.news.example], fallback: {{servers: [{{address: {ORIGIN}}}]}}, estimate: 0.5}}"),
        &format!("  - {{name: api, hosts: [api.cdn.example.net], fallback: {{servers: [{{address: {ORIGIN}}}]}}, estimate: 0.5}}"),
        "control: {interval: 1s}",
        &format!("dns: {{resolvers: [{nsd}]}}"),
        monitor,
        "",
    ]
    .join("\n");
    scratch.file("surplus.yaml", &text)
}

/// A web client at `source`, resolving through `resolver` with its own cache (so it honours
/// the TTL), then sending HTTP to the address it got.
#[derive(Clone)]
pub(crate) struct Client {
    source: Ipv4Addr,
    resolver: TokioResolver,
}

impl Client {
    pub(crate) fn new(k: u8, resolver: SocketAddr) -> Client {
        let source = Ipv4Addr::new(127, 1, k, 10);
        let mut udp = ConnectionConfig::udp();
        udp.port = resolver.port();
        udp.bind_addr = Some(SocketAddr::new(IpAddr::V4(source), 0));
        let config = ResolverConfig::from_name_servers(vec![NameServerConfig::new(resolver.ip(), true, vec![udp])]);
        let mut builder = TokioResolver::builder_with_config(config, TokioRuntimeProvider::default());
        builder.options_mut().timeout = Duration::from_secs(2);
        Client { source, resolver: builder.build().unwrap() }
    }

    /// The addresses `host` resolves to now, in the order given.
    pub(crate) fn resolve(&self, runtime: &tokio::runtime::Runtime, host: &str) -> Vec<Ipv4Addr> {
        runtime.block_on(self.lookup(host))
    }

    /// [`Client::resolve`], awaited.
    async fn lookup(&self, host: &str) -> Vec<Ipv4Addr> {
        let lookup = self.resolver.lookup(format!("{host}."), RecordType::A).await.unwrap();
        let addresses: Vec<Ipv4Addr> = lookup
            .answers()
            .iter()
            .filter_map(|r| match &r.data {
                RData::A(a) => Some(a.0),
                _ => None,
            })
            .collect();
        assert!(!addresses.is_empty(), "{host}: no address in {lookup:?}");
        addresses
    }

    /// One HTTP request for `host`, from this client's address, to the first of `addresses`
    /// that takes it, as a browser does.
    pub(crate) fn get(&self, addresses: &[Ipv4Addr], host: &str) {
        use std::io::{Read, Write};
        for address in addresses {
            let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
            socket.bind(&SocketAddr::new(IpAddr::V4(self.source), 0).into()).unwrap();
            let to = SocketAddr::new(IpAddr::V4(*address), 80);
            if socket.connect_timeout(&to.into(), Duration::from_secs(2)).is_err() {
                continue;
            }
            let mut stream: TcpStream = socket.into();
            stream.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
            stream
                .write_all(format!("GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").as_bytes())
                .unwrap();
            let mut reply = String::new();
            let _ = stream.read_to_string(&mut reply);
            assert!(reply.starts_with("HTTP/1.1 200"), "{address} for {host}: {reply}");
            return;
        }
        panic!("no address of {host} took the request: {addresses:?}");
    }
}

/// Sends each `(host, rps)` for `seconds`, spread evenly over the clients and over time:
/// request `n` of a host is due `n / rps` s in, from client `n % CLIENTS`. So every second
/// holds one request per client at a host asking 64 rps, and a reading of the proxies over
/// any second counts the clients DNS sent there. (Sending a tenth of each second's requests
/// every 100 ms instead put 3 of news's ~30 proxied requests in each burst, and a monitor
/// read that fell inside a burst one second and after it the next read ±3 rps, 10% of the
/// purchase, noise of the driver's making that the law answered with cuts.)
///
/// Each request is its own task (the lookup awaited, the HTTP request on a blocking thread),
/// so the clients are independent, as real ones are: a lookup that waits on a name server that
/// just died holds up that request only. (One loop resolving and sending in turn stalled
/// every client behind such a lookup; the cluster test's failover windows read the requests
/// it then dropped as 71–78% of the purchase.)
///
/// A request more than [`GIVE_UP`] late is not sent: when the machine freezes (a run on a
/// busy 2-core machine saw nothing logged for 5 s), clients do not come back with every
/// request they did not make, and sending them all at once read as 240 rps on 32 bought.
/// Returns the unix seconds in which requests were dropped. A request that fails (a
/// SERVFAIL, a proxy that refused it) fails the test, as before.
pub(crate) fn drive(
    clients: &[Client],
    runtime: &tokio::runtime::Runtime,
    demand: &[(&str, u32)],
    seconds: u32,
) -> Vec<i64> {
    let started = Instant::now();
    let mut due: Vec<(Duration, usize)> = demand
        .iter()
        .enumerate()
        .flat_map(|(i, (_, rps))| {
            (0..seconds * rps).map(move |n| (Duration::from_secs_f64(f64::from(n) / f64::from(*rps)), i))
        })
        .collect();
    due.sort();
    let mut next = vec![0usize; demand.len()];
    let mut dropped = Vec::new();
    runtime.block_on(async {
        let mut requests = tokio::task::JoinSet::new();
        for (at, i) in due {
            let at = started + at;
            tokio::time::sleep_until(at.into()).await;
            while let Some(done) = requests.try_join_next() {
                finished(done);
            }
            let client = clients[next[i] % clients.len()].clone();
            next[i] += 1;
            if at.elapsed() > GIVE_UP {
                if dropped.last() != Some(&now()) {
                    dropped.push(now());
                }
                continue;
            }
            let host = demand[i].0.to_string();
            requests.spawn(async move {
                let addresses = client.lookup(&host).await;
                tokio::task::spawn_blocking(move || client.get(&addresses, &host)).await
            });
        }
        while let Some(done) = requests.join_next().await {
            finished(done);
        }
    });
    std::thread::sleep((started + Duration::from_secs(seconds.into())).saturating_duration_since(Instant::now()));
    dropped
}

/// A request's end: a panic in its lookup or its HTTP request is the test's.
fn finished(done: Result<Result<(), tokio::task::JoinError>, tokio::task::JoinError>) {
    match done.and_then(|sent| sent) {
        Ok(()) => {}
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(e) => panic!("a request was cancelled: {e}"),
    }
}

/// How late a request may be and still be sent (see [`drive`]).
const GIVE_UP: Duration = Duration::from_secs(1);

pub(crate) fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64
}

/// Requests for `host` that `nginx` logged in `[from, to)` (unix seconds).
pub(crate) fn logged_between(nginx: &Nginx, host: &str, from: i64, to: i64) -> usize {
    let text = std::fs::read_to_string(nginx.log()).unwrap_or_default();
    text.lines()
        .filter(|l| l.starts_with(&format!("{host}:")))
        .filter_map(|l| {
            let stamp = l.split('[').nth(1)?.split(']').next()?;
            let t = jiff::fmt::strtime::parse("%d/%b/%Y:%H:%M:%S %z", stamp).ok()?.to_timestamp().ok()?;
            Some(t.as_second())
        })
        .filter(|t| (from..to).contains(t))
        .count()
}

/// Sells news 32 rps and shop 20 for this hour and the next.
pub(crate) fn sell(scratch: &Scratch, config: &Path) {
    let now = now();
    let window = format!("{}/2h", jiff::Timestamp::from_second(now - now % 3600).unwrap().strftime("%Y-%m-%dT%H:%MZ"));
    let surplus =
        |args: &[&str]| crate::test::Test::new().config(config).args(["--db", &scratch.db()]).args(args).run();
    surplus(&["capacity", "measure", "--for", &window, "--save"]);
    surplus(&["market", "auction", "create", "--window", &window, "--rps", "52"]);
    let bids = scratch.file("bids.csv", "buyer,rps,price,min_rps\nshop,20,1,0\nnews,32,1,0\n");
    surplus(&["market", "auction", "bid", "1", "--file", bids.to_str().unwrap()]);
    surplus(&["market", "auction", "run", "1"]);
}

/// Requests for `host` both proxies logged in `[from, to)`, per second.
pub(crate) fn proxied_rps(proxies: &[&Nginx], host: &str, from: i64, to: i64) -> f64 {
    proxies.iter().map(|p| logged_between(p, host, from, to)).sum::<usize>() as f64 / (to - from) as f64
}

#[test]
fn buyers_get_what_they_bought_through_a_real_resolver_and_real_proxies() {
    if !(system_tool("nginx", "nginx-light") && system_tool("nsd", "nsd") && system_tool("unbound", "unbound")) {
        return;
    }
    let scratch = Scratch::empty();
    let origin = SocketAddr::new(ORIGIN.parse().unwrap(), 80);
    let _origin = Nginx::launch(&scratch, "origin", ORIGIN, 80, "vhost_combined", None);
    let a = Nginx::launch(&scratch, "edge-a", PROXY_A, 80, "vhost_combined", Some(origin));
    let b = Nginx::launch(&scratch, "edge-b", PROXY_B, 80, "vhost_combined", Some(origin));
    let (nsd_daemon, nsd) = nsd(&scratch);
    let nsd_pid = nsd_daemon.0.id();
    let config = config(&scratch, &a, &b, nsd);
    let server = Server::start_with(&scratch, &config, &["--listen", &format!("{SURPLUS_IP}:53"), "-v"]);
    server.wait_for_log("control: closed loop, monitoring every proxy");
    // The delegated www.shop.example hands back with the origin's address, learned from NSD.
    server.wait_for_log(&format!("buyer shop: origin.shop.example is [{ORIGIN}]"));
    let (_unbound, resolver) = unbound(&scratch, nsd, &[format!("{SURPLUS_IP}:53").parse().unwrap()]);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let clients: Vec<Client> = (0..CLIENTS).map(|k| Client::new(k, resolver)).collect();
    let origin_ip: Ipv4Addr = ORIGIN.parse().unwrap();

    // No sale yet: every name leads to the origin, through both fallbacks: shop's lookups are
    // handed back to its own DNS (NSD's `origin`), news and api get their servers.
    for host in ["www.shop.example", "www.news.example", "api.cdn.example.net"] {
        assert!(clients.iter().all(|c| c.resolve(&runtime, host) == [origin_ip]), "{host}");
    }

    // news asks twice what it bought, shop half, and api (no sale) some. The load runs before
    // the sale, as a buyer's traffic does; 5 s in, the sale opens. The proxies' own logs over
    // the last 30 s of 130 say what each got, settled: the sale opens into traffic whose
    // caches all expire together, and the law needs the first minute or so to find its level
    // (a run before control.rs dropped costly ceilings sat at 84–91% for that minute, and once
    // at 89.5% over the measured 30 s; until ceilings were kept from being lowered by readings
    // of the same answers, one set in that opening held news at 29 rps for a minute).
    // news's 64 rps is one request a second from each client, so what reaches the proxies
    // in a second is how many clients DNS sent there, not which clients that second happened
    // to pick (which, at 1 s readings of tens of requests, is noise the law answers).
    let demand = [("www.news.example", 64), ("www.shop.example", 10), ("api.cdn.example.net", 10)];
    let started = now();
    let mut dropped = std::thread::scope(|s| {
        s.spawn(|| {
            std::thread::sleep(Duration::from_secs(5));
            sell(&scratch, &config);
        });
        drive(&clients, &runtime, &demand, 130)
    });
    // The last 30 s are measured, unless the load stalled in them or in the 30 s before (the
    // law is then answering the gap, and its caches' return): then 60 s more, twice at most.
    let mut to = started + 130;
    for _ in 0..2 {
        if !dropped.iter().any(|t| *t >= to - 60) {
            break;
        }
        println!("the load stalled (requests dropped in seconds {dropped:?}): 60 s more");
        let more = now();
        dropped.extend(drive(&clients, &runtime, &demand, 60));
        to = more + 60;
    }
    let from = to - 30;
    assert!(
        !dropped.iter().any(|t| *t >= from - 30),
        "the load stalled in every window measured (requests dropped in seconds {dropped:?}): the machine, not the law"
    );
    let (samples, readings) = news_so_far(&scratch, &[&a, &b], started, from, to);
    if let Ok(keep) = std::env::var("E2E_KEEP") {
        // For a look at a run: the server's log (with `-v`, every interval's reading and f),
        // the proxies' logs and the ledger's usage samples.
        let keep = Path::new(&keep);
        std::fs::create_dir_all(keep).unwrap();
        std::fs::write(keep.join("serve.log"), server.log()).unwrap();
        std::fs::copy(a.log(), keep.join("edge-a.log")).unwrap();
        std::fs::copy(b.log(), keep.join("edge-b.log")).unwrap();
        std::fs::write(keep.join("window"), format!("{started} {from} {to}\n")).unwrap();
        let copy = keep.join("ledger.db");
        let _ = std::fs::remove_file(&copy);
        rusqlite::Connection::open(scratch.db()).unwrap().execute("VACUUM INTO ?1", [copy.to_str().unwrap()]).unwrap();
    }
    let news = proxied_rps(&[&a, &b], "www.news.example", from, to);
    let shop = proxied_rps(&[&a, &b], "www.shop.example", from, to);
    let api = proxied_rps(&[&a, &b], "api.cdn.example.net", started, to);
    println!(
        "settled: news {news:.2} rps on the proxies, {:.1}% of the 32 bought (asked 64), shop {shop:.2} (asked 10), api {api}",
        news / 32.0 * 100.0
    );
    // The controller's readings are what the proxies logged: a figure off here is the
    // monitor's, not the law's. The samples run from interval boundary to boundary as the
    // watcher read them, the proxies' stamps by the second: at 32 rps a read 100 ms late
    // moves 3 requests across each end of the window.
    let read: u64 = samples.iter().map(|(_, n, _)| n).sum();
    let logged = (news * (to - from) as f64).round() as u64;
    assert!(
        samples.len() == (to - from) as usize && read.abs_diff(logged) <= 6,
        "the monitor read {read} requests of news in {} samples, the proxies logged {logged}",
        samples.len()
    );
    // Each client is one rps of news, so the law can give news a whole number of clients:
    // 30 (93.75% of 32) is the most within its target of 30.4 (the 5% headroom), 31 is what
    // it tries and cuts back from. Measured over 30 s of a client's one request a second, the
    // figure is that count to within a request or two at the ends (±0.07 rps). So 90% (28.8)
    // passes a law that holds one client less than its target (29, 90.6%, within the
    // headroom of the target, where the law keeps a ceiling) and fails two less (28, 87.5%).
    assert!(
        (28.8..=33.6).contains(&news),
        "news: {news:.2} rps, not within [90%, 105%] of 32; the controller read {readings:?}:\n{}",
        control_log(&server, "news")
    );
    assert!(shop >= 9.5, "shop asked 10 rps, below its purchase; the proxies served {shop:.2}");
    assert_eq!(api, 0.0, "api has no sale: nothing of it on the proxies");

    // Fault: edge-b stops. Within a health interval (1 s) no answer points to it, and news
    // stays capped on edge-a alone.
    drop(b);
    std::thread::sleep(Duration::from_millis(1500));
    let b_ip: Ipv4Addr = PROXY_B.parse().unwrap();
    for k in 0..CLIENTS {
        let m = server.query_from("www.news.example.", Ipv4Addr::new(127, 1, k, 0));
        assert!(!m.answers.iter().any(|r| matches!(&r.data, RData::A(x) if x.0 == b_ip)), "{m:?}");
    }
    let started = now();
    let _ = drive(&clients, &runtime, &demand[..1], 20);
    let news = proxied_rps(&[&a], "www.news.example", started + 10, started + 20);
    println!("edge-b down: news {news:.2} rps on edge-a");
    assert!(news <= 33.6, "news {news:.2} rps on edge-a alone, above 105% of 32");

    // Fault: edge-a's log is deleted under the monitor. The source goes stale, f is held, then
    // walks down; the server keeps answering.
    let metrics = server.metrics.trim_start_matches("http://").trim_end_matches("/metrics").to_string();
    let status = || {
        crate::test::Test::new()
            .config(&config)
            .args(["dns", "status", "--metrics", &metrics, "--format", "json"])
            .run()
            .json()
    };
    let f_news = |s: &serde_json::Value| {
        s["buyers"].as_array().unwrap().iter().find(|b| b["buyer"] == "news").unwrap()["f"].as_f64().unwrap()
    };
    let before = f_news(&status());
    std::fs::remove_file(a.log()).unwrap();
    let _ = drive(&clients, &runtime, &demand[..1], 12);
    let after = status();
    let news_status = after["buyers"].as_array().unwrap().iter().find(|b| b["buyer"] == "news").unwrap().clone();
    assert_ne!(news_status["monitor"], "ok", "{after:#}");
    assert!(f_news(&after) < before, "f walks down without a monitor: {before} → {}", f_news(&after));
    assert!(!server.query("www.news.example.", RecordType::A).answers.is_empty(), "still answering");

    // NSD leaves nothing in /tmp (runs before `xfrdir` was set left a /tmp/nsd-xfr-PID each).
    drop(nsd_daemon);
    let xfr = PathBuf::from(format!("/tmp/nsd-xfr-{nsd_pid}"));
    assert!(!xfr.exists(), "NSD left {}", xfr.display());
}

/// Prints news's rate on the proxies every 5 s from `started` to `to`, and what the monitor
/// read each second of `[from, to)` with the f then set; returns those samples, and the
/// readings as `requests@f`.
pub(crate) fn news_so_far(
    scratch: &Scratch,
    proxies: &[&Nginx],
    started: i64,
    from: i64,
    to: i64,
) -> (Vec<(i64, u64, f64)>, Vec<String>) {
    let timeline: Vec<String> = (started..to)
        .step_by(5)
        .map(|t| format!("{:.1}", proxied_rps(proxies, "www.news.example", t, t + 5)))
        .collect();
    println!("news on the proxies, rps per 5 s: {}", timeline.join(" "));
    let samples = usage_samples(scratch, "news", from, to);
    let readings: Vec<String> = samples.iter().map(|(_, n, f)| format!("{n}@{f:.3}")).collect();
    println!("news read by the monitor, requests@f per second from {from}: {}", readings.join(" "));
    (samples, readings)
}

/// `(start, served requests, fraction)` of `buyer`'s usage samples starting in `[from, to)`.
pub(crate) fn usage_samples(scratch: &Scratch, buyer: &str, from: i64, to: i64) -> Vec<(i64, u64, f64)> {
    let ledger = rusqlite::Connection::open(scratch.db()).unwrap();
    ledger.busy_timeout(Duration::from_secs(5)).unwrap();
    let mut select = ledger
        .prepare(
            "SELECT start, coalesce(served_requests, 0), fraction FROM usage_samples
             WHERE buyer = ?1 AND start >= ?2 AND start < ?3 ORDER BY start",
        )
        .unwrap();
    select
        .query_map(rusqlite::params![buyer, from, to], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as u64, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// The server's log without other buyers' per-interval control lines.
pub(crate) fn control_log(server: &Server, buyer: &str) -> String {
    server
        .log()
        .lines()
        .filter(|l| !l.contains(" control ") || l.contains(&format!(" control {buyer}:")))
        .collect::<Vec<_>>()
        .join("\n")
}
