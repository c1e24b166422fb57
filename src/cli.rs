//! The command tree and its flags: clap derive only, no logic. Help, the man pages and the shell
//! completions are all generated from these types.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use jiff::{SignedDuration, Timestamp};

use crate::config::values::parse_socket_addr;
use crate::core::auction::Rule;
use crate::core::billing::Billing;
use crate::core::money::{MAX_RPS, Money, check_price};
use crate::core::window::{Slot, Window, parse_duration, parse_instant};
use crate::output::Format;

/// The most threads `--threads` may ask for. More than a machine has cores buys nothing, and
/// tens of thousands exhaust the memory maps a process may have (each thread's stack and guard
/// pages): `--threads 65535` aborted in the standard library's thread setup, where no error can
/// be returned. 1,024 start in well under a second, and are more than the cores of the machines
/// surplus runs on.
const MAX_THREADS: i64 = 1024;

/// Sell the capacity your proxy network is not using, and carry the buyers' traffic.
#[derive(Debug, Parser)]
#[command(name = "surplus", version, about, max_term_width = 100)]
#[command(after_help = "Configuration: surplus.yaml (see examples/surplus.yaml). Times are RFC 3339 with Z \
or an offset (a bare date is midnight UTC); windows are START/DURATION, like 2026-11-26T18:00Z/4h.")]
pub struct Cli {
    /// The configuration file.
    #[arg(short, long, global = true, env = "SURPLUS_CONFIG", default_value = "surplus.yaml", value_name = "FILE")]
    pub config: PathBuf,

    /// The ledger: an SQLite file, or a PostgreSQL URL (postgres://USER@HOST/DB); overrides
    /// `database:` in the configuration.
    #[arg(long, global = true, value_name = "FILE|URL")]
    pub db: Option<PathBuf>,

    /// More log detail on stderr: -v debug, -vv trace (default: info for `dns serve`).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    // Documented, not hidden: the README's examples sell the bundled logs' dates, which are
    // past, and an operator replaying a day or backfilling offers needs the same switch; the
    // tests set it too. The servers refuse it rather than ignore it, so that a shell with
    // SURPLUS_NOW exported cannot leave `dns serve` answering on a clock nobody sees.
    /// Act as if the time were TIME (RFC 3339), for replays and tests: the market refuses
    /// windows that are over by then, `capacity measure` forecasts from it and reports take it
    /// as the present. Not for `dns serve` or `demo`, which run on the real clock.
    #[arg(long, global = true, env = "SURPLUS_NOW", value_name = "TIME", value_parser = parse_instant)]
    pub now: Option<Timestamp>,

    #[command(subcommand)]
    pub command: Command,
}

/// The command groups.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the whole loop on the bundled example, on loopback, in under a minute: measure,
    /// auction, serve DNS, control against a load model, and report usage.
    Demo(DemoArgs),
    /// Check the configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Measure unused capacity from the proxies' access logs or a Prometheus server's history,
    /// and offer it for sale.
    #[command(subcommand)]
    Capacity(Box<CapacityCommand>),
    /// Sell offered capacity: sealed-bid auctions, the continuous order book, and the record of
    /// every sale.
    #[command(subcommand)]
    Market(MarketCommand),
    /// The network's authoritative DNS, answering a controlled fraction with proxies.
    #[command(subcommand)]
    Dns(DnsCommand),
    /// Follow a proxy host's access logs for name servers on other hosts.
    #[command(subcommand)]
    Monitor(MonitorCommand),
    /// Reports: what each buyer bought, used and owes; the operator's sales and capacity.
    #[command(subcommand)]
    Report(ReportCommand),
    /// Run the controller on simulated time against caching resolvers, before going live.
    Simulate(SimulateArgs),
    /// The ledger itself: its schema, its invariants, and moving it to another database.
    #[command(subcommand)]
    Ledger(LedgerCommand),
    /// Write shell completions or man pages (for packagers).
    #[command(subcommand, hide = true)]
    Generate(GenerateCommand),
}

/// `surplus config …`
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Validate the configuration and print a summary; changes nothing.
    Check(CheckArgs),
}

/// `surplus config check`
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Also run `monitor.prometheus_query` once against its server and show what it returned
    /// per buyer.
    #[arg(long)]
    pub online: bool,

    #[command(flatten)]
    pub format: FormatArgs,
}

