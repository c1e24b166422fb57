//! What `dns status` says about the nodes sharing one ledger: each node's role, who leads,
//! and what to warn about (nodes on different configurations, a node gone quiet, no leader),
//! as pure functions of the rows (`dns_nodes`, `control_lease`) and the time. The command
//! reads the rows and the wall clock (app/dns_status.rs) and prints what these decide.
//!
//! Times are unix milliseconds, as the rows store them.

use std::fmt;

use super::control_lease::Lease;

/// Heartbeat intervals a node may miss before it is reported as not heard from: one late
/// beat is a slow database, three in a row is a node that is down or cut off (the leader
/// counts such a node's queries at zero after as many).
pub const SILENT_INTERVALS: i64 = 3;

/// What a node does in the control.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Runs the monitor and controllers and publishes the state.
    Leader,
    /// Applies what the leader publishes.
    Follower,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Leader => "leader",
            Role::Follower => "follower",
        }
    }
}

/// One node's heartbeat, as far as the decisions here need it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Beat<'a> {
    pub node: &'a str,
    pub config_hash: &'a str,
    /// Unix ms of its last heartbeat.
    pub heartbeat_at: i64,
    /// Its heartbeat (and control) interval.
    pub interval_ms: i64,
    /// The epoch it said it leads in, if it said so.
    pub leading_epoch: Option<i64>,
}

/// The lease if it makes someone the leader at `now`: taken and not expired.
pub fn current_lease(lease: Option<&Lease>, now: i64) -> Option<&Lease> {
    lease.filter(|l| now < l.expires)
}

/// A node leads when all three agree: it said it leads in the lease's epoch, the lease is
/// held by that node, and the lease has not expired. A node's own word is not enough (a
/// paused leader's last heartbeat still says it leads), nor is the lease alone (its holder
/// may have been restarted and not yet taken over again).
pub fn role(beat: &Beat<'_>, lease: Option<&Lease>, now: i64) -> Role {
    match current_lease(lease, now) {
        Some(l) if l.holder == beat.node && beat.leading_epoch == Some(l.epoch) => Role::Leader,
        _ => Role::Follower,
    }
}

/// Whether a node has not been heard from for [`SILENT_INTERVALS`] of its intervals.
pub fn silent(beat: &Beat<'_>, now: i64) -> bool {
    now.saturating_sub(beat.heartbeat_at) >= SILENT_INTERVALS.saturating_mul(beat.interval_ms.max(1))
}

/// Something wrong with the cluster as a whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Warning {
    /// The live nodes run more than one configuration: each hash with its nodes, the most
    /// common first.
    Configs(Vec<(String, Vec<String>)>),
    /// A node has not been heard from for [`SILENT_INTERVALS`] of its intervals.
    Silent { node: String, for_ms: i64, interval_ms: i64 },
    /// Nobody has ever taken the lease, though nodes are running.
    NeverLed,
    /// The lease expired and nobody has taken it since.
    Expired { holder: String, epoch: i64, ago_ms: i64 },
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Warning::Configs(groups) => {
                let groups: Vec<String> =
                    groups.iter().map(|(hash, nodes)| format!("{hash} on {}", nodes.join(", "))).collect();
                write!(f, "the nodes run different configurations: {}", groups.join("; "))
            }
            Warning::Silent { node, for_ms, interval_ms } => write!(
                f,
                "node {node} not heard from for {} ({SILENT_INTERVALS} of its {} intervals or more)",
                duration(*for_ms),
                duration(*interval_ms)
            ),
            Warning::NeverLed => write!(f, "no leader: no node has taken the control lease"),
            Warning::Expired { holder, epoch, ago_ms } => write!(
                f,
                "no leader: the control lease of {holder} (epoch {epoch}) expired {} ago and nobody took it",
                duration(*ago_ms)
            ),
        }
    }
}

