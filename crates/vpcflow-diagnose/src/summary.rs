//! Thousands of rejected connections, read the way people read them: grouped by what rejected them, largest
//! first.
//!
//! Over a day of logs most rejections have a handful of causes (one network ACL rule dropping replies, a security
//! group without a rule for a probed port), repeated for every client. A group is the control and rule the
//! configuration blames (or, from the records alone, the leading reading), with how many connections, from how
//! many clients, to how many interfaces and ports, a few examples and the fix for the first of them. Built as
//! diagnoses come out of a stream; what it keeps is bounded by the number of groups and the distinct addresses
//! counted in each (at most [`DISTINCT`]).

use crate::connections::{Connection, Endpoint, Verdict};
use crate::diagnose::{Agreement, Cause, Diagnosis, Undecided, Which};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use vpcflow_netmodel::{Control, Fix};
use vpcflow_record::Direction;
use vpcflow_record::reading::{Confidence, as_inbound};

/// Distinct values counted exactly per group; beyond, the count is a lower bound.
pub const DISTINCT: usize = 100_000;

/// Examples kept per group.
pub const EXAMPLES: usize = 3;

/// What the connections of a group have in common.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case", tag = "by")]
pub enum GroupKey {
    /// The configuration names the control that drops the packet.
    Control {
        /// The request or the reply.
        which: Which,
        /// The control and rule.
        control: ControlKey,
        /// Whether that explains the records.
        agreement: Agreement,
    },
    /// The configuration allows what the records show rejected, or cannot decide.
    Configuration {
        /// Which of the two.
        agreement: Agreement,
        /// Why it could not decide, when it could not.
        undecided: Option<Undecided>,
    },
    /// From the records alone: the leading reading.
    Reading {
        /// What did it.
        cause: Cause,
        /// Inbound or outbound rules.
        #[serde(serialize_with = "as_inbound::serialize")]
        way: Option<Direction>,
        /// How sure.
        confidence: Confidence,
    },
}

/// A control and rule, as a group names it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case", tag = "control")]
pub enum ControlKey {
    /// No rule of these security groups allows it.
    SecurityGroups {
        /// Inbound or outbound rules.
        direction: Direction,
        /// The groups of the interface.
        groups: Vec<String>,
    },
    /// A network ACL rule denies it (32767 for the final `*` rule).
    NetworkAcl {
        /// Inbound or outbound rules.
        direction: Direction,
        /// The ACL.
        acl_id: String,
        /// The rule.
        rule: u16,
    },
    /// The route table has no usable route.
    Route {
        /// The table.
        table_id: String,
        /// The route that matched (a blackhole, or to a detached gateway), if any.
        route: Option<String>,
    },
    /// No way in from the internet (no attached gateway, or no public address).
    InternetGateway {
        /// The VPC.
        vpc_id: String,
        /// Whether a gateway is attached.
        attached: bool,
    },
}

impl ControlKey {
    /// The key of a control that dropped a packet (missing configuration never does).
    fn of(control: &Control) -> Option<ControlKey> {
        Some(match control {
            Control::SecurityGroup {
                direction, groups, ..
            } => ControlKey::SecurityGroups {
                direction: *direction,
                groups: groups.clone(),
            },
            Control::NetworkAcl {
                direction,
                acl_id,
                rule,
                ..
            } => ControlKey::NetworkAcl {
                direction: *direction,
                acl_id: acl_id.clone(),
                rule: rule
                    .as_ref()
                    .map_or(vpcflow_netmodel::AclEntry::STAR, |r| r.rule_number),
            },
            Control::Route {
                table_id, route, ..
            } => ControlKey::Route {
                table_id: table_id.clone(),
                route: route.as_ref().map(|r| r.destination.to_string()),
            },
            Control::InternetGateway {
                vpc_id, attached, ..
            } => ControlKey::InternetGateway {
                vpc_id: vpc_id.clone(),
                attached: *attached,
            },
            Control::Missing { .. } => return None,
        })
    }
}

impl GroupKey {
    /// The group of a diagnosis: the first configuration finding that names a control, else the first one's
    /// answer, else (no configuration) the leading finding of the records.
    pub fn of(d: &Diagnosis) -> Option<GroupKey> {
        for cf in &d.config {
            if let Some((which, step)) = &cf.decided_by
                && let Some(control) = ControlKey::of(&step.control)
            {
                return Some(GroupKey::Control {
                    which: *which,
                    control,
                    agreement: cf.agreement,
                });
            }
        }
        if let Some(cf) = d.config.first() {
            return Some(GroupKey::Configuration {
                agreement: cf.agreement,
                undecided: cf.undecided.clone(),
            });
        }
        let f = d.findings.first()?;
        Some(GroupKey::Reading {
            cause: f.cause,
            way: f.way,
            confidence: f.confidence,
        })
    }
}

