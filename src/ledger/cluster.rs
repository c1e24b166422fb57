//! Several `dns serve` on one ledger: the lease that elects the leader (its rules are
//! [`crate::core::control_lease`]), the control state the leader publishes and every node
//! applies, and the nodes' heartbeats. The JSON in `control_states` and `dns_nodes` is the
//! control layer's (src/control/); here it is text.
//!
//! Cost per node and interval: one lease claim (a read and an upsert of one row, one
//! transaction), one heartbeat (an upsert of one row), and on a follower one read of the
//! lease row, plus the states when their version moved; on the leader one publication (one
//! multi-row upsert and a delete, in the claim's transaction).

use super::db::{Db, Row, TxKind, args};
use super::{Ledger, LedgerError};
use crate::core::control_lease::{self, Claim, Lease, Me};

/// The lease row with its publication counter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaseRow {
    pub lease: Lease,
    /// Version of the newest published control state (0: none yet).
    pub published: i64,
    /// Unix ms of that publication.
    pub published_at: i64,
}

/// One buyer's published control state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredState {
    pub buyer: String,
    pub epoch: i64,
    pub version: i64,
    /// Unix ms.
    pub written_at: i64,
    /// What every node answers with (JSON).
    pub applied: String,
    /// The controller's memory, for the next leader (JSON); empty unless asked for.
    pub memory: String,
}

/// A buyer's state to publish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewState {
    pub buyer: String,
    pub applied: String,
    pub memory: String,
}

/// One node's heartbeat row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeBeat {
    pub node: String,
    pub instance: String,
    pub address: String,
    pub version: String,
    pub config_hash: String,
    /// Unix ms.
    pub started_at: i64,
    /// Unix ms.
    pub heartbeat_at: i64,
    pub interval_ms: i64,
    pub leading_epoch: Option<i64>,
    pub applied_version: Option<i64>,
    /// JSON: its last interval's DNS queries per buyer.
    pub counts: String,
    /// JSON: per buyer, the share it answers with.
    pub serving: String,
}

/// Why a publication was refused.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// The lease is not this process's in this epoch any more.
    #[error("control state of epoch {epoch} not published: {now}")]
    Fenced { epoch: i64, now: String },
    #[error(transparent)]
    Ledger(#[from] LedgerError),
}

const LEASE_COLUMNS: &str = "holder, instance, epoch, since, expires, published, published_at";

fn lease_row(r: &Row<'_>) -> Result<LeaseRow, LedgerError> {
    Ok(LeaseRow {
        lease: Lease { holder: r.get(0)?, instance: r.get(1)?, epoch: r.get(2)?, since: r.get(3)?, expires: r.get(4)? },
        published: r.get(5)?,
        published_at: r.get(6)?,
    })
}

fn read_lease(db: &Db) -> Result<Option<LeaseRow>, LedgerError> {
    db.query_opt(&format!("SELECT {LEASE_COLUMNS} FROM control_lease WHERE id = 1"), args![], lease_row)
}

fn write_lease(db: &Db, l: &Lease) -> Result<(), LedgerError> {
    db.execute(
        "INSERT INTO control_lease (id, holder, instance, epoch, since, expires) VALUES (1, ?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (id) DO UPDATE SET holder = excluded.holder, instance = excluded.instance,
             epoch = excluded.epoch, since = excluded.since, expires = excluded.expires",
        args![l.holder, l.instance, l.epoch, l.since, l.expires],
    )?;
    Ok(())
}

impl Ledger {
    /// The lease row, if any node ever took it.
    pub fn control_lease(&self) -> Result<Option<LeaseRow>, LedgerError> {
        read_lease(&self.db)
    }

