//! From records to connections: both directions of one conversation, across aggregation intervals and across the
//! interfaces a packet passes (a NAT gateway, a transit gateway attachment).
//!
//! A record is one direction of one 5-tuple on one interface in one interval. People pair them by hand: the line
//! `A:50611 → B:80` with `B:80 → A:50611` on the same interface at the same time is one HTTP connection. Here that
//! pairing is done once, with the reason for deciding who initiated, so that "the request was accepted, the reply
//! was rejected" can be read off a connection rather than re-derived from lines.

use crate::pairing::Learned;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use vpcflow_catalog::services;
use vpcflow_record::reading::{
    self, AddrKind, Decided, DirectionBasis, Ends, Evidence, InitiatorBasis, OwnAddresses, Side,
    SideEvidence, as_inbound,
};
use vpcflow_record::{Action, Direction, Field, LogStatus, Record, values::parse_addr};

/// Records of one 5-tuple further apart than this (seconds) are different connections: the longest aggregation
/// interval is 600 s, so consecutive records of a live connection are never further apart.
pub(crate) const GAP: i64 = 600;

/// The port facts of `vpcflow-catalog` (well-known services, the ephemeral range), for
/// [`vpcflow_record::reading::initiator`].
#[derive(Clone, Copy, Debug, Default)]
pub struct CatalogPorts;

impl vpcflow_record::reading::PortFacts for CatalogPorts {
    fn is_service(&self, port: u16, protocol: u8) -> bool {
        services::name(port, protocol).is_some()
    }

    fn is_ephemeral(&self, port: u16) -> bool {
        services::is_ephemeral(port)
    }
}

/// One record, reduced to what pairing and diagnosis need.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Flow {
    /// `file:line` of the record.
    pub location: String,
    /// `interface-id`.
    pub interface: String,
    /// `srcaddr` as written (an address, or a redaction placeholder).
    pub src: String,
    /// `dstaddr` as written.
    pub dst: String,
    /// `pkt-srcaddr` when present and different from `srcaddr`.
    pub pkt_src: Option<String>,
    /// `pkt-dstaddr` when present and different from `dstaddr`.
    pub pkt_dst: Option<String>,
    /// `srcport` (0 when absent or not applicable).
    pub src_port: u16,
    /// `dstport`.
    pub dst_port: u16,
    /// `protocol`.
    pub protocol: u8,
    /// `packets`.
    pub packets: Option<i64>,
    /// `bytes`.
    pub bytes: Option<i64>,
    /// `start`, Unix seconds.
    pub start: Option<i64>,
    /// `end`, Unix seconds.
    pub end: Option<i64>,
    /// `action`; `None` for records without one (transit gateway records).
    pub action: Option<Action>,
    /// `tcp-flags`, when the format has it.
    pub tcp_flags: Option<u8>,
    /// `reject-reason`, when the format has it and it is not `-`.
    pub reject_reason: Option<String>,
    /// Whether the format has `reject-reason` at all (so that "no BPA" can be told from "not logged").
    pub has_reject_reason: bool,
    /// `flow-direction`, when the format has it.
    #[serde(serialize_with = "as_inbound::serialize")]
    pub way: Option<Direction>,
}

impl Flow {
    /// The flow of a record; `None` for NODATA/SKIPDATA records and records without the addresses, protocol or
    /// interface a connection needs.
    pub fn from_record(record: &Record, location: &str) -> Option<Flow> {
        if matches!(
            record.log_status(),
            Some(LogStatus::NoData | LogStatus::SkipData)
        ) {
            return None;
        }
        let interface = record.text(Field::InterfaceId)?.to_string();
        let src = record.addr(Field::Srcaddr)?.to_string();
        let dst = record.addr(Field::Dstaddr)?.to_string();
        let protocol = u8::try_from(record.int(Field::Protocol)?).ok()?;
        let pkt = |f: Field, own: &str| record.addr(f).map(|a| a.to_string()).filter(|a| a != own);
        Some(Flow {
            location: location.to_string(),
            pkt_src: pkt(Field::PktSrcaddr, &src),
            pkt_dst: pkt(Field::PktDstaddr, &dst),
            src,
            dst,
            interface,
            src_port: record.int(Field::Srcport).unwrap_or(0) as u16,
            dst_port: record.int(Field::Dstport).unwrap_or(0) as u16,
            protocol,
            packets: record.int(Field::Packets),
            bytes: record.int(Field::Bytes),
            start: record.int(Field::Start),
            end: record.int(Field::End),
            action: record.action(),
            tcp_flags: record.tcp_flags().map(|f| f.0),
            reject_reason: record
                .text(Field::RejectReason)
                .filter(|r| !r.is_empty())
                .map(str::to_string),
            has_reject_reason: record.has(Field::RejectReason),
            way: record.direction(),
        })
    }

