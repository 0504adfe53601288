//! The `flows` scan: what to read, split into pieces, and how one piece is read.
//!
//! Planning looks at each local input once (its first bytes, the header line, a Parquet footer) to learn its
//! shape and format, then cuts the work into pieces: whole files and objects, byte ranges of large plain-text
//! files (cut at line ends when read), and byte ranges of large Parquet files (each row group is read by the
//! piece its middle falls in). S3 objects are read whole, as AWS writes them (gzip'd text, or Parquet). Pieces
//! are dealt to partitions by size so that every core gets about the same amount of work. The result,
//! [`ScanSpec`], is plain data (store, paths, byte ranges, format text, column names, filters) from which the
//! scan node is built ([`crate::source`]), so that it can be sent to another process (Ballista executors).
//!
//! Text, gzip'd text and CloudWatch shapes go through `vpcflow-source`'s reader, so every problem is reported
//! with its file and line exactly as `vpcflow cat` reports it. Parquet whose columns already have Athena's
//! names and plain types (what AWS delivers and `vpcflow convert` writes) is read straight into Arrow, which is
//! what makes querying a converted tree fast; any other Parquet goes through the checking reader.

use crate::prune::{Predicate, prune};
use crate::schema::days_from_civil;
use arrow::array::{
    Array, ArrayRef, Date32Array, RecordBatch, RecordBatchOptions, StringViewArray, new_null_array,
};
use arrow::compute::cast;
use arrow::datatypes::{DataType, SchemaRef};
use arrow::datatypes::{Field as ArrowField, Schema};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
};
use parquet::file::metadata::PageIndexPolicy;
use serde::{Deserialize, Serialize};
use std::io::{Read, Seek, SeekFrom};
use std::sync::Arc;
use vpcflow_record::{Field, Format};
use vpcflow_source::{
    Column, Fault, FileSummary, Input, Item, Partitions, Problem, ReadOptions, TimeRange,
};

/// Plain text files larger than this are read in several pieces.
const SPLIT_TEXT_AT: u64 = 48 << 20;
/// The smallest byte range a text file is cut into.
const MIN_RANGE: u64 = 16 << 20;
/// The largest byte range (bounds the memory a piece holds).
const MAX_RANGE: u64 = 64 << 20;
/// Rows per batch parsed from text, at least. Parsing pays a cost per batch (builders, finishing arrays), and so
/// does each operator downstream: with 32k-row batches instead of DataFusion's 8k, top talkers over the 10M-record
/// bench used ~12% less CPU. Parquet keeps the session's batch size (larger batches there were no faster).
const TEXT_BATCH_ROWS: usize = 32 * 1024;

/// What one input holds, learnt by looking at its first bytes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Shape {
    /// Uncompressed text whose first line is a header: it can be cut into byte ranges.
    PlainText {
        /// The header line (the file's format).
        header: String,
    },
    /// Parquet with Athena's names and plain types, read directly.
    Parquet {
        /// Per row group, its first byte and its length in bytes.
        row_groups: Vec<(u64, u64)>,
    },
    /// Anything else the reader accepts (gzip'd text, headerless text, CloudWatch JSON, other Parquet, stdin,
    /// S3 objects, log streams).
    Stream,
}

/// One input as the planner saw it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Probe {
    /// The path as the user named it (`-` for standard input, `s3://bucket/key`, `logs:GROUP:STREAM`).
    pub path: String,
    /// Size in bytes (0 when unknown).
    pub size: u64,
    /// Whether the file is gzip'd (its bytes are worth about eight times as much work).
    pub gzip: bool,
    /// What it holds.
    pub shape: Shape,
    /// The fields it has, when its first bytes say (a header line or Parquet columns).
    pub fields: Option<Vec<String>>,
    /// The object's entity tag (S3), for reading the version that was listed.
    #[serde(default)]
    pub e_tag: Option<String>,
    /// Where it is in its store (see [`ScanPiece::location`]).
    #[serde(default)]
    pub location: String,
}

/// One unit of work: an input, or a byte range of it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScanPiece {
    /// Where the input is in its store: an absolute path without its leading `/` for files, a key for S3, the
    /// stream for CloudWatch Logs, `-` for standard input.
    pub location: String,
    /// The name in messages and in `$path`: the path as the user gave it, or `s3://bucket/key`.
    pub name: String,
    /// The input's size in bytes (0 when unknown).
    pub size: u64,
    /// The bytes `start..end` only: the lines that start in them (text), the row groups whose middle is in
    /// them (Parquet).
    pub range: Option<(u64, u64)>,
    /// The S3 object's entity tag as listed.
    #[serde(default)]
    pub e_tag: Option<String>,
    /// Whether it is gzip'd (for dealing work out evenly).
    #[serde(default)]
    pub gzip: bool,
}

