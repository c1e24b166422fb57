//! The SOA serial of a zone's data: the same serial for the same data, a larger one when it
//! changes. The ledger records serials against a fingerprint of the data ([`serial_for`] is the
//! rule it applies), and a server that cannot reach the ledger applies the same rule to what
//! it serves.

/// The serial for zone data with `fingerprint`, after `latest` (the serial last given to the
/// zone, and its data's fingerprint), at `now` (unix seconds); and whether it is a new one.
///
/// The same data keeps its serial. Other data, or data seen before but not last (serials never
/// go back), gets `max(latest + 1, now)`: the clock keeps serials above those that servers gave
/// from their start time before serials were recorded, and `+ 1` covers two changes within a
/// second or a clock behind. RFC 1982 arithmetic would wrap past 2^32 - 1; a serial that
/// large means a clock far off, and staying at the top is the safer error.
pub fn serial_for(latest: Option<(u32, &str)>, fingerprint: &str, now: i64) -> (u32, bool) {
    match latest {
        Some((serial, known)) if known == fingerprint => (serial, false),
        latest => {
            let next = latest.map_or(1, |(s, _)| i64::from(s) + 1).max(now).clamp(1, i64::from(u32::MAX));
            (u32::try_from(next).unwrap_or(u32::MAX), true)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_data_keeps_its_serial_and_changed_data_goes_past_it() {
        assert_eq!(serial_for(None, "a", 1_800_000_000), (1_800_000_000, true));
        assert_eq!(serial_for(Some((1_800_000_000, "a")), "a", 1_900_000_000), (1_800_000_000, false));
        assert_eq!(serial_for(Some((1_800_000_000, "a")), "b", 1_800_000_500), (1_800_000_500, true));
        // A clock behind, or two changes in a second: one more than the latest.
        assert_eq!(serial_for(Some((1_800_000_000, "a")), "b", 1_700_000_000), (1_800_000_001, true));
        assert_eq!(serial_for(None, "a", -5), (1, true));
        assert_eq!(serial_for(Some((u32::MAX, "a")), "b", 0), (u32::MAX, true));
    }
}
