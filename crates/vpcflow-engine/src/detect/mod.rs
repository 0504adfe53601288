//! Detections: is it an attack? A catalogue ([`catalogue::CATALOGUE`]) of what flow logs reveal — scans,
//! sweeps, exposed ports, brute force, exfiltration, denial of service, beaconing, listed addresses, Tor, mining,
//! new behaviour, DNS around the VPC's resolver — run as DataFusion plans over the `flows` table, for IPv4 and
//! IPv6 alike.
//!
//! The catalogue reads the records once. A first plan ([`stage::CANDIDATES`]) keeps only the records some
//! detection needs (probes, outbound traffic to the internet, inbound connections from it, remote-login ports)
//! and sums them per minute and 5-tuple-less key, into a table held in memory (`detect_flows`); each detection
//! is then a small SQL query over that table, and Rust turns its rows into [`Finding`]s. The same plans run on
//! the CLI, the dashboard and a cluster.
//!
//! Findings are typed data ([`Fact`] says what was found, [`Evidence`] the numbers behind it); their sentences
//! come from a renderer per language ([`words`]).

pub mod catalogue;
pub mod config;
mod rules;
pub mod stage;
pub mod words;

pub use catalogue::{CATALOGUE, Detection};
pub use config::Config;

use crate::Engine;
use datafusion::common::Result;
use serde::Serialize;
use std::net::IpAddr;
use vpcflow_catalog::enrich::{AddressFacts, Enricher, ListMatch};

/// How serious a finding is, in GuardDuty's words.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing.
    Low,
    /// Worth looking at.
    Medium,
    /// Act now.
    High,
}

impl Severity {
    /// One level up (High stays High).
    pub fn raised(self) -> Severity {
        match self {
            Severity::Low => Severity::Medium,
            _ => Severity::High,
        }
    }

    /// `low`, `medium`, `high`.
    pub fn word(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }
}

/// What a detection found, per kind: the typed facts the sentences are made from.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Fact {
    /// `scan.ports`.
    PortScan {
        /// Distinct ports probed (in the busiest window).
        ports: u64,
        /// Of which accepted.
        accepted_ports: u64,
    },
    /// `scan.sweep`.
    Sweep {
        /// The port.
        port: u16,
        /// IANA protocol number.
        protocol: u8,
        /// Distinct hosts probed (in the busiest window).
        hosts: u64,
        /// Of which accepted.
        accepted_hosts: u64,
    },
    /// `exposure.port`.
    Exposure {
        /// The port.
        port: u16,
        /// Why it is sensitive.
        class: catalogue::SensitiveKind,
        /// Distinct external sources accepted.
        sources: u64,
        /// Sources on a threat list.
        listed_sources: u64,
    },
    /// `bruteforce.*`.
    BruteForce {
        /// The port.
        port: u16,
        /// Short connections (failed attempts, most likely).
        attempts: u64,
        /// A later long session from the same source, when there was one.
        possible_success: Option<Session>,
    },
    /// `exfil.volume`.
    Volume {
        /// Bytes sent in the hour.
        bytes: u64,
        /// The pair's median hour, when it had a baseline.
        median_bytes: Option<u64>,
        /// Whether the destination was first contacted in this hour.
        first_contact: bool,
    },
    /// `dos.outbound`.
    Flood {
        /// IANA protocol number.
        protocol: u8,
        /// The peak packets a minute.
        packets_per_minute: u64,
        /// How long the rate lasted, in seconds.
        seconds: i64,
        /// `dns`, `udp-on-tcp-port`, `unusual-protocol`, `tcp-small-packets`, `tcp`, `udp`.
        flavour: &'static str,
    },
    /// `c2.beacon`.
    Beacon {
        /// The port.
        port: u16,
        /// IANA protocol number.
        protocol: u8,
        /// Connections (minutes with one).
        connections: u64,
        /// The median interval in seconds.
        interval_seconds: i64,
        /// The score, 0 to 1.
        score: f64,
    },
    /// `intel.listed`, and the list-based findings of `tor.traffic` and `crypto.mining`.
    Listed {
        /// The lists the remote address is on.
        lists: Vec<ListMatch>,
        /// Whether the internal side started it (outbound).
        outbound: bool,
        /// Whether any record was accepted.
        accepted: bool,
    },
    /// `tor.traffic` and `crypto.mining` without a list: the port.
    Port {
        /// The port.
        port: u16,
        /// How long the connection was seen, in seconds.
        seconds: i64,
    },
    /// `behavior.new_port`.
    NewPort {
        /// The port.
        port: u16,
        /// IANA protocol number.
        protocol: u8,
        /// Hours the source had been seen without it.
        baseline_hours: u64,
    },
    /// `behavior.smtp`.
    Mail {
        /// Distinct mail servers contacted.
        destinations: u64,
    },
    /// `dns.external`.
    Dns {
        /// Distinct external resolvers.
        resolvers: u64,
        /// The largest bytes in one minute.
        peak_bytes_per_minute: u64,
        /// The largest bytes in one hour.
        peak_bytes_per_hour: u64,
        /// Whether the volume suggests a tunnel.
        tunnel: bool,
    },
}

