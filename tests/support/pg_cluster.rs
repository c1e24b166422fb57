//! A PostgreSQL 15 cluster for tests: one per test process, started on first use, stopped when
//! the process ends.
//!
//! Included by path (`#[path = "…/tests/support/pg_cluster.rs"] mod pg_cluster;`) from the
//! library's unit tests and from `tests/cli`, so it uses only std and the crates both see
//! (`postgres`, `tempfile`, `rcgen`).
//!
//! [`shared`] runs `initdb` and `postgres` in a temporary directory, listening on 127.0.0.1 at a
//! free port with its unix socket inside that directory. `initdb` refuses to run as root, so as
//! root the cluster runs as the `postgres` user (the directory is handed to it); otherwise as
//! the current user. Durability is off (`fsync`, `synchronous_commit`, `full_page_writes`):
//! the data lives as long as the test process. [`shared_durable`] is a second cluster with
//! those three at PostgreSQL's defaults, as operators run it, for the benches to measure
//! (`SURPLUS_BENCH_PG_DURABLE=1`); no test uses it. Each test takes its own empty database from
//! [`Cluster::fresh_database`], so tests running in parallel never see each other's rows.
//!
//! **Nothing outlives the test process.** A Rust static is never dropped, so the cluster cannot
//! stop itself in a destructor. A watchdog shell reads a pipe whose only writer is the test
//! process; when that process ends, however it ends (a SIGKILL too), the kernel closes the pipe,
//! the read returns, and the watchdog stops the server (SIGQUIT: immediate shutdown), waits for
//! it, and removes the directory.
//!
//! **TLS.** The server has `ssl=on` with a certificate for `localhost` signed by a CA the
//! harness makes ([`Cluster::ca_cert`]). Connect with `host=localhost&hostaddr=127.0.0.1` to
//! verify the name and another `host=` to see a name refused. Three roles besides the
//! superuser: [`PASSWORD_ROLE`] must give [`PASSWORD`] (scram-sha-256), [`TLS_ROLE`] may connect
//! only over TLS (`hostssl`; plain connections are rejected), everyone else is trusted.
//!
//! **A cluster of one's own.** [`private`] starts another cluster the same way, for a test that
//! stops and starts the server under a client ([`PrivateCluster`]); it is removed when the test
//! drops it, and by its watchdog if the process dies first.
//!
//! Without the PostgreSQL binaries [`shared`] and [`private`] return `None` and the test says it
//! is skipped, unless `SURPLUS_REQUIRE_SYSTEM_TESTS=1`: then they panic with what is missing.
#![allow(dead_code)]

#[path = "private_cluster.rs"]
mod private_cluster;

pub use private_cluster::PrivateCluster;

use std::io::Write as _;
use std::net::TcpListener;
use std::os::unix::fs::{PermissionsExt, chown};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// A role that must authenticate with [`PASSWORD`] (scram-sha-256) over TCP.
pub const PASSWORD_ROLE: &str = "surplus_pw";
/// [`PASSWORD_ROLE`]'s password.
pub const PASSWORD: &str = "right horse battery";
/// A role `pg_hba.conf` admits only over TLS (`hostssl`); a plain connection is rejected.
pub const TLS_ROLE: &str = "surplus_tls";
/// The name the server's certificate is for.
pub const CERT_HOST: &str = "localhost";

/// The database [`Cluster::fresh_schema`] makes its schemas in.
const SCHEMAS: &str = "schemas";

/// How long the server may take to accept connections.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// A running cluster.
pub struct Cluster {
    /// The superuser, who every trusted test connects as.
    pub user: String,
    pub port: u16,
    dir: PathBuf,
    bin: PathBuf,
    /// Who the server runs as (to start it again).
    run_as: RunAs,
    /// Kept for `CREATE DATABASE`; one at a time is plenty.
    admin: Mutex<postgres::Client>,
    /// The templates [`Cluster::fresh_database_like`] has made (and [`SCHEMAS`], once made).
    templates: Mutex<Vec<String>>,
    /// A connection to [`SCHEMAS`], for [`Cluster::fresh_schema`].
    schemas: Mutex<Option<postgres::Client>>,
    /// The write end of the watchdog's pipe: never written, closed by the process's end.
    _watchdog: ChildStdin,
    /// How long the start took, for the notes.
    pub started_in: Duration,
}

