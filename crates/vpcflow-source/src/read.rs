//! Opening inputs, telling what they hold, and reading many of them on every core in order.

use crate::layout::Partitions;
use crate::{FileSummary, Input, Item, Problem, ProblemKind, ReadOptions};
use std::io::{BufRead, BufReader, Read};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Condvar, Mutex};

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
const PARQUET_MAGIC: &[u8; 4] = b"PAR1";

/// Turns command-line paths into inputs: `-` is stdin, directories are walked recursively in name order
/// (hidden files skipped), and paths that cannot be read become problems.
pub fn expand_inputs(paths: &[String]) -> (Vec<Input>, Vec<Problem>) {
    let mut inputs = Vec::new();
    let mut problems = Vec::new();
    for path in paths {
        if path == "-" {
            inputs.push(Input::Stdin);
            continue;
        }
        let p = std::path::Path::new(path);
        match std::fs::metadata(p) {
            Ok(meta) if meta.is_dir() => {
                let walker = walkdir::WalkDir::new(p)
                    .sort_by_file_name()
                    .into_iter()
                    .filter_entry(|e| {
                        e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.')
                    });
                for entry in walker {
                    match entry {
                        Ok(e) if e.file_type().is_file() => inputs.push(Input::Path(e.into_path())),
                        Ok(_) => {}
                        Err(e) => problems.push(Problem {
                            kind: ProblemKind::BadFile,
                            location: e.path().map_or(path.clone(), |p| p.display().to_string()),
                            message: format!("cannot read: {e}"),
                        }),
                    }
                }
            }
            Ok(_) => inputs.push(Input::Path(p.to_path_buf())),
            Err(e) => problems.push(Problem {
                kind: ProblemKind::BadFile,
                location: path.clone(),
                message: format!("cannot read: {e}"),
            }),
        }
    }
    (inputs, problems)
}

/// Reads one input to the end, handing batches, problems and a final summary to `emit` in order.
/// `emit` returns `false` to stop early.
pub fn read_input(input: &Input, opts: &ReadOptions, emit: &mut dyn FnMut(Item) -> bool) {
    let name = input.display_name();
    let partitions = match input {
        Input::Path(p) => Partitions::from_key(&p.to_string_lossy()),
        Input::Stdin => Partitions::default(),
        Input::Memory { name, .. } => Partitions::from_key(name),
    };
    let reader: Box<dyn Read + Send> = match input {
        Input::Stdin => Box::new(std::io::stdin()),
        Input::Memory { data, .. } => Box::new(std::io::Cursor::new(data.clone())),
        Input::Path(p) => match std::fs::File::open(p) {
            Ok(f) => Box::new(f),
            Err(e) => return fail(&name, format!("cannot open: {e}"), emit),
        },
    };
    let mut reader = BufReader::with_capacity(1 << 16, reader);
    let head = match peek(&mut reader) {
        Ok(h) => h,
        Err(e) => return fail(&name, format!("cannot read: {e}"), emit),
    };
    if head.starts_with(&GZIP_MAGIC) {
        // Multi-member: Firehose concatenates gzip members, and `cat a.gz b.gz` is valid gzip too.
        let inner = BufReader::with_capacity(1 << 20, flate2::bufread::MultiGzDecoder::new(reader));
        dispatch(inner, input, name, partitions, opts, emit);
    } else {
        dispatch(reader, input, name, partitions, opts, emit);
    }
}

fn dispatch(
    mut reader: impl BufRead + Send,
    input: &Input,
    name: String,
    partitions: Partitions,
    opts: &ReadOptions,
    emit: &mut dyn FnMut(Item) -> bool,
) {
    let head = match peek(&mut reader) {
        Ok(h) => h,
        Err(e) => {
            return fail(
                &name,
                format!("the compressed data is truncated or corrupt ({e}); nothing was read"),
                emit,
            );
        }
    };
    if head.starts_with(PARQUET_MAGIC) {
        // Parquet needs random access: a plain file is read in place, anything else is buffered in memory.
        let data = match input {
            Input::Path(p) if !is_gzip_file(p) => match std::fs::File::open(p) {
                Ok(f) => crate::parquet::ParquetData::File(f),
                Err(e) => return fail(&name, format!("cannot open: {e}"), emit),
            },
            _ => {
                let mut bytes = Vec::new();
                if let Err(e) = reader.read_to_end(&mut bytes) {
                    return fail(&name, format!("cannot read: {e}"), emit);
                }
                crate::parquet::ParquetData::Bytes(bytes.into())
            }
        };
        return crate::parquet::read_parquet(data, name, partitions, opts, emit);
    }
    let first = head.iter().find(|b| !b.is_ascii_whitespace());
    if matches!(first, Some(b'{') | Some(b'[')) {
        return crate::cloudwatch::read_json(reader, name, partitions, opts, emit);
    }
    if head.iter().take(4096).any(|b| *b == 0) {
        return fail(
            &name,
            "binary data: not text, gzip, Parquet or JSON flow logs".to_string(),
            emit,
        );
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

/// The first bytes of the stream without consuming them (up to the buffer's size).
fn peek(reader: &mut impl BufRead) -> std::io::Result<Vec<u8>> {
    Ok(reader.fill_buf()?.to_vec())
}

fn fail(name: &str, message: String, emit: &mut dyn FnMut(Item) -> bool) {
    let problem = Problem {
        kind: ProblemKind::BadFile,
        location: name.to_string(),
        message,
    };
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
