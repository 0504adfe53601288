//! What each interface was doing around a rejected connection: the context an expert looks at before blaming a
//! security group, a network ACL or a route.
//!
//! A rejected inbound request with no reply reads differently depending on the interface's other traffic at the
//! time: replies it was waiting for were rejected too (a network ACL), it reached the internet and got answers
//! (routing works), the same service was allowed earlier, or it has sent nothing since some moment (the route out
//! is gone). The timeline keeps exactly what those questions need, per interface: when it sent anything (merged
//! into intervals), the connections whose replies were rejected, the ones that got answers from the internet, and
//! the ones allowed both ways.
//!
//! Over a stream, entries that no pending question can reach any more are pruned ([`Timeline::prune`]); what an
//! "allowed earlier" or "silent since" question could still need of them is kept as one summary per interface and
//! service, so memory follows the traffic of the last few intervals, not the input.

use crate::connections::{Connection, Endpoint, Flow, Verdict, side_of};
use crate::diagnose::OtherConnection;
use std::collections::HashMap;
use vpcflow_record::Direction;

/// One connection in an interface's timeline.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Entry {
    start: i64,
    end: i64,
    /// The connection, as a finding refers to it (its id: its index, for connections held in memory).
    other: OtherConnection,
}

/// A connection allowed both ways (its service is its protocol and server).
#[derive(Clone, Debug)]
struct Allowed {
    entry: Entry,
    /// The interface was the server (so an inbound request of the same service may ask about it after pruning).
    served: bool,
}

/// The connection allowed both ways that ended last (ties: the later id), among those pruned: its end and the
/// connection.
type Latest = Option<(i64, OtherConnection)>;

#[derive(Debug, Default)]
struct Interface {
    /// When the interface sent anything: intervals `[first packet, last packet]` of its outbound records, merged
    /// where they overlap, by start.
    sent: Vec<(i64, i64)>,
    /// The end of the last interval pruned from `sent`.
    sent_before: Option<i64>,
    /// Its requests out whose replies it rejected.
    replies_rejected: Vec<Entry>,
    /// Its requests out to a public address that got replies.
    answered: Vec<Entry>,
    /// Connections allowed both ways.
    allowed: Vec<Allowed>,
    /// Summaries of pruned `allowed` entries: any, and per service.
    allowed_before: Latest,
    served_before: HashMap<(u8, Endpoint), (i64, OtherConnection)>,
}

/// Per interface, what it did and when.
#[derive(Debug, Default)]
pub struct Timeline {
    interfaces: HashMap<String, Interface>,
}

/// Whether `addr` (as written) is outside every private range; a redacted address counts as public (people redact
/// the public side).
pub(crate) fn is_public(addr: &str) -> bool {
    use std::net::IpAddr;
    match vpcflow_record::values::parse_addr(addr.as_bytes()) {
        Some(IpAddr::V4(v4)) => {
            !(v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || (v4.octets()[0] == 100 && (v4.octets()[1] & 0xc0) == 64))
        }
        Some(IpAddr::V6(v6)) => {
            let s = v6.segments()[0];
            !((s & 0xfe00) == 0xfc00 || (s & 0xffc0) == 0xfe80 || v6.is_loopback())
        }
        None => true,
    }
}

/// The later of two connections that ended: by end, then id.
fn later(a: Option<(i64, OtherConnection)>, b: (i64, OtherConnection)) -> (i64, OtherConnection) {
    match a {
        Some(a) if (a.0, a.1.id) >= (b.0, b.1.id) => a,
        _ => b,
    }
}

impl Timeline {
    /// An empty timeline.
    pub fn new() -> Timeline {
        Timeline::default()
    }

