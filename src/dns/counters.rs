//! Answer counters, one set per serving thread (so the hot path never shares a cache line),
//! summed when they are read: answers by buyer and kind, other answers, dropped and rate-limited packets, and an
//! answer-latency histogram.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::answerer::Outcome;

/// Upper bounds of the latency histogram's buckets, in microseconds (then +Inf).
pub const LATENCY_BUCKETS_US: [u64; 10] = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];

/// One thread's counters.
#[derive(Debug)]
pub struct Counters {
    /// Per buyer: [proxy, fallback] answers.
    buyers: Vec<[AtomicU64; 2]>,
    other: AtomicU64,
    dropped: AtomicU64,
    rate_limited: AtomicU64,
    /// Per bucket (the last one is +Inf), cumulative only when read.
    latency: [AtomicU64; LATENCY_BUCKETS_US.len() + 1],
    latency_ns: AtomicU64,
}

impl Counters {
    fn new(buyers: usize) -> Counters {
        Counters {
            buyers: (0..buyers).map(|_| [AtomicU64::new(0), AtomicU64::new(0)]).collect(),
            other: AtomicU64::new(0),
            dropped: AtomicU64::new(0),
            rate_limited: AtomicU64::new(0),
            latency: std::array::from_fn(|_| AtomicU64::new(0)),
            latency_ns: AtomicU64::new(0),
        }
    }

    /// Counts one answer and how long it took.
    #[inline]
    pub fn record(&self, outcome: Outcome, took: Duration) {
        let counter = match outcome {
            Outcome::Proxy { buyer } => &self.buyers[buyer][0],
            Outcome::Fallback { buyer } => &self.buyers[buyer][1],
            Outcome::Other => &self.other,
            Outcome::Dropped => &self.dropped,
            Outcome::RateLimited => &self.rate_limited,
        };
        counter.fetch_add(1, Ordering::Relaxed);
        let us = took.as_micros() as u64;
        let bucket = LATENCY_BUCKETS_US.iter().position(|&b| us <= b).unwrap_or(LATENCY_BUCKETS_US.len());
        self.latency[bucket].fetch_add(1, Ordering::Relaxed);
        self.latency_ns.fetch_add(took.as_nanos() as u64, Ordering::Relaxed);
    }
}

/// Totals over every thread.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Totals {
    /// Per buyer: [proxy, fallback].
    pub buyers: Vec<[u64; 2]>,
    pub other: u64,
    pub dropped: u64,
    /// Responses over a client subnet's rate limit (dropped or sent truncated).
    pub rate_limited: u64,
    /// Per bucket, not cumulative (the last one is +Inf).
    pub latency: Vec<u64>,
    pub latency_ns: u64,
}

/// Every thread's counters.
#[derive(Debug, Clone)]
pub struct Registry {
    buyers: usize,
    threads: Arc<Mutex<Vec<Arc<Counters>>>>,
}

impl Registry {
    /// A registry for `buyers` buyers.
    pub fn new(buyers: usize) -> Registry {
        Registry { buyers, threads: Arc::new(Mutex::new(Vec::new())) }
    }

    /// Counters for one more serving thread.
    pub fn thread(&self) -> Arc<Counters> {
        let counters = Arc::new(Counters::new(self.buyers));
        self.threads.lock().unwrap_or_else(|e| e.into_inner()).push(Arc::clone(&counters));
        counters
    }

    /// Whether `other` is this registry (a clone of it), not just one like it.
    pub fn same(&self, other: &Registry) -> bool {
        Arc::ptr_eq(&self.threads, &other.threads)
    }

    /// The sums so far.
    pub fn totals(&self) -> Totals {
        let threads = self.threads.lock().unwrap_or_else(|e| e.into_inner());
        let mut t = Totals {
            buyers: vec![[0; 2]; self.buyers],
            latency: vec![0; LATENCY_BUCKETS_US.len() + 1],
            ..Totals::default()
        };
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        for c in threads.iter() {
            for (sum, counts) in t.buyers.iter_mut().zip(&c.buyers) {
                sum[0] += get(&counts[0]);
                sum[1] += get(&counts[1]);
            }
            t.other += get(&c.other);
            t.dropped += get(&c.dropped);
            t.rate_limited += get(&c.rate_limited);
            for (sum, bucket) in t.latency.iter_mut().zip(&c.latency) {
                *sum += get(bucket);
            }
            t.latency_ns += get(&c.latency_ns);
        }
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_over_threads() {
        let r = Registry::new(2);
        let (a, b) = (r.thread(), r.thread());
        a.record(Outcome::Proxy { buyer: 1 }, Duration::from_micros(3));
        b.record(Outcome::Proxy { buyer: 1 }, Duration::from_micros(3));
        b.record(Outcome::Fallback { buyer: 0 }, Duration::from_millis(5));
        a.record(Outcome::Dropped, Duration::ZERO);
        let t = r.totals();
        assert_eq!(t.buyers, [[0, 1], [2, 0]]);
        assert_eq!((t.other, t.dropped), (0, 1));
        assert_eq!(t.latency[0], 1); // 0 µs ≤ 1
        assert_eq!(t.latency[2], 2); // 3 µs ≤ 5
        assert_eq!(t.latency[10], 1); // 5 ms > 1 ms
        assert_eq!(t.latency_ns, 5_006_000);
    }
}
