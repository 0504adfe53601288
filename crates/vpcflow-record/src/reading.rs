//! One reading of a flow: which way a record's traffic crossed its interface, who opened the conversation, and
//! whether the protocol has ports — decided here, once, for every crate.
//!
//! Reading a flow log is mostly inference: a record says `A:p → B:q` on an interface, and people work out which
//! side is the interface and which side asked. When two commands work that out with different rules they
//! contradict each other on the same line, so the rules live in this module and nowhere else: `explain` passes one
//! record, `conversations` and `diagnose` pass what a connection's records add up to, and both get the same answer
//! for the same evidence. Every answer is a [`Decided`]: the value, what it rests on, and how sure it is, so that a
//! reader can disagree with the inference instead of trusting it (Zeek keeps the same kind of mark when its
//! heuristic flips a connection's direction).
//!
//! The inputs are small plain structs ([`SideEvidence`], [`Ends`], [`Evidence`]) rather than records, so that a
//! columnar computation over millions of records can aggregate them per connection and still decide here.

use crate::record::Record;
use crate::values::{AddrScope, Direction, is_redacted, parse_addr};
use crate::{Field, TcpFlags};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// Whether a protocol's packets carry source and destination ports: TCP (6), UDP (17), DCCP (33), SCTP (132) and
/// UDP-Lite (136). AWS logs ports for these and 0 for every other protocol (ICMP, GRE, ESP, …).
pub fn has_ports(protocol: u8) -> bool {
    matches!(protocol, 6 | 17 | 33 | 132 | 136)
}

impl Direction {
    /// The other way.
    pub fn reverse(self) -> Direction {
        match self {
            Direction::Ingress => Direction::Egress,
            Direction::Egress => Direction::Ingress,
        }
    }
}

/// JSON spellings of a direction relative to the interface, as `explain`, `conversations` and `diagnose` have
/// always written them (`"inbound"`, `"outbound"`), for `#[serde(serialize_with = …)]`. The type stays
/// [`Direction`], whose own spelling is AWS's `flow-direction` word (`"ingress"`, `"egress"`).
pub mod as_inbound {
    use super::Direction;

    fn word(d: Direction) -> &'static str {
        match d {
            Direction::Ingress => "inbound",
            Direction::Egress => "outbound",
        }
    }

    /// `"inbound"`, `"outbound"` or `null`.
    pub fn serialize<S: serde::Serializer>(d: &Option<Direction>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_str(word(*d)),
            None => s.serialize_none(),
        }
    }

    /// `"inbound"` or `"outbound"`.
    pub fn known<S: serde::Serializer>(d: &Direction, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(word(*d))
    }

    /// `"inbound"`, `"outbound"` or `"unknown"`.
    pub fn or_unknown<S: serde::Serializer>(
        d: &Option<Direction>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.serialize_str(d.map_or("unknown", word))
    }
}

/// How sure a conclusion is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// Read off the records (a field, TCP flags, one direction accepted and the other rejected).
    Certain,
    /// The usual reading (a private address, well-known ports, who spoke first); an expert would say "probably".
    Likely,
    /// One of several readings the records allow; also the confidence of an answer that is not decided at all.
    Possible,
}

/// A conclusion together with what it rests on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Decided<T, B> {
    /// The conclusion (an `Option` whose `None` means "not decided"; the basis then says why).
    pub value: T,
    /// What it rests on.
    pub basis: B,
    /// How sure it is.
    pub confidence: Confidence,
}

impl<T, B> Decided<T, B> {
    fn certain(value: T, basis: B) -> Self {
        Decided {
            value,
            basis,
            confidence: Confidence::Certain,
        }
    }

    fn likely(value: T, basis: B) -> Self {
        Decided {
            value,
            basis,
            confidence: Confidence::Likely,
        }
    }
}

impl<T, B> Decided<Option<T>, B> {
    fn undecided(basis: B) -> Self {
        Decided {
            value: None,
            basis,
            confidence: Confidence::Possible,
        }
    }
}

/// One end of a record, as written: `srcaddr`/`srcport` or `dstaddr`/`dstport`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum End {
    /// The source.
    Src,
    /// The destination.
    Dst,
}

