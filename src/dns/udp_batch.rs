//! Many datagrams per system call: `recvmmsg` takes up to [`BATCH`] queries at once and
//! `sendmmsg` sends their answers back together.
//!
//! Why not one `recv_from`/`send_to` per query: profiling the plain loop under dnsperf showed
//! over 90% of the time in the kernel, most of it in the two system calls and the scheduler
//! waking the thread for every packet. Batching amortises both; it is what gdnsd and NSD do.
//! `MSG_WAITFORONE` makes `recvmmsg` block only for the first datagram and then take whatever
//! else is already queued, so a lone query is answered at once and a burst in one call.
//!
//! The buffers and the `mmsghdr`s that point into them are allocated once per serving thread
//! and never move (boxed slices), so the raw pointers the kernel writes through stay valid.

use std::io;
use std::mem::{size_of, zeroed};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, UdpSocket};
use std::os::fd::AsRawFd;
use std::ptr;

/// Datagrams per system call.
pub const BATCH: usize = 32;
/// Largest query read; a longer datagram is cut by the kernel and flagged, and then dropped.
const MAX_QUERY: usize = 4096;
/// Largest answer sent over UDP (the answer path truncates to at most 1232 bytes with EDNS).
pub const MAX_REPLY: usize = 4096;

/// One serving thread's receive and send buffers.
pub struct UdpBatch {
    queries: Box<[[u8; MAX_QUERY]]>,
    replies: Box<[[u8; MAX_REPLY]]>,
    peers: Box<[libc::sockaddr_storage]>,
    query_iov: Box<[libc::iovec]>,
    reply_iov: Box<[libc::iovec]>,
    received: Box<[libc::mmsghdr]>,
    outgoing: Box<[libc::mmsghdr]>,
    /// How many of `received` the last `recvmmsg` filled, and so must be reset before the next.
    filled: usize,
}

impl UdpBatch {
    /// Buffers for [`BATCH`] queries and answers.
    pub fn new() -> UdpBatch {
        // SAFETY: `sockaddr_storage`, `iovec` and `mmsghdr` are plain C structs for which all
        // zero bytes is a valid (empty) value.
        let zero_peer: libc::sockaddr_storage = unsafe { zeroed() };
        let zero_iov = libc::iovec { iov_base: ptr::null_mut(), iov_len: 0 };
        let zero_hdr: libc::mmsghdr = unsafe { zeroed() };
        let mut b = UdpBatch {
            queries: vec![[0u8; MAX_QUERY]; BATCH].into_boxed_slice(),
            replies: vec![[0u8; MAX_REPLY]; BATCH].into_boxed_slice(),
            peers: vec![zero_peer; BATCH].into_boxed_slice(),
            query_iov: vec![zero_iov; BATCH].into_boxed_slice(),
            reply_iov: vec![zero_iov; BATCH].into_boxed_slice(),
            received: vec![zero_hdr; BATCH].into_boxed_slice(),
            outgoing: vec![zero_hdr; BATCH].into_boxed_slice(),
            filled: BATCH,
        };
        for i in 0..BATCH {
            b.query_iov[i] = libc::iovec { iov_base: b.queries[i].as_mut_ptr().cast(), iov_len: MAX_QUERY };
            b.received[i].msg_hdr.msg_iov = &mut b.query_iov[i];
            b.received[i].msg_hdr.msg_iovlen = 1;
            b.received[i].msg_hdr.msg_name = (&raw mut b.peers[i]).cast();
            b.outgoing[i].msg_hdr.msg_iov = &mut b.reply_iov[i];
            b.outgoing[i].msg_hdr.msg_iovlen = 1;
        }
        b
    }

    /// Waits for queries (up to the socket's read timeout, if it has one; until it is shut for
    /// reading), calls `answer(query, client,
    /// reply)` for each, which writes its answer into `reply` and returns its length (0: send
    /// nothing), then sends the answers. Returns how many queries were taken.
    pub fn exchange(
        &mut self,
        socket: &UdpSocket,
        mut answer: impl FnMut(&[u8], IpAddr, &mut [u8; MAX_REPLY]) -> usize,
    ) -> io::Result<usize> {
        let n = self.receive(socket)?;
        let mut staged = 0;
        for i in 0..n {
            let header = &self.received[i];
            if header.msg_hdr.msg_flags & libc::MSG_TRUNC != 0 {
                continue; // longer than any sane query: not worth an answer
            }
            let Some(client) = client_ip(&self.peers[i]) else {
                continue;
            };
            let len = (header.msg_len as usize).min(MAX_QUERY);
            let written = answer(&self.queries[i][..len], client, &mut self.replies[staged]);
            if written == 0 {
                continue;
            }
            self.reply_iov[staged] =
                libc::iovec { iov_base: self.replies[staged].as_mut_ptr().cast(), iov_len: written.min(MAX_REPLY) };
            let out = &mut self.outgoing[staged].msg_hdr;
            out.msg_name = (&raw mut self.peers[i]).cast();
            out.msg_namelen = self.received[i].msg_hdr.msg_namelen;
            staged += 1;
        }
        self.send(socket, staged);
        Ok(n)
    }

