//! The sentences of findings, one renderer per language ([`en`], [`ja`]).
//!
//! Kept apart from the detections so that they can move into the project's renderers (vpcflow-explain) as they
//! are: each renderer reads only the typed [`Finding`] and the address facts it carries.

pub mod en;
pub mod ja;

use super::Finding;
use vpcflow_catalog::enrich::AddressFacts;
pub use vpcflow_explain::Lang;

/// The plain explanation of a finding in `lang`.
pub fn render(finding: &Finding, lang: Lang) -> String {
    match lang {
        Lang::En => en::finding(finding),
        Lang::Ja => ja::finding(finding),
    }
}

/// What is known about an address, in `lang`: `203.0.113.9 (AS64500 Example Net, registered in NL) is on your
/// list `scanners``.
pub fn address(facts: &AddressFacts, lang: Lang) -> String {
    match lang {
        Lang::En => en::address(facts),
        Lang::Ja => ja::address(facts),
    }
}

/// Bytes for people: `512 B`, `4.1 kB`, `2.3 MB`, `1.1 GB` (decimal units).
pub(crate) fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1000.0 && u < UNITS.len() - 1 {
        v /= 1000.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

/// Seconds for people: `45 s`, `12 min`, `3.5 h`.
pub(crate) fn duration(secs: i64) -> String {
    match secs {
        s if s < 120 => format!("{s} s"),
        s if s < 7200 => format!("{} min", s / 60),
        s => format!("{:.1} h", s as f64 / 3600.0),
    }
}

/// `TCP`, `UDP`, or the number.
pub(crate) fn protocol(p: u8) -> String {
    vpcflow_catalog::protocols::name(p).map_or_else(|| p.to_string(), |n| n.to_string())
}

/// What a security group rule covers: `TCP 22`, `TCP 1024-65535`, `ICMP`, or `all` (the word given).
pub(crate) fn rule_scope(rule: &vpcflow_netmodel::SgRule, all: &str) -> String {
    use vpcflow_netmodel::{PortSpec, Proto};
    let proto = match rule.protocol {
        Proto::All => return all.to_string(),
        Proto::Number(n) => protocol(n),
    };
    match rule.ports {
        PortSpec::Ports { from, to } if from == to => format!("{proto} {from}"),
        PortSpec::Ports { from, to } => format!("{proto} {from}-{to}"),
        _ => proto,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units() {
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(2_300_000), "2.3 MB");
        assert_eq!(duration(45), "45 s");
        assert_eq!(duration(720), "12 min");
        assert_eq!(duration(12_600), "3.5 h");
        assert_eq!(protocol(6), "TCP");
    }
}
