//! Traffic with listed addresses (`intel.listed`, and the list-based findings of `tor.traffic` and
//! `crypto.mining`), and the port heuristics for Tor and mining when no list says more.

use super::*;
use crate::detect::stage::{TABLE, query};
use std::collections::BTreeSet;
use vpcflow_catalog::enrich::ListMatch;
use vpcflow_catalog::intel::Category;

/// Which detection reports a match on a list of this category.
fn detection_for(category: Category) -> &'static str {
    match category {
        Category::TorExit | Category::TorRelay => "tor.traffic",
        Category::Crypto => "crypto.mining",
        _ => "intel.listed",
    }
}

/// Finds the external addresses that are on a list, then sums their traffic per (internal, external) pair: the
/// requests only (to the server's side of the port pair, or rejected), so that the replies to a listed client
/// do not make the instance look like the one that called out.
pub(super) fn listed(
    engine: &Engine,
    cx: &Context,
    out: &mut Vec<Finding>,
    notes: &mut Vec<String>,
) -> Result<()> {
    let lists = cx.enricher.lists();
    if lists.is_empty() {
        notes.push(
            "no threat lists: intel.listed, and the list-based parts of tor.traffic and crypto.mining, had nothing \
             to check (vpcflow intel update / vpcflow intel add)"
                .into(),
        );
        return Ok(());
    }
    let remotes = format!(
        "SELECT DISTINCT CASE WHEN src_internal THEN dstaddr ELSE srcaddr END AS remote
         FROM {TABLE} WHERE src_internal <> dst_internal"
    );
    let mut hits = BTreeSet::new();
    for rows in query(engine, &remotes)? {
        for r in 0..rows.len() {
            if let Some(ip) = rows.ip("remote", r)
                && lists.matches(ip).next().is_some()
            {
                hits.insert(ip);
            }
        }
    }
    if hits.is_empty() {
        return Ok(());
    }
    let values: Vec<String> = hits.iter().map(|ip| format!("('{ip}')")).collect();
    let sql = format!(
        "WITH l(remote) AS (VALUES {}),
         t AS (SELECT d.*, CASE WHEN d.src_internal THEN d.dstaddr ELSE d.srcaddr END AS remote
               FROM {TABLE} d WHERE d.src_internal <> d.dst_internal AND (d.to_service OR d.action = 'REJECT'))
         SELECT t.srcaddr, t.dstaddr, t.src_internal, bool_or(t.action = 'ACCEPT') AS accepted,
                sum(t.records) AS records, sum(t.packets) AS packets, sum(t.bytes) AS bytes,
                min(t.first) AS first, max(t.last) AS last, array_agg(DISTINCT t.dstport) AS port_list
         FROM t JOIN l ON t.remote = l.remote
         GROUP BY t.srcaddr, t.dstaddr, t.src_internal",
        values.join(", ")
    );
    for rows in query(engine, &sql)? {
        for r in 0..rows.len() {
            let (Some(src), Some(dst)) = (rows.ip("srcaddr", r), rows.ip("dstaddr", r)) else {
                continue;
            };
            let outbound = rows.flag("src_internal", r);
            let remote = if outbound { dst } else { src };
            let accepted = rows.flag("accepted", r);
            let matches: Vec<ListMatch> = lists
                .matches(remote)
                .map(|i| ListMatch {
                    name: i.name.clone(),
                    category: i.category,
                })
                .collect();
            // One finding per detection the lists route to.
            let mut ids: Vec<&'static str> =
                matches.iter().map(|m| detection_for(m.category)).collect();
            ids.sort_unstable();
            ids.dedup();
            for id in ids {
                if !cx.config.of(id).enabled {
                    continue;
                }
                let these: Vec<ListMatch> = matches
                    .iter()
                    .filter(|m| detection_for(m.category) == id)
                    .cloned()
                    .collect();
                let severity = severity(id, &these, outbound, accepted);
                let mut ev = evidence(&rows, r);
                ev.ports = ports(rows.ints("port_list", r));
                out.push(finding(
                    id,
                    severity,
                    Some(src),
                    Some(dst),
                    rows.int("first", r).unwrap_or_default(),
                    rows.int("last", r).unwrap_or_default(),
                    Fact::Listed {
                        lists: these,
                        outbound,
                        accepted,
                    },
                    ev,
                ));
            }
        }
    }
    Ok(())
}

