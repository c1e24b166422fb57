//! Requests per buyer per time bucket, counted by Host from access logs: the recount
//! `report usage --logs` holds the ledger's served requests against.
//!
//! One sequential pass per file (rotated and gzip'd files too); a reconciliation reads the
//! logs of one report's time, not a month of a whole network, so it does not need
//! [`super::scan`]'s threads.

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use super::log_files;
use super::log_format::{JsonFields, LineParser, LogFormat};

/// Lines looked at to detect a file's format.
const DETECT_LINES: usize = 200;

/// What the logs say.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct HostCounts {
    /// Per buyer index: requests per bucket start.
    pub buckets: Vec<BTreeMap<i64, u64>>,
    /// Lines read, lines that did not parse, and requests for hosts of no buyer.
    pub lines: u64,
    pub skipped: u64,
    pub other_hosts: u64,
}

/// Why a recount failed.
#[derive(Debug, thiserror::Error)]
pub enum HostCountError {
    #[error("{path}: {error}")]
    Io { path: PathBuf, error: std::io::Error },
    #[error("{path}: cannot tell the log format from its first lines; give it with --log-format")]
    Undetectable { path: PathBuf },
    #[error("{path}: the {format} format has no Host, so requests cannot be told apart by buyer")]
    NoHost { path: PathBuf, format: &'static str },
}

/// What to count: buyer by lower-case host, the time range, and the bucket length.
#[derive(Debug, Clone)]
pub struct HostCountOptions {
    pub hosts: HashMap<String, usize>,
    pub buyers: usize,
    pub from: i64,
    pub to: i64,
    pub span: i64,
    /// `None`: detect each file's format.
    pub format: Option<LogFormat>,
    pub json_fields: JsonFields,
}

/// Counts every file's requests in `[from, to)` per buyer and bucket.
pub fn count_hosts(paths: &[PathBuf], opts: &HostCountOptions) -> Result<HostCounts, HostCountError> {
    let mut counts = HostCounts { buckets: vec![BTreeMap::new(); opts.buyers], ..HostCounts::default() };
    for path in paths {
        count_file(path, opts, &mut counts)?;
    }
    Ok(counts)
}

fn count_file(path: &Path, opts: &HostCountOptions, counts: &mut HostCounts) -> Result<(), HostCountError> {
    let io = |error| HostCountError::Io { path: path.to_path_buf(), error };
    let mut reader = BufReader::new(log_files::open(path, &|_| {}).map_err(io)?);
    let mut line = Vec::new();
    let mut head: Vec<Vec<u8>> = Vec::new();
    let format = match &opts.format {
        Some(f) => f.clone(),
        None => {
            while head.len() < DETECT_LINES && read_line(&mut reader, &mut line).map_err(io)? {
                head.push(line.clone());
            }
            LogFormat::detect(head.iter().map(Vec::as_slice), &opts.json_fields)
                .ok_or_else(|| HostCountError::Undetectable { path: path.to_path_buf() })?
        }
    };
    if !format.has_host() {
        return Err(HostCountError::NoHost { path: path.to_path_buf(), format: format.name() });
    }
    let mut parser = LineParser::new(format);
    let mut count = |text: &[u8]| {
        if text.is_empty() {
            return;
        }
        counts.lines += 1;
        let Ok(record) = parser.parse(text) else {
            counts.skipped += 1;
            return;
        };
        if record.time < opts.from || record.time >= opts.to {
            return;
        }
        let host = record.host.map(|h| String::from_utf8_lossy(&h).to_ascii_lowercase()).unwrap_or_default();
        match opts.hosts.get(host.trim_end_matches('.')) {
            Some(&buyer) => {
                *counts.buckets[buyer].entry(record.time - record.time.rem_euclid(opts.span)).or_default() += 1;
            }
            None => counts.other_hosts += 1,
        }
    };
    for text in &head {
        count(text);
    }
    while read_line(&mut reader, &mut line).map_err(io)? {
        count(&line);
    }
    Ok(())
}

/// The next line without its end, or `false` at the end of the file.
fn read_line(reader: &mut impl BufRead, line: &mut Vec<u8>) -> std::io::Result<bool> {
    line.clear();
    if reader.read_until(b'\n', line)? == 0 {
        return Ok(false);
    }
    while line.last().is_some_and(|&b| b == b'\n' || b == b'\r') {
        line.pop();
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_requests_by_buyer_host_and_bucket() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("access.log");
        let line = |host: &str, time: &str| {
            format!("{host}:443 203.0.113.9 - - [25/Nov/2026:{time} +0000] \"GET / HTTP/1.1\" 200 10 \"-\" \"t\"\n")
        };
        let text = [
            line("www.shop.example", "00:00:01"),
            line("WWW.SHOP.EXAMPLE", "00:04:59"),
            line("www.shop.example", "00:05:00"),
            line("news.example.org", "00:06:00"),
            line("elsewhere.example", "00:06:00"),
            line("www.shop.example", "00:10:00"), // after `to`
            "garbage\n".to_string(),
        ]
        .concat();
        std::fs::write(&path, text).unwrap();
        let t = 1_795_564_800; // 2026-11-25T00:00:00Z
        let opts = HostCountOptions {
            hosts: HashMap::from([("www.shop.example".into(), 0), ("news.example.org".into(), 1)]),
            buyers: 2,
            from: t,
            to: t + 600,
            span: 300,
            format: None,
            json_fields: JsonFields::default(),
        };
        let counts = count_hosts(&[path], &opts).unwrap();
        assert_eq!(counts.buckets[0], BTreeMap::from([(t, 2), (t + 300, 1)]));
        assert_eq!(counts.buckets[1], BTreeMap::from([(t + 300, 1)]));
        assert_eq!((counts.lines, counts.skipped, counts.other_hosts), (7, 1, 1));
    }

    #[test]
    fn a_format_without_the_host_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("access.log");
        std::fs::write(&path, "203.0.113.9 - - [25/Nov/2026:00:00:01 +0000] \"GET / HTTP/1.1\" 200 10\n").unwrap();
        let opts = HostCountOptions {
            hosts: HashMap::new(),
            buyers: 0,
            from: 0,
            to: i64::MAX,
            span: 300,
            format: None,
            json_fields: JsonFields::default(),
        };
        let err = count_hosts(std::slice::from_ref(&path), &opts).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("{}: the common format has no Host, so requests cannot be told apart by buyer", path.display())
        );
    }
}
