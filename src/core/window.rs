//! Time in the market's terms: instants, durations, slots and `START/DURATION` windows.
//!
//! Capacity is measured, forecast, offered and sold per *slot*, a fixed length of time that
//! divides a day (default 1 h), aligned to midnight UTC. A *window* is a slot-aligned span,
//! written `START/DURATION` (`2026-11-26T18:00Z/4h`). Parsing lives here because it is pure and
//! shared by the CLI, the config and order files.

use std::fmt;
use std::str::FromStr;

use jiff::{SignedDuration, Span, SpanRelativeTo, Timestamp};

/// Seconds in a day; a slot must divide it so that every day has the same slot grid.
pub const DAY_SECS: i64 = 86_400;
/// Seconds in a week.
pub const WEEK_SECS: i64 = 7 * DAY_SECS;
/// Unix time of Monday 1970-01-05T00:00Z, the origin of the hour-of-week grid.
pub const FIRST_MONDAY: i64 = 4 * DAY_SECS;

/// Why a time, duration, slot or window did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeError {
    #[error("`{0}` is not a time: expected RFC 3339 like 2026-11-26T18:00Z or a date like 2026-11-26")]
    Instant(String),
    #[error("`{0}` is not a duration: expected a number with a unit, like 90s, 15m, 1h, 1h30m or 2d")]
    Duration(String),
    #[error("duration {0} must be positive")]
    NotPositive(String),
    #[error("slot {0} must be a whole number of seconds, at least 1m, and divide a day evenly")]
    Slot(String),
    #[error("`{0}` is not a window: expected START/DURATION like 2026-11-26T18:00Z/4h")]
    Window(String),
    #[error("window {window} is not on the {slot} slot grid (slots start at midnight UTC)")]
    Unaligned { window: String, slot: String },
}

/// Parses an instant: RFC 3339 (seconds optional, any offset) or a bare date meaning midnight UTC.
pub fn parse_instant(text: &str) -> Result<Timestamp, TimeError> {
    let text = text.trim();
    if let Ok(ts) = text.parse::<Timestamp>() {
        return Ok(ts);
    }
    text.parse::<jiff::civil::Date>()
        .ok()
        .and_then(|d| d.to_zoned_datetime(jiff::tz::TimeZone::UTC).ok())
        .map(|z| z.timestamp())
        .ok_or_else(|| TimeError::Instant(text.to_string()))
}

/// Parses a duration written the compact way (`90s`, `1h30m`, `2d`, `2d 4h` as durations are
/// printed), days being 24 hours.
///
/// Only the units `d`, `h`, `m`, `s` and `ms` right after their numbers: jiff's friendly format
/// alone also takes `20 seconds`, `1 hour` or `P1D`, so `ttl: 20 seconds` passed while its
/// neighbour `20 secondz` did not; one way of writing, refused otherwise, is easier to check.
pub fn parse_duration(text: &str) -> Result<SignedDuration, TimeError> {
    let text = text.trim();
    if !is_compact_duration(text) {
        return Err(TimeError::Duration(text.to_string()));
    }
    text.parse::<Span>()
        .ok()
        .and_then(|span| span.to_duration(SpanRelativeTo::days_are_24_hours()).ok())
        .ok_or_else(|| TimeError::Duration(text.to_string()))
}

/// `-`? then groups of a number (`1`, `1.5`) and a unit (`d h m s ms`), groups apart or not.
fn is_compact_duration(text: &str) -> bool {
    let body = text.strip_prefix('-').unwrap_or(text);
    !body.is_empty()
        && body.split(' ').all(|piece| {
            let mut rest = piece;
            while !rest.is_empty() {
                let number = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
                if number == 0 {
                    return false;
                }
                rest = &rest[number..];
                let unit = ["ms", "d", "h", "m", "s"].into_iter().find(|u| rest.starts_with(u));
                let Some(unit) = unit else { return false };
                rest = &rest[unit.len()..];
            }
            !piece.is_empty()
        })
}

