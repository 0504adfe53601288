//! The configuration's answer in Japanese: each control a packet meets, what dropped it, and the smallest fix.

use super::protocol_name;
use crate::message::{Message, msg};
use crate::render::Words;
use vpcflow_diagnose::Which;
use vpcflow_netmodel::{
    AclEntry, Control, Fix, Missing, NearMiss, Packet, PathCheck, PortSpec, Proto, Step,
    StepOutcome,
};
use vpcflow_record::Direction;
use vpcflow_record::reading::has_ports;

fn dir(d: Direction) -> &'static str {
    super::Ja.direction(d)
}

/// The words of a port range and an ICMP type.
const PORT_WORDS: crate::render::PortWords = crate::render::PortWords {
    protocol_name,
    all_types: "(全タイプ)",
    echo_request: "エコー要求 ",
    echo_reply: "エコー応答 ",
};

fn ports(protocol: u8, p: &PortSpec) -> Message {
    crate::render::ports(protocol, p, &PORT_WORDS)
}

fn rule_proto(protocol: Proto, p: &PortSpec) -> Message {
    match protocol {
        Proto::All => msg![t "すべてのトラフィック"],
        Proto::Number(n) => ports(n, p),
    }
}

fn acl_rule(e: &AclEntry) -> Message {
    let number = if e.is_star() {
        "*".to_string()
    } else {
        e.rule_number.to_string()
    };
    msg![
        t if e.egress { "アウトバウンド" } else { "インバウンド" }, t "ルール ", rule number, t " (",
        m rule_proto(e.protocol, &e.ports), t if e.egress { " 宛先 " } else { " 送信元 " },
        val e.cidr, t ") で", t if e.allow { "許可" } else { "拒否" }
    ]
}

fn packet(p: &Packet) -> Message {
    let peer = match p.direction {
        Direction::Ingress => p.src,
        Direction::Egress => p.dst,
    };
    let inbound = p.direction == Direction::Ingress;
    if has_ports(p.protocol) {
        msg![
            addr peer, t if inbound { " からの " } else { " の " }, proto protocol_name(p.protocol),
            t " ポート ", port p.dst_port, t " 番あての通信"
        ]
    } else {
        let kind = match p.icmp {
            Some((t, c)) => ports(
                p.protocol,
                &PortSpec::Icmp {
                    icmp_type: Some(t),
                    code: Some(c),
                },
            ),
            None => msg![proto protocol_name(p.protocol)],
        };
        msg![addr peer, t if inbound { " からの " } else { " あての " }, m kind]
    }
}

pub(super) fn step(step: &Step, p: &Packet) -> Message {
    let what = packet(p);
    match &step.control {
        Control::SecurityGroup {
            direction,
            groups,
            allowed_by,
            stateful,
            unresolved,
        } => {
            let d = dir(*direction);
            let groups = groups.join(", ");
            if *stateful {
                return msg![
                    t "セキュリティグループ (", id groups,
                    t "): 許可済みの接続の一部として許可 (ステートフル)"
                ];
            }
            if let Some((g, rule)) = allowed_by {
                return msg![
                    t "セキュリティグループ ", id g, t ": ", t d, t "ルール (",
                    m rule_proto(rule.protocol, &rule.ports), t " ", val rule.peer, t ") で ",
                    m what, t " を許可"
                ];
            }
            if step.outcome == StepOutcome::Unknown {
                return msg![
                    t "セキュリティグループ (", id groups, t "): 評価できた", t d, t "ルールには",
                    m what, t "を許可するものがない。未確定: ", val unresolved.join("; ")
                ];
            }
            msg![
                t "セキュリティグループ (", id groups, t "): ", m what, t " を許可する", t d,
                t "ルールがない"
            ]
        }
        Control::NetworkAcl {
            direction,
            acl_id,
            rule,
            same_subnet,
        } => {
            if *same_subnet {
                return msg![
                    t "ネットワークACL ", id acl_id, t ": 同じサブネット内の通信には適用されない"
                ];
            }
            let d = dir(*direction);
            let mut m = match rule {
                Some(e) if e.allow => {
                    msg![t "ネットワークACL ", id acl_id, t ": ", m acl_rule(e), t " — ", m what]
                }
                Some(e) if e.is_star() => msg![
                    t "ネットワークACL ", id acl_id, t " に ", m what, t " を許可する", t d,
                    t "ルールがなく、最後の * ルールで拒否"
                ],
                Some(e) => msg![
                    t "ネットワークACL ", id acl_id, t " にはルール ", rule e.rule_number,
                    t " より前に ", m what, t " を許可する", t d, t "ルールがない。", m acl_rule(e)
                ],
                None => msg![t "ネットワークACL ", id acl_id, t ": 未確定"],
            };
            if step.outcome == StepOutcome::Unknown {
                m.text(" (未確定: 読めないルールがある)");
            }
            m
        }
        Control::Route {
            table_id,
            destination,
            route,
            gateway_attached,
            public_address,
        } => match route {
            None => msg![
                t "ルートテーブル ", id table_id, t " に ", val destination,
                t " への経路がない (インターネットゲートウェイへの 0.0.0.0/0 ルートがない)。パケットは送出できない"
            ],
            Some(r) if !r.active && *gateway_attached == Some(false) => msg![
                t "ルートテーブル ", id table_id, t ": ルート ", rule r.destination, t " → ",
                id r.target.id, t " はブラックホール (インターネットゲートウェイが VPC からデタッチされている)"
            ],
            Some(r) if !r.active => msg![
                t "ルートテーブル ", id table_id, t ": ルート ", rule r.destination, t " → ",
                id r.target.id, t " はブラックホール (ターゲットが存在しない)"
            ],
            Some(r) if *gateway_attached == Some(false) => msg![
                t "ルートテーブル ", id table_id, t ": ルート ", rule r.destination, t " → ",
                id r.target.id, t " があるが、インターネットゲートウェイが VPC にアタッチされていない"
            ],
            Some(r) if *public_address == Some(false) => msg![
                t "ルートテーブル ", id table_id, t ": ルート ", rule r.destination, t " → ",
                id r.target.id, t " があるが、インターフェイスにパブリック IPv4 アドレスがない"
            ],
            Some(r) => msg![
                t "ルートテーブル ", id table_id, t ": ", val destination, t " はルート ",
                rule r.destination, t " → ", id r.target.id, t " で送出"
            ],
        },
        Control::InternetGateway {
            vpc_id,
            gateway_id,
            attached,
            public_address,
        } => {
            let g = gateway_id.clone().unwrap_or_else(|| "-".into());
            match (attached, public_address) {
                (true, true) => msg![
                    t "インターネットゲートウェイ ", id g, t " は ", id vpc_id,
                    t " にアタッチされ、インターフェイスにパブリックアドレスがある"
                ],
                (false, _) => msg![
                    id vpc_id,
                    t " にアタッチされたインターネットゲートウェイがなく、インターネットとの通信は受信も応答もできない"
                ],
                (true, false) => msg![
                    t "インターフェイスにパブリック IPv4 アドレスがなく、", id g,
                    t " 経由のインターネットからの通信は届かない"
                ],
            }
        }
        Control::Missing { what } => msg![t "未確定: 設定に ", m missing(what), t " がない"],
    }
}

