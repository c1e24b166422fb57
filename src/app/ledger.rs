//! `surplus ledger migrate|check|copy`: the ledger itself, on either backend.

use std::io;
use std::path::Path;

use crate::cli::{CopyArgs, FormatArgs};
use crate::config::Config;
use crate::ledger::location::Location;
use crate::ledger::{Access, Ledger, OpenOptions};
use crate::output::{self, Rows};

/// `ledger migrate`: opens for writing (which migrates) and says where it stands.
pub fn migrate(config: &Config, db: Option<&Path>) -> anyhow::Result<()> {
    let location = config.ledger_location(db)?;
    let ledger = super::open_ledger(config, db, Access::Write)?;
    println!("ledger {location} ({}) is at schema version {}", location.backend(), ledger.schema_version()?);
    Ok(())
}

/// `ledger check`: every invariant with its violations; an error when one is broken.
pub fn check(config: &Config, db: Option<&Path>, args: &FormatArgs) -> anyhow::Result<()> {
    let location = config.ledger_location(db)?;
    let ledger = super::open_ledger(config, db, Access::Read)?;
    let invariants = ledger.check_invariants()?;
    let mut rows = Rows::new(&["invariant", "violations#", "rule"]);
    for i in &invariants {
        rows.push(vec![i.name.to_string(), i.violations.to_string(), i.rule.to_string()]);
    }
    output::write(&mut io::stdout().lock(), args.format, &rows, &invariants)?;
    let broken: Vec<String> =
        invariants.iter().filter(|i| i.violations > 0).map(|i| format!("{} ({})", i.name, i.violations)).collect();
    if !broken.is_empty() {
        anyhow::bail!("ledger {location}: {} broken: {}", broken.len(), broken.join(", "));
    }
    Ok(())
}

/// `ledger copy --to`: the command's ledger into the empty one at `--to`.
pub fn copy(config: &Config, db: Option<&Path>, args: &CopyArgs) -> anyhow::Result<()> {
    let from = config.ledger_location(db)?;
    let source = super::open_ledger(config, db, Access::Read)?;
    // `--to` is a command-line path or URL: relative to the working directory.
    let to = Location::parse(&args.to, Path::new(""))?;
    if to.to_string() == from.to_string() {
        anyhow::bail!("--to {to} is the ledger being copied");
    }
    let password_file = config.password_file_path();
    let options = OpenOptions {
        access: Access::Write,
        currency: &config.market.currency.0,
        password_file: password_file.as_deref(),
    };
    let mut target = Ledger::open_location(&to, options)?;
    let copied = source.copy_into(&mut target).map_err(|e| anyhow::anyhow!("ledger copy to {to}: {e}"))?;
    let rows: u64 = copied.iter().map(|(_, n)| n).sum();
    let tables: Vec<String> = copied.iter().map(|(t, n)| format!("{n} {t}")).collect();
    eprintln!("copied {rows} rows from {from} ({}) to {to} ({}): {}", from.backend(), to.backend(), tables.join(", "));
    Ok(())
}
