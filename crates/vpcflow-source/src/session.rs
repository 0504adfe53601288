//! One read session: what every command that reads flow logs shares, whether it reads records itself (`cat`,
//! `validate`, `explain`, `conversations`, `diagnose`) or through the query engine (`query`, `stats`, `top`,
//! `timeline`, the dashboard).
//!
//! A session turns what the user named into inputs (paths, `-`, `s3://…`, `logs:…`), holds the network context
//! they need, applies `--since`/`--until` (to the listing and to the records), counts what was read per input,
//! hands every problem to a listener as data as it is met, and stops at the first one under `--strict`. Front
//! ends only print: the CLI writes problems to stderr and draws a progress bar, the dashboard shows them.

use crate::aws::AwsOptions;
use crate::listing::{KeyFilter, TimeRange};
use crate::remote::Remote;
use crate::{Batch, Column, FileSummary, Input, Item, Problem, ReadOptions, read_all};
use arrow::array::{Array, AsArray, BooleanArray, PrimitiveArray, RecordBatch};
use arrow::datatypes::{DataType, Int64Type, TimeUnit, TimestampMillisecondType};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use vpcflow_record::{Field, Format};

/// What a session reads and how.
#[derive(Clone, Debug, Default)]
pub struct SessionOptions {
    /// What the user named: files, directories, `-`, `s3://bucket/prefix`, `logs:GROUP[:STREAM-PREFIX]`.
    pub inputs: Vec<String>,
    /// The format of headerless records.
    pub format: Option<Format>,
    /// Stop at the first problem.
    pub strict: bool,
    /// Threads to read with (default: every core).
    pub threads: Option<usize>,
    /// Only records that overlap this range (and only keys that can hold them are listed).
    pub time: TimeRange,
    /// How to reach AWS.
    pub aws: AwsOptions,
    /// Where fetched S3 objects are kept, so that reading them again downloads nothing.
    pub cache: Option<PathBuf>,
    /// The most the cache may hold, in bytes (default: [`crate::remote::DEFAULT_CACHE_MAX`]).
    pub cache_max: Option<u64>,
}

/// What happened while reading, as it happens.
#[derive(Debug)]
pub enum ScanEvent<'a> {
    /// A problem in the input; reading goes on unless the listener says stop.
    Problem(&'a Problem),
    /// A piece is finished; `first` is true for the piece that starts its file (it alone counts the file).
    Done {
        /// The counts for the piece.
        summary: &'a FileSummary,
        /// Whether this piece starts its file.
        first: bool,
    },
    /// What a query will read, once its listing is pruned: inputs and their bytes (as stored).
    Planned {
        /// Files, objects and streams.
        inputs: u64,
        /// Their bytes (0 for what has no known size: streams, standard input).
        bytes: u64,
    },
}

/// Hears about problems and finished pieces from every reading thread; returning `false` stops the read.
pub type Observer = Arc<dyn Fn(ScanEvent<'_>) -> bool + Send + Sync>;

/// Counts for the summary.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Tally {
    /// Files, objects and streams read.
    pub files: u64,
    /// Records read.
    pub records: u64,
    /// Records that could not be read.
    pub bad_records: u64,
    /// Inputs that could not be read (or not to the end), including those that could not be listed.
    pub failed_files: u64,
    /// Values written over with `x` (read as absent).
    pub redacted: u64,
}

/// What the listener hears.
#[derive(Debug)]
pub enum Event<'a> {
    /// A problem, to show.
    Problem(&'a Problem),
    /// How far the read is: inputs finished, of how many (0 when not known yet), and their bytes.
    Progress {
        /// Inputs finished.
        done: u64,
        /// Inputs to read (0 until listed).
        total: u64,
        /// Bytes of input read (as stored: compressed for gzip), counting every piece of a split file.
        bytes: u64,
        /// Bytes to read (0 until listed, or when sizes are not known).
        total_bytes: u64,
    },
}

