//! A buyer's usage over one stretch of time (a minute of the ledger's rollups, or the five
//! minutes reports and p95 billing work in): what it held, what the proxies served, the DNS
//! answers, and how much of the stretch a monitor measured.
//!
//! Several `dns serve` instances watching the same proxies each record what those proxies
//! served, so their served counts are the same requests seen twice: [`UsageBucket::merge_server`]
//! takes one server's measurement and adds the answers, which each server gave on its own.

/// Usage of one buyer over `[start, start + span)`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct UsageBucket {
    pub start: i64,
    /// Seconds covered by samples (at most the span; less when the server was down).
    pub seconds: i64,
    /// Σ purchased rps × seconds: what the buyer was held to, in requests.
    pub purchased: i64,
    /// Seconds covered by samples whose served requests a monitor measured.
    pub measured_seconds: i64,
    /// Requests served in the measured seconds.
    pub served: u64,
    /// Seconds of samples served above the purchase, and the requests above it.
    pub above_seconds: i64,
    pub above_requests: u64,
    /// The busiest measured sample's served rps.
    pub peak_rps: Option<f64>,
    pub proxy_answers: u64,
    pub fallback_answers: u64,
    /// Σ fraction × seconds over `fraction_weight` seconds (every server's), and the fraction's
    /// extremes.
    pub fraction_seconds: f64,
    pub fraction_weight: f64,
    pub fraction_min: f64,
    pub fraction_max: f64,
}

impl UsageBucket {
    /// Folds in another server's rollup of the same stretch: its answers add up, and its
    /// measurement replaces ours when it measured more of the stretch.
    pub fn merge_server(&mut self, other: &UsageBucket) {
        let (proxy, fallback) =
            (self.proxy_answers + other.proxy_answers, self.fallback_answers + other.fallback_answers);
        let fraction = (
            self.fraction_seconds + other.fraction_seconds,
            self.fraction_weight + other.fraction_weight,
            self.fraction_min.min(other.fraction_min),
            self.fraction_max.max(other.fraction_max),
        );
        if (other.measured_seconds, other.served) > (self.measured_seconds, self.served) {
            *self = other.clone();
        }
        (self.proxy_answers, self.fallback_answers) = (proxy, fallback);
        (self.fraction_seconds, self.fraction_weight, self.fraction_min, self.fraction_max) = fraction;
    }

    /// Adds a later stretch of the same buyer (its minutes into five).
    pub fn add(&mut self, later: &UsageBucket) {
        self.seconds += later.seconds;
        self.purchased += later.purchased;
        self.measured_seconds += later.measured_seconds;
        self.served += later.served;
        self.above_seconds += later.above_seconds;
        self.above_requests += later.above_requests;
        self.peak_rps = match (self.peak_rps, later.peak_rps) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        self.proxy_answers += later.proxy_answers;
        self.fallback_answers += later.fallback_answers;
        self.fraction_seconds += later.fraction_seconds;
        self.fraction_weight += later.fraction_weight;
        self.fraction_min = self.fraction_min.min(later.fraction_min);
        self.fraction_max = self.fraction_max.max(later.fraction_max);
    }

    /// Mean served rps over the measured seconds.
    pub fn served_rps(&self) -> Option<f64> {
        (self.measured_seconds > 0).then(|| self.served as f64 / self.measured_seconds as f64)
    }

    /// Mean fraction of answers sent to proxies.
    pub fn fraction_mean(&self) -> Option<f64> {
        (self.fraction_weight > 0.0).then(|| self.fraction_seconds / self.fraction_weight)
    }
}