impl ScanPiece {
    /// Whether this piece starts the file (it alone counts the file in summaries).
    pub fn is_first(&self) -> bool {
        self.range.is_none_or(|(start, _)| start == 0)
    }

    /// The bytes this piece covers, as stored: its range, or the whole input.
    pub fn weight_bytes(&self) -> u64 {
        match self.range {
            Some((start, end)) => end - start,
            None => self.size,
        }
    }

    fn weight(&self) -> u64 {
        let bytes = match self.range {
            Some((start, end)) => end - start,
            None => self.size,
        };
        if self.gzip { bytes * 8 } else { bytes }.max(1)
    }
}

/// Where a scan's pieces are read from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Store {
    /// Local files (`file:///`).
    Local,
    /// An S3 bucket (`s3://bucket`).
    S3 {
        /// The bucket.
        bucket: String,
    },
    /// A CloudWatch Logs log group: each piece is a stream.
    Logs {
        /// The log group.
        group: String,
    },
    /// Standard input (one piece, `-`).
    Stdin,
}

impl Store {
    /// The object store URL the runtime's registry resolves (DataFusion's `ObjectStoreUrl`).
    pub fn url(&self) -> String {
        match self {
            Store::Local => "file:///".to_string(),
            Store::S3 { bucket } => format!("s3://{bucket}"),
            Store::Logs { group } => format!("vpcflow-logs://{}", hex(group)),
            Store::Stdin => "vpcflow-stdin://stdin".to_string(),
        }
    }
}

/// A log group's name as a URL host (group names hold `/`, `.`, `#`).
fn hex(text: &str) -> String {
    text.bytes().map(|b| format!("{b:02x}")).collect()
}

/// Everything a scan needs to read its share, as plain data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScanSpec {
    /// Where the pieces are.
    #[serde(default = "local")]
    pub store: Store,
    /// Per partition, its pieces in order.
    pub partitions: Vec<Vec<ScanPiece>>,
    /// `--format`: the format of headerless records, as text.
    pub format: Option<String>,
    /// The columns to produce, by Athena name, in output order.
    pub columns: Vec<String>,
    /// Rows per batch (text is parsed in batches of at least 32k rows).
    pub batch_size: usize,
    /// Filters the query applies to the rows, for skipping Parquet row groups and pages that cannot match and
    /// leaving out text lines whose value an equality refuses (hints: the query still applies its filter to every
    /// row read).
    #[serde(default)]
    pub filters: Vec<Predicate>,
    /// Records outside this range are left out (`--since`/`--until`): an exact filter, applied in the scan.
    #[serde(default)]
    pub time: TimeRange,
}

fn local() -> Store {
    Store::Local
}

/// Looks at a local input's first bytes to learn its shape and fields. Never fails: an input it cannot make
/// sense of is a `Stream` left to the reader, which reports what is wrong with it.
pub fn probe(path: &str) -> Probe {
    let mut out = Probe {
        path: path.to_string(),
        size: 0,
        gzip: false,
        shape: Shape::Stream,
        fields: None,
        e_tag: None,
        location: local_location(path),
    };
    if path == "-" {
        return out;
    }
    let Ok(mut file) = std::fs::File::open(path) else {
        return out;
    };
    out.size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let mut head = vec![0u8; 64 << 10];
    let n = read_up_to(&mut file, &mut head);
    head.truncate(n);
    if head.starts_with(&[0x1f, 0x8b]) {
        out.gzip = true;
        // Only the first line (the header, if any) is wanted: inflate until it ends, not a fixed amount.
        let _ = file.seek(SeekFrom::Start(0));
        let mut decoder =
            flate2::read::MultiGzDecoder::new(std::io::BufReader::with_capacity(8 << 10, file));
        let mut inner = Vec::with_capacity(4 << 10);
        let mut chunk = [0u8; 1 << 10];
        while inner.len() < 64 << 10 && !inner.contains(&b'\n') {
            match decoder.read(&mut chunk) {
                Ok(0) | Err(_) => break,
                Ok(n) => inner.extend_from_slice(&chunk[..n]),
            }
        }
        out.fields = header_fields(&inner);
        return out;
    }
    if head.starts_with(b"PAR1") {
        if let Ok(builder) = ParquetRecordBatchReaderBuilder::try_new(file) {
            let fields: Vec<String> = builder
                .schema()
                .fields()
                .iter()
                .filter_map(|f| Field::from_name(f.name()).map(|field| field.column().to_string()))
                .collect();
            if plain_parquet(builder.schema()) {
                let row_groups = builder
                    .metadata()
                    .row_groups()
                    .iter()
                    .map(row_group_span)
                    .collect();
                out.shape = Shape::Parquet { row_groups };
            }
            out.fields = Some(fields);
        }
        return out;
    }
    if let Some(fields) = header_fields(&head) {
        let line_end = memchr::memchr(b'\n', &head).unwrap_or(head.len());
        let header = String::from_utf8_lossy(&head[..line_end])
            .trim()
            .to_string();
        out.shape = Shape::PlainText { header };
        out.fields = Some(fields);
    }
    out
}

