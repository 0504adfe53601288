//! The SQL behind `top`, `stats` and `timeline`: canned questions, written as ordinary queries over `flows` so
//! that they run (and can be read, and copied) like any other.
//!
//! Records with a log status other than OK (NODATA, SKIPDATA) carry no traffic; `top` and `timeline` leave
//! them out so that they do not show up as a NULL talker, and `stats` counts them separately.

use crate::Engine;
use crate::filter::Filter;
use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::{Int64Type, SchemaRef};
use datafusion::common::{DataFusionError, Result};
use serde::Serialize;
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

/// What `top` ranks: an SQL expression and the name of its column in the result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Key {
    /// The expression (`"srcaddr"`, `service_name(dstport, protocol)`).
    pub expr: String,
    /// The result's column name.
    pub name: String,
}

impl Key {
    fn new(expr: impl Into<String>, name: impl Into<String>) -> Key {
        Key {
            expr: expr.into(),
            name: name.into(),
        }
    }
}

/// A `top` key that names nothing `top` knows.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown field `{word}`{}", hint(.suggestions))]
pub struct UnknownKey {
    /// The word as given.
    pub word: String,
    /// Field names close to it.
    pub suggestions: Vec<&'static str>,
}

fn hint(suggestions: &[&'static str]) -> String {
    if suggestions.is_empty() {
        String::new()
    } else {
        format!(" (did you mean `{}`?)", suggestions.join("`, `"))
    }
}

/// Resolves a `top` key: a column name (`srcaddr`, `dst_port`, `aws-region`) or an nfdump word (`srcip`,
/// `dstip`, `proto`), as an SQL expression with a readable name.
pub fn key(word: &str) -> Result<Key, UnknownKey> {
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
        return Ok(Key::new(ident(name), name));
    }
    match lower.as_str() {
        "service" | "dstservice" => Ok(Key::new("service_name(dstport, protocol)", "service")),
        "protocol_name" | "protoname" => Ok(Key::new("protocol_name(protocol)", "protocol_name")),
        "srcservice" | "src_aws_service" => Ok(Key::new("aws_service(srcaddr)", "src_aws_service")),
        "dst_aws_service" => Ok(Key::new("aws_service(dstaddr)", "dst_aws_service")),
        _ => Err(UnknownKey {
            word: w.to_string(),
            suggestions: vpcflow_record::Field::suggest(w),
        }),
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
pub fn top(keys: &[Key], by: By, n: usize, filter: Option<&str>) -> String {
    let select: Vec<String> = keys
        .iter()
        .map(|k| format!("{} AS {}", k.expr, ident(&k.name)))
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

/// Why a text is not a time bin.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    /// Not a number with a unit.
    #[error("`{0}` is not a duration (e.g. 30s, 5m, 1h, 1d)")]
    NotADuration(String),
    /// Zero.
    #[error("a time bin cannot be empty")]
    Empty,
}

/// `5m`, `1h`, `30s`, `1d`, or seconds.
pub fn parse_duration(text: &str) -> Result<u64, DurationError> {
    let t = text.trim();
    let (digits, unit) = match t.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => (&t[..i], &t[i..]),
        None => (t, "s"),
    };
    let not_a_duration = || DurationError::NotADuration(text.to_string());
    let n: u64 = digits.parse().map_err(|_| not_a_duration())?;
    let factor = match unit {
        "s" | "sec" => 1,
        "m" | "min" => 60,
        "h" | "hour" => 3600,
        "d" | "day" => 86400,
        _ => return Err(not_a_duration()),
    };
    if n == 0 {
        return Err(DurationError::Empty);
    }
    n.checked_mul(factor).ok_or_else(not_a_duration)
}

/// Totals of everything read (or of what a filter keeps): what `vpcflow stats` shows.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    /// Records, whatever their status.
    pub records: i64,
    /// Records that carry traffic (log status OK, or none).
    pub flows: i64,
    /// Packets.
    pub packets: i64,
    /// Bytes.
    pub bytes: i64,
    /// The earliest `start`, Unix seconds.
    pub first_start: Option<i64>,
    /// The latest `end`, Unix seconds.
    pub last_end: Option<i64>,
    /// ACCEPT records.
    pub accept: Verdicts,
    /// REJECT records.
    pub reject: Verdicts,
    /// NODATA records: interfaces with no traffic in an interval.
    pub nodata: i64,
    /// SKIPDATA records: intervals AWS could not record.
    pub skipdata: i64,
    /// Distinct interfaces.
    pub interfaces: i64,
}

