//! `vpcflow stats`: one summary of everything read: records, traffic, time range, verdicts, gaps, interfaces.

use crate::inputs::{InputArgs, Outcome, Tally};
use crate::query::{Session, blame_where};
use std::io::Write;
use std::process::ExitCode;
use vpcflow_engine::filter::Filter;
use vpcflow_engine::reports::Stats;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    input: InputArgs,

    /// Only these records: filter words or a SQL expression (see `vpcflow top --help`).
    #[arg(long = "where", value_name = "EXPR")]
    filter: Option<String>,

    /// The time zone for the time range (an IANA name such as `Asia/Tokyo`, or `UTC`); default: the local zone.
    #[arg(long, value_name = "ZONE")]
    tz: Option<String>,

    /// `text` for people; `json` for one JSON object (times as Unix seconds).
    #[arg(long, short, value_enum, default_value_t = Output::Text)]
    output: Output,

    /// The same as `--output json` (kept for scripts written before `--output`).
    #[arg(long, hide = true)]
    json: bool,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Output {
    Text,
    Json,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let tz = crate::conversations::zone(args.tz.as_deref())?;
    let filter = args.filter.as_deref().map(Filter::parse);
    let Some(session) = Session::open(&args.input)? else {
        return Ok(Outcome::new(Tally::default(), ExitCode::from(2), true).finish());
    };
    let Some(stats) = session
        .run(|engine| engine.stats(filter.as_ref()))
        .map_err(blame_where)?
    else {
        return Ok(session.finish());
    };
    let mut out = std::io::stdout().lock();
    if args.json || args.output == Output::Json {
        serde_json::to_writer(&mut out, &stats)?;
        writeln!(out)?;
    } else {
        write!(out, "{}", text(&stats, &tz))?;
    }
    out.flush()?;
    drop(out);
    Ok(session.finish())
}

/// The totals as aligned lines, times in `tz`.
fn text(s: &Stats, tz: &jiff::tz::TimeZone) -> String {
    let time = |secs: Option<i64>| -> String {
        secs.and_then(|s| jiff::Timestamp::from_second(s).ok())
            .map(|t| {
                t.to_zoned(tz.clone())
                    .strftime("%Y-%m-%d %H:%M:%S %:z")
                    .to_string()
            })
            .unwrap_or_else(|| "-".to_string())
    };
    let pct = |part: i64| {
        if s.flows == 0 {
            String::new()
        } else {
            format!(" ({:.1}%)", 100.0 * part as f64 / s.flows as f64)
        }
    };
    [
        format!("records     {}", s.records),
        format!("flows       {}", s.flows),
        format!("packets     {}", s.packets),
        format!("bytes       {}", s.bytes),
        format!("first start {}", time(s.first_start)),
        format!("last end    {}", time(s.last_end)),
        format!(
            "ACCEPT      {} flows{}, {} bytes",
            s.accept.flows,
            pct(s.accept.flows),
            s.accept.bytes
        ),
        format!(
            "REJECT      {} flows{}, {} bytes",
            s.reject.flows,
            pct(s.reject.flows),
            s.reject.bytes
        ),
        format!("NODATA      {}", s.nodata),
        format!("SKIPDATA    {}", s.skipdata),
        format!("interfaces  {}", s.interfaces),
    ]
    .map(|line| line + "\n")
    .concat()
}
