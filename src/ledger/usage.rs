//! Usage samples: per DNS server, buyer and control interval, what was bought, the answers
//! given, the fraction of proxy answers, and what the proxies served (when a monitor says).

use rusqlite::params;

use super::{Ledger, LedgerError};

/// One buyer's interval, as one server saw it.
#[derive(Debug, Clone, PartialEq)]
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

impl Ledger {
    /// Records `samples` in one transaction. A sample for an interval already recorded (a
    /// server restarted within it) adds its answers to the row and takes its other values.
    pub fn record_usage(&mut self, samples: &[UsageSample]) -> Result<(), LedgerError> {
        let tx = self.conn.transaction()?;
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO usage_samples (server, buyer, start, seconds, purchased_rps, proxy_answers,
                                            fallback_answers, fraction, served_requests, monitor)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
                 ON CONFLICT (server, buyer, start) DO UPDATE SET
                     seconds = excluded.seconds, purchased_rps = excluded.purchased_rps,
                     proxy_answers = proxy_answers + excluded.proxy_answers,
                     fallback_answers = fallback_answers + excluded.fallback_answers,
                     fraction = excluded.fraction,
                     served_requests = coalesce(served_requests, 0) + excluded.served_requests,
                     monitor = excluded.monitor",
            )?;
            for s in samples {
                insert.execute(params![
                    s.server,
                    s.buyer,
                    s.start,
                    s.seconds,
                    s.purchased_rps,
                    s.proxy_answers as i64,
                    s.fallback_answers as i64,
                    s.fraction.clamp(0.0, 1.0),
                    s.served_requests.map(|n| n as i64),
                    s.monitor,
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Each buyer's newest sample (of any server), by buyer.
    pub fn latest_usage(&self) -> Result<Vec<UsageSample>, LedgerError> {
        let Some(to) =
            self.conn.query_row("SELECT max(start) FROM usage_samples", [], |r| r.get::<_, Option<i64>>(0))?
        else {
            return Ok(Vec::new());
        };
        let mut newest: Vec<UsageSample> = Vec::new();
        // Buyers that stopped being served keep their last row: look back a day at most.
        for s in self.usage(None, to - 86_400, to + 1)?.into_iter().rev() {
            if !newest.iter().any(|n| n.buyer == s.buyer) {
                newest.push(s);
            }
        }
        newest.sort_by(|a, b| a.buyer.cmp(&b.buyer));
        Ok(newest)
    }

    /// Samples starting in `[from, to)`, optionally of one buyer, by start then server and buyer.
    pub fn usage(&self, buyer: Option<&str>, from: i64, to: i64) -> Result<Vec<UsageSample>, LedgerError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT server, buyer, start, seconds, purchased_rps, proxy_answers, fallback_answers, fraction,
                    served_requests, monitor
             FROM usage_samples WHERE (?1 IS NULL OR buyer = ?1) AND start >= ?2 AND start < ?3
             ORDER BY start, server, buyer",
        )?;
        let rows = stmt.query_map(params![buyer, from, to], |r| {
            Ok(UsageSample {
                server: r.get(0)?,
                buyer: r.get(1)?,
                start: r.get(2)?,
                seconds: r.get(3)?,
                purchased_rps: r.get(4)?,
                proxy_answers: r.get::<_, i64>(5)? as u64,
                fallback_answers: r.get::<_, i64>(6)? as u64,
                fraction: r.get(7)?,
                served_requests: r.get::<_, Option<i64>>(8)?.map(|n| n as u64),
                monitor: r.get(9)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
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
        let mut ledger = Ledger::open_in_memory().unwrap();
        ledger.record_usage(&[sample("shop", 100, 3, 4), sample("api", 100, 1, 0), sample("shop", 105, 5, 5)]).unwrap();
        let shop = ledger.usage(Some("shop"), 0, 1000).unwrap();
        assert_eq!(shop, vec![sample("shop", 100, 3, 4), sample("shop", 105, 5, 5)]);
        assert_eq!(ledger.usage(None, 100, 105).unwrap().len(), 2);
    }

    #[test]
    fn a_second_write_to_one_interval_adds_its_answers() {
        let mut ledger = Ledger::open_in_memory().unwrap();
        ledger.record_usage(&[sample("shop", 100, 3, 4)]).unwrap();
        ledger.record_usage(&[sample("shop", 100, 2, 1)]).unwrap();
        assert_eq!(ledger.usage(Some("shop"), 0, 1000).unwrap(), vec![sample("shop", 100, 5, 5)]);
    }

    #[test]
    fn a_bad_sample_leaves_the_batch_unwritten() {
        let mut ledger = Ledger::open_in_memory().unwrap();
        let mut bad = sample("api", 100, 1, 1);
        bad.seconds = 0;
        assert!(ledger.record_usage(&[sample("shop", 100, 3, 4), bad]).is_err());
        assert!(ledger.usage(None, 0, 1000).unwrap().is_empty());
    }
}
