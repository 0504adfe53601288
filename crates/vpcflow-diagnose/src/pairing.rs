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
use std::hash::BuildHasher;

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

#[derive(Clone, PartialEq, Eq)]
struct LegKey {
    interface: String,
    protocol: u8,
    lo: Endpoint,
    hi: Endpoint,
}

#[derive(Clone, PartialEq, Eq)]
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
    /// The starts of the open connections (a count per start), and the earliest start among those waiting for a
    /// NAT partner: what a caller ordering the output by start waits for.
    open_starts: BTreeMap<i64, usize>,
    nat_start: Option<i64>,
    /// The same per interface (a count per start of the open connections with a leg on it).
    open_on: HashMap<String, BTreeMap<i64, usize>>,
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

/// Two ends, lower first (as [`Endpoint`] orders them).
fn ordered<'a>(a: (&'a str, u16), b: (&'a str, u16)) -> ((&'a str, u16), (&'a str, u16)) {
    if a <= b { (a, b) } else { (b, a) }
}

fn endpoint((addr, port): (&str, u16)) -> Endpoint {
    Endpoint {
        addr: addr.to_string(),
        port,
    }
}

fn view(e: &Endpoint) -> (&str, u16) {
    (&e.addr, e.port)
}

impl LegKey {
    fn is(&self, interface: &str, protocol: u8, lo: (&str, u16), hi: (&str, u16)) -> bool {
        self.protocol == protocol
            && view(&self.lo) == lo
            && view(&self.hi) == hi
            && self.interface == interface
    }

    /// The hash its borrowed parts have when a record looks it up.
    fn hash(&self, hasher: &foldhash::fast::RandomState) -> u64 {
        hasher.hash_one((
            self.interface.as_str(),
            self.protocol,
            view(&self.lo),
            view(&self.hi),
        ))
    }
}

impl PacketKey {
    fn is(&self, protocol: u8, lo: (&str, u16), hi: (&str, u16)) -> bool {
        self.protocol == protocol && view(&self.lo) == lo && view(&self.hi) == hi
    }

    fn hash(&self, hasher: &foldhash::fast::RandomState) -> u64 {
        hasher.hash_one((self.protocol, view(&self.lo), view(&self.hi)))
    }
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
            open_starts: BTreeMap::new(),
            nat_start: None,
            open_on: HashMap::new(),
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
        let open = self.open_starts.first_key_value().map(|(s, _)| *s);
        open.into_iter().chain(self.nat_start).min()
    }

    /// The earliest start of a connection not yet handed out with a leg on `interface` (or, among those
    /// waiting for a NAT partner, any): a connection that may still overlap another on the interface.
    pub fn pending_start_on(&self, interface: &str) -> Option<i64> {
        let open = self
            .open_on
            .get(interface)
            .and_then(|m| m.first_key_value())
            .map(|(s, _)| *s);
        open.into_iter().chain(self.nat_start).min()
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
        // Looked up by borrowed parts; a key is owned only when a leg or a connection begins.
        let (lo, hi) = ordered((&flow.src, flow.src_port), (&flow.dst, flow.dst_port));
        let leg_hash = self
            .hasher
            .hash_one((flow.interface.as_str(), flow.protocol, lo, hi));
        let open = self.legs.get(&leg_hash).and_then(|ids| {
            ids.iter().copied().find(|id| {
                self.open_legs[id]
                    .key
                    .is(&flow.interface, flow.protocol, lo, hi)
            })
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
        let leg_key = LegKey {
            interface: flow.interface.clone(),
            protocol: flow.protocol,
            lo: endpoint(lo),
            hi: endpoint(hi),
        };
        let (plo, phi) = ordered(
            (flow.packet_src(), flow.src_port),
            (flow.packet_dst(), flow.dst_port),
        );
        let packet_hash = self.hasher.hash_one((flow.protocol, plo, phi));
        let joins = self.current.get(&packet_hash).and_then(|ids| {
            ids.iter().copied().find(|id| {
                let c = &self.clusters[id];
                c.key.is(flow.protocol, plo, phi)
                    && s <= c.end.saturating_add(GAP)
                    && !c.legs.iter().any(|l| l[0].1.interface == flow.interface)
            })
        });
        let packet_key = || PacketKey {
            protocol: flow.protocol,
            lo: endpoint(plo),
            hi: endpoint(phi),
        };
        let cluster_id = match joins {
            Some(id) => id,
            None => {
                // A new connection; the previous one of these packets (if any) takes no new legs.
                let id = self.next_cluster;
                self.next_cluster += 1;
                let key = packet_key();
                let ids = self.current.entry(packet_hash).or_default();
                ids.retain(|c| self.clusters.get(c).is_none_or(|c| c.key != key));
                ids.push(id);
                count(&mut self.open_starts, s, 1);
                self.clusters.insert(
                    id,
                    Cluster {
                        key,
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
        match self.open_on.get_mut(&flow.interface) {
            Some(open) => count(open, cluster.start, 1),
            None => {
                let mut open = BTreeMap::new();
                count(&mut open, cluster.start, 1);
                self.open_on.insert(flow.interface.clone(), open);
            }
        }
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
        let hash = leg.key.hash(&self.hasher);
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
        count(&mut self.open_starts, cluster.start, -1);
        for l in &cluster.legs {
            let interface = &l[0].1.interface;
            if let Some(open) = self.open_on.get_mut(interface) {
                count(open, cluster.start, -1);
                if open.is_empty() {
                    self.open_on.remove(interface);
                }
            }
            if let Some(open) = self.gateway_open.get_mut(&l[0].1.interface) {
                open.remove(&(cluster.start, leg.cluster));
                if open.is_empty() {
                    self.gateway_open.remove(&l[0].1.interface);
                }
            }
        }
        let hash = cluster.key.hash(&self.hasher);
        if let Some(ids) = self.current.get_mut(&hash) {
            ids.retain(|c| *c != leg.cluster);
            if ids.is_empty() {
                self.current.remove(&hash);
            }
        }
        let paired = self.decide(leg.cluster, cluster);
        if nat_candidate(&paired.connection, &paired.flows, &self.learned) {
            let start = paired.connection.start;
            self.nat_start = Some(self.nat_start.map_or(start, |s| s.min(start)));
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
        self.nat_start = self.nat.iter().map(|(_, p)| p.connection.start).min();
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

/// Adds `delta` to the count of `key`, forgetting keys whose count is zero.
pub(crate) fn count(map: &mut BTreeMap<i64, usize>, key: i64, delta: isize) {
    let n = map.entry(key).or_default();
    *n = n.saturating_add_signed(delta);
    if *n == 0 {
        map.remove(&key);
    }
}
