//! `surplus demo`: the whole loop on the bundled example, on loopback, in under a minute.
//!
//! It writes the example's configuration, logs and bids (compiled into the binary, so it runs
//! from anywhere) to a directory, then runs the same commands an operator would, printing
//! each one first: measure the unused capacity, auction it, start `dns serve` on a free
//! loopback port, drive lookups through it from caching resolvers while the controller holds
//! each buyer to its purchase ([`super::demo_load`]), show `dns status`, stop the server, and
//! print the usage report.
//!
//! The configuration is the example's with what a demo on one machine needs: a 5 s TTL and a
//! 2 s control interval (so the loop visibly settles in 30 s), no health checks (nothing
//! listens on the example's proxy addresses), and live logs the load model writes for the
//! monitor to follow. edge-2's example logs have no host, so its monitor reads a Prometheus
//! counter the demo exports instead, like a real nginx-vts exporter.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command as Process, Stdio};
use std::sync::{Arc, Mutex};

use anyhow::{Context, bail};
use clap::Parser;

use crate::app::demo_load::{self, Demand, DemoProxy, ProxySink, Sent};
use crate::cli::{Cli, DemoArgs};

/// The bundled example configuration (documented in examples/surplus.yaml).
const CONFIG: &str = include_str!("../../examples/surplus.yaml");
/// The bids the demo's auction takes.
const BIDS: &str = include_str!("../../examples/bids.csv");

macro_rules! bundled {
    ($($path:literal),* $(,)?) => {
        &[$(($path, include_bytes!(concat!("../../examples/", $path)) as &[u8])),*]
    };
}

/// A week of the example proxies' access logs, rotated and gzip'd as logrotate leaves them.
const LOGS: &[(&str, &[u8])] = bundled!(
    "logs/edge-1/access.log",
    "logs/edge-1/access.log.1",
    "logs/edge-1/access.log.2.gz",
    "logs/edge-1/access.log.3.gz",
    "logs/edge-1/access.log.4.gz",
    "logs/edge-1/access.log.5.gz",
    "logs/edge-1/access.log.6.gz",
    "logs/edge-2/access.log",
    "logs/edge-2/access.log.1",
    "logs/edge-2/access.log.2.gz",
    "logs/edge-2/access.log.3.gz",
    "logs/edge-2/access.log.4.gz",
    "logs/edge-2/access.log.5.gz",
    "logs/edge-2/access.log.6.gz",
    "logs/edge-3/access.log",
    "logs/edge-3/access.log.1",
    "logs/edge-3/access.log.2.gz",
    "logs/edge-3/access.log.3.gz",
    "logs/edge-3/access.log.4.gz",
    "logs/edge-3/access.log.5.gz",
    "logs/edge-3/access.log.6.gz",
);

/// What the demo's buyers ask for: shop twice what it buys, news half.
const DEMAND: &[(&str, &str, u32)] = &[("shop", "www.shop.example", 80), ("news", "news.example.org", 10)];