/// The fields named by the first bytes of an input: a header line (inflated first when gzip'd, however the bytes
/// end), or the columns of a whole Parquet file.
pub fn fields_of(data: &[u8]) -> Vec<String> {
    if data.starts_with(b"PAR1") {
        return ParquetRecordBatchReaderBuilder::try_new(bytes::Bytes::copy_from_slice(data))
            .map(|b| {
                b.schema()
                    .fields()
                    .iter()
                    .filter_map(|f| {
                        Field::from_name(f.name()).map(|field| field.column().to_string())
                    })
                    .collect()
            })
            .unwrap_or_default();
    }
    if data.starts_with(&[0x1f, 0x8b]) {
        let mut decoder = flate2::read::MultiGzDecoder::new(data);
        let mut inner = Vec::with_capacity(4 << 10);
        let mut chunk = [0u8; 1 << 10];
        while inner.len() < 64 << 10 && !inner.contains(&b'\n') {
            match decoder.read(&mut chunk) {
                Ok(0) | Err(_) => break,
                Ok(n) => inner.extend_from_slice(&chunk[..n]),
            }
        }
        return header_fields(&inner).unwrap_or_default();
    }
    header_fields(data).unwrap_or_default()
}

/// Where a local path is in the local store: the absolute path, without its leading `/`.
pub fn local_location(path: &str) -> String {
    if path == "-" {
        return "-".to_string();
    }
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.into());
    let text = absolute.to_string_lossy();
    text.trim_start_matches('/').to_string()
}

/// A row group's first byte and length, as DataFusion places row groups in byte ranges.
fn row_group_span(g: &parquet::file::metadata::RowGroupMetaData) -> (u64, u64) {
    let start = g
        .columns()
        .first()
        .map(|c| {
            c.dictionary_page_offset()
                .unwrap_or_else(|| c.data_page_offset())
        })
        .unwrap_or(0)
        .max(0) as u64;
    (start, g.compressed_size().max(0) as u64)
}

fn read_up_to(reader: &mut impl Read, buf: &mut [u8]) -> usize {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) | Err(_) => break,
            Ok(n) => filled += n,
        }
    }
    filled
}

fn header_fields(head: &[u8]) -> Option<Vec<String>> {
    let line_end = memchr::memchr(b'\n', head)?;
    let format = Format::from_header(&head[..line_end])?;
    Some(
        format
            .fields()
            .iter()
            .map(|f| f.column().to_string())
            .collect(),
    )
}

/// Whether every flow-log column of a Parquet schema is spelt the Athena way and has a plain type we can take
/// as is (or widen), so the checking reader is not needed.
fn plain_parquet(schema: &SchemaRef) -> bool {
    let mut any = false;
    for column in schema.fields() {
        let Some(field) = Field::from_name(column.name()) else {
            continue;
        };
        if field.column() != column.name() {
            return false;
        }
        any = true;
        let ok = match field.kind().data_type() {
            DataType::Int32 => matches!(column.data_type(), DataType::Int32),
            DataType::Int64 => matches!(column.data_type(), DataType::Int32 | DataType::Int64),
            _ => matches!(
                column.data_type(),
                DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
            ),
        };
        if !ok {
            return false;
        }
    }
    any
}

