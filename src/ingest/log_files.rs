//! Finding and opening log files: glob patterns (so rotated files are read too) and gzip.

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::{Path, PathBuf};

use flate2::read::MultiGzDecoder;

/// Why a log path could not be expanded.
#[derive(Debug, thiserror::Error)]
pub enum LogPathError {
    #[error("{pattern}: not a valid glob pattern: {message}")]
    Pattern { pattern: String, message: String },
    #[error("{pattern}: no such file")]
    NoMatch { pattern: String },
    #[error("{path}: {error}")]
    Io { path: PathBuf, error: io::Error },
}

/// The files a path or glob pattern names, sorted; an error when it names none.
///
/// A pattern like `/var/log/nginx/access.log*` picks up `access.log.1`, `access.log.2.gz` ….
pub fn expand(pattern: &str) -> Result<Vec<PathBuf>, LogPathError> {
    let entries = glob::glob(pattern)
        .map_err(|e| LogPathError::Pattern { pattern: pattern.to_string(), message: e.msg.to_string() })?;
    let mut paths = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| LogPathError::Io { path: e.path().to_path_buf(), error: e.into() })?;
        if !path.is_dir() {
            paths.push(path);
        }
    }
    if paths.is_empty() {
        return Err(LogPathError::NoMatch { pattern: pattern.to_string() });
    }
    paths.sort();
    Ok(paths)
}

/// Opens a log file for reading, decompressing gzip (recognised by its magic bytes, not its
/// name, so `access.log.2.gz` and a gzip'd file without the suffix both work). `on_read` is
/// called with the number of bytes read from disk, for progress.
pub fn open<'p>(path: &Path, on_read: &'p (dyn Fn(u64) + Sync)) -> io::Result<Box<dyn Read + 'p>> {
    let mut file = BufReader::with_capacity(256 * 1024, Counted { inner: File::open(path)?, on_read });
    let magic = std::io::BufRead::fill_buf(&mut file)?;
    if magic.starts_with(&[0x1f, 0x8b]) {
        return Ok(Box::new(MultiGzDecoder::new(file)));
    }
    Ok(Box::new(file))
}

/// Size on disk, for progress totals; 0 when unknown.
pub fn size(path: &Path) -> u64 {
    std::fs::metadata(path).map_or(0, |m| m.len())
}

struct Counted<'p, R> {
    inner: R,
    on_read: &'p (dyn Fn(u64) + Sync),
}

impl<R: Read> Read for Counted<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        (self.on_read)(n as u64);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn expands_rotated_files_and_reads_gzip() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("access.log"), b"plain\n").unwrap();
        std::fs::write(dir.path().join("access.log.1"), b"one\n").unwrap();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(b"zipped\n").unwrap();
        std::fs::write(dir.path().join("access.log.2.gz"), gz.finish().unwrap()).unwrap();
        std::fs::create_dir(dir.path().join("access.log.d")).unwrap();

        let pattern = format!("{}/access.log*", dir.path().display());
        let paths = expand(&pattern).unwrap();
        let names: Vec<_> = paths.iter().map(|p| p.file_name().unwrap().to_str().unwrap()).collect();
        assert_eq!(names, ["access.log", "access.log.1", "access.log.2.gz"]);

        let read = std::sync::atomic::AtomicU64::new(0);
        let count = |n| {
            read.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
        };
        let mut text = String::new();
        open(&paths[2], &count).unwrap().read_to_string(&mut text).unwrap();
        assert_eq!(text, "zipped\n");
        assert_eq!(read.load(std::sync::atomic::Ordering::Relaxed), size(&paths[2]));
    }

    #[test]
    fn missing_files_are_errors() {
        let err = expand("/nonexistent/surplus/access.log*").unwrap_err();
        assert_eq!(err.to_string(), "/nonexistent/surplus/access.log*: no such file");
        assert!(matches!(expand("[").unwrap_err(), LogPathError::Pattern { .. }));
    }
}
