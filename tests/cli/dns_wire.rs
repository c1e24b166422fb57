//! The wire details of issue 17 seen by dig and kdig against a running `dns serve`: zone
//! transfers refused at once, EDNS kept on error replies, TSIG without keys, NSID, DNS cookies
//! and the rate-limit exemption they earn.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::process::Command;
use std::time::{Duration, Instant};

use hickory_proto::op::{Edns, Message, MessageType, OpCode, Query, ResponseCode};
use hickory_proto::rr::rdata::opt::{EdnsCode, EdnsOption};
use hickory_proto::rr::{Name, RecordType};

use crate::dns::Server;
use crate::test::{Scratch, example_config};

/// Runs `tool` (dig or kdig) against `server` with `args`; its stdout.
fn ask(tool: &str, server: &Server, args: &[&str]) -> String {
    let port = server.addr.port().to_string();
    let common: &[&str] = if tool == "dig" {
        &["@127.0.0.1", "-p", &port, "+norec", "+time=3", "+tries=1"]
    } else {
        &["@127.0.0.1", "-p", &port, "+retry=0", "+timeout=3"]
    };
    let out = Command::new(tool).args(common).args(args).output().unwrap();
    String::from_utf8(out.stdout).unwrap()
}

fn has(text: &str, want: &str) {
    assert!(text.contains(want), "output lacks {want:?}:\n{text}");
}

/// The example config with `lines` added under `dns:`.
fn config_with(scratch: &Scratch, lines: &str) -> std::path::PathBuf {
    let text = std::fs::read_to_string(example_config()).unwrap().replacen("  nsid: ns1\n", "", 1);
    scratch.file("surplus.yaml", &text.replacen("dns:\n", &format!("dns:\n{lines}"), 1))
}

#[test]
fn zone_transfers_are_refused_at_once_with_the_question_rfc5936_s2_2_rfc1995_s3() {
    if !crate::test::system_tool("kdig", "knot-dnsutils") {
        return;
    }
    let scratch = Scratch::empty();
    let server = Server::start(&scratch);
    for (args, qtype) in [(&["AXFR", "cdn.example.net"][..], "AXFR"), (&["IXFR=1", "cdn.example.net"][..], "IXFR")] {
        let started = Instant::now();
        let out = Command::new("kdig")
            .args(["@127.0.0.1", "-p", &server.addr.port().to_string(), "+retry=0", "+timeout=5"])
            .args(args)
            .output()
            .unwrap();
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(started.elapsed() < Duration::from_secs(2), "{qtype} waited {:?}:\n{text}", started.elapsed());
        has(&text, "server replied with error 'REFUSED'");
        has(&text, "(TCP)");
    }
    // The refusals echo the question (neither kdig nor dig prints it for a failed transfer),
    // over UDP too, and an IXFR's SOA in the authority section is no FORMERR.
    for tcp in [true, false] {
        for rtype in [RecordType::AXFR, RecordType::IXFR] {
            let mut m = Message::new(5, MessageType::Query, OpCode::Query);
            m.add_query(Query::query(Name::from_ascii("cdn.example.net.").unwrap(), rtype));
            if rtype == RecordType::IXFR {
                let soa = server.query_tcp("cdn.example.net.", RecordType::SOA);
                m.authorities.push(soa.answers[0].clone());
            }
            let reply = exchange(server.addr, &m.to_vec().unwrap(), tcp);
            assert_eq!(reply.metadata.response_code, ResponseCode::Refused, "{rtype} tcp={tcp}");
            assert_eq!(reply.queries[0].query_type(), rtype);
        }
    }
}

