//! The seed scenarios, each a VPC configuration in AWS CLI JSON plus its records: diagnosed from the records
//! alone and against the configuration, with the conclusions checked as data (the words are `vpcflow-explain`'s
//! tests).

use std::path::{Path, PathBuf};
use vpcflow_diagnose::{
    Agreement, Cause, Confidence, Conversations, Diagnosis, Flow, Reason, Verdict, Which, diagnose,
};
use vpcflow_netmodel::{Control, Direction, Fix, PortSpec, VpcModel};
use vpcflow_record::Record;
use vpcflow_source::{Input, Item, ReadOptions, read_all};

fn dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// The records of `path`, located as `name/flows.log:LINE`.
fn flows(name: &str) -> Conversations {
    let path = dir(name).join("flows.log");
    let mut out = Vec::new();
    read_all(
        &[Input::Path(path.clone())],
        &ReadOptions::default(),
        1,
        &mut |item| {
            match item {
                Item::Batch(b) => {
                    for row in 0..b.data.num_rows() {
                        let rec = Record::from_batch(&b.data, row, b.source.format.as_ref());
                        let loc = b
                            .location(row)
                            .replace(&path.display().to_string(), &format!("{name}/flows.log"));
                        out.extend(Flow::from_record(&rec, &loc));
                    }
                }
                Item::Problem(p) => panic!("{p}"),
                Item::Done(_) => {}
            }
            true
        },
    );
    Conversations::build(out)
}

fn model(name: &str) -> VpcModel {
    let m = VpcModel::load(&dir(name).join("vpc")).unwrap();
    assert!(m.problems.is_empty(), "{:?}", m.problems);
    m
}

struct Run {
    conv: Conversations,
    logs: Vec<Diagnosis>,
    config: Vec<Diagnosis>,
}

fn run(name: &str) -> Run {
    let conv = flows(name);
    let logs = diagnose(&conv, None);
    let m = model(name);
    let config = diagnose(&conv, Some(&m));
    Run { conv, logs, config }
}

fn decided(d: &Diagnosis) -> (Which, &Control, Option<&Fix>) {
    let cf = &d.config[0];
    assert_eq!(cf.agreement, Agreement::Agrees, "{cf:#?}");
    let (which, step) = cf.decided_by.as_ref().expect("decided");
    (*which, &step.control, step.fix.as_ref())
}

#[test]
fn exp1_no_inbound_security_group_rule() {
    let r = run("exp1-no-inbound-sg-rule");
    assert_eq!(r.conv.connections.len(), 2);
    let by_port = |p: u16| {
        r.conv
            .connections
            .iter()
            .find(|c| c.server.port == p)
            .unwrap()
    };
    let http = by_port(80);
    assert_eq!(http.verdict, Verdict::RequestRejected);
    assert_eq!(http.client.addr, "27.138.93.252");
    let ntp = by_port(123);
    assert_eq!(ntp.verdict, Verdict::AllowedBothWays);
    assert_eq!(ntp.client.addr, "10.0.10.30");
    let top = &r.logs[0].findings[0];
    assert_eq!(top.cause, Cause::SecurityGroupOrNetworkAcl);
    assert_eq!(top.confidence, Confidence::Likely);
    assert!(
        top.reasons
            .iter()
            .any(|r| matches!(r, Reason::OutboundWorks { .. }))
    );
    let (which, control, fix) = decided(&r.config[0]);
    assert_eq!(which, Which::Request);
    assert!(matches!(
        control,
        Control::SecurityGroup {
            direction: Direction::Ingress,
            allowed_by: None,
            ..
        }
    ));
    assert!(
        matches!(fix, Some(Fix::AddSecurityGroupRule { group_id, protocol: 6, ports: PortSpec::Ports { from: 80, to: 80 }, .. }) if group_id == "sg-0c1d2e3f4a5b60789")
    );
}

#[test]
fn exp2_http_allowed() {
    let r = run("exp2-http-allowed");
    assert_eq!(r.conv.connections.len(), 1);
    assert_eq!(r.conv.connections[0].verdict, Verdict::AllowedBothWays);
    assert!(r.logs.is_empty() && r.config.is_empty());
    let m = model("exp2-http-allowed");
    let check = m.check_path(
        "27.138.93.252".parse().unwrap(),
        Some(49203),
        "10.0.10.30".parse().unwrap(),
        6,
        80,
    );
    assert!(check.allowed && check.certain, "{check:#?}");
}

