//! The configuration's answer in English: each control a packet meets, what dropped it, and the smallest fix.

use super::protocol_name;
use crate::message::{Message, msg};
use crate::render::Words;
use vpcflow_diagnose::Which;
use vpcflow_netmodel::{
    AclEntry, Control, Fix, Missing, NearMiss, Packet, PathCheck, PortSpec, Proto, Step,
    StepOutcome,
};
use vpcflow_record::Direction;
use vpcflow_record::reading::has_ports;

fn dir(d: Direction) -> &'static str {
    super::En.direction(d)
}

/// The words of a port range and an ICMP type.
const PORT_WORDS: crate::render::PortWords = crate::render::PortWords {
    protocol_name,
    all_types: "(all types)",
    echo_request: "echo request ",
    echo_reply: "echo reply ",
};

fn ports(protocol: u8, p: &PortSpec) -> Message {
    crate::render::ports(protocol, p, &PORT_WORDS)
}

fn rule_proto(protocol: Proto, p: &PortSpec) -> Message {
    match protocol {
        Proto::All => msg![t "all traffic"],
        Proto::Number(n) => ports(n, p),
    }
}

fn acl_rule(e: &AclEntry) -> Message {
    let number = if e.is_star() {
        "*".to_string()
    } else {
        e.rule_number.to_string()
    };
    msg![
        t if e.egress { "outbound" } else { "inbound" }, t " rule ", rule number, t " ",
        t if e.allow { "allows" } else { "denies" }, t " ", m rule_proto(e.protocol, &e.ports),
        t if e.egress { " to " } else { " from " }, val e.cidr
    ]
}

/// The packet as the rules see it: `TCP to port 80 from 27.138.93.252`, `ICMP echo reply (…) to 203.0.113.12`.
fn packet(p: &Packet) -> Message {
    let peer = match p.direction {
        Direction::Ingress => p.src,
        Direction::Egress => p.dst,
    };
    let inbound = p.direction == Direction::Ingress;
    if has_ports(p.protocol) {
        let proto = protocol_name(p.protocol);
        if inbound {
            msg![proto proto, t " to port ", port p.dst_port, t " from ", addr peer]
        } else {
            msg![proto proto, t " to ", addr peer, t " port ", port p.dst_port]
        }
    } else {
        let kind = match p.icmp {
            Some((t, c)) => ports(
                p.protocol,
                &PortSpec::Icmp {
                    icmp_type: Some(t),
                    code: Some(c),
                },
            ),
            None => msg![proto protocol_name(p.protocol)],
        };
        msg![m kind, t if inbound { " from " } else { " to " }, addr peer]
    }
}

