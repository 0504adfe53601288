//! Opening inputs, telling what they hold, and reading many of them on every core in order.

use crate::gunzip::{Reservation, SPARE_DATA, give_back, spare};
use crate::layout::Partitions;
use crate::problem::{Fault, Service};
use crate::{FileSummary, Input, Item, Problem, ReadOptions};
use std::io::{BufRead, BufReader, Read};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Condvar, Mutex};

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
const PARQUET_MAGIC: &[u8; 4] = b"PAR1";

/// Turns command-line paths into inputs: `-` is stdin, directories are walked recursively in name order
/// (hidden files skipped), and paths that cannot be read become problems. Local inputs only: `s3://` and
/// `logs:` need [`crate::expand`] with a [`crate::Remote`].
pub fn expand_inputs(paths: &[String]) -> (Vec<Input>, Vec<Problem>) {
    let inputs: Vec<Input> = paths.iter().map(|p| Input::parse(p)).collect();
    crate::listing::expand(&inputs, &crate::KeyFilter::default(), None)
}

/// Reads one input to the end, handing batches, problems and a final summary to `emit` in order.
/// `emit` returns `false` to stop early.
pub fn read_input(input: &Input, opts: &ReadOptions, emit: &mut dyn FnMut(Item) -> bool) {
    let name = input.display_name();
    match input {
        Input::S3(object) => read_object(object, name, opts, emit),
        Input::Logs(streams) => crate::logs::read_stream(streams, name, opts, emit),
        _ => {
            let partitions = match input {
                Input::Path(p) => Partitions::from_key(&p.to_string_lossy()),
                Input::Memory { name, .. } => Partitions::from_key(name),
                _ => Partitions::default(),
            };
            read_local(input, name, partitions, opts, emit)
        }
    }
}

/// Reads a local input as [`read_input`] does, named `name` in messages and for its key parts (a cached copy of
/// an S3 object is read under the object's name).
pub fn read_as(input: &Input, name: &str, opts: &ReadOptions, emit: &mut dyn FnMut(Item) -> bool) {
    read_local(
        input,
        name.to_string(),
        Partitions::from_key(name),
        opts,
        emit,
    )
}

/// An S3 object: fetched (or found in the cache), then read as a file or as bytes under its `s3://` name.
fn read_object(
    object: &crate::S3Object,
    name: String,
    opts: &ReadOptions,
    emit: &mut dyn FnMut(Item) -> bool,
) {
    let Some(remote) = opts.remote.clone() else {
        let service = Service::S3;
        return fail(&name, Fault::NoNetwork { service }, emit);
    };
    let partitions = Partitions::from_key(&name);
    let store = remote.s3_store(&object.bucket);
    let location = object_store::path::Path::from(object.key.as_str());
    let e_tag = object.e_tag.clone();
    let fetched =
        remote.block_on(async move { crate::remote::fetch(&store, &location, None, e_tag).await });
    match fetched {
        Ok(crate::remote::Fetched::File(_, path, _)) => {
            read_local(&Input::Path(path), name, partitions, opts, emit)
        }
        Ok(crate::remote::Fetched::Bytes(data)) => {
            let memory = Input::Memory {
                name: name.clone(),
                data,
            };
            read_local(&memory, name, partitions, opts, emit)
        }
        Err(e) => fail(
            &name,
            Fault::CannotFetch {
                cause: e.to_string(),
            },
            emit,
        ),
    }
}

