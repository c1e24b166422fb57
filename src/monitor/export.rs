//! `monitor export`'s counting: a proxy host's access logs followed ([`LogFollower`], across
//! rotation) and turned into counters per Host, rendered as Prometheus text that name servers on
//! other hosts read with `stats: {kind: prometheus, url: …/metrics, metric:
//! surplus_proxy_requests_total}` (the label is `host`, what that source reads by default).
//!
//! - Counters start at 0 when the exporter starts and count from each log's end (what was
//!   logged before is not this run's load), as the in-process monitor does. A restart is a
//!   counter reset, which both Prometheus's `rate()` and the `stats:` source take as one.
//! - Every line that parses counts, buyer's or not, so the name server's total load (the sum
//!   over hosts) is the proxy's; a line with no host counts under `host=""`.
//! - Hosts come from clients, so their number is capped: past `max_hosts` distinct hosts a new
//!   one counts under [`OTHER`]. Buyers' hosts given at the start are always their own series
//!   (at 0 from the first scrape, so the first reading already has a baseline).
//! - While a log cannot be read (gone past the follower's grace, a format that cannot be told
//!   or has no host) the scrape is refused ([`Rendered`]'s `Err`, a 503): the name server then
//!   counts the source as failed and holds, as it does when its own follower fails, instead of
//!   taking flat counters for an idle proxy.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::log_follower::LogFollower;
use super::proxy_monitor::host_key;
use super::stats_text::escape_label;
use crate::ingest::log_format::LineParser;
use crate::ingest::{JsonFields, LogFormat};
use crate::metrics_endpoint::Rendered;

/// The series hosts past the cap count under (an underscore: no real host name has one).
pub const OTHER: &str = "_other";
/// Lines looked at to detect a log's format (`auto`), as `report usage --logs` does.
const DETECT_LINES: usize = 200;

/// Requests and response bytes of one host.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub requests: u64,
    pub bytes: u64,
}

/// Counters per host, capped in number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostCounters {
    hosts: BTreeMap<String, Counts>,
    max_hosts: usize,
}

impl HostCounters {
    /// Counters with a series for each of `hosts` from the start, and room for `max_hosts` more.
    pub fn new(hosts: impl IntoIterator<Item = String>, max_hosts: usize) -> HostCounters {
        let hosts: BTreeMap<String, Counts> = hosts.into_iter().map(|h| (h, Counts::default())).collect();
        let max_hosts = max_hosts.saturating_add(hosts.len());
        HostCounters { hosts, max_hosts }
    }

    /// Counts one request for the logged host (`None`: the line has none).
    pub fn count(&mut self, logged: Option<&[u8]>, bytes: u64) {
        let key = logged.map(host_key).unwrap_or_default();
        let counts = if let Some(counts) = self.hosts.get_mut(&key) {
            counts
        } else {
            let key = if self.hosts.len() < self.max_hosts { key } else { OTHER.to_string() };
            self.hosts.entry(key).or_default()
        };
        counts.requests += 1;
        counts.bytes = counts.bytes.saturating_add(bytes);
    }

    /// The counts of `host` (lower case).
    pub fn get(&self, host: &str) -> Option<Counts> {
        self.hosts.get(host).copied()
    }
}

/// How a log's lines are read.
enum Reader {
    Parser(LineParser),
    /// `auto`: lines kept until their format can be told.
    Detect {
        fields: JsonFields,
        pending: Vec<Vec<u8>>,
    },
    /// The format could not be told, or has no host: this log stays failed.
    Failed(String),
}

/// One followed log and what was read of it.
struct FollowedLog {
    follower: LogFollower,
    reader: Reader,
    /// Bytes read (lines and their newlines) since the start, across rotations.
    read_bytes: u64,
    lines: u64,
    unparsed: u64,
    /// Why the last poll failed.
    error: Option<String>,
}

/// Every log of one proxy host, and the counters they feed.
pub struct Exporter {
    logs: Vec<FollowedLog>,
    counters: HostCounters,
}

