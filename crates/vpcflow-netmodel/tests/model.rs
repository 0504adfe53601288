//! Evaluation as AWS does it, one rule kind at a time, over small models written in the CLI's JSON shapes.

use std::net::IpAddr;
use vpcflow_netmodel::{
    ConnTracker, Control, Direction, Fix, NearMiss, Packet, PortSpec, StepOutcome, VpcModel,
};

const ENIS: &str = r#"{"NetworkInterfaces": [
  {"NetworkInterfaceId": "eni-web", "SubnetId": "subnet-a", "VpcId": "vpc-1", "PrivateIpAddress": "10.0.1.10",
   "PrivateIpAddresses": [{"PrivateIpAddress": "10.0.1.10", "Primary": true, "Association": {"PublicIp": "198.51.100.10"}},
                          {"PrivateIpAddress": "10.0.1.11", "Primary": false}],
   "Ipv6Addresses": [{"Ipv6Address": "2001:db8:1:1::10"}],
   "Groups": [{"GroupId": "sg-web", "GroupName": "web"}, {"GroupId": "sg-admin", "GroupName": "admin"}],
   "Association": {"PublicIp": "198.51.100.10"}, "InterfaceType": "interface",
   "Attachment": {"InstanceId": "i-web"}},
  {"NetworkInterfaceId": "eni-app", "SubnetId": "subnet-b", "VpcId": "vpc-1", "PrivateIpAddress": "10.0.2.20",
   "Groups": [{"GroupId": "sg-app"}], "InterfaceType": "interface"},
  {"NetworkInterfaceId": "eni-peer", "SubnetId": "subnet-a", "VpcId": "vpc-1", "PrivateIpAddress": "10.0.1.30",
   "Groups": [{"GroupId": "sg-app"}]},
  {"NetworkInterfaceId": "eni-db", "SubnetId": "subnet-b", "VpcId": "vpc-1", "PrivateIpAddress": "10.0.2.40",
   "Groups": [{"GroupId": "sg-db"}, {"GroupId": "sg-admin"}]}
]}"#;

const SGS: &str = r#"{"SecurityGroups": [
  {"GroupId": "sg-web", "GroupName": "web", "VpcId": "vpc-1",
   "IpPermissions": [
     {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}], "Ipv6Ranges": [{"CidrIpv6": "::/0"}]},
     {"IpProtocol": "tcp", "FromPort": 8000, "ToPort": 8100, "UserIdGroupPairs": [{"GroupId": "sg-app", "UserId": "111122223333"}]},
     {"IpProtocol": "icmp", "FromPort": 8, "ToPort": -1, "IpRanges": [{"CidrIp": "203.0.113.0/24"}]},
     {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "PrefixListIds": [{"PrefixListId": "pl-0office"}]}],
   "IpPermissionsEgress": [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]},
  {"GroupId": "sg-admin", "GroupName": "admin", "VpcId": "vpc-1",
   "IpPermissions": [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "192.0.2.7/32", "Description": "bastion"}]}],
   "IpPermissionsEgress": []},
  {"GroupId": "sg-app", "GroupName": "app", "VpcId": "vpc-1",
   "IpPermissions": [{"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": "sg-web"}]}],
   "IpPermissionsEgress": [{"IpProtocol": "tcp", "FromPort": 8000, "ToPort": 8000, "IpRanges": [{"CidrIp": "10.0.0.0/16"}]}]}
]}"#;