/// Reads a file, standard input or bytes in memory, reporting it as `name` with the key parts `partitions`.
pub(crate) fn read_local(
    input: &Input,
    name: String,
    partitions: Partitions,
    opts: &ReadOptions,
    emit: &mut dyn FnMut(Item) -> bool,
) {
    // The size, when the input is a regular file or bytes in memory: gzip'd objects that fit are inflated whole.
    let (reader, size): (Box<dyn Read + Send>, Option<u64>) = match input {
        Input::Stdin => (Box::new(std::io::stdin()), None),
        Input::Memory { data, .. } => (
            Box::new(std::io::Cursor::new(data.clone())),
            Some(data.len() as u64),
        ),
        Input::Path(p) => match std::fs::File::open(p) {
            Ok(f) => {
                let size = f.metadata().ok().filter(|m| m.is_file()).map(|m| m.len());
                (Box::new(f), size)
            }
            Err(e) => {
                return fail(
                    &name,
                    Fault::CannotOpen {
                        cause: e.to_string(),
                    },
                    emit,
                );
            }
        },
        Input::S3(_) | Input::Logs(_) => return fail(&name, Fault::NotLocal, emit),
    };
    let mut reader = BufReader::with_capacity(1 << 16, reader);
    let gzip = match reader.fill_buf() {
        Ok(head) => head.starts_with(&GZIP_MAGIC),
        Err(e) => {
            return fail(
                &name,
                Fault::CannotRead {
                    cause: e.to_string(),
                },
                emit,
            );
        }
    };
    if gzip {
        // Held until the text is read: the budget the whole-buffer inflation took.
        let (text, _held) = match gunzip(input, reader, size) {
            Ok(inflated) => inflated,
            Err(e) => {
                return fail(
                    &name,
                    Fault::CannotRead {
                        cause: e.to_string(),
                    },
                    emit,
                );
            }
        };
        dispatch(text, input, name, partitions, opts, emit);
    } else {
        dispatch(reader, input, name, partitions, opts, emit);
    }
}

/// The text of a gzip'd input. An object that fits in memory (and in the budget shared by all threads) is inflated
/// whole with libdeflate, member by member; stdin, big objects, and the members libdeflate leaves (truncated,
/// corrupt, unusual) are streamed through flate2, so what is read and the errors met are the same either way.
/// Multi-member: Firehose concatenates gzip members, and `cat a.gz b.gz` is valid gzip too.
fn gunzip(
    input: &Input,
    mut reader: BufReader<Box<dyn Read + Send>>,
    size: Option<u64>,
) -> std::io::Result<(Box<dyn BufRead + Send>, Reservation)> {
    let stream = |compressed: Box<dyn BufRead + Send>| -> Box<dyn BufRead + Send> {
        Box::new(BufReader::with_capacity(
            1 << 20,
            flate2::bufread::MultiGzDecoder::new(compressed),
        ))
    };
    let whole = size
        .and_then(|s| usize::try_from(s).ok())
        .filter(|&s| s <= crate::gunzip::MAX_INPUT);
    let Some(size) = whole else {
        return Ok((stream(Box::new(reader)), Reservation::default()));
    };
    if let Input::Memory { data, .. } = input {
        // Already in memory: not counted again.
        let mut held = Reservation::default();
        let inflated = crate::gunzip::inflate(data, &mut held);
        return Ok(inflated_then_streamed(inflated, data.clone(), held, stream));
    }
    let Some(mut held) = Reservation::take(size) else {
        return Ok((stream(Box::new(reader)), Reservation::default()));
    };
    // Read into the thread's spare buffer, given back once the object is inflated.
    let mut data = spare(&SPARE_DATA);
    data.clear();
    data.reserve(size);
    (&mut reader).take(size as u64).read_to_end(&mut data)?;
    if data.len() == size && !reader.fill_buf()?.is_empty() {
        // The file grew while it was read.
        let grown = std::io::Cursor::new(data).chain(reader);
        return Ok((stream(Box::new(grown)), held));
    }
    let inflated = crate::gunzip::inflate(&data, &mut held);
    if inflated.rest < data.len() {
        return Ok(inflated_then_streamed(
            inflated,
            bytes::Bytes::from(data),
            held,
            stream,
        ));
    }
    // The compressed bytes are not needed any more.
    held.shrink(data.len());
    give_back(&SPARE_DATA, data);
    Ok((Box::new(std::io::Cursor::new(inflated.text)), held))
}

