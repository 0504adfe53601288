//! An explanation's notes in English.

use super::regions;
use crate::message::{Message, msg};
use crate::note::{AwsOwner, EcsItem, EcsKind, FieldValue, Note, TgwEnd};
use crate::render::{Style, join, labelled, port_text};
use vpcflow_diagnose::Cause;
use vpcflow_record::reading::{DirectionBasis, End};
use vpcflow_record::{AddrScope, Direction, Field, TcpFlags, TrafficPath};

fn way(d: Direction) -> &'static str {
    match d {
        Direction::Ingress => "Inbound",
        Direction::Egress => "Outbound",
    }
}

/// What kind of internal address a scope is.
fn scope_words(scope: Option<AddrScope>) -> &'static str {
    match scope {
        Some(AddrScope::Private) => "a private (RFC 1918) address",
        Some(AddrScope::Shared) => "a shared (100.64.0.0/10) address",
        Some(AddrScope::UniqueLocal) => "a unique local (fc00::/7) address",
        Some(AddrScope::LinkLocal) => "a link-local address",
        Some(AddrScope::Loopback) => "a loopback address",
        Some(AddrScope::Documentation | AddrScope::Public) | None => "a private address",
    }
}

/// The sentence for a cause that names itself (Block Public Access, Encryption Controls): one sentence wherever the
/// fact shows up, in an explanation or a diagnosis.
pub(super) fn self_named_cause(cause: Cause) -> Option<Message> {
    match cause {
        Cause::BlockPublicAccess => Some(msg![
            t "Rejected by VPC Block Public Access (",
            field Field::RejectReason,
            t " ",
            val "BPA",
            t "): the VPC or subnet blocks traffic through internet gateways; security groups and network ACLs were not the cause."
        ]),
        Cause::EncryptionControls => Some(msg![
            t "Rejected by VPC Encryption Controls (",
            field Field::RejectReason,
            t " ",
            val "EC",
            t "), not by a security group or network ACL."
        ]),
        Cause::NetworkAcl
        | Cause::SecurityGroup
        | Cause::SecurityGroupOrNetworkAcl
        | Cause::Routing
        | Cause::ClosedConnection
        | Cause::NoReply => None,
    }
}

