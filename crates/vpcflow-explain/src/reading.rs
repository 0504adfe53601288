//! The reading of one record as facts: which side is the interface, who asked, the service, what happened and
//! why, who owns the public addresses, when and how much — and the notes that say what each conclusion rests on.
//! No words here: [`crate::render`] says all of it in a language.

use crate::note::{AwsOwner, EcsItem, EcsKind, FieldValue, Note, TgwEnd};
use serde::Serialize;
use std::net::IpAddr;
use vpcflow_catalog::AwsRanges;
use vpcflow_catalog::services;
use vpcflow_diagnose::{CatalogPorts, Cause};
use vpcflow_record::reading::{
    self, Confidence, Decided, DirectionBasis, End, Ends, Evidence, InitiatorBasis, Side,
    SideEvidence,
};
use vpcflow_record::{
    Action, AddrScope, Direction, Field, IpType, LogStatus, Record, TcpFlags, Value,
};

/// Whether the source is the client (request) or the server (response) of the conversation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// From the client to the service.
    Request,
    /// From the service back to the client.
    Response,
    /// Not decidable from the record's fields.
    Unknown,
}

/// What kind of record it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// A network interface's record.
    Vpc,
    /// A transit gateway's record.
    TransitGateway,
}

/// One end of the flow.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Endpoint {
    /// The address as written (`-` gives `None`); may be a redaction placeholder or, in hand-made examples, not
    /// a valid address at all — `redacted` and `valid` tell which.
    pub addr: Option<String>,
    /// Whether the address was written over (`xxx.xxx.xxx.xxx`).
    pub redacted: bool,
    /// Whether the address parses as IPv4 or IPv6.
    pub valid: bool,
    /// Whether the address is private (RFC 1918, 100.64/10, link-local, fc00::/7) rather than internet-routable.
    pub private: bool,
    /// Whether this end is the interface's own address (known only when the direction is).
    pub interface_side: bool,
    /// The port, when the protocol has ports and the record gives one.
    pub port: Option<u16>,
    /// The packet's original address (`pkt-srcaddr` / `pkt-dstaddr`) when it differs from `addr`.
    pub packet_addr: Option<String>,
    /// `pkt-src-aws-service` / `pkt-dst-aws-service`.
    pub aws_service: Option<String>,
    /// The AWS owner of the address from ip-ranges.json, if AWS publishes it.
    pub owner: Option<AwsOwner>,
}

impl Endpoint {
    /// Whether the address is an IPv6 address (shown in brackets before a port).
    pub fn is_ipv6(&self) -> bool {
        self.valid && self.addr.as_deref().is_some_and(|a| a.contains(':'))
    }
}

/// The IP protocol.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Protocol {
    /// The IANA number as logged.
    pub number: u8,
    /// The IANA keyword (or description); `None` for unassigned numbers.
    pub name: Option<String>,
}

/// An instant from a record's `start` or `end`, with whether the record wrote it in milliseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Instant {
    /// The instant.
    pub at: jiff::Timestamp,
    /// Written in milliseconds (values above 10^11) rather than seconds.
    pub millis: bool,
}

impl Instant {
    /// Unix seconds, or milliseconds when the value is too large to be seconds (above 10^11, year 5138).
    pub fn from_field(v: i64) -> Option<Instant> {
        if v > 100_000_000_000 {
            jiff::Timestamp::from_millisecond(v)
                .ok()
                .map(|at| Instant { at, millis: true })
        } else {
            jiff::Timestamp::from_second(v)
                .ok()
                .map(|at| Instant { at, millis: false })
        }
    }
}

/// What rejected the traffic, as far as one record tells.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CauseBasis {
    /// The `reject-reason` field names it.
    RejectReason,
    /// The record is a reply, and only a network ACL rejects replies to allowed traffic.
    RejectedReply,
    /// A rejected request: a security group or a network ACL did not allow it.
    RejectedRequest,
}

