//! The seed's five experiments, replayed through their modelled VPCs, give the records the seed shows: the same
//! interfaces, addresses, ports, protocols, packet and byte counts, actions and statuses (times differ: AWS's
//! start and end are its capture window's, the simulator's are the packets').

use std::path::{Path, PathBuf};
use vpcflow_capture::simulate::{Scenario, Simulation};

fn scenarios_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/scenarios")
}

/// Every field but `start` and `end` (the 11th and 12th of the default format).
fn comparable(line: &str) -> Vec<String> {
    line.split_whitespace()
        .enumerate()
        .filter(|(i, _)| *i != 10 && *i != 11)
        .map(|(_, t)| t.to_string())
        .collect()
}

fn check(name: &str) {
    let dir = scenarios_dir();
    let scenario = Scenario::load(&dir.join(format!("{name}.yaml"))).unwrap();
    let (batches, stats) = Simulation::new(&scenario, &dir, None, None).unwrap().run();
    let mut out = Vec::new();
    for b in &batches {
        vpcflow_record::text::write_batch(b, &mut out).unwrap();
    }
    let out = String::from_utf8(out).unwrap();
    let mut got: Vec<Vec<String>> = out.lines().map(comparable).collect();
    let expected = std::fs::read_to_string(dir.join(name).join("expected.log")).unwrap();
    let mut want: Vec<Vec<String>> = expected
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(comparable)
        .collect();
    got.sort();
    want.sort();
    assert_eq!(got, want, "{name}: simulated\n{out}");
    assert_eq!(
        stats.observations, stats.recorded_packets,
        "{name}: every observation is in a record"
    );
}

#[test]
fn exp1_http_rejected_by_security_group() {
    check("exp1-http-rejected-by-security-group");
}

#[test]
fn exp2_ntp_reply_allowed_statefully() {
    check("exp2-ntp-reply-allowed-statefully");
}

#[test]
fn exp3_http_allowed() {
    check("exp3-http-allowed");
}

#[test]
fn exp4_ntp_reply_rejected_by_network_acl() {
    check("exp4-ntp-reply-rejected-by-network-acl");
}

#[test]
fn exp5_internet_gateway_route_removed() {
    check("exp5-internet-gateway-route-removed");
}

#[test]
fn tcp_flags_of_short_and_long_conversations() {
    check("tcp-flags");
}
