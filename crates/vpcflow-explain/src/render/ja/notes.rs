//! An explanation's notes in Japanese.

use super::regions;
use crate::message::{Message, msg};
use crate::note::{AwsOwner, EcsItem, EcsKind, FieldValue, Note, TgwEnd};
use crate::render::{Style, join, labelled, port_text};
use vpcflow_diagnose::Cause;
use vpcflow_record::reading::{DirectionBasis, End};
use vpcflow_record::{AddrScope, Direction, Field, TcpFlags, TrafficPath};

fn way(d: Direction) -> &'static str {
    match d {
        Direction::Ingress => "受信 (インバウンド)",
        Direction::Egress => "送信 (アウトバウンド)",
    }
}

fn scope_words(scope: Option<AddrScope>) -> &'static str {
    match scope {
        Some(AddrScope::Private) => "プライベートアドレス (RFC 1918)",
        Some(AddrScope::Shared) => "共有アドレス (100.64.0.0/10)",
        Some(AddrScope::UniqueLocal) => "ユニークローカルアドレス (fc00::/7)",
        Some(AddrScope::LinkLocal) => "リンクローカルアドレス",
        Some(AddrScope::Loopback) => "ループバックアドレス",
        Some(AddrScope::Documentation | AddrScope::Public) | None => "プライベートアドレス",
    }
}

/// The sentence for a cause that names itself, wherever it shows up.
pub(super) fn self_named_cause(cause: Cause) -> Option<Message> {
    match cause {
        Cause::BlockPublicAccess => Some(msg![
            t "VPC ブロックパブリックアクセス (BPA) により拒否 (", field Field::RejectReason, t " ",
            val "BPA",
            t ")。VPC またはサブネットがインターネットゲートウェイ経由の通信をブロックしている。セキュリティグループやネットワークACLが原因ではない。"
        ]),
        Cause::EncryptionControls => Some(msg![
            t "VPC 暗号化コントロールにより拒否 (", field Field::RejectReason, t " ", val "EC",
            t ")。セキュリティグループやネットワークACLが原因ではない。"
        ]),
        Cause::NetworkAcl
        | Cause::SecurityGroup
        | Cause::SecurityGroupOrNetworkAcl
        | Cause::Routing
        | Cause::ClosedConnection
        | Cause::NoReply => None,
    }
}

