//! Inbound and lateral attacks: port scans, sweeps, exposed sensitive ports, brute force.

use super::*;
use crate::detect::Session;
use crate::detect::catalogue::SENSITIVE_PORTS;
use crate::detect::stage::{TABLE, query};
use std::collections::BTreeMap;

/// Probes that are the prober's own packets: to the server side of a port pair, or rejected (a reset a target
/// sends back goes to the prober's ephemeral port and must not make the target look like a scanner).
const PROBES: &str = "probe AND (to_service OR action = 'REJECT') AND dstport IS NOT NULL";

/// One key's windows merged: whether the actor is internal, the busiest window's count and accepted count, the
/// time range, and the evidence.
struct Merged {
    internal: bool,
    count: u64,
    accepted: u64,
    first: i64,
    last: i64,
    evidence: Evidence,
}

impl Merged {
    fn new(internal: bool) -> Merged {
        Merged {
            internal,
            count: 0,
            accepted: 0,
            first: i64::MAX,
            last: i64::MIN,
            evidence: Evidence::default(),
        }
    }

    fn add(&mut self, rows: &Rows, r: usize, count: &str, accepted: &str, ev: &Evidence) {
        self.count = self.count.max(rows.count(count, r));
        self.accepted = self.accepted.max(rows.count(accepted, r));
        self.first = self.first.min(rows.int("first", r).unwrap_or_default());
        self.last = self.last.max(rows.int("last", r).unwrap_or_default());
        add(&mut self.evidence, ev);
    }
}

/// `scan.ports`: distinct ports per (source, destination, window).
pub(super) fn port_scans(engine: &Engine, cx: &Context, out: &mut Vec<Finding>) -> Result<()> {
    let id = "scan.ports";
    let w = int(cx, id, "window_seconds").max(60);
    let sql = format!(
        "SELECT srcaddr, dstaddr, minute - minute % {w} AS win, src_internal,
                count(DISTINCT dstport) AS ports,
                count(DISTINCT CASE WHEN action = 'ACCEPT' THEN dstport END) AS accepted_ports,
                sum(records) AS records, sum(packets) AS packets, sum(bytes) AS bytes,
                min(first) AS first, max(last) AS last, array_agg(DISTINCT dstport) AS port_list
         FROM {TABLE} WHERE {PROBES} AND protocol IN (6, 17, 132)
         GROUP BY srcaddr, dstaddr, win, src_internal
         HAVING count(DISTINCT dstport) >= {}",
        int(cx, id, "min_ports").max(1)
    );
    let mut merged: BTreeMap<(String, String), Merged> = BTreeMap::new();
    for rows in query(engine, &sql)? {
        for r in 0..rows.len() {
            let key = (
                rows.str("srcaddr", r).unwrap_or_default().to_string(),
                rows.str("dstaddr", r).unwrap_or_default().to_string(),
            );
            let mut ev = evidence(&rows, r);
            ev.ports = ports(rows.ints("port_list", r));
            merged
                .entry(key)
                .or_insert_with(|| Merged::new(rows.flag("src_internal", r)))
                .add(&rows, r, "ports", "accepted_ports", &ev);
        }
    }
    let report_rejected = cx.config.value(id, "report_rejected_inbound") > 0.0;
    let high = cx.config.value(id, "high_ports") as u64;
    for ((src, dst), m) in merged {
        let Merged {
            internal,
            count: n,
            accepted,
            first,
            last,
            evidence: ev,
        } = m;
        let severity = if internal {
            if n >= high {
                Severity::High
            } else {
                Severity::Medium
            }
        } else if accepted > 0 || report_rejected {
            Severity::Low
        } else {
            continue;
        };
        out.push(finding(
            id,
            severity,
            src.parse().ok(),
            dst.parse().ok(),
            first,
            last,
            Fact::PortScan {
                ports: n,
                accepted_ports: accepted,
            },
            ev,
        ));
    }
    Ok(())
}