pub(super) fn note(note: &Note, _: &Style) -> Message {
    match note {
        Note::NoData => msg![
            t "No traffic reached or left this interface during the aggregation interval (NODATA); the record only marks the interval."
        ],
        Note::SkipData => msg![
            t "Records were skipped during this interval (SKIPDATA) because of an internal capacity limit or an internal error: traffic in this interval may be missing from the log."
        ],
        Note::DirectionField {
            direction,
            transit_gateway,
            addr,
        } => direction_field(direction, transit_gateway, addr),
        Note::DirectionPktAddr { direction, addr } => direction_pkt_addr(direction, addr),
        Note::DirectionLearned { direction, addr } => msg![
            t way(*direction), t ": ", addr addr,
            t " is this interface's own address in its other records, so the traffic ",
            t match direction {
                Direction::Ingress => "came into it.",
                Direction::Egress => "left through it.",
            }
        ],
        Note::DirectionPrivate {
            direction,
            addr,
            scope,
            other_redacted,
        } => direction_private(direction, addr, scope, other_redacted),
        Note::DirectionUnknown { why } => direction_unknown(why),
        Note::RoleTcpSyn { port } => msg![
            t "TCP SYN without ACK: the source is a client opening a connection to port ",
            port port_text(*port), t "."
        ],
        Note::RoleTcpSynFin { port } => msg![
            t "TCP SYN and FIN (3): a short connection the client opened to port ",
            port port_text(*port), t " and closed within one aggregation interval."
        ],
        Note::RoleTcpSynAck { port } => msg![
            t "TCP SYN-ACK: the source is the server on port ", port port_text(*port),
            t " accepting a connection."
        ],
        Note::RoleTcpSynAckFin { port } => msg![
            t "TCP SYN-ACK and FIN (19): the server on port ", port port_text(*port),
            t " accepted and closed a short connection within one aggregation interval."
        ],
        Note::RoleServicePort {
            request,
            service,
            server_port,
            client_port,
            client_ephemeral,
        } => role_service_port(request, service, server_port, client_port, client_ephemeral),
        Note::RoleEphemeralPort {
            request,
            server_port,
            client_port,
        } => role_ephemeral_port(request, server_port, client_port),
        Note::RoleSystemPort {
            request,
            server_port,
            client_port,
        } => role_system_port(request, server_port, client_port),
        Note::RoleSamePort { port, service } => role_same_port(port, service),
        Note::RolePortsUnclear {
            src_port,
            src_service,
            dst_port,
            dst_service,
        } => role_ports_unclear(src_port, src_service, dst_port, dst_service),
        Note::RoleIcmp => msg![
            t "ICMP records carry no message type, so one record cannot tell an echo request from an echo reply; read it together with the record for the opposite direction."
        ],
        Note::TcpFlags { flags } => tcp_flags(TcpFlags(*flags)),
        Note::RejectReasonBpa => self_named_cause(Cause::BlockPublicAccess).unwrap_or_default(),
        Note::RejectReasonEc => self_named_cause(Cause::EncryptionControls).unwrap_or_default(),
        Note::ReplyRejectedLikelyNacl {
            service,
            server_port,
            client_port,
            rules,
        } => reply_rejected_likely_nacl(service, server_port, client_port, rules),
        Note::Rejected { direction } => rejected(direction),
        Note::IcmpRejectHint => msg![
            t "If this is the reply to a ping allowed in the opposite direction, suspect a network ACL: security groups let replies through, while network ACLs check replies against their rules like any other packet."
        ],
        Note::RejectReasonOther { value } => msg![
            field Field::RejectReason, t " is ", val value, t ", a value this version does not know."
        ],
        Note::IntermediateHop {
            end,
            addr,
            packet_addr,
        } => intermediate_hop(end, addr, packet_addr),
        Note::RequesterManagedInterface => msg![
            field Field::InstanceId,
            t " is '-': the interface is not an EC2 instance's own; it is requester-managed (a NAT gateway, a transit gateway attachment, a VPC endpoint, a load balancer, ...) or not attached."
        ],
        Note::Place { .. } => place(note),
        Note::TgwRoute { src, dst } => msg![
            t "Through the transit gateway from ", m tgw_end(src), t " to ", m tgw_end(dst), t "."
        ],
        Note::TgwPairAttachment { attachment } => {
            msg![t "The other attachment of this hop is ", id attachment, t "."]
        }
        Note::TgwNoAction => msg![
            t "Transit gateway flow logs have no action field: they do not say allowed or rejected; packets the gateway dropped are counted in packets-lost-*."
        ],
        Note::TgwPacketsLost {
            no_route,
            blackhole,
            mtu_exceeded,
            ttl_expired,
        } => tgw_packets_lost(no_route, blackhole, mtu_exceeded, ttl_expired),
        Note::TrafficPath { path } => msg![
            t "Egress path (", field Field::TrafficPath, t " ", val path, t "): ",
            t traffic_path(TrafficPath::from_code(*path)), t "."
        ],
        Note::AwsService { end, service } => aws_service(end, service),
        Note::DocumentationAddress { addr } => msg![
            addr addr,
            t " is in a range reserved for documentation (RFC 5737 / RFC 3849): an example value, not a real host."
        ],
        Note::AwsOwner { addr, owner } => aws_owner(addr, owner),
        Note::NotAws { addr } => {
            msg![addr addr, t " is a public address outside AWS's published ranges."]
        }
        Note::Redacted { fields } => redacted(fields),
        Note::InvalidAddress {
            field,
            text,
            over_255,
        } => invalid_address(field, text, over_255),
        Note::Efa => msg![
            t "Elastic Fabric Adapter (EFA) traffic, which bypasses the operating system's network stack."
        ],
        Note::EncryptionStatus { value } => encryption_status(value),
        Note::Ecs { items, fargate } => ecs(items, fargate),
        Note::ResourceId { resource } => msg![t "Resource: ", id resource, t "."],
        Note::InterfaceType { interface_type } => msg![
            t "The interface belongs to ", m interface_type_words(interface_type), t "."
        ],
        Note::NextHop { .. } => next_hop(note),
        Note::Tags { tags } => {
            let mut m = msg![t "Tags: "];
            for (i, tag) in tags.iter().enumerate() {
                if i > 0 {
                    m.text(", ");
                }
                m.append(msg![field tag.field, t " ", val tag.value]);
            }
            m.text(".");
            m
        }
        Note::TimesMissing => msg![
            t "start and end are '-' or redacted, so when this traffic happened is unknown."
        ],
        Note::Milliseconds => msg![
            t "start and end are in milliseconds (values above 10^11), not the usual seconds."
        ],
        Note::EndBeforeStart => msg![t "end is before start: the record's times are inconsistent."],
        Note::AccountUnknown => msg![
            field Field::AccountId,
            t " is 'unknown': AWS writes this for interfaces created by some AWS services."
        ],
    }
}