/// What configuration was missing: `ネットワークインターフェイス eni-…`, `describe-route-tables`.
fn missing(what: &Missing) -> Message {
    match what {
        Missing::Interface { interface } => msg![t "ネットワークインターフェイス ", id interface],
        Missing::Describe { command } => msg![val command],
        Missing::SubnetAcl { subnet } => msg![id subnet, t " のネットワークACL"],
        Missing::SubnetRouteTable { subnet } => msg![id subnet, t " のルートテーブル"],
    }
}

pub(super) fn fix(fix: &Fix) -> Message {
    match fix {
        Fix::AddSecurityGroupRule {
            group_id,
            direction,
            protocol,
            ports: p,
            cidr,
        } => {
            let (d, w) = match direction {
                Direction::Ingress => ("インバウンド", " ソース "),
                Direction::Egress => ("アウトバウンド", " 送信先 "),
            };
            msg![
                id group_id, t " に", t d, t "ルールを追加: ", m ports(*protocol, p), t w, val cidr
            ]
        }
        Fix::AddNetworkAclRule {
            acl_id,
            direction,
            rule_number,
            protocol,
            ports: p,
            cidr,
        } => {
            let (d, w) = match direction {
                Direction::Ingress => ("インバウンド", " 送信元 "),
                Direction::Egress => ("アウトバウンド", " 宛先 "),
            };
            msg![
                id acl_id, t " に", t d, t "ルール ", rule rule_number, t " を追加: ",
                m ports(*protocol, p), t w, val cidr,
                t " を許可 (相手が変わる場合は 0.0.0.0/0 など広い範囲)"
            ]
        }
        Fix::AddRoute {
            table_id,
            destination,
            target,
        } => match target {
            Some(t) => msg![
                id table_id, t " にルート ", rule destination, t " → ", id t, t " を追加"
            ],
            None => msg![
                id table_id, t " に ", val destination,
                t " へのルートを追加 (VPC にアタッチしたインターネットゲートウェイなど)"
            ],
        },
        Fix::ReplaceBlackholeRoute {
            table_id,
            destination,
            old_target,
        } => msg![
            id table_id, t " のブラックホールルート ", rule destination, t " → ", id old_target,
            t " を存在するターゲットに置き換える"
        ],
        Fix::AttachInternetGateway { gateway_id, vpc_id } => match gateway_id {
            Some(g) => msg![id g, t " を ", id vpc_id, t " にアタッチ"],
            None => msg![t "インターネットゲートウェイを作成して ", id vpc_id, t " にアタッチ"],
        },
        Fix::AssociatePublicAddress { interface_id } => msg![
            id interface_id, t " に Elastic IP (パブリック IPv4 アドレス) を関連付け"
        ],
    }
}

