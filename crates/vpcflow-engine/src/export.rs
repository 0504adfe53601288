//! Parquet export: every record of the inputs, in AWS's Parquet delivery schema, under Hive-compatible keys
//! (`AWSLogs/aws-account-id=…/aws-service=vpcflowlogs/aws-region=…/year=…/month=…/day=…/hour=…/`), so that
//! Athena's Parquet DDL, Spark and DuckDB read the tree as is and `vpcflow query` reads it many times faster than
//! the text it came from.
//!
//! Nothing is dropped or changed: each record keeps every field of the table (absent fields stay null), and
//! the partition a record lands in comes from its input's key when the key names one, otherwise from the
//! record (account-id, region, and the hour of `end`, which is how AWS files records). [`digest`] proves it:
//! per column, a count and an order-independent hash of the values, equal before and after.
//!
//! Each query partition writes its own files, so export runs on every core; a partition keeps a few writers
//! open and closes the least recently used one when a new key appears, which bounds memory however many
//! hours the input spans.
//!
//! Each row group is sorted before it is written (see [`SORT_BY`]): verdict first, then conversation, then
//! time. That is how flow-log questions cut the data: a filter on `action` skips whole pages by their
//! statistics, grouping by addresses meets each key in runs (the group-by's hash table stays in cache instead of
//! taking a miss per row), and runs of equal values compress to a fraction. The order is recorded as the files'
//! `sorting_columns`; rows are only reordered within a row group, never changed.

use crate::Engine;
use crate::reports::ident;
use arrow::array::{Array, ArrayRef, AsArray, BooleanArray, RecordBatch, StringArray};
use arrow::compute::{
    SortColumn, SortOptions, cast, concat, filter_record_batch, interleave_record_batch,
    lexsort_to_indices,
};
use arrow::datatypes::{DataType, Int64Type, SchemaRef};
use datafusion::common::{DataFusionError, Result};
use futures::StreamExt;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::metadata::SortingColumn;
use parquet::file::properties::WriterProperties;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use vpcflow_catalog::s3_layout::{Layout, Partitions};
use vpcflow_record::{Field, delivery_schema};

/// Writers a partition keeps open at once.
const OPEN_WRITERS: usize = 4;

/// Rows per row group: each is gathered, sorted and written at once.
const ROW_GROUP_ROWS: usize = 256 * 1024;

/// Bytes of gathered rows a partition holds at most, over all its open writers: past it, the writer holding
/// the most writes its row group early (bounds memory for wide formats and many open keys).
const GATHERED_BYTES: usize = 32 << 20;

/// Rows written to the Parquet writer at once (a slice of a sorted row group).
const WRITE_ROWS: usize = 32 * 1024;

/// The order of rows within each row group (ascending, nulls last): the verdict, then the conversation's
/// addresses, then time. Fields the input lacks are left out.
pub const SORT_BY: [Field; 4] = [Field::Action, Field::Srcaddr, Field::Dstaddr, Field::Start];

/// Column compression in the files written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Codec {
    /// zstd level 1: small and fast to read (the default).
    Zstd,
    /// gzip: what AWS itself delivers.
    Gzip,
    /// Snappy.
    Snappy,
    /// None.
    None,
}

/// What was written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExportReport {
    /// Records written.
    pub rows: u64,
    /// Files written, sorted.
    pub files: Vec<PathBuf>,
}

