//! Evaluating a packet as AWS does, one control after another, keeping each step's reason.
//!
//! A packet leaving an interface meets its security groups (outbound), then the subnet's network ACL (outbound),
//! then the subnet's route table. A packet arriving meets the way in (an internet gateway, for traffic from the
//! internet), the network ACL (inbound), then the security groups (inbound). The first control that drops the
//! packet decides; the steps after it are not evaluated, as AWS would not. A step that cannot be decided because
//! configuration is missing or unreadable is `Unknown` and evaluation goes on, so that the caller still learns
//! what the rest of the configuration says.

use crate::model::*;
use ipnet::IpNet;
use serde::Serialize;
use std::net::IpAddr;

/// Which way a packet crosses the interface: the one direction of every crate (`vpcflow_record::Direction`).
pub use vpcflow_record::Direction;

/// One packet at one interface.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Packet {
    /// The interface (`eni-...`) the packet enters or leaves.
    pub interface: String,
    /// Into or out of the interface.
    pub direction: Direction,
    /// Source address.
    pub src: IpAddr,
    /// Destination address.
    pub dst: IpAddr,
    /// IANA protocol number.
    pub protocol: u8,
    /// Source port (0 for a protocol without ports).
    pub src_port: u16,
    /// Destination port (0 for a protocol without ports).
    pub dst_port: u16,
    /// ICMP type and code, when known (flow logs do not record them).
    pub icmp: Option<(u8, u8)>,
    /// Whether the security groups have already seen this connection allowed (so this packet is part of a tracked
    /// connection, such as the reply to an allowed request). Network ACLs ignore it: they are stateless.
    pub established: bool,
}

/// The ICMP type/code of an echo request (`reply == false`) or echo reply, for ICMP (1) and ICMPv6 (58). Flow logs
/// do not record ICMP types; a connection of pings is the usual reading.
pub fn icmp_echo(protocol: u8, reply: bool) -> Option<(u8, u8)> {
    match (protocol, reply) {
        (1, false) => Some((8, 0)),
        (1, true) => Some((0, 0)),
        (58, false) => Some((128, 0)),
        (58, true) => Some((129, 0)),
        _ => None,
    }
}

/// What a step decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepOutcome {
    /// The control lets the packet through.
    Allow,
    /// The control drops the packet.
    Deny,
    /// The configuration needed to decide is missing or unreadable.
    Unknown,
    /// The control does not apply to this packet (a network ACL within its own subnet).
    NotApplicable,
}

/// The control a step evaluated, and why it decided as it did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "control")]
pub enum Control {
    /// The interface's security groups.
    SecurityGroup {
        /// Inbound or outbound rules.
        direction: Direction,
        /// Every group on the interface (their rules form one union).
        groups: Vec<String>,
        /// The rule that allowed the packet, with its group.
        allowed_by: Option<(String, SgRule)>,
        /// Allowed because it belongs to a connection already allowed (security groups are stateful).
        stateful: bool,
        /// Rules that might match but could not be evaluated (a referenced group whose members are not in the
        /// model, a prefix list without entries, an unknown group id).
        unresolved: Vec<String>,
    },
    /// The subnet's network ACL.
    NetworkAcl {
        /// Inbound or outbound rules.
        direction: Direction,
        /// `acl-...` (empty when none is known).
        acl_id: String,
        /// The rule that matched first (the final `*` rule has number 32767).
        rule: Option<AclEntry>,
        /// Not evaluated because both ends are in the same subnet.
        same_subnet: bool,
    },
    /// The subnet's route table, for a packet leaving the interface.
    Route {
        /// `rtb-...` (empty when none is known).
        table_id: String,
        /// The destination looked up.
        destination: IpAddr,
        /// The longest-prefix match, if any.
        route: Option<Route>,
        /// For a route to an internet gateway: whether the gateway is attached to the VPC.
        gateway_attached: Option<bool>,
        /// For a route to an internet gateway: whether the interface has a public address to use there.
        public_address: Option<bool>,
    },
    /// How a packet from the internet reaches the interface: an attached internet gateway and a public address.
    InternetGateway {
        /// The VPC.
        vpc_id: String,
        /// The gateway found for the VPC (attached or not).
        gateway_id: Option<String>,
        /// Whether it is attached.
        attached: bool,
        /// Whether the interface has a public IPv4 address (always true for IPv6 traffic).
        public_address: bool,
    },
    /// Configuration the step needed was not there.
    Missing {
        /// What was missing.
        what: Missing,
    },
}