/// Cuts the inputs into pieces and deals them to at most `partitions` partitions, biggest first, each to the
/// least loaded partition.
pub fn plan(probes: &[Probe], partitions: usize) -> Vec<Vec<ScanPiece>> {
    let partitions = partitions.max(1);
    let mut pieces: Vec<ScanPiece> = Vec::new();
    let piece = |probe: &Probe, range: Option<(u64, u64)>| ScanPiece {
        location: probe.location.clone(),
        name: probe.path.clone(),
        size: probe.size,
        range,
        e_tag: probe.e_tag.clone(),
        gzip: probe.gzip,
    };
    for probe in probes {
        match &probe.shape {
            Shape::PlainText { .. } if probe.size > SPLIT_TEXT_AT && partitions > 1 => {
                let chunk = (probe.size / partitions as u64).clamp(MIN_RANGE, MAX_RANGE);
                let mut start = 0;
                while start < probe.size {
                    let end = (start + chunk).min(probe.size);
                    pieces.push(piece(probe, Some((start, end))));
                    start = end;
                }
            }
            Shape::Parquet { row_groups } if row_groups.len() > 1 && partitions > 1 => {
                // Runs of row groups, as byte ranges from the file's start to its end: each row group's middle
                // falls in exactly one of them.
                let per = row_groups.len().div_ceil(partitions);
                let runs: Vec<&[(u64, u64)]> = row_groups.chunks(per).collect();
                let mut start = 0;
                for (i, run) in runs.iter().enumerate() {
                    let end = match runs.get(i + 1) {
                        Some(next) => next[0].0 + next[0].1 / 2,
                        None => probe.size.max(start + 1),
                    };
                    debug_assert!(!run.is_empty());
                    pieces.push(piece(probe, Some((start, end))));
                    start = end;
                }
            }
            _ => pieces.push(piece(probe, None)),
        }
    }
    deal(pieces, partitions)
}

/// Deals pieces to at most `partitions` partitions, biggest first, each to the least loaded; each partition
/// keeps its pieces in input order.
pub fn deal(pieces: Vec<ScanPiece>, partitions: usize) -> Vec<Vec<ScanPiece>> {
    let n = partitions.max(1).min(pieces.len()).max(1);
    let mut order: Vec<usize> = (0..pieces.len()).collect();
    order.sort_by_key(|i| std::cmp::Reverse(pieces[*i].weight()));
    let mut load = vec![0u64; n];
    let mut owner = vec![0usize; pieces.len()];
    for i in order {
        let (least, _) = load
            .iter()
            .enumerate()
            .min_by_key(|(_, l)| **l)
            .expect("n >= 1");
        load[least] += pieces[i].weight();
        owner[i] = least;
    }
    let mut out: Vec<Vec<ScanPiece>> = vec![Vec::new(); n];
    for (i, piece) in pieces.into_iter().enumerate() {
        out[owner[i]].push(piece);
    }
    out
}

pub use vpcflow_source::session::{Observer, ScanEvent};

/// The error a query ends with when its observer asked to stop (`--strict`).
#[derive(Debug, thiserror::Error)]
#[error("stopped at the first problem")]
pub struct Stopped;

/// A piece's bytes, as the scan fetched them.
pub(crate) enum Data {
    /// A local file: the input itself, or the cached copy of an S3 object.
    File(std::path::PathBuf),
    /// An S3 object's bytes.
    Bytes(bytes::Bytes),
    /// An input the source reader reads itself (standard input, a log stream).
    Input(Input),
}

/// How the pieces of one scan are read: its columns, format, filters and time range.
pub(crate) struct PieceReader {
    /// The columns to produce (those of `schema`).
    columns: Vec<Column>,
    /// The columns to read: `columns`, then `start` and `end` when the time range needs them and they are not
    /// among `columns`.
    read_columns: Vec<Column>,
    format: Option<Format>,
    filters: Vec<Predicate>,
    batch_size: usize,
    schema: SchemaRef,
    read_schema: SchemaRef,
    time: TimeRange,
    remote: Option<Arc<vpcflow_source::Remote>>,
}

impl PieceReader {
    pub(crate) fn new(spec: &ScanSpec, remote: Option<Arc<vpcflow_source::Remote>>) -> PieceReader {
        let columns: Vec<Column> = spec
            .columns
            .iter()
            .filter_map(|c| Column::from_name(c))
            .collect();
        let mut read_columns = columns.clone();
        if !spec.time.is_all() {
            for c in vpcflow_source::session::TIME_COLUMNS {
                if !read_columns.contains(&c) {
                    read_columns.push(c);
                }
            }
        }
        PieceReader {
            schema: Arc::new(crate::schema::schema_of(&columns)),
            read_schema: Arc::new(crate::schema::schema_of(&read_columns)),
            columns,
            read_columns,
            format: spec.format.as_deref().and_then(|f| Format::parse(f).ok()),
            filters: spec.filters.clone(),
            batch_size: spec.batch_size,
            time: spec.time,
            remote,
        }
    }

