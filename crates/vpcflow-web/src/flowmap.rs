//! The Flow map: a Sankey over chosen dimensions, the VPC drawn from `--vpc-config` with the traffic on it, and
//! the rules that block the most rejected traffic.

use crate::cache::Cache;
use crate::panels::{Derived, RejectRow};
use crate::scan::{Numbers, fold, key_of, keys, text_of};
use arrow::array::Array;
use datafusion::physical_expr::PhysicalExpr;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::sync::Arc;
use vpcflow_explain::Lang;
use vpcflow_netmodel::{Direction, Packet, RouteTargetKind, VpcModel};

/// A dimension of the Sankey.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Dim {
    /// The source's subnet (from `--vpc-config`) or its /24.
    SrcNet,
    /// The source address.
    SrcAddr,
    /// The destination's subnet or /24.
    DstNet,
    /// The destination address.
    DstAddr,
    /// The destination port.
    DstPort,
    /// The protocol.
    Protocol,
    /// ACCEPT or REJECT.
    Action,
    /// `traffic-path` (version 5).
    Path,
    /// The interface.
    Interface,
    /// `flow-direction` (version 5).
    Direction,
}

impl Dim {
    /// Every dimension, with its URL name.
    pub const ALL: [(&'static str, Dim); 10] = [
        ("srcnet", Dim::SrcNet),
        ("srcaddr", Dim::SrcAddr),
        ("dstnet", Dim::DstNet),
        ("dstaddr", Dim::DstAddr),
        ("dstport", Dim::DstPort),
        ("protocol", Dim::Protocol),
        ("action", Dim::Action),
        ("path", Dim::Path),
        ("interface", Dim::Interface),
        ("direction", Dim::Direction),
    ];

    /// Reads a URL name.
    pub fn parse(name: &str) -> Option<Dim> {
        Dim::ALL.iter().find(|(n, _)| *n == name).map(|(_, d)| *d)
    }

    /// The `flows` column a click on a node of this dimension filters (none for networks).
    pub fn column(self) -> Option<&'static str> {
        match self {
            Dim::SrcAddr => Some("srcaddr"),
            Dim::DstAddr => Some("dstaddr"),
            Dim::DstPort => Some("dstport"),
            Dim::Protocol => Some("protocol"),
            Dim::Action => Some("action"),
            Dim::Path => Some("traffic_path"),
            Dim::Interface => Some("interface_id"),
            Dim::Direction => Some("flow_direction"),
            Dim::SrcNet | Dim::DstNet => None,
        }
    }
}

/// A node of the Sankey.
#[derive(Debug, Serialize)]
pub struct Node {
    /// Unique across dimensions (`2:REJECT`).
    pub id: String,
    /// The dimension's position.
    pub level: usize,
    /// The value as shown.
    pub label: String,
    /// The value to filter on when clicked (`None` for "other" and networks).
    pub filter: Option<(String, String)>,
    /// Bytes through the node.
    pub bytes: u64,
}

/// A link of the Sankey.
#[derive(Debug, Serialize)]
pub struct Link {
    /// Node id.
    pub source: String,
    /// Node id.
    pub target: String,
    /// Bytes.
    pub bytes: u64,
    /// Records.
    pub flows: u64,
}

/// The Sankey.
#[derive(Debug, Serialize)]
pub struct Sankey {
    /// The dimensions, in order.
    pub dims: Vec<Dim>,
    /// Nodes.
    pub nodes: Vec<Node>,
    /// Links between consecutive dimensions.
    pub links: Vec<Link>,
}

const OTHER: u32 = u32::MAX - 1;

struct Columns {
    buf: [Vec<u32>; 5],
}

