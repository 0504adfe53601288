//! `explain` and `conversations` read every seed record the same way: which way it crossed its interface, who
//! initiated (the same client, on the same evidence, equally sure, and "cannot tell" where neither can).
//!
//! Two checks over every record of every fixture file (explain's, diagnose's scenarios, the CLI's, the examples):
//! record by record, `explain` of one record and `conversations` of that record alone must agree exactly; and
//! over a whole file, `explain` with the interfaces' addresses the file teaches (learnt while the records go by,
//! as the CLI's first pass does) and `conversations` of the file must name the same side of the interface with
//! the same basis and confidence, and the same client and server. They are also equally sure of the client,
//! except where a connection has records that the one record explained does not carry (the reply's SYN-ACK, the
//! other direction's time): those records are listed in a reviewed snapshot.

mod common;

use common::Fixture;
use std::collections::BTreeMap;
use std::sync::Arc;
use vpcflow_catalog::AwsRanges;
use vpcflow_diagnose::connections::{OWN_ADDRESS_FIELDS, interface_side, learn, learn_own};
use vpcflow_diagnose::{Conversations, Endpoint, Flow};
use vpcflow_explain::{Explainer, Lang};
use vpcflow_record::Record;
use vpcflow_record::reading::{OwnAddresses, Side};

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
    let mut examples: Vec<String> = std::fs::read_dir(common::root().join("examples/flow-logs"))
        .unwrap()
        .map(|e| {
            format!(
                "examples/flow-logs/{}",
                e.unwrap().file_name().to_string_lossy()
            )
        })
        .collect();
    examples.sort();
    for path in examples {
        out.push((path.clone(), common::read(&path, &path)));
    }
    for path in [
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
/// The client of a NAT gateway connection is the instance, and on the gateway's own half of it, the gateway's
/// translated end.
fn client_side(c: &vpcflow_diagnose::Connection, flow: &Flow) -> Option<Side> {
    c.initiator.value.as_ref()?;
    let a = Endpoint {
        addr: flow.packet_src().to_string(),
        port: flow.src_port,
    };
    Some(if c.client == a || c.translated.as_ref() == Some(&a) {
        Side::A
    } else {
        Side::B
    })
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

/// Who a reading names as the client.
fn who(side: Option<Side>) -> &'static str {
    match side {
        Some(Side::A) => "the source",
        Some(Side::B) => "the destination",
        None => "cannot tell",
    }
}

/// A value's JSON spelling.
fn word(value: &impl serde::Serialize) -> String {
    serde_json::to_value(value)
        .unwrap()
        .as_str()
        .unwrap()
        .to_string()
}

/// Each interface's own address, learnt from the records as they go by (as `vpcflow explain` learns in its first
/// pass, reading only the fields that tell).
fn learn_while_reading(records: &[Fixture]) -> Arc<BTreeMap<String, String>> {
    let mut own = OwnAddresses::new();
    for f in records {
        let projected = Record::new(
            OWN_ADDRESS_FIELDS
                .iter()
                .filter_map(|&field| Some((field, f.record.get(field)?.clone())))
                .collect(),
        );
        learn_own(&mut own, &projected);
    }
    Arc::new(own.finish())
}

#[test]
fn over_a_file_explain_and_conversations_agree() {
    let mut compared = 0;
    let mut sides = 0;
    let mut knows_more = Vec::new();
    for (name, records) in fixtures() {
        let flows: Vec<Flow> = records
            .iter()
            .filter_map(|f| Flow::from_record(&f.record, &f.location))
            .collect();
        let learned = learn(&flows);
        let own = learn_while_reading(&records);
        assert_eq!(*own, learned.own, "{name}: the first pass learns otherwise");
        let ex = explainer().with_own_addresses(own);
        let conv = Conversations::build(flows);
        for c in &conv.connections {
            for leg in &c.legs {
                let request = leg.request.iter().map(|&i| (i, true));
                for (i, is_request) in request.chain(leg.reply.iter().map(|&i| (i, false))) {
                    let flow = &conv.flows[i];
                    let f = records
                        .iter()
                        .find(|f| f.location == flow.location)
                        .expect("the record of a flow");
                    let reading = ex.read(&f.record, &f.location);
                    let at = format!("{name}: {}", f.location);
                    // The interface's side: as conversations reads the record, and as its leg has it.
                    let side = interface_side(flow, &learned.own);
                    let d = &reading.direction;
                    assert_eq!(
                        (d.value, d.basis, d.confidence),
                        (side.value, side.basis, side.confidence),
                        "{at}: explain and conversations read the interface's side differently"
                    );
                    let way = leg
                        .request_way
                        .map(|w| if is_request { w } else { w.reverse() });
                    assert_eq!(d.value, way, "{at}: the record's side is not its leg's");
                    sides += usize::from(d.value.is_some());
                    // Client and server: never the other way round, and named by both or by neither.
                    let e = &reading.initiator;
                    let client = client_side(c, flow);
                    assert_eq!(
                        e.value.is_some().then_some(client),
                        e.value.map(Some),
                        "{at}: explain and conversations name different clients"
                    );
                    if client.is_some() {
                        assert_eq!(
                            client == Some(Side::A),
                            is_request,
                            "{at}: the client's records are not its connection's requests"
                        );
                    }
                    compared += 1;
                    if (e.value, e.basis, e.confidence, reading.service)
                        == (client, c.initiator.basis, c.initiator.confidence, c.service)
                    {
                        continue;
                    }
                    // The connection may know more than the record, never less and never otherwise.
                    assert!(
                        conv.flows_of(c).count() > 1,
                        "{at}: a connection of one record decides otherwise"
                    );
                    assert!(
                        c.initiator.confidence <= e.confidence,
                        "{at}: explain is surer than the connection"
                    );
                    assert!(
                        e.value.is_none() || e.value == client,
                        "{at}: a different client"
                    );
                    let line = |v: Option<Side>, basis: String, confidence: String| {
                        format!("{} ({basis}, {confidence})", who(v))
                    };
                    knows_more.push((
                        f.location.clone(),
                        format!(
                            "{}: explain: {}; its connection: {}",
                            f.location,
                            line(e.value, word(&e.basis), word(&e.confidence)),
                            line(
                                client,
                                word(&c.initiator.basis),
                                word(&c.initiator.confidence)
                            ),
                        ),
                    ));
                }
            }
        }
    }
    // Every fixture record that makes a flow (127 when this was written), 103 with their side decided.
    assert!(compared >= 125, "only {compared} records compared");
    assert!(sides >= 100, "only {sides} records with a side");
    knows_more.sort_by_key(|(location, _)| {
        let (file, line) = location.rsplit_once(':').expect("file:line");
        (
            file.to_string(),
            line.parse::<u64>().expect("a line number"),
        )
    });
    let lines: Vec<String> = knows_more.into_iter().map(|(_, l)| l).collect();
    insta::assert_snapshot!("where_the_connection_knows_more", lines.join("\n"));
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
