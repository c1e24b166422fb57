//! Fast parsing of the time stamps access logs carry, with a per-thread date cache.
//!
//! Parsing a time stamp is most of the per-line work of a log scan. Lines of one file share
//! their date for hours, so we convert the date part once (with jiff) and cache it; the clock
//! part is fixed-width digits. Anything that does not fit the fast path goes to jiff's parser,
//! so odd but valid stamps are still read, only slower.

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;

use super::LineError;

/// Remembers the last date seen, keyed by its text, and its unix time at midnight UTC.
#[derive(Debug, Default, Clone)]
pub struct TimeCache {
    key: [u8; 11],
    key_len: usize,
    midnight: i64,
}

impl TimeCache {
    /// A new, empty cache.
    pub fn new() -> TimeCache {
        TimeCache::default()
    }

    #[inline]
    fn lookup(&mut self, key: &[u8], convert: impl FnOnce(&[u8]) -> Option<i64>) -> Option<i64> {
        if key.len() == self.key_len && self.key[..key.len()] == *key {
            return Some(self.midnight);
        }
        let midnight = convert(key)?;
        self.key[..key.len()].copy_from_slice(key);
        self.key_len = key.len();
        self.midnight = midnight;
        Some(midnight)
    }
}

#[inline]
fn digits2(b: &[u8]) -> Option<i64> {
    let (a, c) = (b[0].wrapping_sub(b'0'), b[1].wrapping_sub(b'0'));
    (a < 10 && c < 10).then(|| i64::from(a) * 10 + i64::from(c))
}

fn digits(b: &[u8]) -> Option<i64> {
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(b).ok()?.parse().ok()
}

fn midnight_utc(year: i64, month: i64, day: i64) -> Option<i64> {
    let date = Date::new(i16::try_from(year).ok()?, i8::try_from(month).ok()?, i8::try_from(day).ok()?).ok()?;
    Some(date.to_zoned_datetime(TimeZone::UTC).ok()?.timestamp().as_second())
}

/// `HH:MM:SS` → seconds of the day, checking ranges (a leap second 60 is accepted).
#[inline]
fn clock(b: &[u8]) -> Option<i64> {
    if b.len() < 8 || b[2] != b':' || b[5] != b':' {
        return None;
    }
    let (h, m, s) = (digits2(&b[0..2])?, digits2(&b[3..5])?, digits2(&b[6..8])?);
    (h < 24 && m < 60 && s <= 60).then_some(h * 3600 + m * 60 + s)
}

/// `+hhmm`, `-hh:mm` or `Z` → offset seconds east of UTC.
fn offset(b: &[u8]) -> Option<i64> {
    match b {
        [b'Z'] | [b'z'] => Some(0),
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] | [sign @ (b'+' | b'-'), h1, h2, m1, m2] => {
            let secs = digits2(&[*h1, *h2])? * 3600 + digits2(&[*m1, *m2])? * 60;
            Some(if *sign == b'-' { -secs } else { secs })
        }
        _ => None,
    }
}

