//! What every reading subcommand shares: the input options, reading on every core, printing problems as
//! `file:line: message`, the summary at the end, `--strict`, and the exit code.

use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::process::ExitCode;
use vpcflow_record::Format;
use vpcflow_source::{Batch, Column, Input, Item, ReadOptions, expand_inputs, read_all};

/// Input options shared by the reading subcommands.
#[derive(clap::Args, Debug)]
pub struct InputArgs {
    /// Files, directories (walked recursively, e.g. a copy of an S3 prefix) or `-` for standard input. Gzip,
    /// Parquet, CloudWatch Logs JSON and text are recognised by content. With no path, standard input is read
    /// when it is not a terminal.
    #[arg(value_name = "PATH")]
    pub paths: Vec<String>,

    /// The format of headerless records, as AWS writes it (`${version} ${vpc-id} …`) or as plain field names.
    /// A file's own header line wins. Without it, headerless 14-field records are read as the default format.
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,

    /// Stop at the first bad record or unreadable file, with a non-zero exit code.
    #[arg(long)]
    pub strict: bool,

    /// Threads to read files with (default: every core).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
}

impl InputArgs {
    /// Read options with `columns` as the projection.
    pub fn options(&self, columns: Option<Vec<Column>>) -> anyhow::Result<ReadOptions> {
        let format = match &self.format {
            Some(text) => Some(Format::parse(text).context("--format")?),
            None => None,
        };
        Ok(ReadOptions {
            format,
            columns,
            ..ReadOptions::default()
        })
    }
}

/// Counts for the summary line.
#[derive(Default, Debug)]
pub struct Tally {
    pub files: u64,
    pub records: u64,
    pub bad_records: u64,
    pub failed_files: u64,
    pub redacted: u64,
}

/// How a read ended: call [`Outcome::finish`] once the output is flushed, so that the summary comes last.
pub struct Outcome {
    pub tally: Tally,
    code: ExitCode,
    strict_stop: bool,
}

impl Outcome {
    /// An outcome for subcommands that read through the query engine rather than [`read`].
    pub fn new(tally: Tally, code: ExitCode, strict_stop: bool) -> Outcome {
        Outcome {
            tally,
            code,
            strict_stop,
        }
    }

    /// Prints the summary (or the `--strict` stop) to stderr and returns the exit code: 0; 1 when `--strict`
    /// stopped at a problem; 2 when a named input could not be read.
    pub fn finish(self) -> ExitCode {
        if self.strict_stop {
            return stopped();
        }
        summarize(&self.tally);
        self.code
    }
}

/// Reads every input, calling `on_batch` for each batch in input order and printing problems to stderr as they
/// come.
pub fn read(
    args: &InputArgs,
    opts: &ReadOptions,
    mut on_batch: impl FnMut(&Batch) -> anyhow::Result<()>,
) -> anyhow::Result<Outcome> {
    let mut paths = args.paths.clone();
    if paths.is_empty() {
        if std::io::stdin().is_terminal() {
            bail!(
                "no input: give files or directories to read, or `-` for standard input (see --help)"
            );
        }
        paths.push("-".to_string());
    }
    let (inputs, problems) = expand_inputs(&paths);
    let mut tally = Tally::default();
    let code = if problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    };
    for p in &problems {
        eprintln!("{p}");
        tally.failed_files += 1;
        if args.strict {
            return Ok(Outcome {
                tally,
                code,
                strict_stop: true,
            });
        }
    }
    let progress = progress_bar(&inputs);
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let mut error: Option<anyhow::Error> = None;
    let mut strict_stop = false;
    read_all(&inputs, opts, threads, &mut |item| match item {
        Item::Batch(batch) => match on_batch(&batch) {
            Ok(()) => true,
            Err(e) => {
                error = Some(e);
                false
            }
        },
        Item::Problem(p) => {
            progress.suspend(|| eprintln!("{p}"));
            if args.strict {
                strict_stop = true;
                return false;
            }
            true
        }
        Item::Done(s) => {
            progress.inc(1);
            tally.files += 1;
            tally.records += s.records;
            tally.bad_records += s.bad_records;
            tally.redacted += s.redacted;
            if s.failed {
                tally.failed_files += 1;
            }
            true
        }
    });
    progress.finish_and_clear();
    if let Some(e) = error {
        return Err(e);
    }
    Ok(Outcome {
        tally,
        code,
        strict_stop,
    })
}

fn stopped() -> ExitCode {
    eprintln!("vpcflow: stopped at the first problem (--strict)");
    ExitCode::from(1)
}

/// One line on stderr when something was wrong or left out, so that nothing is lost silently.
fn summarize(t: &Tally) {
    if t.bad_records == 0 && t.failed_files == 0 && t.redacted == 0 {
        return;
    }
    let mut parts = vec![format!(
        "read {} record{} from {} file{}",
        t.records,
        plural(t.records),
        t.files,
        plural(t.files)
    )];
    if t.bad_records > 0 {
        parts.push(format!(
            "{} bad record{}",
            t.bad_records,
            plural(t.bad_records)
        ));
    }
    if t.failed_files > 0 {
        parts.push(format!(
            "{} file{} not (fully) read",
            t.failed_files,
            plural(t.failed_files)
        ));
    }
    if t.redacted > 0 {
        parts.push(format!(
            "{} redacted value{} read as unknown",
            t.redacted,
            plural(t.redacted)
        ));
    }
    eprintln!("vpcflow: {}", parts.join("; "));
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn progress_bar(inputs: &[Input]) -> ProgressBar {
    // Only worth drawing for many files, and only on a terminal (indicatif hides itself otherwise).
    if inputs.len() < 20 || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar =
        ProgressBar::with_draw_target(Some(inputs.len() as u64), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{spinner} {pos}/{len} files {wide_bar} {elapsed}")
            .expect("valid template"),
    );
    bar
}

/// Whether an error is a closed stdout (`vpcflow cat … | head`), which ends the run quietly.
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