fn tcp_flags(f: TcpFlags) -> Message {
    let names = f.names();
    let mut m = if names.is_empty() {
        msg![
            field Field::TcpFlags, t " ", val f.0,
            t ": none of the logged flags (SYN, SYN-ACK, FIN, RST) in this interval, so the connection was already open before it and still open after it."
        ]
    } else {
        msg![t "TCP flags in this interval: ", val names.join(" "), t " (", val f.0, t ")."]
    };
    if f.has(TcpFlags::FIN) {
        m.text(" FIN: the sender finished sending and is closing the connection.");
    }
    if f.has(TcpFlags::RST) {
        m.text(
            " RST: the connection was reset (aborted), for example by a closed port or a timeout.",
        );
    }
    let unlogged = TcpFlags(f.0 & !TcpFlags::logged(f.0));
    if unlogged.0 != 0 {
        m.text(" AWS logs only FIN, SYN, RST and SYN-ACK, so ")
            .push(crate::message::Kind::Value, unlogged.names().join(" "))
            .text(" did not come from AWS's own aggregation: the record was written or changed by something else.");
    }
    m
}

fn place(note: &Note) -> Message {
    let Note::Place {
        transit_gateway,
        vpc,
        subnet,
        instance,
        region,
        az,
        sublocation_type,
        sublocation_id,
    } = note
    else {
        return Message::new();
    };
    let mut parts = labelled(&[("VPC ", vpc), ("subnet ", subnet), ("instance ", instance)]);
    if let Some(v) = region {
        let mut m = msg![t "region ", val v];
        if let Some(n) = regions::name(v) {
            m.text(format!(" ({n})"));
        }
        parts.push(m);
    }
    parts.extend(labelled(&[("AZ ", az)]));
    if let Some(t) = sublocation_type {
        let kind = match t.as_str() {
            "wavelength" => "a Wavelength Zone",
            "outpost" => "an Outpost",
            "localzone" => "a Local Zone",
            other => other,
        };
        parts.push(
            msg![t "in ", t kind, t " (", id sublocation_id.as_deref().unwrap_or("-"), t ")"],
        );
    }
    let mut m = msg![t if *transit_gateway { "Recorded in " } else { "Interface: " }];
    m.append(join(parts, ", "));
    m.text(".");
    m
}

fn tgw_end(e: &TgwEnd) -> Message {
    if e.is_empty() {
        return msg![t "outside a VPC (VPN, Direct Connect or peering)"];
    }
    let parts = labelled(&[
        ("account ", &e.account),
        ("subnet ", &e.subnet),
        ("interface ", &e.interface),
        ("AZ ", &e.az),
    ]);
    match &e.vpc {
        Some(v) if parts.is_empty() => msg![t "VPC ", id v],
        Some(v) => msg![t "VPC ", id v, t " (", m join(parts, ", "), t ")"],
        None => join(parts, ", "),
    }
}

fn traffic_path(path: TrafficPath) -> &'static str {
    match path {
        TrafficPath::SameVpc => "to another resource in the same VPC",
        TrafficPath::InternetGatewayOrGatewayEndpoint => {
            "through an internet gateway or a gateway VPC endpoint"
        }
        TrafficPath::VirtualPrivateGateway => "through a virtual private gateway",
        TrafficPath::IntraRegionPeering => "through a VPC peering connection within the region",
        TrafficPath::InterRegionPeering => "through an inter-region VPC peering connection",
        TrafficPath::LocalGateway => "through a local gateway",
        TrafficPath::GatewayEndpointNitro => {
            "through a gateway VPC endpoint (Nitro-based instance)"
        }
        TrafficPath::InternetGatewayNitro => "through an internet gateway (Nitro-based instance)",
        TrafficPath::Other(_) => "by a path code AWS has not documented",
    }
}

