//! Pairing in one pass over records in time order, in memory bounded by the traffic of a few aggregation
//! intervals rather than by the input.
//!
//! The rules are those of [`Conversations::build`](crate::Conversations::build), applied as time goes by:
//!
//! - the records of one interface and 5-tuple (either order) belong together until a gap of more than [`GAP`]
//!   (a *leg*: one interface's view of a connection); a record that starts later than its leg's last packet plus
//!   the gap opens a new leg, so a leg is closed for good once time has moved past that point;
//! - legs that carry the same packets (the same packet-level 5-tuple, `pkt-srcaddr`/`pkt-dstaddr` when they
//!   differ) at overlapping times are one connection, unless they are on the same interface (the 5-tuple reused
//!   later); a connection is decided when all its legs are closed;
//! - the two halves of a NAT gateway connection are joined when exactly one candidate exists, which only a few
//!   intervals either side can hold.
//!
//! Records must come in order of their start (then their order in the input, for ties); a caller with more
//! records than memory sorts them first (the engine's sort spills to disk). What is kept is the open legs, the
//! connections waiting for a NAT partner, and nothing else: a decided connection is handed to the caller with its
//! own records and forgotten.

use crate::connections::{
    Connection, Endpoint, Flow, GAP, connection, is_wanted_by, merge_nat, nat_candidate,
    nat_partner,
};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap, HashMap};
use std::hash::{BuildHasher, Hash};

/// A decided connection with its records (the legs' indices point into `flows`).
#[derive(Clone, Debug)]
pub struct Paired {
    /// A number in order of the connection's first record: stable, and what diagnoses refer to.
    pub id: u64,
    /// The connection.
    pub connection: Connection,
    /// Its records, leg by leg.
    pub flows: Vec<Flow>,
    /// For each record, its place in the order records were pushed.
    pub seqs: Vec<u64>,
}

/// What the interfaces' records teach before pairing starts: each interface's own address, and which
/// interfaces pass packets on for others (their records carry packet addresses that differ: NAT gateways).
#[derive(Clone, Debug, Default)]
pub struct Learned {
    /// Interface → its own address.
    pub own: BTreeMap<String, String>,
    /// Interfaces some of whose records carry differing packet addresses.
    pub intermediate: BTreeSet<String>,
}

struct OpenLeg {
    cluster: u64,
    slot: usize,
    end: i64,
    key: LegKey,
}

#[derive(Clone, PartialEq, Eq, Hash)]
struct LegKey {
    interface: String,
    protocol: u8,
    lo: Endpoint,
    hi: Endpoint,
}

#[derive(Clone, PartialEq, Eq, Hash)]
struct PacketKey {
    protocol: u8,
    lo: Endpoint,
    hi: Endpoint,
}

struct Cluster {
    key: PacketKey,
    start: i64,
    end: i64,
    /// Per leg: its records with their input order.
    legs: Vec<Vec<(u64, Flow)>>,
    open: usize,
}

/// The pairing state. Feed records with [`Pairing::push`] in time order; decided connections come out of the
/// callback given to `push` and [`Pairing::finish`].
pub struct Pairing {
    learned: Learned,
    hasher: foldhash::fast::RandomState,
    /// Open legs by the hash of their key.
    legs: HashMap<u64, Vec<u64>>,
    open_legs: HashMap<u64, OpenLeg>,
    /// The cluster that new legs of a packet key join, by the hash of the key.
    current: HashMap<u64, Vec<u64>>,
    clusters: HashMap<u64, Cluster>,
    /// (time after which the leg is closed, leg id); stale entries are skipped.
    deadlines: BinaryHeap<Reverse<(i64, u64)>>,
    /// Connections that may be one half of a NAT gateway connection, waiting for the other half.
    nat: Vec<(i64, Paired)>,
    /// Gateway halves two translating halves have claimed: ambiguous, joined to neither.
    contested: BTreeSet<u64>,
    /// Open connections on NAT gateways' interfaces, by interface: (start, cluster), so that a gateway's own
    /// half waits for a translating half still open.
    gateway_open: HashMap<String, BTreeSet<(i64, u64)>>,
    next_leg: u64,
    next_cluster: u64,
    seq: u64,
    now: i64,
}