pub(super) fn note(note: &Note, _: &Style) -> Message {
    match note {
        Note::NoData => msg![
            t "この集約間隔にこのネットワークインターフェイスを出入りする通信はなかった (NODATA)。このレコードは間隔を示すだけのもの。"
        ],
        Note::SkipData => msg![
            t "この集約間隔ではレコードがスキップされた (SKIPDATA: 内部のキャパシティ制限またはエラー)。この間の通信はログから欠けている可能性がある。"
        ],
        Note::DirectionField {
            direction,
            transit_gateway,
            addr,
        } => direction_field(direction, transit_gateway, addr),
        Note::DirectionPktAddr { direction, addr } => direction_pkt_addr(direction, addr),
        Note::DirectionLearned { direction, addr } => msg![
            t way(*direction), t ": ", addr addr,
            t " はこのインターフェイスの他のレコードでも自身のアドレスとして現れるため、",
            t match direction {
                Direction::Ingress => "インターフェイスに入ってきた通信。",
                Direction::Egress => "インターフェイスから出ていく通信。",
            }
        ],
        Note::DirectionPrivate {
            direction,
            addr,
            scope,
            other_redacted,
        } => direction_private(direction, addr, scope, other_redacted),
        Note::DirectionUnknown { why } => direction_unknown(why),
        Note::RoleTcpSyn { port } => msg![
            t "TCP フラグ SYN のみ: 送信元がクライアントとしてポート ", port port_text(*port),
            t " 番への接続を開始している。"
        ],
        Note::RoleTcpSynFin { port } => msg![
            t "TCP フラグ SYN と FIN (3): クライアントがポート ", port port_text(*port),
            t " 番への接続を開始し、同じ集約間隔内に閉じた短い接続。"
        ],
        Note::RoleTcpSynAck { port } => msg![
            t "TCP フラグ SYN-ACK: 送信元がポート ", port port_text(*port),
            t " 番のサーバーとして接続要求に応答している。"
        ],
        Note::RoleTcpSynAckFin { port } => msg![
            t "TCP フラグ SYN-ACK と FIN (19): ポート ", port port_text(*port),
            t " 番のサーバーが接続に応答し、同じ集約間隔内に閉じた短い接続。"
        ],
        Note::RoleServicePort {
            request,
            service,
            server_port,
            client_port,
            client_ephemeral,
        } => role_service_port(request, service, server_port, client_port, client_ephemeral),
        Note::RoleEphemeralPort {
            request,
            server_port,
            client_port,
        } => role_ephemeral_port(request, server_port, client_port),
        Note::RoleSystemPort {
            request,
            server_port,
            client_port,
        } => role_system_port(request, server_port, client_port),
        Note::RoleSamePort { port, service } => role_same_port(port, service),
        Note::RolePortsUnclear {
            src_port,
            src_service,
            dst_port,
            dst_service,
        } => role_ports_unclear(src_port, src_service, dst_port, dst_service),
        Note::RoleIcmp => msg![
            t "ICMP のレコードにはメッセージタイプがないため、1 件だけでは要求 (echo request) か応答 (echo reply) か区別できない。逆方向のレコードと合わせて読む。"
        ],
        Note::TcpFlags { flags } => tcp_flags(TcpFlags(*flags)),
        Note::RejectReasonBpa => self_named_cause(Cause::BlockPublicAccess).unwrap_or_default(),
        Note::RejectReasonEc => self_named_cause(Cause::EncryptionControls).unwrap_or_default(),
        Note::ReplyRejectedLikelyNacl {
            service,
            server_port,
            client_port,
            rules,
        } => reply_rejected_likely_nacl(service, server_port, client_port, rules),
        Note::Rejected { direction } => rejected(direction),
        Note::IcmpRejectHint => msg![
            t "逆方向で許可された ping への応答であれば、ネットワークACLを疑う。セキュリティグループは応答を通すが、ネットワークACLは応答も他のパケットと同じくルールで判定する。"
        ],
        Note::RejectReasonOther { value } => msg![
            field Field::RejectReason, t " は ", val value, t " (このバージョンでは未知の値)。"
        ],
        Note::IntermediateHop {
            end,
            addr,
            packet_addr,
        } => intermediate_hop(end, addr, packet_addr),
        Note::RequesterManagedInterface => msg![
            field Field::InstanceId,
            t " が「-」: このインターフェイスは EC2 インスタンスのものではなく、リクエスタマネージド型 (NAT ゲートウェイ、トランジットゲートウェイのアタッチメント、VPC エンドポイント、ロードバランサーなど) か、アタッチされていない。"
        ],
        Note::Place { .. } => place(note),
        Note::TgwRoute { src, dst } => msg![
            t "トランジットゲートウェイ経由で、", m tgw_end(src), t " から ", m tgw_end(dst), t " へ。"
        ],
        Note::TgwPairAttachment { attachment } => {
            msg![t "この経路のもう一方のアタッチメントは ", id attachment, t "。"]
        }
        Note::TgwNoAction => msg![
            t "トランジットゲートウェイのフローログには action フィールドがなく、許可・拒否は記録されない。ゲートウェイが破棄したパケットは packets-lost-* に数えられる。"
        ],
        Note::TgwPacketsLost {
            no_route,
            blackhole,
            mtu_exceeded,
            ttl_expired,
        } => tgw_packets_lost(no_route, blackhole, mtu_exceeded, ttl_expired),
        Note::TrafficPath { path } => msg![
            t "送信経路 (", field Field::TrafficPath, t " ", val path, t "): ",
            t traffic_path(TrafficPath::from_code(*path)), t "。"
        ],
        Note::AwsService { end, service } => aws_service(end, service),
        Note::DocumentationAddress { addr } => msg![
            addr addr,
            t " はドキュメント用に予約された範囲 (RFC 5737 / RFC 3849) のアドレスで、実在のホストではなく例示用の値。"
        ],
        Note::AwsOwner { addr, owner } => aws_owner(addr, owner),
        Note::NotAws { addr } => {
            msg![addr addr, t " は AWS の公開アドレス範囲外のパブリックアドレス。"]
        }
        Note::Redacted { fields } => redacted(fields),
        Note::InvalidAddress {
            field,
            text,
            over_255,
        } => invalid_address(field, text, over_255),
        Note::Efa => msg![
            t "Elastic Fabric Adapter (EFA) の通信 (OS のネットワークスタックを経由しない)。"
        ],
        Note::EncryptionStatus { value } => encryption_status(value),
        Note::Ecs { items, fargate } => ecs(items, fargate),
        Note::ResourceId { resource } => msg![t "リソース: ", id resource, t "。"],
        Note::InterfaceType { interface_type } => msg![
            t "このインターフェイスは ", m interface_type_words(interface_type), t " のもの。"
        ],
        Note::NextHop { .. } => next_hop(note),
        Note::Tags { tags } => {
            let parts = tags
                .iter()
                .map(|tag| msg![field tag.field, t " ", val tag.value])
                .collect();
            msg![t "タグ: ", m join(parts, ", "), t "。"]
        }
        Note::TimesMissing => msg![
            t "start と end が「-」または伏せ字のため、通信の時刻は不明。"
        ],
        Note::Milliseconds => msg![
            t "start と end はミリ秒 (10^11 を超える値) で、通常の秒ではない。"
        ],
        Note::EndBeforeStart => msg![t "end が start より前: レコードの時刻が矛盾している。"],
        Note::AccountUnknown => msg![
            field Field::AccountId,
            t " が「unknown」: 一部の AWS サービスが作成したインターフェイスではこう記録される。"
        ],
    }
}

