//! JSON lines: one object per line, as nginx writes with `log_format … escape=json`.
//!
//! Only the configured time, host and bytes fields are looked at; every other key is skipped
//! without being decoded. The time may be ISO 8601 (`$time_iso8601`), the Common Log Format
//! stamp (`$time_local`), or unix seconds (`$msec`) as a number or a string. Bytes may be a
//! number or a string of digits (nginx quotes every variable), or `-`.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};

use super::timestamp::{TimeCache, parse_clf, parse_epoch, parse_iso8601};
use super::{JsonFields, LineError, LogRecord};

/// Parses one line (without its line ending).
pub fn parse<'a>(line: &'a [u8], fields: &JsonFields, cache: &mut TimeCache) -> Result<LogRecord<'a>, LineError> {
    let mut de = serde_json::Deserializer::from_slice(line);
    let found = LineSeed { fields }.deserialize(&mut de).map_err(|_| LineError::NotJson)?;
    de.end().map_err(|_| LineError::NotJson)?;
    let time = match found.time.ok_or(LineError::NoTime)? {
        Scalar::Number(n) if n.is_finite() && n >= 0.0 => n.floor() as i64,
        Scalar::Text(t) => parse_time_text(t.as_bytes(), cache)?,
        _ => return Err(LineError::BadTime),
    };
    let bytes = match found.bytes {
        None | Some(Scalar::Other) => 0,
        Some(Scalar::Number(n)) if n.is_finite() && n >= 0.0 => n as u64,
        Some(Scalar::Text(t)) if t == "-" || t.is_empty() => 0,
        Some(Scalar::Text(t)) => t.parse().map_err(|_| LineError::BadBytes)?,
        Some(Scalar::Number(_)) => return Err(LineError::BadBytes),
    };
    let host = match found.host {
        Some(Scalar::Text(Cow::Borrowed(h))) if !h.is_empty() && h != "-" => {
            Some(Cow::Borrowed(strip_port(h).as_bytes()))
        }
        Some(Scalar::Text(Cow::Owned(h))) if !h.is_empty() && h != "-" => {
            Some(Cow::Owned(strip_port(&h).as_bytes().to_vec()))
        }
        _ => None,
    };
    Ok(LogRecord { time, bytes, host })
}

fn parse_time_text(text: &[u8], cache: &mut TimeCache) -> Result<i64, LineError> {
    match text {
        [_, _, b'/', ..] => parse_clf(text, cache),
        [_, _, _, _, b'-', ..] => parse_iso8601(text, cache),
        _ => parse_epoch(text),
    }
}

fn strip_port(host: &str) -> &str {
    match host.rsplit_once(':') {
        Some((h, port)) if !h.is_empty() && !h.contains(':') && port.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => host,
    }
}

/// A JSON value we care about, borrowed from the line when it has no escapes.
enum Scalar<'a> {
    Text(Cow<'a, str>),
    Number(f64),
    Other,
}

#[derive(Default)]
struct Found<'a> {
    time: Option<Scalar<'a>>,
    host: Option<Scalar<'a>>,
    bytes: Option<Scalar<'a>>,
}

struct LineSeed<'f> {
    fields: &'f JsonFields,
}

impl<'de> DeserializeSeed<'de> for LineSeed<'_> {
    type Value = Found<'de>;

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<Found<'de>, D::Error> {
        de.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for LineSeed<'_> {
    type Value = Found<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Found<'de>, A::Error> {
        let mut found = Found::default();
        while let Some(key) = map.next_key::<Key<'de>>()? {
            let slot = if key.0 == self.fields.time {
                &mut found.time
            } else if key.0 == self.fields.host {
                &mut found.host
            } else if key.0 == self.fields.bytes {
                &mut found.bytes
            } else {
                map.next_value::<IgnoredAny>()?;
                continue;
            };
            *slot = Some(map.next_value::<Scalar<'de>>()?);
        }
        Ok(found)
    }
}

/// A key, borrowed when it has no escapes.
struct Key<'a>(Cow<'a, str>);

impl<'de> de::Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        de.deserialize_str(TextVisitor).map(Key)
    }
}

struct TextVisitor;

impl<'de> Visitor<'de> for TextVisitor {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_string()))
    }
}

impl<'de> de::Deserialize<'de> for Scalar<'de> {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        de.deserialize_any(ScalarVisitor)
    }
}

struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Scalar<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Scalar::Text(Cow::Borrowed(v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Scalar::Text(Cow::Owned(v.to_string())))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Scalar::Number(v as f64))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Scalar::Number(v as f64))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Scalar::Number(v))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Scalar::Other)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Scalar::Other)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Scalar::Other)
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Scalar::Other)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(line: &str) -> Result<(i64, u64, Option<String>), LineError> {
        p_with(line, &JsonFields::default())
    }

    fn p_with(line: &str, f: &JsonFields) -> Result<(i64, u64, Option<String>), LineError> {
        parse(line.as_bytes(), f, &mut TimeCache::new())
            .map(|r| (r.time, r.bytes, r.host.map(|h| String::from_utf8(h.into_owned()).unwrap())))
    }

    const T: i64 = 1_763_942_401;

    #[test]
    fn nginx_escape_json() {
        let line = r#"{"time":"2025-11-24T00:00:01+00:00","remote_addr":"2001:db8::1","host":"www.shop.example","request":"GET /q?a=\"x\" HTTP/1.1","status":200,"body_bytes_sent":512,"request_time":"0.012"}"#;
        assert_eq!(p(line), Ok((T, 512, Some("www.shop.example".into()))));
    }

    #[test]
    fn time_shapes_and_string_numbers() {
        assert_eq!(p(r#"{"time":"24/Nov/2025:00:00:01 +0000","body_bytes_sent":"7"}"#), Ok((T, 7, None)));
        assert_eq!(p(r#"{"time":1763942401.123,"body_bytes_sent":"-"}"#), Ok((T, 0, None)));
        assert_eq!(p(r#"{"time":"1763942401.123"}"#), Ok((T, 0, None)));
        assert_eq!(
            p(r#"{"time":"2025-11-24T00:00:01Z","host":"a.example:8080"}"#),
            Ok((T, 0, Some("a.example".into())))
        );
        assert_eq!(
            p(r#"{"time":"2025-11-24T00:00:01Z","host":"sh\u006fp.example"}"#),
            Ok((T, 0, Some("shop.example".into())))
        );
    }

    #[test]
    fn configured_field_names() {
        let f = JsonFields { time: "ts".into(), host: "vhost".into(), bytes: "size".into() };
        let line = r#"{"ts":1763942401,"vhost":"x.example","size":9,"time":"garbage"}"#;
        assert_eq!(p_with(line, &f), Ok((T, 9, Some("x.example".into()))));
    }

    #[test]
    fn bad_lines() {
        assert_eq!(p(""), Err(LineError::NotJson));
        assert_eq!(p("[1,2]"), Err(LineError::NotJson));
        assert_eq!(p(r#"{"time":"2025-11-24T00:00:01Z""#), Err(LineError::NotJson));
        assert_eq!(p(r#"{"time":"2025-11-24T00:00:01Z"} trailing"#), Err(LineError::NotJson));
        assert_eq!(p(r#"{"host":"a"}"#), Err(LineError::NoTime));
        assert_eq!(p(r#"{"time":null}"#), Err(LineError::BadTime));
        assert_eq!(p(r#"{"time":"soon"}"#), Err(LineError::BadTime));
        assert_eq!(p(r#"{"time":1763942401,"body_bytes_sent":"lots"}"#), Err(LineError::BadBytes));
    }
}