/// `surplus ledger …`
#[derive(Debug, Subcommand)]
pub enum LedgerCommand {
    /// Create the ledger if there is none and bring its schema up to date (every command that
    /// writes does this too); prints the schema version.
    Migrate,
    /// Recount what the ledger keeps incrementally and check its invariants (nothing oversold,
    /// counters equal a recount, rollups equal their samples); exits 1 if one is broken.
    Check(FormatArgs),
    /// Copy the whole ledger into an empty one (SQLite to PostgreSQL, or back), in one
    /// transaction on the target: ids, sales, samples and rollups as they are.
    Copy(CopyArgs),
}

/// `surplus ledger copy`
#[derive(Debug, Args)]
pub struct CopyArgs {
    /// The target ledger: an SQLite file (created) or a PostgreSQL URL (an empty database).
    #[arg(long, value_name = "FILE|URL")]
    pub to: String,
}

/// `surplus capacity …`
#[derive(Debug, Subcommand)]
pub enum CapacityCommand {
    /// Forecast load per future slot from the access logs (or Prometheus) and show the unused
    /// capacity.
    Measure(MeasureArgs),
    /// Show the measured history: requests, mean, peak-second and p95 rps, per proxy and slot.
    History(HistoryArgs),
    /// List the offers saved in the ledger.
    Offers(OffersArgs),
}

/// Output format, shared by every listing.
#[derive(Debug, Args)]
pub struct FormatArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// Which logs to read, shared by `measure` and `history`.
#[derive(Debug, Args)]
pub struct LogArgs {
    /// Log files or globs to read instead of each proxy's `log.path`. `PROXY=FILE` counts a file
    /// for that proxy; a plain FILE counts for the proxies that have no file of their own.
    #[arg(value_name = "LOG")]
    pub logs: Vec<String>,

    /// Log format: auto, combined, common, vhost_combined, combined_host, squid or json (default:
    /// the proxy's `log.format`, or auto-detect).
    #[arg(long, value_name = "FORMAT", value_parser = ["auto", "combined", "common", "vhost_combined", "combined_host", "squid", "json"])]
    pub log_format: Option<String>,

    /// JSON field names, as `time=FIELD,host=FIELD,bytes=FIELD`.
    #[arg(long, value_name = "FIELDS")]
    pub json_fields: Option<String>,

    /// Only requests at or after this time.
    #[arg(long, visible_alias = "from", value_name = "TIME", value_parser = parse_instant)]
    pub since: Option<Timestamp>,

    /// Only requests before this time.
    #[arg(long, value_name = "TIME", value_parser = parse_instant)]
    pub until: Option<Timestamp>,

    /// Slot length; must divide a day (default: `market.slot`, 1h).
    #[arg(long, value_name = "DURATION")]
    pub slot: Option<Slot>,

    /// Worker threads for parsing, 1 to 1024 (default: the number of cores).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=MAX_THREADS))]
    pub threads: Option<u16>,

    /// Read the history from this Prometheus server instead of logs (default:
    /// `capacity.prometheus.url` when the configuration has one and no LOG is given).
    #[arg(long, value_name = "URL", conflicts_with = "logs", help_heading = "History from Prometheus")]
    pub prometheus: Option<String>,

    /// PromQL giving requests per second: one series per proxy, or one for the whole fleet
    /// (default: `capacity.prometheus.query`).
    #[arg(long, value_name = "PROMQL", help_heading = "History from Prometheus")]
    pub query: Option<String>,

    /// PromQL giving bytes per second, the same way (default: `capacity.prometheus.bytes_query`).
    #[arg(long, value_name = "PROMQL", help_heading = "History from Prometheus")]
    pub bytes_query: Option<String>,

    /// The queries give counters, which are differentiated (resets seen as `rate()` sees them).
    #[arg(long, help_heading = "History from Prometheus")]
    pub counter: bool,

    /// The label naming a series' proxy, matched against each proxy's name or address
    /// (default: `capacity.prometheus.proxy_label`, `instance`).
    #[arg(long, value_name = "LABEL", help_heading = "History from Prometheus")]
    pub proxy_label: Option<String>,

    /// The step of the range queries; must divide the slot (default: the smallest the data holds).
    #[arg(long, value_name = "DURATION", value_parser = positive_duration, help_heading = "History from Prometheus")]
    pub step: Option<SignedDuration>,

