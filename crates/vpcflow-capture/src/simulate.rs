//! Flow logs from a model: a VPC and a list of traffic produce the records AWS would write.
//!
//! A scenario says who connects to whom, when and how much. Each conversation becomes packets, request and
//! reply, and each packet walks the interfaces it would cross in AWS: out of the sender's interface (its
//! security groups, its subnet's network ACL and route table), through a NAT gateway's interface twice when the
//! route says so (in, then out translated, with `pkt-srcaddr`/`pkt-dstaddr` keeping the original addresses),
//! and into the receiver's interface. Every crossing is an observation in the same [`FlowTable`] that captures
//! use, with the verdict of the same network model, so a simulated record and a captured one cannot disagree
//! on what AWS would say.
//!
//! What happens to traffic that is stopped follows AWS: a request that is rejected is retried by its sender and
//! never answered; a reply that the network ACL drops is logged as REJECT where it arrives; and a request whose
//! reply could not be routed out (no route back to the internet gateway) is logged as REJECT on arrival.

use crate::interfaces::InterfaceMap;
use crate::packet::PacketInfo;
use crate::table::{FlowTable, Observation, Stats, TableConfig, TrafficType};
use crate::verdict::{Decision, ModelVerdicts};
use arrow::record_batch::RecordBatch;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use vpcflow_netmodel::{
    Control, Packet, Peer, PortSpec, Proto, SecurityGroup, SgRule, VpcModel, icmp_echo,
};
use vpcflow_record::FileError;
use vpcflow_record::{Action, Direction, Format};

/// A scenario file.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// What the scenario shows.
    #[serde(default)]
    pub description: Option<String>,
    /// A directory (or file) of `aws ec2 describe-*` JSON, relative to the scenario file.
    #[serde(default)]
    pub vpc_config: Option<PathBuf>,
    /// The same documents inline: `{security-groups: {SecurityGroups: [...]}, subnets: {...}, ...}`.
    #[serde(default)]
    pub vpc: Option<BTreeMap<String, serde_json::Value>>,
    /// The account that owns the interfaces (`account-id`).
    #[serde(default)]
    pub account: Option<String>,
    /// The region (`region`).
    #[serde(default)]
    pub region: Option<String>,
    /// The aggregation interval: 60 or 600 (the default, as in AWS).
    #[serde(default)]
    pub aggregation: Option<i64>,
    /// The record format (`${version} ${srcaddr} …` or field names); the default format when absent.
    #[serde(default)]
    pub format: Option<String>,
    /// `ALL` (default), `ACCEPT` or `REJECT`.
    #[serde(default)]
    pub traffic_type: Option<String>,
    /// The time that `+30s`-style traffic times count from.
    #[serde(default)]
    pub start: Option<Time>,
    /// The conversations.
    pub traffic: Vec<Traffic>,
}

/// A moment: Unix seconds, an RFC 3339 time, or an offset from the scenario's `start` (`+90s`, `+5m`, `+1h`).
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum Time {
    /// Unix seconds.
    Unix(i64),
    /// RFC 3339 or `+N[smh]`.
    Text(String),
}

/// One conversation: a request from `from` to `to` and, unless it is stopped, its reply.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Traffic {
    /// A label for messages.
    #[serde(default)]
    pub name: Option<String>,
    /// When the first packet leaves (default: the scenario's start).
    #[serde(default)]
    pub at: Option<Time>,
    /// The initiator: `ADDR` or `ADDR:PORT` (`[v6]:port` for IPv6); an ephemeral port when none is given.
    pub from: String,
    /// The responder: `ADDR:PORT` for TCP/UDP, `ADDR` otherwise.
    pub to: String,
    /// `tcp`, `udp`, `icmp`, `icmpv6`, or an IANA number.
    #[serde(default = "default_protocol")]
    pub protocol: String,
    /// Request packets (default 1).
    #[serde(default)]
    pub packets: Option<u64>,
    /// Request bytes, IP lengths summed (default: a typical packet size times `packets`).
    #[serde(default)]
    pub bytes: Option<u64>,
    /// Seconds over which the packets are spread (default 0).
    #[serde(default)]
    pub duration: Option<i64>,
    /// The reply: `false` for none, or its `{packets, bytes}`; by default it mirrors the request.
    #[serde(default)]
    pub reply: Option<Reply>,
}

fn default_protocol() -> String {
    "tcp".into()
}

/// What the responder sends back.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum Reply {
    /// `true`: mirror the request; `false`: no reply.
    Enabled(bool),
    /// Explicit counts.
    Counts {
        /// Reply packets.
        packets: u64,
        /// Reply bytes.
        #[serde(default)]
        bytes: Option<u64>,
    },
}

