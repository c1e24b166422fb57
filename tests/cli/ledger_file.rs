//! The ledger file as users meet it: a mistyped path, another program's database, a ledger from
//! before the application id or the currency column, a user who may only read it, and sales in
//! two currencies.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use rusqlite::Connection;

use crate::test::{Scratch, Test, WINDOW, example_config};

/// Every command that only reads the ledger, with what it needs to get that far.
const READERS: &[&[&str]] = &[
    &["report", "usage"],
    &["report", "sales"],
    &["report", "capacity"],
    &["market", "sales"],
    &["market", "book", "--window", WINDOW],
    &["market", "orders"],
    &["market", "auction", "list"],
    &["market", "auction", "show", "1"],
    &["capacity", "offers"],
    &["dns", "status"],
];

/// The example config without its metrics address, so `dns status` reads the ledger whatever
/// runs on this machine, in a directory of its own.
fn quiet_config() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(example_config()).unwrap();
    let text: String =
        text.lines().filter(|l| !l.trim_start().starts_with("metrics:")).map(|l| format!("{l}\n")).collect();
    let path = dir.path().join("surplus.yaml");
    std::fs::write(&path, text).unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    (dir, path)
}

/// `PRAGMA application_id` of a surplus ledger: `SRPL`.
const SRPL: i32 = 0x5352_504C;

#[test]
fn a_read_only_command_on_a_missing_ledger_fails_and_creates_nothing() {
    let m = Scratch::empty();
    let db = m.dir.path().join("typo.db");
    let (_dir, config) = quiet_config();
    for args in READERS {
        let ran = Test::new()
            .now(crate::test::NOW)
            .config(&config)
            .args(["--db", db.to_str().unwrap()])
            .args(*args)
            .status(1)
            .run();
        // `dns status` first says which metrics endpoint it tried.
        let want = format!(
            "error: no ledger at {}; create one with capacity measure --save or any command that writes\n",
            db.display()
        );
        assert!(ran.stderr.ends_with(&want), "{args:?}: {}", ran.stderr);
        assert!(ran.stdout.is_empty(), "{args:?}: {}", ran.stdout);
        assert!(!db.exists(), "{args:?} created the ledger");
    }
    assert_eq!(std::fs::read_dir(m.dir.path()).unwrap().count(), 0, "nothing beside it either");
    // A command that writes creates it.
    Test::new()
        .now(crate::test::NOW)
        .config(example_config())
        .args(["--db", db.to_str().unwrap(), "market", "auction", "create", "--window", WINDOW])
        .args(["--best-effort", "--rps", "5"])
        .run();
    assert!(db.exists());
}

/// The file's bytes, and whether SQLite left a -wal or -shm beside it.
fn untouched(path: &Path) -> (Vec<u8>, bool) {
    let beside = ["-wal", "-shm", "-journal"].iter().any(|s| Path::new(&format!("{}{s}", path.display())).exists());
    (std::fs::read(path).unwrap(), beside)
}

#[test]
fn a_file_that_is_not_a_surplus_ledger_is_refused_and_left_as_it_was() {
    let m = Scratch::empty();
    let other = m.dir.path().join("other.db");
    let conn = Connection::open(&other).unwrap();
    conn.execute_batch("CREATE TABLE foo (x); CREATE TABLE bar (y); INSERT INTO foo VALUES (1);").unwrap();
    drop(conn);
    // Another program's ledger-looking database: its own id, and an `offers` table of its own.
    let lookalike = m.dir.path().join("lookalike.db");
    let conn = Connection::open(&lookalike).unwrap();
    conn.execute_batch("CREATE TABLE offers (id, price); PRAGMA user_version = 3; PRAGMA application_id = 42;")
        .unwrap();
    drop(conn);
    let text = m.file("notes.db", "not a database, just text that is long enough to look like a header\n");
    let cases = [
        (&other, "an SQLite database with tables bar, foo; application_id 0"),
        (&lookalike, "an SQLite database with tables offers; application_id 42, user_version 3"),
        (&text, "not an SQLite database"),
    ];
    for (path, what) in cases {
        let before = untouched(path);
        for args in [
            &["market", "sales"][..],
            &["market", "auction", "create", "--window", WINDOW, "--best-effort", "--rps", "5"],
        ] {
            Test::new()
                .now(crate::test::NOW)
                .config(example_config())
                .args(["--db", path.to_str().unwrap()])
                .args(args)
                .status(1)
                .stderr(&format!("error: {}: not a surplus ledger ({what})\n", path.display()))
                .run();
        }
        Test::new()
            .config(example_config())
            .args(["--db", path.to_str().unwrap(), "config", "check"])
            .status(1)
            .stderr(&format!("error: {}: not a surplus ledger ({what})\n", path.display()))
            .run();
        assert_eq!(untouched(path), before, "{} was changed", path.display());
    }
}

