//! `vpcflow query`: SQL over flow logs, and the session every engine-backed subcommand shares (inputs,
//! problems printed as they come, `--strict`, the progress bar, the summary line).

use crate::inputs::{InputArgs, Outcome};
use anyhow::{Context, bail};
use std::io::{BufWriter, IsTerminal, Write};
use std::process::ExitCode;
use vpcflow_engine::filter::NotAFilter;
use vpcflow_engine::{Engine, EngineOptions};
use vpcflow_print::{Options as PrintOptions, Printer};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The query. The table is `flows` (or `vpc_flow_logs`) with Athena's columns; quote `"end"` and the key
    /// columns (`"aws-region"`, `"$path"`). Flow functions: is_private, ip_in, aws_service, aws_region,
    /// protocol_name, service_name, tcp_flag_names, flow_time. Athena's date functions too: year, quarter,
    /// month, week, day, day_of_week, day_of_year, hour, minute, second (of `date` or `from_unixtime(start)`),
    /// date(x), date_format(x, '%Y-%m-%d %H:%i') with Athena's (MySQL's) specifiers, date_add('day', -7, x),
    /// date_diff('hour', x, y), from_unixtime(start[, zone]) (UTC, as in Athena), to_iso8601(x),
    /// from_iso8601_timestamp(text), from_iso8601_date(text), the array functions split(text, '.'),
    /// element_at(array, i), contains(array, x), cardinality(array), if(condition, a, b),
    /// regexp_extract(text, pattern, group), bitwise_and(tcp_flags, 2), bitwise_or/xor/not, mod(n, m),
    /// and the aggregates count_if(condition), every(condition),
    /// max_by(x, y), min_by(x, y), arbitrary(x), approx_percentile(x, p). A query comparing `day` with a whole
    /// date (`day >= '2021/04/01'`, AWS's partition-projection table) sees `day` as that table does.
    sql: String,

    #[command(flatten)]
    input: InputArgs,

    /// How to print the result: an aligned table, CSV, JSON Lines (keys in SELECT order) or Parquet.
    #[arg(long, short, value_enum, default_value_t = Output::Table)]
    output: Output,

    /// Write the result to this file instead of standard output (needed for Parquet on a terminal).
    #[arg(long, value_name = "FILE")]
    out: Option<std::path::PathBuf>,

    /// Run the query on a cluster (`vpcflow cluster`) whose scheduler is at df://HOST:PORT. Every executor
    /// reads the inputs itself: give paths they all see the same way (a shared file system) or s3:// prefixes.
    #[arg(long, value_name = "df://HOST:PORT")]
    cluster: Option<String>,

    /// With --cluster: partitions each stage is cut into, at most this many tasks at once (default 16).
    #[arg(long, value_name = "N", requires = "cluster")]
    partitions: Option<usize>,
}

/// Result formats.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Output {
    Table,
    Csv,
    Json,
    Parquet,
}

impl From<Output> for vpcflow_print::Output {
    fn from(o: Output) -> Self {
        match o {
            Output::Table => vpcflow_print::Output::Table,
            Output::Csv => vpcflow_print::Output::Csv,
            Output::Json => vpcflow_print::Output::Json,
            Output::Parquet => vpcflow_print::Output::Parquet,
        }
    }
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    if let Some(url) = &args.cluster {
        let mut printer = Printer::new(args.output.into(), output(&args)?, PrintOptions::default());
        let schema = crate::cluster::query(url, &args.sql, &args.input, args.partitions, |b| {
            Ok(printer.write(b)?)
        })?;
        printer.finish(Some(&schema))?;
        return Ok(ExitCode::SUCCESS);
    }
    let Some(session) = Session::open(&args.input)? else {
        return Ok(Outcome::new(Default::default(), ExitCode::from(2), true).finish());
    };
    let mut printer = Printer::new(args.output.into(), output(&args)?, PrintOptions::default());
    let result =
        session.run(|engine| engine.query(&args.sql, |b| printer.write(b).map_err(external)));
    if let Some(schema) = result? {
        printer.finish(Some(&schema))?;
    }
    Ok(session.finish())
}

