//! Which address belongs to which network interface, and which traffic AWS leaves out of flow logs.
//!
//! A capture knows addresses; a flow log is about interfaces. The map says which interface (and so which
//! account, VPC, subnet and instance) owns an address, so that one packet becomes an egress observation on the
//! sender's interface and an ingress observation on the receiver's. It comes from `--eni ADDR=eni-…` flags, an
//! interface map file, or the interfaces of a VPC configuration. The same ranges decide what AWS does not log:
//! the Amazon DNS server (VPC base + 2), the VPC router (subnet base + 1), the link-local services (metadata,
//! time sync, DNS, Windows activation) and DHCP.

use ipnet::IpNet;
use serde::Deserialize;
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::Path;
use vpcflow_netmodel::VpcModel;
use vpcflow_record::FileError;

use crate::packet::PacketInfo;

type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// One network interface and what its records say about it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InterfaceInfo {
    /// `eni-…`.
    pub id: String,
    /// The owner account (`account-id`); the map's account when absent.
    #[serde(default)]
    pub account: Option<String>,
    /// Its private addresses, primary first (the primary IPv4 is what `srcaddr`/`dstaddr` show for the
    /// interface's own side).
    #[serde(default)]
    pub addresses: Vec<IpAddr>,
    /// Public addresses (public IPv4 or Elastic IP): traffic to them arrives at the primary private address.
    #[serde(default)]
    pub public_addresses: Vec<IpAddr>,
    /// `vpc-id`.
    #[serde(default, alias = "vpc")]
    pub vpc_id: Option<String>,
    /// The VPC's ranges (for the Amazon DNS address, VPC base + 2).
    #[serde(default, alias = "vpc_cidr")]
    pub vpc_cidrs: Vec<IpNet>,
    /// `subnet-id`.
    #[serde(default, alias = "subnet")]
    pub subnet_id: Option<String>,
    /// The subnet's ranges (for the VPC router's address, subnet base + 1).
    #[serde(default, alias = "subnet_cidr")]
    pub subnet_cidrs: Vec<IpNet>,
    /// `instance-id`; absent for requester-managed interfaces (NAT gateways, endpoints).
    #[serde(default, alias = "instance")]
    pub instance_id: Option<String>,
    /// `region`; the map's region when absent.
    #[serde(default)]
    pub region: Option<String>,
    /// `az-id`.
    #[serde(default)]
    pub az_id: Option<String>,
    /// `interface`, `nat_gateway`, `vpc_endpoint`, … (`interface-type` is written for the others).
    #[serde(default, alias = "type")]
    pub interface_type: Option<String>,
}

impl InterfaceInfo {
    /// The address the interface's own side of a record shows for traffic of this family: the primary private
    /// IPv4 (AWS writes it even for traffic to a secondary address), or the packet's own IPv6 address.
    pub fn own_address(&self, packet_addr: IpAddr) -> IpAddr {
        match packet_addr {
            IpAddr::V4(_) => self
                .addresses
                .iter()
                .copied()
                .find(IpAddr::is_ipv4)
                .unwrap_or(packet_addr),
            IpAddr::V6(_) => packet_addr,
        }
    }

    /// Whether this is a NAT gateway's interface.
    pub fn is_nat_gateway(&self) -> bool {
        self.interface_type.as_deref() == Some("nat_gateway")
    }
}

/// An interface map file (`--eni-map`): YAML or JSON.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InterfaceMapFile {
    /// The account of every interface that does not name its own.
    #[serde(default)]
    pub account: Option<String>,
    /// The region of every interface that does not name its own.
    #[serde(default)]
    pub region: Option<String>,
    /// The interfaces.
    pub interfaces: Vec<InterfaceInfo>,
}

