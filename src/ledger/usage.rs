//! Usage samples: per DNS server, buyer and control interval, what was bought, the answers
//! given, the fraction of proxy answers, and what the proxies served (when a monitor says).
//!
//! A sample's answers are added to its row (a server restarted within an interval writes it
//! twice), so writing one batch twice would count its answers twice. That can happen on
//! PostgreSQL: when the connection dies after the server committed but before its reply came,
//! the writer cannot tell whether the batch landed, holds it and writes it again. So `dns
//! serve` writes [`UsageBatch`]es, each named by the writing process and a sequence number,
//! and the name is recorded in `usage_batches` in the batch's own transaction: a batch whose
//! name is there already is skipped ([`Ledger::record_usage_batches`]).
//!
//! Reports read the rollups (per minute and per 5 minutes, per server). SQLite keeps them in
//! each sample's transaction (row triggers: one host, one writer at a time). On PostgreSQL,
//! where a hundred servers write at once, the samples' triggers only append what they add to
//! `usage_pending`, and the leader folds that into `usage_rollups` every few seconds
//! ([`Ledger::fold_usage`]; migration 8 says why); readers read `usage_rollups_current`, the
//! two summed, so what a report says never waits for a fold.

use super::db::{Db, Dialect, Param, TxKind, args};

use super::{Ledger, LedgerError};
use crate::core::usage_bucket::UsageBucket;

/// One buyer's interval, as one server saw it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct UsageSample {
    pub server: String,
    pub buyer: String,
    /// Unix seconds, on the interval grid.
    pub start: i64,
    pub seconds: i64,
    pub purchased_rps: i64,
    pub proxy_answers: u64,
    pub fallback_answers: u64,
    /// Fraction of answers for proxies at the end of the interval, 0..=1.
    pub fraction: f64,
    /// Requests the proxies served for the buyer, when a monitor measured them.
    pub served_requests: Option<u64>,
    /// `none` without a monitor, else the monitor's state.
    pub monitor: String,
}

/// One interval's samples from one `dns serve`, named so that writing it again is a no-op.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct UsageBatch {
    /// Increasing within the writer.
    pub seq: i64,
    pub samples: Vec<UsageSample>,
}

/// How long a batch's name is kept: a writer retries a batch within its hold (an hour to a few
/// days of samples, `dns serve`'s `HELD_SAMPLES`), and a writer's own names older than the
/// first batch it writes are dropped at once; this bounds the rows of writers that are gone.
const BATCH_NAMES_KEPT: i64 = 30 * 86_400;

impl Ledger {
    /// Records `batches` of `writer` in one transaction, skipping any batch already recorded
    /// (its name is in `usage_batches`: an earlier attempt committed though its reply was
    /// lost). The writer's names before the first batch are dropped (everything before it was
    /// confirmed), and every name older than `BATCH_NAMES_KEPT` (30 days). Returns how many batches
    /// were skipped.
    pub fn record_usage_batches(
        &mut self,
        writer: &str,
        batches: &[UsageBatch],
        now: i64,
    ) -> Result<usize, LedgerError> {
        self.db.transaction(TxKind::Additive, |db| {
            let mut skipped = 0;
            if let Some(first) = batches.first() {
                db.execute("DELETE FROM usage_batches WHERE writer = ?1 AND seq < ?2", args![writer, first.seq])?;
            }
            db.execute("DELETE FROM usage_batches WHERE written_at < ?1", args![now - BATCH_NAMES_KEPT])?;
            for batch in batches {
                let named = db.execute(
                    "INSERT INTO usage_batches (writer, seq, written_at) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
                    args![writer, batch.seq, now],
                )?;
                if named == 0 {
                    skipped += 1;
                    continue;
                }
                insert_samples(db, &batch.samples)?;
            }
            Ok::<_, LedgerError>(skipped)
        })
    }

    /// Records `samples` in one transaction. A sample for an interval already recorded (a
    /// server restarted within it) adds its answers to the row and takes its other values.
    pub fn record_usage(&mut self, samples: &[UsageSample]) -> Result<(), LedgerError> {
        self.db.transaction(TxKind::Additive, |db| insert_samples(db, samples))
    }

