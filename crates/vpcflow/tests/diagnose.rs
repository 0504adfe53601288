//! `vpcflow conversations`, `diagnose` and `check` as people run them: the seed scenarios, English and
//! Japanese, JSON, exit codes, and configuration that is broken in the ways saved files get broken.

use insta_cmd::assert_cmd_snapshot;

mod common;
use common::vpcflow;

const SCENARIOS: &str = "crates/vpcflow-diagnose/tests/data";
const DATA: &str = "crates/vpcflow/tests/data/diagnose";

fn scenario(name: &str, file: &str) -> String {
    format!("{SCENARIOS}/{name}/{file}")
}

#[test]
fn conversations_of_the_seed_hands_on() {
    assert_cmd_snapshot!(vpcflow().args([
        "conversations",
        "--tz",
        "Asia/Tokyo",
        &format!("{DATA}/seed000-verbatim.log")
    ]));
}

#[test]
fn conversations_in_japanese() {
    assert_cmd_snapshot!(vpcflow().args([
        "conversations",
        "--lang",
        "ja",
        "--tz",
        "Asia/Tokyo",
        &scenario("exp4-all-inbound-denied-by-acl", "flows.log")
    ]));
}

#[test]
fn conversations_through_a_nat_gateway() {
    assert_cmd_snapshot!(vpcflow().args(["conversations", &format!("{DATA}/nat-gateway.log")]));
}

#[test]
fn conversations_through_a_transit_gateway() {
    assert_cmd_snapshot!(vpcflow().args(["conversations", &format!("{DATA}/transit-gateway.log")]));
}

#[test]
fn diagnose_from_the_logs_alone() {
    assert_cmd_snapshot!(vpcflow().args([
        "diagnose",
        "--tz",
        "Asia/Tokyo",
        &format!("{DATA}/seed000-verbatim.log")
    ]));
}

#[test]
fn diagnose_the_removed_internet_gateway_route_with_configuration() {
    assert_cmd_snapshot!(vpcflow().args([
        "diagnose",
        "--tz",
        "Asia/Tokyo",
        "--vpc-config",
        &scenario("exp5-igw-route-removed", "vpc"),
        &scenario("exp5-igw-route-removed", "flows.log")
    ]));
}

#[test]
fn diagnose_the_ntp_reply_in_japanese() {
    assert_cmd_snapshot!(vpcflow().args([
        "diagnose",
        "--lang",
        "ja",
        "--tz",
        "Asia/Tokyo",
        "--vpc-config",
        &scenario("exp3-ntp-reply-blocked-by-acl", "vpc"),
        &scenario("exp3-ntp-reply-blocked-by-acl", "flows.log")
    ]));
}

#[test]
fn diagnose_json() {
    assert_cmd_snapshot!(vpcflow().args([
        "diagnose",
        "-o",
        "json",
        "--vpc-config",
        &scenario("ping-reply-blocked-by-acl", "vpc"),
        &scenario("ping-reply-blocked-by-acl", "flows.log")
    ]));
}

#[test]
fn diagnose_with_malformed_configuration_reports_file_and_path_and_decides_the_rest() {
    assert_cmd_snapshot!(vpcflow().args([
        "diagnose",
        "--vpc-config",
        &format!("{DATA}/malformed-vpc"),
        &scenario("exp3-ntp-reply-blocked-by-acl", "flows.log")
    ]));
}

#[test]
fn check_allowed() {
    assert_cmd_snapshot!(vpcflow().args([
        "check",
        "--vpc-config",
        &scenario("exp2-http-allowed", "vpc"),
        "--from",
        "27.138.93.252:49203",
        "--to",
        "10.0.10.30:80/tcp"
    ]));
}

#[test]
fn check_without_a_route_back() {
    assert_cmd_snapshot!(vpcflow().args([
        "check",
        "--vpc-config",
        &scenario("exp5-igw-route-removed", "vpc"),
        "--from",
        "27.138.93.252",
        "--to",
        "10.0.10.30:80/tcp"
    ]));
}

#[test]
fn check_outbound_ntp_in_japanese() {
    assert_cmd_snapshot!(vpcflow().args([
        "check",
        "--lang",
        "ja",
        "--vpc-config",
        &scenario("exp3-ntp-reply-blocked-by-acl", "vpc"),
        "--from",
        "10.0.10.30:50392",
        "--to",
        "162.159.200.123:123/udp"
    ]));
}

#[test]
fn check_ping() {
    assert_cmd_snapshot!(vpcflow().args([
        "check",
        "--vpc-config",
        &scenario("ping-reply-blocked-by-acl", "vpc"),
        "--from",
        "203.0.113.12",
        "--to",
        "172.31.16.139/icmp"
    ]));
}

#[test]
fn check_needs_a_port_for_tcp() {
    assert_cmd_snapshot!(vpcflow().args([
        "check",
        "--vpc-config",
        &scenario("ping-allowed", "vpc"),
        "--from",
        "203.0.113.12",
        "--to",
        "172.31.16.139/tcp"
    ]));
}
