//! One streaming pass over many log files into per-second counts, on all cores.
//!
//! The calling thread reads (and decompresses) files into blocks of whole lines; worker threads
//! parse blocks and count requests into their own [`SecondCounts`], merged at the end. Blocks are
//! recycled, so memory is a few blocks per thread plus the counts, whatever the log's size. Line
//! numbers of bad lines are recovered after the fact from each block's sequence number and line
//! count, so workers never wait on each other.

use std::io::{self, Read};
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};

use memchr::{memchr_iter, memrchr};

use super::LineError;
use super::log_files;
use super::log_format::{JsonFields, LineParser, LogFormat};
use crate::core::second_counts::SecondCounts;
use crate::core::window::Slot;

/// Bytes per block handed to a worker.
const BLOCK: usize = 1 << 20;
/// A line longer than this is not a log line; the file is refused rather than buffered whole.
const MAX_LINE: usize = 16 << 20;
/// How much of a file is looked at to detect its format.
const SAMPLE: usize = 64 * 1024;
/// Bad lines remembered per file, for the report.
const BAD_SAMPLES: usize = 5;

/// One file to read, the source its requests count for, and its format (`None`: detect).
#[derive(Debug, Clone)]
pub struct ScanFile {
    pub path: PathBuf,
    pub source: usize,
    pub format: Option<LogFormat>,
}

/// What to count.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    pub slot: Slot,
    /// Only requests at or after this unix time.
    pub since: Option<i64>,
    /// Only requests before this unix time.
    pub until: Option<i64>,
    /// Worker threads (at least 1).
    pub threads: usize,
    /// JSON field names used when a file's format is detected as JSON.
    pub json_fields: JsonFields,
}

/// A skipped line: where, why, and its start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadLine {
    /// 1-based line number in the (decompressed) file.
    pub line: u64,
    pub error: LineError,
    /// The line's first characters, for the report.
    pub text: String,
}

/// What reading one file found.
#[derive(Debug, Clone)]
pub struct FileSummary {
    pub path: PathBuf,
    pub format: LogFormat,
    pub lines: u64,
    /// Malformed lines (counted, reported, not used).
    pub skipped: u64,
    /// Good lines outside `--since`/`--until`.
    pub filtered: u64,
    /// The first few malformed lines.
    pub bad: Vec<BadLine>,
}

/// The result of a scan: counts per source, and a summary per file in input order.
#[derive(Debug)]
pub struct Scan {
    pub sources: Vec<SecondCounts>,
    pub files: Vec<FileSummary>,
}

/// Why a scan failed.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("{path}: {error}")]
    Io { path: PathBuf, error: io::Error },
    #[error("{path}: cannot tell the log format from its first lines; give it with --log-format")]
    Undetectable { path: PathBuf },
    #[error("{path}: a line longer than {} MiB; not an access log", MAX_LINE >> 20)]
    LongLine { path: PathBuf },
    /// Most lines malformed: the wrong file, or the wrong `--log-format`.
    #[error("{path}: {detail}")]
    NotALog { path: PathBuf, detail: String },
    /// The system would not start as many worker threads as asked for.
    #[error("cannot start {threads} worker threads: {error}; ask for fewer with --threads")]
    Threads { threads: usize, error: io::Error },
}

