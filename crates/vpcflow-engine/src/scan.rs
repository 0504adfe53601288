//! The `flows` scan: what to read, split into pieces, and how one partition reads its pieces.
//!
//! Planning looks at each input once (its first bytes, the header line, a Parquet footer) to learn its shape and
//! format, then cuts the work into pieces: whole files, byte ranges of large plain-text files (cut at line ends
//! when read), and row-group runs of large Parquet files. Pieces are dealt to partitions by size so that every
//! core gets about the same amount of work. The result, [`ScanSpec`], is plain data (paths, piece bounds, format
//! text, column names) so that it can be sent to another process (Ballista executors) and read there.
//!
//! Text, gzip'd text and CloudWatch shapes go through `vpcflow-source`'s reader, so every problem is reported
//! with its file and line exactly as `vpcflow cat` reports it. Parquet whose columns already have Athena's
//! names and plain types (what AWS delivers and `vpcflow convert` writes) is read straight into Arrow, which is
//! what makes querying a converted tree fast; any other Parquet goes through the checking reader.

use crate::prune::{Predicate, prune};
use crate::schema::days_from_civil;
use arrow::array::{
    ArrayRef, Date32Array, RecordBatch, RecordBatchOptions, StringViewArray, new_null_array,
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
use std::sync::atomic::{AtomicBool, Ordering};
use vpcflow_record::{Field, Format};
use vpcflow_source::{
    Column, FileSummary, Input, Item, Partitions, Problem, ProblemKind, ReadOptions,
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
        /// Rows per row group.
        row_groups: Vec<u64>,
    },
    /// Anything else the reader accepts (gzip'd text, headerless text, CloudWatch JSON, other Parquet, stdin).
    Stream,
}

/// One input as the planner saw it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Probe {
    /// The path, or `-` for standard input.
    pub path: String,
    /// Size in bytes (0 when unknown).
    pub size: u64,
    /// Whether the file is gzip'd (its bytes are worth about eight times as much work).
    pub gzip: bool,
    /// What it holds.
    pub shape: Shape,
    /// The fields it has, when its first bytes say (a header line or Parquet columns).
    pub fields: Option<Vec<String>>,
}

/// Part of one input.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Piece {
    /// The whole input.
    Whole,
    /// Lines starting in `start..end` of a plain-text file; every piece but the first reads with the header's
    /// format.
    Bytes {
        /// First byte.
        start: u64,
        /// One past the last byte.
        end: u64,
    },
    /// These row groups of a Parquet file.
    RowGroups(Vec<usize>),
}

/// One unit of work.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScanPiece {
    /// The input.
    pub probe: Probe,
    /// Which part of it.
    pub piece: Piece,
}

impl ScanPiece {
    /// Whether this piece starts the file (it alone counts the file in summaries).
    pub fn is_first(&self) -> bool {
        match &self.piece {
            Piece::Whole => true,
            Piece::Bytes { start, .. } => *start == 0,
            Piece::RowGroups(groups) => groups.first() == Some(&0),
        }
    }

    fn weight(&self) -> u64 {
        let bytes = match &self.piece {
            Piece::Whole => self.probe.size,
            Piece::Bytes { start, end } => end - start,
            Piece::RowGroups(groups) => match &self.probe.shape {
                Shape::Parquet { row_groups } => {
                    let total: u64 = row_groups.iter().sum::<u64>().max(1);
                    let mine: u64 = groups.iter().map(|g| row_groups[*g]).sum();
                    self.probe.size * mine / total
                }
                _ => self.probe.size,
            },
        };
        if self.probe.gzip { bytes * 8 } else { bytes }.max(1)
    }
}

/// Everything a partition needs to read its share, as plain data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScanSpec {
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
}

