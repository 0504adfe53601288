//! What an instance of yours does to the internet: exfiltration, floods, beacons, new ports, mail, DNS.

use super::*;
use crate::detect::stage::{TABLE, query};
use std::collections::BTreeMap;

/// Traffic an internal address sent to an external one.
const OUT: &str = "src_internal AND NOT dst_internal";

/// `exfil.volume`: bytes per (source, destination, hour) against floors and the pair's own hours.
pub(super) fn volumes(engine: &Engine, cx: &Context, out: &mut Vec<Finding>) -> Result<()> {
    let id = "exfil.volume";
    let (abs, min, factor, hours) = (
        int(cx, id, "absolute_bytes"),
        int(cx, id, "min_bytes"),
        cx.config.value(id, "factor"),
        int(cx, id, "baseline_hours"),
    );
    let sql = format!(
        "WITH h AS (
           SELECT srcaddr, dstaddr, minute - minute % 3600 AS hour, sum(bytes) AS bytes, sum(records) AS records,
                  sum(packets) AS packets, min(first) AS first, max(last) AS last
           FROM {TABLE} WHERE {OUT} AND action = 'ACCEPT' GROUP BY srcaddr, dstaddr, hour),
         b AS (
           SELECT *, median(bytes) OVER (PARTITION BY srcaddr, dstaddr) AS med,
                  count(*) OVER (PARTITION BY srcaddr, dstaddr) AS hours,
                  min(hour) OVER (PARTITION BY srcaddr, dstaddr) AS pair_first,
                  min(hour) OVER (PARTITION BY srcaddr) AS src_first
           FROM h)
         SELECT * FROM b WHERE bytes >= {min}
           AND (bytes >= {abs} OR (hours >= {hours} AND bytes >= {factor} * med)
                OR (hour = pair_first AND hour >= src_first + {hours} * 3600))
         ORDER BY srcaddr, dstaddr, hour"
    );
    let ranges = vpcflow_catalog::AwsRanges::load_default();
    let mut merged: BTreeMap<(String, String), Finding> = BTreeMap::new();
    for rows in query(engine, &sql)? {
        for r in 0..rows.len() {
            let (Some(src), Some(dst)) = (rows.ip("srcaddr", r), rows.ip("dstaddr", r)) else {
                continue;
            };
            let bytes = rows.count("bytes", r);
            let hours_seen = rows.count("hours", r);
            let med = rows.float("med", r).unwrap_or(0.0);
            let relative = hours_seen >= hours as u64 && bytes as f64 >= factor * med;
            let first_contact = rows.int("hour", r) == rows.int("pair_first", r)
                && rows.int("hour", r).unwrap_or(0)
                    >= rows.int("src_first", r).unwrap_or(0) + hours * 3600;
            // The absolute floor alone does not count for AWS's own addresses (uploads to S3 are normal).
            if !relative && !first_contact && ranges.lookup(dst).is_some() {
                continue;
            }
            let listed = cx.enricher.lists().matches(dst).next().is_some();
            let severity = if listed {
                Severity::High
            } else {
                Severity::Medium
            };
            let f = finding(
                id,
                severity,
                Some(src),
                Some(dst),
                rows.int("first", r).unwrap_or_default(),
                rows.int("last", r).unwrap_or_default(),
                Fact::Volume {
                    bytes,
                    median_bytes: (hours_seen >= hours as u64).then_some(med as u64),
                    first_contact,
                },
                evidence(&rows, r),
            );
            merged
                .entry((src.to_string(), dst.to_string()))
                .and_modify(|m| {
                    add(&mut m.evidence, &f.evidence);
                    m.last = m.last.max(f.last);
                    if let (Fact::Volume { bytes: a, .. }, Fact::Volume { bytes: b, .. }) =
                        (&mut m.fact, &f.fact)
                    {
                        *a = (*a).max(*b);
                    }
                })
                .or_insert(f);
        }
    }
    out.extend(merged.into_values());
    Ok(())
}

/// Protocols that are neither ICMP, TCP, UDP nor ICMPv6.
fn flavour(protocol: u8, port: u16, bytes: u64, packets: u64) -> &'static str {
    const TCP_ONLY: &[u16] = &[
        21, 22, 23, 25, 80, 110, 143, 445, 993, 995, 1433, 3306, 3389, 5432, 8080,
    ];
    match protocol {
        17 if port == 53 => "dns",
        17 if TCP_ONLY.contains(&port) => "udp-on-tcp-port",
        17 => "udp",
        6 if packets > 0 && bytes / packets <= 100 => "tcp-small-packets",
        6 => "tcp",
        1 | 58 => "icmp",
        _ => "unusual-protocol",
    }
}

