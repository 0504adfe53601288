//! The columnar cache the dashboard answers from: every record of the inputs, read once through the read session
//! every command shares and the query engine's scan, and kept in memory in a compact form.
//!
//! Text columns are dictionary-encoded with one dictionary per column shared by every batch, so that a row's key
//! is the same number in every batch: the panels' aggregations ([`crate::panels`]) count into arrays indexed by
//! those keys instead of hashing strings, and an address, an interface or a status costs one to four bytes a row
//! instead of a 16-byte string view (10 million default-format records fit in well under 1 GiB). Columns that no
//! input has (a version-2 file has no `vpc_id`) are not stored at all: the `flows` table of [`crate::sql`] shows
//! them as typed NULLs, so that any query written for Athena's table still plans.

use anyhow::Context;
use arrow::array::{
    Array, ArrayRef, AsArray, DictionaryArray, Int8Array, Int16Array, Int32Array, StringArray,
    UInt32Array,
};
use arrow::datatypes::{DataType, Field, Int8Type, Int16Type, Int32Type, Schema, SchemaRef};
use arrow::record_batch::RecordBatch;
use indicatif::ProgressBar;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;
use vpcflow_engine::{Engine, EngineOptions, Observer, ScanEvent};
use vpcflow_source::session::Session;

/// Rows per cached batch: large enough that per-batch costs vanish, small enough to spread over the cores.
pub const CHUNK: usize = 1 << 16;

/// The hidden column numbering rows in load order: the tie-breaker of the Flows table's keyset paging.
pub const ROW: &str = "__row";

/// A column of the `flows` table as the page and SQL see it.
#[derive(Clone, Debug)]
pub struct Column {
    /// The name (Athena's).
    pub name: String,
    /// The SQL-visible type (text columns are `Utf8View`, as in the engine).
    pub data_type: DataType,
    /// Whether any record has the column; absent columns are not stored.
    pub stored: bool,
}

/// One input file as it was read.
#[derive(Clone, Debug, serde::Serialize)]
pub struct FileRead {
    /// The name as given.
    pub name: String,
    /// Records read.
    pub records: u64,
    /// Records that could not be read.
    pub bad_records: u64,
    /// Whether the file (or its rest) could not be read.
    pub failed: bool,
}

/// A problem met while loading: where, as the CLI prints it (`file:line:column`, `file:event N`) and as data
/// (`at`: file, line, column, event, row), its stable code, and what was wrong in words.
#[derive(Clone, Debug, serde::Serialize)]
pub struct LoadProblem {
    /// `file`, `file:line`, `file:line:column`, `file:event N`.
    pub location: String,
    /// The same, as data.
    pub at: vpcflow_record::Location,
    /// What kind of problem (`bad-record`, `bad-file`).
    pub kind: vpcflow_source::ProblemKind,
    /// The stable code of what was wrong (`bad-value`, `field-count`, `cannot-fetch`, …).
    pub code: &'static str,
    /// What was wrong.
    pub message: String,
}

impl LoadProblem {
    /// The problem as the page shows it.
    pub fn of(p: &vpcflow_source::Problem) -> LoadProblem {
        LoadProblem {
            location: p.location.to_string(),
            at: p.location.clone(),
            kind: p.kind,
            code: p.code(),
            message: p.message(),
        }
    }
}

/// What loading saw besides the records.
#[derive(Default, Debug)]
pub struct LoadReport {
    /// Every input file, in the order they finished.
    pub files: Vec<FileRead>,
    /// Problems, at most [`MAX_PROBLEMS`] kept (all are counted).
    pub problems: Vec<LoadProblem>,
    /// Problems met in all.
    pub problem_count: u64,
    /// Seconds spent loading.
    pub seconds: f64,
}

/// How many problems are kept for the Coverage view (the rest are counted).
pub const MAX_PROBLEMS: usize = 1000;

/// The cache.
pub struct Cache {
    /// The `flows` table's columns, in Athena's order.
    pub columns: Vec<Column>,
    /// The stored columns and [`ROW`], as the batches have them.
    pub schema: SchemaRef,
    /// Every row.
    pub batches: Vec<RecordBatch>,
    /// Rows in all.
    pub rows: usize,
    /// Per dictionary column, its values (a key indexes these in every batch).
    pub dictionaries: HashMap<String, Arc<StringArray>>,
    /// What loading saw.
    pub report: LoadReport,
}