/// Records of one action.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Verdicts {
    /// Records.
    pub flows: i64,
    /// Their bytes.
    pub bytes: i64,
}

impl Stats {
    /// The one row of [`stats`]'s query, in its column order.
    fn from_row(batch: &RecordBatch) -> Result<Stats> {
        let value = |i: usize| -> Result<Option<i64>> {
            let column = batch.column(i);
            let ints = column.as_primitive_opt::<Int64Type>().ok_or_else(|| {
                DataFusionError::Internal(format!(
                    "stats column {i} is {}, not Int64",
                    column.data_type()
                ))
            })?;
            Ok((batch.num_rows() > 0 && ints.is_valid(0)).then(|| ints.value(0)))
        };
        let n = |i: usize| -> Result<i64> { Ok(value(i)?.unwrap_or(0)) };
        Ok(Stats {
            records: n(0)?,
            flows: n(1)?,
            packets: n(2)?,
            bytes: n(3)?,
            first_start: value(4)?,
            last_end: value(5)?,
            accept: Verdicts {
                flows: n(6)?,
                bytes: n(7)?,
            },
            reject: Verdicts {
                flows: n(8)?,
                bytes: n(9)?,
            },
            nodata: n(10)?,
            skipdata: n(11)?,
            interfaces: n(12)?,
        })
    }
}

/// What `top` asks: the keys, what to rank by, how many rows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Top {
    /// What to rank.
    pub keys: Vec<Key>,
    /// By what.
    pub by: By,
    /// How many rows.
    pub n: usize,
}

impl Engine {
    /// The totals of every record (or of those `filter` keeps).
    pub fn stats(&self, filter: Option<&Filter>) -> Result<Stats> {
        let sql = stats(filter.map(Filter::sql));
        let (_, batches) = self.collect(&sql).map_err(|e| blame(filter, e))?;
        match batches.first() {
            Some(row) => Stats::from_row(row),
            None => Err(DataFusionError::Internal(
                "the totals query returned no row".to_string(),
            )),
        }
    }

    /// The top rows of `top` (with flows, packets and bytes), in rank order, to `on_batch`; returns the
    /// result's columns.
    pub fn top(
        &self,
        top: &Top,
        filter: Option<&Filter>,
        on_batch: impl FnMut(&RecordBatch) -> Result<()>,
    ) -> Result<SchemaRef> {
        let sql = self::top(&top.keys, top.by, top.n, filter.map(Filter::sql));
        self.query(&sql, on_batch).map_err(|e| blame(filter, e))
    }

    /// Flows, packets, bytes and rejects per bin of `bin_seconds` (by record start), the bin's time shown in
    /// `zone`, in time order, to `on_batch`; returns the result's columns.
    pub fn timeline(
        &self,
        bin_seconds: u64,
        zone: &str,
        filter: Option<&Filter>,
        on_batch: impl FnMut(&RecordBatch) -> Result<()>,
    ) -> Result<SchemaRef> {
        let sql = timeline(bin_seconds, zone, filter.map(Filter::sql));
        self.query(&sql, on_batch).map_err(|e| blame(filter, e))
    }
}

fn blame(filter: Option<&Filter>, e: DataFusionError) -> DataFusionError {
    match filter {
        Some(f) => f.blame(e),
        None => e,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_durations() {
        assert_eq!(key("srcip").unwrap().name, "srcaddr");
        assert_eq!(key("dst_port").unwrap().name, "dstport");
        assert_eq!(key("aws-region").unwrap().expr, "\"aws-region\"");
        assert!(
            key("scraddr")
                .unwrap_err()
                .to_string()
                .contains("did you mean `srcaddr`")
        );
        assert_eq!(parse_duration("5m"), Ok(300));
        assert_eq!(parse_duration("90"), Ok(90));
        assert_eq!(
            parse_duration("5x"),
            Err(DurationError::NotADuration("5x".into()))
        );
        assert_eq!(parse_duration("0h"), Err(DurationError::Empty));
        assert!(parse_duration("99999999999999999d").is_err());
    }
}