/// Hears the session's events (from any thread).
pub type Listener = Arc<dyn Fn(Event<'_>) + Send + Sync>;

/// A read of some inputs, shared by every command.
pub struct Session {
    options: SessionOptions,
    inputs: Vec<Input>,
    remote: Option<Arc<Remote>>,
    tally: Arc<Mutex<Tally>>,
    stopped: Arc<AtomicBool>,
    /// Whether a named input could not be found or listed.
    missing: Arc<AtomicBool>,
    done: Arc<AtomicU64>,
    total: Arc<AtomicU64>,
    bytes: Arc<AtomicU64>,
    total_bytes: Arc<AtomicU64>,
    listener: Listener,
}

impl Session {
    /// A session over `options.inputs`; the network context is made only when an input needs it.
    pub fn open(options: SessionOptions, listener: Listener) -> std::io::Result<Session> {
        let inputs: Vec<Input> = options.inputs.iter().map(|i| Input::parse(i)).collect();
        let remote = if inputs.iter().any(Input::is_remote) {
            let max = options
                .cache_max
                .unwrap_or(crate::remote::DEFAULT_CACHE_MAX);
            Some(Remote::with_cache(
                options.aws.clone(),
                options.cache.clone(),
                max,
            )?)
        } else {
            None
        };
        Ok(Session {
            options,
            inputs,
            remote,
            tally: Arc::default(),
            stopped: Arc::default(),
            missing: Arc::default(),
            done: Arc::default(),
            total: Arc::default(),
            bytes: Arc::default(),
            total_bytes: Arc::default(),
            listener,
        })
    }

    /// The inputs as named (not yet expanded).
    pub fn inputs(&self) -> &[Input] {
        &self.inputs
    }

    /// The network context, when an input needs one.
    pub fn remote(&self) -> Option<&Arc<Remote>> {
        self.remote.as_ref()
    }

    /// The options.
    pub fn options(&self) -> &SessionOptions {
        &self.options
    }

    /// Whether `--strict` stopped the read at a problem.
    pub fn stopped(&self) -> bool {
        self.stopped.load(Ordering::Relaxed)
    }

    /// Whether an input named by the user could not be found or listed.
    pub fn missing(&self) -> bool {
        self.missing.load(Ordering::Relaxed)
    }

    /// Notes that an input named by the user could not be found or listed (a caller that listed it itself).
    pub fn mark_missing(&self) {
        self.missing.store(true, Ordering::Relaxed);
        self.tally.lock().expect("tally lock").failed_files += 1;
    }

    /// The counts so far.
    pub fn tally(&self) -> Tally {
        self.tally.lock().expect("tally lock").clone()
    }

    /// Reports a problem found before reading (an input that cannot be listed); `false` under `--strict`.
    fn problem(&self, p: &Problem) -> bool {
        (self.listener)(Event::Problem(p));
        if self.options.strict {
            self.stopped.store(true, Ordering::Relaxed);
            return false;
        }
        true
    }

    /// What a reader tells the session: counted, shown, and under `--strict` the end of the read.
    pub fn observer(&self) -> Observer {
        let (tally, stopped, strict, listener) = (
            self.tally.clone(),
            self.stopped.clone(),
            self.options.strict,
            self.listener.clone(),
        );
        let (done, total, bytes, total_bytes) = (
            self.done.clone(),
            self.total.clone(),
            self.bytes.clone(),
            self.total_bytes.clone(),
        );
        Arc::new(move |event: ScanEvent<'_>| match event {
            ScanEvent::Problem(p) => {
                if stopped.load(Ordering::Relaxed) {
                    return false;
                }
                listener(Event::Problem(p));
                if strict {
                    stopped.store(true, Ordering::Relaxed);
                    return false;
                }
                true
            }
            ScanEvent::Done { summary, first } => {
                {
                    let mut t = tally.lock().expect("tally lock");
                    if first {
                        t.files += 1;
                    }
                    t.records += summary.records;
                    t.bad_records += summary.bad_records;
                    t.redacted += summary.redacted;
                    if summary.failed && first {
                        t.failed_files += 1;
                    }
                }
                let bytes = bytes.fetch_add(summary.bytes, Ordering::Relaxed) + summary.bytes;
                let done = done.fetch_add(u64::from(first), Ordering::Relaxed) + u64::from(first);
                listener(Event::Progress {
                    done,
                    total: total.load(Ordering::Relaxed),
                    bytes,
                    total_bytes: total_bytes.load(Ordering::Relaxed),
                });
                true
            }
            ScanEvent::Planned { inputs, bytes } => {
                total.fetch_add(inputs, Ordering::Relaxed);
                total_bytes.fetch_add(bytes, Ordering::Relaxed);
                true
            }
        })
    }

    /// Lists the inputs (directories walked, S3 prefixes listed and pruned by the time range, log streams
    /// found); what cannot be listed is reported and counted. `None` when `--strict` stopped at it.
    pub fn expand(&self) -> Option<Vec<Input>> {
        let filter = KeyFilter::time(self.options.time);
        let (inputs, problems) = crate::expand(&self.inputs, &filter, self.remote.as_ref());
        for p in &problems {
            self.missing.store(true, Ordering::Relaxed);
            self.tally.lock().expect("tally lock").failed_files += 1;
            if !self.problem(p) {
                return None;
            }
        }
        self.total.store(inputs.len() as u64, Ordering::Relaxed);
        let bytes = inputs.iter().map(stored_size).sum();
        self.total_bytes.store(bytes, Ordering::Relaxed);
        Some(inputs)
    }

    /// The inputs for a reader that lists remote inputs itself, per query (the query engine, the dashboard's
    /// cache): local directories are walked now, so that what cannot be read is reported (to `observer`) and
    /// counted before anything runs; S3 prefixes and log groups stay as named. `None` when `--strict` stopped at
    /// one.
    pub fn engine_inputs(&self, observer: &Observer) -> Option<Vec<Input>> {
        let (local, remote): (Vec<Input>, Vec<Input>) =
            self.inputs.iter().cloned().partition(|i| !i.is_remote());
        let filter = KeyFilter::time(self.options.time);
        let (mut inputs, problems) = crate::expand(&local, &filter, None);
        for p in &problems {
            self.mark_missing();
            if !observer(ScanEvent::Problem(p)) {
                return None;
            }
        }
        inputs.extend(remote);
        Some(inputs)
    }

    /// Reads every input, handing each batch to `on_batch` in input order; `columns` is the projection (`None`:
    /// every field of each file's format). Records outside the time range are left out. Returns `Ok(false)`
    /// when `--strict` stopped the read.
    pub fn read<E>(
        &self,
        columns: Option<Vec<Column>>,
        mut on_batch: impl FnMut(&Batch) -> Result<(), E>,
    ) -> Result<bool, E> {
        let Some(inputs) = self.expand() else {
            return Ok(false);
        };
        // The time range needs `start` and `end`, read besides the projection and dropped after.
        let wanted = columns.as_ref().map(Vec::len);
        let columns = match (columns, self.options.time.is_all()) {
            (Some(mut cols), false) => {
                for c in TIME_COLUMNS {
                    if !cols.contains(&c) {
                        cols.push(c);
                    }
                }
                Some(cols)
            }
            (cols, _) => cols,
        };
        let opts = ReadOptions {
            format: self.options.format.clone(),
            columns,
            remote: self.remote.clone(),
            events: self.options.time,
            ..ReadOptions::default()
        };
        let threads = self
            .options
            .threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
        let observer = self.observer();
        let sizes: std::collections::HashMap<String, u64> = inputs
            .iter()
            .map(|i| (i.display_name(), stored_size(i)))
            .collect();
        let mut error = None;
        read_all(&inputs, &opts, threads, &mut |item| match item {
            Item::Batch(batch) => {
                let batch = match within(batch, &self.options.time, wanted) {
                    Some(b) => b,
                    None => return true,
                };
                match on_batch(&batch) {
                    Ok(()) => true,
                    Err(e) => {
                        error = Some(e);
                        false
                    }
                }
            }
            Item::Problem(p) => observer(ScanEvent::Problem(&p)),
            Item::Done(mut s) => {
                s.bytes = sizes.get(&s.name).copied().unwrap_or(0);
                observer(ScanEvent::Done {
                    summary: &s,
                    first: true,
                })
            }
        });
        match error {
            Some(e) => Err(e),
            None => Ok(!self.stopped()),
        }
    }
}

