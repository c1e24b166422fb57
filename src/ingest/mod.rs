//! Reading proxy access logs: line parsers (pure, `&[u8]` in, record out), file discovery
//! (globs, rotated and gzip'd files), and a parallel one-pass scan into per-second counts.

pub mod clf;
pub mod host_count;
pub mod json_lines;
pub mod line_error;
pub mod log_files;
pub mod log_format;
pub mod log_record;
pub mod scan;
pub mod squid;
pub mod timestamp;

pub use line_error::LineError;
pub use log_format::{JsonFields, LogFormat};
pub use log_record::LogRecord;