/// Formats whole seconds the way durations are written on the command line (`1h`, `2d 4h`).
pub fn format_secs(secs: i64) -> String {
    format!("{:#}", SignedDuration::from_secs(secs))
}

/// Formats a unix time as RFC 3339 UTC with seconds (`2026-11-26T18:00:00Z`).
pub fn format_instant(secs: i64) -> String {
    Timestamp::from_second(secs).map_or_else(|_| secs.to_string(), |t| t.to_string())
}

/// The length of a measurement and sale slot, in whole seconds, dividing a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Slot {
    secs: u32,
}

impl Slot {
    /// One hour, the default.
    pub const HOUR: Slot = Slot { secs: 3600 };

    /// A slot of `secs` seconds, if it is at least a minute and divides a day.
    pub fn from_secs(secs: i64) -> Result<Slot, TimeError> {
        if !(60..=DAY_SECS).contains(&secs) || DAY_SECS % secs != 0 {
            return Err(TimeError::Slot(format_secs(secs)));
        }
        Ok(Slot { secs: secs as u32 })
    }

    /// Seconds in one slot.
    pub fn secs(self) -> u32 {
        self.secs
    }

    /// The index of the slot holding unix time `t` (slot `k` covers `[k·len, (k+1)·len)`).
    pub fn index(self, t: i64) -> i64 {
        t.div_euclid(i64::from(self.secs))
    }

    /// Unix time at which slot `index` starts.
    pub fn start(self, index: i64) -> i64 {
        index * i64::from(self.secs)
    }

    /// The first slot boundary at or after `t`.
    pub fn ceil(self, t: i64) -> i64 {
        let len = i64::from(self.secs);
        t.div_euclid(len) * len + if t.rem_euclid(len) == 0 { 0 } else { len }
    }

    /// Whether `t` is a slot boundary.
    pub fn is_boundary(self, t: i64) -> bool {
        t.rem_euclid(i64::from(self.secs)) == 0
    }
}

impl FromStr for Slot {
    type Err = TimeError;

    fn from_str(text: &str) -> Result<Slot, TimeError> {
        let d = parse_duration(text)?;
        if d.subsec_nanos() != 0 {
            return Err(TimeError::Slot(text.to_string()));
        }
        Slot::from_secs(d.as_secs())
    }
}

impl fmt::Display for Slot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_secs(i64::from(self.secs)))
    }
}

/// A span of time `[start, end)` in unix seconds, written `START/DURATION`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Window {
    pub start: i64,
    pub end: i64,
}

impl Window {
    /// A window from `start` lasting `secs` seconds; `secs` must be positive.
    pub fn new(start: i64, secs: i64) -> Result<Window, TimeError> {
        if secs <= 0 {
            return Err(TimeError::NotPositive(format_secs(secs)));
        }
        Ok(Window { start, end: start + secs })
    }

    /// Length in seconds.
    pub fn secs(self) -> i64 {
        self.end - self.start
    }

    /// Checks that both ends lie on the slot grid.
    pub fn check_aligned(self, slot: Slot) -> Result<(), TimeError> {
        if slot.is_boundary(self.start) && slot.is_boundary(self.end) {
            return Ok(());
        }
        Err(TimeError::Unaligned { window: self.to_string(), slot: slot.to_string() })
    }

    /// The start of every slot in the window, in order (the window must be aligned).
    pub fn slot_starts(self, slot: Slot) -> impl Iterator<Item = i64> {
        (self.start..self.end).step_by(slot.secs() as usize)
    }
}

impl FromStr for Window {
    type Err = TimeError;

    fn from_str(text: &str) -> Result<Window, TimeError> {
        let (start, len) = text.split_once('/').ok_or_else(|| TimeError::Window(text.to_string()))?;
        let start = parse_instant(start)?;
        let len = parse_duration(len)?;
        if len.subsec_nanos() != 0 || start.subsec_nanosecond() != 0 {
            return Err(TimeError::Window(text.to_string()));
        }
        Window::new(start.as_second(), len.as_secs())
    }
}