// ---- Which side is the interface ----

/// What an address field shows, as far as telling the interface's own side goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AddrKind {
    /// An address that never leaves its network (private, shared, unique local, link-local, loopback): the kind a
    /// VPC gives its own interfaces.
    Internal,
    /// An internet-routable address (or one reserved for documentation, which AWS's examples use as public).
    Public,
    /// Written over (`xxx.xxx.xxx.xxx`). People redact the public side (their home or office), never the VPC's.
    Redacted,
    /// Not an address at all (a hand-made example such as `55.123.456.78`).
    Invalid,
}

impl AddrKind {
    /// The kind of an address field's text.
    pub fn of(text: &str) -> AddrKind {
        match parse_addr(text.as_bytes()) {
            Some(ip) if AddrScope::of(ip).is_internal() => AddrKind::Internal,
            Some(_) => AddrKind::Public,
            None if is_redacted(text.as_bytes()) => AddrKind::Redacted,
            None => AddrKind::Invalid,
        }
    }
}

/// What a record says about which of its addresses is the interface's own: the input to [`interface_side`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct SideEvidence {
    /// `flow-direction`, when the format has it.
    pub flow_direction: Option<Direction>,
    /// A transit gateway record: its addresses are relative to an attachment, not to one interface.
    pub transit_gateway: bool,
    /// The format has `interface-id` but the record's is `-` (a regional NAT gateway names a resource instead).
    pub no_interface: bool,
    /// `srcaddr`.
    pub src: Option<AddrKind>,
    /// `dstaddr`.
    pub dst: Option<AddrKind>,
    /// `srcaddr` and `pkt-srcaddr` are both addresses and differ: `srcaddr` is the interface's own.
    pub src_translated: bool,
    /// `dstaddr` and `pkt-dstaddr` are both addresses and differ: `dstaddr` is the interface's own.
    pub dst_translated: bool,
    /// Which of the record's addresses the interface's other records show to be its own ([`OwnAddresses`]).
    pub learned: Option<End>,
}

impl SideEvidence {
    /// The evidence one record carries by itself (`learned` is left for the caller, who may know the file).
    pub fn of_record(record: &Record) -> SideEvidence {
        let kind = |f: Field| record.text(f).map(AddrKind::of);
        let differs = |own: Field, packet: Field| match (record.addr(own), record.addr(packet)) {
            (Some(crate::Addr::Ip(a)), Some(crate::Addr::Ip(b))) => a != b,
            _ => false,
        };
        SideEvidence {
            flow_direction: record.direction(),
            transit_gateway: record.has(Field::TgwId)
                || record.has(Field::ResourceType)
                || record.has(Field::TgwAttachmentId),
            no_interface: record.has(Field::InterfaceId)
                && record.text(Field::InterfaceId).is_none(),
            src: kind(Field::Srcaddr),
            dst: kind(Field::Dstaddr),
            src_translated: differs(Field::Srcaddr, Field::PktSrcaddr),
            dst_translated: differs(Field::Dstaddr, Field::PktDstaddr),
            learned: None,
        }
    }
}

/// What the interface's side rests on; the last five say why it was not decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DirectionBasis {
    /// The `flow-direction` field.
    FlowDirection,
    /// `dstaddr` differs from the packet's destination (`pkt-dstaddr`), so it is the interface's own address.
    PacketDestination,
    /// `srcaddr` differs from the packet's source (`pkt-srcaddr`), so it is the interface's own address.
    PacketSource,
    /// The interface's other records show which address is its own.
    LearnedAddress,
    /// One side is internal and the other public or redacted.
    PrivateSide,
    /// Not decided: the record has no addresses.
    NoAddresses,
    /// Not decided: both addresses are internal.
    BothInternal,
    /// Not decided: a transit gateway record without `flow-direction`.
    TransitGateway,
    /// Not decided: the record names no interface.
    NoInterface,
    /// Not decided: neither address is recognisably the interface's.
    NotRecognised,
}

