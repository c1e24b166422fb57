//! `surplus ledger migrate|check|copy` on both backends, and a ledger that cannot be reached.

use crate::report::used;
use crate::test::{AFTER, Backend, Scratch, Test, backends, example_config};

/// What the reports and listings print, each as `(command, stdout)`, at [`AFTER`].
fn reports(db: &str) -> Vec<(String, String)> {
    let commands: &[&[&str]] = &[
        &["report", "usage"],
        &["report", "usage", "--format", "json"],
        &["report", "sales"],
        &["report", "capacity", "--format", "csv"],
        &["market", "sales", "--format", "json"],
        &["market", "auction", "list"],
        &["market", "orders"],
        &["market", "book", "--window", crate::test::WINDOW],
        &["capacity", "offers", "--format", "json"],
    ];
    commands
        .iter()
        .map(|args| {
            let ran = Test::new().config(example_config()).args(["--db", db]).args(*args).now(AFTER).run();
            (args.join(" "), ran.stdout)
        })
        .collect()
}

#[test]
fn a_copy_to_postgres_and_back_reports_the_same_byte_for_byte() {
    if !backends().contains(&Backend::Postgres) {
        return;
    }
    let m = used(Backend::Sqlite);
    m.surplus(&["market", "order", "sell", "--window", crate::test::WINDOW, "--rps", "5", "--limit", "0.80"]).run();
    let original = reports(&m.db());
    let url = crate::pg_cluster::shared().unwrap().fresh_database();
    m.surplus(&["ledger", "copy", "--to", &url]).stderr_contains(" rows from ").stderr_contains("(postgres)").run();
    assert_eq!(reports(&url), original, "SQLite → PostgreSQL");
    let back = m.dir.path().join("back.db").display().to_string();
    Test::new().config(example_config()).args(["--db", &url, "ledger", "copy", "--to", &back]).run();
    assert_eq!(reports(&back), original, "PostgreSQL → SQLite");
    // A second copy into a ledger with rows is refused, and leaves it as it was.
    m.surplus(&["ledger", "copy", "--to", &url]).status(1).stderr_contains("the target ledger is not empty (").run();
    assert_eq!(reports(&url), original);
    for db in [m.db(), url, back] {
        Test::new()
            .config(example_config())
            .args(["--db", &db, "ledger", "check"])
            .stdout_contains("not-oversold")
            .stdout_contains("rollups-equal-samples")
            .run();
    }
}

#[test]
fn migrate_says_the_version_and_check_fails_on_a_drifted_counter() {
    for backend in backends() {
        eprintln!("backend: {backend:?}");
        let m = Scratch::empty_on(backend);
        let name = match backend {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        };
        m.surplus(&["ledger", "migrate"]).stdout_contains(&format!("({name}) is at schema version ")).run();
        let m = Scratch::with_offers_on(backend);
        let json = m.surplus(&["ledger", "check", "--format", "json"]).run().json();
        assert!(json.as_array().unwrap().iter().all(|i| i["violations"] == 0), "{json}");
        drift(&m.db());
        m.surplus(&["ledger", "check"]).status(1).stderr_contains("1 broken: sold-counter (4)").run();
    }
}

/// Breaks `offers.sold` behind the ledger's back.
fn drift(db: &str) {
    if db.starts_with("postgres") {
        let mut client = postgres::Client::connect(db, postgres::NoTls).unwrap();
        client.batch_execute("UPDATE offers SET sold = sold + 1").unwrap();
    } else {
        rusqlite::Connection::open(db).unwrap().execute_batch("UPDATE offers SET sold = sold + 1").unwrap();
    }
}

#[test]
fn an_unreachable_ledger_is_one_line_and_writes_nothing() {
    // A port nothing listens on: bind one, then close it.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("postgres://surplus@127.0.0.1:{port}/surplus?connect_timeout=1");
    let started = std::time::Instant::now();
    Test::new()
        .config(example_config())
        .args(["--db", &url, "report", "sales"])
        .status(1)
        .stderr(&format!("error: cannot reach the ledger at 127.0.0.1:{port}: connection refused\n"))
        .run();
    assert!(started.elapsed() < std::time::Duration::from_secs(30), "a bounded wait");
}
