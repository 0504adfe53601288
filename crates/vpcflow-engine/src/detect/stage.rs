//! The first plan: the records any detection needs, summed per minute, held in memory as `detect_flows`.
//!
//! A row of `detect_flows` is the records of one minute (by `start`) with the same source, destination,
//! destination port, protocol, action and probe-ness; for the remote-login ports the source port is kept too
//! (each connection is an attempt). `src_internal`/`dst_internal` say which sides are ours (private ranges and the
//! configured internal ranges), `to_service` whether the destination port is the server's side (the lower port:
//! a reply from port 443 to port 51234 is not a connection to port 51234). `rate` sums each record's packets per
//! minute of its own duration, so that a 10-minute aggregation record does not look ten times as fast.
//!
//! Only four kinds of records are kept: probes (rejected, or TCP of at most 3 packets and 180 bytes with no more
//! than SYN and RST seen), traffic from an internal address to an external one, accepted connections from
//! outside to a server port inside, and anything on a remote-login port. In the benchmark's data that is well
//! under half of the records, and summing per minute shrinks the busy pairs further.

use super::{Context, Example, Finding};
use crate::Engine;
use arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use arrow::datatypes::{DataType, Int64Type};
use datafusion::common::{DataFusionError, Result};
use datafusion::datasource::MemTable;
use std::collections::HashMap;
use std::sync::Arc;

/// The name of the candidates table.
pub const TABLE: &str = "detect_flows";

