//! An explanation's headline in Japanese, phrased like the seeds' write-ups: `IPアドレス A のポート p 番から、
//! ネットワークインターフェイス X の IPアドレス B のポート q 番あてに … 通信あり、…により許可。`

use crate::message::{Message, msg};
use crate::reading::{Endpoint, Instant, Kind, Reading, Role};
use crate::render::{Style, Unit, count, duration_parts, size};
use vpcflow_catalog::protocols;
use vpcflow_diagnose::Cause;
use vpcflow_record::{Action, Direction, LogStatus};

pub(super) fn headline(r: &Reading, style: &Style) -> Message {
    let mut iface = if let Some(i) = &r.interface {
        msg![t "ネットワークインターフェイス ", id i]
    } else if let Some(res) = &r.resource {
        msg![t "リソース ", id res]
    } else {
        Message::new()
    };
    let account = r
        .account
        .as_ref()
        .map(|a| msg![t " (アカウント ", id a, t ")"]);
    if !iface.is_empty()
        && let Some(a) = &account
    {
        iface.append(a.clone());
    }
    let time = times(r, style);
    if r.is_nodata() {
        let who = if iface.is_empty() {
            msg![t "このインターフェイス"]
        } else {
            iface
        };
        let what = if r.log_status == Some(LogStatus::NoData) {
            "通信なし (NODATA)"
        } else {
            "レコードがスキップされた (SKIPDATA)"
        };
        return match time {
            Some((range, paren)) => {
                msg![m who, t " では ", m range, t " (", m paren, t ") ", t what, t "。"]
            }
            None => msg![m who, t " では", t what, t "。"],
        };
    }
    let src = endpoint(r.src.as_ref());
    let dst = endpoint(r.dst.as_ref());
    let kind = kind(r);
    let verdict = verdict(r).map(|v| format!("、{v}")).unwrap_or_default();
    let mut m = if r.kind == Kind::TransitGateway {
        let mut m = msg![
            m src, t "から、", m dst, t "あてに", m kind, t "あり", t verdict,
            t "。トランジットゲートウェイ ", id r.transit_gateway.as_deref().unwrap_or("-")
        ];
        if let Some(a) = &r.attachment {
            m.append(msg![t " のアタッチメント ", id a]);
        }
        if let Some(a) = account {
            m.append(a);
        }
        m.text(" で記録。");
        m
    } else if iface.is_empty() {
        msg![m src, t "から、", m dst, t "あてに", m kind, t "あり", t verdict, t "。"]
    } else {
        match r.direction.value {
            Some(Direction::Ingress) => msg![
                m src, t "から、", m iface, t " の", m dst, t "あてに", m kind, t "あり", t verdict,
                t "。"
            ],
            Some(Direction::Egress) => msg![
                m iface, t " の", m src, t "から、", m dst, t "あてに", m kind, t "あり", t verdict,
                t "。"
            ],
            None => msg![
                m iface, t " で、", m src, t "から、", m dst, t "あてに", m kind, t "あり", t verdict,
                t "。"
            ],
        }
    };
    if let Some((range, paren)) = time {
        m.append(msg![t "この通信は ", m range, t " (", m paren, t ")。"]);
    }
    match (r.bytes, r.packets) {
        (Some(b), Some(p)) => m.append(msg![
            num count(b), t "バイト", t size(b), t "、", num count(p), t "パケットの通信。"
        ]),
        (Some(b), None) => m.append(msg![num count(b), t "バイト", t size(b), t "の通信。"]),
        (None, Some(p)) => m.append(msg![num count(p), t "パケットの通信。"]),
        (None, None) => &mut m,
    };
    m
}

/// `IPアドレス 10.0.0.5 のポート 80 番`, or `IPアドレス 10.0.0.5 ` without a port.
fn endpoint(e: Option<&Endpoint>) -> Message {
    let addr = e.and_then(|e| e.addr.as_deref()).unwrap_or("?");
    match e.and_then(|e| e.port) {
        Some(p) => msg![t "IPアドレス ", addr addr, t " のポート ", port p, t " 番"],
        None => msg![t "IPアドレス ", addr addr, t " "],
    }
}