/// The text inflated whole, followed by the rest of the object (from `inflated.rest` on) streamed.
fn inflated_then_streamed(
    inflated: crate::gunzip::Inflated,
    data: bytes::Bytes,
    held: Reservation,
    stream: impl Fn(Box<dyn BufRead + Send>) -> Box<dyn BufRead + Send>,
) -> (Box<dyn BufRead + Send>, Reservation) {
    let text = std::io::Cursor::new(inflated.text);
    if inflated.rest == data.len() {
        return (Box::new(text), held);
    }
    let rest = stream(Box::new(std::io::Cursor::new(data.slice(inflated.rest..))));
    if text.get_ref().is_empty() {
        return (rest, held);
    }
    (Box::new(text.chain(rest)), held)
}

fn dispatch(
    mut reader: impl BufRead + Send,
    input: &Input,
    name: String,
    partitions: Partitions,
    opts: &ReadOptions,
    emit: &mut dyn FnMut(Item) -> bool,
) {
    let kind = match reader.fill_buf() {
        Ok(head) => Kind::of(head),
        Err(e) => {
            return fail(
                &name,
                Fault::NothingRead {
                    cause: e.to_string(),
                },
                emit,
            );
        }
    };
    if kind == Kind::Parquet {
        // Parquet needs random access: a plain file is read in place, anything else is buffered in memory.
        let data = match input {
            Input::Path(p) if !is_gzip_file(p) => match std::fs::File::open(p) {
                Ok(f) => crate::parquet::ParquetData::File(f),
                Err(e) => {
                    return fail(
                        &name,
                        Fault::CannotOpen {
                            cause: e.to_string(),
                        },
                        emit,
                    );
                }
            },
            _ => {
                let mut bytes = Vec::new();
                if let Err(e) = reader.read_to_end(&mut bytes) {
                    return fail(
                        &name,
                        Fault::CannotRead {
                            cause: e.to_string(),
                        },
                        emit,
                    );
                }
                crate::parquet::ParquetData::Bytes(bytes.into())
            }
        };
        return crate::parquet::read_parquet(data, name, partitions, opts, emit);
    }
    if kind == Kind::Json {
        return crate::cloudwatch::read_json(reader, name, partitions, opts, emit);
    }
    if kind == Kind::Binary {
        return fail(&name, Fault::Binary, emit);
    }
    crate::text::read_text(reader, name, partitions, opts, emit)
}

fn is_gzip_file(path: &std::path::Path) -> bool {
    let mut magic = [0u8; 2];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut magic))
        .is_ok()
        && magic == GZIP_MAGIC
}

/// What a stream holds, as its first bytes say.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Parquet,
    Json,
    Binary,
    Text,
}

impl Kind {
    /// Looks at the bytes in place: `head` is what the reader has buffered, which for text inflated whole is the
    /// whole text (copying its first MiB for this cost ~1% of a query's CPU).
    fn of(head: &[u8]) -> Kind {
        let head = &head[..head.len().min(1 << 20)];
        if head.starts_with(PARQUET_MAGIC) {
            return Kind::Parquet;
        }
        let first = head.iter().find(|b| !b.is_ascii_whitespace());
        if matches!(first, Some(b'{') | Some(b'[')) {
            return Kind::Json;
        }
        if head.iter().take(4096).any(|b| *b == 0) {
            return Kind::Binary;
        }
        Kind::Text
    }
}

fn fail(name: &str, fault: Fault, emit: &mut dyn FnMut(Item) -> bool) {
    let problem = Problem::bad_file(vpcflow_record::Location::file(name), fault);
    if emit(Item::Problem(problem)) {
        emit(Item::Done(FileSummary {
            name: name.to_string(),
            failed: true,
            ..FileSummary::default()
        }));
    }
}

/// One receiver per input, filled in by the worker that takes the input; the condvar wakes the consumer.
type Slots = (Mutex<Vec<Option<Receiver<Item>>>>, Condvar);

