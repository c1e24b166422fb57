//! A test harness that reads like a sentence:
//! `Test::new().args(["config", "check"]).stdout_contains("valid").run()`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// One run of the binary and what it must do.
pub struct Test {
    args: Vec<String>,
    status: i32,
    stdout: Option<String>,
    stdout_contains: Vec<String>,
    stderr: Option<String>,
    stderr_contains: Vec<String>,
    envs: Vec<(String, String)>,
}

/// What a run produced, for checks the builder cannot express.
pub struct Ran {
    pub stdout: String,
    pub stderr: String,
}

impl Ran {
    /// Stdout parsed as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }
}

impl Test {
    /// A run with no arguments, expected to succeed.
    pub fn new() -> Test {
        Test {
            args: Vec::new(),
            status: 0,
            stdout: None,
            stdout_contains: Vec::new(),
            stderr: None,
            stderr_contains: Vec::new(),
            envs: Vec::new(),
        }
    }

    /// Sets an environment variable for the run (a later value for the same name wins).
    pub fn env(mut self, name: &str, value: &str) -> Test {
        self.envs.retain(|(n, _)| n != name);
        self.envs.push((name.to_string(), value.to_string()));
        self
    }

    /// Runs with the clock at `time` (`SURPLUS_NOW`); without it, the system clock.
    pub fn now(self, time: &str) -> Test {
        self.env("SURPLUS_NOW", time)
    }

    /// Adds arguments.
    pub fn args<I: IntoIterator<Item = S>, S: AsRef<str>>(mut self, args: I) -> Test {
        self.args.extend(args.into_iter().map(|a| a.as_ref().to_string()));
        self
    }

    /// Uses the config file at `path` (`-c`).
    pub fn config(self, path: impl AsRef<Path>) -> Test {
        let path = path.as_ref().display().to_string();
        self.args(["-c", path.as_str()])
    }

    /// Expects this exit status.
    pub fn status(mut self, status: i32) -> Test {
        self.status = status;
        self
    }

    /// Expects exactly this stdout.
    pub fn stdout(mut self, text: &str) -> Test {
        self.stdout = Some(text.to_string());
        self
    }

    /// Expects stdout to contain this.
    pub fn stdout_contains(mut self, text: &str) -> Test {
        self.stdout_contains.push(text.to_string());
        self
    }

    /// Expects exactly this stderr.
    pub fn stderr(mut self, text: &str) -> Test {
        self.stderr = Some(text.to_string());
        self
    }

    /// Expects stderr to contain this.
    pub fn stderr_contains(mut self, text: &str) -> Test {
        self.stderr_contains.push(text.to_string());
        self
    }

    /// Runs the binary and checks every expectation.
    pub fn run(self) -> Ran {
        let mut command = Command::new(env!("CARGO_BIN_EXE_surplus"));
        command.args(&self.args).env_remove("SURPLUS_CONFIG").env_remove("SURPLUS_NOW");
        command.envs(self.envs.iter().map(|(n, v)| (n, v)));
        let Output { status, stdout, stderr } = command.output().expect("the binary runs");
        let ran = Ran {
            stdout: String::from_utf8(stdout).expect("utf-8 stdout"),
            stderr: String::from_utf8(stderr).expect("utf-8 stderr"),
        };
        let env: String = self.envs.iter().map(|(n, v)| format!("{n}={v} ")).collect();
        let context =
            || format!("{env}surplus {}\n--- stdout\n{}--- stderr\n{}", self.args.join(" "), ran.stdout, ran.stderr);
        assert_eq!(status.code(), Some(self.status), "exit status\n{}", context());
        if let Some(want) = &self.stdout {
            assert_eq!(&ran.stdout, want, "stdout\n{}", context());
        }
        for want in &self.stdout_contains {
            assert!(ran.stdout.contains(want.as_str()), "stdout lacks {want:?}\n{}", context());
        }
        if let Some(want) = &self.stderr {
            assert_eq!(&ran.stderr, want, "stderr\n{}", context());
        }
        for want in &self.stderr_contains {
            assert!(ran.stderr.contains(want.as_str()), "stderr lacks {want:?}\n{}", context());
        }
        ran
    }
}

