//! The Common Log Format family: `common`, `combined`, `vhost_combined` and `combined_host`.
//!
//! ```text
//! common          client ident user [time] "request" status bytes
//! combined        common "referer" "user-agent" [anything nginx appends]
//! vhost_combined  host:port combined
//! combined_host   common "referer" "user-agent" "host" [anything appended]
//! ```
//!
//! `combined_host` is nginx's default format with the virtual host appended, the usual way to
//! give a combined log the host the monitor counts by:
//!
//! ```text
//! log_format combined_host '$remote_addr - $remote_user [$time_local] "$request" $status '
//!                          '$body_bytes_sent "$http_referer" "$http_user_agent" "$host"';
//! ```
//!
//! The request is found by its closing quote followed by a three-digit status, not by the first
//! quote: nginx escapes a `"` inside the request as `\x22` and Apache as `\"`, but older servers
//! and hand-written formats let raw quotes through, and such lines still carry a good time.

use std::borrow::Cow;

use memchr::memchr;

use super::timestamp::{TimeCache, parse_clf};
use super::{LineError, LogRecord};

/// Which member of the family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    Common,
    Combined,
    VhostCombined,
    CombinedHost,
}

/// Parses one line (without its line ending).
#[inline]
pub fn parse<'a>(line: &'a [u8], variant: Variant, cache: &mut TimeCache) -> Result<LogRecord<'a>, LineError> {
    let (host, rest) = match variant {
        Variant::VhostCombined => {
            let (vhost, rest) = split_vhost(line)?;
            (Some(Cow::Borrowed(vhost)), rest)
        }
        _ => (None, line),
    };
    let open = memchr(b'[', rest).ok_or(LineError::NoTime)?;
    // `client ident user [`: exactly three fields, which also tells `combined` from
    // `vhost_combined` (one more field) when detecting a file's format.
    if memchr::memchr_iter(b' ', &rest[..open]).count() != 3 {
        return Err(if host.is_some() { LineError::NoVhost } else { LineError::Prefix });
    }
    let stamp = rest.get(open + 1..open + 27).ok_or(LineError::NoTime)?;
    if rest.get(open + 27) != Some(&b']') {
        return Err(LineError::NoTime);
    }
    let time = parse_clf(stamp, cache)?;
    let after_time = &rest[open + 28..];
    let after_status = skip_request(after_time)?;
    let (bytes, tail) = bytes_field(after_status)?;
    match variant {
        Variant::Common if !tail.iter().all(u8::is_ascii_whitespace) => return Err(LineError::Trailing),
        Variant::Combined | Variant::VhostCombined if !tail.starts_with(b" \"") => {
            return Err(LineError::NoReferer);
        }
        Variant::CombinedHost => {
            let host = third_quoted(tail)?;
            return Ok(LogRecord { time, bytes, host: (!host.is_empty()).then_some(Cow::Borrowed(host)) });
        }
        _ => {}
    }
    Ok(LogRecord { time, bytes, host })
}

/// The third of ` "referer" "user-agent" "host"…`. Referer and user agent may hold quotes
/// escaped as `\"` (Apache); nginx writes them as `\x22`. A host holds no quote or space.
fn third_quoted(mut text: &[u8]) -> Result<&[u8], LineError> {
    for _ in 0..2 {
        let body = text.strip_prefix(b" \"").ok_or(LineError::NoReferer)?;
        let mut at = 0;
        loop {
            let q = at + memchr(b'"', &body[at..]).ok_or(LineError::NoReferer)?;
            if q > 0 && body[q - 1] == b'\\' {
                at = q + 1;
                continue;
            }
            text = &body[q + 1..];
            break;
        }
    }
    let body = text.strip_prefix(b" \"").ok_or(LineError::NoVhost)?;
    let end = memchr(b'"', body).ok_or(LineError::NoVhost)?;
    let host = &body[..end];
    if host.contains(&b' ') {
        return Err(LineError::NoVhost);
    }
    Ok(host)
}

/// Splits `host:port rest` into the host (port dropped) and the rest.
#[inline]
fn split_vhost(line: &[u8]) -> Result<(&[u8], &[u8]), LineError> {
    let space = memchr(b' ', line).ok_or(LineError::NoVhost)?;
    let field = &line[..space];
    let host = match memchr::memrchr(b':', field) {
        Some(colon) if colon > 0 && field[colon + 1..].iter().all(u8::is_ascii_digit) => &field[..colon],
        _ => field,
    };
    if host.is_empty() || host[0] == b'[' || host[0] == b'"' {
        return Err(LineError::NoVhost);
    }
    Ok((host, &line[space + 1..]))
}