/// Everything one record says, read as an expert reads it, as data.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Reading {
    /// Where the record came from (`examples/aws-docs.log:12`).
    pub location: String,
    /// An interface's record or a transit gateway's.
    pub kind: Kind,
    /// The `version` field.
    pub version: Option<i64>,
    /// The network interface (`eni-...`).
    pub interface: Option<String>,
    /// The account that owns the interface (or `unknown`, or a redaction placeholder).
    pub account: Option<String>,
    /// `resource-id` (a regional NAT gateway's records name it instead of an interface).
    pub resource: Option<String>,
    /// The transit gateway (`tgw-id`).
    pub transit_gateway: Option<String>,
    /// The transit gateway attachment (`tgw-attachment-id`).
    pub attachment: Option<String>,
    /// Into or out of the interface, and what that rests on.
    pub direction: Decided<Option<Direction>, DirectionBasis>,
    /// Which end opened the conversation (`a` is the source), and what that rests on.
    pub initiator: Decided<Option<Side>, InitiatorBasis>,
    /// The source.
    pub src: Option<Endpoint>,
    /// The destination.
    pub dst: Option<Endpoint>,
    /// The IP protocol.
    pub protocol: Option<Protocol>,
    /// The well-known service at the server's port (`HTTP`, `NTP`).
    pub service: Option<&'static str>,
    /// `action`.
    pub action: Option<Action>,
    /// For a rejected record: what rejected it, as far as the record tells.
    pub cause: Option<Decided<Cause, CauseBasis>>,
    /// `log-status`.
    pub log_status: Option<LogStatus>,
    /// The first packet.
    #[serde(skip)]
    pub start: Option<Instant>,
    /// The last packet.
    #[serde(skip)]
    pub end: Option<Instant>,
    /// `end - start`, in milliseconds.
    pub duration_ms: Option<i64>,
    /// Packets in the interval.
    pub packets: Option<i64>,
    /// Bytes in the interval.
    pub bytes: Option<i64>,
    /// `tcp-flags`.
    #[serde(skip)]
    pub tcp_flags: Option<TcpFlags>,
    /// Follow-on findings, in reading order.
    pub notes: Vec<Note>,
}

impl Reading {
    /// Request, response or unknown, from the initiator.
    pub fn role(&self) -> Role {
        match self.initiator.value {
            Some(Side::A) => Role::Request,
            Some(Side::B) => Role::Response,
            None => Role::Unknown,
        }
    }

    /// Whether the record only marks an interval (NODATA, SKIPDATA).
    pub fn is_nodata(&self) -> bool {
        matches!(
            self.log_status,
            Some(LogStatus::NoData | LogStatus::SkipData)
        )
    }
}

/// An address field as found.
#[derive(Clone, Debug, PartialEq)]
enum A {
    Ip(IpAddr),
    Redacted(String),
    Invalid(String),
}

impl A {
    fn read(rec: &Record, field: Field) -> Option<A> {
        match rec.addr(field) {
            Some(vpcflow_record::Addr::Ip(ip)) => Some(A::Ip(ip)),
            Some(vpcflow_record::Addr::Redacted(t)) => Some(A::Redacted(t)),
            None => rec.text(field).map(|t| A::Invalid(t.to_string())),
        }
    }

    fn text(&self) -> String {
        match self {
            A::Ip(ip) => ip.to_string(),
            A::Redacted(t) | A::Invalid(t) => t.clone(),
        }
    }

    fn ip(&self) -> Option<IpAddr> {
        match self {
            A::Ip(ip) => Some(*ip),
            _ => None,
        }
    }

    fn is_private(&self) -> bool {
        self.ip().is_some_and(|ip| AddrScope::of(ip).is_internal())
    }
}

/// The record's fields that the decisions read more than once.
struct Fields {
    is_tgw: bool,
    status: Option<LogStatus>,
    proto: Option<u8>,
    src: Option<A>,
    dst: Option<A>,
    pkt_src: Option<A>,
    pkt_dst: Option<A>,
    sport: Option<u16>,
    dport: Option<u16>,
    show_ports: bool,
    flags: Option<TcpFlags>,
    side: SideEvidence,
}