/// The smallest change that would let the packet through this control.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "fix")]
pub enum Fix {
    /// Add an allow rule to a security group.
    AddSecurityGroupRule {
        /// The group (the first of the interface's groups).
        group_id: String,
        /// Inbound or outbound.
        direction: Direction,
        /// Protocol number.
        protocol: u8,
        /// Ports or ICMP type/code.
        ports: PortSpec,
        /// Source (inbound) or destination (outbound).
        cidr: IpNet,
    },
    /// Add an allow rule to a network ACL, numbered before the rule that denied.
    AddNetworkAclRule {
        /// The ACL.
        acl_id: String,
        /// Inbound or outbound.
        direction: Direction,
        /// A free rule number below the deciding rule.
        rule_number: u16,
        /// Protocol number.
        protocol: u8,
        /// Ports (the client's ephemeral range for replies) or ICMP type/code.
        ports: PortSpec,
        /// Source (inbound) or destination (outbound).
        cidr: IpNet,
    },
    /// Add a route.
    AddRoute {
        /// The route table.
        table_id: String,
        /// The destination (`0.0.0.0/0` for the internet).
        destination: IpNet,
        /// The target to use, when the model has an obvious one (the VPC's attached internet gateway).
        target: Option<String>,
    },
    /// Replace a blackhole route's missing target.
    ReplaceBlackholeRoute {
        /// The route table.
        table_id: String,
        /// The route's destination.
        destination: String,
        /// The target that no longer exists.
        old_target: String,
    },
    /// Attach an internet gateway to the VPC.
    AttachInternetGateway {
        /// The gateway (a detached one found in the model), if any.
        gateway_id: Option<String>,
        /// The VPC.
        vpc_id: String,
    },
    /// Give the interface a public IPv4 address (an Elastic IP).
    AssociatePublicAddress {
        /// The interface.
        interface_id: String,
    },
}

/// A rule that would let the packet through but for one thing. People read these first: the intent was there,
/// and the fix is usually to change that one thing rather than to add a rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum NearMiss {
    /// A security group rule allows the protocol and port, but only from (inbound) or to (outbound) the members
    /// of another security group, and the other end is not one of them. Two fixes: put the other end's interface
    /// in the referenced group, or allow one of the groups it has.
    GroupReference {
        /// The group holding the rule.
        group_id: String,
        /// The rule.
        rule: SgRule,
        /// The group the rule references.
        referenced: String,
        /// The other end's interface, when it is in the configuration.
        peer_interface: Option<String>,
        /// The groups the other end's interface actually has, when it is in the configuration.
        peer_groups: Option<Vec<String>>,
    },
    /// A security group rule allows the protocol and port, but only from (to) the ranges of a managed prefix
    /// list, and the other end is in none of them. Two fixes: add the address to the list, or allow it directly.
    PrefixList {
        /// The group holding the rule.
        group_id: String,
        /// The rule.
        rule: SgRule,
        /// The prefix list.
        prefix_list: String,
        /// Its name (`com.amazonaws.us-east-1.s3`, `office`), when known.
        name: Option<String>,
    },
    /// A network ACL rule that would allow the packet, numbered after the rule that denied it: rules are
    /// evaluated lowest number first, so it never gets a say. Fixes: renumber it below the deny, or narrow the
    /// deny.
    ShadowedAllow {
        /// The ACL.
        acl_id: String,
        /// The rule that would allow.
        allow: AclEntry,
        /// The rule that denied first.
        deny: AclEntry,
    },
}

