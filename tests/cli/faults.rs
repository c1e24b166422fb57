//! The ledger under faults: an auction run killed with SIGKILL while it writes, and eight
//! processes writing at once, each on SQLite and on PostgreSQL; a full or read-only disk, which
//! only a ledger file can meet (PostgreSQL's disk is the server's), on SQLite alone.

use std::process::{Command, Stdio};
use std::time::Instant;

use crate::test::{Backend, NOW, Scratch, backends, example_config};

/// A best-effort auction (no offers needed, so any size) of `bids` bids of 1 rps each, all
/// winning: settling it writes `bids` sales in one transaction.
fn big_auction(m: &Scratch, bids: usize) {
    m.surplus(&[
        "market",
        "auction",
        "create",
        "--window",
        "2026-11-30T16:00Z/4h",
        "--best-effort",
        "--rps",
        &bids.to_string(),
    ])
    .run();
    let mut csv = String::from("buyer,rps,price\n");
    for i in 0..bids {
        csv.push_str(&format!("{},1,{}.{:02}\n", ["shop", "news", "api"][i % 3], 1 + i % 7, i % 100));
    }
    let file = m.file("bids.csv", &csv);
    m.surplus(&["market", "auction", "bid", "1", "--file", file.to_str().unwrap()]).run();
}

/// `(the auction's status, its sales)`, once the ledger is whole: SQLite's integrity check and
/// `surplus ledger check` (no slot oversold, counters equal a recount) both pass.
fn ledger_state(m: &Scratch) -> (String, i64) {
    m.wait_for_no_sessions();
    if m.backend() == Backend::Sqlite {
        let conn = rusqlite::Connection::open(m.db()).unwrap();
        let check: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
        assert_eq!(check, "ok");
    }
    m.surplus(&["ledger", "check"]).run();
    let cleared = m.count("SELECT count(*) FROM auctions WHERE id = 1 AND status = 'cleared'");
    let open = m.count("SELECT count(*) FROM auctions WHERE id = 1 AND status = 'open'");
    let status = match (cleared, open) {
        (1, 0) => "cleared",
        (0, 1) => "open",
        other => panic!("auction #1 neither cleared nor open: {other:?}"),
    };
    (status.into(), m.count("SELECT count(*) FROM sales WHERE source_id = 1"))
}

#[test]
fn an_auction_run_killed_while_it_writes_leaves_all_of_its_sales_or_none() {
    for backend in backends() {
        eprintln!("backend: {backend:?}");
        killed_while_it_writes(backend);
    }
}

