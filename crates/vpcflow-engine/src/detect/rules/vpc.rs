//! With the VPC's configuration: which security group rule let a finding's accepted inbound traffic in, and the
//! smallest change that would close it.

use super::port_of;
use crate::detect::{Closing, Fact, Finding, RuleFact};
use std::net::IpAddr;
use vpcflow_netmodel::{Control, Direction, Packet, Peer, StepOutcome, VpcModel};

/// Whether a finding is about accepted traffic into one of the VPC's hosts.
fn inbound_accepted(f: &Finding) -> bool {
    match &f.fact {
        Fact::Exposure { .. } | Fact::BruteForce { .. } => true,
        Fact::Listed {
            outbound, accepted, ..
        } => !outbound && *accepted,
        Fact::PortScan { accepted_ports, .. } => *accepted_ports > 0,
        _ => false,
    }
}

/// Annotates every finding about accepted inbound traffic with the rule that allowed it.
pub(crate) fn annotate(findings: &mut [Finding], model: &VpcModel) {
    for f in findings.iter_mut().filter(|f| inbound_accepted(f)) {
        let Some(target) = f.target else { continue };
        let Some(iface) = model.interface_by_addr(target) else {
            continue;
        };
        let source = f.actor.or_else(|| {
            f.evidence
                .examples
                .first()
                .and_then(|e| e.srcaddr.parse().ok())
        });
        let (Some(source), Some(port)) = (source, port_of(f)) else {
            continue;
        };
        let packet = Packet {
            interface: iface.id.clone(),
            direction: Direction::Ingress,
            src: source,
            dst: target,
            protocol: f
                .evidence
                .examples
                .first()
                .and_then(|e| e.protocol)
                .unwrap_or(6),
            src_port: 50000,
            dst_port: port,
            icmp: None,
            established: false,
        };
        let verdict = model.evaluate(&packet);
        let allowed_by = verdict
            .steps
            .iter()
            .find_map(|s| match (&s.control, s.outcome) {
                (
                    Control::SecurityGroup {
                        allowed_by: Some((group, rule)),
                        ..
                    },
                    StepOutcome::Allow,
                ) => Some((group.clone(), rule.clone())),
                _ => None,
            });
        let Some((group_id, rule)) = allowed_by else {
            continue;
        };
        let vpc = iface
            .vpc_id
            .as_deref()
            .map(|v| model.vpc_cidrs(v))
            .unwrap_or_default();
        let fix = closing(&group_id, &rule, source, &vpc);
        f.rule = Some(RuleFact {
            group_id,
            rule,
            fix,
        });
    }
}

/// The smallest change: a rule open to the whole internet (or a wide range holding the source) is narrowed to
/// the VPC's own ranges when they are known; any other rule is removed.
fn closing(
    group_id: &str,
    rule: &vpcflow_netmodel::SgRule,
    source: IpAddr,
    vpc: &[ipnet::IpNet],
) -> Closing {
    let wide = match &rule.peer {
        Peer::Cidr(net) => {
            net.contains(&source) && net.prefix_len() < if source.is_ipv4() { 24 } else { 48 }
        }
        _ => false,
    };
    // The VPC's ranges of the source's family, without those inside another (a subnet within the VPC's CIDR).
    let same: Vec<&ipnet::IpNet> = vpc
        .iter()
        .filter(|n| n.addr().is_ipv4() == source.is_ipv4())
        .collect();
    let family: Vec<String> = same
        .iter()
        .filter(|n| !same.iter().any(|m| m != *n && m.contains(**n)))
        .map(|n| n.to_string())
        .collect();
    if wide && !family.is_empty() {
        Closing::NarrowSource {
            group_id: group_id.to_string(),
            from: rule.peer.to_string(),
            to: family,
            json_path: rule.json_path.clone(),
        }
    } else {
        Closing::RevokeRule {
            group_id: group_id.to_string(),
            json_path: rule.json_path.clone(),
        }
    }
}
