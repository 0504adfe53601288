//! Why a connection was rejected: first the reasoning an expert does from the records alone, then, when the VPC
//! configuration is given, the control and rule that did it.
//!
//! From the records, some conclusions are certain and some are not, and the difference matters to whoever has
//! to change a rule. One direction accepted and the other rejected on the same interface is certain to be a
//! network ACL: a security group that let one direction through would have let the other through as part of the
//! same tracked connection. A rejected request with no reply is a security group *or* a network ACL (or a reply
//! that cannot be routed), and only the configuration says which; the other traffic of the interface at the time
//! can make one reading more likely. Every finding says how sure it is, what it rests on, and what data would
//! settle it.

use crate::connections::{Connection, Conversations, Endpoint, Flow, Leg, Verdict};
use crate::timeline::{Timeline, is_public};
use serde::Serialize;
use std::cell::RefCell;
use std::collections::HashMap;
use vpcflow_netmodel::{
    Control, Packet, Step, StepOutcome, Verdict as ModelVerdict, VpcModel, icmp_echo,
};
use vpcflow_record::Direction;
use vpcflow_record::reading::{Confidence, as_inbound, has_ports};

/// What did it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum Cause {
    /// VPC Block Public Access (`reject-reason` BPA).
    BlockPublicAccess,
    /// VPC Encryption Controls (`reject-reason` EC).
    EncryptionControls,
    /// The subnet's network ACL.
    NetworkAcl,
    /// A security group.
    SecurityGroup,
    /// A security group or the network ACL; the records cannot tell which.
    SecurityGroupOrNetworkAcl,
    /// Routing: the reply (or the request) has no way out, so AWS drops it.
    Routing,
    /// Packets after the connection closed, which AWS also logs as REJECT.
    ClosedConnection,
    /// The request left and nothing came back.
    NoReply,
}

/// What a finding rests on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum Reason {
    /// One direction was accepted and the other rejected on the same interface at the same time.
    OtherDirectionAccepted,
    /// The rejected record is a reply (by the initiator reading), and security groups let replies through.
    RejectedIsReply,
    /// No reply was logged.
    NoReplySeen,
    /// At the same time the interface's network ACL rejected replies coming in (another connection).
    AclRejectsInboundReplies {
        /// The other connection.
        connection: OtherConnection,
    },
    /// At the same time the same interface reached the internet and got replies (another connection), so its
    /// routing works.
    OutboundWorks {
        /// The other connection.
        connection: OtherConnection,
    },
    /// The same service was allowed earlier.
    AllowedBefore {
        /// The earlier connection.
        connection: OtherConnection,
    },
    /// The interface sent nothing after this time.
    SilentSince {
        /// Unix seconds.
        since: i64,
    },
    /// The interface sent nothing at all in these records.
    NothingSent,
    /// `reject-reason` says so.
    RejectReason {
        /// The value.
        value: String,
    },
    /// The rejected TCP packets carry FIN or RST and no SYN.
    ClosingFlags,
}

/// Another connection a finding points to, described so that the finding stands on its own (a stream of
/// diagnoses holds no list to index into).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OtherConnection {
    /// Its number in the output (`#3`), once known.
    pub number: Option<usize>,
    /// Its id while the records are paired; the number is found from it.
    #[serde(skip)]
    pub id: usize,
    /// IANA protocol number.
    pub protocol: u8,
    /// The initiator's end.
    pub client: Endpoint,
    /// The other end.
    pub server: Endpoint,
}

impl Reason {
    /// The other connection the reason points to, if any.
    pub fn other(&self) -> Option<&OtherConnection> {
        match self {
            Reason::AclRejectsInboundReplies { connection }
            | Reason::OutboundWorks { connection }
            | Reason::AllowedBefore { connection } => Some(connection),
            _ => None,
        }
    }

    /// The other connection the reason points to, if any, to number it.
    pub fn other_mut(&mut self) -> Option<&mut OtherConnection> {
        match self {
            Reason::AclRejectsInboundReplies { connection }
            | Reason::OutboundWorks { connection }
            | Reason::AllowedBefore { connection } => Some(connection),
            _ => None,
        }
    }
}