    /// Notes a record of an interface whose own address is `own`, if it is one the interface sent.
    pub fn record(&mut self, f: &Flow, own: Option<&str>) {
        if side_of(f, own).value != Some(Direction::Egress) {
            return;
        }
        let from = f.start.unwrap_or(i64::MIN);
        let to = f.span_end();
        if !self.interfaces.contains_key(&f.interface) {
            self.interfaces
                .insert(f.interface.clone(), Interface::default());
        }
        let sent = &mut self.interfaces.get_mut(&f.interface).expect("made").sent;
        // Records come roughly in time order, so this is nearly always an append.
        let at = sent.partition_point(|&(s, _)| s <= from);
        sent.insert(at, (from, to));
        let mut i = at.saturating_sub(1);
        while i + 1 < sent.len() {
            if sent[i + 1].0 <= sent[i].1 {
                sent[i].1 = sent[i].1.max(sent[i + 1].1);
                sent.remove(i + 1);
            } else if i < at {
                i += 1;
            } else {
                break;
            }
        }
    }

    /// Notes a decided connection (with `id`) and the records its legs point into.
    pub fn connection(&mut self, id: usize, c: &Connection, flows: &[Flow]) {
        let entry = Entry {
            start: c.start,
            end: c.end,
            other: OtherConnection {
                number: None,
                id,
                protocol: c.protocol,
                client: c.client.clone(),
                server: c.server.clone(),
            },
        };
        for (i, leg) in c.legs.iter().enumerate() {
            // One entry per interface, from its first leg (a NAT gateway's interface has two).
            if c.legs[..i].iter().any(|l| l.interface == leg.interface) {
                continue;
            }
            let t = self.interfaces.entry(leg.interface.clone()).or_default();
            let outbound = leg.request_way == Some(Direction::Egress);
            match c.verdict {
                Verdict::ReplyRejected
                    if outbound && leg.reply.iter().any(|&i| flows[i].rejected()) =>
                {
                    t.replies_rejected.push(entry.clone());
                }
                Verdict::AllowedBothWays => {
                    if outbound && is_public(&c.server.addr) {
                        t.answered.push(entry.clone());
                    }
                    t.allowed.push(Allowed {
                        entry: entry.clone(),
                        served: !outbound,
                    });
                }
                _ => {}
            }
        }
    }

    /// Forgets what no question about a connection starting at `horizon` or later can reach, keeping the summaries
    /// "allowed earlier" and "silent since" need.
    pub fn prune(&mut self, horizon: i64) {
        // A question looks at most one quiet interval (and a minute) before its connection's start.
        let cut = horizon.saturating_sub(crate::diagnose::QUIET + 60);
        self.interfaces.retain(|_, t| {
            let keep = t.sent.partition_point(|&(_, e)| e < cut);
            if keep > 0 {
                t.sent_before = Some(t.sent[keep - 1].1);
                t.sent.drain(..keep);
            }
            t.replies_rejected.retain(|e| e.end >= cut);
            t.answered.retain(|e| e.end >= cut);
            let (old, new): (Vec<_>, Vec<_>) = t.allowed.drain(..).partition(|a| a.entry.end < cut);
            t.allowed = new;
            for a in old {
                let best = (a.entry.end, a.entry.other);
                if a.served {
                    let service = (best.1.protocol, best.1.server.clone());
                    let kept = t.served_before.remove(&service);
                    t.served_before.insert(service, later(kept, best.clone()));
                }
                t.allowed_before = Some(later(t.allowed_before.take(), best));
            }
            !(t.sent.is_empty()
                && t.replies_rejected.is_empty()
                && t.answered.is_empty()
                && t.allowed.is_empty()
                && t.sent_before.is_none()
                && t.allowed_before.is_none())
        });
    }