    /// The packet's source: `pkt-srcaddr` if it differs, else `srcaddr`.
    pub fn packet_src(&self) -> &str {
        self.pkt_src.as_deref().unwrap_or(&self.src)
    }

    /// The packet's destination.
    pub fn packet_dst(&self) -> &str {
        self.pkt_dst.as_deref().unwrap_or(&self.dst)
    }

    /// What the record shows of who initiated (for [`reading::initiator`]).
    pub fn evidence(&self) -> Evidence {
        Evidence {
            tcp_flags: self.tcp_flags,
            first_start: self.start.or(self.end),
        }
    }

    /// What the record shows of which side is the interface (for [`reading::interface_side`]). A flow always has
    /// an interface and is never a transit gateway record (those have no `interface-id`).
    pub fn side_evidence(&self) -> SideEvidence {
        let translated = |own: &str, packet: &Option<String>| {
            packet.as_deref().is_some_and(|p| {
                parse_addr(own.as_bytes()).is_some() && parse_addr(p.as_bytes()).is_some()
            })
        };
        SideEvidence {
            flow_direction: self.way,
            src: Some(AddrKind::of(&self.src)),
            dst: Some(AddrKind::of(&self.dst)),
            src_translated: translated(&self.src, &self.pkt_src),
            dst_translated: translated(&self.dst, &self.pkt_dst),
            ..SideEvidence::default()
        }
    }

    /// Tells `own` what this record shows about its interface's own address. [`learn`] and [`learn_own`] both
    /// call it, so that whoever learns from the same records learns the same.
    pub fn teach(&self, own: &mut OwnAddresses) {
        own.observe(&self.interface, &self.src, &self.dst, self.way);
    }

    /// Whether the record was rejected.
    pub fn rejected(&self) -> bool {
        self.action == Some(Action::Reject)
    }

    /// The last packet's time (or the first's, when `end` is missing).
    pub fn span_end(&self) -> i64 {
        self.span().1
    }

    pub(crate) fn span(&self) -> (i64, i64) {
        let s = self.start.or(self.end).unwrap_or(0);
        (s, self.end.unwrap_or(s))
    }
}

/// One end of a connection.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Endpoint {
    /// The address as written.
    pub addr: String,
    /// The port (0 for protocols without ports).
    pub port: u16,
}

impl Endpoint {
    /// The address, when it is one (not a redaction placeholder).
    pub fn ip(&self) -> Option<IpAddr> {
        parse_addr(self.addr.as_bytes())
    }
}

/// What happened to the connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Both directions were seen and nothing was rejected.
    AllowedBothWays,
    /// The request (client to server) was rejected somewhere.
    RequestRejected,
    /// The request got through and the reply was rejected.
    ReplyRejected,
    /// The request was accepted and no reply was logged.
    OneWay,
    /// Records without an action (transit gateway flow logs) say nothing about rejection.
    Unknown,
}

impl Verdict {
    /// Whether something was rejected.
    pub fn is_rejected(self) -> bool {
        matches!(self, Verdict::RequestRejected | Verdict::ReplyRejected)
    }
}

/// One interface's view of a connection.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Leg {
    /// The interface.
    pub interface: String,
    /// Records of the request direction (indices into [`Conversations::flows`]).
    pub request: Vec<usize>,
    /// Records of the reply direction.
    pub reply: Vec<usize>,
    /// Which way the request crossed this interface, when known.
    #[serde(serialize_with = "as_inbound::serialize")]
    pub request_way: Option<Direction>,
    /// The interface passes the packets on for others (NAT gateway, transit gateway): its records' addresses
    /// differ from the packets' (`pkt-srcaddr`/`pkt-dstaddr`), or it translates them.
    pub intermediate: bool,
}

