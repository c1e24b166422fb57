//! Listeners: UDP and TCP sockets, each served by threads that own an [`Answerer`].
//!
//! Plain blocking sockets on std threads: several threads receive on one UDP socket (the
//! kernel hands each datagram to one of them). TCP connections are length-prefixed (RFC 1035
//! 4.2.2), bounded in number and idle time, so slow or idle clients cannot pile up.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use super::answerer::{Answerer, Live};
use super::counters::{Counters, Registry};
use super::response::Transport;
use super::zone_data::ZoneData;

/// Most TCP connections served at once; further ones are closed at once.
const MAX_TCP: usize = 256;
/// A TCP client silent this long is disconnected.
const TCP_IDLE: Duration = Duration::from_secs(10);

/// Bound sockets, before serving.
pub struct Listeners {
    pub udp: Vec<UdpSocket>,
    pub tcp: Vec<TcpListener>,
}

impl Listeners {
    /// Binds UDP and TCP on every address (port 0 picks a free port, the same for both).
    pub fn bind(addresses: &[SocketAddr]) -> io::Result<Listeners> {
        let mut listeners = Listeners { udp: Vec::new(), tcp: Vec::new() };
        for addr in addresses {
            let udp = UdpSocket::bind(addr)?;
            let tcp = TcpListener::bind(udp.local_addr()?)?;
            listeners.udp.push(udp);
            listeners.tcp.push(tcp);
        }
        Ok(listeners)
    }

    /// The addresses actually bound (UDP; TCP is on the same ones).
    pub fn local_addrs(&self) -> io::Result<Vec<SocketAddr>> {
        self.udp.iter().map(UdpSocket::local_addr).collect()
    }

    /// Serves forever with `threads` UDP threads per socket, counting into `registry`.
    pub fn serve(
        self,
        zone: Arc<ZoneData>,
        live: Arc<Live>,
        registry: &Registry,
        threads: usize,
        per_answer: usize,
    ) -> io::Result<()> {
        let mut handles = Vec::new();
        for socket in self.udp {
            let socket = Arc::new(socket);
            for _ in 0..threads.max(1) {
                let (socket, zone, live, counters) =
                    (Arc::clone(&socket), Arc::clone(&zone), Arc::clone(&live), registry.thread());
                handles.push(std::thread::spawn(move || {
                    serve_udp(&socket, &zone, Answerer::new(&zone, live, per_answer), &counters)
                }));
            }
        }
        let open = Arc::new(AtomicUsize::new(0));
        for listener in self.tcp {
            // One set of counters per listener, shared by its connections: TCP is the slow path.
            let (zone, live, open, counters) =
                (Arc::clone(&zone), Arc::clone(&live), Arc::clone(&open), registry.thread());
            handles.push(std::thread::spawn(move || serve_tcp(&listener, &zone, &live, per_answer, &open, &counters)));
        }
        for h in handles {
            let _ = h.join();
        }
        Ok(())
    }
}

fn serve_udp(socket: &UdpSocket, zone: &ZoneData, mut answerer: Answerer, counters: &Counters) {
    let mut buf = [0u8; 65_535];
    loop {
        let Ok((n, peer)) = socket.recv_from(&mut buf) else {
            continue;
        };
        let started = Instant::now();
        let (reply, outcome) = answerer.answer(zone, &buf[..n], peer.ip(), Transport::Udp);
        if let Some(reply) = reply {
            let _ = socket.send_to(reply, peer);
        }
        counters.record(outcome, started.elapsed());
    }
}

fn serve_tcp(
    listener: &TcpListener,
    zone: &Arc<ZoneData>,
    live: &Arc<Live>,
    per_answer: usize,
    open: &Arc<AtomicUsize>,
    counters: &Arc<Counters>,
) {
    for stream in listener.incoming().flatten() {
        if open.fetch_add(1, Ordering::AcqRel) >= MAX_TCP {
            open.fetch_sub(1, Ordering::AcqRel);
            continue; // dropped: closes the connection
        }
        let (zone, live, open, counters) = (Arc::clone(zone), Arc::clone(live), Arc::clone(open), Arc::clone(counters));
        std::thread::spawn(move || {
            let answerer = Answerer::new(&zone, live, per_answer);
            let _ = serve_connection(stream, &zone, answerer, &counters);
            open.fetch_sub(1, Ordering::AcqRel);
        });
    }
}

/// Answers length-prefixed queries until the client closes, goes idle, or sends garbage.
fn serve_connection(
    mut stream: TcpStream,
    zone: &ZoneData,
    mut answerer: Answerer,
    counters: &Counters,
) -> io::Result<()> {
    stream.set_read_timeout(Some(TCP_IDLE))?;
    stream.set_write_timeout(Some(TCP_IDLE))?;
    let peer = stream.peer_addr()?.ip();
    let mut buf = vec![0u8; 65_535];
    loop {
        let mut len = [0u8; 2];
        stream.read_exact(&mut len)?;
        let len = usize::from(u16::from_be_bytes(len));
        stream.read_exact(&mut buf[..len])?;
        let started = Instant::now();
        let (reply, outcome) = answerer.answer(zone, &buf[..len], peer, Transport::Tcp);
        counters.record(outcome, started.elapsed());
        let Some(reply) = reply else {
            return Ok(());
        };
        let mut framed = Vec::with_capacity(reply.len() + 2);
        framed.extend((reply.len() as u16).to_be_bytes());
        framed.extend_from_slice(reply);
        stream.write_all(&framed)?;
    }
}