/// Configuration an evaluation step needed and did not have.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum Missing {
    /// The interface is not among the interfaces loaded.
    Interface {
        /// The interface.
        interface: String,
    },
    /// None of a kind of configuration was loaded: the output of this `aws ec2` command.
    Describe {
        /// The command (`describe-security-groups`).
        command: String,
    },
    /// The network ACL associated with the subnet.
    SubnetAcl {
        /// The subnet.
        subnet: String,
    },
    /// The route table associated with the subnet (or the VPC's main one).
    SubnetRouteTable {
        /// The subnet.
        subnet: String,
    },
}

/// One control's decision.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Step {
    /// What was evaluated and why it decided so.
    #[serde(flatten)]
    pub control: Control,
    /// What it decided.
    pub outcome: StepOutcome,
    /// For a denial: the smallest change that would allow the packet here.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<Fix>,
    /// For a denial: rules that would allow the packet but for one thing.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub near_misses: Vec<NearMiss>,
}

/// The fate of one packet at one interface.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Verdict {
    /// No step denied it.
    pub allowed: bool,
    /// No step was unknown (so `allowed` is what AWS would do, not a best guess).
    pub certain: bool,
    /// The steps, in the order AWS applies them, up to the first denial.
    pub steps: Vec<Step>,
    /// For a packet a flow-log record shows at the interface ([`VpcModel::evaluate_arrived`]): the step that
    /// would have stopped it before it got there (no attached internet gateway, no public address). The record
    /// proves it arrived, so the configuration (a snapshot) disagrees with the log; this step is not among
    /// `steps` and the evaluation went on past it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contradicted: Option<Step>,
}

impl Verdict {
    /// The step that dropped the packet.
    pub fn decided_by(&self) -> Option<&Step> {
        self.steps.iter().find(|s| s.outcome == StepOutcome::Deny)
    }

    fn from_steps(steps: Vec<Step>) -> Verdict {
        Verdict {
            allowed: !steps.iter().any(|s| s.outcome == StepOutcome::Deny),
            certain: !steps.iter().any(|s| s.outcome == StepOutcome::Unknown),
            steps,
            contradicted: None,
        }
    }
}

/// A whole conversation checked end to end: the request from the client to the server, and the reply.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PathCheck {
    /// The request at each interface of the model it crosses (the client's, then the server's).
    pub request: Vec<Verdict>,
    /// The reply at each interface (the server's, then the client's).
    pub reply: Vec<Verdict>,
    /// Both the request and the reply get through.
    pub allowed: bool,
    /// Every step was decided.
    pub certain: bool,
    /// The packets evaluated, request first then reply, matching the verdicts.
    pub packets: Vec<Packet>,
    /// Addresses that are not in the model (so only the other end's controls were checked).
    pub outside: Vec<IpAddr>,
}

fn host_net(addr: IpAddr) -> IpNet {
    IpNet::from(addr)
}

fn is_internet(addr: IpAddr) -> bool {
    !vpcflow_record::AddrScope::of(addr).is_internal()
}

impl VpcModel {
    /// Evaluates one packet at one interface, as AWS would, naming the rule (or missing rule) that decides.
    pub fn evaluate(&self, packet: &Packet) -> Verdict {
        self.evaluate_at(packet, false)
    }

    /// Evaluates a packet that a flow-log record shows at the interface. A record means the packet reached the
    /// interface's network ACL and security groups (ACCEPT and REJECT are their verdicts); a gateway that drops a
    /// packet before the interface leaves no record there. So a way in that the configuration says is closed is a
    /// disagreement between the snapshot and the log ([`Verdict::contradicted`]), not the decision, and the
    /// network ACL and security groups are still evaluated to name the rule that decided.
    pub fn evaluate_arrived(&self, packet: &Packet) -> Verdict {
        self.evaluate_at(packet, true)
    }