/// The process's cluster, started on first call. `None` (and a printed "skipped") when
/// PostgreSQL is not installed and `SURPLUS_REQUIRE_SYSTEM_TESTS` is not `1`.
pub fn shared() -> Option<&'static Cluster> {
    static CLUSTER: OnceLock<Result<Cluster, String>> = OnceLock::new();
    // The server's handle is dropped, not waited for: the watchdog stops it.
    available(
        CLUSTER
            .get_or_init(|| launch(Durability::Off).map(|(cluster, _server)| cluster))
            .as_ref()
            .map_err(String::as_str),
    )
}

/// Like [`shared`], a cluster of the process's own, but with `fsync`, `synchronous_commit`
/// and `full_page_writes` at PostgreSQL's defaults (on): what a commit costs where the data
/// must survive a crash. For benches; tests use [`shared`].
pub fn shared_durable() -> Option<&'static Cluster> {
    static CLUSTER: OnceLock<Result<Cluster, String>> = OnceLock::new();
    available(
        CLUSTER
            .get_or_init(|| launch(Durability::Defaults).map(|(cluster, _server)| cluster))
            .as_ref()
            .map_err(String::as_str),
    )
}

/// Whether the server may lose what it committed when the machine stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// `fsync`, `synchronous_commit` and `full_page_writes` off: for data that lives as long
    /// as the test process.
    Off,
    /// PostgreSQL's defaults.
    Defaults,
}

/// A new cluster for the caller alone, to stop and start ([`PrivateCluster`]). `None` (and a
/// printed "skipped") as [`shared`]. Some seconds (initdb): for the few tests that need it.
pub fn private() -> Option<PrivateCluster> {
    match launch(Durability::Off) {
        Ok((cluster, server)) => Some(PrivateCluster::new(cluster, server)),
        Err(reason) => available(Err(&reason)),
    }
}

/// The cluster, `None` if PostgreSQL is not installed (unless it is required), a panic if it is
/// but did not start.
fn available<T>(started: Result<T, &str>) -> Option<T> {
    match started {
        Ok(cluster) => Some(cluster),
        Err(reason) if reason.starts_with(MISSING) => {
            assert!(std::env::var("SURPLUS_REQUIRE_SYSTEM_TESTS").as_deref() != Ok("1"), "{reason}");
            eprintln!("skipped: no PostgreSQL ({reason})");
            None
        }
        Err(reason) => panic!("the test PostgreSQL cluster did not start: {reason}"),
    }
}

impl Cluster {
    /// A new, empty database of its own; its URL (`postgres://USER@127.0.0.1:PORT/NAME`).
    pub fn fresh_database(&self) -> String {
        let name = Self::new_name();
        let mut admin = self.admin.lock().unwrap_or_else(|e| e.into_inner());
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap_or_else(|e| panic!("CREATE DATABASE {name}: {}", describe(&e)));
        self.url(&name)
    }

    /// A new database copied from the template `template`, which `setup` makes (on a
    /// connection to it) the first time this process asks for it: a test suite that needs a
    /// migrated ledger in every database pays the migration once, and each copy costs what an
    /// empty database does.
    pub fn fresh_database_like(&self, template: &str, setup: impl FnOnce(&mut postgres::Client)) -> String {
        let source = format!("template_{template}");
        let mut admin = self.admin.lock().unwrap_or_else(|e| e.into_inner());
        let mut made = self.templates.lock().unwrap_or_else(|e| e.into_inner());
        if !made.contains(&source) {
            admin
                .batch_execute(&format!("CREATE DATABASE {source}"))
                .unwrap_or_else(|e| panic!("CREATE DATABASE {source}: {}", describe(&e)));
            // Closed before copying: a template may have no connections while it is copied.
            let mut client = postgres::Client::connect(&self.url(&source), postgres::NoTls)
                .unwrap_or_else(|e| panic!("{source}: {e}"));
            setup(&mut client);
            drop(client);
            made.push(source.clone());
        }
        let name = Self::new_name();
        admin
            .batch_execute(&format!("CREATE DATABASE {name} TEMPLATE {source}"))
            .unwrap_or_else(|e| panic!("CREATE DATABASE {name} TEMPLATE {source}: {}", describe(&e)));
        self.url(&name)
    }

    /// A new database copied from database `template` (which no session may be connected
    /// to); its URL.
    pub fn copy_database(&self, template: &str) -> String {
        let name = Self::new_name();
        let mut admin = self.admin.lock().unwrap_or_else(|e| e.into_inner());
        admin
            .batch_execute(&format!("CREATE DATABASE {name} TEMPLATE {template}"))
            .unwrap_or_else(|e| panic!("CREATE DATABASE {name} TEMPLATE {template}: {}", describe(&e)));
        self.url(&name)
    }

