//! A real Prometheus (Debian's `prometheus` package) for the tests: started on a loopback port
//! with its own storage directory, optionally with history backfilled first by `promtool tsdb
//! create-blocks-from openmetrics`, or serving HTTPS only, and stopped when dropped.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::e2e::Daemon;
use crate::test::system_tool;

/// A running Prometheus.
pub(crate) struct PrometheusServer {
    _daemon: Daemon,
    /// `http://127.0.0.1:PORT` (or `https://`).
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
        backfill(dir, openmetrics);
        PrometheusServer::start(dir, &[], Duration::from_secs(1))
    }

    /// Backfills `openmetrics`, then starts serving HTTPS only, with a certificate for
    /// 127.0.0.1 signed by a CA of the test's; returns the CA's PEM file too.
    pub(crate) fn with_history_over_tls(dir: &Path, openmetrics: &str) -> (PrometheusServer, PathBuf) {
        let ca = write_certificates(dir);
        let web = dir.join("web.yml");
        let tls = format!(
            "tls_server_config:\n  cert_file: {}\n  key_file: {}\n",
            dir.join("server.crt").display(),
            dir.join("server.key").display()
        );
        std::fs::write(&web, tls).unwrap();
        backfill(dir, openmetrics);
        (PrometheusServer::launch(dir, &[], Duration::from_secs(1), Some(&web)), ca)
    }

    /// Starts with a scrape every `interval` of each target (`host:port`, path /metrics).
    pub(crate) fn start(dir: &Path, targets: &[String], interval: Duration) -> PrometheusServer {
        PrometheusServer::launch(dir, targets, interval, None)
    }

    fn launch(dir: &Path, targets: &[String], interval: Duration, web: Option<&Path>) -> PrometheusServer {
        std::fs::create_dir_all(dir).unwrap();
        let port = free_tcp_port();
        let listen = format!("127.0.0.1:{port}");
        let targets: Vec<String> = targets.iter().map(|t| format!("'{t}'")).collect();
        let config = format!(
            "global:\n  scrape_interval: {}ms\n  evaluation_interval: {}ms\nscrape_configs:\n  - job_name: proxies\n    static_configs:\n      - targets: [{}]\n",
            interval.as_millis(),
            interval.as_millis(),
            targets.join(", ")
        );
        let config_file = dir.join("prometheus.yml");
        std::fs::write(&config_file, config).unwrap();
        let mut command = Command::new("prometheus");
        if let Some(web) = web {
            command.arg(format!("--web.config.file={}", web.display()));
        }
        let child = command
            .arg(format!("--config.file={}", config_file.display()))
            .arg(format!("--storage.tsdb.path={}", dir.join("data").display()))
            .arg(format!("--web.listen-address={listen}"))
            // Backfilled history is weeks old; keep it.
            .arg("--storage.tsdb.retention.time=3650d")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.join("prometheus.log")).unwrap())
            .spawn()
            .unwrap();
        let scheme = if web.is_some() { "https" } else { "http" };
        let server =
            PrometheusServer { _daemon: Daemon(child), url: format!("{scheme}://{listen}"), dir: dir.to_path_buf() };
        server.wait_ready(&listen);
        server
    }

    /// Until /-/ready answers (HTTP), or the log says the server is ready and the port takes
    /// connections (HTTPS, which the test's own client is not set up for).
    fn wait_ready(&self, listen: &str) {
        let started = Instant::now();
        let agent: ureq::Agent =
            ureq::Agent::config_builder().timeout_global(Some(Duration::from_secs(2))).build().into();
        while started.elapsed() < Duration::from_secs(60) {
            let ready = if self.url.starts_with("https") {
                std::fs::read_to_string(self.dir.join("prometheus.log"))
                    .is_ok_and(|l| l.contains("Server is ready to receive web requests"))
                    && std::net::TcpStream::connect(listen).is_ok()
            } else {
                agent.get(format!("{}/-/ready", self.url)).call().is_ok()
            };
            if ready {
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

/// `promtool tsdb create-blocks-from openmetrics` into `dir`'s storage.
fn backfill(dir: &Path, openmetrics: &str) {
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
}

/// A CA and a certificate for 127.0.0.1 it signs, in `dir`; returns the CA's PEM file.
fn write_certificates(dir: &Path) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params.distinguished_name.push(rcgen::DnType::CommonName, "surplus test CA");
    let ca = rcgen::CertifiedIssuer::self_signed(ca_params, ca_key).unwrap();
    let key = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::new(vec!["127.0.0.1".to_string()]).unwrap();
    params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
    let cert = params.signed_by(&key, &ca).unwrap();
    std::fs::write(dir.join("ca.crt"), ca.pem()).unwrap();
    std::fs::write(dir.join("server.crt"), cert.pem()).unwrap();
    std::fs::write(dir.join("server.key"), key.serialize_pem()).unwrap();
    dir.join("ca.crt")
}
