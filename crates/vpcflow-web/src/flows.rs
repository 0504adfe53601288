//! The Flows view: the records themselves, a page at a time, sorted on any column, paged by key (the sort value
//! and the row number of the last row shown) rather than by offset, so that a page costs the same at the
//! millionth row as at the first; and one record opened: its fields, its explanation, both directions of its
//! connection and, when rejected, its diagnosis.

use crate::cache::{CHUNK, Cache, ROW};
use crate::scan::{Numbers, fold, keys, row_arrays};
use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::{DataType, Field, Schema, UInt32Type};
use datafusion::physical_expr::PhysicalExpr;
use serde::Serialize;
use std::collections::BinaryHeap;
use std::sync::Arc;

/// Ranks of each text column's values in sorted order, so that sorting on text is sorting on numbers.
pub struct Ranks {
    ranks: std::collections::HashMap<String, Vec<i64>>,
}

impl Ranks {
    /// Sorts every dictionary once.
    pub fn new(cache: &Cache) -> Ranks {
        let ranks = cache
            .dictionaries
            .iter()
            .map(|(name, d)| {
                let mut order: Vec<usize> = (0..d.len()).collect();
                order.sort_by(|&a, &b| d.value(a).cmp(d.value(b)));
                let mut rank = vec![0i64; d.len()];
                for (r, i) in order.into_iter().enumerate() {
                    rank[i] = r as i64;
                }
                (name.clone(), rank)
            })
            .collect();
        Ranks { ranks }
    }
}

/// Where a page starts: after the row with this sort value and row number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cursor {
    /// The sort value (a number, or a text's rank).
    pub key: i64,
    /// The row number.
    pub row: u32,
}

impl Cursor {
    /// `key.row`.
    pub fn parse(text: &str) -> Option<Cursor> {
        let (k, r) = text.split_once('.')?;
        Some(Cursor {
            key: k.parse().ok()?,
            row: r.parse().ok()?,
        })
    }

    /// The text form.
    pub fn text(&self) -> String {
        format!("{}.{}", self.key, self.row)
    }
}

/// One page.
#[derive(Debug, Serialize)]
pub struct Page {
    /// The columns shown (those any record has), in Athena's order.
    pub columns: Vec<String>,
    /// The rows: the row number, then the values in column order.
    pub rows: Vec<(u32, Vec<serde_json::Value>)>,
    /// Where the next page starts (`None` on the last page).
    pub next: Option<String>,
}

/// A page of `limit` rows sorted on `sort` (descending unless `ascending`), after `after`.
#[allow(clippy::too_many_arguments)]
pub fn page(
    cache: &Cache,
    ranks: &Ranks,
    filter: Option<&Arc<dyn PhysicalExpr>>,
    sort: &str,
    ascending: bool,
    after: Option<Cursor>,
    limit: usize,
    threads: usize,
) -> datafusion::error::Result<Page> {
    let rank = ranks.ranks.get(sort);
    let row_col = cache.index(ROW).expect("the cache numbers its rows");
    // Descending: keep the largest (key, row) below the cursor; ascending: the smallest above it. Both as "keep
    // the smallest of a transformed key" so that one heap serves.
    let flip = |k: (i64, u32)| -> (i64, i64) {
        if ascending {
            (k.0, k.1 as i64)
        } else {
            (-(k.0.saturating_add(1)), -(k.1 as i64))
        }
    };
    let bound = after.map(|c| flip((c.key, c.row)));
    // One more than a page, to know whether another page follows.
    let cap = limit + 1;
    let heaps = fold(
        cache,
        filter,
        threads,
        || {
            (
                BinaryHeap::<((i64, i64), (i64, u32))>::new(),
                Vec::<u32>::new(),
            )
        },
        |(heap, buf), s| {
            let b = s.batch;
            let rows = b.column(row_col).as_primitive::<UInt32Type>();
            let nums = Numbers::of(cache, b, sort);
            if rank.is_some() {
                keys(cache, b, sort, buf);
            }
            for i in 0..b.num_rows() {
                if !s.passes(i) {
                    continue;
                }
                let key = match rank {
                    Some(r) => {
                        if buf[i] == u32::MAX {
                            -1
                        } else {
                            r[buf[i] as usize]
                        }
                    }
                    None => nums.get(i).unwrap_or(i64::MIN + 1),
                };
                let k = (key, rows.value(i));
                let f = flip(k);
                if bound.is_some_and(|b| f <= b) {
                    continue;
                }
                if heap.len() < cap {
                    heap.push((f, k));
                } else if heap.peek().is_some_and(|top| f < top.0) {
                    heap.pop();
                    heap.push((f, k));
                }
            }
        },
    )?;
    let mut best: Vec<((i64, i64), (i64, u32))> =
        heaps.into_iter().flat_map(|(h, _)| h.into_vec()).collect();
    best.sort();
    let more = best.len() > limit;
    best.truncate(limit);
    let columns: Vec<String> = cache
        .columns
        .iter()
        .filter(|c| c.stored)
        .map(|c| c.name.clone())
        .collect();
    let rows: Vec<(u32, Vec<serde_json::Value>)> = best
        .iter()
        .map(|(_, (_, row))| (*row, values(cache, *row)))
        .collect();
    let next = match best.last() {
        Some((_, (key, row))) if more => Some(
            Cursor {
                key: *key,
                row: *row,
            }
            .text(),
        ),
        _ => None,
    };
    Ok(Page {
        columns,
        rows,
        next,
    })
}