/// An input's size as stored, when known: a listed S3 object's, a local file's; 0 for streams.
fn stored_size(input: &Input) -> u64 {
    match input {
        Input::S3(o) => o.size.unwrap_or(0),
        Input::Path(p) => std::fs::metadata(p).map_or(0, |m| m.len()),
        _ => 0,
    }
}

/// The columns a time range is decided on: the record's `start` and `end`, and for log events whose format lacks
/// them, the event's time.
pub const TIME_COLUMNS: [Column; 3] = [
    Column::Field(Field::Start),
    Column::Field(Field::End),
    Column::Extra(crate::Extra::EventTime),
];

/// Which rows of `data` overlap `time`: those whose `start` and `end` do, or, lacking them, whose log event's time
/// does (AWS stamps a flow log's event with the record's start). `None` when `data` has none of these columns:
/// nothing to decide on, nothing left out. A row with none of the values is left out.
pub fn overlapping(data: &RecordBatch, time: &TimeRange) -> Option<BooleanArray> {
    let schema = data.schema();
    let column = |name: &str, to: &DataType| {
        let i = schema.index_of(name).ok()?;
        arrow::compute::cast(data.column(i), to).ok()
    };
    let start = column(Field::Start.column(), &DataType::Int64);
    let end = column(Field::End.column(), &DataType::Int64);
    let event = column(
        crate::Extra::EventTime.name(),
        &DataType::Timestamp(TimeUnit::Millisecond, None),
    );
    if start.is_none() && end.is_none() && event.is_none() {
        return None;
    }
    let start = start.as_ref().map(|a| a.as_primitive::<Int64Type>());
    let end = end.as_ref().map(|a| a.as_primitive::<Int64Type>());
    let event = event
        .as_ref()
        .map(|a| a.as_primitive::<TimestampMillisecondType>());
    let value = |a: Option<&PrimitiveArray<Int64Type>>, i: usize| {
        a.filter(|a| a.is_valid(i)).map(|a| a.value(i))
    };
    Some(
        (0..data.num_rows())
            .map(|i| {
                let span = match (value(start, i), value(end, i)) {
                    (Some(s), Some(e)) => Some((s, e)),
                    _ => event
                        .filter(|a| a.is_valid(i))
                        .map(|a| a.value(i).div_euclid(1000))
                        .map(|t| (t, t)),
                };
                Some(span.is_some_and(|(s, e)| time.overlaps(s, e)))
            })
            .collect(),
    )
}