/// Reads every file once and counts its requests into `sources` per-second series.
///
/// `on_read` is called from the reading thread with bytes read from disk, for progress.
pub fn scan(
    files: &[ScanFile],
    sources: usize,
    opts: &ScanOptions,
    on_read: &(dyn Fn(u64) + Sync),
) -> Result<Scan, ScanError> {
    let threads = opts.threads.max(1);
    let (block_tx, block_rx) = sync_channel::<Block>(threads * 2);
    let (spare_tx, spare_rx) = sync_channel::<Vec<u8>>(threads * 4);
    let block_rx = Arc::new(Mutex::new(block_rx));
    let formats: Arc<Mutex<Vec<Option<LogFormat>>>> = Arc::new(Mutex::new(vec![None; files.len()]));

    let (read_result, results) = std::thread::scope(|scope| {
        // Builder, not `scope.spawn`: a count the system cannot start is an error, not a panic.
        let mut workers = Vec::with_capacity(threads);
        for _ in 0..threads {
            let (rx, spare, formats) = (Arc::clone(&block_rx), spare_tx.clone(), Arc::clone(&formats));
            let worker = Worker::new(files, sources, opts);
            match std::thread::Builder::new().spawn_scoped(scope, move || worker.run(&rx, &spare, &formats)) {
                Ok(handle) => workers.push(handle),
                Err(error) => {
                    drop(block_tx); // the workers started see the channel close, and stop
                    return (Err(ScanError::Threads { threads, error }), Vec::new());
                }
            }
        }
        drop(spare_tx);
        let read = read_all(files, opts, &block_tx, &spare_rx, &formats, on_read);
        drop(block_tx);
        let results: Vec<WorkerResult> = workers.into_iter().map(|w| w.join().expect("scan worker panicked")).collect();
        (read, results)
    });
    read_result?;

    let formats = Arc::try_unwrap(formats).expect("workers joined").into_inner().expect("not poisoned");
    let mut counts: Vec<SecondCounts> = (0..sources).map(|_| SecondCounts::new(opts.slot)).collect();
    let mut blocks = Vec::new();
    for result in results {
        for (mine, theirs) in counts.iter_mut().zip(result.counts) {
            mine.merge(theirs);
        }
        blocks.extend(result.blocks);
    }
    let summaries = summarize(files, formats, blocks);
    for summary in &summaries {
        check_is_log(summary, opts)?;
    }
    Ok(Scan { sources: counts, files: summaries })
}

/// A run of whole lines from one file.
struct Block {
    file: usize,
    seq: u64,
    data: Vec<u8>,
}

/// Per-block tallies, kept to rebuild line numbers.
struct BlockStats {
    file: usize,
    seq: u64,
    lines: u64,
    skipped: u64,
    filtered: u64,
    bad: Vec<BadLine>,
}

struct WorkerResult {
    counts: Vec<SecondCounts>,
    blocks: Vec<BlockStats>,
}

struct Worker<'a> {
    files: &'a [ScanFile],
    opts: &'a ScanOptions,
    parsers: Vec<Option<LineParser>>,
    counts: Vec<SecondCounts>,
    blocks: Vec<BlockStats>,
}

impl<'a> Worker<'a> {
    fn new(files: &'a [ScanFile], sources: usize, opts: &'a ScanOptions) -> Worker<'a> {
        Worker {
            files,
            opts,
            parsers: vec![None; files.len()],
            counts: (0..sources).map(|_| SecondCounts::new(opts.slot)).collect(),
            blocks: Vec::new(),
        }
    }

    fn run(
        mut self,
        rx: &Mutex<Receiver<Block>>,
        spare: &SyncSender<Vec<u8>>,
        formats: &Mutex<Vec<Option<LogFormat>>>,
    ) -> WorkerResult {
        loop {
            let block = match rx.lock().expect("not poisoned").recv() {
                Ok(block) => block,
                Err(_) => break,
            };
            if self.parsers[block.file].is_none() {
                let format =
                    formats.lock().expect("not poisoned")[block.file].clone().expect("format set before blocks");
                self.parsers[block.file] = Some(LineParser::new(format));
            }
            self.count(&block);
            let mut data = block.data;
            data.clear();
            let _ = spare.try_send(data);
        }
        WorkerResult { counts: self.counts, blocks: self.blocks }
    }

    fn count(&mut self, block: &Block) {
        let parser = self.parsers[block.file].as_mut().expect("parser set");
        let counts = &mut self.counts[self.files[block.file].source];
        let (since, until) = (self.opts.since.unwrap_or(i64::MIN), self.opts.until.unwrap_or(i64::MAX));
        let mut stats =
            BlockStats { file: block.file, seq: block.seq, lines: 0, skipped: 0, filtered: 0, bad: Vec::new() };
        let data = &block.data[..];
        let mut start = 0;
        let ends =
            memchr_iter(b'\n', data).chain((data.last() != Some(&b'\n') && !data.is_empty()).then_some(data.len()));
        for end in ends {
            let line = &data[start..end];
            start = end + 1;
            stats.lines += 1;
            match parser.parse(line) {
                Ok(r) if r.time >= since && r.time < until => counts.record(r.time, r.bytes),
                Ok(r) => {
                    counts.see(r.time);
                    stats.filtered += 1;
                }
                Err(error) => {
                    stats.skipped += 1;
                    if stats.bad.len() < BAD_SAMPLES {
                        stats.bad.push(BadLine { line: stats.lines, error, text: excerpt(line) });
                    }
                }
            }
        }
        self.blocks.push(stats);
    }
}