impl Fields {
    fn read(rec: &Record, own: Option<&str>) -> Fields {
        let proto = rec.int(Field::Protocol).map(|p| p as u8);
        let sport = rec.int(Field::Srcport).map(|p| p as u16);
        let dport = rec.int(Field::Dstport).map(|p| p as u16);
        let mut side = SideEvidence::of_record(rec);
        if let (Some(own), Some(s), Some(d)) =
            (own, rec.text(Field::Srcaddr), rec.text(Field::Dstaddr))
        {
            side.learned = reading::learned_end(own, s, d);
        }
        Fields {
            is_tgw: side.transit_gateway,
            status: rec.log_status(),
            proto,
            src: A::read(rec, Field::Srcaddr),
            dst: A::read(rec, Field::Dstaddr),
            pkt_src: A::read(rec, Field::PktSrcaddr),
            pkt_dst: A::read(rec, Field::PktDstaddr),
            sport,
            dport,
            show_ports: proto.is_some_and(reading::has_ports)
                || sport.is_some_and(|p| p != 0)
                || dport.is_some_and(|p| p != 0),
            flags: rec.tcp_flags().filter(|_| proto.is_none_or(|p| p == 6)),
            side,
        }
    }

    fn nodata_like(&self) -> bool {
        matches!(self.status, Some(LogStatus::NoData | LogStatus::SkipData))
    }

    fn ports_shown(&self) -> (Option<u16>, Option<u16>) {
        if self.show_ports {
            (self.sport, self.dport)
        } else {
            (None, None)
        }
    }

    fn service(&self, port: Option<u16>) -> Option<&'static str> {
        match (port, self.proto) {
            (Some(p), Some(pr)) if self.show_ports => services::name(p, pr),
            _ => None,
        }
    }

    fn ends(&self) -> Ends {
        let (s, d) = self.ports_shown();
        Ends {
            protocol: self.proto,
            a_port: s.unwrap_or(0),
            b_port: d.unwrap_or(0),
        }
    }
}

/// Reads one record. `own` is the interface's own address when the caller has learned it from the interface's
/// other records ([`vpcflow_record::reading::OwnAddresses`]).
pub(crate) fn read(ranges: &AwsRanges, rec: &Record, location: &str, own: Option<&str>) -> Reading {
    let f = Fields::read(rec, own);
    let direction = reading::interface_side(&f.side);
    let evidence = Evidence {
        tcp_flags: f.flags.map(|t| t.0),
        first_start: rec.int(Field::Start),
    };
    let initiator = reading::initiator(f.ends(), Some(evidence), None, &CatalogPorts);
    let service = reading::server_port(f.ends(), &initiator).and_then(|p| f.service(Some(p)));
    let start = rec.int(Field::Start).and_then(Instant::from_field);
    let end = rec.int(Field::End).and_then(Instant::from_field);
    let mut r = Reading {
        location: location.to_string(),
        kind: if f.is_tgw {
            Kind::TransitGateway
        } else {
            Kind::Vpc
        },
        version: rec.int(Field::Version),
        interface: rec.text(Field::InterfaceId).map(str::to_string),
        account: rec.text(Field::AccountId).map(str::to_string),
        resource: rec.text(Field::ResourceId).map(str::to_string),
        transit_gateway: rec.text(Field::TgwId).map(str::to_string),
        attachment: rec.text(Field::TgwAttachmentId).map(str::to_string),
        direction,
        initiator,
        src: None,
        dst: None,
        protocol: f.proto.map(|n| Protocol {
            number: n,
            name: vpcflow_catalog::protocols::name(n)
                .or_else(|| vpcflow_catalog::protocols::description(n))
                .map(str::to_string),
        }),
        service,
        action: rec.action(),
        cause: None,
        log_status: f.status,
        start,
        end,
        duration_ms: start
            .zip(end)
            .map(|(s, e)| e.at.as_millisecond() - s.at.as_millisecond()),
        packets: rec.int(Field::Packets),
        bytes: rec.int(Field::Bytes),
        tcp_flags: f.flags,
        notes: Vec::new(),
    };
    r.src = endpoint(ranges, rec, &f, End::Src, &r.direction);
    r.dst = endpoint(ranges, rec, &f, End::Dst, &r.direction);
    let mut notes = Vec::new();
    status_notes(&f, &mut notes);
    direction_notes(&f, &r, &mut notes);
    role_notes(&f, &r, &mut notes);
    if let Some(flags) = f.flags.filter(|_| !f.nodata_like()) {
        notes.push(Note::TcpFlags { flags: flags.0 });
    }
    r.cause = verdict_notes(rec, &f, &r, &mut notes);
    hop_notes(rec, &f, &mut notes);
    place_note(rec, &f, &mut notes);
    if f.is_tgw {
        tgw_notes(rec, &mut notes);
    }
    if let Some(path) = rec.int(Field::TrafficPath) {
        notes.push(Note::TrafficPath { path });
    }
    address_notes(ranges, rec, &f, &r, &mut notes);
    metadata_notes(rec, &mut notes);
    time_notes(rec, &f, &r, &mut notes);
    r.notes = notes;
    r
}

