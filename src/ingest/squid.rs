//! Squid's native `access.log` format.
//!
//! ```text
//! time.ms elapsed client code/status bytes method URL ident hierarchy/peer type
//! 1286536308.779    180 192.168.0.224 TCP_MISS/200 411 GET http://www.google.com/ - HIER_DIRECT/1.2.3.4 text/html
//! ```
//!
//! Fields are separated by runs of spaces (Squid pads `elapsed`). The host is taken from the URL
//! (`http://host:port/…`, or `host:port` for CONNECT).

use std::borrow::Cow;

use super::timestamp::parse_epoch;
use super::{LineError, LogRecord};

/// Parses one line (without its line ending).
pub fn parse(line: &[u8]) -> Result<LogRecord<'_>, LineError> {
    let mut fields = line.split(|&b| b == b' ' || b == b'\t').filter(|f| !f.is_empty());
    let mut next = || fields.next().ok_or(LineError::TooFewFields);
    let time = parse_epoch(next()?)?;
    let _elapsed = next()?;
    let _client = next()?;
    let result = next()?;
    let status = result.iter().position(|&b| b == b'/').map(|i| &result[i + 1..]);
    if !matches!(status, Some(s) if !s.is_empty() && s.iter().all(u8::is_ascii_digit)) {
        return Err(LineError::BadStatus);
    }
    let bytes = next()?;
    let bytes = std::str::from_utf8(bytes).ok().and_then(|b| b.parse().ok()).ok_or(LineError::BadBytes)?;
    let _method = next()?;
    let url = next()?;
    Ok(LogRecord { time, bytes, host: url_host(url).map(Cow::Borrowed) })
}

/// The host of `scheme://[user@]host[:port]/…` or of a CONNECT target `host:port`.
fn url_host(url: &[u8]) -> Option<&[u8]> {
    let rest = match memchr::memmem::find(url, b"://") {
        Some(i) => &url[i + 3..],
        None => url,
    };
    let authority = &rest[..rest.iter().position(|&b| b == b'/' || b == b'?').unwrap_or(rest.len())];
    let authority = match authority.iter().rposition(|&b| b == b'@') {
        Some(at) => &authority[at + 1..],
        None => authority,
    };
    let host = if authority.first() == Some(&b'[') {
        &authority[1..authority.iter().position(|&b| b == b']')?]
    } else {
        &authority[..authority.iter().position(|&b| b == b':').unwrap_or(authority.len())]
    };
    (!host.is_empty() && host != b"-").then_some(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(line: &str) -> Option<String> {
        parse(line.as_bytes()).unwrap().host.map(|h| String::from_utf8(h.into_owned()).unwrap())
    }

    #[test]
    fn native_lines() {
        let line = "1286536308.779    180 192.168.0.224 TCP_MISS/200 411 GET http://www.google.com/ - HIER_DIRECT/1.2.3.4 text/html";
        let r = parse(line.as_bytes()).unwrap();
        assert_eq!((r.time, r.bytes), (1_286_536_308, 411));
        assert_eq!(host(line).as_deref(), Some("www.google.com"));
        let connect = "1286536309.001  55012 2001:db8::7 TCP_TUNNEL/200 5120 CONNECT api.example.net:443 - HIER_DIRECT/10.0.0.1 -";
        assert_eq!(host(connect).as_deref(), Some("api.example.net"));
        let v6 = "1286536309.001 5 ::1 TCP_HIT/200 1 GET http://user@[2001:db8::2]:8080/x?y - HIER_NONE/- -";
        assert_eq!(host(v6).as_deref(), Some("2001:db8::2"));
        let denied = "1286536309.001 0 10.0.0.9 TCP_DENIED/403 3889 GET error:invalid-request - HIER_NONE/- text/html";
        assert_eq!(parse(denied.as_bytes()).unwrap().bytes, 3889);
    }

    #[test]
    fn bad_lines() {
        assert_eq!(parse(b"").unwrap_err(), LineError::TooFewFields);
        assert_eq!(parse(b"1286536308.779 180 1.2.3.4").unwrap_err(), LineError::TooFewFields);
        assert_eq!(parse(b"yesterday 180 1.2.3.4 TCP_MISS/200 411 GET http://a/").unwrap_err(), LineError::BadTime);
        assert_eq!(parse(b"1286536308.779 180 1.2.3.4 TCP_MISS 411 GET http://a/").unwrap_err(), LineError::BadStatus);
        assert_eq!(
            parse(b"1286536308.779 180 1.2.3.4 TCP_MISS/200 -1 GET http://a/").unwrap_err(),
            LineError::BadBytes
        );
    }
}
