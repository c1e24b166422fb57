//! Which `dns serve` runs the controllers when several share one ledger: the rules of the lease
//! row (`control_lease`), as pure functions of (the row, the time, me). The ledger applies them
//! in one transaction (ledger/cluster.rs); the watcher asks them every interval
//! (control/cluster.rs).
//!
//! **Why a lease with an epoch, not a PostgreSQL advisory lock.** An advisory lock dies with
//! its connection, so a leader whose connection drops for a moment loses it without knowing,
//! and nothing stops a leader that was paused (SIGSTOP, a long GC-like stall, a VM migration)
//! from writing when it wakes: the lock says who leads now, not whether a write comes from
//! the one who does. It also does not exist on SQLite. A lease row works on both, and its
//! epoch, which grows by one at every change of holder, is written with every control state;
//! the database refuses a state whose epoch is not the lease's (a trigger, migration 9/5), so
//! a paused leader's late write fails whatever it believes.
//!
//! **Clocks.** Expiry is in the nodes' own clocks (unix milliseconds), so nodes must agree on
//! the time to well under a lease (NTP does, by orders of magnitude). A node whose clock runs
//! ahead takes an expired-looking lease early; the epoch still fences the one it took over
//! from, so the cost is a failover too soon, never two writers.
//!
//! **Holder and instance.** The holder is the node's name (what `dns status` shows); the
//! instance is the process (node:pid:random), so a node restarted under the same name is a
//! new holder: it waits for its old lease to expire, or for its predecessor's release at a
//! clean stop, and takes a new epoch.

/// The lease row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    pub holder: String,
    pub instance: String,
    /// Grows by one at every change of holder.
    pub epoch: i64,
    /// Unix ms: when this epoch began.
    pub since: i64,
    /// Unix ms: when it ends unless renewed.
    pub expires: i64,
}

/// Who is asking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Me<'a> {
    pub node: &'a str,
    pub instance: &'a str,
}

/// What to do with the lease.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// Write this row: a new epoch, this node leads from now.
    Take(Lease),
    /// Write this row: the same epoch, later expiry.
    Renew(Lease),
    /// Someone else holds it, unexpired: follow.
    Held(Lease),
}

impl Claim {
    /// The row after the claim.
    pub fn lease(&self) -> &Lease {
        match self {
            Claim::Take(l) | Claim::Renew(l) | Claim::Held(l) => l,
        }
    }

    /// Whether the claim makes (or keeps) `me` the leader.
    pub fn leads(&self) -> bool {
        !matches!(self, Claim::Held(_))
    }
}

/// The lease `me` asks for at `now` for `length_ms`, given the row in the ledger. Ours (this
/// process's) is renewed even past its expiry: nobody took it, so no state was written under
/// another epoch. Someone else's is taken only once it has expired, with the next epoch.
pub fn claim(row: Option<&Lease>, me: Me<'_>, now: i64, length_ms: i64) -> Claim {
    let mine = |epoch: i64, since: i64| Lease {
        holder: me.node.to_string(),
        instance: me.instance.to_string(),
        epoch,
        since,
        expires: now.saturating_add(length_ms),
    };
    match row {
        None => Claim::Take(mine(1, now)),
        Some(l) if l.instance == me.instance => Claim::Renew(mine(l.epoch, l.since)),
        Some(l) if now >= l.expires => Claim::Take(mine(l.epoch + 1, now)),
        Some(l) => Claim::Held(l.clone()),
    }
}

/// The row after `me` lets go at a clean stop: expired now, so the next claimant takes it at
/// once; `None` if it is not `me`'s to release.
pub fn release(row: &Lease, me: Me<'_>, now: i64) -> Option<Lease> {
    (row.instance == me.instance).then(|| Lease { expires: now.min(row.expires), ..row.clone() })
}

/// Whether `me`, holding `lease` as last written, may still act as leader at `now`: only
/// before its expiry (by its own clock). After it, a successor may have taken over; the
/// leader stops until it has renewed.
pub fn still_leads(lease: &Lease, me: Me<'_>, now: i64) -> bool {
    lease.instance == me.instance && now < lease.expires
}

/// Whether a write made under `epoch` is fenced off by the lease as it is now.
pub fn fenced(epoch: i64, lease: Option<&Lease>) -> bool {
    lease.is_none_or(|l| l.epoch != epoch)
}

/// How long a lease lasts for a control `interval_ms`: two intervals, renewed every one, so
/// one late renewal does not lose it and a dead leader's successor leads within three.
pub fn length_ms(interval_ms: i64) -> i64 {
    2 * interval_ms.max(1)
}

