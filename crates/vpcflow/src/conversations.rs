//! `vpcflow conversations`: both directions of each connection, paired, with who initiated and what happened.

use crate::inputs::{InputArgs, Outcome, read};
use anyhow::Context;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::{BufWriter, IsTerminal, Write};
use std::process::ExitCode;
use vpcflow_diagnose::analysis::Options;
use vpcflow_engine::connections::{Connections, SORT_MEMORY};
use vpcflow_explain::{Lang, Style, text};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub input: InputArgs,

    /// `text` for people; `json` for the records and connections as data.
    #[arg(long, short, value_enum, default_value_t = Output::Text)]
    pub output: Output,

    /// The language of the text.
    #[arg(long, value_enum, default_value_t = LangArg::En)]
    pub lang: LangArg,

    /// The time zone for dates (an IANA name such as `Asia/Tokyo`, or `UTC`); default: the local zone.
    #[arg(long, value_name = "ZONE")]
    pub tz: Option<String>,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum Output {
    Text,
    Json,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum LangArg {
    En,
    Ja,
}

/// `--tz`, the zone times are shown in; one default for every command: the local zone (`TZ`, or the system's).
pub fn zone(tz: Option<&str>) -> anyhow::Result<jiff::tz::TimeZone> {
    Ok(match tz {
        Some(name) => jiff::tz::TimeZone::get(name)
            .with_context(|| format!("--tz {name}: unknown time zone"))?,
        None => jiff::tz::TimeZone::system(),
    })
}

/// `--tz` by its IANA name, for SQL: the local zone's name, or `UTC` when the system's zone has none.
pub fn zone_name(tz: Option<&str>) -> anyhow::Result<String> {
    let zone = zone(tz)?;
    Ok(zone.iana_name().unwrap_or("UTC").to_string())
}

/// The language and time zone from the shared options.
pub fn style(lang: LangArg, tz: Option<&str>) -> anyhow::Result<Style> {
    let tz = zone(tz)?;
    let lang = match lang {
        LangArg::En => Lang::En,
        LangArg::Ja => Lang::Ja,
    };
    Ok(Style { lang, tz })
}

/// Reads the inputs into the engine's sort (the pairing needs the records in time order), learning about the
/// interfaces on the way.
pub fn read_sorted(input: &InputArgs) -> anyhow::Result<(Connections, Outcome)> {
    let opts = input.options(Some(Connections::columns()))?;
    let mut connections = Connections::new(SORT_MEMORY)?;
    let outcome = read(input, &opts, |batch| Ok(connections.add(batch)?))?;
    Ok((connections, outcome))
}

/// A bar for pairing `records` records, on a terminal only.
pub fn pairing_bar(records: u64) -> ProgressBar {
    if records < 1_000_000 || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(records), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} pairing {human_pos}/{human_len} records {wide_bar} {elapsed}",
        )
        .expect("valid template"),
    );
    bar
}

/// Output that may fail part way (a closed pipe): the first error is kept and later writes are skipped, so that
/// a stream of connections can be written from a callback.
pub struct Sink {
    out: BufWriter<Box<dyn Write>>,
    error: Option<std::io::Error>,
}

impl Sink {
    /// Standard output.
    pub fn stdout() -> Sink {
        Sink {
            out: BufWriter::with_capacity(1 << 16, Box::new(std::io::stdout())),
            error: None,
        }
    }

    /// Writes `text` unless an earlier write failed.
    pub fn text(&mut self, text: &str) {
        if self.error.is_none()
            && let Err(e) = self.out.write_all(text.as_bytes())
        {
            self.error = Some(e);
        }
    }

    /// Writes `value` as one line of JSON unless an earlier write failed.
    pub fn json_line(&mut self, value: &impl serde::Serialize) {
        if self.error.is_some() {
            return;
        }
        let result = serde_json::to_writer(&mut self.out, value)
            .map_err(std::io::Error::from)
            .and_then(|()| self.out.write_all(b"\n"));
        if let Err(e) = result {
            self.error = Some(e);
        }
    }

    /// Flushes; the first error, if any.
    pub fn finish(mut self) -> anyhow::Result<()> {
        if let Some(e) = self.error.take() {
            return Err(e).context("writing output");
        }
        self.out.flush().context("writing output")
    }
}

/// One connection as a line of JSON: its number, the connection (its legs point into `records`) and its
/// records.
#[derive(serde::Serialize)]
struct ConnectionLine<'a> {
    number: usize,
    connection: &'a vpcflow_diagnose::Connection,
    records: &'a [vpcflow_diagnose::Flow],
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let style = style(args.lang, args.tz.as_deref())?;
    let (connections, outcome) = read_sorted(&args.input)?;
    let bar = pairing_bar(connections.records());
    let mut sink = Sink::stdout();
    let output = args.output;
    let counts = connections.run(
        None,
        Options::default(),
        &mut |n| bar.set_position(n),
        &mut |item| match output {
            Output::Text => {
                if item.number > 1 {
                    sink.text("\n");
                }
                sink.text(&text::connection(
                    item.number,
                    &item.connection,
                    &item.flows,
                    &style,
                ));
            }
            Output::Json => sink.json_line(&ConnectionLine {
                number: item.number,
                connection: &item.connection,
                records: &item.flows,
            }),
        },
    )?;
    bar.finish_and_clear();
    match output {
        Output::Text => {
            sink.text("\n");
            sink.text(&text::conversations_summary(&counts, &style));
        }
        Output::Json => sink.json_line(&serde_json::json!({ "summary": counts })),
    }
    sink.finish()?;
    Ok(outcome.finish())
}