impl Diagnosis {
    /// Numbers the other connections its findings point to: `number(id)` is the number of connection `id`, if
    /// known.
    pub fn number_others(&mut self, number: impl Fn(usize) -> Option<usize>) {
        for f in &mut self.findings {
            for r in &mut f.reasons {
                if let Some(o) = r.other_mut() {
                    o.number = number(o.id);
                }
            }
        }
    }
}

/// One possible cause, with how sure it is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// What did it.
    pub cause: Cause,
    /// Which rules: inbound or outbound at the interface.
    #[serde(serialize_with = "as_inbound::serialize")]
    pub way: Option<Direction>,
    /// The interface.
    pub interface: String,
    /// How sure.
    pub confidence: Confidence,
    /// The records that show it (indices into [`Conversations::flows`]).
    pub evidence: Vec<usize>,
    /// What it rests on.
    pub reasons: Vec<Reason>,
}

/// Data that would decide what the records leave open.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Needed {
    /// The security groups of the interface (`describe-security-groups`, `describe-network-interfaces`).
    SecurityGroups,
    /// The network ACL of the interface's subnet (`describe-network-acls`).
    NetworkAcl,
    /// The route table of the subnet and the internet gateway (`describe-route-tables`, `describe-internet-gateways`).
    Routes,
    /// The `tcp-flags` field (version 3), which tells the initiator for certain.
    TcpFlags,
    /// The `reject-reason` field (version 8), which names Block Public Access.
    RejectReason,
}

/// Which packet of the connection a configuration step is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Which {
    /// Client to server.
    Request,
    /// Server to client.
    Reply,
}

/// Whether the configuration explains what the records show.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum Agreement {
    /// The configuration drops the packet the records show rejected (or its reply).
    Agrees,
    /// The configuration would allow it: it was changed after the records were written, or the rejected packets
    /// came after the connection closed.
    ConfigAllows,
    /// The configuration drops a different packet than the records show rejected.
    Differs,
    /// Not decidable: configuration missing, unreadable, or an address is redacted.
    Undecided,
}

/// The configuration's answer for one interface of a connection.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ConfigFinding {
    /// The interface.
    pub interface: String,
    /// The request as evaluated at the interface.
    pub request: Option<vpcflow_netmodel::Verdict>,
    /// The reply as evaluated at the interface (after an allowed request).
    pub reply: Option<vpcflow_netmodel::Verdict>,
    /// The packets evaluated: the request, then the reply.
    pub packets: Vec<Packet>,
    /// The packet and the step that dropped it.
    pub decided_by: Option<(Which, Step)>,
    /// Whether that explains the records.
    pub agreement: Agreement,
    /// Why it could not be evaluated, when it could not.
    pub undecided: Option<Undecided>,
}

/// Why the configuration could not be evaluated for an interface of a connection.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Hash)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum Undecided {
    /// The interface is not in the configuration (`describe-network-interfaces`).
    InterfaceMissing {
        /// The interface.
        interface: String,
    },
    /// An address is redacted, so no rule can be matched against it.
    Redacted,
    /// Which way the traffic crossed the interface is not known.
    WayUnknown,
}

/// Everything said about one connection.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnosis {
    /// Index into [`Conversations::connections`].
    pub connection: usize,
    /// From the records, best reading first.
    pub findings: Vec<Finding>,
    /// Data that would decide it.
    pub needed: Vec<Needed>,
    /// From the configuration, per interface (empty without one).
    pub config: Vec<ConfigFinding>,
}

/// A `diagnose` run as data: each diagnosis with its connection and records, the counts, and what could not be
/// read of the configuration. The words for each diagnosis go in `text` when a renderer fills it
/// (`vpcflow_explain::text::annotate`); the dashboard renders the facts itself.
#[derive(Clone, Debug, Serialize)]
pub struct Report<'a> {
    /// Every diagnosis, in connection order.
    pub diagnoses: Vec<ReportItem<'a>>,
    /// How many connections the records make.
    pub connections: usize,
    /// How many records were read.
    pub records: usize,
    /// What could not be read of the configuration (`None` without one).
    pub configuration_problems: Option<&'a [vpcflow_netmodel::ConfigProblem]>,
}

