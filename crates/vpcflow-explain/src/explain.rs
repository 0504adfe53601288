//! The reading of one record: facts first (direction, role, service, owners, times), then prose from the facts.
//!
//! Every conclusion that is inferred rather than read off a field (which side is the interface, which side is
//! the client, why something was rejected) comes with a note that says what it rests on, so that a reader can
//! disagree with the inference instead of trusting it blindly.

use crate::{Explainer, Lang, regions};
use serde::Serialize;
use std::fmt::Write as _;
use std::net::IpAddr;
use vpcflow_catalog::ranges::Owner;
use vpcflow_catalog::{protocols, services};
use vpcflow_record::Direction;
use vpcflow_record::reading::{as_inbound, has_ports};
use vpcflow_record::{
    Action, AddrScope, Field, IpType, LogStatus, Record, TcpFlags, TrafficPath, Value,
};

/// Picks the English or the Japanese expression; only the chosen one is evaluated.
macro_rules! tr {
    ($lang:expr, $en:expr, $ja:expr $(,)?) => {
        match $lang {
            Lang::En => $en,
            Lang::Ja => $ja,
        }
    };
}

/// Whether the source is the client (request) or the server (response) of the conversation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// From the client to the service.
    Request,
    /// From the service back to the client.
    Response,
    /// Not decidable from the record's fields.
    Unknown,
}

/// One end of the flow.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Endpoint {
    /// The address as written (`-` gives `None`); may be a redaction placeholder or, in hand-made examples, not
    /// a valid address at all — `redacted` and `valid` tell which.
    pub addr: Option<String>,
    /// Whether the address was written over (`xxx.xxx.xxx.xxx`).
    pub redacted: bool,
    /// Whether the address parses as IPv4 or IPv6.
    pub valid: bool,
    /// Whether the address is private (RFC 1918, 100.64/10, link-local, fc00::/7) rather than internet-routable.
    pub private: bool,
    /// Whether this end is the interface's own address (known only when the direction is).
    pub interface_side: bool,
    /// The port, when the protocol has ports and the record gives one.
    pub port: Option<u16>,
    /// The packet's original address (`pkt-srcaddr` / `pkt-dstaddr`) when it differs from `addr`.
    pub packet_addr: Option<String>,
    /// `pkt-src-aws-service` / `pkt-dst-aws-service`.
    pub aws_service: Option<String>,
    /// The AWS owner of the address from ip-ranges.json, if AWS publishes it.
    pub owner: Option<EndpointOwner>,
}

/// Who at AWS owns an address.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EndpointOwner {
    /// The ip-ranges.json service (`EC2`, `S3`, `AMAZON`).
    pub service: String,
    /// The region code.
    pub region: String,
    /// The region's everyday name in the explainer's language, when known.
    pub region_name: Option<String>,
    /// The network border group (differs from the region for Local Zones).
    pub network_border_group: String,
    /// The published prefix containing the address.
    pub prefix: String,
}

/// The IP protocol.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Protocol {
    /// The IANA number as logged.
    pub number: u8,
    /// The IANA keyword (or description); `None` for unassigned numbers.
    pub name: Option<String>,
}

/// One follow-on finding. `code` is stable for programs (`reply-rejected-likely-nacl`, `direction-private`,
/// `aws-owner`, ...); `text` is the sentence in the explainer's language.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Note {
    /// A stable identifier of the kind of finding.
    pub code: &'static str,
    /// The finding in words.
    pub text: String,
}

/// Everything the explainer concluded about one record, as data and as prose.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Explanation {
    /// Where the record came from, as given to [`Explainer::explain`].
    pub location: String,
    /// `vpc` for network interface records, `transit-gateway` for transit gateway records.
    pub kind: &'static str,
    /// The `version` field.
    pub version: Option<i64>,
    /// The network interface (`eni-...`).
    pub interface: Option<String>,
    /// The account that owns the interface (or `unknown`, or a redaction placeholder).
    pub account: Option<String>,
    /// Into or out of the interface (or, for transit gateway records, the attachment); `None` when the record's
    /// fields do not say.
    #[serde(serialize_with = "as_inbound::or_unknown")]
    pub direction: Option<Direction>,
    /// Request or response.
    pub role: Role,
    /// The source.
    pub src: Option<Endpoint>,
    /// The destination.
    pub dst: Option<Endpoint>,
    /// The IP protocol.
    pub protocol: Option<Protocol>,
    /// The well-known service at the server's port (`HTTP`, `NTP`).
    pub service: Option<String>,
    /// `ACCEPT` or `REJECT`.
    pub action: Option<String>,
    /// `OK`, `NODATA` or `SKIPDATA`.
    pub log_status: Option<String>,
    /// The first packet's time, RFC 3339 in the explainer's time zone.
    pub start: Option<String>,
    /// The last packet's time, RFC 3339 in the explainer's time zone.
    pub end: Option<String>,
    /// `end - start`.
    pub duration_seconds: Option<f64>,
    /// Packets in the interval.
    pub packets: Option<i64>,
    /// Bytes in the interval.
    pub bytes: Option<i64>,
    /// The TCP flags seen, by name (`SYN`, `ACK`, `FIN`).
    pub tcp_flags: Option<Vec<String>>,
    /// Follow-on findings, in reading order.
    pub notes: Vec<Note>,
    /// The whole explanation as prose: the location and a headline sentence, then one line per note.
    pub text: String,
}

/// An address field as found.
#[derive(Clone, Debug, PartialEq)]
enum A {
    Ip(IpAddr),
    Redacted(String),
    Invalid(String),
}

impl A {
    fn read(rec: &Record, field: Field) -> Option<A> {
        match rec.addr(field) {
            Some(vpcflow_record::Addr::Ip(ip)) => Some(A::Ip(ip)),
            Some(vpcflow_record::Addr::Redacted(t)) => Some(A::Redacted(t)),
            None => rec.text(field).map(|t| A::Invalid(t.to_string())),
        }
    }

    fn text(&self) -> String {
        match self {
            A::Ip(ip) => ip.to_string(),
            A::Redacted(t) | A::Invalid(t) => t.clone(),
        }
    }

    fn ip(&self) -> Option<IpAddr> {
        match self {
            A::Ip(ip) => Some(*ip),
            _ => None,
        }
    }

    fn is_private(&self) -> bool {
        self.ip().is_some_and(|ip| private_kind(ip).is_some())
    }

    /// For the one-private-side rule: a redacted address counts as "not private", because people redact the
    /// public addresses (their home or office), never the VPC's own.
    fn is_public_or_redacted(&self) -> bool {
        match self {
            A::Ip(ip) => private_kind(*ip).is_none(),
            A::Redacted(_) => true,
            A::Invalid(_) => false,
        }
    }

    /// Shown with a port: `[2001:db8::1]:22` for IPv6 so the port is not read as part of the address.
    fn with_port(&self, port: Option<u16>) -> String {
        match (self, port) {
            (A::Ip(IpAddr::V6(v6)), Some(p)) => format!("[{v6}]:{p}"),
            (a, Some(p)) => format!("{}:{p}", a.text()),
            (a, None) => a.text(),
        }
    }
}

/// What kind of non-internet address `ip` is, in both languages.
fn private_kind(ip: IpAddr) -> Option<(&'static str, &'static str)> {
    match AddrScope::of(ip) {
        AddrScope::Private => Some((
            "a private (RFC 1918) address",
            "プライベートアドレス (RFC 1918)",
        )),
        AddrScope::Shared => Some((
            "a shared (100.64.0.0/10) address",
            "共有アドレス (100.64.0.0/10)",
        )),
        AddrScope::UniqueLocal => Some((
            "a unique local (fc00::/7) address",
            "ユニークローカルアドレス (fc00::/7)",
        )),
        AddrScope::LinkLocal => Some(("a link-local address", "リンクローカルアドレス")),
        AddrScope::Loopback => Some(("a loopback address", "ループバックアドレス")),
        AddrScope::Documentation | AddrScope::Public => None,
    }
}

/// Addresses reserved for documentation (RFC 5737, RFC 3849): the AWS docs' examples use them.
fn is_documentation(ip: IpAddr) -> bool {
    AddrScope::of(ip) == AddrScope::Documentation
}

/// How the direction was decided.
#[derive(Clone, Copy, PartialEq)]
enum DirBasis {
    Field,
    PktDst,
    PktSrc,
    Private,
    None,
}

/// How the role was decided.
#[derive(Clone, Copy, PartialEq)]
enum RoleBasis {
    Syn,
    SynFin,
    SynAck,
    SynAckFin,
    ServicePort,
    Ephemeral,
    SamePort,
    None,
}