/// The Sankey of `dims` (2 to 5), each dimension cut to its `n` largest values by bytes plus "other".
pub fn sankey(
    cache: &Cache,
    derived: &Derived,
    filter: Option<&Arc<dyn PhysicalExpr>>,
    dims: &[Dim],
    n: usize,
    threads: usize,
) -> datafusion::error::Result<Sankey> {
    let dims: Vec<Dim> = dims.iter().copied().take(5).collect();
    let ok = key_of(cache, "log_status", "OK");
    let accs = fold(
        cache,
        filter,
        threads,
        || {
            (
                HashMap::<[u32; 5], (u64, u64)>::new(),
                Columns {
                    buf: Default::default(),
                },
                Vec::<u32>::new(),
            )
        },
        |(map, cols, status), s| {
            let b = s.batch;
            let [action, src, dst, iface, dir] = &mut cols.buf;
            keys(cache, b, "action", action);
            keys(cache, b, "srcaddr", src);
            keys(cache, b, "dstaddr", dst);
            keys(cache, b, "interface_id", iface);
            keys(cache, b, "flow_direction", dir);
            keys(cache, b, "log_status", status);
            let port = Numbers::of(cache, b, "dstport");
            let proto = Numbers::of(cache, b, "protocol");
            let path = Numbers::of(cache, b, "traffic_path");
            let bytes = Numbers::of(cache, b, "bytes");
            for i in 0..b.num_rows() {
                if !s.passes(i) || !(status[i] == u32::MAX || Some(status[i]) == ok) {
                    continue;
                }
                let mut key = [0u32; 5];
                for (slot, d) in key.iter_mut().zip(&dims) {
                    let num = |v: Option<i64>| {
                        v.map_or(u32::MAX, |x| x.clamp(0, u32::MAX as i64 - 2) as u32)
                    };
                    *slot = match d {
                        Dim::SrcNet => net(&derived.src_net, src[i]),
                        Dim::SrcAddr => src[i],
                        Dim::DstNet => net(&derived.dst_net, dst[i]),
                        Dim::DstAddr => dst[i],
                        Dim::DstPort => num(port.get(i)),
                        Dim::Protocol => num(proto.get(i)),
                        Dim::Action => action[i],
                        Dim::Path => num(path.get(i)),
                        Dim::Interface => iface[i],
                        Dim::Direction => dir[i],
                    };
                }
                let e = map.entry(key).or_default();
                e.0 += bytes.get(i).unwrap_or(0).max(0) as u64;
                e.1 += 1;
            }
        },
    )?;
    let mut all: HashMap<[u32; 5], (u64, u64)> = HashMap::new();
    for (m, _, _) in accs {
        for (k, v) in m {
            let e = all.entry(k).or_default();
            e.0 += v.0;
            e.1 += v.1;
        }
    }
    // The n largest values of each dimension; the rest become "other".
    let mut keep: Vec<Vec<u32>> = Vec::new();
    for level in 0..dims.len() {
        let mut totals: HashMap<u32, u64> = HashMap::new();
        for (k, v) in &all {
            *totals.entry(k[level]).or_default() += v.0;
        }
        let mut vals: Vec<(u32, u64)> = totals.into_iter().collect();
        vals.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        keep.push(vals.into_iter().take(n).map(|(v, _)| v).collect());
    }
    let mut links: BTreeMap<(usize, u32, u32), (u64, u64)> = BTreeMap::new();
    let mut node_bytes: BTreeMap<(usize, u32), u64> = BTreeMap::new();
    for (k, v) in &all {
        let mapped: Vec<u32> = (0..dims.len())
            .map(|l| if keep[l].contains(&k[l]) { k[l] } else { OTHER })
            .collect();
        for l in 0..dims.len() {
            *node_bytes.entry((l, mapped[l])).or_default() += v.0;
            if l + 1 < dims.len() {
                let e = links.entry((l, mapped[l], mapped[l + 1])).or_default();
                e.0 += v.0;
                e.1 += v.1;
            }
        }
    }
    let id = |l: usize, v: u32| format!("{l}:{v}");
    let nodes = node_bytes
        .iter()
        .map(|(&(l, v), &bytes)| {
            let (label, value) = label(cache, derived, dims[l], v);
            Node {
                id: id(l, v),
                level: l,
                filter: dims[l].column().zip(value).map(|(c, v)| (c.to_string(), v)),
                label,
                bytes,
            }
        })
        .collect();
    let links = links
        .into_iter()
        .map(|((l, a, b), (bytes, flows))| Link {
            source: id(l, a),
            target: id(l + 1, b),
            bytes,
            flows,
        })
        .collect();
    Ok(Sankey { dims, nodes, links })
}

fn net(map: &[u32], key: u32) -> u32 {
    if key == u32::MAX {
        u32::MAX
    } else {
        map[key as usize]
    }
}