/// `surplus demo`.
pub fn run(args: &DemoArgs) -> anyhow::Result<()> {
    let (dir, _temporary) = match &args.keep {
        Some(dir) => (prepare(dir)?, None),
        None => {
            let temp = tempfile::Builder::new().prefix("surplus-demo.").tempdir()?;
            (temp.path().to_path_buf(), Some(temp))
        }
    };
    unpack(&dir)?;
    let counters: Arc<Mutex<BTreeMap<String, u64>>> = Arc::default();
    let exporter = Exporter::start(Arc::clone(&counters))?;
    let config = dir.join("surplus.yaml");
    fs::write(&config, demo_config(&exporter.url)?)?;
    let config_text = config.display().to_string();

    step(&format!("export SURPLUS_CONFIG={config_text}"), "the bundled example, with live logs for the monitor")?;
    let mut now = jiff::Timestamp::now().as_second();
    // The current hour and the next: at least an hour of sale ahead, on the slot grid. The
    // steps below take seconds, and the market refuses a window whose first slot is over, so
    // close to the top of the hour wait for it to turn.
    let left = 3600 - now % 3600;
    if left < 30 {
        std::thread::sleep(std::time::Duration::from_secs(left as u64 + 1));
        now = jiff::Timestamp::now().as_second();
    }
    let window = format!("{}/2h", jiff::Timestamp::from_second(now - now % 3600)?.strftime("%Y-%m-%dT%H:%MZ"));
    surplus(&config_text, &["capacity", "measure", "--for", &window, "--save"])?;
    surplus(&config_text, &["market", "auction", "create", "--window", &window])?;
    let bids = dir.join("bids.csv").display().to_string();
    surplus(&config_text, &["market", "auction", "bid", "1", "--file", &bids])?;
    surplus(&config_text, &["market", "auction", "run", "1"])?;

    step("surplus dns serve --listen 127.0.0.1:0 --metrics 127.0.0.1:0 &", "")?;
    let mut server = DnsServer::start(&config, &dir)?;
    println!("listening on {}, metrics on {}", server.addr, server.metrics);
    let demand: Vec<Demand> =
        DEMAND.iter().map(|&(buyer, host, rps)| Demand { buyer: buyer.into(), host: host.into(), rps }).collect();
    println!(
        "\nload: {} through 32 caching resolvers for {} s; every 5 s, what was asked and what went to the proxies:",
        demand.iter().map(|d| format!("{} {} rps", d.buyer, d.rps)).collect::<Vec<_>>().join(", "),
        args.seconds
    );
    let mut proxies = demo_proxies(&dir, &counters)?;
    demo_load::run(server.addr, &demand, &mut proxies, args.seconds, |at, sent: &[Sent]| {
        let parts: Vec<String> = demand
            .iter()
            .zip(sent)
            .map(|(d, s)| format!("{} {:.0} → {:.0} rps", d.buyer, s.requests as f64 / 5.0, s.to_proxies as f64 / 5.0))
            .collect();
        println!("  {at:>3} s  {}", parts.join("   "));
    })?;
    surplus(
        &config_text,
        &["dns", "status", "--metrics", server.metrics.trim_start_matches("http://").trim_end_matches("/metrics")],
    )?;
    step("kill -TERM %1", "the server writes its last usage samples and stops")?;
    server.stop()?;
    surplus(&config_text, &["report", "usage"])?;
    exporter.stop();
    match &args.keep {
        Some(_) => println!(
            "\nkept in {}: surplus.yaml, surplus.db (sales and usage samples), logs/, live/ and serve.log.\nTry: SURPLUS_CONFIG={config_text} surplus report usage --by slot",
            dir.display()
        ),
        None => println!("\ndone; the demo's directory is removed (keep it with --keep DIR)"),
    }
    Ok(())
}

/// `dir` made ready for a kept demo: created if missing, refused if it already has files.
fn prepare(dir: &Path) -> anyhow::Result<PathBuf> {
    fs::create_dir_all(dir).with_context(|| format!("--keep {}", dir.display()))?;
    if fs::read_dir(dir).with_context(|| format!("--keep {}", dir.display()))?.next().is_some() {
        bail!("--keep {}: the directory is not empty; the demo writes a new ledger there", dir.display());
    }
    Ok(fs::canonicalize(dir)?)
}

/// The bundled logs and bids, and an empty `live/` for the logs the load model writes.
fn unpack(dir: &Path) -> anyhow::Result<()> {
    for (path, bytes) in LOGS {
        let target = dir.join(path);
        fs::create_dir_all(target.parent().expect("under logs/"))?;
        fs::write(&target, bytes)?;
    }
    fs::write(dir.join("bids.csv"), BIDS)?;
    fs::create_dir_all(dir.join("live"))?;
    Ok(())
}

/// The example configuration as the demo runs it (see the module's note).
fn demo_config(exporter: &str) -> anyhow::Result<String> {
    let mut doc: serde_yaml::Value = serde_yaml::from_str(CONFIG).context("the bundled example configuration")?;
    doc["network"]["ttl"] = "5s".into();
    doc["control"]["interval"] = "2s".into();
    let proxies = doc["proxies"].as_sequence_mut().context("the example has proxies")?;
    for proxy in proxies {
        let name = proxy["name"].as_str().unwrap_or_default().to_string();
        let map = proxy.as_mapping_mut().context("a proxy is a mapping")?;
        map.remove("health");
        map.remove("stats");
        proxy["log"]["follow"] = format!("live/{name}.log").into();
        if name == "edge-2" {
            proxy["stats"] = serde_yaml::from_str(&format!(
                "{{kind: prometheus, url: '{exporter}', metric: demo_requests_total, match: {{proxy: edge-2}}}}"
            ))?;
            proxy["monitor"] = "stats".into();
        }
    }
    let text = serde_yaml::to_string(&doc)?;
    Ok(format!(
        "# surplus demo: examples/surplus.yaml (documented there) with a 5 s TTL, a 2 s control\n\
         # interval, no health checks, and live logs (live/) and an exporter for the monitor.\n{text}"
    ))
}

