//! Listeners: UDP and TCP sockets, each served by threads that answer from the current
//! [`Generation`] until asked to stop.
//!
//! UDP: one socket per serving thread, all bound to the same address with `SO_REUSEPORT`, so
//! the kernel spreads clients over threads by their address and port and no two threads wait
//! on one socket's queue; each thread takes packets in batches ([`UdpBatch`]). TCP connections
//! are length-prefixed (RFC 1035 4.2.2), bounded in number and idle time, so slow or idle
//! clients cannot pile up.
//!
//! Stopping: every socket has a short read timeout, after which a thread looks at the stop flag
//! and at whether the generation changed. A TCP accept is woken by connecting to it.

use std::io::{self, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use socket2::{Domain, Protocol, Socket, Type};

use super::answerer::{Answerer, Outcome};
use super::counters::Counters;
use super::generation::Generation;
use super::response::{self, Transport};
use super::serving::Serving;
use super::udp_batch::UdpBatch;
use crate::core::rate_limit::{RateLimiter, Verdict};

/// Most TCP connections served at once; further ones are closed at once.
const MAX_TCP: usize = 256;
/// A TCP client silent this long is disconnected.
const TCP_IDLE: Duration = Duration::from_secs(10);
/// How often a waiting TCP thread, and the thread that started the serving ones, look at the
/// stop flag. UDP threads wait with no timeout: stopping wakes them by shutting their sockets
/// for reading (see [`Threads::wake_and_join`]).
const WAKE: Duration = Duration::from_millis(200);
/// How long stopping waits for open TCP connections to finish their query.
const TCP_DRAIN: Duration = Duration::from_secs(2);

/// Bound sockets, before serving.
pub struct Listeners {
    /// Per address, one UDP socket per serving thread.
    udp: Vec<Vec<UdpSocket>>,
    tcp: Vec<TcpListener>,
}

impl Listeners {
    /// Binds `threads` UDP sockets and one TCP listener on every address. Port 0 picks a free
    /// port, the same for UDP and TCP.
    pub fn bind(addresses: &[SocketAddr], threads: usize) -> io::Result<Listeners> {
        let mut listeners = Listeners { udp: Vec::new(), tcp: Vec::new() };
        for addr in addresses {
            let (tcp, udp) = bind_both(*addr, threads.max(1))?;
            listeners.udp.push(udp);
            listeners.tcp.push(tcp);
        }
        Ok(listeners)
    }

    /// The addresses actually bound (UDP and TCP share them).
    pub fn local_addrs(&self) -> io::Result<Vec<SocketAddr>> {
        self.tcp.iter().map(TcpListener::local_addr).collect()
    }

    /// Serves until `serving` is stopped, then lets TCP connections finish (briefly) and returns.
    /// If the system will not start a serving thread, the ones started are stopped and the
    /// error returned.
    pub fn serve(self, serving: &Arc<Serving>) -> io::Result<()> {
        let mut threads = Threads::default();
        let open = Arc::new(AtomicUsize::new(0));
        if let Err(e) = self.start(serving, &open, &mut threads) {
            serving.stop();
            threads.wake_and_join();
            return Err(e);
        }
        while !serving.stopping() {
            std::thread::park_timeout(WAKE);
        }
        threads.wake_and_join();
        let deadline = Instant::now() + TCP_DRAIN;
        while open.load(Ordering::Acquire) > 0 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(())
    }
}

impl Listeners {
    /// Starts a thread per UDP socket and per TCP listener, noting in `threads` each handle and
    /// how to wake it.
    fn start(self, serving: &Arc<Serving>, open: &Arc<AtomicUsize>, threads: &mut Threads) -> io::Result<()> {
        let count = self.udp.iter().map(Vec::len).sum::<usize>() + self.tcp.len();
        let refused = |e: io::Error| io::Error::new(e.kind(), format!("cannot start {count} serving threads: {e}"));
        for sockets in self.udp {
            let share = sockets.len();
            for socket in sockets {
                threads.udp.push(socket.try_clone()?);
                let serving = Arc::clone(serving);
                let spawned = std::thread::Builder::new().spawn(move || serve_udp(&socket, &serving, share));
                threads.handles.push(spawned.map_err(refused)?);
            }
        }
        for listener in self.tcp {
            threads.tcp.push(listener.local_addr()?);
            let (serving, open) = (Arc::clone(serving), Arc::clone(open));
            let spawned = std::thread::Builder::new().spawn(move || serve_tcp(&listener, &serving, &open));
            threads.handles.push(spawned.map_err(refused)?);
        }
        Ok(())
    }
}

/// The serving threads, and what wakes each from its wait once the stop flag is set.
#[derive(Default)]
struct Threads {
    handles: Vec<JoinHandle<()>>,
    /// A second handle on each UDP thread's socket.
    udp: Vec<UdpSocket>,
    /// Each TCP listener's address.
    tcp: Vec<SocketAddr>,
}

impl Threads {
    /// Wakes every thread (the server is stopping) and waits for them.
    ///
    /// A UDP thread blocks in `recvmmsg` with no timeout: a `SO_RCVTIMEO` would arm and cancel
    /// a kernel timer on every wait, which at moderate rates is once per query or two. Shutting
    /// the socket for reading wakes it instead: Linux then returns from the wait at once
    /// (with an empty datagram, which is answered with nothing), even on an unconnected UDP
    /// socket, where `shutdown` also reports `ENOTCONN`. A TCP accept is woken by connecting.
    fn wake_and_join(self) {
        for socket in &self.udp {
            let _ = socket2::SockRef::from(socket).shutdown(std::net::Shutdown::Read);
        }
        for addr in self.tcp {
            let _ = TcpStream::connect_timeout(&reachable(addr), WAKE); // wakes the accept
        }
        for h in self.handles {
            let _ = h.join();
        }
    }
}

/// A TCP listener and `threads` UDP sockets on `addr`.
///
/// TCP is bound first and without `SO_REUSEPORT`: it fails if another server (a second surplus,
/// say) holds the address, where reuse-port UDP sockets would quietly share its traffic. With
/// port 0, the port TCP got may be taken for UDP; then another is tried.
fn bind_both(addr: SocketAddr, threads: usize) -> io::Result<(TcpListener, Vec<UdpSocket>)> {
    let mut attempts = if addr.port() == 0 { 16 } else { 1 };
    loop {
        let tcp = TcpListener::bind(addr)?;
        let bound = tcp.local_addr()?;
        match (0..threads).map(|_| reuse_port_udp(bound)).collect::<io::Result<Vec<_>>>() {
            Ok(udp) => return Ok((tcp, udp)),
            Err(e) if e.kind() == io::ErrorKind::AddrInUse && attempts > 1 => attempts -= 1,
            Err(e) => return Err(e),
        }
    }
}

/// A UDP socket on `addr` that other sockets of this process may bind too (`SO_REUSEPORT`).
fn reuse_port_udp(addr: SocketAddr) -> io::Result<UdpSocket> {
    let socket = Socket::new(Domain::for_address(addr), Type::DGRAM, Some(Protocol::UDP))?;
    if addr.is_ipv6() {
        socket.set_only_v6(true)?; // `::` and `0.0.0.0` can then both be listened on
    }
    socket.set_reuse_port(true)?;
    socket.bind(&addr.into())?;
    Ok(socket.into())
}

/// An address to connect to for reaching a listener on `addr` (a wildcard is reached on loopback).
fn reachable(addr: SocketAddr) -> SocketAddr {
    match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => SocketAddr::new(Ipv4Addr::LOCALHOST.into(), addr.port()),
        IpAddr::V6(ip) if ip.is_unspecified() => SocketAddr::new(Ipv6Addr::LOCALHOST.into(), addr.port()),
        _ => addr,
    }
}