/// Why a scenario could not run.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The file (or the VPC configuration it names) could not be read, or is not a scenario.
    #[error(transparent)]
    File(#[from] FileError),
    /// A value in the scenario is wrong.
    #[error("{0}")]
    Invalid(String),
    /// The VPC configuration it names has a problem (the first one; the words for it are vpcflow-explain's).
    #[error("VPC configuration: {0}")]
    Config(vpcflow_netmodel::ConfigProblem),
}

impl Scenario {
    /// Reads a scenario file.
    pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| FileError::io(name.as_str(), e))?;
        Ok(serde_norway::from_str(&text).map_err(|e| crate::yaml_error(&name, e))?)
    }
}

fn invalid(msg: impl Into<String>) -> ScenarioError {
    ScenarioError::Invalid(msg.into())
}

fn parse_time(t: &Time, start: Option<i64>, what: &str) -> Result<i64, ScenarioError> {
    match t {
        Time::Unix(v) => Ok(*v),
        Time::Text(s) => {
            let s = s.trim();
            if let Some(rest) = s.strip_prefix('+') {
                let base = start.ok_or_else(|| {
                    invalid(format!(
                        "{what}: `{s}` is relative, but the scenario has no `start`"
                    ))
                })?;
                let (num, unit) = rest.split_at(
                    rest.find(|c: char| !c.is_ascii_digit())
                        .unwrap_or(rest.len()),
                );
                let n: i64 = num
                    .parse()
                    .map_err(|_| invalid(format!("{what}: `{s}` is not an offset like +90s")))?;
                let mult = match unit {
                    "" | "s" => 1,
                    "m" => 60,
                    "h" => 3600,
                    _ => return Err(invalid(format!("{what}: unit of `{s}` must be s, m or h"))),
                };
                Ok(base + n * mult)
            } else {
                s.parse::<jiff::Timestamp>()
                    .map(|ts| ts.as_second())
                    .map_err(|e| invalid(format!("{what}: `{s}`: {e}")))
            }
        }
    }
}

fn parse_endpoint(text: &str, what: &str) -> Result<(IpAddr, Option<u16>), ScenarioError> {
    let t = text.trim();
    if let Ok(ip) = t.parse::<IpAddr>() {
        return Ok((ip, None));
    }
    let bad = || invalid(format!("{what}: `{t}` is not ADDRESS or ADDRESS:PORT"));
    let (addr, port) = if let Some(rest) = t.strip_prefix('[') {
        let (a, p) = rest.split_once("]:").ok_or_else(bad)?;
        (a, p)
    } else {
        t.rsplit_once(':').ok_or_else(bad)?
    };
    let ip: IpAddr = addr.parse().map_err(|_| bad())?;
    let port: u16 = port.parse().map_err(|_| bad())?;
    Ok((ip, Some(port)))
}

fn parse_protocol(text: &str) -> Result<u8, ScenarioError> {
    match Proto::parse(text) {
        Some(Proto::Number(n)) => Ok(n),
        _ => Err(invalid(format!(
            "protocol `{text}`: expected tcp, udp, icmp, icmpv6 or a number"
        ))),
    }
}

fn typical_size(protocol: u8) -> u64 {
    match protocol {
        6 => 60,
        17 => 76,
        1 | 58 => 84,
        _ => 64,
    }
}

/// The name of the allow-everything group given to NAT gateway interfaces, which have no security groups.
pub const NAT_GROUP: &str = "nat-gateway-has-no-security-groups";

