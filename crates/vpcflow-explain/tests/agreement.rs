//! `explain` and `conversations` read every seed record the same way: who initiated (the same client, on the
//! same evidence, equally sure, and "cannot tell" where neither can) and which way it crossed the interface.
//!
//! Two checks over every record of the seed fixtures (explain's, diagnose's scenarios, the CLI's, the examples):
//! record by record, `explain` of one record and `conversations` of that record alone must agree exactly; and
//! over a whole file, `explain` (with the interfaces' addresses the file teaches) must never name the other end as
//! the client, or the other way across the interface, than the connection the record belongs to — the connection
//! may only be surer, having both directions' records.

mod common;

use common::Fixture;
use std::sync::Arc;
use vpcflow_catalog::AwsRanges;
use vpcflow_diagnose::connections::learn;
use vpcflow_diagnose::{Conversations, Endpoint, Flow};
use vpcflow_explain::{Explainer, Lang, Role};
use vpcflow_record::reading::Side;

/// Every fixture file, as (name, records).
fn fixtures() -> Vec<(String, Vec<Fixture>)> {
    let mut out = Vec::new();
    let dir = common::root().join("crates/vpcflow-explain/tests/data");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    for name in names {
        out.push((name.clone(), common::load(&name)));
    }
    let scenarios = common::root().join("crates/vpcflow-diagnose/tests/data");
    let mut dirs: Vec<String> = std::fs::read_dir(&scenarios)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    dirs.sort();
    for d in dirs {
        let path = format!("crates/vpcflow-diagnose/tests/data/{d}/flows.log");
        out.push((path.clone(), common::read(&path, &path)));
    }
    for path in [
        "examples/flow-logs/aws-docs.log",
        "examples/flow-logs/seed-articles.txt",
        "examples/flow-logs/seed-experiments.txt",
        "crates/vpcflow/tests/data/diagnose/seed000-verbatim.log",
        "crates/vpcflow/tests/data/diagnose/nat-gateway.log",
        "crates/vpcflow/tests/data/diagnose/transit-gateway.log",
    ] {
        out.push((path.to_string(), common::read(path, path)));
    }
    out
}

fn explainer() -> Explainer {
    Explainer::new(Lang::En, jiff::tz::TimeZone::UTC, AwsRanges::builtin())
}

/// The side of `flow` (its packet source `a`, its packet destination `b`) that a connection names as the client,
/// when it names one.
fn client_side(c: &vpcflow_diagnose::Connection, flow: &Flow) -> Option<Side> {
    c.initiator.value.as_ref()?;
    let a = Endpoint {
        addr: flow.packet_src().to_string(),
        port: flow.src_port,
    };
    Some(if c.client == a { Side::A } else { Side::B })
}

#[test]
fn record_by_record_explain_and_conversations_agree() {
    let ex = explainer();
    let mut compared = 0;
    let mut undecided = 0;
    for (name, records) in fixtures() {
        for f in &records {
            let Some(flow) = Flow::from_record(&f.record, &f.location) else {
                continue;
            };
            let reading = ex.read(&f.record, &f.location);
            let conv = Conversations::build(vec![flow.clone()]);
            assert_eq!(conv.connections.len(), 1, "{}", f.location);
            let c = &conv.connections[0];
            let e = &reading.initiator;
            assert_eq!(
                (e.value, e.basis, e.confidence, reading.service),
                (
                    client_side(c, &flow),
                    c.initiator.basis,
                    c.initiator.confidence,
                    c.service
                ),
                "{name}: {}: explain and conversations name different initiators",
                f.location
            );
            let way = c.legs[0].request_way.map(|w| match client_side(c, &flow) {
                Some(Side::B) => w.reverse(),
                _ => w,
            });
            assert_eq!(
                reading.direction.value, way,
                "{name}: {}: explain and conversations see different directions",
                f.location
            );
            compared += 1;
            undecided += usize::from(e.value.is_none());
        }
    }
    // Every fixture record that makes a flow (118 when this was written), 16 of them where nothing tells.
    assert!(compared >= 110, "only {compared} records compared");
    assert!(undecided >= 12, "only {undecided} undecided records");
}

#[test]
fn over_a_file_explain_never_contradicts_its_connection() {
    for (name, records) in fixtures() {
        let flows: Vec<Flow> = records
            .iter()
            .filter_map(|f| Flow::from_record(&f.record, &f.location))
            .collect();
        let own = Arc::new(learn(&flows).own);
        let ex = explainer().with_own_addresses(own);
        let conv = Conversations::build(flows);
        for c in &conv.connections {
            for leg in &c.legs {
                for (&i, is_request) in leg
                    .request
                    .iter()
                    .map(|i| (i, true))
                    .chain(leg.reply.iter().map(|i| (i, false)))
                {
                    let flow = &conv.flows[i];
                    let f = records
                        .iter()
                        .find(|f| f.location == flow.location)
                        .expect("the record of a flow");
                    let reading = ex.read(&f.record, &f.location);
                    let role = reading.role();
                    if c.initiator.value.is_some() && role != Role::Unknown {
                        assert_eq!(
                            role == Role::Request,
                            is_request,
                            "{name}: {}: explain calls it a {role:?}, its connection the other way",
                            f.location
                        );
                        assert!(
                            c.initiator.confidence <= reading.initiator.confidence,
                            "{name}: {}: explain is surer than the connection",
                            f.location
                        );
                    }
                    let way = leg
                        .request_way
                        .map(|w| if is_request { w } else { w.reverse() });
                    if let (Some(e), Some(w)) = (reading.direction.value, way) {
                        assert_eq!(e, w, "{name}: {}: directions differ", f.location);
                    }
                }
            }
        }
    }
}

/// Every kind of note is said at least once by the fixtures (so every sentence of both renderers is exercised by
/// the snapshots), reading each file's records alone and with the addresses the file teaches.
#[test]
fn every_note_is_in_the_fixtures() {
    let mut seen = std::collections::BTreeSet::new();
    for (_, records) in fixtures() {
        let flows: Vec<Flow> = records
            .iter()
            .filter_map(|f| Flow::from_record(&f.record, &f.location))
            .collect();
        let learned = explainer().with_own_addresses(Arc::new(learn(&flows).own));
        for ex in [explainer(), learned] {
            for f in &records {
                for n in ex.read(&f.record, &f.location).notes {
                    seen.insert(n.code());
                }
            }
        }
    }
    let missing: Vec<&str> = vpcflow_explain::Code::ALL
        .iter()
        .filter(|c| !seen.contains(c))
        .map(|c| c.as_str())
        .collect();
    assert!(missing.is_empty(), "no fixture says {missing:?}");
}