/// A node's label and the value to filter on.
fn label(cache: &Cache, derived: &Derived, dim: Dim, v: u32) -> (String, Option<String>) {
    if v == OTHER {
        return ("…".to_string(), None);
    }
    if v == u32::MAX {
        return ("-".to_string(), None);
    }
    let text = |c: &str| text_of(cache, c, v).unwrap_or_default();
    match dim {
        Dim::SrcNet | Dim::DstNet => (derived.nets[v as usize].clone(), None),
        Dim::SrcAddr => (text("srcaddr"), Some(text("srcaddr"))),
        Dim::DstAddr => (text("dstaddr"), Some(text("dstaddr"))),
        Dim::Action => (text("action"), Some(text("action"))),
        Dim::Interface => (text("interface_id"), Some(text("interface_id"))),
        Dim::Direction => (text("flow_direction"), Some(text("flow_direction"))),
        Dim::DstPort => {
            let name = vpcflow_catalog::services::name(v as u16, 6)
                .or_else(|| vpcflow_catalog::services::name(v as u16, 17));
            (
                match name {
                    Some(n) => format!("{v} {n}"),
                    None => v.to_string(),
                },
                Some(v.to_string()),
            )
        }
        Dim::Protocol => (
            vpcflow_catalog::protocols::name(v as u8).map_or(v.to_string(), |n| n.to_string()),
            Some(v.to_string()),
        ),
        Dim::Path => (v.to_string(), Some(v.to_string())),
    }
}

/// A node of the VPC drawing.
#[derive(Debug, Serialize, Clone)]
pub struct MapNode {
    /// `subnet-…`, `eni-…`, `igw-…`, `internet`, `private`.
    pub id: String,
    /// `subnet`, `interface`, `gateway`, `internet`, `private`, `vpc`.
    pub kind: &'static str,
    /// What to show under the id (a description, a CIDR), as written in the configuration.
    pub detail: Option<String>,
    /// Bytes on the node's traffic edges.
    pub bytes: u64,
}

/// An edge of the VPC drawing.
#[derive(Debug, Serialize, Clone)]
pub struct MapEdge {
    /// Node id.
    pub source: String,
    /// Node id.
    pub target: String,
    /// `structure` (membership, routes) or `traffic`.
    pub kind: &'static str,
    /// Bytes (traffic).
    pub bytes: u64,
    /// Records (traffic).
    pub flows: u64,
    /// Rejected records (traffic).
    pub rejects: u64,
}

/// The VPC with the traffic on it.
#[derive(Debug, Serialize, Default)]
pub struct VpcMap {
    /// Nodes.
    pub nodes: Vec<MapNode>,
    /// Edges.
    pub edges: Vec<MapEdge>,
    /// Whether interfaces were rolled up into their subnets (too many to draw).
    pub rolled_up: bool,
}

/// How many interfaces the map draws one by one before it shows subnets only.
pub const MAX_INTERFACES: usize = 150;

/// Where an address is: an interface of the model, a subnet of it, the internet, or private space elsewhere.
fn place(model: &VpcModel, ip: Option<IpAddr>) -> String {
    let Some(ip) = ip else {
        return "private".to_string();
    };
    if let Some(i) = model.interface_by_addr(ip) {
        return i.id.clone();
    }
    if let Some(s) = model
        .subnets
        .values()
        .find(|s| s.cidrs.iter().any(|c| c.contains(&ip)))
    {
        return s.id.clone();
    }
    if crate::panels::is_private(ip) {
        "private".to_string()
    } else {
        "internet".to_string()
    }
}

/// The VPC of `model` with the selected traffic between its interfaces and their peers.
pub fn vpc_map(
    cache: &Cache,
    model: &VpcModel,
    filter: Option<&Arc<dyn PhysicalExpr>>,
    threads: usize,
) -> datafusion::error::Result<VpcMap> {
    let ips = |c: &str| -> Vec<Option<IpAddr>> {
        cache.dictionary(c).map_or(Vec::new(), |d| {
            (0..d.len())
                .map(|i| vpcflow_record::values::parse_addr(d.value(i).as_bytes()))
                .collect()
        })
    };
    let (src_ip, dst_ip) = (ips("srcaddr"), ips("dstaddr"));
    let ifaces: Vec<String> = cache.dictionary("interface_id").map_or(Vec::new(), |d| {
        (0..d.len()).map(|i| d.value(i).to_string()).collect()
    });
    let own: Vec<Vec<IpAddr>> = ifaces
        .iter()
        .map(|i| {
            model
                .interfaces
                .get(i)
                .map_or(Vec::new(), |x| x.addresses.clone())
        })
        .collect();
    let reject = key_of(cache, "action", "REJECT");
    let accs = fold(
        cache,
        filter,
        threads,
        || {
            (
                HashMap::<(u32, bool, u32), (u64, u64, u64)>::new(),
                <[Vec<u32>; 4]>::default(),
            )
        },
        |(map, buf), s| {
            let b = s.batch;
            let [src, dst, iface, action] = buf;
            keys(cache, b, "srcaddr", src);
            keys(cache, b, "dstaddr", dst);
            keys(cache, b, "interface_id", iface);
            keys(cache, b, "action", action);
            let bytes = Numbers::of(cache, b, "bytes");
            for i in 0..b.num_rows() {
                if !s.passes(i) || iface[i] == u32::MAX || src[i] == u32::MAX || dst[i] == u32::MAX
                {
                    continue;
                }
                let s_ip = src_ip[src[i] as usize];
                // The remote end is the one that is not the interface's own address.
                let outbound = s_ip.is_some_and(|ip| own[iface[i] as usize].contains(&ip));
                let remote = if outbound { dst[i] } else { src[i] };
                let e = map.entry((iface[i], outbound, remote)).or_default();
                e.0 += bytes.get(i).unwrap_or(0).max(0) as u64;
                e.1 += 1;
                e.2 += (action[i] != u32::MAX && Some(action[i]) == reject) as u64;
            }
        },
    )?;
    // Per interface and peer place.
    let mut traffic: BTreeMap<(String, String), (u64, u64, u64)> = BTreeMap::new();
    for (m, _) in accs {
        for ((i, outbound, remote), v) in m {
            let ip = if outbound {
                dst_ip[remote as usize]
            } else {
                src_ip[remote as usize]
            };
            let e = traffic
                .entry((ifaces[i as usize].clone(), place(model, ip)))
                .or_default();
            e.0 += v.0;
            e.1 += v.1;
            e.2 += v.2;
        }
    }
    Ok(draw(model, traffic))
}