fn tcp_flags(f: TcpFlags) -> Message {
    let names = f.names();
    let mut m = if names.is_empty() {
        msg![
            field Field::TcpFlags, t " ", val f.0,
            t ": この集約間隔には記録対象のフラグ (SYN、SYN-ACK、FIN、RST) がなく、接続は間隔の前から開いていて後も続いている。"
        ]
    } else {
        msg![t "この集約間隔の TCP フラグ: ", val names.join(" "), t " (", val f.0, t ")。"]
    };
    if f.has(TcpFlags::FIN) {
        m.text("FIN: 送信側が送信を終え、接続を閉じようとしている。");
    }
    if f.has(TcpFlags::RST) {
        m.text("RST: 接続がリセット (中断) された。ポートが閉じている、タイムアウトなどが原因。");
    }
    let unlogged = TcpFlags(f.0 & !TcpFlags::logged(f.0));
    if unlogged.0 != 0 {
        m.text("AWS が記録するのは FIN、SYN、RST、SYN-ACK だけなので、")
            .push(crate::message::Kind::Value, unlogged.names().join(" "))
            .text(" は AWS の集約によるものではない (別のものがレコードを書いたか書き換えた)。");
    }
    m
}

fn place(note: &Note) -> Message {
    let Note::Place {
        transit_gateway,
        vpc,
        subnet,
        instance,
        region,
        az,
        sublocation_type,
        sublocation_id,
    } = note
    else {
        return Message::new();
    };
    let mut parts = labelled(&[
        ("VPC ", vpc),
        ("サブネット ", subnet),
        ("インスタンス ", instance),
    ]);
    if let Some(v) = region {
        let mut m = msg![t "リージョン ", val v];
        if let Some(n) = regions::name(v) {
            m.text(format!(" ({n})"));
        }
        parts.push(m);
    }
    parts.extend(labelled(&[("AZ ", az)]));
    if let Some(t) = sublocation_type {
        let kind = match t.as_str() {
            "wavelength" => "Wavelength ゾーン",
            "outpost" => "Outposts",
            "localzone" => "ローカルゾーン",
            other => other,
        };
        parts.push(msg![t kind, t " (", id sublocation_id.as_deref().unwrap_or("-"), t ")"]);
    }
    msg![
        t if *transit_gateway { "記録: " } else { "インターフェイス: " }, m join(parts, "、"),
        t "。"
    ]
}