/// One diagnosis with what it is about.
#[derive(Clone, Debug, Serialize)]
pub struct ReportItem<'a> {
    /// The connection.
    pub connection: &'a Connection,
    /// Its records, request then reply, leg by leg.
    pub records: Vec<&'a Flow>,
    /// What was found.
    pub diagnosis: &'a Diagnosis,
    /// The diagnosis in words, when rendered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

impl<'a> Report<'a> {
    /// The report of `diagnoses` over `conv`, with `model`'s problems when there is a model.
    pub fn new(
        conv: &'a Conversations,
        diagnoses: &'a [Diagnosis],
        model: Option<&'a VpcModel>,
    ) -> Report<'a> {
        Report {
            diagnoses: diagnoses
                .iter()
                .map(|d| {
                    let connection = &conv.connections[d.connection];
                    ReportItem {
                        connection,
                        records: conv.flows_of(connection).collect(),
                        diagnosis: d,
                        text: None,
                    }
                })
                .collect(),
            connections: conv.connections.len(),
            records: conv.flows.len(),
            configuration_problems: model.map(|m| m.problems.as_slice()),
        }
    }
}

/// "At the same time": the connection's span with a minute either side (records of one interval can start a
/// little apart).
fn window(c: &Connection) -> (i64, i64) {
    (c.start - 60, c.end + 60)
}

/// How long an interface that normally talks must have been silent before its silence means something: one
/// default aggregation interval.
pub(crate) const QUIET: i64 = 600;

/// Diagnoses every connection that had something rejected (and outbound requests that got no reply), from the
/// records and, when given, the configuration.
pub fn diagnose(conv: &Conversations, model: Option<&VpcModel>) -> Vec<Diagnosis> {
    let evaluations = model.map(Evaluations::new);
    let model = evaluations.as_ref();
    let mut timeline = Timeline::new();
    for f in &conv.flows {
        timeline.record(f, conv.own_addr.get(&f.interface).map(String::as_str));
    }
    for (ci, c) in conv.connections.iter().enumerate() {
        timeline.connection(ci, c, &conv.flows);
    }
    conv.connections
        .iter()
        .enumerate()
        .filter_map(|(ci, c)| {
            let mut d = diagnose_connection(ci, c, &conv.flows, &timeline, model)?;
            d.number_others(|id| Some(id + 1));
            Some(d)
        })
        .collect()
}

/// Whether a connection gets a diagnosis: something was rejected, or a request out to a public address got no
/// reply.
pub fn needs_diagnosis(c: &Connection) -> bool {
    c.verdict.is_rejected() || outbound_no_reply(c)
}

fn outbound_no_reply(c: &Connection) -> bool {
    c.verdict == Verdict::OneWay
        && c.legs
            .iter()
            .all(|l| l.request_way == Some(Direction::Egress))
        && is_public(&c.server.addr)
}

/// The diagnosis of connection `id` (whose legs point into `flows`), with what `timeline` knows of its
/// interfaces' other traffic; `None` when nothing needs explaining.
pub fn diagnose_connection(
    id: usize,
    c: &Connection,
    flows: &[Flow],
    timeline: &Timeline,
    model: Option<&Evaluations>,
) -> Option<Diagnosis> {
    if !needs_diagnosis(c) {
        return None;
    }
    let outbound_no_reply = outbound_no_reply(c);
    let mut findings = Vec::new();
    let mut needed = Vec::new();
    for leg in &c.legs {
        findings.extend(leg_findings(id, c, leg, flows, timeline, &mut needed));
    }
    findings.sort_by_key(|f| f.confidence);
    let records = || {
        c.legs
            .iter()
            .flat_map(|l| l.request.iter().chain(&l.reply))
            .map(|&i| &flows[i])
    };
    let certain = findings
        .first()
        .is_some_and(|f| f.confidence == Confidence::Certain);
    if c.protocol == 6
        && !certain
        && c.initiator.confidence != Confidence::Certain
        && records().all(|f| f.tcp_flags.is_none())
    {
        needed.push(Needed::TcpFlags);
    }
    if c.verdict.is_rejected()
        && !certain
        && (is_public(&c.client.addr) || is_public(&c.server.addr))
        && records().all(|f| !f.has_reject_reason)
    {
        needed.push(Needed::RejectReason);
    }
    let mut seen = Vec::new();
    needed.retain(|n| {
        let fresh = !seen.contains(n);
        seen.push(*n);
        fresh
    });
    let config = match model {
        Some(m) => c
            .legs
            .iter()
            .filter(|l| {
                outbound_no_reply
                    || l.request
                        .iter()
                        .chain(&l.reply)
                        .any(|&i| flows[i].rejected())
            })
            .map(|l| config_finding(flows, c, l, m))
            .collect(),
        None => Vec::new(),
    };
    Some(Diagnosis {
        connection: id,
        findings,
        needed,
        config,
    })
}