fn endpoint(
    ranges: &AwsRanges,
    rec: &Record,
    f: &Fields,
    end: End,
    direction: &Decided<Option<Direction>, DirectionBasis>,
) -> Option<Endpoint> {
    let (sport, dport) = f.ports_shown();
    let (a, port, pkt, differs, service_field, own_way) = match end {
        End::Src => (
            &f.src,
            sport,
            &f.pkt_src,
            f.side.src_translated,
            Field::PktSrcAwsService,
            Direction::Egress,
        ),
        End::Dst => (
            &f.dst,
            dport,
            &f.pkt_dst,
            f.side.dst_translated,
            Field::PktDstAwsService,
            Direction::Ingress,
        ),
    };
    if a.is_none() && port.is_none() {
        return None;
    }
    let owner = a.as_ref().and_then(A::ip).and_then(|ip| ranges.lookup(ip));
    Some(Endpoint {
        addr: a.as_ref().map(A::text),
        redacted: matches!(a, Some(A::Redacted(_))),
        valid: matches!(a, Some(A::Ip(_))),
        private: a.as_ref().is_some_and(A::is_private),
        interface_side: direction.value == Some(own_way) && !f.is_tgw,
        port,
        packet_addr: pkt.as_ref().filter(|_| differs).map(A::text),
        aws_service: rec.text(service_field).map(str::to_string),
        owner: owner.map(aws_owner),
    })
}

fn aws_owner(o: vpcflow_catalog::Owner) -> AwsOwner {
    AwsOwner {
        service: o.service,
        region: o.region,
        network_border_group: o.network_border_group,
        prefix: o.prefix.to_string(),
    }
}

fn status_notes(f: &Fields, notes: &mut Vec<Note>) {
    match f.status {
        Some(LogStatus::NoData) => notes.push(Note::NoData),
        Some(LogStatus::SkipData) => notes.push(Note::SkipData),
        _ => {}
    }
}