impl Engine {
    /// Writes every record of the inputs as Parquet under `out_dir`.
    pub fn export_parquet(&self, out_dir: &Path, codec: Codec) -> Result<ExportReport> {
        let fields: Vec<Field> = self.table().fields().to_vec();
        let keys = [
            "aws-account-id",
            "aws-region",
            "year",
            "month",
            "day",
            "hour",
        ];
        let select: Vec<String> = fields
            .iter()
            .map(|f| ident(f.column()))
            .chain(keys.iter().map(|k| ident(k)))
            .collect();
        let sql = format!("SELECT {} FROM flows", select.join(", "));
        let schema: SchemaRef = Arc::new(delivery_schema(&fields));
        let sort_by: Vec<usize> = SORT_BY
            .iter()
            .filter_map(|f| fields.iter().position(|x| x == f))
            .collect();
        let props = WriterProperties::builder()
            .set_compression(match codec {
                Codec::Zstd => Compression::ZSTD(ZstdLevel::try_new(1).expect("valid level")),
                Codec::Gzip => Compression::GZIP(Default::default()),
                Codec::Snappy => Compression::SNAPPY,
                Codec::None => Compression::UNCOMPRESSED,
            })
            // Row groups are cut by `Open::write_row_group`, after sorting.
            .set_max_row_group_row_count(None)
            .set_sorting_columns(Some(
                sort_by
                    .iter()
                    .map(|i| SortingColumn {
                        column_idx: *i as i32,
                        descending: false,
                        nulls_first: false,
                    })
                    .collect(),
            ))
            .build();
        let out_dir = out_dir.to_path_buf();
        self.block_on(async move {
            let df = self.context().sql(&sql).await?;
            let streams = df.execute_stream_partitioned().await?;
            let mut tasks = Vec::new();
            for (partition, mut stream) in streams.into_iter().enumerate() {
                let mut sink = Sink {
                    out_dir: out_dir.clone(),
                    schema: schema.clone(),
                    fields: fields.clone(),
                    props: props.clone(),
                    sort_by: sort_by.clone(),
                    partition,
                    open: Vec::new(),
                    seq: 0,
                    report: ExportReport::default(),
                };
                tasks.push(tokio::spawn(async move {
                    while let Some(batch) = stream.next().await {
                        sink.write(&batch?)?;
                    }
                    sink.close_all()?;
                    Ok::<ExportReport, DataFusionError>(sink.report)
                }));
            }
            let mut report = ExportReport::default();
            for task in tasks {
                let part = task
                    .await
                    .map_err(|e| DataFusionError::External(Box::new(e)))??;
                report.rows += part.rows;
                report.files.extend(part.files);
            }
            report.files.sort();
            Ok(report)
        })
    }
}

/// One partition's writers.
struct Sink {
    out_dir: PathBuf,
    schema: SchemaRef,
    fields: Vec<Field>,
    props: WriterProperties,
    /// Columns the rows of a row group are sorted by.
    sort_by: Vec<usize>,
    partition: usize,
    /// Open writers, least recently used first.
    open: Vec<(String, Open)>,
    seq: usize,
    report: ExportReport,
}

impl Sink {
    fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        let rows = batch.num_rows();
        if rows == 0 {
            return Ok(());
        }
        let n = self.fields.len();
        let keys = partition_keys(batch, &self.fields, n)?;
        // Usually one key per batch (one input file); otherwise split the batch by key.
        let mut distinct: Vec<&str> = Vec::new();
        for k in &keys {
            if distinct.last() != Some(&k.as_str()) && !distinct.contains(&k.as_str()) {
                distinct.push(k);
            }
        }
        let data = self.deliverable(batch)?;
        if distinct.len() == 1 {
            let key = distinct[0].to_string();
            return self.append(&key, &data);
        }
        for key in distinct.iter().map(|k| k.to_string()).collect::<Vec<_>>() {
            let mask: BooleanArray = keys.iter().map(|k| Some(k == &key)).collect();
            let part = filter_record_batch(&data, &mask)?;
            self.append(&key, &part)?;
        }
        Ok(())
    }

    /// The field columns in the delivery schema's types.
    fn deliverable(&self, batch: &RecordBatch) -> Result<RecordBatch> {
        let columns: Vec<ArrayRef> = self
            .schema
            .fields()
            .iter()
            .enumerate()
            .map(|(i, f)| cast(batch.column(i), f.data_type()))
            .collect::<std::result::Result<_, _>>()?;
        Ok(RecordBatch::try_new(self.schema.clone(), columns)?)
    }

    fn append(&mut self, key: &str, batch: &RecordBatch) -> Result<()> {
        let index = match self.open.iter().position(|(k, _)| k == key) {
            Some(i) => i,
            None => {
                if self.open.len() >= OPEN_WRITERS {
                    let (_, w) = self.open.remove(0);
                    w.close(&self.sort_by)?;
                }
                let dir = self.out_dir.join(key);
                std::fs::create_dir_all(&dir)
                    .map_err(|e| DataFusionError::External(Box::new(e)))?;
                let path = dir.join(format!(
                    "vpcflow-{:03}-{:05}.log.parquet",
                    self.partition, self.seq
                ));
                self.seq += 1;
                let file = std::fs::File::create(&path)
                    .map_err(|e| DataFusionError::External(Box::new(e)))?;
                let writer = ArrowWriter::try_new(
                    std::io::BufWriter::with_capacity(1 << 20, file),
                    self.schema.clone(),
                    Some(self.props.clone()),
                )?;
                self.report.files.push(path);
                self.open.push((
                    key.to_string(),
                    Open {
                        writer,
                        gathered: Vec::new(),
                        rows: 0,
                        bytes: 0,
                    },
                ));
                self.open.len() - 1
            }
        };
        let entry = self.open.remove(index);
        self.open.push(entry);
        let open = &mut self.open.last_mut().expect("pushed").1;
        open.rows += batch.num_rows();
        open.bytes += batch.get_array_memory_size();
        open.gathered.push(batch.clone());
        if open.rows >= ROW_GROUP_ROWS {
            open.write_row_group(&self.sort_by)?;
        }
        if self.open.iter().map(|(_, o)| o.bytes).sum::<usize>() > GATHERED_BYTES
            && let Some((_, fullest)) = self.open.iter_mut().max_by_key(|(_, o)| o.bytes)
        {
            fullest.write_row_group(&self.sort_by)?;
        }
        self.report.rows += batch.num_rows() as u64;
        Ok(())
    }

    fn close_all(&mut self) -> Result<()> {
        for (_, w) in self.open.drain(..) {
            w.close(&self.sort_by)?;
        }
        Ok(())
    }
}