    /// Takes, renews or reads the lease for `me` at `now` (unix ms) for `length_ms`, in one
    /// transaction ([`control_lease::claim`]), and returns the claim with the row as it was
    /// before it (who led, when a node takes over).
    pub fn claim_control_lease(
        &mut self,
        me: Me<'_>,
        now: i64,
        length_ms: i64,
    ) -> Result<(Claim, Option<LeaseRow>), LedgerError> {
        self.db.transaction(TxKind::Write, |db| {
            let row = read_lease(db)?;
            let claim = control_lease::claim(row.as_ref().map(|r| &r.lease), me, now, length_ms);
            if claim.leads() {
                write_lease(db, claim.lease())?;
            }
            Ok((claim, row.clone()))
        })
    }

    /// At a clean stop: lets the lease go if it is `me`'s, so another node leads at once.
    /// Whether it was.
    pub fn release_control_lease(&mut self, me: Me<'_>, now: i64) -> Result<bool, LedgerError> {
        self.db.transaction(TxKind::Write, |db| {
            let Some(row) = read_lease(db)? else { return Ok(false) };
            match control_lease::release(&row.lease, me, now) {
                Some(released) => write_lease(db, &released).map(|()| true),
                None => Ok(false),
            }
        })
    }

    /// Publishes every buyer's state under `epoch` as the next version, in one transaction
    /// that first checks the lease is still `me`'s in that epoch (the database's trigger
    /// checks again: a write under another epoch is refused whatever this code believes).
    /// States of buyers not in `states` are removed. Returns the version.
    pub fn publish_control(
        &mut self,
        me: Me<'_>,
        epoch: i64,
        now: i64,
        states: &[NewState],
    ) -> Result<i64, PublishError> {
        self.db.transaction(TxKind::Write, |db| {
            let row = read_lease(db)?;
            let lease = row.as_ref().map(|r| &r.lease);
            if control_lease::fenced(epoch, lease) || lease.is_some_and(|l| l.instance != me.instance) {
                let now = match lease {
                    Some(l) => format!("{} leads in epoch {}", l.holder, l.epoch),
                    None => "no lease".to_string(),
                };
                return Err(PublishError::Fenced { epoch, now });
            }
            let version = row.map_or(0, |r| r.published) + 1;
            // One statement for all buyers: at 1,000 buyers, one round trip, not 1,000.
            for chunk in states.chunks(200) {
                let mut sql = String::from(
                    "INSERT INTO control_states (buyer, epoch, version, written_at, applied, memory) VALUES ",
                );
                let mut values: Vec<&dyn super::db::Param> = Vec::with_capacity(chunk.len() * 6);
                for (i, s) in chunk.iter().enumerate() {
                    let n = i * 6;
                    if i > 0 {
                        sql.push_str(", ");
                    }
                    sql.push_str(&format!("(?{}, ?{}, ?{}, ?{}, ?{}, ?{})", n + 1, n + 2, n + 3, n + 4, n + 5, n + 6));
                    values.extend([&s.buyer as &dyn super::db::Param, &epoch, &version, &now, &s.applied, &s.memory]);
                }
                sql.push_str(
                    " ON CONFLICT (buyer) DO UPDATE SET epoch = excluded.epoch, version = excluded.version,
                      written_at = excluded.written_at, applied = excluded.applied, memory = excluded.memory",
                );
                db.execute(&sql, &values)?;
            }
            db.execute("DELETE FROM control_states WHERE version < ?1", args![version])?;
            db.execute("UPDATE control_lease SET published = ?1, published_at = ?2 WHERE id = 1", args![version, now])?;
            Ok(version)
        })
    }

    /// The published states, by buyer, with the controllers' memory if `memory` (a new
    /// leader wants it; a follower does not).
    pub fn control_states(&self, memory: bool) -> Result<Vec<StoredState>, LedgerError> {
        let sql = format!(
            "SELECT buyer, epoch, version, written_at, applied, {} FROM control_states ORDER BY buyer",
            if memory { "memory" } else { "''" }
        );
        self.db.query(&sql, args![], |r| {
            Ok(StoredState {
                buyer: r.get(0)?,
                epoch: r.get(1)?,
                version: r.get(2)?,
                written_at: r.get(3)?,
                applied: r.get(4)?,
                memory: r.get(5)?,
            })
        })
    }

