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
    /// A date and time of day with no zone: reading it as midnight (or as local time) would
    /// sell or report hours the user did not mean.
    #[error("`{text}` has no zone offset: expected an RFC 3339 time with Z or an offset, like {like}")]
    NoOffset { text: String, like: String },
    #[error("window {window} ended {ago} ago")]
    Ended { window: String, ago: String },
    #[error("window {window} began {ago} ago and its first slot is over; what is left is {rest}")]
    Begun { window: String, ago: String, rest: String },
    #[error("--closes {closes} is not in the future (the time is {now})")]
    ClosesPast { closes: String, now: String },
    #[error("--closes {closes} is after the window starts ({start}): bids must close before it is used")]
    ClosesLate { closes: String, start: String },
}

/// Parses an instant: RFC 3339 (seconds optional, any offset) or a bare date meaning midnight UTC.
///
/// A date with a time of day but no offset (`2026-12-02T16:00`) is refused: jiff reads a date
/// out of it happily, which would silently drop the time, and guessing a zone would be worse.
pub fn parse_instant(text: &str) -> Result<Timestamp, TimeError> {
    let text = text.trim();
    if let Ok(ts) = text.parse::<Timestamp>() {
        return Ok(ts);
    }
    let has_time = text.contains(['T', 't', ' ']);
    if !has_time
        && let Ok(date) = text.parse::<jiff::civil::Date>()
        && let Ok(zoned) = date.to_zoned_datetime(jiff::tz::TimeZone::UTC)
    {
        return Ok(zoned.timestamp());
    }
    if let Ok(at) = text.parse::<jiff::civil::DateTime>() {
        let like = if at.second() == 0 { "%Y-%m-%dT%H:%MZ" } else { "%Y-%m-%dT%H:%M:%SZ" };
        return Err(TimeError::NoOffset { text: text.to_string(), like: at.strftime(like).to_string() });
    }
    Err(TimeError::Instant(text.to_string()))
}

