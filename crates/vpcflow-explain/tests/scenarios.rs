//! The seed scenarios in words: each scenario's connections, its diagnosis from the records alone and its diagnosis
//! against the configuration, in English and Japanese, checked against reviewed snapshots. (The conclusions
//! themselves are checked as data in `vpcflow-diagnose`'s tests, over the same fixtures.)

mod common;

use vpcflow_diagnose::{Conversations, Flow, diagnose};
use vpcflow_explain::{Lang, Style, text};
use vpcflow_netmodel::VpcModel;

const SCENARIOS: &str = "crates/vpcflow-diagnose/tests/data";

/// The records of a scenario, located as `name/flows.log:LINE`.
fn flows(name: &str) -> Conversations {
    let records = common::read(
        &format!("{SCENARIOS}/{name}/flows.log"),
        &format!("{name}/flows.log"),
    );
    Conversations::build(
        records
            .iter()
            .filter_map(|f| Flow::from_record(&f.record, &f.location))
            .collect(),
    )
}

fn style(lang: Lang) -> Style {
    Style {
        lang,
        tz: jiff::tz::TimeZone::get("Asia/Tokyo").unwrap(),
    }
}

fn scenario(name: &str) {
    let conv = flows(name);
    let logs = diagnose(&conv, None);
    let model = VpcModel::load(&common::root().join(SCENARIOS).join(name).join("vpc")).unwrap();
    assert!(model.problems.is_empty(), "{:?}", model.problems);
    let config = diagnose(&conv, Some(&model));
    for (lang, suffix) in [(Lang::En, "en"), (Lang::Ja, "ja")] {
        let text = format!(
            "== conversations ==\n{}\n== diagnosis from the logs ==\n{}\n== diagnosis with the configuration ==\n{}",
            text::conversations(&conv, &style(lang)),
            text::diagnoses(&conv, &logs, &style(lang)),
            text::diagnoses(&conv, &config, &style(lang)),
        );
        insta::assert_snapshot!(format!("{name}-{suffix}"), text);
    }
}

macro_rules! scenarios {
    ($($test:ident => $name:literal,)*) => {
        $(
            #[test]
            fn $test() {
                scenario($name);
            }
        )*
    };
}

scenarios! {
    exp1_no_inbound_security_group_rule => "exp1-no-inbound-sg-rule",
    exp2_http_allowed => "exp2-http-allowed",
    exp3_ntp_reply_blocked_by_the_acl => "exp3-ntp-reply-blocked-by-acl",
    exp4_all_inbound_denied_by_the_acl => "exp4-all-inbound-denied-by-acl",
    exp5_internet_gateway_route_removed => "exp5-igw-route-removed",
    exp5b_internet_gateway_detached => "exp5b-igw-detached",
    ping_reply_blocked_by_the_acl => "ping-reply-blocked-by-acl",
    ping_allowed_both_ways => "ping-allowed",
    ping_rejected_by_the_security_group => "ping-sg-denies",
    no_public_address_in_the_snapshot => "no-public-address",
    security_group_reference_excludes_the_source => "sg-reference-excludes-source",
    network_acl_allow_shadowed_by_a_deny => "nacl-allow-shadowed",
}