/// Which way a record's traffic crossed its interface: `Ingress` when the destination is the interface's own side,
/// `Egress` when the source is. Evidence in order of strength: the `flow-direction` field; a packet address that
/// differs from the record's (an intermediate hop's own address); the interface's own address as its other records
/// show it; one internal side facing a public or redacted one.
pub fn interface_side(e: &SideEvidence) -> Decided<Option<Direction>, DirectionBasis> {
    use DirectionBasis as B;
    if let Some(d) = e.flow_direction {
        return Decided::certain(Some(d), B::FlowDirection);
    }
    let undecided = |why: DirectionBasis| {
        let both_internal = e.src == Some(AddrKind::Internal) && e.dst == Some(AddrKind::Internal);
        Decided::undecided(if e.src.is_none() && e.dst.is_none() {
            B::NoAddresses
        } else if both_internal {
            B::BothInternal
        } else {
            why
        })
    };
    if e.transit_gateway {
        return undecided(B::TransitGateway);
    }
    match (e.src_translated, e.dst_translated) {
        (false, true) => return Decided::certain(Some(Direction::Ingress), B::PacketDestination),
        (true, false) => return Decided::certain(Some(Direction::Egress), B::PacketSource),
        _ => {}
    }
    match e.learned {
        Some(End::Dst) => return Decided::likely(Some(Direction::Ingress), B::LearnedAddress),
        Some(End::Src) => return Decided::likely(Some(Direction::Egress), B::LearnedAddress),
        None => {}
    }
    if e.no_interface {
        return undecided(B::NoInterface);
    }
    let outside = |k: Option<AddrKind>| matches!(k, Some(AddrKind::Public | AddrKind::Redacted));
    if e.dst == Some(AddrKind::Internal) && outside(e.src) {
        Decided::likely(Some(Direction::Ingress), B::PrivateSide)
    } else if e.src == Some(AddrKind::Internal) && outside(e.dst) {
        Decided::likely(Some(Direction::Egress), B::PrivateSide)
    } else {
        undecided(B::NotRecognised)
    }
}

/// Each interface's own address, as a set of records shows it: the address in most of its records, counting a
/// record's `flow-direction` above all else, and preferring an internal address on a tie (people redact and talk
/// to public addresses, never the VPC's own). An interface whose records leave a true tie gets no entry.
///
/// It learns while records go by (nothing of a record is kept), so that a reader of a day of logs can learn in a
/// first pass what `conversations` learns from the same records. Memory is bounded however many records are
/// observed: an interface keeps counts for at most [`OwnAddresses::TRACKED`] addresses, and when it has more, the
/// half with the fewest records is forgotten. The interface's own address is in nearly every one of its records,
/// so it is never among them; the peers of an interface probed by the whole internet are.
#[derive(Clone, Debug, Default)]
pub struct OwnAddresses {
    /// Per interface, per address: (records it appears in, records whose `flow-direction` names it).
    counts: HashMap<String, HashMap<String, (usize, usize)>>,
}

impl OwnAddresses {
    /// The most addresses counted per interface.
    pub const TRACKED: usize = 4096;

    /// Nothing seen yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// One record of `interface` from `src` to `dst` (addresses as written).
    pub fn observe(
        &mut self,
        interface: &str,
        src: &str,
        dst: &str,
        flow_direction: Option<Direction>,
    ) {
        let per = match self.counts.get_mut(interface) {
            Some(per) => per,
            None => self.counts.entry(interface.to_string()).or_default(),
        };
        let mut count = |addr: &str, sure: bool| {
            let c = match per.get_mut(addr) {
                Some(c) => c,
                None => per.entry(addr.to_string()).or_default(),
            };
            if sure {
                c.1 += 1;
            } else {
                c.0 += 1;
            }
        };
        match flow_direction {
            Some(Direction::Ingress) => count(dst, true),
            Some(Direction::Egress) => count(src, true),
            None => {
                count(src, false);
                count(dst, false);
            }
        }
        if per.len() > Self::TRACKED {
            let mut ranked: Vec<(usize, usize)> =
                per.values().map(|(n, sure)| (*sure, *n)).collect();
            ranked.sort_unstable();
            let cut = ranked[ranked.len() / 2];
            per.retain(|_, (n, sure)| (*sure, *n) > cut);
        }
    }