const ACLS: &str = r#"{"NetworkAcls": [
  {"NetworkAclId": "acl-a", "VpcId": "vpc-1", "IsDefault": false, "Associations": [{"SubnetId": "subnet-a"}],
   "Entries": [
     {"RuleNumber": 100, "Protocol": "6", "RuleAction": "allow", "Egress": false, "CidrBlock": "0.0.0.0/0", "PortRange": {"From": 443, "To": 443}},
     {"RuleNumber": 110, "Protocol": "6", "RuleAction": "allow", "Egress": false, "CidrBlock": "0.0.0.0/0", "PortRange": {"From": 1024, "To": 65535}},
     {"RuleNumber": 120, "Protocol": "1", "RuleAction": "allow", "Egress": false, "CidrBlock": "0.0.0.0/0", "IcmpTypeCode": {"Type": 8, "Code": -1}},
     {"RuleNumber": 90, "Protocol": "-1", "RuleAction": "deny", "Egress": false, "CidrBlock": "192.0.2.0/24"},
     {"RuleNumber": 130, "Protocol": "-1", "RuleAction": "allow", "Egress": false, "Ipv6CidrBlock": "::/0"},
     {"RuleNumber": 140, "Protocol": "-1", "RuleAction": "allow", "Egress": false, "CidrBlock": "10.0.0.0/16"},
     {"RuleNumber": 100, "Protocol": "6", "RuleAction": "allow", "Egress": true, "CidrBlock": "0.0.0.0/0", "PortRange": {"From": 1024, "To": 65535}},
     {"RuleNumber": 200, "Protocol": "-1", "RuleAction": "allow", "Egress": true, "CidrBlock": "10.0.0.0/16"},
     {"RuleNumber": 32767, "Protocol": "-1", "RuleAction": "deny", "Egress": true, "CidrBlock": "0.0.0.0/0"},
     {"RuleNumber": 32767, "Protocol": "-1", "RuleAction": "deny", "Egress": false, "CidrBlock": "0.0.0.0/0"}]},
  {"NetworkAclId": "acl-default", "VpcId": "vpc-1", "IsDefault": true, "Associations": [],
   "Entries": [
     {"RuleNumber": 100, "Protocol": "-1", "RuleAction": "allow", "Egress": false, "CidrBlock": "0.0.0.0/0"},
     {"RuleNumber": 100, "Protocol": "-1", "RuleAction": "allow", "Egress": true, "CidrBlock": "0.0.0.0/0"}]}
]}"#;

const ROUTES: &str = r#"{"RouteTables": [
  {"RouteTableId": "rtb-main", "VpcId": "vpc-1", "Associations": [{"Main": true}],
   "Routes": [{"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local", "State": "active"}]},
  {"RouteTableId": "rtb-public", "VpcId": "vpc-1", "Associations": [{"Main": false, "SubnetId": "subnet-a"}],
   "Routes": [
     {"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local", "State": "active"},
     {"DestinationIpv6CidrBlock": "2001:db8:1::/56", "GatewayId": "local", "State": "active"},
     {"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": "igw-1", "State": "active"},
     {"DestinationIpv6CidrBlock": "::/0", "GatewayId": "igw-1", "State": "active"},
     {"DestinationCidrBlock": "172.16.0.0/12", "VpcPeeringConnectionId": "pcx-gone", "State": "blackhole"},
     {"DestinationCidrBlock": "172.16.5.0/24", "TransitGatewayId": "tgw-1", "State": "active"},
     {"DestinationPrefixListId": "pl-0office", "NatGatewayId": "nat-1", "State": "active"}]}
]}"#;

const SUBNETS: &str = r#"{"Subnets": [
  {"SubnetId": "subnet-a", "VpcId": "vpc-1", "CidrBlock": "10.0.1.0/24", "Ipv6CidrBlockAssociationSet": [{"Ipv6CidrBlock": "2001:db8:1:1::/64"}]},
  {"SubnetId": "subnet-b", "VpcId": "vpc-1", "CidrBlock": "10.0.2.0/24"}
]}"#;

const IGWS: &str = r#"{"InternetGateways": [{"InternetGatewayId": "igw-1", "Attachments": [{"VpcId": "vpc-1", "State": "available"}]}]}"#;

const PL: &str = r#"{"Entries": [{"Cidr": "192.0.2.128/25", "Description": "office"}, {"Cidr": "100.64.10.0/24"}]}"#;

