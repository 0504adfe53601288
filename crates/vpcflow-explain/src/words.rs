//! The words for connections, findings, configuration steps and fixes, in English and Japanese.
//!
//! Kept apart from the reasoning so that the CLI, JSON output and a later web view say the same thing, and so
//! that a change of wording never changes a conclusion.

use crate::Lang;
use std::fmt::Write as _;
use std::net::IpAddr;
use vpcflow_catalog::protocols;
use vpcflow_diagnose::{
    Agreement, Basis, Cause, ConfigFinding, Connection, Conversations, Diagnosis, Endpoint,
    Finding, Flow, Needed, Reason, Verdict, Which,
};
use vpcflow_netmodel::{
    AclEntry, Control, Direction, Fix, Packet, PathCheck, PortSpec, Proto, Step, StepOutcome,
};
use vpcflow_record::reading::{Confidence, has_ports};

macro_rules! tr {
    ($lang:expr, $en:expr, $ja:expr $(,)?) => {
        match $lang {
            Lang::En => $en,
            Lang::Ja => $ja,
        }
    };
}

/// How to write: language and time zone.
#[derive(Clone, Debug)]
pub struct Style {
    /// The language.
    pub lang: Lang,
    /// The zone times are shown in.
    pub tz: jiff::tz::TimeZone,
}

impl Style {
    fn time(&self, t: i64) -> String {
        match jiff::Timestamp::from_second(t) {
            Ok(ts) => {
                let z = ts.to_zoned(self.tz.clone());
                match self.lang {
                    Lang::En => z.strftime("%Y-%m-%d %H:%M:%S").to_string(),
                    Lang::Ja => z.strftime("%Y年%m月%d日 %H:%M:%S").to_string(),
                }
            }
            Err(_) => t.to_string(),
        }
    }

    fn span(&self, start: i64, end: i64) -> String {
        let zone = jiff::Timestamp::from_second(start)
            .map(|t| t.to_zoned(self.tz.clone()).strftime("%Z").to_string())
            .unwrap_or_default();
        let end_text = if start / 86400 == end / 86400 {
            jiff::Timestamp::from_second(end)
                .map(|t| t.to_zoned(self.tz.clone()).strftime("%H:%M:%S").to_string())
                .unwrap_or_else(|_| end.to_string())
        } else {
            self.time(end)
        };
        format!("{} – {end_text} {zone}", self.time(start))
    }
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

/// `TCP`, `UDP`, `ICMP`, or the number.
pub fn protocol_name(p: u8) -> String {
    protocols::name(p)
        .map(str::to_string)
        .unwrap_or_else(|| format!("protocol {p}"))
}

fn endpoint(e: &Endpoint, protocol: u8) -> String {
    if has_ports(protocol) {
        if e.addr.contains(':') {
            format!("[{}]:{}", e.addr, e.port)
        } else {
            format!("{}:{}", e.addr, e.port)
        }
    } else {
        e.addr.clone()
    }
}

fn verdict_word(v: Verdict, lang: Lang) -> &'static str {
    match v {
        Verdict::AllowedBothWays => tr!(lang, "allowed both ways", "双方向で許可"),
        Verdict::RequestRejected => tr!(lang, "request rejected", "リクエストを拒否"),
        Verdict::ReplyRejected => tr!(lang, "reply rejected", "レスポンスを拒否"),
        Verdict::OneWay => tr!(lang, "one-way (no reply seen)", "片方向 (応答なし)"),
        Verdict::Unknown => tr!(lang, "no action logged", "許可/拒否の記録なし"),
    }
}

fn confidence_word(c: Confidence, lang: Lang) -> &'static str {
    match c {
        Confidence::Certain => tr!(lang, "certain", "確実"),
        Confidence::Likely => tr!(lang, "likely", "推定"),
        Confidence::Possible => tr!(lang, "possible", "可能性あり"),
    }
}

fn basis_text(c: &Connection, b: Basis, lang: Lang) -> String {
    let sp = c.server.port;
    let cp = c.client.port;
    match b {
        Basis::TcpSyn => tr!(
            lang,
            "its record carries SYN".into(),
            "SYN フラグのレコードの送信元".into()
        ),
        Basis::TcpSynAck => tr!(
            lang,
            "the other side answered with SYN-ACK".into(),
            "相手側が SYN-ACK で応答".into()
        ),
        Basis::WellKnownPort => match c.service {
            Some(s) => tr!(
                lang,
                format!("port {sp} is {s}"),
                format!("ポート {sp} は {s}")
            ),
            None => tr!(
                lang,
                format!("port {sp} is a well-known port, {cp} is not"),
                format!("ポート {sp} はウェルノウンポート、{cp} は違う")
            ),
        },
        Basis::EphemeralPort => tr!(
            lang,
            format!("port {cp} is ephemeral, {sp} is not"),
            format!("ポート {cp} は一時ポート、{sp} は違う")
        ),
        Basis::LowerPort => tr!(
            lang,
            format!("no better clue; {sp} is the lower port"),
            format!("決め手がなく、{sp} の方が小さいポート")
        ),
        Basis::FirstSeen => tr!(
            lang,
            "its traffic started first".into(),
            "先に通信を開始".into()
        ),
        Basis::OnlyDirection => tr!(
            lang,
            "only its direction was logged".into(),
            "この方向のみ記録".into()
        ),
    }
}

