//! `surplus dns zone`: the example config's zones as master files that hickory-proto's parser,
//! `nsd-checkzone` and Knot (`knotc zone-check`) all load, with the records `dns serve` answers
//! with when nothing is sold; the same as JSON; and its usage errors.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use hickory_proto::rr::{Name, RecordType};
use hickory_proto::serialize::txt::Parser;

use crate::test::{Scratch, system_tool};

const ZONES: [&str; 4] = ["cdn.example.net", "www.shop.example", "news.example.org", "api.example.net"];

fn zone_files(scratch: &Scratch) -> std::path::PathBuf {
    let out = scratch.dir.path().join("zones");
    let ran = scratch.surplus(&["dns", "zone", "--out", out.to_str().unwrap()]).run();
    let written: Vec<String> = ran.stdout.lines().map(String::from).collect();
    let want: Vec<String> = ZONES.iter().map(|z| out.join(format!("{z}.zone")).display().to_string()).collect();
    assert_eq!(written, want, "one file per zone, named APEX.zone, listed on stdout");
    out
}

/// Every record of one master file, as `(owner, type, data)`, read by hickory-proto's parser.
fn parse(path: &Path, apex: &str) -> BTreeSet<(String, RecordType, String)> {
    let text = std::fs::read_to_string(path).unwrap();
    let origin = Name::from_ascii(format!("{apex}.")).unwrap();
    let (parsed, sets) = Parser::new(text.as_str(), None, Some(origin.clone()))
        .parse()
        .unwrap_or_else(|e| panic!("{}: {e}\n{text}", path.display()));
    assert_eq!(parsed, origin);
    sets.values()
        .flat_map(|set| set.records_without_rrsigs().map(|r| (r.name.to_ascii(), r.record_type(), r.data.to_string())))
        .collect()
}

/// The network's zone holds its SOA, NS, the name servers' and proxies' addresses, and the
/// CNAME a handback host in it is served with when nothing is sold, with a comment saying what
/// decides it; a delegated handback host's zone only its SOA and NS: an apex is never a CNAME
/// (RFC 1034 §3.6.2, RFC 2181 §10.1), and nothing is learned of the buyer's addresses here.
#[test]
fn the_example_zones_parse_back_as_rfc_1035_master_files() {
    let scratch = Scratch::empty();
    let out = zone_files(&scratch);
    let zone = parse(&out.join("cdn.example.net.zone"), "cdn.example.net");
    let has = |set: &BTreeSet<(String, RecordType, String)>, owner: &str, rtype, data: &str| {
        assert!(set.contains(&(owner.to_string(), rtype, data.to_string())), "no {owner} {rtype} {data} in {set:#?}");
    };
    has(&zone, "cdn.example.net.", RecordType::NS, "ns1.cdn.example.net.");
    has(&zone, "cdn.example.net.", RecordType::NS, "ns2.cdn.example.net.");
    has(&zone, "ns1.cdn.example.net.", RecordType::A, "127.0.0.53");
    has(&zone, "edge-1.cdn.example.net.", RecordType::A, "127.0.0.11");
    has(&zone, "edge-1.cdn.example.net.", RecordType::AAAA, "::1");
    has(&zone, "edge-3.cdn.example.net.", RecordType::A, "127.0.0.13");
    has(&zone, "shop.cdn.example.net.", RecordType::CNAME, "origin.shop.example.");
    let soa: Vec<_> = zone.iter().filter(|(_, t, _)| *t == RecordType::SOA).collect();
    assert_eq!(soa.len(), 1, "{soa:?}");
    assert!(soa[0].2.starts_with("ns1.cdn.example.net. hostmaster.cdn.example.net. "), "{soa:?}");
    assert_eq!(zone.len(), 10, "{zone:#?}");

    let text = std::fs::read_to_string(out.join("cdn.example.net.zone")).unwrap();
    assert!(text.starts_with("; cdn.example.net.: the network's zone"), "{text}");
    assert!(text.contains("\n$ORIGIN cdn.example.net.\n$TTL 20\n"), "{text}");
    assert!(
        text.contains(
            "; shop.cdn.example.net.: proxies for the controller's fraction of client subnets, else the \
             fallback: CNAME origin.shop.example.\nshop.cdn.example.net. 20 IN CNAME origin.shop.example.\n"
        ),
        "{text}"
    );

    let shop = parse(&out.join("www.shop.example.zone"), "www.shop.example");
    let types: BTreeSet<RecordType> = shop.iter().map(|(_, t, _)| *t).collect();
    assert_eq!(types, BTreeSet::from([RecordType::SOA, RecordType::NS]), "{shop:#?}");
    let text = std::fs::read_to_string(out.join("www.shop.example.zone")).unwrap();
    assert!(!text.contains("CNAME origin"), "{text}");
    assert!(text.contains("A and AAAA are SERVFAIL"), "{text}");

    // `servers`: all of the buyer's servers (one is served per answer, by weight).
    let news = parse(&out.join("news.example.org.zone"), "news.example.org");
    has(&news, "news.example.org.", RecordType::A, "127.0.0.21");
    has(&news, "news.example.org.", RecordType::A, "127.0.0.22");
    let text = std::fs::read_to_string(out.join("news.example.org.zone")).unwrap();
    assert!(text.contains("; news.example.org.: proxies for the controller's fraction"), "{text}");

    // `resolve`: nothing learned here, so no address records until the first lookup.
    let text = std::fs::read_to_string(out.join("api.example.net.zone")).unwrap();
    assert!(text.contains("`dns.resolvers` give for origin.api.example.net"), "{text}");
    parse(&out.join("api.example.net.zone"), "api.example.net");

    // Every zone has the same serial, the one in its SOA.
    let serials: BTreeSet<u32> = ZONES
        .iter()
        .map(|z| {
            let set = parse(&out.join(format!("{z}.zone")), z);
            let soa = set.iter().find(|(_, t, _)| *t == RecordType::SOA).unwrap();
            soa.2.split(' ').nth(2).unwrap().parse().unwrap()
        })
        .collect();
    assert_eq!(serials.len(), 1, "{serials:?}");
}