    fn evaluate_at(&self, packet: &Packet, arrived: bool) -> Verdict {
        let Some(iface) = self.interfaces.get(&packet.interface) else {
            return Verdict::from_steps(vec![Step {
                control: Control::Missing {
                    what: if self.loaded.interfaces {
                        Missing::Interface {
                            interface: packet.interface.clone(),
                        }
                    } else {
                        Missing::Describe {
                            command: "describe-network-interfaces".into(),
                        }
                    },
                },
                outcome: StepOutcome::Unknown,
                near_misses: Vec::new(),
                fix: None,
            }]);
        };
        let mut steps = Vec::new();
        let mut contradicted = None;
        let stop = |steps: &Vec<Step>| {
            steps
                .last()
                .is_some_and(|s: &Step| s.outcome == StepOutcome::Deny)
        };
        match packet.direction {
            Direction::Egress => {
                steps.push(self.security_groups_step(iface, packet));
                if !stop(&steps) {
                    steps.push(self.acl_step(iface, packet));
                }
                if !stop(&steps) {
                    steps.push(self.route_step(iface, packet));
                }
            }
            Direction::Ingress => {
                match self.arrival_step(iface, packet) {
                    Some(step) if arrived && step.outcome == StepOutcome::Deny => {
                        contradicted = Some(step);
                    }
                    Some(step) => steps.push(step),
                    None => {}
                }
                if !stop(&steps) {
                    steps.push(self.acl_step(iface, packet));
                }
                if !stop(&steps) {
                    steps.push(self.security_groups_step(iface, packet));
                }
            }
        }
        Verdict {
            contradicted,
            ..Verdict::from_steps(steps)
        }
    }

    /// Checks a conversation end to end: `client` (port `client_port`, or 50000 when not known) to `server` on
    /// `protocol`/`server_port` (or an ICMP echo), then the reply. Each end that is an interface of the model
    /// is evaluated; an end outside the model (the internet, another VPC) is assumed to send and accept.
    pub fn check_path(
        &self,
        client: IpAddr,
        client_port: Option<u16>,
        server: IpAddr,
        protocol: u8,
        server_port: u16,
    ) -> PathCheck {
        let client_if = self.interface_by_addr(client).map(|i| i.id.clone());
        let server_if = self.interface_by_addr(server).map(|i| i.id.clone());
        let cport = client_port.unwrap_or(50000);
        let ported = vpcflow_record::reading::has_ports(protocol);
        let (sp, cp) = if ported { (server_port, cport) } else { (0, 0) };
        let mut packets = Vec::new();
        let mut request = Vec::new();
        let mut reply = Vec::new();
        let mut ok = true;
        let mut certain = true;
        let mut run = |p: Packet, out: &mut Vec<Verdict>, packets: &mut Vec<Packet>| {
            let v = self.evaluate(&p);
            let allowed = v.allowed;
            ok &= v.allowed;
            certain &= v.certain;
            packets.push(p);
            out.push(v);
            allowed
        };
        let req = |interface: &str, direction| Packet {
            interface: interface.to_string(),
            direction,
            src: client,
            dst: server,
            protocol,
            src_port: cp,
            dst_port: sp,
            icmp: icmp_echo(protocol, false),
            established: false,
        };
        let rep = |interface: &str, direction| Packet {
            interface: interface.to_string(),
            direction,
            src: server,
            dst: client,
            protocol,
            src_port: sp,
            dst_port: cp,
            icmp: icmp_echo(protocol, true),
            established: true,
        };
        let mut through = true;
        if let Some(c) = &client_if {
            through = run(req(c, Direction::Egress), &mut request, &mut packets);
        }
        if through && let Some(s) = &server_if {
            through = run(req(s, Direction::Ingress), &mut request, &mut packets);
        }
        if through && let Some(s) = &server_if {
            through = run(rep(s, Direction::Egress), &mut reply, &mut packets);
        }
        if through && let Some(c) = &client_if {
            run(rep(c, Direction::Ingress), &mut reply, &mut packets);
        }
        let mut outside = Vec::new();
        if client_if.is_none() {
            outside.push(client);
        }
        if server_if.is_none() {
            outside.push(server);
        }
        PathCheck {
            request,
            reply,
            allowed: ok,
            certain: certain && (client_if.is_some() || server_if.is_some()),
            packets,
            outside,
        }
    }