/// How to load.
#[derive(Clone, Default)]
pub struct LoadOptions {
    /// Threads for the scan (default: the session's, else every core).
    pub threads: Option<usize>,
    /// Shows how far loading is: records so far as its message (the session's listener moves its position by
    /// inputs read). `None`: nothing is shown.
    pub progress: Option<ProgressBar>,
}

/// A text column being encoded: its dictionary and every row's key so far.
#[derive(Default)]
struct Encoder {
    lookup: HashMap<Box<str>, i32>,
    values: Vec<Box<str>>,
    /// Per chunk, the keys (-1 for NULL).
    chunks: Vec<Vec<i32>>,
    any: bool,
}

impl Encoder {
    fn key(&mut self, text: &str) -> i32 {
        if let Some(k) = self.lookup.get(text) {
            return *k;
        }
        let k = self.values.len() as i32;
        self.values.push(text.into());
        self.lookup.insert(text.into(), k);
        k
    }
}

/// A numeric column being gathered: per chunk, the pieces of the scan's arrays.
#[derive(Default)]
struct Gather {
    chunks: Vec<Vec<ArrayRef>>,
    any: bool,
}

enum Builder {
    Text(Encoder),
    Other(Gather),
}

/// Loads every record of the session's inputs (files, directories, `-`, `s3://…` prefixes, `logs:` groups, with
/// its `--since`/`--until`, format and `--strict`) through the query engine's scan, as every reading command
/// does. Problems go to the session (counted, and shown by its listener) and are kept as data for the Coverage
/// view; so is each input's count. `None` when `--strict` stopped at a problem (already reported).
pub fn load(session: &Session, options: &LoadOptions) -> anyhow::Result<Option<Cache>> {
    let started = Instant::now();
    let report = Arc::new(Mutex::new(LoadReport::default()));
    let observer = recording(session.observer(), report.clone());
    let Some(inputs) = session.engine_inputs(&observer) else {
        return Ok(None);
    };
    let engine = Engine::new(
        &inputs,
        EngineOptions {
            format: session.options().format.clone(),
            threads: options.threads.or(session.options().threads),
            observer: Some(observer),
            time: session.options().time,
            remote: session.remote().cloned(),
        },
    )?;
    let bar = options.progress.clone().unwrap_or_else(ProgressBar::hidden);
    let (columns, builders) = start(&engine);
    let mut builders = builders;
    let mut filled = 0usize;
    let mut rows = 0usize;
    let result = engine.query("SELECT * FROM flows", |batch| {
        let mut offset = 0;
        while offset < batch.num_rows() {
            if filled == 0 {
                for b in builders.iter_mut() {
                    match b {
                        Builder::Text(e) => e.chunks.push(Vec::with_capacity(CHUNK)),
                        Builder::Other(g) => g.chunks.push(Vec::new()),
                    }
                }
            }
            let take = (CHUNK - filled).min(batch.num_rows() - offset);
            let part = batch.slice(offset, take);
            for (b, array) in builders.iter_mut().zip(part.columns()) {
                append(b, array);
            }
            filled = (filled + take) % CHUNK;
            offset += take;
            rows += take;
        }
        bar.set_message(format!("{rows} records"));
        Ok(())
    });
    if session.stopped() {
        return Ok(None);
    }
    if let Err(e) = result {
        if vpcflow_engine::is_stopped(&e) {
            return Ok(None);
        }
        return Err(e).context("loading the inputs");
    }
    let mut report = std::mem::take(&mut *report.lock().expect("report lock"));
    let mut cache = finish(columns, builders, rows, &mut report)?;
    cache.report.seconds = started.elapsed().as_secs_f64();
    Ok(Some(cache))
}