fn control(c: &Control) -> Message {
    match c {
        Control::SecurityGroup {
            direction, groups, ..
        } => msg![
            t "セキュリティグループ ", id groups.join(", "), t " の", t dir(*direction), t "ルール"
        ],
        Control::NetworkAcl {
            direction, acl_id, ..
        } => msg![t "ネットワークACL ", id acl_id, t " の", t dir(*direction), t "ルール"],
        Control::Route { table_id, .. } => msg![t "ルートテーブル ", id table_id],
        Control::InternetGateway { vpc_id, .. } => {
            msg![id vpc_id, t " のインターネットゲートウェイ"]
        }
        Control::Missing { what } => missing(what),
    }
}

pub(super) fn dropped_by(which: Which, c: &Control) -> Message {
    msg![
        t "→ ",
        t match which {
            Which::Request => "リクエスト",
            Which::Reply => "レスポンス",
        },
        t "を", m control(c), t "が破棄している。"
    ]
}

pub(super) fn check_answer(check: &PathCheck, protocol: u8) -> Message {
    let Some(first) = check.packets.first() else {
        return Message::new();
    };
    let ep = |a: std::net::IpAddr, p: u16| {
        if has_ports(protocol) {
            msg![addr a, t ":", port p]
        } else {
            msg![addr a]
        }
    };
    msg![
        proto protocol_name(protocol), t " ", m ep(first.src, first.src_port), t " → ",
        m ep(first.dst, first.dst_port), t ": ",
        t match (check.allowed, check.certain) {
            (true, true) => "許可される",
            (true, false) => "設定上は許可 (一部未確定)",
            (false, _) => "許可されない",
        }
    ]
}

pub(super) fn contradicted(s: &Step, p: &Packet) -> Message {
    msg![
        m step(s, p),
        t "。しかしこのインターフェイスはこのパケットを記録しているため、設定のスナップショットはログと食い違っている (別の時点の VPC を表している)。以降のルールはパケットが届いたものとして評価する"
    ]
}

/// パケットの相手側: 受信なら送信元、送信なら宛先。
fn peer(p: &Packet) -> std::net::IpAddr {
    match p.direction {
        Direction::Ingress => p.src,
        Direction::Egress => p.dst,
    }
}

pub(super) fn near_miss(n: &NearMiss, p: &Packet) -> Message {
    let d = dir(p.direction);
    match n {
        NearMiss::GroupReference {
            group_id,
            rule,
            referenced,
            peer_interface,
            peer_groups,
        } => {
            let mut m = msg![
                t "惜しいルール: セキュリティグループ ", id group_id, t format!(" の{d}ルール ("),
                m rule_proto(rule.protocol, &rule.ports), t " ", id referenced,
                t ") なら許可されるが、", addr peer(p), t " は ", id referenced, t " に属していない"
            ];
            if let (Some(i), Some(groups)) = (peer_interface, peer_groups) {
                m.text(" (").push(crate::message::Kind::Id, i);
                if groups.is_empty() {
                    m.text(" にはセキュリティグループがない)");
                } else {
                    m.text(" のグループは ")
                        .push(crate::message::Kind::Id, groups.join(", "))
                        .text(")");
                }
                m.text("。修正: ")
                    .push(crate::message::Kind::Id, i)
                    .text(" を ")
                    .push(crate::message::Kind::Id, referenced)
                    .text(" に追加する");
                if let Some(g) = groups.first() {
                    m.text("か、")
                        .push(crate::message::Kind::Id, group_id)
                        .text(" で ")
                        .push(crate::message::Kind::Id, g)
                        .text(" を許可する");
                }
            }
            m
        }
        NearMiss::PrefixList {
            group_id,
            rule,
            prefix_list,
            name,
        } => {
            let named = name.as_ref().map(|n| format!(" ({n})")).unwrap_or_default();
            msg![
                t "惜しいルール: セキュリティグループ ", id group_id, t format!(" の{d}ルール ("),
                m rule_proto(rule.protocol, &rule.ports), t " プレフィックスリスト ", id prefix_list,
                t named, t ") なら許可されるが、", addr peer(p), t " はどの範囲にも含まれない。修正: ",
                addr peer(p), t " を ", id prefix_list, t " に追加するか、", id group_id,
                t " で直接許可する"
            ]
        }
        NearMiss::ShadowedAllow {
            acl_id,
            allow,
            deny,
        } => {
            let number = |e: &AclEntry| {
                if e.is_star() {
                    "*".to_string()
                } else {
                    e.rule_number.to_string()
                }
            };
            msg![
                t "惜しいルール: ネットワークACL ", id acl_id, t " の ", m acl_rule(allow),
                t "。しかしその前のルール ", rule number(deny),
                t " が先に拒否している (番号の小さいルールから評価される)。修正: 許可ルールをルール ",
                rule number(deny), t " より小さい番号にするか、ルール ", rule number(deny),
                t " を狭める"
            ]
        }
    }
}