fn ecs_kind(k: EcsKind) -> &'static str {
    match k {
        EcsKind::Cluster => "cluster",
        EcsKind::Service => "service",
        EcsKind::Task => "task",
        EcsKind::TaskDefinition => "task definition",
        EcsKind::Container => "container",
        EcsKind::SecondContainer => "second container",
        EcsKind::ContainerInstance => "container instance",
    }
}

/// What an `interface-type` names: `a NAT gateway (nat_gateway)`, or the value as written.
fn interface_type_words(t: &str) -> Message {
    let words = match t {
        "nat_gateway" => "a NAT gateway",
        "regional_nat_gateway" => "a regional NAT gateway",
        "network_load_balancer" => "a Network Load Balancer",
        "transit_gateway" => "a transit gateway attachment",
        "vpc_endpoint" => "a VPC endpoint",
        other => return msg![val other],
    };
    msg![t words, t " (", val t, t ")"]
}

fn next_hop(note: &Note) -> Message {
    let Note::NextHop {
        interface,
        interface_type,
        subnet,
        vpc,
        az,
    } = note
    else {
        return Message::new();
    };
    let mut parts = labelled(&[("interface ", interface)]);
    parts.extend(interface_type.as_deref().map(interface_type_words));
    parts.extend(labelled(&[("subnet ", subnet), ("VPC ", vpc), ("AZ ", az)]));
    msg![t "Next hop: ", m join(parts, ", "), t "."]
}

fn direction_field(
    direction: &Direction,
    transit_gateway: &bool,
    addr: &Option<String>,
) -> Message {
    let mut m =
        msg![t way(*direction), t ": ", field Field::FlowDirection, t " is ", val direction.word()];
    if *transit_gateway {
        m.text(", relative to the transit gateway attachment where the traffic was captured.");
    } else {
        let (went, addr) = (
            match direction {
                Direction::Ingress => ", so the traffic came into the interface and ",
                Direction::Egress => ", so the traffic left the interface and ",
            },
            addr.as_deref().unwrap_or_default(),
        );
        m.append(msg![t went, addr addr, t " is the interface's address."]);
    }
    m
}

fn direction_pkt_addr(direction: &Direction, addr: &str) -> Message {
    match direction {
        Direction::Ingress => msg![
            t "Inbound: ", field Field::Dstaddr, t " ", addr addr,
            t " differs from the packet's destination ", field Field::PktDstaddr,
            t ", so it is this interface's own address and the traffic came into it."
        ],
        Direction::Egress => msg![
            t "Outbound: ", field Field::Srcaddr, t " ", addr addr,
            t " differs from the packet's source ", field Field::PktSrcaddr,
            t ", so it is this interface's own address and the traffic left through it."
        ],
    }
}

fn direction_private(
    direction: &Direction,
    addr: &str,
    scope: &Option<AddrScope>,
    other_redacted: &bool,
) -> Message {
    msg![
        t way(*direction), t ": ", addr addr, t " is ", t scope_words(*scope), t " and ",
        t if *other_redacted {
            "the other side is redacted (people redact public addresses, not their VPC's)"
        } else {
            "the other side is a public address"
        },
        t ", so ", addr addr, t " is this interface's address and the traffic ",
        t match direction {
            Direction::Ingress => "came in from outside.",
            Direction::Egress => "went out.",
        }
    ]
}