/// `scan.sweep`: distinct hosts per (source, port, protocol, window).
pub(super) fn sweeps(engine: &Engine, cx: &Context, out: &mut Vec<Finding>) -> Result<()> {
    let id = "scan.sweep";
    let w = int(cx, id, "window_seconds").max(60);
    let sql = format!(
        "SELECT srcaddr, dstport, protocol, minute - minute % {w} AS win, src_internal,
                count(DISTINCT dstaddr) AS hosts,
                count(DISTINCT CASE WHEN action = 'ACCEPT' THEN dstaddr END) AS accepted_hosts,
                sum(records) AS records, sum(packets) AS packets, sum(bytes) AS bytes,
                min(first) AS first, max(last) AS last
         FROM {TABLE} WHERE {PROBES}
         GROUP BY srcaddr, dstport, protocol, win, src_internal
         HAVING count(DISTINCT dstaddr) >= {}",
        int(cx, id, "min_hosts").max(1)
    );
    let mut merged: BTreeMap<(String, i64, i64), Merged> = BTreeMap::new();
    for rows in query(engine, &sql)? {
        for r in 0..rows.len() {
            let key = (
                rows.str("srcaddr", r).unwrap_or_default().to_string(),
                rows.int("dstport", r).unwrap_or_default(),
                rows.int("protocol", r).unwrap_or_default(),
            );
            let ev = evidence(&rows, r);
            merged
                .entry(key)
                .or_insert_with(|| Merged::new(rows.flag("src_internal", r)))
                .add(&rows, r, "hosts", "accepted_hosts", &ev);
        }
    }
    let report_rejected = cx.config.value(id, "report_rejected_inbound") > 0.0;
    for ((src, port, proto), m) in merged {
        let Merged {
            internal,
            count: hosts,
            accepted,
            first,
            last,
            evidence: mut ev,
        } = m;
        let severity = if internal {
            Severity::High
        } else if accepted > 0 || report_rejected {
            Severity::Low
        } else {
            continue;
        };
        let port = u16::try_from(port).unwrap_or_default();
        ev.ports = vec![port];
        out.push(finding(
            id,
            severity,
            src.parse().ok(),
            None,
            first,
            last,
            Fact::Sweep {
                port,
                protocol: u8::try_from(proto).unwrap_or_default(),
                hosts,
                accepted_hosts: accepted,
            },
            ev,
        ));
    }
    Ok(())
}

/// `exposure.port`: accepted connections from the internet to sensitive ports, per (host, port).
pub(super) fn exposures(engine: &Engine, cx: &Context, out: &mut Vec<Finding>) -> Result<()> {
    let id = "exposure.port";
    let ports: Vec<u16> = SENSITIVE_PORTS.iter().map(|(p, _)| *p).collect();
    let sql = format!(
        "SELECT dstaddr, dstport, array_agg(DISTINCT srcaddr) AS sources,
                sum(records) AS records, sum(packets) AS packets, sum(bytes) AS bytes,
                min(first) AS first, max(last) AS last
         FROM {TABLE}
         WHERE action = 'ACCEPT' AND dst_internal AND NOT src_internal AND to_service AND protocol = 6
           AND dstport IN ({})
         GROUP BY dstaddr, dstport",
        port_list(&ports)
    );
    let ranges = vpcflow_catalog::AwsRanges::load_default();
    let many = cx.config.value(id, "many_sources") as u64;
    for rows in query(engine, &sql)? {
        for r in 0..rows.len() {
            let sources: Vec<IpAddr> = rows
                .strs("sources", r)
                .into_iter()
                .filter_map(|s| s.parse().ok())
                .filter(|ip| ranges.lookup(*ip).is_none())
                .collect();
            if sources.is_empty() {
                continue;
            }
            let port = rows
                .int("dstport", r)
                .and_then(|p| u16::try_from(p).ok())
                .unwrap_or_default();
            let class = SENSITIVE_PORTS
                .iter()
                .find(|(p, _)| *p == port)
                .map(|(_, k)| *k);
            let Some(class) = class else { continue };
            let listed = sources
                .iter()
                .filter(|ip| cx.enricher.lists().matches(**ip).next().is_some())
                .count() as u64;
            let n = sources.len() as u64;
            let mut severity = match class {
                catalogue::SensitiveKind::Admin if n >= many => Severity::Medium,
                catalogue::SensitiveKind::Admin => Severity::Low,
                _ => Severity::High,
            };
            if listed > 0 {
                severity = severity.raised();
            }
            let mut ev = evidence(&rows, r);
            ev.ports = vec![port];
            out.push(finding(
                id,
                severity,
                (n == 1).then(|| sources[0]),
                rows.ip("dstaddr", r),
                rows.int("first", r).unwrap_or_default(),
                rows.int("last", r).unwrap_or_default(),
                Fact::Exposure {
                    port,
                    class,
                    sources: n,
                    listed_sources: listed,
                },
                ev,
            ));
        }
    }
    Ok(())
}