    fn security_groups_step(&self, iface: &Interface, p: &Packet) -> Step {
        let direction = p.direction;
        let groups = iface.groups.clone();
        if p.established {
            return Step {
                control: Control::SecurityGroup {
                    direction,
                    groups,
                    allowed_by: None,
                    stateful: true,
                    unresolved: vec![],
                },
                outcome: StepOutcome::Allow,
                near_misses: Vec::new(),
                fix: None,
            };
        }
        if !self.loaded.security_groups {
            return Step {
                control: Control::Missing {
                    what: Missing::Describe {
                        command: "describe-security-groups".into(),
                    },
                },
                outcome: StepOutcome::Unknown,
                near_misses: Vec::new(),
                fix: None,
            };
        }
        let peer = match direction {
            Direction::Ingress => p.src,
            Direction::Egress => p.dst,
        };
        let mut unresolved = Vec::new();
        let mut near_misses = Vec::new();
        for gid in &iface.groups {
            let Some(group) = self.security_groups.get(gid) else {
                unresolved.push(format!("{gid} (not in the configuration)"));
                continue;
            };
            if group.unreadable_rules > 0 {
                unresolved.push(format!(
                    "{gid}: {} unreadable rule{}",
                    group.unreadable_rules,
                    if group.unreadable_rules == 1 { "" } else { "s" }
                ));
            }
            let rules = match direction {
                Direction::Ingress => &group.inbound,
                Direction::Egress => &group.outbound,
            };
            for rule in rules {
                if !rule.protocol.matches(p.protocol)
                    || !rule.ports.matches(p.protocol, p.dst_port, p.icmp)
                {
                    continue;
                }
                let hit = match &rule.peer {
                    Peer::Cidr(net) => Some(net.contains(&peer)),
                    Peer::SecurityGroup(other) => self
                        .interface_by_addr(peer)
                        .map(|i| i.groups.contains(other)),
                    Peer::PrefixList(pl) => self
                        .prefix_list_cidrs(pl)
                        .map(|nets| nets.iter().any(|n| n.contains(&peer))),
                };
                match hit {
                    Some(true) => {
                        return Step {
                            control: Control::SecurityGroup {
                                direction,
                                groups,
                                allowed_by: Some((gid.clone(), rule.clone())),
                                stateful: false,
                                unresolved: vec![],
                            },
                            outcome: StepOutcome::Allow,
                            near_misses: Vec::new(),
                            fix: None,
                        };
                    }
                    Some(false) => near_misses.extend(self.near_miss(gid, rule, peer)),
                    None => unresolved.push(format!("{gid}: rule for {}", rule.peer)),
                }
            }
        }
        let fix = iface.groups.first().map(|g| Fix::AddSecurityGroupRule {
            group_id: g.clone(),
            direction,
            protocol: p.protocol,
            ports: exact_ports(p),
            cidr: host_net(peer),
        });
        Step {
            outcome: if unresolved.is_empty() {
                StepOutcome::Deny
            } else {
                StepOutcome::Unknown
            },
            control: Control::SecurityGroup {
                direction,
                groups,
                allowed_by: None,
                stateful: false,
                unresolved,
            },
            near_misses,
            fix,
        }
    }

    /// The near miss of a security group rule that matches the packet's protocol and port but not its other end:
    /// only references to another group or to a prefix list (a range rule that leaves the address out is a
    /// different intent, not a near miss).
    fn near_miss(&self, group_id: &str, rule: &SgRule, peer: IpAddr) -> Option<NearMiss> {
        match &rule.peer {
            Peer::Cidr(_) => None,
            Peer::SecurityGroup(other) => {
                let peer_interface = self.interface_by_addr(peer);
                Some(NearMiss::GroupReference {
                    group_id: group_id.to_string(),
                    rule: rule.clone(),
                    referenced: other.clone(),
                    peer_interface: peer_interface.map(|i| i.id.clone()),
                    peer_groups: peer_interface.map(|i| i.groups.clone()),
                })
            }
            Peer::PrefixList(pl) => Some(NearMiss::PrefixList {
                group_id: group_id.to_string(),
                rule: rule.clone(),
                prefix_list: pl.clone(),
                name: self.prefix_lists.get(pl).and_then(|l| l.name.clone()),
            }),
        }
    }

