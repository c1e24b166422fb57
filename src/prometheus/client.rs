//! Requests to a Prometheus server: one instant query, or a range query split into requests of
//! at most [`POINTS_PER_REQUEST`] points per series (the server refuses more than 11,000) and
//! fetched [`IN_FLIGHT`] at a time, then joined back into one series per label set.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use super::response::{self, Labels, PrometheusError, Series};

/// Points per series in one range request: under Prometheus's limit of 11,000.
pub const POINTS_PER_REQUEST: i64 = 10_000;

/// Range requests in flight at once: enough to hide each request's round trip, few enough
/// not to load the server operators also use for their dashboards.
pub const IN_FLIGHT: usize = 4;

/// One request's answer.
type Answer = Result<Vec<Series>, PrometheusError>;

/// A Prometheus server's API.
#[derive(Clone)]
pub struct Prometheus {
    agent: ureq::Agent,
    /// The server's URL without a trailing `/`.
    url: String,
    /// `Authorization: Bearer …`, from the token file.
    authorization: Option<String>,
}

impl Prometheus {
    /// The server at `url` (`http://…` or `https://…`, TLS through rustls with the system's
    /// root certificates), with the bearer token in `token_file` if given; each request may
    /// take `timeout`.
    pub fn new(url: &str, token_file: Option<&Path>, timeout: Duration) -> Result<Prometheus, String> {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(format!("{url}: expected an http:// or https:// URL"));
        }
        let authorization = match token_file {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
                let token = text.trim();
                if token.is_empty() {
                    return Err(format!("{}: the bearer token file is empty", path.display()));
                }
                Some(format!("Bearer {token}"))
            }
            None => None,
        };
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            // Prometheus explains a refused query in the body of its 400 or 422.
            .http_status_as_error(false)
            .tls_config(tls_config())
            .build();
        Ok(Prometheus { agent: config.new_agent(), url: url.trim_end_matches('/').to_string(), authorization })
    }

    /// The server's URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// `query` evaluated now: one point per series.
    pub fn instant(&self, query: &str) -> Result<Vec<Series>, PrometheusError> {
        self.get("/api/v1/query", &[("query", query.to_string())])
    }

    /// `query` at `start, start + step, …, end` in one request.
    pub fn range(&self, query: &str, start: i64, end: i64, step: u32) -> Result<Vec<Series>, PrometheusError> {
        let params = [
            ("query", query.to_string()),
            ("start", start.to_string()),
            ("end", end.to_string()),
            ("step", step.to_string()),
        ];
        self.get("/api/v1/query_range", &params)
    }

    /// `query` at `start, start + step, …, end`, in as many requests as the points need;
    /// returns the series and the number of requests made.
    pub fn range_split(
        &self,
        query: &str,
        start: i64,
        end: i64,
        step: u32,
    ) -> Result<(Vec<Series>, usize), PrometheusError> {
        let chunks = range_chunks(start, end, step);
        let results: Vec<std::sync::Mutex<Option<Answer>>> =
            chunks.iter().map(|_| std::sync::Mutex::new(None)).collect();
        let next = Arc::new(AtomicUsize::new(0));
        std::thread::scope(|scope| {
            for _ in 0..IN_FLIGHT.min(chunks.len()) {
                let (next, chunks, results) = (Arc::clone(&next), &chunks, &results);
                scope.spawn(move || {
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(&(from, to)) = chunks.get(i) else { return };
                        let result = self.range(query, from, to, step);
                        let failed = result.is_err();
                        *results[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(result);
                        if failed {
                            // The answer is an error whatever the rest say: stop asking.
                            next.store(chunks.len(), Ordering::Relaxed);
                        }
                    }
                });
            }
        });
        let mut joined: BTreeMap<Labels, Vec<(i64, f64)>> = BTreeMap::new();
        for result in results {
            let Some(result) = result.into_inner().unwrap_or_else(|e| e.into_inner()) else { continue };
            for series in result? {
                joined.entry(series.labels).or_default().extend(series.points);
            }
        }
        let series = joined.into_iter().map(|(labels, points)| Series { labels, points }).collect();
        Ok((series, chunks.len()))
    }

    fn get(&self, path: &str, params: &[(&str, String)]) -> Result<Vec<Series>, PrometheusError> {
        let mut request = self.agent.get(format!("{}{path}", self.url));
        for (key, value) in params {
            request = request.query(*key, value);
        }
        if let Some(authorization) = &self.authorization {
            request = request.header("Authorization", authorization);
        }
        let mut answer =
            request.call().map_err(|e| PrometheusError::Unreachable(response::one_line(&e.to_string())))?;
        let status = answer.status().as_u16();
        let body = answer
            .body_mut()
            .with_config()
            .limit(512 * 1024 * 1024)
            .read_to_string()
            .map_err(|e| PrometheusError::Unreachable(response::one_line(&e.to_string())))?;
        match response::decode(&body) {
            // Prometheus's own error is the clearest line, whatever the status.
            Err(PrometheusError::NotJson(_)) if status != 200 => {
                Err(PrometheusError::Http { status, body: response::one_line(&body).chars().take(200).collect() })
            }
            other => other,
        }
    }
}

/// `[start, end]` at `step` cut into ranges of at most [`POINTS_PER_REQUEST`] points each, on
/// the same grid.
pub fn range_chunks(start: i64, end: i64, step: u32) -> Vec<(i64, i64)> {
    let step = i64::from(step.max(1));
    let span = (POINTS_PER_REQUEST - 1) * step;
    let mut chunks = Vec::new();
    let mut from = start;
    while from <= end {
        let to = (from + span).min(end);
        chunks.push((from, to));
        from = to + step;
    }
    chunks
}

/// rustls with ring (already in the tree for PostgreSQL) and the system's root certificates,
/// which is where an operator's internal CA is.
fn tls_config() -> ureq::tls::TlsConfig {
    let roots: Vec<ureq::tls::Certificate<'static>> = rustls_native_certs::load_native_certs()
        .certs
        .iter()
        .map(|c| ureq::tls::Certificate::from_der(c.as_ref()).to_owned())
        .collect();
    ureq::tls::TlsConfig::builder()
        .provider(ureq::tls::TlsProvider::Rustls)
        .root_certs(ureq::tls::RootCerts::new_with_certs(&roots))
        .unversioned_rustls_crypto_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_range_is_cut_on_its_grid_under_the_points_limit() {
        // 30 days at 15 s: 172,801 points, 18 requests.
        let end = 30 * 86_400;
        let chunks = range_chunks(0, end, 15);
        assert_eq!(chunks.len(), 18);
        assert_eq!(chunks[0], (0, 9_999 * 15));
        assert_eq!(chunks[1].0, 10_000 * 15);
        assert_eq!(chunks.last().unwrap().1, end);
        let points: i64 = chunks.iter().map(|(a, b)| (b - a) / 15 + 1).sum();
        assert_eq!(points, end / 15 + 1);
        assert!(chunks.iter().all(|(a, b)| (b - a) / 15 < POINTS_PER_REQUEST));
        assert_eq!(range_chunks(10, 10, 60), [(10, 10)]);
    }

    #[test]
    fn a_url_must_be_http() {
        let err = Prometheus::new("prometheus:9090", None, Duration::from_secs(1)).err().unwrap();
        assert_eq!(err, "prometheus:9090: expected an http:// or https:// URL");
    }
}
