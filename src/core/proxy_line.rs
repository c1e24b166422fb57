//! Which of a buyer's clients get proxies: those whose place on the buyer's hash line
//! ([`super::client_split::place`]) is below a threshold, except in a few stretches of the line
//! that the controller has *excluded*.
//!
//! Why stretches? One resolver can carry more than the headroom of a purchase (with Zipf(1)
//! client shares over 2,000 resolvers the largest has 12% of the clients: 360 rps of a 3,000
//! rps demand on a 1,000 rps purchase). With a bare threshold the served-vs-`f` curve then
//! has a step the target falls inside: below it the buyer gets 45% of what it bought, above
//! it 130%, and no `f` is right. The controller learns where such a resolver sits (the
//! stretch of the line it had just raised the threshold over when served jumped above the
//! purchase) and excludes that stretch: those clients get the fallback, and the threshold
//! goes on past them to clients small enough to fill the purchase.
//!
//! The controller works in *shares*: the share of the line that gets proxies, `f`. The
//! threshold is wherever that share is reached with the excluded stretches skipped, so a
//! stretch excluded below the threshold moves it up by the stretch's width. Everything is in
//! parts per million, the same units [`super::client_split`] places clients in, so the
//! controller, `surplus simulate` and the DNS hot path agree to the client.

use serde::{Deserialize, Serialize};

use super::fraction_split::{MILLION, ppm};

/// Stretches kept at most. When a new one would be the fifth, it is merged with the nearest
/// (the gap between them is excluded too): the lumps stay out, a few small clients with them.
pub const MAX_BANDS: usize = 4;

/// The share of the line to proxies, and the stretches excluded from it. Serialized as its
/// parts and read back through [`ProxyLine::from_parts`], so a line from outside (a published
/// control state) cannot break the order of its stretches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "LineParts", from = "LineParts")]
pub struct ProxyLine {
    /// Places below this get proxies (outside the bands), parts per million.
    threshold: u32,
    /// `[from, to)` places, sorted and disjoint; `len` of them are in use.
    bands: [(u32, u32); MAX_BANDS],
    len: usize,
}

/// A [`ProxyLine`] as it is written out.
#[derive(Serialize, Deserialize)]
struct LineParts {
    threshold: u32,
    bands: Vec<(u32, u32)>,
}

impl From<ProxyLine> for LineParts {
    fn from(line: ProxyLine) -> LineParts {
        LineParts { threshold: line.threshold(), bands: line.bands().to_vec() }
    }
}

impl From<LineParts> for ProxyLine {
    fn from(parts: LineParts) -> ProxyLine {
        ProxyLine::from_parts(parts.threshold, &parts.bands)
    }
}

impl Default for ProxyLine {
    fn default() -> ProxyLine {
        ProxyLine::below(0)
    }
}

impl ProxyLine {
    /// Every client placed below `threshold_ppm`, nothing excluded.
    pub fn below(threshold_ppm: u32) -> ProxyLine {
        ProxyLine { threshold: threshold_ppm.min(MILLION), bands: [(0, 0); MAX_BANDS], len: 0 }
    }

    /// Rebuilds a line from its parts (as stored in the DNS server's shared values); bands
    /// that are empty, inverted or out of order are dropped.
    pub fn from_parts(threshold_ppm: u32, bands: &[(u32, u32)]) -> ProxyLine {
        let mut line = ProxyLine::below(threshold_ppm);
        for &(from, to) in bands {
            let after_last = line.bands().last().is_none_or(|&(_, end)| from >= end);
            if from < to && to <= MILLION && after_last && line.len < MAX_BANDS {
                line.bands[line.len] = (from, to);
                line.len += 1;
            }
        }
        line
    }

    /// Whether a client at `place` gets proxies.
    #[inline]
    pub fn to_proxy(&self, place: u32) -> bool {
        place < self.threshold && !self.bands().iter().any(|&(from, to)| place >= from && place < to)
    }

    pub fn threshold(&self) -> u32 {
        self.threshold
    }

    pub fn bands(&self) -> &[(u32, u32)] {
        &self.bands[..self.len]
    }

    /// The share of the line excluded, in [0, 1].
    pub fn excluded(&self) -> f64 {
        f64::from(self.bands().iter().map(|&(from, to)| to - from).sum::<u32>()) / f64::from(MILLION)
    }

    /// The share of the line that gets proxies.
    pub fn share(&self) -> f64 {
        let inside: u32 = self.bands().iter().map(|&(from, to)| to.min(self.threshold).saturating_sub(from)).sum();
        f64::from(self.threshold - inside) / f64::from(MILLION)
    }

    /// Moves the threshold so that share `f` of the line gets proxies, the bands skipped.
    /// `f` beyond what the bands leave gets all of the rest.
    pub fn set_share(&mut self, f: f64) {
        let mut threshold = ppm(f);
        for &(from, to) in &self.bands[..self.len] {
            if from >= threshold {
                break;
            }
            threshold = threshold.saturating_add(to - from);
        }
        self.threshold = threshold.min(MILLION);
    }

