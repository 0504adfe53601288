//! Every record of the seeds (and a few constructed from the reference facts) explained in English and
//! Japanese, checked against reviewed snapshots (fixtures: see `common`).

mod common;

use common::load;
use jiff::tz::TimeZone;
use vpcflow_catalog::AwsRanges;
use vpcflow_explain::{Explainer, Lang, Role};
use vpcflow_record::{Direction, Field, Record, Value};

fn explainer(lang: Lang, tz: &str) -> Explainer {
    Explainer::new(lang, TimeZone::get(tz).unwrap(), AwsRanges::builtin())
}

fn texts(name: &str, lang: Lang, tz: &str) -> String {
    let ex = explainer(lang, tz);
    load(name)
        .iter()
        .map(|f| ex.explain(&f.record, &f.location).text)
        .collect::<Vec<_>>()
        .join("\n\n")
}

macro_rules! snapshot_file {
    ($test:ident, $file:literal) => {
        #[test]
        fn $test() {
            insta::assert_snapshot!(
                concat!(stringify!($test), "_en_utc"),
                texts($file, Lang::En, "UTC")
            );
            insta::assert_snapshot!(
                concat!(stringify!($test), "_ja_tokyo"),
                texts($file, Lang::Ja, "Asia/Tokyo")
            );
        }
    };
}

snapshot_file!(seed000_zenn_handson, "seed000-zenn-handson.log");
snapshot_file!(seed001_qiita_handson, "seed001-qiita-handson.log");
snapshot_file!(seed002_aws_docs_examples, "seed002-aws-docs-examples.log");
snapshot_file!(seed002_tcp_flags, "seed002-tcp-flags.log");
snapshot_file!(seed002_nat_gateway, "seed002-nat-gateway.log");
snapshot_file!(seed002_transit_gateway, "seed002-transit-gateway.log");
snapshot_file!(seed003_qiita_redacted, "seed003-qiita-redacted.log");
snapshot_file!(seed004_qiita_2017, "seed004-qiita-2017.log");
snapshot_file!(facts_v5_fields, "facts-v5-fields.log");
snapshot_file!(facts_v7_v11_fields, "facts-v7-v11-fields.log");
snapshot_file!(facts_transit_gateway, "facts-transit-gateway.log");
snapshot_file!(facts_initiator, "facts-initiator.log");
snapshot_file!(facts_more_notes, "facts-more-notes.log");
snapshot_file!(facts_tcp_flags_unlogged, "facts-tcp-flags-unlogged.log");

/// The other two combinations, once: English with a non-UTC zone, Japanese in UTC.
#[test]
fn seed000_other_zones() {
    insta::assert_snapshot!(
        "seed000_zenn_handson_en_tokyo",
        texts("seed000-zenn-handson.log", Lang::En, "Asia/Tokyo")
    );
    insta::assert_snapshot!(
        "seed002_aws_docs_examples_ja_utc",
        texts("seed002-aws-docs-examples.log", Lang::Ja, "UTC")
    );
}

#[test]
fn json_for_a_few_records() {
    let en = explainer(Lang::En, "Asia/Tokyo");
    let ja = explainer(Lang::Ja, "Asia/Tokyo");
    let seed000 = load("seed000-zenn-handson.log");
    // The NTP reply rejected by the network ACL.
    insta::assert_json_snapshot!(
        "json_seed000_reply_rejected",
        en.explain(&seed000[5].record, &seed000[5].location)
    );
    let seed001 = load("seed001-qiita-handson.log");
    insta::assert_json_snapshot!(
        "json_seed001_osaka_ntp_ja",
        ja.explain(&seed001[0].record, &seed001[0].location)
    );
    let nat = load("seed002-nat-gateway.log");
    insta::assert_json_snapshot!(
        "json_seed002_nat_gateway_hop",
        en.explain(&nat[0].record, &nat[0].location)
    );
    let docs = load("seed002-aws-docs-examples.log");
    insta::assert_json_snapshot!(
        "json_seed002_nodata",
        en.explain(&docs[2].record, &docs[2].location)
    );
}