/// A counter: its name, help, and its value of one host's counts or one log.
type Series<T> = (&'static str, &'static str, fn(&T) -> u64);

/// Why a log cannot be exported from the start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: the {format} format has no Host, so requests cannot be told apart by buyer")]
pub struct NoHost {
    pub path: String,
    pub format: &'static str,
}

impl Exporter {
    /// Follows each `(path, format)` (`None`: detect) from its end; `hosts` are the buyers'
    /// hosts, each a series from the start.
    pub fn new(
        logs: &[(PathBuf, Option<LogFormat>)],
        fields: &JsonFields,
        hosts: impl IntoIterator<Item = String>,
        max_hosts: usize,
    ) -> Result<Exporter, NoHost> {
        let mut followed = Vec::new();
        for (path, format) in logs {
            let reader = match format {
                Some(f) if !f.has_host() => {
                    return Err(NoHost { path: path.display().to_string(), format: f.name() });
                }
                Some(f) => Reader::Parser(LineParser::new(f.clone())),
                None => Reader::Detect { fields: fields.clone(), pending: Vec::new() },
            };
            followed.push(FollowedLog {
                follower: LogFollower::new(path),
                reader,
                read_bytes: 0,
                lines: 0,
                unparsed: 0,
                error: None,
            });
        }
        Ok(Exporter { logs: followed, counters: HostCounters::new(hosts, max_hosts) })
    }

    /// Reads what every log has gained; returns the logs whose state changed (failed, or
    /// read again), with the error if failed, for the operator's log.
    pub fn poll(&mut self) -> Vec<(PathBuf, Option<String>)> {
        let mut changed = Vec::new();
        for log in &mut self.logs {
            let before = log.error.clone();
            log.poll(&mut self.counters);
            if log.error != before {
                changed.push((log.follower.path().to_path_buf(), log.error.clone()));
            }
        }
        changed
    }

    pub fn counters(&self) -> &HostCounters {
        &self.counters
    }

    /// The exposition text (format 0.0.4), or why the logs cannot be trusted now.
    pub fn render(&self) -> Rendered {
        let failed: Vec<&str> = self.logs.iter().filter_map(|l| l.error.as_deref()).collect();
        if !failed.is_empty() {
            return Err(failed.join("\n"));
        }
        let mut out = String::new();
        let per_host: [Series<Counts>; 2] = [
            (
                "surplus_proxy_requests_total",
                "Requests logged per Host since monitor export started (counted from the logs' ends).",
                |c| c.requests,
            ),
            ("surplus_proxy_bytes_total", "Response bytes logged per Host since monitor export started.", |c| c.bytes),
        ];
        for (name, help, get) in per_host {
            let _ = writeln!(out, "# HELP {name} {help}");
            let _ = writeln!(out, "# TYPE {name} counter");
            for (host, counts) in &self.counters.hosts {
                let _ = writeln!(out, "{name}{{host=\"{}\"}} {}", escape_label(host), get(counts));
            }
        }
        let per_file: [Series<FollowedLog>; 3] = [
            (
                "surplus_proxy_log_read_bytes_total",
                "Bytes of each followed log read since monitor export started, across rotations (its position).",
                |l| l.read_bytes,
            ),
            ("surplus_proxy_log_lines_total", "Lines of each followed log read since monitor export started.", |l| {
                l.lines
            }),
            ("surplus_proxy_log_unparsed_lines_total", "Lines read that the log format did not parse.", |l| l.unparsed),
        ];
        for (name, help, get) in per_file {
            let _ = writeln!(out, "# HELP {name} {help}");
            let _ = writeln!(out, "# TYPE {name} counter");
            for log in &self.logs {
                let file = escape_label(&log.follower.path().to_string_lossy());
                let _ = writeln!(out, "{name}{{file=\"{file}\"}} {}", get(log));
            }
        }
        let name = "surplus_proxy_log_position_bytes";
        let _ = writeln!(
            out,
            "# HELP {name} Where each followed log is read to in its current file (0 again after a rotation)."
        );
        let _ = writeln!(out, "# TYPE {name} gauge");
        for log in &self.logs {
            if let Some(position) = log.follower.position() {
                let file = escape_label(&log.follower.path().to_string_lossy());
                let _ = writeln!(out, "{name}{{file=\"{file}\"}} {position}");
            }
        }
        Ok(out)
    }
}

