//! `surplus dns zone`: the zones `dns serve` answers from, as master files or JSON, on stdout or
//! one file per zone (`--out DIR`).
//!
//! The zone data is built exactly as `dns serve` builds its first generation (no fallback
//! addresses learned yet, nothing sold), so what is printed is what a server started on the
//! same config and ledger serves until the first sale.

use crate::ledger::location::Location;
use std::io::Write;
use std::path::Path;

use anyhow::Context;
use serde::Serialize;

use crate::cli::{ZoneArgs, ZoneFormat};
use crate::config::Config;
use crate::dns::zone_data::{self, Learned, ZoneData};
use crate::dns::zone_file::{self, Zone, ZoneJson};
use crate::ledger::Access;

/// `--format json`.
#[derive(Debug, Serialize)]
struct Zones {
    zones: Vec<ZoneJson>,
}

/// `dns zone`.
pub fn zone(config: &Config, db: Option<&Path>, args: &ZoneArgs) -> anyhow::Result<()> {
    let data = ZoneData::with_serials(config, &Learned::new(), &serials(config, db)?)?;
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

/// The SOA serials `dns serve` would serve for `config` on the ledger `db`: those recorded in
/// the ledger for this zone data, else the one a server starting now would record. Read-only:
/// looking at the zones records nothing, and a ledger that does not exist yet is a server that
/// has not started.
fn serials(config: &Config, db: Option<&Path>) -> anyhow::Result<Vec<u32>> {
    let fingerprints = zone_data::fingerprints(config)?;
    let now = jiff::Timestamp::now().as_second();
    if matches!(config.ledger_location(db)?, Location::Sqlite(path) if !path.exists()) {
        let now = u32::try_from(now).unwrap_or(u32::MAX);
        return Ok(vec![now; fingerprints.len()]);
    }
    let ledger = super::open_ledger(config, db, Access::Read)?;
    Ok(ledger.peek_zone_serials(&fingerprints, now)?)
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