fn one(fields: Vec<(Field, Value)>) -> vpcflow_explain::Explanation {
    explainer(Lang::En, "UTC").explain(&Record::new(fields), "test")
}

fn default_record(
    src: &str,
    dst: &str,
    sport: i64,
    dport: i64,
    proto: i64,
    action: &str,
) -> Vec<(Field, Value)> {
    vec![
        (Field::Version, Value::Int(2)),
        (Field::AccountId, Value::Text("123456789010".into())),
        (Field::InterfaceId, Value::Text("eni-1".into())),
        (Field::Srcaddr, Value::Text(src.into())),
        (Field::Dstaddr, Value::Text(dst.into())),
        (Field::Srcport, Value::Int(sport)),
        (Field::Dstport, Value::Int(dport)),
        (Field::Protocol, Value::Int(proto)),
        (Field::Packets, Value::Int(1)),
        (Field::Bytes, Value::Int(40)),
        (Field::Start, Value::Int(1_700_000_000)),
        (Field::End, Value::Int(1_700_000_060)),
        (Field::Action, Value::Text(action.into())),
        (Field::LogStatus, Value::Text("OK".into())),
    ]
}

fn codes(e: &vpcflow_explain::Explanation) -> Vec<&str> {
    e.reading.notes.iter().map(|n| n.code().as_str()).collect()
}

#[test]
fn direction_from_the_private_side() {
    let e = one(default_record(
        "198.51.100.1",
        "10.0.0.5",
        50000,
        443,
        6,
        "ACCEPT",
    ));
    assert_eq!(e.reading.direction.value, Some(Direction::Ingress));
    assert!(e.reading.dst.as_ref().unwrap().interface_side);
    let e = one(default_record(
        "10.0.0.5",
        "198.51.100.1",
        50000,
        443,
        6,
        "ACCEPT",
    ));
    assert_eq!(e.reading.direction.value, Some(Direction::Egress));
    // Both private, both public: cannot tell.
    let e = one(default_record(
        "10.0.0.5", "10.0.0.6", 50000, 443, 6, "ACCEPT",
    ));
    assert_eq!(e.reading.direction.value, None);
    assert!(codes(&e).contains(&"direction-unknown"));
    let e = one(default_record(
        "198.51.100.1",
        "203.0.113.9",
        50000,
        443,
        6,
        "ACCEPT",
    ));
    assert_eq!(e.reading.direction.value, None);
    // 100.64.0.0/10 and IPv6 unique local addresses are private too.
    let e = one(default_record(
        "100.64.3.4",
        "198.51.100.1",
        50000,
        443,
        6,
        "ACCEPT",
    ));
    assert_eq!(e.reading.direction.value, Some(Direction::Egress));
    let e = one(default_record(
        "2001:db8::1",
        "fd12::5",
        50000,
        443,
        6,
        "ACCEPT",
    ));
    assert_eq!(e.reading.direction.value, Some(Direction::Ingress));
}

#[test]
fn flow_direction_wins_over_addresses() {
    let mut r = default_record("10.0.0.5", "10.0.0.6", 50000, 443, 6, "ACCEPT");
    r.push((Field::FlowDirection, Value::Text("ingress".into())));
    let e = one(r);
    assert_eq!(e.reading.direction.value, Some(Direction::Ingress));
    assert!(codes(&e).contains(&"direction-field"));
}

#[test]
fn role_from_ports() {
    let e = one(default_record(
        "10.0.0.5",
        "198.51.100.1",
        50000,
        443,
        6,
        "ACCEPT",
    ));
    assert_eq!(
        (e.reading.role(), e.reading.service),
        (Role::Request, Some("HTTPS"))
    );
    let e = one(default_record(
        "198.51.100.1",
        "10.0.0.5",
        443,
        50000,
        6,
        "ACCEPT",
    ));
    assert_eq!(
        (e.reading.role(), e.reading.service),
        (Role::Response, Some("HTTPS"))
    );
    // Both ends on the NTP port: a peer conversation.
    let e = one(default_record(
        "10.0.0.5",
        "198.51.100.1",
        123,
        123,
        17,
        "ACCEPT",
    ));
    assert_eq!(
        (e.reading.role(), e.reading.service),
        (Role::Unknown, Some("NTP"))
    );
    // No known service: the ephemeral side is the client.
    let e = one(default_record(
        "10.0.0.5", "10.0.0.6", 45000, 7777, 6, "ACCEPT",
    ));
    assert_eq!((e.reading.role(), e.reading.service), (Role::Request, None));
    // ICMP has no ports.
    let e = one(default_record("10.0.0.5", "10.0.0.6", 0, 0, 1, "ACCEPT"));
    assert_eq!(e.reading.role(), Role::Unknown);
    assert!(codes(&e).contains(&"role-icmp"));
    assert_eq!(e.reading.src.as_ref().unwrap().port, None);
}