fn headline(c: &Connection, n: usize, lang: Lang) -> String {
    let service = c.service.map(|s| format!(" {s}")).unwrap_or_default();
    let mut line = format!(
        "#{n} {} {} → {}{service} — {}",
        protocol_name(c.protocol),
        endpoint(&c.client, c.protocol),
        endpoint(&c.server, c.protocol),
        verdict_word(c.verdict, lang)
    );
    if let Some(t) = &c.translated {
        let _ = write!(
            line,
            "{}",
            tr!(
                lang,
                format!(" (through NAT as {})", endpoint(t, c.protocol)),
                format!(" (NAT で {} に変換)", endpoint(t, c.protocol))
            )
        );
    }
    line
}

fn when_and_who(c: &Connection, style: &Style) -> String {
    let lang = style.lang;
    let when = if c.timed {
        style.span(c.start, c.end)
    } else {
        tr!(lang, "time not logged", "時刻の記録なし").to_string()
    };
    format!(
        "{}{}",
        when,
        tr!(
            lang,
            format!(
                "; initiator {} ({}: {})",
                c.client.addr,
                confidence_word(c.initiator.confidence, lang),
                basis_text(c, c.initiator.basis, lang)
            ),
            format!(
                "、開始側 {} ({}: {})",
                c.client.addr,
                confidence_word(c.initiator.confidence, lang),
                basis_text(c, c.initiator.basis, lang)
            )
        )
    )
}

fn flow_line(f: &Flow, lang: Lang) -> String {
    let ported = has_ports(f.protocol);
    let ep = |a: &str, p: u16| {
        if ported {
            if a.contains(':') {
                format!("[{a}]:{p}")
            } else {
                format!("{a}:{p}")
            }
        } else {
            a.to_string()
        }
    };
    let mut s = format!(
        "{}  {} {} → {}",
        f.location,
        f.interface,
        ep(&f.src, f.src_port),
        ep(&f.dst, f.dst_port)
    );
    if f.pkt_src.is_some() || f.pkt_dst.is_some() {
        let _ = write!(s, " (pkt {} → {})", f.packet_src(), f.packet_dst());
    }
    if let Some(a) = f.action {
        let _ = write!(s, " {a}");
    }
    if let (Some(p), Some(b)) = (f.packets, f.bytes) {
        let _ = write!(
            s,
            "{}",
            tr!(
                lang,
                format!(" {p} packet{} {b} bytes", if p == 1 { "" } else { "s" }),
                format!(" {p} パケット {b} バイト")
            )
        );
    }
    if let Some(flags) = f.tcp_flags {
        let _ = write!(s, " tcp-flags {flags}");
    }
    if let Some(r) = &f.reject_reason {
        let _ = write!(s, " reject-reason {r}");
    }
    s
}

fn way_word(w: Option<Direction>, lang: Lang) -> &'static str {
    match w {
        Some(Direction::Ingress) => tr!(lang, "inbound", "受信"),
        Some(Direction::Egress) => tr!(lang, "outbound", "送信"),
        None => tr!(lang, "direction unknown", "方向不明"),
    }
}

/// The `conversations` listing: every connection with its records.
pub fn conversations_text(conv: &Conversations, style: &Style) -> String {
    let lang = style.lang;
    let mut out = String::new();
    for (i, c) in conv.connections.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let _ = writeln!(out, "{}", headline(c, i + 1, lang));
        let _ = writeln!(out, "   {}", when_and_who(c, style));
        for leg in &c.legs {
            let role = if leg.intermediate {
                tr!(lang, ", passing through", "、中継")
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "   {} ({} {}{role}):",
                leg.interface,
                tr!(lang, "request", "リクエスト"),
                way_word(leg.request_way, lang)
            );
            for &f in &leg.request {
                let _ = writeln!(
                    out,
                    "     {} {}",
                    tr!(lang, "request", "リクエスト"),
                    flow_line(&conv.flows[f], lang)
                );
            }
            for &f in &leg.reply {
                let _ = writeln!(
                    out,
                    "     {} {}",
                    tr!(lang, "reply  ", "レスポンス"),
                    flow_line(&conv.flows[f], lang)
                );
            }
        }
    }
    let counts = |v: Verdict| conv.connections.iter().filter(|c| c.verdict == v).count();
    let _ = writeln!(
        out,
        "\n{}",
        tr!(
            lang,
            format!(
                "{} from {}: {} allowed both ways, {} request rejected, {} reply rejected, {} one-way",
                plural(conv.connections.len(), "connection"),
                plural(conv.flows.len(), "record"),
                counts(Verdict::AllowedBothWays),
                counts(Verdict::RequestRejected),
                counts(Verdict::ReplyRejected),
                counts(Verdict::OneWay)
            ),
            format!(
                "{} 件のレコードから {} 件の接続: 双方向で許可 {}、リクエスト拒否 {}、レスポンス拒否 {}、片方向 {}",
                conv.flows.len(),
                conv.connections.len(),
                counts(Verdict::AllowedBothWays),
                counts(Verdict::RequestRejected),
                counts(Verdict::ReplyRejected),
                counts(Verdict::OneWay)
            )
        )
    );
    out
}

fn rules_word(way: Option<Direction>, lang: Lang) -> &'static str {
    match way {
        Some(Direction::Ingress) => tr!(lang, "inbound rules", "インバウンドルール"),
        Some(Direction::Egress) => tr!(lang, "outbound rules", "アウトバウンドルール"),
        None => tr!(lang, "rules", "ルール"),
    }
}