fn endpoints(a: Endpoint, b: Endpoint) -> (Endpoint, Endpoint) {
    if a <= b { (a, b) } else { (b, a) }
}

impl Pairing {
    /// A pairing that reads directions with what `learned` says about the interfaces.
    pub fn new(learned: Learned) -> Pairing {
        Pairing {
            learned,
            hasher: foldhash::fast::RandomState::default(),
            legs: HashMap::new(),
            open_legs: HashMap::new(),
            current: HashMap::new(),
            clusters: HashMap::new(),
            deadlines: BinaryHeap::new(),
            nat: Vec::new(),
            gateway_open: HashMap::new(),
            contested: BTreeSet::new(),
            next_leg: 0,
            next_cluster: 0,
            seq: 0,
            now: i64::MIN,
        }
    }

    /// What the pairing knows about the interfaces.
    pub fn learned(&self) -> &Learned {
        &self.learned
    }

    /// The time of the last record pushed: every connection that could still change started at or after the
    /// earliest start of [`Pairing::pending_start`].
    pub fn now(&self) -> i64 {
        self.now
    }

    /// The earliest start of a connection not yet handed out (open, or waiting for a NAT partner).
    pub fn pending_start(&self) -> Option<i64> {
        let open = self
            .clusters
            .values()
            .filter_map(|c| c.legs.iter().flatten().map(|(_, f)| f.span().0).min())
            .min();
        let nat = self.nat.iter().map(|(_, p)| p.connection.start).min();
        open.into_iter().chain(nat).min()
    }

    /// How many connections are open or waiting.
    pub fn pending(&self) -> usize {
        self.clusters.len() + self.nat.len()
    }

    /// Adds one record. Records come in order of their start time (a record without one sorts first).
    pub fn push(&mut self, flow: Flow, out: &mut impl FnMut(Paired)) {
        let (s, e) = flow.span();
        self.advance(s, out);
        let seq = self.seq;
        self.seq += 1;
        let leg_key = LegKey {
            interface: flow.interface.clone(),
            protocol: flow.protocol,
            lo: Endpoint {
                addr: flow.src.clone(),
                port: flow.src_port,
            },
            hi: Endpoint {
                addr: flow.dst.clone(),
                port: flow.dst_port,
            },
        };
        let (lo, hi) = endpoints(leg_key.lo.clone(), leg_key.hi.clone());
        let leg_key = LegKey { lo, hi, ..leg_key };
        let leg_hash = self.hasher.hash_one(&leg_key);
        let open = self.legs.get(&leg_hash).and_then(|ids| {
            ids.iter()
                .copied()
                .find(|id| self.open_legs[id].key == leg_key)
        });
        if let Some(id) = open {
            let leg = self.open_legs.get_mut(&id).expect("listed");
            let cluster = self.clusters.get_mut(&leg.cluster).expect("open leg");
            cluster.legs[leg.slot].push((seq, flow));
            if e > leg.end {
                leg.end = e;
                self.deadlines.push(Reverse((e.saturating_add(GAP), id)));
            }
            cluster.end = cluster.end.max(e);
            return;
        }
        let (plo, phi) = endpoints(
            Endpoint {
                addr: flow.packet_src().to_string(),
                port: flow.src_port,
            },
            Endpoint {
                addr: flow.packet_dst().to_string(),
                port: flow.dst_port,
            },
        );
        let packet_key = PacketKey {
            protocol: flow.protocol,
            lo: plo,
            hi: phi,
        };
        let packet_hash = self.hasher.hash_one(&packet_key);
        let joins = self.current.get(&packet_hash).and_then(|ids| {
            ids.iter().copied().find(|id| {
                let c = &self.clusters[id];
                c.key == packet_key
                    && s <= c.end.saturating_add(GAP)
                    && !c.legs.iter().any(|l| l[0].1.interface == flow.interface)
            })
        });
        let cluster_id = match joins {
            Some(id) => id,
            None => {
                // A new connection; the previous one of these packets (if any) takes no new legs.
                let id = self.next_cluster;
                self.next_cluster += 1;
                let ids = self.current.entry(packet_hash).or_default();
                ids.retain(|c| self.clusters.get(c).is_none_or(|c| c.key != packet_key));
                ids.push(id);
                self.clusters.insert(
                    id,
                    Cluster {
                        key: packet_key,
                        start: s,
                        end: e,
                        legs: Vec::new(),
                        open: 0,
                    },
                );
                id
            }
        };
        let cluster = self.clusters.get_mut(&cluster_id).expect("made above");
        if self.learned.intermediate.contains(&flow.interface) {
            self.gateway_open
                .entry(flow.interface.clone())
                .or_default()
                .insert((cluster.start, cluster_id));
        }
        cluster.legs.push(vec![(seq, flow)]);
        cluster.open += 1;
        cluster.end = cluster.end.max(e);
        let leg_id = self.next_leg;
        self.next_leg += 1;
        self.open_legs.insert(
            leg_id,
            OpenLeg {
                cluster: cluster_id,
                slot: cluster.legs.len() - 1,
                end: e,
                key: leg_key,
            },
        );
        self.legs.entry(leg_hash).or_default().push(leg_id);
        self.deadlines
            .push(Reverse((e.saturating_add(GAP), leg_id)));
    }