/// An open file and the rows gathered for its next row group.
struct Open {
    writer: ArrowWriter<std::io::BufWriter<std::fs::File>>,
    gathered: Vec<RecordBatch>,
    rows: usize,
    bytes: usize,
}

impl Open {
    /// Sorts the gathered rows and writes them as one row group.
    fn write_row_group(&mut self, sort_by: &[usize]) -> Result<()> {
        if self.gathered.is_empty() {
            return Ok(());
        }
        let gathered = std::mem::take(&mut self.gathered);
        self.rows = 0;
        self.bytes = 0;
        // Sort the row numbers by the sort columns alone, then write the rows in that order a slice at a
        // time, so that no second copy of the whole row group is made.
        let order = sorted_order(&gathered, sort_by)?;
        let batches: Vec<&RecordBatch> = gathered.iter().collect();
        for slice in order.chunks(WRITE_ROWS) {
            let part = interleave_record_batch(&batches, slice)?;
            self.writer.write(&part)?;
        }
        drop(gathered);
        self.writer.flush()?;
        Ok(())
    }

    fn close(mut self, sort_by: &[usize]) -> Result<()> {
        self.write_row_group(sort_by)?;
        self.writer.close()?;
        Ok(())
    }
}

/// The rows of `batches` as (batch, row) pairs, ordered by the columns `sort_by` (ascending, nulls last).
fn sorted_order(batches: &[RecordBatch], sort_by: &[usize]) -> Result<Vec<(usize, usize)>> {
    let mut rows: Vec<(usize, usize)> = batches
        .iter()
        .enumerate()
        .flat_map(|(b, batch)| (0..batch.num_rows()).map(move |r| (b, r)))
        .collect();
    if sort_by.is_empty() || rows.len() < 2 {
        return Ok(rows);
    }
    let columns: Vec<SortColumn> = sort_by
        .iter()
        .map(|i| {
            let parts: Vec<&dyn Array> = batches.iter().map(|b| b.column(*i).as_ref()).collect();
            Ok(SortColumn {
                values: concat(&parts)?,
                options: Some(SortOptions {
                    descending: false,
                    nulls_first: false,
                }),
            })
        })
        .collect::<Result<_>>()?;
    let indices = lexsort_to_indices(&columns, None)?;
    let all = rows.clone();
    for (slot, i) in rows.iter_mut().zip(indices.values().iter()) {
        *slot = all[*i as usize];
    }
    Ok(rows)
}