fn direction_notes(f: &Fields, r: &Reading, notes: &mut Vec<Note>) {
    if f.nodata_like() {
        return;
    }
    let text = |a: &Option<A>| a.as_ref().map(A::text).unwrap_or_default();
    let Decided { value, basis, .. } = r.direction;
    let mine = |d: Direction| match d {
        Direction::Ingress => (&f.dst, &f.src),
        Direction::Egress => (&f.src, &f.dst),
    };
    let note = match (value, basis) {
        (Some(d), DirectionBasis::FlowDirection) => Note::DirectionField {
            direction: d,
            transit_gateway: f.is_tgw,
            addr: (!f.is_tgw).then(|| text(mine(d).0)),
        },
        (Some(d), DirectionBasis::PacketDestination | DirectionBasis::PacketSource) => {
            Note::DirectionPktAddr {
                direction: d,
                addr: text(mine(d).0),
            }
        }
        (Some(d), DirectionBasis::LearnedAddress) => Note::DirectionLearned {
            direction: d,
            addr: text(mine(d).0),
        },
        (Some(d), DirectionBasis::PrivateSide) => {
            let (own, other) = mine(d);
            Note::DirectionPrivate {
                direction: d,
                addr: text(own),
                scope: own.as_ref().and_then(A::ip).map(AddrScope::of),
                other_redacted: matches!(other, Some(A::Redacted(_))),
            }
        }
        (_, DirectionBasis::NoAddresses) => return,
        (_, why) => Note::DirectionUnknown { why },
    };
    notes.push(note);
}

fn role_notes(f: &Fields, r: &Reading, notes: &mut Vec<Note>) {
    let (sport, dport) = f.ports_shown();
    let request = r.role() == Role::Request;
    let (server_port, client_port) = if request {
        (dport, sport)
    } else {
        (sport, dport)
    };
    let fin = f.flags.is_some_and(|t| t.has(TcpFlags::FIN));
    let note = match r.initiator.basis {
        InitiatorBasis::TcpSyn if fin => Note::RoleTcpSynFin { port: f.dport },
        InitiatorBasis::TcpSyn => Note::RoleTcpSyn { port: f.dport },
        InitiatorBasis::TcpSynAck if fin => Note::RoleTcpSynAckFin { port: f.sport },
        InitiatorBasis::TcpSynAck => Note::RoleTcpSynAck { port: f.sport },
        InitiatorBasis::WellKnownPort | InitiatorBasis::SystemPort if r.service.is_some() => {
            Note::RoleServicePort {
                request,
                service: r.service.unwrap_or_default().to_string(),
                server_port,
                client_port,
                client_ephemeral: services::is_ephemeral(client_port.unwrap_or(0)),
            }
        }
        InitiatorBasis::WellKnownPort | InitiatorBasis::SystemPort => Note::RoleSystemPort {
            request,
            server_port,
            client_port,
        },
        InitiatorBasis::EphemeralPort => Note::RoleEphemeralPort {
            request,
            server_port,
            client_port,
        },
        // One record has one direction: who spoke first is never its evidence.
        InitiatorBasis::FirstSeen => return,
        InitiatorBasis::SamePort => Note::RoleSamePort {
            port: f.sport,
            service: r.service.map(str::to_string),
        },
        InitiatorBasis::PortsUnclear if !f.nodata_like() => Note::RolePortsUnclear {
            src_port: f.sport.unwrap_or(0),
            src_service: f.service(sport).map(str::to_string),
            dst_port: f.dport.unwrap_or(0),
            dst_service: f.service(dport).map(str::to_string),
        },
        InitiatorBasis::NoPorts if matches!(f.proto, Some(1 | 58)) && !f.nodata_like() => {
            Note::RoleIcmp
        }
        InitiatorBasis::PortsUnclear | InitiatorBasis::NoPorts => return,
    };
    notes.push(note);
}