/// `bruteforce.*`: short accepted connections per (source, host, port), counted in a sliding window, and a long
/// session after them.
pub(super) fn brute_force(
    engine: &Engine,
    cx: &Context,
    id: &'static str,
    service_ports: &[u16],
    out: &mut Vec<Finding>,
) -> Result<()> {
    let w = int(cx, id, "window_seconds").max(60);
    let min = int(cx, id, "min_attempts").max(1) as usize;
    let conns = format!(
        "SELECT srcaddr, dstaddr, dstport, srcport, bool_or(src_internal) AS src_internal,
                bool_or(dst_internal) AS dst_internal, sum(packets) AS p, sum(bytes) AS b,
                sum(records) AS n, min(first) AS f, max(last) AS l
         FROM {TABLE} WHERE protocol = 6 AND action = 'ACCEPT' AND srcport IS NOT NULL AND dstport IN ({})
         GROUP BY srcaddr, dstaddr, dstport, srcport",
        port_list(service_ports)
    );
    let sql = format!(
        "WITH c AS ({conns})
         SELECT srcaddr, dstaddr, min(dstport) AS dstport, bool_or(src_internal) AS src_internal,
                bool_or(dst_internal) AS dst_internal, count(*) AS attempts, array_agg(f ORDER BY f) AS starts,
                sum(n) AS records, sum(p) AS packets, sum(b) AS bytes, min(f) AS first, max(l) AS last
         FROM c WHERE p >= 4 AND b < 20000 AND l - f < 60
         GROUP BY srcaddr, dstaddr HAVING count(*) >= {min}"
    );
    let mut bursts = Vec::new();
    for rows in query(engine, &sql)? {
        for r in 0..rows.len() {
            let starts = rows.ints("starts", r);
            let (best, from, to) = densest(&starts, w);
            if best < min {
                continue;
            }
            bursts.push((
                rows.str("srcaddr", r).unwrap_or_default().to_string(),
                rows.str("dstaddr", r).unwrap_or_default().to_string(),
                rows.int("dstport", r).unwrap_or_default(),
                rows.flag("src_internal", r),
                rows.flag("dst_internal", r),
                best as u64,
                from,
                to,
                evidence(&rows, r),
            ));
        }
    }
    if bursts.is_empty() {
        return Ok(());
    }
    let sessions = format!(
        "WITH c AS ({conns}) SELECT srcaddr, dstaddr, f, b, l - f AS secs FROM c
         WHERE b >= {} OR l - f >= {} ORDER BY f",
        int(cx, id, "success_bytes"),
        int(cx, id, "success_seconds")
    );
    let mut long: BTreeMap<(String, String), Vec<Session>> = BTreeMap::new();
    for rows in query(engine, &sessions)? {
        for r in 0..rows.len() {
            long.entry((
                rows.str("srcaddr", r).unwrap_or_default().to_string(),
                rows.str("dstaddr", r).unwrap_or_default().to_string(),
            ))
            .or_default()
            .push(Session {
                start: rows.int("f", r).unwrap_or_default(),
                bytes: rows.count("b", r),
                seconds: rows.int("secs", r).unwrap_or_default(),
            });
        }
    }
    for (src, dst, port, src_internal, dst_internal, attempts, from, to, mut ev) in bursts {
        let success = long
            .get(&(src.clone(), dst.clone()))
            .and_then(|s| s.iter().find(|s| s.start >= from).cloned());
        let severity = if src_internal || success.is_some() {
            Severity::High
        } else if dst_internal {
            Severity::Low
        } else {
            Severity::Medium
        };
        let port = u16::try_from(port).unwrap_or_default();
        ev.ports = vec![port];
        let last = success.as_ref().map_or(to, |s| to.max(s.start + s.seconds));
        out.push(finding(
            id,
            severity,
            src.parse().ok(),
            dst.parse().ok(),
            from,
            last,
            Fact::BruteForce {
                port,
                attempts,
                possible_success: success,
            },
            ev,
        ));
    }
    Ok(())
}

/// The most starts within any `window` seconds, and the first and last of them.
fn densest(starts: &[i64], window: i64) -> (usize, i64, i64) {
    let mut best = (0, 0, 0);
    let mut lo = 0;
    for hi in 0..starts.len() {
        while starts[hi] - starts[lo] >= window {
            lo += 1;
        }
        if hi + 1 - lo > best.0 {
            best = (hi + 1 - lo, starts[lo], starts[hi]);
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn densest_window() {
        assert_eq!(densest(&[], 60), (0, 0, 0));
        assert_eq!(densest(&[0, 10, 20, 100, 110, 120, 130], 60), (4, 100, 130));
        assert_eq!(densest(&[5], 60), (1, 5, 5));
    }
}