/// Both directions of one conversation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Connection {
    /// IANA protocol number.
    pub protocol: u8,
    /// The initiator's end, in packet addresses; when the initiator is not known, the end whose record came first.
    pub client: Endpoint,
    /// The other end.
    pub server: Endpoint,
    /// The service at the server's port (`HTTP`, `NTP`), when the server is known (or both ends use its port).
    pub service: Option<&'static str>,
    /// Who initiated (the client, or `None` when the records do not tell), what that rests on and how sure it
    /// is: decided by [`vpcflow_record::reading::initiator`], as `explain` decides it for one record.
    pub initiator: Decided<Option<Endpoint>, InitiatorBasis>,
    /// The connection as each interface logged it.
    pub legs: Vec<Leg>,
    /// What happened.
    pub verdict: Verdict,
    /// First packet, Unix seconds.
    pub start: i64,
    /// Last packet, Unix seconds.
    pub end: i64,
    /// Whether the records carry times (`start`/`end`); transit gateway examples and some custom formats do not.
    pub timed: bool,
    /// For a connection through a NAT gateway: the translated leg (the gateway's own address to the server),
    /// as the client's end of it.
    pub translated: Option<Endpoint>,
}

/// How many records and connections, and what happened to the connections: the count lines of `conversations`
/// and `diagnose`, as data that a stream adds up as it goes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Records paired.
    pub records: usize,
    /// Connections they make.
    pub connections: usize,
    /// Connections allowed both ways.
    pub allowed_both_ways: usize,
    /// Connections whose request was rejected.
    pub request_rejected: usize,
    /// Connections whose reply was rejected.
    pub reply_rejected: usize,
    /// Connections with a request and no reply.
    pub one_way: usize,
    /// Connections whose records have no action (transit gateway flow logs).
    pub unknown: usize,
}

impl Counts {
    /// Counts one connection of `records` records.
    pub fn add(&mut self, c: &Connection, records: usize) {
        self.records += records;
        self.connections += 1;
        *match c.verdict {
            Verdict::AllowedBothWays => &mut self.allowed_both_ways,
            Verdict::RequestRejected => &mut self.request_rejected,
            Verdict::ReplyRejected => &mut self.reply_rejected,
            Verdict::OneWay => &mut self.one_way,
            Verdict::Unknown => &mut self.unknown,
        } += 1;
    }

    /// Connections with something rejected.
    pub fn rejected(&self) -> usize {
        self.request_rejected + self.reply_rejected
    }
}

/// Every connection in a set of records.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Conversations {
    /// The records, in input order.
    pub flows: Vec<Flow>,
    /// The connections, by start time.
    pub connections: Vec<Connection>,
    /// Per interface, its own address as the records show it (the address in most of its records; the
    /// `flow-direction` field when present).
    pub own_addr: BTreeMap<String, String>,
}

impl Conversations {
    /// Pairs `flows` into connections: the same pairing as [`Pairing`](crate::pairing::Pairing) does over a
    /// stream, over records held in memory (they are put in time order first).
    pub fn build(flows: Vec<Flow>) -> Conversations {
        let learned = learn(&flows);
        let own_addr = learned.own.clone();
        let mut order: Vec<usize> = (0..flows.len()).collect();
        order.sort_by_key(|&i| (flows[i].span().0, i));
        let mut pairing = crate::pairing::Pairing::new(learned);
        let mut paired = Vec::new();
        for &i in &order {
            pairing.push(flows[i].clone(), &mut |p| paired.push(p));
        }
        pairing.finish(&mut |p| paired.push(p));
        // Each connection's records go back to their places in the input.
        let mut connections: Vec<Connection> = paired
            .into_iter()
            .map(|p| {
                let mut c = p.connection;
                let place = |i: &mut usize| *i = order[p.seqs[*i] as usize];
                for leg in &mut c.legs {
                    leg.request.iter_mut().for_each(place);
                    leg.reply.iter_mut().for_each(place);
                }
                c
            })
            .collect();
        connections.sort_by(|a, b| {
            (a.start, &a.legs[0].interface, &a.client, &a.server).cmp(&(
                b.start,
                &b.legs[0].interface,
                &b.client,
                &b.server,
            ))
        });
        Conversations {
            flows,
            connections,
            own_addr,
        }
    }

    /// The counts of the connections.
    pub fn counts(&self) -> Counts {
        let mut counts = Counts::default();
        for c in &self.connections {
            counts.add(c, 0);
        }
        counts.records = self.flows.len();
        counts
    }