    /// A new, empty schema of its own in the shared database `schemas`, and a URL whose
    /// connections work in it (`options=-csearch_path=…`). Some milliseconds instead of a
    /// database copy's tens to hundreds: for suites with many small tests whose code names no
    /// schema. Not for what is per database (advisory locks, `pg_dump` of the database).
    pub fn fresh_schema(&self) -> String {
        let name = Self::new_name();
        let mut admin = self.admin.lock().unwrap_or_else(|e| e.into_inner());
        let mut made = self.templates.lock().unwrap_or_else(|e| e.into_inner());
        if !made.iter().any(|t| t == SCHEMAS) {
            admin.batch_execute(&format!("CREATE DATABASE {SCHEMAS}")).unwrap_or_else(|e| panic!("{}", describe(&e)));
            made.push(SCHEMAS.to_string());
        }
        drop(made);
        let mut client = self.schemas.lock().unwrap_or_else(|e| e.into_inner());
        if client.is_none() {
            let connected = postgres::Client::connect(&self.url(SCHEMAS), postgres::NoTls)
                .unwrap_or_else(|e| panic!("{SCHEMAS}: {e}"));
            *client = Some(connected);
        }
        drop(admin);
        let client = client.as_mut().unwrap();
        client.batch_execute(&format!("CREATE SCHEMA {name}")).unwrap_or_else(|e| panic!("{}", describe(&e)));
        format!("{}?options=-csearch_path%3D{name}", self.url(SCHEMAS))
    }

    fn new_name() -> String {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        format!("t{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed))
    }

    /// The URL of database `name` for the superuser, over TCP.
    pub fn url(&self, name: &str) -> String {
        format!("postgres://{}@127.0.0.1:{}/{name}", self.user, self.port)
    }

    /// The CA certificate (PEM) that signed the server's.
    pub fn ca_cert(&self) -> PathBuf {
        self.dir.join("ca.crt")
    }

    /// The directory holding the unix socket.
    pub fn socket_dir(&self) -> PathBuf {
        self.dir.join("sock")
    }

    /// A PostgreSQL program of the cluster's version (`pg_dump`, `psql`).
    pub fn bin(&self, program: &str) -> PathBuf {
        self.bin.join(program)
    }

    /// The server's log, for a failing test to print.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("postgres.log")).unwrap_or_default()
    }
}

/// The prefix of a reason that means "not installed" rather than "broken".
const MISSING: &str = "not installed";

/// Who runs the server: a name, and the ids to switch to (`None`: stay who we are).
struct RunAs {
    name: String,
    ids: Option<(u32, u32)>,
}

/// A new cluster, and its server's process.
fn launch(durability: Durability) -> Result<(Cluster, Child), String> {
    let begun = Instant::now();
    let bin = bin_dir().ok_or_else(|| format!("{MISSING}: no initdb (apt-get install postgresql)"))?;
    let run_as = run_as()?;
    let dir = tempfile::Builder::new()
        .prefix("surplus-pg-")
        .tempdir()
        .map_err(|e| format!("temporary directory: {e}"))?
        .keep();
    let (port, server, watchdog) = match init_and_run(&bin, &run_as, &dir, durability) {
        Ok(running) => running,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&dir);
            return Err(e);
        }
    };
    let admin = connect_when_ready(&run_as.name, port, &dir)?;
    let mut cluster = Cluster {
        user: run_as.name.clone(),
        port,
        dir,
        bin,
        run_as,
        admin: Mutex::new(admin),
        templates: Mutex::new(Vec::new()),
        schemas: Mutex::new(None),
        _watchdog: watchdog,
        started_in: Duration::ZERO,
    };
    create_roles(&cluster)?;
    cluster.started_in = begun.elapsed();
    Ok((cluster, server))
}