/// `dos.outbound`: packet rate per (source, destination, protocol, minute), in runs of busy minutes.
pub(super) fn floods(engine: &Engine, cx: &Context, out: &mut Vec<Finding>) -> Result<()> {
    let id = "dos.outbound";
    let ppm = int(cx, id, "packets_per_minute").max(1);
    let burst = cx.config.value(id, "burst_packets_per_minute");
    let min_seconds = int(cx, id, "min_seconds");
    let sql = format!(
        "SELECT srcaddr, dstaddr, protocol, minute, sum(rate) AS rate, min(dstport) AS port,
                sum(records) AS records, sum(packets) AS packets, sum(bytes) AS bytes,
                min(first) AS first, max(last) AS last
         FROM {TABLE} WHERE {OUT}
         GROUP BY srcaddr, dstaddr, protocol, minute HAVING sum(rate) >= {ppm}
         ORDER BY srcaddr, dstaddr, protocol, minute"
    );
    // Runs of consecutive busy minutes per (source, destination, protocol).
    struct Run {
        key: (String, String, u8),
        port: u16,
        minute: i64,
        peak: f64,
        first: i64,
        last: i64,
        evidence: Evidence,
    }
    let mut runs: Vec<Run> = Vec::new();
    for rows in query(engine, &sql)? {
        for r in 0..rows.len() {
            let key = (
                rows.str("srcaddr", r).unwrap_or_default().to_string(),
                rows.str("dstaddr", r).unwrap_or_default().to_string(),
                rows.int("protocol", r)
                    .and_then(|p| u8::try_from(p).ok())
                    .unwrap_or_default(),
            );
            let minute = rows.int("minute", r).unwrap_or_default();
            let rate = rows.float("rate", r).unwrap_or(0.0);
            let last = rows.int("last", r).unwrap_or_default();
            let ev = evidence(&rows, r);
            match runs.last_mut() {
                Some(run) if run.key == key && minute - run.minute <= 60 => {
                    run.minute = minute;
                    run.peak = run.peak.max(rate);
                    run.last = run.last.max(last);
                    add(&mut run.evidence, &ev);
                }
                _ => runs.push(Run {
                    key,
                    port: rows
                        .int("port", r)
                        .and_then(|p| u16::try_from(p).ok())
                        .unwrap_or_default(),
                    minute,
                    peak: rate,
                    first: rows.int("first", r).unwrap_or_default(),
                    last,
                    evidence: ev,
                }),
            }
        }
    }
    for run in runs {
        let seconds = run.last - run.first;
        if seconds < min_seconds && run.peak < burst {
            continue;
        }
        let (src, dst, proto) = run.key;
        let ev = run.evidence;
        out.push(finding(
            id,
            Severity::High,
            src.parse().ok(),
            dst.parse().ok(),
            run.first,
            run.last,
            Fact::Flood {
                protocol: proto,
                packets_per_minute: run.peak as u64,
                seconds,
                flavour: flavour(proto, run.port, ev.bytes, ev.packets),
            },
            ev,
        ));
    }
    Ok(())
}