    /// The records of a connection, request then reply, leg by leg.
    pub fn flows_of<'a>(&'a self, c: &'a Connection) -> impl Iterator<Item = &'a Flow> + 'a {
        c.legs
            .iter()
            .flat_map(|l| l.request.iter().chain(l.reply.iter()))
            .map(|&i| &self.flows[i])
    }
}

/// Which way a flow crossed its interface: [`reading::interface_side`] over the record and what the interface's
/// other records teach about its own address (`own`, from [`learn`]).
pub fn interface_side(
    f: &Flow,
    own: &BTreeMap<String, String>,
) -> Decided<Option<Direction>, DirectionBasis> {
    side_of(f, own.get(&f.interface).map(String::as_str))
}

/// [`interface_side`], given the flow's interface's own address.
pub fn side_of(f: &Flow, own: Option<&str>) -> Decided<Option<Direction>, DirectionBasis> {
    let learned = own.and_then(|mine| reading::learned_end(mine, &f.src, &f.dst));
    reading::interface_side(&SideEvidence {
        learned,
        ..f.side_evidence()
    })
}

/// What the records teach about their interfaces before pairing: each one's own address (from `flow-direction`
/// when logged, else the address in most of its records, preferring an internal one on a tie) and which ones pass
/// packets on for others (NAT gateways: records whose packet addresses differ).
pub fn learn(flows: &[Flow]) -> Learned {
    let mut own = OwnAddresses::new();
    let mut intermediate = BTreeSet::new();
    for f in flows {
        f.teach(&mut own);
        if f.pkt_src.is_some() || f.pkt_dst.is_some() {
            intermediate.insert(f.interface.clone());
        }
    }
    Learned {
        own: own.finish(),
        intermediate,
    }
}

/// The fields that decide whether a record makes a [`Flow`] and what it teaches about its interface's own
/// address: all that a pass reading records only to learn the addresses needs (a projection).
pub const OWN_ADDRESS_FIELDS: [Field; 6] = [
    Field::LogStatus,
    Field::InterfaceId,
    Field::Srcaddr,
    Field::Dstaddr,
    Field::Protocol,
    Field::FlowDirection,
];

/// Tells `own` what one record (read with at least [`OWN_ADDRESS_FIELDS`]) shows about its interface's own
/// address: what [`learn`] learns from it, for a reader that does not keep its records. `explain` reads its inputs
/// once like this and again to explain them, and so reads each record's side as `conversations` does.
pub fn learn_own(own: &mut OwnAddresses, record: &Record) {
    if let Some(flow) = Flow::from_record(record, "") {
        flow.teach(own);
    }
}

pub(crate) fn connection(
    flows: &[Flow],
    own: &BTreeMap<String, String>,
    legs: Vec<Vec<usize>>,
) -> Connection {
    let all: Vec<usize> = legs.iter().flatten().copied().collect();
    let first = &flows[all[0]];
    let protocol = first.protocol;
    let a = Endpoint {
        addr: first.packet_src().to_string(),
        port: first.src_port,
    };
    let b = Endpoint {
        addr: first.packet_dst().to_string(),
        port: first.dst_port,
    };
    let from_a = |f: &Flow| f.packet_src() == a.addr && f.src_port == a.port;
    let decided = decide_initiator(flows, &all, &a, &b, protocol, from_a);
    let ends = Ends {
        protocol: Some(protocol),
        a_port: a.port,
        b_port: b.port,
    };
    let service = reading::server_port(ends, &decided).and_then(|p| services::name(p, protocol));
    let (client, server) = if decided.value == Some(Side::B) {
        (b, a)
    } else {
        (a, b)
    };
    let initiator = Decided {
        value: decided.value.map(|_| client.clone()),
        basis: decided.basis,
        confidence: decided.confidence,
    };
    let is_request = |f: &Flow| f.packet_src() == client.addr && f.src_port == client.port;
    let mut out_legs = Vec::new();
    for g in legs {
        let interface = flows[g[0]].interface.clone();
        let (request, reply): (Vec<usize>, Vec<usize>) =
            g.iter().partition(|&&i| is_request(&flows[i]));
        // The request's way, from the first of the leg's records whose side of the interface is known.
        let request_way = request.iter().chain(&reply).find_map(|&i| {
            let f = &flows[i];
            let way = interface_side(f, own).value?;
            Some(if is_request(f) { way } else { way.reverse() })
        });
        let intermediate = g
            .iter()
            .any(|&i| flows[i].pkt_src.is_some() || flows[i].pkt_dst.is_some());
        out_legs.push(Leg {
            interface,
            request,
            reply,
            request_way,
            intermediate,
        });
    }
    out_legs.sort_by(|x, y| x.interface.cmp(&y.interface));
    let verdict = verdict(flows, &out_legs);
    let start = all.iter().map(|&i| flows[i].span().0).min().unwrap_or(0);
    let end = all.iter().map(|&i| flows[i].span().1).max().unwrap_or(0);
    Connection {
        protocol,
        service,
        client,
        server,
        initiator,
        legs: out_legs,
        verdict,
        start,
        end,
        timed: all
            .iter()
            .any(|&i| flows[i].start.is_some() || flows[i].end.is_some()),
        translated: None,
    }
}

