//! `diagnose` のまとめ (原因ごとのグループ)、日本語。

use super::protocol_name;
use crate::message::{Message, msg};
use crate::render::{count, endpoint, join};
use vpcflow_diagnose::summary::{ControlKey, Example, Group, GroupKey};
use vpcflow_diagnose::{Agreement, Cause, Undecided, Which};
use vpcflow_netmodel::AclEntry;
use vpcflow_record::Direction;
use vpcflow_record::reading::Confidence;

fn dir(d: Direction) -> &'static str {
    match d {
        Direction::Ingress => "インバウンド",
        Direction::Egress => "アウトバウンド",
    }
}

fn n(v: usize) -> String {
    count(v as i64)
}

fn control(c: &ControlKey) -> Message {
    match c {
        ControlKey::SecurityGroups { direction, groups } => msg![
            t "セキュリティグループ ", id groups.join(", "), t ": 許可する", t dir(*direction), t "ルールがない"
        ],
        ControlKey::NetworkAcl {
            direction,
            acl_id,
            rule,
        } => {
            let rule = if *rule == AclEntry::STAR {
                "*".to_string()
            } else {
                rule.to_string()
            };
            msg![t "ネットワークACL ", id acl_id, t " の", t dir(*direction), t "ルール ", rule rule]
        }
        ControlKey::Route {
            table_id,
            route: Some(route),
        } => msg![t "ルートテーブル ", id table_id, t ": ルート ", rule route, t " の行き先がない"],
        ControlKey::Route {
            table_id,
            route: None,
        } => msg![t "ルートテーブル ", id table_id, t ": ルートがない"],
        ControlKey::InternetGateway {
            vpc_id,
            attached: false,
        } => msg![id vpc_id, t " にインターネットゲートウェイがアタッチされていない"],
        ControlKey::InternetGateway {
            vpc_id,
            attached: true,
        } => msg![t "インターフェイスにパブリックアドレスがない (", id vpc_id, t ")"],
    }
}

fn cause(c: Cause) -> &'static str {
    match c {
        Cause::BlockPublicAccess => "VPC ブロックパブリックアクセス",
        Cause::EncryptionControls => "VPC 暗号化コントロール",
        Cause::NetworkAcl => "ネットワークACL",
        Cause::SecurityGroup => "セキュリティグループ",
        Cause::SecurityGroupOrNetworkAcl => "セキュリティグループまたはネットワークACL",
        Cause::Routing => "ルーティング (レスポンスが出ていけない)",
        Cause::ClosedConnection => "接続終了後のパケット",
        Cause::NoReply => "応答が返ってこない",
    }
}

fn what(key: &GroupKey) -> Message {
    match key {
        GroupKey::Control {
            which,
            control: c,
            agreement,
        } => {
            let mut m = control(c);
            if *which == Which::Reply {
                m.text(" (レスポンス)");
            }
            if *agreement == Agreement::Differs {
                m.text("。ただしレコードでは逆方向が拒否されている");
            }
            m
        }
        GroupKey::Configuration {
            agreement: Agreement::ConfigAllows,
            ..
        } => msg![t "現在の設定では許可される (記録後に設定が変わったか、接続終了後のパケット)"],
        GroupKey::Configuration {
            undecided: Some(Undecided::InterfaceMissing { .. }),
            ..
        } => msg![t "未確定: インターフェイスが設定にない"],
        GroupKey::Configuration {
            undecided: Some(Undecided::Redacted),
            ..
        } => msg![t "未確定: アドレスが伏せられている"],
        GroupKey::Configuration {
            undecided: Some(Undecided::WayUnknown),
            ..
        } => msg![t "未確定: インターフェイスを通った向きが分からない"],
        GroupKey::Configuration { .. } => msg![t "未確定: 設定の一部がないか読めない"],
        GroupKey::Reading {
            cause: c,
            way,
            confidence,
        } => {
            let sure = match confidence {
                Confidence::Certain => "確実",
                Confidence::Likely => "推定",
                Confidence::Possible => "可能性あり",
            };
            let mut m = msg![t sure, t ": ", t cause(*c)];
            if let Some(d) = way {
                m.text(format!(" ({}ルール)", dir(*d)));
            }
            m
        }
    }
}

pub(super) fn group(g: &Group) -> Message {
    let mut kinds = Vec::new();
    for (v, what) in [
        (g.requests_rejected, "リクエスト拒否"),
        (g.replies_rejected, "レスポンス拒否"),
        (g.unanswered, "応答なし"),
    ] {
        if v > 0 {
            kinds.push(msg![t what, t " ", num n(v), t " 件"]);
        }
    }
    let at_least = if g.capped { "以上" } else { "" };
    let mut m = msg![
        m what(&g.key), t ": ", m join(kinds, "、"),
        t "、クライアント ", num n(g.clients), t format!(" 件{at_least}から"),
        t "インターフェイス ", num n(g.interfaces), t " 件へ"
    ];
    let ports: Vec<Message> = g
        .ports
        .iter()
        .map(|(p, port, v)| {
            if vpcflow_record::reading::has_ports(*p) {
                msg![proto protocol_name(*p), t " ", port *port, t " (", num n(*v), t ")"]
            } else {
                msg![proto protocol_name(*p), t " (", num n(*v), t ")"]
            }
        })
        .collect();
    if !ports.is_empty() {
        m.text("。").append(join(ports, "、"));
    }
    m
}

pub(super) fn examples(examples: &[Example]) -> Message {
    let each: Vec<Message> = examples
        .iter()
        .map(|e| {
            msg![
                t format!("#{} ", e.number), proto protocol_name(e.protocol), t " ",
                m endpoint(&e.client, e.protocol), t " → ", m endpoint(&e.server, e.protocol)
            ]
        })
        .collect();
    msg![t "例: ", m join(each, "、")]
}

pub(super) fn more_groups(groups: usize, connections: usize) -> Message {
    msg![
        t "… ほかに ", num n(groups), t " グループ (接続 ", num n(connections), t " 件)。"
    ]
}