impl fmt::Display for Window {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let start = Timestamp::from_second(self.start).map_err(|_| fmt::Error)?;
        write!(f, "{}/{}", start.strftime("%Y-%m-%dT%H:%MZ"), format_secs(self.secs()).replace(' ', ""))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_written_one_way() {
        for (text, secs) in
            [("90s", 90), ("15m", 900), ("1h30m", 5400), ("2d", 172_800), ("2d 4h", 187_200), ("90", -1)]
        {
            assert_eq!(parse_duration(text).map(|d| d.as_secs()).ok(), (secs >= 0).then_some(secs), "{text}");
        }
        assert_eq!(parse_duration("1500ms").unwrap().as_millis(), 1500);
        assert_eq!(parse_duration("-1h").unwrap().as_secs(), -3600);
        // jiff's friendly format takes these; surplus does not.
        for bad in ["20 seconds", "20 secs", "1 hour", "20 s", "PT20S", "1h,30m", "h", "", "-"] {
            assert_eq!(parse_duration(bad), Err(TimeError::Duration(bad.to_string())), "{bad:?}");
        }
    }

    #[test]
    fn parses_windows() {
        let w: Window = "2026-11-26T18:00Z/4h".parse().unwrap();
        assert_eq!(w.secs(), 4 * 3600);
        assert_eq!(format_instant(w.start), "2026-11-26T18:00:00Z");
        assert_eq!(w.to_string(), "2026-11-26T18:00Z/4h");
        let w: Window = "2026-11-26/1d".parse().unwrap();
        assert_eq!(w.to_string(), "2026-11-26T00:00Z/24h");
        assert!("2026-11-26T18:00Z".parse::<Window>().is_err());
        assert!("2026-11-26T18:00Z/0h".parse::<Window>().is_err());
        assert!("2026-11-26T18:00Z/-1h".parse::<Window>().is_err());
        assert!("tomorrow/4h".parse::<Window>().is_err());
    }

    #[test]
    fn offsets_are_converted_to_utc() {
        let w: Window = "2026-11-26T19:00+01:00/1h".parse().unwrap();
        assert_eq!(format_instant(w.start), "2026-11-26T18:00:00Z");
    }

    #[test]
    fn slots_divide_a_day() {
        assert_eq!("1h".parse::<Slot>().unwrap().secs(), 3600);
        assert_eq!("15m".parse::<Slot>().unwrap().secs(), 900);
        assert_eq!("1d".parse::<Slot>().unwrap().secs(), 86_400);
        assert!("7m".parse::<Slot>().is_err());
        assert!("30s".parse::<Slot>().is_err());
        assert!("2d".parse::<Slot>().is_err());
        assert!("1.5s".parse::<Slot>().is_err());
    }

    #[test]
    fn slot_arithmetic_handles_negative_times() {
        let s = Slot::HOUR;
        assert_eq!(s.index(-1), -1);
        assert_eq!(s.start(s.index(7199)), 3600);
        assert_eq!(s.ceil(3600), 3600);
        assert_eq!(s.ceil(3601), 7200);
        assert_eq!(s.ceil(-1), 0);
    }

    #[test]
    fn alignment() {
        let w: Window = "2026-11-26T18:30Z/1h".parse().unwrap();
        let err = w.check_aligned(Slot::HOUR).unwrap_err();
        assert_eq!(
            err.to_string(),
            "window 2026-11-26T18:30Z/1h is not on the 1h slot grid (slots start at midnight UTC)"
        );
        let w: Window = "2026-11-26T18:00Z/3h".parse().unwrap();
        assert_eq!(w.slot_starts(Slot::HOUR).count(), 3);
    }

    #[test]
    fn first_monday_is_a_monday() {
        let t = Timestamp::from_second(FIRST_MONDAY).unwrap();
        assert_eq!(t.to_zoned_datetime(jiff::tz::TimeZone::UTC).weekday(), jiff::civil::Weekday::Monday);
    }
}
