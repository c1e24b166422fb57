//! `surplus dns serve` as a real process on real sockets: started on port 0, queried over UDP
//! and TCP with hickory-proto messages, and a sale made while it runs takes effect.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpStream, UdpSocket};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use hickory_proto::op::{Edns, Message, MessageType, OpCode, Query};
use hickory_proto::rr::rdata::opt::{ClientSubnet, EdnsOption};
use hickory_proto::rr::{Name, RData, RecordType};
use surplus::core::client_hash::Subnet;
use surplus::core::client_split;

use crate::test::{Scratch, example_config};

/// A running server, killed when dropped.
pub struct Server {
    child: Child,
    pub addr: SocketAddr,
    pub metrics: String,
    /// Where its stderr (the log) goes.
    log: std::path::PathBuf,
}

impl Server {
    /// `dns serve` on the example config, on port 0.
    pub fn start(scratch: &Scratch) -> Server {
        Server::start_with(scratch, &example_config(), &[])
    }

    /// `dns serve` on `config` with `extra` arguments, on port 0.
    pub fn start_with(scratch: &Scratch, config: &Path, extra: &[&str]) -> Server {
        let log = scratch.dir.path().join(format!("serve-{}.log", std::process::id()));
        let log = (0..).map(|i| log.with_extension(format!("{i}.log"))).find(|p| !p.exists()).unwrap();
        // dns serve runs on the real clock and refuses SURPLUS_NOW from the shell.
        let mut child = Command::new(env!("CARGO_BIN_EXE_surplus"))
            .env_remove("SURPLUS_NOW")
            .args(["-c", config.to_str().unwrap(), "--db", &scratch.db(), "dns", "serve"])
            .args(["--listen", "127.0.0.1:0", "--metrics", "127.0.0.1:0"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let (mut line, mut metrics) = (String::new(), String::new());
        stdout.read_line(&mut line).unwrap();
        // One line per listen address, then the metrics endpoint.
        while stdout.read_line(&mut metrics).unwrap() > 0 && metrics.starts_with("listening on ") {
            metrics.clear();
        }
        let Some(addr) = line.strip_prefix("listening on ").and_then(|l| l.split(' ').next()) else {
            panic!("dns serve did not start:\n{}", std::fs::read_to_string(&log).unwrap_or_default());
        };
        let addr = addr.parse().unwrap();
        let metrics = metrics.strip_prefix("metrics on ").unwrap().trim().to_string();
        Server { child, addr, metrics, log }
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// What it has logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap()
    }

    /// Waits until its log contains `text`.
    pub fn wait_for_log(&self, text: &str) {
        let started = Instant::now();
        while !self.log().contains(text) {
            assert!(started.elapsed() < Duration::from_secs(10), "no {text:?} in the log:\n{}", self.log());
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Sends `signal` to the server.
    pub fn signal(&self, signal: i32) {
        // SAFETY: kill(2) on our own child's pid.
        assert_eq!(unsafe { libc::kill(self.child.id() as i32, signal) }, 0);
    }

    /// Waits (up to 10 s) for the server to exit; its exit code.
    pub fn wait_exit(&mut self) -> Option<i32> {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            assert!(started.elapsed() < Duration::from_secs(10), "the server did not stop:\n{}", self.log());
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Sells `buyer` 10 rps for this hour and the next and waits until its answers go to proxies.
    pub fn sell_now(&self, scratch: &Scratch, buyer: &str, name: &str) {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64;
        let hour = jiff::Timestamp::from_second(now - now % 3600).unwrap().strftime("%Y-%m-%dT%H:%MZ").to_string();
        // Two hours, not one: a test that starts at 59 min past would otherwise see its sale
        // end in the middle (CI failed that way once, in two tests at the same minute).
        let window = format!("{hour}/2h");
        scratch.surplus(&["capacity", "measure", "--for", &window, "--save"]).run();
        scratch.surplus(&["market", "auction", "create", "--window", &window, "--rps", "10"]).run();
        scratch.surplus(&["market", "auction", "bid", "1", "--buyer", buyer, "--rps", "10", "--price", "1"]).run();
        scratch.surplus(&["market", "auction", "run", "1"]).run();
        // The subnet first in line for this buyer's proxies gets them at any f > 0.
        let first = first_in_line(buyer);
        let started = Instant::now();
        while !to_proxies(&self.query_from(name, first)) {
            assert!(
                started.elapsed() < Duration::from_secs(5),
                "the sale did not take effect within 5 s:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn query(&self, name: &str, rtype: RecordType) -> Message {
        self.send(&packet(name, rtype))
    }

    /// An A query on behalf of client subnet `subnet`/24 (EDNS Client Subnet).
    pub fn query_from(&self, name: &str, subnet: Ipv4Addr) -> Message {
        let mut m = Message::new(7, MessageType::Query, OpCode::Query);
        m.add_query(Query::query(Name::from_ascii(name).unwrap(), RecordType::A));
        let mut edns = Edns::new();
        edns.set_max_payload(1232);
        edns.options_mut().insert(EdnsOption::Subnet(ClientSubnet::new(IpAddr::V4(subnet), 24, 0)));
        m.set_edns(edns);
        self.send(&m.to_vec().unwrap())
    }

    /// How many of `n` client subnets get proxies for `name`.
    pub fn proxied(&self, name: &str, n: u32) -> usize {
        (0..n).filter(|&i| to_proxies(&self.query_from(name, subnet(i)))).count()
    }

    fn send(&self, bytes: &[u8]) -> Message {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        socket.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        socket.send_to(bytes, self.addr).unwrap();
        let mut buf = [0u8; 4096];
        let n = socket.recv(&mut buf).unwrap();
        Message::from_vec(&buf[..n]).unwrap()
    }

    pub fn query_tcp(&self, name: &str, rtype: RecordType) -> Message {
        let mut stream = TcpStream::connect(self.addr).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let bytes = packet(name, rtype);
        stream.write_all(&[&(bytes.len() as u16).to_be_bytes()[..], &bytes].concat()).unwrap();
        let mut len = [0u8; 2];
        stream.read_exact(&mut len).unwrap();
        let mut buf = vec![0u8; usize::from(u16::from_be_bytes(len))];
        stream.read_exact(&mut buf).unwrap();
        Message::from_vec(&buf).unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn packet(name: &str, rtype: RecordType) -> Vec<u8> {
    let mut m = Message::new(7, MessageType::Query, OpCode::Query);
    m.add_query(Query::query(Name::from_ascii(name).unwrap(), rtype));
    m.to_vec().unwrap()
}

/// The i-th test client subnet, 10.x.y.0/24.
pub fn subnet(i: u32) -> Ipv4Addr {
    Ipv4Addr::new(10, (i >> 8) as u8, i as u8, 0)
}

/// Of the first 256 test subnets, the one with the lowest place on `buyer`'s split line.
pub fn first_in_line(buyer: &str) -> Ipv4Addr {
    let key = client_split::buyer_key(buyer);
    let place = |i: &u32| client_split::place(&Subnet::of(IpAddr::V4(subnet(*i)), 24), key);
    (0..256).min_by_key(place).map(subnet).unwrap()
}

pub fn to_proxies(m: &Message) -> bool {
    m.answers.iter().any(|r| matches!(&r.data, RData::A(a) if a.to_string().starts_with("127.0.0.1")))
}

#[test]
fn answers_over_udp_and_tcp_and_follows_new_sales() {
    let scratch = Scratch::empty();
    let server = Server::start(&scratch);

    let m = server.query("shop.cdn.example.net.", RecordType::A);
    assert!(m.metadata.authoritative);
    assert!(!to_proxies(&m), "no sale yet: the buyer's own DNS");
    assert_eq!(m.answers[0].record_type(), RecordType::CNAME);
    // The delegated www.shop.example is a zone apex, never a CNAME (RFC 1034 §3.6.2): nothing
    // answers at the example's dns.resolvers, so its fallback is not known: SERVFAIL.
    assert_eq!(server.query("www.shop.example.", RecordType::A).metadata.response_code.low(), 2);
    let m = server.query_tcp("edge-2.cdn.example.net.", RecordType::A);
    assert_eq!(m.answers[0].data, RData::A("127.0.0.12".parse::<std::net::Ipv4Addr>().unwrap().into()));
    assert_eq!(server.query("example.com.", RecordType::A).metadata.response_code.low(), 5, "REFUSED");

    // Sell shop the current hour; within 5 s half of its answers (its estimate, 0.5) go to
    // proxies.
    server.sell_now(&scratch, "shop", "shop.cdn.example.net.");
    // The split is by client subnet: about half of 200 subnets get proxies (binomial, sd 7;
    // the subnets are fixed, so the count is too), each one every time it asks.
    let proxied = server.proxied("shop.cdn.example.net.", 200);
    assert!((65..=135).contains(&proxied), "{proxied} of 200 subnets to proxies");
    assert_eq!(server.proxied("shop.cdn.example.net.", 200), proxied, "the split moved");
    // The delegated host splits the same subnets the same way.
    assert_eq!(server.proxied("www.shop.example.", 200), proxied, "one buyer, one line");
    // edge-1 (tcp 80) and edge-2 (http) fail their health checks here: only edge-3 answers.
    for i in 0..20 {
        let m = server.query_from("shop.cdn.example.net.", subnet(i));
        let ips: Vec<String> = m.answers.iter().map(|r| format!("{:?}", r.data)).collect();
        assert!(!ips.iter().any(|ip| ip.contains("127.0.0.11") || ip.contains("127.0.0.12")), "{ips:?}");
    }
    // news has no sale: still its own servers.
    assert!(!to_proxies(&server.query("news.example.org.", RecordType::A)));

    // The metrics agree with what we saw.
    let text = ureq::get(&server.metrics).call().unwrap().into_body().read_to_string().unwrap();
    let value = |series: &str| -> f64 {
        let line = text.lines().find(|l| l.starts_with(series)).unwrap_or_else(|| panic!("no {series} in\n{text}"));
        line.rsplit(' ').next().unwrap().parse().unwrap()
    };
    // At least the proxied answers counted above, plus the one the wait loop ended on.
    assert!(value("surplus_dns_answers_total{buyer=\"shop\",kind=\"proxy\"}") >= (proxied + 1) as f64);
    assert!(value("surplus_dns_answers_total{buyer=\"shop\",kind=\"fallback\"}") >= (200 - proxied) as f64);
    assert_eq!(value("surplus_dns_fraction{buyer=\"shop\"}"), 0.5);
    assert_eq!(value("surplus_dns_fraction{buyer=\"news\"}"), 0.0);
    assert_eq!(value("surplus_proxy_healthy{proxy=\"edge-1\"}"), 0.0);
    assert_eq!(value("surplus_proxy_healthy{proxy=\"edge-3\"}"), 1.0);
    assert!(value("surplus_dns_answer_seconds_count") >= 224.0);
}

/// `dig` against the server: what an operator sees, and the protocol rules one by one.
#[test]
fn dig_sees_an_authoritative_server() {
    if !crate::test::system_tool("dig", "bind9-dnsutils") {
        return;
    }
    let scratch = Scratch::empty();
    let server = Server::start(&scratch);
    let dig = |args: &[&str]| -> String {
        let out = Command::new("dig")
            .args(["@127.0.0.1", "-p", &server.addr.port().to_string(), "+norec", "+time=3", "+tries=1"])
            .args(args)
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    let has = |text: &str, want: &str| assert!(text.contains(want), "dig output lacks {want:?}:\n{text}");

    let out = dig(&["edge-1.cdn.example.net", "A"]);
    has(&out, "status: NOERROR");
    has(&out, "flags: qr aa;");
    has(&out, "; EDNS: version: 0, flags:; udp: 1232");
    has(&out, "20\tIN\tA\t127.0.0.11");

    let out = dig(&["ShOp.CdN.ExAmPlE.NeT", "A"]);
    has(&out, ";ShOp.CdN.ExAmPlE.NeT.\t\tIN\tA");
    has(&out, "CNAME\torigin.shop.example.");
    // RFC 1034 §4.3.2 step 3a: a CNAME for every type.
    has(&dig(&["shop.cdn.example.net", "TXT"]), "CNAME\torigin.shop.example.");
    // RFC 2308 §2.2: NODATA (a name server without IPv6) carries the SOA.
    let out = dig(&["ns1.cdn.example.net", "AAAA"]);
    has(&out, "status: NOERROR");
    has(&out, "ANSWER: 0, AUTHORITY: 1");
    // The apex's NS answer carries the glue (two A records and the OPT).
    let out = dig(&["cdn.example.net", "NS"]);
    has(&out, "ANSWER: 2, AUTHORITY: 0, ADDITIONAL: 3");
    has(&out, "ns1.cdn.example.net.\t20\tIN\tA\t127.0.0.53");

    let out = dig(&["nope.cdn.example.net", "A"]);
    has(&out, "status: NXDOMAIN");
    has(&out, "AUTHORITY: 1");
    has(&out, "IN\tSOA\tns1.cdn.example.net. hostmaster.cdn.example.net.");
    has(&dig(&["edge-1.cdn.example.net", "MX"]), "status: NOERROR, id");
    has(&dig(&["example.com", "A"]), "status: REFUSED");
    has(&dig(&["+edns=1", "+noednsneg", "cdn.example.net", "SOA"]), "status: BADVERS");
    has(&dig(&["+noedns", "cdn.example.net", "NS"]), "ANSWER: 2");
    has(&dig(&["+tcp", "edge-2.cdn.example.net", "A"]), "127.0.0.12");
    has(&dig(&["+opcode=notify", "cdn.example.net", "SOA"]), "status: NOTIMP");
    has(&dig(&["cdn.example.net", "ANY"]), "ANSWER: 1");
    has(&dig(&["+subnet=192.0.2.0/24", "news.example.org", "A"]), "CLIENT-SUBNET: 192.0.2.0/24/0");
}

/// `kdig` (Knot's dig) for what dig did not ask: unknown EDNS options, unknown types, the CD
/// flag, other classes, TCP.
#[test]
fn kdig_sees_a_conforming_server() {
    if !crate::test::system_tool("kdig", "knot-dnsutils") {
        return;
    }
    let scratch = Scratch::empty();
    let server = Server::start(&scratch);
    let kdig = |args: &[&str]| -> String {
        let out = Command::new("kdig")
            .args(["@127.0.0.1", "-p", &server.addr.port().to_string(), "+retry=0", "+timeout=3"])
            .args(args)
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    let has = |text: &str, want: &str| assert!(text.contains(want), "kdig output lacks {want:?}:\n{text}");

    // An EDNS option we do not know is ignored, not echoed, not an error.
    let out = kdig(&["+ednsopt=65001:abcd", "edge-3.cdn.example.net", "A"]);
    has(&out, "status: NOERROR");
    has(&out, "Version: 0; flags: ; UDP size: 1232 B");
    assert!(!out.contains("65001"), "unknown option echoed:\n{out}");
    has(&out, "edge-3.cdn.example.net.\t20\tIN\tA\t127.0.0.13");
    // A type we have never heard of: NODATA with the SOA.
    let out = kdig(&["-t", "TYPE65333", "edge-3.cdn.example.net"]);
    has(&out, "status: NOERROR");
    has(&out, "ANSWER: 0; AUTHORITY: 1");
    has(&out, "IN\tSOA\tns1.cdn.example.net.");
    // CD and RD are copied back; over TCP too.
    let out = kdig(&["+cd", "+tcp", "cdn.example.net", "NS"]);
    has(&out, "Flags: qr aa rd cd; QUERY: 1; ANSWER: 2");
    has(&out, "(TCP)");
    // Not class IN: refused.
    has(&kdig(&["-c", "CH", "version.bind", "TXT"]), "status: REFUSED");
    // A buyer's name under our zone (CNAMEd to us by the buyer) is answered like its own name.
    has(&kdig(&["shop.cdn.example.net", "A"]), "CNAME\torigin.shop.example.");
}

/// Bad TCP clients: garbage in a frame, a frame cut short, a client that goes silent. Each
/// costs the server one connection for a bounded time, and it keeps answering everyone else.
#[test]
fn bad_tcp_clients_are_cut_off_and_the_server_carries_on() {
    let scratch = Scratch::empty();
    let server = Server::start(&scratch);
    let read_all = |stream: &mut TcpStream| -> Vec<u8> {
        stream.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
        let mut got = Vec::new();
        let _ = stream.read_to_end(&mut got);
        got
    };

    // Garbage that claims to be a query: FORMERR at most, then the connection is closed.
    let mut garbage = TcpStream::connect(server.addr).unwrap();
    garbage
        .write_all(&[0, 14, 0xde, 0xad, 0xbe, 0xef, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])
        .unwrap();
    let got = read_all(&mut garbage);
    if !got.is_empty() {
        let reply = Message::from_vec(&got[2..]).unwrap();
        assert_eq!(reply.metadata.response_code.low(), 1, "FORMERR");
    }

    // A frame announced as 65,535 bytes of which 10 come, then nothing: closed after the idle
    // time, not held open for ever.
    let mut short = TcpStream::connect(server.addr).unwrap();
    short.write_all(&[0xff, 0xff]).unwrap();
    short.write_all(&[0u8; 10]).unwrap();
    let started = Instant::now();
    assert!(read_all(&mut short).is_empty());
    let waited = started.elapsed();
    assert!(waited >= Duration::from_secs(9) && waited < Duration::from_secs(14), "closed after {waited:?}");

    // Everyone else was answered all along.
    assert!(server.query_tcp("edge-3.cdn.example.net.", RecordType::A).metadata.authoritative);
    assert!(server.query("edge-3.cdn.example.net.", RecordType::A).metadata.authoritative);
}
