//! Which log files to read and which source (proxy, or the rest of the network) each counts for.

use super::bad_usage;
use anyhow::Context;

use crate::cli::LogArgs;
use crate::config::{Config, parse_format};
use crate::ingest::log_files;
use crate::ingest::scan::ScanFile;
use crate::ingest::{JsonFields, LogFormat};

/// A source of load: one proxy, or `network` for the proxies without a file of their own.
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    pub name: String,
    pub capacity_rps: f64,
}

/// What to scan.
#[derive(Debug)]
pub struct LogInputs {
    pub sources: Vec<Source>,
    pub files: Vec<ScanFile>,
    pub json_fields: JsonFields,
    /// Things the operator should know (a proxy left out, …).
    pub notes: Vec<String>,
}

/// The name of the source that stands for proxies without a log of their own.
pub const NETWORK: &str = "network";

/// Resolves the LOG arguments, or else each proxy's `log:` entry, into files and sources.
pub fn resolve(config: &Config, args: &LogArgs) -> anyhow::Result<LogInputs> {
    let json_fields: JsonFields = match &args.json_fields {
        Some(text) => text.parse().map_err(|e: String| bad_usage(format!("--json-fields: {e}")))?,
        None => JsonFields::default(),
    };
    let forced: Option<Option<LogFormat>> =
        args.log_format.as_deref().map(|name| parse_format(name, &json_fields)).transpose().context("--log-format")?;
    if args.logs.is_empty() {
        from_config(config, forced, json_fields)
    } else {
        from_args(config, &args.logs, forced, json_fields)
    }
}

fn from_config(
    config: &Config,
    forced: Option<Option<LogFormat>>,
    json_fields: JsonFields,
) -> anyhow::Result<LogInputs> {
    let mut inputs = LogInputs { sources: Vec::new(), files: Vec::new(), json_fields, notes: Vec::new() };
    for proxy in &config.proxies {
        let Some(log) = &proxy.log else {
            inputs.notes.push(format!("proxy {} has no log: its capacity is left out", proxy.name));
            continue;
        };
        let format = match &forced {
            Some(f) => f.clone(),
            None => Config::log_format(log)?,
        };
        let paths = log_files::expand(&config.log_pattern(log)).with_context(|| format!("proxy {}", proxy.name))?;
        let source = inputs.sources.len();
        inputs.files.extend(paths.into_iter().map(|path| ScanFile { path, source, format: format.clone() }));
        inputs.sources.push(Source { name: proxy.name.clone(), capacity_rps: proxy.capacity_rps.0 });
    }
    if inputs.sources.is_empty() {
        return Err(bad_usage(
            "no logs to read: give LOG files, or set `log.path` for the proxies in the configuration",
        ));
    }
    Ok(inputs)
}

fn from_args(
    config: &Config,
    logs: &[String],
    forced: Option<Option<LogFormat>>,
    json_fields: JsonFields,
) -> anyhow::Result<LogInputs> {
    let format = forced.unwrap_or(None);
    // (proxy index or None for the network, path pattern), in argument order
    let mut wanted: Vec<(Option<usize>, &str)> = Vec::new();
    for arg in logs {
        let attributed = arg
            .split_once('=')
            .and_then(|(name, path)| config.proxies.iter().position(|p| p.name == name).map(|i| (Some(i), path)));
        wanted.push(attributed.unwrap_or((None, arg.as_str())));
    }
    let mut inputs = LogInputs { sources: Vec::new(), files: Vec::new(), json_fields, notes: Vec::new() };
    let mut source_of_proxy = vec![None; config.proxies.len()];
    for (i, proxy) in config.proxies.iter().enumerate() {
        if wanted.iter().any(|(p, _)| *p == Some(i)) {
            source_of_proxy[i] = Some(inputs.sources.len());
            inputs.sources.push(Source { name: proxy.name.clone(), capacity_rps: proxy.capacity_rps.0 });
        }
    }
    let network = if wanted.iter().any(|(p, _)| p.is_none()) {
        let rest: f64 = config
            .proxies
            .iter()
            .zip(&source_of_proxy)
            .filter(|(_, s)| s.is_none())
            .map(|(p, _)| p.capacity_rps.0)
            .sum();
        if rest == 0.0 {
            let file = wanted.iter().find(|(p, _)| p.is_none()).map_or("", |(_, f)| f);
            return Err(bad_usage(format!(
                "{file}: every proxy has a log of its own; say which proxy this file belongs to (PROXY={file})"
            )));
        }
        inputs.sources.push(Source { name: NETWORK.into(), capacity_rps: rest });
        Some(inputs.sources.len() - 1)
    } else {
        None
    };
    for (proxy, pattern) in wanted {
        let source = proxy.and_then(|p| source_of_proxy[p]).or(network).expect("every file has a source");
        for path in log_files::expand(pattern)? {
            inputs.files.push(ScanFile { path, source, format: format.clone() });
        }
    }
    Ok(inputs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::{Path, PathBuf};

    fn config() -> Config {
        let text = "network: {zone: cdn.example.net, nameservers: [{name: ns1.cdn.example.net, addresses: [127.0.0.1]}]}\n\
                    proxies:\n  - {name: a, addresses: [127.0.0.2], capacity_rps: 10}\n  - {name: b, addresses: [127.0.0.3], capacity_rps: 30}\n";
        Config::parse(text, Path::new("t.yaml"), PathBuf::new()).unwrap()
    }

    fn args(logs: &[&str]) -> LogArgs {
        LogArgs {
            logs: logs.iter().map(ToString::to_string).collect(),
            log_format: None,
            json_fields: None,
            since: None,
            until: None,
            slot: None,
            threads: None,
            prometheus: None,
            query: None,
            bytes_query: None,
            counter: false,
            proxy_label: None,
            step: None,
            bearer_token_file: None,
        }
    }

    #[test]
    fn attributes_files_to_proxies_and_the_rest_to_the_network() {
        let dir = tempfile::tempdir().unwrap();
        let f = |n: &str| {
            let p = dir.path().join(n);
            std::fs::write(&p, "").unwrap();
            p.display().to_string()
        };
        let (x, y) = (f("x.log"), f("y.log"));
        let inputs = resolve(&config(), &args(&[&format!("b={x}"), &y])).unwrap();
        let names: Vec<(&str, f64)> = inputs.sources.iter().map(|s| (s.name.as_str(), s.capacity_rps)).collect();
        assert_eq!(names, [("b", 30.0), ("network", 10.0)]);
        assert_eq!(inputs.files.iter().map(|f| f.source).collect::<Vec<_>>(), [0, 1]);

        let err = resolve(&config(), &args(&[&format!("a={x}"), &format!("b={x}"), &y])).unwrap_err();
        assert!(err.to_string().contains("every proxy has a log of its own"), "{err}");
    }

    #[test]
    fn needs_some_log() {
        let err = resolve(&config(), &args(&[])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "no logs to read: give LOG files, or set `log.path` for the proxies in the configuration"
        );
        let mut a = args(&["x.log"]);
        a.log_format = Some("apache".into());
        assert!(format!("{:#}", resolve(&config(), &a).unwrap_err()).contains("unknown log format `apache`"));
    }
}
