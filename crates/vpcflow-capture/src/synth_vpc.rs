//! The configuration of the synthetic VPC, as `aws ec2 describe-*` prints it, so that `diagnose --vpc-config` has
//! the interfaces, groups, network ACLs and routes behind [`synth`](crate::synth)'s records.
//!
//! The VPC (10.0.0.0/16) has eight subnets of /20, each interface one of them, every interface a public address
//! and one security group that lets in what comes from the VPC, SSH from an office prefix list, and nothing else
//! from the internet. Subnets 0–3 are private in spirit: their network ACL lets in the VPC and replies (ports
//! 1024–65535) and denies the rest, so internet scanners probing admin ports are rejected there; subnets 4–7 let
//! everything in and leave it to the security group. Both ACLs deny, on the way out, the internet sites the
//! records show rejected, one rule per site. The route table sends everything else to an attached internet
//! gateway. So every REJECT in the records has its rule here.

use crate::synth::{ACCOUNT, SynthOptions, VPC, World};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

const IGW: &str = "igw-0a1b2c3d4e5f60718";
const RTB: &str = "rtb-0a1b2c3d4e5f60718";
const SG: &str = "sg-0a1b2c3d4e5f60718";
const OFFICE: &str = "pl-0a1b2c3d4e5f60718";
const ACL_PRIVATE: &str = "acl-0a1b2c3d4e5f60718";
const ACL_PUBLIC: &str = "acl-0b1c2d3e4f5a60718";
const SUBNETS: u64 = 8;

fn subnet_id(s: u64) -> String {
    format!("subnet-{:017x}", (s + 1) * 0x1111_1111)
}

/// Writes the documents into `dir` (made if missing); returns the files.
pub fn write_vpc_config(dir: &Path, opts: &SynthOptions) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let world = World::new(opts);
    let mut files = Vec::new();
    for (name, doc) in documents(&world) {
        let path = dir.join(format!("{name}.json"));
        std::fs::write(&path, serde_json::to_vec_pretty(&doc)?)?;
        files.push(path);
    }
    Ok(files)
}