impl FollowedLog {
    fn poll(&mut self, counters: &mut HostCounters) {
        let (reader, read_bytes, lines, unparsed) =
            (&mut self.reader, &mut self.read_bytes, &mut self.lines, &mut self.unparsed);
        let result = self.follower.poll(|line| {
            *read_bytes += line.len() as u64 + 1;
            *lines += 1;
            match reader {
                Reader::Parser(parser) => count(parser, line, counters, unparsed),
                Reader::Detect { pending, .. } => pending.push(line.to_vec()),
                Reader::Failed(_) => {}
            }
        });
        self.detect(counters);
        let path = self.follower.path();
        self.error = match (&self.reader, result) {
            (Reader::Failed(why), _) => Some(format!("{}: {why}", path.display())),
            (_, Err(e)) => Some(format!("{}: {e}", path.display())),
            (_, Ok(())) => None,
        };
    }

    /// `auto`: tells the format from the lines kept so far, and counts them once it can.
    fn detect(&mut self, counters: &mut HostCounters) {
        let Reader::Detect { fields, pending } = &mut self.reader else { return };
        if pending.is_empty() {
            return;
        }
        match LogFormat::detect(pending.iter().map(Vec::as_slice), fields) {
            Some(format) if !format.has_host() => {
                let why = format!("its lines are {format}, which has no Host: give a format with one");
                self.reader = Reader::Failed(why);
            }
            Some(format) => {
                let mut parser = LineParser::new(format);
                for line in std::mem::take(pending) {
                    count(&mut parser, &line, counters, &mut self.unparsed);
                }
                self.reader = Reader::Parser(parser);
            }
            None if pending.len() >= DETECT_LINES => {
                let why = format!("cannot tell the log format from its first {DETECT_LINES} lines; give it");
                self.reader = Reader::Failed(why);
            }
            None => {}
        }
    }
}

fn count(parser: &mut LineParser, line: &[u8], counters: &mut HostCounters, unparsed: &mut u64) {
    match parser.parse(line) {
        Ok(record) => counters.count(record.host.as_deref(), record.bytes),
        Err(_) => *unparsed += 1,
    }
}

