//! `surplus simulate --suite DIR`: every scenario in a directory over several seeds, each run
//! by the controller, the foresight and the causal oracle ([`crate::simulate::bound`]) and the
//! open loop on the same seeds, on every core; one row per scenario.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{Context, bail};
use serde::Serialize;

use crate::output::{self, Format, Rows};
use crate::simulate::summary::{self, Summary};
use crate::simulate::{self, Options, Policy, Scenario, Sight, bound};

/// The window the worst interval is reported over, seconds.
pub const WORST_WINDOW_SECS: i64 = 5;

/// One scenario's means over the seeds.
#[derive(Serialize)]
pub struct SuiteRow {
    pub scenario: String,
    pub controller: Summary,
    pub bound: Summary,
    pub causal_bound: Summary,
    pub open_loop: Summary,
    /// The worst 5 s window of the controller's runs (mean over seeds), percent above.
    pub worst_5s_pct: f64,
    pub bound_worst_5s_pct: f64,
    pub causal_bound_worst_5s_pct: f64,
}

/// One scenario at one seed.
struct Outcome {
    controller: Summary,
    bound: Summary,
    causal: Summary,
    open_loop: Summary,
    worst: f64,
    bound_worst: f64,
    causal_worst: f64,
}

/// The scenarios of `dir` (`*.yaml`, by name).
pub fn load(dir: &Path) -> anyhow::Result<Vec<(String, Scenario)>> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("--suite {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    paths.sort();
    if paths.is_empty() {
        bail!("--suite {}: no *.yaml scenarios in it", dir.display());
    }
    paths
        .iter()
        .map(|p| {
            let name = p.file_stem().map_or_else(String::new, |s| s.to_string_lossy().into_owned());
            Ok((name, Scenario::load(p)?))
        })
        .collect()
}

/// Runs every scenario at seeds `seed..seed + runs`, on every core.
pub fn run_suite(scenarios: &[(String, Scenario)], seed: u64, runs: u32) -> Vec<SuiteRow> {
    let jobs: Vec<(usize, u64)> =
        (0..scenarios.len()).flat_map(|s| (0..u64::from(runs)).map(move |k| (s, seed.wrapping_add(k)))).collect();
    let outcomes: Vec<Mutex<Option<Outcome>>> = jobs.iter().map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).min(jobs.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(&(s, seed)) = jobs.get(i) else { return };
                    let outcome = one(&scenarios[s].1, seed);
                    *outcomes[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(outcome);
                }
            });
        }
    });
    let outcomes: Vec<Outcome> = outcomes
        .into_iter()
        .map(|o| o.into_inner().unwrap_or_else(|e| e.into_inner()).expect("every job ran"))
        .collect();
    scenarios
        .iter()
        .enumerate()
        .map(|(s, (name, _))| {
            let mine: Vec<&Outcome> = jobs.iter().zip(&outcomes).filter(|(j, _)| j.0 == s).map(|(_, o)| o).collect();
            let n = mine.len().max(1) as f64;
            let mean_of =
                |get: fn(&Outcome) -> &Summary| summary::mean(&mine.iter().map(|o| get(o).clone()).collect::<Vec<_>>());
            SuiteRow {
                scenario: name.clone(),
                controller: mean_of(|o| &o.controller),
                bound: mean_of(|o| &o.bound),
                causal_bound: mean_of(|o| &o.causal),
                open_loop: mean_of(|o| &o.open_loop),
                worst_5s_pct: mine.iter().map(|o| o.worst).sum::<f64>() / n,
                bound_worst_5s_pct: mine.iter().map(|o| o.bound_worst).sum::<f64>() / n,
                causal_bound_worst_5s_pct: mine.iter().map(|o| o.causal_worst).sum::<f64>() / n,
            }
        })
        .collect()
}

fn one(scenario: &Scenario, seed: u64) -> Outcome {
    let controlled = simulate::run(scenario, &Options { seed, policy: Policy::Controlled });
    let open = simulate::run(scenario, &Options { seed, policy: Policy::OpenLoop });
    let oracle = bound::bound_run(scenario, seed, Sight::Foresight);
    let causal = bound::bound_run(scenario, seed, Sight::Present);
    Outcome {
        worst: summary::worst_window_pct(&controlled.intervals, WORST_WINDOW_SECS),
        bound_worst: summary::worst_window_pct(&oracle.intervals, WORST_WINDOW_SECS),
        causal_worst: summary::worst_window_pct(&causal.intervals, WORST_WINDOW_SECS),
        controller: controlled.summary,
        bound: oracle.summary,
        causal: causal.summary,
        open_loop: open.summary,
    }
}

/// The suite's table (the README keeps it as printed).
pub fn rows(suite: &[SuiteRow]) -> Rows {
    let mut rows = Rows::new(&[
        "scenario",
        "above %#",
        "util %#",
        "bound above %#",
        "bound util %#",
        "causal above %#",
        "causal util %#",
        "open loop above %#",
        "open loop util %#",
        "worst 5 s %#",
        "bound worst 5 s %#",
        "causal worst 5 s %#",
    ]);
    for r in suite {
        rows.push(vec![
            r.scenario.clone(),
            format!("{:.2}", r.controller.above_purchase_pct),
            format!("{:.1}", r.controller.utilisation_pct),
            format!("{:.2}", r.bound.above_purchase_pct),
            format!("{:.1}", r.bound.utilisation_pct),
            format!("{:.2}", r.causal_bound.above_purchase_pct),
            format!("{:.1}", r.causal_bound.utilisation_pct),
            format!("{:.2}", r.open_loop.above_purchase_pct),
            format!("{:.1}", r.open_loop.utilisation_pct),
            format!("{:.1}", r.worst_5s_pct),
            format!("{:.1}", r.bound_worst_5s_pct),
            format!("{:.1}", r.causal_bound_worst_5s_pct),
        ]);
    }
    rows
}

/// `simulate --suite DIR`.
pub fn run(dir: &Path, seed: u64, runs: u32, format: Format) -> anyhow::Result<()> {
    let scenarios = load(dir)?;
    let suite = run_suite(&scenarios, seed, runs);
    output::write(&mut std::io::stdout().lock(), format, &rows(&suite), &suite)?;
    Ok(())
}