/// The notes about the action, and what rejected a rejected record.
fn verdict_notes(
    rec: &Record,
    f: &Fields,
    r: &Reading,
    notes: &mut Vec<Note>,
) -> Option<Decided<Cause, CauseBasis>> {
    if r.action != Some(Action::Reject) {
        return None;
    }
    let decided = |value, basis, confidence| Decided {
        value,
        basis,
        confidence,
    };
    let reason = rec.text(Field::RejectReason);
    match reason {
        Some("BPA") => {
            notes.push(Note::RejectReasonBpa);
            return Some(decided(
                Cause::BlockPublicAccess,
                CauseBasis::RejectReason,
                Confidence::Certain,
            ));
        }
        Some("EC") => {
            notes.push(Note::RejectReasonEc);
            return Some(decided(
                Cause::EncryptionControls,
                CauseBasis::RejectReason,
                Confidence::Certain,
            ));
        }
        _ => {}
    }
    let cause = if r.role() == Role::Response {
        let (sport, dport) = f.ports_shown();
        notes.push(Note::ReplyRejectedLikelyNacl {
            service: r.service.map(str::to_string),
            server_port: sport,
            client_port: dport,
            rules: r.direction.value,
        });
        decided(
            Cause::NetworkAcl,
            CauseBasis::RejectedReply,
            Confidence::Likely,
        )
    } else {
        notes.push(Note::Rejected {
            direction: r.direction.value,
        });
        if matches!(f.proto, Some(1 | 58)) {
            notes.push(Note::IcmpRejectHint);
        }
        decided(
            Cause::SecurityGroupOrNetworkAcl,
            CauseBasis::RejectedRequest,
            Confidence::Likely,
        )
    };
    if let Some(value) = reason.filter(|v| !v.is_empty()) {
        notes.push(Note::RejectReasonOther {
            value: value.to_string(),
        });
    }
    Some(cause)
}

fn hop_notes(rec: &Record, f: &Fields, notes: &mut Vec<Note>) {
    let text = |a: &Option<A>| a.as_ref().map(A::text).unwrap_or_default();
    if f.side.dst_translated {
        notes.push(Note::IntermediateHop {
            end: End::Dst,
            addr: text(&f.dst),
            packet_addr: text(&f.pkt_dst),
        });
    }
    if f.side.src_translated {
        notes.push(Note::IntermediateHop {
            end: End::Src,
            addr: text(&f.src),
            packet_addr: text(&f.pkt_src),
        });
    }
    if !f.nodata_like() && matches!(rec.get(Field::InstanceId), Some(Value::Absent)) {
        notes.push(Note::RequesterManagedInterface);
    }
}

fn place_note(rec: &Record, f: &Fields, notes: &mut Vec<Note>) {
    let text = |field| rec.text(field).map(str::to_string);
    let fields = [
        Field::VpcId,
        Field::SubnetId,
        Field::InstanceId,
        Field::Region,
        Field::AzId,
        Field::SublocationType,
    ];
    if fields.iter().all(|field| rec.text(*field).is_none()) {
        return;
    }
    let sublocation_type = text(Field::SublocationType);
    notes.push(Note::Place {
        transit_gateway: f.is_tgw,
        vpc: text(Field::VpcId),
        subnet: text(Field::SubnetId),
        instance: text(Field::InstanceId),
        region: text(Field::Region),
        az: text(Field::AzId),
        sublocation_id: sublocation_type
            .as_ref()
            .map(|_| text(Field::SublocationId).unwrap_or_else(|| "-".into())),
        sublocation_type,
    });
}

fn tgw_notes(rec: &Record, notes: &mut Vec<Note>) {
    let side = |vpc: Field, account: Field, subnet: Field, interface: Field, az: Field| TgwEnd {
        vpc: rec.text(vpc).map(str::to_string),
        account: rec.text(account).map(str::to_string),
        subnet: rec.text(subnet).map(str::to_string),
        interface: rec.text(interface).map(str::to_string),
        az: rec.text(az).map(str::to_string),
    };
    let src = side(
        Field::TgwSrcVpcId,
        Field::TgwSrcVpcAccountId,
        Field::TgwSrcSubnetId,
        Field::TgwSrcEni,
        Field::TgwSrcAzId,
    );
    let dst = side(
        Field::TgwDstVpcId,
        Field::TgwDstVpcAccountId,
        Field::TgwDstSubnetId,
        Field::TgwDstEni,
        Field::TgwDstAzId,
    );
    if !src.is_empty() || !dst.is_empty() {
        notes.push(Note::TgwRoute { src, dst });
    }
    if let Some(p) = rec.text(Field::TgwPairAttachmentId) {
        notes.push(Note::TgwPairAttachment {
            attachment: p.to_string(),
        });
    }
    if !rec.has(Field::Action) {
        notes.push(Note::TgwNoAction);
    }
    let lost = |field| rec.int(field).filter(|n| *n > 0);
    let (no_route, blackhole, mtu_exceeded, ttl_expired) = (
        lost(Field::PacketsLostNoRoute),
        lost(Field::PacketsLostBlackhole),
        lost(Field::PacketsLostMtuExceeded),
        lost(Field::PacketsLostTtlExpired),
    );
    if no_route.is_some() || blackhole.is_some() || mtu_exceeded.is_some() || ttl_expired.is_some()
    {
        notes.push(Note::TgwPacketsLost {
            no_route,
            blackhole,
            mtu_exceeded,
            ttl_expired,
        });
    }
}