pub(crate) fn explain(ex: &Explainer, rec: &Record, location: &str) -> Explanation {
    let lang = ex.lang;
    let mut notes: Vec<Note> = Vec::new();
    let mut note = |code: &'static str, text: String| notes.push(Note { code, text });

    let is_tgw =
        rec.has(Field::TgwId) || rec.has(Field::ResourceType) || rec.has(Field::TgwAttachmentId);
    let status = rec.log_status();
    let action = rec.action();
    let proto = rec.int(Field::Protocol).map(|p| p as u8);
    let src_a = A::read(rec, Field::Srcaddr);
    let dst_a = A::read(rec, Field::Dstaddr);
    let pkt_src = A::read(rec, Field::PktSrcaddr);
    let pkt_dst = A::read(rec, Field::PktDstaddr);
    let sport = rec.int(Field::Srcport).map(|p| p as u16);
    let dport = rec.int(Field::Dstport).map(|p| p as u16);
    let show_ports = proto.is_some_and(has_ports)
        || sport.is_some_and(|p| p != 0)
        || dport.is_some_and(|p| p != 0);
    let (sport_shown, dport_shown) = if show_ports {
        (sport, dport)
    } else {
        (None, None)
    };
    let flags = rec.tcp_flags().filter(|_| proto.is_none_or(|p| p == 6));

    // Which address differs from the packet's own: that side is the interface itself (an intermediate hop).
    let differs = |a: &Option<A>, pkt: &Option<A>| match (a, pkt) {
        (Some(A::Ip(x)), Some(A::Ip(y))) => x != y,
        _ => false,
    };
    let pkt_src_differs = differs(&src_a, &pkt_src);
    let pkt_dst_differs = differs(&dst_a, &pkt_dst);

    // ---- direction ----
    let (direction, dir_basis) = if let Some(d) = rec.direction() {
        (Some(d), DirBasis::Field)
    } else if is_tgw {
        (None, DirBasis::None)
    } else if pkt_dst_differs && !pkt_src_differs {
        (Some(Direction::Ingress), DirBasis::PktDst)
    } else if pkt_src_differs && !pkt_dst_differs {
        (Some(Direction::Egress), DirBasis::PktSrc)
    } else if rec.has(Field::InterfaceId) && rec.text(Field::InterfaceId).is_none() {
        // No interface (a regional NAT gateway record names a resource instead): no side to attribute.
        (None, DirBasis::None)
    } else {
        match (&src_a, &dst_a) {
            (Some(s), Some(d)) if d.is_private() && s.is_public_or_redacted() => {
                (Some(Direction::Ingress), DirBasis::Private)
            }
            (Some(s), Some(d)) if s.is_private() && d.is_public_or_redacted() => {
                (Some(Direction::Egress), DirBasis::Private)
            }
            _ => (None, DirBasis::None),
        }
    };

    // ---- role and service ----
    let tcp = proto == Some(6);
    let mut role = Role::Unknown;
    let mut role_basis = RoleBasis::None;
    if tcp && let Some(f) = flags {
        let syn = f.has(TcpFlags::SYN);
        let ack = f.has(TcpFlags::ACK);
        let fin = f.has(TcpFlags::FIN);
        if syn && !ack {
            role = Role::Request;
            role_basis = if fin {
                RoleBasis::SynFin
            } else {
                RoleBasis::Syn
            };
        } else if syn && ack {
            role = Role::Response;
            role_basis = if fin {
                RoleBasis::SynAckFin
            } else {
                RoleBasis::SynAck
            };
        }
    }
    let svc = |port: Option<u16>| match (port, proto) {
        (Some(p), Some(pr)) => services::name(p, pr),
        _ => None,
    };
    let (src_svc, dst_svc) = if show_ports {
        (svc(sport), svc(dport))
    } else {
        (None, None)
    };
    if role_basis == RoleBasis::None
        && show_ports
        && let (Some(sp), Some(dp)) = (sport, dport)
    {
        match (src_svc, dst_svc) {
            (None, Some(_)) => (role, role_basis) = (Role::Request, RoleBasis::ServicePort),
            (Some(_), None) => (role, role_basis) = (Role::Response, RoleBasis::ServicePort),
            (Some(_), Some(_)) if sp == dp => role_basis = RoleBasis::SamePort,
            (Some(_), Some(_)) => {
                role = if dp < sp {
                    Role::Request
                } else {
                    Role::Response
                };
                role_basis = RoleBasis::ServicePort;
            }
            (None, None) => {
                if services::is_ephemeral(sp) && !services::is_ephemeral(dp) && dp != 0 {
                    (role, role_basis) = (Role::Request, RoleBasis::Ephemeral);
                } else if services::is_ephemeral(dp) && !services::is_ephemeral(sp) && sp != 0 {
                    (role, role_basis) = (Role::Response, RoleBasis::Ephemeral);
                }
            }
        }
    }
    // The server's port and its service, from whichever side the role says is the server.
    let (server_port, client_port) = match role {
        Role::Request => (dport_shown, sport_shown),
        Role::Response => (sport_shown, dport_shown),
        Role::Unknown => (None, None),
    };
    let service: Option<&'static str> = match role {
        Role::Request => dst_svc,
        Role::Response => src_svc,
        Role::Unknown if role_basis == RoleBasis::SamePort => src_svc,
        Role::Unknown => None,
    };

    // ---- endpoints ----
    let interface_side_src = direction == Some(Direction::Egress) && !is_tgw;
    let interface_side_dst = direction == Some(Direction::Ingress) && !is_tgw;
    let src = endpoint(
        ex,
        rec,
        &src_a,
        sport_shown,
        &pkt_src,
        pkt_src_differs,
        Field::PktSrcAwsService,
        interface_side_src,
    );
    let dst = endpoint(
        ex,
        rec,
        &dst_a,
        dport_shown,
        &pkt_dst,
        pkt_dst_differs,
        Field::PktDstAwsService,
        interface_side_dst,
    );

    // ---- times ----
    let start_raw = rec.int(Field::Start);
    let end_raw = rec.int(Field::End);
    let start_t = start_raw.and_then(to_ts);
    let end_t = end_raw.and_then(to_ts);
    let millis = start_t.is_some_and(|t| t.1) || end_t.is_some_and(|t| t.1);
    let duration_ms = match (start_t, end_t) {
        (Some(s), Some(e)) => Some(e.0.as_millisecond() - s.0.as_millisecond()),
        _ => None,
    };
    let zoned =
        |t: Option<(jiff::Timestamp, bool)>| t.map(|(ts, ms)| (ts.to_zoned(ex.tz.clone()), ms));
    let start_z = zoned(start_t);
    let end_z = zoned(end_t);

    let packets = rec.int(Field::Packets);
    let bytes = rec.int(Field::Bytes);
    let interface = rec.text(Field::InterfaceId).map(str::to_string);
    let account = rec.text(Field::AccountId).map(str::to_string);
    let reject_reason = rec.text(Field::RejectReason);
    let nodata_like = matches!(status, Some(LogStatus::NoData | LogStatus::SkipData));

    // ---- notes, in reading order ----
    match status {
        Some(LogStatus::NoData) => note(
            "nodata",
            tr!(
                lang,
                "No traffic reached or left this interface during the aggregation interval (NODATA); the record only marks the interval.".to_string(),
                "この集約間隔にこのネットワークインターフェイスを出入りする通信はなかった (NODATA)。このレコードは間隔を示すだけのもの。".to_string(),
            ),
        ),
        Some(LogStatus::SkipData) => note(
            "skipdata",
            tr!(
                lang,
                "Records were skipped during this interval (SKIPDATA) because of an internal capacity limit or an internal error: traffic in this interval may be missing from the log.".to_string(),
                "この集約間隔ではレコードがスキップされた (SKIPDATA: 内部のキャパシティ制限またはエラー)。この間の通信はログから欠けている可能性がある。".to_string(),
            ),
        ),
        _ => {}
    }

    // Direction.
    if !nodata_like {
        let side = |d: &Option<A>| d.as_ref().map(A::text).unwrap_or_default();
        match dir_basis {
            DirBasis::Field => {
                let word = rec.text(Field::FlowDirection).unwrap_or_default();
                let text = if is_tgw {
                    tr!(
                        lang,
                        match direction {
                            Some(Direction::Ingress) => format!(
                                "Inbound: flow-direction is {word}, relative to the transit gateway attachment where the traffic was captured."
                            ),
                            _ => format!(
                                "Outbound: flow-direction is {word}, relative to the transit gateway attachment where the traffic was captured."
                            ),
                        },
                        match direction {
                            Some(Direction::Ingress) => format!(
                                "受信 (インバウンド): flow-direction が {word} (通信を記録したトランジットゲートウェイのアタッチメントから見た方向)。"
                            ),
                            _ => format!(
                                "送信 (アウトバウンド): flow-direction が {word} (通信を記録したトランジットゲートウェイのアタッチメントから見た方向)。"
                            ),
                        },
                    )
                } else {
                    tr!(
                        lang,
                        match direction {
                            Some(Direction::Ingress) => format!(
                                "Inbound: flow-direction is {word}, so the traffic came into the interface and {} is the interface's address.",
                                side(&dst_a)
                            ),
                            _ => format!(
                                "Outbound: flow-direction is {word}, so the traffic left the interface and {} is the interface's address.",
                                side(&src_a)
                            ),
                        },
                        match direction {
                            Some(Direction::Ingress) => format!(
                                "受信 (インバウンド): flow-direction が {word} なので、インターフェイスに入ってきた通信で、{} がこのインターフェイスのアドレス。",
                                side(&dst_a)
                            ),
                            _ => format!(
                                "送信 (アウトバウンド): flow-direction が {word} なので、インターフェイスから出ていく通信で、{} がこのインターフェイスのアドレス。",
                                side(&src_a)
                            ),
                        },
                    )
                };
                note("direction-field", text);
            }
            DirBasis::PktDst => note(
                "direction-pkt-addr",
                tr!(
                    lang,
                    format!(
                        "Inbound: dstaddr {} differs from the packet's destination pkt-dstaddr, so it is this interface's own address and the traffic came into it.",
                        side(&dst_a)
                    ),
                    format!(
                        "受信 (インバウンド): dstaddr {} がパケット本来のあて先 (pkt-dstaddr) と異なるため、{} はこのインターフェイス自身のアドレスで、インターフェイスに入ってきた通信。",
                        side(&dst_a),
                        side(&dst_a)
                    ),
                ),
            ),
            DirBasis::PktSrc => note(
                "direction-pkt-addr",
                tr!(
                    lang,
                    format!(
                        "Outbound: srcaddr {} differs from the packet's source pkt-srcaddr, so it is this interface's own address and the traffic left through it.",
                        side(&src_a)
                    ),
                    format!(
                        "送信 (アウトバウンド): srcaddr {} がパケット本来の送信元 (pkt-srcaddr) と異なるため、{} はこのインターフェイス自身のアドレスで、インターフェイスから出ていく通信。",
                        side(&src_a),
                        side(&src_a)
                    ),
                ),
            ),
            DirBasis::Private => {
                let (mine, other) = if direction == Some(Direction::Ingress) {
                    (&dst_a, &src_a)
                } else {
                    (&src_a, &dst_a)
                };
                let kind = mine
                    .as_ref()
                    .and_then(A::ip)
                    .and_then(private_kind)
                    .unwrap_or(("a private address", "プライベートアドレス"));
                let other_en = match other {
                    Some(A::Redacted(_)) => {
                        "the other side is redacted (people redact public addresses, not their VPC's)"
                    }
                    _ => "the other side is a public address",
                };
                let other_ja = match other {
                    Some(A::Redacted(_)) => {
                        "相手側は伏せ字 (伏せられるのは VPC の外のパブリックアドレス)"
                    }
                    _ => "相手側はパブリックアドレス",
                };
                let text = tr!(
                    lang,
                    format!(
                        "{}: {} is {} and {other_en}, so {} is this interface's address and the traffic {}.",
                        if direction == Some(Direction::Ingress) {
                            "Inbound"
                        } else {
                            "Outbound"
                        },
                        side(mine),
                        kind.0,
                        side(mine),
                        if direction == Some(Direction::Ingress) {
                            "came in from outside"
                        } else {
                            "went out"
                        },
                    ),
                    format!(
                        "{}: {} は{}で、{other_ja}のため、{} がこのインターフェイスのアドレスで、{}。",
                        if direction == Some(Direction::Ingress) {
                            "受信 (インバウンド)"
                        } else {
                            "送信 (アウトバウンド)"
                        },
                        side(mine),
                        kind.1,
                        side(mine),
                        if direction == Some(Direction::Ingress) {
                            "外から入ってきた通信"
                        } else {
                            "外へ出ていく通信"
                        },
                    ),
                );
                note("direction-private", text);
            }
            DirBasis::None if src_a.is_some() || dst_a.is_some() => {
                let both_private = src_a.as_ref().is_some_and(A::is_private)
                    && dst_a.as_ref().is_some_and(A::is_private);
                let why_en = if both_private {
                    "both addresses are private"
                } else if is_tgw {
                    "transit gateway records without flow-direction do not say"
                } else {
                    "neither address is recognisably this interface's"
                };
                let why_ja = if both_private {
                    "両方ともプライベートアドレス"
                } else if is_tgw {
                    "flow-direction のないトランジットゲートウェイのレコードからは判断できない"
                } else {
                    "どちらのアドレスがこのインターフェイスのものか判断できない"
                };
                note(
                    "direction-unknown",
                    tr!(
                        lang,
                        format!(
                            "Direction: cannot be told from these fields ({why_en}); a format with flow-direction would say."
                        ),
                        format!(
                            "方向: これらのフィールドからは判断できない ({why_ja})。flow-direction フィールドを含む形式なら分かる。"
                        ),
                    ),
                );
            }
            DirBasis::None => {}
        }
    }

    // Role.
    let port_text = |p: Option<u16>| p.map(|p| p.to_string()).unwrap_or_else(|| "?".into());
    match role_basis {
        RoleBasis::Syn => note(
            "role-tcp-syn",
            tr!(
                lang,
                format!(
                    "TCP SYN without ACK: the source is a client opening a connection to port {}.",
                    port_text(dport)
                ),
                format!(
                    "TCP フラグ SYN のみ: 送信元がクライアントとしてポート {} 番への接続を開始している。",
                    port_text(dport)
                ),
            ),
        ),
        RoleBasis::SynFin => note(
            "role-tcp-syn-fin",
            tr!(
                lang,
                format!(
                    "TCP SYN and FIN (3): a short connection the client opened to port {} and closed within one aggregation interval.",
                    port_text(dport)
                ),
                format!(
                    "TCP フラグ SYN と FIN (3): クライアントがポート {} 番への接続を開始し、同じ集約間隔内に閉じた短い接続。",
                    port_text(dport)
                ),
            ),
        ),
        RoleBasis::SynAck => note(
            "role-tcp-syn-ack",
            tr!(
                lang,
                format!(
                    "TCP SYN-ACK: the source is the server on port {} accepting a connection.",
                    port_text(sport)
                ),
                format!(
                    "TCP フラグ SYN-ACK: 送信元がポート {} 番のサーバーとして接続要求に応答している。",
                    port_text(sport)
                ),
            ),
        ),
        RoleBasis::SynAckFin => note(
            "role-tcp-syn-ack-fin",
            tr!(
                lang,
                format!(
                    "TCP SYN-ACK and FIN (19): the server on port {} accepted and closed a short connection within one aggregation interval.",
                    port_text(sport)
                ),
                format!(
                    "TCP フラグ SYN-ACK と FIN (19): ポート {} 番のサーバーが接続に応答し、同じ集約間隔内に閉じた短い接続。",
                    port_text(sport)
                ),
            ),
        ),
        RoleBasis::ServicePort => {
            let name = service.unwrap_or("?");
            let sp = port_text(server_port);
            let cp = client_port.unwrap_or(0);
            let client_en = if services::is_ephemeral(cp) {
                format!("{cp} is an ephemeral client port")
            } else {
                format!("{cp} is the client's port")
            };
            let client_ja = if services::is_ephemeral(cp) {
                format!("{cp} 番はクライアント側の一時ポート")
            } else {
                format!("{cp} 番はクライアント側のポート")
            };
            let text = if role == Role::Request {
                tr!(
                    lang,
                    format!(
                        "Request to {name}: destination port {sp} is {name}'s well-known port and {client_en}."
                    ),
                    format!(
                        "{name} へのリクエスト: あて先ポート {sp} 番は {name} のウェルノウンポートで、{client_ja}。"
                    ),
                )
            } else {
                tr!(
                    lang,
                    format!(
                        "Response from {name}: source port {sp} is {name}'s well-known port and {client_en}."
                    ),
                    format!(
                        "{name} からのレスポンス: 送信元ポート {sp} 番は {name} のウェルノウンポートで、{client_ja}。"
                    ),
                )
            };
            note("role-service-port", text);
        }
        RoleBasis::Ephemeral => {
            let sp = port_text(server_port);
            let cp = port_text(client_port);
            let text = if role == Role::Request {
                tr!(
                    lang,
                    format!(
                        "Probably a request to a service on port {sp}: the source port {cp} is in the ephemeral range and {sp} is not."
                    ),
                    format!(
                        "おそらくポート {sp} 番のサービスへのリクエスト: 送信元ポート {cp} 番は一時ポートの範囲で、{sp} 番はそうではない。"
                    ),
                )
            } else {
                tr!(
                    lang,
                    format!(
                        "Probably a response from a service on port {sp}: the destination port {cp} is in the ephemeral range and {sp} is not."
                    ),
                    format!(
                        "おそらくポート {sp} 番のサービスからのレスポンス: あて先ポート {cp} 番は一時ポートの範囲で、{sp} 番はそうではない。"
                    ),
                )
            };
            note("role-ephemeral-port", text);
        }
        RoleBasis::SamePort => {
            let name = service.unwrap_or("?");
            let p = port_text(sport);
            note(
                "role-same-port",
                tr!(
                    lang,
                    format!(
                        "Both ports are {p} ({name}): two {name} peers talking, so the ports do not say which side asked."
                    ),
                    format!(
                        "両方のポートが {p} 番 ({name}): {name} 同士の通信で、ポートからはどちらが要求側か判断できない。"
                    ),
                ),
            );
        }
        RoleBasis::None => {
            if matches!(proto, Some(1 | 58)) && !nodata_like {
                note(
                    "role-icmp",
                    tr!(
                        lang,
                        "ICMP records carry no message type, so one record cannot tell an echo request from an echo reply; read it together with the record for the opposite direction.".to_string(),
                        "ICMP のレコードにはメッセージタイプがないため、1 件だけでは要求 (echo request) か応答 (echo reply) か区別できない。逆方向のレコードと合わせて読む。".to_string(),
                    ),
                );
            }
        }
    }

    // TCP flags by name.
    if let Some(f) = flags.filter(|_| !nodata_like) {
        let names = f.names();
        let mut en = if names.is_empty() {
            format!(
                "tcp-flags {}: none of the logged flags (SYN, SYN-ACK, FIN, RST) in this interval, so the connection was already open before it and still open after it.",
                f.0
            )
        } else {
            format!("TCP flags in this interval: {} ({}).", names.join(" "), f.0)
        };
        let mut ja = if names.is_empty() {
            format!(
                "tcp-flags {}: この集約間隔には記録対象のフラグ (SYN、SYN-ACK、FIN、RST) がなく、接続は間隔の前から開いていて後も続いている。",
                f.0
            )
        } else {
            format!("この集約間隔の TCP フラグ: {} ({})。", names.join(" "), f.0)
        };
        if f.has(TcpFlags::FIN) {
            en.push_str(" FIN: the sender finished sending and is closing the connection.");
            ja.push_str("FIN: 送信側が送信を終え、接続を閉じようとしている。");
        }
        if f.has(TcpFlags::RST) {
            en.push_str(" RST: the connection was reset (aborted), for example by a closed port or a timeout.");
            ja.push_str(
                "RST: 接続がリセット (中断) された。ポートが閉じている、タイムアウトなどが原因。",
            );
        }
        note("tcp-flags", tr!(lang, en, ja));
    }

    // Action.
    let mut verdict_en = String::new();
    let mut verdict_ja = String::new();
    match action {
        Some(Action::Accept) => {
            verdict_en = "allowed".into();
            verdict_ja = match direction {
                Some(Direction::Ingress) => {
                    "セキュリティグループとネットワークACLの設定によりアクセス許可"
                }
                Some(Direction::Egress) => {
                    "セキュリティグループとネットワークACLの設定により発信を許可"
                }
                None => "セキュリティグループとネットワークACLの設定により許可",
            }
            .into();
        }
        Some(Action::Reject) => {
            let dir_ja = |inb: &str, outb: &str, unk: &str| -> String {
                match direction {
                    Some(Direction::Ingress) => inb.to_string(),
                    Some(Direction::Egress) => outb.to_string(),
                    None => unk.to_string(),
                }
            };
            match reject_reason {
                Some("BPA") => {
                    verdict_en = "rejected by VPC Block Public Access".into();
                    verdict_ja = dir_ja(
                        "VPC ブロックパブリックアクセスによりアクセス拒否",
                        "VPC ブロックパブリックアクセスにより発信を拒否",
                        "VPC ブロックパブリックアクセスにより拒否",
                    );
                    note(
                        "reject-reason-bpa",
                        tr!(
                            lang,
                            "Rejected by VPC Block Public Access (reject-reason BPA): the VPC or subnet blocks traffic through internet gateways; security groups and network ACLs were not the cause.".to_string(),
                            "VPC ブロックパブリックアクセス (BPA) により拒否 (reject-reason BPA)。VPC またはサブネットがインターネットゲートウェイ経由の通信をブロックしている。セキュリティグループやネットワークACLが原因ではない。".to_string(),
                        ),
                    );
                }
                Some("EC") => {
                    verdict_en = "rejected by VPC encryption controls".into();
                    verdict_ja = dir_ja(
                        "VPC 暗号化コントロールによりアクセス拒否",
                        "VPC 暗号化コントロールにより発信を拒否",
                        "VPC 暗号化コントロールにより拒否",
                    );
                    note(
                        "reject-reason-ec",
                        tr!(
                            lang,
                            "Rejected by VPC Encryption Controls (reject-reason EC), not by a security group or network ACL.".to_string(),
                            "VPC 暗号化コントロールにより拒否 (reject-reason EC)。セキュリティグループやネットワークACLが原因ではない。".to_string(),
                        ),
                    );
                }
                other => {
                    if role == Role::Response {
                        verdict_en = "rejected (probably by a network ACL)".into();
                        verdict_ja = dir_ja(
                            "ネットワークACLの設定によりアクセス拒否 (推定)",
                            "ネットワークACLの設定により発信を拒否 (推定)",
                            "ネットワークACLの設定により拒否 (推定)",
                        );
                        let what_en = match service {
                            Some(s) => format!(
                                "from {s} port {} to client port {}",
                                port_text(server_port),
                                port_text(client_port)
                            ),
                            None => format!(
                                "from port {} to client port {}",
                                port_text(server_port),
                                port_text(client_port)
                            ),
                        };
                        let what_ja = match service {
                            Some(s) => format!(
                                "{s} のポート {} 番からクライアントのポート {} 番あて",
                                port_text(server_port),
                                port_text(client_port)
                            ),
                            None => format!(
                                "ポート {} 番からクライアントのポート {} 番あて",
                                port_text(server_port),
                                port_text(client_port)
                            ),
                        };
                        let (rules_en, rules_ja) = match direction {
                            Some(Direction::Egress) => ("outbound rules", "アウトバウンドルール"),
                            Some(Direction::Ingress) => ("inbound rules", "インバウンドルール"),
                            None => ("rules", "ルール"),
                        };
                        note(
                            "reply-rejected-likely-nacl",
                            tr!(
                                lang,
                                format!(
                                    "This looks like a reply ({what_en}). Security groups are stateful and always let replies to allowed traffic through, so the likely cause is a network ACL, which is stateless: check that its {rules_en} allow the client's ephemeral ports (1024-65535)."
                                ),
                                format!(
                                    "このレコードはレスポンス ({what_ja}) に見える。セキュリティグループはステートフルで、許可した通信への応答は常に通すため、拒否の原因はステートレスなネットワークACLの可能性が高い。ネットワークACLの{rules_ja}でクライアントの一時ポート (1024-65535) を許可しているか確認する。"
                                ),
                            ),
                        );
                    } else {
                        verdict_en = "rejected".into();
                        verdict_ja = dir_ja(
                            "セキュリティグループまたはネットワークACLの設定によりアクセス拒否",
                            "セキュリティグループまたはネットワークACLの設定により発信を拒否",
                            "セキュリティグループまたはネットワークACLの設定により拒否",
                        );
                        let (en, ja) = match direction {
                            Some(Direction::Ingress) => (
                                "Rejected: the security group's inbound rules or the subnet's network ACL inbound rules do not allow it (REJECT also covers packets that arrive after a connection has closed).",
                                "拒否 (REJECT): セキュリティグループのインバウンドルール、またはサブネットのネットワークACLのインバウンドルールで許可されていない (接続が閉じた後に届いたパケットも REJECT になる)。",
                            ),
                            Some(Direction::Egress) => (
                                "Rejected: the security group's outbound rules or the subnet's network ACL outbound rules do not allow it (REJECT also covers packets sent after a connection has closed).",
                                "拒否 (REJECT): セキュリティグループのアウトバウンドルール、またはサブネットのネットワークACLのアウトバウンドルールで許可されていない (接続が閉じた後のパケットも REJECT になる)。",
                            ),
                            None => (
                                "Rejected: not allowed by a security group or a network ACL (REJECT also covers packets that arrive after a connection has closed).",
                                "拒否 (REJECT): セキュリティグループまたはネットワークACLで許可されていない (接続が閉じた後に届いたパケットも REJECT になる)。",
                            ),
                        };
                        note("rejected", tr!(lang, en.to_string(), ja.to_string()));
                        if matches!(proto, Some(1 | 58)) {
                            note(
                                "icmp-reject-hint",
                                tr!(
                                    lang,
                                    "If this is the reply to a ping allowed in the opposite direction, suspect a network ACL: security groups let replies through, while network ACLs check replies against their rules like any other packet.".to_string(),
                                    "逆方向で許可された ping への応答であれば、ネットワークACLを疑う。セキュリティグループは応答を通すが、ネットワークACLは応答も他のパケットと同じくルールで判定する。".to_string(),
                                ),
                            );
                        }
                    }
                    if let Some(r) = other.filter(|r| !r.is_empty()) {
                        note(
                            "reject-reason-other",
                            tr!(
                                lang,
                                format!(
                                    "reject-reason is {r}, a value this version does not know."
                                ),
                                format!("reject-reason は {r} (このバージョンでは未知の値)。"),
                            ),
                        );
                    }
                }
            }
        }
        None => {}
    }

    // Intermediate hop.
    if pkt_dst_differs {
        let (d, p) = (
            dst_a.as_ref().map(A::text).unwrap_or_default(),
            pkt_dst.as_ref().map(A::text).unwrap_or_default(),
        );
        note(
            "intermediate-hop",
            tr!(
                lang,
                format!(
                    "This interface is an intermediate hop (a NAT gateway, a transit gateway attachment, or a secondary address such as an EKS pod's): the packet is addressed to {p}, and {d} is the interface's own address."
                ),
                format!(
                    "このインターフェイスは中継点 (NAT ゲートウェイ、トランジットゲートウェイのアタッチメント、または EKS ポッドなどのセカンダリアドレス): パケット本来のあて先は {p} で、{d} はこのインターフェイス自身のアドレス。"
                ),
            ),
        );
    }
    if pkt_src_differs {
        let (s, p) = (
            src_a.as_ref().map(A::text).unwrap_or_default(),
            pkt_src.as_ref().map(A::text).unwrap_or_default(),
        );
        note(
            "intermediate-hop",
            tr!(
                lang,
                format!(
                    "This interface is an intermediate hop (a NAT gateway, a transit gateway attachment, or a secondary address such as an EKS pod's): the packet came from {p}, and {s} is the interface's own address."
                ),
                format!(
                    "このインターフェイスは中継点 (NAT ゲートウェイ、トランジットゲートウェイのアタッチメント、または EKS ポッドなどのセカンダリアドレス): パケット本来の送信元は {p} で、{s} はこのインターフェイス自身のアドレス。"
                ),
            ),
        );
    }

    // Requester-managed interface.
    if !nodata_like && matches!(rec.get(Field::InstanceId), Some(Value::Absent)) {
        note(
            "requester-managed-interface",
            tr!(
                lang,
                "instance-id is '-': the interface is not an EC2 instance's own; it is requester-managed (a NAT gateway, a transit gateway attachment, a VPC endpoint, a load balancer, ...) or not attached.".to_string(),
                "instance-id が「-」: このインターフェイスは EC2 インスタンスのものではなく、リクエスタマネージド型 (NAT ゲートウェイ、トランジットゲートウェイのアタッチメント、VPC エンドポイント、ロードバランサーなど) か、アタッチされていない。".to_string(),
            ),
        );
    }

    // Where: VPC, subnet, instance, region, zone.
    {
        let mut parts_en: Vec<String> = Vec::new();
        let mut parts_ja: Vec<String> = Vec::new();
        if let Some(v) = rec.text(Field::VpcId) {
            parts_en.push(format!("VPC {v}"));
            parts_ja.push(format!("VPC {v}"));
        }
        if let Some(v) = rec.text(Field::SubnetId) {
            parts_en.push(format!("subnet {v}"));
            parts_ja.push(format!("サブネット {v}"));
        }
        if let Some(v) = rec.text(Field::InstanceId) {
            parts_en.push(format!("instance {v}"));
            parts_ja.push(format!("インスタンス {v}"));
        }
        if let Some(v) = rec.text(Field::Region) {
            let en = regions::display_name(v, Lang::En)
                .map(|n| format!(" ({n})"))
                .unwrap_or_default();
            let ja = regions::display_name(v, Lang::Ja)
                .map(|n| format!(" ({n})"))
                .unwrap_or_default();
            parts_en.push(format!("region {v}{en}"));
            parts_ja.push(format!("リージョン {v}{ja}"));
        }
        if let Some(v) = rec.text(Field::AzId) {
            parts_en.push(format!("AZ {v}"));
            parts_ja.push(format!("AZ {v}"));
        }
        if let Some(t) = rec.text(Field::SublocationType) {
            let id = rec.text(Field::SublocationId).unwrap_or("-");
            let (en, ja) = match t {
                "wavelength" => ("a Wavelength Zone", "Wavelength ゾーン"),
                "outpost" => ("an Outpost", "Outposts"),
                "localzone" => ("a Local Zone", "ローカルゾーン"),
                other => (other, other),
            };
            parts_en.push(format!("in {en} ({id})"));
            parts_ja.push(format!("{ja} ({id})"));
        }
        if !parts_en.is_empty() && !is_tgw {
            note(
                "place",
                tr!(
                    lang,
                    format!("Interface: {}.", parts_en.join(", ")),
                    format!("インターフェイス: {}。", parts_ja.join("、")),
                ),
            );
        } else if !parts_en.is_empty() {
            note(
                "place",
                tr!(
                    lang,
                    format!("Recorded in {}.", parts_en.join(", ")),
                    format!("記録: {}。", parts_ja.join("、")),
                ),
            );
        }
    }

    // Transit gateway specifics.
    if is_tgw {
        tgw_notes(lang, rec, &mut note);
    }

    // Traffic path.
    if let Some(path) = rec.traffic_path() {
        let code = rec.int(Field::TrafficPath).unwrap_or_default();
        let (en, ja) = match path {
            TrafficPath::SameVpc => (
                "to another resource in the same VPC",
                "同じ VPC 内の別のリソースへ",
            ),
            TrafficPath::InternetGatewayOrGatewayEndpoint => (
                "through an internet gateway or a gateway VPC endpoint",
                "インターネットゲートウェイまたはゲートウェイ型 VPC エンドポイント経由",
            ),
            TrafficPath::VirtualPrivateGateway => (
                "through a virtual private gateway",
                "仮想プライベートゲートウェイ経由",
            ),
            TrafficPath::IntraRegionPeering => (
                "through a VPC peering connection within the region",
                "同一リージョン内の VPC ピアリング接続経由",
            ),
            TrafficPath::InterRegionPeering => (
                "through an inter-region VPC peering connection",
                "リージョン間 VPC ピアリング接続経由",
            ),
            TrafficPath::LocalGateway => ("through a local gateway", "ローカルゲートウェイ経由"),
            TrafficPath::GatewayEndpointNitro => (
                "through a gateway VPC endpoint (Nitro-based instance)",
                "ゲートウェイ型 VPC エンドポイント経由 (Nitro ベースのインスタンス)",
            ),
            TrafficPath::InternetGatewayNitro => (
                "through an internet gateway (Nitro-based instance)",
                "インターネットゲートウェイ経由 (Nitro ベースのインスタンス)",
            ),
            TrafficPath::Other(_) => (
                "by a path code AWS has not documented",
                "AWS が文書化していない経路コード",
            ),
        };
        note(
            "traffic-path",
            tr!(
                lang,
                format!("Egress path (traffic-path {code}): {en}."),
                format!("送信経路 (traffic-path {code}): {ja}。"),
            ),
        );
    }

    // AWS services named by the record itself.
    for (ep, field, en_side, ja_side) in [
        (&src, Field::PktSrcAwsService, "source", "送信元"),
        (&dst, Field::PktDstAwsService, "destination", "あて先"),
    ] {
        if let Some(s) = ep.as_ref().and_then(|e| e.aws_service.as_deref()) {
            note(
                "aws-service",
                tr!(
                    lang,
                    format!("The {en_side} address is in AWS's {s} ranges ({field})."),
                    format!("{ja_side}アドレスは AWS の {s} のアドレス範囲 ({field})。"),
                ),
            );
        }
    }

    // Ownership of public addresses, documentation examples, redactions and invalid addresses.
    let mut seen: Vec<IpAddr> = Vec::new();
    for a in [&src_a, &dst_a, &pkt_src, &pkt_dst].into_iter().flatten() {
        let A::Ip(ip) = a else { continue };
        if seen.contains(ip) || private_kind(*ip).is_some() {
            continue;
        }
        seen.push(*ip);
        if is_documentation(*ip) {
            note(
                "documentation-address",
                tr!(
                    lang,
                    format!(
                        "{ip} is in a range reserved for documentation (RFC 5737 / RFC 3849): an example value, not a real host."
                    ),
                    format!(
                        "{ip} はドキュメント用に予約された範囲 (RFC 5737 / RFC 3849) のアドレスで、実在のホストではなく例示用の値。"
                    ),
                ),
            );
            continue;
        }
        match ex.ranges.lookup(*ip) {
            Some(owner) => note("aws-owner", owner_sentence(lang, *ip, &owner)),
            None if ip.is_unspecified() || ip.is_multicast() => {}
            None => note(
                "not-aws",
                tr!(
                    lang,
                    format!("{ip} is a public address outside AWS's published ranges."),
                    format!("{ip} は AWS の公開アドレス範囲外のパブリックアドレス。"),
                ),
            ),
        }
    }
    let mut redacted: Vec<String> = Vec::new();
    for (f, v) in rec.values() {
        if let Value::Text(t) = v
            && vpcflow_record::values::is_redacted(t.as_bytes())
        {
            redacted.push(format!("{f} ({t})"));
        }
    }
    if !redacted.is_empty() {
        let list = redacted.join(tr!(lang, ", ", "、"));
        note(
            "redacted",
            tr!(
                lang,
                format!(
                    "Redacted: {list}. Someone wrote over the real value before sharing the log; it is not an error."
                ),
                format!(
                    "伏せ字: {list}。ログを共有する前に実際の値が伏せられたもので、エラーではない。"
                ),
            ),
        );
    }
    for (field, a) in [
        (Field::Srcaddr, &src_a),
        (Field::Dstaddr, &dst_a),
        (Field::PktSrcaddr, &pkt_src),
        (Field::PktDstaddr, &pkt_dst),
    ] {
        if let Some(A::Invalid(t)) = a {
            let octet = t.split('.').count() == 4
                && t.split('.')
                    .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
                && t.split('.')
                    .any(|p| p.parse::<u32>().map_or(true, |v| v > 255));
            note(
                "invalid-address",
                if octet {
                    tr!(
                        lang,
                        format!(
                            "{field} {t} is not a valid IPv4 address (a number above 255): probably a made-up example."
                        ),
                        format!(
                            "{field} の {t} は有効な IPv4 アドレスではない (255 を超える数がある)。おそらく架空の例。"
                        ),
                    )
                } else {
                    tr!(
                        lang,
                        format!("{field} {t} is not a valid IP address."),
                        format!("{field} の {t} は有効な IP アドレスではない。"),
                    )
                },
            );
        }
    }

    // Type, encryption, ECS, v11 metadata.
    if rec.ip_type() == Some(IpType::Efa) {
        note(
            "efa",
            tr!(
                lang,
                "Elastic Fabric Adapter (EFA) traffic, which bypasses the operating system's network stack.".to_string(),
                "Elastic Fabric Adapter (EFA) の通信 (OS のネットワークスタックを経由しない)。".to_string(),
            ),
        );
    }
    if let Some(e) = rec.int(Field::EncryptionStatus) {
        let (en, ja) = match e {
            0 => ("not encrypted", "暗号化されていない"),
            1 => (
                "encrypted by the Nitro system (VPC Encryption Controls)",
                "Nitro システムによる暗号化 (VPC 暗号化コントロール)",
            ),
            2 => (
                "application-encrypted (AWS infers this from the port, such as TCP 443 to an endpoint; it does not inspect packets)",
                "アプリケーションによる暗号化 (AWS はエンドポイントへの TCP 443 などのポートから推定し、パケットは検査しない)",
            ),
            3 => (
                "encrypted both by the Nitro system and by the application",
                "Nitro システムとアプリケーションの両方で暗号化",
            ),
            _ => ("an undocumented value", "文書化されていない値"),
        };
        note(
            "encryption-status",
            tr!(
                lang,
                format!("Encryption status {e}: {en}."),
                format!("暗号化ステータス {e}: {ja}。"),
            ),
        );
    }
    ecs_note(lang, rec, &mut note);
    v11_notes(lang, rec, &mut note);

    // Times.
    let has_times = start_z.is_some() && end_z.is_some();
    if !has_times && rec.has(Field::Start) && rec.has(Field::End) && !nodata_like {
        note(
            "times-missing",
            tr!(
                lang,
                "start and end are '-' or redacted, so when this traffic happened is unknown."
                    .to_string(),
                "start と end が「-」または伏せ字のため、通信の時刻は不明。".to_string(),
            ),
        );
    }
    if millis {
        note(
            "milliseconds",
            tr!(
                lang,
                "start and end are in milliseconds (values above 10^11), not the usual seconds."
                    .to_string(),
                "start と end はミリ秒 (10^11 を超える値) で、通常の秒ではない。".to_string(),
            ),
        );
    }
    if duration_ms.is_some_and(|d| d < 0) {
        note(
            "end-before-start",
            tr!(
                lang,
                "end is before start: the record's times are inconsistent.".to_string(),
                "end が start より前: レコードの時刻が矛盾している。".to_string(),
            ),
        );
    }
    if rec.text(Field::AccountId) == Some("unknown") {
        note(
            "account-unknown",
            tr!(
                lang,
                "account-id is 'unknown': AWS writes this for interfaces created by some AWS services.".to_string(),
                "account-id が「unknown」: 一部の AWS サービスが作成したインターフェイスではこう記録される。".to_string(),
            ),
        );
    }

    // ---- headline ----
    let protocol = proto.map(|n| Protocol {
        number: n,
        name: protocols::name(n)
            .or_else(|| protocols::description(n))
            .map(str::to_string),
    });
    let proto_text = proto.map(|n| match protocols::name(n) {
        Some(name) => format!("{name} ({n})"),
        None => format!("protocol {n} ({})", protocols::label(n)),
    });
    let times = Times {
        start: start_z.as_ref(),
        end: end_z.as_ref(),
        duration_ms,
    };
    let headline = match lang {
        Lang::En => headline_en(&HeadlineFacts {
            rec,
            is_tgw,
            status,
            src: src_a.as_ref(),
            dst: dst_a.as_ref(),
            sport: sport_shown,
            dport: dport_shown,
            proto_text: proto_text.as_deref(),
            proto,
            role,
            service,
            direction,
            verdict: &verdict_en,
            packets,
            bytes,
            times: &times,
            ex,
        }),
        Lang::Ja => headline_ja(&HeadlineFacts {
            rec,
            is_tgw,
            status,
            src: src_a.as_ref(),
            dst: dst_a.as_ref(),
            sport: sport_shown,
            dport: dport_shown,
            proto_text: proto_text.as_deref(),
            proto,
            role,
            service,
            direction,
            verdict: &verdict_ja,
            packets,
            bytes,
            times: &times,
            ex,
        }),
    };

    let mut text = format!("{location}: {headline}");
    for n in &notes {
        let _ = write!(text, "\n  - {}", n.text);
    }

    Explanation {
        location: location.to_string(),
        kind: if is_tgw { "transit-gateway" } else { "vpc" },
        version: rec.int(Field::Version),
        interface,
        account,
        direction,
        role,
        src,
        dst,
        protocol,
        service: service.map(str::to_string),
        action: action.map(|a| a.word().to_string()),
        log_status: status.map(|s| s.word().to_string()),
        start: start_z.as_ref().map(|(z, _)| rfc3339(z)),
        end: end_z.as_ref().map(|(z, _)| rfc3339(z)),
        duration_seconds: duration_ms.map(|d| d as f64 / 1000.0),
        packets,
        bytes,
        tcp_flags: flags.map(|f| f.names()),
        notes,
        text,
    }
}