    /// Interface → its own address.
    pub fn finish(self) -> BTreeMap<String, String> {
        let internal = |a: &str| AddrKind::of(a) == AddrKind::Internal;
        let mut out = BTreeMap::new();
        for (iface, per) in self.counts {
            let mut ranked: Vec<(String, (usize, usize))> = per.into_iter().collect();
            // Most sure, then most records, then internal; the address itself breaks what is left of a tie.
            ranked.sort_by(|(a, (n, sure)), (b, (m, sure_b))| {
                (sure_b, m, internal(b))
                    .cmp(&(sure, n, internal(a)))
                    .then_with(|| a.cmp(b))
            });
            let Some(best) = ranked.first() else {
                continue;
            };
            let tie = ranked.get(1).is_some_and(|second| {
                second.1 == best.1 && internal(&second.0) == internal(&best.0)
            });
            if !tie {
                out.insert(iface, best.0.clone());
            }
        }
        out
    }
}

/// Which end of a record is the interface's own address `own` (as [`OwnAddresses`] learned it), if either is.
/// Addresses are compared as addresses, so that `2001:DB8::1` as written is `2001:db8::1` as learned.
pub fn learned_end(own: &str, src: &str, dst: &str) -> Option<End> {
    let own_ip = parse_addr(own.as_bytes());
    let same = |text: &str| {
        text == own || own_ip.is_some_and(|ip| parse_addr(text.as_bytes()) == Some(ip))
    };
    if same(src) {
        Some(End::Src)
    } else if same(dst) {
        Some(End::Dst)
    } else {
        None
    }
}

// ---- Who opened the conversation ----

/// What is known about ports: which ones well-known services listen on, and which range operating systems pick
/// client ports from. `vpcflow-catalog` holds those facts; this crate does not depend on it, so the caller
/// supplies them (the diagnosis crate has the implementation every caller uses).
pub trait PortFacts {
    /// Whether a well-known service listens on `port` of IANA protocol `protocol`.
    fn is_service(&self, port: u16, protocol: u8) -> bool;
    /// Whether `port` is in the range client ports are picked from.
    fn is_ephemeral(&self, port: u16) -> bool;
}

/// The two ends of a conversation, `a` and `b`, in the order one of its records gives them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct Ends {
    /// IANA protocol number, when known.
    pub protocol: Option<u8>,
    /// `a`'s port (0 when absent or not applicable).
    pub a_port: u16,
    /// `b`'s port.
    pub b_port: u16,
}

/// What the records of one direction of a conversation add up to: the input to [`initiator`]. A columnar caller
/// aggregates it per connection and direction (`bit_or(tcp_flags)`, `min(start)`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct Evidence {
    /// `tcp-flags` OR-ed over the records; `None` when none of them has the field.
    pub tcp_flags: Option<u8>,
    /// The earliest `start` of the records (Unix seconds, or milliseconds as the records have it).
    pub first_start: Option<i64>,
}

impl Evidence {
    /// One record's evidence.
    pub fn of_record(record: &Record) -> Evidence {
        Evidence {
            tcp_flags: record.tcp_flags().map(|f| f.0),
            first_start: record.int(Field::Start),
        }
    }

    /// Two sets of records of the same direction, together.
    pub fn merge(self, other: Evidence) -> Evidence {
        let or = |a: Option<u8>, b: Option<u8>| match (a, b) {
            (Some(x), Some(y)) => Some(x | y),
            (x, y) => x.or(y),
        };
        let min = |a: Option<i64>, b: Option<i64>| match (a, b) {
            (Some(x), Some(y)) => Some(x.min(y)),
            (x, y) => x.or(y),
        };
        Evidence {
            tcp_flags: or(self.tcp_flags, other.tcp_flags),
            first_start: min(self.first_start, other.first_start),
        }
    }
}

/// One side of a conversation, relative to [`Ends`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    /// `a`.
    A,
    /// `b`.
    B,
}