/// One leg's records, by direction and by whether they were rejected.
struct LegRecords {
    req_rej: Vec<usize>,
    req_ok: Vec<usize>,
    rep_rej: Vec<usize>,
    rep_ok: Vec<usize>,
}

impl LegRecords {
    fn of(leg: &Leg, flows: &[Flow]) -> LegRecords {
        let (req_rej, req_ok) = leg.request.iter().partition(|&&i| flows[i].rejected());
        let (rep_rej, rep_ok) = leg.reply.iter().partition(|&&i| flows[i].rejected());
        LegRecords {
            req_rej,
            req_ok,
            rep_rej,
            rep_ok,
        }
    }
}

/// What the findings about one leg are read against: the connection, the leg, the records and the interface's
/// other traffic.
struct LegContext<'a> {
    ci: usize,
    c: &'a Connection,
    leg: &'a Leg,
    flows: &'a [Flow],
    timeline: &'a Timeline,
}

impl LegContext<'_> {
    fn finding(
        &self,
        cause: Cause,
        way: Option<Direction>,
        confidence: Confidence,
        evidence: Vec<usize>,
        reasons: Vec<Reason>,
    ) -> Finding {
        Finding {
            cause,
            way,
            interface: self.leg.interface.clone(),
            confidence,
            evidence,
            reasons,
        }
    }

    /// A possible closed connection, when every record in `idx` is a TCP close.
    fn closed(&self, idx: &[usize]) -> Option<Finding> {
        closing(self.flows, idx).then(|| {
            self.finding(
                Cause::ClosedConnection,
                None,
                Confidence::Possible,
                idx.to_vec(),
                vec![Reason::ClosingFlags],
            )
        })
    }
}

fn leg_findings(
    ci: usize,
    c: &Connection,
    leg: &Leg,
    flows: &[Flow],
    timeline: &Timeline,
    needed: &mut Vec<Needed>,
) -> Vec<Finding> {
    let cx = LegContext {
        ci,
        c,
        leg,
        flows,
        timeline,
    };
    let r = LegRecords::of(leg, flows);
    if let Some(f) = named_by_reject_reason(&cx, &r) {
        return vec![f];
    }
    if !r.rep_rej.is_empty() && r.req_rej.is_empty() {
        return reply_rejected(&cx, &r, needed);
    }
    if !r.req_rej.is_empty() {
        return request_rejected(&cx, &r, needed);
    }
    if c.verdict == Verdict::OneWay && !r.req_ok.is_empty() {
        needed.push(Needed::Routes);
        return vec![cx.finding(
            Cause::NoReply,
            leg.request_way,
            Confidence::Possible,
            r.req_ok,
            vec![Reason::NoReplySeen],
        )];
    }
    Vec::new()
}

/// Block Public Access and Encryption Controls name themselves (reject-reason).
fn named_by_reject_reason(cx: &LegContext, r: &LegRecords) -> Option<Finding> {
    r.req_rej.iter().chain(&r.rep_rej).find_map(|&i| {
        let value = cx.flows[i].reject_reason.as_deref()?;
        let cause = match value {
            "BPA" => Cause::BlockPublicAccess,
            "EC" => Cause::EncryptionControls,
            _ => return None,
        };
        let reasons = vec![Reason::RejectReason {
            value: value.to_string(),
        }];
        Some(cx.finding(cause, None, Confidence::Certain, vec![i], reasons))
    })
}