fn draw(model: &VpcModel, traffic: BTreeMap<(String, String), (u64, u64, u64)>) -> VpcMap {
    let mut seen_ifaces: Vec<&String> = traffic.keys().map(|(i, _)| i).collect();
    seen_ifaces.dedup();
    let interfaces: Vec<String> = model
        .interfaces
        .keys()
        .chain(seen_ifaces)
        .cloned()
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let rolled_up = interfaces.len() > MAX_INTERFACES;
    let subnet_of = |iface: &str| -> Option<String> {
        model
            .interfaces
            .get(iface)
            .and_then(|i| i.subnet_id.clone())
    };
    // A node stands for an interface, or for its subnet when rolled up.
    let node_of = |id: &str| -> String {
        if rolled_up && id.starts_with("eni-") {
            subnet_of(id).unwrap_or_else(|| "private".to_string())
        } else {
            id.to_string()
        }
    };
    let mut nodes: BTreeMap<String, MapNode> = BTreeMap::new();
    fn add(
        nodes: &mut BTreeMap<String, MapNode>,
        id: &str,
        kind: &'static str,
        detail: Option<String>,
    ) {
        nodes.entry(id.to_string()).or_insert(MapNode {
            id: id.to_string(),
            kind,
            detail,
            bytes: 0,
        });
    }
    add(&mut nodes, "internet", "internet", None);
    for s in model.subnets.values() {
        let cidrs: Vec<String> = s.cidrs.iter().map(|c| c.to_string()).collect();
        add(&mut nodes, &s.id, "subnet", Some(cidrs.join(", ")));
    }
    let mut edges: Vec<MapEdge> = Vec::new();
    let structure = |a: &str, b: &str| MapEdge {
        source: a.to_string(),
        target: b.to_string(),
        kind: "structure",
        bytes: 0,
        flows: 0,
        rejects: 0,
    };
    if !rolled_up {
        for id in &interfaces {
            let i = model.interfaces.get(id);
            add(
                &mut nodes,
                id,
                "interface",
                i.and_then(|i| i.description.clone().or(i.instance_id.clone())),
            );
            if let Some(s) = subnet_of(id) {
                add(&mut nodes, &s, "subnet", None);
                edges.push(structure(id, &s));
            }
        }
    }
    for rt in model.route_tables.values() {
        let subnets: Vec<&String> = if rt.main && rt.subnets.is_empty() {
            model.subnets.keys().collect()
        } else {
            rt.subnets.iter().collect()
        };
        for r in &rt.routes {
            if r.target.kind == RouteTargetKind::Local || r.target.id.is_empty() {
                continue;
            }
            add(
                &mut nodes,
                &r.target.id,
                "gateway",
                Some(format!("{:?}", r.target.kind)),
            );
            if r.target.kind == RouteTargetKind::InternetGateway {
                edges.push(structure(&r.target.id, "internet"));
            }
            for s in &subnets {
                edges.push(structure(s, &r.target.id));
            }
        }
    }
    for igw in model.internet_gateways.values() {
        add(
            &mut nodes,
            &igw.id,
            "gateway",
            Some("InternetGateway".to_string()),
        );
        edges.push(structure(&igw.id, "internet"));
    }
    let mut merged: BTreeMap<(String, String), (u64, u64, u64)> = BTreeMap::new();
    for ((iface, peer), v) in traffic {
        let (a, b) = (node_of(&iface), node_of(&peer));
        if a == b && rolled_up {
            continue;
        }
        let e = merged.entry((a, b)).or_default();
        e.0 += v.0;
        e.1 += v.1;
        e.2 += v.2;
    }
    for ((a, b), (bytes, flows, rejects)) in merged {
        for id in [&a, &b] {
            let kind = match id.as_str() {
                "internet" => "internet",
                "private" => "private",
                x if x.starts_with("subnet-") => "subnet",
                _ => "interface",
            };
            add(&mut nodes, id, kind, None);
            if let Some(n) = nodes.get_mut(id.as_str()) {
                n.bytes += bytes;
            }
        }
        edges.push(MapEdge {
            source: a,
            target: b,
            kind: "traffic",
            bytes,
            flows,
            rejects,
        });
    }
    edges.dedup_by(|x, y| {
        x.kind == "structure"
            && y.kind == "structure"
            && x.source == y.source
            && x.target == y.target
    });
    VpcMap {
        nodes: nodes.into_values().collect(),
        edges,
        rolled_up,
    }
}