fn finding_text(f: &Finding, c: &Connection, lang: Lang) -> String {
    let rules = rules_word(f.way, lang);
    let what = traffic(c, lang);
    match f.cause {
        Cause::BlockPublicAccess => tr!(
            lang,
            "VPC Block Public Access rejected it (reject-reason BPA): the VPC or subnet blocks internet gateway traffic; security groups and network ACLs were not the cause.".into(),
            "VPC ブロックパブリックアクセスにより拒否 (reject-reason BPA)。VPC またはサブネットがインターネットゲートウェイ経由の通信をブロックしている。セキュリティグループやネットワークACLが原因ではない。".into()
        ),
        Cause::EncryptionControls => tr!(
            lang,
            "VPC Encryption Controls rejected it (reject-reason EC), not a security group or network ACL.".into(),
            "VPC 暗号化コントロールにより拒否 (reject-reason EC)。セキュリティグループやネットワークACLが原因ではない。".into()
        ),
        Cause::NetworkAcl => tr!(
            lang,
            format!("the network ACL of {}'s subnet: its {rules} do not allow {}.", f.interface, rejected_part(f, c, lang)),
            format!("{} のサブネットのネットワークACLの{rules}が {} を許可していない。", f.interface, rejected_part(f, c, lang))
        ),
        Cause::SecurityGroup => tr!(
            lang,
            format!("the {rules} of {}'s security groups do not allow {what}.", f.interface),
            format!("{} のセキュリティグループの{rules}が {what} を許可していない。", f.interface)
        ),
        Cause::SecurityGroupOrNetworkAcl => tr!(
            lang,
            format!("the {rules} of {}'s security groups or of its subnet's network ACL do not allow {what}.", f.interface),
            format!("{} のセキュリティグループ、またはサブネットのネットワークACLの{rules}が {what} を許可していない。", f.interface)
        ),
        Cause::Routing => tr!(
            lang,
            format!("routing: the reply cannot leave {} (no route to the client, e.g. the route to the internet gateway was removed or the gateway detached); AWS then logs the incoming request as REJECT.", f.interface),
            format!("ルーティング: {} からレスポンスを返せない (クライアントへの経路がない。インターネットゲートウェイへのルートの削除やデタッチなど)。この場合、受信したリクエストが REJECT と記録される。", f.interface)
        ),
        Cause::ClosedConnection => tr!(
            lang,
            "packets that arrived after the connection had closed, which AWS also logs as REJECT.".into(),
            "接続が閉じた後に届いたパケット (これも REJECT と記録される)。".into()
        ),
        Cause::NoReply => tr!(
            lang,
            format!("no reply came back to {}: the server did not answer, or the request or reply was dropped on the way (a missing route, the server's own firewall).", f.interface),
            format!("{} に応答が返っていない: サーバーが応答しなかったか、途中で破棄された (ルートの不足、相手側のファイアウォールなど)。", f.interface)
        ),
    }
}

fn traffic(c: &Connection, lang: Lang) -> String {
    let p = protocol_name(c.protocol);
    if has_ports(c.protocol) {
        tr!(
            lang,
            format!("{p} to port {} from {}", c.server.port, c.client.addr),
            format!(
                "{} からの {p} ポート {} 番あての通信",
                c.client.addr, c.server.port
            )
        )
    } else {
        tr!(
            lang,
            format!("{p} from {}", c.client.addr),
            format!("{} からの {p} 通信", c.client.addr)
        )
    }
}

fn rejected_part(f: &Finding, c: &Connection, lang: Lang) -> String {
    let is_reply = f
        .reasons
        .iter()
        .any(|r| matches!(r, Reason::OtherDirectionAccepted | Reason::RejectedIsReply))
        && c.verdict == Verdict::ReplyRejected;
    let p = protocol_name(c.protocol);
    if is_reply {
        if has_ports(c.protocol) {
            tr!(
                lang,
                format!(
                    "the reply ({p} from {} to the client's port {})",
                    c.server.addr, c.client.port
                ),
                format!(
                    "レスポンス ({} からクライアントのポート {} 番あての {p})",
                    c.server.addr, c.client.port
                )
            )
        } else {
            tr!(
                lang,
                format!(
                    "the reply ({p} from {} to {})",
                    c.server.addr, c.client.addr
                ),
                format!(
                    "レスポンス ({} から {} への {p})",
                    c.server.addr, c.client.addr
                )
            )
        }
    } else {
        traffic(c, lang)
    }
}