pub(super) fn step(step: &Step, p: &Packet) -> Message {
    let what = packet(p);
    match &step.control {
        Control::SecurityGroup {
            direction,
            groups,
            allowed_by,
            stateful,
            unresolved,
        } => {
            let d = dir(*direction);
            let groups = groups.join(", ");
            if *stateful {
                return msg![
                    t "security groups (", id groups,
                    t "): allowed as part of a connection already allowed (stateful)"
                ];
            }
            if let Some((g, rule)) = allowed_by {
                return msg![
                    t "security group ", id g, t ": ", t d, t " rule ",
                    m rule_proto(rule.protocol, &rule.ports),
                    t if *direction == Direction::Egress { " to " } else { " from " },
                    val rule.peer, t " allows ", m what
                ];
            }
            if step.outcome == StepOutcome::Unknown {
                return msg![
                    t "security groups (", id groups, t "): no ", t d,
                    t " rule that could be evaluated allows ", m what, t "; not decided: ",
                    val unresolved.join("; ")
                ];
            }
            msg![t "security groups (", id groups, t "): no ", t d, t " rule allows ", m what]
        }
        Control::NetworkAcl {
            direction,
            acl_id,
            rule,
            same_subnet,
        } => {
            if *same_subnet {
                return msg![t "network ACL ", id acl_id, t ": not applied within its own subnet"];
            }
            let d = dir(*direction);
            let mut m = match rule {
                Some(e) if e.allow => {
                    msg![t "network ACL ", id acl_id, t ": ", m acl_rule(e), t " — ", m what]
                }
                Some(e) if e.is_star() => msg![
                    t "network ACL ", id acl_id, t " has no ", t d, t " rule allowing ", m what,
                    t "; the final * rule denies it"
                ],
                Some(e) => msg![
                    t "network ACL ", id acl_id, t " has no ", t d, t " rule before rule ",
                    rule e.rule_number, t " allowing ", m what, t "; ", m acl_rule(e)
                ],
                None => msg![t "network ACL ", id acl_id, t ": not decided"],
            };
            if step.outcome == StepOutcome::Unknown {
                m.text(" (not decided: some of its rules could not be read)");
            }
            m
        }
        Control::Route {
            table_id,
            destination,
            route,
            gateway_attached,
            public_address,
        } => match route {
            None => msg![
                t "route table ", id table_id, t " has no route to ", val destination,
                t " (no 0.0.0.0/0 route to an internet gateway), so the packet cannot leave"
            ],
            Some(r) if !r.active && *gateway_attached == Some(false) => msg![
                t "route table ", id table_id, t ": route ", rule r.destination, t " → ",
                id r.target.id, t " is a blackhole: the internet gateway is detached from the VPC"
            ],
            Some(r) if !r.active => msg![
                t "route table ", id table_id, t ": route ", rule r.destination, t " → ",
                id r.target.id, t " is a blackhole (its target no longer exists)"
            ],
            Some(r) if *gateway_attached == Some(false) => msg![
                t "route table ", id table_id, t ": route ", rule r.destination, t " → ",
                id r.target.id, t ", but the internet gateway is not attached to the VPC"
            ],
            Some(r) if *public_address == Some(false) => msg![
                t "route table ", id table_id, t ": route ", rule r.destination, t " → ",
                id r.target.id, t ", but the interface has no public IPv4 address to use there"
            ],
            Some(r) => msg![
                t "route table ", id table_id, t ": ", val destination, t " goes by route ",
                rule r.destination, t " → ", id r.target.id
            ],
        },
        Control::InternetGateway {
            vpc_id,
            gateway_id,
            attached,
            public_address,
        } => {
            let g = gateway_id.clone().unwrap_or_else(|| "-".into());
            match (attached, public_address) {
                (true, true) => msg![
                    t "internet gateway ", id g, t " is attached to ", id vpc_id,
                    t " and the interface has a public address"
                ],
                (false, _) => msg![
                    t "no internet gateway is attached to ", id vpc_id,
                    t ": traffic from the internet cannot come in, nor replies go out"
                ],
                (true, false) => msg![
                    t "the interface has no public IPv4 address, so traffic from the internet cannot reach it through ",
                    id g
                ],
            }
        }
        Control::Missing { what } => {
            msg![t "not decided: ", m missing(what), t " is not in the configuration"]
        }
    }
}

/// What configuration was missing: `network interface eni-…`, `describe-route-tables`.
fn missing(what: &Missing) -> Message {
    match what {
        Missing::Interface { interface } => msg![t "network interface ", id interface],
        Missing::Describe { command } => msg![val command],
        Missing::SubnetAcl { subnet } => msg![t "the network ACL of ", id subnet],
        Missing::SubnetRouteTable { subnet } => msg![t "the route table of ", id subnet],
    }
}

pub(super) fn fix(fix: &Fix) -> Message {
    match fix {
        Fix::AddSecurityGroupRule {
            group_id,
            direction,
            protocol,
            ports: p,
            cidr,
        } => {
            let (d, w) = match direction {
                Direction::Ingress => ("inbound", " from "),
                Direction::Egress => ("outbound", " to "),
            };
            msg![
                t format!("add an {d} rule to "), id group_id, t ": ", m ports(*protocol, p), t w,
                val cidr
            ]
        }
        Fix::AddNetworkAclRule {
            acl_id,
            direction,
            rule_number,
            protocol,
            ports: p,
            cidr,
        } => {
            let (d, w) = match direction {
                Direction::Ingress => ("inbound", " from "),
                Direction::Egress => ("outbound", " to "),
            };
            msg![
                t format!("add {d} rule "), rule rule_number, t " to ", id acl_id, t ": allow ",
                m ports(*protocol, p), t w, val cidr,
                t " (or a wider range, such as 0.0.0.0/0, if the other side varies)"
            ]
        }
        Fix::AddRoute {
            table_id,
            destination,
            target,
        } => match target {
            Some(t) => msg![
                t "add the route ", rule destination, t " → ", id t, t " to ", id table_id
            ],
            None => msg![
                t "add a route for ", val destination, t " to ", id table_id,
                t " (through an internet gateway attached to the VPC, or the gateway that reaches it)"
            ],
        },
        Fix::ReplaceBlackholeRoute {
            table_id,
            destination,
            old_target,
        } => msg![
            t "replace the blackhole route ", rule destination, t " → ", id old_target, t " in ",
            id table_id, t " with a target that exists"
        ],
        Fix::AttachInternetGateway { gateway_id, vpc_id } => match gateway_id {
            Some(g) => msg![t "attach ", id g, t " to ", id vpc_id],
            None => msg![t "create an internet gateway and attach it to ", id vpc_id],
        },
        Fix::AssociatePublicAddress { interface_id } => msg![
            t "associate an Elastic IP (a public IPv4 address) with ", id interface_id
        ],
    }
}