fn severity(id: &str, lists: &[ListMatch], outbound: bool, accepted: bool) -> Severity {
    if !accepted {
        return Severity::Low;
    }
    match id {
        "tor.traffic" if outbound => Severity::High,
        "crypto.mining" => Severity::High,
        "intel.listed" if outbound && lists.iter().any(|m| m.category == Category::C2) => {
            Severity::High
        }
        _ => Severity::Medium,
    }
}

/// Long outbound TCP connections to public addresses on a set of ports, per (source, destination, port); quiet
/// ones only when `max_bpm` (bytes a minute) is given.
fn long_connections(
    engine: &Engine,
    ports: &[u16],
    min_seconds: i64,
    max_bpm: Option<i64>,
) -> Result<Vec<super::Rows>> {
    let quiet = max_bpm.map_or(String::new(), |b| {
        format!(" AND sum(bytes) * 60 <= {b} * greatest(max(last) - min(first), 60)")
    });
    let sql = format!(
        "SELECT srcaddr, dstaddr, dstport, sum(records) AS records, sum(packets) AS packets, sum(bytes) AS bytes,
                min(first) AS first, max(last) AS last
         FROM {TABLE}
         WHERE src_internal AND NOT dst_internal AND protocol = 6 AND action = 'ACCEPT' AND to_service
           AND dstport IN ({})
         GROUP BY srcaddr, dstaddr, dstport
         HAVING max(last) - min(first) >= {min_seconds}{quiet}",
        port_list(ports)
    );
    query(engine, &sql)
}

/// Whether a list-based finding of `id` already covers this pair.
fn covered(out: &[Finding], id: &str, src: Option<IpAddr>, dst: Option<IpAddr>) -> bool {
    out.iter()
        .any(|f| f.detection == id && f.actor == src && f.target == dst)
}

/// `tor.traffic` without a list: outbound TCP to Tor's relay and directory ports.
pub(super) fn tor_ports(engine: &Engine, cx: &Context, out: &mut Vec<Finding>) -> Result<()> {
    let rows_list = long_connections(engine, catalogue::TOR_PORTS, 0, None)?;
    push_port_findings(rows_list, "tor.traffic", cx, out);
    Ok(())
}

/// `crypto.mining` without a list: long quiet connections to stratum and peer ports.
pub(super) fn mining_ports(engine: &Engine, cx: &Context, out: &mut Vec<Finding>) -> Result<()> {
    let id = "crypto.mining";
    let rows_list = long_connections(
        engine,
        catalogue::MINING_PORTS,
        int(cx, id, "min_seconds"),
        Some(int(cx, id, "max_bytes_per_minute")),
    )?;
    push_port_findings(rows_list, id, cx, out);
    Ok(())
}

fn push_port_findings(
    rows_list: Vec<super::Rows>,
    id: &'static str,
    _cx: &Context,
    out: &mut Vec<Finding>,
) {
    for rows in rows_list {
        for r in 0..rows.len() {
            let (src, dst) = (rows.ip("srcaddr", r), rows.ip("dstaddr", r));
            if covered(out, id, src, dst) {
                continue;
            }
            let port = rows
                .int("dstport", r)
                .and_then(|p| u16::try_from(p).ok())
                .unwrap_or_default();
            let (first, last) = (
                rows.int("first", r).unwrap_or_default(),
                rows.int("last", r).unwrap_or_default(),
            );
            let mut ev = evidence(&rows, r);
            ev.ports = vec![port];
            out.push(finding(
                id,
                Severity::Medium,
                src,
                dst,
                first,
                last,
                Fact::Port {
                    port,
                    seconds: last - first,
                },
                ev,
            ));
        }
    }
}