/// One query over TCP or UDP, its reply.
fn exchange(server: SocketAddr, query: &[u8], tcp: bool) -> Message {
    let mut buf = vec![0u8; 65_537];
    let len = if tcp {
        let mut stream = TcpStream::connect(server).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
        stream.write_all(&[&(query.len() as u16).to_be_bytes()[..], query].concat()).unwrap();
        stream.read_exact(&mut buf[..2]).unwrap();
        let len = usize::from(u16::from_be_bytes([buf[0], buf[1]]));
        stream.read_exact(&mut buf[..len]).unwrap();
        len
    } else {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        socket.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
        socket.send_to(query, server).unwrap();
        socket.recv(&mut buf).unwrap()
    };
    Message::from_vec(&buf[..len]).unwrap()
}

#[test]
fn error_replies_keep_the_question_and_edns_rfc6891_s7() {
    if !crate::test::system_tool("dig", "bind9-dnsutils") {
        return;
    }
    let scratch = Scratch::empty();
    let server = Server::start(&scratch);
    let out = ask("dig", &server, &["+opcode=notify", "cdn.example.net", "SOA"]);
    has(&out, "status: NOTIMP");
    has(&out, "; EDNS: version: 0, flags:; udp: 1232");
    has(&out, ";cdn.example.net.\t\tIN\tSOA");
    // No question, no cookie: FORMERR, with the OPT.
    let out = ask("dig", &server, &["+header-only", "+nocookie"]);
    has(&out, "status: FORMERR");
    has(&out, "; EDNS: version: 0");
    // A bad Client Subnet (bits set past the prefix): FORMERR with question and OPT.
    // (Family 1, source /24, scope /8: a scope is for answers.)
    let out = ask("dig", &server, &["+ednsopt=8:00011808c00002", "www.shop.example", "A"]);
    has(&out, "status: FORMERR");
    has(&out, "; EDNS: version: 0");
    has(&out, ";www.shop.example.\t\tIN\tA");
    assert!(!out.contains("retrying without EDNS"), "{out}");
    // BADVERS is not an authoritative answer.
    let out = ask("dig", &server, &["+edns=1", "+noednsneg", "cdn.example.net", "SOA"]);
    has(&out, "status: BADVERS");
    has(&out, "flags: qr;");
}

#[test]
fn tsig_signed_queries_get_notauth_badkey_rfc8945_s5_2_1() {
    if !crate::test::system_tool("dig", "bind9-dnsutils") {
        return;
    }
    let scratch = Scratch::empty();
    let server = Server::start(&scratch);
    let out = ask("dig", &server, &["-y", "hmac-sha256:key.example:c2VjcmV0c2VjcmV0c2VjcmV0", "www.shop.example", "A"]);
    has(&out, "status: NOTAUTH");
    has(&out, "ANSWER: 0");
    has(&out, ";www.shop.example.\t\tIN\tA");
    has(&out, "key.example.\t\t0\tANY\tTSIG\thmac-sha256. ");
    has(&out, " 300 0 "); // fudge as sent, MAC size 0
    has(&out, " BADKEY 0");
    if crate::test::system_tool("kdig", "knot-dnsutils") {
        let out = ask("kdig", &server, &["-y", "hmac-sha256:key.example:c2VjcmV0c2VjcmV0c2VjcmV0", "www.shop.example"]);
        has(&out, "status: BADKEY"); // kdig shows the TSIG error as the status
        has(&out, "TSIG PSEUDOSECTION");
    }
}