    /// A file holding a bearer token for the server.
    #[arg(long, value_name = "FILE", help_heading = "History from Prometheus")]
    pub bearer_token_file: Option<PathBuf>,
}

/// `surplus capacity measure`
#[derive(Debug, Args)]
pub struct MeasureArgs {
    #[command(flatten)]
    pub logs: LogArgs,

    /// Forecast this long from the next slot boundary.
    #[arg(long, value_name = "DURATION", default_value = "24h", value_parser = positive_duration, conflicts_with = "window")]
    pub next: SignedDuration,

    /// Forecast this window instead, START/DURATION on the slot grid.
    #[arg(long = "for", value_name = "WINDOW")]
    pub window: Option<Window>,

    /// Quantile of a slot's history used as its forecast (default: `market.quantile`, 0.95).
    #[arg(long, value_name = "Q", value_parser = fraction)]
    pub quantile: Option<f64>,

    /// Share of capacity never sold (default: `market.margin`, 0.10).
    #[arg(long, value_name = "FRACTION", value_parser = fraction)]
    pub margin: Option<f64>,

    /// Show each proxy's capacity, forecast and unused capacity too.
    #[arg(long)]
    pub by_proxy: bool,

    /// Record the unused capacity as offers in the ledger (whole rps, rounded down).
    #[arg(long)]
    pub save: bool,

    #[command(flatten)]
    pub format: FormatArgs,
}

/// `surplus capacity history`
#[derive(Debug, Args)]
pub struct HistoryArgs {
    #[command(flatten)]
    pub logs: LogArgs,

    #[command(flatten)]
    pub format: FormatArgs,
}

/// `surplus capacity offers`
#[derive(Debug, Args)]
pub struct OffersArgs {
    /// Only offers overlapping this window (START/DURATION).
    #[arg(long, value_name = "WINDOW")]
    pub window: Option<Window>,

    #[command(flatten)]
    pub format: FormatArgs,
}

/// `surplus market …`
#[derive(Debug, Subcommand)]
pub enum MarketCommand {
    /// Sealed-bid auctions of unsold capacity for a window.
    #[command(subcommand)]
    Auction(AuctionCommand),
    /// The continuous market: place or cancel buy and sell orders, matched on arrival.
    Order(OrderArgs),
    /// Depth of a window's order book by price level.
    Book(BookArgs),
    /// List orders, newest first.
    Orders(OrdersArgs),
    /// List sales, from auctions and trades.
    Sales(SalesArgs),
}

/// `surplus market order …`
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, arg_required_else_help = true)]
pub struct OrderArgs {
    #[command(subcommand)]
    pub command: Option<OrderCommand>,

    /// Place the orders of a CSV file in turn (header `side,buyer,window,rps,limit[,tif]`; an
    /// empty buyer on a sell is the operator). Every line is checked before the first is placed.
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
}

/// `surplus market order buy|sell|cancel`
#[derive(Debug, Subcommand)]
pub enum OrderCommand {
    /// Bid for capacity as a buyer.
    Buy(BuyArgs),
    /// Ask: the operator sells unsold offered capacity, or a buyer resells what it holds.
    Sell(SellArgs),
    /// Cancel an open order.
    Cancel {
        /// The order.
        id: i64,
    },
}

/// What every order has.
#[derive(Debug, Args)]
pub struct OrderTerms {
    /// The window traded, START/DURATION on the slot grid, at most 31 days.
    #[arg(long, value_name = "WINDOW")]
    pub window: Window,

    /// Capacity, 1 to 10000000 rps.
    #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = clap::value_parser!(i64).range(1..=MAX_RPS))]
    pub rps: i64,

    /// Limit price per rps-hour, above 0 and at most 1000: the most a buy pays, the least a
    /// sell takes.
    #[arg(long, value_name = "PRICE", allow_negative_numbers = true, value_parser = positive_price)]
    pub limit: Money,

    /// Immediate or cancel: what does not trade at once is cancelled (default: it rests).
    #[arg(long)]
    pub ioc: bool,
}

/// `surplus market order buy`
#[derive(Debug, Args)]
pub struct BuyArgs {
    /// The buyer (a name from the configuration).
    #[arg(long, value_name = "NAME")]
    pub buyer: String,

    #[command(flatten)]
    pub terms: OrderTerms,
}