fn tgw_end(e: &TgwEnd) -> Message {
    if e.is_empty() {
        return msg![t "VPC 外 (VPN、Direct Connect、ピアリング)"];
    }
    let parts = labelled(&[
        ("アカウント ", &e.account),
        ("サブネット ", &e.subnet),
        ("インターフェイス ", &e.interface),
        ("AZ ", &e.az),
    ]);
    match &e.vpc {
        Some(v) if parts.is_empty() => msg![t "VPC ", id v],
        Some(v) => msg![t "VPC ", id v, t " (", m join(parts, "、"), t ")"],
        None => join(parts, "、"),
    }
}

fn traffic_path(path: TrafficPath) -> &'static str {
    match path {
        TrafficPath::SameVpc => "同じ VPC 内の別のリソースへ",
        TrafficPath::InternetGatewayOrGatewayEndpoint => {
            "インターネットゲートウェイまたはゲートウェイ型 VPC エンドポイント経由"
        }
        TrafficPath::VirtualPrivateGateway => "仮想プライベートゲートウェイ経由",
        TrafficPath::IntraRegionPeering => "同一リージョン内の VPC ピアリング接続経由",
        TrafficPath::InterRegionPeering => "リージョン間 VPC ピアリング接続経由",
        TrafficPath::LocalGateway => "ローカルゲートウェイ経由",
        TrafficPath::GatewayEndpointNitro => {
            "ゲートウェイ型 VPC エンドポイント経由 (Nitro ベースのインスタンス)"
        }
        TrafficPath::InternetGatewayNitro => {
            "インターネットゲートウェイ経由 (Nitro ベースのインスタンス)"
        }
        TrafficPath::Other(_) => "AWS が文書化していない経路コード",
    }
}

fn ecs_kind(k: EcsKind) -> &'static str {
    match k {
        EcsKind::Cluster => "クラスター",
        EcsKind::Service => "サービス",
        EcsKind::Task => "タスク",
        EcsKind::TaskDefinition => "タスク定義",
        EcsKind::Container => "コンテナ",
        EcsKind::SecondContainer => "2 つ目のコンテナ",
        EcsKind::ContainerInstance => "コンテナインスタンス",
    }
}

fn interface_type_words(t: &str) -> Message {
    let words = match t {
        "nat_gateway" => "NAT ゲートウェイ",
        "regional_nat_gateway" => "リージョナル NAT ゲートウェイ",
        "network_load_balancer" => "Network Load Balancer",
        "transit_gateway" => "トランジットゲートウェイのアタッチメント",
        "vpc_endpoint" => "VPC エンドポイント",
        other => return msg![val other],
    };
    msg![t words, t " (", val t, t ")"]
}

fn next_hop(note: &Note) -> Message {
    let Note::NextHop {
        interface,
        interface_type,
        subnet,
        vpc,
        az,
    } = note
    else {
        return Message::new();
    };
    let mut parts = labelled(&[("インターフェイス ", interface)]);
    parts.extend(interface_type.as_deref().map(interface_type_words));
    parts.extend(labelled(&[
        ("サブネット ", subnet),
        ("VPC ", vpc),
        ("AZ ", az),
    ]));
    msg![t "次のホップ: ", m join(parts, "、"), t "。"]
}