fn excerpt(line: &[u8]) -> String {
    let text = String::from_utf8_lossy(&line[..line.len().min(80)]);
    let text: String = text.chars().map(|c| if c.is_control() { '?' } else { c }).collect();
    if line.len() > 80 { format!("{text}…") } else { text }
}

fn read_all(
    files: &[ScanFile],
    opts: &ScanOptions,
    tx: &SyncSender<Block>,
    spare: &Receiver<Vec<u8>>,
    formats: &Mutex<Vec<Option<LogFormat>>>,
    on_read: &(dyn Fn(u64) + Sync),
) -> Result<(), ScanError> {
    for (index, file) in files.iter().enumerate() {
        let io_err = |error| ScanError::Io { path: file.path.clone(), error };
        let mut reader = log_files::open(&file.path, on_read).map_err(io_err)?;
        let mut buf = Vec::with_capacity(BLOCK + 64 * 1024);
        fill(&mut reader, &mut buf, SAMPLE).map_err(io_err)?;
        let format = match &file.format {
            Some(format) => format.clone(),
            // logrotate leaves a new, empty access.log behind: nothing to detect, nothing to count.
            None if buf.is_empty() => LogFormat::Combined,
            None => {
                detect(&buf, &opts.json_fields).ok_or_else(|| ScanError::Undetectable { path: file.path.clone() })?
            }
        };
        formats.lock().expect("not poisoned")[index] = Some(format);
        read_blocks(index, &mut reader, buf, tx, spare).map_err(|e| match e {
            ReadError::Io(error) => ScanError::Io { path: file.path.clone(), error },
            ReadError::LongLine => ScanError::LongLine { path: file.path.clone() },
        })?;
    }
    Ok(())
}

fn detect(sample: &[u8], fields: &JsonFields) -> Option<LogFormat> {
    // Leave out the last line: it is probably cut off by the sample's end.
    let whole = memrchr(b'\n', sample).map_or(sample, |i| &sample[..i]);
    LogFormat::detect(whole.split(|&b| b == b'\n').take(200), fields)
}

enum ReadError {
    Io(io::Error),
    LongLine,
}

/// Sends `reader`'s content (after what is already in `buf`) as blocks of whole lines.
fn read_blocks(
    file: usize,
    reader: &mut dyn Read,
    mut buf: Vec<u8>,
    tx: &SyncSender<Block>,
    spare: &Receiver<Vec<u8>>,
) -> Result<(), ReadError> {
    let mut seq = 0;
    let mut want = BLOCK;
    loop {
        let eof = fill(reader, &mut buf, want).map_err(ReadError::Io)?;
        if eof {
            if !buf.is_empty() {
                let _ = tx.send(Block { file, seq, data: buf });
            }
            return Ok(());
        }
        let Some(last_newline) = memrchr(b'\n', &buf) else {
            if buf.len() >= MAX_LINE {
                return Err(ReadError::LongLine);
            }
            want = buf.len() * 2;
            continue;
        };
        let mut next = spare.try_recv().unwrap_or_else(|_| Vec::with_capacity(BLOCK + 64 * 1024));
        next.extend_from_slice(&buf[last_newline + 1..]);
        buf.truncate(last_newline + 1);
        if tx.send(Block { file, seq, data: buf }).is_err() {
            return Ok(());
        }
        seq += 1;
        buf = next;
        want = BLOCK;
    }
}