const MONTHS: [&[u8; 3]; 12] =
    [b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec"];

/// Parses the Common Log Format stamp `24/Nov/2025:13:55:36 +0000` (the text inside `[...]`).
#[inline]
pub fn parse_clf(text: &[u8], cache: &mut TimeCache) -> Result<i64, LineError> {
    if text.len() != 26 || text[11] != b':' || text[20] != b' ' {
        return Err(LineError::BadTime);
    }
    let midnight = cache
        .lookup(&text[..11], |d| {
            if d[2] != b'/' || d[6] != b'/' {
                return None;
            }
            let month = MONTHS.iter().position(|m| m[..] == d[3..6])? as i64 + 1;
            midnight_utc(digits(&d[7..11])?, month, digits2(&d[0..2])?)
        })
        .ok_or(LineError::BadTime)?;
    let secs = clock(&text[12..20]).ok_or(LineError::BadTime)?;
    let offset = offset(&text[21..26]).ok_or(LineError::BadTime)?;
    Ok(midnight + secs - offset)
}

/// Parses ISO 8601 / RFC 3339 (`2026-11-16T00:00:03+00:00`, `…03.123Z`, `… 00:00:03Z`).
pub fn parse_iso8601(text: &[u8], cache: &mut TimeCache) -> Result<i64, LineError> {
    fast_iso8601(text, cache).or_else(|| slow_iso8601(text)).ok_or(LineError::BadTime)
}

#[inline]
fn fast_iso8601(text: &[u8], cache: &mut TimeCache) -> Option<i64> {
    if text.len() < 20 || text[4] != b'-' || text[7] != b'-' || !matches!(text[10], b'T' | b't' | b' ') {
        return None;
    }
    let midnight =
        cache.lookup(&text[..10], |d| midnight_utc(digits(&d[0..4])?, digits2(&d[5..7])?, digits2(&d[8..10])?))?;
    let secs = clock(&text[11..19])?;
    let mut rest = &text[19..];
    if let [b'.', tail @ ..] = rest {
        let n = tail.iter().take_while(|b| b.is_ascii_digit()).count();
        rest = &tail[n..];
    }
    Some(midnight + secs - offset(rest)?)
}

fn slow_iso8601(text: &[u8]) -> Option<i64> {
    let ts: Timestamp = std::str::from_utf8(text).ok()?.parse().ok()?;
    Some(ts.as_second())
}

/// Parses unix seconds with optional fraction (`1286536308.779`, Squid and nginx `$msec`).
#[inline]
pub fn parse_epoch(text: &[u8]) -> Result<i64, LineError> {
    let whole = match memchr::memchr(b'.', text) {
        Some(dot) if text[dot + 1..].iter().all(u8::is_ascii_digit) => &text[..dot],
        Some(_) => return Err(LineError::BadTime),
        None => text,
    };
    if whole.is_empty() || whole.len() > 12 {
        return Err(LineError::BadTime);
    }
    digits(whole).ok_or(LineError::BadTime)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clf(s: &str) -> Result<i64, LineError> {
        parse_clf(s.as_bytes(), &mut TimeCache::new())
    }

    fn iso(s: &str) -> Result<i64, LineError> {
        parse_iso8601(s.as_bytes(), &mut TimeCache::new())
    }

    #[test]
    fn clf_stamps() {
        assert_eq!(clf("24/Nov/2025:00:00:01 +0000"), Ok(1_763_942_401));
        assert_eq!(clf("24/Nov/2025:01:00:01 +0100"), Ok(1_763_942_401));
        assert_eq!(clf("23/Nov/2025:19:00:01 -0500"), Ok(1_763_942_401));
        assert_eq!(clf("29/Feb/2024:12:00:00 +0000"), Ok(1_709_208_000));
        for bad in [
            "30/Feb/2024:12:00:00 +0000",
            "24/Foo/2025:00:00:01 +0000",
            "24/Nov/2025:24:00:01 +0000",
            "24/Nov/2025:00:00:01 0000",
            "24/Nov/2025:00:00:01",
            "",
        ] {
            assert_eq!(clf(bad), Err(LineError::BadTime), "{bad}");
        }
    }

    #[test]
    fn cache_is_keyed_by_date_text() {
        let mut cache = TimeCache::new();
        let a = parse_clf(b"24/Nov/2025:00:00:01 +0000", &mut cache).unwrap();
        let b = parse_clf(b"25/Nov/2025:00:00:01 +0000", &mut cache).unwrap();
        let c = parse_clf(b"24/Nov/2025:00:00:02 +0000", &mut cache).unwrap();
        assert_eq!((b - a, c - a), (86_400, 1));
        let d = parse_iso8601(b"2025-11-24T00:00:01Z", &mut cache).unwrap();
        assert_eq!(d, a);
    }

    #[test]
    fn iso_stamps() {
        assert_eq!(iso("2025-11-24T00:00:01+00:00"), Ok(1_763_942_401));
        assert_eq!(iso("2025-11-24T00:00:01Z"), Ok(1_763_942_401));
        assert_eq!(iso("2025-11-24T00:00:01.999Z"), Ok(1_763_942_401));
        assert_eq!(iso("2025-11-24 01:00:01+0100"), Ok(1_763_942_401));
        assert_eq!(iso("2025-11-24T01:00:01.5+01:00"), Ok(1_763_942_401));
        assert_eq!(iso("2025-11-24T00:00:01"), Err(LineError::BadTime));
        assert_eq!(iso("yesterday"), Err(LineError::BadTime));
    }

    #[test]
    fn epoch_stamps() {
        assert_eq!(parse_epoch(b"1286536308.779"), Ok(1_286_536_308));
        assert_eq!(parse_epoch(b"1286536308"), Ok(1_286_536_308));
        assert_eq!(parse_epoch(b"12865x6308"), Err(LineError::BadTime));
        assert_eq!(parse_epoch(b".5"), Err(LineError::BadTime));
        assert_eq!(parse_epoch(b"1.2.3"), Err(LineError::BadTime));
    }
}
