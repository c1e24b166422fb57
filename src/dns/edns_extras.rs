//! The EDNS options a reply may carry beyond the protocol's own: this server's NSID (RFC 5001)
//! and a server cookie (RFC 7873, [`super::cookie`]). Built once per generation; a query that
//! asks for neither never reaches them.

use std::net::IpAddr;

use super::cookie::{CookieSecret, SERVER_COOKIE_LEN};
use super::query::{Edns, OPTION_COOKIE, OPTION_NSID};

/// Longest NSID accepted (`dns.nsid`): a host name's length, and room in any reply.
pub const MAX_NSID: usize = 255;

/// The NSID option, encoded, and the cookie secret.
#[derive(Debug, Clone, Default)]
pub struct EdnsExtras {
    /// The whole NSID option (code, length, data); empty when NSID is off.
    nsid: Vec<u8>,
    /// `None`: cookies are not answered (only checked for form).
    cookies: Option<CookieSecret>,
}

impl EdnsExtras {
    /// `nsid` empty turns NSID off; bytes past [`MAX_NSID`] are cut (the config refuses them).
    pub fn new(nsid: &[u8], cookies: Option<CookieSecret>) -> EdnsExtras {
        let nsid = &nsid[..nsid.len().min(MAX_NSID)];
        let option = if nsid.is_empty() {
            Vec::new()
        } else {
            let mut o = Vec::with_capacity(4 + nsid.len());
            o.extend(OPTION_NSID.to_be_bytes());
            o.extend((nsid.len() as u16).to_be_bytes());
            o.extend_from_slice(nsid);
            o
        };
        EdnsExtras { nsid: option, cookies }
    }

    /// Room the options may take in one reply (for the answerer's buffer).
    pub fn capacity(&self) -> usize {
        self.nsid.len() + 4 + 8 + SERVER_COOKIE_LEN
    }

    /// Appends the options the reply to `edns` from `client` at `now` (Unix seconds) carries:
    /// NSID when asked for, and a fresh server cookie when the client sent a cookie.
    pub fn write(&self, edns: &Edns<'_>, client: IpAddr, now: u32, out: &mut Vec<u8>) {
        if edns.nsid {
            out.extend_from_slice(&self.nsid);
        }
        if let (Some(cookie), Some(secret)) = (edns.cookie, &self.cookies) {
            out.extend(OPTION_COOKIE.to_be_bytes());
            out.extend(((8 + SERVER_COOKIE_LEN) as u16).to_be_bytes());
            let client_cookie = cookie.client();
            out.extend_from_slice(&client_cookie);
            out.extend_from_slice(&secret.server_cookie(&client_cookie, client, now));
        }
    }

    /// Whether replies carry server cookies (a secret is set).
    pub fn makes_cookies(&self) -> bool {
        self.cookies.is_some()
    }

    /// Whether `edns` holds a server cookie we made for `client`, valid at `now`.
    pub fn verified(&self, edns: &Edns<'_>, client: IpAddr, now: u32) -> bool {
        match (edns.cookie, &self.cookies) {
            (Some(c), Some(secret)) => secret.is_valid(&c.client(), c.server(), client, now),
            _ => false,
        }
    }
}