/// Reads until `buf` holds `want` bytes or the input ends; returns whether it ended.
fn fill(reader: &mut dyn Read, buf: &mut Vec<u8>, want: usize) -> io::Result<bool> {
    let need = want.saturating_sub(buf.len());
    if need == 0 {
        return Ok(false);
    }
    let got = reader.take(need as u64).read_to_end(buf)?;
    Ok(got < need)
}

fn summarize(files: &[ScanFile], formats: Vec<Option<LogFormat>>, mut blocks: Vec<BlockStats>) -> Vec<FileSummary> {
    blocks.sort_by_key(|b| (b.file, b.seq));
    let mut summaries: Vec<FileSummary> = files
        .iter()
        .zip(formats)
        .map(|(f, format)| FileSummary {
            path: f.path.clone(),
            format: format.unwrap_or(LogFormat::Combined),
            lines: 0,
            skipped: 0,
            filtered: 0,
            bad: Vec::new(),
        })
        .collect();
    for block in blocks {
        let s = &mut summaries[block.file];
        for mut bad in block.bad {
            if s.bad.len() < BAD_SAMPLES {
                bad.line += s.lines;
                s.bad.push(bad);
            }
        }
        s.lines += block.lines;
        s.skipped += block.skipped;
        s.filtered += block.filtered;
    }
    summaries
}

/// A file whose lines are mostly malformed is the wrong file or the wrong format: refuse it.
fn check_is_log(s: &FileSummary, opts: &ScanOptions) -> Result<(), ScanError> {
    if s.lines == 0 || s.skipped * 2 <= s.lines {
        return Ok(());
    }
    let first = s.bad.first().expect("a skipped line was sampled");
    let hint = guess_other_format(s, opts).map(|f| format!("; it looks like {f}")).unwrap_or_default();
    Err(ScanError::NotALog {
        path: s.path.clone(),
        detail: format!(
            "not a {} log: {} of {} lines malformed (line {}: {}: {}){hint}",
            s.format.name(),
            s.skipped,
            s.lines,
            first.line,
            first.error,
            first.text
        ),
    })
}