/// `c2.beacon`: the regularity of connections per (source, destination, port, protocol).
pub(super) fn beacons(engine: &Engine, cx: &Context, out: &mut Vec<Finding>) -> Result<()> {
    let id = "c2.beacon";
    let sql = format!(
        "SELECT srcaddr, dstaddr, dstport, protocol, count(*) AS n,
                array_agg(first ORDER BY first) AS starts, array_agg(bytes ORDER BY first) AS sizes,
                sum(records) AS records, sum(packets) AS packets, sum(bytes) AS bytes,
                min(first) AS first, max(last) AS last
         FROM {TABLE} WHERE {OUT} AND action = 'ACCEPT' AND to_service
         GROUP BY srcaddr, dstaddr, dstport, protocol HAVING count(*) >= {}",
        int(cx, id, "min_connections").max(3)
    );
    let min_interval = cx.config.value(id, "min_interval_seconds");
    let (min_score, high_score) = (
        cx.config.value(id, "min_score"),
        cx.config.value(id, "high_score"),
    );
    for rows in query(engine, &sql)? {
        for r in 0..rows.len() {
            let starts = rows.ints("starts", r);
            let sizes: Vec<f64> = rows
                .ints("sizes", r)
                .into_iter()
                .map(|b| b as f64)
                .collect();
            let Some(score) = beacon_score(&starts, &sizes, min_interval) else {
                continue;
            };
            if score.total < min_score {
                continue;
            }
            let severity = if score.total >= high_score {
                Severity::High
            } else {
                Severity::Medium
            };
            let port = rows
                .int("dstport", r)
                .and_then(|p| u16::try_from(p).ok())
                .unwrap_or_default();
            let mut ev = evidence(&rows, r);
            ev.ports = vec![port];
            out.push(finding(
                id,
                severity,
                rows.ip("srcaddr", r),
                rows.ip("dstaddr", r),
                rows.int("first", r).unwrap_or_default(),
                rows.int("last", r).unwrap_or_default(),
                Fact::Beacon {
                    port,
                    protocol: rows
                        .int("protocol", r)
                        .and_then(|p| u8::try_from(p).ok())
                        .unwrap_or_default(),
                    connections: starts.len() as u64,
                    interval_seconds: score.interval as i64,
                    score: (score.total * 100.0).round() / 100.0,
                },
                ev,
            ));
        }
    }
    Ok(())
}

/// A beacon's score and median interval.
#[derive(Debug, PartialEq)]
struct BeaconScore {
    total: f64,
    interval: f64,
}

/// RITA's four equally weighted scores: timing (Bowley skew and median absolute deviation of the intervals),
/// sizes (the same of the bytes), duration (hours with traffic, full at 6) and histogram (intervals within 20%
/// of the median). `None` when the traffic is continuous (median interval under `min_interval`).
fn beacon_score(starts: &[i64], sizes: &[f64], min_interval: f64) -> Option<BeaconScore> {
    let mut deltas: Vec<f64> = starts
        .windows(2)
        .map(|w| (w[1] - w[0]) as f64)
        .filter(|d| *d > 0.0)
        .collect();
    if deltas.len() < 3 {
        return None;
    }
    deltas.sort_by(f64::total_cmp);
    let interval = quantile(&deltas, 0.5);
    if interval < min_interval {
        return None;
    }
    let timing = regularity(&deltas);
    let mut sorted_sizes = sizes.to_vec();
    sorted_sizes.sort_by(f64::total_cmp);
    let size = regularity(&sorted_sizes);
    let mut hours: Vec<i64> = starts.iter().map(|s| s / 3600).collect();
    hours.dedup();
    let duration = (hours.len() as f64 / 6.0).min(1.0);
    let near = deltas
        .iter()
        .filter(|d| (**d - interval).abs() <= 0.2 * interval)
        .count();
    let histogram = near as f64 / deltas.len() as f64;
    Some(BeaconScore {
        total: (timing + size + duration + histogram) / 4.0,
        interval,
    })
}

/// How regular sorted values are, 0 to 1: the mean of (1 − |Bowley skew|) and (median − MAD) / median.
fn regularity(sorted: &[f64]) -> f64 {
    let (q1, q2, q3) = (
        quantile(sorted, 0.25),
        quantile(sorted, 0.5),
        quantile(sorted, 0.75),
    );
    let skew = if q3 - q1 < 10.0 || q2 == q1 || q2 == q3 {
        0.0
    } else {
        (q3 + q1 - 2.0 * q2) / (q3 - q1)
    };
    let mut dev: Vec<f64> = sorted.iter().map(|v| (v - q2).abs()).collect();
    dev.sort_by(f64::total_cmp);
    let mad = quantile(&dev, 0.5);
    let spread = if q2 > 0.0 {
        ((q2 - mad) / q2).max(0.0)
    } else {
        0.0
    };
    ((1.0 - skew.abs()) + spread) / 2.0
}