/// A ledger as surplus left it at schema version 5 (before the application id and the
/// currency): an offer, an auction, a bid, an order and a sale.
fn version_5_ledger(path: &Path) {
    let conn = Connection::open(path).unwrap();
    conn.pragma_update(None, "journal_mode", "WAL").unwrap();
    for (i, sql) in surplus::ledger::sqlite::migrations::MIGRATIONS.iter().take(5).enumerate() {
        conn.execute_batch(sql).unwrap();
        conn.pragma_update(None, "user_version", i as i64 + 1).unwrap();
    }
    conn.execute_batch(
        "INSERT INTO offers (slot_start, slot_end, rps, measured_at, method) VALUES (1796054400, 1796058000, 50, 0, 'x');
         INSERT INTO auctions (window_start, window_end, rps, rule, reserve, status, created_at)
              VALUES (1796054400, 1796058000, 10, 'uniform', 500000, 'open', 0);
         INSERT INTO bids (auction_id, buyer, rps, min_rps, price, placed_at) VALUES (1, 'shop', 10, 0, 700000, 0);
         INSERT INTO orders (side, owner, window_start, window_end, rps, remaining, limit_price, tif, status, placed_at)
              VALUES ('buy', 'news', 1796054400, 1796058000, 5, 5, 600000, 'gtc', 'open', 0);
         INSERT INTO sales (buyer, window_start, window_end, rps, unit_price, total, mechanism, source_id, created_at)
              VALUES ('api', 1796054400, 1796058000, 4, 800000, 3200000, 'order', 9, 0);",
    )
    .unwrap();
}

/// The example config with `market.currency` set to `currency`, its ledger `--db` given.
fn config_in(m: &Scratch, currency: &str) -> std::path::PathBuf {
    let text = std::fs::read_to_string(example_config()).unwrap();
    assert!(text.contains("currency: EUR"));
    m.file(&format!("surplus-{currency}.yaml"), &text.replace("currency: EUR", &format!("currency: {currency}")))
}

#[test]
fn a_ledger_from_before_is_migrated_by_a_writer_and_its_prices_take_the_config_currency() {
    let m = Scratch::empty();
    version_5_ledger(Path::new(&m.db()));
    let usd = config_in(&m, "USD");
    let surplus = |args: &[&str]| Test::new().now(crate::test::NOW).config(&usd).args(["--db", &m.db()]).args(args);
    // A reader may not migrate it.
    surplus(&["market", "sales"])
        .status(1)
        .stderr(&format!(
            "error: {}: the ledger needs migration (schema version 5, this surplus's is {}); run any writing command as a user who may write it\n",
            m.db(),
            surplus::ledger::sqlite::migrations::MIGRATIONS.len()
        ))
        .run();
    // A writer does, and marks it as a surplus ledger.
    surplus(&["market", "auction", "cancel", "1"]).stdout_contains("reserve 0.50 USD").run();
    let conn = Connection::open(m.db()).unwrap();
    let id: i32 = conn.query_row("PRAGMA application_id", [], |r| r.get(0)).unwrap();
    assert_eq!(id, SRPL);
    for table in ["auctions", "bids", "orders", "sales"] {
        let currencies: Vec<String> = conn
            .prepare(&format!("SELECT currency FROM {table}"))
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(currencies, ["USD"], "{table}");
    }
    let sales = surplus(&["market", "sales", "--format", "json"]).run().json();
    assert_eq!((sales[0]["total"].as_str(), sales[0]["currency"].as_str()), (Some("3.20"), Some("USD")));
}

/// Runs the binary as user `nobody`, who may read what others may read and write nothing here.
fn as_nobody(args: &[&str]) -> std::process::Output {
    Command::new("setpriv")
        .args(["--reuid=nobody", "--regid=nogroup", "--clear-groups", env!("CARGO_BIN_EXE_surplus")])
        .args(args)
        .env_remove("SURPLUS_CONFIG")
        .env("SURPLUS_NOW", "2026-11-30T12:00Z")
        .output()
        .unwrap()
}

/// Whether this process can run commands as `nobody` (root with `setpriv`); with
/// `SURPLUS_REQUIRE_SYSTEM_TESTS=1` it must.
fn can_be_nobody() -> bool {
    let ok = Command::new("setpriv")
        .args(["--reuid=nobody", "--regid=nogroup", "--clear-groups", "true"])
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        assert!(std::env::var("SURPLUS_REQUIRE_SYSTEM_TESTS").as_deref() != Ok("1"), "setpriv as root is required");
        eprintln!("skipped: cannot run as nobody (needs root and setpriv)");
    }
    ok
}

