//! Fuzzes the access-log parsers: any bytes as a line of every format (combined, common,
//! vhost_combined, combined_host, squid, JSON) give a record or an error, never a panic; and
//! format detection over the lines of the input never panics.
//!
//! `RUSTC_BOOTSTRAP=1 cargo fuzz run log_line -- -max_total_time=600`

#![no_main]

use libfuzzer_sys::fuzz_target;
use surplus::ingest::log_format::LineParser;
use surplus::ingest::{JsonFields, LogFormat};

const FORMATS: [&str; 6] = ["combined", "common", "vhost_combined", "combined_host", "squid", "json"];

fuzz_target!(|data: &[u8]| {
    let fields = JsonFields::default();
    for name in FORMATS {
        let mut parser = LineParser::new(LogFormat::from_name(name, &fields).expect("a known format"));
        if let Ok(record) = parser.parse(data) {
            assert!(record.time >= 0, "{name}: a time before 1970 from {data:?}");
        }
    }
    let _ = LogFormat::detect(data.split(|&b| b == b'\n'), &fields);
});