/// What NSD and Knot, which load them, say of the files: no error, no warning.
#[test]
fn nsd_and_knot_accept_the_example_zones() {
    let scratch = Scratch::empty();
    let out = zone_files(&scratch);
    if system_tool("nsd-checkzone", "nsd") {
        for z in ZONES {
            let ran = Command::new("nsd-checkzone").arg(z).arg(out.join(format!("{z}.zone"))).output().unwrap();
            let (stdout, stderr) = (String::from_utf8_lossy(&ran.stdout), String::from_utf8_lossy(&ran.stderr));
            assert!(ran.status.success(), "nsd-checkzone {z}:\n{stdout}{stderr}");
            assert_eq!(stdout.trim(), format!("zone {z} is ok"), "{stderr}");
        }
    }
    if system_tool("knotc", "knot") {
        let dir = scratch.dir.path();
        std::fs::create_dir_all(dir.join("knot-db")).unwrap();
        let mut conf = format!(
            "database:\n    storage: \"{}\"\ntemplate:\n  - id: default\n    storage: \"{}\"\nzone:\n",
            dir.join("knot-db").display(),
            out.display()
        );
        for z in ZONES {
            conf.push_str(&format!("  - domain: {z}\n    file: {z}.zone\n"));
        }
        std::fs::write(dir.join("knot.conf"), conf).unwrap();
        let ran =
            Command::new("knotc").args(["-c", dir.join("knot.conf").to_str().unwrap(), "zone-check"]).output().unwrap();
        let stderr = String::from_utf8_lossy(&ran.stderr);
        assert!(ran.status.success(), "knotc zone-check:\n{stderr}");
        assert!(!stderr.contains("error") && !stderr.contains("warning"), "knotc zone-check:\n{stderr}");
    }
}

