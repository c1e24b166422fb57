//! A real Prometheus (Debian's `prometheus` package) for the tests: started on a loopback port
//! with its own storage directory, optionally with history backfilled first by `promtool tsdb
//! create-blocks-from openmetrics`, and stopped when dropped.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::e2e::Daemon;
use crate::test::system_tool;

/// A running Prometheus.
pub(crate) struct PrometheusServer {
    _daemon: Daemon,
    /// `http://127.0.0.1:PORT`.
    pub(crate) url: String,
    dir: PathBuf,
}

/// Whether Prometheus and promtool are here (a failure under SURPLUS_REQUIRE_SYSTEM_TESTS=1).
pub(crate) fn available() -> bool {
    system_tool("prometheus", "prometheus") && system_tool("promtool", "prometheus")
}

/// A free TCP port on loopback.
pub(crate) fn free_tcp_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl PrometheusServer {
    /// Backfills `openmetrics` (text ending `# EOF`) into `dir`'s storage, then starts.
    pub(crate) fn with_history(dir: &Path, openmetrics: &str) -> PrometheusServer {
        let data = dir.join("data");
        std::fs::create_dir_all(&data).unwrap();
        let input = dir.join("history.om");
        std::fs::write(&input, openmetrics).unwrap();
        let out = Command::new("promtool")
            .args(["tsdb", "create-blocks-from", "openmetrics", "--max-block-duration=24h"])
            .arg(&input)
            .arg(&data)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "promtool failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        PrometheusServer::start(dir, &[], Duration::from_secs(1))
    }

    /// Starts with a scrape every `interval` of each target (`host:port`, path /metrics).
    pub(crate) fn start(dir: &Path, targets: &[String], interval: Duration) -> PrometheusServer {
        let port = free_tcp_port();
        let listen = format!("127.0.0.1:{port}");
        let targets: Vec<String> = targets.iter().map(|t| format!("'{t}'")).collect();
        let config = format!(
            "global:\n  scrape_interval: {}ms\n  evaluation_interval: {}ms\nscrape_configs:\n  - job_name: proxies\n    static_configs:\n      - targets: [{}]\n",
            interval.as_millis(),
            interval.as_millis(),
            targets.join(", ")
        );
        std::fs::create_dir_all(dir).unwrap();
        let config_file = dir.join("prometheus.yml");
        std::fs::write(&config_file, config).unwrap();
        let child = Command::new("prometheus")
            .arg(format!("--config.file={}", config_file.display()))
            .arg(format!("--storage.tsdb.path={}", dir.join("data").display()))
            .arg(format!("--web.listen-address={listen}"))
            // Backfilled history is weeks old; keep it.
            .arg("--storage.tsdb.retention.time=3650d")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.join("prometheus.log")).unwrap())
            .spawn()
            .unwrap();
        let server =
            PrometheusServer { _daemon: Daemon(child), url: format!("http://{listen}"), dir: dir.to_path_buf() };
        server.wait_ready();
        server
    }

    fn wait_ready(&self) {
        let started = Instant::now();
        let agent: ureq::Agent =
            ureq::Agent::config_builder().timeout_global(Some(Duration::from_secs(2))).build().into();
        while started.elapsed() < Duration::from_secs(60) {
            if agent.get(format!("{}/-/ready", self.url)).call().is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!(
            "Prometheus not ready in 60 s:\n{}",
            std::fs::read_to_string(self.dir.join("prometheus.log")).unwrap_or_default()
        );
    }
}