    fn options(&self, format: Option<Format>) -> ReadOptions {
        ReadOptions {
            format,
            columns: Some(self.read_columns.clone()),
            batch_size: self.batch_size.max(TEXT_BATCH_ROWS),
            text_views: true,
            keep_only: keep_only(&self.filters),
            remote: self.remote.clone(),
            events: self.time,
            ..ReadOptions::default()
        }
    }

    /// Reads one piece, handing batches to `send` (which returns `false` when nobody wants more) and problems
    /// and the piece's summary to `observer`. Returns whether more is wanted, or `Err(Stopped)` when the
    /// observer stopped the scan.
    pub(crate) fn read(
        &self,
        piece: &ScanPiece,
        data: Data,
        observer: Option<&Observer>,
        send: &mut dyn FnMut(RecordBatch) -> bool,
    ) -> Result<bool, Stopped> {
        let first = piece.is_first();
        let mut stopped = false;
        let mut wanted = true;
        let mut on_item = |item: Item| -> bool {
            match item {
                Item::Batch(batch) => {
                    let rows = batch.data.num_rows();
                    match self.conform(batch.data, rows) {
                        Some(b) => {
                            wanted = send(b);
                            wanted
                        }
                        None => true,
                    }
                }
                Item::Problem(p) => {
                    if observer.is_some_and(|o| !o(ScanEvent::Problem(&p))) {
                        stopped = true;
                        return false;
                    }
                    true
                }
                Item::Done(mut summary) => {
                    summary.bytes = piece.weight_bytes();
                    if observer.is_some_and(|o| {
                        !o(ScanEvent::Done {
                            summary: &summary,
                            first,
                        })
                    }) {
                        stopped = true;
                        return false;
                    }
                    true
                }
            }
        };
        let name = piece.name.as_str();
        match data {
            Data::Input(input) => {
                vpcflow_source::read_input(&input, &self.options(self.format.clone()), &mut on_item)
            }
            Data::Bytes(data) => {
                let input = Input::Memory {
                    name: name.to_string(),
                    data,
                };
                vpcflow_source::read_input(
                    &input,
                    &self.options(self.format.clone()),
                    &mut on_item,
                );
            }
            Data::File(path) => self.read_file(piece, &path, &mut on_item),
        }
        if stopped {
            return Err(Stopped);
        }
        Ok(wanted)
    }

    /// A local file: plain Parquet straight into Arrow (the row groups of the piece's range), a byte range of
    /// plain text, or anything else through the reader (by the piece that starts the file).
    fn read_file(
        &self,
        piece: &ScanPiece,
        path: &std::path::Path,
        on_item: &mut dyn FnMut(Item) -> bool,
    ) {
        let name = piece.name.as_str();
        let fail = |fault: Fault, on_item: &mut dyn FnMut(Item) -> bool| {
            let location = vpcflow_record::Location::file(name);
            if on_item(Item::Problem(Problem::bad_file(location, fault))) {
                on_item(Item::Done(FileSummary {
                    name: name.to_string(),
                    failed: true,
                    ..FileSummary::default()
                }));
            }
        };
        let mut head = [0u8; 4];
        let is_parquet = std::fs::File::open(path)
            .and_then(|mut f| f.read_exact(&mut head))
            .is_ok()
            && &head == b"PAR1";
        if is_parquet && let Some(metadata) = plain_metadata(path, !self.filters.is_empty()) {
            return self.read_plain_parquet(piece, path, metadata, on_item);
        }
        match piece.range {
            Some((start, end)) if !is_parquet => match read_range(path, start, end) {
                Ok((header, data)) => {
                    let format = if start == 0 {
                        self.format.clone()
                    } else {
                        header.and_then(|h| Format::from_header(h.as_bytes()))
                    };
                    let input = Input::Memory {
                        name: name.to_string(),
                        data: data.into(),
                    };
                    vpcflow_source::read_input(&input, &self.options(format), on_item);
                }
                Err(e) => fail(
                    Fault::CannotRead {
                        cause: e.to_string(),
                    },
                    on_item,
                ),
            },
            // Other Parquet is read whole, by the piece that starts the file.
            Some(_) if !piece.is_first() => {}
            _ => vpcflow_source::read_as(
                &Input::Path(path.to_path_buf()),
                name,
                &self.options(self.format.clone()),
                on_item,
            ),
        }
    }

