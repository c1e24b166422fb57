//! The JSON Prometheus answers with, as serde types, and what a well-formed answer must hold
//! for us: a vector or matrix of finite numbers, with no warnings (a warning means a partial
//! answer, and a partial count of requests is a wrong one).

use std::collections::BTreeMap;

use serde::Deserialize;

/// A series' labels.
pub type Labels = BTreeMap<String, String>;

/// One series and its points, `(unix seconds, value)` in time order.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub labels: Labels,
    pub points: Vec<(i64, f64)>,
}

impl Series {
    /// `{a="x", b="y"}`, as Prometheus writes a series.
    pub fn describe(&self) -> String {
        describe(&self.labels)
    }
}

/// `{a="x", b="y"}`.
pub fn describe(labels: &Labels) -> String {
    let inner: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v:?}")).collect();
    format!("{{{}}}", inner.join(", "))
}

/// Why a query gave no usable answer. Each reads as one line after the server's URL.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PrometheusError {
    #[error("cannot reach the server: {0}")]
    Unreachable(String),
    #[error("HTTP {status}: {body}")]
    Http { status: u16, body: String },
    #[error("not a Prometheus API answer: {0}")]
    NotJson(String),
    /// Prometheus's own error: its type (`bad_data`, `timeout`, …) and text.
    #[error("the server refused the query ({kind}): {text}")]
    Refused { kind: String, text: String },
    #[error("partial answer, the server warned: {0}")]
    Warnings(String),
    #[error("the query gives a {0}, not one series per host or proxy (an instant vector)")]
    NotVector(String),
    #[error("series {series} at {time}: {value} is not a number of requests")]
    NotFinite { series: String, time: String, value: String },
}

#[derive(Deserialize)]
struct Envelope {
    status: String,
    #[serde(default)]
    data: Option<serde_json::Value>,
    #[serde(default, rename = "errorType")]
    error_type: Option<String>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    warnings: Vec<String>,
}

#[derive(Deserialize)]
#[serde(tag = "resultType", content = "result", rename_all = "lowercase")]
enum Data {
    Matrix(Vec<MatrixSeries>),
    Vector(Vec<VectorSample>),
    Scalar(serde::de::IgnoredAny),
    String(serde::de::IgnoredAny),
}

#[derive(Deserialize)]
struct MatrixSeries {
    metric: Labels,
    #[serde(default)]
    values: Vec<(f64, String)>,
}

#[derive(Deserialize)]
struct VectorSample {
    metric: Labels,
    value: (f64, String),
}

/// Decodes an answer of either endpoint into series (a vector's sample is a one-point series).
pub fn decode(body: &str) -> Result<Vec<Series>, PrometheusError> {
    let envelope: Envelope =
        serde_json::from_str(body).map_err(|e| PrometheusError::NotJson(one_line(&e.to_string())))?;
    if envelope.status != "success" {
        return Err(PrometheusError::Refused {
            kind: envelope.error_type.unwrap_or_else(|| "error".into()),
            text: one_line(envelope.error.as_deref().unwrap_or("no error text")),
        });
    }
    if !envelope.warnings.is_empty() {
        return Err(PrometheusError::Warnings(one_line(&envelope.warnings.join("; "))));
    }
    let data = envelope.data.ok_or_else(|| PrometheusError::NotJson("no `data`".into()))?;
    let data: Data = serde_json::from_value(data).map_err(|e| PrometheusError::NotJson(one_line(&e.to_string())))?;
    match data {
        Data::Matrix(series) => series.into_iter().map(|s| series_of(s.metric, s.values)).collect(),
        Data::Vector(samples) => samples.into_iter().map(|s| series_of(s.metric, vec![s.value])).collect(),
        Data::Scalar(_) => Err(PrometheusError::NotVector("scalar".into())),
        Data::String(_) => Err(PrometheusError::NotVector("string".into())),
    }
}

fn series_of(labels: Labels, values: Vec<(f64, String)>) -> Result<Series, PrometheusError> {
    let mut points = Vec::with_capacity(values.len());
    for (time, text) in values {
        let value = text.parse::<f64>().ok().filter(|v| v.is_finite() && *v >= 0.0);
        let Some(value) = value else {
            return Err(PrometheusError::NotFinite {
                series: describe(&labels),
                time: crate::core::window::format_instant(time.round() as i64),
                value: text,
            });
        };
        points.push((time.round() as i64, value));
    }
    Ok(Series { labels, points })
}

/// Error texts on one line (Prometheus's parse errors can hold newlines).
pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_matrix_and_a_vector_decode_into_series() {
        let matrix = r#"{"status":"success","data":{"resultType":"matrix","result":[
            {"metric":{"instance":"edge-1"},"values":[[1700000000,"1.5"],[1700000015.000,"3"]]}]}}"#;
        let series = decode(matrix).unwrap();
        assert_eq!(series[0].points, [(1_700_000_000, 1.5), (1_700_000_015, 3.0)]);
        assert_eq!(series[0].describe(), r#"{instance="edge-1"}"#);
        let vector = r#"{"status":"success","data":{"resultType":"vector","result":[
            {"metric":{"host":"www.shop.example"},"value":[1700000000.123,"42"]}]}}"#;
        assert_eq!(decode(vector).unwrap()[0].points, [(1_700_000_000, 42.0)]);
    }

    #[test]
    fn what_cannot_be_counted_is_refused() {
        let err = |body: &str| decode(body).unwrap_err().to_string();
        assert_eq!(
            err(r#"{"status":"error","errorType":"bad_data","error":"1:5: parse error:\n unexpected"}"#),
            "the server refused the query (bad_data): 1:5: parse error: unexpected"
        );
        assert!(err(r#"{"status":"success","data":{"resultType":"scalar","result":[1,"2"]}}"#).contains("a scalar"));
        for bad in ["NaN", "+Inf", "-Inf", "-1"] {
            let body = format!(
                r#"{{"status":"success","data":{{"resultType":"vector","result":[{{"metric":{{}},"value":[0,"{bad}"]}}]}}}}"#
            );
            assert_eq!(err(&body), format!("series {{}} at 1970-01-01T00:00:00Z: {bad} is not a number of requests"));
        }
        let partial =
            r#"{"status":"success","warnings":["remote read failed"],"data":{"resultType":"vector","result":[]}}"#;
        assert_eq!(err(partial), "partial answer, the server warned: remote read failed");
        assert!(err("<html>").starts_with("not a Prometheus API answer"));
    }
}