    /// The connections the summaries of pruned entries point to: a finding may still refer to them.
    pub fn summarized(&self) -> impl Iterator<Item = usize> + '_ {
        self.interfaces.values().flat_map(|t| {
            t.allowed_before
                .iter()
                .chain(t.served_before.values())
                .map(|(_, o)| o.id)
        })
    }

    fn get(&self, interface: &str) -> Option<&Interface> {
        self.interfaces.get(interface)
    }

    /// The first connection (by id) other than `id` on `interface` overlapping `w` whose replies the interface
    /// rejected.
    pub fn replies_rejected(
        &self,
        interface: &str,
        id: usize,
        w: (i64, i64),
    ) -> Option<OtherConnection> {
        first_overlapping(&self.get(interface)?.replies_rejected, id, w)
    }

    /// The first connection other than `id` on `interface` overlapping `w` that reached a public address and got
    /// replies.
    pub fn answered(&self, interface: &str, id: usize, w: (i64, i64)) -> Option<OtherConnection> {
        first_overlapping(&self.get(interface)?.answered, id, w)
    }

    /// The connection on `interface` allowed both ways that ended last before `before` (of the service
    /// `service`, when given), with its end.
    pub fn allowed_before(
        &self,
        interface: &str,
        before: i64,
        service: Option<(u8, &Endpoint)>,
    ) -> Option<(i64, OtherConnection)> {
        let t = self.get(interface)?;
        let summary = match service {
            None => t.allowed_before.as_ref(),
            Some((p, server)) => t.served_before.get(&(p, server.clone())),
        };
        let summary = summary
            .filter(|(end, _)| *end < before)
            .map(|(end, o)| (*end, o));
        let live = t
            .allowed
            .iter()
            .filter(|a| {
                let o = &a.entry.other;
                a.entry.end < before
                    && service.is_none_or(|(p, server)| o.protocol == p && o.server == *server)
            })
            .map(|a| (a.entry.end, &a.entry.other));
        summary
            .into_iter()
            .chain(live)
            .max_by_key(|(end, o)| (*end, o.id))
            .map(|(end, o)| (end, o.clone()))
    }

    /// Whether `interface` sent anything between `from` and `to` (inclusive).
    pub fn sent_between(&self, interface: &str, from: i64, to: i64) -> bool {
        // What was pruned ended before any question's window.
        self.get(interface)
            .is_some_and(|t| t.sent.iter().any(|&(s, e)| e >= from && s <= to))
    }

    /// The last time `interface` sent anything before `before`.
    pub fn last_sent(&self, interface: &str, before: i64) -> Option<i64> {
        let t = self.get(interface)?;
        let live = t.sent.iter().map(|&(_, e)| e).filter(|e| *e < before).max();
        t.sent_before.filter(|e| *e < before).max(live)
    }
}