    /// Gives a reader's batch the scan's schema: same columns in the same order, so only the schema object
    /// changes (a column of another type, a reader's widening, is cast); with a time range, the rows outside it
    /// are left out and the columns read for it alone dropped.
    fn conform(&self, batch: RecordBatch, rows: usize) -> Option<RecordBatch> {
        if rows == 0 {
            return None;
        }
        let columns: Vec<ArrayRef> = batch
            .columns()
            .iter()
            .zip(self.read_schema.fields())
            .map(|(a, f)| {
                if a.data_type() == f.data_type() {
                    a.clone()
                } else {
                    cast(a, f.data_type()).unwrap_or_else(|_| new_null_array(f.data_type(), rows))
                }
            })
            .collect();
        if self.time.is_all() {
            return RecordBatch::try_new_with_options(
                self.schema.clone(),
                columns,
                &RecordBatchOptions::new().with_row_count(Some(rows)),
            )
            .ok();
        }
        let read = RecordBatch::try_new_with_options(
            self.read_schema.clone(),
            columns.clone(),
            &RecordBatchOptions::new().with_row_count(Some(rows)),
        )
        .ok()?;
        let keep = vpcflow_source::session::overlapping(&read, &self.time)?;
        let kept: Vec<ArrayRef> = columns[..self.columns.len()]
            .iter()
            .map(|a| arrow::compute::filter(a, &keep).expect("same length"))
            .collect();
        let n = keep.true_count();
        if n == 0 {
            return None;
        }
        RecordBatch::try_new_with_options(
            self.schema.clone(),
            kept,
            &RecordBatchOptions::new().with_row_count(Some(n)),
        )
        .ok()
    }
}

/// The equality filters a text reader can use to leave lines out unread.
fn keep_only(filters: &[Predicate]) -> Vec<(vpcflow_record::Field, Vec<String>)> {
    filters
        .iter()
        .filter(|p| p.op == crate::prune::Op::Eq)
        .filter_map(|p| {
            let field = vpcflow_record::Field::from_name(&p.column)?;
            let values = p
                .values
                .iter()
                .map(|v| match v {
                    crate::prune::Value::Int(i) => i.to_string(),
                    crate::prune::Value::Text(t) => t.clone(),
                })
                .collect();
            Some((field, values))
        })
        .collect()
}

/// The lines that start in `start..end`: from just after the first line end at or after `start - 1` to just after
/// the first line end at or after `end - 1`.
/// Also the file's first line (its header, when it has one) for a range that does not start the file.
fn read_range(
    path: &std::path::Path,
    start: u64,
    end: u64,
) -> std::io::Result<(Option<String>, Vec<u8>)> {
    let mut file = std::fs::File::open(path)?;
    let header = if start == 0 {
        None
    } else {
        let mut head = vec![0u8; 64 << 10];
        let n = read_up_to(&mut file, &mut head);
        let line = memchr::memchr(b'\n', &head[..n]).map_or(n, |i| i);
        Some(String::from_utf8_lossy(&head[..line]).trim().to_string())
    };
    let from = if start == 0 {
        0
    } else {
        next_line_start(&mut file, start - 1)?
    };
    let to = next_line_start(&mut file, end - 1)?;
    if to <= from {
        return Ok((header, Vec::new()));
    }
    file.seek(SeekFrom::Start(from))?;
    let mut data = vec![0u8; (to - from) as usize];
    file.read_exact(&mut data)?;
    Ok((header, data))
}

/// The offset just after the first `\n` at or after `at` (the file's length when there is none).
fn next_line_start(file: &mut std::fs::File, at: u64) -> std::io::Result<u64> {
    file.seek(SeekFrom::Start(at))?;
    let mut buf = [0u8; 8192];
    let mut pos = at;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            return Ok(pos);
        }
        if let Some(i) = memchr::memchr(b'\n', &buf[..n]) {
            return Ok(pos + i as u64 + 1);
        }
        pos += n as u64;
    }
}

/// The metadata of a Parquet file whose columns already are Athena's (see [`plain_parquet`]), with its text
/// columns to be decoded as `Utf8View`; `None` for any other file.
fn plain_metadata(path: &std::path::Path, page_index: bool) -> Option<ArrowReaderMetadata> {
    let file = std::fs::File::open(path).ok()?;
    let metadata = view_metadata(&file, page_index).ok()?;
    plain_parquet(
        &ArrowReaderMetadata::load(&file, ArrowReaderOptions::new())
            .ok()?
            .schema()
            .clone(),
    )
    .then_some(metadata)
}