fn reason_text(r: &Reason, conv: &Conversations, style: &Style) -> String {
    let lang = style.lang;
    let other = |j: usize| {
        let o = &conv.connections[j];
        format!(
            "#{} {} {} → {}",
            j + 1,
            protocol_name(o.protocol),
            endpoint(&o.client, o.protocol),
            endpoint(&o.server, o.protocol)
        )
    };
    match r {
        Reason::OtherDirectionAccepted => tr!(
            lang,
            "one direction was accepted and the other rejected on the same interface at the same time; a security group that let one direction through would have let the other through too (security groups are stateful, network ACLs are not).".into(),
            "同じインターフェイスで同時刻に一方向は許可、逆方向は拒否されている。セキュリティグループはステートフルなので一方を許可すればもう一方も許可する。ステートレスなのはネットワークACL。".into()
        ),
        Reason::RejectedIsReply => tr!(
            lang,
            "the rejected record is a reply, and security groups always let replies to allowed traffic through.".into(),
            "拒否されたレコードはレスポンスであり、セキュリティグループは許可した通信への応答を常に通す。".into()
        ),
        Reason::NoReplySeen => tr!(lang, "no reply was logged.".into(), "レスポンスは記録されていない。".into()),
        Reason::AclRejectsInboundReplies { connection } => tr!(
            lang,
            format!("at the same time the interface's incoming replies were rejected too ({}), which only a network ACL does: it is denying inbound traffic.", other(*connection)),
            format!("同時刻にこのインターフェイスへのレスポンスも拒否されている ({})。これはネットワークACLにしかできないため、ネットワークACLが受信を拒否している。", other(*connection))
        ),
        Reason::OutboundWorks { connection } => tr!(
            lang,
            format!("at the same time the interface reached the internet and got replies ({}), so its routing works.", other(*connection)),
            format!("同時刻にこのインターフェイスはインターネットと双方向で通信できている ({})。ルーティングは正常。", other(*connection))
        ),
        Reason::AllowedBefore { connection } => tr!(
            lang,
            format!("the same service was allowed both ways earlier ({}): something changed in between.", other(*connection)),
            format!("以前は同じサービスへの通信が双方向で許可されていた ({})。その間に設定が変わった。", other(*connection))
        ),
        Reason::SilentSince { since } => tr!(
            lang,
            format!("since {} the interface has sent nothing at all, which is what losing the route out looks like.", style.time(*since)),
            format!("{} 以降このインターフェイスからの送信が一切ない。外向きの経路を失ったときの様子と一致する。", style.time(*since))
        ),
        Reason::NothingSent => tr!(
            lang,
            "the interface sent nothing at all in these records.".into(),
            "これらのレコードではこのインターフェイスからの送信が一切ない。".into()
        ),
        Reason::RejectReason { value } => format!("reject-reason {value}."),
        Reason::ClosingFlags => tr!(
            lang,
            "the rejected packets carry FIN or RST and no SYN.".into(),
            "拒否されたパケットには FIN または RST があり、SYN がない。".into()
        ),
    }
}

fn needed_text(n: Needed, lang: Lang) -> &'static str {
    match n {
        Needed::SecurityGroups => tr!(
            lang,
            "the interface's security groups (describe-security-groups, describe-network-interfaces)",
            "インターフェイスのセキュリティグループ (describe-security-groups, describe-network-interfaces)"
        ),
        Needed::NetworkAcl => tr!(
            lang,
            "the network ACL of its subnet (describe-network-acls)",
            "サブネットのネットワークACL (describe-network-acls)"
        ),
        Needed::Routes => tr!(
            lang,
            "the subnet's route table and internet gateway (describe-route-tables, describe-internet-gateways)",
            "サブネットのルートテーブルとインターネットゲートウェイ (describe-route-tables, describe-internet-gateways)"
        ),
        Needed::TcpFlags => tr!(
            lang,
            "the tcp-flags field (version 3), which tells who initiated for certain",
            "開始側を確定できる tcp-flags フィールド (バージョン 3)"
        ),
        Needed::RejectReason => tr!(
            lang,
            "the reject-reason field (version 8), which names VPC Block Public Access",
            "VPC ブロックパブリックアクセスを示す reject-reason フィールド (バージョン 8)"
        ),
    }
}

fn ports_text(protocol: u8, ports: &PortSpec, lang: Lang) -> String {
    let p = protocol_name(protocol);
    match ports {
        PortSpec::All => p,
        PortSpec::Ports { from, to } if from == to => format!("{p} {from}"),
        PortSpec::Ports { from, to } => format!("{p} {from}-{to}"),
        PortSpec::Icmp { icmp_type, code } => match (icmp_type, code) {
            (None, _) => tr!(lang, format!("{p} (all types)"), format!("{p} (全タイプ)")),
            (Some(t), None) => format!("{p} type {t}"),
            (Some(t), Some(c)) => {
                let name = match (protocol, t) {
                    (1, 8) | (58, 128) => tr!(lang, "echo request ", "エコー要求 "),
                    (1, 0) | (58, 129) => tr!(lang, "echo reply ", "エコー応答 "),
                    _ => "",
                };
                format!("{p} {name}(type {t} code {c})")
            }
        },
    }
}

fn rule_proto_text(proto: Proto, ports: &PortSpec, lang: Lang) -> String {
    match proto {
        Proto::All => tr!(lang, "all traffic".into(), "すべてのトラフィック".into()),
        Proto::Number(n) => ports_text(n, ports, lang),
    }
}

fn acl_rule_text(e: &AclEntry, lang: Lang) -> String {
    let number = if e.is_star() {
        "*".to_string()
    } else {
        e.rule_number.to_string()
    };
    let action = if e.allow {
        tr!(lang, "allows", "許可")
    } else {
        tr!(lang, "denies", "拒否")
    };
    let (from, to) = if e.egress {
        (
            tr!(lang, "to", "宛先"),
            tr!(lang, "outbound", "アウトバウンド"),
        )
    } else {
        (
            tr!(lang, "from", "送信元"),
            tr!(lang, "inbound", "インバウンド"),
        )
    };
    tr!(
        lang,
        format!(
            "{to} rule {number} {action} {} {from} {}",
            rule_proto_text(e.protocol, &e.ports, lang),
            e.cidr
        ),
        format!(
            "{to}ルール {number} ({} {from} {}) で{action}",
            rule_proto_text(e.protocol, &e.ports, lang),
            e.cidr
        )
    )
}