/// The AWS services the record names, who owns its public addresses, and what was redacted or is not an address.
fn address_notes(ranges: &AwsRanges, rec: &Record, f: &Fields, r: &Reading, notes: &mut Vec<Note>) {
    for (ep, end) in [(&r.src, End::Src), (&r.dst, End::Dst)] {
        if let Some(s) = ep.as_ref().and_then(|e| e.aws_service.as_deref()) {
            notes.push(Note::AwsService {
                end,
                service: s.to_string(),
            });
        }
    }
    let mut seen: Vec<IpAddr> = Vec::new();
    for a in [&f.src, &f.dst, &f.pkt_src, &f.pkt_dst]
        .into_iter()
        .flatten()
    {
        let A::Ip(ip) = a else { continue };
        let scope = AddrScope::of(*ip);
        if seen.contains(ip) || scope.is_internal() {
            continue;
        }
        seen.push(*ip);
        let addr = ip.to_string();
        if scope == AddrScope::Documentation {
            notes.push(Note::DocumentationAddress { addr });
            continue;
        }
        match ranges.lookup(*ip) {
            Some(owner) => notes.push(Note::AwsOwner {
                addr,
                owner: aws_owner(owner),
            }),
            None if ip.is_unspecified() || ip.is_multicast() => {}
            None => notes.push(Note::NotAws { addr }),
        }
    }
    let redacted: Vec<FieldValue> = rec
        .values()
        .iter()
        .filter_map(|(field, v)| match v {
            Value::Text(t) if vpcflow_record::values::is_redacted(t.as_bytes()) => {
                Some(FieldValue {
                    field: *field,
                    value: t.clone(),
                })
            }
            _ => None,
        })
        .collect();
    if !redacted.is_empty() {
        notes.push(Note::Redacted { fields: redacted });
    }
    for (field, a) in [
        (Field::Srcaddr, &f.src),
        (Field::Dstaddr, &f.dst),
        (Field::PktSrcaddr, &f.pkt_src),
        (Field::PktDstaddr, &f.pkt_dst),
    ] {
        if let Some(A::Invalid(t)) = a {
            let parts: Vec<&str> = t.split('.').collect();
            let over_255 = parts.len() == 4
                && parts
                    .iter()
                    .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
                && parts
                    .iter()
                    .any(|p| p.parse::<u32>().map_or(true, |v| v > 255));
            notes.push(Note::InvalidAddress {
                field,
                text: t.clone(),
                over_255,
            });
        }
    }
}