/// `リクエストの HTTP 通信 (TCP、プロトコル番号 6)`, with a space only between Japanese text and Latin letters,
/// digits or brackets, as Japanese technical prose does.
fn kind(r: &Reading) -> Message {
    let prefix = match r.role() {
        Role::Request => "リクエストの",
        Role::Response => "レスポンスの",
        Role::Unknown => "",
    };
    let spaced = if prefix.is_empty() { "" } else { " " };
    let body = match (r.service, &r.protocol) {
        (Some(s), Some(p)) => msg![
            t prefix, t spaced, svc s, t " 通信 (", proto protocols::label(p.number),
            t "、プロトコル番号 ", num p.number, t ")"
        ],
        (None, Some(p)) => match protocols::name(p.number) {
            Some(name) => msg![
                t prefix, t spaced, proto name, t " 通信 (プロトコル番号 ", num p.number, t ")"
            ],
            None => {
                let label = if protocols::is_assigned(p.number) {
                    protocols::label(p.number)
                } else {
                    "未割り当て"
                };
                msg![
                    t prefix, t "プロトコル番号 ", num p.number, t " (", proto label, t ") の通信"
                ]
            }
        },
        (_, None) => msg![t prefix, t "通信"],
    };
    let text = body.plain();
    let lead = if text.starts_with(|c: char| c.is_ascii()) {
        " "
    } else {
        ""
    };
    let trail = if text.ends_with(|c: char| c.is_ascii()) {
        " "
    } else {
        ""
    };
    msg![t lead, m body, t trail]
}

fn verdict(r: &Reading) -> Option<&'static str> {
    let way = r.direction.value;
    let by = |inbound: &'static str, outbound: &'static str, either: &'static str| match way {
        Some(Direction::Ingress) => inbound,
        Some(Direction::Egress) => outbound,
        None => either,
    };
    Some(match (r.action?, r.cause.map(|c| c.value)) {
        (Action::Accept, _) => by(
            "セキュリティグループとネットワークACLの設定によりアクセス許可",
            "セキュリティグループとネットワークACLの設定により発信を許可",
            "セキュリティグループとネットワークACLの設定により許可",
        ),
        (Action::Reject, Some(Cause::BlockPublicAccess)) => by(
            "VPC ブロックパブリックアクセスによりアクセス拒否",
            "VPC ブロックパブリックアクセスにより発信を拒否",
            "VPC ブロックパブリックアクセスにより拒否",
        ),
        (Action::Reject, Some(Cause::EncryptionControls)) => by(
            "VPC 暗号化コントロールによりアクセス拒否",
            "VPC 暗号化コントロールにより発信を拒否",
            "VPC 暗号化コントロールにより拒否",
        ),
        (Action::Reject, Some(Cause::NetworkAcl)) => by(
            "ネットワークACLの設定によりアクセス拒否 (推定)",
            "ネットワークACLの設定により発信を拒否 (推定)",
            "ネットワークACLの設定により拒否 (推定)",
        ),
        (
            Action::Reject,
            Some(
                Cause::SecurityGroup
                | Cause::SecurityGroupOrNetworkAcl
                | Cause::Routing
                | Cause::ClosedConnection
                | Cause::NoReply,
            )
            | None,
        ) => by(
            "セキュリティグループまたはネットワークACLの設定によりアクセス拒否",
            "セキュリティグループまたはネットワークACLの設定により発信を拒否",
            "セキュリティグループまたはネットワークACLの設定により拒否",
        ),
    })
}

/// `2023年02月14日 05:51:48 から 2023年02月14日 05:52:48 まで` and `+09:00、1分`.
fn times(r: &Reading, style: &Style) -> Option<(Message, Message)> {
    let (s, e) = (r.start?, r.end?);
    let (sz, ez) = (
        s.at.to_zoned(style.tz.clone()),
        e.at.to_zoned(style.tz.clone()),
    );
    let range = msg![time clock(&sz, s), t " から ", time clock(&ez, e), t " まで"];
    let zone = if style.is_utc() {
        "UTC".to_string()
    } else {
        ez.strftime("%:z").to_string()
    };
    let mut paren = msg![t zone];
    if let Some(d) = r.duration_ms {
        paren.append(msg![t "、", num duration(d)]);
    }
    Some((range, paren))
}

fn clock(z: &jiff::Zoned, i: Instant) -> String {
    crate::render::clock(z, i, super::DATE_TIME)
}

/// `1時間2分3秒`.
pub(super) fn duration(ms: i64) -> String {
    let (negative, parts) = duration_parts(ms);
    let text: String = parts
        .iter()
        .map(|(n, unit)| {
            let u = match unit {
                Unit::Day => "日",
                Unit::Hour => "時間",
                Unit::Minute => "分",
                Unit::Second => "秒",
            };
            format!("{n}{u}")
        })
        .collect();
    if negative { format!("-{text}") } else { text }
}

#[cfg(test)]
mod tests {
    #[test]
    fn durations() {
        assert_eq!(super::duration(3_723_000), "1時間2分3秒");
    }
}