fn verdict(flows: &[Flow], legs: &[Leg]) -> Verdict {
    let req = legs.iter().flat_map(|l| &l.request).map(|&i| &flows[i]);
    let rep = legs.iter().flat_map(|l| &l.reply).map(|&i| &flows[i]);
    let all_unknown = legs
        .iter()
        .flat_map(|l| l.request.iter().chain(&l.reply))
        .all(|&i| flows[i].action.is_none());
    if all_unknown {
        return Verdict::Unknown;
    }
    if req.clone().any(Flow::rejected) {
        Verdict::RequestRejected
    } else if rep.clone().any(Flow::rejected) {
        Verdict::ReplyRejected
    } else if rep.count() > 0 {
        Verdict::AllowedBothWays
    } else {
        Verdict::OneWay
    }
}

/// Who initiated between `a` (the first record's source) and `b`: [`reading::initiator`] over what each direction's
/// records add up to (their tcp-flags OR-ed, their earliest time).
fn decide_initiator(
    flows: &[Flow],
    all: &[usize],
    a: &Endpoint,
    b: &Endpoint,
    protocol: u8,
    from_a: impl Fn(&Flow) -> bool,
) -> Decided<Option<Side>, InitiatorBasis> {
    let evidence = |pred: &dyn Fn(&Flow) -> bool| {
        all.iter()
            .map(|&i| &flows[i])
            .filter(|f| pred(f))
            .map(Flow::evidence)
            .reduce(Evidence::merge)
    };
    let ends = Ends {
        protocol: Some(protocol),
        a_port: a.port,
        b_port: b.port,
    };
    reading::initiator(
        ends,
        evidence(&|f| from_a(f)),
        evidence(&|f| !from_a(f)),
        &CatalogPorts,
    )
}

/// The gateway's side of a NAT connection: for each leg of `c` that passes packets on (an intermediate leg) and
/// whose records carry the interface's own address where the packets' addresses are not, that interface and
/// address. Its other half is the gateway's own connection from that address to the same server.
fn translating_legs<'a>(
    c: &'a Connection,
    flows: &[Flow],
    own: &'a BTreeMap<String, String>,
) -> Vec<(&'a str, &'a str)> {
    c.legs
        .iter()
        .filter(|l| l.intermediate)
        .filter_map(|leg| {
            let gw = own.get(&leg.interface)?;
            // The gateway's address must be a record address of this leg but not a packet address.
            let translates = leg
                .request
                .iter()
                .chain(&leg.reply)
                .any(|&f| flows[f].dst == *gw || flows[f].src == *gw)
                && c.client.addr != *gw
                && c.server.addr != *gw;
            translates.then_some((leg.interface.as_str(), gw.as_str()))
        })
        .collect()
}

/// Whether `o` is the gateway's own half of the NAT connection `c` translates on `leg` (interface, address): the
/// same protocol and server, from the gateway's address, logged only on the gateway's interface, at the same time.
fn is_nat_half(c: &Connection, (interface, gw): (&str, &str), o: &Connection) -> bool {
    o.protocol == c.protocol
        && o.server == c.server
        && o.client.addr == gw
        && o.legs.iter().all(|l| l.interface == interface)
        && o.start <= c.end + GAP
        && c.start <= o.end + GAP
}