    /// Each buyer's newest sample (of any server), by buyer, looking back a day from the
    /// newest sample of all: buyers no longer served keep their last row for that long. One
    /// index seek per buyer (`usage_by_start`, then `usage_by_buyer` backwards): at 1,000
    /// buyers and 100 servers a day is 1.7 billion samples, which a scan could not read.
    pub fn latest_usage(&self) -> Result<Vec<UsageSample>, LedgerError> {
        let Some(to) =
            self.db.query_row("SELECT max(start) FROM usage_samples", args![], |r| r.get::<Option<i64>>(0))?
        else {
            return Ok(Vec::new());
        };
        let sql = format!(
            "SELECT {SAMPLE_COLUMNS} FROM usage_samples WHERE buyer = ?1 AND start >= ?2
             ORDER BY start DESC, server DESC LIMIT 1"
        );
        let mut newest = Vec::new();
        for buyer in self.usage_buyers()? {
            if let Some(s) = self.db.query_opt(&sql, args![buyer, to - 86_400], sample_of)? {
                newest.push(s);
            }
        }
        Ok(newest)
    }

    /// Samples starting in `[from, to)`, optionally of one buyer, by start then server and buyer.
    pub fn usage(&self, buyer: Option<&str>, from: i64, to: i64) -> Result<Vec<UsageSample>, LedgerError> {
        self.db.query(
            &format!(
                "SELECT {SAMPLE_COLUMNS}
                 FROM usage_samples WHERE (CAST(?1 AS TEXT) IS NULL OR buyer = ?1) AND start >= ?2 AND start < ?3
                 ORDER BY start, server, buyer"
            ),
            args![buyer, from, to],
            sample_of,
        )
    }
}

/// The columns [`sample_of`] reads, in its order.
const SAMPLE_COLUMNS: &str = "server, buyer, start, seconds, purchased_rps, proxy_answers, fallback_answers, \
                              fraction, served_requests, monitor";

/// A sample from a row of [`SAMPLE_COLUMNS`].
fn sample_of(r: &super::db::Row) -> Result<UsageSample, LedgerError> {
    Ok(UsageSample {
        server: r.get(0)?,
        buyer: r.get(1)?,
        start: r.get(2)?,
        seconds: r.get(3)?,
        purchased_rps: r.get(4)?,
        proxy_answers: r.get::<i64>(5)? as u64,
        fallback_answers: r.get::<i64>(6)? as u64,
        fraction: r.get(7)?,
        served_requests: r.get::<Option<i64>>(8)?.map(|n| n as u64),
        monitor: r.get(9)?,
    })
}

/// One buyer's usage, stretch by stretch, oldest first.
pub type BuyerUsage = (String, Vec<UsageBucket>);

impl Ledger {
    /// Folds at most `chunk` rows of the usage pending on PostgreSQL into the rollups, in one
    /// transaction; returns how many it folded (none on SQLite, whose triggers roll up at
    /// once). The leader runs chunks until one comes back short (`control/usage_fold.rs`).
    /// Safe beside another fold and beside writers: each pending row is deleted by exactly one
    /// fold, in the transaction that adds it to its rollups, and a fold skips the rows another
    /// holds instead of waiting for them.
    pub fn fold_usage(&mut self, chunk: i64) -> Result<u64, LedgerError> {
        if self.db.dialect() == Dialect::Sqlite {
            return Ok(0);
        }
        let sql = fold_pending(chunk);
        self.db.transaction(TxKind::Additive, |db| db.query_row(&sql, args![], |r| r.get::<i64>(0)).map(|n| n as u64))
    }

    /// How far the rollups table is behind the samples on PostgreSQL: the pending rows and the
    /// oldest sample start among them (none pending: `(0, None)`; always so on SQLite).
    pub fn usage_pending(&self) -> Result<(u64, Option<i64>), LedgerError> {
        if self.db.dialect() == Dialect::Sqlite {
            return Ok((0, None));
        }
        self.db.query_row("SELECT COUNT(*), min(start) FROM usage_pending", args![], |r| {
            Ok((r.get::<i64>(0)? as u64, r.get::<Option<i64>>(1)?))
        })
    }