/// The first plan; `{internal_src}`, `{internal_dst}` and `{time}` are filled in.
pub const CANDIDATES: &str = "
SELECT srcaddr, dstaddr, srcport, dstport, protocol, action, src_internal, dst_internal, probe, to_service,
       v6_interface, minute, count(*) AS records, sum(packets) AS packets, sum(bytes) AS bytes, sum(rate) AS rate,
       min(start) AS first, max(\"end\") AS last
FROM (
  SELECT srcaddr, dstaddr,
         CASE WHEN dstport IN (22, 3389, 5985, 5986) THEN srcport END AS srcport,
         dstport, protocol, action,
         {internal_src} AS src_internal,
         {internal_dst} AS dst_internal,
         (action = 'REJECT' OR (protocol = 6 AND packets <= 3 AND bytes <= 180
                                AND (tcp_flags IS NULL OR tcp_flags IN (0, 2, 4, 6)))) AS probe,
         (dstport < srcport OR (dstport IS NULL AND srcport IS NULL) OR protocol NOT IN (6, 17, 132)) AS to_service,
         start - start % 60 AS minute,
         CASE WHEN strpos(srcaddr, ':') > 0 THEN interface_id END AS v6_interface,
         packets, bytes, start, \"end\",
         CAST(packets AS DOUBLE) * 60.0 / CAST(greatest(\"end\" - start, 60) AS DOUBLE) AS rate
  FROM flows
  WHERE srcaddr IS NOT NULL AND dstaddr IS NOT NULL AND start IS NOT NULL {time}
) r
WHERE probe
   OR (src_internal AND NOT dst_internal)
   OR (dst_internal AND NOT src_internal AND action = 'ACCEPT' AND to_service)
   OR dstport IN (22, 3389, 5985, 5986)
   OR (v6_interface IS NOT NULL AND NOT src_internal AND NOT dst_internal)
GROUP BY srcaddr, dstaddr, srcport, dstport, protocol, action, src_internal, dst_internal, probe, to_service,
         v6_interface, minute
";

/// Each interface's own IPv6 address in the IPv6 candidates: the address on one side of (nearly) every one of its
/// rows. `sides` is twice the interface's records (each record has two addresses).
const OWN_V6: &str = "
WITH a AS (SELECT v6_interface AS i, srcaddr AS addr, sum(records) AS n FROM detect_flows
           WHERE v6_interface IS NOT NULL GROUP BY v6_interface, srcaddr
           UNION ALL
           SELECT v6_interface AS i, dstaddr AS addr, sum(records) AS n FROM detect_flows
           WHERE v6_interface IS NOT NULL GROUP BY v6_interface, dstaddr),
     b AS (SELECT i, addr, sum(n) AS n FROM a GROUP BY i, addr)
SELECT i, addr, n, sum(n) OVER (PARTITION BY i) AS sides FROM b ORDER BY i, n DESC, addr
";

/// The candidates: registered as [`TABLE`].
pub struct Candidates {
    /// Rows kept.
    pub rows: usize,
}

/// Whether an address column is internal: private, link-local, or one of the configured ranges.
fn internal_expr(column: &str, cx: &Context) -> String {
    let mut parts = vec![
        format!("is_private({column})"),
        format!("ip_in({column}, '169.254.0.0/16')"),
        format!("ip_in({column}, 'fe80::/10')"),
    ];
    parts.extend(
        cx.config
            .internal
            .iter()
            .map(|n| format!("ip_in({column}, '{n}')")),
    );
    format!("coalesce({}, false)", parts.join(" OR "))
}

/// The first plan's SQL for a run.
pub fn candidates_sql(cx: &Context) -> String {
    let mut time = String::new();
    if let Some(s) = cx.since {
        time.push_str(&format!(" AND start >= {s}"));
    }
    if let Some(u) = cx.until {
        time.push_str(&format!(" AND start < {u}"));
    }
    CANDIDATES
        .replace("{internal_src}", &internal_expr("srcaddr", cx))
        .replace("{internal_dst}", &internal_expr("dstaddr", cx))
        .replace("{time}", &time)
}

/// Runs the first plan and registers its result in memory.
pub fn collect(engine: &Engine, cx: &Context) -> Result<Candidates> {
    let sql = candidates_sql(cx);
    let (schema, batches) = engine.collect(&sql)?;
    let rows = batches.iter().map(|b| b.num_rows()).sum();
    register(engine, spread(engine, schema, batches)?)?;
    learn_v6(engine, cx)?;
    Ok(Candidates { rows })
}

fn register(engine: &Engine, table: MemTable) -> Result<()> {
    let ctx = engine.context();
    let _ = ctx.deregister_table(TABLE)?;
    ctx.register_table(TABLE, Arc::new(table))?;
    Ok(())
}

/// Learns the interfaces' own IPv6 /64 subnets and marks their addresses internal.
fn learn_v6(engine: &Engine, cx: &Context) -> Result<()> {
    let mut subnets = std::collections::BTreeSet::new();
    let mut best: Option<(String, String, i64, bool)> = None;
    let decide = |best: Option<(String, String, i64, bool)>,
                  subnets: &mut std::collections::BTreeSet<String>| {
        if let Some((_, addr, _, false)) = best
            && let Ok(std::net::IpAddr::V6(ip)) = addr.parse::<std::net::IpAddr>()
            && !cx
                .config
                .internal
                .iter()
                .any(|n| n.contains(&std::net::IpAddr::V6(ip)))
            && let Ok(net) = ipnet::Ipv6Net::new(ip, 64)
        {
            subnets.insert(net.trunc().to_string());
        }
    };
    for rows in query(engine, OWN_V6)? {
        for r in 0..rows.len() {
            let i = rows.str("i", r).unwrap_or_default().to_string();
            let addr = rows.str("addr", r).unwrap_or_default().to_string();
            let n = rows.int("n", r).unwrap_or_default();
            // An address in fewer than 90% of the interface's records is a busy peer, not the interface's own
            // (an interface whose records carry many addresses of its own has none that stands out).
            let sides = rows.int("sides", r).unwrap_or_default();
            let rare = n * 20 < sides * 9;
            match &mut best {
                Some((bi, _, bn, tie)) if *bi == i => {
                    if n == *bn {
                        *tie = true;
                    }
                }
                _ => {
                    decide(best.take(), &mut subnets);
                    best = Some((i, addr, n, rare));
                }
            }
        }
    }
    decide(best, &mut subnets);
    if subnets.is_empty() {
        return Ok(());
    }
    let inside = |side: &str| {
        let nets: Vec<String> = subnets
            .iter()
            .map(|n| format!("ip_in({side}addr, '{n}')"))
            .collect();
        format!(
            "({side}_internal OR coalesce({}, false))",
            nets.join(" OR ")
        )
    };
    let sql = format!(
        "SELECT srcaddr, dstaddr, srcport, dstport, protocol, action, {} AS src_internal, {} AS dst_internal,
                probe, to_service, v6_interface, minute, records, packets, bytes, rate, first, last
         FROM {TABLE}",
        inside("src"),
        inside("dst")
    );
    let (schema, batches) = engine.collect(&sql)?;
    register(engine, spread(engine, schema, batches)?)
}

/// A table of `batches` spread over the engine's partitions, so that every query over them uses every core.
fn spread(
    engine: &Engine,
    schema: arrow::datatypes::SchemaRef,
    batches: Vec<RecordBatch>,
) -> Result<MemTable> {
    let parts = engine.context().state().config().target_partitions().max(1);
    let mut partitions: Vec<Vec<RecordBatch>> = vec![Vec::new(); parts];
    for (i, b) in batches.into_iter().enumerate() {
        partitions[i % parts].push(b);
    }
    MemTable::try_new(schema, partitions)
}

/// Forgets the candidates.
pub fn forget(engine: &Engine) -> Result<()> {
    engine.context().deregister_table(TABLE)?;
    Ok(())
}

/// Rows of a query result, read by column name whatever the column's Arrow type.
pub struct Rows {
    columns: HashMap<String, ArrayRef>,
    len: usize,
}

/// Runs `sql` and returns its rows. With `VPCFLOW_DEBUG_SQL` set, each detection's SQL is printed to stderr first.
pub fn query(engine: &Engine, sql: &str) -> Result<Vec<Rows>> {
    if std::env::var_os("VPCFLOW_DEBUG_SQL").is_some() {
        eprintln!("{sql};");
    }
    let (schema, batches) = engine.collect(sql)?;
    batches
        .into_iter()
        .map(|b| {
            let mut columns = HashMap::new();
            for (field, col) in schema.fields().iter().zip(b.columns()) {
                let cast = match col.data_type() {
                    DataType::Utf8View | DataType::LargeUtf8 => {
                        arrow::compute::cast(col, &DataType::Utf8)?
                    }
                    DataType::Int8
                    | DataType::Int16
                    | DataType::Int32
                    | DataType::UInt8
                    | DataType::UInt16
                    | DataType::UInt32
                    | DataType::UInt64 => arrow::compute::cast(col, &DataType::Int64)?,
                    _ => col.clone(),
                };
                columns.insert(field.name().clone(), cast);
            }
            Ok(Rows {
                columns,
                len: b.num_rows(),
            })
        })
        .collect()
}

impl Rows {
    /// Rows in this batch.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn col(&self, name: &str) -> &ArrayRef {
        self.columns
            .get(name)
            .unwrap_or_else(|| panic!("detection query lacks column {name}"))
    }

    /// A text column's value.
    pub fn str(&self, name: &str, row: usize) -> Option<&str> {
        let c = self.col(name).as_string::<i32>();
        c.is_valid(row).then(|| c.value(row))
    }

    /// An integer column's value.
    pub fn int(&self, name: &str, row: usize) -> Option<i64> {
        let c = self.col(name);
        match c.data_type() {
            DataType::Float64 => {
                let f = c.as_primitive::<arrow::datatypes::Float64Type>();
                f.is_valid(row).then(|| f.value(row) as i64)
            }
            _ => {
                let i = c.as_primitive::<Int64Type>();
                i.is_valid(row).then(|| i.value(row))
            }
        }
    }

    /// An integer column's value, 0 for null or negative.
    pub fn count(&self, name: &str, row: usize) -> u64 {
        self.int(name, row).unwrap_or(0).max(0) as u64
    }

    /// A boolean column's value (null is false).
    pub fn flag(&self, name: &str, row: usize) -> bool {
        let c = self.col(name).as_boolean();
        c.is_valid(row) && c.value(row)
    }

    /// A float column's value.
    pub fn float(&self, name: &str, row: usize) -> Option<f64> {
        let c = self.col(name);
        match c.data_type() {
            DataType::Float64 => {
                let f = c.as_primitive::<arrow::datatypes::Float64Type>();
                f.is_valid(row).then(|| f.value(row))
            }
            _ => self.int(name, row).map(|v| v as f64),
        }
    }

    /// An address column's value.
    pub fn ip(&self, name: &str, row: usize) -> Option<std::net::IpAddr> {
        self.str(name, row)?.parse().ok()
    }

    /// A list-of-strings column's value.
    pub fn strs(&self, name: &str, row: usize) -> Vec<String> {
        let c = self.col(name).as_list::<i32>();
        if !c.is_valid(row) {
            return Vec::new();
        }
        let values = arrow::compute::cast(&c.value(row), &DataType::Utf8).expect("strings cast");
        values
            .as_string::<i32>()
            .iter()
            .flatten()
            .map(str::to_string)
            .collect()
    }

    /// A list-of-integers column's value.
    pub fn ints(&self, name: &str, row: usize) -> Vec<i64> {
        let c = self.col(name).as_list::<i32>();
        if !c.is_valid(row) {
            return Vec::new();
        }
        let values = c.value(row);
        let values = arrow::compute::cast(&values, &DataType::Int64).expect("integers cast");
        values
            .as_primitive::<Int64Type>()
            .iter()
            .flatten()
            .collect()
    }
}

/// Fills each finding's examples: up to three candidate rows between its actor and target (or from its actor,
/// or to its target) within its time range, earliest first. One query for all findings.
pub fn examples(engine: &Engine, findings: &mut [Finding]) -> Result<()> {
    if findings.is_empty() {
        return Ok(());
    }
    let mut keys = Vec::new();
    for (i, f) in findings.iter().enumerate() {
        let lit =
            |ip: Option<std::net::IpAddr>| ip.map_or("NULL".to_string(), |ip| format!("'{ip}'"));
        keys.push(format!(
            "({i}, {}, {}, {}, {})",
            lit(f.actor),
            lit(f.target),
            f.first,
            f.last
        ));
    }
    // Two equi-joins (by actor, or by target for findings without one) so that DataFusion hashes instead of
    // comparing every candidate with every finding.
    let sql = format!(
        "WITH k(fid, actor, target, t0, t1) AS (VALUES {}),
         j AS (
           SELECT k.fid, d.* FROM {TABLE} d JOIN k ON d.srcaddr = k.actor
            WHERE (k.target IS NULL OR d.dstaddr = k.target) AND d.first >= k.t0 AND d.first <= k.t1
           UNION ALL
           SELECT k.fid, d.* FROM {TABLE} d JOIN k ON d.dstaddr = k.target
            WHERE k.actor IS NULL AND d.first >= k.t0 AND d.first <= k.t1),
         m AS (SELECT *, row_number() OVER (PARTITION BY fid ORDER BY first, srcaddr, dstaddr, dstport) AS n FROM j)
         SELECT fid, srcaddr, dstaddr, dstport, protocol, action, records, packets, bytes, first, last
         FROM m WHERE n <= 3 ORDER BY fid, n",
        keys.join(", ")
    );
    for rows in query(engine, &sql)? {
        for r in 0..rows.len() {
            let fid = rows.int("fid", r).unwrap_or(-1);
            let Some(f) = usize::try_from(fid).ok().and_then(|i| findings.get_mut(i)) else {
                return Err(DataFusionError::Internal("example for no finding".into()));
            };
            f.evidence.examples.push(Example {
                srcaddr: rows.str("srcaddr", r).unwrap_or_default().to_string(),
                dstaddr: rows.str("dstaddr", r).unwrap_or_default().to_string(),
                dstport: rows.int("dstport", r).and_then(|p| u16::try_from(p).ok()),
                protocol: rows.int("protocol", r).and_then(|p| u8::try_from(p).ok()),
                action: rows.str("action", r).unwrap_or_default().to_string(),
                records: rows.count("records", r),
                packets: rows.count("packets", r),
                bytes: rows.count("bytes", r),
                start: rows.int("first", r).unwrap_or_default(),
                end: rows.int("last", r).unwrap_or_default(),
            });
        }
    }
    Ok(())
}