#[test]
fn nsid_is_answered_when_asked_rfc5001_s2_1() {
    if !crate::test::system_tool("dig", "bind9-dnsutils") {
        return;
    }
    let scratch = Scratch::empty();
    let server = Server::start_with(&scratch, &config_with(&scratch, "  nsid: node-7\n"), &[]);
    has(&ask("dig", &server, &["+nsid", "edge-1.cdn.example.net", "A"]), "; NSID: 6e 6f 64 65 2d 37 (\"node-7\")");
    let plain = ask("dig", &server, &["edge-1.cdn.example.net", "A"]);
    assert!(!plain.contains("NSID"), "NSID not asked for, but sent:\n{plain}");
    if crate::test::system_tool("kdig", "knot-dnsutils") {
        has(&ask("kdig", &server, &["+nsid", "edge-1.cdn.example.net", "A"]), "NSID: 6E6F64652D37 \"node-7\"");
    }
    // `dns query` shows it, per answer.
    let port = server.addr.port().to_string();
    let server_arg = format!("127.0.0.1:{port}");
    scratch
        .surplus(&[
            "dns",
            "query",
            "edge-1.cdn.example.net",
            "--server",
            &server_arg,
            "--count",
            "3",
            "--format",
            "json",
        ])
        .stdout_contains("\"nsid\": \"node-7\"")
        .run();
    scratch
        .surplus(&["dns", "query", "edge-1.cdn.example.net", "--server", &server_arg, "--count", "3"])
        .stdout_contains("node-7")
        .run();
}

/// The server cookie in a dig reply (`; COOKIE: <client><server> (good)`), hex.
fn cookie_of(out: &str) -> String {
    let line = out.lines().find(|l| l.starts_with("; COOKIE: ")).unwrap_or_else(|| panic!("no cookie:\n{out}"));
    line["; COOKIE: ".len()..].split(' ').next().unwrap().to_string()
}

#[test]
fn dig_cookies_rfc7873_s5_2() {
    if !crate::test::system_tool("dig", "bind9-dnsutils") {
        return;
    }
    let scratch = Scratch::empty();
    let server = Server::start(&scratch);
    // §5.2.3: a client cookie only: the answer, with a server cookie dig finds good.
    let out = ask("dig", &server, &["+cookie=0102030405060708", "edge-1.cdn.example.net", "A"]);
    has(&out, "status: NOERROR");
    has(&out, "(good)");
    let cookie = cookie_of(&out);
    assert_eq!((cookie.len(), &cookie[..16], &cookie[16..18]), (48, "0102030405060708", "01"), "RFC 9018 version 1");
    // §5.2.5: the cookie sent back: answered, with a fresh one.
    let out = ask("dig", &server, &[&format!("+cookie={cookie}"), "edge-1.cdn.example.net", "A"]);
    has(&out, "status: NOERROR");
    has(&out, "(good)");
    has(&out, "127.0.0.11");
    // §5.2.4: a server cookie that is not ours: still answered (no BADCOOKIE).
    let forged = format!("{}{}", &cookie[..16], "01000000aabbccdd0011223344556677");
    has(&ask("dig", &server, &[&format!("+cookie={forged}"), "edge-1.cdn.example.net", "A"]), "status: NOERROR");
    // §5.4: no question, just a client cookie: NOERROR and a server cookie, nothing else.
    let out = ask("dig", &server, &["+header-only", "+cookie"]);
    has(&out, "status: NOERROR");
    has(&out, "QUERY: 0, ANSWER: 0, AUTHORITY: 0, ADDITIONAL: 1");
    has(&out, "(good)");
    // §5.2.2: malformed (5 bytes): FORMERR, with an OPT.
    let out = ask("dig", &server, &["+ednsopt=10:0102030405", "edge-1.cdn.example.net", "A"]);
    has(&out, "status: FORMERR");
    has(&out, "; EDNS: version: 0");
    // A cookie secret shared by two nodes (the file) makes each accept the other's cookies.
    let secret = scratch.file("cookie.secret", "00112233445566778899aabbccddeeff\n");
    let shared = config_with(&scratch, &format!("  cookie_secret_file: {}\n", secret.display()));
    let (one, two) = (Server::start_with(&scratch, &shared, &[]), Server::start_with(&scratch, &shared, &[]));
    let first = cookie_of(&ask("dig", &one, &["+cookie=0102030405060708", "edge-1.cdn.example.net", "A"]));
    let (valid, _) = ask_with_cookie(two.addr, &hex(&first), "127.0.0.1", 1);
    assert_eq!(valid, 1, "node two accepts node one's cookie");
}