/// `surplus market order sell`
#[derive(Debug, Args)]
pub struct SellArgs {
    /// A buyer reselling what it holds (default: the operator, selling offered capacity).
    #[arg(long, value_name = "NAME")]
    pub buyer: Option<String>,

    #[command(flatten)]
    pub terms: OrderTerms,
}

/// `surplus market book`
#[derive(Debug, Args)]
pub struct BookArgs {
    /// The window.
    #[arg(long, value_name = "WINDOW")]
    pub window: Window,

    #[command(flatten)]
    pub format: FormatArgs,
}

/// `surplus market orders`
#[derive(Debug, Args)]
pub struct OrdersArgs {
    /// Only open orders.
    #[arg(long)]
    pub open: bool,

    #[command(flatten)]
    pub format: FormatArgs,
}

/// `surplus market auction …`
#[derive(Debug, Subcommand)]
pub enum AuctionCommand {
    /// Open an auction for unsold capacity in a window.
    Create(AuctionCreateArgs),
    /// List auctions, newest first.
    List(AuctionListArgs),
    /// Show an auction, its bids, and once cleared what each won and pays.
    Show(AuctionIdArgs),
    /// Cancel an open auction, releasing the capacity it holds.
    Cancel(AuctionIdArgs),
    /// Place a bid, or a file of bids (all or none).
    Bid(BidArgs),
    /// Clear an auction: allocate, price, record the sales, and list the winners.
    Run(AuctionRunArgs),
}

/// `surplus market auction create`
#[derive(Debug, Args)]
pub struct AuctionCreateArgs {
    /// The window sold, START/DURATION on the slot grid, at most 31 days.
    #[arg(long, value_name = "WINDOW")]
    pub window: Window,

    /// Capacity sold, up to 10000000 rps (default: all that is unsold in every slot of the
    /// window; required with --best-effort, where it is the total weight of the shares sold).
    #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = clap::value_parser!(i64).range(1..=MAX_RPS))]
    pub rps: Option<i64>,

    /// Sell best effort: no capacity is reserved or taken from the offers; while the window
    /// runs, winners share whatever the healthy proxies have free, in proportion to the rps
    /// each won, and are charged for what they use.
    #[arg(long, requires = "rps")]
    pub best_effort: bool,

    /// How winners pay.
    #[arg(long, value_name = "RULE", default_value = "uniform", value_parser = rule)]
    pub rule: Rule,

    /// Lowest price per rps-hour, at most 1000 (default: `market.reserve_price`).
    #[arg(long, value_name = "PRICE", allow_negative_numbers = true, value_parser = price_or_zero)]
    pub reserve: Option<Money>,

    /// No bids from this time on.
    #[arg(long, value_name = "TIME", value_parser = parse_instant)]
    pub closes: Option<Timestamp>,
}

/// `surplus market auction list`
#[derive(Debug, Args)]
pub struct AuctionListArgs {
    /// Only auctions with this status.
    #[arg(long, value_name = "STATUS", value_parser = ["open", "cleared", "cancelled"])]
    pub status: Option<String>,

    #[command(flatten)]
    pub format: FormatArgs,
}

/// An auction id, and how to print.
#[derive(Debug, Args)]
pub struct AuctionIdArgs {
    /// The auction.
    pub id: i64,

    #[command(flatten)]
    pub format: FormatArgs,
}

/// `surplus market auction bid`
#[derive(Debug, Args)]
pub struct BidArgs {
    /// The auction.
    pub id: i64,

    /// The buyer bidding (a name from the configuration).
    #[arg(long, value_name = "NAME", required_unless_present = "file", conflicts_with = "file")]
    pub buyer: Option<String>,

    /// Capacity wanted, 1 to 10000000 rps.
    #[arg(long, value_name = "N", required_unless_present = "file", conflicts_with = "file",
          allow_negative_numbers = true, value_parser = clap::value_parser!(i64).range(1..=MAX_RPS))]
    pub rps: Option<i64>,

    /// Price per rps-hour, above 0 and at most 1000.
    #[arg(long, value_name = "PRICE", required_unless_present = "file", conflicts_with = "file",
          allow_negative_numbers = true, value_parser = positive_price)]
    pub price: Option<Money>,

    /// Smallest partial fill accepted (default 0: any).
    #[arg(long, value_name = "M", conflicts_with = "file", allow_negative_numbers = true)]
    pub min_rps: Option<i64>,

    /// Bids from a CSV (header `buyer,rps,price[,min_rps]`) or YAML (a list of those keys) file.
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
}

