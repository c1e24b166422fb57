//! Proxy health: a TCP connect to a port, or an HTTP GET that must answer 2xx or 3xx, every
//! `health.interval`. A proxy without a `health` entry is taken as healthy. Unhealthy proxies get
//! no answers; each change is logged once.

use std::net::{IpAddr, SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use super::answerer::Live;
use crate::config::{Config, HealthCheck};

/// How long one check may take.
const TIMEOUT: Duration = Duration::from_secs(2);

/// Checks `check` once for a proxy at `address`: `Ok` when healthy, else why not.
pub fn check(check: &HealthCheck, address: IpAddr, agent: &ureq::Agent) -> Result<(), String> {
    if let Some(port) = check.tcp {
        let target = SocketAddr::new(address, port);
        return TcpStream::connect_timeout(&target, TIMEOUT).map(drop).map_err(|e| format!("tcp {target}: {e}"));
    }
    let url = check.http.as_deref().unwrap_or_default();
    match agent.get(url).call() {
        Ok(response) if response.status().is_success() || response.status().is_redirection() => Ok(()),
        Ok(response) => Err(format!("GET {url}: {}", response.status())),
        Err(e) => Err(format!("GET {url}: {e}")),
    }
}

/// An HTTP agent for health checks: short timeouts, statuses returned rather than errors.
pub fn agent() -> ureq::Agent {
    ureq::Agent::new_with_config(
        ureq::Agent::config_builder().timeout_global(Some(TIMEOUT)).http_status_as_error(false).build(),
    )
}

/// Checks every proxy that has a `health` entry once now, then keeps checking each in a thread
/// of its own, updating `live.healthy` and logging changes. A thread ends when `live` is no
/// longer used (a reload replaced it): it holds only a weak reference.
pub fn start(config: &Config, live: &Arc<Live>) {
    for (i, proxy) in config.proxies.iter().enumerate() {
        let (Some(health), Some(&address)) = (proxy.health.clone(), proxy.addresses.first()) else {
            continue;
        };
        let agent = agent();
        let name = proxy.name.clone();
        let update = {
            let live = Arc::downgrade(live);
            move |result: Result<(), String>| -> bool {
                let Some(live) = live.upgrade() else {
                    return false;
                };
                let was = live.set_healthy(i, result.is_ok());
                match result {
                    Err(why) if was => tracing::warn!("proxy {name}: unhealthy ({why})"),
                    Ok(()) if !was => tracing::info!("proxy {name}: healthy again"),
                    _ => {}
                }
                true
            }
        };
        // Taken as healthy (or as it was before a reload) until the first check says otherwise.
        update(check(&health, address, &agent));
        let interval = Duration::from_secs(health.interval.secs().max(1) as u64);
        std::thread::spawn(move || {
            loop {
                std::thread::sleep(interval);
                if !update(check(&health, address, &agent)) {
                    return;
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::TcpListener;

    fn tcp(port: u16) -> HealthCheck {
        HealthCheck { tcp: Some(port), http: None, interval: serde_yaml::from_str("5s").unwrap() }
    }

    fn http(url: String) -> HealthCheck {
        HealthCheck { tcp: None, http: Some(url), interval: serde_yaml::from_str("5s").unwrap() }
    }

    /// A one-shot HTTP server answering `status`.
    fn serve_once(status: &'static str) -> u16 {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            let mut buf = [0u8; 1024];
            let _ = stream.read(&mut buf);
            let _ = write!(stream, "HTTP/1.1 {status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
        });
        port
    }

    #[test]
    fn tcp_checks_connect() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let agent = agent();
        assert_eq!(check(&tcp(port), "127.0.0.1".parse().unwrap(), &agent), Ok(()));
        drop(listener);
        let err = check(&tcp(port), "127.0.0.1".parse().unwrap(), &agent).unwrap_err();
        assert!(err.starts_with(&format!("tcp 127.0.0.1:{port}: ")), "{err}");
    }

    #[test]
    fn http_checks_want_success() {
        let agent = agent();
        let ok = serve_once("200 OK");
        assert_eq!(
            check(&http(format!("http://127.0.0.1:{ok}/healthz")), "127.0.0.1".parse().unwrap(), &agent),
            Ok(())
        );
        let down = serve_once("503 Service Unavailable");
        let err =
            check(&http(format!("http://127.0.0.1:{down}/healthz")), "127.0.0.1".parse().unwrap(), &agent).unwrap_err();
        assert!(err.ends_with("503 Service Unavailable"), "{err}");
    }
}