impl Side {
    /// The other side.
    pub fn other(self) -> Side {
        match self {
            Side::A => Side::B,
            Side::B => Side::A,
        }
    }
}

/// What the choice of initiator rests on; the last three say why it was not decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum InitiatorBasis {
    /// The client's direction carries SYN without ACK.
    TcpSyn,
    /// The server's direction carries SYN-ACK.
    TcpSynAck,
    /// The server's port is a well-known service's and the client's is not.
    WellKnownPort,
    /// The client's port is in the ephemeral range and the server's is not.
    EphemeralPort,
    /// The server's port is a system port (below 1024) and the client's is not.
    SystemPort,
    /// Both directions were logged and the client's started first.
    FirstSeen,
    /// Not decided: both ends use the same service port (two peers).
    SamePort,
    /// Not decided: the protocol has no ports, and the times do not tell.
    NoPorts,
    /// Not decided: the ports do not say which side is the service, and the times do not tell.
    PortsUnclear,
}

/// Who opened the conversation between the two [`Ends`], from what each direction's records show (`None` for a
/// direction with no records). Evidence in order of strength: TCP flags (certain); the ports (a well-known
/// service's port, then the ephemeral range, then the system ports below 1024); with both directions logged, the
/// one that started first. Where none of these tells, the answer is `None` with the reason, rather than a guess.
///
/// `explain` passes one record as `a_to_b` and nothing for `b_to_a`; `conversations` passes what a connection's
/// records add up to in each direction. The same evidence gives the same answer.
pub fn initiator(
    ends: Ends,
    a_to_b: Option<Evidence>,
    b_to_a: Option<Evidence>,
    ports: &dyn PortFacts,
) -> Decided<Option<Side>, InitiatorBasis> {
    use InitiatorBasis as B;
    if ends.protocol == Some(6) {
        let flags = |e: Option<Evidence>| TcpFlags(e.and_then(|e| e.tcp_flags).unwrap_or(0));
        let (ab, ba) = (flags(a_to_b), flags(b_to_a));
        let syn = |f: TcpFlags| f.has(TcpFlags::SYN) && !f.has(TcpFlags::ACK);
        let syn_ack = |f: TcpFlags| f.has(TcpFlags::SYN) && f.has(TcpFlags::ACK);
        if syn(ab) {
            return Decided::certain(Some(Side::A), B::TcpSyn);
        }
        if syn(ba) {
            return Decided::certain(Some(Side::B), B::TcpSyn);
        }
        if syn_ack(ab) {
            return Decided::certain(Some(Side::B), B::TcpSynAck);
        }
        if syn_ack(ba) {
            return Decided::certain(Some(Side::A), B::TcpSynAck);
        }
    }
    let mut unclear = B::NoPorts;
    let (a, b) = (ends.a_port, ends.b_port);
    if a != 0 && b != 0 {
        let protocol = ends.protocol;
        let service = |p: u16| protocol.is_some_and(|pr| ports.is_service(p, pr));
        let (svc_a, svc_b) = (service(a), service(b));
        let (eph_a, eph_b) = (ports.is_ephemeral(a), ports.is_ephemeral(b));
        // The server's side: a service port that is not also in the ephemeral range, facing a port that is no
        // service; then an ephemeral client port facing one that is not; then a system port facing one that is not.
        let server = if svc_a != svc_b && !(svc_a && eph_a) && !(svc_b && eph_b) {
            Some((if svc_a { Side::A } else { Side::B }, B::WellKnownPort))
        } else if eph_a != eph_b {
            Some((if eph_a { Side::B } else { Side::A }, B::EphemeralPort))
        } else if (a < 1024) != (b < 1024) {
            Some((if a < 1024 { Side::A } else { Side::B }, B::SystemPort))
        } else {
            None
        };
        if let Some((server, basis)) = server {
            return Decided::likely(Some(server.other()), basis);
        }
        unclear = if a == b && svc_a {
            B::SamePort
        } else {
            B::PortsUnclear
        };
    }
    let start = |e: Option<Evidence>| e.and_then(|e| e.first_start);
    match (start(a_to_b), start(b_to_a)) {
        (Some(x), Some(y)) if x != y => {
            Decided::likely(Some(if x < y { Side::A } else { Side::B }), B::FirstSeen)
        }
        _ => Decided::undecided(unclear),
    }
}