#[test]
fn exp3_ntp_reply_blocked_by_the_acl() {
    let r = run("exp3-ntp-reply-blocked-by-acl");
    let c = &r.conv.connections[0];
    assert_eq!(c.verdict, Verdict::ReplyRejected);
    assert_eq!(c.client.addr, "10.0.10.30");
    assert_eq!(c.service, Some("NTP"));
    let top = &r.logs[0].findings[0];
    assert_eq!(
        (top.cause, top.confidence),
        (Cause::NetworkAcl, Confidence::Certain)
    );
    let (which, control, fix) = decided(&r.config[0]);
    assert_eq!(which, Which::Reply);
    assert!(
        matches!(control, Control::NetworkAcl { direction: Direction::Ingress, rule: Some(e), .. } if e.rule_number == 100 && !e.allow)
    );
    assert!(matches!(
        fix,
        Some(Fix::AddNetworkAclRule {
            rule_number: 90,
            protocol: 17,
            ports: PortSpec::Ports {
                from: 1024,
                to: 65535
            },
            ..
        })
    ));
}

#[test]
fn exp4_all_inbound_denied_by_the_acl() {
    let r = run("exp4-all-inbound-denied-by-acl");
    let http = r
        .conv
        .connections
        .iter()
        .position(|c| c.server.port == 80)
        .unwrap();
    let d = r.logs.iter().find(|d| d.connection == http).unwrap();
    assert_eq!(d.findings[0].cause, Cause::NetworkAcl);
    assert_eq!(d.findings[0].confidence, Confidence::Likely);
    let d = r.config.iter().find(|d| d.connection == http).unwrap();
    let (which, control, _) = decided(d);
    assert_eq!(which, Which::Request);
    assert!(matches!(control, Control::NetworkAcl { rule: Some(e), .. } if e.rule_number == 100));
}

#[test]
fn exp5_internet_gateway_route_removed() {
    let r = run("exp5-igw-route-removed");
    assert_eq!(r.logs.len(), 1);
    let top = &r.logs[0].findings[0];
    assert_eq!(
        (top.cause, top.confidence),
        (Cause::Routing, Confidence::Likely)
    );
    let (which, control, fix) = decided(&r.config[0]);
    assert_eq!(which, Which::Reply);
    assert!(matches!(control, Control::Route { route: None, .. }));
    assert!(
        matches!(fix, Some(Fix::AddRoute { target: Some(t), .. }) if t == "igw-0f1a2b3c4d5e60789")
    );
}

#[test]
fn exp5b_internet_gateway_detached() {
    let r = run("exp5b-igw-detached");
    assert!(
        r.logs[0]
            .findings
            .iter()
            .any(|f| f.cause == Cause::Routing && f.confidence == Confidence::Possible)
    );
    // The record proves the request came in, so the detached gateway is the snapshot disagreeing with the log,
    // not the cause; the groups and ACL allow the request, and the reply meets the route the detachment turned
    // blackhole, which is how AWS comes to log the request as rejected.
    let cf = &r.config[0].config[0];
    let contradicted = cf.request.as_ref().unwrap().contradicted.as_ref();
    assert!(
        matches!(
            contradicted.map(|s| &s.control),
            Some(Control::InternetGateway {
                attached: false,
                ..
            })
        ),
        "{cf:#?}"
    );
    let (which, control, fix) = decided(&r.config[0]);
    assert_eq!(which, Which::Reply);
    assert!(matches!(control, Control::Route { route: Some(r), .. } if !r.active));
    assert!(
        matches!(fix, Some(Fix::AttachInternetGateway { gateway_id: Some(g), .. }) if g == "igw-0f1a2b3c4d5e60789")
    );
    assert_eq!(cf.agreement, Agreement::Agrees);
}

#[test]
fn ping_reply_blocked_by_the_acl() {
    let r = run("ping-reply-blocked-by-acl");
    let c = &r.conv.connections[0];
    assert_eq!(c.verdict, Verdict::ReplyRejected);
    assert_eq!(c.client.addr, "203.0.113.12");
    let top = &r.logs[0].findings[0];
    assert_eq!(
        (top.cause, top.confidence),
        (Cause::NetworkAcl, Confidence::Certain)
    );
    let (which, control, fix) = decided(&r.config[0]);
    assert_eq!(which, Which::Reply);
    assert!(
        matches!(control, Control::NetworkAcl { direction: Direction::Egress, rule: Some(e), .. } if e.is_star())
    );
    assert!(matches!(
        fix,
        Some(Fix::AddNetworkAclRule {
            protocol: 1,
            ports: PortSpec::Icmp {
                icmp_type: Some(0),
                code: Some(0)
            },
            ..
        })
    ));
}

