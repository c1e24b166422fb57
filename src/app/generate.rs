//! `surplus generate completions|man`: files for packagers, made from the clap definition.
//!
//! The man pages are clap_mangen's, one per command. The top page, `surplus(1)`, also carries
//! the sections an operator opens a man page for and that no flag describes: the configuration
//! file, the environment, exit status, files and examples. Their text is here, beside the code
//! that renders it, so `generate man` stays the one source of every page.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use clap::CommandFactory;
use clap_complete::Shell as CompleteShell;
use roff::{Roff, bold, italic, roman};

use crate::cli::{Cli, GenerateCommand, Shell};

/// Writes the requested files.
pub fn run(command: &GenerateCommand) -> anyhow::Result<()> {
    match command {
        GenerateCommand::Completions { shell, dir } => completions(*shell, dir),
        GenerateCommand::Man { dir } => man(dir),
    }
}

fn completions(shell: Shell, dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("{}", dir.display()))?;
    let shell = match shell {
        Shell::Bash => CompleteShell::Bash,
        Shell::Zsh => CompleteShell::Zsh,
        Shell::Fish => CompleteShell::Fish,
        Shell::Elvish => CompleteShell::Elvish,
        Shell::Powershell => CompleteShell::PowerShell,
    };
    let path = clap_complete::generate_to(shell, &mut Cli::command(), "surplus", dir)
        .with_context(|| format!("{}", dir.display()))?;
    eprintln!("wrote {}", path.display());
    Ok(())
}

fn man(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("{}", dir.display()))?;
    let mut cli = Cli::command().disable_help_subcommand(true);
    cli.build();
    // One page per command and subcommand: surplus-capacity.1, surplus-capacity-measure.1 …
    for command in cli.get_subcommands().filter(|c| !c.is_hide_set()).cloned() {
        clap_mangen::generate_to(command, dir).with_context(|| format!("{}", dir.display()))?;
    }
    let path = dir.join("surplus.1");
    let mut page = Vec::new();
    top_page(cli, &mut page)?;
    std::fs::write(&path, page).with_context(|| format!("{}", path.display()))?;
    eprintln!("wrote man pages to {}", dir.display());
    Ok(())
}

/// `surplus(1)`: clap_mangen's sections, then ours in the order man-pages(7) gives them.
fn top_page(cli: clap::Command, out: &mut dyn Write) -> std::io::Result<()> {
    let man = clap_mangen::Man::new(cli);
    man.render_title(out)?;
    man.render_name_section(out)?;
    man.render_synopsis_section(out)?;
    man.render_description_section(out)?;
    man.render_options_section(out)?;
    man.render_subcommands_section(out)?;
    extra_sections().to_writer(out)?;
    man.render_version_section(out)
}

/// A paragraph: a heading-less block of roman text.
fn para(roff: &mut Roff, text: &str) {
    roff.control("PP", []).text([roman(text)]);
}

/// A tagged paragraph: `tag` in bold, then its description indented.
fn item(roff: &mut Roff, tag: &str, text: &str) {
    roff.control("TP", []).text([bold(tag)]).text([roman(text)]);
}

/// A literal block (no filling), for commands and files.
fn literal(roff: &mut Roff, lines: &[&str]) {
    roff.control("PP", []).control("nf", []).control("RS", ["4"]);
    for line in lines {
        roff.text([roman(*line)]);
    }
    roff.control("RE", []).control("fi", []);
}

fn extra_sections() -> Roff {
    let mut r = Roff::new();
    r.control("SH", ["CONFIGURATION"]);
    para(
        &mut r,
        "One YAML file, surplus.yaml, describes the network: network (the zone, its name servers \
         and the TTL), proxies (addresses, capacity_rps, access log, stats endpoint, health \
         check), buyers (the names sold and their fallback), market (slot, quantile, margin, \
         currency, prices), dns (listen addresses, metrics, rate limit), control (the interval) \
         and database (the ledger). Unknown keys are errors, reported with the file, line and \
         column. Relative paths are relative to the file's directory. Durations are written 90s, \
         15m, 1h, 1h30m or 2d; times are UTC, RFC 3339, with Z or an offset \
         (2026-12-02T16:00Z); windows are START/DURATION on the slot grid (2026-12-02T16:00Z/4h).",
    );
    para(&mut r, "The file is found from -c/--config, else SURPLUS_CONFIG, else ./surplus.yaml. ");
    r.text([
        bold("surplus config check"),
        roman(" validates it and prints a summary without changing anything. "),
        roman("Every key is documented in the bundled example, "),
        italic("examples/surplus.yaml"),
        roman("."),
    ]);

    r.control("SH", ["ENVIRONMENT"]);
    item(&mut r, "SURPLUS_CONFIG", "The configuration file, when -c/--config is not given.");
    item(
        &mut r,
        "SURPLUS_NOW",
        "The time the market and capacity commands take as now (the same as --now), for replays \
         and tests. dns serve and demo always run on the real clock.",
    );

    r.control("SH", ["EXIT STATUS"]);
    item(&mut r, "0", "Done.");
    item(
        &mut r,
        "1",
        "The operation failed: a file that cannot be read, a malformed log, a bid the market \
         refuses, a ledger that cannot be written. Nothing of the change was written.",
    );
    item(&mut r, "2", "Bad usage: an unknown flag, or a flag value that does not parse or is out of range.");
    para(&mut r, "An error is one line on standard error, naming the file, line and field where there is one.");

    r.control("SH", ["FILES"]);
    item(&mut r, "surplus.yaml", "The configuration (see CONFIGURATION).");
    item(
        &mut r,
        "surplus.db",
        "The ledger, an SQLite file (database: in the configuration, or --db): offers, auctions \
         and bids, orders, sales, and the DNS server's usage samples. Opened in WAL mode, so \
         surplus.db-wal and surplus.db-shm sit beside it while it is in use. Commands that only \
         read it need read access; they never create it.",
    );
    item(&mut r, "/var/lib/surplus", "Where the systemd unit in the README keeps the ledger (StateDirectory=surplus).");

    r.control("SH", ["EXAMPLES"]);
    para(&mut r, "Measure the unused capacity of the next day from the proxies' logs, and offer it:");
    literal(&mut r, &["surplus capacity measure --save"]);
    para(&mut r, "Auction a window of it to a file of bids, and record the sales:");
    literal(
        &mut r,
        &[
            "surplus market auction create --window 2026-12-02T16:00Z/4h",
            "surplus market auction bid 1 --file bids.csv",
            "surplus market auction run 1",
        ],
    );
    para(&mut r, "Serve the zone, and watch each buyer held to what it bought:");
    literal(&mut r, &["surplus dns serve &", "surplus dns status --watch"]);
    para(&mut r, "Bill a month, as CSV:");
    literal(&mut r, &["surplus report usage --since 2026-12-01 --until 2027-01-01 --format csv"]);

    r.control("SH", ["SEE ALSO"]);
    r.text([
        bold("surplus-capacity"),
        roman("(1), "),
        bold("surplus-market"),
        roman("(1), "),
        bold("surplus-dns"),
        roman("(1), "),
        bold("surplus-report"),
        roman("(1), "),
        bold("surplus-simulate"),
        roman("(1), "),
        bold("nsd"),
        roman("(8), "),
        bold("nginx"),
        roman("(8)"),
    ]);
    r
}