/// initdb, certificates, configuration, the watchdog, then the server (retried on a new port if
/// another process took the one picked).
fn init_and_run(
    bin: &Path,
    run_as: &RunAs,
    dir: &Path,
    durability: Durability,
) -> Result<(u16, Child, ChildStdin), String> {
    hand_over(dir, run_as)?;
    let data = dir.join("data");
    let out = as_user(Command::new(bin.join("initdb")), run_as)
        .args(["--no-sync", "--no-instructions", "--auth=trust", "--encoding=UTF8", "--locale=C", "-U"])
        .arg(&run_as.name)
        .arg("-D")
        .arg(&data)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("initdb: {e}"))?;
    if !out.status.success() {
        return Err(format!("initdb failed: {}", String::from_utf8_lossy(&out.stderr).trim()));
    }
    write_certificates(dir, run_as)?;
    write_hba(&data)?;
    let socket = dir.join("sock");
    std::fs::create_dir(&socket).map_err(|e| format!("{}: {e}", socket.display()))?;
    hand_over(&socket, run_as)?;
    // One watchdog for every attempt: it stops whichever server the pid file names.
    let watchdog = spawn_watchdog(dir)?;
    let mut last = String::new();
    for _ in 0..5 {
        let port = free_port()?;
        let mut server = spawn_server(bin, run_as, dir, port, durability)?;
        // Listening (or exited: the port was taken in the meantime).
        let deadline = Instant::now() + START_TIMEOUT;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = server.try_wait() {
                last = format!("postgres exited ({status}): {}", tail(&dir.join("postgres.log")));
                break;
            }
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Ok((port, server, watchdog));
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        if !matches!(server.try_wait(), Ok(Some(_))) {
            last = format!("postgres did not listen within {START_TIMEOUT:?}: {}", tail(&dir.join("postgres.log")));
            let _ = server.kill();
            let _ = server.wait();
        }
        set_server_pid(dir, None)?;
    }
    Err(last)
}

/// The PostgreSQL binaries: Debian's directory for 15 (what CI installs), else another
/// version's there (the newest), else wherever `initdb` is on the PATH.
fn bin_dir() -> Option<PathBuf> {
    let has_tools = |d: &Path| d.join("initdb").exists() && d.join("postgres").exists();
    let debian = Path::new("/usr/lib/postgresql");
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir(debian)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| Some((e.file_name().to_str()?.parse().ok()?, e.path().join("bin"))))
        .filter(|(_, bin)| has_tools(bin))
        .collect();
    versions.sort_by_key(|(v, _)| (*v == 15, *v));
    if let Some((_, bin)) = versions.pop() {
        return Some(bin);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).find(|d| has_tools(d))
}

/// `postgres` when we are root (initdb refuses root), else ourselves.
fn run_as() -> Result<RunAs, String> {
    let passwd = std::fs::read_to_string("/etc/passwd").map_err(|e| format!("/etc/passwd: {e}"))?;
    let entries: Vec<Vec<&str>> =
        passwd.lines().map(|l| l.split(':').collect()).filter(|f: &Vec<&str>| f.len() > 3).collect();
    let uid = std::fs::metadata("/proc/self").map(|m| std::os::unix::fs::MetadataExt::uid(&m)).unwrap_or(0);
    if uid != 0 {
        let name = entries
            .iter()
            .find(|f| f[2] == uid.to_string())
            .map(|f| f[0].to_string())
            .or_else(|| std::env::var("USER").ok())
            .ok_or_else(|| format!("no user name for uid {uid}"))?;
        return Ok(RunAs { name, ids: None });
    }
    let pg = entries
        .iter()
        .find(|f| f[0] == "postgres")
        .ok_or_else(|| format!("{MISSING}: running as root and there is no postgres user"))?;
    let id = |s: &str| s.parse::<u32>().map_err(|e| format!("/etc/passwd postgres: {e}"));
    Ok(RunAs { name: "postgres".into(), ids: Some((id(pg[2])?, id(pg[3])?)) })
}

fn as_user(cmd: Command, run_as: &RunAs) -> Command {
    let mut cmd = cmd;
    if let Some((uid, gid)) = run_as.ids {
        cmd.uid(uid).gid(gid);
    }
    cmd
}

/// Makes `path` the server user's.
fn hand_over(path: &Path, run_as: &RunAs) -> Result<(), String> {
    match run_as.ids {
        Some((uid, gid)) => chown(path, Some(uid), Some(gid)).map_err(|e| format!("chown {}: {e}", path.display())),
        None => Ok(()),
    }
}