/// A serving thread's view of the current generation: its answerer and counters, rebuilt
/// only when the generation is replaced.
struct Follower {
    number: u64,
    generation: Arc<Generation>,
    answerer: Answerer,
    counters: Arc<Counters>,
    /// UDP only, when `dns.rate_limit` is set: this thread's share of the limit.
    limiter: Option<RateLimiter>,
    /// UDP threads on this address, which share the rate limit.
    share: usize,
    epoch: Instant,
}

impl Follower {
    /// A follower for TCP (`share` 0: no rate limit) or for one of `share` UDP threads.
    fn new(serving: &Serving, share: usize) -> Follower {
        let (number, generation) = serving.current();
        let mut answerer = Answerer::new(&generation.zone, Arc::clone(&generation.live), generation.per_answer);
        answerer.set_extras(Arc::clone(&generation.extras));
        let counters = generation.registry.thread();
        // Each UDP thread limits its own share. SO_REUSEPORT spreads a client's packets over
        // the threads by source port, so the shares add up to the limit for a client that
        // varies its port, and are stricter for one that does not.
        let limiter = generation
            .config
            .dns
            .rate_limit
            .as_ref()
            .filter(|_| share > 0)
            .map(|r| RateLimiter::new(f64::from(r.responses_per_second) / share as f64, r.slip));
        Follower { number, generation, answerer, counters, limiter, share, epoch: Instant::now() }
    }

    /// Catches up with `serving` if its generation was replaced.
    #[inline]
    fn follow(&mut self, serving: &Serving) {
        if serving.number() != self.number {
            let before = std::mem::replace(self, Follower::new(serving, self.share));
            // A new generation (a reload, a learned fallback) with the same limit keeps the
            // buckets: otherwise every swap would hand each subnet a fresh burst.
            if before.generation.config.dns.rate_limit == self.generation.config.dns.rate_limit {
                (self.limiter, self.epoch) = (before.limiter, before.epoch);
            }
        }
    }

