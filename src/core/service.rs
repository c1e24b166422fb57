//! What a sale promises.
//!
//! - **Guaranteed**: `rps` reserved for the whole window, drawn from the offers `capacity
//!   measure` saved, so the network never promises more than it forecast as unused. Charged for
//!   what was reserved.
//! - **Best effort**: no reservation. At every control interval the buyer may use its share of
//!   whatever the healthy proxies have free right now ([`super::best_effort`]); its `rps` is the
//!   weight of that share, not a promise. Charged for what it actually used. Best-effort sales
//!   do not draw on the offers and cannot be resold.

use std::fmt;
use std::str::FromStr;

/// A sale's kind of service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Service {
    #[default]
    Guaranteed,
    BestEffort,
}

impl Service {
    /// The name in the ledger, on the command line and in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Service::Guaranteed => "guaranteed",
            Service::BestEffort => "best-effort",
        }
    }
}

impl FromStr for Service {
    type Err = String;

    fn from_str(text: &str) -> Result<Service, String> {
        match text {
            "guaranteed" => Ok(Service::Guaranteed),
            "best-effort" => Ok(Service::BestEffort),
            other => Err(format!("unknown service `{other}` (guaranteed, best-effort)")),
        }
    }
}

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for s in [Service::Guaranteed, Service::BestEffort] {
            assert_eq!(s.name().parse::<Service>(), Ok(s));
        }
        assert!("maybe".parse::<Service>().unwrap_err().contains("guaranteed, best-effort"));
    }
}
