//! The access-log formats surplus reads, their names, and format detection.

use std::fmt;
use std::str::FromStr;

use serde::Deserialize;

use super::timestamp::TimeCache;
use super::{LineError, LogRecord, clf, json_lines, squid};

/// Field names of a JSON-lines log.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct JsonFields {
    /// The time field (`$time_iso8601`, `$time_local` or `$msec`); default `time`.
    pub time: String,
    /// The virtual host field; default `host`.
    pub host: String,
    /// The response size field; default `body_bytes_sent`.
    pub bytes: String,
}

impl Default for JsonFields {
    fn default() -> JsonFields {
        JsonFields { time: "time".into(), host: "host".into(), bytes: "body_bytes_sent".into() }
    }
}

impl FromStr for JsonFields {
    type Err = String;

    /// Parses `time=ts,host=vhost,bytes=size` (any subset; the rest keep their defaults).
    fn from_str(text: &str) -> Result<JsonFields, String> {
        let mut fields = JsonFields::default();
        for pair in text.split(',').filter(|p| !p.trim().is_empty()) {
            let (key, value) = pair.split_once('=').ok_or_else(|| format!("`{pair}` is not KEY=FIELD"))?;
            let value = value.trim().to_string();
            match key.trim() {
                "time" => fields.time = value,
                "host" => fields.host = value,
                "bytes" => fields.bytes = value,
                other => return Err(format!("unknown JSON field key `{other}` (expected time, host or bytes)")),
            }
        }
        Ok(fields)
    }
}

/// An access-log format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogFormat {
    /// NCSA Common Log Format.
    Common,
    /// Common plus `"referer" "user-agent"` (nginx and Apache default).
    Combined,
    /// `host:port` followed by combined (Apache's vhost_combined).
    VhostCombined,
    /// Combined with `"$host"` after the user agent.
    CombinedHost,
    /// Squid's native access.log.
    Squid,
    /// One JSON object per line (nginx `escape=json`).
    Json(JsonFields),
}

/// The format names accepted by `--log-format` and `log.format`, in help order.
pub const FORMAT_NAMES: [&str; 6] = ["combined", "common", "vhost_combined", "combined_host", "squid", "json"];

/// An unknown format name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown log format `{0}` (known: auto, combined, common, vhost_combined, combined_host, squid, json)")]
pub struct UnknownFormat(pub String);

impl LogFormat {
    /// The format called `name`, JSON using `fields`.
    pub fn from_name(name: &str, fields: &JsonFields) -> Result<LogFormat, UnknownFormat> {
        Ok(match name {
            "common" => LogFormat::Common,
            "combined" => LogFormat::Combined,
            "vhost_combined" => LogFormat::VhostCombined,
            "combined_host" => LogFormat::CombinedHost,
            "squid" => LogFormat::Squid,
            "json" => LogFormat::Json(fields.clone()),
            other => return Err(UnknownFormat(other.to_string())),
        })
    }

    /// Whether its lines name the virtual host (what the monitor counts buyers by).
    pub fn has_host(&self) -> bool {
        matches!(self, LogFormat::VhostCombined | LogFormat::CombinedHost | LogFormat::Squid | LogFormat::Json(_))
    }

    /// The name, as written in config and flags.
    pub fn name(&self) -> &'static str {
        match self {
            LogFormat::Common => "common",
            LogFormat::Combined => "combined",
            LogFormat::VhostCombined => "vhost_combined",
            LogFormat::CombinedHost => "combined_host",
            LogFormat::Squid => "squid",
            LogFormat::Json(_) => "json",
        }
    }

    /// The format that parses most of `lines` (at least half of the non-empty ones), if any.
    ///
    /// The formats are mutually exclusive on well-formed lines but one: `combined` also reads
    /// `combined_host` lines (it ignores what follows the user agent), so on a tie the format
    /// that has the host wins.
    pub fn detect<'a>(lines: impl Iterator<Item = &'a [u8]> + Clone, fields: &JsonFields) -> Option<LogFormat> {
        let total = lines.clone().filter(|l| !l.is_empty()).count();
        FORMAT_NAMES
            .iter()
            .map(|name| LogFormat::from_name(name, fields).expect("known name"))
            .map(|format| {
                let mut parser = LineParser::new(format.clone());
                let ok = lines.clone().filter(|l| parser.parse(l).is_ok()).count();
                (ok, format)
            })
            .filter(|(ok, _)| *ok > 0 && *ok * 2 >= total)
            .max_by_key(|(ok, format)| (*ok, format.has_host(), std::cmp::Reverse(format.name())))
            .map(|(_, format)| format)
    }
}

impl fmt::Display for LogFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// 9999-12-31T23:59:59Z, the last time a log line may carry.
const MAX_TIME: i64 = 253_402_300_799;

/// A format with its per-thread parsing state.
#[derive(Debug, Clone)]
pub struct LineParser {
    format: LogFormat,
    cache: TimeCache,
}

impl LineParser {
    /// A parser for `format`.
    pub fn new(format: LogFormat) -> LineParser {
        LineParser { format, cache: TimeCache::new() }
    }