/// Only replies were rejected: the stateless network ACL (certain when the request was seen accepted).
fn reply_rejected(cx: &LegContext, r: &LegRecords, needed: &mut Vec<Needed>) -> Vec<Finding> {
    let mut evidence = r.req_ok.clone();
    evidence.extend(&r.rep_rej);
    let (confidence, reason) = if r.req_ok.is_empty() {
        (Confidence::Likely, Reason::RejectedIsReply)
    } else {
        (Confidence::Certain, Reason::OtherDirectionAccepted)
    };
    let way = cx.leg.request_way.map(Direction::reverse);
    let mut out = vec![cx.finding(Cause::NetworkAcl, way, confidence, evidence, vec![reason])];
    out.extend(cx.closed(&r.rep_rej));
    needed.push(Needed::NetworkAcl);
    out
}

/// Requests were rejected.
fn request_rejected(cx: &LegContext, r: &LegRecords, needed: &mut Vec<Needed>) -> Vec<Finding> {
    let way = cx.leg.request_way;
    let mut evidence = r.req_rej.clone();
    evidence.extend(&r.rep_ok);
    if !r.rep_ok.is_empty() {
        // The reply got out while requests were rejected: the same reasoning, the other way round.
        needed.push(Needed::NetworkAcl);
        let reasons = vec![Reason::OtherDirectionAccepted];
        return vec![cx.finding(
            Cause::NetworkAcl,
            way,
            Confidence::Certain,
            evidence,
            reasons,
        )];
    }
    let closed = cx.closed(&r.req_rej);
    let (first, second) = if way == Some(Direction::Egress) {
        needed.extend([Needed::SecurityGroups, Needed::NetworkAcl]);
        let reasons = vec![Reason::NoReplySeen];
        let first = cx.finding(
            Cause::SecurityGroupOrNetworkAcl,
            way,
            Confidence::Likely,
            evidence,
            reasons,
        );
        (first, None)
    } else {
        inbound_unanswered(cx, evidence, needed)
    };
    let mut out = vec![first];
    out.extend(closed);
    out.extend(second);
    out
}

/// An inbound request rejected with no reply: what the interface's other traffic at the time says, as the
/// likely finding and a possible second one.
fn inbound_unanswered(
    cx: &LegContext,
    evidence: Vec<usize>,
    needed: &mut Vec<Needed>,
) -> (Finding, Option<Finding>) {
    let (c, t, iface) = (cx.c, cx.timeline, cx.leg.interface.as_str());
    let way = cx.leg.request_way;
    let w = window(c);
    let earlier = |same_service: bool| {
        let service = same_service.then_some((c.protocol, &c.server));
        t.allowed_before(iface, c.start, service)
    };
    let sent_between = |from: i64, to: i64| t.sent_between(iface, from, to);
    let last_sent = t.last_sent(iface, c.start);
    let silent = !sent_between(c.start - QUIET, c.end);
    let likely =
        |cause, reasons| cx.finding(cause, way, Confidence::Likely, evidence.clone(), reasons);
    let possible = |cause, way, reasons| {
        cx.finding(cause, way, Confidence::Possible, evidence.clone(), reasons)
    };
    if let Some(j) = t.replies_rejected(iface, cx.ci, w) {
        needed.extend([Needed::NetworkAcl, Needed::SecurityGroups]);
        let reasons = vec![Reason::AclRejectsInboundReplies { connection: j }];
        let first = likely(Cause::NetworkAcl, reasons);
        let second = possible(Cause::SecurityGroup, way, vec![Reason::NoReplySeen]);
        return (first, Some(second));
    }
    if let Some((end, j)) = earlier(true).or(earlier(false)).filter(|_| silent) {
        needed.extend([Needed::Routes, Needed::SecurityGroups, Needed::NetworkAcl]);
        let since = last_sent.unwrap_or(end);
        let reasons = vec![
            Reason::AllowedBefore {
                connection: j.clone(),
            },
            Reason::SilentSince { since },
        ];
        let first = cx.finding(
            Cause::Routing,
            None,
            Confidence::Likely,
            evidence.clone(),
            reasons,
        );
        let reasons = vec![Reason::AllowedBefore { connection: j }];
        let second = possible(Cause::SecurityGroupOrNetworkAcl, way, reasons);
        return (first, Some(second));
    }
    if let Some((_, j)) = earlier(true) {
        needed.extend([Needed::SecurityGroups, Needed::NetworkAcl]);
        let reasons = vec![Reason::AllowedBefore { connection: j }];
        let first = likely(Cause::SecurityGroupOrNetworkAcl, reasons);
        let quiet_after = !sent_between(c.start, c.end + QUIET);
        let second = last_sent.filter(|_| quiet_after).map(|since| {
            needed.push(Needed::Routes);
            possible(Cause::Routing, None, vec![Reason::SilentSince { since }])
        });
        return (first, second);
    }
    let outbound_works = t.answered(iface, cx.ci, w);
    let mut reasons = vec![Reason::NoReplySeen];
    needed.extend([Needed::SecurityGroups, Needed::NetworkAcl]);
    let second = (outbound_works.is_none()
        && !sent_between(c.start, c.end + QUIET)
        && is_public(&c.client.addr))
    .then(|| {
        needed.push(Needed::Routes);
        let reason = match last_sent {
            Some(since) => Reason::SilentSince { since },
            None => Reason::NothingSent,
        };
        possible(Cause::Routing, None, vec![reason])
    });
    if let Some(j) = outbound_works {
        reasons.push(Reason::OutboundWorks { connection: j });
    }
    (likely(Cause::SecurityGroupOrNetworkAcl, reasons), second)
}