/// Whether a node that does not lead steps its own controllers: when it cannot reach the
/// ledger and no lease it knows of runs at `now` by its own clock (`others_until`: the end of
/// another's lease as last read; `None` when it read none, or held the last one itself). Then
/// no leader can be publishing to it, and every node alike reads the same proxies, so each
/// stepping the law from the last published state gives each the share one leader would
/// have: better than holding a share fixed at whatever the law had reached (with few clients
/// behind a buyer, the law dithers between two shares, and a frozen one can sit 15% under).
pub fn steps_alone(ledger_away: bool, others_until: Option<i64>, now: i64) -> bool {
    ledger_away && others_until.is_none_or(|until| now >= until)
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: Me<'static> = Me { node: "ns-a", instance: "ns-a:10:1" };
    const B: Me<'static> = Me { node: "ns-b", instance: "ns-b:20:2" };

    fn held_by(me: Me<'_>, epoch: i64, expires: i64) -> Lease {
        Lease { holder: me.node.into(), instance: me.instance.into(), epoch, since: 0, expires }
    }

    #[test]
    fn the_first_claimant_takes_epoch_one() {
        let c = claim(None, A, 1_000, 2_000);
        assert_eq!(c, Claim::Take(Lease { since: 1_000, ..held_by(A, 1, 3_000) }));
        assert!(c.leads());
    }

    #[test]
    fn the_holder_renews_in_its_epoch_even_late_and_keeps_its_start() {
        let row = Lease { since: 500, ..held_by(A, 4, 3_000) };
        assert_eq!(claim(Some(&row), A, 2_000, 2_000), Claim::Renew(Lease { since: 500, ..held_by(A, 4, 4_000) }));
        assert_eq!(
            claim(Some(&row), A, 9_000, 2_000),
            Claim::Renew(Lease { since: 500, ..held_by(A, 4, 11_000) }),
            "past its expiry, nobody took it: still epoch 4"
        );
    }

    #[test]
    fn another_waits_for_expiry_then_takes_the_next_epoch() {
        let row = held_by(A, 4, 3_000);
        assert_eq!(claim(Some(&row), B, 2_999, 2_000), Claim::Held(row.clone()));
        assert!(!claim(Some(&row), B, 2_999, 2_000).leads());
        assert_eq!(claim(Some(&row), B, 3_000, 2_000), Claim::Take(Lease { since: 3_000, ..held_by(B, 5, 5_000) }));
    }

    #[test]
    fn a_restarted_node_is_a_new_instance_and_waits_like_anyone() {
        let row = held_by(A, 4, 3_000);
        let again = Me { node: "ns-a", instance: "ns-a:11:9" };
        assert!(matches!(claim(Some(&row), again, 2_000, 2_000), Claim::Held(_)));
        assert_eq!(claim(Some(&row), again, 3_000, 2_000).lease().epoch, 5);
    }

    #[test]
    fn a_release_expires_the_lease_now_and_only_the_holder_may() {
        let row = held_by(A, 4, 3_000);
        let released = release(&row, A, 1_000).unwrap();
        assert_eq!(released.expires, 1_000);
        assert_eq!(release(&row, B, 1_000), None);
        assert_eq!(claim(Some(&released), B, 1_000, 2_000).lease().epoch, 5, "taken at once");
        assert_eq!(release(&row, A, 5_000).unwrap().expires, 3_000, "never later than it was");
    }

    #[test]
    fn a_leader_stops_at_its_expiry_by_its_own_clock() {
        let row = held_by(A, 4, 3_000);
        assert!(still_leads(&row, A, 2_999));
        assert!(!still_leads(&row, A, 3_000));
        assert!(!still_leads(&row, B, 0));
    }

    #[test]
    fn only_the_leases_epoch_writes() {
        let row = held_by(B, 5, 3_000);
        assert!(fenced(4, Some(&row)), "the paused leader of epoch 4");
        assert!(!fenced(5, Some(&row)));
        assert!(fenced(1, None), "no lease, no leader");
    }

    #[test]
    fn a_lease_is_two_intervals() {
        assert_eq!(length_ms(5_000), 10_000);
        assert_eq!(length_ms(0), 2);
    }

    #[test]
    fn a_node_steps_alone_only_without_the_ledger_and_after_every_lease_it_knows() {
        assert!(!steps_alone(false, None, 0), "the ledger answers: lead or follow");
        assert!(!steps_alone(true, Some(10_000), 9_999), "a leader may still publish");
        assert!(steps_alone(true, Some(10_000), 10_000));
        assert!(steps_alone(true, None, 0), "its own lease ended, or it never read one");
    }
}
