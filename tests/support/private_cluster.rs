//! A PostgreSQL cluster one test owns alone, so it can stop and start the server under a
//! client (`dns serve` across a database restart) without failing every other test's
//! connections to the shared one.
//!
//! It is made as the shared cluster is (initdb, TLS, roles, durability off) and offers all that
//! [`Cluster`] does (it derefs to one). [`PrivateCluster::stop`] is PostgreSQL's fast shutdown
//! (SIGINT: sessions are ended, a checkpoint is written); [`PrivateCluster::start`] runs the
//! server again on the same data directory and the SAME port, so a client's URL stays right.
//!
//! **Nothing outlives the test.** Dropping it (at the end of the test, or while a failed
//! assertion unwinds) stops the server at once (SIGQUIT) and removes the directory. If the
//! test process dies without unwinding, the watchdog [`super::launch`] started does it: it
//! stops whichever server the pid file names when the process ends. A stopped server's pid is
//! cleared before the server is reaped, so the file never names a process that took its number.

use std::net::TcpStream;
use std::ops::Deref;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use super::{Cluster, Durability, START_TIMEOUT, connect_when_ready, set_server_pid, spawn_server, tail};

/// A cluster of the caller's own, running or stopped; removed when dropped.
pub struct PrivateCluster {
    cluster: Cluster,
    /// The server while it runs.
    server: Option<Child>,
}

impl PrivateCluster {
    pub(super) fn new(cluster: Cluster, server: Child) -> PrivateCluster {
        PrivateCluster { cluster, server: Some(server) }
    }

    /// Whether the server is running (started and not stopped since).
    pub fn is_running(&self) -> bool {
        self.server.is_some()
    }

    /// Stops the server (fast shutdown) and returns once its port refuses connections. Nothing
    /// to do if it is stopped.
    pub fn stop(&mut self) {
        let Some(server) = self.server.take() else { return };
        self.end(server, "INT");
        let deadline = Instant::now() + START_TIMEOUT;
        while TcpStream::connect(("127.0.0.1", self.cluster.port)).is_ok() {
            assert!(Instant::now() < deadline, "port {} still accepts after the server stopped", self.cluster.port);
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Starts the server again on the same data directory and port, and returns once it
    /// accepts connections (the superuser's connection is made anew: the old one died with the
    /// server). Nothing to do if it is running.
    pub fn start(&mut self) {
        if self.server.is_some() {
            return;
        }
        let c = &self.cluster;
        let mut server = spawn_server(&c.bin, &c.run_as, &c.dir, c.port, Durability::Off)
            .unwrap_or_else(|e| panic!("the private cluster did not start again: {e}"));
        let admin = match connect_when_ready(&c.user, c.port, &c.dir) {
            Ok(admin) => admin,
            Err(e) => {
                let exited = server.try_wait().ok().flatten();
                let _ = server.kill();
                let _ = server.wait();
                let _ = set_server_pid(&c.dir, None);
                // Another process may have taken the port while the server was down.
                panic!("the private cluster did not start again on port {} ({exited:?}): {e}", c.port);
            }
        };
        *c.admin.lock().unwrap_or_else(|e| e.into_inner()) = admin;
        *c.schemas.lock().unwrap_or_else(|e| e.into_inner()) = None;
        self.server = Some(server);
    }

    /// [`PrivateCluster::stop`], then [`PrivateCluster::start`].
    pub fn restart(&mut self) {
        self.stop();
        self.start();
    }

    /// Sends `signal` (a `kill` name) to `server` and waits for it to exit: the pid is cleared
    /// for the watchdog once the process is a zombie, which holds its number until it is reaped.
    fn end(&self, mut server: Child, signal: &str) {
        let pid = server.id();
        // No panic here: this runs in `drop` too, maybe while a failed assertion unwinds.
        let sent = Command::new("kill").args([&format!("-{signal}"), &pid.to_string()]).status();
        if !sent.is_ok_and(|s| s.success()) {
            let _ = server.kill();
        }
        let status = format!("/proc/{pid}/status");
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            let state = std::fs::read_to_string(&status).unwrap_or_default();
            if state.is_empty() || state.lines().any(|l| l.starts_with("State:") && l.contains('Z')) {
                break;
            }
            if Instant::now() > deadline {
                let _ = server.kill();
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        let _ = set_server_pid(&self.cluster.dir, None);
        let _ = server.wait();
    }

    /// The server's log, its last lines (for a failing assertion).
    pub fn log_tail(&self) -> String {
        tail(&self.cluster.dir.join("postgres.log"))
    }
}

impl Deref for PrivateCluster {
    type Target = Cluster;

    fn deref(&self) -> &Cluster {
        &self.cluster
    }
}

impl Drop for PrivateCluster {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            // Immediate shutdown: nothing in it is kept.
            self.end(server, "QUIT");
        }
        let _ = std::fs::remove_dir_all(&self.cluster.dir);
    }
}

#[cfg(test)]
mod tests {
    use super::super::private;

    #[test]
    fn a_private_cluster_stops_starts_on_its_port_keeps_its_data_and_is_removed_when_dropped() {
        // This file is compiled into the library's tests and tests/cli's: an initdb is enough
        // in one of them.
        if !module_path!().starts_with("surplus::") {
            return;
        }
        let Some(mut cluster) = private() else { return };
        let url = cluster.fresh_database();
        let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        client.batch_execute("CREATE TABLE kept (x BIGINT); INSERT INTO kept VALUES (7)").unwrap();
        let (port, dir) = (cluster.port, cluster.dir.clone());
        cluster.stop();
        assert!(!cluster.is_running());
        assert!(postgres::Client::connect(&url, postgres::NoTls).is_err(), "connected to a stopped cluster");
        // The client's session ended with the server.
        assert!(client.query_one("SELECT 1", &[]).is_err());
        cluster.start();
        assert_eq!(cluster.port, port);
        let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        let x: i64 = client.query_one("SELECT x FROM kept", &[]).unwrap().get(0);
        assert_eq!(x, 7);
        // The superuser's connection was made anew: databases can still be made.
        let other = cluster.fresh_database();
        postgres::Client::connect(&other, postgres::NoTls).unwrap();
        drop(client);
        let pid: u32 = std::fs::read_to_string(dir.join(super::super::SERVER_PID)).unwrap().parse().unwrap();
        drop(cluster);
        assert!(!dir.exists(), "{} left behind", dir.display());
        assert!(!std::path::Path::new(&format!("/proc/{pid}")).exists(), "server {pid} still running");
        assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
    }
}