/// `--format json`: the same zones as data, the buyer hosts marked and explained.
#[test]
fn json_lists_every_record_and_marks_the_dynamic_names() {
    let scratch = Scratch::empty();
    let json = scratch.surplus(&["dns", "zone", "--format", "json"]).run().json();
    let zones = json["zones"].as_array().unwrap();
    let apexes: Vec<&str> = zones.iter().map(|z| z["apex"].as_str().unwrap()).collect();
    assert_eq!(apexes, ["cdn.example.net.", "www.shop.example.", "news.example.org.", "api.example.net."]);
    let net = &zones[0];
    assert_eq!((net["file"].as_str(), net["ttl"].as_u64()), (Some("cdn.example.net.zone"), Some(20)));
    let records = net["records"].as_array().unwrap();
    assert_eq!(records.len(), 10, "{records:#?}");
    let cname = records.iter().find(|r| r["type"] == "CNAME").unwrap();
    assert_eq!(
        (cname["name"].as_str(), cname["ttl"].as_u64(), cname["data"].as_str(), cname["dynamic"].as_bool()),
        (Some("shop.cdn.example.net."), Some(20), Some("origin.shop.example."), Some(true))
    );
    let soa = records.iter().find(|r| r["type"] == "SOA").unwrap();
    assert_eq!(soa["dynamic"], false);
    let serial: u64 = soa["data"].as_str().unwrap().split(' ').nth(2).unwrap().parse().unwrap();
    assert_eq!(net["serial"].as_u64(), Some(serial));
    assert_eq!(net["dynamic"][0]["name"], "shop.cdn.example.net.");
    assert_eq!(net["dynamic"][0]["buyer"], "shop");

    // The delegated handback host is never a CNAME (RFC 1034 §3.6.2): nothing learned yet, so
    // no address records, and the comment says A and AAAA are SERVFAIL until they are.
    let shop = &zones[1];
    let d = &shop["dynamic"][0];
    assert_eq!((d["name"].as_str(), d["unsold"].as_array().map(Vec::len)), (Some("www.shop.example."), Some(0)));
    assert!(d["decided_by"].as_str().unwrap().contains("SERVFAIL"), "{d}");
    assert!(shop["records"].as_array().unwrap().iter().all(|r| r["type"] != "CNAME"), "{shop}");
    let news = &zones[2];
    let a: Vec<&str> = news["records"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["type"] == "A")
        .map(|r| r["data"].as_str().unwrap())
        .collect();
    assert_eq!(a, ["127.0.0.21", "127.0.0.22"]);
}

#[test]
fn one_zone_and_usage_errors() {
    let scratch = Scratch::empty();
    let ran = scratch.surplus(&["dns", "zone", "--zone", "WWW.Shop.Example."]).run();
    assert!(ran.stdout.starts_with("; www.shop.example.: a buyer's host delegated to us"), "{}", ran.stdout);
    assert_eq!(ran.stdout.matches("$ORIGIN").count(), 1, "{}", ran.stdout);
    // The whole stream: one `$ORIGIN` section per zone.
    let all = scratch.surplus(&["dns", "zone"]).run();
    assert_eq!(all.stdout.matches("\n$ORIGIN ").count(), ZONES.len(), "{}", all.stdout);

    scratch
        .surplus(&["dns", "zone", "--zone", "example.com"])
        .status(2)
        .stderr(
            "error: --zone example.com: not one of our zones (cdn.example.net, www.shop.example, news.example.org, \
             api.example.net)\n",
        )
        .run();
    let dir = scratch.dir.path().join("json-out");
    scratch
        .surplus(&["dns", "zone", "--format", "json", "--out", dir.to_str().unwrap()])
        .status(2)
        .stderr_contains("--out writes master files")
        .run();
    assert!(!dir.exists(), "nothing written on bad usage");
    // A directory that cannot be made: one line, exit 1, nothing left behind.
    let file = scratch.file("not-a-dir", "");
    scratch
        .surplus(&["dns", "zone", "--out", file.join("zones").to_str().unwrap()])
        .status(1)
        .stderr_contains("cannot create the directory")
        .run();
}
