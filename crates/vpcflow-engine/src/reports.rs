//! The SQL behind `top`, `stats` and `timeline`: canned questions, written as ordinary queries over `flows` so
//! that they run (and can be read, and copied) like any other.
//!
//! Records with a log status other than OK (NODATA, SKIPDATA) carry no traffic; `top` and `timeline` leave
//! them out so that they do not show up as a NULL talker, and `stats` counts them separately.

use vpcflow_source::Column;

/// What `top` ranks by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum By {
    /// Records (flows).
    Flows,
    /// Packets.
    Packets,
    /// Bytes.
    Bytes,
}

/// The condition for rows that carry traffic (a file without `log-status` has only such rows).
pub const TRAFFIC: &str = "(log_status IS NULL OR log_status = 'OK')";

/// Resolves a `top` key: a column name (`srcaddr`, `dst_port`, `aws-region`) or an nfdump word (`srcip`,
/// `dstip`, `proto`), as an SQL expression with a readable name.
pub fn key(word: &str) -> Result<(String, String), String> {
    let w = word.trim();
    let lower = w.to_ascii_lowercase();
    let alias = match lower.as_str() {
        "srcip" | "src" | "source" => Some("srcaddr"),
        "dstip" | "dst" | "destination" => Some("dstaddr"),
        "proto" => Some("protocol"),
        "interface" | "eni" | "if" => Some("interface_id"),
        "account" => Some("account_id"),
        "status" => Some("log_status"),
        "direction" => Some("flow_direction"),
        _ => None,
    };
    if let Some(column) = alias
        .and_then(Column::from_name)
        .or_else(|| Column::from_name(&lower))
    {
        let name = column.name();
        return Ok((ident(name), name.to_string()));
    }
    match lower.as_str() {
        "service" | "dstservice" => Ok((
            "service_name(dstport, protocol)".to_string(),
            "service".to_string(),
        )),
        "protocol_name" | "protoname" => Ok((
            "protocol_name(protocol)".to_string(),
            "protocol_name".to_string(),
        )),
        "srcservice" | "src_aws_service" => Ok((
            "aws_service(srcaddr)".to_string(),
            "src_aws_service".to_string(),
        )),
        "dst_aws_service" => Ok((
            "aws_service(dstaddr)".to_string(),
            "dst_aws_service".to_string(),
        )),
        _ => {
            let hint = vpcflow_record::Field::suggest(w);
            Err(if hint.is_empty() {
                format!("unknown field `{w}`")
            } else {
                format!(
                    "unknown field `{w}` (did you mean `{}`?)",
                    hint.join("`, `")
                )
            })
        }
    }
}

/// A double-quoted SQL identifier.
pub fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A single-quoted SQL string.
pub fn literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// The top `n` values of `keys` by `by`, with flows, packets and bytes for each.
pub fn top(keys: &[(String, String)], by: By, n: usize, filter: Option<&str>) -> String {
    let select: Vec<String> = keys
        .iter()
        .map(|(expr, name)| format!("{expr} AS {}", ident(name)))
        .collect();
    let group: Vec<String> = (1..=keys.len()).map(|i| i.to_string()).collect();
    let order = match by {
        By::Flows => "flows",
        By::Packets => "packets",
        By::Bytes => "bytes",
    };
    format!(
        "SELECT {}, COUNT(*) AS flows, SUM(packets) AS packets, SUM(bytes) AS bytes \
         FROM flows WHERE {TRAFFIC}{} GROUP BY {} ORDER BY {order} DESC NULLS LAST, {} LIMIT {n}",
        select.join(", "),
        filter.map(|f| format!(" AND ({f})")).unwrap_or_default(),
        group.join(", "),
        group.join(", "),
    )
}

/// One row of totals: records, flows, packets, bytes, time range, action split, NODATA/SKIPDATA, interfaces.
pub fn stats(filter: Option<&str>) -> String {
    format!(
        "SELECT COUNT(*) AS records, \
         COUNT(*) FILTER (WHERE {TRAFFIC}) AS flows, \
         COALESCE(SUM(packets), 0) AS packets, \
         COALESCE(SUM(bytes), 0) AS bytes, \
         MIN(start) AS first_start, \
         MAX(\"end\") AS last_end, \
         COUNT(*) FILTER (WHERE action = 'ACCEPT') AS accept_flows, \
         COALESCE(SUM(bytes) FILTER (WHERE action = 'ACCEPT'), 0) AS accept_bytes, \
         COUNT(*) FILTER (WHERE action = 'REJECT') AS reject_flows, \
         COALESCE(SUM(bytes) FILTER (WHERE action = 'REJECT'), 0) AS reject_bytes, \
         COUNT(*) FILTER (WHERE log_status = 'NODATA') AS nodata, \
         COUNT(*) FILTER (WHERE log_status = 'SKIPDATA') AS skipdata, \
         COUNT(DISTINCT interface_id) AS interfaces \
         FROM flows{}",
        filter.map(|f| format!(" WHERE ({f})")).unwrap_or_default()
    )
}

/// Totals per time bin of `bin_seconds`, by record start, with the bin shown in `zone`.
pub fn timeline(bin_seconds: u64, zone: &str, filter: Option<&str>) -> String {
    let bin = bin_seconds.max(1);
    format!(
        "SELECT flow_time(b, {zone}) AS time, flows, packets, bytes, rejected FROM (\
         SELECT start - start % {bin} AS b, COUNT(*) AS flows, SUM(packets) AS packets, SUM(bytes) AS bytes, \
         COUNT(*) FILTER (WHERE action = 'REJECT') AS rejected \
         FROM flows WHERE start IS NOT NULL AND {TRAFFIC}{} GROUP BY 1) ORDER BY b",
        filter.map(|f| format!(" AND ({f})")).unwrap_or_default(),
        zone = literal(zone),
    )
}

/// `5m`, `1h`, `30s`, `1d`, or seconds.
pub fn parse_duration(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let (digits, unit) = match t.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => (&t[..i], &t[i..]),
        None => (t, "s"),
    };
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("`{text}` is not a duration (e.g. 30s, 5m, 1h, 1d)"))?;
    let factor = match unit {
        "s" | "sec" => 1,
        "m" | "min" => 60,
        "h" | "hour" => 3600,
        "d" | "day" => 86400,
        _ => return Err(format!("`{text}` is not a duration (e.g. 30s, 5m, 1h, 1d)")),
    };
    if n == 0 {
        return Err("a time bin cannot be empty".to_string());
    }
    Ok(n * factor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_durations() {
        assert_eq!(key("srcip").unwrap().1, "srcaddr");
        assert_eq!(key("dst_port").unwrap().1, "dstport");
        assert_eq!(key("aws-region").unwrap().0, "\"aws-region\"");
        assert!(key("scraddr").unwrap_err().contains("srcaddr"));
        assert_eq!(parse_duration("5m"), Ok(300));
        assert_eq!(parse_duration("90"), Ok(90));
        assert!(parse_duration("5x").is_err());
    }
}
