//! One generation of what the server answers from: the config it came from, the encoded zones,
//! the live values (the buyers' lines, the proxies' health), and where answers are counted.
//!
//! A generation is immutable once built, apart from its atomics. A reload (SIGHUP) builds a new
//! one and a `resolve:` fallback that learns new addresses builds one with new zones but the
//! same live values and counters; [`super::serving::Serving`] swaps it in whole.

use std::sync::Arc;

use super::answerer::Live;
use super::counters::Registry;
use super::edns_extras::EdnsExtras;
use super::zone_data::{Learned, ZoneData};
use crate::config::Config;
use crate::core::zone_index::ZoneError;

/// Everything an answer is made from, at one moment.
#[derive(Debug)]
pub struct Generation {
    pub config: Arc<Config>,
    pub zone: Arc<ZoneData>,
    pub live: Arc<Live>,
    pub registry: Registry,
    /// Proxies per proxy answer (`dns.answers`).
    pub per_answer: usize,
    /// NSID and the cookie secret (none until [`Generation::with_extras`]).
    pub extras: Arc<EdnsExtras>,
}

impl Generation {
    /// A first generation: no sales yet (every fraction 0), every proxy healthy; zone `z`'s
    /// SOA serial is `serials[z]`.
    pub fn new(config: Config, learned: &Learned, serials: &[u32]) -> Result<Generation, ZoneError> {
        let zone = ZoneData::with_serials(&config, learned, serials)?;
        let capacities: Vec<u64> = config.proxies.iter().map(|p| p.capacity_rps.0 as u64).collect();
        let live = Live::new(config.buyers.len(), &capacities);
        let registry = Registry::new(config.buyers.len());
        let per_answer = usize::from(config.dns.answers);
        Ok(Generation {
            config: Arc::new(config),
            zone: Arc::new(zone),
            live: Arc::new(live),
            registry,
            per_answer,
            extras: Arc::default(),
        })
    }

    /// The same generation answering with this NSID and these cookies.
    pub fn with_extras(self, extras: EdnsExtras) -> Generation {
        Generation { extras: Arc::new(extras), ..self }
    }

    /// The generation after a reload to `config`: buyers and proxies that keep their names keep
    /// their fraction and health until the sales watcher and health checks say otherwise, so a
    /// reload does not blink every buyer to its fallback.
    pub fn reloaded(&self, config: Config, learned: &Learned, serials: &[u32]) -> Result<Generation, ZoneError> {
        let next = Generation::new(config, learned, serials)?;
        for (i, buyer) in next.config.buyers.iter().enumerate() {
            if let Some(j) = self.config.buyers.iter().position(|b| b.name == buyer.name) {
                next.live.set_line(i, &self.live.line(j));
            }
        }
        for (i, proxy) in next.config.proxies.iter().enumerate() {
            if let Some(j) = self.config.proxies.iter().position(|p| p.name == proxy.name) {
                next.live.set_healthy(i, self.live.is_healthy(j));
            }
        }
        Ok(next)
    }

    /// The same generation with zones rebuilt from newly `learned` fallback addresses, and the
    /// same serials (learned addresses are answers, not the zones' static data).
    pub fn relearned(&self, learned: &Learned) -> Result<Generation, ZoneError> {
        Ok(Generation {
            config: Arc::clone(&self.config),
            zone: Arc::new(ZoneData::with_serials(&self.config, learned, &self.zone.serials)?),
            live: Arc::clone(&self.live),
            registry: self.registry.clone(),
            per_answer: self.per_answer,
            extras: Arc::clone(&self.extras),
        })
    }
}