/// The demo's proxies, writing what they serve where the demo config's monitor reads it.
fn demo_proxies(dir: &Path, counters: &Arc<Mutex<BTreeMap<String, u64>>>) -> anyhow::Result<Vec<DemoProxy>> {
    let config = crate::config::Config::load(&dir.join("surplus.yaml"))?;
    config
        .proxies
        .iter()
        .map(|p| {
            let sink = match p.name.as_str() {
                "edge-2" => ProxySink::Counters(Arc::clone(counters)),
                name => {
                    ProxySink::Log { file: File::create(dir.join(format!("live/{name}.log")))?, json: name == "edge-3" }
                }
            };
            Ok(DemoProxy { addresses: p.addresses.clone(), sink })
        })
        .collect()
}

/// Prints a step: the command, then what it is for.
fn step(command: &str, why: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "\n$ {command}")?;
    if !why.is_empty() {
        writeln!(out, "# {why}")?;
    }
    Ok(())
}

/// Prints `surplus ARGS…` and runs it, as the command line would.
fn surplus(config: &str, args: &[&str]) -> anyhow::Result<()> {
    step(&format!("surplus {}", args.join(" ")), "")?;
    let cli = Cli::try_parse_from(["surplus", "-c", config].iter().chain(args))?;
    super::run(cli).with_context(|| format!("surplus {}", args.join(" ")))
}

/// `surplus dns serve` as a child process, as an operator would run it.
struct DnsServer {
    child: Child,
    addr: SocketAddr,
    metrics: String,
}

impl DnsServer {
    fn start(config: &Path, dir: &Path) -> anyhow::Result<DnsServer> {
        let log = File::create(dir.join("serve.log"))?;
        let mut child = Process::new(std::env::current_exe()?)
            .args(["-c", &config.display().to_string(), "dns", "serve"])
            .args(["--listen", "127.0.0.1:0", "--metrics", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .context("starting dns serve")?;
        let mut stdout = BufReader::new(child.stdout.take().expect("piped"));
        let (mut listening, mut metrics) = (String::new(), String::new());
        stdout.read_line(&mut listening)?;
        stdout.read_line(&mut metrics)?;
        let addr = listening.strip_prefix("listening on ").and_then(|l| l.split_whitespace().next());
        let metrics = metrics.strip_prefix("metrics on ").map(|m| m.trim().to_string());
        let (Some(addr), Some(metrics)) = (addr, metrics) else {
            let _ = child.kill();
            bail!("dns serve did not start; see {}", dir.join("serve.log").display());
        };
        Ok(DnsServer { addr: addr.parse()?, metrics, child })
    }

    fn stop(&mut self) -> anyhow::Result<()> {
        // SAFETY: kill(2) on our own child's pid.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let status = self.child.wait()?;
        if !status.success() {
            bail!("dns serve exited with {status}");
        }
        Ok(())
    }
}

impl Drop for DnsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A Prometheus endpoint with the demo's edge-2 counters, as an nginx-vts exporter would serve.
struct Exporter {
    server: Arc<tiny_http::Server>,
    url: String,
}

impl Exporter {
    fn start(counters: Arc<Mutex<BTreeMap<String, u64>>>) -> anyhow::Result<Exporter> {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").map_err(|e| anyhow::anyhow!("exporter: {e}"))?);
        let url = format!("http://{}/metrics", server.server_addr().to_ip().context("an IP listener")?);
        let serving = Arc::clone(&server);
        std::thread::spawn(move || {
            for request in serving.incoming_requests() {
                let mut text = String::from("# TYPE demo_requests_total counter\n");
                for (host, n) in counters.lock().expect("not poisoned").iter() {
                    text.push_str(&format!("demo_requests_total{{proxy=\"edge-2\",host=\"{host}\"}} {n}\n"));
                }
                let _ = request.respond(tiny_http::Response::from_string(text));
            }
        });
        Ok(Exporter { server, url })
    }

    fn stop(self) {
        self.server.unblock();
    }
}