fn direction_field(
    direction: &Direction,
    transit_gateway: &bool,
    addr: &Option<String>,
) -> Message {
    let mut m =
        msg![t way(*direction), t ": ", field Field::FlowDirection, t " が ", val direction.word()];
    if *transit_gateway {
        m.text(" (通信を記録したトランジットゲートウェイのアタッチメントから見た方向)。");
    } else {
        m.append(msg![
            t match direction {
                Direction::Ingress => " なので、インターフェイスに入ってきた通信で、",
                Direction::Egress => " なので、インターフェイスから出ていく通信で、",
            },
            addr addr.as_deref().unwrap_or_default(),
            t " がこのインターフェイスのアドレス。"
        ]);
    }
    m
}

fn direction_pkt_addr(direction: &Direction, addr: &str) -> Message {
    match direction {
        Direction::Ingress => msg![
            t "受信 (インバウンド): ", field Field::Dstaddr, t " ", addr addr,
            t " がパケット本来のあて先 (", field Field::PktDstaddr, t ") と異なるため、",
            addr addr, t " はこのインターフェイス自身のアドレスで、インターフェイスに入ってきた通信。"
        ],
        Direction::Egress => msg![
            t "送信 (アウトバウンド): ", field Field::Srcaddr, t " ", addr addr,
            t " がパケット本来の送信元 (", field Field::PktSrcaddr, t ") と異なるため、",
            addr addr, t " はこのインターフェイス自身のアドレスで、インターフェイスから出ていく通信。"
        ],
    }
}

fn direction_private(
    direction: &Direction,
    addr: &str,
    scope: &Option<AddrScope>,
    other_redacted: &bool,
) -> Message {
    msg![
        t way(*direction), t ": ", addr addr, t " は", t scope_words(*scope), t "で、",
        t if *other_redacted {
            "相手側は伏せ字 (伏せられるのは VPC の外のパブリックアドレス)"
        } else {
            "相手側はパブリックアドレス"
        },
        t "のため、", addr addr, t " がこのインターフェイスのアドレスで、",
        t match direction {
            Direction::Ingress => "外から入ってきた通信。",
            Direction::Egress => "外へ出ていく通信。",
        }
    ]
}

fn direction_unknown(why: &DirectionBasis) -> Message {
    msg![
        t "方向: これらのフィールドからは判断できない (",
        t match why {
            DirectionBasis::BothInternal => "両方ともプライベートアドレス",
            DirectionBasis::TransitGateway => {
                "flow-direction のないトランジットゲートウェイのレコードからは判断できない"
            }
            DirectionBasis::NotRecognised
            | DirectionBasis::NoInterface
            | DirectionBasis::NoAddresses
            | DirectionBasis::FlowDirection
            | DirectionBasis::PacketDestination
            | DirectionBasis::PacketSource
            | DirectionBasis::LearnedAddress
            | DirectionBasis::PrivateSide => {
                "どちらのアドレスがこのインターフェイスのものか判断できない"
            }
        },
        t ")。", field Field::FlowDirection, t " フィールドを含む形式なら分かる。"
    ]
}

fn role_service_port(
    request: &bool,
    service: &str,
    server_port: &Option<u16>,
    client_port: &Option<u16>,
    client_ephemeral: &bool,
) -> Message {
    msg![
        svc service,
        t if *request { " へのリクエスト: あて先ポート " } else { " からのレスポンス: 送信元ポート " },
        port port_text(*server_port), t " 番は ", svc service, t " のウェルノウンポートで、",
        port client_port.unwrap_or(0),
        t if *client_ephemeral { " 番はクライアント側の一時ポート。" } else { " 番はクライアント側のポート。" }
    ]
}

