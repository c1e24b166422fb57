//! Follows an access log as it grows, like `tail -F`: complete lines only, and across rotation.
//!
//! - **Rename** (logrotate's default, then nginx reopens on USR1): the path names a new file.
//!   The old one is read to its end first, since the proxy may have written to it until it
//!   reopened, then the new one from its start.
//! - **Truncate** (`copytruncate`): the file is shorter than what was read; read again from
//!   its start.
//! - **Missing**: the old file is kept and read; the path is tried again at every poll. With no
//!   file at all the follower reports an error, and the monitor counts the proxy as failed.
//!   So it does when the path stays missing for [`MISSING_GRACE`]: between logrotate's rename
//!   and the proxy's reopen there are milliseconds, so a path gone for seconds was deleted (or
//!   its directory moved), and the old file, which may still grow, no longer says what the
//!   operator's log says. The controller then holds and walks down rather than trust it.
//!
//! The file is opened at its end: what was written before surplus started is not served load
//! of this run.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// At most this much is read per poll, so one poll cannot stall the watcher on a huge backlog.
const MAX_READ: usize = 16 << 20;
/// How long the path may be missing before the log counts as gone.
pub const MISSING_GRACE: Duration = Duration::from_secs(5);

/// An open file and where we are in it.
struct Open {
    file: File,
    inode: (u64, u64),
    position: u64,
}

/// One followed log.
pub struct LogFollower {
    path: PathBuf,
    open: Option<Open>,
    /// The start of a line whose end has not been written yet.
    partial: Vec<u8>,
    buffer: Vec<u8>,
    /// Since when the path has been missing while the old file is read.
    missing_since: Option<Instant>,
    grace: Duration,
}

