//! `surplus simulate`: loads a scenario, runs it (once, or over several seeds), and prints the
//! intervals and the summary, or each run's summary and their mean; optionally a chart.

use std::io::Write;

use anyhow::Context;
use serde::Serialize;

use crate::cli::SimulateArgs;
use crate::output::{self, Format, Rows};
use crate::simulate::{self, IntervalRow, Options, Policy, Scenario, Sight, Summary, summary};

/// `--format json` for one run.
#[derive(Serialize)]
struct OneRun<'a> {
    seed: u64,
    open_loop: bool,
    intervals: &'a [IntervalRow],
    summary: &'a Summary,
    buyers: Vec<NamedSummary<'a>>,
    /// With `--bound`: the foresight oracle's summary, the causal oracle's, and the open
    /// loop's, on the same seed.
    #[serde(skip_serializing_if = "Option::is_none")]
    bound: Option<&'a Summary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    causal_bound: Option<&'a Summary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    open_loop_summary: Option<&'a Summary>,
}

#[derive(Serialize)]
struct NamedSummary<'a> {
    name: &'a str,
    summary: &'a Summary,
}

/// `--format json` with `--runs`.
#[derive(Serialize)]
struct ManyRuns<'a> {
    open_loop: bool,
    runs: Vec<SeedSummary>,
    mean: Summary,
    /// With `--bound`: the means of the oracles' and the open loop's runs on the same seeds.
    #[serde(skip_serializing_if = "Option::is_none")]
    bound: Option<&'a Summary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    causal_bound: Option<&'a Summary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    open_loop_mean: Option<&'a Summary>,
}

/// The bounds and the open loop over the same seeds, for `--bound`.
struct Compared {
    bound: Summary,
    causal: Summary,
    open_loop: Summary,
}

impl Compared {
    fn of(scenario: &Scenario, seeds: &[u64]) -> Compared {
        let oracle = |sight| {
            let runs: Vec<Summary> =
                seeds.iter().map(|&s| simulate::bound::bound_run(scenario, s, sight).summary).collect();
            summary::mean(&runs)
        };
        let open: Vec<Summary> = seeds
            .iter()
            .map(|&seed| simulate::run(scenario, &Options { seed, policy: Policy::OpenLoop }).summary)
            .collect();
        Compared { bound: oracle(Sight::Foresight), causal: oracle(Sight::Present), open_loop: summary::mean(&open) }
    }
}

#[derive(Serialize)]
struct SeedSummary {
    seed: u64,
    summary: Summary,
}

