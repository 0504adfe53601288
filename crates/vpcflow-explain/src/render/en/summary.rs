//! The grouped summary of `diagnose`, in English.

use super::protocol_name;
use crate::message::{Message, msg};
use crate::render::{count, endpoint, join};
use vpcflow_diagnose::summary::{ControlKey, Example, Group, GroupKey};
use vpcflow_diagnose::{Agreement, Cause, Undecided, Which};
use vpcflow_netmodel::AclEntry;
use vpcflow_record::Direction;
use vpcflow_record::reading::Confidence;

fn dir(d: Direction) -> &'static str {
    match d {
        Direction::Ingress => "inbound",
        Direction::Egress => "outbound",
    }
}

fn n(v: usize) -> String {
    count(v as i64)
}

fn things(v: usize, one: &str, many: &str) -> Message {
    msg![num n(v), t " ", t if v == 1 { one } else { many }]
}

fn control(c: &ControlKey) -> Message {
    match c {
        ControlKey::SecurityGroups { direction, groups } => msg![
            t "security groups ", id groups.join(", "), t ": no ", t dir(*direction), t " rule allows it"
        ],
        ControlKey::NetworkAcl {
            direction,
            acl_id,
            rule,
        } => {
            let rule = if *rule == AclEntry::STAR {
                "*".to_string()
            } else {
                rule.to_string()
            };
            msg![t "network ACL ", id acl_id, t " ", t dir(*direction), t " rule ", rule rule]
        }
        ControlKey::Route {
            table_id,
            route: Some(route),
        } => msg![t "route table ", id table_id, t ": route ", rule route, t " leads nowhere"],
        ControlKey::Route {
            table_id,
            route: None,
        } => msg![t "route table ", id table_id, t ": no route"],
        ControlKey::InternetGateway {
            vpc_id,
            attached: false,
        } => msg![t "no internet gateway attached to ", id vpc_id],
        ControlKey::InternetGateway {
            vpc_id,
            attached: true,
        } => msg![t "no public address on the interface (", id vpc_id, t ")"],
    }
}

fn cause(c: Cause) -> &'static str {
    match c {
        Cause::BlockPublicAccess => "VPC Block Public Access",
        Cause::EncryptionControls => "VPC Encryption Controls",
        Cause::NetworkAcl => "the network ACL",
        Cause::SecurityGroup => "a security group",
        Cause::SecurityGroupOrNetworkAcl => "a security group or the network ACL",
        Cause::Routing => "routing: the reply cannot leave",
        Cause::ClosedConnection => "packets after the connection closed",
        Cause::NoReply => "no reply came back",
    }
}

/// What rejected them.
fn what(key: &GroupKey) -> Message {
    match key {
        GroupKey::Control {
            which,
            control: c,
            agreement,
        } => {
            let mut m = control(c);
            if *which == Which::Reply {
                m.text(" (the reply)");
            }
            if *agreement == Agreement::Differs {
                m.text(", though the records show the other direction rejected");
            }
            m
        }
        GroupKey::Configuration {
            agreement: Agreement::ConfigAllows,
            ..
        } => {
            msg![t "the configuration allows them now (changed since the records, or packets after the connection closed)"]
        }
        GroupKey::Configuration {
            undecided: Some(Undecided::InterfaceMissing { .. }),
            ..
        } => msg![t "not decided: the interface is not in the configuration"],
        GroupKey::Configuration {
            undecided: Some(Undecided::Redacted),
            ..
        } => msg![t "not decided: an address is redacted"],
        GroupKey::Configuration {
            undecided: Some(Undecided::WayUnknown),
            ..
        } => msg![t "not decided: which way the traffic crossed the interface is not known"],
        GroupKey::Configuration { .. } => {
            msg![t "not decided: part of the configuration is missing or unreadable"]
        }
        GroupKey::Reading {
            cause: c,
            way,
            confidence,
        } => {
            let sure = match confidence {
                Confidence::Certain => "certainly",
                Confidence::Likely => "likely",
                Confidence::Possible => "possibly",
            };
            let mut m = msg![t sure, t " ", t cause(*c)];
            if let Some(d) = way {
                m.text(format!(" ({} rules)", dir(*d)));
            }
            m
        }
    }
}

pub(super) fn group(g: &Group) -> Message {
    let mut kinds = Vec::new();
    for (v, one, many) in [
        (g.requests_rejected, "request rejected", "requests rejected"),
        (g.replies_rejected, "reply rejected", "replies rejected"),
        (g.unanswered, "request unanswered", "requests unanswered"),
    ] {
        if v > 0 {
            kinds.push(things(v, one, many));
        }
    }
    let at_least = if g.capped { "at least " } else { "" };
    let mut m = msg![
        m what(&g.key), t ": ", m join(kinds, ", "),
        t ", from ", t at_least, m things(g.clients, "client", "clients"),
        t " to ", m things(g.interfaces, "interface", "interfaces")
    ];
    let ports: Vec<Message> = g
        .ports
        .iter()
        .map(|(p, port, v)| {
            if vpcflow_record::reading::has_ports(*p) {
                msg![proto protocol_name(*p), t " ", port *port, t " (", num n(*v), t ")"]
            } else {
                msg![proto protocol_name(*p), t " (", num n(*v), t ")"]
            }
        })
        .collect();
    if !ports.is_empty() {
        m.text("; ").append(join(ports, ", "));
    }
    m
}

pub(super) fn examples(examples: &[Example]) -> Message {
    let each: Vec<Message> = examples
        .iter()
        .map(|e| {
            msg![
                t format!("#{} ", e.number), proto protocol_name(e.protocol), t " ",
                m endpoint(&e.client, e.protocol), t " → ", m endpoint(&e.server, e.protocol)
            ]
        })
        .collect();
    msg![t "e.g. ", m join(each, "; ")]
}

pub(super) fn more_groups(groups: usize, connections: usize) -> Message {
    msg![
        t "… and ", m things(groups, "more group", "more groups"), t " of ",
        m things(connections, "connection", "connections"), t "."
    ]
}
