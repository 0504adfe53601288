//! What every reading subcommand shares, printed for a terminal: the input options, problems as
//! `file:line: message`, the progress bar, the summary at the end, `--strict`, and the exit code. The reading
//! itself is `vpcflow_source::session::Session`, the same one the query engine and the dashboard use.

use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::Arc;
use vpcflow_record::Format;
use vpcflow_source::aws::AwsOptions;
pub use vpcflow_source::session::Tally;
use vpcflow_source::session::{Event, Session, SessionOptions, parse_time};
use vpcflow_source::{Batch, Column, Problem, ReadOptions, TimeRange};

/// Input options shared by the reading subcommands.
#[derive(clap::Args, Debug)]
pub struct InputArgs {
    /// Files, directories (walked recursively, e.g. a copy of an S3 prefix), `s3://bucket/prefix` (listed, and
    /// pruned by --since/--until), `logs:GROUP` or `logs:GROUP:STREAM-PREFIX` (a CloudWatch Logs log group), or
    /// `-` for standard input. Gzip, Parquet, CloudWatch Logs JSON and text are recognised by content. With no
    /// path, standard input is read when it is not a terminal.
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

    /// Only records that end at or after this time: 2024-05-01T13:00:00Z, 2024-05-01 (UTC), Unix seconds, or a
    /// span before now (2h, 7d). S3 keys of earlier days and hours are not even listed.
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,

    /// Only records that start before this time (same forms as --since).
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,

    /// The AWS profile for S3 and CloudWatch Logs (shared config and credentials files, SSO); default: the
    /// standard chain (environment, AWS_PROFILE, container and instance roles). An S3-compatible store is named
    /// by AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL (path-style for an IP address or localhost).
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,

    /// Keep fetched S3 objects in DIR (`--cache` alone: under the user cache directory), so that reading them
    /// again downloads nothing while the object is unchanged.
    #[arg(long, value_name = "DIR", num_args = 0..=1, require_equals = true, default_missing_value = "")]
    pub cache: Option<String>,

    /// The most the --cache directory may hold (e.g. 500M, 20G; default 10G): past it, the objects least
    /// recently used are removed.
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub cache_max: Option<u64>,
}

/// A size in bytes: a number with an optional unit (K, M, G, T, powers of 1024; `B`, `iB` allowed after it).
fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let t = t
        .strip_suffix("iB")
        .or_else(|| t.strip_suffix('B'))
        .unwrap_or(t);
    let (number, shift) = match t.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => {
            let shift = match c.to_ascii_uppercase() {
                'K' => 10,
                'M' => 20,
                'G' => 30,
                'T' => 40,
                _ => return Err(format!("`{text}`: the unit is one of K, M, G, T")),
            };
            (&t[..i], shift)
        }
        _ => (t, 0),
    };
    let n: u64 = number
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a size (e.g. 500M, 20G)"))?;
    n.checked_mul(1 << shift)
        .ok_or_else(|| format!("`{text}` is too large"))
}

impl InputArgs {
    /// Read options with `columns` as the projection.
    pub fn options(&self, columns: Option<Vec<Column>>) -> anyhow::Result<ReadOptions> {
        Ok(ReadOptions {
            format: self.format()?,
            columns,
            ..ReadOptions::default()
        })
    }

    fn format(&self) -> anyhow::Result<Option<Format>> {
        Ok(match &self.format {
            Some(text) => Some(Format::parse(text).context("--format")?),
            None => None,
        })
    }

    /// The time range of --since and --until.
    pub fn time(&self) -> anyhow::Result<TimeRange> {
        let parse = |flag: &str, v: &Option<String>| -> anyhow::Result<Option<i64>> {
            v.as_deref()
                .map(parse_time)
                .transpose()
                .map_err(|e| anyhow::anyhow!("{flag}: {e}"))
        };
        Ok(TimeRange {
            since: parse("--since", &self.since)?,
            until: parse("--until", &self.until)?,
        })
    }

    /// The session's options (standard input when no path is given and it is not a terminal).
    pub fn session_options(&self) -> anyhow::Result<SessionOptions> {
        let mut inputs = self.paths.clone();
        if inputs.is_empty() {
            if std::io::stdin().is_terminal() {
                bail!(
                    "no input: give files, directories, s3:// prefixes or logs: groups to read, or `-` for \
                     standard input (see --help)"
                );
            }
            inputs.push("-".to_string());
        }
        let cache =
            match self.cache.as_deref() {
                None => None,
                Some("") => Some(vpcflow_source::remote::default_cache_dir().context(
                    "--cache: no user cache directory (HOME is not set); give --cache=DIR",
                )?),
                Some(dir) => Some(dir.into()),
            };
        Ok(SessionOptions {
            inputs,
            format: self.format()?,
            strict: self.strict,
            threads: self.threads,
            time: self.time()?,
            aws: AwsOptions {
                profile: self.profile.clone(),
                ..AwsOptions::default()
            },
            cache,
            cache_max: self.cache_max,
        })
    }