/// Looks at an input's first bytes to learn its shape and fields. Never fails: an input it cannot make sense of
/// is a `Stream` left to the reader, which reports what is wrong with it.
pub fn probe(path: &str) -> Probe {
    let mut out = Probe {
        path: path.to_string(),
        size: 0,
        gzip: false,
        shape: Shape::Stream,
        fields: None,
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
                    .map(|g| g.num_rows().max(0) as u64)
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
    for probe in probes {
        match &probe.shape {
            Shape::PlainText { .. } if probe.size > SPLIT_TEXT_AT && partitions > 1 => {
                let chunk = (probe.size / partitions as u64).clamp(MIN_RANGE, MAX_RANGE);
                let mut start = 0;
                while start < probe.size {
                    let end = (start + chunk).min(probe.size);
                    pieces.push(ScanPiece {
                        probe: probe.clone(),
                        piece: Piece::Bytes { start, end },
                    });
                    start = end;
                }
            }
            Shape::Parquet { row_groups } if row_groups.len() > 1 && partitions > 1 => {
                let per = row_groups.len().div_ceil(partitions);
                for run in (0..row_groups.len()).collect::<Vec<_>>().chunks(per) {
                    pieces.push(ScanPiece {
                        probe: probe.clone(),
                        piece: Piece::RowGroups(run.to_vec()),
                    });
                }
            }
            _ => pieces.push(ScanPiece {
                probe: probe.clone(),
                piece: Piece::Whole,
            }),
        }
    }
    let n = partitions.min(pieces.len()).max(1);
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
    // Each partition reads its pieces in input order.
    let mut out: Vec<Vec<ScanPiece>> = vec![Vec::new(); n];
    for (i, piece) in pieces.into_iter().enumerate() {
        out[owner[i]].push(piece);
    }
    out
}

/// What the scan tells its observer besides the batches.
#[derive(Debug)]
pub enum ScanEvent<'a> {
    /// A problem in the input; the scan goes on unless the observer says stop.
    Problem(&'a Problem),
    /// A piece is finished; `first` is true for the piece that starts its file.
    Done {
        /// The counts for the piece.
        summary: &'a FileSummary,
        /// Whether this piece starts its file.
        first: bool,
    },
}

/// Receives problems and per-file counts from every partition; returning `false` stops the query with
/// [`Stopped`].
pub type Observer = Arc<dyn Fn(ScanEvent<'_>) -> bool + Send + Sync>;

/// The error a query ends with when its observer asked to stop (`--strict`).
#[derive(Debug, thiserror::Error)]
#[error("stopped at the first problem")]
pub struct Stopped;

/// Reads `pieces` of `spec` in turn (a partition's own, or with work sharing whatever it claims), handing batches
/// of `schema` to `send`; `send` returns `false` when nobody wants more. Returns `Err(Stopped)` when the observer
/// stopped the scan.
pub(crate) fn read_pieces<'a>(
    spec: &ScanSpec,
    pieces: impl Iterator<Item = &'a ScanPiece>,
    schema: &SchemaRef,
    observer: Option<&Observer>,
    send: &mut dyn FnMut(RecordBatch) -> bool,
) -> Result<(), Stopped> {
    let columns: Vec<Column> = spec
        .columns
        .iter()
        .filter_map(|c| Column::from_name(c))
        .collect();
    let read_columns = columns.clone();
    let format = spec.format.as_deref().and_then(|f| Format::parse(f).ok());
    let stopped = AtomicBool::new(false);
    let mut wanted = true;
    for piece in pieces {
        let first = piece.is_first();
        let mut on_item = |item: Item| -> bool {
            match item {
                Item::Batch(batch) => {
                    let rows = batch.data.num_rows();
                    match conform(batch.data, schema, rows) {
                        Some(b) => {
                            wanted = send(b);
                            wanted
                        }
                        None => true,
                    }
                }
                Item::Problem(p) => {
                    if observer.is_some_and(|o| !o(ScanEvent::Problem(&p))) {
                        stopped.store(true, Ordering::Relaxed);
                        return false;
                    }
                    true
                }
                Item::Done(summary) => {
                    if observer.is_some_and(|o| {
                        !o(ScanEvent::Done {
                            summary: &summary,
                            first,
                        })
                    }) {
                        stopped.store(true, Ordering::Relaxed);
                        return false;
                    }
                    true
                }
            }
        };
        let probe = &piece.probe;
        match (&probe.shape, &piece.piece) {
            (Shape::Parquet { .. }, piece_kind) => {
                let groups = match piece_kind {
                    Piece::RowGroups(g) => Some(g.clone()),
                    _ => None,
                };
                read_plain_parquet(
                    &probe.path,
                    groups,
                    &columns,
                    &spec.filters,
                    spec.batch_size,
                    &mut on_item,
                );
            }
            (Shape::PlainText { header }, Piece::Bytes { start, end }) => {
                let opts = ReadOptions {
                    format: if *start == 0 {
                        format.clone()
                    } else {
                        Format::from_header(header.as_bytes())
                    },
                    columns: Some(read_columns.clone()),
                    batch_size: spec.batch_size.max(TEXT_BATCH_ROWS),
                    text_views: true,
                    keep_only: keep_only(&spec.filters),
                    ..ReadOptions::default()
                };
                match read_range(&probe.path, *start, *end) {
                    Ok(data) => {
                        let input = Input::Memory {
                            name: probe.path.clone(),
                            data: data.into(),
                        };
                        vpcflow_source::read_input(&input, &opts, &mut on_item);
                    }
                    Err(e) => {
                        on_item(Item::Problem(Problem {
                            kind: ProblemKind::BadFile,
                            location: probe.path.clone(),
                            message: format!("cannot read: {e}"),
                        }));
                    }
                }
            }
            _ => {
                let opts = ReadOptions {
                    format: format.clone(),
                    columns: Some(read_columns.clone()),
                    batch_size: spec.batch_size.max(TEXT_BATCH_ROWS),
                    text_views: true,
                    keep_only: keep_only(&spec.filters),
                    ..ReadOptions::default()
                };
                let input = if probe.path == "-" {
                    Input::Stdin
                } else {
                    Input::Path(probe.path.clone().into())
                };
                vpcflow_source::read_input(&input, &opts, &mut on_item);
            }
        }
        if stopped.load(Ordering::Relaxed) {
            return Err(Stopped);
        }
        if !wanted {
            break;
        }
    }
    Ok(())
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

/// Gives a reader's batch the table's (projected) schema: same columns in the same order, so only the schema
/// object changes; a column of another type (a reader's widening) is cast.
fn conform(batch: RecordBatch, schema: &SchemaRef, rows: usize) -> Option<RecordBatch> {
    if rows == 0 {
        return None;
    }
    let columns: Vec<ArrayRef> = batch
        .columns()
        .iter()
        .zip(schema.fields())
        .map(|(a, f)| {
            if a.data_type() == f.data_type() {
                a.clone()
            } else {
                cast(a, f.data_type()).unwrap_or_else(|_| new_null_array(f.data_type(), rows))
            }
        })
        .collect();
    RecordBatch::try_new_with_options(
        schema.clone(),
        columns,
        &RecordBatchOptions::new().with_row_count(Some(rows)),
    )
    .ok()
}

/// The lines that start in `start..end`: from just after the first line end at or after `start - 1` to just after
/// the first line end at or after `end - 1`.
fn read_range(path: &str, start: u64, end: u64) -> std::io::Result<Vec<u8>> {
    let mut file = std::fs::File::open(path)?;
    let from = if start == 0 {
        0
    } else {
        next_line_start(&mut file, start - 1)?
    };
    let to = next_line_start(&mut file, end - 1)?;
    if to <= from {
        return Ok(Vec::new());
    }
    file.seek(SeekFrom::Start(from))?;
    let mut data = vec![0u8; (to - from) as usize];
    file.read_exact(&mut data)?;
    Ok(data)
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

/// Reads Parquet whose columns already are Athena's (see [`plain_parquet`]) straight into Arrow.
fn read_plain_parquet(
    path: &str,
    row_groups: Option<Vec<usize>>,
    columns: &[Column],
    filters: &[Predicate],
    batch_size: usize,
    emit: &mut dyn FnMut(Item) -> bool,
) {
    let mut summary = FileSummary {
        name: path.to_string(),
        ..FileSummary::default()
    };
    let fail = |message: String, summary: &mut FileSummary, emit: &mut dyn FnMut(Item) -> bool| {
        summary.failed = true;
        if emit(Item::Problem(Problem {
            kind: ProblemKind::BadFile,
            location: path.to_string(),
            message,
        })) {
            emit(Item::Done(summary.clone()));
        }
    };
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) => return fail(format!("cannot open: {e}"), &mut summary, emit),
    };
    let metadata = match view_metadata(&file, !filters.is_empty()) {
        Ok(m) => m,
        Err(e) => {
            return fail(
                format!("not a readable Parquet file ({e})"),
                &mut summary,
                emit,
            );
        }
    };
    let groups = row_groups.unwrap_or_else(|| (0..metadata.metadata().num_row_groups()).collect());
    // Every row of the piece counts as read, including those its statistics let us skip.
    let piece_rows: u64 = groups
        .iter()
        .map(|g| metadata.metadata().row_group(*g).num_rows().max(0) as u64)
        .sum();
    let (groups, selection) = if filters.is_empty() {
        (groups, None)
    } else {
        prune(&metadata, groups, filters)
    };
    let builder = ParquetRecordBatchReaderBuilder::new_with_metadata(file, metadata);
    let file_schema = builder.schema().clone();
    // Root index in the file of each wanted field, and the position of each output column in the projected batch.
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
        .with_batch_size(batch_size.max(1))
        .with_row_groups(groups);
    if let Some(selection) = selection {
        builder = builder.with_row_selection(selection);
    }
    let reader = match builder.build() {
        Ok(r) => r,
        Err(e) => {
            return fail(
                format!("cannot read the Parquet file ({e})"),
                &mut summary,
                emit,
            );
        }
    };
    let partitions = Partitions::from_key(path);
    for batch in reader {
        let batch = match batch {
            Ok(b) => b,
            Err(e) => {
                let at = summary.records;
                return fail(
                    format!(
                        "cannot read the rest of the file ({e}); the {at} rows before it were read"
                    ),
                    &mut summary,
                    emit,
                );
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
                Column::Extra(e) => extra_array(*e, &partitions, path, rows),
            })
            .collect();
        let schema = Arc::new(crate::schema::schema_of(columns));
        let out = RecordBatch::try_new_with_options(
            schema,
            arrays,
            &RecordBatchOptions::new().with_row_count(Some(rows)),
        )
        .expect("columns built for the schema");
        summary.records += rows as u64;
        let data = vpcflow_source::Batch {
            data: out,
            positions: Vec::new(),
            source: Arc::new(vpcflow_source::SourceInfo {
                name: path.to_string(),
                shape: vpcflow_source::Shape::Parquet,
                format: None,
                header: false,
                partitions: partitions.clone(),
            }),
        };
        if !emit(Item::Batch(data)) {
            return;
        }
    }
    summary.records = piece_rows;
    emit(Item::Done(summary));
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
        let p = path.to_str().unwrap();
        let a = read_range(p, 0, 7).unwrap();
        let b = read_range(p, 7, 15).unwrap();
        assert_eq!(String::from_utf8(a).unwrap(), "aaaa\nbbbb\n");
        assert_eq!(String::from_utf8(b).unwrap(), "cccc\n");
        // A range that starts exactly at a line start keeps that line.
        assert_eq!(
            String::from_utf8(read_range(p, 5, 15).unwrap()).unwrap(),
            "bbbb\ncccc\n"
        );
    }
}
