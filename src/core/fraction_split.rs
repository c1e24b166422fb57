//! A deterministic split of answers: a fraction `f` of them go to proxies, exactly.
//!
//! `dns serve` no longer splits this way: it splits by client subnet ([`super::client_split`]
//! says why). This stays as `surplus simulate`'s `selection: per_answer`, the comparison that
//! shows the difference, and for [`ppm`].
//!
//! DNS answers for a buyer must carry its purchase in the right proportion even at a handful of
//! queries a second, where independent coin flips would wander far from `f`. Error diffusion
//! keeps a running remainder: each answer adds `f`, and when a whole answer has built up, that
//! answer goes to a proxy. Over *any* N consecutive answers at a constant `f`, the proxy count is
//! within 1 of N·f (`⌊N·f⌋` or `⌈N·f⌉`). The arithmetic is in integer parts per million, so the
//! bound holds forever, not only until floating-point error piles up.

/// Parts per million: 1,000,000 is the whole.
pub const MILLION: u32 = 1_000_000;

/// A fraction in parts per million, clamped to [0, 1].
pub fn ppm(f: f64) -> u32 {
    if f.is_nan() { 0 } else { (f.clamp(0.0, 1.0) * f64::from(MILLION)).round() as u32 }
}

/// The running remainder of one name's answers (one per serving thread).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FractionSplit {
    carry: u32,
}

impl FractionSplit {
    /// A split that starts with nothing carried.
    pub fn new() -> FractionSplit {
        FractionSplit::default()
    }

    /// Whether the next answer goes to a proxy, at `f_ppm` parts per million. `f` may change
    /// between calls (the controller moves it); the bound then holds within each stretch of
    /// constant `f`, and the remainder carries over.
    #[inline]
    pub fn next(&mut self, f_ppm: u32) -> bool {
        self.carry += f_ppm.min(MILLION);
        if self.carry >= MILLION {
            self.carry -= MILLION;
            return true;
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn exact_at_simple_fractions() {
        let mut s = FractionSplit::new();
        let picks: Vec<bool> = (0..10).map(|_| s.next(ppm(0.3))).collect();
        assert_eq!(picks.iter().filter(|&&p| p).count(), 3);
        let mut s = FractionSplit::new();
        assert!((0..100).all(|_| s.next(MILLION)));
        let mut s = FractionSplit::new();
        assert!((0..100).all(|_| !s.next(0)));
        assert_eq!(ppm(2.0), MILLION);
        assert_eq!(ppm(-1.0), 0);
        assert_eq!(ppm(f64::NAN), 0);
    }

    proptest! {
        /// Over every window of N consecutive answers, |proxy answers − N·f| < 1.
        #[test]
        fn every_window_is_within_one(f in 0u32..=MILLION, start in 0u32..MILLION, len in 1usize..3000) {
            let mut s = FractionSplit { carry: start };
            let picks: Vec<u32> = (0..len).map(|_| u32::from(s.next(f))).collect();
            let mut prefix = vec![0u64; len + 1];
            for (i, p) in picks.iter().enumerate() {
                prefix[i + 1] = prefix[i] + u64::from(*p);
            }
            // Checking every window is O(len²); a stride keeps it fast and still covers all sizes.
            for from in (0..len).step_by(7) {
                for to in from + 1..=len {
                    let n = (to - from) as u64;
                    let got = (prefix[to] - prefix[from]) * u64::from(MILLION);
                    let want = n * u64::from(f);
                    prop_assert!(got.abs_diff(want) < u64::from(MILLION), "window {from}..{to}: {got} vs {want}");
                }
            }
        }
    }
}