fn role_ephemeral_port(
    request: &bool,
    server_port: &Option<u16>,
    client_port: &Option<u16>,
) -> Message {
    msg![
        t "おそらくポート ", port port_text(*server_port),
        t if *request {
            " 番のサービスへのリクエスト: 送信元ポート "
        } else {
            " 番のサービスからのレスポンス: あて先ポート "
        },
        port port_text(*client_port), t " 番は一時ポートの範囲で、", port port_text(*server_port),
        t " 番はそうではない。"
    ]
}

fn role_system_port(
    request: &bool,
    server_port: &Option<u16>,
    client_port: &Option<u16>,
) -> Message {
    msg![
        t "おそらくポート ", port port_text(*server_port),
        t if *request { " 番のサービスへのリクエスト: " } else { " 番のサービスからのレスポンス: " },
        port port_text(*server_port), t " 番はシステムポート (1024 未満) で、",
        t if *request { "送信元ポート " } else { "あて先ポート " },
        port port_text(*client_port), t " 番はそうではない。"
    ]
}

fn role_same_port(port: &Option<u16>, service: &Option<String>) -> Message {
    let name = service.as_deref().unwrap_or("?");
    msg![
        t "両方のポートが ", port port_text(*port), t " 番 (", svc name, t "): ", svc name,
        t " 同士の通信で、ポートからはどちらが要求側か判断できない。"
    ]
}

fn role_ports_unclear(
    src_port: &u16,
    src_service: &Option<String>,
    dst_port: &u16,
    dst_service: &Option<String>,
) -> Message {
    let named = |m: &mut Message, p: u16, s: &Option<String>| {
        m.append(msg![port p, t " 番"]);
        if let Some(s) = s {
            m.append(msg![t " (", svc s, t ")"]);
        }
    };
    let mut m = msg![t "ポートからはどちらが要求側か判断できない: 送信元ポート "];
    named(&mut m, *src_port, src_service);
    m.text(" とあて先ポート ");
    named(&mut m, *dst_port, dst_service);
    m.text(if src_service.is_some() && dst_service.is_some() {
        " はどちらもサービスのウェルノウンポート。"
    } else {
        " のどちらがサービス側かを示す手がかりがない。"
    });
    m.append(msg![field Field::TcpFlags, t " か逆方向のレコードがあれば分かる。"]);
    m
}

fn reply_rejected_likely_nacl(
    service: &Option<String>,
    server_port: &Option<u16>,
    client_port: &Option<u16>,
    rules: &Option<Direction>,
) -> Message {
    let mut m = msg![t "このレコードはレスポンス ("];
    if let Some(s) = service {
        m.append(msg![svc s, t " の"]);
    }
    m.append(msg![
                t "ポート ", port port_text(*server_port), t " 番からクライアントのポート ",
                port port_text(*client_port),
                t " 番あて) に見える。セキュリティグループはステートフルで、許可した通信への応答は常に通すため、拒否の原因はステートレスなネットワークACLの可能性が高い。ネットワークACLの",
                t match rules {
                    Some(Direction::Egress) => "アウトバウンドルール",
                    Some(Direction::Ingress) => "インバウンドルール",
                    None => "ルール",
                },
                t "でクライアントの一時ポート (1024-65535) を許可しているか確認する。"
            ]);
    m
}

fn rejected(direction: &Option<Direction>) -> Message {
    msg![t match direction {
        Some(Direction::Ingress) => {
            "拒否 (REJECT): セキュリティグループのインバウンドルール、またはサブネットのネットワークACLのインバウンドルールで許可されていない (接続が閉じた後に届いたパケットも REJECT になる)。"
        }
        Some(Direction::Egress) => {
            "拒否 (REJECT): セキュリティグループのアウトバウンドルール、またはサブネットのネットワークACLのアウトバウンドルールで許可されていない (接続が閉じた後のパケットも REJECT になる)。"
        }
        None => {
            "拒否 (REJECT): セキュリティグループまたはネットワークACLで許可されていない (接続が閉じた後に届いたパケットも REJECT になる)。"
        }
    }]
}