/// The `q` quantile of sorted values (nearest rank).
fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// Outbound connections per source (and `group`, columns each followed by a comma) first made after the source
/// had made `history` outbound connections over `hours` hours; with when the source was first seen.
fn first_uses(filter: &str, group: &str, hours: i64, history: i64) -> String {
    let by = group.trim().trim_end_matches(',');
    let by = if by.is_empty() {
        String::new()
    } else {
        format!(", {by}")
    };
    let o_by = by.replace(", ", ", o.");
    format!(
        "WITH o AS (
           SELECT srcaddr, {group} min(first) AS first, max(last) AS last, count(DISTINCT dstaddr) AS dsts,
                  min(dstaddr) AS a_dst, sum(records) AS records, sum(packets) AS packets, sum(bytes) AS bytes
           FROM {TABLE} WHERE {OUT} AND to_service AND {filter} GROUP BY srcaddr{by}),
         s AS (SELECT srcaddr, min(first) AS seen FROM {TABLE} WHERE src_internal GROUP BY srcaddr),
         m AS (SELECT srcaddr, minute, count(*) AS n FROM {TABLE} WHERE {OUT} AND to_service GROUP BY srcaddr, minute),
         c AS (SELECT o.*, s.seen FROM o JOIN s ON o.srcaddr = s.srcaddr WHERE o.first >= s.seen + {seconds}),
         h AS (SELECT c.srcaddr{o_c_by}, sum(m.n) AS before FROM c JOIN m ON c.srcaddr = m.srcaddr AND m.minute < c.first - 60
               GROUP BY c.srcaddr{o_c_by})
         SELECT c.*, h.before FROM c JOIN h ON c.srcaddr = h.srcaddr{join_by} WHERE h.before >= {history}",
        seconds = hours * 3600,
        o_c_by = o_by.replace("o.", "c."),
        join_by = by
            .split(", ")
            .filter(|c| !c.is_empty())
            .map(|c| format!(" AND c.{c} = h.{c}"))
            .collect::<String>(),
    )
}

/// `behavior.new_port`: outbound ports first used after the source's baseline hours.
pub(super) fn new_ports(engine: &Engine, cx: &Context, out: &mut Vec<Finding>) -> Result<()> {
    let id = "behavior.new_port";
    let hours = int(cx, id, "baseline_hours");
    // Mail, DNS, Tor and mining ports have detections of their own.
    let mut own: Vec<u16> = vec![25, 465, 587, 53, 853];
    own.extend(catalogue::TOR_PORTS);
    own.extend(catalogue::MINING_PORTS);
    let sql = format!(
        "SELECT * FROM ({}) WHERE bytes >= {}",
        first_uses(
            &format!(
                "action = 'ACCEPT' AND protocol IN (6, 17) AND dstport NOT IN ({})",
                port_list(&own)
            ),
            "dstport, protocol,",
            hours,
            int(cx, id, "min_history")
        ),
        int(cx, id, "min_bytes")
    );
    for rows in query(engine, &sql)? {
        for r in 0..rows.len() {
            let port = rows
                .int("dstport", r)
                .and_then(|p| u16::try_from(p).ok())
                .unwrap_or_default();
            let severity = if matches!(port, 80 | 443) {
                Severity::Low
            } else {
                Severity::Medium
            };
            let mut ev = evidence(&rows, r);
            ev.ports = vec![port];
            let dsts = rows.count("dsts", r);
            out.push(finding(
                id,
                severity,
                rows.ip("srcaddr", r),
                if dsts == 1 { rows.ip("a_dst", r) } else { None },
                rows.int("first", r).unwrap_or_default(),
                rows.int("last", r).unwrap_or_default(),
                Fact::NewPort {
                    port,
                    protocol: rows
                        .int("protocol", r)
                        .and_then(|p| u8::try_from(p).ok())
                        .unwrap_or_default(),
                    baseline_hours: ((rows.int("first", r).unwrap_or(0)
                        - rows.int("seen", r).unwrap_or(0))
                        / 3600)
                        .max(0) as u64,
                },
                ev,
            ));
        }
    }
    Ok(())
}

/// `behavior.smtp`: mail from a source that sent none in its baseline hours.
pub(super) fn mail(engine: &Engine, cx: &Context, out: &mut Vec<Finding>) -> Result<()> {
    let id = "behavior.smtp";
    let sql = first_uses(
        "protocol = 6 AND dstport IN (25, 465, 587)",
        "",
        int(cx, id, "baseline_hours"),
        int(cx, id, "min_history"),
    );
    let many = cx.config.value(id, "many_destinations") as u64;
    for rows in query(engine, &sql)? {
        for r in 0..rows.len() {
            let dsts = rows.count("dsts", r);
            out.push(finding(
                id,
                if dsts >= many {
                    Severity::High
                } else {
                    Severity::Medium
                },
                rows.ip("srcaddr", r),
                if dsts == 1 { rows.ip("a_dst", r) } else { None },
                rows.int("first", r).unwrap_or_default(),
                rows.int("last", r).unwrap_or_default(),
                Fact::Mail { destinations: dsts },
                evidence(&rows, r),
            ));
        }
    }
    Ok(())
}