/// Whether `c` may be one half of a NAT gateway connection, so that pairing holds it until the other half can
/// no longer appear: it translates on a gateway's interface, or it is a gateway's own connection.
pub(crate) fn nat_candidate(c: &Connection, flows: &[Flow], learned: &Learned) -> bool {
    if !translating_legs(c, flows, &learned.own).is_empty() {
        return true;
    }
    let Some(first) = c.legs.first() else {
        return false;
    };
    learned.intermediate.contains(&first.interface)
        && c.legs.iter().all(|l| l.interface == first.interface)
        && learned.own.get(&first.interface) == Some(&c.client.addr)
}

/// For the NAT half `halves[i]`, the index of its other half when exactly one exists (joined only then, so that
/// a busy gateway is not guessed).
pub(crate) fn nat_partner(
    halves: &[(&Connection, &[Flow])],
    i: usize,
    learned: &Learned,
) -> Option<usize> {
    let (c, flows) = halves[i];
    translating_legs(c, flows, &learned.own)
        .into_iter()
        .find_map(|leg| {
            let mut found = halves
                .iter()
                .enumerate()
                .filter(|(j, (o, _))| *j != i && is_nat_half(c, leg, o))
                .map(|(j, _)| j);
            match (found.next(), found.next()) {
                (Some(j), None) => Some(j),
                _ => None,
            }
        })
}

/// Whether the gateway's half `halves[j]` could be the other half of the translating half `halves[i]`.
pub(crate) fn is_wanted_by(
    halves: &[(&Connection, &[Flow])],
    i: usize,
    j: usize,
    learned: &Learned,
) -> bool {
    let (c, flows) = halves[i];
    translating_legs(c, flows, &learned.own)
        .into_iter()
        .any(|leg| is_nat_half(c, leg, halves[j].0))
}

/// Joins the gateway's half `other` (with its records) into `c`.
pub(crate) fn merge_nat(
    c: &mut Connection,
    flows: &mut Vec<Flow>,
    other: Connection,
    other_flows: Vec<Flow>,
) {
    let offset = flows.len();
    flows.extend(other_flows);
    c.translated = Some(other.client.clone());
    for mut leg in other.legs {
        leg.intermediate = true;
        leg.request.iter_mut().for_each(|i| *i += offset);
        leg.reply.iter_mut().for_each(|i| *i += offset);
        c.legs.push(leg);
    }
    c.start = c.start.min(other.start);
    c.end = c.end.max(other.end);
    c.verdict = verdict(flows, &c.legs);
}

#[cfg(test)]
pub(crate) mod reference {
    //! The batch pairing as it was, to check the streaming pairing against (temporary).
    use super::*;
    use std::collections::HashMap;

    fn is_private_text(addr: &str) -> bool {
        parse_addr(addr.as_bytes())
            .is_some_and(|ip| vpcflow_record::AddrScope::of(ip).is_internal())
    }

    /// Each interface's own address: from `flow-direction` when logged, else the address in most of its records,
    /// preferring a private address on a tie (people redact and talk to public addresses, never the VPC's own).
    pub fn own_addresses(flows: &[Flow]) -> BTreeMap<String, String> {
        let mut counts: BTreeMap<&str, BTreeMap<&str, (usize, usize)>> = BTreeMap::new();
        for f in flows {
            let per = counts.entry(&f.interface).or_default();
            match f.way {
                Some(Direction::Ingress) => per.entry(&f.dst).or_default().1 += 1,
                Some(Direction::Egress) => per.entry(&f.src).or_default().1 += 1,
                None => {
                    per.entry(&f.src).or_default().0 += 1;
                    per.entry(&f.dst).or_default().0 += 1;
                }
            }
        }
        let mut out = BTreeMap::new();
        for (iface, per) in counts {
            let mut ranked: Vec<(&str, (usize, usize))> = per.into_iter().collect();
            ranked.sort_by_key(|(addr, (n, sure))| {
                std::cmp::Reverse((*sure, *n, is_private_text(addr)))
            });
            let best = ranked[0];
            let tie = ranked.get(1).is_some_and(|second| {
                second.1 == best.1 && is_private_text(second.0) == is_private_text(best.0)
            });
            if !tie {
                out.insert(iface.to_string(), best.0.to_string());
            }
        }
        out
    }