/// The session's observer, keeping each problem (up to [`MAX_PROBLEMS`]) and each input's counts in `report`
/// as well.
fn recording(session: Observer, report: Arc<Mutex<LoadReport>>) -> Observer {
    Arc::new(move |event: ScanEvent<'_>| {
        {
            let mut r = report.lock().expect("report lock");
            match &event {
                ScanEvent::Problem(p) => {
                    r.problem_count += 1;
                    if r.problems.len() < MAX_PROBLEMS {
                        r.problems.push(LoadProblem::of(p));
                    }
                }
                ScanEvent::Done { summary, .. } => {
                    match r.files.iter_mut().find(|f| f.name == summary.name) {
                        Some(f) => {
                            f.records += summary.records;
                            f.bad_records += summary.bad_records;
                            f.failed |= summary.failed;
                        }
                        None => r.files.push(FileRead {
                            name: summary.name.clone(),
                            records: summary.records,
                            bad_records: summary.bad_records,
                            failed: summary.failed,
                        }),
                    }
                }
                ScanEvent::Planned { .. } => {}
            }
        }
        session(event)
    })
}

fn start(engine: &Engine) -> (Vec<Column>, Vec<Builder>) {
    use datafusion::catalog::TableProvider;
    let schema = engine.table().schema();
    let mut columns = Vec::new();
    let mut builders = Vec::new();
    for f in schema.fields() {
        columns.push(Column {
            name: f.name().clone(),
            data_type: f.data_type().clone(),
            stored: false,
        });
        builders.push(match f.data_type() {
            DataType::Utf8View | DataType::Utf8 => Builder::Text(Encoder::default()),
            _ => Builder::Other(Gather::default()),
        });
    }
    (columns, builders)
}

fn append(builder: &mut Builder, array: &ArrayRef) {
    match builder {
        Builder::Text(e) => {
            let mut keys = std::mem::take(e.chunks.last_mut().expect("chunk started"));
            if array.null_count() == array.len() {
                keys.extend(std::iter::repeat_n(-1, array.len()));
            } else {
                e.any = true;
                match array.data_type() {
                    DataType::Utf8View => {
                        for v in array.as_string_view().iter() {
                            keys.push(v.map_or(-1, |t| e.key(t)));
                        }
                    }
                    _ => {
                        for v in array.as_string::<i32>().iter() {
                            keys.push(v.map_or(-1, |t| e.key(t)));
                        }
                    }
                }
            }
            *e.chunks.last_mut().expect("chunk started") = keys;
        }
        Builder::Other(g) => {
            g.any |= array.null_count() < array.len();
            g.chunks
                .last_mut()
                .expect("chunk started")
                .push(array.clone());
        }
    }
}