/// Reads every input on `threads` threads and hands the items to `emit` in input order, so output is the same
/// whatever the parallelism. Memory stays bounded: each worker may run at most a few batches ahead.
pub fn read_all(
    inputs: &[Input],
    opts: &ReadOptions,
    threads: usize,
    emit: &mut dyn FnMut(Item) -> bool,
) {
    let threads = threads.clamp(1, inputs.len().max(1));
    if threads == 1 {
        for input in inputs {
            let mut go_on = true;
            read_input(input, opts, &mut |item| {
                go_on = emit(item);
                go_on
            });
            if !go_on {
                return;
            }
        }
        return;
    }
    // slots[i] receives file i's items; workers take files in order so that the file the consumer waits on
    // is always either finished or being read.
    let slots: Arc<Slots> = Arc::new((
        Mutex::new((0..inputs.len()).map(|_| None).collect()),
        Condvar::new(),
    ));
    let next = Arc::new(Mutex::new(0usize));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let (slots, next, stop) = (slots.clone(), next.clone(), stop.clone());
            scope.spawn(move || {
                loop {
                    let i = {
                        let mut n = next.lock().unwrap();
                        let i = *n;
                        *n += 1;
                        i
                    };
                    if i >= inputs.len() || stop.load(std::sync::atomic::Ordering::Relaxed) {
                        break;
                    }
                    let (tx, rx): (SyncSender<Item>, Receiver<Item>) = sync_channel(4);
                    {
                        let (lock, cvar) = &*slots;
                        lock.lock().unwrap()[i] = Some(rx);
                        cvar.notify_all();
                    }
                    read_input(&inputs[i], opts, &mut |item| {
                        tx.send(item).is_ok() && !stop.load(std::sync::atomic::Ordering::Relaxed)
                    });
                }
            });
        }
        'files: for i in 0..inputs.len() {
            let rx = {
                let (lock, cvar) = &*slots;
                let mut guard = lock.lock().unwrap();
                loop {
                    if let Some(rx) = guard[i].take() {
                        break rx;
                    }
                    guard = cvar.wait(guard).unwrap();
                }
            };
            for item in rx {
                if !emit(item) {
                    stop.store(true, std::sync::atomic::Ordering::Relaxed);
                    break 'files;
                }
            }
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        // Dropping the remaining receivers unblocks workers still sending.
        let (lock, _) = &*slots;
        lock.lock().unwrap().clear();
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::Compression;
    use flate2::write::GzEncoder;
    use std::io::Write;

    /// What a read produced, comparable.
    #[derive(Debug, PartialEq)]
    enum Seen {
        Batch(arrow::record_batch::RecordBatch, Vec<u64>),
        Problem(Problem),
        Done(FileSummary),
    }

    fn collect(items: &mut Vec<Seen>) -> impl FnMut(Item) -> bool + '_ {
        |item| {
            items.push(match item {
                Item::Batch(b) => Seen::Batch(b.data, b.positions),
                Item::Problem(p) => Seen::Problem(p),
                Item::Done(s) => Seen::Done(s),
            });
            true
        }
    }

    fn opts() -> ReadOptions {
        ReadOptions {
            batch_size: 7,
            ..ReadOptions::default()
        }
    }

    fn memory(data: &[u8]) -> Input {
        Input::Memory {
            name: "object.gz".into(),
            data: bytes::Bytes::copy_from_slice(data),
        }
    }

    /// As the reader did before libdeflate: everything streamed through flate2.
    fn streamed(data: &[u8]) -> Vec<Seen> {
        assert!(data.starts_with(&GZIP_MAGIC));
        let input = memory(data);
        let mut items = Vec::new();
        let reader: Box<dyn Read + Send> = Box::new(std::io::Cursor::new(data.to_vec()));
        let reader = BufReader::with_capacity(1 << 16, reader);
        let inner = BufReader::with_capacity(1 << 20, flate2::bufread::MultiGzDecoder::new(reader));
        let name = input.display_name();
        let partitions = Partitions::from_key(&name);
        dispatch(
            inner,
            &input,
            name,
            partitions,
            &opts(),
            &mut collect(&mut items),
        );
        items
    }

    /// As the reader does now, from memory and from a file.
    fn read(data: &[u8]) -> Vec<Seen> {
        let mut items = Vec::new();
        read_input(&memory(data), &opts(), &mut collect(&mut items));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("object.gz");
        std::fs::write(&path, data).unwrap();
        let mut from_file = Vec::new();
        read_input(
            &Input::Path(path.clone()),
            &opts(),
            &mut collect(&mut from_file),
        );
        // The file's name differs; what was read does not.
        let name = path.display().to_string();
        for seen in &mut from_file {
            match seen {
                Seen::Problem(p) => {
                    p.location.file = p.location.file.replace(&name, "object.gz").into()
                }
                Seen::Done(s) => s.name = s.name.replace(&name, "object.gz"),
                Seen::Batch(..) => {}
            }
        }
        assert!(items == from_file);
        items
    }

    fn gzip(text: &[u8]) -> Vec<u8> {
        let mut gz = GzEncoder::new(Vec::new(), Compression::default());
        gz.write_all(text).unwrap();
        gz.finish().unwrap()
    }

    fn records(n: usize) -> Vec<u8> {
        let mut out = b"version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes \
                        start end action log-status\n"
            .to_vec();
        for i in 0..n {
            writeln!(
                out,
                "2 123456789012 eni-1235b8ca12345{:04} 172.31.{}.{} 10.0.0.{} {} 443 6 20 4249 1418530010 \
                 1418530070 {} OK",
                i % 10_000,
                i % 256,
                (i * 7) % 256,
                i % 200,
                1024 + i % 60_000,
                if i % 3 == 0 { "REJECT" } else { "ACCEPT" }
            )
            .unwrap();
        }
        out
    }

    #[track_caller]
    fn same_as_streamed(data: &[u8], what: &str) {
        let (now, before) = (read(data), streamed(data));
        assert!(now == before, "{what}: {now:?}\n!=\n{before:?}");
    }

    #[test]
    fn gzip_reads_as_it_did_when_streamed() {
        let one = gzip(&records(3000));
        same_as_streamed(&one, "one member");
        let two = [gzip(&records(500)), gzip(b"\n"), gzip(&records(20))].concat();
        same_as_streamed(&two, "several members");
        same_as_streamed(
            &[one.clone(), one.clone()].concat(),
            "the same member twice",
        );
        for tail in [
            &b"\0\0\0\0"[..],
            b"\x1f\x8b\x08\0\0\0\0\0\0\0",
            b"text after it\n",
        ] {
            same_as_streamed(&[&one[..], tail].concat(), "garbage after it");
        }
        same_as_streamed(&gzip(b""), "empty");
    }

    #[test]
    fn truncated_gzip_reads_as_it_did_when_streamed() {
        let first = gzip(&records(300));
        let data = [first.clone(), gzip(&records(1000))].concat();
        // Cut in the second member where the last four bytes, read as a length, are under the limit: the first
        // member is inflated whole, the second streamed after it. Elsewhere everything is streamed.
        let chained = (first.len() + 20..data.len())
            .filter(|&cut| u32::from_le_bytes(data[cut - 4..cut].try_into().unwrap()) < 1 << 27)
            .step_by(5)
            .take(4);
        for cut in (2..data.len())
            .step_by(1009)
            .chain(data.len() - 12..data.len())
            .chain(chained)
        {
            same_as_streamed(&data[..cut], &format!("cut at {cut} of {}", data.len()));
        }
    }

    #[test]
    fn cloudwatch_envelopes_read_as_they_did_when_streamed() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/cloudwatch/");
        for file in [
            "firehose-vpcflow-1-2024-01-02-03-04-05-7b1c9e2a-52d4-4f0e-9a53-1d2f3e4a5b6c.gz",
            "subscription.json.gz",
        ] {
            let data = std::fs::read(format!("{dir}{file}")).unwrap();
            for cut in 2..=data.len() {
                same_as_streamed(&data[..cut], &format!("{file} cut at {cut}"));
            }
        }
    }
}
