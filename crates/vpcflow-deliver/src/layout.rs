//! The S3 layout: which object a record goes to, what the object is called and what it holds.
//!
//! AWS publishes one object per flow log, account, region and 5-minute window of the records' end time (more
//! than one when a window passes 75 MB). Records are grouped here by those keys; a group becomes an object when
//! it is full, when its window is two windows behind the newest record seen (the producer has moved on), or at
//! [`Objects::finish`].

use crate::{DeliverError, Options};
use arrow::array::{Array, AsArray, RecordBatch, UInt32Array};
use arrow::compute::{cast, concat_batches, take_record_batch};
use arrow::datatypes::{Int64Type, SchemaRef};
use flate2::Compression;
use flate2::write::GzEncoder;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression as ParquetCompression, GzipLevel};
use parquet::file::properties::WriterProperties;
use std::collections::HashMap;
use std::io::Write;
use std::sync::Arc;
use vpcflow_catalog::s3_layout::{Extension, ObjectKey, ObjectName, WINDOW_SECONDS, window_of};
use vpcflow_record::{Field, Format, delivery_schema};

/// A finished object: its key below the prefix, its bytes and how many records it holds.
pub(crate) struct Object {
    pub key: String,
    pub body: Vec<u8>,
    pub records: u64,
}

#[derive(Clone, PartialEq, Eq, Hash)]
struct GroupKey {
    account: String,
    region: String,
    window: i64,
    header: String,
}

struct Group {
    format: Format,
    /// Text lines (text objects only).
    lines: Vec<u8>,
    /// Rows taken from the batches (Parquet objects only).
    batches: Vec<RecordBatch>,
    /// Bytes the records take as text: what the size limit counts.
    text_bytes: usize,
    records: u64,
}

/// Records grouped into the objects AWS would write.
pub(crate) struct Objects {
    opts: Options,
    /// Region for keys when neither the options nor the record name one.
    fallback_region: String,
    groups: HashMap<GroupKey, Group>,
    /// Parts already written per group, so that names stay distinct.
    parts: HashMap<GroupKey, u32>,
    newest_window: i64,
    ready: Vec<Object>,
}

impl Objects {
    pub fn new(opts: Options, fallback_region: String) -> Objects {
        Objects {
            opts,
            fallback_region,
            groups: HashMap::new(),
            parts: HashMap::new(),
            newest_window: i64::MIN,
            ready: Vec::new(),
        }
    }

    /// Files the rows of `batch` into their groups; full or stale groups become ready objects.
    pub fn push(&mut self, batch: &RecordBatch, format: &Format) -> Result<(), DeliverError> {
        check_batch(batch, format)?;
        let text_col = |field: Field| {
            format
                .position(field)
                .and_then(|i| batch.column(i).as_string_opt::<i32>())
        };
        let int_col = |field: Field| {
            format
                .position(field)
                .and_then(|i| batch.column(i).as_primitive_opt::<Int64Type>())
        };
        let accounts = text_col(Field::AccountId);
        let regions = text_col(Field::Region);
        let starts = int_col(Field::Start);
        let ends = int_col(Field::End);
        let header = format.header_line();
        let parquet = self.opts.parquet;
        // Per group: rows of this batch, for Parquet.
        let mut rows: HashMap<GroupKey, Vec<u32>> = HashMap::new();
        let mut line = Vec::with_capacity(256);
        for row in 0..batch.num_rows() {
            let value = |col| str_at(col, row);
            let account = match (&self.opts.account, value(accounts)) {
                (Some(a), _) => a.clone(),
                (None, Some(a)) if a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit()) => {
                    a.to_string()
                }
                _ => "unknown".to_string(),
            };
            let region = match (&self.opts.region, value(regions)) {
                (Some(r), _) => r.clone(),
                (None, Some(r)) => r.to_string(),
                _ => self.fallback_region.clone(),
            };
            let int = |col| int_at(col, row);
            let window = window_of(int(starts), int(ends));
            self.newest_window = self.newest_window.max(window);
            let key = GroupKey {
                account,
                region,
                window,
                header: header.clone(),
            };
            line.clear();
            vpcflow_record::text::write_row(batch, row, &mut line);
            let full = self.groups.get(&key).is_some_and(|g| {
                g.records > 0 && g.text_bytes + line.len() > self.opts.max_object_bytes
            });
            if full {
                if let Some(taken) = rows.remove(&key) {
                    self.groups
                        .get_mut(&key)
                        .expect("group exists")
                        .batches
                        .push(take_rows(batch, taken)?);
                }
                self.close(&key)?;
            }
            let group = self.groups.entry(key.clone()).or_insert_with(|| Group {
                format: format.clone(),
                lines: Vec::new(),
                batches: Vec::new(),
                text_bytes: 0,
                records: 0,
            });
            group.text_bytes += line.len();
            group.records += 1;
            if parquet {
                rows.entry(key).or_default().push(row as u32);
            } else {
                group.lines.extend_from_slice(&line);
            }
        }
        for (key, taken) in rows {
            let group = self.groups.get_mut(&key).expect("group exists");
            group.batches.push(take_rows(batch, taken)?);
        }
        // Windows two behind the newest are done: a producer delivers in time order, give or take a window.
        let stale: Vec<GroupKey> = self
            .groups
            .keys()
            .filter(|k| k.window < self.newest_window - WINDOW_SECONDS)
            .cloned()
            .collect();
        for key in stale {
            self.close(&key)?;
        }
        Ok(())
    }

    /// Objects completed so far.
    pub fn take_ready(&mut self) -> Vec<Object> {
        std::mem::take(&mut self.ready)
    }

    /// Turns every group into an object; returns every object not yet taken, in key order.
    pub fn finish(&mut self) -> Result<Vec<Object>, DeliverError> {
        let mut keys: Vec<GroupKey> = self.groups.keys().cloned().collect();
        keys.sort_by(|a, b| {
            (a.window, &a.account, &a.region, &a.header)
                .cmp(&(b.window, &b.account, &b.region, &b.header))
        });
        for key in keys {
            self.close(&key)?;
        }
        Ok(self.take_ready())
    }

    fn close(&mut self, key: &GroupKey) -> Result<(), DeliverError> {
        let Some(group) = self.groups.remove(key) else {
            return Ok(());
        };
        if group.records == 0 {
            return Ok(());
        }
        let part = self.parts.entry(key.clone()).or_insert(0);
        let part_no = *part;
        *part += 1;
        let mut crc = flate2::Crc::new();
        crc.update(&part_no.to_le_bytes());
        let (body, extension) = if self.opts.parquet {
            let body = parquet_object(&group)?;
            crc.update(&body);
            (body, Extension::Parquet)
        } else {
            crc.update(group.format.header_line().as_bytes());
            crc.update(&group.lines);
            (gzip_object(&group), Extension::Gzip)
        };
        let key = ObjectKey {
            prefix: String::new(),
            layout: self.opts.layout,
            name: ObjectName {
                account: key.account.clone(),
                region: key.region.clone(),
                flow_log_id: self.opts.flow_log_id.clone(),
                window: key.window,
                hash: format!("{:08x}", crc.sum()),
                extension,
            },
        };
        self.ready.push(Object {
            key: key.to_string(),
            body,
            records: group.records,
        });
        Ok(())
    }
}