    /// A session that prints problems to stderr as they come (above the progress bar).
    pub fn open(&self) -> anyhow::Result<(Session, ProgressBar)> {
        self.open_reporting(|p| eprintln!("{p}"))
    }

    /// A session that hands each problem to `report` as it comes (above the progress bar).
    pub fn open_reporting(
        &self,
        report: impl Fn(&Problem) + Send + Sync + 'static,
    ) -> anyhow::Result<(Session, ProgressBar)> {
        let progress = progress_bar();
        let shown = progress.clone();
        let terminal = std::io::stderr().is_terminal();
        let listener = Arc::new(move |event: Event<'_>| match event {
            Event::Problem(p) => shown.suspend(|| report(p)),
            // Only worth drawing for many inputs or many bytes, and only on a terminal.
            Event::Progress {
                done,
                total,
                bytes,
                total_bytes,
            } if terminal && (total >= 20 || total_bytes >= BAR_BYTES) => {
                if shown.is_hidden() {
                    shown.set_draw_target(ProgressDrawTarget::stderr());
                }
                shown.set_message(format!("{done}/{total} inputs"));
                // Bytes when the sizes are known (files, S3 objects), else inputs (log streams).
                shown.set_style(bar_style(total_bytes > 0));
                if total_bytes > 0 {
                    shown.set_length(total_bytes.max(bytes));
                    shown.set_position(bytes);
                } else {
                    shown.set_length(total);
                    shown.set_position(done);
                }
            }
            Event::Progress { .. } => {}
        });
        let session = Session::open(self.session_options()?, listener)
            .context("cannot start the network runtime")?;
        Ok((session, progress))
    }
}

/// How a read ended: call [`Outcome::finish`] once the output is flushed, so that the summary comes last.
pub struct Outcome {
    pub tally: Tally,
    code: ExitCode,
    strict_stop: bool,
}

impl Outcome {
    /// An outcome from its parts.
    pub fn new(tally: Tally, code: ExitCode, strict_stop: bool) -> Outcome {
        Outcome {
            tally,
            code,
            strict_stop,
        }
    }

    /// The outcome of a session.
    pub fn of(session: &Session) -> Outcome {
        Outcome {
            tally: session.tally(),
            code: if session.missing() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            },
            strict_stop: session.stopped(),
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
    on_batch: impl FnMut(&Batch) -> anyhow::Result<()>,
) -> anyhow::Result<Outcome> {
    read_reporting(args, opts, |p| eprintln!("{p}"), on_batch)
}

/// [`read`], with each problem handed to `report` instead of printed.
pub fn read_reporting(
    args: &InputArgs,
    opts: &ReadOptions,
    report: impl Fn(&Problem) + Send + Sync + 'static,
    on_batch: impl FnMut(&Batch) -> anyhow::Result<()>,
) -> anyhow::Result<Outcome> {
    let (session, progress) = args.open_reporting(report)?;
    let result = session.read(opts.columns.clone(), on_batch);
    progress.finish_and_clear();
    result?;
    Ok(Outcome::of(&session))
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

/// The progress bar, hidden until the inputs are listed and there are enough to be worth drawing.
/// Inputs this large are worth a progress bar whatever their number.
const BAR_BYTES: u64 = 256 << 20;

/// Inputs read and of how many, then bytes read, of how many, and how fast (inputs alone when their sizes
/// are not known).
fn progress_bar() -> ProgressBar {
    let bar = ProgressBar::hidden();
    bar.set_style(bar_style(false));
    bar
}

fn bar_style(bytes: bool) -> ProgressStyle {
    let template = if bytes {
        "{spinner} {msg} {wide_bar} {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec} {elapsed}"
    } else {
        "{spinner} {msg} {wide_bar} {elapsed}"
    };
    ProgressStyle::with_template(template).expect("valid template")
}

/// Whether an error is a closed stdout (`vpcflow cat … | head`), which ends the run quietly.
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("123"), Ok(123));
        assert_eq!(parse_size("500M"), Ok(500 << 20));
        assert_eq!(parse_size("20G"), Ok(20 << 30));
        assert_eq!(parse_size("2GiB"), Ok(2 << 30));
        assert_eq!(parse_size("1 TB"), Ok(1 << 40));
        assert_eq!(parse_size("64k"), Ok(64 << 10));
        assert!(parse_size("5X").unwrap_err().contains("K, M, G, T"));
        assert!(parse_size("lots").is_err());
        assert!(
            parse_size("99999999999T")
                .unwrap_err()
                .contains("too large")
        );
    }
}