/// A CA, and a server certificate for [`CERT_HOST`] it signs; the key readable by the server
/// alone (postgres refuses a key others may read).
fn write_certificates(dir: &Path, run_as: &RunAs) -> Result<(), String> {
    let fail = |e: rcgen::Error| format!("certificate: {e}");
    let ca_key = rcgen::KeyPair::generate().map_err(fail)?;
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).map_err(fail)?;
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params.distinguished_name.push(rcgen::DnType::CommonName, "surplus test CA");
    let ca = rcgen::CertifiedIssuer::self_signed(ca_params, ca_key).map_err(fail)?;
    let key = rcgen::KeyPair::generate().map_err(fail)?;
    let mut params = rcgen::CertificateParams::new(vec![CERT_HOST.to_string()]).map_err(fail)?;
    params.distinguished_name.push(rcgen::DnType::CommonName, CERT_HOST);
    params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
    let cert = params.signed_by(&key, &ca).map_err(fail)?;
    let write = |name: &str, text: &str, mode: u32| -> Result<(), String> {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).map_err(|e| e.to_string())?;
        hand_over(&path, run_as)
    };
    write("ca.crt", &ca.pem(), 0o644)?;
    write("server.crt", &cert.pem(), 0o644)?;
    write("server.key", &key.serialize_pem(), 0o600)
}

/// Local connections trusted, except the password role (scram) and the TLS role (TLS only).
fn write_hba(data: &Path) -> Result<(), String> {
    let hba = format!(
        "local all all trust
hostssl all {TLS_ROLE} 127.0.0.1/32 trust
host all {TLS_ROLE} 127.0.0.1/32 reject
host all {PASSWORD_ROLE} 127.0.0.1/32 scram-sha-256
host all all 127.0.0.1/32 trust
"
    );
    std::fs::write(data.join("pg_hba.conf"), hba).map_err(|e| format!("pg_hba.conf: {e}"))
}

fn free_port() -> Result<u16, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("a free port: {e}"))?;
    listener.local_addr().map(|a| a.port()).map_err(|e| e.to_string())
}

/// Starts the server on `port` and writes its pid where the watchdog reads it. The log is
/// appended to, so a restarted server's follows the first one's.
fn spawn_server(bin: &Path, run_as: &RunAs, dir: &Path, port: u16, durability: Durability) -> Result<Child, String> {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("postgres.log"))
        .map_err(|e| format!("postgres.log: {e}"))?;
    let mut settings = vec![
        "listen_addresses=127.0.0.1".to_string(),
        format!("port={port}"),
        format!("unix_socket_directories={}", dir.join("sock").display()),
        "autovacuum=off".into(),
        "max_connections=200".into(),
        "shared_buffers=32MB".into(),
        "ssl=on".into(),
        format!("ssl_cert_file={}", dir.join("server.crt").display()),
        format!("ssl_key_file={}", dir.join("server.key").display()),
        "log_min_messages=warning".into(),
    ];
    if durability == Durability::Off {
        settings.extend(["fsync=off".into(), "synchronous_commit=off".into(), "full_page_writes=off".into()]);
    }
    let mut cmd = as_user(Command::new(bin.join("postgres")), run_as);
    cmd.arg("-D").arg(dir.join("data"));
    for s in &settings {
        cmd.arg("-c").arg(s);
    }
    let server = cmd
        .stdin(Stdio::null())
        .stdout(log.try_clone().map_err(|e| e.to_string())?)
        .stderr(log)
        // Its own process group, out of a ^C's way: the watchdog stops it.
        .process_group(0)
        .spawn()
        .map_err(|e| format!("postgres: {e}"))?;
    set_server_pid(dir, Some(server.id()))?;
    Ok(server)
}

/// The file naming the server the watchdog stops: `None` empties it (the server stopped).
fn set_server_pid(dir: &Path, pid: Option<u32>) -> Result<(), String> {
    let path = dir.join(SERVER_PID);
    std::fs::write(&path, pid.map(|p| p.to_string()).unwrap_or_default())
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// Where [`spawn_server`] writes the server's pid for the watchdog (beside the data directory:
/// `postmaster.pid` inside it is the server's own, gone once it stops).
const SERVER_PID: &str = "server.pid";

/// A shell that waits for the end of this process (EOF on its stdin), then stops the server the
/// pid file names (if any: a private cluster's may be stopped) and removes the directory.
fn spawn_watchdog(dir: &Path) -> Result<ChildStdin, String> {
    // A ^C to the test run reaches the shell too: it ignores that and stops the server once the
    // test process has gone. The server is our child, not the shell's: once this process is gone
    // nobody may reap it soon, so a zombie counts as stopped (`kill -0` alone would wait for the
    // reaper). The pid is read only then, so it is the server running at the end; a stopped one's
    // was cleared before it was reaped, so it never names a process that reused the number.
    let script = format!(
        "trap '' INT TERM HUP; read _ignored; pid=$(cat '{pid}' 2>/dev/null); \
         if [ -n \"$pid\" ]; then kill -QUIT \"$pid\" 2>/dev/null; \
         while [ -e /proc/$pid ] && ! grep -q '^State:[[:space:]]*Z' /proc/$pid/status 2>/dev/null; \
         do sleep 0.02; done; fi; rm -rf '{dir}'",
        pid = dir.join(SERVER_PID).display(),
        dir = dir.display()
    );
    let mut child = Command::new("sh")
        .args(["-c", &script])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("watchdog: {e}"))?;
    child.stdin.take().ok_or_else(|| "watchdog: no stdin".to_string())
}