    fn acl_step(&self, iface: &Interface, p: &Packet) -> Step {
        let direction = p.direction;
        let peer = match direction {
            Direction::Ingress => p.src,
            Direction::Egress => p.dst,
        };
        let subnet = iface.subnet_id.as_deref().unwrap_or_default();
        let same_subnet = self
            .subnets
            .get(subnet)
            .is_some_and(|s| s.cidrs.iter().any(|n| n.contains(&peer)));
        let acl = self.acl_for_subnet(subnet, iface.vpc_id.as_deref());
        if same_subnet {
            return Step {
                control: Control::NetworkAcl {
                    direction,
                    acl_id: acl.map(|a| a.id.clone()).unwrap_or_default(),
                    rule: None,
                    same_subnet: true,
                },
                outcome: StepOutcome::NotApplicable,
                near_misses: Vec::new(),
                fix: None,
            };
        }
        if !self.loaded.network_acls {
            return missing(Missing::Describe {
                command: "describe-network-acls".into(),
            });
        }
        let Some(acl) = acl else {
            return missing(Missing::SubnetAcl {
                subnet: subnet.to_string(),
            });
        };
        let egress = direction == Direction::Egress;
        let mut matching = acl.entries.iter().filter(|e| {
            e.egress == egress
                && e.protocol.matches(p.protocol)
                && e.cidr.contains(&peer)
                && e.ports.matches(p.protocol, p.dst_port, p.icmp)
        });
        let first = matching.next();
        // The first allow after a deny: the rule the owner meant to apply, numbered too late.
        let shadowed = first.filter(|r| !r.allow).and_then(|deny| {
            let allow = matching.find(|e| e.allow)?;
            Some(NearMiss::ShadowedAllow {
                acl_id: acl.id.clone(),
                allow: allow.clone(),
                deny: deny.clone(),
            })
        });
        let rule = first.cloned().unwrap_or(AclEntry {
            rule_number: AclEntry::STAR,
            protocol: Proto::All,
            allow: false,
            egress,
            cidr: host_net(peer),
            ports: PortSpec::All,
        });
        let outcome = match (rule.allow, acl.unreadable_rules) {
            (true, _) => StepOutcome::Allow,
            (false, 0) => StepOutcome::Deny,
            (false, _) => StepOutcome::Unknown,
        };
        let fix = (!rule.allow).then(|| Fix::AddNetworkAclRule {
            acl_id: acl.id.clone(),
            direction,
            rule_number: free_rule_number(acl, egress, rule.rule_number),
            protocol: p.protocol,
            ports: if p.established && matches!(p.protocol, 6 | 17) && p.dst_port >= 1024 {
                PortSpec::Ports {
                    from: 1024,
                    to: 65535,
                }
            } else {
                exact_ports(p)
            },
            cidr: host_net(peer),
        });
        Step {
            control: Control::NetworkAcl {
                direction,
                acl_id: acl.id.clone(),
                rule: Some(rule),
                same_subnet: false,
            },
            outcome,
            near_misses: shadowed.into_iter().collect(),
            fix,
        }
    }