fn finish(
    mut columns: Vec<Column>,
    builders: Vec<Builder>,
    rows: usize,
    report: &mut LoadReport,
) -> anyhow::Result<Cache> {
    let chunks = rows.div_ceil(CHUNK);
    let mut fields = Vec::new();
    let mut arrays: Vec<Vec<ArrayRef>> = Vec::new();
    let mut dictionaries = HashMap::new();
    for (column, builder) in columns.iter_mut().zip(builders) {
        match builder {
            Builder::Text(e) if e.any => {
                let values = Arc::new(StringArray::from_iter_values(e.values.iter().map(|v| &**v)));
                let (key_type, per_chunk) = dictionary_chunks(e.chunks, &values)?;
                fields.push(Field::new(
                    &column.name,
                    DataType::Dictionary(Box::new(key_type), Box::new(DataType::Utf8)),
                    true,
                ));
                arrays.push(per_chunk);
                dictionaries.insert(column.name.clone(), values);
                column.stored = true;
            }
            Builder::Other(g) if g.any => {
                let per_chunk = g
                    .chunks
                    .into_iter()
                    .map(|pieces| {
                        let refs: Vec<&dyn Array> = pieces.iter().map(|a| a.as_ref()).collect();
                        arrow::compute::concat(&refs)
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                fields.push(Field::new(&column.name, column.data_type.clone(), true));
                arrays.push(per_chunk);
                column.stored = true;
            }
            _ => {}
        }
    }
    fields.push(Field::new(ROW, DataType::UInt32, false));
    arrays.push(
        (0..chunks)
            .map(|c| {
                let start = (c * CHUNK) as u32;
                let end = ((c + 1) * CHUNK).min(rows) as u32;
                Arc::new(UInt32Array::from_iter_values(start..end)) as ArrayRef
            })
            .collect(),
    );
    let schema: SchemaRef = Arc::new(Schema::new(fields));
    let mut batches = Vec::with_capacity(chunks);
    for c in 0..chunks {
        let cols: Vec<ArrayRef> = arrays.iter().map(|a| a[c].clone()).collect();
        batches.push(RecordBatch::try_new(schema.clone(), cols)?);
    }
    Ok(Cache {
        columns,
        schema,
        batches,
        rows,
        dictionaries,
        report: std::mem::take(report),
    })
}

/// The narrowest key type for `values`, and the chunks' dictionary arrays with it.
fn dictionary_chunks(
    chunks: Vec<Vec<i32>>,
    values: &Arc<StringArray>,
) -> anyhow::Result<(DataType, Vec<ArrayRef>)> {
    let n = values.len();
    let values: ArrayRef = values.clone();
    let mut out = Vec::with_capacity(chunks.len());
    let key_type = if n <= i8::MAX as usize {
        DataType::Int8
    } else if n <= i16::MAX as usize {
        DataType::Int16
    } else {
        DataType::Int32
    };
    for keys in chunks {
        let array: ArrayRef = match key_type {
            DataType::Int8 => {
                let k: Int8Array = keys.iter().map(|&k| (k >= 0).then_some(k as i8)).collect();
                Arc::new(DictionaryArray::<Int8Type>::try_new(k, values.clone())?)
            }
            DataType::Int16 => {
                let k: Int16Array = keys.iter().map(|&k| (k >= 0).then_some(k as i16)).collect();
                Arc::new(DictionaryArray::<Int16Type>::try_new(k, values.clone())?)
            }
            _ => {
                let k: Int32Array = keys.iter().map(|&k| (k >= 0).then_some(k)).collect();
                Arc::new(DictionaryArray::<Int32Type>::try_new(k, values.clone())?)
            }
        };
        out.push(array);
    }
    Ok((key_type, out))
}

impl Cache {
    /// The column `name`, if the table has it.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// The index of a stored column in [`Cache::schema`].
    pub fn index(&self, name: &str) -> Option<usize> {
        self.schema.index_of(name).ok()
    }

    /// The dictionary of a text column.
    pub fn dictionary(&self, name: &str) -> Option<&Arc<StringArray>> {
        self.dictionaries.get(name)
    }

    /// Bytes held by the batches (buffers shared between batches, such as dictionaries, counted once per
    /// batch: an upper bound).
    pub fn memory_bytes(&self) -> usize {
        let dict: usize = self
            .dictionaries
            .values()
            .map(|d| d.get_array_memory_size())
            .sum();
        let keys: usize = self
            .batches
            .iter()
            .flat_map(|b| b.columns())
            .map(|a| match a.data_type() {
                DataType::Dictionary(..) => {
                    a.to_data().buffers().iter().map(|b| b.len()).sum::<usize>()
                        + a.nulls().map_or(0, |n| n.buffer().len())
                }
                _ => a.get_array_memory_size(),
            })
            .sum();
        dict + keys
    }
}

/// Reads a dictionary column's keys of one batch into `out` (`u32::MAX` for NULL), whatever the key width.
pub fn keys_of(array: &ArrayRef, out: &mut Vec<u32>) {
    out.clear();
    let push = |out: &mut Vec<u32>, valid: bool, k: u32| out.push(if valid { k } else { u32::MAX });
    match array.data_type() {
        DataType::Dictionary(k, _) => match k.as_ref() {
            DataType::Int8 => {
                let d = array.as_dictionary::<Int8Type>();
                for (i, k) in d.keys().values().iter().enumerate() {
                    push(out, d.is_valid(i), *k as u32);
                }
            }
            DataType::Int16 => {
                let d = array.as_dictionary::<Int16Type>();
                for (i, k) in d.keys().values().iter().enumerate() {
                    push(out, d.is_valid(i), *k as u32);
                }
            }
            _ => {
                let d = array.as_dictionary::<Int32Type>();
                for (i, k) in d.keys().values().iter().enumerate() {
                    push(out, d.is_valid(i), *k as u32);
                }
            }
        },
        _ => out.resize(array.len(), u32::MAX),
    }
}
