//! Fuzzes the configuration parser: any text as surplus.yaml must load or give an error, never
//! panic. Validation runs too (names, addresses, durations, formats, references).
//!
//! `RUSTC_BOOTSTRAP=1 cargo fuzz run config -- -max_total_time=600`

#![no_main]

use std::path::{Path, PathBuf};

use libfuzzer_sys::fuzz_target;
use surplus::config::Config;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Err(e) = Config::parse(text, Path::new("fuzz.yaml"), PathBuf::from("/nonexistent")) {
        // Errors are one line, named after the file.
        let message = e.to_string();
        assert!(message.starts_with("fuzz.yaml"), "{message}");
    }
});