fn closing(flows: &[Flow], idx: &[usize]) -> bool {
    idx.iter().all(|&i| {
        flows[i].protocol == 6
            && flows[i]
                .tcp_flags
                .is_some_and(|f| f & 0x05 != 0 && f & 0x02 == 0)
    })
}

fn config_finding(
    flows: &[Flow],
    c: &Connection,
    leg: &Leg,
    evaluations: &Evaluations,
) -> ConfigFinding {
    let model = evaluations.model;
    let mut out = ConfigFinding {
        interface: leg.interface.clone(),
        request: None,
        reply: None,
        packets: Vec::new(),
        decided_by: None,
        agreement: Agreement::Undecided,
        undecided: None,
    };
    let Some(iface) = model.interfaces.get(&leg.interface) else {
        out.undecided = Some(Undecided::InterfaceMissing {
            interface: leg.interface.clone(),
        });
        return out;
    };
    let (Some(client), Some(server)) = (c.client.ip(), c.server.ip()) else {
        out.undecided = Some(Undecided::Redacted);
        return out;
    };
    // Which way the request crosses this interface, from the configuration's addresses first.
    let sample = leg
        .request
        .first()
        .or(leg.reply.first())
        .map(|&i| &flows[i]);
    let owned = |text: &str| {
        vpcflow_record::values::parse_addr(text.as_bytes()).is_some_and(|ip| iface.owns(ip))
    };
    let request_way = sample
        .and_then(|f| {
            let is_request = !leg.request.is_empty();
            let way = if owned(&f.src) {
                Some(Direction::Egress)
            } else if owned(&f.dst) {
                Some(Direction::Ingress)
            } else {
                None
            }?;
            Some(if is_request { way } else { way.reverse() })
        })
        .or(leg.request_way);
    let Some(request_way) = request_way else {
        out.undecided = Some(Undecided::WayUnknown);
        return out;
    };
    let dir = request_way;
    let ported = has_ports(c.protocol);
    let request = Packet {
        interface: leg.interface.clone(),
        direction: dir,
        src: client,
        dst: server,
        protocol: c.protocol,
        src_port: if ported { c.client.port } else { 0 },
        dst_port: if ported { c.server.port } else { 0 },
        icmp: icmp_echo(c.protocol, false),
        established: false,
    };
    // A record on this interface proves the request got here (a reply logged here was an answer to it), and a
    // reply logged here proves the reply did: a closed way in is then the snapshot disagreeing with the log.
    let req_verdict = evaluations.evaluate(&request, dir == Direction::Ingress);
    let sg_passed = req_verdict.steps.iter().any(|s| {
        matches!(s.control, Control::SecurityGroup { .. }) && s.outcome == StepOutcome::Allow
    });
    let reply = Packet {
        interface: leg.interface.clone(),
        direction: dir.reverse(),
        src: server,
        dst: client,
        protocol: c.protocol,
        src_port: request.dst_port,
        dst_port: request.src_port,
        icmp: icmp_echo(c.protocol, true),
        // The records themselves prove the security groups let an accepted request through.
        established: sg_passed
            || leg
                .request
                .iter()
                .any(|&i| flows[i].action == Some(vpcflow_record::Action::Accept)),
    };
    out.packets.push(request);
    let reply_logged = !leg.reply.is_empty();
    let rep_verdict = req_verdict.allowed.then(|| {
        out.packets.push(reply.clone());
        evaluations.evaluate(
            &reply,
            reply.direction == Direction::Ingress && reply_logged,
        )
    });
    out.decided_by = req_verdict
        .decided_by()
        .map(|s| (Which::Request, s.clone()))
        .or_else(|| {
            rep_verdict
                .as_ref()
                .and_then(|v| v.decided_by())
                .map(|s| (Which::Reply, s.clone()))
        });
    let log_request_rejected = leg.request.iter().any(|&i| flows[i].rejected());
    let log_reply_rejected = leg.reply.iter().any(|&i| flows[i].rejected());
    let certain = req_verdict.certain && rep_verdict.as_ref().is_none_or(|v| v.certain);
    out.agreement = match &out.decided_by {
        Some((which, step)) => agreement(*which, step, log_request_rejected, log_reply_rejected),
        None if !certain => Agreement::Undecided,
        None => Agreement::ConfigAllows,
    };
    out.request = Some(req_verdict);
    out.reply = rep_verdict;
    out
}