/// `surplus market auction run`
#[derive(Debug, Args)]
pub struct AuctionRunArgs {
    /// The auction.
    pub id: i64,

    /// Show the result, write nothing.
    #[arg(long)]
    pub dry_run: bool,

    #[command(flatten)]
    pub format: FormatArgs,
}

/// `surplus market sales`
#[derive(Debug, Args)]
pub struct SalesArgs {
    /// Only this buyer's.
    #[arg(long, value_name = "NAME")]
    pub buyer: Option<String>,

    /// Only sales overlapping this window.
    #[arg(long, value_name = "WINDOW")]
    pub window: Option<Window>,

    #[command(flatten)]
    pub format: FormatArgs,
}

/// `surplus demo`
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Keep the demo's ledger (surplus.db), configuration (surplus.yaml) and logs in DIR, to
    /// explore with the other commands (default: a temporary directory, removed at the end).
    #[arg(long, value_name = "DIR")]
    pub keep: Option<PathBuf>,

    /// How long the load runs against the DNS server.
    #[arg(long, value_name = "SECONDS", default_value_t = 30, value_parser = clap::value_parser!(u32).range(5..=3600))]
    pub seconds: u32,
}

/// `surplus report …`
#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Per buyer and sale: purchased, served, mean, peak and p95 rps, utilisation, time and
    /// requests above the purchase, DNS answers, the fraction, gaps, and the charge with its rule.
    Usage(UsageReportArgs),
    /// The operator's view per slot or day: capacity sold by mechanism, used, revenue, unsold.
    Sales(WindowReportArgs),
    /// The operator's view per slot or day: capacity offered, sold, used and unsold.
    Capacity(WindowReportArgs),
}

/// How a usage report cuts sales into lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportBy {
    /// One line per sale.
    Sale,
    /// One line per sale and slot (`market.slot`).
    Slot,
    /// One line per sale and UTC day.
    Day,
}

/// `surplus report usage`
#[derive(Debug, Args)]
pub struct UsageReportArgs {
    /// Only this buyer's lines.
    #[arg(long, value_name = "NAME")]
    pub buyer: Option<String>,

    /// Only sale time at or after this time (default: the first sale's start).
    #[arg(long, value_name = "TIME", value_parser = parse_instant)]
    pub since: Option<Timestamp>,

    /// Only sale time before this time (default: the last sale's end).
    #[arg(long, value_name = "TIME", value_parser = parse_instant)]
    pub until: Option<Timestamp>,

    /// One line per sale, or per sale and slot or day.
    #[arg(long, value_enum, default_value_t = ReportBy::Sale)]
    pub by: ReportBy,

    /// Bill every sale by this rule: reserved (rps × hours × price), actual (requests served ×
    /// price / 3600) or p95 (95th percentile of 5-minute rates × hours × price, overage at
    /// `market.overage_price`). Default: each sale's own, reserved for guaranteed, actual for
    /// best effort.
    #[arg(long, value_name = "RULE", value_parser = billing)]
    pub billing: Option<Billing>,

    /// Also draw served vs purchased rps and the fraction over time, per buyer, to this SVG.
    #[arg(long, value_name = "FILE")]
    pub chart: Option<PathBuf>,

    /// Recount served requests per buyer from these access logs (files or globs) over the same
    /// time, and show the difference to the ledger.
    #[arg(long, value_name = "LOG", num_args = 1..)]
    pub logs: Vec<String>,

    /// Format of the --logs files (default: auto-detect; it needs the host).
    #[arg(long, value_name = "FORMAT", requires = "logs", value_parser = ["auto", "vhost_combined", "combined_host", "squid", "json"])]
    pub log_format: Option<String>,

    #[command(flatten)]
    pub format: FormatArgs,
}

/// How an operator's report cuts time into lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum WindowBy {
    /// One line per slot (`market.slot`).
    Slot,
    /// One line per UTC day.
    Day,
}

/// `surplus report sales` and `surplus report capacity`
#[derive(Debug, Args)]
pub struct WindowReportArgs {
    /// From this time (default: the first offer's or sale's start).
    #[arg(long, value_name = "TIME", value_parser = parse_instant)]
    pub since: Option<Timestamp>,

