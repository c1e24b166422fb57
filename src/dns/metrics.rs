//! The Prometheus text endpoint of `dns serve`: answers by buyer and kind, each buyer's
//! fraction and control state, each proxy's health and monitor, and the answer-latency histogram.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use super::control_board::ControlBoard;
use super::counters::LATENCY_BUCKETS_US;
use super::generation::Generation;
use super::serving::Serving;
use crate::monitor::stats_text;

/// The exposition text (format 0.0.4) of generation `g`. Counters start again from zero after
/// a reload; Prometheus's `rate()` takes that as a counter reset.
pub fn render(g: &Generation, board: &ControlBoard) -> String {
    let t = g.registry.totals();
    let live = &g.live;
    let buyers: Vec<&str> = g.config.buyers.iter().map(|b| b.name.as_str()).collect();
    let proxies: Vec<&str> = g.config.proxies.iter().map(|p| p.name.as_str()).collect();
    let mut out = String::new();
    let _ = writeln!(out, "# HELP surplus_dns_answers_total DNS answers, by buyer and kind.");
    let _ = writeln!(out, "# TYPE surplus_dns_answers_total counter");
    for (name, [proxy, fallback]) in buyers.iter().zip(&t.buyers) {
        let _ = writeln!(out, "surplus_dns_answers_total{{buyer=\"{name}\",kind=\"proxy\"}} {proxy}");
        let _ = writeln!(out, "surplus_dns_answers_total{{buyer=\"{name}\",kind=\"fallback\"}} {fallback}");
    }
    let _ = writeln!(
        out,
        "# HELP surplus_dns_other_answers_total Answers for other names (zone data, NXDOMAIN, REFUSED, errors)."
    );
    let _ = writeln!(out, "# TYPE surplus_dns_other_answers_total counter");
    let _ = writeln!(out, "surplus_dns_other_answers_total {}", t.other);
    let _ = writeln!(out, "# HELP surplus_dns_dropped_total Packets not answered (responses, runts).");
    let _ = writeln!(out, "# TYPE surplus_dns_dropped_total counter");
    let _ = writeln!(out, "surplus_dns_dropped_total {}", t.dropped);
    let _ = writeln!(
        out,
        "# HELP surplus_dns_rate_limited_total UDP responses over a client subnet's dns.rate_limit (dropped or truncated)."
    );
    let _ = writeln!(out, "# TYPE surplus_dns_rate_limited_total counter");
    let _ = writeln!(out, "surplus_dns_rate_limited_total {}", t.rate_limited);
    let _ = writeln!(out, "# HELP surplus_dns_fraction Fraction of a buyer's answers given to proxies.");
    let _ = writeln!(out, "# TYPE surplus_dns_fraction gauge");
    for (i, name) in buyers.iter().enumerate() {
        let _ = writeln!(out, "surplus_dns_fraction{{buyer=\"{name}\"}} {}", live.fraction(i));
    }
    let _ = writeln!(out, "# HELP surplus_proxy_healthy Whether a proxy passes its health check.");
    let _ = writeln!(out, "# TYPE surplus_proxy_healthy gauge");
    for (name, h) in proxies.iter().zip(&live.healthy) {
        let _ = writeln!(out, "surplus_proxy_healthy{{proxy=\"{name}\"}} {}", u8::from(h.load(Ordering::Relaxed)));
    }
    render_control(&mut out, board);
    let _ = writeln!(out, "# HELP surplus_dns_answer_seconds Time to answer a packet.");
    let _ = writeln!(out, "# TYPE surplus_dns_answer_seconds histogram");
    let mut cumulative = 0;
    for (i, count) in t.latency.iter().enumerate() {
        cumulative += count;
        let le = LATENCY_BUCKETS_US.get(i).map_or("+Inf".to_string(), |us| format!("{}", *us as f64 / 1e6));
        let _ = writeln!(out, "surplus_dns_answer_seconds_bucket{{le=\"{le}\"}} {cumulative}");
    }
    let _ = writeln!(out, "surplus_dns_answer_seconds_sum {}", t.latency_ns as f64 / 1e9);
    let _ = writeln!(out, "surplus_dns_answer_seconds_count {cumulative}");
    out
}

/// A per-buyer gauge: name, help, value.
type Gauge = (&'static str, &'static str, fn(&super::control_board::BuyerStatus) -> Option<f64>);

/// The controller's state: per buyer purchased, served and target rps and the mode; per proxy
/// whether its monitor source reads.
fn render_control(out: &mut String, board: &ControlBoard) {
    let gauges: [Gauge; 6] = [
        (
            "surplus_control_purchased_rps",
            "Capacity a buyer is held to now (guaranteed + best-effort cap), rps.",
            |b| Some(b.purchased_rps),
        ),
        (
            "surplus_control_best_effort_rps",
            "A best-effort buyer's share of the proxies' free capacity now, rps.",
            |b| b.best_effort_rps,
        ),
        ("surplus_control_served_rps", "Requests per second the proxies served for a buyer last interval.", |b| {
            b.served_rps
        }),
        ("surplus_control_target_rps", "Served rps the controller aims at.", |b| Some(b.target_rps)),
        (
            "surplus_control_excluded_share",
            "Share of a buyer's clients kept on its fallback because their resolver is too big for its purchase.",
            |b| Some(b.excluded),
        ),
        ("surplus_control_ceiling", "The fraction raises stop under while a lump is remembered.", |b| b.ceiling),
    ];
    for (name, help, get) in gauges {
        let _ = writeln!(out, "# HELP {name} {help}");
        let _ = writeln!(out, "# TYPE {name} gauge");
        for b in &board.buyers {
            if let Some(v) = get(b) {
                let _ = writeln!(out, "{name}{{buyer=\"{}\"}} {v}", b.name);
            }
        }
    }
    let _ = writeln!(out, "# HELP surplus_control_mode The controller's mode per buyer (1 for the current one).");
    let _ = writeln!(out, "# TYPE surplus_control_mode gauge");
    for b in &board.buyers {
        let _ = writeln!(
            out,
            "surplus_control_mode{{buyer=\"{}\",mode=\"{}\",monitor=\"{}\"}} 1",
            b.name, b.mode, b.monitor
        );
    }
    if let Some(load) = board.load_rps {
        let _ = writeln!(out, "# HELP surplus_monitor_load_rps Requests per second all proxies served last interval.");
        let _ = writeln!(out, "# TYPE surplus_monitor_load_rps gauge");
        let _ = writeln!(out, "surplus_monitor_load_rps {load}");
    }
    let _ = writeln!(out, "# HELP surplus_monitor_up Whether a proxy's monitor source was read at the last interval.");
    let _ = writeln!(out, "# TYPE surplus_monitor_up gauge");
    for s in &board.sources {
        let up = u8::from(s.up());
        let source = stats_text::escape_label(s.describe());
        let _ = writeln!(out, "surplus_monitor_up{{proxy=\"{}\",source=\"{source}\"}} {up}", s.proxy);
    }
}

/// Serves `/metrics` on `addr` in a thread of its own; returns the bound address.
pub fn serve(addr: SocketAddr, serving: Arc<Serving>) -> std::io::Result<SocketAddr> {
    crate::metrics_endpoint::serve(addr, move || {
        let board = serving.board.lock().unwrap_or_else(|e| e.into_inner()).clone();
        Ok(render(&serving.current().1, &board))
    })
}