fn killed_while_it_writes(backend: Backend) {
    const BIDS: usize = 60_000;
    let pristine = Scratch::empty_on(backend);
    big_auction(&pristine, BIDS);
    let run = |m: &Scratch| {
        Command::new(env!("CARGO_BIN_EXE_surplus"))
            .env("SURPLUS_NOW", NOW)
            .args(["-c", example_config().to_str().unwrap(), "--db", &m.db(), "market", "auction", "run", "1"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    // How long a whole run takes, to kill it at points through it.
    let m = pristine.copy();
    let started = Instant::now();
    assert!(run(&m).wait().unwrap().success());
    let whole = started.elapsed();
    assert_eq!(ledger_state(&m), ("cleared".into(), BIDS as i64));

    let (mut none, mut all) = (0, 0);
    for tenth in 1..10 {
        let m = pristine.copy();
        let mut running = run(&m);
        std::thread::sleep(whole * tenth / 10);
        running.kill().unwrap(); // SIGKILL
        let _ = running.wait();
        let (status, sales) = ledger_state(&m);
        match (status.as_str(), sales) {
            ("open", 0) => {
                none += 1;
                if none > 1 {
                    continue;
                }
                // Nothing was written: the auction runs again, whole (once is enough to show
                // it; each run is seconds, tens of them on PostgreSQL in a debug build).
                m.surplus(&["market", "auction", "run", "1"])
                    .stdout_contains(&format!("sold {BIDS} of {BIDS} rps"))
                    .run();
                assert_eq!(ledger_state(&m).1, BIDS as i64);
            }
            ("cleared", n) if n == BIDS as i64 => all += 1,
            other => panic!("killed at {tenth}/10 of {whole:?}: status and sales {other:?}"),
        }
    }
    println!(
        "{backend:?}: a run of {BIDS} sales takes {whole:?}; killed at 9 points: {none} left nothing, {all} finished"
    );
    assert!(none > 0, "no kill landed before the commit: the test did not test it");
}

#[test]
fn eight_processes_writing_at_once_lose_nothing_and_see_no_lock_errors() {
    for backend in backends() {
        eprintln!("backend: {backend:?}");
        eight_writers(backend);
    }
}

fn eight_writers(backend: Backend) {
    const EACH: usize = 15;
    let m = Scratch::with_offers_on(backend);
    m.surplus(&["market", "auction", "create", "--window", crate::test::WINDOW]).run();
    let db = m.db();
    let config = example_config();
    let started = Instant::now();
    std::thread::scope(|s| {
        for p in 0..8 {
            let (db, config) = (&db, &config);
            s.spawn(move || {
                for i in 0..EACH {
                    // Half the processes bid, the others place orders; every third call reads.
                    let args: Vec<String> = if p % 2 == 0 {
                        [
                            "market",
                            "auction",
                            "bid",
                            "1",
                            "--buyer",
                            "shop",
                            "--rps",
                            "1",
                            "--price",
                            &format!("1.{p}{i:02}"),
                        ]
                        .map(String::from)
                        .to_vec()
                    } else {
                        [
                            "market",
                            "order",
                            "buy",
                            "--buyer",
                            "news",
                            "--window",
                            "2026-11-30T16:00Z/1h",
                            "--rps",
                            "1",
                            "--limit",
                            "0.10",
                        ]
                        .map(String::from)
                        .to_vec()
                    };
                    let out = Command::new(env!("CARGO_BIN_EXE_surplus"))
                        .env("SURPLUS_NOW", NOW)
                        .args(["-c", config.to_str().unwrap(), "--db", db])
                        .args(&args)
                        .output()
                        .unwrap();
                    let stderr = String::from_utf8_lossy(&out.stderr);
                    assert!(out.status.success(), "process {p}, call {i}: {stderr}");
                    assert!(!stderr.contains("locked") && !stderr.contains("serializ"), "{stderr}");
                    if i % 3 == 0 {
                        let out = Command::new(env!("CARGO_BIN_EXE_surplus"))
                            .env("SURPLUS_NOW", NOW)
                            .args([
                                "-c",
                                config.to_str().unwrap(),
                                "--db",
                                db,
                                "report",
                                "capacity",
                                "--format",
                                "json",
                            ])
                            .output()
                            .unwrap();
                        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
                    }
                }
            });
        }
    });
    let bids = m.count("SELECT count(*) FROM bids");
    let orders = m.count("SELECT count(*) FROM orders");
    println!(
        "{backend:?}: 8 processes, {} writes and {} reads in {:?}",
        8 * EACH,
        8 * EACH.div_ceil(3),
        started.elapsed()
    );
    assert_eq!((bids, orders), (4 * EACH as i64, 4 * EACH as i64));
}

/// A small tmpfs mounted for a test, unmounted when dropped. `None` where this process may not
/// mount (not root); with `SURPLUS_REQUIRE_SYSTEM_TESTS=1` that fails the test instead.
struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    fn mount(size: &str) -> Option<Tmpfs> {
        let dir = tempfile::tempdir().unwrap();
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs", dir.path().to_str().unwrap()])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            assert!(std::env::var("SURPLUS_REQUIRE_SYSTEM_TESTS").as_deref() != Ok("1"), "mounting a tmpfs needs root");
            eprintln!("skipped: cannot mount a tmpfs (not root)");
            return None;
        }
        Some(Tmpfs { dir })
    }

    fn read_only(&self) {
        let dir = self.dir.path().to_str().unwrap();
        assert!(Command::new("mount").args(["-o", "remount,ro", dir]).status().unwrap().success());
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.dir.path()).status();
    }
}

#[test]
fn a_full_or_read_only_disk_is_a_clear_error_and_writes_nothing() {
    let Some(disk) = Tmpfs::mount("480k") else { return };
    let db = disk.dir.path().join("surplus.db");
    let surplus = |args: &[&str]| {
        crate::test::Test::new().config(example_config()).args(["--db", db.to_str().unwrap()]).args(args).now(NOW)
    };
    surplus(&["market", "auction", "create", "--window", "2026-11-30T18:00Z/2h", "--best-effort", "--rps", "100000"])
        .run();
    // 20,000 bids do not fit in what is left of 480 KiB: the file goes in whole or not at all.
    let scratch = Scratch::empty();
    let mut csv = String::from("buyer,rps,price\n");
    (0..20_000).for_each(|i| csv.push_str(&format!("shop,1,1.{:02}\n", i % 100)));
    let bids = scratch.file("bids.csv", &csv);
    surplus(&["market", "auction", "bid", "1", "--file", bids.to_str().unwrap()])
        .status(1)
        .stderr("error: ledger: the disk is full; nothing of this change was written\n")
        .run();
    let bids_in = || -> i64 {
        rusqlite::Connection::open(&db).unwrap().query_row("SELECT count(*) FROM bids", [], |r| r.get(0)).unwrap()
    };
    assert_eq!(bids_in(), 0);
    // A small one still fits.
    surplus(&["market", "auction", "bid", "1", "--buyer", "shop", "--rps", "1", "--price", "1"]).run();
    assert_eq!(bids_in(), 1);

    disk.read_only();
    surplus(&["market", "auction", "bid", "1", "--buyer", "shop", "--rps", "1", "--price", "1"])
        .status(1)
        .stderr(&format!(
            "error: {}: the ledger is read-only (Read-only file system (os error 30)); nothing was written\n",
            db.display()
        ))
        .run();
    // Reading needs no write: the reports and listings still run, from the file as it is.
    surplus(&["market", "auction", "show", "1", "--format", "json"]).stdout_contains("\"bid_id\": 1,").run();
    surplus(&["market", "auction", "list"]).stdout_contains("best-effort").run();
    surplus(&["market", "sales"]).stdout_contains("0 sales").run();
}