/// `dns.external`: DNS to external resolvers per source, with its peak volumes.
pub(super) fn dns(engine: &Engine, cx: &Context, out: &mut Vec<Finding>) -> Result<()> {
    let id = "dns.external";
    let dns = format!("{OUT} AND to_service AND dstport IN (53, 853)");
    let sql = format!(
        "WITH m AS (SELECT srcaddr, minute, sum(bytes) AS b FROM {TABLE} WHERE {dns} GROUP BY srcaddr, minute),
              h AS (SELECT srcaddr, minute - minute % 3600 AS hour, sum(b) AS b FROM m GROUP BY srcaddr, hour),
              pm AS (SELECT srcaddr, max(b) AS peak_minute FROM m GROUP BY srcaddr),
              ph AS (SELECT srcaddr, max(b) AS peak_hour FROM h GROUP BY srcaddr),
              t AS (SELECT srcaddr, count(DISTINCT dstaddr) AS resolvers, min(dstaddr) AS a_dst,
                           sum(records) AS records, sum(packets) AS packets, sum(bytes) AS bytes,
                           min(first) AS first, max(last) AS last, array_agg(DISTINCT dstport) AS port_list
                    FROM {TABLE} WHERE {dns} GROUP BY srcaddr)
         SELECT t.*, pm.peak_minute, ph.peak_hour FROM t JOIN pm ON t.srcaddr = pm.srcaddr
           JOIN ph ON t.srcaddr = ph.srcaddr"
    );
    let (per_minute, per_hour) = (
        cx.config.value(id, "tunnel_bytes_per_minute"),
        cx.config.value(id, "tunnel_bytes_per_hour"),
    );
    for rows in query(engine, &sql)? {
        for r in 0..rows.len() {
            let (pm, ph) = (rows.count("peak_minute", r), rows.count("peak_hour", r));
            let tunnel = pm as f64 >= per_minute || ph as f64 >= per_hour;
            let resolvers = rows.count("resolvers", r);
            let mut ev = evidence(&rows, r);
            ev.ports = ports(rows.ints("port_list", r));
            out.push(finding(
                id,
                if tunnel {
                    Severity::Medium
                } else {
                    Severity::Low
                },
                rows.ip("srcaddr", r),
                if resolvers == 1 {
                    rows.ip("a_dst", r)
                } else {
                    None
                },
                rows.int("first", r).unwrap_or_default(),
                rows.int("last", r).unwrap_or_default(),
                Fact::Dns {
                    resolvers,
                    peak_bytes_per_minute: pm,
                    peak_bytes_per_hour: ph,
                    tunnel,
                },
                ev,
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn beacons_score_high_and_noise_low() {
        // Every 300 s with a few seconds of jitter and near-constant sizes, for 10 hours.
        let starts: Vec<i64> = (0..120).map(|i| i * 300 + (i * 7919 % 13)).collect();
        let sizes: Vec<f64> = (0..120).map(|i| 640.0 + (i % 5) as f64).collect();
        let s = beacon_score(&starts, &sizes, 120.0).unwrap();
        assert!(s.total >= 0.9, "{s:?}");
        assert!((s.interval - 300.0).abs() < 15.0);
        // Irregular starts and sizes.
        let mut t = 0;
        let mut x: u64 = 7;
        let mut noise = Vec::new();
        let mut sz = Vec::new();
        for _ in 0..120 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            t += 60 + ((x >> 33) % 1200) as i64;
            noise.push(t);
            sz.push(((x >> 20) % 100_000) as f64);
        }
        assert!(beacon_score(&noise, &sz, 120.0).unwrap().total < 0.7);
        // Continuous traffic (every minute) is not a beacon.
        let every: Vec<i64> = (0..100).map(|i| i * 60).collect();
        assert_eq!(beacon_score(&every, &vec![1.0; 100], 120.0), None);
    }

    #[test]
    fn flood_flavours() {
        assert_eq!(flavour(17, 53, 0, 0), "dns");
        assert_eq!(flavour(17, 80, 0, 0), "udp-on-tcp-port");
        assert_eq!(flavour(6, 80, 6000, 100), "tcp-small-packets");
        assert_eq!(flavour(47, 0, 0, 0), "unusual-protocol");
    }
}