#[test]
fn role_from_tcp_flags_beats_ports() {
    let mut r = default_record("10.0.0.5", "10.0.0.6", 443, 50000, 6, "ACCEPT");
    r.push((Field::TcpFlags, Value::Int(2)));
    let e = one(r);
    assert_eq!(
        e.reading.role(),
        Role::Request,
        "SYN alone is the client, whatever the ports say"
    );
    assert_eq!(
        e.reading.tcp_flags.map(|f| f.names()),
        Some(vec!["SYN".to_string()])
    );
    let mut r = default_record("10.0.0.6", "10.0.0.5", 50000, 443, 6, "ACCEPT");
    r.push((Field::TcpFlags, Value::Int(18)));
    assert_eq!(one(r).reading.role(), Role::Response);
}

#[test]
fn rejected_reply_points_at_the_network_acl() {
    let e = one(default_record(
        "198.51.100.1",
        "10.0.0.5",
        53,
        41234,
        17,
        "REJECT",
    ));
    assert!(
        codes(&e).contains(&"reply-rejected-likely-nacl"),
        "{:?}",
        codes(&e)
    );
    let e = one(default_record(
        "198.51.100.1",
        "10.0.0.5",
        41234,
        53,
        17,
        "REJECT",
    ));
    assert!(codes(&e).contains(&"rejected"));
    assert!(!codes(&e).contains(&"reply-rejected-likely-nacl"));
}

#[test]
fn owners_of_public_addresses() {
    let e = one(default_record(
        "10.0.4.135",
        "15.152.63.145",
        35098,
        123,
        17,
        "ACCEPT",
    ));
    let owner = e.reading.dst.as_ref().unwrap().owner.as_ref().unwrap();
    assert_eq!(owner.region, "ap-northeast-3");
    assert_eq!(
        vpcflow_explain::words(Lang::En).region(&owner.region),
        Some("Osaka")
    );
    assert!(e.text.contains("Osaka"), "{}", e.text);
}

/// The facts as JSON, for the notes the seeds' JSON snapshots do not show: the values each note carries, the
/// direction decided by what the file teaches about the interface, and a message's segments as the dashboard
/// gets them.
#[test]
fn json_of_the_facts() {
    let more = load("facts-more-notes.log");
    let flows: Vec<vpcflow_diagnose::Flow> = more
        .iter()
        .filter_map(|f| vpcflow_diagnose::Flow::from_record(&f.record, &f.location))
        .collect();
    let own = std::sync::Arc::new(vpcflow_diagnose::connections::learn(&flows).own);
    let learned = explainer(Lang::En, "UTC").with_own_addresses(own);
    let e = learned.explain(&more[3].record, &more[3].location);
    assert_eq!(e.reading.direction.value, Some(Direction::Ingress));
    insta::assert_json_snapshot!("json_direction_learned", e);
    let v11 = load("facts-v7-v11-fields.log");
    let f = v11.iter().find(|f| f.location.ends_with(":20")).unwrap();
    let e = explainer(Lang::En, "UTC").explain(&f.record, &f.location);
    insta::assert_json_snapshot!("json_v11_metadata", e);
    let segments: Vec<_> = e
        .reading
        .notes
        .iter()
        .map(|n| vpcflow_explain::render::note(n, learned.style()))
        .collect();
    insta::assert_json_snapshot!("json_v11_segments", segments);
}