/// Type, encryption, ECS and the version 11 metadata.
fn metadata_notes(rec: &Record, notes: &mut Vec<Note>) {
    if rec.ip_type() == Some(IpType::Efa) {
        notes.push(Note::Efa);
    }
    if let Some(value) = rec.int(Field::EncryptionStatus) {
        notes.push(Note::EncryptionStatus { value });
    }
    ecs_note(rec, notes);
    let text = |field| rec.text(field).map(str::to_string);
    if let Some(resource) = text(Field::ResourceId) {
        notes.push(Note::ResourceId { resource });
    }
    if let Some(interface_type) = text(Field::InterfaceType) {
        notes.push(Note::InterfaceType { interface_type });
    }
    let next = Note::NextHop {
        interface: text(Field::NextHopInterfaceId),
        interface_type: text(Field::NextHopInterfaceType),
        subnet: text(Field::NextHopSubnetId),
        vpc: text(Field::NextHopVpcId),
        az: text(Field::NextHopAzId),
    };
    if [
        Field::NextHopInterfaceId,
        Field::NextHopInterfaceType,
        Field::NextHopSubnetId,
        Field::NextHopVpcId,
        Field::NextHopAzId,
    ]
    .iter()
    .any(|f| rec.text(*f).is_some())
    {
        notes.push(next);
    }
    let tags: Vec<FieldValue> = [
        Field::InstanceTag,
        Field::InstanceTag2,
        Field::InterfaceTag,
        Field::InterfaceTag2,
        Field::AsgTag,
        Field::AsgTag2,
    ]
    .into_iter()
    .filter_map(|field| {
        rec.text(field).map(|v| FieldValue {
            field,
            value: percent_decode(v),
        })
    })
    .collect();
    if !tags.is_empty() {
        notes.push(Note::Tags { tags });
    }
}

fn ecs_note(rec: &Record, notes: &mut Vec<Note>) {
    let fields = [
        (Field::EcsClusterName, EcsKind::Cluster),
        (Field::EcsClusterArn, EcsKind::Cluster),
        (Field::EcsServiceName, EcsKind::Service),
        (Field::EcsTaskId, EcsKind::Task),
        (Field::EcsTaskArn, EcsKind::Task),
        (Field::EcsTaskDefinitionArn, EcsKind::TaskDefinition),
        (Field::EcsContainerId, EcsKind::Container),
        (Field::EcsSecondContainerId, EcsKind::SecondContainer),
        (Field::EcsContainerInstanceId, EcsKind::ContainerInstance),
        (Field::EcsContainerInstanceArn, EcsKind::ContainerInstance),
    ];
    let mut items: Vec<EcsItem> = Vec::new();
    for (field, kind) in fields {
        if items.iter().any(|i| i.kind == kind) {
            continue;
        }
        if let Some(v) = rec.text(field) {
            items.push(EcsItem {
                kind,
                value: v.to_string(),
            });
        }
    }
    if !items.is_empty() {
        let fargate = matches!(rec.get(Field::EcsContainerInstanceId), Some(Value::Absent));
        notes.push(Note::Ecs { items, fargate });
    }
}

fn time_notes(rec: &Record, f: &Fields, r: &Reading, notes: &mut Vec<Note>) {
    let timed = r.start.is_some() && r.end.is_some();
    if !timed && rec.has(Field::Start) && rec.has(Field::End) && !f.nodata_like() {
        notes.push(Note::TimesMissing);
    }
    if r.start.is_some_and(|t| t.millis) || r.end.is_some_and(|t| t.millis) {
        notes.push(Note::Milliseconds);
    }
    if r.duration_ms.is_some_and(|d| d < 0) {
        notes.push(Note::EndBeforeStart);
    }
    if rec.text(Field::AccountId) == Some("unknown") {
        notes.push(Note::AccountUnknown);
    }
}

/// Tag values arrive percent-encoded UTF-8; shown decoded when that decodes cleanly, else as written.
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if b[i] == b'%'
            && i + 2 < b.len()
            && let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2]))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("web%20server"), "web server");
        assert_eq!(percent_decode("%E6%9D%B1%E4%BA%AC"), "東京");
        assert_eq!(percent_decode("100%"), "100%");
    }

    #[test]
    fn milliseconds_are_recognised() {
        assert!(!Instant::from_field(1676320247).unwrap().millis);
        let t = Instant::from_field(1676320247123).unwrap();
        assert!(t.millis);
        assert_eq!(t.at.as_second(), 1676320247);
    }
}