/// Per row, the Hive-compatible folders it belongs under (`AWSLogs/…/hour=…/`). Columns `n..n + 6` of `batch` are the input's key columns
/// (account, region, year, month, day, hour).
fn partition_keys(batch: &RecordBatch, fields: &[Field], n: usize) -> Result<Vec<String>> {
    let key = |i: usize| -> Result<StringArray> {
        Ok(cast(batch.column(n + i), &DataType::Utf8)?
            .as_string::<i32>()
            .clone())
    };
    let (k_account, k_region, k_year, k_month, k_day, k_hour) =
        (key(0)?, key(1)?, key(2)?, key(3)?, key(4)?, key(5)?);
    let column = |field: Field| {
        fields
            .iter()
            .position(|f| *f == field)
            .map(|i| batch.column(i).clone())
    };
    let account = column(Field::AccountId)
        .map(|a| cast(&a, &DataType::Utf8))
        .transpose()?;
    let region = column(Field::Region)
        .map(|a| cast(&a, &DataType::Utf8))
        .transpose()?;
    let end = column(Field::End)
        .map(|a| cast(&a, &DataType::Int64))
        .transpose()?;
    let text = |a: &Option<ArrayRef>, row: usize| -> Option<String> {
        let a = a.as_ref()?;
        (!a.is_null(row)).then(|| a.as_string::<i32>().value(row).to_string())
    };
    let value = |a: &StringArray, row: usize| -> Option<String> {
        (!a.is_null(row)).then(|| a.value(row).to_string())
    };
    let mut out = Vec::with_capacity(batch.num_rows());
    for row in 0..batch.num_rows() {
        let account = value(&k_account, row).or_else(|| text(&account, row));
        let region = value(&k_region, row).or_else(|| text(&region, row));
        let from_key = match (
            value(&k_year, row),
            value(&k_month, row),
            value(&k_day, row),
            value(&k_hour, row),
        ) {
            (Some(y), Some(m), Some(d), Some(h)) => Some(Partitions {
                year: Some(y),
                month: Some(m),
                day: Some(d),
                hour: Some(h),
                ..Partitions::default()
            }),
            _ => None,
        };
        let from_end = || -> Option<Partitions> {
            let end = end.as_ref()?;
            if end.is_null(row) {
                return None;
            }
            let secs = end.as_primitive::<Int64Type>().value(row);
            let secs = if secs.abs() >= 100_000_000_000 {
                secs / 1000
            } else {
                secs
            };
            let valid = jiff::Timestamp::from_second(secs).is_ok();
            valid.then(|| Partitions::of_window("", "", secs))
        };
        // A record without an end time in an input without a dated key: keep it, under the key's date if any
        // (the parts not known are written `unknown`).
        let dated = from_key.or_else(from_end).unwrap_or_else(|| Partitions {
            year: value(&k_year, row),
            month: value(&k_month, row),
            day: value(&k_day, row),
            hour: value(&k_hour, row),
            ..Partitions::default()
        });
        let parts = Partitions {
            account,
            region,
            service: None,
            flow_log_id: None,
            ..dated
        };
        out.push(parts.prefix(Layout::HiveHourly));
    }
    Ok(out)
}

/// Per column of `fields`: the number of non-null values and an order-independent hash of all values (nulls
/// included), over every record the engine reads. Equal digests before and after a conversion mean no record
/// was lost or changed, whatever the order and file layout.
pub fn digest(engine: &Engine, fields: &[Field]) -> Result<Vec<(String, u64, u64)>> {
    let select: Vec<String> = fields.iter().map(|f| ident(f.column())).collect();
    let mut sums = vec![(0u64, 0u64); fields.len()];
    engine.query(
        &format!("SELECT {} FROM flows", select.join(", ")),
        |batch| {
            for (i, column) in batch.columns().iter().enumerate() {
                let (count, sum) = &mut sums[i];
                if matches!(column.data_type(), DataType::Utf8 | DataType::Utf8View) {
                    let s = cast(column, &DataType::Utf8)?;
                    let s = s.as_string::<i32>();
                    for v in s.iter() {
                        *count += u64::from(v.is_some());
                        *sum = sum.wrapping_add(hash_of(&v));
                    }
                } else {
                    let ints = cast(column, &DataType::Int64)?;
                    for v in ints.as_primitive::<Int64Type>().iter() {
                        *count += u64::from(v.is_some());
                        *sum = sum.wrapping_add(hash_of(&v));
                    }
                }
            }
            Ok(())
        },
    )?;
    Ok(fields
        .iter()
        .zip(sums)
        .map(|(f, (count, sum))| (f.column().to_string(), count, sum))
        .collect())
}

fn hash_of<T: Hash>(value: &T) -> u64 {
    // SipHash with fixed keys: the same value hashes the same in both runs of a comparison.
    let mut h = std::hash::DefaultHasher::new();
    value.hash(&mut h);
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::Int64Array;
    use arrow::datatypes::{Field as ArrowField, Schema};

    #[test]
    fn rows_of_several_batches_are_ordered_with_nulls_last() {
        let schema = Arc::new(Schema::new(vec![
            ArrowField::new("action", DataType::Utf8, true),
            ArrowField::new("start", DataType::Int64, true),
        ]));
        let batch = |actions: Vec<Option<&str>>, starts: Vec<i64>| {
            RecordBatch::try_new(
                schema.clone(),
                vec![
                    Arc::new(StringArray::from(actions)),
                    Arc::new(Int64Array::from(starts)),
                ],
            )
            .unwrap()
        };
        let batches = [
            batch(vec![Some("REJECT"), None, Some("ACCEPT")], vec![3, 1, 2]),
            batch(vec![Some("ACCEPT"), Some("REJECT")], vec![1, 0]),
        ];
        let order = sorted_order(&batches, &[0, 1]).unwrap();
        assert_eq!(order, [(1, 0), (0, 2), (1, 1), (0, 0), (0, 1)]);
        let refs: Vec<&RecordBatch> = batches.iter().collect();
        let out = interleave_record_batch(&refs, &order).unwrap();
        assert_eq!(out.num_rows(), 5);
        assert!(out.column(0).is_null(4));
    }
}