/// Loads the scenario's VPC: `vpc_config` (relative to `base`) or the inline `vpc` documents.
pub fn load_model(scenario: &Scenario, base: &Path) -> Result<VpcModel, ScenarioError> {
    let mut model = match (&scenario.vpc_config, &scenario.vpc) {
        (Some(dir), _) => {
            let path = base.join(dir);
            VpcModel::load(&path)?
        }
        (None, Some(docs)) => {
            let texts: Vec<(String, String)> = docs
                .iter()
                .map(|(k, v)| (format!("vpc.{k}"), v.to_string()))
                .collect();
            VpcModel::from_documents(texts.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        }
        (None, None) => {
            return Err(invalid(
                "the scenario needs `vpc_config:` (a directory of `aws ec2 describe-*` JSON) or `vpc:`",
            ));
        }
    };
    if let Some(p) = model.problems.first() {
        return Err(ScenarioError::Config(p.clone()));
    }
    // NAT gateways have no security groups: only their subnet's network ACL and routes apply.
    let mut nat_group = SecurityGroup {
        id: NAT_GROUP.into(),
        ..SecurityGroup::default()
    };
    for net in ["0.0.0.0/0", "::/0"] {
        let rule = SgRule {
            protocol: Proto::All,
            ports: PortSpec::All,
            peer: Peer::Cidr(net.parse().expect("valid")),
            description: Some("NAT gateway".into()),
            json_path: "(simulated)".into(),
        };
        nat_group.inbound.push(rule.clone());
        nat_group.outbound.push(rule);
    }
    let mut any_nat = false;
    for iface in model.interfaces.values_mut() {
        if iface.interface_type.as_deref() == Some("nat_gateway") {
            iface.groups = vec![NAT_GROUP.into()];
            any_nat = true;
        }
    }
    if any_nat {
        model.security_groups.insert(NAT_GROUP.into(), nat_group);
    }
    Ok(model)
}

struct Flow {
    client: IpAddr,
    server: IpAddr,
    client_port: u16,
    server_port: u16,
    protocol: u8,
    delivered: bool,
    answered: bool,
    /// Where the responder's replies go: the NAT gateway's address when the request was translated.
    reply_to: Option<IpAddr>,
}

#[derive(Clone, Copy)]
struct Planned {
    ts: i64,
    flow: usize,
    index: u64,
    total: u64,
    reply: bool,
    len: u32,
}

/// A scenario ready to run.
pub struct Simulation {
    table: FlowTable,
    verdicts: ModelVerdicts,
    map: Arc<InterfaceMap>,
    flows: Vec<Flow>,
    plan: Vec<Planned>,
    /// NAT translations: (NAT interface, protocol, remote, remote port, NAT port) -> the inside address.
    nat: HashMap<(u32, u8, IpAddr, u16, u16), IpAddr>,
    /// The address the last packet sent was translated to by a NAT gateway.
    translated: Option<IpAddr>,
}

impl Simulation {
    /// Prepares `scenario` (whose relative paths start at `base`); `format` and `aggregation` override the
    /// scenario's.
    pub fn new(
        scenario: &Scenario,
        base: &Path,
        format: Option<Format>,
        aggregation: Option<i64>,
    ) -> Result<Simulation, ScenarioError> {
        let model = Arc::new(load_model(scenario, base)?);
        let map = Arc::new(
            InterfaceMap::from_model(
                &model,
                scenario.account.as_deref(),
                scenario.region.as_deref(),
            )
            .map_err(|e| invalid(e.to_string()))?,
        );
        let format = match (format, &scenario.format) {
            (Some(f), _) => f,
            (None, Some(text)) => {
                Format::parse(text).map_err(|e| invalid(format!("format: {e}")))?
            }
            (None, None) => Format::default_v2(),
        };
        let aggregation = aggregation.or(scenario.aggregation).unwrap_or(600);
        if aggregation != 60 && aggregation != 600 {
            return Err(invalid(format!(
                "aggregation {aggregation}: AWS allows 60 or 600 seconds"
            )));
        }
        let traffic_type = match scenario
            .traffic_type
            .as_deref()
            .map(str::to_ascii_uppercase)
        {
            None => TrafficType::All,
            Some(t) if t == "ALL" => TrafficType::All,
            Some(t) if t == "ACCEPT" => TrafficType::Accept,
            Some(t) if t == "REJECT" => TrafficType::Reject,
            Some(t) => return Err(invalid(format!("traffic_type {t}: ALL, ACCEPT or REJECT"))),
        };
        let config = TableConfig {
            format,
            aggregation,
            traffic_type,
            ..TableConfig::default()
        };
        let start = scenario
            .start
            .as_ref()
            .map(|t| parse_time(t, None, "start"))
            .transpose()?;
        let mut flows = Vec::new();
        let mut plan = Vec::new();
        for (i, t) in scenario.traffic.iter().enumerate() {
            let what = t
                .name
                .clone()
                .unwrap_or_else(|| format!("traffic[{i}] ({} -> {})", t.from, t.to));
            let at = match &t.at {
                Some(at) => parse_time(at, start, &what)?,
                None => start.ok_or_else(|| invalid(format!("{what}: no `at` and no `start`")))?,
            };
            let protocol = parse_protocol(&t.protocol)?;
            let (client, cport) = parse_endpoint(&t.from, &what)?;
            let (server, sport) = parse_endpoint(&t.to, &what)?;
            let ported = vpcflow_record::reading::has_ports(protocol);
            if ported && sport.is_none() {
                return Err(invalid(format!(
                    "{what}: `to` needs a port for {}",
                    t.protocol
                )));
            }
            let (client_port, server_port) = if ported {
                (
                    cport.unwrap_or(49152 + (i as u16 % 16000)),
                    sport.unwrap_or(0),
                )
            } else {
                (0, 0)
            };
            let packets = t.packets.unwrap_or(1);
            let bytes = t.bytes.unwrap_or(packets * typical_size(protocol));
            let duration = t.duration.unwrap_or(0).max(0);
            let (rp, rb) = match &t.reply {
                None | Some(Reply::Enabled(true)) => (packets, bytes),
                Some(Reply::Enabled(false)) => (0, 0),
                Some(Reply::Counts { packets, bytes }) => {
                    (*packets, bytes.unwrap_or(packets * typical_size(protocol)))
                }
            };
            spread(&mut plan, i, at, duration, packets, bytes, false);
            spread(&mut plan, i, at, duration, rp, rb, true);
            flows.push(Flow {
                client,
                server,
                client_port,
                server_port,
                protocol,
                delivered: false,
                answered: false,
                reply_to: None,
            });
        }
        plan.sort_by_key(|p| (p.ts, p.flow, p.index, p.reply));
        Ok(Simulation {
            table: FlowTable::new(config, map.clone()),
            verdicts: ModelVerdicts::new(model),
            map,
            flows,
            plan,
            nat: HashMap::new(),
            translated: None,
        })
    }

    /// The record format.
    pub fn format(&self) -> &Format {
        self.table.format()
    }

    /// Runs the scenario: the records, in interval order, and where every packet went.
    pub fn run(mut self) -> (Vec<RecordBatch>, Stats) {
        let plan = std::mem::take(&mut self.plan);
        let mut out = Vec::new();
        for step in plan {
            let f = &self.flows[step.flow];
            if step.reply && !f.delivered {
                // Nothing reached the responder, so it has nothing to answer.
                continue;
            }
            let last = step.index + 1 == step.total;
            let tcp_flags = if f.protocol != 6 {
                0
            } else if step.reply {
                if step.index == 0 {
                    18
                } else if last {
                    17
                } else {
                    16
                }
            } else if !f.answered {
                2
            } else if last {
                17
            } else {
                24
            };
            let p = if step.reply {
                PacketInfo {
                    ts: step.ts,
                    src: f.server,
                    dst: f.reply_to.unwrap_or(f.client),
                    protocol: f.protocol,
                    src_port: f.server_port,
                    dst_port: f.client_port,
                    tcp_flags,
                    len: step.len,
                    icmp: icmp_echo(f.protocol, true),
                }
            } else {
                PacketInfo {
                    ts: step.ts,
                    src: f.client,
                    dst: f.server,
                    protocol: f.protocol,
                    src_port: f.client_port,
                    dst_port: f.server_port,
                    tcp_flags,
                    len: step.len,
                    icmp: icmp_echo(f.protocol, false),
                }
            };
            self.translated = None;
            let arrived = self.send(p);
            let f = &mut self.flows[step.flow];
            if !step.reply && self.translated.is_some() {
                f.reply_to = self.translated;
            }
            if arrived {
                if step.reply {
                    f.answered = true;
                } else {
                    f.delivered = true;
                }
            }
            out.extend(self.table.take_batches());
        }
        out.extend(self.table.finish());
        (out, self.table.stats())
    }

    fn cross(&mut self, i: u32, direction: Direction, p: &PacketInfo) -> Decision {
        self.cross_as(i, direction, p, false)
    }

    fn cross_as(
        &mut self,
        i: u32,
        direction: Direction,
        p: &PacketInfo,
        forwarded: bool,
    ) -> Decision {
        let id = self.map.get(i).id.clone();
        let mut d = if forwarded {
            self.verdicts.decide_forwarded(i, &id, direction, p)
        } else {
            self.verdicts.decide(i, &id, direction, p)
        };
        if direction == Direction::Ingress && d.allowed {
            // Traffic whose reply could not leave: AWS logs it as rejected where it arrives. (Checked for every
            // packet, not only a connection's first: the tracker has already seen the first one allowed by
            // the security groups, and a connection that could never answer is never established.)
            let reply = Packet {
                interface: id,
                direction: Direction::Egress,
                src: p.dst,
                dst: p.src,
                protocol: p.protocol,
                src_port: p.dst_port,
                dst_port: p.src_port,
                icmp: icmp_echo(p.protocol, true),
                established: true,
            };
            let v = self.verdicts.evaluate_stateless(&reply);
            if v.decided_by()
                .is_some_and(|s| matches!(s.control, Control::Route { .. }))
            {
                d.allowed = false;
            }
        }
        self.table.record(&Observation {
            interface: i,
            direction,
            packet: *p,
            action: if d.allowed {
                Action::Accept
            } else {
                Action::Reject
            },
            traffic_path: d.traffic_path,
        });
        d
    }

    /// The NAT gateway interface that packets from interface `i` to `dst` go through, if its route says so.
    fn nat_for(&self, i: u32, dst: IpAddr) -> Option<u32> {
        let model = self.verdicts.model();
        let iface = model.interfaces.get(&self.map.get(i).id)?;
        let table =
            model.route_table_for_subnet(iface.subnet_id.as_deref()?, iface.vpc_id.as_deref())?;
        let route = table
            .routes
            .iter()
            .filter_map(|r| match &r.destination {
                vpcflow_netmodel::RouteDestination::Cidr(n) if n.contains(&dst) => {
                    Some((n.prefix_len(), r))
                }
                _ => None,
            })
            .max_by_key(|(len, _)| *len)?
            .1;
        if route.target.kind != vpcflow_netmodel::RouteTargetKind::NatGateway || !route.active {
            return None;
        }
        let nat_id = &route.target.id;
        let candidates: Vec<u32> = (0..self.map.len() as u32)
            .filter(|j| self.map.get(*j).is_nat_gateway())
            .collect();
        candidates
            .iter()
            .copied()
            .find(|j| {
                model
                    .interfaces
                    .get(&self.map.get(*j).id)
                    .and_then(|x| x.description.as_deref())
                    .is_some_and(|d| d.contains(nat_id.as_str()))
            })
            .or_else(|| (candidates.len() == 1).then(|| candidates[0]))
    }

    /// Sends one packet along its path; true when it reaches its destination host.
    fn send(&mut self, mut p: PacketInfo) -> bool {
        if let Some(si) = self.map.lookup(p.src) {
            if !self.cross(si, Direction::Egress, &p).allowed {
                return false;
            }
            if self.map.lookup(p.dst).is_none()
                && let Some(nat) = self.nat_for(si, p.dst)
            {
                if !self.cross(nat, Direction::Ingress, &p).allowed {
                    return false;
                }
                let nat_addr = self.map.get(nat).own_address(p.dst);
                self.nat
                    .insert((nat, p.protocol, p.dst, p.dst_port, p.src_port), p.src);
                p.src = nat_addr;
                // Replies come back to the NAT gateway's public address (its private one when it has none).
                self.translated = Some(
                    self.map
                        .get(nat)
                        .public_addresses
                        .first()
                        .copied()
                        .unwrap_or(nat_addr),
                );
                if !self.cross(nat, Direction::Egress, &p).allowed {
                    return false;
                }
            }
        }
        let (di, public) = match self.map.lookup(p.dst) {
            Some(i) => (i, false),
            None => match self.map.lookup_public(p.dst) {
                Some(i) => (i, true),
                // Out of the modelled VPC: the rest of the way is not ours to log.
                None => return true,
            },
        };
        if public {
            // The internet gateway translates the public address to the primary private one.
            p.dst = self.map.get(di).own_address(p.dst);
        }
        if self.map.get(di).is_nat_gateway() {
            let Some(inside) = self
                .nat
                .get(&(di, p.protocol, p.src, p.src_port, p.dst_port))
                .copied()
            else {
                // Unsolicited traffic to a NAT gateway goes nowhere; AWS logs what arrives.
                self.cross(di, Direction::Ingress, &p);
                return false;
            };
            if !self.cross(di, Direction::Ingress, &p).allowed {
                return false;
            }
            p.dst = inside;
            if !self.cross(di, Direction::Egress, &p).allowed {
                return false;
            }
            return match self.map.lookup(inside) {
                Some(ci) => self.cross_as(ci, Direction::Ingress, &p, true).allowed,
                None => true,
            };
        }
        self.cross(di, Direction::Ingress, &p).allowed
    }
}

/// Plans `packets` packets totalling `bytes` evenly over `duration` seconds from `at`.
fn spread(
    plan: &mut Vec<Planned>,
    flow: usize,
    at: i64,
    duration: i64,
    packets: u64,
    bytes: u64,
    reply: bool,
) {
    if packets == 0 {
        return;
    }
    let base = bytes / packets;
    let extra = bytes % packets;
    for k in 0..packets {
        let ts = if packets > 1 {
            at + (duration as i128 * k as i128 / (packets - 1) as i128) as i64
        } else {
            at
        };
        let len = base + u64::from(k < extra);
        plan.push(Planned {
            ts,
            flow,
            index: k,
            total: packets,
            reply,
            len: len.min(u64::from(u32::MAX)) as u32,
        });
    }
}
