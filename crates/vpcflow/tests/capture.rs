//! `vpcflow capture` and `vpcflow simulate` as people run them: pcap and pcapng fixtures (written by
//! `tests/data/capture/make.py`), interface maps three ways, verdicts from a VPC configuration, custom formats,
//! JSON Lines, the seed's scenarios, and the mistakes people make.

use insta_cmd::assert_cmd_snapshot;

mod common;
use common::vpcflow;

const DATA: &str = "crates/vpcflow/tests/data/capture";
const ENI: &str = "10.0.10.30=eni-0322957cfa6bc9585";

#[test]
fn capture_a_pcap_with_eni_flags() {
    assert_cmd_snapshot!(vpcflow().args([
        "capture",
        "--pcap",
        &format!("{DATA}/web.pcap"),
        "--eni",
        ENI,
        "--account",
        "417338593075"
    ]));
}

#[test]
fn capture_with_an_interface_map_leaves_out_what_aws_does_not_log() {
    // The map knows the VPC's range, so DNS to 10.0.0.2 is the Amazon DNS server; GRE to 10.0.20.7 is seen on
    // both interfaces; the SYN 70 seconds later lands in the next one-minute interval, where the other
    // interface is idle: NODATA.
    assert_cmd_snapshot!(vpcflow().args([
        "capture",
        "--pcap",
        &format!("{DATA}/web.pcap"),
        "--eni-map",
        &format!("{DATA}/enis.yaml"),
        "--aggregation",
        "60",
        "--format",
        "${version} ${interface-id} ${instance-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} \
         ${packets} ${bytes} ${tcp-flags} ${type} ${flow-direction} ${action} ${log-status}",
    ]));
}

#[test]
fn capture_with_a_vpc_config_takes_verdicts_from_the_model() {
    // Experiment 1's VPC: no inbound rule, so the HTTP request and the ping from home are rejected (and never
    // answered in AWS; the capture's replies leave the instance under its outbound rules), while the NTP
    // answer is allowed statefully.
    assert_cmd_snapshot!(vpcflow().args([
        "capture",
        "--pcap",
        &format!("{DATA}/web.pcap"),
        "--vpc-config",
        "examples/scenarios/exp1-http-rejected-by-security-group/vpc",
        "--account",
        "417338593075",
        "--traffic-type",
        "REJECT",
    ]));
}

#[test]
fn capture_a_cooked_pcapng_as_json_lines() {
    assert_cmd_snapshot!(vpcflow().args([
        "capture",
        "--pcap",
        &format!("{DATA}/cooked.pcapng"),
        "--eni-map",
        &format!("{DATA}/enis.yaml"),
        "--format",
        "${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${type} ${flow-direction}",
        "-o",
        "json",
    ]));
}

#[test]
fn capture_a_small_table_writes_skipdata() {
    assert_cmd_snapshot!(vpcflow().args([
        "capture",
        "--pcap",
        &format!("{DATA}/web.pcap"),
        "--eni",
        ENI,
        "--max-flows",
        "2",
    ]));
}

#[test]
fn capture_without_an_interface_map_says_what_to_give() {
    assert_cmd_snapshot!(vpcflow().args(["capture", "--pcap", &format!("{DATA}/web.pcap")]));
}

#[test]
fn capture_of_a_file_that_is_not_a_capture() {
    assert_cmd_snapshot!(vpcflow().args([
        "capture",
        "--pcap",
        &format!("{DATA}/enis.yaml"),
        "--eni",
        ENI
    ]));
}

#[test]
fn simulate_the_seed_http_experiment() {
    assert_cmd_snapshot!(vpcflow().args(["simulate", "examples/scenarios/exp3-http-allowed.yaml"]));
}

#[test]
fn simulate_the_ntp_reply_rejected_by_the_acl_with_a_custom_format() {
    assert_cmd_snapshot!(vpcflow().args([
        "simulate",
        "--format",
        "${version} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} \
         ${tcp-flags} ${flow-direction} ${traffic-path} ${action} ${log-status}",
        "examples/scenarios/exp4-ntp-reply-rejected-by-network-acl.yaml"
    ]));
}

#[test]
fn simulate_through_a_nat_gateway() {
    assert_cmd_snapshot!(vpcflow().args([
        "simulate",
        "--format",
        "${interface-id} ${instance-id} ${srcaddr} ${dstaddr} ${pkt-srcaddr} ${pkt-dstaddr} ${srcport} ${dstport} \
         ${packets} ${flow-direction} ${traffic-path} ${action}",
        "examples/scenarios/nat-gateway.yaml"
    ]));
}

#[test]
fn simulate_a_scenario_with_a_mistake() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.yaml");
    std::fs::write(
        &path,
        "vpc_config: nowhere\ntraffic:\n  - from: 10.0.0.1\n    to: 10.0.0.2\n    protocol: tcp\n    at: 0\n",
    )
    .unwrap();
    let out = vpcflow().args(["simulate"]).arg(&path).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("nowhere"), "{err}");
}

/// `--to` delivers what would have been printed: a scenario delivered as an S3 layout directory reads back as
/// the same records.
#[test]
fn simulate_delivers_what_it_would_print() {
    let bin = insta_cmd::get_cargo_bin("vpcflow");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let scenario = root.join("examples/scenarios/exp3-http-allowed.yaml");
    let out = tempfile::tempdir().unwrap();
    let printed = std::process::Command::new(&bin)
        .arg("simulate")
        .arg(&scenario)
        .output()
        .unwrap();
    assert!(printed.status.success());
    let delivered = std::process::Command::new(&bin)
        .arg("simulate")
        .arg(&scenario)
        .arg("--to")
        .arg(format!("dir:{}", out.path().display()))
        .args(["--layout", "hive"])
        .output()
        .unwrap();
    assert!(
        delivered.status.success(),
        "{}",
        String::from_utf8_lossy(&delivered.stderr)
    );
    let read_back = std::process::Command::new(&bin)
        .args(["cat", "-o", "aws"])
        .arg(out.path())
        .output()
        .unwrap();
    let lines = |b: &[u8]| {
        let mut v: Vec<String> = String::from_utf8_lossy(b)
            .lines()
            .skip(1)
            .map(str::to_string)
            .collect();
        v.sort();
        v
    };
    assert!(!lines(&printed.stdout).is_empty());
    assert_eq!(lines(&printed.stdout), lines(&read_back.stdout));
}