#[test]
fn ping_allowed_both_ways() {
    let r = run("ping-allowed");
    assert_eq!(r.conv.connections[0].verdict, Verdict::AllowedBothWays);
    assert!(r.logs.is_empty());
}

#[test]
fn ping_rejected_by_the_security_group() {
    let r = run("ping-sg-denies");
    assert_eq!(r.conv.connections[0].verdict, Verdict::RequestRejected);
    assert_eq!(
        r.logs[0].findings[0].cause,
        Cause::SecurityGroupOrNetworkAcl
    );
    let (which, control, fix) = decided(&r.config[0]);
    assert_eq!(which, Which::Request);
    assert!(matches!(
        control,
        Control::SecurityGroup {
            direction: Direction::Ingress,
            ..
        }
    ));
    assert!(matches!(
        fix,
        Some(Fix::AddSecurityGroupRule {
            protocol: 1,
            ports: PortSpec::Icmp {
                icmp_type: Some(8),
                ..
            },
            ..
        })
    ));
}

/// A diagnose report as data, with no words: what the dashboard and `diagnose --output json` are built on.
#[test]
fn the_report_is_facts() {
    let conv = flows("exp3-ntp-reply-blocked-by-acl");
    let m = model("exp3-ntp-reply-blocked-by-acl");
    let diagnoses = diagnose(&conv, Some(&m));
    let report = vpcflow_diagnose::Report::new(&conv, &diagnoses, Some(&m));
    assert!(report.diagnoses.iter().all(|d| d.text.is_none()));
    insta::assert_json_snapshot!("report_exp3", report);
}

#[test]
fn a_snapshot_without_the_public_address_disagrees_with_the_log() {
    let r = run("no-public-address");
    let cf = &r.config[0].config[0];
    // The record proves the packet came in: the missing public address is a disagreement, not the cause.
    let contradicted = cf.request.as_ref().unwrap().contradicted.as_ref().unwrap();
    assert!(matches!(
        contradicted.control,
        Control::InternetGateway {
            public_address: false,
            attached: true,
            ..
        }
    ));
    assert!(
        matches!(&contradicted.fix, Some(Fix::AssociatePublicAddress { interface_id }) if interface_id == "eni-0322957cfa6bc9585")
    );
    // The security group is what rejected it, and that agrees with the record.
    let (which, control, fix) = decided(&r.config[0]);
    assert_eq!(which, Which::Request);
    assert!(matches!(control, Control::SecurityGroup { .. }));
    assert!(matches!(fix, Some(Fix::AddSecurityGroupRule { .. })));
}

#[test]
fn a_security_group_reference_that_excludes_the_source_is_a_near_miss() {
    let r = run("sg-reference-excludes-source");
    let c = &r.conv.connections[0];
    assert_eq!(c.verdict, Verdict::RequestRejected);
    assert_eq!(c.legs.len(), 2);
    let d = &r.config[0];
    // Evaluated where it was rejected: the database's interface.
    let cf = d
        .config
        .iter()
        .find(|cf| cf.interface == "eni-0a1b2c3d4e5f60202")
        .unwrap();
    assert_eq!(cf.agreement, Agreement::Agrees);
    let (_, step) = cf.decided_by.as_ref().unwrap();
    let [
        vpcflow_netmodel::NearMiss::GroupReference {
            group_id,
            referenced,
            peer_interface,
            peer_groups,
            ..
        },
    ] = &step.near_misses[..]
    else {
        panic!("{step:#?}")
    };
    assert_eq!(group_id, "sg-0a1b2c3d4e5f60222");
    assert_eq!(referenced, "sg-0a1b2c3d4e5f60333");
    assert_eq!(peer_interface.as_deref(), Some("eni-0a1b2c3d4e5f60101"));
    assert_eq!(
        peer_groups.as_deref(),
        Some(&["sg-0a1b2c3d4e5f60111".to_string()][..])
    );
}

#[test]
fn a_network_acl_allow_numbered_after_a_deny_is_a_near_miss() {
    let r = run("nacl-allow-shadowed");
    assert_eq!(r.config.len(), 1, "only the client in the denied range");
    let (which, control, _) = decided(&r.config[0]);
    assert_eq!(which, Which::Request);
    assert!(matches!(control, Control::NetworkAcl { rule: Some(e), .. } if e.rule_number == 90));
    let step = &r.config[0].config[0].decided_by.as_ref().unwrap().1;
    assert!(matches!(
        &step.near_misses[..],
        [vpcflow_netmodel::NearMiss::ShadowedAllow { allow, deny, .. }]
            if allow.rule_number == 100 && deny.rule_number == 90
    ));
}