/// A long session after brute-force attempts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Session {
    /// When it started (Unix seconds).
    pub start: i64,
    /// Its bytes.
    pub bytes: u64,
    /// Its duration in seconds.
    pub seconds: i64,
}

/// The numbers behind a finding.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Evidence {
    /// Records involved.
    pub records: u64,
    /// Packets.
    pub packets: u64,
    /// Bytes.
    pub bytes: u64,
    /// Some of the ports involved (up to 20), ascending.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<u16>,
    /// Up to three example records (per-minute sums of the records of one address pair and port).
    pub examples: Vec<Example>,
}

/// One example: the records of one minute between two addresses on one port, summed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Example {
    /// Source address.
    pub srcaddr: String,
    /// Destination address.
    pub dstaddr: String,
    /// Destination port.
    pub dstport: Option<u16>,
    /// IANA protocol number.
    pub protocol: Option<u8>,
    /// ACCEPT or REJECT.
    pub action: String,
    /// Records summed.
    pub records: u64,
    /// Packets.
    pub packets: u64,
    /// Bytes.
    pub bytes: u64,
    /// First start (Unix seconds).
    pub start: i64,
    /// Last end.
    pub end: i64,
}

/// The security group rule that let accepted traffic in, and the smallest change that would close it (with
/// `--vpc-config`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RuleFact {
    /// The group (`sg-…`).
    pub group_id: String,
    /// The rule.
    pub rule: vpcflow_netmodel::SgRule,
    /// The change that would close the port to the finding's sources.
    pub fix: Closing,
}

/// The smallest change that stops traffic a rule allows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "fix", rename_all = "kebab-case")]
pub enum Closing {
    /// Remove the rule (it opens the port to every address).
    RevokeRule {
        /// The group.
        group_id: String,
        /// Where the rule is in the configuration JSON.
        json_path: String,
    },
    /// Narrow the rule's source to the addresses that need it (here: the VPC's own ranges).
    NarrowSource {
        /// The group.
        group_id: String,
        /// The rule's current source.
        from: String,
        /// The suggested source.
        to: Vec<String>,
        /// Where the rule is in the configuration JSON.
        json_path: String,
    },
}

/// One finding.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    /// The detection's id (`scan.ports`).
    pub detection: &'static str,
    /// How serious.
    pub severity: Severity,
    /// The MITRE ATT&CK technique.
    pub mitre: &'static str,
    /// Who did it (the source), when one address did.
    pub actor: Option<IpAddr>,
    /// Whom it was done to, when one address.
    pub target: Option<IpAddr>,
    /// The first record's start (Unix seconds).
    pub first: i64,
    /// The last record's end.
    pub last: i64,
    /// What was found.
    pub fact: Fact,
    /// The numbers.
    pub evidence: Evidence,
    /// What is known about the actor (country, AS, lists), for public addresses.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor_info: Option<AddressFacts>,
    /// What is known about the target.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_info: Option<AddressFacts>,
    /// The rule that let the traffic in (with `--vpc-config`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<RuleFact>,
}

/// What a run produced.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Report {
    /// The findings, by detection in catalogue order, then severity (highest first), then time.
    pub findings: Vec<Finding>,
    /// Candidate rows the first plan kept (a measure of the work).
    pub candidates: usize,
    /// Notes on what could not be checked (no threat lists, detections turned off).
    pub notes: Vec<String>,
}

/// What a run needs besides the records.
pub struct Context<'a> {
    /// Thresholds and allow lists.
    pub config: &'a Config,
    /// Country, ASN and threat lists.
    pub enricher: &'a Enricher,
    /// Only records starting at or after this (Unix seconds).
    pub since: Option<i64>,
    /// Only records starting before this.
    pub until: Option<i64>,
}

/// Runs the whole catalogue over the engine's `flows` table.
pub fn run(engine: &Engine, cx: &Context) -> Result<Report> {
    let candidates = stage::collect(engine, cx)?;
    let mut report = Report {
        candidates: candidates.rows,
        ..Report::default()
    };
    let mut findings = rules::all(engine, &candidates, cx, &mut report.notes)?;
    findings.retain(|f| !cx.config.allowed(f.detection, f.actor, f.target));
    for f in &mut findings {
        f.actor_info = f
            .actor
            .map(|ip| cx.enricher.facts(ip))
            .filter(|i| !i.is_empty());
        f.target_info = f
            .target
            .map(|ip| cx.enricher.facts(ip))
            .filter(|i| !i.is_empty());
    }
    stage::examples(engine, &mut findings)?;
    let order = |id: &str| {
        CATALOGUE
            .iter()
            .position(|d| d.id == id)
            .unwrap_or(usize::MAX)
    };
    findings.sort_by(|a, b| {
        (
            order(a.detection),
            std::cmp::Reverse(a.severity),
            a.first,
            a.actor,
            a.target,
        )
            .cmp(&(
                order(b.detection),
                std::cmp::Reverse(b.severity),
                b.first,
                b.actor,
                b.target,
            ))
    });
    report.findings = findings;
    stage::forget(engine)?;
    Ok(report)
}

/// Adds, with a VPC model, the security group rule that let each accepted inbound finding's traffic in and the
/// smallest change that would close it.
pub fn annotate_rules(findings: &mut [Finding], model: &vpcflow_netmodel::VpcModel) {
    rules::annotate(findings, model);
}
