//! Requests per second of one source (a proxy, or the network), kept per slot.
//!
//! Access logs are written when a request *finishes*, so they are only roughly in time order;
//! rotated files are read in any order. Counting into a per-second array per slot makes the
//! result independent of line order, and bounds memory by the history's span (4 bytes per second
//! of history, about 0.35 MB per source-day), not by the log's size.

use std::collections::HashMap;

use super::window::Slot;

/// Counts for one slot: requests in each of its seconds, and totals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotCounts {
    /// `per_second[i]` = requests logged in second `slot_start + i`.
    pub per_second: Box<[u32]>,
    pub requests: u64,
    pub bytes: u64,
}

impl SlotCounts {
    fn new(slot: Slot) -> SlotCounts {
        SlotCounts { per_second: vec![0; slot.secs() as usize].into_boxed_slice(), requests: 0, bytes: 0 }
    }

    fn add(&mut self, other: &SlotCounts) {
        for (a, b) in self.per_second.iter_mut().zip(other.per_second.iter()) {
            *a = a.saturating_add(*b);
        }
        self.requests += other.requests;
        self.bytes += other.bytes;
    }
}

/// Per-second request counts of one source, by slot.
#[derive(Debug, Clone)]
pub struct SecondCounts {
    slot: Slot,
    slots: HashMap<i64, SlotCounts>,
    /// The slot most recently written, kept out of the map: consecutive log lines nearly always
    /// fall in the same slot, and this saves a hash lookup per line on the ingest hot path.
    current: Option<(i64, SlotCounts)>,
    first: i64,
    last: i64,
    /// First and last time of every line seen, recorded or not (outside `--since`/`--until`):
    /// proof of how far the log reaches, so an edge slot's quiet seconds count as quiet.
    seen_first: i64,
    seen_last: i64,
}

impl SecondCounts {
    /// Empty counts on the given slot grid.
    pub fn new(slot: Slot) -> SecondCounts {
        SecondCounts {
            slot,
            slots: HashMap::new(),
            current: None,
            first: i64::MAX,
            last: i64::MIN,
            seen_first: i64::MAX,
            seen_last: i64::MIN,
        }
    }

    /// The slot grid.
    pub fn slot(&self) -> Slot {
        self.slot
    }

    /// Records one request at unix time `t` with `bytes` sent.
    #[inline]
    pub fn record(&mut self, t: i64, bytes: u64) {
        let index = self.slot.index(t);
        let second = (t - self.slot.start(index)) as usize;
        let counts = match &mut self.current {
            Some((i, counts)) if *i == index => counts,
            _ => self.switch_to(index),
        };
        counts.per_second[second] = counts.per_second[second].saturating_add(1);
        counts.requests += 1;
        counts.bytes += bytes;
        self.first = self.first.min(t);
        self.last = self.last.max(t);
        self.see(t);
    }

    /// Notes a line at `t` that is not recorded (outside the selected range).
    #[inline]
    pub fn see(&mut self, t: i64) {
        self.seen_first = self.seen_first.min(t);
        self.seen_last = self.seen_last.max(t);
    }

    #[cold]
    fn switch_to(&mut self, index: i64) -> &mut SlotCounts {
        if let Some((i, counts)) = self.current.take() {
            self.slots.insert(i, counts);
        }
        let counts = self.slots.remove(&index).unwrap_or_else(|| SlotCounts::new(self.slot));
        &mut self.current.insert((index, counts)).1
    }

    /// Adds another source's counts into this one (both on the same grid).
    pub fn merge(&mut self, mut other: SecondCounts) {
        debug_assert_eq!(self.slot, other.slot);
        other.park();
        self.park();
        for (index, counts) in other.slots {
            match self.slots.get_mut(&index) {
                Some(mine) => mine.add(&counts),
                None => {
                    self.slots.insert(index, counts);
                }
            }
        }
        self.first = self.first.min(other.first);
        self.last = self.last.max(other.last);
        self.seen_first = self.seen_first.min(other.seen_first);
        self.seen_last = self.seen_last.max(other.seen_last);
    }

    fn park(&mut self) {
        if let Some((i, counts)) = self.current.take() {
            self.slots.insert(i, counts);
        }
    }

    /// Unix times of the first and last request recorded, if any.
    pub fn span(&self) -> Option<(i64, i64)> {
        (self.first <= self.last).then_some((self.first, self.last))
    }

    /// The history these counts cover, given the range lines were selected from: from the
    /// first line seen (or `since`, if lines before it were seen) to the last line seen (or just
    /// before `until`). `None` when no request was recorded.
    pub fn history_span(&self, since: Option<i64>, until: Option<i64>) -> Option<(i64, i64)> {
        self.span()?;
        let from = since.map_or(self.seen_first, |s| s.max(self.seen_first));
        let to = until.map_or(self.seen_last, |u| (u - 1).min(self.seen_last));
        Some((from, to))
    }

    /// Total requests recorded.
    pub fn requests(&self) -> u64 {
        self.slots.values().chain(self.current.iter().map(|(_, c)| c)).map(|c| c.requests).sum()
    }

    /// Counts of slot `index`, if any request fell in it.
    pub fn get(&self, index: i64) -> Option<&SlotCounts> {
        match &self.current {
            Some((i, counts)) if *i == index => Some(counts),
            _ => self.slots.get(&index),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn counts_by_second_whatever_the_order() {
        let mut c = SecondCounts::new(Slot::HOUR);
        for t in [7205, 3600, 3601, 3601, 7199, 10, 3601] {
            c.record(t, 100);
        }
        assert_eq!(c.span(), Some((10, 7205)));
        assert_eq!(c.requests(), 7);
        let h1 = c.get(1).unwrap();
        assert_eq!(h1.requests, 5);
        assert_eq!(h1.bytes, 500);
        assert_eq!(h1.per_second[1], 3);
        assert_eq!(h1.per_second[3599], 1);
        assert_eq!(c.get(0).unwrap().per_second[10], 1);
        assert!(c.get(3).is_none());
        assert_eq!(c.history_span(None, None), Some((10, 7205)));
    }

    #[test]
    fn history_reaches_as_far_as_lines_were_seen() {
        let mut c = SecondCounts::new(Slot::HOUR);
        assert_eq!(c.history_span(Some(100), None), None);
        c.see(50); // before --since
        c.record(150, 1);
        c.see(900); // after --until
        assert_eq!(c.span(), Some((150, 150)));
        assert_eq!(c.history_span(Some(100), Some(500)), Some((100, 499)));
        assert_eq!(c.history_span(Some(10), Some(5000)), Some((50, 900)));
    }

    proptest! {
        #[test]
        fn order_and_split_do_not_matter(ts in prop::collection::vec(0i64..20_000, 0..500), cut in 0usize..500) {
            let mut sorted = SecondCounts::new(Slot::HOUR);
            let mut ordered = ts.clone();
            ordered.sort();
            for &t in &ordered { sorted.record(t, 1); }

            let cut = cut.min(ts.len());
            let (a, b) = ts.split_at(cut);
            let mut left = SecondCounts::new(Slot::HOUR);
            let mut right = SecondCounts::new(Slot::HOUR);
            for &t in a { left.record(t, 1); }
            for &t in b.iter().rev() { right.record(t, 1); }
            left.merge(right);

            prop_assert_eq!(left.span(), sorted.span());
            prop_assert_eq!(left.requests(), ts.len() as u64);
            for index in 0..6 {
                prop_assert_eq!(left.get(index), sorted.get(index));
            }
        }
    }
}