    /// Each buyer's usage in `[from, to)` (from the rollups), in stretches of `span` seconds on
    /// the `span` grid (a multiple of 60; read from the 5-minute rollups when it is a multiple
    /// of 300), servers merged as [`UsageBucket::merge_server`] says, by buyer; stretches
    /// without samples are left out.
    ///
    /// A month of 100 buyers is 864,000 5-minute rollups, and decoding them is most of a
    /// report's time, so buyers are read on several threads, each with its own read-only connection (WAL
    /// lets them read while `dns serve` writes). Each buyer is one indexed range read, so a
    /// report over a day of a long ledger reads only that day.
    pub fn usage_buckets(
        &self,
        buyer: Option<&str>,
        from: i64,
        to: i64,
        span: i64,
    ) -> Result<Vec<BuyerUsage>, LedgerError> {
        let from = from - from.rem_euclid(span);
        let buyers = match buyer {
            Some(b) => vec![b.to_string()],
            None => self.usage_buyers()?,
        };
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(4).min(buyers.len());
        let Some(reader) = self.reader.as_ref().filter(|_| threads > 1) else {
            return buyers
                .into_iter()
                .map(|b| Ok((buyer_buckets(&self.db, &b, from, to, span)?, b)))
                .map(|r: Result<_, LedgerError>| r.map(|(usage, b)| (b, usage)))
                .collect();
        };
        let results: Vec<Result<Vec<BuyerUsage>, LedgerError>> = std::thread::scope(|scope| {
            let workers: Vec<_> = (0..threads)
                .map(|t| {
                    let mine = buyers.iter().skip(t).step_by(threads);
                    scope.spawn(move || -> Result<Vec<BuyerUsage>, LedgerError> {
                        let db = reader.connect()?;
                        mine.map(|b| Ok((b.clone(), buyer_buckets(&db, b, from, to, span)?))).collect()
                    })
                })
                .collect();
            workers.into_iter().map(|w| w.join().expect("usage reader panicked")).collect()
        });
        let mut usage = Vec::with_capacity(buyers.len());
        for part in results {
            usage.extend(part?);
        }
        usage.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(usage)
    }

    /// The end of the newest minute with a sample, of any buyer: one index seek per buyer.
    pub fn usage_end(&self) -> Result<Option<i64>, LedgerError> {
        let mut end: Option<i64> = None;
        for buyer in self.usage_buyers()? {
            let newest = self.db.query_row(
                match self.db.dialect() {
                    Dialect::Sqlite => "SELECT max(start) FROM usage_rollups WHERE buyer = ?1 AND span = 60",
                    Dialect::Postgres => {
                        "SELECT max(s) FROM (
                           SELECT max(start) AS s FROM usage_rollups WHERE buyer = ?1 AND span = 60
                           UNION ALL SELECT max(start - (start % 60 + 60) % 60) FROM usage_pending WHERE buyer = ?1
                         ) AS newest"
                    }
                },
                args![buyer],
                |r| r.get::<Option<i64>>(0),
            )?;
            if let Some(start) = newest {
                end = Some(end.unwrap_or(i64::MIN).max(start + 60));
            }
        }
        Ok(end)
    }

    /// Every buyer with usage rollups, by name: one index seek per buyer.
    fn usage_buyers(&self) -> Result<Vec<String>, LedgerError> {
        let mut buyers: Vec<String> = Vec::new();
        let next = match self.db.dialect() {
            Dialect::Sqlite => "SELECT min(buyer) FROM usage_rollups WHERE buyer > ?1",
            Dialect::Postgres => {
                "SELECT min(b) FROM (
                   SELECT min(buyer) AS b FROM usage_rollups WHERE buyer > ?1
                   UNION ALL SELECT min(buyer) FROM usage_pending WHERE buyer > ?1
                 ) AS next"
            }
        };
        while let Some(b) =
            self.db.query_row(next, args![buyers.last().map_or("", String::as_str)], |r| r.get::<Option<String>>(0))?
        {
            buyers.push(b);
        }
        Ok(buyers)
    }
}