fn first_overlapping(entries: &[Entry], id: usize, w: (i64, i64)) -> Option<OtherConnection> {
    entries
        .iter()
        .filter(|e| e.other.id != id && e.start <= w.1 && e.end >= w.0)
        .min_by_key(|e| e.other.id)
        .map(|e| e.other.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connections::Conversations;
    use crate::connections::reference::flow_strategy;
    use crate::diagnose::QUIET;
    use proptest::prelude::*;

    /// The questions as the diagnosis first asked them, by looking at every other connection and record.
    struct Naive<'a>(&'a Conversations);

    impl Naive<'_> {
        fn others(
            &self,
            id: usize,
            iface: &str,
        ) -> impl Iterator<Item = (usize, &Connection, &crate::Leg)> {
            self.0
                .connections
                .iter()
                .enumerate()
                .filter(move |(j, _)| *j != id)
                .filter_map(move |(j, o)| {
                    o.legs
                        .iter()
                        .find(|l| l.interface == iface)
                        .map(|l| (j, o, l))
                })
        }

        fn replies_rejected(&self, iface: &str, id: usize, w: (i64, i64)) -> Option<usize> {
            let flows = &self.0.flows;
            self.others(id, iface)
                .find(|(_, o, l)| {
                    o.start <= w.1
                        && o.end >= w.0
                        && o.verdict == Verdict::ReplyRejected
                        && l.request_way == Some(Direction::Egress)
                        && l.reply.iter().any(|&i| flows[i].rejected())
                })
                .map(|(j, _, _)| j)
        }

        fn answered(&self, iface: &str, id: usize, w: (i64, i64)) -> Option<usize> {
            self.others(id, iface)
                .find(|(_, o, l)| {
                    o.start <= w.1
                        && o.end >= w.0
                        && o.verdict == Verdict::AllowedBothWays
                        && l.request_way == Some(Direction::Egress)
                        && is_public(&o.server.addr)
                })
                .map(|(j, _, _)| j)
        }

        /// `pruned_before`: connections that ended before this count for the same service only when the interface
        /// served them (what the timeline keeps of them once pruned: an inbound request asks about its own
        /// service).
        fn allowed_before(
            &self,
            iface: &str,
            id: usize,
            c: &Connection,
            same: bool,
            pruned_before: Option<i64>,
        ) -> Option<(i64, usize)> {
            self.others(id, iface)
                .filter(|(_, o, l)| {
                    o.end < c.start
                        && o.verdict == Verdict::AllowedBothWays
                        && (!same || (o.protocol == c.protocol && o.server == c.server))
                        && pruned_before.is_none_or(|cut| {
                            o.end >= cut || l.request_way != Some(Direction::Egress)
                        })
                })
                .max_by_key(|(_, o, _)| o.end)
                .map(|(j, o, _)| (o.end, j))
        }

        fn outbound(&self, iface: &str) -> impl Iterator<Item = &Flow> {
            let own = self.0.own_addr.get(iface).map(String::as_str);
            self.0.flows.iter().filter(move |f| {
                f.interface == iface && side_of(f, own).value == Some(Direction::Egress)
            })
        }

        fn sent_between(&self, iface: &str, from: i64, to: i64) -> bool {
            self.outbound(iface)
                .any(|f| f.span_end() >= from && f.start.unwrap_or(i64::MIN) <= to)
        }

        fn last_sent(&self, iface: &str, before: i64) -> Option<i64> {
            self.outbound(iface)
                .map(|f| f.span_end())
                .filter(|e| *e < before)
                .max()
        }
    }

    fn timeline(conv: &Conversations) -> Timeline {
        let mut t = Timeline::new();
        for f in &conv.flows {
            t.record(f, conv.own_addr.get(&f.interface).map(String::as_str));
        }
        for (id, c) in conv.connections.iter().enumerate() {
            t.connection(id, c, &conv.flows);
        }
        t
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]

        /// The timeline answers as a look at everything would, and pruning up to a horizon changes no answer for
        /// a connection starting at or after it (the silent-since answer only where the diagnosis asks it: when
        /// nothing was sent since a quiet interval before the connection).
        #[test]
        fn answers_as_looking_at_everything_would(
            flows in proptest::collection::vec(flow_strategy(), 0..40),
            cut in 0i64..4000,
        ) {
            let conv = Conversations::build(flows);
            let naive = Naive(&conv);
            let full = timeline(&conv);
            let mut pruned = timeline(&conv);
            pruned.prune(cut);
            for (id, c) in conv.connections.iter().enumerate() {
                let w = (c.start - 60, c.end + 60);
                for leg in &c.legs {
                    let i = leg.interface.as_str();
                    let mut views = vec![(&full, false)];
                    if c.start >= cut {
                        views.push((&pruned, true));
                    }
                    for (t, was_pruned) in views {
                        prop_assert_eq!(t.replies_rejected(i, id, w).map(|o| o.id), naive.replies_rejected(i, id, w));
                        prop_assert_eq!(t.answered(i, id, w).map(|o| o.id), naive.answered(i, id, w));
                        prop_assert_eq!(
                            t.allowed_before(i, c.start, None).map(|(e, o)| (e, o.id)),
                            naive.allowed_before(i, id, c, false, None)
                        );
                        let pruned_before = was_pruned.then_some(cut - QUIET - 60);
                        prop_assert_eq!(
                            t.allowed_before(i, c.start, Some((c.protocol, &c.server)))
                                .map(|(e, o)| (e, o.id)),
                            naive.allowed_before(i, id, c, true, pruned_before)
                        );
                        for (from, to) in [(c.start - 600, c.end), (c.start, c.end + 600)] {
                            prop_assert_eq!(t.sent_between(i, from, to), naive.sent_between(i, from, to));
                        }
                        if !naive.sent_between(i, c.start, c.end + 600) {
                            prop_assert_eq!(t.last_sent(i, c.start), naive.last_sent(i, c.start));
                        }
                    }
                }
            }
        }
    }
}
