//! Connections and what the records say about rejected ones, in English.

use super::{plural, protocol_name};
use crate::message::{Message, msg};
use crate::render::Style;
use crate::render::{endpoint, other_connection};
use vpcflow_diagnose::{
    Cause, Connection, Counts, Finding, Flow, InitiatorBasis, Leg, Needed, Reason, Undecided,
};
use vpcflow_record::Direction;
use vpcflow_record::reading::has_ports;

pub(super) fn connection(c: &Connection, n: usize) -> Message {
    let mut m = crate::render::connection_line(c, n, protocol_name);
    m.text(" — ")
        .text(crate::render::Words::verdict(&super::En, c.verdict));
    if let Some(t) = &c.translated {
        m.append(msg![t " (through NAT as ", m endpoint(t, c.protocol), t ")"]);
    }
    m
}

/// A time in `style`'s zone, to the second.
pub(in crate::render) fn time(style: &Style, t: i64) -> String {
    crate::render::time(style, t, super::DATE_TIME)
}

pub(super) fn when_and_who(c: &Connection, style: &Style) -> Message {
    let mut m = if c.timed {
        msg![time crate::render::span(style, c.start, c.end, super::DATE_TIME)]
    } else {
        msg![t "time not logged"]
    };
    if c.initiator.value.is_some() {
        m.append(msg![
            t "; initiator ", addr c.client.addr, t " (",
            t crate::render::Words::confidence(&super::En, c.initiator.confidence), t ": ",
            m basis(c), t ")"
        ]);
    } else {
        m.append(msg![t "; initiator not known (", m basis(c), t ")"]);
    }
    m
}

fn basis(c: &Connection) -> Message {
    let (sp, cp) = (c.server.port, c.client.port);
    match c.initiator.basis {
        InitiatorBasis::TcpSyn => msg![t "its record carries SYN"],
        InitiatorBasis::TcpSynAck => msg![t "the other side answered with SYN-ACK"],
        InitiatorBasis::WellKnownPort => match c.service {
            Some(s) => msg![t "port ", port sp, t " is ", svc s],
            None => msg![t "port ", port sp, t " is a well-known port, ", port cp, t " is not"],
        },
        InitiatorBasis::EphemeralPort => {
            msg![t "port ", port cp, t " is ephemeral, ", port sp, t " is not"]
        }
        InitiatorBasis::SystemPort => {
            msg![t "port ", port sp, t " is a system port (below 1024), ", port cp, t " is not"]
        }
        InitiatorBasis::FirstSeen => msg![t "its traffic started first"],
        InitiatorBasis::SamePort => msg![
            t "both ends use port ", port sp,
            m c.service.map(|s| msg![t " (", svc s, t ")"]).unwrap_or_default(),
            t ", and the records do not show who spoke first"
        ],
        InitiatorBasis::NoPorts => msg![
            proto protocol_name(c.protocol),
            t " has no ports, and the records do not show who spoke first"
        ],
        InitiatorBasis::PortsUnclear => msg![
            t "ports ", port cp, t " and ", port sp,
            t " do not say which side is the service, and the records do not show who spoke first"
        ],
    }
}

pub(super) fn leg(leg: &Leg) -> Message {
    msg![
        id leg.interface, t " (request ",
        t match leg.request_way {
            Some(Direction::Ingress) => "inbound",
            Some(Direction::Egress) => "outbound",
            None => "direction unknown",
        },
        t if leg.intermediate { ", passing through)" } else { ")" }
    ]
}

pub(super) fn flow(f: &Flow) -> Message {
    crate::render::flow_line(
        f,
        |p, b| msg![t " ", num p, t if p == 1 { " packet " } else { " packets " }, num b, t " bytes"],
    )
}

pub(super) fn conversations_summary(n: &Counts) -> Message {
    msg![t format!(
        "{} from {}: {} allowed both ways, {} request rejected, {} reply rejected, {} one-way",
        plural(n.connections, "connection"),
        plural(n.records, "record"),
        n.allowed_both_ways,
        n.request_rejected,
        n.reply_rejected,
        n.one_way
    )]
}

pub(super) fn diagnoses_summary(n: &Counts) -> Message {
    msg![t format!(
        "{} from {}; {} with something rejected.",
        plural(n.connections, "connection"),
        plural(n.records, "record"),
        n.rejected()
    )]
}

fn rules(way: Option<Direction>) -> &'static str {
    match way {
        Some(Direction::Ingress) => "inbound rules",
        Some(Direction::Egress) => "outbound rules",
        None => "rules",
    }
}

/// `TCP to port 80 from 27.138.93.252`.
fn traffic(c: &Connection) -> Message {
    let p = protocol_name(c.protocol);
    if has_ports(c.protocol) {
        msg![proto p, t " to port ", port c.server.port, t " from ", addr c.client.addr]
    } else {
        msg![proto p, t " from ", addr c.client.addr]
    }
}