    pub fn build(flows: Vec<Flow>) -> Conversations {
        let own_addr = own_addresses(&flows);
        // 1. Per interface and 5-tuple (either order), split by time.
        let mut by_tuple: HashMap<(String, u8, Endpoint, Endpoint), Vec<usize>> = HashMap::new();
        for (i, f) in flows.iter().enumerate() {
            let a = Endpoint {
                addr: f.src.clone(),
                port: f.src_port,
            };
            let b = Endpoint {
                addr: f.dst.clone(),
                port: f.dst_port,
            };
            let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
            by_tuple
                .entry((f.interface.clone(), f.protocol, lo, hi))
                .or_default()
                .push(i);
        }
        let mut groups: Vec<Vec<usize>> = Vec::new();
        for (_, mut idx) in by_tuple {
            idx.sort_by_key(|&i| (flows[i].span(), i));
            let mut current: Vec<usize> = Vec::new();
            let mut end = i64::MIN;
            for i in idx {
                let (s, e) = flows[i].span();
                if !current.is_empty() && s > end.saturating_add(GAP) {
                    groups.push(std::mem::take(&mut current));
                }
                end = end.max(e);
                current.push(i);
            }
            groups.push(current);
        }
        // 2. Join interface groups that carry the same packets (same packet-level 5-tuple, overlapping times).
        let packet_key = |g: &[usize]| {
            let f = &flows[g[0]];
            let a = Endpoint {
                addr: f.packet_src().to_string(),
                port: f.src_port,
            };
            let b = Endpoint {
                addr: f.packet_dst().to_string(),
                port: f.dst_port,
            };
            let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
            (f.protocol, lo, hi)
        };
        let span = |g: &[usize]| {
            let s = g.iter().map(|&i| flows[i].span().0).min().unwrap_or(0);
            let e = g.iter().map(|&i| flows[i].span().1).max().unwrap_or(0);
            (s, e)
        };
        let mut by_packets: HashMap<(u8, Endpoint, Endpoint), Vec<Vec<usize>>> = HashMap::new();
        for g in groups {
            by_packets.entry(packet_key(&g)).or_default().push(g);
        }
        let mut clusters: Vec<Vec<Vec<usize>>> = Vec::new();
        for (_, mut gs) in by_packets {
            // Legs in the order they began: their first record's start, then input order.
            let first = |g: &[usize]| {
                g.iter()
                    .map(|&i| (flows[i].span().0, i))
                    .min()
                    .unwrap_or_default()
            };
            gs.sort_by_key(|g| first(g));
            let mut current: Vec<Vec<usize>> = Vec::new();
            let mut end = i64::MIN;
            for g in gs {
                let (s, e) = span(&g);
                // Legs on the same interface are separate connections (the same 5-tuple reused later).
                let same_interface = current
                    .iter()
                    .any(|c| flows[c[0]].interface == flows[g[0]].interface);
                if !current.is_empty() && (s > end.saturating_add(GAP) || same_interface) {
                    clusters.push(std::mem::take(&mut current));
                    end = i64::MIN;
                }
                end = end.max(e);
                current.push(g);
            }
            clusters.push(current);
        }
        let mut connections: Vec<Connection> = clusters
            .into_iter()
            .map(|legs| connection(&flows, &own_addr, legs))
            .collect();
        link_nat(&flows, &own_addr, &mut connections);
        connections.sort_by(|a, b| {
            (a.start, &a.legs[0].interface, &a.client, &a.server).cmp(&(
                b.start,
                &b.legs[0].interface,
                &b.client,
                &b.server,
            ))
        });
        Conversations {
            flows,
            connections,
            own_addr,
        }
    }