fn intermediate_hop(end: &End, addr: &str, packet_addr: &str) -> Message {
    msg![
        t "このインターフェイスは中継点 (NAT ゲートウェイ、トランジットゲートウェイのアタッチメント、または EKS ポッドなどのセカンダリアドレス): パケット本来の",
        t match end {
            End::Dst => "あて先",
            End::Src => "送信元",
        },
        t "は ", addr packet_addr, t " で、", addr addr, t " はこのインターフェイス自身のアドレス。"
    ]
}

fn tgw_packets_lost(
    no_route: &Option<i64>,
    blackhole: &Option<i64>,
    mtu_exceeded: &Option<i64>,
    ttl_expired: &Option<i64>,
) -> Message {
    let lost = [
        (no_route, "ルートなし"),
        (blackhole, "ブラックホールルート"),
        (mtu_exceeded, "MTU 超過"),
        (ttl_expired, "TTL 切れ"),
    ];
    let parts = lost
        .iter()
        .filter_map(|(n, w)| n.map(|n| msg![t *w, t " ", num n]))
        .collect();
    msg![t "トランジットゲートウェイがパケットを破棄: ", m join(parts, "、"), t "。"]
}

fn aws_service(end: &End, service: &str) -> Message {
    msg![
        t match end {
            End::Src => "送信元",
            End::Dst => "あて先",
        },
        t "アドレスは AWS の ", svc service, t " のアドレス範囲 (",
        field match end {
            End::Src => Field::PktSrcAwsService,
            End::Dst => Field::PktDstAwsService,
        },
        t ")。"
    ]
}

fn aws_owner(addr: &str, owner: &AwsOwner) -> Message {
    let mut m = msg![addr addr, t " は AWS のアドレス: リージョン ", val owner.region];
    if let Some(n) = regions::name(&owner.region) {
        m.text(format!(" ({n})"));
    }
    m.text(" の ");
    if owner.service == "AMAZON" {
        m.text("AWS (サービス AMAZON: 特定のサービスの記載なし)");
    } else {
        m.append(msg![svc owner.service]);
    }
    m.append(msg![t "、プレフィックス ", val owner.prefix]);
    if owner.network_border_group != owner.region {
        m.append(msg![t "、ネットワークボーダーグループ ", val owner.network_border_group]);
    }
    m.text("。");
    m
}

fn redacted(fields: &[FieldValue]) -> Message {
    let parts = fields
        .iter()
        .map(|f| msg![field f.field, t " (", val f.value, t ")"])
        .collect();
    msg![
        t "伏せ字: ", m join(parts, "、"),
        t "。ログを共有する前に実際の値が伏せられたもので、エラーではない。"
    ]
}

fn invalid_address(field: &Field, text: &str, over_255: &bool) -> Message {
    msg![
        field field, t " の ", val text,
        t if *over_255 {
            " は有効な IPv4 アドレスではない (255 を超える数がある)。おそらく架空の例。"
        } else {
            " は有効な IP アドレスではない。"
        }
    ]
}

fn encryption_status(value: &i64) -> Message {
    msg![
        t "暗号化ステータス ", val value, t ": ",
        t match value {
            0 => "暗号化されていない",
            1 => "Nitro システムによる暗号化 (VPC 暗号化コントロール)",
            2 => "アプリケーションによる暗号化 (AWS はエンドポイントへの TCP 443 などのポートから推定し、パケットは検査しない)",
            3 => "Nitro システムとアプリケーションの両方で暗号化",
            _ => "文書化されていない値",
        },
        t "。"
    ]
}

fn ecs(items: &[EcsItem], fargate: &bool) -> Message {
    let parts = items
        .iter()
        .map(|item| msg![t ecs_kind(item.kind), t " ", id item.value])
        .collect();
    let mut m = msg![t "Amazon ECS: ", m join(parts, "、")];
    if *fargate {
        m.text(" (コンテナインスタンスなし: おそらく Fargate)");
    }
    m.text("。");
    m
}