#[allow(clippy::too_many_arguments)]
fn endpoint(
    ex: &Explainer,
    rec: &Record,
    a: &Option<A>,
    port: Option<u16>,
    pkt: &Option<A>,
    pkt_differs: bool,
    service_field: Field,
    interface_side: bool,
) -> Option<Endpoint> {
    if a.is_none() && port.is_none() {
        return None;
    }
    let owner = a
        .as_ref()
        .and_then(A::ip)
        .and_then(|ip| ex.ranges.lookup(ip));
    Some(Endpoint {
        addr: a.as_ref().map(A::text),
        redacted: matches!(a, Some(A::Redacted(_))),
        valid: matches!(a, Some(A::Ip(_))),
        private: a.as_ref().is_some_and(A::is_private),
        interface_side,
        port,
        packet_addr: pkt.as_ref().filter(|_| pkt_differs).map(A::text),
        aws_service: rec.text(service_field).map(str::to_string),
        owner: owner.map(|o| EndpointOwner {
            region_name: regions::display_name(&o.region, ex.lang).map(str::to_string),
            service: o.service,
            region: o.region,
            network_border_group: o.network_border_group,
            prefix: o.prefix.to_string(),
        }),
    })
}

fn owner_sentence(lang: Lang, ip: IpAddr, o: &Owner) -> String {
    let region_en = match regions::display_name(&o.region, Lang::En) {
        Some(n) => format!("{} ({n})", o.region),
        None => o.region.clone(),
    };
    let region_ja = match regions::display_name(&o.region, Lang::Ja) {
        Some(n) => format!("{} ({n})", o.region),
        None => o.region.clone(),
    };
    let nbg = (o.network_border_group != o.region).then_some(&o.network_border_group);
    let service_en = if o.service == "AMAZON" {
        "AWS (service AMAZON: no more specific service listed)".to_string()
    } else {
        o.service.clone()
    };
    let service_ja = if o.service == "AMAZON" {
        "AWS (サービス AMAZON: 特定のサービスの記載なし)".to_string()
    } else {
        o.service.clone()
    };
    tr!(
        lang,
        format!(
            "{ip} is an AWS address: {service_en} in {region_en}, prefix {}{}.",
            o.prefix,
            nbg.map(|n| format!(", network border group {n}"))
                .unwrap_or_default()
        ),
        format!(
            "{ip} は AWS のアドレス: リージョン {region_ja} の {service_ja}、プレフィックス {}{}。",
            o.prefix,
            nbg.map(|n| format!("、ネットワークボーダーグループ {n}"))
                .unwrap_or_default()
        ),
    )
}