/// A connection a group shows as an example.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Example {
    /// Its number in the output.
    pub number: usize,
    /// IANA protocol number.
    pub protocol: u8,
    /// The initiator's end.
    pub client: Endpoint,
    /// The other end.
    pub server: Endpoint,
    /// First packet, Unix seconds.
    pub start: i64,
}

/// Rejected connections with one cause.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Group {
    /// What they have in common.
    pub key: GroupKey,
    /// How many.
    pub connections: usize,
    /// Of which the request was rejected.
    pub requests_rejected: usize,
    /// Of which the reply was rejected.
    pub replies_rejected: usize,
    /// Of which the request got no reply.
    pub unanswered: usize,
    /// Distinct clients (at least, when `capped`).
    pub clients: usize,
    /// Distinct servers.
    pub servers: usize,
    /// Distinct interfaces.
    pub interfaces: usize,
    /// Whether a distinct count reached [`DISTINCT`] and is a lower bound.
    pub capped: bool,
    /// The servers' most frequent (protocol, port)s, with how many connections each, most first (at most 5).
    pub ports: Vec<(u8, u16, usize)>,
    /// The first few connections.
    pub examples: Vec<Example>,
    /// The fix the configuration gives for the first example that has one, with that example's number.
    pub fix: Option<(usize, Fix)>,
}

#[derive(Default)]
struct Building {
    connections: usize,
    requests_rejected: usize,
    replies_rejected: usize,
    unanswered: usize,
    clients: HashSet<String>,
    servers: HashSet<String>,
    interfaces: HashSet<String>,
    capped: bool,
    ports: HashMap<(u8, u16), usize>,
    examples: Vec<Example>,
    fix: Option<(usize, Fix)>,
    first: usize,
}

fn insert(set: &mut HashSet<String>, value: &str, capped: &mut bool) {
    if set.contains(value) {
        return;
    }
    if set.len() >= DISTINCT {
        *capped = true;
        return;
    }
    set.insert(value.to_string());
}

/// The groups of the diagnoses seen so far.
#[derive(Default)]
pub struct Summary {
    groups: HashMap<GroupKey, Building>,
}

impl Summary {
    /// Nothing yet.
    pub fn new() -> Summary {
        Summary::default()
    }

    /// Counts diagnosis `d` of connection `c`, numbered `number` in the output.
    pub fn add(&mut self, number: usize, c: &Connection, d: &Diagnosis) {
        let Some(key) = GroupKey::of(d) else {
            return;
        };
        let g = self.groups.entry(key).or_insert_with(|| Building {
            first: number,
            ..Building::default()
        });
        g.connections += 1;
        match c.verdict {
            Verdict::RequestRejected => g.requests_rejected += 1,
            Verdict::ReplyRejected => g.replies_rejected += 1,
            _ => g.unanswered += 1,
        }
        insert(&mut g.clients, &c.client.addr, &mut g.capped);
        insert(&mut g.servers, &c.server.addr, &mut g.capped);
        for l in &c.legs {
            insert(&mut g.interfaces, &l.interface, &mut g.capped);
        }
        if g.ports.len() < DISTINCT || g.ports.contains_key(&(c.protocol, c.server.port)) {
            *g.ports.entry((c.protocol, c.server.port)).or_default() += 1;
        }
        if g.examples.len() < EXAMPLES {
            g.examples.push(Example {
                number,
                protocol: c.protocol,
                client: c.client.clone(),
                server: c.server.clone(),
                start: c.start,
            });
        }
        if g.fix.is_none() {
            g.fix = d
                .config
                .iter()
                .filter_map(|cf| cf.decided_by.as_ref())
                .find_map(|(_, step)| step.fix.clone())
                .map(|fix| (number, fix));
        }
    }

    /// The groups, largest first (then in order of their first connection).
    pub fn finish(self) -> Vec<Group> {
        let mut groups: Vec<(usize, Group)> = self
            .groups
            .into_iter()
            .map(|(key, b)| {
                let mut ports: Vec<(u8, u16, usize)> = b
                    .ports
                    .into_iter()
                    .map(|((p, port), n)| (p, port, n))
                    .collect();
                ports.sort_by_key(|&(p, port, n)| (std::cmp::Reverse(n), p, port));
                ports.truncate(5);
                let group = Group {
                    key,
                    connections: b.connections,
                    requests_rejected: b.requests_rejected,
                    replies_rejected: b.replies_rejected,
                    unanswered: b.unanswered,
                    clients: b.clients.len(),
                    servers: b.servers.len(),
                    interfaces: b.interfaces.len(),
                    capped: b.capped,
                    ports,
                    examples: b.examples,
                    fix: b.fix,
                };
                (b.first, group)
            })
            .collect();
        groups.sort_by_key(|(first, g)| (std::cmp::Reverse(g.connections), *first));
        groups.into_iter().map(|(_, g)| g).collect()
    }
}