/// The repository's root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The bundled example config.
pub fn example_config() -> PathBuf {
    root().join("examples/surplus.yaml")
}

/// The sale window the market tests trade: the example's offers for it are 80, 79, 77 and
/// 77 rps, so 77 are sellable in every slot.
pub const WINDOW: &str = "2026-11-30T16:00Z/4h";

/// The tests' clock (`SURPLUS_NOW`, set by [`Scratch::surplus`]): before [`WINDOW`] and the
/// other windows the tests sell, which the bundled logs' dates put in the past by now. The
/// market refuses a window that is over.
pub const NOW: &str = "2026-11-30T12:00Z";

/// A clock after every window the tests sell, for reports of what happened in them.
pub const AFTER: &str = "2026-12-02T00:00Z";

/// Which database a test's ledger is on: one test body runs on each of [`backends`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// SQLite, and PostgreSQL when the test cluster can start (required under
/// `SURPLUS_REQUIRE_SYSTEM_TESTS=1`).
pub fn backends() -> Vec<Backend> {
    let mut all = vec![Backend::Sqlite];
    if crate::pg_cluster::shared().is_some() {
        all.push(Backend::Postgres);
    }
    all
}

/// A scratch directory with a ledger in it, holding the example's offers for [`WINDOW`].
pub struct Scratch {
    pub dir: tempfile::TempDir,
    /// The ledger's PostgreSQL URL; `None`: `ledger.db` in the directory.
    postgres: Option<String>,
}

impl Scratch {
    /// An empty scratch directory (no ledger yet).
    pub fn empty() -> Scratch {
        Scratch { dir: tempfile::tempdir().unwrap(), postgres: None }
    }

    /// An empty scratch directory whose ledger is on `backend` (an empty database of the test
    /// cluster for PostgreSQL).
    pub fn empty_on(backend: Backend) -> Scratch {
        let postgres = match backend {
            Backend::Sqlite => None,
            Backend::Postgres => Some(crate::pg_cluster::shared().expect("PostgreSQL").fresh_database()),
        };
        Scratch { dir: tempfile::tempdir().unwrap(), postgres }
    }

    /// An empty scratch directory whose ledger is the PostgreSQL database at `url` (one of a
    /// private cluster's, which [`Scratch::copy`] cannot copy: that is the shared cluster's).
    pub fn on_database(url: String) -> Scratch {
        Scratch { dir: tempfile::tempdir().unwrap(), postgres: Some(url) }
    }

    /// A ledger holding the example's offers for [`WINDOW`].
    pub fn with_offers() -> Scratch {
        Scratch::with_offers_on(Backend::Sqlite)
    }

    /// A ledger on `backend` holding the example's offers for [`WINDOW`].
    pub fn with_offers_on(backend: Backend) -> Scratch {
        let s = Scratch::empty_on(backend);
        s.surplus(&["capacity", "measure", "--for", WINDOW, "--save"]).stderr_contains("saved 4 offers").run();
        s
    }

    /// The ledger: its path, or its PostgreSQL URL.
    pub fn db(&self) -> String {
        match &self.postgres {
            Some(url) => url.clone(),
            None => self.dir.path().join("ledger.db").display().to_string(),
        }
    }

    /// The ledger, opened for writing (as a test writes what `dns serve` would).
    pub fn ledger(&self) -> surplus::ledger::Ledger {
        let location = surplus::ledger::location::Location::parse(&self.db(), Path::new("")).unwrap();
        surplus::ledger::Ledger::open_location(&location, surplus::ledger::OpenOptions::write("EUR")).unwrap()
    }