/// How long ago something was, to the two largest units (`1d 5h`, `3h 20m`, `45s`): enough to
/// see at a glance, and never more precise than the reader needs.
pub fn format_ago(secs: i64) -> String {
    let secs = secs.max(0);
    let parts = [(secs / DAY_SECS, "d"), (secs % DAY_SECS / 3600, "h"), (secs % 3600 / 60, "m"), (secs % 60, "s")];
    let first = parts.iter().position(|(n, _)| *n > 0).unwrap_or(3);
    parts[first..(first + 2).min(4)]
        .iter()
        .enumerate()
        .filter(|(i, (n, _))| *i == 0 || *n > 0)
        .map(|(_, (n, unit))| format!("{n}{unit}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Checks an auction's closing time against the clock and its window: bids must close in the
/// future and no later than the window starts (after that, the capacity is being used).
pub fn check_closes(closes: i64, window: Window, now: i64) -> Result<(), TimeError> {
    if closes > window.start {
        return Err(TimeError::ClosesLate { closes: format_instant(closes), start: format_instant(window.start) });
    }
    if closes <= now {
        return Err(TimeError::ClosesPast { closes: format_instant(closes), now: format_instant(now) });
    }
    Ok(())
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

    /// Whether the window can still be sold (or offered) at `now`, on the `slot` grid.
    ///
    /// A window that has ended is refused, and so is one whose first slot is over: selling it
    /// would bill hours that are gone. A window may start in the slot `now` is in, so that a
    /// buyer can have capacity at once; that slot is sold and billed whole, as every slot is.
    /// `Ok(Some(secs))` says how long ago such a window began, for a note; `Ok(None)` that it
    /// has not begun.
    pub fn check_sellable(self, slot: Slot, now: i64) -> Result<Option<i64>, TimeError> {
        if now >= self.end {
            return Err(TimeError::Ended { window: self.to_string(), ago: format_ago(now - self.end) });
        }
        let current = slot.start(slot.index(now));
        if self.start < current {
            return Err(TimeError::Begun {
                window: self.to_string(),
                ago: format_ago(now - self.start),
                rest: Window { start: current, end: self.end }.to_string(),
            });
        }
        Ok(self.began(now))
    }

    /// How long ago the window began, if it has by `now`.
    pub fn began(self, now: i64) -> Option<i64> {
        (self.start < now).then_some(now - self.start)
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
    fn times_without_an_offset_are_refused_not_cut_to_midnight() {
        for text in ["2026-12-02T16:00", "2026-12-02 16:00", "2026-12-02T16:00:30", "2026-12-02T16"] {
            assert!(parse_instant(text).is_err(), "{text} was read as {:?}", parse_instant(text));
            assert!(format!("{text}/1h").parse::<Window>().is_err(), "{text}/1h");
        }
    }

    #[test]
    fn the_error_shows_the_time_with_an_offset() {
        assert_eq!(
            parse_instant("2026-12-02T16:00").unwrap_err().to_string(),
            "`2026-12-02T16:00` has no zone offset: expected an RFC 3339 time with Z or an offset, like 2026-12-02T16:00Z"
        );
        let e = "2026-12-02 16:00:30/1h".parse::<Window>().unwrap_err().to_string();
        assert!(e.ends_with("like 2026-12-02T16:00:30Z"), "{e}");
        // A bare date still means midnight UTC, as documented; other text is not a time.
        assert_eq!(parse_instant("2026-11-26").unwrap().as_second(), 1_795_651_200);
        assert_eq!(parse_instant("2026-12-02t16:00z").unwrap().as_second(), 1_796_169_600 + 16 * 3600);
        assert!(matches!(parse_instant("2026-13-02T16:00"), Err(TimeError::Instant(_))));
        assert!(matches!(parse_instant("16:00"), Err(TimeError::Instant(_))));
    }

    #[test]
    fn ago_keeps_two_units() {
        assert_eq!(format_ago(0), "0s");
        assert_eq!(format_ago(45), "45s");
        assert_eq!(format_ago(3600), "1h");
        assert_eq!(format_ago(3600 + 20 * 60 + 5), "1h 20m");
        assert_eq!(format_ago(DAY_SECS + 5 * 3600 + 59), "1d 5h");
        assert_eq!(format_ago(2 * DAY_SECS + 30), "2d");
        assert_eq!(format_ago(-5), "0s");
    }

    #[test]
    fn a_window_sells_until_its_first_slot_is_over() {
        let w: Window = "2026-11-30T16:00Z/4h".parse().unwrap();
        let at = |t: &str| parse_instant(t).unwrap().as_second();
        assert_eq!(w.check_sellable(Slot::HOUR, at("2026-11-30T12:00Z")), Ok(None));
        assert_eq!(w.check_sellable(Slot::HOUR, at("2026-11-30T16:00Z")), Ok(None));
        // In its first slot: sold whole, with how long ago it began.
        assert_eq!(w.check_sellable(Slot::HOUR, at("2026-11-30T16:20Z")), Ok(Some(20 * 60)));
        assert_eq!(
            w.check_sellable(Slot::HOUR, at("2026-11-30T17:05Z")).unwrap_err().to_string(),
            "window 2026-11-30T16:00Z/4h began 1h 5m ago and its first slot is over; what is left is 2026-11-30T17:00Z/3h"
        );
        assert_eq!(
            w.check_sellable(Slot::HOUR, at("2026-11-30T20:00Z")).unwrap_err().to_string(),
            "window 2026-11-30T16:00Z/4h ended 0s ago"
        );
        assert_eq!(
            w.check_sellable(Slot::HOUR, at("2026-12-02T01:20Z")).unwrap_err().to_string(),
            "window 2026-11-30T16:00Z/4h ended 1d 5h ago"
        );
        // A 15-minute grid leaves less of a slot behind.
        let quarter = Slot::from_secs(900).unwrap();
        assert!(w.check_sellable(quarter, at("2026-11-30T16:20Z")).is_err());
    }

    #[test]
    fn bids_close_before_the_window_and_after_now() {
        let w: Window = "2026-11-30T16:00Z/4h".parse().unwrap();
        let at = |t: &str| parse_instant(t).unwrap().as_second();
        let now = at("2026-11-30T12:00Z");
        assert_eq!(check_closes(at("2026-11-30T15:00Z"), w, now), Ok(()));
        assert_eq!(check_closes(w.start, w, now), Ok(()));
        assert_eq!(
            check_closes(at("2026-11-30T11:00Z"), w, now).unwrap_err().to_string(),
            "--closes 2026-11-30T11:00:00Z is not in the future (the time is 2026-11-30T12:00:00Z)"
        );
        assert_eq!(
            check_closes(at("2026-11-30T16:01Z"), w, now).unwrap_err().to_string(),
            "--closes 2026-11-30T16:01:00Z is after the window starts (2026-11-30T16:00:00Z): bids must close before it is used"
        );
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