/// The superuser's connection, once the server accepts one (it listens before it is ready).
fn connect_when_ready(user: &str, port: u16, dir: &Path) -> Result<postgres::Client, String> {
    let url = format!("postgres://{user}@127.0.0.1:{port}/postgres");
    let deadline = Instant::now() + START_TIMEOUT;
    loop {
        match postgres::Client::connect(&url, postgres::NoTls) {
            Ok(client) => return Ok(client),
            Err(e) if Instant::now() > deadline => {
                return Err(format!("{e}: {}", tail(&dir.join("postgres.log"))));
            }
            Err(_) => std::thread::sleep(Duration::from_millis(5)),
        }
    }
}

fn create_roles(cluster: &Cluster) -> Result<(), String> {
    let mut admin = cluster.admin.lock().unwrap_or_else(|e| e.into_inner());
    admin
        .batch_execute(&format!(
            "CREATE ROLE {PASSWORD_ROLE} LOGIN PASSWORD '{PASSWORD}';
             CREATE ROLE {TLS_ROLE} LOGIN;"
        ))
        .map_err(|e| format!("roles: {}", describe(&e)))
}

/// The server's message of a database error (the postgres crate's Display says only "db error").
fn describe(e: &postgres::Error) -> String {
    e.as_db_error().map_or_else(|| e.to_string(), |db| format!("{}: {}", db.code().code(), db.message()))
}

fn tail(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(5)..].join(" / ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_databases_are_empty_and_apart() {
        let Some(cluster) = shared() else { return };
        let first = Instant::now();
        let a = cluster.fresh_database();
        let one = first.elapsed();
        let b = cluster.fresh_database();
        assert_ne!(a, b);
        let mut ca = postgres::Client::connect(&a, postgres::NoTls).unwrap();
        ca.batch_execute("CREATE TABLE only_here (x BIGINT)").unwrap();
        let mut cb = postgres::Client::connect(&b, postgres::NoTls).unwrap();
        let n: i64 = cb.query_one("SELECT count(*) FROM pg_tables WHERE tablename = 'only_here'", &[]).unwrap().get(0);
        assert_eq!(n, 0);
        // From a template: its tables, not another copy's rows.
        let setup = |c: &mut postgres::Client| c.batch_execute("CREATE TABLE made (x BIGINT)").unwrap();
        let (c, d) = (
            cluster.fresh_database_like("harness", setup),
            cluster.fresh_database_like("harness", |_| panic!("twice")),
        );
        let mut cc = postgres::Client::connect(&c, postgres::NoTls).unwrap();
        cc.batch_execute("INSERT INTO made VALUES (1)").unwrap();
        let mut cd = postgres::Client::connect(&d, postgres::NoTls).unwrap();
        let rows: i64 = cd.query_one("SELECT count(*) FROM made", &[]).unwrap().get(0);
        assert_eq!(rows, 0);
        // Schemas: apart too.
        let (e, f) = (cluster.fresh_schema(), cluster.fresh_schema());
        let mut ce = postgres::Client::connect(&e, postgres::NoTls).unwrap();
        ce.batch_execute("CREATE TABLE only_here (x BIGINT); INSERT INTO only_here VALUES (1)").unwrap();
        let mut cf = postgres::Client::connect(&f, postgres::NoTls).unwrap();
        let n: i64 = cf
            .query_one(
                "SELECT count(*) FROM pg_tables WHERE tablename = 'only_here' AND schemaname = current_schema()",
                &[],
            )
            .unwrap()
            .get(0);
        assert_eq!(n, 0);
        eprintln!("cluster started in {:?}; a fresh database in {one:?}", cluster.started_in);
        let _ = std::io::stderr().flush();
    }
}