    /// Before this time (default: the last offer's or sale's end).
    #[arg(long, value_name = "TIME", value_parser = parse_instant)]
    pub until: Option<Timestamp>,

    /// One line per slot or per day.
    #[arg(long, value_enum, default_value_t = WindowBy::Slot)]
    pub by: WindowBy,

    #[command(flatten)]
    pub format: FormatArgs,
}

/// `surplus simulate`
#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// The scenario: demand, resolvers, TTL, monitor delay (default: examples/scenario.yaml,
    /// built in).
    #[arg(long, value_name = "FILE")]
    pub scenario: Option<PathBuf>,
    /// Seed of the random world; the same seed gives the same run.
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub seed: u64,
    /// Run seeds N, N+1, … and show each run's summary and their mean, not the intervals.
    #[arg(long, default_value_t = 1, value_name = "COUNT", value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub runs: u32,
    /// Keep f at the buyer's estimate during the sale, as weighted DNS would, to compare.
    #[arg(long, conflicts_with = "bound")]
    pub open_loop: bool,
    /// Also run the oracles on the same scenario and seeds and show them beside the controller
    /// and the open loop: the foresight oracle (knows every resolver and all demand to come, a
    /// bound to measure the controller against) and the causal one (knows the resolvers and
    /// only the present demand: what not knowing the future costs once answers are cached).
    #[arg(long)]
    pub bound: bool,
    /// Run every scenario (*.yaml) in DIR over --runs seeds: one row per scenario with the
    /// controller, both oracles, the open loop and the worst 5 s interval.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["scenario", "chart", "open_loop"])]
    pub suite: Option<PathBuf>,
    /// Draw served, demand and purchased rps and f over time, as SVG.
    #[arg(long, value_name = "FILE.svg")]
    pub chart: Option<PathBuf>,
    /// Output format (table: one row per minute; csv and json: every interval).
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// `surplus monitor …`
#[derive(Debug, Subcommand)]
pub enum MonitorCommand {
    /// On a proxy host: follow its access logs (like `tail -F`, across rotation) and serve the
    /// requests and response bytes per Host, and each log's read position, as Prometheus text at
    /// http://ADDR/metrics, for name servers on other hosts (`stats: {kind: prometheus, url:
    /// http://HOST:9187/metrics, metric: surplus_proxy_requests_total}`). Counters start at 0
    /// and count from each log's end: a restart is a counter reset, which Prometheus and the
    /// name servers take as one. While a log cannot be read, /metrics answers 503.
    Export(ExportArgs),
}

/// `surplus monitor export`
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Live log files to follow (not globs: rotated files are followed through the live one's
    /// renames). Default: the `log:` entry of --proxy in the configuration.
    #[arg(value_name = "LOG")]
    pub logs: Vec<PathBuf>,

    /// Follow this proxy's `log:` (its `follow`, else `path` without a trailing `*`, and its
    /// format) from the configuration (-c), and give its buyers' hosts a series from the start.
    #[arg(long, value_name = "NAME")]
    pub proxy: Option<String>,

    /// Log format: auto (told from the first lines logged), vhost_combined, combined_host, squid
    /// or json (default: the proxy's `log.format`, else auto). Formats without the Host are
    /// refused.
    #[arg(long, value_name = "FORMAT", value_parser = ["auto", "combined", "common", "vhost_combined", "combined_host", "squid", "json"])]
    pub log_format: Option<String>,

    /// JSON field names, as `time=FIELD,host=FIELD,bytes=FIELD` (default: the proxy's
    /// `log.fields`).
    #[arg(long, value_name = "FIELDS")]
    pub json_fields: Option<String>,

    /// Serve the metrics at http://ADDR/metrics; port 0 picks one. The bound address is printed
    /// on stdout (`listening on ADDR`).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:9187", value_parser = parse_socket_addr)]
    pub listen: std::net::SocketAddr,

    /// Hosts counted on their own, besides the proxy's buyers' (Host headers come from clients);
    /// requests for more count under `host="_other"`.
    #[arg(long, value_name = "N", default_value_t = 10_000, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub max_hosts: u32,
}

