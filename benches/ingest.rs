//! Log ingest speed: the per-line parsers, and a whole scan of a file on 1 and 2 threads.
//!
//! `cargo bench --bench ingest`. The side-by-side comparison with GoAccess is
//! `../shared/bench/logs-vs-goaccess.sh` (see the README).

use std::hint::black_box;
use std::io::Write;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use surplus::core::window::Slot;
use surplus::ingest::log_format::LineParser;
use surplus::ingest::scan::{ScanFile, ScanOptions, scan};
use surplus::ingest::{JsonFields, LogFormat};

const LINES: usize = 10_000;

fn sample(format: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for i in 0..LINES {
        let (h, m, s) = (i / 3600 % 24, i / 60 % 60, i % 60);
        let stamp = format!("24/Nov/2025:{h:02}:{m:02}:{s:02} +0000");
        let line = match format {
            "combined" => format!(
                r#"203.0.113.{} - - [{stamp}] "GET /product/{i} HTTP/1.1" 200 {} "-" "Mozilla/5.0 (X11; Linux x86_64)""#,
                i % 250,
                1000 + i
            ),
            "vhost_combined" => format!(
                r#"www.shop.example:443 203.0.113.{} - - [{stamp}] "GET /product/{i} HTTP/1.1" 200 {} "-" "Mozilla/5.0 (X11; Linux x86_64)""#,
                i % 250,
                1000 + i
            ),
            "squid" => format!(
                "{}.123 {:>6} 203.0.113.{} TCP_MISS/200 {} GET http://www.shop.example/product/{i} - HIER_DIRECT/192.0.2.1 text/html",
                1_763_942_400 + i,
                12,
                i % 250,
                1000 + i
            ),
            "json" => format!(
                r#"{{"time":"2025-11-24T{h:02}:{m:02}:{s:02}+00:00","remote_addr":"203.0.113.{}","host":"www.shop.example","request":"GET /product/{i} HTTP/1.1","status":200,"body_bytes_sent":{}}}"#,
                i % 250,
                1000 + i
            ),
            other => panic!("{other}"),
        };
        out.extend_from_slice(line.as_bytes());
        out.push(b'\n');
    }
    out
}

fn parsers(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse");
    for name in ["combined", "vhost_combined", "squid", "json"] {
        let data = sample(name);
        let format = LogFormat::from_name(name, &JsonFields::default()).unwrap();
        group.throughput(Throughput::Bytes(data.len() as u64));
        group.bench_function(name, |b| {
            let mut parser = LineParser::new(format.clone());
            b.iter(|| {
                let mut sum = 0i64;
                for line in data.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
                    sum += parser.parse(black_box(line)).map_or(0, |r| r.time);
                }
                sum
            });
        });
    }
    group.finish();
}

fn whole_scan(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("access.log");
    let mut file = std::fs::File::create(&path).unwrap();
    let block = sample("vhost_combined");
    for _ in 0..20 {
        file.write_all(&block).unwrap();
    }
    drop(file);
    let bytes = std::fs::metadata(&path).unwrap().len();
    let mut group = c.benchmark_group("scan_200k_lines");
    group.throughput(Throughput::Bytes(bytes)).sample_size(20);
    for threads in [1, 2] {
        let opts =
            ScanOptions { slot: Slot::HOUR, since: None, until: None, threads, json_fields: JsonFields::default() };
        let files = [ScanFile { path: path.clone(), source: 0, format: Some(LogFormat::VhostCombined) }];
        group.bench_function(format!("{threads}_threads"), |b| {
            b.iter(|| scan(&files, 1, &opts, &|_| {}).unwrap().sources[0].requests());
        });
    }
    group.finish();
}

criterion_group!(benches, parsers, whole_scan);
criterion_main!(benches);