impl LogFollower {
    /// Follows `path` from its current end (from the start of a file that appears later).
    pub fn new(path: &Path) -> LogFollower {
        let open = File::open(path).ok().and_then(|file| {
            let meta = file.metadata().ok()?;
            Some(Open { inode: (meta.dev(), meta.ino()), position: meta.len(), file })
        });
        LogFollower {
            path: path.to_path_buf(),
            open,
            partial: Vec::new(),
            buffer: Vec::new(),
            missing_since: None,
            grace: MISSING_GRACE,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Where it is in the file it reads now (`None`: no file yet): the byte after the last
    /// one read, back to 0 at a rotation.
    pub fn position(&self) -> Option<u64> {
        self.open.as_ref().map(|o| o.position)
    }

    /// Reads what was added since the last poll and calls `line` for each complete line
    /// (without its `\n`). Errs when there is no file to read at all.
    pub fn poll(&mut self, mut line: impl FnMut(&[u8])) -> io::Result<()> {
        let current = std::fs::metadata(&self.path);
        let Some(open) = &mut self.open else {
            current?;
            self.open = Some(Self::open_start(&self.path)?);
            return self.poll(line);
        };
        let replaced = current.as_ref().is_ok_and(|m| (m.dev(), m.ino()) != open.inode);
        // Whatever the old file still holds comes first.
        Self::read_new(open, &mut self.buffer, &mut self.partial, &mut line)?;
        match (&current, self.missing_since) {
            (Ok(_), _) => self.missing_since = None,
            (Err(_), None) => self.missing_since = Some(Instant::now()),
            (Err(e), Some(since)) if since.elapsed() >= self.grace => {
                return Err(io::Error::new(e.kind(), format!("gone for {:.0?} ({e})", since.elapsed())));
            }
            (Err(_), Some(_)) => {}
        }
        if replaced {
            self.partial.clear();
            self.open = Some(Self::open_start(&self.path)?);
            let open = self.open.as_mut().expect("just opened");
            Self::read_new(open, &mut self.buffer, &mut self.partial, &mut line)?;
        }
        Ok(())
    }

    fn open_start(path: &Path) -> io::Result<Open> {
        let file = File::open(path)?;
        let meta = file.metadata()?;
        Ok(Open { inode: (meta.dev(), meta.ino()), position: 0, file })
    }

    fn read_new(
        open: &mut Open,
        buffer: &mut Vec<u8>,
        partial: &mut Vec<u8>,
        line: &mut impl FnMut(&[u8]),
    ) -> io::Result<()> {
        let len = open.file.metadata()?.len();
        if len < open.position {
            // Truncated in place: start over.
            open.position = 0;
            partial.clear();
        }
        if len == open.position {
            return Ok(());
        }
        open.file.seek(SeekFrom::Start(open.position))?;
        buffer.clear();
        let want = usize::try_from(len - open.position).unwrap_or(MAX_READ).min(MAX_READ);
        (&mut open.file).take(want as u64).read_to_end(buffer)?;
        open.position += buffer.len() as u64;
        let mut rest: &[u8] = buffer;
        while let Some(end) = memchr::memchr(b'\n', rest) {
            if partial.is_empty() {
                line(&rest[..end]);
            } else {
                partial.extend_from_slice(&rest[..end]);
                line(partial);
                partial.clear();
            }
            rest = &rest[end + 1..];
        }
        partial.extend_from_slice(rest);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn lines(f: &mut LogFollower) -> Vec<String> {
        let mut got = Vec::new();
        f.poll(|l| got.push(String::from_utf8_lossy(l).into_owned())).unwrap();
        got
    }

    fn append(path: &Path, text: &str) {
        std::fs::OpenOptions::new().create(true).append(true).open(path).unwrap().write_all(text.as_bytes()).unwrap();
    }

    #[test]
    fn starts_at_the_end_and_reads_whole_lines_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("access.log");
        append(&path, "old\n");
        let mut f = LogFollower::new(&path);
        assert!(lines(&mut f).is_empty());
        append(&path, "a\nb");
        assert_eq!(lines(&mut f), ["a"]);
        append(&path, "c\n");
        assert_eq!(lines(&mut f), ["bc"]);
    }

    #[test]
    fn follows_a_rename_reading_the_old_file_to_its_end_first() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("access.log");
        append(&path, "");
        let mut f = LogFollower::new(&path);
        append(&path, "1\n");
        assert_eq!(lines(&mut f), ["1"]);
        // logrotate renames; the proxy writes one more line to the old file, then reopens.
        std::fs::rename(&path, dir.path().join("access.log.1")).unwrap();
        append(&dir.path().join("access.log.1"), "2\n");
        // Between the rename and the reopen the path is missing: not an error while the old
        // file is there.
        assert_eq!(lines(&mut f), ["2"]);
        append(&path, "3\n4\n");
        assert_eq!(lines(&mut f), ["3", "4"]);
        append(&path, "5\n");
        assert_eq!(lines(&mut f), ["5"]);
    }

    #[test]
    fn a_path_missing_past_the_grace_is_an_error_until_a_file_is_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("access.log");
        append(&path, "");
        let mut f = LogFollower::new(&path);
        f.grace = Duration::from_millis(50);
        std::fs::remove_file(&path).unwrap();
        assert!(lines(&mut f).is_empty(), "missing, within the grace");
        std::thread::sleep(Duration::from_millis(60));
        let err = f.poll(|_| {}).unwrap_err();
        assert!(err.to_string().starts_with("gone for "), "{err}");
        append(&path, "back\n");
        assert_eq!(lines(&mut f), ["back"]);
    }

    #[test]
    fn follows_a_truncate_and_a_file_that_appears_late() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("access.log");
        let mut f = LogFollower::new(&path);
        assert!(f.poll(|_| {}).is_err(), "no file at all");
        append(&path, "first\n");
        assert_eq!(lines(&mut f), ["first"], "a file that appears later is read from its start");
        append(&path, "x\n");
        assert_eq!(lines(&mut f), ["x"]);
        std::fs::write(&path, "").unwrap();
        append(&path, "y\n");
        assert_eq!(lines(&mut f), ["y"]);
    }
}