/// `surplus dns …`
#[derive(Debug, Subcommand)]
pub enum DnsCommand {
    /// Serve DNS over UDP and TCP; a buyer with an active sale gets its estimate's fraction of
    /// answers with proxy addresses (sales are re-read every 2 seconds).
    Serve(ServeArgs),
    /// Send a name to a DNS server COUNT times and show the answers it gave: how many went to
    /// proxies, how many to the buyer's fallback.
    Query(QueryArgs),
    /// Per buyer: purchased, served and target rps, f, answers, control mode and monitor state,
    /// from the running server's metrics endpoint (else the ledger's newest usage samples).
    Status(StatusArgs),
    /// Print the zones `dns serve` answers from, as RFC 1035 master files (or JSON): the
    /// network's zone and each buyer host delegated to us, with SOA, NS, glue and the proxies'
    /// names; each buyer host with a comment saying what decides its answer and the records it
    /// gets when nothing is sold. To review a config, diff two nodes, or load into NSD or Knot.
    Zone(ZoneArgs),
}

/// `surplus dns zone`
#[derive(Debug, Args)]
pub struct ZoneArgs {
    /// Output format: zonefile (RFC 1035 §5 master files, one `$ORIGIN` section per zone) or
    /// json (zones, their records with name, ttl, type and data, and the dynamic names).
    #[arg(long, value_enum, default_value_t = ZoneFormat::Zonefile)]
    pub format: ZoneFormat,

    /// Only this zone (its apex, like cdn.example.net or www.shop.example).
    #[arg(long, value_name = "APEX")]
    pub zone: Option<String>,

    /// Write one master file per zone into DIR, named APEX.zone (what NSD and Knot load), and
    /// print their names, instead of printing the zones.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// What `dns zone` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ZoneFormat {
    /// RFC 1035 §5 master files.
    Zonefile,
    /// One JSON document.
    Json,
}

/// `surplus dns status`
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// The server's metrics endpoint: ADDR:PORT, or the URL `dns serve` prints
    /// (`http://ADDR:PORT/metrics`). Given here, a server that does not answer is an error;
    /// from `dns.metrics`, the status falls back to the ledger's newest usage samples.
    #[arg(long, value_name = "ADDR", value_parser = parse_metrics)]
    pub metrics: Option<std::net::SocketAddr>,
    /// Show it again every SECONDS until interrupted.
    #[arg(long, value_name = "SECONDS", num_args = 0..=1, default_missing_value = "2")]
    pub watch: Option<u32>,
    #[command(flatten)]
    pub format: FormatArgs,
}

/// `surplus dns serve`
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on, UDP and TCP; repeatable; port 0 picks one (default: `dns.listen`,
    /// else each name server address on port 53). The bound addresses are printed on stdout.
    #[arg(long, value_name = "ADDR", value_parser = parse_socket_addr)]
    pub listen: Vec<std::net::SocketAddr>,

    /// Serve Prometheus metrics at http://ADDR/metrics (default: `dns.metrics`; port 0 picks one).
    #[arg(long, value_name = "ADDR", value_parser = parse_socket_addr)]
    pub metrics: Option<std::net::SocketAddr>,

    /// UDP serving threads per address, 1 to 1024 (default: the number of cores).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=MAX_THREADS))]
    pub threads: Option<u16>,

    /// This node's name among the servers sharing the ledger, and its NSID unless `dns.nsid`
    /// is set: printable ASCII, 1 to 255 bytes (default: `dns.node`, else the host name). Lets
    /// several nodes on one host share one config file.
    #[arg(long, value_name = "NAME", env = "SURPLUS_NODE", value_parser = crate::config::node_name::parse)]
    pub node: Option<String>,
}

/// `surplus dns query`
#[derive(Debug, Args)]
pub struct QueryArgs {
    /// The name to look up.
    pub name: String,

    /// The server, ADDR or ADDR:PORT, an IP address (default: the first `dns.listen` address,
    /// else the first name server's address, port 53).
    #[arg(long, value_name = "ADDR", value_parser = parse_server)]
    pub server: Option<std::net::SocketAddr>,

    /// How many lookups to send (64 at a time).
    #[arg(long, value_name = "N", default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=10_000_000))]
    pub count: u32,

    /// Wait this long in all; lookups not answered by then count as errors, and none answered
    /// is a failure.
    #[arg(long, value_name = "SECONDS", default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=3600))]
    pub timeout: u32,

    /// Record type to ask for.
    #[arg(long = "type", value_name = "TYPE", value_enum, default_value_t = QueryType::A)]
    pub rtype: QueryType,