/// Why an interface map could not be built.
#[derive(Debug, thiserror::Error)]
pub enum MapError {
    /// The file could not be read, or is not a valid map.
    #[error(transparent)]
    File(#[from] FileError),
    /// Two interfaces claim one address.
    #[error("address {addr} belongs to both {first} and {second}")]
    Duplicate {
        /// The address.
        addr: IpAddr,
        /// The first interface.
        first: String,
        /// The second interface.
        second: String,
    },
    /// An `--eni` flag that is not `ADDR=eni-…`.
    #[error("--eni {0}: expected ADDRESS=eni-ID (e.g. 10.0.1.5=eni-0a1b2c3d4e5f67890)")]
    BadFlag(String),
}

/// The interfaces being logged, looked up by address.
#[derive(Clone, Debug, Default)]
pub struct InterfaceMap {
    interfaces: Vec<InterfaceInfo>,
    by_addr: FastMap<IpAddr, u32>,
    by_public: FastMap<IpAddr, u32>,
}

/// The `by_addr` value of an address AWS does not log.
const UNLOGGED: u32 = u32::MAX;

/// Link-local services AWS never logs: instance metadata, time sync, the Amazon DNS server's link-local address,
/// Windows license activation, and their IPv6 counterparts.
const UNLOGGED_FIXED: [IpAddr; 8] = [
    IpAddr::V4(Ipv4Addr::new(169, 254, 169, 254)),
    IpAddr::V4(Ipv4Addr::new(169, 254, 169, 123)),
    IpAddr::V4(Ipv4Addr::new(169, 254, 169, 253)),
    IpAddr::V4(Ipv4Addr::new(169, 254, 169, 250)),
    IpAddr::V4(Ipv4Addr::new(169, 254, 169, 251)),
    IpAddr::V6(Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254)),
    IpAddr::V6(Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x123)),
    IpAddr::V6(Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x253)),
];

fn nth(net: &IpNet, n: u128) -> IpAddr {
    match net.network() {
        IpAddr::V4(a) => IpAddr::V4(Ipv4Addr::from(u32::from(a).wrapping_add(n as u32))),
        IpAddr::V6(a) => IpAddr::V6(Ipv6Addr::from(u128::from(a).wrapping_add(n))),
    }
}

impl InterfaceMap {
    /// A map of `interfaces`; fails when two claim one address.
    pub fn new(interfaces: Vec<InterfaceInfo>) -> Result<InterfaceMap, MapError> {
        let mut map = InterfaceMap::default();
        let mut unlogged = Vec::from(UNLOGGED_FIXED);
        for (i, iface) in interfaces.iter().enumerate() {
            for addr in &iface.addresses {
                if let Some(prev) = map.by_addr.insert(*addr, i as u32)
                    && prev as usize != i
                {
                    return Err(MapError::Duplicate {
                        addr: *addr,
                        first: interfaces[prev as usize].id.clone(),
                        second: iface.id.clone(),
                    });
                }
            }
            for addr in &iface.public_addresses {
                map.by_public.insert(*addr, i as u32);
            }
            for net in &iface.vpc_cidrs {
                // The Amazon DNS server; IPv6 ranges have no such address.
                if net.network().is_ipv4() {
                    unlogged.push(nth(net, 2));
                }
            }
            for net in &iface.subnet_cidrs {
                if net.network().is_ipv4() {
                    // The VPC router, and the address AWS reserves for DNS in every subnet.
                    unlogged.push(nth(net, 1));
                    unlogged.push(nth(net, 2));
                }
            }
        }
        for a in unlogged {
            // An address an interface claims is that interface's, whatever its range says.
            map.by_addr.entry(a).or_insert(UNLOGGED);
        }
        map.interfaces = interfaces;
        Ok(map)
    }

    /// A map from `--eni ADDR=eni-…` flags (an interface named twice gets both addresses, the first primary).
    pub fn from_flags(
        flags: &[String],
        account: Option<&str>,
        region: Option<&str>,
    ) -> Result<InterfaceMap, MapError> {
        let mut interfaces: Vec<InterfaceInfo> = Vec::new();
        for flag in flags {
            let (addr, id) = flag
                .split_once('=')
                .ok_or_else(|| MapError::BadFlag(flag.clone()))?;
            let addr: IpAddr = addr
                .trim()
                .parse()
                .map_err(|_| MapError::BadFlag(flag.clone()))?;
            let id = id.trim();
            if id.is_empty() {
                return Err(MapError::BadFlag(flag.clone()));
            }
            match interfaces.iter_mut().find(|i| i.id == id) {
                Some(i) => i.addresses.push(addr),
                None => interfaces.push(InterfaceInfo {
                    id: id.to_string(),
                    account: account.map(str::to_string),
                    region: region.map(str::to_string),
                    addresses: vec![addr],
                    ..InterfaceInfo::default()
                }),
            }
        }
        InterfaceMap::new(interfaces)
    }