fn tgw_notes(lang: Lang, rec: &Record, note: &mut impl FnMut(&'static str, String)) {
    let side = |vpc: Field, acct: Field, subnet: Field, eni: Field, az: Field| {
        let mut en: Vec<String> = Vec::new();
        let mut ja: Vec<String> = Vec::new();
        if let Some(v) = rec.text(acct) {
            en.push(format!("account {v}"));
            ja.push(format!("アカウント {v}"));
        }
        if let Some(v) = rec.text(subnet) {
            en.push(format!("subnet {v}"));
            ja.push(format!("サブネット {v}"));
        }
        if let Some(v) = rec.text(eni) {
            en.push(format!("interface {v}"));
            ja.push(format!("インターフェイス {v}"));
        }
        if let Some(v) = rec.text(az) {
            en.push(format!("AZ {v}"));
            ja.push(format!("AZ {v}"));
        }
        let head = rec.text(vpc).map(|v| format!("VPC {v}"));
        let join =
            |head: &Option<String>, parts: Vec<String>, sep: &str| match (head, parts.is_empty()) {
                (Some(h), true) => h.clone(),
                (Some(h), false) => format!("{h} ({})", parts.join(sep)),
                (None, true) => String::new(),
                (None, false) => parts.join(sep),
            };
        (join(&head, en, ", "), join(&head, ja, "、"))
    };
    let (src_en, src_ja) = side(
        Field::TgwSrcVpcId,
        Field::TgwSrcVpcAccountId,
        Field::TgwSrcSubnetId,
        Field::TgwSrcEni,
        Field::TgwSrcAzId,
    );
    let (dst_en, dst_ja) = side(
        Field::TgwDstVpcId,
        Field::TgwDstVpcAccountId,
        Field::TgwDstSubnetId,
        Field::TgwDstEni,
        Field::TgwDstAzId,
    );
    if !src_en.is_empty() || !dst_en.is_empty() {
        let or_en = |v: String| {
            if v.is_empty() {
                "outside a VPC (VPN, Direct Connect or peering)".to_string()
            } else {
                v
            }
        };
        let or_ja = |v: String| {
            if v.is_empty() {
                "VPC 外 (VPN、Direct Connect、ピアリング)".to_string()
            } else {
                v
            }
        };
        note(
            "tgw-route",
            tr!(
                lang,
                format!(
                    "Through the transit gateway from {} to {}.",
                    or_en(src_en),
                    or_en(dst_en)
                ),
                format!(
                    "トランジットゲートウェイ経由で、{} から {} へ。",
                    or_ja(src_ja),
                    or_ja(dst_ja)
                ),
            ),
        );
    }
    if let Some(p) = rec.text(Field::TgwPairAttachmentId) {
        note(
            "tgw-pair-attachment",
            tr!(
                lang,
                format!("The other attachment of this hop is {p}."),
                format!("この経路のもう一方のアタッチメントは {p}。"),
            ),
        );
    }
    if !rec.has(Field::Action) {
        note(
            "tgw-no-action",
            tr!(
                lang,
                "Transit gateway flow logs have no action field: they do not say allowed or rejected; packets the gateway dropped are counted in packets-lost-*.".to_string(),
                "トランジットゲートウェイのフローログには action フィールドがなく、許可・拒否は記録されない。ゲートウェイが破棄したパケットは packets-lost-* に数えられる。".to_string(),
            ),
        );
    }
    let lost = [
        (Field::PacketsLostNoRoute, "with no route", "ルートなし"),
        (
            Field::PacketsLostBlackhole,
            "to a blackhole route",
            "ブラックホールルート",
        ),
        (Field::PacketsLostMtuExceeded, "over the MTU", "MTU 超過"),
        (
            Field::PacketsLostTtlExpired,
            "with the TTL expired",
            "TTL 切れ",
        ),
    ];
    let mut en: Vec<String> = Vec::new();
    let mut ja: Vec<String> = Vec::new();
    for (f, e, j) in lost {
        if let Some(n) = rec.int(f).filter(|n| *n > 0) {
            en.push(format!("{n} {e}"));
            ja.push(format!("{j} {n}"));
        }
    }
    if !en.is_empty() {
        note(
            "tgw-packets-lost",
            tr!(
                lang,
                format!("The transit gateway dropped packets: {}.", en.join(", ")),
                format!(
                    "トランジットゲートウェイがパケットを破棄: {}。",
                    ja.join("、")
                ),
            ),
        );
    }
}

fn ecs_note(lang: Lang, rec: &Record, note: &mut impl FnMut(&'static str, String)) {
    let items = [
        (Field::EcsClusterName, "cluster", "クラスター"),
        (Field::EcsClusterArn, "cluster", "クラスター"),
        (Field::EcsServiceName, "service", "サービス"),
        (Field::EcsTaskId, "task", "タスク"),
        (Field::EcsTaskArn, "task", "タスク"),
        (Field::EcsTaskDefinitionArn, "task definition", "タスク定義"),
        (Field::EcsContainerId, "container", "コンテナ"),
        (
            Field::EcsSecondContainerId,
            "second container",
            "2 つ目のコンテナ",
        ),
        (
            Field::EcsContainerInstanceId,
            "container instance",
            "コンテナインスタンス",
        ),
        (
            Field::EcsContainerInstanceArn,
            "container instance",
            "コンテナインスタンス",
        ),
    ];
    let mut en: Vec<String> = Vec::new();
    let mut ja: Vec<String> = Vec::new();
    let mut shown: Vec<&str> = Vec::new();
    for (f, e, j) in items {
        if shown.contains(&e) {
            continue;
        }
        if let Some(v) = rec.text(f) {
            shown.push(e);
            en.push(format!("{e} {v}"));
            ja.push(format!("{j} {v}"));
        }
    }
    if !en.is_empty() {
        let fargate_en = if rec.has(Field::EcsContainerInstanceId)
            && matches!(rec.get(Field::EcsContainerInstanceId), Some(Value::Absent))
        {
            " (no container instance: probably Fargate)"
        } else {
            ""
        };
        let fargate_ja = if fargate_en.is_empty() {
            ""
        } else {
            " (コンテナインスタンスなし: おそらく Fargate)"
        };
        note(
            "ecs",
            tr!(
                lang,
                format!("Amazon ECS: {}{fargate_en}.", en.join(", ")),
                format!("Amazon ECS: {}{fargate_ja}。", ja.join("、")),
            ),
        );
    }
}

fn v11_notes(lang: Lang, rec: &Record, note: &mut impl FnMut(&'static str, String)) {
    let type_words = |t: &str| -> (String, String) {
        let (en, ja) = match t {
            "nat_gateway" => ("a NAT gateway", "NAT ゲートウェイ"),
            "regional_nat_gateway" => ("a regional NAT gateway", "リージョナル NAT ゲートウェイ"),
            "network_load_balancer" => ("a Network Load Balancer", "Network Load Balancer"),
            "transit_gateway" => (
                "a transit gateway attachment",
                "トランジットゲートウェイのアタッチメント",
            ),
            "vpc_endpoint" => ("a VPC endpoint", "VPC エンドポイント"),
            other => return (other.to_string(), other.to_string()),
        };
        (format!("{en} ({t})"), format!("{ja} ({t})"))
    };
    if let Some(r) = rec.text(Field::ResourceId) {
        note(
            "resource-id",
            tr!(lang, format!("Resource: {r}."), format!("リソース: {r}。"),),
        );
    }
    if let Some(t) = rec.text(Field::InterfaceType) {
        let (en, ja) = type_words(t);
        note(
            "interface-type",
            tr!(
                lang,
                format!("The interface belongs to {en}."),
                format!("このインターフェイスは {ja} のもの。"),
            ),
        );
    }
    let mut en: Vec<String> = Vec::new();
    let mut ja: Vec<String> = Vec::new();
    if let Some(v) = rec.text(Field::NextHopInterfaceId) {
        en.push(format!("interface {v}"));
        ja.push(format!("インターフェイス {v}"));
    }
    if let Some(v) = rec.text(Field::NextHopInterfaceType) {
        let (e, j) = type_words(v);
        en.push(e);
        ja.push(j);
    }
    if let Some(v) = rec.text(Field::NextHopSubnetId) {
        en.push(format!("subnet {v}"));
        ja.push(format!("サブネット {v}"));
    }
    if let Some(v) = rec.text(Field::NextHopVpcId) {
        en.push(format!("VPC {v}"));
        ja.push(format!("VPC {v}"));
    }
    if let Some(v) = rec.text(Field::NextHopAzId) {
        en.push(format!("AZ {v}"));
        ja.push(format!("AZ {v}"));
    }
    if !en.is_empty() {
        note(
            "next-hop",
            tr!(
                lang,
                format!("Next hop: {}.", en.join(", ")),
                format!("次のホップ: {}。", ja.join("、")),
            ),
        );
    }
    let mut tags: Vec<String> = Vec::new();
    for f in [
        Field::InstanceTag,
        Field::InstanceTag2,
        Field::InterfaceTag,
        Field::InterfaceTag2,
        Field::AsgTag,
        Field::AsgTag2,
    ] {
        if let Some(v) = rec.text(f) {
            tags.push(format!("{f} {}", percent_decode(v)));
        }
    }
    if !tags.is_empty() {
        let list = tags.join(", ");
        note(
            "tags",
            tr!(lang, format!("Tags: {list}."), format!("タグ: {list}。")),
        );
    }
}

/// Tag values arrive percent-encoded UTF-8; shown decoded when that decodes cleanly, else as written.
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if b[i] == b'%'
            && i + 2 < b.len()
            && let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2]))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_string())
}

