//! `surplus dns query`: sends a name to a DNS server N times, as a resolver would, and prints
//! the split of answers it got: proxy addresses (those of the configured proxies), the buyer's
//! fallback, or an error code. How an operator checks a running server from outside.
//!
//! Built on hickory's client rather than its resolver: a resolver follows CNAMEs, caches, and
//! retries elsewhere, where this must see each answer exactly as the server gave it. Every
//! query goes out from a fresh UDP port. The split is per client subnet, so from one host every
//! answer falls on the same side; `--subnet` asks for another client, as a public resolver does.
//!
//! Every query asks for the server's NSID (RFC 5001), and each answer is counted with the NSID
//! it came with: behind one anycast address, that says which node gave which answer.
//!
//! Queries go out `IN_FLIGHT` at a time under one deadline (`--timeout`), so a server that
//! does not answer costs the timeout once, not once per query; one that never answers is an
//! error.

use std::collections::HashSet;
use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use anyhow::Context;
use futures_util::StreamExt;
use hickory_resolver::net::client::Client;
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::udp::UdpClientStream;
use hickory_resolver::net::xfer::DnsHandle;
use hickory_resolver::proto::op::{DnsRequest, DnsRequestOptions, Edns, Query, ResponseCode};
use hickory_resolver::proto::rr::rdata::opt::{ClientSubnet, EdnsCode, EdnsOption, NSIDPayload};
use hickory_resolver::proto::rr::{DNSClass, Name, RData, RecordType};
use serde::Serialize;

use crate::cli::{QueryArgs, QueryType};
use crate::config::Config;
use crate::output::{self, Rows};

/// Queries outstanding at once: enough to finish thousands in a second on loopback, few enough
/// not to be a flood to a server on the network.
const IN_FLIGHT: usize = 64;

/// One distinct answer (from one server, by its NSID) and how often it came.
#[derive(Debug, Serialize)]
struct Seen {
    answer: String,
    kind: &'static str,
    /// The answering server's NSID, if it sent one.
    nsid: Option<String>,
    count: u64,
}

#[derive(Debug, Serialize)]
struct Summary<'a> {
    name: &'a str,
    server: String,
    queries: u64,
    proxy: u64,
    fallback: u64,
    other: u64,
    errors: u64,
    proxy_share: f64,
    answers: Vec<Seen>,
}

/// `dns query`.
pub fn query(config: &Config, args: &QueryArgs) -> anyhow::Result<()> {
    let server = server_address(config, args.server)?;
    let timeout = Duration::from_secs(u64::from(args.timeout));
    let name =
        Name::from_ascii(&args.name).map_err(|_| super::bad_usage(format!("{:?} is not a domain name", args.name)))?;
    let rtype = match args.rtype {
        QueryType::A => RecordType::A,
        QueryType::Aaaa => RecordType::AAAA,
    };
    let proxies: HashSet<IpAddr> = config.proxies.iter().flat_map(|p| p.addresses.iter().copied()).collect();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let mut seen: Vec<Seen> = Vec::new();
    let mut count = |answer: String, kind: &'static str, nsid: Option<String>| match seen
        .iter_mut()
        .find(|s| s.answer == answer && s.nsid == nsid)
    {
        Some(s) => s.count += 1,
        None => seen.push(Seen { answer, kind, nsid, count: 1 }),
    };
    let mut done = 0u32;
    runtime.block_on(async {
        // Each lookup may wait past the one deadline below, which alone decides what was not
        // answered: with both at `timeout` they raced, and the error said "no response" or "no
        // answer within" by chance.
        let stream = UdpClientStream::builder(server, TokioRuntimeProvider::default())
            .with_timeout(Some(timeout + Duration::from_secs(1)))
            .build();
        let (client, background) = Client::<TokioRuntimeProvider>::from_sender(stream);
        tokio::spawn(background);
        let request = || {
            let mut query = Query::query(name.clone(), rtype);
            query.set_query_class(DNSClass::IN);
            let mut request = DnsRequest::from_query(query, DnsRequestOptions::default());
            let mut edns = Edns::new();
            edns.set_max_payload(1232);
            edns.options_mut().insert(EdnsOption::NSID(NSIDPayload::new(Vec::new()).expect("empty fits")));
            if let Some((addr, len)) = args.subnet {
                edns.options_mut().insert(EdnsOption::Subnet(ClientSubnet::new(addr, len, 0)));
            }
            request.set_edns(edns);
            request
        };
        let mut answers = futures_util::stream::iter(0..args.count)
            .map(|_| {
                let (client, request) = (client.clone(), request());
                async move { client.send(request).next().await }
            })
            .buffer_unordered(IN_FLIGHT);
        // One deadline for all: what has not come back by then is counted below as unanswered.
        let _ = tokio::time::timeout(timeout, async {
            while let Some(answer) = answers.next().await {
                done += 1;
                match answer.unwrap_or_else(|| Err(hickory_resolver::net::NetError::from("no response"))) {
                    Ok(response) => {
                        let (answer, kind) = describe(&response, &proxies);
                        count(answer, kind, nsid(&response));
                    }
                    Err(e) => count(format!("error: {e}"), "error", None),
                }
            }
        })
        .await;
    });
    let unanswered = args.count - done;
    if unanswered > 0 {
        let answer = format!("error: no answer within {}s", args.timeout);
        seen.push(Seen { answer, kind: "error", nsid: None, count: u64::from(unanswered) });
    }
    if !seen.iter().any(|s| s.kind != "error") {
        let why = seen.first().map_or(String::new(), |s| format!(" ({})", s.answer.trim_start_matches("error: ")));
        anyhow::bail!("{server} answered none of {} queries for {}{why}", args.count, args.name);
    }
    seen.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.answer.cmp(&b.answer)).then_with(|| a.nsid.cmp(&b.nsid)));
    let total = |kind: &str| seen.iter().filter(|s| s.kind == kind).map(|s| s.count).sum::<u64>();
    let summary = Summary {
        name: &args.name,
        server: server.to_string(),
        queries: u64::from(args.count),
        proxy: total("proxy"),
        fallback: total("fallback"),
        other: total("other"),
        errors: total("error"),
        proxy_share: output::round3(total("proxy") as f64 / f64::from(args.count)),
        answers: seen,
    };
    let mut rows = Rows::new(&["answer", "kind", "nsid", "count#", "share_%#"]);
    for s in &summary.answers {
        rows.push(vec![
            s.answer.clone(),
            s.kind.into(),
            s.nsid.clone().unwrap_or_default(),
            s.count.to_string(),
            format!("{:.1}", 100.0 * s.count as f64 / f64::from(args.count)),
        ]);
    }
    let mut out = std::io::stdout().lock();
    output::write(&mut out, args.format.format, &rows, &summary)?;
    if args.format.format == output::Format::Table {
        writeln!(
            out,
            "{} queries to {}: proxy {} ({:.1}%), fallback {}, other {}, errors {}",
            summary.queries,
            summary.server,
            summary.proxy,
            100.0 * summary.proxy as f64 / summary.queries as f64,
            summary.fallback,
            summary.other,
            summary.errors
        )?;
    }
    Ok(())
}