/// The port a service listens on, from a decided initiator: the other side's port, or the shared port of two
/// peers ([`InitiatorBasis::SamePort`]). `None` when the initiator is not known.
pub fn server_port(ends: Ends, initiator: &Decided<Option<Side>, InitiatorBasis>) -> Option<u16> {
    match (initiator.value, initiator.basis) {
        (Some(Side::A), _) => Some(ends.b_port),
        (Some(Side::B), _) => Some(ends.a_port),
        (None, InitiatorBasis::SamePort) => Some(ends.a_port),
        (None, _) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Ports;
    impl PortFacts for Ports {
        fn is_service(&self, port: u16, _: u8) -> bool {
            matches!(
                port,
                22 | 25 | 80 | 123 | 443 | 993 | 3306 | 5432 | 8080 | 51820
            )
        }
        fn is_ephemeral(&self, port: u16) -> bool {
            port >= 32768
        }
    }

    fn one(
        protocol: u8,
        a: u16,
        b: u16,
        flags: Option<u8>,
    ) -> Decided<Option<Side>, InitiatorBasis> {
        let ends = Ends {
            protocol: Some(protocol),
            a_port: a,
            b_port: b,
        };
        let e = Evidence {
            tcp_flags: flags,
            first_start: Some(100),
        };
        initiator(ends, Some(e), None, &Ports)
    }

    #[test]
    fn ports_with_ports() {
        assert!([6, 17, 33, 132, 136].into_iter().all(has_ports));
        assert!(![0, 1, 47, 50, 58].into_iter().any(has_ports));
    }

    #[test]
    fn flags_beat_ports() {
        let d = one(6, 443, 50000, Some(2));
        assert_eq!(
            (d.value, d.basis, d.confidence),
            (Some(Side::A), InitiatorBasis::TcpSyn, Confidence::Certain)
        );
        let d = one(6, 50000, 443, Some(18));
        assert_eq!(
            (d.value, d.basis),
            (Some(Side::B), InitiatorBasis::TcpSynAck)
        );
        // SYN and FIN in one interval: still the client.
        assert_eq!(one(6, 50000, 443, Some(3)).value, Some(Side::A));
    }

    #[test]
    fn ports_in_order_of_strength() {
        let d = one(17, 50392, 123, None);
        assert_eq!(
            (d.value, d.basis, d.confidence),
            (
                Some(Side::A),
                InitiatorBasis::WellKnownPort,
                Confidence::Likely
            )
        );
        assert_eq!(
            one(6, 45000, 7777, None).basis,
            InitiatorBasis::EphemeralPort
        );
        assert_eq!(one(6, 45000, 7777, None).value, Some(Side::A));
        let d = one(6, 443, 8080, None);
        assert_eq!(
            (d.value, d.basis),
            (Some(Side::B), InitiatorBasis::SystemPort)
        );
        // A service in the ephemeral range is no evidence: both ends are ephemeral.
        assert_eq!(one(17, 40000, 51820, None).value, None);
    }

    #[test]
    fn where_ports_cannot_tell_nothing_is_guessed() {
        // Two well-known system ports, one direction: SMTP to IMAPS or IMAPS to SMTP.
        let d = one(6, 25, 993, None);
        assert_eq!(
            (d.value, d.basis, d.confidence),
            (None, InitiatorBasis::PortsUnclear, Confidence::Possible)
        );
        assert_eq!(one(6, 3306, 5432, None).value, None);
        assert_eq!(one(17, 123, 123, None).basis, InitiatorBasis::SamePort);
        assert_eq!(one(1, 0, 0, None).basis, InitiatorBasis::NoPorts);
        assert_eq!(
            server_port(
                Ends {
                    protocol: Some(17),
                    a_port: 123,
                    b_port: 123
                },
                &one(17, 123, 123, None)
            ),
            Some(123)
        );
    }

    #[test]
    fn both_directions_and_time() {
        let ends = Ends {
            protocol: Some(1),
            a_port: 0,
            b_port: 0,
        };
        let at = |t| {
            Some(Evidence {
                tcp_flags: None,
                first_start: Some(t),
            })
        };
        let d = initiator(ends, at(200), at(100), &Ports);
        assert_eq!(
            (d.value, d.basis),
            (Some(Side::B), InitiatorBasis::FirstSeen)
        );
        assert_eq!(initiator(ends, at(100), at(100), &Ports).value, None);
        // SYN-ACK in the reverse direction names the forward source.
        let ends = Ends {
            protocol: Some(6),
            a_port: 25,
            b_port: 993,
        };
        let flags = |f| {
            Some(Evidence {
                tcp_flags: Some(f),
                first_start: Some(100),
            })
        };
        assert_eq!(
            initiator(ends, flags(0), flags(18), &Ports).value,
            Some(Side::A)
        );
    }

    #[test]
    fn sides() {
        let e = |src, dst| SideEvidence {
            src: Some(AddrKind::of(src)),
            dst: Some(AddrKind::of(dst)),
            ..SideEvidence::default()
        };
        assert_eq!(
            interface_side(&e("198.51.100.1", "10.0.0.5")).value,
            Some(Direction::Ingress)
        );
        assert_eq!(
            interface_side(&e("10.0.0.5", "xxx.xxx.xxx.xxx")).value,
            Some(Direction::Egress)
        );
        assert_eq!(
            interface_side(&e("10.0.0.5", "10.0.0.6")).basis,
            DirectionBasis::BothInternal
        );
        assert_eq!(
            interface_side(&e("198.51.100.1", "203.0.113.9")).basis,
            DirectionBasis::NotRecognised
        );
        let mut learned = e("10.0.0.5", "10.0.0.6");
        learned.learned = Some(End::Dst);
        let d = interface_side(&learned);
        assert_eq!(
            (d.value, d.basis, d.confidence),
            (
                Some(Direction::Ingress),
                DirectionBasis::LearnedAddress,
                Confidence::Likely
            )
        );
        let mut field = learned;
        field.flow_direction = Some(Direction::Egress);
        assert_eq!(interface_side(&field).value, Some(Direction::Egress));
        assert_eq!(
            interface_side(&SideEvidence::default()).basis,
            DirectionBasis::NoAddresses
        );
    }

    #[test]
    fn own_addresses_in_bounded_memory() {
        // An interface probed by the whole internet: every record a new peer.
        let mut own = OwnAddresses::new();
        for i in 0..20_000 {
            let peer = format!("198.{}.{}.{}", i / 62_500, i / 250 % 250, i % 250);
            own.observe("eni-1", &peer, "10.0.0.5", None);
        }
        assert!(own.counts["eni-1"].len() <= OwnAddresses::TRACKED);
        assert_eq!(
            own.finish().get("eni-1").map(String::as_str),
            Some("10.0.0.5")
        );
    }

    #[test]
    fn own_addresses() {
        let mut own = OwnAddresses::new();
        own.observe("eni-1", "10.0.0.5", "198.51.100.1", None);
        own.observe("eni-1", "198.51.100.2", "10.0.0.5", None);
        // A tie between two internal addresses teaches nothing.
        own.observe("eni-2", "10.0.0.7", "10.0.0.8", None);
        own.observe("eni-3", "10.0.0.7", "10.0.0.9", Some(Direction::Ingress));
        let own = own.finish();
        assert_eq!(own.get("eni-1").map(String::as_str), Some("10.0.0.5"));
        assert_eq!(own.get("eni-2"), None);
        assert_eq!(own.get("eni-3").map(String::as_str), Some("10.0.0.9"));
        assert_eq!(learned_end("10.0.0.5", "10.0.0.5", "x"), Some(End::Src));
        assert_eq!(
            learned_end("2001:db8::1", "2001:db8::2", "2001:DB8:0::1"),
            Some(End::Dst)
        );
        assert_eq!(learned_end("10.0.0.5", "10.0.0.6", "xxx"), None);
    }
}