    /// Parses one line, without its line ending (a trailing `\r` is ignored).
    #[inline]
    pub fn parse<'a>(&mut self, line: &'a [u8]) -> Result<LogRecord<'a>, LineError> {
        let record = self.parse_any_time(line)?;
        // Times before 1970 or after 9999 are not real requests; refusing them here keeps
        // every later time computation far from overflow.
        if !(0..=MAX_TIME).contains(&record.time) {
            return Err(LineError::BadTime);
        }
        Ok(record)
    }

    #[inline]
    fn parse_any_time<'a>(&mut self, line: &'a [u8]) -> Result<LogRecord<'a>, LineError> {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        match &self.format {
            LogFormat::Common => clf::parse(line, clf::Variant::Common, &mut self.cache),
            LogFormat::Combined => clf::parse(line, clf::Variant::Combined, &mut self.cache),
            LogFormat::VhostCombined => clf::parse(line, clf::Variant::VhostCombined, &mut self.cache),
            LogFormat::CombinedHost => clf::parse(line, clf::Variant::CombinedHost, &mut self.cache),
            LogFormat::Squid => squid::parse(line),
            LogFormat::Json(fields) => json_lines::parse(line, fields, &mut self.cache),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const COMBINED: &str = r#"10.0.0.1 - - [24/Nov/2025:00:00:01 +0000] "GET / HTTP/1.1" 200 5 "-" "ua""#;

    fn detect(lines: &[&str]) -> Option<&'static str> {
        let bytes: Vec<&[u8]> = lines.iter().map(|l| l.as_bytes()).collect();
        LogFormat::detect(bytes.iter().copied(), &JsonFields::default()).map(|f| f.name())
    }

    #[test]
    fn detects_each_format() {
        let common = r#"10.0.0.1 - - [24/Nov/2025:00:00:01 +0000] "GET / HTTP/1.1" 200 5"#;
        let vhost = format!("a.example:80 {COMBINED}");
        let squid = "1286536308.779 180 1.2.3.4 TCP_MISS/200 411 GET http://a/ - HIER_DIRECT/1.2.3.4 text/html";
        let json = r#"{"time":"2025-11-24T00:00:01Z"}"#;
        let with_host = format!("{COMBINED} \"a.example\"");
        assert_eq!(detect(&[COMBINED, COMBINED, "junk"]), Some("combined"));
        assert_eq!(detect(&[common]), Some("common"));
        assert_eq!(detect(&[&vhost]), Some("vhost_combined"));
        assert_eq!(detect(&[squid]), Some("squid"));
        assert_eq!(
            detect(&[&with_host, &with_host]),
            Some("combined_host"),
            "combined reads it too: a tie goes to the host"
        );
        assert_eq!(detect(&[&with_host, COMBINED, COMBINED]), Some("combined"));
        assert_eq!(detect(&[json, ""]), Some("json"));
        assert_eq!(detect(&["junk", "junk", COMBINED]), None);
        assert_eq!(detect(&[]), None);
    }

    #[test]
    fn names_round_trip() {
        for name in FORMAT_NAMES {
            assert_eq!(LogFormat::from_name(name, &JsonFields::default()).unwrap().name(), name);
        }
        assert_eq!(
            LogFormat::from_name("apache", &JsonFields::default()).unwrap_err().to_string(),
            "unknown log format `apache` (known: auto, combined, common, vhost_combined, combined_host, squid, json)"
        );
    }

    #[test]
    fn json_fields_from_flag() {
        let f: JsonFields = "time=ts, host=vhost".parse().unwrap();
        assert_eq!((f.time.as_str(), f.host.as_str(), f.bytes.as_str()), ("ts", "vhost", "body_bytes_sent"));
        assert!("when=ts".parse::<JsonFields>().is_err());
        assert!("ts".parse::<JsonFields>().is_err());
    }

    proptest::proptest! {
        /// Whatever the bytes, every parser answers (a record or a reason) and never panics.
        #[test]
        fn parsers_never_panic(junk in proptest::collection::vec(proptest::num::u8::ANY, 0..300), cut in 0usize..200, byte in proptest::num::u8::ANY) {
            let mut real = format!("a.example:80 {COMBINED}").into_bytes();
            let at = cut.min(real.len() - 1);
            real[at] = byte;
            real.truncate(real.len() - cut / 4);
            for name in FORMAT_NAMES {
                let mut p = LineParser::new(LogFormat::from_name(name, &JsonFields::default()).unwrap());
                let _ = p.parse(&junk);
                let _ = p.parse(&real);
            }
        }
    }

    #[test]
    fn absurd_times_are_malformed() {
        let mut p = LineParser::new(LogFormat::Json(JsonFields::default()));
        assert_eq!(p.parse(br#"{"time":9.2e18}"#), Err(LineError::BadTime));
        assert_eq!(p.parse(br#"{"time":"1969-12-31T23:59:59Z"}"#), Err(LineError::BadTime));
        let mut p = LineParser::new(LogFormat::Squid);
        assert_eq!(
            p.parse(b"999999999999.1 1 ::1 TCP_MISS/200 1 GET http://a/ - HIER_NONE/- -").unwrap_err(),
            LineError::BadTime
        );
    }

    #[test]
    fn crlf_line_endings() {
        let mut p = LineParser::new(LogFormat::Combined);
        assert!(p.parse(format!("{COMBINED}\r").as_bytes()).is_ok());
    }
}