fn direction_unknown(why: &DirectionBasis) -> Message {
    msg![
        t "Direction: cannot be told from these fields (",
        t match why {
            DirectionBasis::BothInternal => "both addresses are private",
            DirectionBasis::TransitGateway => {
                "transit gateway records without flow-direction do not say"
            }
            DirectionBasis::NotRecognised
            | DirectionBasis::NoInterface
            | DirectionBasis::NoAddresses
            | DirectionBasis::FlowDirection
            | DirectionBasis::PacketDestination
            | DirectionBasis::PacketSource
            | DirectionBasis::LearnedAddress
            | DirectionBasis::PrivateSide => "neither address is recognisably this interface's",
        },
        t "); a format with ", field Field::FlowDirection, t " would say."
    ]
}

fn role_service_port(
    request: &bool,
    service: &str,
    server_port: &Option<u16>,
    client_port: &Option<u16>,
    client_ephemeral: &bool,
) -> Message {
    let cp = client_port.unwrap_or(0);
    msg![
        t if *request { "Request to " } else { "Response from " }, svc service,
        t if *request { ": destination port " } else { ": source port " },
        port port_text(*server_port), t " is ", svc service, t "'s well-known port and ",
        port cp,
        t if *client_ephemeral { " is an ephemeral client port." } else { " is the client's port." }
    ]
}

/// `Probably a request to a service on port 80` (or a response from one).
fn probably(request: bool, server_port: Option<u16>) -> Message {
    msg![
        t if request {
            "Probably a request to a service on port "
        } else {
            "Probably a response from a service on port "
        },
        port port_text(server_port)
    ]
}

fn role_ephemeral_port(
    request: &bool,
    server_port: &Option<u16>,
    client_port: &Option<u16>,
) -> Message {
    msg![
        m probably(*request, *server_port),
        t if *request { ": the source port " } else { ": the destination port " },
        port port_text(*client_port), t " is in the ephemeral range and ",
        port port_text(*server_port), t " is not."
    ]
}

fn role_system_port(
    request: &bool,
    server_port: &Option<u16>,
    client_port: &Option<u16>,
) -> Message {
    msg![
        m probably(*request, *server_port), t ": ", port port_text(*server_port),
        t " is a system port (below 1024) and ",
        t if *request { "the source port " } else { "the destination port " },
        port port_text(*client_port), t " is not."
    ]
}

fn role_same_port(port: &Option<u16>, service: &Option<String>) -> Message {
    let name = service.as_deref().unwrap_or("?");
    msg![
        t "Both ports are ", port port_text(*port), t " (", svc name, t "): two ",
        svc name, t " peers talking, so the ports do not say which side asked."
    ]
}

fn role_ports_unclear(
    src_port: &u16,
    src_service: &Option<String>,
    dst_port: &u16,
    dst_service: &Option<String>,
) -> Message {
    let named = |m: &mut Message, p: u16, s: &Option<String>| {
        m.append(msg![port p]);
        if let Some(s) = s {
            m.append(msg![t " (", svc s, t ")"]);
        }
    };
    let mut m = msg![t "The ports do not say which side asked: source port "];
    named(&mut m, *src_port, src_service);
    m.text(" and destination port ");
    named(&mut m, *dst_port, dst_service);
    m.text(if src_service.is_some() && dst_service.is_some() {
        " are both services' well-known ports"
    } else {
        " give no sign of which one is the service"
    });
    m.append(msg![
        t "; ", field Field::TcpFlags,
        t ", or the record of the opposite direction, would tell."
    ]);
    m
}

fn reply_rejected_likely_nacl(
    service: &Option<String>,
    server_port: &Option<u16>,
    client_port: &Option<u16>,
    rules: &Option<Direction>,
) -> Message {
    let mut m = msg![t "This looks like a reply (from "];
    if let Some(s) = service {
        m.append(msg![svc s, t " "]);
    }
    m.append(msg![
                t "port ", port port_text(*server_port), t " to client port ",
                port port_text(*client_port),
                t "). Security groups are stateful and always let replies to allowed traffic through, so the likely cause is a network ACL, which is stateless: check that its ",
                t match rules {
                    Some(Direction::Egress) => "outbound rules",
                    Some(Direction::Ingress) => "inbound rules",
                    None => "rules",
                },
                t " allow the client's ephemeral ports (1024-65535)."
            ]);
    m
}