/// Whether the step the configuration blames explains what the records show rejected. A record's REJECT is the
/// verdict of the interface's network ACL or security groups; a route or gateway that drops a packet leaves no
/// record of it on the interface, so it explains a rejected record only in the way AWS is seen to log it: a
/// request whose reply cannot be routed back is logged as rejected where it arrived.
fn agreement(which: Which, step: &Step, request_rejected: bool, reply_rejected: bool) -> Agreement {
    let at_interface = matches!(
        step.control,
        Control::SecurityGroup { .. } | Control::NetworkAcl { .. }
    );
    let on_the_way = matches!(
        step.control,
        Control::Route { .. } | Control::InternetGateway { .. }
    );
    match (which, request_rejected, reply_rejected) {
        // Nothing logged as rejected (an outbound request with no reply): any drop explains the silence.
        (_, false, false) => Agreement::Agrees,
        (Which::Request, true, _) if at_interface => Agreement::Agrees,
        (Which::Reply, _, true) if at_interface => Agreement::Agrees,
        (Which::Reply, true, _) if on_the_way => Agreement::Agrees,
        _ => Agreement::Differs,
    }
}

/// The VPC model's answers, each worked out once: over a day of logs the same question (this packet at this
/// interface, known to have arrived or not) comes up for thousands of connections. Bounded: past
/// [`Evaluations::KEPT`] answers, the cache starts again.
pub struct Evaluations<'m> {
    model: &'m VpcModel,
    cache: RefCell<HashMap<(Packet, bool), ModelVerdict>>,
}

impl<'m> Evaluations<'m> {
    /// The most answers kept.
    pub const KEPT: usize = 200_000;

    /// No answers yet.
    pub fn new(model: &'m VpcModel) -> Evaluations<'m> {
        Evaluations {
            model,
            cache: RefCell::new(HashMap::new()),
        }
    }

    /// The verdict on `packet` ([`VpcModel::evaluate_arrived`] when a record shows it `arrived`).
    fn evaluate(&self, packet: &Packet, arrived: bool) -> ModelVerdict {
        // No rule looks at the source port: a question is the same whatever port the client picked.
        let key = (
            Packet {
                src_port: 0,
                ..packet.clone()
            },
            arrived,
        );
        if let Some(v) = self.cache.borrow().get(&key) {
            return v.clone();
        }
        let v = if arrived {
            self.model.evaluate_arrived(packet)
        } else {
            self.model.evaluate(packet)
        };
        let mut cache = self.cache.borrow_mut();
        if cache.len() >= Self::KEPT {
            cache.clear();
        }
        cache.insert(key, v.clone());
        v
    }
}
