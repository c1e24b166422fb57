//! Fuzzes the market's input files: any text as a CSV or YAML bid file and as a CSV orders
//! file gives the bids/orders or an error with a line number, never a panic.
//!
//! `RUSTC_BOOTSTRAP=1 cargo fuzz run market_files -- -max_total_time=600`

#![no_main]

use std::collections::HashSet;
use std::path::Path;
use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use surplus::app::bid_file;
use surplus::app::orders::parse_orders;
use surplus::config::Config;

static CONFIG: LazyLock<Config> = LazyLock::new(|| {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/surplus.yaml");
    Config::load(&path).expect("the example config loads")
});

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let buyers: HashSet<&str> = CONFIG.buyers.iter().map(|b| b.name.as_str()).collect();
    if let Ok(bids) = bid_file::from_csv(text, &buyers) {
        assert!(bids.iter().all(|b| b.rps > 0 && b.price.micros() > 0 && b.min_rps <= b.rps));
    }
    let _ = bid_file::from_yaml(text, &buyers);
    if let Ok(orders) = parse_orders(&CONFIG, "orders.csv", text, &buyers, 0) {
        assert!(orders.iter().all(|o| o.order.rps > 0 && o.order.limit.micros() > 0));
    }
});