/// Skips ` "request" ddd` and returns what follows the status (` bytes …`).
#[inline]
fn skip_request(text: &[u8]) -> Result<&[u8], LineError> {
    let body = text.strip_prefix(b" \"").ok_or(LineError::NoRequest)?;
    let mut from = 0;
    while let Some(q) = memchr(b'"', &body[from..]) {
        let at = from + q;
        if let Some([b' ', a, b, c, rest @ ..]) = body.get(at + 1..)
            && a.is_ascii_digit()
            && b.is_ascii_digit()
            && c.is_ascii_digit()
            && matches!(rest.first(), Some(b' '))
        {
            return Ok(rest);
        }
        from = at + 1;
    }
    Err(LineError::NoRequest)
}

/// Parses ` bytes` (digits or `-`) and returns the value and what follows.
#[inline]
fn bytes_field(text: &[u8]) -> Result<(u64, &[u8]), LineError> {
    let text = text.strip_prefix(b" ").ok_or(LineError::BadBytes)?;
    let end = memchr(b' ', text).unwrap_or(text.len());
    let field = &text[..end];
    if field == b"-" {
        return Ok((0, &text[end..]));
    }
    if field.is_empty() {
        return Err(LineError::BadBytes);
    }
    let mut n: u64 = 0;
    for &b in field {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return Err(LineError::BadBytes);
        }
        n = n.checked_mul(10).and_then(|n| n.checked_add(u64::from(d))).ok_or(LineError::BadBytes)?;
    }
    Ok((n, &text[end..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(line: &str, v: Variant) -> Result<(i64, u64, Option<String>), LineError> {
        parse(line.as_bytes(), v, &mut TimeCache::new())
            .map(|r| (r.time, r.bytes, r.host.map(|h| String::from_utf8(h.into_owned()).unwrap())))
    }

    const T: i64 = 1_763_942_401; // 24/Nov/2025:00:00:01 +0000

    #[test]
    fn common() {
        let line = r#"127.0.0.1 - frank [24/Nov/2025:00:00:01 +0000] "GET /apache_pb.gif HTTP/1.0" 200 2326"#;
        assert_eq!(p(line, Variant::Common), Ok((T, 2326, None)));
        assert_eq!(p(&format!("{line} \"-\" \"curl\""), Variant::Common), Err(LineError::Trailing));
        assert_eq!(p(line, Variant::Combined), Err(LineError::NoReferer));
    }

    #[test]
    fn combined_odd_lines() {
        let cases = [
            // IPv6 client, `-` size
            (r#"2001:db8::1 - - [24/Nov/2025:00:00:01 +0000] "GET / HTTP/1.1" 304 - "-" "curl/8""#, 0),
            // nginx-escaped quote inside the request
            (r#"10.0.0.1 - - [24/Nov/2025:00:00:01 +0000] "GET /q?a=\x22x\x22 HTTP/1.1" 200 5 "-" "ua""#, 5),
            // Apache-escaped quote inside the request
            (r#"10.0.0.1 - - [24/Nov/2025:00:00:01 +0000] "GET /q?a=\"x\" HTTP/1.1" 200 6 "-" "ua""#, 6),
            // a raw quote inside the request
            (r#"10.0.0.1 - - [24/Nov/2025:00:00:01 +0000] "GET /a"b HTTP/1.1" 404 7 "-" "ua""#, 7),
            // a TLS handshake sent to a plain-HTTP port, as nginx logs it
            (r#"10.0.0.1 - - [24/Nov/2025:00:00:01 +0000] "\x16\x03\x01\x02\x00\x01" 400 150 "-" "-""#, 150),
            // an empty request, and nginx's extra fields after the user agent
            (r#"10.0.0.1 - - [24/Nov/2025:00:00:01 +0000] "" 400 0 "-" "-" "1.2.3.4" rt=0.001"#, 0),
            // an ident/user with a bracket-free name containing spaces is not possible; user "-"
            (r#"h - - [24/Nov/2025:00:00:01 +0000] "GET / HTTP/1.1" 200 18446744073709551615 "-" "-""#, u64::MAX),
        ];
        for (line, bytes) in cases {
            assert_eq!(p(line, Variant::Combined), Ok((T, bytes, None)), "{line}");
        }
    }

    #[test]
    fn combined_bad_lines() {
        let cases = [
            ("", LineError::NoTime),
            ("garbage", LineError::NoTime),
            (r#"1.2.3.4 - - [24/Nov/2025:00:00:01 +0000 "GET / HTTP/1.1" 200 5 "-" "-""#, LineError::NoTime),
            (r#"1.2.3.4 - - [24/Nov/2025:00:00:01 +0000] "GET / HTTP/1.1 200 5 "-" "-""#, LineError::NoRequest),
            (r#"1.2.3.4 - - [24/Nov/2025:00:00:01 +0000] "GET / HTTP/1.1" 200 five "-" "-""#, LineError::BadBytes),
            (r#"1.2.3.4 - - [24/Nov/2025:00:00:01 +0000] "GET / HTTP/1.1" 2000 5 "-" "-""#, LineError::NoRequest),
            (r#"1.2.3.4 - - [99/Nov/2025:00:00:01 +0000] "GET / HTTP/1.1" 200 5 "-" "-""#, LineError::BadTime),
            (r#"1.2.3.4 - - [24/Nov/2025:00:00"#, LineError::NoTime),
        ];
        for (line, err) in cases {
            assert_eq!(p(line, Variant::Combined), Err(err), "{line}");
        }
    }

    #[test]
    fn vhost_combined() {
        let line = r#"www.shop.example:443 6.127.46.185 - - [24/Nov/2025:00:00:01 +0000] "GET / HTTP/1.1" 200 144622 "-" "Googlebot/2.1 (+http://www.google.com/bot.html)""#;
        assert_eq!(p(line, Variant::VhostCombined), Ok((T, 144622, Some("www.shop.example".into()))));
        let no_port = line.replacen(":443", "", 1);
        assert_eq!(p(&no_port, Variant::VhostCombined).unwrap().2.as_deref(), Some("www.shop.example"));
        // missing host: a plain combined line given as vhost_combined
        let plain = r#"6.127.46.185 - - [24/Nov/2025:00:00:01 +0000] "GET / HTTP/1.1" 200 1 "-" "-""#;
        assert_eq!(p(plain, Variant::VhostCombined), Err(LineError::NoVhost));
        assert_eq!(p(line, Variant::Combined), Err(LineError::Prefix));
        assert_eq!(p(&format!("[x] {plain}"), Variant::VhostCombined), Err(LineError::NoVhost));
    }

    #[test]
    fn combined_host() {
        let line =
            r#"6.127.46.185 - - [24/Nov/2025:00:00:01 +0000] "GET / HTTP/1.1" 200 12 "-" "curl/8" "www.shop.example""#;
        assert_eq!(p(line, Variant::CombinedHost), Ok((T, 12, Some("www.shop.example".into()))));
        // Fields appended after the host, escaped quotes in the referer and user agent.
        let busy = r#"h - - [24/Nov/2025:00:00:01 +0000] "GET / HTTP/1.1" 200 1 "http://a/\"q\"" "x \"y\" z" "News.Example.org" rt=0.001"#;
        assert_eq!(p(busy, Variant::CombinedHost).unwrap().2.as_deref(), Some("News.Example.org"));
        let nginx = r#"h - - [24/Nov/2025:00:00:01 +0000] "GET / HTTP/1.1" 200 1 "-" "a\x22b" "a.example""#;
        assert_eq!(p(nginx, Variant::CombinedHost).unwrap().2.as_deref(), Some("a.example"));
        // No host (nginx logs an empty `$host` for a request without one): counted, no buyer.
        let empty = r#"h - - [24/Nov/2025:00:00:01 +0000] "GET / HTTP/1.1" 400 1 "-" "-" """#;
        assert_eq!(p(empty, Variant::CombinedHost), Ok((T, 1, None)));
        // A plain combined line has no third field: refused, so detection tells them apart.
        let plain = r#"h - - [24/Nov/2025:00:00:01 +0000] "GET / HTTP/1.1" 200 1 "-" "curl/8""#;
        assert_eq!(p(plain, Variant::CombinedHost), Err(LineError::NoVhost));
        let spaced = r#"h - - [24/Nov/2025:00:00:01 +0000] "GET / HTTP/1.1" 200 1 "-" "-" "a b""#;
        assert_eq!(p(spaced, Variant::CombinedHost), Err(LineError::NoVhost));
        let cut = r#"h - - [24/Nov/2025:00:00:01 +0000] "GET / HTTP/1.1" 200 1 "-" "unterminated"#;
        assert_eq!(p(cut, Variant::CombinedHost), Err(LineError::NoReferer));
        // And the combined parser still reads it (without the host).
        assert_eq!(p(line, Variant::Combined), Ok((T, 12, None)));
    }
}