/// Unix seconds, or milliseconds when the value is too large to be seconds (above 10^11, year 5138).
fn to_ts(v: i64) -> Option<(jiff::Timestamp, bool)> {
    if v > 100_000_000_000 {
        jiff::Timestamp::from_millisecond(v).ok().map(|t| (t, true))
    } else {
        jiff::Timestamp::from_second(v).ok().map(|t| (t, false))
    }
}

fn rfc3339(z: &jiff::Zoned) -> String {
    z.timestamp().display_with_offset(z.offset()).to_string()
}

struct Times<'a> {
    start: Option<&'a (jiff::Zoned, bool)>,
    end: Option<&'a (jiff::Zoned, bool)>,
    duration_ms: Option<i64>,
}

struct HeadlineFacts<'a> {
    rec: &'a Record,
    is_tgw: bool,
    status: Option<LogStatus>,
    src: Option<&'a A>,
    dst: Option<&'a A>,
    sport: Option<u16>,
    dport: Option<u16>,
    proto_text: Option<&'a str>,
    proto: Option<u8>,
    role: Role,
    service: Option<&'static str>,
    direction: Option<Direction>,
    verdict: &'a str,
    packets: Option<i64>,
    bytes: Option<i64>,
    times: &'a Times<'a>,
    ex: &'a Explainer,
}