    /// Joins the two halves of a NAT gateway connection: the client's packets arriving at the gateway's interface
    /// (whose records show the server in `pkt-dstaddr`) and the gateway's own connection from its address to the
    /// same server at the same time. Joined only when exactly one such half exists, so a busy gateway is not guessed.
    fn link_nat(flows: &[Flow], own: &BTreeMap<String, String>, connections: &mut Vec<Connection>) {
        let mut merges: Vec<(usize, usize)> = Vec::new();
        for (i, c) in connections.iter().enumerate() {
            for leg in c.legs.iter().filter(|l| l.intermediate) {
                let Some(gw_addr) = own.get(&leg.interface) else {
                    continue;
                };
                // The gateway's address must be a record address of this leg but not a packet address.
                let translates = leg
                    .request
                    .iter()
                    .chain(&leg.reply)
                    .any(|&f| flows[f].dst == *gw_addr || flows[f].src == *gw_addr)
                    && c.client.addr != *gw_addr
                    && c.server.addr != *gw_addr;
                if !translates {
                    continue;
                }
                let candidates: Vec<usize> = connections
                    .iter()
                    .enumerate()
                    .filter(|(j, o)| {
                        *j != i
                            && o.protocol == c.protocol
                            && o.server == c.server
                            && o.client.addr == *gw_addr
                            && o.legs.iter().all(|l| l.interface == leg.interface)
                            && o.start <= c.end + GAP
                            && c.start <= o.end + GAP
                    })
                    .map(|(j, _)| j)
                    .collect();
                if let [j] = candidates[..] {
                    merges.push((i, j));
                }
            }
        }
        // A gateway half claimed by two translating halves is ambiguous: neither is joined.
        let claimed = |j: usize| merges.iter().filter(|(_, k)| *k == j).count();
        let merges: Vec<(usize, usize)> = merges
            .iter()
            .copied()
            .filter(|&(_, j)| claimed(j) == 1)
            .collect();
        let mut removed = Vec::new();
        for (i, j) in merges {
            if removed.contains(&j) || removed.contains(&i) {
                continue;
            }
            let other = connections[j].clone();
            let c = &mut connections[i];
            c.translated = Some(other.client.clone());
            for mut leg in other.legs {
                leg.intermediate = true;
                c.legs.push(leg);
            }
            c.start = c.start.min(other.start);
            c.end = c.end.max(other.end);
            c.verdict = verdict(flows, &c.legs);
            removed.push(j);
        }
        removed.sort_unstable();
        for j in removed.into_iter().rev() {
            connections.remove(j);
        }
    }

    use proptest::prelude::*;

    pub(crate) fn flow_strategy() -> impl Strategy<Value = Flow> {
        let iface = prop_oneof![Just("eni-a"), Just("eni-b"), Just("eni-nat")];
        let addr = prop_oneof![
            Just("10.0.0.5"),
            Just("10.0.0.6"),
            Just("10.0.0.9"),
            Just("198.51.100.1"),
            Just("203.0.113.5"),
            Just("xxx.xxx.xxx.xxx")
        ];
        let port = prop_oneof![
            Just(80u16),
            Just(443),
            Just(123),
            Just(40000),
            Just(50000),
            Just(0)
        ];
        (
            (iface, addr.clone(), addr.clone(), port.clone(), port),
            (
                prop_oneof![Just(6u8), Just(17), Just(1)],
                0i64..4000,
                0i64..200,
                any::<bool>(),
                0u8..4,
            ),
            (
                proptest::option::of(addr.clone()),
                proptest::option::of(addr),
                proptest::option::of(prop_oneof![
                    Just(0u8),
                    Just(2),
                    Just(18),
                    Just(3),
                    Just(19),
                    Just(1)
                ]),
            ),
        )
            .prop_map(
                |((i, s, d, sp, dp), (proto, start, len, reject, dir), (ps, pd, flags))| Flow {
                    location: String::new(),
                    interface: i.into(),
                    src: s.into(),
                    dst: d.into(),
                    pkt_src: ps.filter(|p| *p != s).map(str::to_string),
                    pkt_dst: pd.filter(|p| *p != d).map(str::to_string),
                    src_port: if proto == 1 { 0 } else { sp },
                    dst_port: if proto == 1 { 0 } else { dp },
                    protocol: proto,
                    packets: Some(1),
                    bytes: Some(60),
                    start: Some(start),
                    end: Some(start + len),
                    action: Some(if reject {
                        Action::Reject
                    } else {
                        Action::Accept
                    }),
                    tcp_flags: flags,
                    reject_reason: None,
                    has_reject_reason: false,
                    way: match dir {
                        0 => Some(Direction::Ingress),
                        1 => Some(Direction::Egress),
                        _ => None,
                    },
                },
            )
    }

    fn canonical(c: &Conversations) -> Vec<String> {
        let mut v: Vec<String> = c
            .connections
            .iter()
            .map(|x| {
                let mut x = x.clone();
                x.legs
                    .sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
                format!("{x:?}")
            })
            .collect();
        v.sort();
        v
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]
        #[test]
        fn streaming_pairs_as_the_batch_did(flows in proptest::collection::vec(flow_strategy(), 0..40)) {
            let old = build(flows.clone());
            let new = Conversations::build(flows);
            prop_assert_eq!(&old.own_addr, &new.own_addr);
            prop_assert_eq!(canonical(&old), canonical(&new));
        }
    }
}