/// The rows of a batch that overlap the time range, with only the first `wanted` columns (those asked for); `None`
/// when no row is left.
fn within(batch: Batch, time: &TimeRange, wanted: Option<usize>) -> Option<Batch> {
    if time.is_all() {
        return Some(batch);
    }
    let Some(keep) = overlapping(&batch.data, time) else {
        // A format without times: nothing to compare, nothing left out.
        return Some(batch);
    };
    if keep.true_count() == 0 {
        return None;
    }
    let data = arrow::compute::filter_record_batch(&batch.data, &keep).ok()?;
    let data = match wanted {
        Some(n) if n < data.num_columns() => data.project(&(0..n).collect::<Vec<_>>()).ok()?,
        _ => data,
    };
    let kept = |i: &usize| keep.value(*i);
    let positions = (0..batch.positions.len())
        .filter(kept)
        .map(|i| batch.positions[i])
        .collect();
    let times = (0..batch.times.len())
        .filter(kept)
        .map(|i| batch.times[i])
        .collect();
    Some(Batch {
        data,
        positions,
        times,
        source: batch.source,
    })
}

/// Why a text is not a time for `--since` / `--until`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TimeError {
    /// None of the accepted forms.
    #[error(
        "`{0}` is not a time: give 2024-05-01T13:00:00Z, 2024-05-01, Unix seconds, or a span before now such as \
         2h or 7d"
    )]
    NotATime(String),
    /// A form that was understood, but a time out of the range a timestamp holds.
    #[error("`{text}` is out of range: {reason}")]
    OutOfRange {
        /// The text.
        text: String,
        /// Why.
        reason: String,
    },
}