fn model() -> VpcModel {
    let m = VpcModel::from_documents([
        ("enis.json", ENIS),
        ("sgs.json", SGS),
        ("acls.json", ACLS),
        ("routes.json", ROUTES),
        ("subnets.json", SUBNETS),
        ("igws.json", IGWS),
        ("get-managed-prefix-list-entries-pl-0office.json", PL),
    ]);
    assert!(m.problems.is_empty(), "{:?}", m.problems);
    m
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn pkt(iface: &str, dir: Direction, src: &str, sp: u16, dst: &str, dp: u16, proto: u8) -> Packet {
    Packet {
        interface: iface.into(),
        direction: dir,
        src: ip(src),
        dst: ip(dst),
        protocol: proto,
        src_port: sp,
        dst_port: dp,
        icmp: None,
        established: false,
    }
}

fn denied_by(m: &VpcModel, p: &Packet) -> Option<Control> {
    let v = m.evaluate(p);
    v.decided_by().map(|s| s.control.clone())
}

#[test]
fn security_groups_are_a_union_with_cidrs_ipv6_groups_and_prefix_lists() {
    let m = model();
    use Direction::Ingress as In;
    // HTTPS from anywhere (IPv4 and IPv6).
    assert!(
        m.evaluate(&pkt(
            "eni-web",
            In,
            "203.0.113.5",
            50000,
            "10.0.1.10",
            443,
            6
        ))
        .allowed
    );
    assert!(
        m.evaluate(&pkt(
            "eni-web",
            In,
            "2001:db8:ffff::1",
            50000,
            "2001:db8:1:1::10",
            443,
            6
        ))
        .allowed
    );
    // SSH only from the bastion, through the second group of the interface.
    let v = m.evaluate(&pkt("eni-web", In, "10.0.2.20", 50000, "10.0.1.10", 22, 6));
    assert!(!v.allowed);
    assert!(matches!(
        v.decided_by().unwrap().control,
        Control::SecurityGroup { .. }
    ));
    // 192.0.2.7 is denied first by ACL rule 90 (lower number wins, even though it is listed after 100).
    let c = denied_by(
        &m,
        &pkt("eni-web", In, "192.0.2.7", 50000, "10.0.1.10", 22, 6),
    )
    .unwrap();
    assert!(matches!(c, Control::NetworkAcl { rule: Some(e), .. } if e.rule_number == 90));
    // A referenced group: eni-app (sg-app) may reach 8000-8100; eni-peer, also sg-app, in the same subnet (no ACL).
    let v = m.evaluate(&pkt(
        "eni-web",
        In,
        "10.0.1.30",
        40000,
        "10.0.1.10",
        8080,
        6,
    ));
    assert!(v.allowed, "{v:#?}");
    assert!(
        v.steps
            .iter()
            .any(|s| s.outcome == StepOutcome::NotApplicable)
    );
    assert!(
        !m.evaluate(&pkt(
            "eni-web",
            In,
            "10.0.1.30",
            40000,
            "10.0.1.10",
            8200,
            6
        ))
        .allowed
    );
    // The prefix list: its entries come from the file named after it.
    let p = pkt("eni-web", In, "100.64.10.9", 40000, "10.0.1.10", 5432, 6);
    let v = m.evaluate(&p);
    assert!(
        matches!(&v.steps.last().unwrap().control, Control::SecurityGroup { allowed_by: Some((g, _)), .. } if g == "sg-web"),
        "{v:#?}"
    );
}

#[test]
fn icmp_types_codes_and_protocol_all() {
    let m = model();
    let mut p = pkt(
        "eni-web",
        Direction::Ingress,
        "203.0.113.9",
        0,
        "10.0.1.10",
        0,
        1,
    );
    p.icmp = Some((8, 0));
    assert!(m.evaluate(&p).allowed);
    p.icmp = Some((13, 0)); // timestamp: neither the ACL rule 120 (type 8) nor the group allows it
    let c = denied_by(&m, &p).unwrap();
    assert!(matches!(c, Control::NetworkAcl { rule: Some(e), .. } if e.is_star()));
    // Protocol -1 in sg-app allows anything from sg-web members.
    let p = pkt(
        "eni-app",
        Direction::Ingress,
        "10.0.1.10",
        1,
        "10.0.2.20",
        9999,
        17,
    );
    assert!(m.evaluate(&p).allowed);
}

#[test]
fn network_acls_are_stateless_and_the_reply_needs_ephemeral_ports() {
    let m = model();
    // The reply to HTTPS leaves eni-web: the group allows it (stateful), the ACL needs rule 100 (1024-65535).
    let mut reply = pkt(
        "eni-web",
        Direction::Egress,
        "10.0.1.10",
        443,
        "203.0.113.5",
        50000,
        6,
    );
    reply.established = true;
    assert!(m.evaluate(&reply).allowed);
    // To a client port below 1024 the ACL's final rule drops it, and the fix names a rule number.
    reply.dst_port = 800;
    let v = m.evaluate(&reply);
    let step = v.decided_by().unwrap();
    assert!(
        matches!(&step.control, Control::NetworkAcl { direction: Direction::Egress, rule: Some(e), .. } if e.is_star())
    );
    assert!(
        matches!(
            &step.fix,
            Some(Fix::AddNetworkAclRule {
                rule_number: 300,
                ports: PortSpec::Ports { from: 800, to: 800 },
                ..
            })
        ),
        "{step:#?}"
    );
    // UDP replies are not allowed outbound at all by acl-a (only TCP ephemeral); the fix opens the ephemeral range.
    let mut udp = pkt(
        "eni-web",
        Direction::Egress,
        "10.0.1.10",
        53,
        "203.0.113.5",
        40000,
        17,
    );
    udp.established = true;
    let v = m.evaluate(&udp);
    assert!(matches!(
        &v.decided_by().unwrap().fix,
        Some(Fix::AddNetworkAclRule {
            ports: PortSpec::Ports {
                from: 1024,
                to: 65535
            },
            ..
        })
    ));
}

#[test]
fn routes_longest_prefix_blackholes_and_gateways() {
    let m = model();
    // Replies to clients on ephemeral ports: acl-a allows those outbound.
    let out = |dst: &str| {
        let mut p = pkt(
            "eni-web",
            Direction::Egress,
            "10.0.1.10",
            443,
            dst,
            40000,
            6,
        );
        p.established = true;
        m.evaluate(&p)
    };
    // Internet through the attached gateway with a public address.
    assert!(out("203.0.113.5").allowed);
    // 172.16.0.0/12 is a blackhole, but 172.16.5.0/24 (longer) goes to the transit gateway. The ACL allows egress
    // only to 10.0.0.0/16 and ephemeral TCP, so use an ephemeral port to reach the route step.
    let mut p = pkt(
        "eni-web",
        Direction::Egress,
        "10.0.1.10",
        443,
        "172.16.5.9",
        40000,
        6,
    );
    p.established = true;
    let v = m.evaluate(&p);
    assert!(v.allowed, "{v:#?}");
    assert!(
        matches!(&v.steps.last().unwrap().control, Control::Route { route: Some(r), .. } if r.target.id == "tgw-1")
    );
    p.dst = ip("172.16.9.9");
    let v = m.evaluate(&p);
    assert!(
        matches!(&v.decided_by().unwrap().fix, Some(Fix::ReplaceBlackholeRoute { old_target, .. }) if old_target == "pcx-gone")
    );
    // The main table (subnet-b has no association) knows only the VPC.
    let mut p = pkt(
        "eni-app",
        Direction::Egress,
        "10.0.2.20",
        40000,
        "10.0.1.10",
        8000,
        6,
    );
    assert!(m.evaluate(&p).allowed);
    p.dst = ip("10.1.0.1");
    let v = m.evaluate(&p);
    assert!(!v.allowed);
}

#[test]
fn connection_tracking_allows_replies_only_after_an_allowed_request() {
    let m = model();
    let mut t = ConnTracker::new();
    // eni-app may send TCP 8000 into the VPC; the reply comes back although sg-app has no rule for it from web
    // on those ports... sg-app allows everything from sg-web, so use a peer outside that group: eni-peer.
    let req = pkt(
        "eni-app",
        Direction::Egress,
        "10.0.2.20",
        41000,
        "10.0.1.30",
        8000,
        6,
    );
    assert!(t.evaluate(&m, &req, 100).allowed);
    let reply = pkt(
        "eni-app",
        Direction::Ingress,
        "10.0.1.30",
        8000,
        "10.0.2.20",
        41000,
        6,
    );
    assert!(t.evaluate(&m, &reply, 101).allowed);
    // Without the request, the same packet is a new inbound connection that sg-app does not allow.
    let mut fresh = ConnTracker::new();
    let v = fresh.evaluate(&m, &reply, 101);
    assert!(!v.allowed);
    assert!(matches!(
        v.decided_by().unwrap().control,
        Control::SecurityGroup { .. }
    ));
    // Expired after the UDP timeout for UDP; TCP survives.
    let udp = pkt(
        "eni-app",
        Direction::Egress,
        "10.0.2.20",
        41000,
        "10.0.1.30",
        8000,
        17,
    );
    assert!(
        !t.evaluate(&m, &udp, 200).allowed,
        "sg-app allows only TCP 8000 out"
    );
    assert_eq!(t.len(), 1);
    t.expire(101 + 432_001);
    assert!(t.is_empty());
}

#[test]
fn near_misses_name_the_reference_the_source_is_not_in_and_the_allow_numbered_too_late() {
    let m = model();
    use Direction::Ingress as In;
    // sg-web allows 8000-8100 only from sg-app; eni-db has sg-db and sg-admin.
    let v = m.evaluate(&pkt(
        "eni-web",
        In,
        "10.0.2.40",
        40000,
        "10.0.1.10",
        8080,
        6,
    ));
    let step = v.decided_by().unwrap();
    assert!(matches!(step.control, Control::SecurityGroup { .. }));
    let [
        NearMiss::GroupReference {
            group_id,
            rule,
            referenced,
            peer_interface,
            peer_groups,
        },
    ] = &step.near_misses[..]
    else {
        panic!("{step:#?}")
    };
    assert_eq!(
        (group_id.as_str(), referenced.as_str()),
        ("sg-web", "sg-app")
    );
    assert_eq!(
        rule.ports,
        PortSpec::Ports {
            from: 8000,
            to: 8100
        }
    );
    assert_eq!(peer_interface.as_deref(), Some("eni-db"));
    assert_eq!(
        peer_groups.as_deref(),
        Some(&["sg-db".to_string(), "sg-admin".to_string()][..])
    );
    // 5432 only from the office prefix list, which 203.0.113.9 is not in.
    let v = m.evaluate(&pkt(
        "eni-web",
        In,
        "203.0.113.9",
        40000,
        "10.0.1.10",
        5432,
        6,
    ));
    let step = v.decided_by().unwrap();
    assert!(
        matches!(&step.near_misses[..], [NearMiss::PrefixList { group_id, prefix_list, .. }] if group_id == "sg-web" && prefix_list == "pl-0office"),
        "{step:#?}"
    );
    // A range rule that leaves the source out is another intent, not a near miss: SSH only from the bastion.
    let v = m.evaluate(&pkt(
        "eni-web",
        In,
        "203.0.113.9",
        40000,
        "10.0.1.10",
        22,
        6,
    ));
    assert!(v.decided_by().unwrap().near_misses.is_empty());
    // Network ACL rule 90 denies 192.0.2.0/24 before rule 100 would allow HTTPS from anywhere.
    let v = m.evaluate(&pkt("eni-web", In, "192.0.2.7", 40000, "10.0.1.10", 443, 6));
    let step = v.decided_by().unwrap();
    assert!(
        matches!(&step.near_misses[..], [NearMiss::ShadowedAllow { acl_id, allow, deny }] if acl_id == "acl-a" && allow.rule_number == 100 && deny.rule_number == 90),
        "{step:#?}"
    );
    // The final `*` deny shadows nothing, and an allow has no near misses.
    let v = m.evaluate(&pkt(
        "eni-web",
        In,
        "203.0.113.9",
        40000,
        "10.0.1.10",
        25,
        6,
    ));
    assert!(
        matches!(&v.decided_by().unwrap().control, Control::NetworkAcl { rule: Some(r), .. } if r.is_star())
    );
    assert!(v.decided_by().unwrap().near_misses.is_empty());
    let v = m.evaluate(&pkt(
        "eni-web",
        In,
        "203.0.113.9",
        40000,
        "10.0.1.10",
        443,
        6,
    ));
    assert!(v.allowed && v.steps.iter().all(|s| s.near_misses.is_empty()));
}

#[test]
fn a_packet_a_record_shows_at_the_interface_arrived_whatever_the_configuration_says() {
    let m = model();
    // eni-app has no public address, so the configuration says HTTPS from the internet cannot reach it. A record
    // of it on eni-app says it did: the snapshot disagrees, and the ACL and groups are evaluated all the same.
    let p = pkt(
        "eni-app",
        Direction::Ingress,
        "203.0.113.5",
        50000,
        "10.0.2.20",
        443,
        6,
    );
    assert!(matches!(
        m.evaluate(&p).decided_by().unwrap().control,
        Control::InternetGateway { .. }
    ));
    let v = m.evaluate_arrived(&p);
    let contradicted = v.contradicted.as_ref().expect("the way in is contradicted");
    assert!(matches!(
        contradicted.control,
        Control::InternetGateway {
            public_address: false,
            attached: true,
            ..
        }
    ));
    assert!(
        matches!(&contradicted.fix, Some(Fix::AssociatePublicAddress { interface_id }) if interface_id == "eni-app")
    );
    let kinds: Vec<&str> = v
        .steps
        .iter()
        .map(|s| match s.control {
            Control::NetworkAcl { .. } => "acl",
            Control::SecurityGroup { .. } => "sg",
            _ => "other",
        })
        .collect();
    assert_eq!(kinds, ["acl", "sg"], "{v:#?}");
    // From inside the VPC, or when the way in is open, nothing is contradicted.
    let p = pkt(
        "eni-web",
        Direction::Ingress,
        "203.0.113.5",
        50000,
        "10.0.1.10",
        443,
        6,
    );
    assert_eq!(m.evaluate_arrived(&p), m.evaluate(&p));
    assert!(m.evaluate_arrived(&p).contradicted.is_none());
}

#[test]
fn traffic_from_the_internet_needs_an_attached_gateway_and_a_public_address() {
    let m = model();
    // eni-app has no public address: HTTPS from the internet cannot reach it.
    let p = pkt(
        "eni-app",
        Direction::Ingress,
        "203.0.113.5",
        50000,
        "10.0.2.20",
        443,
        6,
    );
    let v = m.evaluate(&p);
    assert!(
        matches!(&v.decided_by().unwrap().fix, Some(Fix::AssociatePublicAddress { interface_id }) if interface_id == "eni-app")
    );
    let check = m.check_path(ip("203.0.113.5"), None, ip("10.0.1.10"), 6, 443);
    assert!(check.allowed && check.certain, "{check:#?}");
    assert_eq!(check.outside, vec![ip("203.0.113.5")]);
}

#[test]
fn malformed_configuration_is_reported_with_file_and_json_path_and_the_rest_still_decides() {
    let bad_sg = r#"{"SecurityGroups": [
      {"GroupId": "sg-web", "IpPermissions": [
         {"IpProtocol": "tcp", "FromPort": "eighty", "ToPort": 80, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
         {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/33"}, {"CidrIp": "0.0.0.0/0"}]}],
       "IpPermissionsEgress": [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]},
      {"GroupName": "no id"}]}"#;
    let bad_acl = r#"{"NetworkAcls": [{"NetworkAclId": "acl-default", "IsDefault": true, "VpcId": "vpc-1",
        "Entries": [{"RuleNumber": 100, "Protocol": "-1", "RuleAction": "permit", "Egress": false, "CidrBlock": "0.0.0.0/0"},
                    {"RuleNumber": 100, "Protocol": "-1", "RuleAction": "allow", "Egress": true, "CidrBlock": "0.0.0.0/0"},
                    {"RuleNumber": 110, "Protocol": "6", "RuleAction": "allow", "Egress": false, "CidrBlock": "0.0.0.0/0"}]}]}"#;
    let m = VpcModel::from_documents([
        ("enis.json", ENIS),
        ("sgs.json", bad_sg),
        ("acls.json", bad_acl),
        (
            "routes.json",
            r#"{"RouteTables": [ {"RouteTableId": "rtb-1", "#,
        ),
        ("notes.json", r#"{"Hello": 1}"#),
        ("pl.json", PL),
    ]);
    // The facts, as a program gets them (the sentences are vpcflow-explain's, tested there).
    insta::assert_json_snapshot!(m.problems);
    let places: Vec<String> = m.problems.iter().map(|p| p.to_string()).collect();
    assert_eq!(places[5], "routes.json:1:44: invalid-json");
    // HTTPS is still decided: allowed by the readable rule. The inbound ACL rule was unreadable, so the final
    // deny is reported as undecided rather than as the answer.
    let v = m.evaluate(&pkt(
        "eni-web",
        Direction::Ingress,
        "203.0.113.5",
        50000,
        "10.0.1.10",
        443,
        6,
    ));
    assert!(v.allowed && !v.certain, "{v:#?}");
    assert!(v.steps.iter().any(|s| s.outcome == StepOutcome::Unknown));
    // Routes could not be read at all: the route step is unknown, not a denial.
    let v = m.evaluate(&pkt(
        "eni-web",
        Direction::Egress,
        "10.0.1.10",
        443,
        "203.0.113.5",
        50000,
        6,
    ));
    assert!(v.allowed && !v.certain, "{v:#?}");
}
