//! The configuration, as data: what each `describe-*` call returns, reduced to what decides a packet's fate.

use ipnet::IpNet;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;

use crate::problem::ConfigProblem;

/// An IP protocol as a rule states it: every protocol, or one IANA number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Proto {
    /// `-1`: every protocol (and every port).
    All,
    /// One IANA protocol number (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6, ...).
    Number(u8),
}

impl Proto {
    /// Reads what the CLI prints: `-1`, `tcp`, `udp`, `icmp`, `icmpv6`, `all`, or a number.
    pub fn parse(text: &str) -> Option<Proto> {
        match text.to_ascii_lowercase().as_str() {
            "-1" | "all" => Some(Proto::All),
            "tcp" => Some(Proto::Number(6)),
            "udp" => Some(Proto::Number(17)),
            "icmp" => Some(Proto::Number(1)),
            "icmpv6" => Some(Proto::Number(58)),
            other => other.parse::<u8>().ok().map(Proto::Number),
        }
    }

    /// Whether the rule's protocol covers `protocol`.
    pub fn matches(self, protocol: u8) -> bool {
        match self {
            Proto::All => true,
            Proto::Number(n) => n == protocol,
        }
    }
}

/// Which packets of a protocol a rule covers, beyond the protocol itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase", tag = "kind")]
pub enum PortSpec {
    /// Every port / type (protocol `-1`, or a protocol without ports).
    All,
    /// TCP or UDP destination ports `from..=to`.
    Ports {
        /// First port.
        from: u16,
        /// Last port.
        to: u16,
    },
    /// ICMP type and code; `None` is every type or every code.
    Icmp {
        /// The ICMP type.
        icmp_type: Option<u8>,
        /// The ICMP code.
        code: Option<u8>,
    },
}

/// Whether AWS applies a rule's port range to `protocol`: TCP and UDP only. A security group rule for any other
/// protocol (SCTP included) allows every port whatever range it names, and a network ACL rule for one has no range
/// (EC2 API reference, `IpPermission.IpProtocol` and `NetworkAclEntry.PortRange`).
pub fn rule_ports_apply(protocol: u8) -> bool {
    matches!(protocol, 6 | 17)
}

impl PortSpec {
    /// Whether a packet with destination port `port` (TCP/UDP) or ICMP `icmp` is covered. An ICMP packet whose type
    /// is not known (flow logs do not record it) is covered only by a rule for every type.
    pub fn matches(self, protocol: u8, port: u16, icmp: Option<(u8, u8)>) -> bool {
        match self {
            PortSpec::All => true,
            PortSpec::Ports { from, to } => {
                !rule_ports_apply(protocol) || (from <= port && port <= to)
            }
            PortSpec::Icmp { icmp_type, code } => {
                if !matches!(protocol, 1 | 58) {
                    return true;
                }
                match (icmp_type, icmp) {
                    (None, _) => true,
                    (Some(_), None) => false,
                    (Some(t), Some((pt, pc))) => t == pt && code.is_none_or(|c| c == pc),
                }
            }
        }
    }
}

/// What a security group rule allows traffic from (inbound) or to (outbound).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind", content = "value")]
pub enum Peer {
    /// An IPv4 or IPv6 range.
    Cidr(IpNet),
    /// The interfaces that have this security group.
    SecurityGroup(String),
    /// The ranges of a managed prefix list.
    PrefixList(String),
}

impl fmt::Display for Peer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Peer::Cidr(net) => write!(f, "{net}"),
            Peer::SecurityGroup(id) | Peer::PrefixList(id) => f.write_str(id),
        }
    }
}

/// One allow rule of a security group: one peer of one `IpPermissions` entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SgRule {
    /// The protocol.
    pub protocol: Proto,
    /// Ports or ICMP type/code.
    pub ports: PortSpec,
    /// The other side.
    pub peer: Peer,
    /// The rule's description, when it has one.
    pub description: Option<String>,
    /// Where the rule is in the JSON (`$.SecurityGroups[0].IpPermissions[1].IpRanges[0]`).
    pub json_path: String,
}

/// A security group: allow rules only, applied statefully.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SecurityGroup {
    /// `sg-...`.
    pub id: String,
    /// The group's name.
    pub name: Option<String>,
    /// The VPC.
    pub vpc_id: Option<String>,
    /// Inbound rules (`IpPermissions`).
    pub inbound: Vec<SgRule>,
    /// Outbound rules (`IpPermissionsEgress`).
    pub outbound: Vec<SgRule>,
    /// Rules that could not be read: a packet no readable rule allows might be allowed by one of them.
    pub unreadable_rules: usize,
}

/// One numbered rule of a network ACL.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AclEntry {
    /// 1..=32766, or 32767 for the final `*` rule.
    pub rule_number: u16,
    /// The protocol.
    pub protocol: Proto,
    /// `allow` or `deny`.
    pub allow: bool,
    /// Outbound (`true`) or inbound.
    pub egress: bool,
    /// The range the rule is about: the source for inbound rules, the destination for outbound ones.
    pub cidr: IpNet,
    /// Ports or ICMP type/code.
    pub ports: PortSpec,
}