fn packet_text(p: &Packet, lang: Lang) -> String {
    let peer = addr_for_rules(p);
    let proto = protocol_name(p.protocol);
    let inbound = p.direction == Direction::Ingress;
    if has_ports(p.protocol) {
        let port = p.dst_port;
        match (lang, inbound) {
            (Lang::En, true) => format!("{proto} to port {port} from {peer}"),
            (Lang::En, false) => format!("{proto} to {peer} port {port}"),
            (Lang::Ja, true) => format!("{peer} からの {proto} ポート {port} 番あての通信"),
            (Lang::Ja, false) => format!("{peer} の {proto} ポート {port} 番あての通信"),
        }
    } else {
        let kind = match p.icmp {
            Some((t, c)) => ports_text(
                p.protocol,
                &PortSpec::Icmp {
                    icmp_type: Some(t),
                    code: Some(c),
                },
                lang,
            ),
            None => proto,
        };
        match (lang, inbound) {
            (Lang::En, true) => format!("{kind} from {peer}"),
            (Lang::En, false) => format!("{kind} to {peer}"),
            (Lang::Ja, true) => format!("{peer} からの {kind}"),
            (Lang::Ja, false) => format!("{peer} あての {kind}"),
        }
    }
}

fn addr_for_rules(p: &Packet) -> IpAddr {
    match p.direction {
        Direction::Ingress => p.src,
        Direction::Egress => p.dst,
    }
}

fn dir_word(d: Direction, lang: Lang) -> &'static str {
    match d {
        Direction::Ingress => tr!(lang, "inbound", "インバウンド"),
        Direction::Egress => tr!(lang, "outbound", "アウトバウンド"),
    }
}

/// One configuration step in words.
pub fn step_text(step: &Step, packet: &Packet, lang: Lang) -> String {
    let what = packet_text(packet, lang);
    match &step.control {
        Control::SecurityGroup {
            direction,
            groups,
            allowed_by,
            stateful,
            unresolved,
        } => {
            let d = dir_word(*direction, lang);
            let groups = groups.join(", ");
            if *stateful {
                return tr!(
                    lang,
                    format!(
                        "security groups ({groups}): allowed as part of a connection already allowed (stateful)"
                    ),
                    format!(
                        "セキュリティグループ ({groups}): 許可済みの接続の一部として許可 (ステートフル)"
                    )
                );
            }
            if let Some((g, rule)) = allowed_by {
                return tr!(
                    lang,
                    format!(
                        "security group {g}: {d} rule {} {} {} allows {what}",
                        rule_proto_text(rule.protocol, &rule.ports, lang),
                        if *direction == Direction::Egress {
                            "to"
                        } else {
                            "from"
                        },
                        rule.peer
                    ),
                    format!(
                        "セキュリティグループ {g}: {d}ルール ({} {}) で {what} を許可",
                        rule_proto_text(rule.protocol, &rule.ports, lang),
                        rule.peer
                    )
                );
            }
            if step.outcome == StepOutcome::Unknown {
                return tr!(
                    lang,
                    format!(
                        "security groups ({groups}): no {d} rule that could be evaluated allows {what}; not decided: {}",
                        unresolved.join("; ")
                    ),
                    format!(
                        "セキュリティグループ ({groups}): 評価できた{d}ルールには{what}を許可するものがない。未確定: {}",
                        unresolved.join("; ")
                    )
                );
            }
            tr!(
                lang,
                format!("security groups ({groups}): no {d} rule allows {what}"),
                format!("セキュリティグループ ({groups}): {what} を許可する{d}ルールがない")
            )
        }
        Control::NetworkAcl {
            direction,
            acl_id,
            rule,
            same_subnet,
        } => {
            let d = dir_word(*direction, lang);
            if *same_subnet {
                return tr!(
                    lang,
                    format!("network ACL {acl_id}: not applied within its own subnet"),
                    format!("ネットワークACL {acl_id}: 同じサブネット内の通信には適用されない")
                );
            }
            let unsure = if step.outcome == StepOutcome::Unknown {
                tr!(
                    lang,
                    " (not decided: some of its rules could not be read)",
                    " (未確定: 読めないルールがある)"
                )
            } else {
                ""
            };
            let text = match rule {
                Some(e) if e.allow => tr!(
                    lang,
                    format!("network ACL {acl_id}: {} — {what}", acl_rule_text(e, lang)),
                    format!(
                        "ネットワークACL {acl_id}: {} — {what}",
                        acl_rule_text(e, lang)
                    )
                ),
                Some(e) if e.is_star() => tr!(
                    lang,
                    format!(
                        "network ACL {acl_id} has no {d} rule allowing {what}; the final * rule denies it"
                    ),
                    format!(
                        "ネットワークACL {acl_id} に {what} を許可する{d}ルールがなく、最後の * ルールで拒否"
                    )
                ),
                Some(e) => tr!(
                    lang,
                    format!(
                        "network ACL {acl_id} has no {d} rule before rule {} allowing {what}; {}",
                        e.rule_number,
                        acl_rule_text(e, lang)
                    ),
                    format!(
                        "ネットワークACL {acl_id} にはルール {} より前に {what} を許可する{d}ルールがない。{}",
                        e.rule_number,
                        acl_rule_text(e, lang)
                    )
                ),
                None => tr!(
                    lang,
                    format!("network ACL {acl_id}: not decided"),
                    format!("ネットワークACL {acl_id}: 未確定")
                ),
            };
            format!("{text}{unsure}")
        }
        Control::Route {
            table_id,
            destination,
            route,
            gateway_attached,
            public_address,
        } => match route {
            None => tr!(
                lang,
                format!(
                    "route table {table_id} has no route to {destination} (no 0.0.0.0/0 route to an internet gateway), so the packet cannot leave"
                ),
                format!(
                    "ルートテーブル {table_id} に {destination} への経路がない (インターネットゲートウェイへの 0.0.0.0/0 ルートがない)。パケットは送出できない"
                )
            ),
            Some(r) if !r.active => tr!(
                lang,
                format!(
                    "route table {table_id}: route {} → {} is a blackhole (its target no longer exists)",
                    r.destination, r.target.id
                ),
                format!(
                    "ルートテーブル {table_id}: ルート {} → {} はブラックホール (ターゲットが存在しない)",
                    r.destination, r.target.id
                )
            ),
            Some(r) if *gateway_attached == Some(false) => tr!(
                lang,
                format!(
                    "route table {table_id}: route {} → {}, but the internet gateway is not attached to the VPC",
                    r.destination, r.target.id
                ),
                format!(
                    "ルートテーブル {table_id}: ルート {} → {} があるが、インターネットゲートウェイが VPC にアタッチされていない",
                    r.destination, r.target.id
                )
            ),
            Some(r) if *public_address == Some(false) => tr!(
                lang,
                format!(
                    "route table {table_id}: route {} → {}, but the interface has no public IPv4 address to use there",
                    r.destination, r.target.id
                ),
                format!(
                    "ルートテーブル {table_id}: ルート {} → {} があるが、インターフェイスにパブリック IPv4 アドレスがない",
                    r.destination, r.target.id
                )
            ),
            Some(r) => tr!(
                lang,
                format!(
                    "route table {table_id}: {destination} goes by route {} → {}",
                    r.destination, r.target.id
                ),
                format!(
                    "ルートテーブル {table_id}: {destination} はルート {} → {} で送出",
                    r.destination, r.target.id
                )
            ),
        },
        Control::InternetGateway {
            vpc_id,
            gateway_id,
            attached,
            public_address,
        } => {
            let g = gateway_id.clone().unwrap_or_else(|| "-".into());
            match (attached, public_address) {
                (true, true) => tr!(
                    lang,
                    format!(
                        "internet gateway {g} is attached to {vpc_id} and the interface has a public address"
                    ),
                    format!(
                        "インターネットゲートウェイ {g} は {vpc_id} にアタッチされ、インターフェイスにパブリックアドレスがある"
                    )
                ),
                (false, _) => tr!(
                    lang,
                    format!(
                        "no internet gateway is attached to {vpc_id}: traffic from the internet cannot come in, nor replies go out"
                    ),
                    format!(
                        "{vpc_id} にアタッチされたインターネットゲートウェイがなく、インターネットとの通信は受信も応答もできない"
                    )
                ),
                (true, false) => tr!(
                    lang,
                    format!(
                        "the interface has no public IPv4 address, so traffic from the internet cannot reach it through {g}"
                    ),
                    format!(
                        "インターフェイスにパブリック IPv4 アドレスがなく、{g} 経由のインターネットからの通信は届かない"
                    )
                ),
            }
        }
        Control::Missing { what } => tr!(
            lang,
            format!("not decided: {what} is not in the configuration"),
            format!("未確定: 設定に {what} がない")
        ),
    }
}

