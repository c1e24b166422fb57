//! A simulation scenario (`--scenario FILE.yaml`, default `examples/scenario.yaml`): the world
//! outside the server, as YAML. Errors name the file, line and column like the config's.

use std::path::Path;

use serde::Deserialize;

use crate::config::values::{Fraction, Interval, Offset, Rps};
use crate::config::{ConfigError, YamlPath, locate};

/// The scenario shipped in examples/ and run without `--scenario`.
pub const DEFAULT: &str = include_str!("../../examples/scenario.yaml");

/// A whole scenario.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub duration: Interval,
    pub interval: Interval,
    #[serde(default = "headroom")]
    pub headroom: Fraction,
    pub ttl: Interval,
    #[serde(default)]
    pub monitor_delay: Option<Offset>,
    #[serde(default)]
    pub selection: Selection,
    pub resolvers: Resolvers,
    pub buyers: Vec<SimBuyer>,
}

fn headroom() -> Fraction {
    Fraction(0.05)
}

/// How answers are split between proxies and the fallback.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Selection {
    /// By client subnet, sticky (what `dns serve` does).
    #[default]
    PerClient,
    /// Each answer on its own, by error diffusion.
    PerAnswer,
}

/// The resolvers clients look names up through.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resolvers {
    pub count: u32,
    /// Zipf exponent of their client shares.
    pub zipf: f64,
    /// Share of resolvers that hold answers beyond the TTL.
    #[serde(default = "no_holders")]
    pub holders: Fraction,
    /// How long holders hold: uniform in [first, second].
    #[serde(default)]
    pub hold: Option<(Interval, Interval)>,
}

fn no_holders() -> Fraction {
    Fraction(0.0)
}

/// A buyer, its sale and its demand.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimBuyer {
    pub name: String,
    pub purchased_rps: Rps,
    pub sale: Span,
    pub estimate: Fraction,
    pub demand: Demand,
}

/// A stretch of time from the start.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Span {
    pub at: Offset,
    #[serde(rename = "for")]
    pub length: Interval,
}

impl Span {
    pub fn contains(&self, t: i64) -> bool {
        (self.at.secs()..self.at.secs() + self.length.secs()).contains(&t)
    }
}

/// Client demand: a level in steps, times flash crowds, times a daily wave.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Demand {
    pub steps: Vec<Step>,
    #[serde(default)]
    pub flash: Vec<Flash>,
    #[serde(default)]
    pub diurnal: Option<Diurnal>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub at: Offset,
    pub rps: f64,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Flash {
    pub at: Offset,
    #[serde(rename = "for")]
    pub length: Interval,
    pub times: f64,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Diurnal {
    pub amplitude: Fraction,
    pub period: Interval,
    pub peak: Offset,
}

impl Demand {
    /// Requests per second at `t` seconds from the start.
    pub fn at(&self, t: i64) -> f64 {
        let level = self.steps.iter().take_while(|s| s.at.secs() <= t).last().map_or(0.0, |s| s.rps);
        let flash: f64 = self
            .flash
            .iter()
            .filter(|f| (f.at.secs()..f.at.secs() + f.length.secs()).contains(&t))
            .map(|f| f.times)
            .product();
        let wave = self.diurnal.map_or(1.0, |d| {
            let phase = (t - d.peak.secs()) as f64 / d.period.secs() as f64;
            1.0 + d.amplitude.0 * (phase * std::f64::consts::TAU).cos()
        });
        level * flash * wave
    }

    /// The times demand changes on its own (steps and flash edges), in order.
    pub fn changes(&self) -> Vec<i64> {
        let mut at: Vec<i64> = self.steps.iter().map(|s| s.at.secs()).collect();
        for f in &self.flash {
            at.extend([f.at.secs(), f.at.secs() + f.length.secs()]);
        }
        at.sort_unstable();
        at.dedup();
        at
    }
}

impl Scenario {
    /// The default scenario.
    pub fn default_scenario() -> Scenario {
        Scenario::parse(DEFAULT, Path::new("examples/scenario.yaml")).expect("the shipped scenario is valid")
    }

    /// Reads a scenario file.
    pub fn load(path: &Path) -> Result<Scenario, ConfigError> {
        let text =
            std::fs::read_to_string(path).map_err(|error| ConfigError::Read { path: path.to_path_buf(), error })?;
        Scenario::parse(&text, path)
    }

    /// Parses scenario `text`; `file` names it in errors.
    pub fn parse(text: &str, file: &Path) -> Result<Scenario, ConfigError> {
        let scenario: Scenario =
            serde_yaml::from_str(text).map_err(|e| crate::config::yaml_error_in(&e, file, text))?;
        if let Some((path, message)) = scenario.check() {
            let message = format!("{path}: {message}");
            return Err(match locate::locate(text, &path) {
                Some((line, column)) => ConfigError::Invalid { file: file.to_path_buf(), line, column, message },
                None => ConfigError::Unlocated { file: file.to_path_buf(), message },
            });
        }
        Ok(scenario)
    }

    fn check(&self) -> Option<(YamlPath, String)> {
        let root = YamlPath::default();
        if !(1..=1_000_000).contains(&self.resolvers.count) {
            return Some((root.key("resolvers").key("count"), "expected 1 to 1000000 resolvers".into()));
        }
        if !(self.resolvers.zipf.is_finite() && (0.0..=5.0).contains(&self.resolvers.zipf)) {
            return Some((root.key("resolvers").key("zipf"), "expected an exponent between 0 and 5".into()));
        }
        if let Some((low, high)) = self.resolvers.hold
            && low > high
        {
            return Some((root.key("resolvers").key("hold"), "expected [shortest, longest]".into()));
        }
        if self.duration.secs() > 31 * 86_400 {
            return Some((root.key("duration"), "expected at most 31 days".into()));
        }
        if self.buyers.is_empty() {
            return Some((root.key("buyers"), "expected at least one buyer".into()));
        }
        for (i, b) in self.buyers.iter().enumerate() {
            let at = root.key("buyers").index(i);
            if b.demand.steps.is_empty() {
                return Some((at.key("demand").key("steps"), "expected at least one step".into()));
            }
            for (j, s) in b.demand.steps.iter().enumerate() {
                if !(s.rps.is_finite() && s.rps >= 0.0) {
                    return Some((at.key("demand").key("steps").index(j).key("rps"), "expected rps >= 0".into()));
                }
            }
            for (j, f) in b.demand.flash.iter().enumerate() {
                if !(f.times.is_finite() && f.times >= 0.0) {
                    return Some((
                        at.key("demand").key("flash").index(j).key("times"),
                        "expected a factor >= 0".into(),
                    ));
                }
            }
        }
        None
    }
}
