//! Findings in English.

use super::{bytes, duration, protocol};
use crate::detect::{Closing, Fact, Finding};
use std::net::IpAddr;
use vpcflow_catalog::enrich::AddressFacts;

/// `203.0.113.9 (AS64500 Example Net, registered in NL) is on your list `scanners``; the address alone when
/// nothing is known about it.
pub fn address(f: &AddressFacts) -> String {
    let mut s = named(f);
    if !f.lists.is_empty() {
        let names: Vec<String> = f.lists.iter().map(|l| format!("`{}`", l.name)).collect();
        let word = if names.len() == 1 { "list" } else { "lists" };
        s.push_str(&format!(" is on your {word} {}", names.join(" and ")));
    }
    s
}

/// The address with what is known about it in parentheses.
fn named(f: &AddressFacts) -> String {
    let mut parts = Vec::new();
    if let Some(asn) = f.asn {
        parts.push(match &f.org {
            Some(org) => format!("AS{asn} {org}"),
            None => format!("AS{asn}"),
        });
    }
    if let Some(aws) = &f.aws {
        parts.push(format!("AWS {} in {}", aws.service, aws.region));
    }
    if let Some(cc) = f.country {
        parts.push(format!("registered in {cc}"));
    }
    if parts.is_empty() {
        f.ip.to_string()
    } else {
        format!("{} ({})", f.ip, parts.join(", "))
    }
}

fn who(ip: Option<IpAddr>, info: &Option<AddressFacts>) -> String {
    match (ip, info) {
        (_, Some(f)) => named(f),
        (Some(ip), None) => ip.to_string(),
        (None, None) => "several addresses".into(),
    }
}

fn service(port: u16, proto: u8) -> String {
    match vpcflow_catalog::services::name(port, proto) {
        Some(name) => format!("port {port} ({name})"),
        None => format!("port {port}"),
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
            let mut s = format!("{actor} probed {ports} ports of {target} within minutes");
            if *accepted_ports > 0 {
                s.push_str(&format!(", and {accepted_ports} of them were accepted"));
            }
            s.push('.');
            s
        }
        Fact::Sweep {
            port,
            protocol: p,
            hosts,
            accepted_hosts,
        } => {
            let mut s = format!(
                "{actor} probed {} {} on {hosts} hosts within minutes",
                protocol(*p),
                service(*port, *p)
            );
            if *accepted_hosts > 0 {
                s.push_str(&format!("; {accepted_hosts} of them accepted it"));
            }
            s.push('.');
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
                format!("{sources} internet addresses")
            };
            let mut s = format!(
                "{target} accepted connections on {} from {from}",
                service(*port, 6)
            );
            if *listed_sources > 0 {
                s.push_str(&format!(", {listed_sources} of them on threat lists"));
            }
            s.push_str(": the port is open to the internet.");
            s
        }
        Fact::BruteForce {
            port,
            attempts,
            possible_success,
        } => {
            let mut s = format!(
                "{actor} made {attempts} short connections to {} on {target}, as password guessing does",
                service(*port, 6)
            );
            match possible_success {
                Some(p) => s.push_str(&format!(
                    "; then a session of {} over {} followed from the same address: the guessing may have succeeded.",
                    bytes(p.bytes),
                    duration(p.seconds)
                )),
                None => s.push('.'),
            }
            s
        }
        Fact::Volume {
            bytes: b,
            median_bytes,
            first_contact,
        } => {
            let mut s = format!("{actor} sent {} to {target} in one hour", bytes(*b));
            if *first_contact {
                s.push_str(", an address it had never sent to before");
            } else if let Some(m) = median_bytes.filter(|m| *m > 0) {
                s.push_str(&format!(
                    ", {:.0} times its usual hour ({})",
                    *b as f64 / m as f64,
                    bytes(m)
                ));
            }
            s.push_str(": data may be leaving.");
            s
        }
        Fact::Flood {
            protocol: p,
            packets_per_minute,
            seconds,
            flavour,
        } => format!(
            "{actor} sent up to {packets_per_minute} {} packets a minute ({flavour}) to {target} for {}: a denial of \
             service from your side.",
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
            "{actor} connected to {target} on {} {} {connections} times, about every {}, with regular sizes (score \
             {score:.2}): it looks like malware calling home.",
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
            let on = format!(
                "on your list{} {}",
                if names.len() == 1 { "" } else { "s" },
                names.join(" and ")
            );
            let verdict = if *accepted {
                ""
            } else {
                " (every record was rejected)"
            };
            if *outbound {
                format!("{actor} connected to {target}, which is {on}{verdict}.")
            } else {
                format!("{actor}, which is {on}, connected to {target}{verdict}.")
            }
        }
        Fact::Port { port, seconds } if f.detection == "tor.traffic" => format!(
            "{actor} connected to {target} on Tor's port {port} for {}: it may be running Tor.",
            duration(*seconds)
        ),
        Fact::Port { port, seconds } => format!(
            "{actor} kept a quiet connection to {target} on mining port {port} for {}: it may be mining \
             cryptocurrency.",
            duration(*seconds)
        ),
        Fact::NewPort {
            port,
            protocol: p,
            baseline_hours,
        } => format!(
            "{actor} used {} {} to the internet for the first time, after {baseline_hours} hours without it.",
            protocol(*p),
            service(*port, *p)
        ),
        Fact::Mail { destinations } => format!(
            "{actor} sent mail to {destinations} mail server{} though it had sent none before: it may be sending spam.",
            if *destinations == 1 { "" } else { "s" }
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
                format!("{resolvers} resolvers")
            };
            let mut s =
                format!("{actor} sent DNS queries to {to} outside the VPC, bypassing its resolver");
            if *tunnel {
                s.push_str(&format!(
                    ", up to {} a minute, as a DNS tunnel does",
                    bytes(*peak_bytes_per_minute)
                ));
            }
            s.push('.');
            s
        }
    };
    // The lists an address is on, unless the finding is about them already.
    if !matches!(f.fact, Fact::Listed { .. }) {
        for info in [&f.actor_info, &f.target_info].into_iter().flatten() {
            if !info.lists.is_empty() {
                s.push(' ');
                s.push_str(&address(info));
                s.push('.');
            }
        }
    }
    if let Some(rule) = &f.rule {
        s.push_str(&format!(
            " It is let in by {}, inbound rule {} from {}; ",
            rule.group_id,
            super::rule_scope(&rule.rule, "all traffic"),
            rule.rule.peer
        ));
        s.push_str(&match &rule.fix {
            Closing::RevokeRule { group_id, .. } => format!("removing that rule from {group_id} closes it."),
            Closing::NarrowSource { group_id, from, to, .. } => {
                format!("changing its source in {group_id} from {from} to {} closes it to the internet.", to.join(", "))
            }
        });
    }
    s
}
