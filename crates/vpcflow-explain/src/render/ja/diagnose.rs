//! Connections and what the records say about rejected ones, in Japanese.

use super::protocol_name;
use crate::message::{Message, msg};
use crate::render::{Style, endpoint, other_connection};
use vpcflow_diagnose::{
    Cause, Connection, Counts, Finding, Flow, InitiatorBasis, Leg, Needed, Reason, Undecided,
};
use vpcflow_record::Direction;
use vpcflow_record::reading::has_ports;

pub(super) fn connection(c: &Connection, n: usize) -> Message {
    let mut m = crate::render::connection_line(c, n, protocol_name);
    m.text(" — ")
        .text(crate::render::Words::verdict(&super::Ja, c.verdict));
    if let Some(t) = &c.translated {
        m.append(msg![t " (NAT で ", m endpoint(t, c.protocol), t " に変換)"]);
    }
    m
}

fn time(style: &Style, t: i64) -> String {
    crate::render::time(style, t, super::DATE_TIME)
}

pub(super) fn when_and_who(c: &Connection, style: &Style) -> Message {
    let mut m = if c.timed {
        msg![time crate::render::span(style, c.start, c.end, super::DATE_TIME)]
    } else {
        msg![t "時刻の記録なし"]
    };
    if c.initiator.value.is_some() {
        m.append(msg![
            t "、開始側 ", addr c.client.addr, t " (",
            t crate::render::Words::confidence(&super::Ja, c.initiator.confidence), t ": ",
            m basis(c), t ")"
        ]);
    } else {
        m.append(msg![t "、開始側は不明 (", m basis(c), t ")"]);
    }
    m
}

fn basis(c: &Connection) -> Message {
    let (sp, cp) = (c.server.port, c.client.port);
    match c.initiator.basis {
        InitiatorBasis::TcpSyn => msg![t "SYN フラグのレコードの送信元"],
        InitiatorBasis::TcpSynAck => msg![t "相手側が SYN-ACK で応答"],
        InitiatorBasis::WellKnownPort => match c.service {
            Some(s) => msg![t "ポート ", port sp, t " は ", svc s],
            None => msg![t "ポート ", port sp, t " はウェルノウンポート、", port cp, t " は違う"],
        },
        InitiatorBasis::EphemeralPort => {
            msg![t "ポート ", port cp, t " は一時ポート、", port sp, t " は違う"]
        }
        InitiatorBasis::SystemPort => {
            msg![t "ポート ", port sp, t " はシステムポート (1024 未満)、", port cp, t " は違う"]
        }
        InitiatorBasis::FirstSeen => msg![t "先に通信を開始"],
        InitiatorBasis::SamePort => msg![
            t "両端ともポート ", port sp,
            m c.service.map(|s| msg![t " (", svc s, t ")"]).unwrap_or_default(),
            t " で、どちらが先に通信したかも記録からは分からない"
        ],
        InitiatorBasis::NoPorts => msg![
            proto protocol_name(c.protocol),
            t " にはポートがなく、どちらが先に通信したかも記録からは分からない"
        ],
        InitiatorBasis::PortsUnclear => msg![
            t "ポート ", port cp, t " と ", port sp,
            t " のどちらがサービス側か分からず、どちらが先に通信したかも記録からは分からない"
        ],
    }
}

pub(super) fn leg(leg: &Leg) -> Message {
    msg![
        id leg.interface, t " (リクエスト ",
        t match leg.request_way {
            Some(Direction::Ingress) => "受信",
            Some(Direction::Egress) => "送信",
            None => "方向不明",
        },
        t if leg.intermediate { "、中継)" } else { ")" }
    ]
}

pub(super) fn flow(f: &Flow) -> Message {
    crate::render::flow_line(
        f,
        |p, b| msg![t " ", num p, t " パケット ", num b, t " バイト"],
    )
}

pub(super) fn conversations_summary(n: &Counts) -> Message {
    msg![t format!(
        "{} 件のレコードから {} 件の接続: 双方向で許可 {}、リクエスト拒否 {}、レスポンス拒否 {}、片方向 {}",
        n.records,
        n.connections,
        n.allowed_both_ways,
        n.request_rejected,
        n.reply_rejected,
        n.one_way
    )]
}

pub(super) fn diagnoses_summary(n: &Counts) -> Message {
    msg![t format!(
        "{} 件のレコードから {} 件の接続、うち拒否を含むもの {} 件。",
        n.records,
        n.connections,
        n.rejected()
    )]
}

fn rules(way: Option<Direction>) -> &'static str {
    match way {
        Some(Direction::Ingress) => "インバウンドルール",
        Some(Direction::Egress) => "アウトバウンドルール",
        None => "ルール",
    }
}

/// `27.138.93.252 からの TCP ポート 80 番あての通信`.
fn traffic(c: &Connection) -> Message {
    let p = protocol_name(c.protocol);
    if has_ports(c.protocol) {
        msg![
            addr c.client.addr, t " からの ", proto p, t " ポート ", port c.server.port,
            t " 番あての通信"
        ]
    } else {
        msg![addr c.client.addr, t " からの ", proto p, t " 通信"]
    }
}

