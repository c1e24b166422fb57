//! The demo's world outside the DNS server: caching resolvers and the clients behind them,
//! sending each buyer's demand to whatever address DNS gave, and the proxies "serving" it by
//! writing the access-log lines (or bumping the exporter counters) the monitor reads.
//!
//! Resolvers are hickory-resolver instances with their own caches (so answers live for the
//! TTL, as they do out there), each bound to its own loopback /24 (127.0.100+k.1), so the
//! server's split by client subnet sees 32 resolvers. Client shares are Zipf(1)-like: resolver
//! k carries a share ∝ 1/(k+1), as a few big public resolvers carry most clients.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hickory_resolver::TokioResolver;
use hickory_resolver::config::{ConnectionConfig, NameServerConfig, ResolverConfig};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::proto::rr::{RData, RecordType};

/// Resolvers in front of the clients.
const RESOLVERS: usize = 32;
/// Requests are sent in ticks of this length.
const TICK: Duration = Duration::from_millis(100);

/// Where a proxy writes what it served.
pub enum ProxySink {
    /// An access log line per request: `vhost_combined` or JSON lines.
    Log { file: File, json: bool },
    /// A Prometheus counter per host, shared with the exporter.
    Counters(Arc<Mutex<BTreeMap<String, u64>>>),
}

/// A proxy of the demo network: its addresses and what it writes.
pub struct DemoProxy {
    pub addresses: Vec<IpAddr>,
    pub sink: ProxySink,
}

/// A buyer's demand: requests per second for `host`.
pub struct Demand {
    pub buyer: String,
    pub host: String,
    pub rps: u32,
}

/// Per buyer, since the last report: requests sent, and those that went to proxies.
#[derive(Debug, Default, Clone, Copy)]
pub struct Sent {
    pub requests: u64,
    pub to_proxies: u64,
}

/// Runs `demand` against the DNS server at `server` for `seconds`, calling `report` every 5
/// seconds with the time so far and each buyer's requests since the last call.
pub fn run(
    server: SocketAddr,
    demand: &[Demand],
    proxies: &mut [DemoProxy],
    seconds: u32,
    mut report: impl FnMut(u32, &[Sent]),
) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let resolvers: Vec<TokioResolver> = (0..RESOLVERS).map(|k| resolver(server, k)).collect::<Result<_, _>>()?;
    let weights: Vec<f64> = (0..RESOLVERS).map(|k| 1.0 / (k + 1) as f64).collect();
    let total_weight: f64 = weights.iter().sum();
    let mut sent = vec![Sent::default(); demand.len()];
    // Fractional requests carried from tick to tick, per buyer and resolver.
    let mut owed = vec![vec![0.0f64; RESOLVERS]; demand.len()];
    let started = Instant::now();
    let ticks = seconds * (1000 / TICK.as_millis() as u32);
    for tick in 1..=ticks {
        let due = started + TICK * tick;
        let mut lookups = Vec::new();
        for (b, d) in demand.iter().enumerate() {
            for (k, w) in weights.iter().enumerate() {
                owed[b][k] += f64::from(d.rps) * TICK.as_secs_f64() * w / total_weight;
                while owed[b][k] >= 1.0 {
                    owed[b][k] -= 1.0;
                    lookups.push((b, k));
                }
            }
        }
        let answers = runtime.block_on(futures_util::future::join_all(
            lookups.iter().map(|&(b, k)| first_address(&resolvers[k], &demand[b].host)),
        ));
        let now = jiff::Timestamp::now();
        for (&(b, _), address) in lookups.iter().zip(answers) {
            sent[b].requests += 1;
            let Some(proxy) = address.and_then(|a| proxies.iter_mut().find(|p| p.addresses.contains(&a))) else {
                continue;
            };
            sent[b].to_proxies += 1;
            serve(proxy, &demand[b].host, now)?;
        }
        if tick % 50 == 0 {
            report(tick / 10, &sent);
            sent.iter_mut().for_each(|s| *s = Sent::default());
        }
        std::thread::sleep(due.saturating_duration_since(Instant::now()));
    }
    Ok(())
}

/// A caching resolver asking only `server`, from its own loopback /24.
fn resolver(server: SocketAddr, k: usize) -> anyhow::Result<TokioResolver> {
    let mut udp = ConnectionConfig::udp();
    udp.port = server.port();
    udp.bind_addr = Some(SocketAddr::new(IpAddr::V4(Ipv4Addr::new(127, 0, 100 + k as u8, 1)), 0));
    let config = ResolverConfig::from_name_servers(vec![NameServerConfig::new(server.ip(), true, vec![udp])]);
    let mut builder = TokioResolver::builder_with_config(config, TokioRuntimeProvider::default());
    let options = builder.options_mut();
    options.timeout = Duration::from_secs(1);
    options.attempts = 1;
    Ok(builder.build()?)
}

/// The first IPv4 address DNS gives for `host`, if any (a handback CNAME gives none).
async fn first_address(resolver: &TokioResolver, host: &str) -> Option<IpAddr> {
    let lookup = resolver.lookup(format!("{host}."), RecordType::A).await.ok()?;
    lookup.answers().iter().find_map(|r| match &r.data {
        RData::A(a) => Some(IpAddr::V4(a.0)),
        _ => None,
    })
}

/// What a proxy records for one request for `host` at `now`.
fn serve(proxy: &mut DemoProxy, host: &str, now: jiff::Timestamp) -> anyhow::Result<()> {
    match &mut proxy.sink {
        ProxySink::Log { file, json: false } => writeln!(
            file,
            "{host}:443 198.51.100.7 - - [{}] \"GET / HTTP/1.1\" 200 5120 \"-\" \"surplus-demo\"",
            now.strftime("%d/%b/%Y:%H:%M:%S +0000")
        )?,
        ProxySink::Log { file, json: true } => writeln!(
            file,
            r#"{{"time":"{}","host":"{host}","status":200,"body_bytes_sent":5120}}"#,
            now.strftime("%Y-%m-%dT%H:%M:%S+00:00")
        )?,
        ProxySink::Counters(counters) => {
            *counters.lock().expect("not poisoned").entry(host.to_string()).or_default() += 1;
        }
    }
    Ok(())
}
