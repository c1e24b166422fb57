//! Parsers for the live statistics proxies publish: request counters per host, and in total.
//! Pure: text in, counters out.
//!
//! - Prometheus text exposition: the series of one metric, summed per value of one label,
//!   keeping only series whose other labels match (nginx-vts-exporter's
//!   `nginx_vts_server_requests_total{host="…",code="total"}`, HAProxy's
//!   `haproxy_frontend_http_requests_total{proxy="…"}`).
//! - nginx Plus API: `/api/N/http/server_zones` (`{"zone": {"requests": N}}`), or a whole
//!   status document with `server_zones` in it.
//! - nginx-module-vts: `/status/format/json`, `serverZones.<host>.requestCounter`.
//! - nginx `stub_status`: the total of handled requests (no hosts).

use std::collections::HashMap;

/// Request counters by host (lower-cased) as a source reports them.
pub type HostCounters = HashMap<String, u64>;

/// Why a stats document could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StatsError {
    #[error("not JSON: {0}")]
    Json(String),
    #[error("no `{0}` in the document")]
    Missing(&'static str),
    #[error("line {0}: not a stub_status page")]
    StubStatus(usize),
}

/// Sums `metric`'s series per value of `label`, keeping series whose labels include `matching`.
pub fn prometheus(text: &str, metric: &str, label: &str, matching: &[(String, String)]) -> HostCounters {
    let mut out = HostCounters::new();
    for (labels, number) in series(text, metric) {
        if !matching.iter().all(|(k, v)| labels.iter().any(|(lk, lv)| lk == k && lv == v)) {
            continue;
        }
        let Some((_, host)) = labels.iter().find(|(k, _)| k == label) else { continue };
        if number.is_finite() && number >= 0.0 {
            *out.entry(host.to_ascii_lowercase()).or_default() += number as u64;
        }
    }
    out
}

/// Every series of `metric` in Prometheus text: its labels and value.
pub fn series(text: &str, metric: &str) -> Vec<(Vec<(String, String)>, f64)> {
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        let Some(rest) = line.strip_prefix(metric) else { continue };
        let (labels, value) = match rest.strip_prefix('{') {
            Some(rest) => match rest.rsplit_once('}') {
                Some((labels, value)) => (parse_labels(labels), value),
                None => continue,
            },
            None if rest.starts_with(' ') => (Vec::new(), rest),
            None => continue,
        };
        // `value [timestamp]`; counters may be written as floats (`1.234e+06`).
        let Some(number) = value.split_whitespace().next().and_then(|v| v.parse::<f64>().ok()) else { continue };
        out.push((labels, number));
    }
    out
}

/// `a="x",b="y\"z"` → pairs, unescaping `\"`, `\\` and `\n`.
fn parse_labels(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        let name: String =
            chars.by_ref().skip_while(|c| *c == ',' || c.is_whitespace()).take_while(|c| *c != '=').collect();
        if name.is_empty() || chars.next() != Some('"') {
            return out;
        }
        let mut value = String::new();
        while let Some(c) = chars.next() {
            match c {
                '"' => break,
                '\\' => match chars.next() {
                    Some('n') => value.push('\n'),
                    Some(other) => value.push(other),
                    None => return out,
                },
                c => value.push(c),
            }
        }
        out.push((name.trim().to_string(), value));
    }
}

