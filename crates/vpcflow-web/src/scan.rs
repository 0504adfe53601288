//! Passes over the cached batches: on every core, each thread with its own accumulator, the state's condition
//! evaluated per batch as a vectorised DataFusion expression.

use crate::cache::Cache;
use arrow::array::{Array, ArrayRef, AsArray, BooleanArray};
use arrow::datatypes::{DataType, Int32Type, Int64Type};
use arrow::record_batch::RecordBatch;
use datafusion::physical_expr::PhysicalExpr;
use std::sync::Arc;

/// The rows of one batch that pass the condition (`None`: all of them).
pub struct Selected<'a> {
    /// The batch.
    pub batch: &'a RecordBatch,
    /// The batch's index in the cache.
    pub index: usize,
    /// Which rows pass.
    pub mask: Option<BooleanArray>,
}

impl Selected<'_> {
    /// Whether row `i` passes.
    #[inline]
    pub fn passes(&self, i: usize) -> bool {
        self.mask.as_ref().is_none_or(|m| m.value(i))
    }

    /// Rows that pass.
    pub fn count(&self) -> usize {
        self.mask
            .as_ref()
            .map_or(self.batch.num_rows(), |m| m.true_count())
    }
}

/// Runs `each` over every batch on `threads` threads, each folding into its own `init()`; returns the
/// accumulators (merge them yourself).
pub fn fold<A: Send>(
    cache: &Cache,
    filter: Option<&Arc<dyn PhysicalExpr>>,
    threads: usize,
    init: impl Fn() -> A + Sync,
    each: impl Fn(&mut A, &Selected<'_>) + Sync,
) -> datafusion::error::Result<Vec<A>> {
    let n = cache.batches.len();
    let threads = threads.clamp(1, n.max(1));
    let per = n.div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let (init, each) = (&init, &each);
                scope.spawn(move || -> datafusion::error::Result<A> {
                    let mut acc = init();
                    for index in (t * per)..((t + 1) * per).min(n) {
                        let batch = &cache.batches[index];
                        let mask = match filter {
                            Some(f) => Some(mask(f, batch)?),
                            None => None,
                        };
                        each(&mut acc, &Selected { batch, index, mask });
                    }
                    Ok(acc)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a pass over the cache does not panic"))
            .collect()
    })
}

/// The condition over one batch, with NULL as false.
fn mask(
    filter: &Arc<dyn PhysicalExpr>,
    batch: &RecordBatch,
) -> datafusion::error::Result<BooleanArray> {
    let value = filter.evaluate(batch)?.into_array(batch.num_rows())?;
    let b = value.as_boolean();
    Ok(match b.nulls() {
        Some(n) if b.null_count() > 0 => BooleanArray::new(b.values() & n.inner(), None),
        _ => b.clone(),
    })
}

/// A numeric column of a batch as 64-bit values (`None` for NULL or when the column is not stored).
pub enum Numbers<'a> {
    /// 32-bit.
    I32(&'a arrow::array::Int32Array),
    /// 64-bit.
    I64(&'a arrow::array::Int64Array),
    /// Not stored.
    Missing,
}

impl<'a> Numbers<'a> {
    /// The column `name` of `batch`.
    pub fn of(cache: &Cache, batch: &'a RecordBatch, name: &str) -> Numbers<'a> {
        match cache.index(name).map(|i| batch.column(i)) {
            Some(a) => match a.data_type() {
                DataType::Int32 => Numbers::I32(a.as_primitive::<Int32Type>()),
                DataType::Int64 => Numbers::I64(a.as_primitive::<Int64Type>()),
                _ => Numbers::Missing,
            },
            None => Numbers::Missing,
        }
    }

    /// Row `i`.
    #[inline]
    pub fn get(&self, i: usize) -> Option<i64> {
        match self {
            Numbers::I32(a) => a.is_valid(i).then(|| a.value(i) as i64),
            Numbers::I64(a) => a.is_valid(i).then(|| a.value(i)),
            Numbers::Missing => None,
        }
    }
}

/// Keys of a dictionary column of a batch (`u32::MAX` for NULL or a column that is not stored).
pub fn keys(cache: &Cache, batch: &RecordBatch, name: &str, out: &mut Vec<u32>) {
    match cache.index(name) {
        Some(i) => crate::cache::keys_of(batch.column(i), out),
        None => {
            out.clear();
            out.resize(batch.num_rows(), u32::MAX);
        }
    }
}

/// The key of `value` in the dictionary of `column` (`None` when no record has it).
pub fn key_of(cache: &Cache, column: &str, value: &str) -> Option<u32> {
    let d = cache.dictionary(column)?;
    (0..d.len())
        .find(|&i| d.value(i) == value)
        .map(|i| i as u32)
}

/// The text of a key.
pub fn text_of(cache: &Cache, column: &str, key: u32) -> Option<String> {
    let d = cache.dictionary(column)?;
    ((key as usize) < d.len()).then(|| d.value(key as usize).to_string())
}

/// Row `row` of `batch` as one-row arrays with the `flows` table's column names (text as plain strings).
pub fn row_arrays(cache: &Cache, batch: &RecordBatch, row: usize) -> Vec<(String, ArrayRef)> {
    let mut out = Vec::new();
    for c in cache.columns.iter().filter(|c| c.stored) {
        let Some(i) = cache.index(&c.name) else {
            continue;
        };
        let one = batch.column(i).slice(row, 1);
        let one = match one.data_type() {
            DataType::Dictionary(..) => arrow::compute::cast(&one, &DataType::Utf8).unwrap_or(one),
            _ => one,
        };
        out.push((c.name.clone(), one));
    }
    out
}