#[test]
fn a_user_who_may_only_read_the_ledger_runs_every_read_only_command() {
    if !can_be_nobody() {
        return;
    }
    let m = Scratch::with_offers();
    m.surplus(&["market", "auction", "create", "--window", WINDOW]).run();
    m.surplus(&["market", "auction", "bid", "1", "--buyer", "shop", "--rps", "40", "--price", "1.20"]).run();
    m.surplus(&["market", "auction", "run", "1"]).run();
    m.surplus(&["market", "order", "buy", "--buyer", "news", "--rps", "5", "--limit", "0.10", "--window", WINDOW])
        .run();
    // The ledger 0444 in a 0555 directory: nobody may read both, write neither, and there is
    // no -shm for it to use (the writers above removed theirs on closing).
    let db = m.db();
    let dir = m.dir.path().join("ro");
    std::fs::create_dir(&dir).unwrap();
    let ro = dir.join("ledger.db");
    std::fs::rename(&db, &ro).unwrap();
    assert!(!Path::new(&format!("{db}-shm")).exists());
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o444)).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o555)).unwrap();
    std::fs::set_permissions(m.dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let (_config_dir, config) = quiet_config();
    let base = ["-c", config.to_str().unwrap(), "--db", ro.to_str().unwrap()];
    for args in READERS {
        let out = as_nobody(&[&base[..], args].concat());
        let stderr = String::from_utf8_lossy(&out.stderr);
        if *args == ["dns", "status"] {
            // No server answers, and the ledger has no usage samples: it says so, from the ledger.
            assert!(String::from_utf8_lossy(&out.stdout).contains(&ro.display().to_string()), "{stderr}");
        }
        assert!(out.status.success(), "{args:?}: {stderr}");
    }
    let sales = as_nobody(&[&base[..], &["market", "sales", "--format", "json"]].concat());
    let json: serde_json::Value = serde_json::from_slice(&sales.stdout).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 1);
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1, "reading left nothing beside the ledger");
    // Writing says it is read-only, and where.
    let out = as_nobody(&[&base[..], &["market", "auction", "cancel", "1"]].concat());
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "error: {}: the ledger is read-only (Permission denied (os error 13)); nothing was written\n",
            ro.display()
        )
    );
    // With a writer holding the ledger open (its -shm there, readable, not writable by nobody),
    // reads go through SQLite's read-only WAL index and see what the writer committed.
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o644)).unwrap();
    let writer = Connection::open(&ro).unwrap();
    writer
        .execute(
            "INSERT INTO sales (buyer, window_start, window_end, rps, unit_price, total, mechanism, source_id, created_at, currency)
             VALUES ('api', 1796054400, 1796058000, 1, 1, 1, 'order', 99, 0, 'EUR')",
            [],
        )
        .unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o555)).unwrap();
    assert!(Path::new(&format!("{}-shm", ro.display())).exists());
    let sales = as_nobody(&[&base[..], &["market", "sales", "--format", "json"]].concat());
    assert!(sales.status.success(), "{}", String::from_utf8_lossy(&sales.stderr));
    let json: serde_json::Value = serde_json::from_slice(&sales.stdout).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 2, "the writer's uncheckpointed sale is seen");
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn a_read_only_user_is_not_shown_a_ledger_without_its_write_ahead_log() {
    if !can_be_nobody() {
        return;
    }
    let m = Scratch::empty();
    m.surplus(&["market", "auction", "create", "--window", WINDOW, "--best-effort", "--rps", "5"]).run();
    let dir = m.dir.path().join("ro");
    std::fs::create_dir(&dir).unwrap();
    let ro = dir.join("ledger.db");
    // A writer that stopped without checkpointing: its sale is only in the -wal. Copied while
    // it holds the ledger, the -shm left out.
    let writer = Connection::open(m.db()).unwrap();
    writer.pragma_update(None, "wal_autocheckpoint", 0).unwrap();
    writer.execute("UPDATE auctions SET rps = 6", []).unwrap();
    std::fs::copy(m.db(), &ro).unwrap();
    std::fs::copy(format!("{}-wal", m.db()), format!("{}-wal", ro.display())).unwrap();
    drop(writer);
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o555)).unwrap();
    std::fs::set_permissions(m.dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let config = example_config();
    let out = as_nobody(&["-c", config.to_str().unwrap(), "--db", ro.to_str().unwrap(), "market", "auction", "list"]);
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(out.status.code(), Some(1));
    let ro = ro.display();
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "error: {ro}: cannot read the ledger: {ro}-wal holds changes not yet in the ledger file, and this user may not create {ro}-shm to read them; run any command as a user who may write the directory, then read again\n"
        )
    );
}

