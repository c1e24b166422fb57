//! `resolve:` fallbacks, and `handback:` ones at delegated hosts: the addresses of each such
//! buyer's origin name, learned from DNS with hickory-resolver, refreshed when their TTL runs
//! out, and kept (stale) when the lookup fails, so a failing buyer DNS never turns its fallback
//! answers into errors. A delegated host is a zone apex, which cannot be a CNAME (RFC 1034
//! §3.6.2): until its handback name's addresses are first learned, its fallback answers are
//! SERVFAIL.
//!
//! Learning runs in a thread of its own with a single-threaded Tokio runtime (hickory-resolver
//! is async). When the addresses change it swaps in a generation with re-encoded zones; the
//! serving threads never wait for it.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hickory_resolver::TokioResolver;
use hickory_resolver::config::{ConnectionConfig, NameServerConfig, ResolverConfig};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::proto::rr::{RData, RecordType};

use super::serving::Serving;
use super::zone_data::{Learned, names_to_learn};

/// Shortest and longest time between two lookups of one name, whatever its TTL says.
const REFRESH_MIN: Duration = Duration::from_secs(1);
const REFRESH_MAX: Duration = Duration::from_secs(3600);
/// After a failed lookup, the next try.
const RETRY: Duration = Duration::from_secs(5);
/// How long one lookup may take.
const TIMEOUT: Duration = Duration::from_secs(2);

/// Looks names up: A and AAAA, with their smallest TTL.
pub struct FallbackLearner {
    runtime: tokio::runtime::Runtime,
    resolver: TokioResolver,
}

impl FallbackLearner {
    /// A learner asking `servers` (UDP, then TCP), or the system's resolvers when empty. It keeps
    /// no cache of its own: every lookup asks.
    pub fn new(servers: &[SocketAddr]) -> Result<FallbackLearner, String> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start a runtime for lookups: {e}"))?;
        let mut builder = if servers.is_empty() {
            TokioResolver::builder_tokio().map_err(|e| format!("cannot read the system's DNS configuration: {e}"))?
        } else {
            let name_servers = servers
                .iter()
                .map(|s| {
                    let mut udp = ConnectionConfig::udp();
                    udp.port = s.port();
                    let mut tcp = ConnectionConfig::tcp();
                    tcp.port = s.port();
                    NameServerConfig::new(s.ip(), true, vec![udp, tcp])
                })
                .collect();
            TokioResolver::builder_with_config(
                ResolverConfig::from_name_servers(name_servers),
                TokioRuntimeProvider::default(),
            )
        };
        let options = builder.options_mut();
        options.cache_size = 0;
        options.timeout = TIMEOUT;
        options.attempts = 1;
        let resolver = builder.build().map_err(|e| format!("cannot build a resolver: {e}"))?;
        Ok(FallbackLearner { runtime, resolver })
    }

    /// The addresses of `name` (sorted, both families) and how long they may be kept. A name
    /// without any address is an error: an empty fallback is no better than a stale one.
    pub fn lookup(&self, name: &str) -> Result<(Vec<IpAddr>, Duration), String> {
        self.runtime.block_on(self.lookup_async(name))
    }

    /// [`FallbackLearner::lookup`] of several names at once: one buyer DNS that times out does
    /// not hold up the others' lookups.
    pub fn lookup_all(&self, names: &[&str]) -> Vec<Result<(Vec<IpAddr>, Duration), String>> {
        self.runtime.block_on(futures_util::future::join_all(names.iter().map(|n| self.lookup_async(n))))
    }

    async fn lookup_async(&self, name: &str) -> Result<(Vec<IpAddr>, Duration), String> {
        let fqdn = if name.ends_with('.') { name.to_string() } else { format!("{name}.") };
        {
            let mut addresses = Vec::new();
            let mut ttl: Option<u32> = None;
            let mut failures = Vec::new();
            // Both types at once: a silent buyer DNS costs one timeout, not two.
            let (a, aaaa) = futures_util::future::join(
                self.resolver.lookup(fqdn.as_str(), RecordType::A),
                self.resolver.lookup(fqdn.as_str(), RecordType::AAAA),
            )
            .await;
            for (rtype, result) in [(RecordType::A, a), (RecordType::AAAA, aaaa)] {
                match result {
                    Ok(lookup) => {
                        for record in lookup.answers() {
                            let address = match &record.data {
                                RData::A(a) => IpAddr::V4(a.0),
                                RData::AAAA(a) => IpAddr::V6(a.0),
                                _ => continue,
                            };
                            addresses.push(address);
                            ttl = Some(ttl.map_or(record.ttl, |t| t.min(record.ttl)));
                        }
                    }
                    Err(e) if e.is_no_records_found() => {}
                    Err(e) => failures.push(format!("{rtype}: {e}")),
                }
            }
            if addresses.is_empty() {
                return Err(if failures.is_empty() { "no A or AAAA records".into() } else { failures.join("; ") });
            }
            addresses.sort();
            addresses.dedup();
            let keep = Duration::from_secs(u64::from(ttl.unwrap_or(0))).clamp(REFRESH_MIN, REFRESH_MAX);
            Ok((addresses, keep))
        }
    }
}

