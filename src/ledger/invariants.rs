//! The ledger's invariants, checked by recounting (`surplus ledger check`, and the proptests
//! after every step): what triggers and settlements keep incrementally must equal what the
//! rows say, on either backend.

use super::db::args;
use super::{Ledger, LedgerError};

/// One invariant and how many rows break it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Invariant {
    /// Its name, as `ledger check` prints it.
    pub name: &'static str,
    /// What holds when it holds.
    pub rule: &'static str,
    /// Rows that break it (0: it holds).
    pub violations: i64,
}

/// Each invariant: name, rule, and a query counting the rows that break it.
const INVARIANTS: &[(&str, &str, &str)] = &[
    (
        "not-oversold",
        "no offer sells more guaranteed rps than it offered",
        "SELECT COUNT(*) FROM offers o WHERE o.rps < (SELECT COALESCE(SUM(s.rps), 0) FROM sales s
           WHERE s.seller IS NULL AND s.service = 'guaranteed'
             AND s.window_start < o.slot_end AND s.window_end > o.slot_start)",
    ),
    (
        "sales-backed",
        "every slot of an operator's guaranteed sale is offered",
        "SELECT COUNT(*) FROM sales s WHERE s.seller IS NULL AND s.service = 'guaranteed'
           AND (SELECT COALESCE(SUM(o.slot_end - o.slot_start), 0) FROM offers o
                 WHERE o.slot_start < s.window_end AND o.slot_end > s.window_start) < s.window_end - s.window_start",
    ),
    (
        "sold-counter",
        "offers.sold equals a recount of the operator's guaranteed sales",
        "SELECT COUNT(*) FROM offers o WHERE o.sold <> (SELECT COALESCE(SUM(s.rps), 0) FROM sales s
           WHERE s.seller IS NULL AND s.service = 'guaranteed'
             AND s.window_start < o.slot_end AND s.window_end > o.slot_start)",
    ),
    (
        "reserved-counter",
        "offers.reserved equals a recount of open guaranteed auctions and the operator's open asks",
        "SELECT COUNT(*) FROM offers o WHERE o.reserved <>
             (SELECT COALESCE(SUM(a.rps), 0) FROM auctions a
               WHERE a.status = 'open' AND a.service = 'guaranteed'
                 AND a.window_start < o.slot_end AND a.window_end > o.slot_start)
           + (SELECT COALESCE(SUM(r.remaining), 0) FROM orders r
               WHERE r.owner IS NULL AND r.side = 'sell' AND r.status = 'open'
                 AND r.window_start < o.slot_end AND r.window_end > o.slot_start)",
    ),
    (
        "not-overpromised",
        "no offer has sold and promised more than it offered",
        "SELECT COUNT(*) FROM offers WHERE sold + reserved > rps",
    ),
    (
        "rollups-equal-samples",
        "every usage rollup equals a sum of its samples (and every sample is rolled up), above the expiry horizon",
        "SELECT COUNT(*) FROM (SELECT 1 FROM (
           SELECT buyer, span, start, server, samples, seconds, purchased, measured_seconds, served_requests,
                  proxy_answers, fallback_answers FROM {rollups}
           UNION ALL
           SELECT buyer, spans.span, start - (start % spans.span + spans.span) % spans.span, server, -count(*),
                  -sum(seconds), -sum(purchased_rps * seconds),
                  -sum(CASE WHEN served_requests IS NULL THEN 0 ELSE seconds END),
                  -sum(coalesce(served_requests, 0)), -sum(proxy_answers), -sum(fallback_answers)
             FROM usage_samples, (SELECT 60 AS span UNION ALL SELECT 300) AS spans
            GROUP BY buyer, spans.span, start - (start % spans.span + spans.span) % spans.span, server
         ) AS both_sides
         WHERE start >= coalesce((SELECT horizon FROM usage_expiry WHERE id = 1), -9223372036854775807)
         GROUP BY buyer, span, start, server
         HAVING sum(samples) <> 0 OR sum(seconds) <> 0 OR sum(purchased) <> 0 OR sum(measured_seconds) <> 0
             OR sum(served_requests) <> 0 OR sum(proxy_answers) <> 0 OR sum(fallback_answers) <> 0
         ) AS broken",
    ),
];

impl Ledger {
    /// Every invariant with the number of rows that break it, read in one snapshot.
    pub fn check_invariants(&self) -> Result<Vec<Invariant>, LedgerError> {
        self.db.transaction(super::db::TxKind::Read, |db| {
            INVARIANTS
                .iter()
                .map(|(name, rule, sql)| {
                    // PostgreSQL's rollups as they stand include the usage not folded yet.
                    let sql = sql.replace("{rollups}", super::usage::current_rollups(db));
                    let violations = db.query_row(&sql, args![], |r| r.get::<i64>(0))?;
                    Ok(Invariant { name, rule, violations })
                })
                .collect()
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::ledger::usage::UsageSample;

    #[test]
    fn a_fresh_ledger_holds_every_invariant_and_a_drifted_counter_is_found() {
        crate::ledger::test_backends::each_backend(|fresh| {
            let mut l = fresh;
            l.save_offers(
                &[crate::ledger::NewOffer { slot: crate::core::window::Window::new(0, 3600).unwrap(), rps: 5 }],
                0,
                "t",
            )
            .unwrap();
            l.record_usage(&[UsageSample {
                server: "a".into(),
                buyer: "shop".into(),
                start: 1_795_564_800,
                seconds: 5,
                purchased_rps: 10,
                proxy_answers: 3,
                fallback_answers: 1,
                fraction: 0.5,
                served_requests: Some(40),
                monitor: "ok".into(),
            }])
            .unwrap();
            assert!(l.check_invariants().unwrap().iter().all(|i| i.violations == 0), "{:?}", l.check_invariants());
            // Folded, so that the drift is made in the table (PostgreSQL); nothing on SQLite.
            l.fold_usage(i64::MAX).unwrap();
            assert!(l.check_invariants().unwrap().iter().all(|i| i.violations == 0), "{:?}", l.check_invariants());
            l.db.execute("UPDATE offers SET sold = 1", crate::ledger::db::args![]).unwrap();
            l.db.execute("UPDATE usage_rollups SET proxy_answers = 4 WHERE span = 60", crate::ledger::db::args![])
                .unwrap();
            let broken: Vec<(&str, i64)> = l
                .check_invariants()
                .unwrap()
                .iter()
                .filter(|i| i.violations > 0)
                .map(|i| (i.name, i.violations))
                .collect();
            assert_eq!(broken, [("sold-counter", 1), ("rollups-equal-samples", 1)]);
        });
    }
}