/// `UTC` for UTC, the offset (`+09:00`) for every other zone.
fn zone_label(ex: &Explainer, z: &jiff::Zoned) -> String {
    let utc = ex.tz == jiff::tz::TimeZone::UTC
        || matches!(
            ex.tz.iana_name(),
            Some("UTC" | "Etc/UTC" | "Etc/UCT" | "UCT" | "Zulu" | "Etc/Zulu")
        );
    if utc {
        "UTC".to_string()
    } else {
        z.strftime("%:z").to_string()
    }
}

fn clock(z: &(jiff::Zoned, bool), with_date: bool, lang: Lang) -> String {
    let (z, ms) = z;
    let pattern = match (lang, with_date) {
        (Lang::En, true) => "%Y-%m-%d %H:%M:%S",
        (Lang::Ja, true) => "%Y年%m月%d日 %H:%M:%S",
        (_, false) => "%H:%M:%S",
    };
    let mut s = z.strftime(pattern).to_string();
    if *ms {
        let _ = write!(s, ".{:03}", z.timestamp().as_millisecond().rem_euclid(1000));
    }
    s
}

fn duration_text(ms: i64, lang: Lang) -> String {
    let neg = ms < 0;
    let ms = ms.unsigned_abs();
    let total = ms / 1000;
    let (d, h, m, s) = (
        total / 86400,
        total / 3600 % 24,
        total / 60 % 60,
        total % 60,
    );
    let frac = ms % 1000;
    let mut parts: Vec<String> = Vec::new();
    let unit = |n: u64, en: &str, ja: &str| tr!(lang, format!("{n} {en}"), format!("{n}{ja}"));
    if d > 0 {
        parts.push(unit(d, "d", "日"));
    }
    if h > 0 {
        parts.push(unit(h, "h", "時間"));
    }
    if m > 0 {
        parts.push(unit(m, "min", "分"));
    }
    if s > 0 || frac > 0 || parts.is_empty() {
        if frac > 0 && total < 60 {
            let v = format!("{s}.{frac:03}");
            let v = v.trim_end_matches('0');
            parts.push(tr!(lang, format!("{v} s"), format!("{v}秒")));
        } else {
            parts.push(unit(s, "s", "秒"));
        }
    }
    let text = tr!(lang, parts.join(" "), parts.join(""));
    if neg { format!("-{text}") } else { text }
}