/// The batch and offset of a row number.
pub fn locate(cache: &Cache, row: u32) -> Option<(&RecordBatch, usize)> {
    let b = cache.batches.get(row as usize / CHUNK)?;
    let i = row as usize % CHUNK;
    (i < b.num_rows()).then_some((b, i))
}

/// The stored values of a row, as JSON (numbers as numbers, NULL as null).
pub fn values(cache: &Cache, row: u32) -> Vec<serde_json::Value> {
    let Some((b, i)) = locate(cache, row) else {
        return Vec::new();
    };
    row_arrays(cache, b, i)
        .into_iter()
        .map(|(_, a)| json_value(&a))
        .collect()
}

fn json_value(a: &arrow::array::ArrayRef) -> serde_json::Value {
    if a.is_null(0) {
        return serde_json::Value::Null;
    }
    match a.data_type() {
        DataType::Int32 => a
            .as_primitive::<arrow::datatypes::Int32Type>()
            .value(0)
            .into(),
        DataType::Int64 => a
            .as_primitive::<arrow::datatypes::Int64Type>()
            .value(0)
            .into(),
        DataType::Utf8 => a.as_string::<i32>().value(0).into(),
        _ => arrow::util::display::array_value_to_string(a, 0)
            .unwrap_or_default()
            .into(),
    }
}

/// A row as a one-row batch with plain text columns (what `vpcflow_record::Record::from_batch` reads).
pub fn record_batch(cache: &Cache, row: u32) -> Option<RecordBatch> {
    let (b, i) = locate(cache, row)?;
    let cols = row_arrays(cache, b, i);
    let schema = Schema::new(
        cols.iter()
            .map(|(n, a)| Field::new(n, a.data_type().clone(), true))
            .collect::<Vec<_>>(),
    );
    RecordBatch::try_new(Arc::new(schema), cols.into_iter().map(|(_, a)| a).collect()).ok()
}

/// The record of a row: the fields it has (a NULL column that the record's format lacks is left out, so that
/// explanations do not speak of fields the log never had).
pub fn record(cache: &Cache, row: u32) -> Option<vpcflow_record::Record> {
    let b = record_batch(cache, row)?;
    let r = vpcflow_record::Record::from_batch(&b, 0, None);
    let kept: Vec<(vpcflow_record::Field, vpcflow_record::Value)> = r
        .values()
        .iter()
        .filter(|(f, v)| {
            !matches!(v, vpcflow_record::Value::Absent)
                || f.since() <= 2
                || f.name() == "log-status"
        })
        .cloned()
        .collect();
    Some(vpcflow_record::Record::new(kept))
}

/// Where a row came from, for the words: its file (`$path`) and row number.
pub fn location(cache: &Cache, row: u32) -> String {
    let path = locate(cache, row).and_then(|(b, i)| {
        let c = cache.index("$path")?;
        crate::scan::text_of(cache, "$path", {
            let mut k = Vec::new();
            crate::cache::keys_of(b.column(c), &mut k);
            k[i]
        })
    });
    match path {
        Some(p) => format!("{p} (row {row})"),
        None => format!("row {row}"),
    }
}

/// Rows near `row` in time that belong with it: the same address pair either way round, on any interface, or
/// anything on the same interface (the diagnosis looks at the interface's other traffic); at most `limit`.
pub fn neighbours(
    cache: &Cache,
    tables: &crate::sql::Tables,
    row: u32,
    window: i64,
    limit: usize,
    threads: usize,
) -> datafusion::error::Result<Vec<u32>> {
    let Some(b) = record_batch(cache, row) else {
        return Ok(Vec::new());
    };
    let text = |name: &str| -> Option<String> {
        let i = b.schema().index_of(name).ok()?;
        let a = b.column(i);
        (a.is_valid(0) && a.data_type() == &DataType::Utf8)
            .then(|| a.as_string::<i32>().value(0).to_string())
    };
    let start = b.schema().index_of("start").ok().and_then(|i| {
        let a = b.column(i);
        a.is_valid(0)
            .then(|| a.as_primitive::<arrow::datatypes::Int64Type>().value(0))
    });
    let mut parts = Vec::new();
    if let Some(t) = start {
        parts.push(format!("start BETWEEN {} AND {}", t - window, t + window));
    }
    let mut either = Vec::new();
    if let (Some(s), Some(d)) = (text("srcaddr"), text("dstaddr")) {
        let (s, d) = (crate::sql::literal(&s), crate::sql::literal(&d));
        either.push(format!("(srcaddr = {s} AND dstaddr = {d})"));
        either.push(format!("(srcaddr = {d} AND dstaddr = {s})"));
    }
    if let Some(i) = text("interface_id") {
        either.push(format!("interface_id = {}", crate::sql::literal(&i)));
    }
    if !either.is_empty() {
        parts.push(format!("({})", either.join(" OR ")));
    }
    let filter = tables.filter(&parts.join(" AND "))?;
    let row_col = cache.index(ROW).expect("the cache numbers its rows");
    let found = fold(cache, Some(&filter), threads, Vec::<u32>::new, |out, s| {
        let rows = s.batch.column(row_col).as_primitive::<UInt32Type>();
        for i in 0..s.batch.num_rows() {
            if s.passes(i) {
                out.push(rows.value(i));
            }
        }
    })?;
    let mut all: Vec<u32> = found.into_iter().flatten().collect();
    all.sort_unstable();
    // Keep the rows nearest the one asked about.
    if all.len() > limit {
        all.sort_by_key(|r| (*r as i64 - row as i64).abs());
        all.truncate(limit);
        all.sort_unstable();
    }
    if !all.contains(&row) {
        all.push(row);
        all.sort_unstable();
    }
    Ok(all)
}