    /// Moves time to `now`: legs that can take no more records close, and connections whose legs are all closed
    /// are decided.
    fn advance(&mut self, now: i64, out: &mut impl FnMut(Paired)) {
        self.now = self.now.max(now);
        while let Some(&Reverse((deadline, id))) = self.deadlines.peek() {
            if deadline >= now {
                break;
            }
            self.deadlines.pop();
            let current = self
                .open_legs
                .get(&id)
                .is_some_and(|l| l.end.saturating_add(GAP) == deadline);
            if current {
                self.close_leg(id, out);
            }
        }
        self.release_nat(now, false, out);
    }

    fn close_leg(&mut self, id: u64, out: &mut impl FnMut(Paired)) {
        let leg = self.open_legs.remove(&id).expect("open");
        let hash = self.hasher.hash_one(&leg.key);
        if let Some(ids) = self.legs.get_mut(&hash) {
            ids.retain(|l| *l != id);
            if ids.is_empty() {
                self.legs.remove(&hash);
            }
        }
        let cluster = self.clusters.get_mut(&leg.cluster).expect("open leg");
        cluster.open -= 1;
        if cluster.open > 0 {
            return;
        }
        let cluster = self.clusters.remove(&leg.cluster).expect("present");
        for l in &cluster.legs {
            if let Some(open) = self.gateway_open.get_mut(&l[0].1.interface) {
                open.remove(&(cluster.start, leg.cluster));
                if open.is_empty() {
                    self.gateway_open.remove(&l[0].1.interface);
                }
            }
        }
        let hash = self.hasher.hash_one(&cluster.key);
        if let Some(ids) = self.current.get_mut(&hash) {
            ids.retain(|c| *c != leg.cluster);
            if ids.is_empty() {
                self.current.remove(&hash);
            }
        }
        let paired = self.decide(leg.cluster, cluster);
        if nat_candidate(&paired.connection, &paired.flows, &self.learned) {
            self.nat.push((paired.connection.end, paired));
        } else {
            out(paired);
        }
    }

    /// A cluster's connection: its legs in the order they began (by their first record's start, then input
    /// order), each leg's records by time.
    fn decide(&self, id: u64, cluster: Cluster) -> Paired {
        let mut legs = cluster.legs;
        for leg in &mut legs {
            leg.sort_by_key(|(seq, f)| (f.span(), *seq));
        }
        let records = legs.iter().map(Vec::len).sum();
        let mut flows = Vec::with_capacity(records);
        let mut seqs = Vec::with_capacity(records);
        let mut groups = Vec::with_capacity(legs.len());
        for leg in legs {
            let start = flows.len();
            for (seq, f) in leg {
                seqs.push(seq);
                flows.push(f);
            }
            groups.push((start..flows.len()).collect());
        }
        let connection = connection(&flows, &self.learned.own, groups);
        Paired {
            id,
            connection,
            flows,
            seqs,
        }
    }

