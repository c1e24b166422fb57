//! Quantiles of samples, one definition used everywhere so that numbers agree across reports.
//!
//! We use linear interpolation between closest ranks (Hyndman & Fan type 7, the default of R,
//! NumPy and most spreadsheets): for sorted `x` of length `n`, `h = (n - 1) q`, and the result is
//! `x[⌊h⌋] + (h - ⌊h⌋)(x[⌊h⌋ + 1] - x[⌊h⌋])`. It is continuous in `q`, exact at the sample
//! points, and gives the minimum at `q = 0` and the maximum at `q = 1`.

/// The `q`-quantile of already sorted samples; `None` when there are none.
///
/// `q` is clamped to [0, 1]; a NaN `q` is treated as 0.
pub fn quantile_sorted(sorted: &[f64], q: f64) -> Option<f64> {
    interpolate(sorted.len(), q, |i| sorted[i])
}

/// The `q`-quantile of unsorted samples (sorted in place).
pub fn quantile(samples: &mut [f64], q: f64) -> Option<f64> {
    samples.sort_unstable_by(f64::total_cmp);
    quantile_sorted(samples, q)
}

/// The `q`-quantile of integer counts (sorted in place), e.g. requests per second.
pub fn quantile_counts(counts: &mut [u32], q: f64) -> Option<f64> {
    counts.sort_unstable();
    interpolate(counts.len(), q, |i| f64::from(counts[i]))
}

/// Type 7 over `len` sorted values read through `at`.
fn interpolate(len: usize, q: f64, at: impl Fn(usize) -> f64) -> Option<f64> {
    let last = len.checked_sub(1)?;
    let q = if q.is_nan() { 0.0 } else { q.clamp(0.0, 1.0) };
    let h = last as f64 * q;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(last);
    Some(at(lo) + (h - lo as f64) * (at(hi) - at(lo)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn matches_numpy_linear() {
        // numpy.quantile([1, 2, 3, 4], 0.95) == 3.85
        let mut v = [4.0, 1.0, 3.0, 2.0];
        assert!((quantile(&mut v, 0.95).unwrap() - 3.85).abs() < 1e-12);
        assert_eq!(quantile(&mut v, 0.5), Some(2.5));
        assert_eq!(quantile(&mut v, 0.0), Some(1.0));
        assert_eq!(quantile(&mut v, 1.0), Some(4.0));
    }

    #[test]
    fn single_and_empty() {
        assert_eq!(quantile(&mut [7.0], 0.3), Some(7.0));
        assert_eq!(quantile(&mut [], 0.3), None);
        assert_eq!(quantile_counts(&mut [], 0.3), None);
    }

    #[test]
    fn counts_agree_with_floats() {
        // 20 seconds: 19 zeros and one 10 → p95 = 0 + 0.05 * 10 = 0.5 (h = 18.05)
        let mut c = [0u32; 20];
        c[7] = 10;
        assert!((quantile_counts(&mut c, 0.95).unwrap() - 0.5).abs() < 1e-12);
    }

    proptest! {
        #[test]
        fn within_bounds_and_monotone(mut v in prop::collection::vec(-1e6f64..1e6, 1..200), q1 in 0.0f64..=1.0, q2 in 0.0f64..=1.0) {
            let (lo, hi) = if q1 <= q2 { (q1, q2) } else { (q2, q1) };
            let a = quantile(&mut v, lo).unwrap();
            let b = quantile(&mut v, hi).unwrap();
            prop_assert!(a <= b + 1e-9);
            prop_assert!(a >= v[0] - 1e-9 && b <= v[v.len() - 1] + 1e-9);
        }

        #[test]
        fn counts_match_float_version(c in prop::collection::vec(0u32..1000, 1..300), q in 0.0f64..=1.0) {
            let mut f: Vec<f64> = c.iter().map(|&x| f64::from(x)).collect();
            let mut c = c;
            let a = quantile_counts(&mut c, q).unwrap();
            let b = quantile(&mut f, q).unwrap();
            prop_assert!((a - b).abs() < 1e-9);
        }
    }
}