fn outcome_tag(o: StepOutcome, lang: Lang) -> &'static str {
    match o {
        StepOutcome::Allow => tr!(lang, "[allow]  ", "[許可]"),
        StepOutcome::Deny => tr!(lang, "[DENY]   ", "[拒否]"),
        StepOutcome::Unknown => tr!(lang, "[unknown]", "[不明]"),
        StepOutcome::NotApplicable => tr!(lang, "[n/a]    ", "[対象外]"),
    }
}

/// The smallest change, in words.
pub fn fix_text(fix: &Fix, lang: Lang) -> String {
    match fix {
        Fix::AddSecurityGroupRule {
            group_id,
            direction,
            protocol,
            ports,
            cidr,
        } => {
            let (d, w) = match direction {
                Direction::Ingress => (
                    tr!(lang, "inbound", "インバウンド"),
                    tr!(lang, "from", "ソース"),
                ),
                Direction::Egress => (
                    tr!(lang, "outbound", "アウトバウンド"),
                    tr!(lang, "to", "送信先"),
                ),
            };
            tr!(
                lang,
                format!(
                    "add an {d} rule to {group_id}: {} {w} {cidr}",
                    ports_text(*protocol, ports, lang)
                ),
                format!(
                    "{group_id} に{d}ルールを追加: {} {w} {cidr}",
                    ports_text(*protocol, ports, lang)
                )
            )
        }
        Fix::AddNetworkAclRule {
            acl_id,
            direction,
            rule_number,
            protocol,
            ports,
            cidr,
        } => {
            let (d, w) = match direction {
                Direction::Ingress => (
                    tr!(lang, "inbound", "インバウンド"),
                    tr!(lang, "from", "送信元"),
                ),
                Direction::Egress => (
                    tr!(lang, "outbound", "アウトバウンド"),
                    tr!(lang, "to", "宛先"),
                ),
            };
            tr!(
                lang,
                format!(
                    "add {d} rule {rule_number} to {acl_id}: allow {} {w} {cidr} (or a wider range, such as 0.0.0.0/0, if the other side varies)",
                    ports_text(*protocol, ports, lang)
                ),
                format!(
                    "{acl_id} に{d}ルール {rule_number} を追加: {} {w} {cidr} を許可 (相手が変わる場合は 0.0.0.0/0 など広い範囲)",
                    ports_text(*protocol, ports, lang)
                )
            )
        }
        Fix::AddRoute {
            table_id,
            destination,
            target,
        } => match target {
            Some(t) => tr!(
                lang,
                format!("add the route {destination} → {t} to {table_id}"),
                format!("{table_id} にルート {destination} → {t} を追加")
            ),
            None => tr!(
                lang,
                format!(
                    "add a route for {destination} to {table_id} (through an internet gateway attached to the VPC, or the gateway that reaches it)"
                ),
                format!(
                    "{table_id} に {destination} へのルートを追加 (VPC にアタッチしたインターネットゲートウェイなど)"
                )
            ),
        },
        Fix::ReplaceBlackholeRoute {
            table_id,
            destination,
            old_target,
        } => tr!(
            lang,
            format!(
                "replace the blackhole route {destination} → {old_target} in {table_id} with a target that exists"
            ),
            format!(
                "{table_id} のブラックホールルート {destination} → {old_target} を存在するターゲットに置き換える"
            )
        ),
        Fix::AttachInternetGateway { gateway_id, vpc_id } => match gateway_id {
            Some(g) => tr!(
                lang,
                format!("attach {g} to {vpc_id}"),
                format!("{g} を {vpc_id} にアタッチ")
            ),
            None => tr!(
                lang,
                format!("create an internet gateway and attach it to {vpc_id}"),
                format!("インターネットゲートウェイを作成して {vpc_id} にアタッチ")
            ),
        },
        Fix::AssociatePublicAddress { interface_id } => tr!(
            lang,
            format!("associate an Elastic IP (a public IPv4 address) with {interface_id}"),
            format!("{interface_id} に Elastic IP (パブリック IPv4 アドレス) を関連付け")
        ),
    }
}