    /// Excludes `[from, to)` (merged with the bands it touches; with the nearest one when
    /// there are already [`MAX_BANDS`]). The threshold stays where it is. Returns whether
    /// anything not yet excluded is now.
    pub fn exclude(&mut self, from: u32, to: u32) -> bool {
        let (from, to) = (from.min(MILLION), to.min(MILLION));
        if from >= to || self.bands().iter().any(|&(a, b)| a <= from && to <= b) {
            return false;
        }
        let mut all: Vec<(u32, u32)> = self.bands().to_vec();
        all.push((from, to));
        all.sort_unstable();
        let mut merged: Vec<(u32, u32)> = Vec::with_capacity(all.len());
        for (a, b) in all {
            match merged.last_mut() {
                Some(last) if a <= last.1 => last.1 = last.1.max(b),
                _ => merged.push((a, b)),
            }
        }
        while merged.len() > MAX_BANDS {
            // Close the narrowest gap.
            let k = (1..merged.len()).min_by_key(|&k| merged[k].0 - merged[k - 1].1).unwrap_or(1);
            merged[k - 1].1 = merged[k].1;
            merged.remove(k);
        }
        self.len = merged.len();
        self.bands[..self.len].copy_from_slice(&merged);
        true
    }

    /// Forgets every band; the threshold stays.
    pub fn clear_bands(&mut self) {
        self.len = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn without_bands_the_threshold_is_the_share() {
        let mut line = ProxyLine::default();
        line.set_share(0.3);
        assert_eq!(line.threshold(), 300_000);
        assert!(line.to_proxy(299_999));
        assert!(!line.to_proxy(300_000));
        assert_eq!(line.share(), 0.3);
    }

    #[test]
    fn a_band_is_skipped_and_the_threshold_goes_past_it() {
        let mut line = ProxyLine::default();
        line.set_share(0.5);
        assert!(line.exclude(200_000, 300_000));
        // Excluding leaves the threshold: the share drops by the band's width.
        assert_eq!(line.threshold(), 500_000);
        assert!((line.share() - 0.4).abs() < 1e-12);
        assert!(!line.to_proxy(250_000));
        assert!(line.to_proxy(199_999) && line.to_proxy(300_000));
        line.set_share(0.5);
        assert_eq!(line.threshold(), 600_000);
        assert!((line.share() - 0.5).abs() < 1e-12);
        // A share below the band does not reach it.
        line.set_share(0.1);
        assert_eq!(line.threshold(), 100_000);
        // Everything the bands leave, and no more.
        line.set_share(1.0);
        assert_eq!(line.threshold(), MILLION);
        assert!((line.share() - 0.9).abs() < 1e-12);
        assert!((line.excluded() - 0.1).abs() < 1e-12);
    }

    #[test]
    fn bands_merge_and_stay_few() {
        let mut line = ProxyLine::default();
        assert!(line.exclude(100, 200));
        assert!(!line.exclude(120, 180), "already excluded");
        assert!(line.exclude(150, 300));
        assert_eq!(line.bands(), &[(100, 300)]);
        for k in 1..=4 {
            line.exclude(k * 1000, k * 1000 + 10);
        }
        assert_eq!(line.bands().len(), MAX_BANDS);
        // The narrowest gap closed: 300..1000 (700), against 990 between the others.
        assert_eq!(line.bands()[0], (100, 1010));
        line.clear_bands();
        assert!(line.bands().is_empty());
        assert!(!line.exclude(500, 500), "empty");
    }

    #[test]
    fn parts_round_trip_and_bad_parts_are_dropped() {
        let mut line = ProxyLine::default();
        line.exclude(10, 20);
        line.exclude(40, 90);
        line.set_share(0.5);
        assert_eq!(ProxyLine::from_parts(line.threshold(), line.bands()), line);
        let odd = ProxyLine::from_parts(2 * MILLION, &[(30, 20), (50, 60), (40, 55), (0, 0)]);
        assert_eq!(odd.threshold(), MILLION);
        assert_eq!(odd.bands(), &[(50, 60)]);
    }

    proptest! {
        /// Whatever was excluded, the line gives the share asked for (or all that is left),
        /// and raising the share only adds clients.
        #[test]
        fn the_share_is_met_and_raising_only_adds(
            bands in proptest::collection::vec((0u32..MILLION, 1u32..200_000), 0..8),
            low in 0.0f64..=1.0,
            high in 0.0f64..=1.0,
            place in 0u32..MILLION,
        ) {
            let mut line = ProxyLine::default();
            for (from, width) in bands {
                line.exclude(from, from.saturating_add(width));
            }
            prop_assert!(line.bands().len() <= MAX_BANDS);
            prop_assert!(line.bands().windows(2).all(|w| w[0].1 < w[1].0));
            let (low, high) = (low.min(high), low.max(high));
            line.set_share(low);
            let want = low.min(1.0 - line.excluded());
            prop_assert!((line.share() - want).abs() < 2e-6, "{} vs {}", line.share(), want);
            let before = line.to_proxy(place);
            line.set_share(high);
            prop_assert!(!before || line.to_proxy(place));
        }
    }
}