    fn receive(&mut self, socket: &UdpSocket) -> io::Result<usize> {
        // Only the headers the kernel wrote last time: at the rates a server usually sees a
        // batch is one datagram, and resetting all 32 cost more than the rest of the loop.
        for header in &mut self.received[..self.filled] {
            header.msg_hdr.msg_namelen = size_of::<libc::sockaddr_storage>() as libc::socklen_t;
            header.msg_hdr.msg_flags = 0;
        }
        // SAFETY: every header points at its own live buffer and address slot (set up in `new`,
        // never moved); the count passed is the length of `received`.
        let n = unsafe {
            libc::recvmmsg(
                socket.as_raw_fd(),
                self.received.as_mut_ptr(),
                BATCH as libc::c_uint,
                libc::MSG_WAITFORONE,
                ptr::null_mut(),
            )
        };
        if n < 0 {
            // Rare (a timeout, a signal): all of them are reset next time, to be safe.
            self.filled = BATCH;
            return Err(io::Error::last_os_error());
        }
        self.filled = n as usize;
        Ok(n as usize)
    }

    /// Sends the first `count` staged answers. A datagram the kernel refuses (say, an
    /// unreachable client) is skipped, not retried: UDP makes no promise and neither do we.
    fn send(&mut self, socket: &UdpSocket, count: usize) {
        let mut sent = 0;
        while sent < count {
            // SAFETY: headers `sent..count` point at staged reply buffers and peer addresses
            // that live as long as `self`.
            let n = unsafe {
                libc::sendmmsg(
                    socket.as_raw_fd(),
                    self.outgoing[sent..].as_mut_ptr(),
                    (count - sent) as libc::c_uint,
                    0,
                )
            };
            if n <= 0 {
                if io::Error::last_os_error().kind() == io::ErrorKind::Interrupted {
                    continue;
                }
                sent += 1; // the first one failed: skip it
            } else {
                sent += n as usize;
            }
        }
    }
}

impl Default for UdpBatch {
    fn default() -> Self {
        UdpBatch::new()
    }
}

/// The client's address from a kernel-filled `sockaddr_storage` (IPv4 or IPv6; mapped IPv4
/// addresses on an IPv6 socket stay as they are).
fn client_ip(peer: &libc::sockaddr_storage) -> Option<IpAddr> {
    match i32::from(peer.ss_family) {
        libc::AF_INET => {
            // SAFETY: the family says this storage holds a `sockaddr_in`, which it is sized for.
            let v4 = unsafe { &*(ptr::from_ref(peer).cast::<libc::sockaddr_in>()) };
            Some(IpAddr::V4(Ipv4Addr::from(u32::from_be(v4.sin_addr.s_addr))))
        }
        libc::AF_INET6 => {
            // SAFETY: as above, for `sockaddr_in6`.
            let v6 = unsafe { &*(ptr::from_ref(peer).cast::<libc::sockaddr_in6>()) };
            Some(IpAddr::V6(Ipv6Addr::from(v6.sin6_addr.s6_addr)))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_every_datagram_of_a_burst_to_its_sender() {
        let server = UdpSocket::bind("127.0.0.1:0").unwrap();
        let addr = server.local_addr().unwrap();
        let clients: Vec<UdpSocket> = (0..40).map(|_| UdpSocket::bind("127.0.0.1:0").unwrap()).collect();
        for (i, c) in clients.iter().enumerate() {
            c.send_to(format!("q{i}").as_bytes(), addr).unwrap();
        }
        let mut batch = UdpBatch::new();
        let mut taken = 0;
        while taken < clients.len() {
            taken += batch
                .exchange(&server, |query, client, reply| {
                    assert_eq!(client, IpAddr::V4(Ipv4Addr::LOCALHOST));
                    reply[..query.len()].copy_from_slice(query);
                    reply[0] = b'a';
                    query.len()
                })
                .unwrap();
        }
        for (i, c) in clients.iter().enumerate() {
            c.set_read_timeout(Some(std::time::Duration::from_secs(5))).unwrap();
            let mut buf = [0u8; 64];
            let n = c.recv(&mut buf).unwrap();
            assert_eq!(&buf[..n], format!("a{i}").as_bytes());
        }
    }

    #[test]
    fn an_empty_answer_sends_nothing_and_an_oversized_query_is_dropped() {
        let server = UdpSocket::bind("127.0.0.1:0").unwrap();
        let client = UdpSocket::bind("127.0.0.1:0").unwrap();
        client.set_read_timeout(Some(std::time::Duration::from_millis(200))).unwrap();
        client.send_to(&vec![1u8; MAX_QUERY + 1], server.local_addr().unwrap()).unwrap();
        client.send_to(b"quiet", server.local_addr().unwrap()).unwrap();
        let mut batch = UdpBatch::new();
        let mut seen = Vec::new();
        let mut taken = 0;
        while taken < 2 {
            taken += batch
                .exchange(&server, |query, _, _| {
                    seen.push(query.to_vec());
                    0
                })
                .unwrap();
        }
        assert_eq!(seen, vec![b"quiet".to_vec()]);
        assert!(client.recv(&mut [0u8; 16]).is_err());
    }
}