/// One buyer's usage in `[from, to)`, as [`Ledger::usage_buckets`] says.
fn buyer_buckets(db: &Db, buyer: &str, from: i64, to: i64, span: i64) -> Result<Vec<UsageBucket>, LedgerError> {
    let stored: i64 = if span % 300 == 0 { 300 } else { 60 };
    let mut buckets: Vec<UsageBucket> = Vec::new();
    // The rollup being merged across servers, then added to its stretch.
    let mut minute: Option<UsageBucket> = None;
    let mut flush = |minute: UsageBucket| {
        let start = minute.start - minute.start.rem_euclid(span);
        match buckets.last_mut() {
            Some(b) if b.start == start => b.add(&minute),
            _ => buckets.push(UsageBucket { start, ..minute }),
        }
    };
    let sql = format!(
        "SELECT start, seconds, purchased, measured_seconds, served_requests, above_seconds, above_requests,
                peak_rps, proxy_answers, fallback_answers, fraction_seconds, fraction_min, fraction_max
         FROM {} WHERE buyer = ?1 AND span = ?2 AND start >= ?3 AND start < ?4 ORDER BY start, server",
        current_rollups(db)
    );
    db.for_each(&sql, args![buyer, stored, from, to], |r| {
        let seconds: i64 = r.get(1)?;
        let row = UsageBucket {
            start: r.get(0)?,
            seconds,
            purchased: r.get(2)?,
            measured_seconds: r.get(3)?,
            served: r.get::<i64>(4)? as u64,
            above_seconds: r.get(5)?,
            above_requests: r.get::<i64>(6)? as u64,
            peak_rps: r.get(7)?,
            proxy_answers: r.get::<i64>(8)? as u64,
            fallback_answers: r.get::<i64>(9)? as u64,
            fraction_seconds: r.get(10)?,
            fraction_weight: seconds as f64,
            fraction_min: r.get(11)?,
            fraction_max: r.get(12)?,
        };
        match &mut minute {
            Some(m) if m.start == row.start => m.merge_server(&row),
            _ => {
                if let Some(m) = minute.replace(row) {
                    flush(m);
                }
            }
        }
        Ok(())
    })?;
    if let Some(m) = minute {
        flush(m);
    }
    Ok(buckets)
}

/// Where the rollups as they stand are read: SQLite's table, PostgreSQL's view of the table
/// and the pending usage (see the module docs).
pub(crate) fn current_rollups(db: &Db) -> &'static str {
    match db.dialect() {
        Dialect::Sqlite => "usage_rollups",
        Dialect::Postgres => "usage_rollups_current",
    }
}

/// PostgreSQL: moves up to `chunk` pending rows into their minute's and 5 minutes' rollups;
/// the statement's one row is how many it moved. A pending row of a rewritten sample counts no
/// sample, so the grouped sums are the rollups' own increments; peaks and extremes only ever
/// widen (PostgreSQL's `GREATEST` and `LEAST` skip a NULL: a peak unmeasured on one side is
/// the other's). `SKIP LOCKED`: a second fold takes other rows instead of queueing behind the first;
/// the upsert in key order: two folds lock the rollup rows they share in the same order, so
/// they wait for each other rather than deadlock.
pub(crate) fn fold_pending(chunk: i64) -> String {
    format!(
        "WITH moved AS (
       DELETE FROM usage_pending
       WHERE ctid = ANY (ARRAY (SELECT ctid FROM usage_pending LIMIT {chunk} FOR UPDATE SKIP LOCKED))
       RETURNING *),
     folded AS (
       INSERT INTO usage_rollups AS r
       SELECT m.buyer, spans.span, m.start - (m.start % spans.span + spans.span) % spans.span, m.server,
           sum(m.samples), sum(m.seconds), sum(m.purchased), sum(m.measured_seconds), sum(m.served_requests),
           sum(m.above_seconds), sum(m.above_requests), max(m.peak_rps), sum(m.proxy_answers),
           sum(m.fallback_answers), sum(m.fraction_seconds), min(m.fraction_min), max(m.fraction_max)
       FROM moved AS m, (VALUES (60::bigint), (300::bigint)) AS spans (span)
       GROUP BY 1, 2, 3, 4
       ORDER BY 1, 2, 3, 4
       ON CONFLICT (buyer, span, start, server) DO UPDATE SET
           samples = r.samples + excluded.samples,
           seconds = r.seconds + excluded.seconds,
           purchased = r.purchased + excluded.purchased,
           measured_seconds = r.measured_seconds + excluded.measured_seconds,
           served_requests = r.served_requests + excluded.served_requests,
           above_seconds = r.above_seconds + excluded.above_seconds,
           above_requests = r.above_requests + excluded.above_requests,
           peak_rps = GREATEST(r.peak_rps, excluded.peak_rps),
           proxy_answers = r.proxy_answers + excluded.proxy_answers,
           fallback_answers = r.fallback_answers + excluded.fallback_answers,
           fraction_seconds = r.fraction_seconds + excluded.fraction_seconds,
           fraction_min = LEAST(r.fraction_min, excluded.fraction_min),
           fraction_max = GREATEST(r.fraction_max, excluded.fraction_max)
     )
     SELECT COUNT(*) FROM moved"
    )
}