/// `23294588` → `23,294,588`, and a binary-unit size beside large values.
fn count(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        out.insert(0, '-');
    }
    out
}

fn size(bytes: i64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 10 * 1024 {
        return String::new();
    }
    let mut v = bytes as f64 / 1024.0;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    format!(" ({v:.1} {})", UNITS[unit])
}

fn headline_en(h: &HeadlineFacts) -> String {
    let rec = h.rec;
    let mut out = String::new();
    let iface = rec.text(Field::InterfaceId);
    let account = rec
        .text(Field::AccountId)
        .map(|a| format!(" (account {a})"));
    let place = if h.is_tgw {
        let tgw = rec.text(Field::TgwId).unwrap_or("-");
        let mut inner: Vec<String> = Vec::new();
        if let Some(att) = rec.text(Field::TgwAttachmentId) {
            inner.push(format!("attachment {att}"));
        }
        if let Some(a) = rec.text(Field::AccountId) {
            inner.push(format!("account {a}"));
        }
        if inner.is_empty() {
            format!("through transit gateway {tgw}")
        } else {
            format!("through transit gateway {tgw} ({})", inner.join(", "))
        }
    } else if let Some(i) = iface {
        if matches!(h.status, Some(LogStatus::NoData | LogStatus::SkipData)) {
            format!("interface {i}")
        } else {
            format!("on interface {i}")
        }
    } else if let Some(r) = rec.text(Field::ResourceId) {
        format!("on {r}")
    } else {
        String::new()
    };
    let place = if h.is_tgw {
        place
    } else {
        format!("{place}{}", account.unwrap_or_default())
    };

    let time_part = time_en(h);
    if matches!(h.status, Some(LogStatus::NoData | LogStatus::SkipData)) {
        let what = if h.status == Some(LogStatus::NoData) {
            "no traffic (NODATA)"
        } else {
            "records skipped (SKIPDATA)"
        };
        let _ = write!(out, "{}: {what}", capitalize(place.trim()));
        if let Some(t) = time_part {
            let _ = write!(out, ", {t}");
        }
        out.push('.');
        return out;
    }

    let src = h
        .src
        .map(|a| a.with_port(h.sport))
        .unwrap_or_else(|| "?".into());
    let dst = h
        .dst
        .map(|a| a.with_port(h.dport))
        .unwrap_or_else(|| "?".into());
    let _ = write!(out, "{src} → {dst}");
    if let Some(p) = h.proto_text {
        let _ = write!(out, " {p}");
    }
    let svc = match (h.role, h.service) {
        (Role::Request, Some(s)) => Some(format!("{s} request")),
        (Role::Response, Some(s)) => Some(format!("{s} response")),
        (Role::Request, None) => Some("request".to_string()),
        (Role::Response, None) => Some("response".to_string()),
        (Role::Unknown, Some(s)) => Some(s.to_string()),
        (Role::Unknown, None) => None,
    };
    if let Some(s) = svc {
        let _ = write!(out, ", {s}");
    }
    if !place.is_empty() {
        let _ = write!(out, ", {}", place.trim());
    }
    if h.verdict.is_empty() {
        out.push('.');
    } else {
        let _ = write!(out, ": {}.", h.verdict);
    }
    let mut amounts: Vec<String> = Vec::new();
    if let Some(p) = h.packets {
        amounts.push(format!(
            "{} packet{}",
            count(p),
            if p == 1 { "" } else { "s" }
        ));
    }
    if let Some(b) = h.bytes {
        amounts.push(format!(
            "{} byte{}{}",
            count(b),
            if b == 1 { "" } else { "s" },
            size(b)
        ));
    }
    if let Some(t) = time_part {
        amounts.push(t);
    }
    if !amounts.is_empty() {
        let _ = write!(out, " {}.", capitalize(&amounts.join(", ")));
    }
    out
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

fn time_en(h: &HeadlineFacts) -> Option<String> {
    let (s, e) = (h.times.start?, h.times.end?);
    let same_day = s.0.date() == e.0.date() && s.0.offset() == e.0.offset();
    let mut t = format!(
        "{} to {} {}",
        clock(s, true, Lang::En),
        clock(e, !same_day, Lang::En),
        zone_label(h.ex, &e.0)
    );
    if let Some(d) = h.times.duration_ms {
        let _ = write!(t, " ({})", duration_text(d, Lang::En));
    }
    Some(t)
}

fn time_ja(h: &HeadlineFacts) -> Option<(String, String)> {
    let (s, e) = (h.times.start?, h.times.end?);
    let range = format!(
        "{} から {} まで",
        clock(s, true, Lang::Ja),
        clock(e, true, Lang::Ja)
    );
    let mut paren = zone_label(h.ex, &e.0);
    if let Some(d) = h.times.duration_ms {
        let _ = write!(paren, "、{}", duration_text(d, Lang::Ja));
    }
    Some((range, paren))
}

fn headline_ja(h: &HeadlineFacts) -> String {
    let rec = h.rec;
    let account = rec
        .text(Field::AccountId)
        .map(|a| format!(" (アカウント {a})"))
        .unwrap_or_default();
    let iface = rec
        .text(Field::InterfaceId)
        .map(|i| format!("ネットワークインターフェイス {i}{account}"));
    let iface = iface.or_else(|| {
        rec.text(Field::ResourceId)
            .map(|r| format!("リソース {r}{account}"))
    });
    let time = time_ja(h);

    if matches!(h.status, Some(LogStatus::NoData | LogStatus::SkipData)) {
        let who = iface.unwrap_or_else(|| "このインターフェイス".to_string());
        let what = if h.status == Some(LogStatus::NoData) {
            "通信なし (NODATA)"
        } else {
            "レコードがスキップされた (SKIPDATA)"
        };
        return match time {
            Some((range, paren)) => format!("{who} では {range} ({paren}) {what}。"),
            None => format!("{who} では{what}。"),
        };
    }

    let ep = |a: Option<&A>, port: Option<u16>| -> String {
        let addr = a.map(A::text).unwrap_or_else(|| "?".into());
        match port {
            Some(p) => format!("IPアドレス {addr} のポート {p} 番"),
            None => format!("IPアドレス {addr} "),
        }
    };
    let src = ep(h.src, h.sport);
    let dst = ep(h.dst, h.dport);
    let prefix = match h.role {
        Role::Request => "リクエストの",
        Role::Response => "レスポンスの",
        Role::Unknown => "",
    };
    let body = match (h.service, h.proto) {
        (Some(s), Some(n)) => format!(
            "{prefix} {s} 通信 ({}、プロトコル番号 {n})",
            protocols::label(n)
        ),
        (None, Some(n)) => match protocols::name(n) {
            Some(name) => format!("{prefix} {name} 通信 (プロトコル番号 {n})"),
            None => {
                let label = if protocols::is_assigned(n) {
                    protocols::label(n)
                } else {
                    "未割り当て"
                };
                format!("{prefix}プロトコル番号 {n} ({label}) の通信")
            }
        },
        (_, None) => format!("{prefix}通信"),
    };
    // Space only between Japanese text and Latin letters, digits or brackets, as Japanese technical prose does.
    let body = body.trim_start().to_string();
    let lead = if body.starts_with(|c: char| c.is_ascii()) {
        " "
    } else {
        ""
    };
    let trail = if body.ends_with(|c: char| c.is_ascii()) {
        " "
    } else {
        ""
    };
    let kind = format!("{lead}{body}{trail}");
    let verdict = if h.verdict.is_empty() {
        String::new()
    } else {
        format!("、{}", h.verdict)
    };
    let mut out = if h.is_tgw {
        let tgw = rec.text(Field::TgwId).unwrap_or("-");
        let att = rec
            .text(Field::TgwAttachmentId)
            .map(|a| format!(" のアタッチメント {a}"))
            .unwrap_or_default();
        format!(
            "{src}から、{dst}あてに{kind}あり{verdict}。トランジットゲートウェイ {tgw}{att}{account} で記録。"
        )
    } else {
        match (h.direction, iface) {
            (Some(Direction::Ingress), Some(i)) => {
                format!("{src}から、{i} の{dst}あてに{kind}あり{verdict}。")
            }
            (Some(Direction::Egress), Some(i)) => {
                format!("{i} の{src}から、{dst}あてに{kind}あり{verdict}。")
            }
            (_, Some(i)) => format!("{i} で、{src}から、{dst}あてに{kind}あり{verdict}。"),
            (_, None) => format!("{src}から、{dst}あてに{kind}あり{verdict}。"),
        }
    };
    if let Some((range, paren)) = time {
        let _ = write!(out, "この通信は {range} ({paren})。");
    }
    match (h.bytes, h.packets) {
        (Some(b), Some(p)) => {
            let _ = write!(
                out,
                "{}バイト{}、{}パケットの通信。",
                count(b),
                size(b),
                count(p)
            );
        }
        (Some(b), None) => {
            let _ = write!(out, "{}バイト{}の通信。", count(b), size(b));
        }
        (None, Some(p)) => {
            let _ = write!(out, "{}パケットの通信。", count(p));
        }
        (None, None) => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(duration_text(115_000, Lang::En), "1 min 55 s");
        assert_eq!(duration_text(120_000, Lang::En), "2 min");
        assert_eq!(duration_text(0, Lang::En), "0 s");
        assert_eq!(duration_text(1_500, Lang::En), "1.5 s");
        assert_eq!(duration_text(3_723_000, Lang::Ja), "1時間2分3秒");
        assert_eq!(duration_text(90_061_000, Lang::En), "1 d 1 h 1 min 1 s");
    }

    #[test]
    fn counts_and_sizes() {
        assert_eq!(count(23294588), "23,294,588");
        assert_eq!(count(688), "688");
        assert_eq!(count(1000), "1,000");
        assert_eq!(size(688), "");
        assert_eq!(size(23294588), " (22.2 MiB)");
    }

    #[test]
    fn private_and_documentation_addresses() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert!(private_kind(ip("10.0.10.30")).is_some());
        assert!(private_kind(ip("172.31.16.139")).is_some());
        assert!(private_kind(ip("172.168.1.12")).is_none());
        assert!(private_kind(ip("100.64.1.1")).is_some());
        assert!(private_kind(ip("fd00::1")).is_some());
        assert!(private_kind(ip("fe80::1")).is_some());
        assert!(private_kind(ip("2001:db8::1")).is_none());
        assert!(is_documentation(ip("203.0.113.12")));
        assert!(is_documentation(ip("2001:db8:1234:a100::1")));
        assert!(!is_documentation(ip("15.152.63.145")));
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("web%20server"), "web server");
        assert_eq!(percent_decode("%E6%9D%B1%E4%BA%AC"), "東京");
        assert_eq!(percent_decode("100%"), "100%");
    }

    #[test]
    fn milliseconds_are_recognised() {
        assert!(!to_ts(1676320247).unwrap().1);
        let (t, ms) = to_ts(1676320247123).unwrap();
        assert!(ms);
        assert_eq!(t.as_second(), 1676320247);
    }
}