/// `--server`, else the first address `dns serve` listens on.
fn server_address(config: &Config, flag: Option<SocketAddr>) -> anyhow::Result<SocketAddr> {
    if let Some(addr) = flag {
        return Ok(addr);
    }
    config
        .dns_addresses()
        .first()
        .copied()
        .context("no --server, and the config has no dns.listen or name server address")
}

/// One response, as a line and a kind: `proxy` when it names a configured proxy's address,
/// `fallback` for any other answer, `other` for no answer (the code says which).
fn describe(response: &hickory_resolver::proto::op::Message, proxies: &HashSet<IpAddr>) -> (String, &'static str) {
    let code = response.metadata.response_code;
    if code != ResponseCode::NoError {
        return (mnemonic(code), "other");
    }
    let mut parts: Vec<String> = Vec::new();
    let mut to_proxy = false;
    for record in &response.answers {
        match &record.data {
            RData::A(a) => {
                to_proxy |= proxies.contains(&IpAddr::V4(a.0));
                parts.push(a.to_string());
            }
            RData::AAAA(a) => {
                to_proxy |= proxies.contains(&IpAddr::V6(a.0));
                parts.push(a.to_string());
            }
            RData::CNAME(c) => parts.push(format!("CNAME {}", c.0)),
            other => parts.push(other.to_string()),
        }
    }
    if parts.is_empty() {
        return ("NODATA".into(), "other");
    }
    parts.sort();
    (parts.join(" "), if to_proxy { "proxy" } else { "fallback" })
}

/// The NSID a response carried, as text (bytes that are not printable ASCII as `\xNN`).
fn nsid(response: &hickory_resolver::proto::op::Message) -> Option<String> {
    let Some(EdnsOption::NSID(id)) = response.edns.as_ref()?.option(EdnsCode::NSID) else {
        return None;
    };
    Some(id.as_ref().iter().flat_map(|&b| std::ascii::escape_default(b)).map(char::from).collect())
}

/// The code as dig prints it (`REFUSED`, not "Query Refused").
fn mnemonic(code: ResponseCode) -> String {
    match code {
        ResponseCode::FormErr => "FORMERR".into(),
        ResponseCode::ServFail => "SERVFAIL".into(),
        ResponseCode::NXDomain => "NXDOMAIN".into(),
        ResponseCode::NotImp => "NOTIMP".into(),
        ResponseCode::Refused => "REFUSED".into(),
        ResponseCode::BADVERS => "BADVERS".into(),
        other => format!("RCODE{}", u16::from(other)),
    }
}