impl AclEntry {
    /// The number AWS shows for the final rule.
    pub const STAR: u16 = 32767;

    /// Whether this is the final `*` rule.
    pub fn is_star(&self) -> bool {
        self.rule_number == Self::STAR
    }
}

/// A network ACL: numbered rules, lowest first, first match wins, applied to every packet (stateless).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct NetworkAcl {
    /// `acl-...`.
    pub id: String,
    /// The VPC.
    pub vpc_id: Option<String>,
    /// Whether this is the VPC's default ACL (used by subnets with no explicit association).
    pub is_default: bool,
    /// Rules of both directions, sorted by direction then number.
    pub entries: Vec<AclEntry>,
    /// The subnets associated with it.
    pub subnets: Vec<String>,
    /// Rules that could not be read.
    pub unreadable_rules: usize,
}

/// Where a route sends matching packets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RouteTargetKind {
    /// Inside the VPC.
    Local,
    /// An internet gateway.
    InternetGateway,
    /// An egress-only internet gateway (IPv6).
    EgressOnlyInternetGateway,
    /// A virtual private gateway (VPN, Direct Connect).
    VirtualPrivateGateway,
    /// A gateway VPC endpoint or Gateway Load Balancer endpoint.
    VpcEndpoint,
    /// A NAT gateway.
    NatGateway,
    /// A transit gateway.
    TransitGateway,
    /// A VPC peering connection.
    VpcPeering,
    /// A network interface (an appliance).
    NetworkInterface,
    /// An instance (NAT instance).
    Instance,
    /// An Outposts local gateway.
    LocalGateway,
    /// A Wavelength carrier gateway.
    CarrierGateway,
    /// A Cloud WAN core network.
    CoreNetwork,
    /// Something this version does not know.
    Other,
}

/// A route's target.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RouteTarget {
    /// What kind of target.
    pub kind: RouteTargetKind,
    /// Its id (`local` for local routes).
    pub id: String,
}

/// What a route matches.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind", content = "value")]
pub enum RouteDestination {
    /// An IPv4 or IPv6 range.
    Cidr(IpNet),
    /// The ranges of a managed prefix list.
    PrefixList(String),
}

impl fmt::Display for RouteDestination {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RouteDestination::Cidr(net) => write!(f, "{net}"),
            RouteDestination::PrefixList(id) => f.write_str(id),
        }
    }
}

/// One route.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Route {
    /// What it matches.
    pub destination: RouteDestination,
    /// Where it sends packets.
    pub target: RouteTarget,
    /// `false` for a blackhole route (its target is gone): matching packets are dropped.
    pub active: bool,
}

/// A route table and the subnets that use it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RouteTable {
    /// `rtb-...`.
    pub id: String,
    /// The VPC.
    pub vpc_id: Option<String>,
    /// Whether this is the VPC's main table (used by subnets with no explicit association).
    pub main: bool,
    /// Explicitly associated subnets.
    pub subnets: Vec<String>,
    /// The routes.
    pub routes: Vec<Route>,
    /// Routes that could not be read.
    pub unreadable_routes: usize,
}

/// A network interface: the thing a flow log record is about.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Interface {
    /// `eni-...`.
    pub id: String,
    /// Its subnet.
    pub subnet_id: Option<String>,
    /// Its VPC.
    pub vpc_id: Option<String>,
    /// Private addresses, primary first, then IPv6 addresses.
    pub addresses: Vec<IpAddr>,
    /// Public IPv4 addresses associated with it (public IP or Elastic IP).
    pub public_ips: Vec<IpAddr>,
    /// Its security groups.
    pub groups: Vec<String>,
    /// The instance it is attached to.
    pub instance_id: Option<String>,
    /// `interface`, `nat_gateway`, `transit_gateway`, `vpc_endpoint`, ...
    pub interface_type: Option<String>,
    /// What it is for, as AWS or its owner wrote.
    pub description: Option<String>,
}

impl Interface {
    /// Whether `addr` is one of the interface's own (private or public) addresses.
    pub fn owns(&self, addr: IpAddr) -> bool {
        self.addresses.contains(&addr) || self.public_ips.contains(&addr)
    }
}

/// A subnet.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Subnet {
    /// `subnet-...`.
    pub id: String,
    /// Its VPC.
    pub vpc_id: Option<String>,
    /// Its IPv4 and IPv6 ranges.
    pub cidrs: Vec<IpNet>,
}

/// A VPC's address ranges (from `describe-vpcs`; otherwise the union of its subnets' ranges is used).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Vpc {
    /// `vpc-...`.
    pub id: String,
    /// Its IPv4 and IPv6 ranges.
    pub cidrs: Vec<IpNet>,
}