    fn route_step(&self, iface: &Interface, p: &Packet) -> Step {
        if !self.loaded.route_tables {
            return missing(Missing::Describe {
                command: "describe-route-tables".into(),
            });
        }
        let subnet = iface.subnet_id.as_deref().unwrap_or_default();
        let Some(table) = self.route_table_for_subnet(subnet, iface.vpc_id.as_deref()) else {
            return missing(Missing::SubnetRouteTable {
                subnet: subnet.to_string(),
            });
        };
        let dst = p.dst;
        let mut best: Option<(u8, &Route)> = None;
        let mut unresolved = false;
        for r in &table.routes {
            let len = match &r.destination {
                RouteDestination::Cidr(net) => net.contains(&dst).then_some(net.prefix_len()),
                RouteDestination::PrefixList(pl) => match self.prefix_list_cidrs(pl) {
                    Some(nets) => nets
                        .iter()
                        .filter(|n| n.contains(&dst))
                        .map(|n| n.prefix_len())
                        .max(),
                    None => {
                        unresolved = true;
                        None
                    }
                },
            };
            if let Some(len) = len
                && best.is_none_or(|(b, _)| len > b)
            {
                best = Some((len, r));
            }
        }
        let vpc = iface.vpc_id.clone().unwrap_or_default();
        let mut control = Control::Route {
            table_id: table.id.clone(),
            destination: dst,
            route: best.map(|(_, r)| r.clone()),
            gateway_attached: None,
            public_address: None,
        };
        let Some((_, route)) = best else {
            let internet = is_internet(dst);
            let destination: IpNet = match (internet, dst) {
                (true, IpAddr::V4(_)) => "0.0.0.0/0".parse().expect("valid"),
                (true, IpAddr::V6(_)) => "::/0".parse().expect("valid"),
                (false, _) => host_net(dst),
            };
            let target = if internet {
                self.internet_gateways
                    .values()
                    .find(|g| g.attached_to(&vpc))
                    .map(|g| g.id.clone())
            } else {
                None
            };
            let unknown = unresolved || table.unreadable_routes > 0;
            return Step {
                control,
                outcome: if unknown {
                    StepOutcome::Unknown
                } else {
                    StepOutcome::Deny
                },
                near_misses: Vec::new(),
                fix: Some(Fix::AddRoute {
                    table_id: table.id.clone(),
                    destination,
                    target,
                }),
            };
        };
        if !route.active {
            // A route to an internet gateway that still exists but was detached turns blackhole: attaching it
            // again is the fix, not a new target.
            let detached_gateway = route.target.kind == RouteTargetKind::InternetGateway
                && self
                    .internet_gateways
                    .get(&route.target.id)
                    .is_some_and(|g| !g.attached_to(&vpc));
            if detached_gateway
                && let Control::Route {
                    gateway_attached, ..
                } = &mut control
            {
                *gateway_attached = Some(false);
            }
            let fix = if detached_gateway {
                Fix::AttachInternetGateway {
                    gateway_id: Some(route.target.id.clone()),
                    vpc_id: vpc,
                }
            } else {
                Fix::ReplaceBlackholeRoute {
                    table_id: table.id.clone(),
                    destination: route.destination.to_string(),
                    old_target: route.target.id.clone(),
                }
            };
            return Step {
                control,
                outcome: StepOutcome::Deny,
                near_misses: Vec::new(),
                fix: Some(fix),
            };
        }
        if route.target.kind == RouteTargetKind::InternetGateway {
            let attached = self
                .internet_gateways
                .get(&route.target.id)
                .map(|g| g.attached_to(&vpc));
            let public = dst.is_ipv6() || !iface.public_ips.is_empty();
            if let Control::Route {
                gateway_attached,
                public_address,
                ..
            } = &mut control
            {
                *gateway_attached = attached.or(if self.loaded.internet_gateways {
                    Some(false)
                } else {
                    None
                });
                *public_address = Some(public);
            }
            if self.loaded.internet_gateways && attached != Some(true) {
                return Step {
                    control,
                    outcome: StepOutcome::Deny,
                    near_misses: Vec::new(),
                    fix: Some(Fix::AttachInternetGateway {
                        gateway_id: Some(route.target.id.clone()),
                        vpc_id: vpc,
                    }),
                };
            }
            if !public && iface.addresses.contains(&p.src) {
                return Step {
                    control,
                    outcome: StepOutcome::Deny,
                    near_misses: Vec::new(),
                    fix: Some(Fix::AssociatePublicAddress {
                        interface_id: iface.id.clone(),
                    }),
                };
            }
            if attached.is_none() {
                return Step {
                    control,
                    outcome: StepOutcome::Unknown,
                    near_misses: Vec::new(),
                    fix: None,
                };
            }
        }
        Step {
            control,
            outcome: StepOutcome::Allow,
            near_misses: Vec::new(),
            fix: None,
        }
    }