fn verdict_lines(
    out: &mut String,
    indent: &str,
    v: &vpcflow_netmodel::Verdict,
    p: &Packet,
    lang: Lang,
) {
    for s in &v.steps {
        let _ = writeln!(
            out,
            "{indent}{} {}",
            outcome_tag(s.outcome, lang),
            step_text(s, p, lang)
        );
    }
}

fn config_text(out: &mut String, cf: &ConfigFinding, lang: Lang) {
    let _ = writeln!(
        out,
        "   {} ({}):",
        tr!(lang, "from the configuration", "設定から"),
        cf.interface
    );
    if let Some(why) = &cf.undecided {
        let _ = writeln!(
            out,
            "     {} {why}",
            tr!(lang, "not evaluated:", "評価できない:")
        );
        return;
    }
    if cf
        .packets
        .first()
        .is_some_and(|p| matches!(p.protocol, 1 | 58))
    {
        let _ = writeln!(
            out,
            "     {}",
            tr!(
                lang,
                "(flow logs do not record ICMP types: evaluated as a ping, echo request and echo reply)",
                "(フローログには ICMP タイプが記録されないため、ping (エコー要求とエコー応答) として評価)"
            )
        );
    }
    let labels = [
        tr!(lang, "request", "リクエスト"),
        tr!(lang, "reply", "レスポンス"),
    ];
    for (i, v) in [cf.request.as_ref(), cf.reply.as_ref()]
        .into_iter()
        .enumerate()
    {
        let (Some(v), Some(p)) = (v, cf.packets.get(i)) else {
            continue;
        };
        let _ = writeln!(out, "     {} ({}):", labels[i], dir_word(p.direction, lang));
        verdict_lines(out, "       ", v, p, lang);
    }
    match (&cf.decided_by, cf.agreement) {
        (Some((which, step)), agreement) => {
            let w = match which {
                Which::Request => tr!(lang, "the request", "リクエスト"),
                Which::Reply => tr!(lang, "the reply", "レスポンス"),
            };
            let ctl = control_name(&step.control, lang);
            let _ = writeln!(
                out,
                "     {}",
                tr!(
                    lang,
                    format!("→ {w} is dropped by {ctl}."),
                    format!("→ {w}を{ctl}が破棄している。")
                )
            );
            if agreement == Agreement::Differs {
                let _ = writeln!(
                    out,
                    "     {}",
                    tr!(
                        lang,
                        "  (the records show the other direction rejected: the configuration has probably changed since)",
                        "  (レコードでは逆方向が拒否されている。その後設定が変わった可能性が高い)"
                    )
                );
            }
            if let Some(fix) = &step.fix {
                let _ = writeln!(
                    out,
                    "     {} {}",
                    tr!(lang, "fix:", "修正:"),
                    fix_text(fix, lang)
                );
            }
        }
        (None, Agreement::ConfigAllows) => {
            let _ = writeln!(
                out,
                "     {}",
                tr!(
                    lang,
                    "→ the configuration allows it now: it was probably changed after these records were written (or the rejected packets came after the connection closed).",
                    "→ 現在の設定では許可される。レコードの記録後に設定が変更された可能性が高い (または接続終了後のパケット)。"
                )
            );
        }
        (None, _) => {
            let _ = writeln!(
                out,
                "     {}",
                tr!(
                    lang,
                    "→ not decided: part of the configuration is missing or unreadable.",
                    "→ 未確定: 設定の一部がないか読めない。"
                )
            );
        }
    }
}