impl PieceReader {
    /// Reads Parquet whose columns already are Athena's straight into Arrow: the row groups whose middle is in
    /// the piece's range (all without one), less those the filters' statistics rule out.
    fn read_plain_parquet(
        &self,
        piece: &ScanPiece,
        path: &std::path::Path,
        metadata: ArrowReaderMetadata,
        emit: &mut dyn FnMut(Item) -> bool,
    ) {
        let name = piece.name.as_str();
        let columns = &self.read_columns;
        let mut summary = FileSummary {
            name: name.to_string(),
            ..FileSummary::default()
        };
        let fail = |location: vpcflow_record::Location,
                    fault: Fault,
                    summary: &mut FileSummary,
                    emit: &mut dyn FnMut(Item) -> bool| {
            summary.failed = true;
            if emit(Item::Problem(Problem::bad_file(location, fault))) {
                emit(Item::Done(summary.clone()));
            }
        };
        let file_location = vpcflow_record::Location::file(name);
        let file = match std::fs::File::open(path) {
            Ok(f) => f,
            Err(e) => {
                let cause = e.to_string();
                let fault = Fault::CannotOpen { cause };
                return fail(file_location, fault, &mut summary, emit);
            }
        };
        let groups: Vec<usize> = metadata
            .metadata()
            .row_groups()
            .iter()
            .enumerate()
            .filter(|(_, g)| {
                let (start, len) = row_group_span(g);
                let middle = start + len / 2;
                piece.range.is_none_or(|(a, b)| (a..b).contains(&middle))
            })
            .map(|(i, _)| i)
            .collect();
        // Every row of the piece counts as read, including those its statistics let us skip.
        let piece_rows: u64 = groups
            .iter()
            .map(|g| metadata.metadata().row_group(*g).num_rows().max(0) as u64)
            .sum();
        let (groups, selection) = if self.filters.is_empty() {
            (groups, None)
        } else {
            prune(&metadata, groups, &self.filters)
        };
        let builder = ParquetRecordBatchReaderBuilder::new_with_metadata(file, metadata);
        let file_schema = builder.schema().clone();
        let mut roots: Vec<usize> = Vec::new();
        for c in columns {
            if let Column::Field(f) = c
                && let Ok(i) = file_schema.index_of(f.column())
                && !roots.contains(&i)
            {
                roots.push(i);
            }
        }
        roots.sort_unstable();
        let mask = ProjectionMask::roots(builder.parquet_schema(), roots.iter().copied());
        let mut builder = builder
            .with_projection(mask)
            .with_batch_size(self.batch_size.max(1))
            .with_row_groups(groups);
        if let Some(selection) = selection {
            builder = builder.with_row_selection(selection);
        }
        let reader = match builder.build() {
            Ok(r) => r,
            Err(e) => {
                let cause = e.to_string();
                let fault = Fault::ParquetUnreadable { cause };
                return fail(file_location, fault, &mut summary, emit);
            }
        };
        let partitions = Partitions::from_key(name);
        let schema = self.read_schema.clone();
        let source = Arc::new(vpcflow_source::SourceInfo {
            name: name.to_string(),
            shape: vpcflow_source::Shape::Parquet,
            format: None,
            header: false,
            partitions: partitions.clone(),
        });
        for batch in reader {
            let batch = match batch {
                Ok(b) => b,
                Err(e) => {
                    let rows = summary.records;
                    let cause = e.to_string();
                    let fault = Fault::ParquetBroken { cause, rows };
                    return fail(file_location.row(rows + 1), fault, &mut summary, emit);
                }
            };
            let rows = batch.num_rows();
            let arrays: Vec<ArrayRef> = columns
                .iter()
                .map(|c| match c {
                    Column::Field(f) => {
                        let ty = crate::schema::column_type(c);
                        match batch.schema().index_of(f.column()) {
                            Ok(i) => {
                                let a = batch.column(i);
                                if a.data_type() == &ty {
                                    a.clone()
                                } else {
                                    cast(a, &ty).unwrap_or_else(|_| new_null_array(&ty, rows))
                                }
                            }
                            Err(_) => new_null_array(&ty, rows),
                        }
                    }
                    Column::Extra(e) => extra_array(*e, &partitions, name, rows),
                })
                .collect();
            let out = RecordBatch::try_new_with_options(
                schema.clone(),
                arrays,
                &RecordBatchOptions::new().with_row_count(Some(rows)),
            )
            .expect("columns built for the schema");
            summary.records += rows as u64;
            let data = vpcflow_source::Batch {
                data: out,
                positions: Vec::new(),
                times: Vec::new(),
                source: source.clone(),
            };
            if !emit(Item::Batch(data)) {
                return;
            }
        }
        summary.records = piece_rows;
        emit(Item::Done(summary));
    }
}