    /// Hands out NAT halves whose partners can no longer appear (or all of them, at the end), joined where
    /// exactly one partner exists.
    fn release_nat(&mut self, now: i64, all: bool, out: &mut impl FnMut(Paired)) {
        // A partner starts at most a gap after this half ends and is decided a gap after its own end.
        let ready = |end: i64| all || end.saturating_add(3 * GAP) < now;
        if !self.nat.iter().any(|(end, _)| ready(*end)) {
            return;
        }
        let mut waiting = std::mem::take(&mut self.nat);
        waiting.sort_by_key(|(_, p)| p.id);
        let halves: Vec<(&Connection, &[Flow])> = waiting
            .iter()
            .map(|(_, p)| (&p.connection, p.flows.as_slice()))
            .collect();
        // Which gateway half each translating half claims. A half claimed twice is ambiguous and joined to
        // neither; a claim waits while a connection still open on the gateway's interface could claim it too.
        let claims: Vec<(usize, usize)> = (0..waiting.len())
            .filter_map(|i| nat_partner(&halves, i, &self.learned).map(|j| (i, j)))
            .collect();
        let mut hold = vec![false; waiting.len()];
        let mut merges = Vec::new();
        for &(i, j) in &claims {
            if !ready(waiting[i].0) {
                continue;
            }
            if self.partner_may_be_open(&waiting[j].1, waiting[j].0, now, all) {
                hold[i] = true;
            } else if claims.iter().filter(|(_, k)| *k == j).count() > 1 {
                self.contested.insert(waiting[j].1.id);
            } else if !self.contested.contains(&waiting[j].1.id) {
                merges.push((i, j));
            }
        }
        // A gateway's own half waits while a translating half that could take it waits.
        for (j, held) in hold.iter_mut().enumerate() {
            *held |= (0..waiting.len()).any(|i| {
                i != j && !ready(waiting[i].0) && is_wanted_by(&halves, i, j, &self.learned)
            });
        }
        drop(halves);
        let mut slots: Vec<Option<(i64, Paired)>> = waiting.into_iter().map(Some).collect();
        for (i, j) in merges {
            let (_, other) = slots[j].take().expect("claimed once");
            let (_, this) = slots[i]
                .as_mut()
                .expect("a translating half is never claimed");
            merge_nat(
                &mut this.connection,
                &mut this.flows,
                other.connection,
                other.flows,
            );
            this.seqs.extend(other.seqs);
        }
        for (slot, held) in slots.into_iter().zip(hold) {
            let Some((end, p)) = slot else { continue };
            if ready(end) && !held && !self.partner_may_be_open(&p, end, now, all) {
                self.contested.remove(&p.id);
                out(p);
            } else {
                self.nat.push((end, p));
            }
        }
    }

    /// Whether a connection still open on `p`'s gateway interface, started soon enough to be its other half,
    /// may yet take it. Bounded: after an hour a half is handed out whatever is still open.
    fn partner_may_be_open(&self, p: &Paired, end: i64, now: i64, all: bool) -> bool {
        if all || end.saturating_add(6 * GAP) < now {
            return false;
        }
        p.connection.legs.iter().any(|l| {
            self.gateway_open.get(&l.interface).is_some_and(|open| {
                open.range(..(end.saturating_add(GAP + 1), 0))
                    .any(|(_, id)| *id != p.id)
            })
        })
    }

    /// Closes every leg and hands out every connection left.
    pub fn finish(mut self, out: &mut impl FnMut(Paired)) {
        self.advance(i64::MAX, out);
        self.release_nat(i64::MAX, true, out);
    }
}