    /// Reads an interface map file (YAML or JSON).
    pub fn from_file(path: &Path) -> Result<InterfaceMap, MapError> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| FileError::io(name.as_str(), e))?;
        let file: InterfaceMapFile =
            serde_norway::from_str(&text).map_err(|e| crate::yaml_error(&name, e))?;
        let interfaces = file
            .interfaces
            .into_iter()
            .map(|mut i| {
                i.account = i.account.or_else(|| file.account.clone());
                i.region = i.region.or_else(|| file.region.clone());
                i
            })
            .collect();
        InterfaceMap::new(interfaces)
    }

    /// The interfaces of a VPC configuration, with their subnets' and VPCs' ranges. `describe-network-interfaces`
    /// does not carry the account that flow logs write, so it is given here.
    pub fn from_model(
        model: &VpcModel,
        account: Option<&str>,
        region: Option<&str>,
    ) -> Result<InterfaceMap, MapError> {
        let interfaces = model
            .interfaces
            .values()
            .map(|i| InterfaceInfo {
                id: i.id.clone(),
                account: account.map(str::to_string),
                addresses: i.addresses.clone(),
                public_addresses: i.public_ips.clone(),
                vpc_id: i.vpc_id.clone(),
                vpc_cidrs: i
                    .vpc_id
                    .as_deref()
                    .map(|v| model.vpc_cidrs(v))
                    .unwrap_or_default(),
                subnet_id: i.subnet_id.clone(),
                subnet_cidrs: i
                    .subnet_id
                    .as_deref()
                    .and_then(|s| model.subnets.get(s))
                    .map(|s| s.cidrs.clone())
                    .unwrap_or_default(),
                instance_id: i.instance_id.clone(),
                region: region.map(str::to_string),
                az_id: None,
                interface_type: i.interface_type.clone(),
            })
            .collect();
        InterfaceMap::new(interfaces)
    }

    /// The interfaces, in map order (the order records are written in).
    pub fn interfaces(&self) -> &[InterfaceInfo] {
        &self.interfaces
    }

    /// How many interfaces.
    pub fn len(&self) -> usize {
        self.interfaces.len()
    }

    /// Whether the map is empty.
    pub fn is_empty(&self) -> bool {
        self.interfaces.is_empty()
    }

    /// The interface at `index`.
    pub fn get(&self, index: u32) -> &InterfaceInfo {
        &self.interfaces[index as usize]
    }

    /// The index of the interface named `id`.
    pub fn index_of(&self, id: &str) -> Option<u32> {
        self.interfaces
            .iter()
            .position(|i| i.id == id)
            .map(|i| i as u32)
    }

    /// The interface that owns private address `addr`.
    #[inline]
    pub fn lookup(&self, addr: IpAddr) -> Option<u32> {
        self.by_addr.get(&addr).copied().filter(|i| *i != UNLOGGED)
    }

    /// The interface that owns public address `addr`.
    pub fn lookup_public(&self, addr: IpAddr) -> Option<u32> {
        self.by_public.get(&addr).copied()
    }

    /// Whether AWS leaves this packet out of flow logs: traffic to or from the Amazon DNS server, the VPC
    /// router, the link-local services, and DHCP.
    #[inline]
    pub fn is_unlogged(&self, p: &PacketInfo) -> bool {
        self.classify(p).is_none()
    }

    /// The interfaces that own the packet's source and destination, or `None` when AWS does not log the
    /// packet. One lookup per address: interface addresses and unlogged addresses share a table.
    #[inline]
    pub fn classify(&self, p: &PacketInfo) -> Option<(Option<u32>, Option<u32>)> {
        if p.protocol == 17
            && matches!(
                (p.src_port, p.dst_port),
                (67 | 68, 67 | 68) | (546 | 547, 546 | 547)
            )
        {
            return None;
        }
        let src = self.by_addr.get(&p.src).copied();
        let dst = self.by_addr.get(&p.dst).copied();
        if src == Some(UNLOGGED) || dst == Some(UNLOGGED) {
            return None;
        }
        Some((src, dst))
    }
}
