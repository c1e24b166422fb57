//! What a log line tells us: when, how many bytes, and for which host.

use std::borrow::Cow;

/// One request from an access log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRecord<'a> {
    /// Unix time (UTC seconds) the line was logged; fractions are dropped.
    pub time: i64,
    /// Response bytes sent (0 when the log says `-`).
    pub bytes: u64,
    /// The virtual host (HTTP Host) when the format carries one, without the port.
    pub host: Option<Cow<'a, [u8]>>,
}