    /// For a packet from the internet: is there an attached internet gateway, and an address for it to reach?
    fn arrival_step(&self, iface: &Interface, p: &Packet) -> Option<Step> {
        let vpc = iface.vpc_id.clone()?;
        if !is_internet(p.src) || self.vpc_cidrs(&vpc).iter().any(|n| n.contains(&p.src)) {
            return None;
        }
        if !self.loaded.internet_gateways {
            return None;
        }
        // Traffic from a public address can also come through a VPN, peering or transit gateway; only when the
        // route back points at an internet gateway (or nowhere) is the internet gateway the way in.
        if let Some(table) = iface
            .subnet_id
            .as_deref()
            .and_then(|s| self.route_table_for_subnet(s, Some(&vpc)))
        {
            let via_other = table.routes.iter().any(|r| {
                matches!(&r.destination, RouteDestination::Cidr(n) if n.contains(&p.src) && n.prefix_len() > 0)
                    && !matches!(r.target.kind, RouteTargetKind::InternetGateway | RouteTargetKind::Local)
            });
            if via_other {
                return None;
            }
        }
        let attached = self
            .internet_gateways
            .values()
            .find(|g| g.attached_to(&vpc));
        let detached = self
            .internet_gateways
            .values()
            .find(|g| g.attachments.iter().any(|(v, _)| *v == vpc) || g.attachments.is_empty());
        let public = p.src.is_ipv6() || !iface.public_ips.is_empty();
        let control = Control::InternetGateway {
            vpc_id: vpc.clone(),
            gateway_id: attached.or(detached).map(|g| g.id.clone()),
            attached: attached.is_some(),
            public_address: public,
        };
        let (outcome, fix) = if attached.is_none() {
            (
                StepOutcome::Deny,
                Some(Fix::AttachInternetGateway {
                    gateway_id: detached.map(|g| g.id.clone()),
                    vpc_id: vpc,
                }),
            )
        } else if !public {
            (
                StepOutcome::Deny,
                Some(Fix::AssociatePublicAddress {
                    interface_id: iface.id.clone(),
                }),
            )
        } else {
            (StepOutcome::Allow, None)
        };
        Some(Step {
            control,
            outcome,
            near_misses: Vec::new(),
            fix,
        })
    }
}

fn missing(what: Missing) -> Step {
    Step {
        control: Control::Missing { what },
        outcome: StepOutcome::Unknown,
        near_misses: Vec::new(),
        fix: None,
    }
}

/// The ports of exactly this packet, for a fix that opens no more than needed.
fn exact_ports(p: &Packet) -> PortSpec {
    match p.protocol {
        n if rule_ports_apply(n) => PortSpec::Ports {
            from: p.dst_port,
            to: p.dst_port,
        },
        1 | 58 => match p.icmp {
            Some((t, c)) => PortSpec::Icmp {
                icmp_type: Some(t),
                code: Some(c),
            },
            None => PortSpec::Icmp {
                icmp_type: None,
                code: None,
            },
        },
        _ => PortSpec::All,
    }
}

/// A free rule number that comes before `deciding` (any free number for the final `*` rule, preferring the next
/// round hundred after the last rule, as people number them).
fn free_rule_number(acl: &NetworkAcl, egress: bool, deciding: u16) -> u16 {
    let used: Vec<u16> = acl
        .entries
        .iter()
        .filter(|e| e.egress == egress)
        .map(|e| e.rule_number)
        .collect();
    let free = |n: u16| n > 0 && !used.contains(&n);
    if deciding == AclEntry::STAR {
        let last = used
            .iter()
            .copied()
            .filter(|n| *n != AclEntry::STAR)
            .max()
            .unwrap_or(0);
        let round = (last / 100 + 1).saturating_mul(100);
        if round < AclEntry::STAR && free(round) {
            return round;
        }
        return (last + 1..AclEntry::STAR).find(|n| free(*n)).unwrap_or(1);
    }
    if deciding > 10 && free(deciding - 10) {
        return deciding - 10;
    }
    (1..deciding).rev().find(|n| free(*n)).unwrap_or(1)
}