fn control_name(c: &Control, lang: Lang) -> String {
    match c {
        Control::SecurityGroup {
            direction, groups, ..
        } => tr!(
            lang,
            format!(
                "the {} rules of security groups {}",
                dir_word(*direction, lang),
                groups.join(", ")
            ),
            format!(
                "セキュリティグループ {} の{}ルール",
                groups.join(", "),
                dir_word(*direction, lang)
            )
        ),
        Control::NetworkAcl {
            direction, acl_id, ..
        } => tr!(
            lang,
            format!(
                "the {} rules of network ACL {acl_id}",
                dir_word(*direction, lang)
            ),
            format!(
                "ネットワークACL {acl_id} の{}ルール",
                dir_word(*direction, lang)
            )
        ),
        Control::Route { table_id, .. } => tr!(
            lang,
            format!("route table {table_id}"),
            format!("ルートテーブル {table_id}")
        ),
        Control::InternetGateway { vpc_id, .. } => tr!(
            lang,
            format!("the internet gateway of {vpc_id}"),
            format!("{vpc_id} のインターネットゲートウェイ")
        ),
        Control::Missing { what } => what.clone(),
    }
}

/// The `diagnose` report: each rejected connection with its evidence, the reading of the records, and the
/// configuration's answer.
pub fn diagnoses_text(conv: &Conversations, diagnoses: &[Diagnosis], style: &Style) -> String {
    let lang = style.lang;
    let mut out = String::new();
    for (n, d) in diagnoses.iter().enumerate() {
        let c = &conv.connections[d.connection];
        if n > 0 {
            out.push('\n');
        }
        let _ = writeln!(out, "{}", headline(c, d.connection + 1, lang));
        let _ = writeln!(out, "   {}", when_and_who(c, style));
        let _ = writeln!(out, "   {}", tr!(lang, "evidence:", "根拠となるレコード:"));
        for f in conv.flows_of(c) {
            let _ = writeln!(out, "     {}", flow_line(f, lang));
        }
        let _ = writeln!(out, "   {}", tr!(lang, "from the logs:", "ログから:"));
        for f in &d.findings {
            let _ = writeln!(
                out,
                "     {}: {}",
                confidence_word(f.confidence, lang),
                finding_text(f, c, lang)
            );
            for r in &f.reasons {
                let _ = writeln!(out, "       - {}", reason_text(r, conv, style));
            }
        }
        if !d.needed.is_empty() {
            let certain = d
                .findings
                .first()
                .is_some_and(|f| f.confidence == Confidence::Certain);
            let _ = writeln!(
                out,
                "     {}",
                if certain {
                    tr!(lang, "to name the exact rule:", "ルールの特定に必要:")
                } else {
                    tr!(lang, "to decide:", "確定に必要:")
                }
            );
            for n in &d.needed {
                let _ = writeln!(out, "       - {}", needed_text(*n, lang));
            }
        }
        for cf in &d.config {
            config_text(&mut out, cf, lang);
        }
    }
    let rejected = conv
        .connections
        .iter()
        .filter(|c| c.verdict.is_rejected())
        .count();
    let _ = writeln!(
        out,
        "{}{}",
        if diagnoses.is_empty() { "" } else { "\n" },
        tr!(
            lang,
            format!(
                "{} from {}; {} with something rejected.",
                plural(conv.connections.len(), "connection"),
                plural(conv.flows.len(), "record"),
                rejected
            ),
            format!(
                "{} 件のレコードから {} 件の接続、うち拒否を含むもの {} 件。",
                conv.flows.len(),
                conv.connections.len(),
                rejected
            )
        )
    );
    out
}

/// The `check` answer: would it be allowed, and why, hop by hop.
pub fn check_text(check: &PathCheck, protocol: u8, lang: Lang) -> String {
    let mut out = String::new();
    let Some(first) = check.packets.first() else {
        let _ = writeln!(
            out,
            "{}",
            tr!(
                lang,
                "neither address belongs to an interface in the configuration: nothing to evaluate.",
                "どちらのアドレスも設定内のインターフェイスのものではない。評価対象がない。"
            )
        );
        return out;
    };
    let ported = has_ports(protocol);
    let ep = |a: IpAddr, p: u16| {
        if ported {
            format!("{a}:{p}")
        } else {
            a.to_string()
        }
    };
    let answer = match (check.allowed, check.certain) {
        (true, true) => tr!(lang, "allowed", "許可される"),
        (true, false) => tr!(
            lang,
            "allowed as far as the configuration says (some steps undecided)",
            "設定上は許可 (一部未確定)"
        ),
        (false, _) => tr!(lang, "NOT allowed", "許可されない"),
    };
    let _ = writeln!(
        out,
        "{} {} → {}: {answer}",
        protocol_name(protocol),
        ep(first.src, first.src_port),
        ep(first.dst, first.dst_port)
    );
    let n_req = check.request.len();
    for (i, v) in check.request.iter().chain(&check.reply).enumerate() {
        let p = &check.packets[i];
        let label = if i < n_req {
            tr!(lang, "request", "リクエスト")
        } else {
            tr!(lang, "reply", "レスポンス")
        };
        let _ = writeln!(
            out,
            "  {label} {} {} ({}):",
            tr!(lang, "at", "@"),
            p.interface,
            dir_word(p.direction, lang)
        );
        verdict_lines(&mut out, "    ", v, p, lang);
        if let Some(fix) = v.decided_by().and_then(|s| s.fix.as_ref()) {
            let _ = writeln!(
                out,
                "  {} {}",
                tr!(lang, "fix:", "修正:"),
                fix_text(fix, lang)
            );
        }
    }
    for a in &check.outside {
        let _ = writeln!(
            out,
            "  {}",
            tr!(
                lang,
                format!(
                    "{a} is not an interface in the configuration: its own controls were not checked."
                ),
                format!(
                    "{a} は設定内のインターフェイスではないため、その側の制御は確認していない。"
                )
            )
        );
    }
    out
}
