//! Expiring raw usage samples once they are rolled up (`control.keep_samples`).
//!
//! A CDN of 100 name servers and 1,000 buyers writes 20,000 samples a second at a 5-second
//! interval: about 1.7 billion rows a day, far more than any report reads. Reports read the
//! rollups (minutes and 5 minutes, made in each sample's own transaction by the triggers of
//! SQLite's migration 5 and PostgreSQL's 7), so a sample is rolled up the moment it exists, and
//! deleting it leaves its rollups as they are: there is no DELETE trigger on `usage_samples`.
//! What still reads raw samples looks back a day at most (`dns status`'s newest sample per
//! buyer, [`Ledger::latest_usage`]), which is why the config refuses to keep less than an hour.
//!
//! The leader deletes in chunks of whole intervals, oldest first, each chunk its own short
//! transaction, so no writer waits long behind it (on SQLite a delete holds the one write lock).
//! `usage_expiry.horizon` records the time below which every sample is gone (and none at or
//! after it), for `ledger check` to compare only the rollups that start at or after it with
//! their samples ([`super::invariants`]): those have lost none, while the one a chunk's end
//! cuts through has lost some and is left out of the check.
//!
//! One thing a deleted sample cannot do: be added to. A server that writes an interval a second
//! time (it restarted within it) after that interval's first sample was expired adds a new row,
//! and the rollup counts the interval's seconds twice. The writer holds samples an hour at
//! most (`HELD_SAMPLES` in `control/usage_writer.rs`), and `keep_samples` is at least an hour,
//! so only a spool left on disk longer than `keep_samples` can do it.

use super::db::{TxKind, args};
use super::{Ledger, LedgerError};

impl Ledger {
    /// Deletes the oldest samples starting before `before`, about `limit` of them (whole
    /// intervals: every sample of the last start deleted goes, so a chunk may exceed `limit` by
    /// one interval's samples), in one transaction, and raises the expiry horizon to the end of
    /// what it deleted. Returns how
    /// many were deleted: fewer than `limit` means none before `before` is left.
    pub fn expire_samples(&mut self, before: i64, limit: i64) -> Result<u64, LedgerError> {
        let limit = limit.max(1);
        self.db.transaction(TxKind::Write, |db| {
            // The `limit`-th oldest start before `before`, if there are that many samples: the
            // chunk ends after it.
            let last = db.query_opt(
                "SELECT start FROM usage_samples WHERE start < ?1 ORDER BY start LIMIT 1 OFFSET ?2",
                args![before, limit - 1],
                |r| r.get::<i64>(0),
            )?;
            let upto = last.map_or(before, |start| (start + 1).min(before));
            let deleted = db.execute("DELETE FROM usage_samples WHERE start < ?1", args![upto])?;
            if deleted == 0 {
                // Nothing was below it, so no rollup lost a sample: the horizon may stay.
                return Ok(0);
            }
            db.execute(
                "INSERT INTO usage_expiry (id, horizon) VALUES (1, ?1)
                 ON CONFLICT (id) DO UPDATE SET horizon = CASE WHEN excluded.horizon > usage_expiry.horizon
                                                               THEN excluded.horizon ELSE usage_expiry.horizon END",
                args![upto],
            )?;
            Ok::<_, LedgerError>(deleted)
        })
    }

    /// The time (unix seconds) below which samples were expired, if any were.
    pub fn usage_expiry_horizon(&self) -> Result<Option<i64>, LedgerError> {
        self.db.query_opt("SELECT horizon FROM usage_expiry WHERE id = 1", args![], |r| r.get::<i64>(0))
    }
}

#[cfg(test)]
mod tests {
    use crate::ledger::usage::UsageSample;

    /// `servers` samples (one per server) of buyer `shop` at each of `starts`.
    fn samples(starts: impl IntoIterator<Item = i64>, servers: usize) -> Vec<UsageSample> {
        starts
            .into_iter()
            .flat_map(|start| {
                (0..servers).map(move |s| UsageSample {
                    server: format!("ns{s}"),
                    buyer: "shop".into(),
                    start,
                    seconds: 5,
                    purchased_rps: 100,
                    proxy_answers: 10,
                    fallback_answers: 5,
                    fraction: 0.5,
                    served_requests: Some(400),
                    monitor: "ok".into(),
                })
            })
            .collect()
    }

