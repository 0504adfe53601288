//! What is wrong in a saved configuration, in English: the place, then the fact.

use crate::message::{Message, msg};
use crate::render::{fields, number_or_dash, quoted};
use vpcflow_netmodel::{ConfigIssue, ConfigProblem, Expected, Found, MissingHint};

/// `file: $.json.path: what is wrong`.
pub(crate) fn problem(p: &ConfigProblem) -> Message {
    msg![val p.location, t ": ", m issue(&p.issue)]
}

fn issue(i: &ConfigIssue) -> Message {
    match i {
        ConfigIssue::CannotRead { error } => msg![t "cannot read: ", val error],
        ConfigIssue::InvalidJson { error } => msg![t "not valid JSON: ", val error],
        ConfigIssue::NotAnObject { found: f } => {
            msg![t "expected the JSON object the AWS CLI prints, found ", m found(f)]
        }
        ConfigIssue::NotDescribeOutput { known } => msg![
            t "not recognised as `aws ec2 describe-*` output: expected one of the keys ",
            m fields(known, ", ")
        ],
        ConfigIssue::WrongType {
            expected: e,
            found: f,
        } => {
            msg![t "expected ", t expected(*e), t ", found ", m found(f)]
        }
        ConfigIssue::Missing { keys, hint } => {
            let mut m = msg![t "missing ", m alternatives(keys)];
            match hint {
                Some(MissingHint::EgressMeaning) => {
                    m.text(" (true for outbound rules, false for inbound)");
                }
                Some(MissingHint::RequiredForTcpUdp) => {
                    m.text(" (required for TCP and UDP rules)");
                }
                None => {}
            }
            m
        }
        ConfigIssue::NotCidr { text } => msg![val quoted(text), t " is not a CIDR block"],
        ConfigIssue::NotIp { text } => msg![val quoted(text), t " is not an IP address"],
        ConfigIssue::NotProtocol { text } => msg![
            val quoted(text),
            t " is not a protocol (-1, tcp, udp, icmp, icmpv6 or a number 0-255)"
        ],
        ConfigIssue::NotRuleNumber { number } => {
            msg![num number, t " is not a rule number (1-32766, or 32767 for *)"]
        }
        ConfigIssue::NeitherOf {
            text,
            allowed: [a, b],
        } => msg![
            val quoted(text), t " is neither ", val quoted(a), t " nor ", val quoted(b)
        ],
        ConfigIssue::NotPortRange { from, to } => msg![
            field "FromPort", t " ", val number_or_dash(*from), t " and ", field "ToPort", t " ",
            val number_or_dash(*to), t " are not a port range"
        ],
        ConfigIssue::BadPortRange => msg![
            field "From", t " and ", field "To", t " must be ports 0-65535 with From <= To"
        ],
        ConfigIssue::UnnamedPrefixList => msg![
            t "prefix list entries (`aws ec2 get-managed-prefix-list-entries`) do not name their list: put the pl-... id in the file name"
        ],
    }
}

fn expected(e: Expected) -> &'static str {
    match e {
        Expected::String => "a string",
        Expected::WholeNumber => "a whole number",
        Expected::Bool => "true or false",
        Expected::Array => "an array",
        Expected::CidrString => "a CIDR string",
    }
}

fn found(f: &Found) -> Message {
    match f {
        Found::Null => msg![val "null"],
        Found::Bool(b) => msg![val b],
        Found::Number(n) => msg![val n],
        Found::String(s) => msg![val quoted(s)],
        Found::Array => msg![t "an array"],
        Found::Object => msg![t "an object"],
    }
}

/// `A`, `A or B`, `A, B or C`.
fn alternatives(keys: &[&str]) -> Message {
    let mut m = Message::new();
    for (i, k) in keys.iter().enumerate() {
        if i > 0 {
            m.text(if i + 1 == keys.len() { " or " } else { ", " });
        }
        m.push(crate::message::Kind::Field, k);
    }
    m
}