/// A rule (or missing rule) that blocks rejected traffic, with how much.
#[derive(Debug, Serialize)]
pub struct BlockingRule {
    /// The rule in words (the configuration's step that denies the request).
    pub rule: String,
    /// The smallest change that would allow it, in words.
    pub fix: Option<String>,
    /// Rejected records it accounts for (among the combinations evaluated).
    pub flows: u64,
    /// The combinations, most records first (at most five).
    pub examples: Vec<RejectRow>,
}

/// Evaluates each rejected combination's request against the configuration and groups them by the step that
/// denies it. `srcport` gives each combination's example source port (network ACLs look at it).
pub fn blocking_rules(
    model: &VpcModel,
    rows: &[RejectRow],
    srcport: &dyn Fn(u32) -> Option<u16>,
    lang: Lang,
) -> Vec<BlockingRule> {
    let mut groups: Vec<BlockingRule> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for row in rows {
        let (Some(iface), Some(src), Some(dst)) = (&row.key.interface, &row.key.src, &row.key.dst)
        else {
            continue;
        };
        let (Some(src_ip), Some(dst_ip)) = (
            vpcflow_record::values::parse_addr(src.as_bytes()),
            vpcflow_record::values::parse_addr(dst.as_bytes()),
        ) else {
            continue;
        };
        let owner = model.interfaces.get(iface);
        let direction = match owner {
            Some(i) if i.owns(dst_ip) => Direction::Ingress,
            Some(i) if i.owns(src_ip) => Direction::Egress,
            _ => {
                if crate::panels::is_private(dst_ip) && !crate::panels::is_private(src_ip) {
                    Direction::Ingress
                } else {
                    Direction::Egress
                }
            }
        };
        let protocol = row.key.protocol.unwrap_or(0).clamp(0, 255) as u8;
        let packet = Packet {
            interface: iface.clone(),
            direction,
            src: src_ip,
            dst: dst_ip,
            protocol,
            src_port: srcport(row.example).unwrap_or(0),
            dst_port: row.key.dstport.unwrap_or(0).clamp(0, 65535) as u16,
            icmp: vpcflow_netmodel::icmp_echo(protocol, false),
            established: false,
        };
        let verdict = model.evaluate(&packet);
        let words = vpcflow_explain::words(lang);
        let (key, rule, fix) = match verdict.decided_by() {
            Some(step) => (
                format!("{:?}", step.control),
                words.step(step, &packet).plain(),
                step.fix.as_ref().map(|f| words.fix(f).plain()),
            ),
            None => (
                "allowed".to_string(),
                match lang {
                    Lang::En => "The configuration allows the request: the reply was rejected, or the rules changed after the records were written".to_string(),
                    Lang::Ja => "設定はこの要求を許可します。応答が拒否されたか、記録の後でルールが変更されました".to_string(),
                },
                None,
            ),
        };
        let at = *index.entry(key).or_insert_with(|| {
            groups.push(BlockingRule {
                rule,
                fix,
                flows: 0,
                examples: Vec::new(),
            });
            groups.len() - 1
        });
        let g = &mut groups[at];
        g.flows += row.flows;
        if g.examples.len() < 5 {
            g.examples.push(row.clone());
        }
    }
    groups.sort_by_key(|g| std::cmp::Reverse(g.flows));
    groups
}
