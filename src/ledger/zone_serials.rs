//! SOA serials: the serial of each zone's static data, recorded against its fingerprint, so
//! every server of the same data on one ledger serves the same serial (RFC 1996 and the
//! conformance tools compare serials across a zone's servers), and a larger one when it changes.

use super::db::{Db, TxKind, args};

use super::{Ledger, LedgerError};
use crate::core::zone_serial;

impl Ledger {
    /// The serial of each `(apex, fingerprint)` after the latest recorded for the apex, by
    /// [`zone_serial::serial_for`] (the same when the fingerprint is, else `max(latest + 1,
    /// now)`), a new one recorded. One transaction: two servers starting at once agree.
    pub fn zone_serials(&mut self, zones: &[(String, String)], now: i64) -> Result<Vec<u32>, LedgerError> {
        self.db.transaction(TxKind::Write, |db| {
            let mut serials = Vec::with_capacity(zones.len());
            for (apex, fingerprint) in zones {
                let (serial, new) = serial_for(latest(db, apex)?, fingerprint, now);
                if new {
                    db.execute(
                        "INSERT INTO zone_serials (apex, serial, fingerprint, recorded_at) VALUES (?1, ?2, ?3, ?4)
                         ON CONFLICT DO NOTHING",
                        args![apex, i64::from(serial), fingerprint, now],
                    )?;
                }
                serials.push(serial);
            }
            Ok(serials)
        })
    }

    /// The serials [`Ledger::zone_serials`] would give, recording nothing (for a read-only
    /// look, as `dns zone` wants): what a server starting now would serve.
    pub fn peek_zone_serials(&self, zones: &[(String, String)], now: i64) -> Result<Vec<u32>, LedgerError> {
        zones.iter().map(|(apex, fingerprint)| Ok(serial_for(latest(&self.db, apex)?, fingerprint, now).0)).collect()
    }
}

/// The latest serial recorded for `apex`, with its fingerprint.
fn latest(db: &Db, apex: &str) -> Result<Option<(i64, String)>, LedgerError> {
    db.query_opt(
        "SELECT serial, fingerprint FROM zone_serials WHERE apex = ?1 ORDER BY serial DESC LIMIT 1",
        args![apex],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
}

/// [`zone_serial::serial_for`] after what the ledger holds.
fn serial_for(latest: Option<(i64, String)>, fingerprint: &str, now: i64) -> (u32, bool) {
    let latest = latest.as_ref().map(|(s, f)| (u32::try_from(*s).unwrap_or(u32::MAX), f.as_str()));
    zone_serial::serial_for(latest, fingerprint, now)
}

#[cfg(test)]
mod tests {

    fn zone(fingerprint: &str) -> Vec<(String, String)> {
        vec![("cdn.example.net".into(), fingerprint.into()), ("www.shop.example".into(), "b".into())]
    }

    #[test]
    fn one_serial_per_version_of_the_data_increasing_when_it_changes() {
        crate::ledger::test_backends::each_backend(|fresh| {
            let mut ledger = fresh;
            assert_eq!(ledger.peek_zone_serials(&zone("a"), 1_800_000_000).unwrap(), [1_800_000_000, 1_800_000_000]);
            let first = ledger.zone_serials(&zone("a"), 1_800_000_000).unwrap();
            assert_eq!(first, [1_800_000_000, 1_800_000_000]);
            // The same data later, on another server: the same serial.
            assert_eq!(ledger.zone_serials(&zone("a"), 1_800_000_500).unwrap(), first);
            assert_eq!(ledger.peek_zone_serials(&zone("a"), 1_800_000_900).unwrap(), first);
            assert_eq!(ledger.peek_zone_serials(&zone("x"), 1_700_000_000).unwrap()[0], 1_800_000_001);
            // Changed data: the clock, which is ahead.
            assert_eq!(ledger.zone_serials(&zone("c"), 1_800_000_600).unwrap(), [1_800_000_600, 1_800_000_000]);
            // Changed twice within a second, or a clock behind: one more than the latest.
            assert_eq!(ledger.zone_serials(&zone("d"), 1_700_000_000).unwrap()[0], 1_800_000_601);
            // Back to earlier data is a change too: serials never go back.
            assert_eq!(ledger.zone_serials(&zone("a"), 1_700_000_000).unwrap()[0], 1_800_000_602);
        });
    }
}
