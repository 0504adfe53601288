//! Findings in Japanese.

use super::{bytes, duration, protocol};
use crate::detect::{Closing, Fact, Finding};
use std::net::IpAddr;
use vpcflow_catalog::enrich::AddressFacts;

/// `203.0.113.9（AS64500 Example Net、NL で登録）はリスト `scanners` に載っています`。
pub fn address(f: &AddressFacts) -> String {
    let mut s = named(f);
    if !f.lists.is_empty() {
        let names: Vec<String> = f.lists.iter().map(|l| format!("`{}`", l.name)).collect();
        s.push_str(&format!("はリスト {} に載っています", names.join("・")));
    }
    s
}

fn named(f: &AddressFacts) -> String {
    let mut parts = Vec::new();
    if let Some(asn) = f.asn {
        parts.push(match &f.org {
            Some(org) => format!("AS{asn} {org}"),
            None => format!("AS{asn}"),
        });
    }
    if let Some(aws) = &f.aws {
        parts.push(format!("AWS {} {}", aws.service, aws.region));
    }
    if let Some(cc) = f.country {
        parts.push(format!("{cc} で登録"));
    }
    if parts.is_empty() {
        f.ip.to_string()
    } else {
        format!("{}（{}）", f.ip, parts.join("、"))
    }
}

fn who(ip: Option<IpAddr>, info: &Option<AddressFacts>) -> String {
    match (ip, info) {
        (_, Some(f)) => named(f),
        (Some(ip), None) => ip.to_string(),
        (None, None) => "複数のアドレス".into(),
    }
}

fn service(port: u16, proto: u8) -> String {
    match vpcflow_catalog::services::name(port, proto) {
        Some(name) => format!("ポート {port}（{name}）"),
        None => format!("ポート {port}"),
    }
}