    /// Answers one packet, taken at `started`, into `reply`; returns the length written (0:
    /// nothing to send) and when it was done.
    #[inline]
    fn answer(
        &mut self,
        packet: &[u8],
        client: IpAddr,
        transport: Transport,
        reply: &mut [u8],
        started: Instant,
    ) -> (usize, Instant) {
        let mut verdict = match &mut self.limiter {
            Some(limiter) => limiter.check(client, started.saturating_duration_since(self.epoch).as_millis() as u64),
            None => Verdict::Answer,
        };
        // A valid server cookie proves the client sees our answers at its address, which a
        // forger does not (RFC 7873 §5.2.5): never limited. Checked only for the queries the
        // limiter would limit, so the rest pay nothing for it; their tokens are still counted.
        if verdict != Verdict::Answer && self.answerer.has_valid_cookie(packet, client) {
            verdict = Verdict::Answer;
        }
        if verdict == Verdict::Drop {
            return (0, self.record(Outcome::RateLimited, started));
        }
        let (bytes, outcome) = self.answerer.answer(&self.generation.zone, packet, client, transport);
        let written = match bytes {
            Some(bytes) if bytes.len() <= reply.len() => {
                reply[..bytes.len()].copy_from_slice(bytes);
                bytes.len()
            }
            _ => 0,
        };
        if verdict == Verdict::Slip && written > 0 {
            return (response::truncate(&mut reply[..written]), self.record(Outcome::RateLimited, started));
        }
        (written, self.record(outcome, started))
    }

    /// Counts an answer begun at `started`; returns the time now, when it was done.
    #[inline]
    fn record(&self, outcome: Outcome, started: Instant) -> Instant {
        let done = Instant::now();
        self.counters.record(outcome, done.saturating_duration_since(started));
        done
    }
}

fn serve_udp(socket: &UdpSocket, serving: &Serving, share: usize) {
    let mut follower = Follower::new(serving, share);
    let mut batch = UdpBatch::new();
    while !serving.stopping() {
        // One clock read per answer, not two: an answer's end is the next one's start, and the
        // batch's first starts when it is taken (read after the wait). The next answer's time
        // then includes staging this one's datagram, a few nanoseconds.
        let mut since: Option<Instant> = None;
        // Followed per packet, after the wait: a thread that slept through a reload must not
        // answer its first packet from the generation before. (One atomic load.)
        let _ = batch.exchange(socket, |packet, client, reply| {
            follower.follow(serving);
            let started = *since.get_or_insert_with(Instant::now);
            let (written, done) = follower.answer(packet, client, Transport::Udp, reply, started);
            since = Some(done);
            written
        });
    }
}

fn serve_tcp(listener: &TcpListener, serving: &Arc<Serving>, open: &Arc<AtomicUsize>) {
    for stream in listener.incoming() {
        if serving.stopping() {
            return;
        }
        let Ok(stream) = stream else {
            continue;
        };
        if open.fetch_add(1, Ordering::AcqRel) >= MAX_TCP {
            open.fetch_sub(1, Ordering::AcqRel);
            continue; // dropped: closes the connection
        }
        let (serving, open) = (Arc::clone(serving), Arc::clone(open));
        let counted = Arc::clone(&open);
        let spawned = std::thread::Builder::new().spawn(move || {
            let _ = serve_connection(stream, &serving);
            open.fetch_sub(1, Ordering::AcqRel);
        });
        if spawned.is_err() {
            // No thread for it (the system is out of them): the connection is dropped, as
            // one over the limit is, and the server goes on.
            counted.fetch_sub(1, Ordering::AcqRel);
        }
    }
}

/// Answers length-prefixed queries until the client closes, goes idle, or sends garbage, or
/// the server stops (after the query in hand).
fn serve_connection(mut stream: TcpStream, serving: &Serving) -> io::Result<()> {
    stream.set_read_timeout(Some(WAKE))?;
    stream.set_write_timeout(Some(TCP_IDLE))?;
    let peer = stream.peer_addr()?.ip();
    let mut follower = Follower::new(serving, 0);
    let mut query = vec![0u8; 65_535];
    let mut reply = vec![0u8; 65_537];
    loop {
        let mut len = [0u8; 2];
        if !read_waiting(&mut stream, &mut len, serving)? {
            return Ok(());
        }
        let len = usize::from(u16::from_be_bytes(len));
        if !read_waiting(&mut stream, &mut query[..len], serving)? {
            return Ok(());
        }
        follower.follow(serving);
        let (written, _) = follower.answer(&query[..len], peer, Transport::Tcp, &mut reply[2..], Instant::now());
        if written == 0 {
            return Ok(());
        }
        reply[..2].copy_from_slice(&(written as u16).to_be_bytes());
        stream.write_all(&reply[..written + 2])?;
    }
}

/// Fills `buf` from `stream`, waking every [`WAKE`] to look at the stop flag. `Ok(false)`: the
/// client closed before the first byte, went silent for [`TCP_IDLE`], or the server stops.
fn read_waiting(stream: &mut TcpStream, buf: &mut [u8], serving: &Serving) -> io::Result<bool> {
    let mut filled = 0;
    let mut idle_since = Instant::now();
    while filled < buf.len() {
        match stream.read(&mut buf[filled..]) {
            Ok(0) if filled == 0 => return Ok(false),
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => {
                filled += n;
                idle_since = Instant::now();
            }
            Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {
                if (filled == 0 && serving.stopping()) || idle_since.elapsed() >= TCP_IDLE {
                    return Ok(false);
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(true)
}
