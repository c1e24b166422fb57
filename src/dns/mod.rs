//! The network's authoritative DNS. The wire format is kept apart from the server that uses it:
//!
//! - wire: queries read off the wire in place ([`query`]); answers written from records encoded
//!   once per generation ([`response`], [`zone_data`]), negative answers' SOA and the glue
//!   compressed as the peers write them ([`negative_soa`], [`additional`]), with this server's
//!   NSID and DNS cookies ([`edns_extras`], [`cookie`]);
//! - the decision per query ([`answerer`]): zone data, or a buyer's name split between proxies
//!   and the buyer's fallback by the controller's line;
//! - the running server: listeners and their threads ([`server`], [`udp_batch`]), the
//!   generation they answer from and its swap on reload ([`generation`], [`serving`]), proxy
//!   health checks ([`health`]), fallbacks learned from the buyer's DNS ([`fallback_learner`]),
//!   the controller's last decisions ([`control_board`]), and counters with their Prometheus
//!   endpoint ([`counters`], [`metrics`]);
//! - the zones as master files, for review and for other name servers ([`zone_file`]).
//!
//! The hot path is written against the wire format directly rather than through a general DNS
//! library: a query is parsed in place without allocating, and answers are copied from
//! pre-encoded records. A prototype measured that at ~1.1× gdnsd, against ~0.66× for a custom
//! hickory-server handler. hickory-proto serves the tests as an independent encoder and decoder.

pub mod additional;
pub mod answerer;
pub mod control_board;
pub mod cookie;
pub mod counters;
pub mod edns_extras;
pub mod fallback_learner;
pub mod generation;
pub mod health;
pub mod metrics;
pub mod negative_soa;
pub mod query;
pub mod response;
pub mod server;
pub mod serving;
pub mod udp_batch;
pub mod zone_data;
pub mod zone_file;
