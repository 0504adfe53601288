//! Each detection: its SQL over `detect_flows`, and how its rows become findings.

mod listed;
mod outbound;
mod probes;
mod vpc;

pub(super) use vpc::annotate;

use super::catalogue;
use super::stage::Rows;
use super::{Context, Evidence, Fact, Finding, Severity};
use crate::Engine;
use datafusion::common::Result;
use std::net::IpAddr;

/// Runs every enabled detection.
pub(super) fn all(
    engine: &Engine,
    _candidates: &super::stage::Candidates,
    cx: &Context,
    notes: &mut Vec<String>,
) -> Result<Vec<Finding>> {
    let mut out = Vec::new();
    let on = |id: &str| cx.config.of(id).enabled;
    if on("scan.ports") {
        probes::port_scans(engine, cx, &mut out)?;
    }
    if on("scan.sweep") {
        probes::sweeps(engine, cx, &mut out)?;
    }
    if on("exposure.port") {
        probes::exposures(engine, cx, &mut out)?;
    }
    for (id, ports) in catalogue::BRUTEFORCE {
        if on(id) {
            probes::brute_force(engine, cx, id, ports, &mut out)?;
        }
    }
    if on("exfil.volume") {
        outbound::volumes(engine, cx, &mut out)?;
    }
    if on("dos.outbound") {
        outbound::floods(engine, cx, &mut out)?;
    }
    if on("c2.beacon") {
        outbound::beacons(engine, cx, &mut out)?;
    }
    listed::listed(engine, cx, &mut out, notes)?;
    if on("tor.traffic") && cx.config.value("tor.traffic", "use_ports") > 0.0 {
        listed::tor_ports(engine, cx, &mut out)?;
    }
    if on("crypto.mining") {
        listed::mining_ports(engine, cx, &mut out)?;
    }
    if on("behavior.new_port") {
        outbound::new_ports(engine, cx, &mut out)?;
    }
    if on("behavior.smtp") {
        outbound::mail(engine, cx, &mut out)?;
    }
    if on("dns.external") {
        outbound::dns(engine, cx, &mut out)?;
    }
    for d in catalogue::CATALOGUE {
        if !on(d.id) {
            notes.push(format!("{} is turned off in the configuration", d.id));
        }
    }
    Ok(out)
}

/// A finding with the detection's technique and no enrichment yet.
#[allow(clippy::too_many_arguments)]
fn finding(
    id: &'static str,
    severity: Severity,
    actor: Option<IpAddr>,
    target: Option<IpAddr>,
    first: i64,
    last: i64,
    fact: Fact,
    evidence: Evidence,
) -> Finding {
    let mitre = catalogue::find(id).map_or("", |d| d.mitre);
    Finding {
        detection: id,
        severity,
        mitre,
        actor,
        target,
        first,
        last,
        fact,
        evidence,
        actor_info: None,
        target_info: None,
        rule: None,
    }
}

/// The evidence columns every query returns: `records`, `packets`, `bytes`.
fn evidence(rows: &Rows, r: usize) -> Evidence {
    Evidence {
        records: rows.count("records", r),
        packets: rows.count("packets", r),
        bytes: rows.count("bytes", r),
        ..Evidence::default()
    }
}

/// Adds `b` to `a` (the same finding seen in another window).
fn add(a: &mut Evidence, b: &Evidence) {
    a.records += b.records;
    a.packets += b.packets;
    a.bytes += b.bytes;
    for p in &b.ports {
        if !a.ports.contains(p) {
            a.ports.push(*p);
        }
    }
    a.ports.sort_unstable();
    a.ports.truncate(20);
}

/// Ports as evidence: ascending, at most 20.
fn ports(list: Vec<i64>) -> Vec<u16> {
    let mut p: Vec<u16> = list
        .into_iter()
        .filter_map(|p| u16::try_from(p).ok())
        .collect();
    p.sort_unstable();
    p.dedup();
    p.truncate(20);
    p
}

/// A SQL list of ports: `22, 3389`.
fn port_list(ports: &[u16]) -> String {
    ports
        .iter()
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// An integer threshold.
fn int(cx: &Context, id: &str, key: &str) -> i64 {
    cx.config.value(id, key).round() as i64
}

/// The port of a finding's traffic, when it is about one.
pub(super) fn port_of(f: &Finding) -> Option<u16> {
    match &f.fact {
        Fact::Exposure { port, .. }
        | Fact::BruteForce { port, .. }
        | Fact::Sweep { port, .. }
        | Fact::Beacon { port, .. }
        | Fact::Port { port, .. }
        | Fact::NewPort { port, .. } => Some(*port),
        _ => f.evidence.examples.first().and_then(|e| e.dstport),
    }
}