fn rejected(direction: &Option<Direction>) -> Message {
    msg![t match direction {
        Some(Direction::Ingress) => {
            "Rejected: the security group's inbound rules or the subnet's network ACL inbound rules do not allow it (REJECT also covers packets that arrive after a connection has closed)."
        }
        Some(Direction::Egress) => {
            "Rejected: the security group's outbound rules or the subnet's network ACL outbound rules do not allow it (REJECT also covers packets sent after a connection has closed)."
        }
        None => {
            "Rejected: not allowed by a security group or a network ACL (REJECT also covers packets that arrive after a connection has closed)."
        }
    }]
}

fn intermediate_hop(end: &End, addr: &str, packet_addr: &str) -> Message {
    msg![
        t "This interface is an intermediate hop (a NAT gateway, a transit gateway attachment, or a secondary address such as an EKS pod's): the packet ",
        t match end {
            End::Dst => "is addressed to ",
            End::Src => "came from ",
        },
        addr packet_addr, t ", and ", addr addr, t " is the interface's own address."
    ]
}

fn tgw_packets_lost(
    no_route: &Option<i64>,
    blackhole: &Option<i64>,
    mtu_exceeded: &Option<i64>,
    ttl_expired: &Option<i64>,
) -> Message {
    let mut m = msg![t "The transit gateway dropped packets: "];
    let lost = [
        (no_route, "with no route"),
        (blackhole, "to a blackhole route"),
        (mtu_exceeded, "over the MTU"),
        (ttl_expired, "with the TTL expired"),
    ];
    for (i, (n, what)) in lost
        .iter()
        .filter_map(|(n, w)| n.map(|n| (n, *w)))
        .enumerate()
    {
        if i > 0 {
            m.text(", ");
        }
        m.append(msg![num n, t " ", t what]);
    }
    m.text(".");
    m
}

fn aws_service(end: &End, service: &str) -> Message {
    msg![
        t match end {
            End::Src => "The source",
            End::Dst => "The destination",
        },
        t " address is in AWS's ", svc service, t " ranges (",
        field match end {
            End::Src => Field::PktSrcAwsService,
            End::Dst => Field::PktDstAwsService,
        },
        t ")."
    ]
}

fn aws_owner(addr: &str, owner: &AwsOwner) -> Message {
    let mut m = msg![addr addr, t " is an AWS address: "];
    if owner.service == "AMAZON" {
        m.text("AWS (service AMAZON: no more specific service listed)");
    } else {
        m.append(msg![svc owner.service]);
    }
    m.append(msg![t " in ", val owner.region]);
    if let Some(n) = regions::name(&owner.region) {
        m.text(format!(" ({n})"));
    }
    m.append(msg![t ", prefix ", val owner.prefix]);
    if owner.network_border_group != owner.region {
        m.append(msg![t ", network border group ", val owner.network_border_group]);
    }
    m.text(".");
    m
}

fn redacted(fields: &[FieldValue]) -> Message {
    let mut m = msg![t "Redacted: "];
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            m.text(", ");
        }
        m.append(msg![field f.field, t " (", val f.value, t ")"]);
    }
    m.text(". Someone wrote over the real value before sharing the log; it is not an error.");
    m
}

fn invalid_address(field: &Field, text: &str, over_255: &bool) -> Message {
    msg![
        field field, t " ", val text,
        t if *over_255 {
            " is not a valid IPv4 address (a number above 255): probably a made-up example."
        } else {
            " is not a valid IP address."
        }
    ]
}

fn encryption_status(value: &i64) -> Message {
    msg![
        t "Encryption status ", val value, t ": ",
        t match value {
            0 => "not encrypted",
            1 => "encrypted by the Nitro system (VPC Encryption Controls)",
            2 => "application-encrypted (AWS infers this from the port, such as TCP 443 to an endpoint; it does not inspect packets)",
            3 => "encrypted both by the Nitro system and by the application",
            _ => "an undocumented value",
        },
        t "."
    ]
}

fn ecs(items: &[EcsItem], fargate: &bool) -> Message {
    let mut m = msg![t "Amazon ECS: "];
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            m.text(", ");
        }
        m.append(msg![t ecs_kind(item.kind), t " ", id item.value]);
    }
    if *fargate {
        m.text(" (no container instance: probably Fargate)");
    }
    m.text(".");
    m
}