fn guess_other_format(s: &FileSummary, opts: &ScanOptions) -> Option<String> {
    let mut reader = log_files::open(&s.path, &|_| {}).ok()?;
    let mut sample = Vec::new();
    fill(&mut reader, &mut sample, SAMPLE).ok()?;
    detect(&sample, &opts.json_fields).filter(|f| f.name() != s.format.name()).map(|f| f.name().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(threads: usize) -> ScanOptions {
        ScanOptions { slot: Slot::HOUR, since: None, until: None, threads, json_fields: JsonFields::default() }
    }

    fn line(t: &str, bytes: u32) -> String {
        format!("h.example:80 10.0.0.1 - - [{t} +0000] \"GET / HTTP/1.1\" 200 {bytes} \"-\" \"ua\"\n")
    }

    #[test]
    fn counts_across_blocks_threads_and_files() {
        let dir = tempfile::tempdir().unwrap();
        // ~200k lines so several 1 MiB blocks are in flight; out of order at the end.
        let mut text = String::new();
        for i in 0..200_000u32 {
            let s = i % 3600;
            text += &line(&format!("24/Nov/2025:01:{:02}:{:02}", s / 60, s % 60), 1);
        }
        text += &line("24/Nov/2025:00:59:59", 1000);
        text += "not a log line\n";
        let a = dir.path().join("a.log");
        std::fs::write(&a, &text).unwrap();
        let b = dir.path().join("b.log");
        std::fs::write(&b, line("24/Nov/2025:02:00:00", 5)).unwrap();

        for threads in [1, 3] {
            let files = [
                ScanFile { path: a.clone(), source: 0, format: None },
                ScanFile { path: b.clone(), source: 1, format: Some(LogFormat::VhostCombined) },
            ];
            let scan = scan(&files, 2, &options(threads), &|_| {}).unwrap();
            let hour1 = 1_763_942_400 / 3600 + 1;
            let c = scan.sources[0].get(hour1).unwrap();
            assert_eq!(c.requests, 200_000);
            assert_eq!(c.per_second[0], 56); // 200_000 / 3600 = 55.5…: seconds 0..1999 get 56
            assert_eq!(c.per_second[3599], 55);
            assert_eq!(scan.sources[0].get(hour1 - 1).unwrap().bytes, 1000);
            assert_eq!(scan.sources[1].requests(), 1);
            let s = &scan.files[0];
            assert_eq!((s.format.name(), s.lines, s.skipped, s.filtered), ("vhost_combined", 200_002, 1, 0));
            assert_eq!(s.bad[0].line, 200_002);
            assert_eq!(s.bad[0].text, "not a log line");
        }
    }

    #[test]
    fn since_until_filter() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.log");
        let text: String = ["24/Nov/2025:00:00:00", "24/Nov/2025:00:00:01", "24/Nov/2025:00:00:02"]
            .iter()
            .map(|t| line(t, 1))
            .collect();
        std::fs::write(&p, text).unwrap();
        let mut opts = options(2);
        opts.since = Some(1_763_942_401);
        opts.until = Some(1_763_942_402);
        let scan = scan(&[ScanFile { path: p, source: 0, format: None }], 1, &opts, &|_| {}).unwrap();
        assert_eq!(scan.sources[0].requests(), 1);
        assert_eq!(scan.files[0].filtered, 2);
    }

    #[test]
    fn refuses_files_that_are_not_logs() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("notes.txt");
        std::fs::write(&p, "shopping list\neggs\nmilk\n").unwrap();
        let err = scan(&[ScanFile { path: p.clone(), source: 0, format: None }], 1, &options(1), &|_| {}).unwrap_err();
        assert!(matches!(err, ScanError::Undetectable { .. }), "{err}");

        let combined = "10.0.0.1 - - [24/Nov/2025:00:00:01 +0000] \"GET / HTTP/1.1\" 200 5 \"-\" \"ua\"\n".repeat(3);
        std::fs::write(&p, combined).unwrap();
        let files = [ScanFile { path: p.clone(), source: 0, format: Some(LogFormat::Squid) }];
        let err = scan(&files, 1, &options(1), &|_| {}).unwrap_err().to_string();
        assert!(err.ends_with("notes.txt: not a squid log: 3 of 3 lines malformed (line 1: bad time: 10.0.0.1 - - [24/Nov/2025:00:00:01 +0000] \"GET / HTTP/1.1\" 200 5 \"-\" \"ua\"); it looks like combined")
            || err.contains("not a squid log: 3 of 3 lines malformed (line 1:"), "{err}");
        assert!(err.contains("it looks like combined"), "{err}");
    }

    #[test]
    fn an_empty_file_is_no_lines_not_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let (empty, full) = (dir.path().join("access.log"), dir.path().join("access.log.1"));
        std::fs::write(&empty, "").unwrap();
        std::fs::write(&full, line("24/Nov/2025:00:00:00", 1)).unwrap();
        let files =
            [ScanFile { path: empty, source: 0, format: None }, ScanFile { path: full, source: 0, format: None }];
        let scan = scan(&files, 1, &options(2), &|_| {}).unwrap();
        assert_eq!((scan.files[0].lines, scan.files[1].lines), (0, 1));
        assert_eq!(scan.sources[0].requests(), 1);
    }

    #[test]
    fn missing_file() {
        let files = [ScanFile { path: "/nonexistent/x.log".into(), source: 0, format: None }];
        let err = scan(&files, 1, &options(1), &|_| {}).unwrap_err();
        assert_eq!(err.to_string(), "/nonexistent/x.log: No such file or directory (os error 2)");
    }
}
