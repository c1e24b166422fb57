//! `surplus monitor export`: which logs to follow (LOG arguments, or `--proxy`'s `log:` entry
//! in the configuration), the /metrics endpoint, and the loop that reads the logs until
//! SIGINT or SIGTERM. The counting is [`crate::monitor::export`].

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use signal_hook::consts::{SIGINT, SIGTERM};

use super::bad_usage;
use crate::cli::ExportArgs;
use crate::config::{Config, parse_format};
use crate::ingest::{JsonFields, LogFormat};
use crate::monitor::export::{self, Exporter};

/// How often the logs are read: a scrape sees what was logged up to this long before.
const POLL: Duration = Duration::from_millis(100);

/// What to follow.
struct Inputs {
    logs: Vec<(PathBuf, Option<LogFormat>)>,
    fields: JsonFields,
    /// The buyers' hosts, when the configuration was read.
    hosts: Vec<String>,
}

/// `monitor export`.
pub fn export(config_path: &Path, args: &ExportArgs) -> anyhow::Result<()> {
    let inputs = inputs(config_path, args)?;
    let mut exporter = Exporter::new(&inputs.logs, &inputs.fields, inputs.hosts, args.max_hosts as usize)
        .map_err(|e| bad_usage(format!("{e}: give a format with the host (--log-format)")))?;
    exporter.poll();
    let exporter = Arc::new(Mutex::new(exporter));
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [SIGINT, SIGTERM] {
        signal_hook::flag::register(signal, Arc::clone(&stop)).context("cannot handle signals")?;
    }
    let bound = {
        let exporter = Arc::clone(&exporter);
        crate::metrics_endpoint::serve(args.listen, move || exporter.lock().unwrap_or_else(|e| e.into_inner()).render())
            .with_context(|| format!("cannot listen on {}", args.listen))?
    };
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening on {bound} (http://{bound}/metrics)")?;
        out.flush()?;
    }
    for (path, format) in &inputs.logs {
        let format = format.as_ref().map_or("auto", LogFormat::name);
        tracing::info!("following {} ({format}) from its end", path.display());
    }
    while !stop.load(Ordering::Relaxed) {
        std::thread::sleep(POLL);
        let changed = exporter.lock().unwrap_or_else(|e| e.into_inner()).poll();
        for (path, error) in changed {
            match error {
                Some(e) => tracing::warn!("{e}: /metrics answers 503 until it reads again"),
                None => tracing::info!("{}: reading again", path.display()),
            }
        }
    }
    tracing::info!("stopped");
    Ok(())
}

/// The LOG arguments, else `--proxy`'s `log:` entry; the format from `--log-format`, else the
/// proxy's, else detected.
fn inputs(config_path: &Path, args: &ExportArgs) -> anyhow::Result<Inputs> {
    let config = match &args.proxy {
        Some(_) => Some(Config::load(config_path)?),
        None if args.logs.is_empty() => {
            return Err(bad_usage("no logs to follow: give LOG files, or --proxy NAME to follow its `log:`"));
        }
        None => None,
    };
    let proxy = match (&config, &args.proxy) {
        (Some(config), Some(name)) => Some(config.proxies.iter().find(|p| &p.name == name).ok_or_else(|| {
            let known: Vec<&str> = config.proxies.iter().map(|p| p.name.as_str()).collect();
            bad_usage(format!(
                "--proxy {name}: no such proxy in {} (known: {})",
                config_path.display(),
                known.join(", ")
            ))
        })?),
        _ => None,
    };
    let log = proxy.and_then(|p| p.log.as_ref());
    let fields = match (&args.json_fields, log) {
        (Some(text), _) => text.parse().map_err(|e: String| bad_usage(format!("--json-fields: {e}")))?,
        (None, Some(log)) => log.fields.clone(),
        (None, None) => JsonFields::default(),
    };
    let format = match (&args.log_format, log) {
        (Some(name), _) => parse_format(name, &fields).map_err(|e| bad_usage(format!("--log-format: {e}")))?,
        (None, Some(log)) => Config::log_format(log).map_err(|e| bad_usage(format!("log.format: {e}")))?,
        (None, None) => None,
    };
    let paths = if !args.logs.is_empty() {
        args.logs.clone()
    } else {
        let (config, proxy) = (config.as_ref().expect("read for --proxy"), proxy.expect("found"));
        let log = log.ok_or_else(|| {
            bad_usage(format!("proxy {} has no `log:` in {}: give LOG files", proxy.name, config_path.display()))
        })?;
        let live = log.follow_path().ok_or_else(|| {
            bad_usage(format!(
                "proxy {}: log.path `{}` is a glob; set log.follow to the live file, or give it as LOG",
                proxy.name, log.path
            ))
        })?;
        vec![config.base_dir.join(live)]
    };
    if let Some(glob) = paths.iter().find(|p| !export::is_one_file(p)) {
        return Err(bad_usage(format!(
            "{}: a glob; give the live file (rotated ones are followed through its renames)",
            glob.display()
        )));
    }
    let hosts = config.iter().flat_map(|c| &c.buyers).flat_map(|b| &b.hosts).map(|h| h.as_str().to_string()).collect();
    Ok(Inputs { logs: paths.into_iter().map(|p| (p, format.clone())).collect(), fields, hosts })
}