/// Checks that the batch's columns are the format's fields, in order, with the record model's types.
pub(crate) fn check_batch(batch: &RecordBatch, format: &Format) -> Result<(), DeliverError> {
    let schema = batch.schema();
    if schema.fields().len() != format.len() {
        return Err(DeliverError::Records(format!(
            "{} columns for a format of {} fields ({})",
            schema.fields().len(),
            format.len(),
            format.header_line()
        )));
    }
    for (column, field) in schema.fields().iter().zip(format.fields()) {
        if column.name() != field.column() || *column.data_type() != field.kind().data_type() {
            return Err(DeliverError::Records(format!(
                "column `{}` ({}) where the format has `{}` ({})",
                column.name(),
                column.data_type(),
                field.column(),
                field.kind().data_type()
            )));
        }
    }
    Ok(())
}

/// The value at `row` of a text column the format may lack.
pub(crate) fn str_at(col: Option<&arrow::array::StringArray>, row: usize) -> Option<&str> {
    col.filter(|c| c.is_valid(row)).map(|c| c.value(row))
}

/// The value at `row` of an integer column the format may lack.
pub(crate) fn int_at(col: Option<&arrow::array::Int64Array>, row: usize) -> Option<i64> {
    col.filter(|c| c.is_valid(row)).map(|c| c.value(row))
}

fn take_rows(batch: &RecordBatch, rows: Vec<u32>) -> Result<RecordBatch, DeliverError> {
    if rows.len() == batch.num_rows() {
        return Ok(batch.clone());
    }
    Ok(take_record_batch(batch, &UInt32Array::from(rows))?)
}

fn gzip_object(group: &Group) -> Vec<u8> {
    let header = group.format.header_line();
    let mut gz = GzEncoder::new(
        Vec::with_capacity(group.lines.len() / 8 + 64),
        Compression::new(6),
    );
    // Writing to a Vec cannot fail.
    gz.write_all(header.as_bytes()).expect("in memory");
    gz.write_all(b"\n").expect("in memory");
    gz.write_all(&group.lines).expect("in memory");
    gz.finish().expect("in memory")
}

fn parquet_object(group: &Group) -> Result<Vec<u8>, DeliverError> {
    let schema: SchemaRef = Arc::new(delivery_schema(group.format.fields()));
    let batch = concat_batches(&group.batches[0].schema(), &group.batches)?;
    let columns = batch
        .columns()
        .iter()
        .zip(schema.fields())
        .map(|(c, f)| cast(c, f.data_type()))
        .collect::<Result<Vec<_>, _>>()?;
    let batch = RecordBatch::try_new(schema.clone(), columns)?;
    let props = WriterProperties::builder()
        .set_compression(ParquetCompression::GZIP(GzipLevel::default()))
        .build();
    let mut out = Vec::new();
    let mut writer = ArrowWriter::try_new(&mut out, schema, Some(props))?;
    writer.write(&batch)?;
    writer.close()?;
    Ok(out)
}
