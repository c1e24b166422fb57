//! One module per command group: each wires the config, the adapters and the core together and
//! hands the result to [`crate::output`]. `anyhow` lives here and only here.

pub mod bid_file;
pub mod capacity;
pub mod chart;
pub mod config_check;
pub mod demo;
pub mod demo_load;
pub mod dns;
pub mod dns_query;
pub mod dns_status;
pub mod dns_zone;
pub mod generate;
pub mod ledger;
pub mod log_inputs;
pub mod market;
pub mod monitor_export;
pub mod orders;
pub mod prometheus_history;
pub mod report;
pub mod simulate;
pub mod simulate_suite;

use std::io::{self, Write};
use std::path::Path;
use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use crate::cli::{
    AuctionCommand, CapacityCommand, Cli, Command, ConfigCommand, DnsCommand, LedgerCommand, MarketCommand,
    MonitorCommand, ReportCommand,
};
use crate::config::Config;
use crate::ledger::{Access, Ledger, OpenOptions};

/// The command's ledger (`--db`, else the config's), for reading or writing. Writing creates it
/// if there is none and migrates it; rows from before the ledger stored currencies take the
/// config's `market.currency`.
pub fn open_ledger(config: &Config, db: Option<&Path>, access: Access) -> anyhow::Result<Ledger> {
    let location = config.ledger_location(db)?;
    let password_file = config.password_file_path();
    let options = OpenOptions { access, currency: &config.market.currency.0, password_file: password_file.as_deref() };
    Ok(Ledger::open_location(&location, options)?)
}

/// Parses the command line, runs the command, and reports an error as one line, its causes
/// joined by `: ` (`error: proxy edge-2: logs/edge-2/access.log*: no such file`).
///
/// Exit codes: 0 done, 1 the operation failed, 2 bad usage: clap's own exit, and a
/// [`UsageError`] for what only the config or the ledger can tell is wrong with a flag.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(e) = clock_misuse(&cli) {
        e.exit();
    }
    init_logging(cli.verbose);
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            let _ = writeln!(io::stderr().lock(), "error: {e:#}");
            if is_usage(&e) { ExitCode::from(2) } else { ExitCode::FAILURE }
        }
    }
}

/// Bad usage that clap could not see because it needs the config or the ledger: a window off
/// the configured slot grid, a buyer that does not exist, `--since` after `--until`. It exits
/// 2 like clap's own errors, so a script can tell "you asked wrong" from "it failed".
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// A [`UsageError`] saying `message`.
pub fn bad_usage(message: impl std::fmt::Display) -> anyhow::Error {
    UsageError(message.to_string()).into()
}

/// Whether `e` or one of its causes is bad usage.
pub fn is_usage(e: &anyhow::Error) -> bool {
    e.chain().any(|c| c.is::<UsageError>())
}

/// Logs (tracing) to stderr: info and up by default, more with each `-v`. Only long-running
/// commands (`dns serve`) log; the others report through their output and errors.
fn init_logging(verbose: u8) {
    let level = match verbose {
        0 => tracing::Level::INFO,
        1 => tracing::Level::DEBUG,
        _ => tracing::Level::TRACE,
    };
    let _ = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&io::stderr()))
        .with_target(false)
        .try_init();
}

/// `--now` (or `SURPLUS_NOW`) given to a command that runs on the real clock: bad usage, told
/// as clap tells it (exit 2). `dns serve` decides which sales are live by the clock, and the
/// demo starts it, so a pretended time there would serve sales that are not on.
fn clock_misuse(cli: &Cli) -> Option<clap::Error> {
    let name = match cli.command {
        Command::Demo(_) => "demo",
        Command::Dns(DnsCommand::Serve(_)) => "dns serve",
        _ => return None,
    };
    cli.now?;
    let message = format!("--now (or SURPLUS_NOW) cannot be used with `{name}`: it runs on the real clock");
    Some(Cli::command().error(clap::error::ErrorKind::ArgumentConflict, message))
}