    const T: i64 = 1_795_564_800;

    #[test]
    fn expiring_deletes_only_samples_before_the_cut_and_leaves_the_rollups_whole() {
        crate::ledger::test_backends::each_backend(|mut l| {
            // An hour of 5-second samples from 3 servers.
            l.record_usage(&samples((0..720).map(|i| T + 5 * i), 3)).unwrap();
            let before = l.usage_buckets(None, T, T + 3600, 300).unwrap();
            let deleted = l.expire_samples(T + 1800, 1_000_000).unwrap();
            assert_eq!(deleted, 360 * 3);
            let kept = l.usage(None, 0, i64::MAX).unwrap();
            assert_eq!(kept.len(), 360 * 3);
            assert!(kept.iter().all(|s| s.start >= T + 1800));
            assert_eq!(l.usage_buckets(None, T, T + 3600, 300).unwrap(), before, "rollups unchanged");
            assert_eq!(l.usage_expiry_horizon().unwrap(), Some(T + 1800));
            assert!(l.check_invariants().unwrap().iter().all(|i| i.violations == 0), "rollups above the horizon");
        });
    }

    #[test]
    fn chunks_take_whole_intervals_oldest_first_and_the_horizon_only_rises() {
        crate::ledger::test_backends::each_backend(|mut l| {
            l.record_usage(&samples((0..120).map(|i| T + 5 * i), 3)).unwrap();
            // 7 samples reach into the third interval: all three of its samples go.
            assert_eq!(l.expire_samples(T + 600, 7).unwrap(), 9);
            assert_eq!(l.usage(None, 0, i64::MAX).unwrap()[0].start, T + 15);
            assert_eq!(l.usage_expiry_horizon().unwrap(), Some(T + 11));
            assert!(l.check_invariants().unwrap().iter().all(|i| i.violations == 0), "the cut minute is left out");
            let mut rounds = 0;
            while l.expire_samples(T + 600, 50).unwrap() >= 50 {
                rounds += 1;
            }
            assert_eq!(rounds, 6, "the other 351 samples: 6 chunks of 51, then 45");
            assert_eq!(l.usage_expiry_horizon().unwrap(), Some(T + 600));
            assert_eq!(l.expire_samples(T, 50).unwrap(), 0);
            assert_eq!(l.usage_expiry_horizon().unwrap(), Some(T + 600), "an earlier cut does not lower it");
            assert!(l.check_invariants().unwrap().iter().all(|i| i.violations == 0));
            // A cut off the minute grid (as `now - keep_samples` is): T+600 … T+900 go.
            l.record_usage(&samples((120..200).map(|i| T + 5 * i), 3)).unwrap();
            assert_eq!(l.expire_samples(T + 902, 1_000).unwrap(), 61 * 3);
            assert_eq!(l.usage_expiry_horizon().unwrap(), Some(T + 902));
            assert!(l.check_invariants().unwrap().iter().all(|i| i.violations == 0), "the cut minute is left out");
        });
    }

    #[test]
    fn a_rollup_that_lost_samples_above_the_horizon_is_still_found() {
        crate::ledger::test_backends::each_backend(|mut l| {
            l.record_usage(&samples((0..120).map(|i| T + 5 * i), 1)).unwrap();
            l.expire_samples(T + 300, 1_000).unwrap();
            // Deleting by hand above the horizon is not expiry: the check still sees it.
            l.db.execute("DELETE FROM usage_samples WHERE start = ?1", crate::ledger::db::args![T + 400]).unwrap();
            let broken: i64 = l
                .check_invariants()
                .unwrap()
                .iter()
                .filter(|i| i.name == "rollups-equal-samples")
                .map(|i| i.violations)
                .sum();
            assert_eq!(broken, 2, "its minute and its 5 minutes");
        });
    }
}