/// A label value as Prometheus text writes it: `\\`, `"` and newlines escaped ([`series`]
/// reads them back).
pub fn escape_label(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// nginx Plus server zones: `requests` per zone.
pub fn nginx_plus(text: &str) -> Result<HostCounters, StatsError> {
    let doc: serde_json::Value = serde_json::from_str(text).map_err(|e| StatsError::Json(e.to_string()))?;
    let zones = doc.get("server_zones").unwrap_or(&doc);
    counters(zones, "requests", "server_zones")
}

/// nginx-module-vts: `requestCounter` per server zone.
pub fn nginx_vts(text: &str) -> Result<HostCounters, StatsError> {
    let doc: serde_json::Value = serde_json::from_str(text).map_err(|e| StatsError::Json(e.to_string()))?;
    let zones = doc.get("serverZones").ok_or(StatsError::Missing("serverZones"))?;
    counters(zones, "requestCounter", "serverZones")
}

fn counters(zones: &serde_json::Value, field: &str, what: &'static str) -> Result<HostCounters, StatsError> {
    let zones = zones.as_object().ok_or(StatsError::Missing(what))?;
    Ok(zones.iter().filter_map(|(host, zone)| Some((host.to_ascii_lowercase(), zone.get(field)?.as_u64()?))).collect())
}

/// nginx `stub_status`: the handled-requests total (third number of the third line).
pub fn stub_status(text: &str) -> Result<u64, StatsError> {
    let mut lines = text.lines();
    let header = lines.nth(1).ok_or(StatsError::StubStatus(2))?;
    if !header.contains("requests") {
        return Err(StatsError::StubStatus(2));
    }
    let numbers = lines.next().ok_or(StatsError::StubStatus(3))?;
    numbers.split_whitespace().nth(2).and_then(|n| n.parse().ok()).ok_or(StatsError::StubStatus(3))
}

/// The increase of a counter from `before` to `now`. A counter that went down was reset (the
/// proxy restarted) and counts from zero.
pub fn increase(before: u64, now: u64) -> u64 {
    if now >= before { now - before } else { now }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prometheus_sums_the_chosen_series_per_host() {
        let text = r#"# HELP nginx_vts_server_requests_total The requests counter
# TYPE nginx_vts_server_requests_total counter
nginx_vts_server_requests_total{host="www.shop.example",code="1xx"} 0
nginx_vts_server_requests_total{host="www.shop.example",code="2xx"} 1200
nginx_vts_server_requests_total{host="www.shop.example",code="total"} 1234
nginx_vts_server_requests_total{host="News.Example.org",code="total"} 5.5e+03 1700000000000
nginx_vts_server_requests_total_other{host="www.shop.example",code="total"} 9
nginx_vts_server_bytes_total{host="www.shop.example",direction="in"} 99
"#;
        let total = [("code".to_string(), "total".to_string())];
        let got = prometheus(text, "nginx_vts_server_requests_total", "host", &total);
        assert_eq!(got, HostCounters::from([("www.shop.example".into(), 1234), ("news.example.org".into(), 5500)]));
        // Without the filter every code is added up.
        let all = prometheus(text, "nginx_vts_server_requests_total", "host", &[]);
        assert_eq!(all["www.shop.example"], 2434);
        let escaped = r#"m{proxy="a\"b",x="1"} 3"#;
        assert_eq!(prometheus(escaped, "m", "proxy", &[])["a\"b"], 3);
        let odd = "a\\b\"c\nd";
        let written = format!("m{{proxy=\"{}\"}} 1", escape_label(odd));
        assert_eq!(written, r#"m{proxy="a\\b\"c\nd"} 1"#);
        assert_eq!(prometheus(&written, "m", "proxy", &[])[odd], 1, "what is written reads back");
    }

    #[test]
    fn nginx_json_status() {
        let plus = r#"{"www.shop.example": {"processing": 1, "requests": 42, "responses": {}}, "x": {"requests": 1}}"#;
        assert_eq!(nginx_plus(plus).unwrap()["www.shop.example"], 42);
        let whole = r#"{"version": 8, "server_zones": {"a.example": {"requests": 7}}}"#;
        assert_eq!(nginx_plus(whole).unwrap()["a.example"], 7);
        let vts = r#"{"hostName": "h", "serverZones": {"www.shop.example": {"requestCounter": 9, "inBytes": 1}, "*": {"requestCounter": 10}}}"#;
        assert_eq!(nginx_vts(vts).unwrap()["www.shop.example"], 9);
        assert_eq!(nginx_vts("{}"), Err(StatsError::Missing("serverZones")));
        assert!(matches!(nginx_plus("<html>"), Err(StatsError::Json(_))));
    }

    #[test]
    fn stub_status_and_counter_resets() {
        let page =
            "Active connections: 2 \nserver accepts handled requests\n 16 16 31 \nReading: 0 Writing: 1 Waiting: 1 \n";
        assert_eq!(stub_status(page), Ok(31));
        assert_eq!(stub_status("nope"), Err(StatsError::StubStatus(2)));
        assert_eq!(increase(100, 130), 30);
        assert_eq!(increase(100, 12), 12, "reset: the proxy restarted and counted 12 since");
    }
}
