//! Why a log line was skipped: one short reason, cheap to create on the hot path.

use std::fmt;

/// The reason a line is not a record of the expected format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineError {
    /// No `[dd/Mon/yyyy:HH:MM:SS +zzzz]` (or JSON time field) where one was expected.
    NoTime,
    /// A time field that is not a valid time.
    BadTime,
    /// No quoted request (`"GET / HTTP/1.1"`) followed by a status.
    NoRequest,
    /// Bytes field neither digits nor `-`.
    BadBytes,
    /// Text after the bytes field where the format ends there (`common`).
    Trailing,
    /// No `"referer" "user-agent"` after the bytes field (`combined`).
    NoReferer,
    /// Not `client ident user` before the time (`common`, `combined`).
    Prefix,
    /// Missing `host:port` first field (`vhost_combined`).
    NoVhost,
    /// Too few fields (Squid).
    TooFewFields,
    /// Result code not `CODE/status` (Squid).
    BadStatus,
    /// Not a JSON object.
    NotJson,
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LineError::NoTime => "no [time] field",
            LineError::BadTime => "time is not a valid date and time",
            LineError::NoRequest => "no quoted request followed by a status code",
            LineError::BadBytes => "bytes field is not a number or -",
            LineError::Trailing => "unexpected text after the bytes field",
            LineError::NoReferer => "no \"referer\" \"user-agent\" after the bytes field",
            LineError::Prefix => "not `client ident user` before [time]",
            LineError::NoVhost => "no host:port field first",
            LineError::TooFewFields => "too few fields",
            LineError::BadStatus => "result field is not CODE/STATUS",
            LineError::NotJson => "not a JSON object",
        })
    }
}
