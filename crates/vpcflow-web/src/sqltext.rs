//! The SQL behind each panel: the same numbers as [`crate::panels`] computes, as a query over `flows` that the
//! page shows, lets the user edit, runs for downloads, and that Athena runs as is.

use crate::panels::Axis;
use crate::state::quoted_if_needed;
use vpcflow_engine::reports::TRAFFIC;

fn and(condition: Option<&str>, more: &[&str]) -> String {
    let parts: Vec<String> = condition
        .map(|c| format!("({c})"))
        .into_iter()
        .chain(more.iter().map(|m| m.to_string()))
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", parts.join(" AND "))
    }
}

/// The headline numbers.
pub fn kpis(condition: Option<&str>) -> String {
    format!(
        "SELECT COUNT(*) AS records, \
COUNT(*) FILTER (WHERE {TRAFFIC}) AS flows, \
COALESCE(SUM(bytes) FILTER (WHERE {TRAFFIC}), 0) AS bytes, \
COALESCE(SUM(packets) FILTER (WHERE {TRAFFIC}), 0) AS packets, \
COUNT(*) FILTER (WHERE {TRAFFIC} AND action = 'ACCEPT') AS accept, \
COUNT(*) FILTER (WHERE {TRAFFIC} AND action = 'REJECT') AS reject, \
COUNT(*) FILTER (WHERE log_status = 'NODATA') AS nodata, \
COUNT(*) FILTER (WHERE log_status = 'SKIPDATA') AS skipdata, \
COUNT(DISTINCT CASE WHEN {TRAFFIC} THEN srcaddr END) AS sources, \
COUNT(DISTINCT CASE WHEN {TRAFFIC} THEN dstaddr END) AS destinations, \
COUNT(DISTINCT interface_id) AS interfaces \
FROM flows{}",
        and(condition, &[])
    )
}

/// Records per time bin by action, and bytes by direction (from and to the internet).
pub fn timeline(condition: Option<&str>, axis: &Axis) -> String {
    let step = axis.step;
    format!(
        "SELECT start - start % {step} AS time, \
COUNT(*) FILTER (WHERE {TRAFFIC} AND (action IS NULL OR action <> 'REJECT')) AS accept, \
COUNT(*) FILTER (WHERE {TRAFFIC} AND action = 'REJECT') AS reject, \
COUNT(*) FILTER (WHERE NOT {TRAFFIC}) AS nodata, \
COALESCE(SUM(bytes) FILTER (WHERE {TRAFFIC} AND NOT is_private(srcaddr) AND is_private(dstaddr)), 0) AS bytes_in, \
COALESCE(SUM(bytes) FILTER (WHERE {TRAFFIC} AND is_private(srcaddr) AND NOT is_private(dstaddr)), 0) AS bytes_out \
FROM flows{} GROUP BY 1 ORDER BY 1",
        and(condition, &["start IS NOT NULL"])
    )
}

/// The top `n` values of `column` among records with traffic, by bytes or records, with each one's rejects.
pub fn top(condition: Option<&str>, column: &str, by_bytes: bool, n: usize) -> String {
    let c = quoted_if_needed(column);
    let not_null = format!("{c} IS NOT NULL");
    format!(
        "SELECT {c} AS value, COUNT(*) AS flows, COALESCE(SUM(bytes), 0) AS bytes, \
COUNT(*) FILTER (WHERE action = 'REJECT') AS rejects \
FROM flows{} GROUP BY {c} ORDER BY {} DESC, value LIMIT {n}",
        and(condition, &[TRAFFIC, &not_null]),
        if by_bytes { "bytes" } else { "flows" }
    )
}

/// Rejected records by interface, source, destination, port and protocol.
pub fn rejects(condition: Option<&str>, n: usize) -> String {
    format!(
        "SELECT interface_id, srcaddr, dstaddr, dstport, protocol, COUNT(*) AS flows, \
COALESCE(SUM(bytes), 0) AS bytes FROM flows{} \
GROUP BY interface_id, srcaddr, dstaddr, dstport, protocol ORDER BY flows DESC, bytes DESC LIMIT {n}",
        and(condition, &[TRAFFIC, "action = 'REJECT'"])
    )
}

/// The records, sorted.
pub fn records(condition: Option<&str>, sort: &str, ascending: bool, n: usize) -> String {
    format!(
        "SELECT * FROM flows{} ORDER BY {} {} LIMIT {n}",
        and(condition, &[]),
        quoted_if_needed(sort),
        if ascending { "ASC" } else { "DESC" }
    )
}

/// Bytes and records along the Sankey's dimensions (before the cut to the largest values).
pub fn sankey(condition: Option<&str>, columns: &[String]) -> String {
    let cols = columns.join(", ");
    format!(
        "SELECT {cols}, COALESCE(SUM(bytes), 0) AS bytes, COUNT(*) AS flows FROM flows{} GROUP BY {cols} \
ORDER BY bytes DESC",
        and(condition, &[TRAFFIC])
    )
}

/// Log status per interface and time bin.
pub fn coverage(condition: Option<&str>, axis: &Axis) -> String {
    format!(
        "SELECT interface_id, start - start % {} AS time, \
COUNT(*) FILTER (WHERE {TRAFFIC}) AS ok, \
COUNT(*) FILTER (WHERE log_status = 'NODATA') AS nodata, \
COUNT(*) FILTER (WHERE log_status = 'SKIPDATA') AS skipdata \
FROM flows{} GROUP BY 1, 2 ORDER BY 1, 2",
        axis.step,
        and(condition, &["start IS NOT NULL"])
    )
}