/// The explanation of a finding.
pub fn finding(f: &Finding) -> String {
    let actor = who(f.actor, &f.actor_info);
    let target = who(f.target, &f.target_info);
    let mut s = match &f.fact {
        Fact::PortScan {
            ports,
            accepted_ports,
        } => {
            let mut s =
                format!("{actor} が {target} の {ports} 個のポートを数分のうちに探りました");
            if *accepted_ports > 0 {
                s.push_str(&format!(
                    "。そのうち {accepted_ports} 個は受け入れられています"
                ));
            }
            s.push('。');
            s
        }
        Fact::Sweep {
            port,
            protocol: p,
            hosts,
            accepted_hosts,
        } => {
            let mut s = format!(
                "{actor} が {hosts} 台のホストの {} {} を数分のうちに探りました",
                protocol(*p),
                service(*port, *p)
            );
            if *accepted_hosts > 0 {
                s.push_str(&format!("。{accepted_hosts} 台が受け入れています"));
            }
            s.push('。');
            s
        }
        Fact::Exposure {
            port,
            sources,
            listed_sources,
            ..
        } => {
            let from = if *sources == 1 {
                actor.clone()
            } else {
                format!("インターネットの {sources} 個のアドレス")
            };
            let mut s = format!(
                "{target} が {} への接続を {from} から受け入れました",
                service(*port, 6)
            );
            if *listed_sources > 0 {
                s.push_str(&format!(
                    "。うち {listed_sources} 個は脅威リストに載っています"
                ));
            }
            s.push_str("。このポートはインターネットに開いています。");
            s
        }
        Fact::BruteForce {
            port,
            attempts,
            possible_success,
        } => {
            let mut s = format!(
                "{actor} が {target} の {} に短い接続を {attempts} 回行いました。パスワードの総当たりに見られる形です",
                service(*port, 6)
            );
            match possible_success {
                Some(p) => s.push_str(&format!(
                    "。その後、同じアドレスから {}・{} のセッションがあり、侵入に成功した可能性があります。",
                    bytes(p.bytes),
                    duration(p.seconds)
                )),
                None => s.push('。'),
            }
            s
        }
        Fact::Volume {
            bytes: b,
            median_bytes,
            first_contact,
        } => {
            let mut s = format!("{actor} が {target} へ 1 時間に {} を送りました", bytes(*b));
            if *first_contact {
                s.push_str("。これまで送ったことのない宛先です");
            } else if let Some(m) = median_bytes.filter(|m| *m > 0) {
                s.push_str(&format!(
                    "。普段の 1 時間（{}）の {:.0} 倍です",
                    bytes(m),
                    *b as f64 / m as f64
                ));
            }
            s.push_str("。データが持ち出されている可能性があります。");
            s
        }
        Fact::Flood {
            protocol: p,
            packets_per_minute,
            seconds,
            flavour,
        } => format!(
            "{actor} が {target} へ毎分最大 {packets_per_minute} パケットの {}（{flavour}）を {} 送りました。こちら側からの \
             DoS 攻撃です。",
            protocol(*p),
            duration(*seconds)
        ),
        Fact::Beacon {
            port,
            protocol: p,
            connections,
            interval_seconds,
            score,
        } => format!(
            "{actor} が {target} の {} {} へ約 {} ごとに {connections} 回、同じくらいの大きさで接続しました（スコア \
             {score:.2}）。マルウェアの定期通信（ビーコン）に見えます。",
            protocol(*p),
            service(*port, *p),
            duration(*interval_seconds)
        ),
        Fact::Listed {
            lists,
            outbound,
            accepted,
        } => {
            let names: Vec<String> = lists.iter().map(|l| format!("`{}`", l.name)).collect();
            let on = format!("リスト {} に載っている", names.join("・"));
            let verdict = if *accepted {
                ""
            } else {
                "（すべて拒否されました）"
            };
            if *outbound {
                format!("{actor} が{on} {target} に接続しました{verdict}。")
            } else {
                format!("{on} {actor} が {target} に接続しました{verdict}。")
            }
        }
        Fact::Port { port, seconds } if f.detection == "tor.traffic" => format!(
            "{actor} が {target} の Tor のポート {port} に {} 接続していました。Tor を動かしている可能性があります。",
            duration(*seconds)
        ),
        Fact::Port { port, seconds } => format!(
            "{actor} が {target} のマイニング用ポート {port} に通信量の少ない接続を {} 続けていました。暗号通貨を\
             マイニングしている可能性があります。",
            duration(*seconds)
        ),
        Fact::NewPort {
            port,
            protocol: p,
            baseline_hours,
        } => format!(
            "{actor} がインターネットへの {} {} を初めて使いました（それまでの {baseline_hours} 時間は使っていません）。",
            protocol(*p),
            service(*port, *p)
        ),
        Fact::Mail { destinations } => format!(
            "それまでメールを送っていなかった {actor} が {destinations} 台のメールサーバーへ送信しました。スパムを\
             送っている可能性があります。"
        ),
        Fact::Dns {
            resolvers,
            peak_bytes_per_minute,
            tunnel,
            ..
        } => {
            let to = if *resolvers == 1 {
                target.clone()
            } else {
                format!("{resolvers} 個のリゾルバー")
            };
            let mut s = format!(
                "{actor} が VPC の外の {to} へ DNS を問い合わせ、VPC のリゾルバーを迂回しています"
            );
            if *tunnel {
                s.push_str(&format!(
                    "。毎分最大 {} で、DNS トンネルに見られる量です",
                    bytes(*peak_bytes_per_minute)
                ));
            }
            s.push('。');
            s
        }
    };
    // The lists an address is on, unless the finding is about them already.
    if !matches!(f.fact, Fact::Listed { .. }) {
        for info in [&f.actor_info, &f.target_info].into_iter().flatten() {
            if !info.lists.is_empty() {
                s.push_str(&address(info));
                s.push('。');
            }
        }
    }
    if let Some(rule) = &f.rule {
        s.push_str(&format!(
            "{} のインバウンドルール（{}、送信元 {}）が許可しています。",
            rule.group_id,
            super::rule_scope(&rule.rule, "すべての通信"),
            rule.rule.peer
        ));
        s.push_str(&match &rule.fix {
            Closing::RevokeRule { group_id, .. } => format!("{group_id} からこのルールを削除すれば閉じられます。"),
            Closing::NarrowSource { group_id, from, to, .. } => format!(
                "{group_id} のこのルールの送信元を {from} から {} に変えれば、インターネットからは閉じられます。",
                to.join("、")
            ),
        });
    }
    s
}