    /// Ask on behalf of this client subnet (EDNS Client Subnet), like a public resolver does;
    /// proxies or fallback is decided per subnet (default: this host's address decides).
    #[arg(long, value_name = "ADDR/LEN", value_parser = parse_subnet)]
    pub subnet: Option<(std::net::IpAddr, u8)>,

    #[command(flatten)]
    pub format: FormatArgs,
}

/// Address record types `dns query` asks for.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum QueryType {
    A,
    Aaaa,
}

/// `surplus generate …`
#[derive(Debug, Subcommand)]
pub enum GenerateCommand {
    /// Write a completion script for SHELL into DIR.
    Completions {
        #[arg(value_enum)]
        shell: Shell,
        /// Directory to write into.
        #[arg(long, default_value = "completions")]
        dir: PathBuf,
    },
    /// Write man pages (one per command) into DIR.
    Man {
        /// Directory to write into.
        #[arg(long, default_value = "man")]
        dir: PathBuf,
    },
}

/// Shells with completion support.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
    Elvish,
    Powershell,
}

fn positive_duration(text: &str) -> Result<SignedDuration, String> {
    let d = parse_duration(text).map_err(|e| e.to_string())?;
    if !d.is_positive() {
        return Err(format!("{text}: expected a duration > 0"));
    }
    Ok(d)
}

fn fraction(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(v) if (0.0..=1.0).contains(&v) => Ok(v),
        _ => Err(format!("expected a number between 0 and 1, got `{text}`")),
    }
}

fn rule(text: &str) -> Result<Rule, String> {
    text.parse()
}

fn billing(text: &str) -> Result<Billing, String> {
    text.parse()
}

fn price_or_zero(text: &str) -> Result<Money, String> {
    price(text, false)
}

fn positive_price(text: &str) -> Result<Money, String> {
    price(text, true)
}

/// A price per rps-hour: above 0 (`positive`) or at least 0, and within the ledger's bound.
fn price(text: &str, positive: bool) -> Result<Money, String> {
    let m: Money = text.parse().map_err(|e: crate::core::money::MoneyError| e.to_string())?;
    let (fits, bound) = if positive { (m.micros() > 0, "> 0") } else { (m.micros() >= 0, ">= 0") };
    if !fits {
        return Err(format!("prices must be {bound}, got {text}"));
    }
    check_price(m).map_err(|e| e.to_string())
}

/// `ADDR:PORT`, or `http://ADDR:PORT/metrics` as `dns serve` prints it (the path may be left
/// out; it is always `/metrics`).
fn parse_metrics(text: &str) -> Result<std::net::SocketAddr, String> {
    let bare = text.strip_prefix("http://").unwrap_or(text);
    let bare = bare.strip_suffix("/metrics").or_else(|| bare.strip_suffix('/')).unwrap_or(bare);
    parse_socket_addr(bare).map_err(|e| format!("{e} (expected ADDR:PORT or http://ADDR:PORT/metrics)"))
}

/// `ADDR` or `ADDR:PORT` (`[V6]:PORT`), port 53 by default. Host names are refused, not looked
/// up: `dns query` reports what one server answers, and which server a name resolves to is
/// the system resolver's choice (`localhost` may be `::1` while the server listens on 127.0.0.1).
fn parse_server(text: &str) -> Result<std::net::SocketAddr, String> {
    if let Ok(addr) = text.parse::<std::net::SocketAddr>() {
        return Ok(addr);
    }
    if let Ok(ip) = text.trim_start_matches('[').trim_end_matches(']').parse::<std::net::IpAddr>() {
        return Ok(std::net::SocketAddr::new(ip, 53));
    }
    let port = text.rsplit_once(':').map_or(String::new(), |(_, p)| format!(":{p}"));
    Err(format!("expected an IP address, ADDR or ADDR:PORT (like 127.0.0.1{port}); host names are not looked up"))
}

/// `ADDR/LEN`: an address and a prefix length that fits it.
fn parse_subnet(text: &str) -> Result<(std::net::IpAddr, u8), String> {
    let (addr, len) = text.split_once('/').ok_or_else(|| format!("{text:?} is not ADDR/LEN"))?;
    let addr: std::net::IpAddr = addr.parse().map_err(|_| format!("{addr:?} is not an IP address"))?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    match len.parse::<u8>() {
        Ok(len) if len <= max => Ok((addr, len)),
        _ => Err(format!("prefix length {len:?} is not 0 to {max}")),
    }
}