#[test]
fn sales_in_two_currencies_are_totalled_apart() {
    let m = Scratch::with_offers();
    // In EUR (the example's currency): shop buys 40 rps for 4 h at 0.50 (the reserve) = 80.00.
    m.surplus(&["market", "auction", "create", "--window", WINDOW]).run();
    m.surplus(&["market", "auction", "bid", "1", "--buyer", "shop", "--rps", "40", "--price", "1.20"]).run();
    // The operator switches to USD with that auction still open: its bids stay in EUR.
    let usd = config_in(&m, "USD");
    let in_usd = |args: &[&str]| Test::new().now(crate::test::NOW).config(&usd).args(["--db", &m.db()]).args(args);
    in_usd(&["market", "auction", "bid", "1", "--buyer", "news", "--rps", "10", "--price", "1"])
        .status(1)
        .stderr("error: auction #1 is priced in EUR, not USD: prices in two currencies cannot meet\n")
        .run();
    in_usd(&["market", "auction", "run", "1"]).stdout_contains("revenue 80.00 EUR").run();
    // A USD book, and an EUR order that cannot join it.
    in_usd(&["market", "order", "sell", "--rps", "10", "--limit", "0.25", "--window", WINDOW]).run();
    let book = m.surplus(&["market", "book", "--window", WINDOW, "--format", "json"]).run().json();
    assert_eq!(book["currency"], "USD");
    m.surplus(&["market", "order", "buy", "--buyer", "api", "--rps", "10", "--limit", "0.30", "--window", WINDOW])
        .status(1)
        .stderr(
            "error: the book of 2026-11-30T16:00Z/4h is priced in USD, not EUR: prices in two currencies cannot meet\n",
        )
        .run();
    // api buys 10 rps for 4 h at 0.25 USD = 10.00 USD.
    in_usd(&["market", "order", "buy", "--buyer", "api", "--rps", "10", "--limit", "0.30", "--window", WINDOW])
        .stdout_contains("at 0.30 USD): traded 10 rps in 1 trade at 0.25 on average")
        .run();
    let sales = m.surplus(&["market", "sales", "--format", "json"]).run().json();
    let got: Vec<(&str, &str, &str)> = sales
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["buyer"].as_str().unwrap(), s["total"].as_str().unwrap(), s["currency"].as_str().unwrap()))
        .collect();
    assert_eq!(got, [("shop", "80.00", "EUR"), ("api", "10.00", "USD")]);
    m.surplus(&["market", "sales"]).stdout_contains("2 sales, 80.00 EUR + 10.00 USD in all").run();
    m.surplus(&["report", "usage"])
        .stdout_contains("api: 1 line, 0 requests served, owes 10.00 USD")
        .stdout_contains("shop: 1 line, 0 requests served, owes 80.00 EUR")
        .stdout_contains("total: 2 lines, 2 buyers, 80.00 EUR + 10.00 USD;")
        .run();
    let usage = m.surplus(&["report", "usage", "--format", "json"]).run().json();
    let currencies: Vec<&str> = usage.as_array().unwrap().iter().map(|l| l["currency"].as_str().unwrap()).collect();
    assert_eq!(currencies, ["USD", "EUR"]);
    m.surplus(&["report", "sales", "--by", "day"])
        .stdout_contains("80.00 EUR + 10.00 USD")
        .stdout_contains("1 periods, revenue 80.00 EUR + 10.00 USD")
        .run();
    let by_day = m.surplus(&["report", "sales", "--by", "day", "--format", "json"]).run().json();
    assert_eq!(by_day[0]["revenue"], serde_json::Value::Null, "no one figure for two currencies");
    assert_eq!(by_day[0]["revenue_by_currency"], serde_json::json!({"EUR": "80.00", "USD": "10.00"}));
    // The config check says the ledger's sales are not all in the config's currency.
    Test::new().now(crate::test::NOW)
        .config(&usd)
        .args(["--db", &m.db(), "config", "check"])
        .stderr(&format!(
            "warning: market.currency is USD, but the ledger {} has sales in EUR (1 sale); new prices will be in USD, and reports total each currency apart\n",
            m.db()
        ))
        .run();
    m.surplus(&["config", "check"]).stderr_contains("has sales in USD (1 sale)").run();
    let check = m.surplus(&["config", "check", "--format", "json"]).run().json();
    assert_eq!(check["currency"], "EUR");
    assert_eq!(check["ledger_sales_by_currency"], serde_json::json!({"EUR": 1, "USD": 1}));
    let book = in_usd(&["market", "book", "--window", WINDOW, "--format", "json"]).run().json();
    assert_eq!(book["currency"], serde_json::Value::Null, "the book is empty again");
}