    /// Writes this node's heartbeat (one row per node name).
    pub fn heartbeat(&mut self, beat: &NodeBeat) -> Result<(), LedgerError> {
        self.db.execute(
            "INSERT INTO dns_nodes (node, instance, address, version, config_hash, started_at, heartbeat_at,
                 interval_ms, leading_epoch, applied_version, counts, serving)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
             ON CONFLICT (node) DO UPDATE SET instance = excluded.instance, address = excluded.address,
                 version = excluded.version, config_hash = excluded.config_hash, started_at = excluded.started_at,
                 heartbeat_at = excluded.heartbeat_at, interval_ms = excluded.interval_ms,
                 leading_epoch = excluded.leading_epoch, applied_version = excluded.applied_version,
                 counts = excluded.counts, serving = excluded.serving",
            args![
                beat.node,
                beat.instance,
                beat.address,
                beat.version,
                beat.config_hash,
                beat.started_at,
                beat.heartbeat_at,
                beat.interval_ms,
                beat.leading_epoch,
                beat.applied_version,
                beat.counts,
                beat.serving
            ],
        )?;
        Ok(())
    }

    /// Removes the rows of nodes last heard before `before` (unix ms): hosts taken out of
    /// service, which `dns status` would otherwise list (and warn of) for ever. Returns their
    /// names.
    pub fn forget_silent_nodes(&mut self, before: i64) -> Result<Vec<String>, LedgerError> {
        self.db.transaction(TxKind::Write, |db| {
            let gone =
                db.query("SELECT node FROM dns_nodes WHERE heartbeat_at < ?1 ORDER BY node", args![before], |r| {
                    r.get::<String>(0)
                })?;
            db.execute("DELETE FROM dns_nodes WHERE heartbeat_at < ?1", args![before])?;
            Ok::<_, LedgerError>(gone)
        })
    }

    /// Every node's last heartbeat, by name.
    pub fn dns_nodes(&self) -> Result<Vec<NodeBeat>, LedgerError> {
        self.db.query(
            "SELECT node, instance, address, version, config_hash, started_at, heartbeat_at, interval_ms,
                    leading_epoch, applied_version, counts, serving
             FROM dns_nodes ORDER BY node",
            args![],
            |r| {
                Ok(NodeBeat {
                    node: r.get(0)?,
                    instance: r.get(1)?,
                    address: r.get(2)?,
                    version: r.get(3)?,
                    config_hash: r.get(4)?,
                    started_at: r.get(5)?,
                    heartbeat_at: r.get(6)?,
                    interval_ms: r.get(7)?,
                    leading_epoch: r.get(8)?,
                    applied_version: r.get(9)?,
                    counts: r.get(10)?,
                    serving: r.get(11)?,
                })
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::test_backends::each_backend;

    const A: Me<'static> = Me { node: "ns-a", instance: "ns-a:1:1" };
    const B: Me<'static> = Me { node: "ns-b", instance: "ns-b:2:2" };

    fn state(buyer: &str, f: &str) -> NewState {
        NewState { buyer: buyer.into(), applied: format!("{{\"f\":{f}}}"), memory: "{}".into() }
    }

    #[test]
    fn one_leader_takes_the_lease_the_other_waits_then_takes_the_next_epoch() {
        each_backend(|mut l| {
            let (claim, before) = l.claim_control_lease(A, 1_000, 2_000).unwrap();
            assert!(matches!(claim, Claim::Take(_)));
            assert_eq!((claim.lease().epoch, before), (1, None));
            let (claim, _) = l.claim_control_lease(B, 2_000, 2_000).unwrap();
            assert!(!claim.leads(), "A's lease runs to 3,000");
            let (claim, _) = l.claim_control_lease(A, 2_500, 2_000).unwrap();
            assert!(matches!(claim, Claim::Renew(_)));
            let (claim, before) = l.claim_control_lease(B, 4_500, 2_000).unwrap();
            assert!(matches!(claim, Claim::Take(_)));
            assert_eq!(before.unwrap().lease.holder, "ns-a");
            let row = l.control_lease().unwrap().unwrap();
            assert_eq!((row.lease.holder.as_str(), row.lease.epoch, row.lease.since), ("ns-b", 2, 4_500));
        });
    }

    #[test]
    fn a_leader_fenced_by_a_new_epoch_cannot_publish_and_the_database_refuses_it_too() {
        each_backend(|mut l| {
            l.claim_control_lease(A, 1_000, 2_000).unwrap();
            assert_eq!(l.publish_control(A, 1, 1_100, &[state("shop", "0.5"), state("news", "0.25")]).unwrap(), 1);
            l.claim_control_lease(B, 3_000, 2_000).unwrap();
            let err = l.publish_control(A, 1, 3_100, &[state("shop", "0.9")]).unwrap_err();
            assert_eq!(err.to_string(), "control state of epoch 1 not published: ns-b leads in epoch 2");
            // Past the code's own check, straight to the table: the trigger refuses it.
            let raw = l
                .db
                .execute("UPDATE control_states SET applied = '{\"f\":0.9}', epoch = 1 WHERE buyer = 'shop'", args![]);
            assert!(raw.unwrap_err().to_string().contains("control state of an old epoch refused"));
            let states = l.control_states(false).unwrap();
            assert_eq!(states.iter().map(|s| s.applied.as_str()).collect::<Vec<_>>(), ["{\"f\":0.25}", "{\"f\":0.5}"]);
            assert_eq!(l.publish_control(B, 2, 3_200, &[state("shop", "0.4")]).unwrap(), 2);
            let states = l.control_states(true).unwrap();
            assert_eq!(states.len(), 1, "news was not published again: gone");
            assert_eq!((states[0].epoch, states[0].version, states[0].memory.as_str()), (2, 2, "{}"));
            let row = l.control_lease().unwrap().unwrap();
            assert_eq!((row.published, row.published_at), (2, 3_200));
        });
    }

    #[test]
    fn a_release_lets_the_next_node_lead_at_once() {
        each_backend(|mut l| {
            l.claim_control_lease(A, 1_000, 2_000).unwrap();
            assert!(!l.release_control_lease(B, 1_500).unwrap(), "not B's");
            assert!(l.release_control_lease(A, 1_500).unwrap());
            let (claim, _) = l.claim_control_lease(B, 1_600, 2_000).unwrap();
            assert_eq!(claim.lease().epoch, 2);
        });
    }

    #[test]
    fn heartbeats_are_one_row_per_node_and_silent_nodes_are_forgotten() {
        each_backend(|mut l| {
            let beat = |node: &str, at: i64| NodeBeat {
                node: node.into(),
                instance: format!("{node}:1:1"),
                address: "127.0.0.51:53".into(),
                version: "0.1.0".into(),
                config_hash: "abc".into(),
                started_at: 0,
                heartbeat_at: at,
                interval_ms: 1_000,
                leading_epoch: None,
                applied_version: Some(3),
                counts: "{}".into(),
                serving: "{}".into(),
            };
            l.heartbeat(&beat("ns-b", 1_000)).unwrap();
            l.heartbeat(&beat("ns-a", 1_000)).unwrap();
            l.heartbeat(&beat("ns-a", 2_000)).unwrap();
            let nodes = l.dns_nodes().unwrap();
            assert_eq!(nodes.len(), 2);
            assert_eq!((nodes[0].node.as_str(), nodes[0].heartbeat_at), ("ns-a", 2_000));
            // ns-b, silent since 1,000, is forgotten; ns-a, heard at 2,000, stays.
            assert_eq!(l.forget_silent_nodes(1_500).unwrap(), ["ns-b"]);
            assert_eq!(l.dns_nodes().unwrap().iter().map(|n| n.node.as_str()).collect::<Vec<_>>(), ["ns-a"]);
            assert!(l.forget_silent_nodes(1_500).unwrap().is_empty());
        });
    }
}