/// Starts learning every `resolve:` fallback of the current generation (and of the ones after
/// a reload) in a thread of its own; `learned` is shared with the reload, which encodes what is
/// known so far. Returns at once; without `resolve:` fallbacks the thread only waits.
pub fn start(serving: Arc<Serving>, learned: Arc<Mutex<Learned>>) {
    std::thread::spawn(move || {
        let mut learner: Option<(Vec<SocketAddr>, FallbackLearner)> = None;
        let mut due: HashMap<String, Instant> = HashMap::new();
        let mut failing: HashMap<String, bool> = HashMap::new();
        while !serving.stopping() {
            std::thread::sleep(Duration::from_millis(200));
            let (number, g) = serving.current();
            let names = names_to_learn(&g.config);
            if names.is_empty() {
                continue;
            }
            let servers = &g.config.dns.resolvers;
            if learner.as_ref().is_none_or(|(s, _)| s != servers) {
                match FallbackLearner::new(servers) {
                    Ok(l) => learner = Some((servers.clone(), l)),
                    Err(e) => {
                        tracing::warn!(
                            "fallbacks to learn: {e}; answering with CNAMEs inside our zone, SERVFAIL at delegated hosts"
                        );
                        std::thread::sleep(RETRY);
                        continue;
                    }
                }
            }
            let Some((_, l)) = &learner else { continue };
            let mut changed = false;
            let now = Instant::now();
            let asked: Vec<&(String, String)> =
                names.iter().filter(|(buyer, _)| due.get(buyer).is_none_or(|t| *t <= now)).collect();
            let results = l.lookup_all(&asked.iter().map(|(_, name)| name.as_str()).collect::<Vec<_>>());
            for ((buyer, name), result) in asked.into_iter().zip(results) {
                match result {
                    Ok((addresses, keep)) => {
                        due.insert(buyer.clone(), Instant::now() + keep);
                        if failing.insert(buyer.clone(), false) == Some(true) {
                            tracing::info!("buyer {buyer}: {name} resolves again");
                        }
                        let mut known = learned.lock().unwrap_or_else(|e| e.into_inner());
                        if known.get(buyer) != Some(&addresses) {
                            tracing::info!("buyer {buyer}: {name} is {addresses:?} for {}s", keep.as_secs());
                            known.insert(buyer.clone(), addresses);
                            changed = true;
                        }
                    }
                    Err(why) => {
                        due.insert(buyer.clone(), Instant::now() + RETRY);
                        if failing.insert(buyer.clone(), true) != Some(true) {
                            let kept = learned.lock().unwrap_or_else(|e| e.into_inner()).get(buyer).map_or(0, Vec::len);
                            let delegated = delegated_hosts(&g.config, buyer);
                            let until = if kept == 0 && !delegated.is_empty() {
                                format!(
                                    "; until it does, fallback answers at {} are SERVFAIL (a zone apex cannot be a CNAME, RFC 1034 §3.6.2)",
                                    delegated.join(", ")
                                )
                            } else {
                                String::new()
                            };
                            tracing::warn!(
                                "buyer {buyer}: cannot resolve {name} ({why}); keeping {kept} known addresses{until}"
                            );
                        }
                    }
                }
            }
            if changed {
                let known = learned.lock().unwrap_or_else(|e| e.into_inner()).clone();
                // Learned addresses are not the zones' static data: the serials stay.
                match g.relearned(&known) {
                    Ok(next) => {
                        // A reload in between already encoded `learned`; do not undo it.
                        serving.replace_if(number, next);
                    }
                    Err(e) => tracing::warn!("resolve fallbacks: {e}"),
                }
            }
        }
    });
}

/// A buyer's hosts delegated to us, named.
fn delegated_hosts(config: &crate::config::Config, buyer: &str) -> Vec<String> {
    config
        .buyers
        .iter()
        .filter(|b| b.name == buyer)
        .flat_map(|b| config.delegated_hosts(b).map(ToString::to_string))
        .collect()
}