/// Reads `--since` / `--until`: an RFC 3339 time (`2024-05-01T13:00:00Z`), a date (`2024-05-01`, midnight UTC),
/// Unix seconds, or a span before now (`2h`, `30m`, `7d`, `1d 12h`).
pub fn parse_time(text: &str) -> Result<i64, TimeError> {
    let text = text.trim();
    let out_of_range = |e: jiff::Error| TimeError::OutOfRange {
        text: text.to_string(),
        reason: e.to_string(),
    };
    if let Ok(t) = text.parse::<jiff::Timestamp>() {
        return Ok(t.as_second());
    }
    if let Ok(d) = text.parse::<jiff::civil::Date>() {
        let t = d.to_zoned(jiff::tz::TimeZone::UTC).map_err(out_of_range)?;
        return Ok(t.timestamp().as_second());
    }
    if let Ok(seconds) = text.parse::<i64>() {
        return Ok(seconds);
    }
    if let Ok(span) = text.parse::<jiff::Span>() {
        let now = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC);
        let then = now.checked_sub(span.abs()).map_err(out_of_range)?;
        return Ok(then.timestamp().as_second());
    }
    Err(TimeError::NotATime(text.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times() {
        assert_eq!(parse_time("2024-01-02T00:00:00Z"), Ok(1_704_153_600));
        assert_eq!(parse_time("2024-01-02"), Ok(1_704_153_600));
        assert_eq!(parse_time("1704153600"), Ok(1_704_153_600));
        let now = jiff::Timestamp::now().as_second();
        let two_hours = parse_time("2h").unwrap();
        assert!((now - 7200 - two_hours).abs() <= 2, "{two_hours}");
        assert!(parse_time("7d").unwrap() < two_hours);
        assert_eq!(
            parse_time("yesterday-ish"),
            Err(TimeError::NotATime("yesterday-ish".into()))
        );
    }

    /// The listener hears inputs and bytes read, of how many, ending where they meet.
    #[test]
    fn progress_counts_inputs_and_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let line = "2 123456789012 eni-0a1b2c3d 10.0.0.1 203.0.113.9 1024 443 6 3 100 1704153600 1704153660 ACCEPT OK\n";
        let mut sizes = 0;
        for (name, n) in [("a.log", 10), ("b.log", 30)] {
            let path = dir.path().join(name);
            std::fs::write(&path, line.repeat(n)).unwrap();
            sizes += (line.len() * n) as u64;
        }
        let last = Arc::new(Mutex::new(None));
        let heard = last.clone();
        let listener: Listener = Arc::new(move |event: Event<'_>| {
            if let Event::Progress {
                done,
                total,
                bytes,
                total_bytes,
            } = event
            {
                *heard.lock().unwrap() = Some((done, total, bytes, total_bytes));
            }
        });
        let options = SessionOptions {
            inputs: vec![dir.path().display().to_string()],
            threads: Some(2),
            ..SessionOptions::default()
        };
        let session = Session::open(options, listener).unwrap();
        let mut rows = 0;
        let read = session.read(None, |b| {
            rows += b.data.num_rows();
            Ok::<(), ()>(())
        });
        assert_eq!(read, Ok(true));
        assert_eq!(rows, 40);
        assert_eq!(*last.lock().unwrap(), Some((2, 2, sizes, sizes)));
    }
}