/// Samples written by one statement, at most: a node's interval for a hundred buyers. One
/// statement a sample was one round trip a sample on PostgreSQL.
const SAMPLES_PER_STATEMENT: usize = 100;

/// Adds `samples` to their rows, in the caller's transaction: up to [`SAMPLES_PER_STATEMENT`]
/// in each multi-row upsert, a sample whose row an earlier one of the same statement wrote
/// starting the next (PostgreSQL refuses to change one row twice in one statement).
fn insert_samples(db: &Db, samples: &[UsageSample]) -> Result<(), LedgerError> {
    let mut chunk: Vec<&UsageSample> = Vec::with_capacity(SAMPLES_PER_STATEMENT.min(samples.len()));
    let mut rows = std::collections::HashSet::new();
    for s in samples {
        if chunk.len() == SAMPLES_PER_STATEMENT || !rows.insert((&s.server, &s.buyer, s.start)) {
            upsert_samples(db, &chunk)?;
            chunk.clear();
            rows.clear();
            rows.insert((&s.server, &s.buyer, s.start));
        }
        chunk.push(s);
    }
    upsert_samples(db, &chunk)
}

/// One multi-row upsert of samples of distinct rows.
fn upsert_samples(db: &Db, samples: &[&UsageSample]) -> Result<(), LedgerError> {
    if samples.is_empty() {
        return Ok(());
    }
    const PER_ROW: usize = 10;
    let rows: Vec<String> = (0..samples.len())
        .map(|r| {
            let numbers: Vec<String> = (r * PER_ROW + 1..=r * PER_ROW + PER_ROW).map(|n| format!("?{n}")).collect();
            format!("({})", numbers.join(", "))
        })
        .collect();
    let sql = format!(
        "INSERT INTO usage_samples (server, buyer, start, seconds, purchased_rps, proxy_answers, fallback_answers,
                                    fraction, served_requests, monitor)
         VALUES {}
         ON CONFLICT (server, buyer, start) DO UPDATE SET
             seconds = excluded.seconds, purchased_rps = excluded.purchased_rps,
             proxy_answers = usage_samples.proxy_answers + excluded.proxy_answers,
             fallback_answers = usage_samples.fallback_answers + excluded.fallback_answers,
             fraction = excluded.fraction,
             served_requests = coalesce(usage_samples.served_requests, 0) + excluded.served_requests,
             monitor = excluded.monitor",
        rows.join(", ")
    );
    // The values the columns take, owned, for the parameters to point at.
    let values: Vec<(i64, i64, f64, Option<i64>)> = samples
        .iter()
        .map(|s| {
            (
                s.proxy_answers as i64,
                s.fallback_answers as i64,
                s.fraction.clamp(0.0, 1.0),
                s.served_requests.map(|n| n as i64),
            )
        })
        .collect();
    let mut params: Vec<&dyn Param> = Vec::with_capacity(samples.len() * PER_ROW);
    for (s, (proxy, fallback, fraction, served)) in samples.iter().zip(&values) {
        params.extend([
            &s.server as &dyn Param,
            &s.buyer,
            &s.start,
            &s.seconds,
            &s.purchased_rps,
            proxy,
            fallback,
            fraction,
            served,
            &s.monitor,
        ]);
    }
    db.execute(&sql, &params)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(buyer: &str, start: i64, proxy: u64, fallback: u64) -> UsageSample {
        UsageSample {
            server: "127.0.0.1:53".into(),
            buyer: buyer.into(),
            start,
            seconds: 5,
            purchased_rps: 100,
            proxy_answers: proxy,
            fallback_answers: fallback,
            fraction: 0.5,
            served_requests: None,
            monitor: "none".into(),
        }
    }

    #[test]
    fn records_and_reads_back_by_buyer_and_time() {
        crate::ledger::test_backends::each_backend(|fresh| {
            let mut ledger = fresh;
            ledger
                .record_usage(&[sample("shop", 100, 3, 4), sample("api", 100, 1, 0), sample("shop", 105, 5, 5)])
                .unwrap();
            let shop = ledger.usage(Some("shop"), 0, 1000).unwrap();
            assert_eq!(shop, vec![sample("shop", 100, 3, 4), sample("shop", 105, 5, 5)]);
            assert_eq!(ledger.usage(None, 100, 105).unwrap().len(), 2);
        });
    }

    #[test]
    fn a_second_write_to_one_interval_adds_its_answers() {
        crate::ledger::test_backends::each_backend(|fresh| {
            let mut ledger = fresh;
            ledger.record_usage(&[sample("shop", 100, 3, 4)]).unwrap();
            ledger.record_usage(&[sample("shop", 100, 2, 1)]).unwrap();
            assert_eq!(ledger.usage(Some("shop"), 0, 1000).unwrap(), vec![sample("shop", 100, 5, 5)]);
        });
    }

    #[test]
    fn many_samples_in_one_call_go_in_by_hundreds_and_one_row_twice_adds_up() {
        crate::ledger::test_backends::each_backend(|fresh| {
            let mut ledger = fresh;
            // 250 buyers' interval, then shop's row again within the same call.
            let mut samples: Vec<UsageSample> = (0..250).map(|i| sample(&format!("b{i:03}"), 100, i, 1)).collect();
            samples.push(UsageSample { served_requests: Some(9), ..sample("b007", 100, 10, 0) });
            ledger.record_usage(&samples).unwrap();
            let rows = ledger.usage(None, 0, 1000).unwrap();
            assert_eq!(rows.len(), 250);
            let b007 = rows.iter().find(|s| s.buyer == "b007").unwrap();
            assert_eq!((b007.proxy_answers, b007.fallback_answers, b007.served_requests), (17, 1, Some(9)));
            assert_eq!(rows.iter().map(|s| s.proxy_answers).sum::<u64>(), (0..250).sum::<u64>() + 10);
            assert!(ledger.check_invariants().unwrap().iter().all(|i| i.violations == 0), "rollups equal samples");
        });
    }

    #[test]
    fn a_batch_written_again_after_a_lost_reply_is_counted_once() {
        crate::ledger::test_backends::each_backend(|fresh| {
            let mut ledger = fresh;
            let batch = |seq, proxy| UsageBatch { seq, samples: vec![sample("shop", 100 + 5 * seq, proxy, 1)] };
            assert_eq!(ledger.record_usage_batches("ns1:1", &[batch(1, 3)], 1000).unwrap(), 0);
            // The reply of batch 1 was lost: the writer sends it again with batch 2.
            assert_eq!(ledger.record_usage_batches("ns1:1", &[batch(1, 3), batch(2, 4)], 1005).unwrap(), 1);
            // Another writer's names are its own.
            assert_eq!(ledger.record_usage_batches("ns2:1", &[batch(1, 7)], 1005).unwrap(), 0);
            let shop = ledger.usage(Some("shop"), 0, 1000).unwrap();
            assert_eq!(shop, vec![sample("shop", 105, 10, 2), sample("shop", 110, 4, 1)]);
        });
    }

    #[test]
    fn batch_names_are_dropped_once_confirmed_or_old() {
        crate::ledger::test_backends::each_backend(|fresh| {
            let mut ledger = fresh;
            let batch = |seq| UsageBatch { seq, samples: vec![sample("shop", 100, 1, 0)] };
            ledger.record_usage_batches("gone", &[batch(1)], 1000).unwrap();
            ledger.record_usage_batches("ns1", &[batch(1), batch(2)], 1000).unwrap();
            ledger.record_usage_batches("ns1", &[batch(3)], 1000 + BATCH_NAMES_KEPT).unwrap();
            let names = ledger
                .db
                .query("SELECT writer, seq FROM usage_batches ORDER BY writer, seq", args![], |r| {
                    Ok((r.get::<String>(0)?, r.get::<i64>(1)?))
                })
                .unwrap();
            assert_eq!(names, vec![("gone".to_string(), 1), ("ns1".to_string(), 3)]);
            ledger.record_usage_batches("ns1", &[batch(4)], 1001 + BATCH_NAMES_KEPT).unwrap();
            let left = ledger.db.query_row("SELECT COUNT(*) FROM usage_batches", args![], |r| r.get::<i64>(0)).unwrap();
            assert_eq!(left, 1, "ns1's 3 confirmed, gone's 1 past the keep");
        });
    }

    #[test]
    fn a_bad_sample_leaves_the_batch_unwritten() {
        crate::ledger::test_backends::each_backend(|fresh| {
            let mut ledger = fresh;
            let mut bad = sample("api", 100, 1, 1);
            bad.seconds = 0;
            assert!(ledger.record_usage(&[sample("shop", 100, 3, 4), bad]).is_err());
            assert!(ledger.usage(None, 0, 1000).unwrap().is_empty());
        });
    }

    fn measured(server: &str, start: i64, served: Option<u64>, purchased: i64) -> UsageSample {
        UsageSample {
            server: server.into(),
            served_requests: served,
            purchased_rps: purchased,
            monitor: if served.is_some() { "ok" } else { "stale" }.into(),
            ..sample("shop", start, 10, 5)
        }
    }

    #[test]
    fn samples_roll_up_into_minutes_and_five_minutes_as_they_are_written() {
        crate::ledger::test_backends::each_backend(|fresh| {
            let mut ledger = fresh;
            // 2026-11-25T00:00:00Z; samples at 0, 5 and 60 s, and one in the next bucket (300 s).
            let t = 1_795_564_800;
            ledger
                .record_usage(&[
                    measured("a", t, Some(400), 100),     // 80 rps
                    measured("a", t + 5, Some(600), 100), // 120 rps: 100 above for 5 s
                    measured("a", t + 60, None, 100),     // stale: a gap
                    measured("a", t + 300, Some(50), 100),
                ])
                .unwrap();
            let usage = ledger.usage_buckets(None, t, t + 600, 300).unwrap();
            assert_eq!(usage.len(), 1);
            let b = &usage[0].1;
            assert_eq!(b.len(), 2);
            assert_eq!((b[0].start, b[0].seconds, b[0].measured_seconds, b[0].served), (t, 15, 10, 1000));
            assert_eq!((b[0].above_seconds, b[0].above_requests, b[0].peak_rps), (5, 100, Some(120.0)));
            assert_eq!((b[0].proxy_answers, b[0].fallback_answers, b[0].purchased), (30, 15, 1500));
            assert_eq!((b[1].start, b[1].served), (t + 300, 50));
            // The same samples by the minute: 0 and 5 s in the first, 60 s in the second.
            let minutes = &ledger.usage_buckets(None, t, t + 600, 60).unwrap()[0].1;
            let got: Vec<(i64, i64, u64)> = minutes.iter().map(|m| (m.start - t, m.seconds, m.served)).collect();
            assert_eq!(got, [(0, 10, 1000), (60, 5, 0), (300, 5, 50)]);
            // A server restarted within the interval rewrites it: the rollup follows.
            ledger.record_usage(&[measured("a", t + 60, Some(700), 100)]).unwrap();
            let b = &ledger.usage_buckets(Some("shop"), t, t + 300, 300).unwrap()[0].1;
            assert_eq!((b[0].measured_seconds, b[0].served, b[0].above_requests), (15, 1700, 300));
            assert_eq!(ledger.usage_end().unwrap(), Some(t + 360));
            assert_eq!(Ledger::open_in_memory().unwrap().usage_end().unwrap(), None);
            assert_eq!((b[0].proxy_answers, b[0].seconds), (40, 15));
        });
    }

    #[test]
    fn a_report_says_the_same_before_and_after_the_pending_usage_is_folded() {
        crate::ledger::test_backends::each_backend(|fresh| {
            let mut ledger = fresh;
            let t = 1_795_564_800;
            let postgres = ledger.db.dialect() == Dialect::Postgres;
            ledger.record_usage(&[measured("a", t, Some(400), 100), measured("b", t + 5, Some(395), 100)]).unwrap();
            let before = ledger.usage_buckets(None, t, t + 600, 300).unwrap();
            assert_eq!(before[0].1[0].served, 400);
            assert_eq!(ledger.usage_pending().unwrap(), if postgres { (2, Some(t)) } else { (0, None) });
            assert_eq!(ledger.fold_usage(i64::MAX).unwrap(), if postgres { 2 } else { 0 });
            assert_eq!(ledger.usage_pending().unwrap(), (0, None));
            assert_eq!(ledger.usage_buckets(None, t, t + 600, 300).unwrap(), before);
            // A rewrite after the fold, and a buyer seen only since: pending, and reported.
            ledger.record_usage(&[measured("a", t, Some(500), 100), sample("news", t + 65, 7, 1)]).unwrap();
            let after = ledger.usage_buckets(None, t, t + 600, 60).unwrap();
            let got: Vec<(&str, i64, u64, u64)> =
                after.iter().map(|(b, u)| (b.as_str(), u[0].start - t, u[0].served, u[0].proxy_answers)).collect();
            assert_eq!(got, [("news", 60, 0, 7), ("shop", 0, 900, 30)]);
            assert_eq!(ledger.usage_end().unwrap(), Some(t + 120));
            ledger.fold_usage(i64::MAX).unwrap();
            assert_eq!(ledger.usage_buckets(None, t, t + 600, 60).unwrap(), after);
            assert!(ledger.check_invariants().unwrap().iter().all(|i| i.violations == 0));
        });
    }

    /// Two folds at once (a leader that lost its lease and its successor) and a writer beside
    /// them: every pending row is folded exactly once.
    #[test]
    fn folds_beside_each_other_and_writers_count_every_sample_once() {
        if crate::ledger::postgres::pg_cluster::shared().is_none() {
            return;
        }
        let url = crate::ledger::test_backends::fresh_postgres_url();
        let open = || {
            let at = crate::ledger::location::Location::parse(&url, std::path::Path::new("")).unwrap();
            Ledger::open_location(&at, crate::ledger::OpenOptions::write("EUR")).unwrap()
        };
        let t = 1_795_564_800;
        let writing = std::sync::atomic::AtomicBool::new(true);
        std::thread::scope(|scope| {
            let mut writer = open();
            let writing = &writing;
            scope.spawn(move || {
                for i in 0..120 {
                    let samples: Vec<UsageSample> =
                        (0..20).map(|b| sample(&format!("b{b:02}"), t + 5 * (i / 2), 3, 1)).collect();
                    // Every interval twice: the second write is a rewrite (an UPDATE).
                    writer.record_usage(&samples).unwrap();
                }
                writing.store(false, std::sync::atomic::Ordering::SeqCst);
            });
            for _ in 0..2 {
                let mut folder = open();
                scope.spawn(move || {
                    while writing.load(std::sync::atomic::Ordering::SeqCst) {
                        // Small chunks: many folds, each a part of what is pending.
                        folder.fold_usage(7).unwrap();
                    }
                });
            }
        });
        let mut ledger = open();
        ledger.fold_usage(i64::MAX).unwrap();
        assert_eq!(ledger.usage_pending().unwrap(), (0, None));
        let (samples, answers): (i64, i64) = ledger
            .db
            .query_row(
                "SELECT CAST(sum(samples) AS BIGINT), CAST(sum(proxy_answers) AS BIGINT) FROM usage_rollups WHERE span = 60",
                args![],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!((samples, answers), (60 * 20, 120 * 20 * 3));
        assert!(ledger.check_invariants().unwrap().iter().all(|i| i.violations == 0));
    }

    #[test]
    fn two_servers_are_the_same_requests_seen_twice_but_their_own_answers() {
        crate::ledger::test_backends::each_backend(|fresh| {
            let mut ledger = fresh;
            let t = 1_795_564_800;
            ledger.record_usage(&[measured("a", t, Some(500), 100), measured("b", t, Some(495), 100)]).unwrap();
            let b = &ledger.usage_buckets(None, t, t + 300, 300).unwrap()[0].1[0];
            assert_eq!((b.served, b.measured_seconds, b.proxy_answers, b.fallback_answers), (500, 5, 20, 10));
        });
    }

    #[test]
    fn migration_5_rolls_up_the_samples_already_written() {
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        for (version, sql) in super::super::sqlite::migrations::MIGRATIONS.iter().enumerate().take(4) {
            conn.execute_batch(sql).unwrap();
            conn.pragma_update(None, "user_version", version as i64 + 1).unwrap();
        }
        conn.execute_batch(
            "INSERT INTO usage_samples VALUES ('a', 'shop', 1795564800, 5, 100, 10, 5, 0.5, 600, 'ok'),
                                          ('a', 'shop', 1795564805, 5, 100, 10, 5, 0.7, NULL, 'stale');",
        )
        .unwrap();
        super::super::sqlite::migrations::migrate(&mut conn, std::path::Path::new(":memory:"), "EUR").unwrap();
        let ledger = Ledger { db: crate::ledger::db::Db::sqlite(conn), reader: None, waits: None };
        let b = &ledger.usage_buckets(None, 1_795_564_800, 1_795_565_100, 300).unwrap()[0].1[0];
        assert_eq!((b.seconds, b.measured_seconds, b.served, b.above_requests), (10, 5, 600, 100));
        assert_eq!((b.fraction_min, b.fraction_max, b.fraction_mean()), (0.5, 0.7, Some(0.6)));
    }
}