fn rejected_part(f: &Finding, c: &Connection) -> Message {
    if !crate::render::rejects_reply(f, c) {
        return traffic(c);
    }
    let p = protocol_name(c.protocol);
    if has_ports(c.protocol) {
        msg![
            t "レスポンス (", addr c.server.addr, t " からクライアントのポート ", port c.client.port,
            t " 番あての ", proto p, t ")"
        ]
    } else {
        msg![
            t "レスポンス (", addr c.server.addr, t " から ", addr c.client.addr, t " への ", proto p,
            t ")"
        ]
    }
}

pub(super) fn finding(f: &Finding, c: &Connection) -> Message {
    let iface = &f.interface;
    match f.cause {
        Cause::BlockPublicAccess | Cause::EncryptionControls => {
            super::notes::self_named_cause(f.cause).unwrap_or_default()
        }
        Cause::NetworkAcl => msg![
            id iface, t " のサブネットのネットワークACLの", t rules(f.way), t "が ",
            m rejected_part(f, c), t " を許可していない。"
        ],
        Cause::SecurityGroup => msg![
            id iface, t " のセキュリティグループの", t rules(f.way), t "が ", m traffic(c),
            t " を許可していない。"
        ],
        Cause::SecurityGroupOrNetworkAcl => msg![
            id iface, t " のセキュリティグループ、またはサブネットのネットワークACLの",
            t rules(f.way), t "が ", m traffic(c), t " を許可していない。"
        ],
        Cause::Routing => msg![
            t "ルーティング: ", id iface,
            t " からレスポンスを返せない (クライアントへの経路がない。インターネットゲートウェイへのルートの削除やデタッチなど)。この場合、受信したリクエストが REJECT と記録される。"
        ],
        Cause::ClosedConnection => msg![
            t "接続が閉じた後に届いたパケット (これも REJECT と記録される)。"
        ],
        Cause::NoReply => msg![
            id iface,
            t " に応答が返っていない: サーバーが応答しなかったか、途中で破棄された (ルートの不足、相手側のファイアウォールなど)。"
        ],
    }
}

pub(super) fn reason(r: &Reason, style: &Style) -> Message {
    match r {
        Reason::OtherDirectionAccepted => msg![
            t "同じインターフェイスで同時刻に一方向は許可、逆方向は拒否されている。セキュリティグループはステートフルなので一方を許可すればもう一方も許可する。ステートレスなのはネットワークACL。"
        ],
        Reason::RejectedIsReply => msg![
            t "拒否されたレコードはレスポンスであり、セキュリティグループは許可した通信への応答を常に通す。"
        ],
        Reason::NoReplySeen => msg![t "レスポンスは記録されていない。"],
        Reason::AclRejectsInboundReplies { connection } => msg![
            t "同時刻にこのインターフェイスへのレスポンスも拒否されている (",
            m other_connection(connection, protocol_name),
            t ")。これはネットワークACLにしかできないため、ネットワークACLが受信を拒否している。"
        ],
        Reason::OutboundWorks { connection } => msg![
            t "同時刻にこのインターフェイスはインターネットと双方向で通信できている (",
            m other_connection(connection, protocol_name), t ")。ルーティングは正常。"
        ],
        Reason::AllowedBefore { connection } => msg![
            t "以前は同じサービスへの通信が双方向で許可されていた (",
            m other_connection(connection, protocol_name), t ")。その間に設定が変わった。"
        ],
        Reason::SilentSince { since } => msg![
            time time(style, *since),
            t " 以降このインターフェイスからの送信が一切ない。外向きの経路を失ったときの様子と一致する。"
        ],
        Reason::NothingSent => {
            msg![t "これらのレコードではこのインターフェイスからの送信が一切ない。"]
        }
        Reason::RejectReason { value } => msg![t "reject-reason ", val value, t "."],
        Reason::ClosingFlags => {
            msg![t "拒否されたパケットには FIN または RST があり、SYN がない。"]
        }
    }
}

pub(super) fn needed(n: Needed) -> Message {
    msg![t match n {
        Needed::SecurityGroups => {
            "インターフェイスのセキュリティグループ (describe-security-groups, describe-network-interfaces)"
        }
        Needed::NetworkAcl => "サブネットのネットワークACL (describe-network-acls)",
        Needed::Routes => {
            "サブネットのルートテーブルとインターネットゲートウェイ (describe-route-tables, describe-internet-gateways)"
        }
        Needed::TcpFlags => "開始側を確定できる tcp-flags フィールド (バージョン 3)",
        Needed::RejectReason => {
            "VPC ブロックパブリックアクセスを示す reject-reason フィールド (バージョン 8)"
        }
    }]
}

pub(super) fn undecided(u: &Undecided) -> Message {
    match u {
        Undecided::InterfaceMissing { interface } => {
            msg![id interface, t " は設定にない (describe-network-interfaces)"]
        }
        Undecided::Redacted => msg![t "アドレスが伏せ字のため、ルールと照合できない"],
        Undecided::WayUnknown => {
            msg![t "インターフェイスをどちら向きに通ったか分からない"]
        }
    }
}