/// The file's metadata, with its text columns to be decoded as `Utf8View` (the engine's text type): the
/// reader then points views into the decoded pages instead of copying every string.
/// With `page_index`, the page index (per-page statistics and offsets) is loaded too, for skipping pages.
fn view_metadata(
    file: &std::fs::File,
    page_index: bool,
) -> parquet::errors::Result<ArrowReaderMetadata> {
    let policy = if page_index {
        PageIndexPolicy::Optional
    } else {
        PageIndexPolicy::Skip
    };
    let plain = ArrowReaderMetadata::load(
        file,
        ArrowReaderOptions::new().with_page_index_policy(policy),
    )?;
    let fields: Vec<ArrowField> = plain
        .schema()
        .fields()
        .iter()
        .map(|f| match f.data_type() {
            DataType::Utf8 | DataType::LargeUtf8 => {
                f.as_ref().clone().with_data_type(DataType::Utf8View)
            }
            _ => f.as_ref().clone(),
        })
        .collect();
    let schema = Arc::new(Schema::new_with_metadata(
        fields,
        plain.schema().metadata().clone(),
    ));
    ArrowReaderMetadata::try_new(
        plain.metadata().clone(),
        ArrowReaderOptions::new()
            .with_schema(schema)
            .with_page_index_policy(policy),
    )
}

/// A constant column from the key or path.
pub(crate) fn extra_array(
    extra: vpcflow_source::Extra,
    parts: &Partitions,
    path: &str,
    rows: usize,
) -> ArrayRef {
    use vpcflow_source::Extra;
    let value = match extra {
        Extra::AwsAccountId => parts.account.clone(),
        Extra::AwsService => parts.service.clone(),
        Extra::AwsRegion => parts.region.clone(),
        Extra::Year => parts.year.clone(),
        Extra::Month => parts.month.clone(),
        Extra::Day => parts.day.clone(),
        Extra::Hour => parts.hour.clone(),
        Extra::Date => {
            let days = parts.date().as_deref().and_then(days_from_civil);
            return Arc::new(Date32Array::from(vec![days; rows]));
        }
        Extra::Path => Some(path.to_string()),
        Extra::EventTime => {
            return new_null_array(&crate::schema::column_type(&Column::Extra(extra)), rows);
        }
    };
    Arc::new(StringViewArray::from(vec![value.as_deref(); rows]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probe_of(size: u64, shape: Shape) -> Probe {
        Probe {
            path: format!("f{size}"),
            size,
            gzip: false,
            shape,
            fields: None,
            e_tag: None,
            location: String::new(),
        }
    }

    #[test]
    fn large_text_is_cut_and_work_is_balanced() {
        let big = probe_of(
            200 << 20,
            Shape::PlainText {
                header: "version".into(),
            },
        );
        let small = probe_of(1 << 20, Shape::Stream);
        let parts = plan(&[big, small], 2);
        assert_eq!(parts.len(), 2);
        let pieces: usize = parts.iter().map(Vec::len).sum();
        assert!(pieces >= 3, "{parts:?}");
        let loads: Vec<u64> = parts
            .iter()
            .map(|p| p.iter().map(ScanPiece::weight).sum())
            .collect();
        assert!(loads[0].abs_diff(loads[1]) <= MAX_RANGE, "{loads:?}");
    }

    #[test]
    fn ranges_end_at_line_ends() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.log");
        std::fs::write(&path, "aaaa\nbbbb\ncccc\n").unwrap();
        let p = path.as_path();
        let (none, a) = read_range(p, 0, 7).unwrap();
        let (header, b) = read_range(p, 7, 15).unwrap();
        assert_eq!(String::from_utf8(a).unwrap(), "aaaa\nbbbb\n");
        assert_eq!(String::from_utf8(b).unwrap(), "cccc\n");
        assert_eq!((none, header.as_deref()), (None, Some("aaaa")));
        // A range that starts exactly at a line start keeps that line.
        assert_eq!(
            String::from_utf8(read_range(p, 5, 15).unwrap().1).unwrap(),
            "bbbb\ncccc\n"
        );
    }
}