/// Whether `path` names one live file rather than a glob (the follower reads one file; a glob
/// would also match rotated files, whose renames would count their lines again).
pub fn is_one_file(path: &Path) -> bool {
    !path.to_string_lossy().contains(['*', '?', '['])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::monitor::stats_text;
    use std::io::Write;

    const LINE: &str = r#"10.0.0.1 - - [02/Dec/2026:15:00:00 +0000] "GET / HTTP/1.1" 200 100 "-" "ua""#;

    fn line(host: &str, bytes: u64) -> String {
        format!("{} \"{host}\"\n", LINE.replace(" 100 ", &format!(" {bytes} ")))
    }

    fn append(path: &Path, text: &str) {
        std::fs::OpenOptions::new().create(true).append(true).open(path).unwrap().write_all(text.as_bytes()).unwrap();
    }

    fn requests(exporter: &Exporter) -> stats_text::HostCounters {
        stats_text::prometheus(&exporter.render().unwrap(), "surplus_proxy_requests_total", "host", &[])
    }

    #[test]
    fn counts_requests_and_bytes_per_host_in_any_case_and_caps_the_hosts() {
        let mut c = HostCounters::new(["www.shop.example".to_string()], 2);
        c.count(Some(b"WWW.Shop.Example."), 10);
        c.count(Some(b"www.shop.example"), 5);
        c.count(None, 7);
        c.count(Some(b"a.example"), 1);
        // The cap is reached: the buyer's host was given, `""` and a.example took the room.
        c.count(Some(b"b.example"), 2);
        c.count(Some(b"c.example"), 3);
        c.count(Some(b"a.example"), 1);
        assert_eq!(c.get("www.shop.example"), Some(Counts { requests: 2, bytes: 15 }));
        assert_eq!(c.get(""), Some(Counts { requests: 1, bytes: 7 }));
        assert_eq!(c.get("a.example"), Some(Counts { requests: 2, bytes: 2 }));
        assert_eq!(c.get(OTHER), Some(Counts { requests: 2, bytes: 5 }));
        assert_eq!(c.get("b.example"), None);
    }

    #[test]
    fn follows_from_the_end_across_a_rotation_and_renders_what_the_stats_source_reads() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("access.log");
        append(&path, &line("www.shop.example", 1));
        let format = LogFormat::CombinedHost;
        let mut e =
            Exporter::new(&[(path.clone(), Some(format))], &JsonFields::default(), ["www.shop.example".into()], 100)
                .unwrap();
        e.poll();
        assert_eq!(requests(&e), [("www.shop.example".to_string(), 0)].into(), "what was there before is not counted");
        append(&path, &(line("www.shop.example", 100) + &line("News.Example.org", 50) + "junk\n"));
        e.poll();
        std::fs::rename(&path, dir.path().join("access.log.1")).unwrap();
        append(&dir.path().join("access.log.1"), &line("www.shop.example", 100));
        append(&path, &line("www.shop.example", 100));
        e.poll();
        let got = requests(&e);
        assert_eq!(got["www.shop.example"], 3);
        assert_eq!(got["news.example.org"], 1);
        let text = e.render().unwrap();
        let bytes = stats_text::prometheus(&text, "surplus_proxy_bytes_total", "host", &[]);
        assert_eq!(bytes["www.shop.example"], 300);
        let read = stats_text::prometheus(&text, "surplus_proxy_log_read_bytes_total", "file", &[]);
        let appended = 3 * line("www.shop.example", 100).len() + line("News.Example.org", 50).len() + "junk\n".len();
        assert_eq!(read[&path.to_string_lossy().to_ascii_lowercase()], appended as u64);
        let position = stats_text::prometheus(&text, "surplus_proxy_log_position_bytes", "file", &[]);
        let live = line("www.shop.example", 100).len() as u64;
        assert_eq!(position[&path.to_string_lossy().to_ascii_lowercase()], live, "the new file's one line");
        let unparsed = stats_text::prometheus(&text, "surplus_proxy_log_unparsed_lines_total", "file", &[]);
        assert_eq!(unparsed.values().sum::<u64>(), 1);
        assert!(text.contains("# TYPE surplus_proxy_requests_total counter\n"), "{text}");
    }

    #[test]
    fn auto_detects_from_the_first_lines_and_refuses_a_format_without_host() {
        let dir = tempfile::tempdir().unwrap();
        let (with_host, without) = (dir.path().join("a.log"), dir.path().join("b.log"));
        append(&with_host, "");
        append(&without, "");
        let logs = [(with_host.clone(), None), (without.clone(), None)];
        let mut e = Exporter::new(&logs, &JsonFields::default(), [], 100).unwrap();
        append(&with_host, &(line("a.example", 1) + &line("a.example", 1)));
        e.poll();
        assert!(e.render().is_ok(), "nothing in b.log yet: nothing to distrust");
        assert_eq!(e.counters().get("a.example").map(|c| c.requests), Some(2));
        append(&without, &format!("{LINE}\n"));
        let changed = e.poll();
        assert_eq!(changed.len(), 1, "{changed:?}");
        let why = e.render().unwrap_err();
        assert!(why.contains("b.log: its lines are combined, which has no Host"), "{why}");
        let given = Exporter::new(&[(without, Some(LogFormat::Combined))], &JsonFields::default(), [], 1);
        assert!(given.is_err_and(|e| {
            e.to_string().ends_with("the combined format has no Host, so requests cannot be told apart by buyer")
        }));
        assert!(!is_one_file(Path::new("/var/log/nginx/access.log*")));
        assert!(is_one_file(Path::new("/var/log/nginx/access.log")));
    }
}