fn documents(world: &World) -> Vec<(&'static str, Value)> {
    let interfaces: Vec<Value> = world
        .interfaces
        .iter()
        .enumerate()
        .map(|(i, iface)| {
            let public = format!("198.18.{}.{}", (i / 250) % 256, 1 + i % 250);
            let v6: Vec<Value> = iface.v6.iter().map(|a| json!({"Ipv6Address": a})).collect();
            json!({
                "NetworkInterfaceId": iface.id,
                "SubnetId": iface.subnet,
                "VpcId": VPC,
                "OwnerId": ACCOUNT,
                "InterfaceType": "interface",
                "PrivateIpAddress": iface.addr,
                "PrivateIpAddresses": [{
                    "PrivateIpAddress": iface.addr,
                    "Primary": true,
                    "Association": {"PublicIp": public}
                }],
                "Association": {"PublicIp": public},
                "Ipv6Addresses": v6,
                "Groups": [{"GroupId": SG, "GroupName": "app"}],
                "Attachment": {"InstanceId": iface.instance}
            })
        })
        .collect();
    let subnets: Vec<Value> = (0..SUBNETS)
        .map(|s| {
            json!({
                "SubnetId": subnet_id(s),
                "VpcId": VPC,
                "CidrBlock": format!("10.0.{}.0/20", s * 16),
                "Ipv6CidrBlockAssociationSet": [{"Ipv6CidrBlock": format!("2600:1f18:4a3:{s:x}00::/56")}]
            })
        })
        .collect();
    let group = json!({
        "GroupId": SG,
        "GroupName": "app",
        "VpcId": VPC,
        "OwnerId": ACCOUNT,
        "IpPermissions": [
            {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "10.0.0.0/16", "Description": "the VPC"}]},
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
             "PrefixListIds": [{"PrefixListId": OFFICE, "Description": "SSH from the office"}]}
        ],
        "IpPermissionsEgress": [
            {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}], "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}
        ]
    });
    // One outbound deny per blocked site, numbered before the allow.
    let blocked: Vec<Value> = world
        .blocked
        .iter()
        .enumerate()
        .map(|(i, addr)| {
            json!({"RuleNumber": 10 + i, "Protocol": "-1", "RuleAction": "deny", "Egress": true,
                   "CidrBlock": format!("{addr}/32")})
        })
        .collect();
    let entry =
        |n: u32, proto: &str, egress: bool, allow: bool, cidr: &str, ports: Option<(u16, u16)>| {
            let mut e = json!({"RuleNumber": n, "Protocol": proto, "Egress": egress,
                           "RuleAction": if allow { "allow" } else { "deny" }});
            let key = if cidr.contains(':') {
                "Ipv6CidrBlock"
            } else {
                "CidrBlock"
            };
            e[key] = json!(cidr);
            if let Some((from, to)) = ports {
                e["PortRange"] = json!({"From": from, "To": to});
            }
            e
        };
    let star = |egress: bool| {
        vec![
            entry(32767, "-1", egress, false, "0.0.0.0/0", None),
            entry(32767, "-1", egress, false, "::/0", None),
        ]
    };
    let outbound = |mut rules: Vec<Value>| {
        rules.extend(blocked.iter().cloned());
        rules.push(entry(100, "-1", true, true, "0.0.0.0/0", None));
        rules.push(entry(101, "-1", true, true, "::/0", None));
        rules.extend(star(true));
        rules
    };
    let mut private_in = vec![
        entry(100, "-1", false, true, "10.0.0.0/16", None),
        entry(110, "6", false, true, "0.0.0.0/0", Some((1024, 65535))),
        entry(120, "17", false, true, "0.0.0.0/0", Some((1024, 65535))),
        entry(130, "6", false, true, "::/0", Some((1024, 65535))),
        entry(140, "17", false, true, "::/0", Some((1024, 65535))),
    ];
    private_in.extend(star(false));
    let mut public_in = vec![
        entry(100, "-1", false, true, "0.0.0.0/0", None),
        entry(101, "-1", false, true, "::/0", None),
    ];
    public_in.extend(star(false));
    let associations = |range: std::ops::Range<u64>| -> Vec<Value> {
        range.map(|s| json!({"SubnetId": subnet_id(s)})).collect()
    };
    let acls = json!({"NetworkAcls": [
        {"NetworkAclId": ACL_PRIVATE, "VpcId": VPC, "IsDefault": false,
         "Associations": associations(0..4), "Entries": outbound(private_in)},
        {"NetworkAclId": ACL_PUBLIC, "VpcId": VPC, "IsDefault": true,
         "Associations": associations(4..SUBNETS), "Entries": outbound(public_in)}
    ]});
    let routes = json!({"RouteTables": [{
        "RouteTableId": RTB, "VpcId": VPC,
        "Associations": [{"Main": true, "RouteTableId": RTB}],
        "Routes": [
            {"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local", "State": "active"},
            {"DestinationIpv6CidrBlock": "2600:1f18:4a3::/48", "GatewayId": "local", "State": "active"},
            {"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": IGW, "State": "active"},
            {"DestinationIpv6CidrBlock": "::/0", "GatewayId": IGW, "State": "active"}
        ]
    }]});
    vec![
        (
            "network-interfaces",
            json!({"NetworkInterfaces": interfaces}),
        ),
        ("subnets", json!({"Subnets": subnets})),
        (
            "vpcs",
            json!({"Vpcs": [{"VpcId": VPC, "CidrBlock": "10.0.0.0/16",
                              "Ipv6CidrBlockAssociationSet": [{"Ipv6CidrBlock": "2600:1f18:4a3::/48"}]}]}),
        ),
        ("security-groups", json!({"SecurityGroups": [group]})),
        ("network-acls", acls),
        ("route-tables", routes),
        (
            "internet-gateways",
            json!({"InternetGateways": [{"InternetGatewayId": IGW,
                                         "Attachments": [{"VpcId": VPC, "State": "available"}]}]}),
        ),
        (
            "managed-prefix-lists",
            json!({"PrefixLists": [{"PrefixListId": OFFICE, "PrefixListName": "office"}]}),
        ),
        (
            "get-managed-prefix-list-entries-pl-0a1b2c3d4e5f60718",
            json!({"Entries": [{"Cidr": "192.0.2.0/24", "Description": "office"}]}),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_configuration_loads_cleanly_and_has_every_interface() {
        let dir = tempfile::tempdir().unwrap();
        let opts = SynthOptions {
            interfaces: 50,
            ..SynthOptions::default()
        };
        write_vpc_config(dir.path(), &opts).unwrap();
        let model = vpcflow_netmodel::VpcModel::load(dir.path()).unwrap();
        assert!(model.problems.is_empty(), "{:?}", model.problems);
        assert_eq!(model.interfaces.len(), 50);
        assert_eq!(model.network_acls.len(), 2);
        assert!(model.prefix_list_cidrs(OFFICE).is_some());
    }
}
