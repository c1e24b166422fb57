//! `surplus dns zone`: the zones `dns serve` answers from, as master files or JSON, on stdout or
//! one file per zone (`--out DIR`).
//!
//! The zone data is built exactly as `dns serve` builds its first generation (no fallback
//! addresses learned yet, nothing sold), so what is printed is what a server started on the
//! same config and ledger serves until the first sale.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use serde::Serialize;

use crate::cli::{ZoneArgs, ZoneFormat};
use crate::config::Config;
use crate::dns::fallback_learner::serial_now;
use crate::dns::zone_data::{Learned, ZoneData};
use crate::dns::zone_file::{self, Zone, ZoneJson};

/// `--format json`.
#[derive(Debug, Serialize)]
struct Zones {
    zones: Vec<ZoneJson>,
}

/// `dns zone`.
pub fn zone(config: &Config, db: Option<&Path>, args: &ZoneArgs) -> anyhow::Result<()> {
    let data = ZoneData::new(config, &Learned::new(), serial(config, db)?)?;
    let mut zones = zone_file::zones(config, &data)?;
    if let Some(apex) = &args.zone {
        let want = apex.trim_end_matches('.').to_ascii_lowercase();
        let names: Vec<String> = zones.iter().map(|z| z.apex.to_ascii().trim_end_matches('.').to_string()).collect();
        let Some(i) = names.iter().position(|n| *n == want) else {
            return Err(super::bad_usage(format!("--zone {apex}: not one of our zones ({})", names.join(", "))));
        };
        zones = vec![zones.swap_remove(i)];
    }
    match (&args.out, args.format) {
        (Some(dir), ZoneFormat::Zonefile) => write_files(dir, &zones),
        (Some(_), ZoneFormat::Json) => {
            Err(super::bad_usage("--out writes master files; --format json prints one document on stdout"))
        }
        (None, ZoneFormat::Zonefile) => {
            let mut out = std::io::stdout().lock();
            for (i, z) in zones.iter().enumerate() {
                if i > 0 {
                    writeln!(out)?;
                }
                out.write_all(z.master_file().as_bytes())?;
            }
            Ok(out.flush()?)
        }
        (None, ZoneFormat::Json) => {
            let mut out = std::io::stdout().lock();
            crate::output::write_json(&mut out, &Zones { zones: zones.iter().map(Zone::json).collect() })?;
            Ok(out.flush()?)
        }
    }
}

/// The SOA serial `dns serve` would serve for `config` (and the ledger `db`). The one place
/// `dns zone` takes it from: today each `dns serve` process takes the clock at its start, which
/// no other process can know; when the serial is kept in the ledger for the zone data (issue
/// 17, item 7), this is the call to point at it.
fn serial(_config: &Config, _db: Option<&Path>) -> anyhow::Result<u32> {
    Ok(serial_now())
}

/// Writes each zone to `dir/APEX.zone`: every file under a temporary name first, then all
/// renamed, so a failure leaves no zone half-written and none from a mix of two runs.
fn write_files(dir: &Path, zones: &[Zone]) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("{}: cannot create the directory", dir.display()))?;
    let mut written = Vec::new();
    for z in zones {
        let path = dir.join(z.file_name());
        let tmp = dir.join(format!(".{}.tmp", z.file_name()));
        if let Err(e) = std::fs::write(&tmp, z.master_file()) {
            let _ = std::fs::remove_file(&tmp);
            for (t, _) in &written {
                let _ = std::fs::remove_file(t);
            }
            return Err(e).with_context(|| format!("{}: cannot write", tmp.display()));
        }
        written.push((tmp, path));
    }
    let mut out = std::io::stdout().lock();
    for (tmp, path) in &written {
        std::fs::rename(tmp, path).with_context(|| format!("{}: cannot write", path.display()))?;
        writeln!(out, "{}", path.display())?;
    }
    Ok(out.flush()?)
}