/// The warnings for `beats` (sorted by node name, as the ledger lists them) and the lease at
/// `now`: different configurations first, then each quiet node, then no leader. Nothing when
/// there are no nodes (a ledger no `dns serve` of this kind ever ran on).
///
/// Configurations are compared among the nodes still heard from: a node that stopped runs
/// no configuration, and it has its own warning.
pub fn warnings(beats: &[Beat<'_>], lease: Option<&Lease>, now: i64) -> Vec<Warning> {
    if beats.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for beat in beats.iter().filter(|b| !silent(b, now)) {
        match groups.iter_mut().find(|(hash, _)| hash == beat.config_hash) {
            Some((_, nodes)) => nodes.push(beat.node.to_string()),
            None => groups.push((beat.config_hash.to_string(), vec![beat.node.to_string()])),
        }
    }
    if groups.len() > 1 {
        // Stable: equally common hashes keep the order of their first node.
        groups.sort_by_key(|(_, nodes)| std::cmp::Reverse(nodes.len()));
        out.push(Warning::Configs(groups));
    }
    for beat in beats.iter().filter(|b| silent(b, now)) {
        out.push(Warning::Silent {
            node: beat.node.to_string(),
            for_ms: now - beat.heartbeat_at,
            interval_ms: beat.interval_ms,
        });
    }
    match lease {
        None => out.push(Warning::NeverLed),
        Some(l) if current_lease(Some(l), now).is_none() => {
            out.push(Warning::Expired { holder: l.holder.clone(), epoch: l.epoch, ago_ms: now - l.expires });
        }
        Some(_) => {}
    }
    out
}

/// A length of time for people: `2.1 s` under a minute, then `4 min 12 s`, `3 h 2 min`,
/// `2 d 3 h`.
pub fn duration(ms: i64) -> String {
    let ms = ms.max(0);
    let s = ms / 1000;
    match s {
        0..60 => format!("{:.1} s", ms as f64 / 1000.0),
        60..3600 => format!("{} min {} s", s / 60, s % 60),
        3600..86_400 => format!("{} h {} min", s / 3600, s % 3600 / 60),
        _ => format!("{} d {} h", s / 86_400, s % 86_400 / 3600),
    }
}

/// How long ago `then` was at `now`: `2.1 s ago`; `in 0.3 s` for a time ahead of this clock
/// (the writer's clock runs ahead of this one).
pub fn age(then: i64, now: i64) -> String {
    if then > now { format!("in {}", duration(then - now)) } else { format!("{} ago", duration(now - then)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn beat<'a>(node: &'a str, hash: &'a str, heartbeat_at: i64, leading_epoch: Option<i64>) -> Beat<'a> {
        Beat { node, config_hash: hash, heartbeat_at, interval_ms: 1_000, leading_epoch }
    }

    fn lease(holder: &str, epoch: i64, expires: i64) -> Lease {
        Lease { holder: holder.into(), instance: format!("{holder}:1:1"), epoch, since: 0, expires }
    }

    #[test]
    fn a_node_leads_only_when_its_word_the_lease_holder_and_the_expiry_agree() {
        let l = lease("ns-a", 3, 10_000);
        let now = 9_000;
        assert_eq!(role(&beat("ns-a", "h", now, Some(3)), Some(&l), now), Role::Leader);
        // Its heartbeat still says epoch 2: it has not taken over again since a restart.
        assert_eq!(role(&beat("ns-a", "h", now, Some(2)), Some(&l), now), Role::Follower);
        assert_eq!(role(&beat("ns-a", "h", now, None), Some(&l), now), Role::Follower);
        // Another node claiming the epoch does not make it the holder.
        assert_eq!(role(&beat("ns-b", "h", now, Some(3)), Some(&l), now), Role::Follower);
        // Expired at 10,000 exactly, as the lease rules have it.
        assert_eq!(role(&beat("ns-a", "h", now, Some(3)), Some(&l), 10_000), Role::Follower);
        assert_eq!(role(&beat("ns-a", "h", now, Some(3)), None, now), Role::Follower);
        assert_eq!(Role::Leader.as_str(), "leader");
    }

    #[test]
    fn a_node_is_silent_from_three_of_its_intervals_on() {
        let b = Beat { interval_ms: 2_000, ..beat("ns-a", "h", 10_000, None) };
        assert!(!silent(&b, 15_999));
        assert!(silent(&b, 16_000));
        // A nonsensical interval of 0 is taken as 1 ms, not as "never silent" or a division.
        assert!(silent(&Beat { interval_ms: 0, ..b }, 10_003));
    }

    #[test]
    fn differing_configurations_among_live_nodes_are_grouped_the_most_common_first() {
        let now = 100_000;
        let l = lease("ns-a", 1, now + 1_000);
        let beats = [
            beat("ns-a", "1111", now, Some(1)),
            beat("ns-b", "2222", now - 500, None),
            beat("ns-c", "2222", now - 900, None),
            beat("ns-d", "3333", now - 60_000, None),
        ];
        let w = warnings(&beats, Some(&l), now);
        assert_eq!(
            w,
            [
                Warning::Configs(vec![
                    ("2222".into(), vec!["ns-b".into(), "ns-c".into()]),
                    ("1111".into(), vec!["ns-a".into()])
                ]),
                Warning::Silent { node: "ns-d".into(), for_ms: 60_000, interval_ms: 1_000 },
            ]
        );
        assert_eq!(w[0].to_string(), "the nodes run different configurations: 2222 on ns-b, ns-c; 1111 on ns-a");
        assert_eq!(w[1].to_string(), "node ns-d not heard from for 1 min 0 s (3 of its 1.0 s intervals or more)");
        // The same configuration everywhere, one leader, all heard from: nothing to say.
        let fine = [beat("ns-a", "1111", now, Some(1)), beat("ns-b", "1111", now - 2_999, None)];
        assert_eq!(warnings(&fine, Some(&l), now), []);
    }

    #[test]
    fn no_leader_when_the_lease_was_never_taken_or_has_expired_but_only_with_nodes() {
        let now = 50_000;
        let beats = [beat("ns-a", "h", now, None)];
        assert_eq!(warnings(&beats, None, now), [Warning::NeverLed]);
        let expired = lease("ns-a", 4, now - 12_000);
        let w = warnings(&beats, Some(&expired), now);
        assert_eq!(w, [Warning::Expired { holder: "ns-a".into(), epoch: 4, ago_ms: 12_000 }]);
        assert_eq!(
            w[0].to_string(),
            "no leader: the control lease of ns-a (epoch 4) expired 12.0 s ago and nobody took it"
        );
        assert_eq!(Warning::NeverLed.to_string(), "no leader: no node has taken the control lease");
        assert_eq!(warnings(&[], None, now), []);
        assert_eq!(current_lease(Some(&expired), now), None);
    }

    #[test]
    fn ages_read_as_people_say_them() {
        assert_eq!(age(1_000, 3_100), "2.1 s ago");
        assert_eq!(age(0, 59_999), "60.0 s ago");
        assert_eq!(age(0, 252_000), "4 min 12 s ago");
        assert_eq!(age(0, 3 * 3_600_000 + 120_000), "3 h 2 min ago");
        assert_eq!(age(0, 2 * 86_400_000 + 3 * 3_600_000), "2 d 3 h ago");
        assert_eq!(age(3_300, 3_000), "in 0.3 s");
    }
}
