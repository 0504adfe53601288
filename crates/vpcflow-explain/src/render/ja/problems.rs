//! What is wrong in a saved configuration, in Japanese: the place, then the fact.

use crate::message::{Message, msg};
use crate::render::{fields, number_or_dash, quoted};
use vpcflow_netmodel::{ConfigIssue, ConfigProblem, Expected, Found, MissingHint};

/// `file: $.json.path: what is wrong`.
pub(crate) fn problem(p: &ConfigProblem) -> Message {
    msg![val p.location, t ": ", m issue(&p.issue)]
}

fn issue(i: &ConfigIssue) -> Message {
    match i {
        ConfigIssue::CannotRead { error } => msg![t "読み込めません: ", val error],
        ConfigIssue::InvalidJson { error } => msg![t "JSON として正しくありません: ", val error],
        ConfigIssue::NotAnObject { found: f } => {
            msg![t "AWS CLI が出力する JSON オブジェクトではなく、", m found(f), t " です"]
        }
        ConfigIssue::NotDescribeOutput { known } => msg![
            t "`aws ec2 describe-*` の出力として認識できません: 次のいずれかのキーが必要です: ",
            m fields(known, "、")
        ],
        ConfigIssue::WrongType {
            expected: e,
            found: f,
        } => {
            msg![t expected(*e), t " が必要ですが、", m found(f), t " です"]
        }
        ConfigIssue::Missing { keys, hint } => {
            let mut m = msg![m fields(keys, " または "), t " がありません"];
            match hint {
                Some(MissingHint::EgressMeaning) => {
                    m.text(" (アウトバウンドのルールは true、インバウンドのルールは false)");
                }
                Some(MissingHint::RequiredForTcpUdp) => {
                    m.text(" (TCP と UDP のルールには必須)");
                }
                None => {}
            }
            m
        }
        ConfigIssue::NotCidr { text } => {
            msg![val quoted(text), t " は CIDR ブロックではありません"]
        }
        ConfigIssue::NotIp { text } => msg![val quoted(text), t " は IP アドレスではありません"],
        ConfigIssue::NotProtocol { text } => msg![
            val quoted(text),
            t " はプロトコルではありません (-1、tcp、udp、icmp、icmpv6、または 0-255 の番号)"
        ],
        ConfigIssue::NotRuleNumber { number } => {
            msg![num number, t " はルール番号ではありません (1-32766、* は 32767)"]
        }
        ConfigIssue::NeitherOf {
            text,
            allowed: [a, b],
        } => msg![
            val quoted(text), t " は ", val quoted(a), t " でも ", val quoted(b), t " でもありません"
        ],
        ConfigIssue::NotPortRange { from, to } => msg![
            field "FromPort", t " ", val number_or_dash(*from), t " と ", field "ToPort", t " ",
            val number_or_dash(*to), t " はポート範囲になっていません"
        ],
        ConfigIssue::BadPortRange => msg![
            field "From", t " と ", field "To",
            t " は 0-65535 のポートで、From <= To でなければなりません"
        ],
        ConfigIssue::UnnamedPrefixList => msg![
            t "プレフィックスリストのエントリ (`aws ec2 get-managed-prefix-list-entries`) はリストの ID を含みません: ファイル名に pl-... の ID を入れてください"
        ],
    }
}

fn expected(e: Expected) -> &'static str {
    match e {
        Expected::String => "文字列",
        Expected::WholeNumber => "整数",
        Expected::Bool => "true か false",
        Expected::Array => "配列",
        Expected::CidrString => "CIDR の文字列",
    }
}

fn found(f: &Found) -> Message {
    match f {
        Found::Null => msg![val "null"],
        Found::Bool(b) => msg![val b],
        Found::Number(n) => msg![val n],
        Found::String(s) => msg![val quoted(s)],
        Found::Array => msg![t "配列"],
        Found::Object => msg![t "オブジェクト"],
    }
}