fn rejected_part(f: &Finding, c: &Connection) -> Message {
    if !crate::render::rejects_reply(f, c) {
        return traffic(c);
    }
    let p = protocol_name(c.protocol);
    if has_ports(c.protocol) {
        msg![
            t "the reply (", proto p, t " from ", addr c.server.addr, t " to the client's port ",
            port c.client.port, t ")"
        ]
    } else {
        msg![
            t "the reply (", proto p, t " from ", addr c.server.addr, t " to ", addr c.client.addr,
            t ")"
        ]
    }
}

pub(super) fn finding(f: &Finding, c: &Connection) -> Message {
    let iface = &f.interface;
    match f.cause {
        Cause::BlockPublicAccess | Cause::EncryptionControls => {
            super::notes::self_named_cause(f.cause).unwrap_or_default()
        }
        Cause::NetworkAcl => msg![
            t "the network ACL of ", id iface, t "'s subnet: its ", t rules(f.way),
            t " do not allow ", m rejected_part(f, c), t "."
        ],
        Cause::SecurityGroup => msg![
            t "the ", t rules(f.way), t " of ", id iface, t "'s security groups do not allow ",
            m traffic(c), t "."
        ],
        Cause::SecurityGroupOrNetworkAcl => msg![
            t "the ", t rules(f.way), t " of ", id iface,
            t "'s security groups or of its subnet's network ACL do not allow ", m traffic(c), t "."
        ],
        Cause::Routing => msg![
            t "routing: the reply cannot leave ", id iface,
            t " (no route to the client, e.g. the route to the internet gateway was removed or the gateway detached); AWS then logs the incoming request as REJECT."
        ],
        Cause::ClosedConnection => msg![
            t "packets that arrived after the connection had closed, which AWS also logs as REJECT."
        ],
        Cause::NoReply => msg![
            t "no reply came back to ", id iface,
            t ": the server did not answer, or the request or reply was dropped on the way (a missing route, the server's own firewall)."
        ],
    }
}

pub(super) fn reason(r: &Reason, style: &Style) -> Message {
    match r {
        Reason::OtherDirectionAccepted => msg![
            t "one direction was accepted and the other rejected on the same interface at the same time; a security group that let one direction through would have let the other through too (security groups are stateful, network ACLs are not)."
        ],
        Reason::RejectedIsReply => msg![
            t "the rejected record is a reply, and security groups always let replies to allowed traffic through."
        ],
        Reason::NoReplySeen => msg![t "no reply was logged."],
        Reason::AclRejectsInboundReplies { connection } => msg![
            t "at the same time the interface's incoming replies were rejected too (",
            m other_connection(connection, protocol_name),
            t "), which only a network ACL does: it is denying inbound traffic."
        ],
        Reason::OutboundWorks { connection } => msg![
            t "at the same time the interface reached the internet and got replies (",
            m other_connection(connection, protocol_name), t "), so its routing works."
        ],
        Reason::AllowedBefore { connection } => msg![
            t "the same service was allowed both ways earlier (",
            m other_connection(connection, protocol_name), t "): something changed in between."
        ],
        Reason::SilentSince { since } => msg![
            t "since ", time time(style, *since),
            t " the interface has sent nothing at all, which is what losing the route out looks like."
        ],
        Reason::NothingSent => msg![t "the interface sent nothing at all in these records."],
        Reason::RejectReason { value } => msg![t "reject-reason ", val value, t "."],
        Reason::ClosingFlags => msg![t "the rejected packets carry FIN or RST and no SYN."],
    }
}

pub(super) fn needed(n: Needed) -> Message {
    msg![t match n {
        Needed::SecurityGroups => {
            "the interface's security groups (describe-security-groups, describe-network-interfaces)"
        }
        Needed::NetworkAcl => "the network ACL of its subnet (describe-network-acls)",
        Needed::Routes => {
            "the subnet's route table and internet gateway (describe-route-tables, describe-internet-gateways)"
        }
        Needed::TcpFlags => {
            "the tcp-flags field (version 3), which tells who initiated for certain"
        }
        Needed::RejectReason => {
            "the reject-reason field (version 8), which names VPC Block Public Access"
        }
    }]
}

pub(super) fn undecided(u: &Undecided) -> Message {
    match u {
        Undecided::InterfaceMissing { interface } => msg![
            id interface, t " is not in the configuration (describe-network-interfaces)"
        ],
        Undecided::Redacted => msg![t "an address is redacted, so rules cannot be matched"],
        Undecided::WayUnknown => {
            msg![t "which way the traffic crossed the interface is not known"]
        }
    }
}
