//! The VPC as AWS configures it, and the rules AWS applies to each packet.
//!
//! Flow logs say *that* a packet was rejected, never *by what*. The answer is in the configuration: the security
//! groups on the interface (stateful allow lists), the network ACL of its subnet (stateless, numbered, first match
//! wins, final deny) and the route table (longest prefix wins; a missing or blackhole route means the packet, or
//! its reply, cannot leave). This crate loads that configuration from the JSON the AWS CLI prints
//! (`aws ec2 describe-security-groups`, `describe-network-acls`, `describe-route-tables`,
//! `describe-network-interfaces`, `describe-subnets`, `describe-internet-gateways`, `describe-vpcs`,
//! `describe-managed-prefix-lists` and `get-managed-prefix-list-entries`) into a [`VpcModel`], and evaluates packets
//! against it ([`VpcModel::evaluate`]) one control at a time, so that a verdict names the exact rule (or the missing
//! rule) and the smallest change that would allow the packet ([`Fix`]).
//!
//! Loading never stops at the first mistake: a malformed element is reported with its file and JSON path
//! ([`ConfigProblem`]) and skipped, and what it would have decided becomes [`StepOutcome::Unknown`] rather than a
//! confident wrong answer. [`ConnTracker`] adds the state security groups keep, for callers that replay packets
//! in order (producing flow logs from a modelled VPC).

mod conntrack;
mod eval;
mod load;
mod model;
mod problem;
mod query;

pub use conntrack::ConnTracker;
pub use eval::{
    Control, Direction, Fix, Missing, NearMiss, Packet, PathCheck, Step, StepOutcome, Verdict,
    icmp_echo,
};
pub use model::{
    AclEntry, Interface, InternetGateway, NetworkAcl, Peer, PortSpec, PrefixList, Proto, Route,
    RouteDestination, RouteTable, RouteTarget, RouteTargetKind, SecurityGroup, SgRule, Subnet, Vpc,
    VpcModel, rule_ports_apply,
};
pub use problem::{ConfigIssue, ConfigProblem, Expected, Found, MissingHint};
pub use query::{PathQuery, PathQueryError};