fn control(c: &Control) -> Message {
    match c {
        Control::SecurityGroup {
            direction, groups, ..
        } => msg![
            t "the ", t dir(*direction), t " rules of security groups ", id groups.join(", ")
        ],
        Control::NetworkAcl {
            direction, acl_id, ..
        } => msg![t "the ", t dir(*direction), t " rules of network ACL ", id acl_id],
        Control::Route { table_id, .. } => msg![t "route table ", id table_id],
        Control::InternetGateway { vpc_id, .. } => {
            msg![t "the internet gateway of ", id vpc_id]
        }
        Control::Missing { what } => missing(what),
    }
}

pub(super) fn dropped_by(which: Which, c: &Control) -> Message {
    msg![
        t "→ ",
        t match which {
            Which::Request => "the request",
            Which::Reply => "the reply",
        },
        t " is dropped by ", m control(c), t "."
    ]
}

pub(super) fn check_answer(check: &PathCheck, protocol: u8) -> Message {
    let Some(first) = check.packets.first() else {
        return Message::new();
    };
    let ep = |a: std::net::IpAddr, p: u16| {
        if has_ports(protocol) {
            msg![addr a, t ":", port p]
        } else {
            msg![addr a]
        }
    };
    msg![
        proto protocol_name(protocol), t " ", m ep(first.src, first.src_port), t " → ",
        m ep(first.dst, first.dst_port), t ": ",
        t match (check.allowed, check.certain) {
            (true, true) => "allowed",
            (true, false) => "allowed as far as the configuration says (some steps undecided)",
            (false, _) => "NOT allowed",
        }
    ]
}

pub(super) fn contradicted(s: &Step, p: &Packet) -> Message {
    msg![
        m step(s, p),
        t " — yet the interface logged this packet, so the configuration snapshot disagrees with the log (it shows the VPC as it was at another time); the rules after it are evaluated as if the packet came in"
    ]
}

/// The other end of a packet at an interface: its source coming in, its destination going out.
fn peer(p: &Packet) -> std::net::IpAddr {
    match p.direction {
        Direction::Ingress => p.src,
        Direction::Egress => p.dst,
    }
}

pub(super) fn near_miss(n: &NearMiss, p: &Packet) -> Message {
    match n {
        NearMiss::GroupReference {
            group_id,
            rule,
            referenced,
            peer_interface,
            peer_groups,
        } => {
            let (d, w) = match p.direction {
                Direction::Ingress => ("inbound", " from "),
                Direction::Egress => ("outbound", " to "),
            };
            let mut m = msg![
                t "near miss: security group ", id group_id, t format!(" {d} rule "),
                m rule_proto(rule.protocol, &rule.ports), t w, id referenced,
                t " would allow it, but ", addr peer(p), t " is not in ", id referenced
            ];
            if let (Some(i), Some(groups)) = (peer_interface, peer_groups) {
                m.text(" (").push(crate::message::Kind::Id, i);
                if groups.is_empty() {
                    m.text(" has no security group)");
                } else {
                    m.text(" has ")
                        .push(crate::message::Kind::Id, groups.join(", "))
                        .text(")");
                }
                m.text("; fix: add ")
                    .push(crate::message::Kind::Id, i)
                    .text(" to ")
                    .push(crate::message::Kind::Id, referenced);
                if let Some(g) = groups.first() {
                    m.text(", or allow ")
                        .push(crate::message::Kind::Id, g)
                        .text(" in ")
                        .push(crate::message::Kind::Id, group_id);
                }
            }
            m
        }
        NearMiss::PrefixList {
            group_id,
            rule,
            prefix_list,
            name,
        } => {
            let (d, w) = match p.direction {
                Direction::Ingress => ("inbound", " from "),
                Direction::Egress => ("outbound", " to "),
            };
            let named = name.as_ref().map(|n| format!(" ({n})")).unwrap_or_default();
            msg![
                t "near miss: security group ", id group_id, t format!(" {d} rule "),
                m rule_proto(rule.protocol, &rule.ports), t w, t "prefix list ", id prefix_list,
                t named, t " would allow it, but ", addr peer(p), t " is in none of its ranges; fix: add ",
                addr peer(p), t " to ", id prefix_list, t ", or allow it in ", id group_id
            ]
        }
        NearMiss::ShadowedAllow {
            acl_id,
            allow,
            deny,
        } => {
            let number = |e: &AclEntry| {
                if e.is_star() {
                    "*".to_string()
                } else {
                    e.rule_number.to_string()
                }
            };
            msg![
                t "near miss: network ACL ", id acl_id, t " ", m acl_rule(allow),
                t ", but rule ", rule number(deny),
                t " comes first and denies it (the lowest number that matches decides); fix: number the allow below ",
                rule number(deny), t ", or narrow rule ", rule number(deny)
            ]
        }
    }
}