/// Where the result goes: `--out`, or standard output (not for Parquet on a terminal).
fn output(args: &Args) -> anyhow::Result<BufWriter<Box<dyn Write + Send>>> {
    let sink: Box<dyn Write + Send> = match &args.out {
        Some(path) => Box::new(
            std::fs::File::create(path)
                .with_context(|| format!("cannot create {}", path.display()))?,
        ),
        None => {
            if args.output == Output::Parquet && std::io::stdout().is_terminal() {
                bail!("Parquet is binary: give --out FILE or redirect standard output");
            }
            Box::new(std::io::stdout())
        }
    };
    Ok(BufWriter::with_capacity(1 << 16, sink))
}

/// A printing error, through the engine's callback (its kind stays reachable as the error's source).
pub fn external(e: vpcflow_print::PrintError) -> vpcflow_engine::DataFusionError {
    vpcflow_engine::DataFusionError::External(Box::new(e))
}

/// An engine over the command's inputs, with problems printed as the scan meets them and counted for the
/// summary (the read session is the library's, shared with the record-reading commands).
pub struct Session {
    engine: Engine,
    session: vpcflow_source::session::Session,
    progress: indicatif::ProgressBar,
}

impl Session {
    /// `None` when `--strict` stopped at an input that cannot be read (already reported).
    pub fn open(args: &InputArgs) -> anyhow::Result<Option<Session>> {
        let (session, progress) = args.open()?;
        let observer = session.observer();
        let Some(inputs) = session.engine_inputs(&observer) else {
            return Ok(None);
        };
        let engine = Engine::new(
            &inputs,
            EngineOptions {
                format: session.options().format.clone(),
                threads: args.threads,
                observer: Some(observer),
                time: session.options().time,
                remote: session.remote().cloned(),
            },
        )?;
        Ok(Some(Session {
            engine,
            session,
            progress,
        }))
    }

    /// The engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Runs `f`; `None` when `--strict` stopped the scan (the caller prints nothing more).
    pub fn run<T>(
        &self,
        f: impl FnOnce(&Engine) -> Result<T, vpcflow_engine::DataFusionError>,
    ) -> anyhow::Result<Option<T>> {
        match f(&self.engine) {
            Ok(v) => Ok(Some(v)),
            Err(e) if vpcflow_engine::is_stopped(&e) || self.session.stopped() => Ok(None),
            Err(e) => Err(unwrap_external(e)),
        }
    }

    /// Prints the summary (after the output was flushed) and returns the exit code.
    pub fn finish(self) -> ExitCode {
        self.progress.finish_and_clear();
        Outcome::of(&self.session).finish()
    }
}

/// An engine error as the error it wraps, when it wraps one of vpcflow's (a printing error, a `--where` that is
/// neither filter words nor SQL): its message is then the error's own, and its causes (a closed stdout's
/// `io::Error`) stay reachable by type through the chain.
fn unwrap_external(e: vpcflow_engine::DataFusionError) -> anyhow::Error {
    let vpcflow_engine::DataFusionError::External(inner) = e else {
        return anyhow::Error::new(e);
    };
    // anyhow keeps a boxed error's type only for the types named here.
    match inner.downcast::<NotAFilter>() {
        Ok(e) => anyhow::Error::new(*e),
        Err(inner) => match inner.downcast::<vpcflow_print::PrintError>() {
            Ok(e) => anyhow::Error::new(*e),
            Err(inner) => match inner.downcast::<std::io::Error>() {
                Ok(e) => anyhow::Error::new(*e),
                Err(inner) => anyhow::Error::from_boxed(inner),
            },
        },
    }
}

/// Says which option a [`NotAFilter`] is about.
pub fn blame_where(e: anyhow::Error) -> anyhow::Error {
    if e.is::<NotAFilter>() {
        e.context("--where")
    } else {
        e
    }
}
