//! Usage samples `dns serve` could not write to the ledger when it stopped, kept in a file
//! (`dns.usage_spool`, default `usage-spool/` beside the config) until a later `dns serve`
//! writes them: a server stopped while PostgreSQL is down loses no answer from the bill.
//!
//! One file per stopping process, `DIR/WRITER.json`, written whole under a temporary name,
//! synced and renamed, so a reader never sees half of one. The batches keep their names (the
//! writer and its sequence numbers): a spooled batch that had in fact landed, its commit's
//! reply lost, is skipped by the ledger as it is for a running server (`ledger/usage.rs`), and
//! two servers that share the directory and pick up one file at the same time write its
//! batches once between them.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use serde::{Deserialize, Serialize};

use crate::ledger::UsageBatch;

/// One stopped writer's batches, and the file they came from.
#[derive(Debug, Serialize, Deserialize)]
pub struct SpooledUsage {
    pub writer: String,
    pub batches: Vec<UsageBatch>,
    #[serde(skip)]
    pub path: PathBuf,
}

impl SpooledUsage {
    /// The samples in its batches.
    pub fn samples(&self) -> usize {
        self.batches.iter().map(|b| b.samples.len()).sum()
    }

    /// Writes `batches` of `writer` to their file in `dir` (made if missing) and returns it.
    pub fn save(dir: &Path, writer: &str, batches: Vec<UsageBatch>) -> anyhow::Result<SpooledUsage> {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot make {}", dir.display()))?;
        let path = dir.join(format!("{}.json", file_stem(writer)));
        let spooled = SpooledUsage { writer: writer.to_string(), batches, path };
        let temporary = dir.join(format!(".{}.json.partial", file_stem(writer)));
        let write = || -> std::io::Result<()> {
            let mut file = std::fs::File::create(&temporary)?;
            serde_json::to_writer(&mut file, &spooled)?;
            file.write_all(b"\n")?;
            file.sync_all()?;
            std::fs::rename(&temporary, &spooled.path)?;
            std::fs::File::open(dir)?.sync_all()
        };
        if let Err(e) = write() {
            let _ = std::fs::remove_file(&temporary);
            return Err(anyhow::Error::from(e).context(format!("cannot write {}", spooled.path.display())));
        }
        Ok(spooled)
    }

    /// Every spooled file in `dir` (none if it does not exist), oldest first; a file that
    /// cannot be read is an error naming it, and is left where it is.
    pub fn load_all(dir: &Path) -> Vec<anyhow::Result<SpooledUsage>> {
        let entries = match std::fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Vec::new(),
            Err(e) => return vec![Err(anyhow::Error::from(e).context(format!("cannot read {}", dir.display())))],
        };
        let mut paths: Vec<(std::time::SystemTime, PathBuf)> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "json") && !is_hidden(p))
            .map(|p| (std::fs::metadata(&p).and_then(|m| m.modified()).unwrap_or(std::time::UNIX_EPOCH), p))
            .collect();
        paths.sort();
        paths.into_iter().map(|(_, path)| Self::load(path)).collect()
    }

    fn load(path: PathBuf) -> anyhow::Result<SpooledUsage> {
        let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let mut spooled: SpooledUsage = serde_json::from_str(&text)
            .map_err(|e| anyhow::anyhow!("{}:{}: not a usage spool file: {e}", path.display(), e.line()))?;
        spooled.path = path;
        Ok(spooled)
    }

    /// Removes its file, once its batches are in the ledger (gone already: another server
    /// wrote them).
    pub fn remove(&self) -> anyhow::Result<()> {
        match std::fs::remove_file(&self.path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                Err(anyhow::Error::from(e).context(format!("cannot remove {}", self.path.display())))
            }
            _ => Ok(()),
        }
    }
}

/// A writer's name as a file name: its letters, digits, `.`, `-` and `_`, every other byte `_`
/// (a writer is `ADDRESS:PORT:PID:RANDOM`, and an IPv6 address has brackets).
fn file_stem(writer: &str) -> String {
    writer.chars().map(|c| if c.is_ascii_alphanumeric() || "._-".contains(c) { c } else { '_' }).collect()
}

fn is_hidden(path: &Path) -> bool {
    path.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::UsageSample;

    fn batch(seq: i64) -> UsageBatch {
        let sample = UsageSample {
            server: "[::1]:53".into(),
            buyer: "shop".into(),
            start: 1_800_000_000,
            seconds: 5,
            purchased_rps: 10,
            proxy_answers: 7,
            fallback_answers: 3,
            fraction: 0.7,
            served_requests: Some(40),
            monitor: "ok".into(),
        };
        UsageBatch { seq, samples: vec![sample.clone(), UsageSample { served_requests: None, ..sample }] }
    }

    #[test]
    fn a_spooled_writer_reads_back_as_it_was_written_and_is_gone_once_removed() {
        let dir = tempfile::tempdir().unwrap();
        let spool = dir.path().join("spool");
        let saved = SpooledUsage::save(&spool, "[::1]:53:42:00ff", vec![batch(3), batch(4)]).unwrap();
        assert_eq!(saved.path, spool.join("___1__53_42_00ff.json"));
        let loaded: Vec<SpooledUsage> = SpooledUsage::load_all(&spool).into_iter().map(Result::unwrap).collect();
        assert_eq!(loaded.len(), 1);
        assert_eq!((loaded[0].writer.as_str(), loaded[0].samples()), ("[::1]:53:42:00ff", 4));
        assert_eq!(loaded[0].batches, [batch(3), batch(4)]);
        loaded[0].remove().unwrap();
        loaded[0].remove().unwrap(); // another server got there first: fine
        assert!(SpooledUsage::load_all(&spool).is_empty());
        assert!(SpooledUsage::load_all(&dir.path().join("never made")).is_empty());
    }

    #[test]
    fn a_damaged_spool_file_is_an_error_naming_it_and_the_others_still_load() {
        let dir = tempfile::tempdir().unwrap();
        SpooledUsage::save(dir.path(), "a", vec![batch(1)]).unwrap();
        std::fs::write(dir.path().join("b.json"), "{\"writer\": \"b\",\n \"batches\": [{\"seq\": 1}]}").unwrap();
        std::fs::write(dir.path().join(".c.json.partial"), "{").unwrap(); // a write cut short
        let loaded = SpooledUsage::load_all(dir.path());
        assert_eq!(loaded.len(), 2);
        let errors: Vec<String> = loaded.iter().filter_map(|r| r.as_ref().err()).map(|e| format!("{e:#}")).collect();
        assert_eq!(errors.len(), 1);
        assert!(errors[0].starts_with(&format!("{}:2: not a usage spool file", dir.path().join("b.json").display())));
        assert!(dir.path().join("b.json").exists(), "left for the operator");
    }
}