/// Runs one parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    let load = || Config::load(&cli.config);
    // The one reading of the clock for the commands that consult it (`--now` for replays and
    // tests); `dns serve` and the demo keep the real one, moment by moment.
    let now = cli.now.unwrap_or_else(jiff::Timestamp::now).as_second();
    match &cli.command {
        Command::Demo(args) => demo::run(args),
        Command::Config(ConfigCommand::Check(args)) => {
            config_check::run(&cli.config, &load()?, cli.db.as_deref(), args)
        }
        Command::Capacity(command) => match command.as_ref() {
            CapacityCommand::Measure(args) => capacity::measure(&load()?, cli.db.as_deref(), args, now),
            CapacityCommand::History(args) => capacity::history(&load()?, args, now),
            CapacityCommand::Offers(args) => capacity::offers(&load()?, cli.db.as_deref(), args),
        },
        Command::Market(MarketCommand::Auction(command)) => {
            let (config, db) = (load()?, cli.db.as_deref());
            match command {
                AuctionCommand::Create(args) => market::create(&config, db, args, now),
                AuctionCommand::List(args) => market::list(&config, db, args),
                AuctionCommand::Show(args) => market::show(&config, db, args),
                AuctionCommand::Cancel(args) => market::cancel(&config, db, args, now),
                AuctionCommand::Bid(args) => market::bid(&config, db, args, now),
                AuctionCommand::Run(args) => market::run(&config, db, args, now),
            }
        }
        Command::Market(MarketCommand::Order(args)) => orders::order(&load()?, cli.db.as_deref(), args, now),
        Command::Market(MarketCommand::Book(args)) => orders::book(&load()?, cli.db.as_deref(), args),
        Command::Market(MarketCommand::Orders(args)) => orders::orders(&load()?, cli.db.as_deref(), args),
        Command::Market(MarketCommand::Sales(args)) => market::sales(&load()?, cli.db.as_deref(), args),
        Command::Dns(DnsCommand::Query(args)) => dns_query::query(&load()?, args),
        Command::Dns(DnsCommand::Status(args)) => dns_status::status(&load()?, cli.db.as_deref(), args),
        Command::Dns(DnsCommand::Zone(args)) => dns_zone::zone(&load()?, cli.db.as_deref(), args),
        Command::Dns(DnsCommand::Serve(args)) => dns::serve(load()?, &cli.config, cli.db.as_deref(), args),
        Command::Monitor(MonitorCommand::Export(args)) => monitor_export::export(&cli.config, args),
        Command::Report(ReportCommand::Usage(args)) => report::usage(&load()?, cli.db.as_deref(), args, now),
        Command::Report(ReportCommand::Sales(args)) => {
            report::windows(&load()?, cli.db.as_deref(), args, report::WindowView::Sales, now)
        }
        Command::Report(ReportCommand::Capacity(args)) => {
            report::windows(&load()?, cli.db.as_deref(), args, report::WindowView::Capacity, now)
        }
        Command::Simulate(args) => simulate::run(args),
        Command::Ledger(LedgerCommand::Migrate) => ledger::migrate(&load()?, cli.db.as_deref()),
        Command::Ledger(LedgerCommand::Check(args)) => ledger::check(&load()?, cli.db.as_deref(), args),
        Command::Ledger(LedgerCommand::Copy(args)) => ledger::copy(&load()?, cli.db.as_deref(), args),
        Command::Generate(command) => generate::run(command),
    }
}

/// `surplus … | head` closes our stdout early; that is the reader's choice, not a failure.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| c.downcast_ref::<io::Error>().is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe))
}

/// `--buyer NAME` must name a buyer of the configuration or of a sale in the ledger (a buyer
/// since removed from the config still has its bills); else bad usage, naming those there are.
pub fn check_buyer(config: &Config, ledger: &crate::ledger::Ledger, name: &str) -> anyhow::Result<()> {
    if config.buyers.iter().any(|b| b.name == name) {
        return Ok(());
    }
    let mut in_ledger: Vec<String> = Vec::new();
    for sale in ledger.sales(None, None)? {
        if sale.buyer == name || sale.seller.as_deref() == Some(name) {
            return Ok(());
        }
        for who in std::iter::once(sale.buyer).chain(sale.seller) {
            if !in_ledger.contains(&who) && !config.buyers.iter().any(|b| b.name == who) {
                in_ledger.push(who);
            }
        }
    }
    let mut known: Vec<&str> = config.buyers.iter().map(|b| b.name.as_str()).collect();
    known.sort_unstable();
    in_ledger.sort_unstable();
    let mut list = if known.is_empty() { "the configuration has none".to_string() } else { known.join(", ") };
    if !in_ledger.is_empty() {
        list.push_str(&format!("; only in the ledger: {}", in_ledger.join(", ")));
    }
    Err(bad_usage(format!("--buyer {name}: no such buyer (buyers: {list})")))
}
