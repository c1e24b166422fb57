//! A Prometheus text endpoint: `GET /metrics` over HTTP in a thread of its own (tiny_http),
//! for `dns serve` and `monitor export`. What it serves is the caller's; this is only the socket.

use std::net::SocketAddr;

/// What a scrape gets: the exposition text, or why there is none right now (answered 503 with
/// the reason, so a reader that checks the status, like `dns serve`'s `stats:` source, counts
/// the reading as failed instead of taking stale counters).
pub type Rendered = Result<String, String>;

/// Serves `render()` at `http://ADDR/metrics`; returns the bound address (port 0 picks one).
pub fn serve(addr: SocketAddr, render: impl Fn() -> Rendered + Send + 'static) -> std::io::Result<SocketAddr> {
    let server = tiny_http::Server::http(addr).map_err(std::io::Error::other)?;
    let bound = server.server_addr().to_ip().ok_or_else(|| std::io::Error::other("not an IP listener"))?;
    std::thread::spawn(move || {
        for request in server.incoming_requests() {
            let response = if request.url() == "/metrics" {
                let header = tiny_http::Header::from_bytes(&b"Content-Type"[..], &b"text/plain; version=0.0.4"[..])
                    .expect("a valid header");
                match render() {
                    Ok(text) => tiny_http::Response::from_string(text).with_header(header),
                    Err(why) => tiny_http::Response::from_string(format!("{why}\n")).with_status_code(503),
                }
            } else {
                tiny_http::Response::from_string("see /metrics\n").with_status_code(404)
            };
            let _ = request.respond(response);
        }
    });
    Ok(bound)
}
