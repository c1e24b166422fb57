//! Smooth weighted round robin (nginx's upstream algorithm): picks in proportion to weights,
//! evenly interleaved, with no randomness.
//!
//! Each pick adds every entry's weight to its running score, takes the highest score, and
//! subtracts the total weight from the winner. Over any cycle of `total` picks each entry is
//! chosen exactly `weight` times, and no entry waits long between its turns. Used for proxy
//! answers (weights: each healthy proxy's configured capacity) and for the `weighted` fallback.

/// The state of a weighted rotation over a fixed list of entries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SmoothWeighted {
    weights: Vec<u64>,
    scores: Vec<i128>,
    total: u64,
}

impl SmoothWeighted {
    /// A rotation over entries with these weights (0: never picked).
    pub fn new(weights: &[u64]) -> SmoothWeighted {
        SmoothWeighted { weights: weights.to_vec(), scores: vec![0; weights.len()], total: weights.iter().sum() }
    }

    /// Changes the weights in place, keeping the rotation's position (a proxy's health changes
    /// its weight to 0 and back; restarting would favour whichever entry comes first).
    pub fn set_weights(&mut self, weights: &[u64]) {
        if weights.len() != self.weights.len() {
            *self = SmoothWeighted::new(weights);
            return;
        }
        self.weights.copy_from_slice(weights);
        self.total = weights.iter().sum();
    }

    /// The next entry, or `None` when every weight is 0.
    #[inline]
    pub fn pick(&mut self) -> Option<usize> {
        if self.total == 0 {
            return None;
        }
        let mut best = None;
        for (i, (score, &w)) in self.scores.iter_mut().zip(&self.weights).enumerate() {
            if w == 0 {
                continue;
            }
            *score += i128::from(w);
            if best.is_none_or(|(_, s)| *score > s) {
                best = Some((i, *score));
            }
        }
        let (i, _) = best?;
        self.scores[i] -= i128::from(self.total);
        Some(i)
    }

    /// The next entry, then up to `k − 1` more distinct ones with weight, in the order they
    /// would come up next. The first carries the load share; the rest are there for clients
    /// that fail over within one answer.
    pub fn pick_distinct(&mut self, k: usize, out: &mut Vec<usize>) {
        out.clear();
        let Some(first) = self.pick() else {
            return;
        };
        out.push(first);
        let mut rest: Vec<usize> = (0..self.weights.len()).filter(|&i| i != first && self.weights[i] > 0).collect();
        rest.sort_by_key(|&i| (std::cmp::Reverse(self.scores[i] + i128::from(self.weights[i])), i));
        out.extend(rest.into_iter().take(k.saturating_sub(1)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn interleaves_like_nginx() {
        // nginx's documented sequence for weights 5, 1, 1: a a b a c a a.
        let mut s = SmoothWeighted::new(&[5, 1, 1]);
        let picks: Vec<usize> = (0..7).map(|_| s.pick().unwrap()).collect();
        assert_eq!(picks, [0, 0, 1, 0, 2, 0, 0]);
    }

    #[test]
    fn zero_weights() {
        assert_eq!(SmoothWeighted::new(&[0, 0]).pick(), None);
        assert_eq!(SmoothWeighted::new(&[]).pick(), None);
        let mut s = SmoothWeighted::new(&[0, 3]);
        assert!((0..10).all(|_| s.pick() == Some(1)));
    }

    #[test]
    fn distinct_picks() {
        let mut s = SmoothWeighted::new(&[2, 1, 0, 1]);
        let mut out = Vec::new();
        s.pick_distinct(2, &mut out);
        assert_eq!(out.len(), 2);
        assert_ne!(out[0], out[1]);
        assert!(!out.contains(&2), "zero weight never answers");
        s.pick_distinct(9, &mut out);
        assert_eq!(out.len(), 3);
    }

    proptest! {
        /// Every cycle of `total` picks gives each entry exactly its weight.
        #[test]
        fn exact_per_cycle(weights in prop::collection::vec(0u64..20, 1..8), cycles in 1usize..4) {
            let total: u64 = weights.iter().sum();
            prop_assume!(total > 0);
            let mut s = SmoothWeighted::new(&weights);
            for _ in 0..cycles {
                let mut counts = vec![0u64; weights.len()];
                for _ in 0..total {
                    counts[s.pick().unwrap()] += 1;
                }
                prop_assert_eq!(&counts, &weights);
            }
        }
    }
}