/// `surplus simulate`.
pub fn run(args: &SimulateArgs) -> anyhow::Result<()> {
    if let Some(dir) = &args.suite {
        return super::simulate_suite::run(dir, args.seed, args.runs, args.format);
    }
    let scenario = match &args.scenario {
        Some(path) => Scenario::load(path)?,
        None => Scenario::default_scenario(),
    };
    let mut out = std::io::stdout().lock();
    if args.runs > 1 {
        let runs: Vec<SeedSummary> = (0..u64::from(args.runs))
            .map(|k| {
                let seed = args.seed.wrapping_add(k);
                SeedSummary { seed, summary: simulate::run(&scenario, &Options { seed, policy: policy(args) }).summary }
            })
            .collect();
        let mean = summary::mean(&runs.iter().map(|r| r.summary.clone()).collect::<Vec<_>>());
        let seeds: Vec<u64> = runs.iter().map(|r| r.seed).collect();
        let compared = args.bound.then(|| Compared::of(&scenario, &seeds));
        let mut rows = summary_rows();
        for r in &runs {
            push_summary(&mut rows, &r.seed.to_string(), &r.summary);
        }
        push_summary(&mut rows, "mean", &mean);
        if let Some(c) = &compared {
            push_summary(&mut rows, "bound mean", &c.bound);
            push_summary(&mut rows, "causal bound mean", &c.causal);
            push_summary(&mut rows, "open loop mean", &c.open_loop);
        }
        let json = ManyRuns {
            open_loop: args.open_loop,
            runs,
            mean,
            bound: compared.as_ref().map(|c| &c.bound),
            causal_bound: compared.as_ref().map(|c| &c.causal),
            open_loop_mean: compared.as_ref().map(|c| &c.open_loop),
        };
        output::write(&mut out, args.format, &rows, &json)?;
        return Ok(());
    }
    let run = simulate::run(&scenario, &Options { seed: args.seed, policy: policy(args) });
    let compared = args.bound.then(|| Compared::of(&scenario, &[args.seed]));
    if let Some(path) = &args.chart {
        crate::app::chart::draw(
            path,
            &run.intervals,
            &scenario.buyers.iter().map(|b| b.name.as_str()).collect::<Vec<_>>(),
        )
        .with_context(|| format!("cannot write {}", path.display()))?;
    }
    match args.format {
        Format::Json => {
            let buyers = scenario
                .buyers
                .iter()
                .zip(&run.buyers)
                .map(|(b, summary)| NamedSummary { name: &b.name, summary })
                .collect();
            let json = OneRun {
                seed: args.seed,
                open_loop: args.open_loop,
                intervals: &run.intervals,
                summary: &run.summary,
                buyers,
                bound: compared.as_ref().map(|c| &c.bound),
                causal_bound: compared.as_ref().map(|c| &c.causal),
                open_loop_summary: compared.as_ref().map(|c| &c.open_loop),
            };
            output::write_json(&mut out, &json)?;
        }
        Format::Csv => output::write_csv(&mut out, &interval_rows(&run.intervals, 1))?,
        Format::Table => {
            let per_minute = (60 / scenario.interval.secs().clamp(1, 60)) as usize;
            output::write_table(&mut out, &interval_rows(&run.intervals, per_minute))?;
            writeln!(out)?;
            let mut rows = summary_rows();
            push_summary(&mut rows, if args.open_loop { "open loop" } else { "controlled" }, &run.summary);
            if let Some(c) = &compared {
                push_summary(&mut rows, "bound", &c.bound);
                push_summary(&mut rows, "causal bound", &c.causal);
                push_summary(&mut rows, "open loop", &c.open_loop);
            }
            output::write_table(&mut out, &rows)?;
        }
    }
    Ok(())
}

fn policy(args: &SimulateArgs) -> Policy {
    if args.open_loop { Policy::OpenLoop } else { Policy::Controlled }
}

fn interval_rows(intervals: &[IntervalRow], group: usize) -> Rows {
    let mut rows = Rows::new(&[
        "buyer",
        "start",
        "demand rps#",
        "served rps#",
        "purchased rps#",
        "f#",
        "mode",
        "proxy answers#",
        "fallback answers#",
    ]);
    let mut k = 0;
    while k < intervals.len() {
        let first = &intervals[k];
        let chunk: Vec<&IntervalRow> =
            intervals[k..].iter().take(group.max(1)).take_while(|r| r.buyer == first.buyer).collect();
        k += chunk.len();
        let secs: f64 = chunk.iter().map(|r| r.seconds as f64).sum();
        let mean = |get: fn(&IntervalRow) -> f64| chunk.iter().map(|r| get(r) * r.seconds as f64).sum::<f64>() / secs;
        rows.push(vec![
            first.buyer.clone(),
            clock(first.start_s),
            output::rps(mean(|r| r.demand_rps)),
            output::rps(mean(|r| r.served_rps)),
            output::rps(mean(|r| r.purchased_rps)),
            format!("{:.3}", mean(|r| r.f)),
            chunk.last().map_or("", |r| r.mode).to_string(),
            chunk.iter().map(|r| r.proxy_answers).sum::<u64>().to_string(),
            chunk.iter().map(|r| r.fallback_answers).sum::<u64>().to_string(),
        ]);
    }
    rows
}

/// Seconds from the start as `H:MM:SS`.
fn clock(s: i64) -> String {
    format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

fn summary_rows() -> Rows {
    Rows::new(&["run", "above purchase %#", "utilisation %#", "worst interval %#", "settle s (per step)"])
}

fn push_summary(rows: &mut Rows, name: &str, s: &Summary) {
    let settle: Vec<String> = s.settle_s.iter().map(|v| v.map_or("-".to_string(), |v| v.to_string())).collect();
    rows.push(vec![
        name.to_string(),
        format!("{:.2}", s.above_purchase_pct),
        format!("{:.1}", s.utilisation_pct),
        format!("{:.1}", s.worst_interval_pct),
        settle.join(" "),
    ]);
}