/// An internet gateway and the VPCs it is attached to.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct InternetGateway {
    /// `igw-...`.
    pub id: String,
    /// `(vpc, state)`; AWS prints `available` for an attached gateway.
    pub attachments: Vec<(String, String)>,
}

impl InternetGateway {
    /// Whether the gateway is attached to `vpc` now.
    pub fn attached_to(&self, vpc: &str) -> bool {
        self.attachments
            .iter()
            .any(|(v, state)| v == vpc && matches!(state.as_str(), "available" | "attached"))
    }
}

/// A managed prefix list.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PrefixList {
    /// `pl-...`.
    pub id: String,
    /// Its name (`com.amazonaws.us-east-1.s3`).
    pub name: Option<String>,
    /// Its entries; `None` when only `describe-managed-prefix-lists` was given, not the entries.
    pub cidrs: Option<Vec<IpNet>>,
}

/// Which kinds of configuration were loaded, so that a missing kind is "unknown", not "allowed".
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Loaded {
    /// `describe-security-groups`.
    pub security_groups: bool,
    /// `describe-network-acls`.
    pub network_acls: bool,
    /// `describe-route-tables`.
    pub route_tables: bool,
    /// `describe-network-interfaces`.
    pub interfaces: bool,
    /// `describe-subnets`.
    pub subnets: bool,
    /// `describe-internet-gateways`.
    pub internet_gateways: bool,
}

/// Everything loaded: the resources by id, where they came from, and what could not be read.
#[derive(Clone, Debug, Default, Serialize)]
pub struct VpcModel {
    /// Security groups by id.
    pub security_groups: BTreeMap<String, SecurityGroup>,
    /// Network ACLs by id.
    pub network_acls: BTreeMap<String, NetworkAcl>,
    /// Route tables by id.
    pub route_tables: BTreeMap<String, RouteTable>,
    /// Network interfaces by id.
    pub interfaces: BTreeMap<String, Interface>,
    /// Subnets by id.
    pub subnets: BTreeMap<String, Subnet>,
    /// VPCs by id.
    pub vpcs: BTreeMap<String, Vpc>,
    /// Internet gateways by id.
    pub internet_gateways: BTreeMap<String, InternetGateway>,
    /// Managed prefix lists by id.
    pub prefix_lists: BTreeMap<String, PrefixList>,
    /// Which kinds were loaded.
    pub loaded: Loaded,
    /// The files read.
    pub files: Vec<String>,
    /// What could not be read, with file and JSON path.
    pub problems: Vec<ConfigProblem>,
}

impl VpcModel {
    /// The interface that owns `addr` (a private, IPv6 or public address).
    pub fn interface_by_addr(&self, addr: IpAddr) -> Option<&Interface> {
        self.interfaces.values().find(|i| i.owns(addr))
    }

    /// The network ACL that applies to `subnet`: its explicit association, else the VPC's default ACL.
    pub fn acl_for_subnet(&self, subnet: &str, vpc: Option<&str>) -> Option<&NetworkAcl> {
        self.network_acls
            .values()
            .find(|a| a.subnets.iter().any(|s| s == subnet))
            .or_else(|| {
                self.network_acls
                    .values()
                    .find(|a| a.is_default && vpc.is_none_or(|v| a.vpc_id.as_deref() == Some(v)))
            })
    }

    /// The route table that applies to `subnet`: its explicit association, else the VPC's main table.
    pub fn route_table_for_subnet(&self, subnet: &str, vpc: Option<&str>) -> Option<&RouteTable> {
        self.route_tables
            .values()
            .find(|t| t.subnets.iter().any(|s| s == subnet))
            .or_else(|| {
                self.route_tables
                    .values()
                    .find(|t| t.main && vpc.is_none_or(|v| t.vpc_id.as_deref() == Some(v)))
            })
    }

    /// The ranges of `vpc`: from `describe-vpcs` when given, else its subnets and local routes.
    pub fn vpc_cidrs(&self, vpc: &str) -> Vec<IpNet> {
        if let Some(v) = self.vpcs.get(vpc).filter(|v| !v.cidrs.is_empty()) {
            return v.cidrs.clone();
        }
        let mut out: Vec<IpNet> = self
            .route_tables
            .values()
            .filter(|t| t.vpc_id.as_deref() == Some(vpc))
            .flat_map(|t| t.routes.iter())
            .filter(|r| r.target.kind == RouteTargetKind::Local)
            .filter_map(|r| match r.destination {
                RouteDestination::Cidr(net) => Some(net),
                RouteDestination::PrefixList(_) => None,
            })
            .collect();
        out.extend(
            self.subnets
                .values()
                .filter(|s| s.vpc_id.as_deref() == Some(vpc))
                .flat_map(|s| s.cidrs.iter().copied()),
        );
        out.sort();
        out.dedup();
        out
    }

    /// The ranges of a prefix list, when its entries were loaded.
    pub fn prefix_list_cidrs(&self, id: &str) -> Option<&[IpNet]> {
        self.prefix_lists.get(id)?.cidrs.as_deref()
    }
}