fn hex(text: &str) -> Vec<u8> {
    (0..text.len() / 2).map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16).unwrap()).collect()
}

/// Sends `n` queries with COOKIE `cookie` (none if empty) from `source` at once; how many were
/// answered in full, and the last server cookie seen.
fn ask_with_cookie(server: SocketAddr, cookie: &[u8], source: &str, n: u16) -> (usize, Vec<u8>) {
    let socket = UdpSocket::bind((source, 0)).unwrap();
    for id in 0..n {
        let mut m = Message::new(id, MessageType::Query, OpCode::Query);
        m.add_query(Query::query(Name::from_ascii("edge-1.cdn.example.net.").unwrap(), RecordType::A));
        let mut e = Edns::new();
        if !cookie.is_empty() {
            e.options_mut().insert(EdnsOption::Unknown(10, cookie.to_vec()));
        }
        m.set_edns(e);
        socket.send_to(&m.to_vec().unwrap(), server).unwrap();
    }
    socket.set_read_timeout(Some(Duration::from_millis(300))).unwrap();
    let (mut full, mut last) = (0, Vec::new());
    let mut buf = [0u8; 4096];
    while let Ok(len) = socket.recv(&mut buf) {
        let m = Message::from_vec(&buf[..len]).unwrap();
        if !m.metadata.truncation && m.answers.len() == 1 {
            full += 1;
        }
        if let Some(EdnsOption::Unknown(_, c)) = m.edns.as_ref().and_then(|e| e.option(EdnsCode::Cookie)) {
            last = c.clone();
        }
    }
    (full, last)
}

#[test]
fn a_valid_server_cookie_is_exempt_from_the_rate_limit_rfc7873_s5_2_5() {
    let scratch = Scratch::empty();
    let config = config_with(&scratch, "  rate_limit: {responses_per_second: 5, slip: 0}\n");
    let server = Server::start_with(&scratch, &config, &["--threads", "1"]);
    // A client cookie only earns no exemption: the flood is cut to about the limit.
    let client = [1u8, 2, 3, 4, 5, 6, 7, 8];
    let (full, cookie) = ask_with_cookie(server.addr, &client, "127.0.9.1", 60);
    assert!(full <= 10, "{full} of 60 answered at 5 a second");
    assert_eq!(cookie.len(), 24, "the answers carry a server cookie");
    // Nor does no cookie at all, from another /24.
    let (full, _) = ask_with_cookie(server.addr, &[], "127.0.10.1", 60);
    assert!(full <= 10, "{full} of 60 answered at 5 a second");
    // With the server cookie it was given, every query is answered, though the bucket is empty.
    let (full, _) = ask_with_cookie(server.addr, &cookie, "127.0.9.1", 60);
    assert_eq!(full, 60, "valid cookies are never limited");
    // The same cookie from another address (a forger's guess) is limited.
    let (full, _) = ask_with_cookie(server.addr, &cookie, "127.0.10.1", 60);
    assert!(full <= 10, "{full} of 60 answered from an address the cookie is not for");
}

#[test]
fn a_bad_cookie_secret_file_is_named_and_nothing_is_served() {
    let scratch = Scratch::empty();
    let secret = scratch.file("cookie.secret", "not hex at all\n");
    let config = config_with(&scratch, &format!("  cookie_secret_file: {}\n", secret.display()));
    let serve = |config: &std::path::Path| {
        crate::test::Test::new().config(config).args(["--db", &scratch.db(), "dns", "serve", "--listen", "127.0.0.1:0"])
    };
    serve(&config)
        .status(1)
        .stderr_contains(&format!("{}: expected 32 hex digits (a 128-bit cookie secret)", secret.display()))
        .run();
    let missing = config_with(&scratch, "  cookie_secret_file: nowhere.secret\n");
    serve(&missing).status(1).stderr_contains("cannot read dns.cookie_secret_file").run();
}