    /// The backend the ledger is on.
    pub fn backend(&self) -> Backend {
        if self.postgres.is_some() { Backend::Postgres } else { Backend::Sqlite }
    }

    /// The one integer `sql` returns (a `COUNT(*)`), asked of the database directly, behind the
    /// binary's back. The SQL must mean the same on both backends.
    pub fn count(&self, sql: &str) -> i64 {
        match &self.postgres {
            Some(url) => {
                let mut client = postgres::Client::connect(url, postgres::NoTls).unwrap();
                client.query_one(sql, &[]).unwrap_or_else(|e| panic!("{sql}: {e}")).get(0)
            }
            None => rusqlite::Connection::open(self.db())
                .unwrap()
                .query_row(sql, [], |r| r.get(0))
                .unwrap_or_else(|e| panic!("{sql}: {e}")),
        }
    }

    /// A copy of this ledger, taken while nothing uses it: a copy of the (checkpointed) file,
    /// or a database made from this one as a template.
    pub fn copy(&self) -> Scratch {
        let dir = tempfile::tempdir().unwrap();
        let postgres = match &self.postgres {
            Some(url) => {
                let name = url.rsplit('/').next().unwrap();
                Some(crate::pg_cluster::shared().expect("PostgreSQL").copy_database(name))
            }
            None => {
                rusqlite::Connection::open(self.db())
                    .unwrap()
                    .execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
                    .unwrap();
                std::fs::copy(self.db(), dir.path().join("ledger.db")).unwrap();
                None
            }
        };
        Scratch { dir, postgres }
    }

    /// Waits until no other session is connected to the PostgreSQL ledger (a killed client's
    /// server process ends, and commits or rolls back, a moment after the client does); at
    /// once on SQLite.
    pub fn wait_for_no_sessions(&self) {
        let Some(url) = &self.postgres else { return };
        let mut client = postgres::Client::connect(url, postgres::NoTls).unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            let others: i64 = client
                .query_one(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
                    &[],
                )
                .unwrap()
                .get(0);
            if others == 0 {
                return;
            }
            assert!(std::time::Instant::now() < deadline, "{others} sessions still on {url}");
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }

    /// Writes `text` to a file in the directory.
    pub fn file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    /// Sales as `(buyer, rps, unit_price, mechanism, source_id)`, from `market sales`.
    pub fn sales(&self) -> Vec<(String, i64, String, String, i64)> {
        let json = self.surplus(&["market", "sales", "--format", "json"]).run().json();
        let text = |v: &serde_json::Value| v.as_str().unwrap().to_string();
        json.as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    text(&s["buyer"]),
                    s["rps"].as_i64().unwrap(),
                    text(&s["unit_price"]),
                    text(&s["mechanism"]),
                    s["source_id"].as_i64().unwrap(),
                )
            })
            .collect()
    }

    /// `SURPLUS_NOW=NOW surplus -c EXAMPLE --db LEDGER ARGS…` (`.now(…)` sets another time).
    pub fn surplus(&self, args: &[&str]) -> Test {
        Test::new().config(example_config()).args(["--db", &self.db()]).args(args).now(NOW)
    }
}

/// Whether the system tool `tool` (from Debian package `package`) is installed. Without it a
/// test is skipped with a printed reason, unless `SURPLUS_REQUIRE_SYSTEM_TESTS=1` (set by
/// `.ci/run`, which installs the packages): then a missing tool fails the test.
pub fn system_tool(tool: &str, package: &str) -> bool {
    let found = std::process::Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .is_ok_and(|o| o.status.success());
    if found {
        return true;
    }
    assert!(
        std::env::var("SURPLUS_REQUIRE_SYSTEM_TESTS").as_deref() != Ok("1"),
        "{tool} is required: apt-get install {package}"
    );
    eprintln!("skipped: {tool} is not installed (apt-get install {package})");
    false
}
