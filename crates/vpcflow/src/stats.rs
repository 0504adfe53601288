//! `vpcflow stats`: one summary of everything read: records, traffic, time range, verdicts, gaps, interfaces.

use crate::inputs::{InputArgs, Outcome, Tally};
use crate::query::Session;
use anyhow::Context;
use arrow::array::{Array, AsArray};
use arrow::datatypes::Int64Type;
use std::io::Write;
use std::process::ExitCode;
use vpcflow_engine::filter::Filter;
use vpcflow_engine::reports;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    input: InputArgs,

    /// Only these records: filter words or a SQL expression (see `vpcflow top --help`).
    #[arg(long = "where", value_name = "EXPR")]
    filter: Option<String>,

    /// The time zone for the time range (an IANA name such as `Asia/Tokyo`; default UTC).
    #[arg(long, default_value = "UTC")]
    tz: String,

    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let tz = jiff::tz::TimeZone::get(&args.tz)
        .with_context(|| format!("--tz {}: unknown time zone", args.tz))?;
    let filter = args.filter.as_deref().map(Filter::parse);
    let sql = reports::stats(filter.as_ref().map(Filter::sql));
    let Some(session) = Session::open(&args.input)? else {
        return Ok(Outcome::new(Tally::default(), ExitCode::from(2), true).finish());
    };
    let result = session.run(|engine| engine.collect(&sql));
    let result = match (result, &filter) {
        (Err(e), Some(Filter::Sql { sql, words_error })) => Err(e).with_context(|| {
            format!("--where `{sql}` is neither a filter expression ({words_error}) nor valid SQL")
        }),
        (r, _) => r,
    };
    let Some((_, batches)) = result? else {
        return Ok(session.finish());
    };
    let batch = batches
        .first()
        .context("the totals query returned no row")?;
    let get = |name: &str| -> Option<i64> {
        let column = batch.column_by_name(name)?;
        let ints = column.as_primitive_opt::<Int64Type>()?;
        (!ints.is_null(0)).then(|| ints.value(0))
    };
    let n = |name: &str| get(name).unwrap_or(0);
    let time = |secs: Option<i64>| -> String {
        secs.and_then(|s| jiff::Timestamp::from_second(s).ok())
            .map(|t| {
                t.to_zoned(tz.clone())
                    .strftime("%Y-%m-%d %H:%M:%S %:z")
                    .to_string()
            })
            .unwrap_or_else(|| "-".to_string())
    };
    let mut out = std::io::stdout().lock();
    if args.json {
        let value = serde_json::json!({
            "records": n("records"),
            "flows": n("flows"),
            "packets": n("packets"),
            "bytes": n("bytes"),
            "first_start": get("first_start"),
            "last_end": get("last_end"),
            "accept": {"flows": n("accept_flows"), "bytes": n("accept_bytes")},
            "reject": {"flows": n("reject_flows"), "bytes": n("reject_bytes")},
            "nodata": n("nodata"),
            "skipdata": n("skipdata"),
            "interfaces": n("interfaces"),
        });
        writeln!(out, "{value}")?;
    } else {
        let pct = |part: i64, whole: i64| {
            if whole == 0 {
                String::new()
            } else {
                format!(" ({:.1}%)", 100.0 * part as f64 / whole as f64)
            }
        };
        let flows = n("flows");
        writeln!(out, "records     {}", n("records"))?;
        writeln!(out, "flows       {flows}")?;
        writeln!(out, "packets     {}", n("packets"))?;
        writeln!(out, "bytes       {}", n("bytes"))?;
        writeln!(out, "first start {}", time(get("first_start")))?;
        writeln!(out, "last end    {}", time(get("last_end")))?;
        writeln!(
            out,
            "ACCEPT      {} flows{}, {} bytes",
            n("accept_flows"),
            pct(n("accept_flows"), flows),
            n("accept_bytes")
        )?;
        writeln!(
            out,
            "REJECT      {} flows{}, {} bytes",
            n("reject_flows"),
            pct(n("reject_flows"), flows),
            n("reject_bytes")
        )?;
        writeln!(out, "NODATA      {}", n("nodata"))?;
        writeln!(out, "SKIPDATA    {}", n("skipdata"))?;
        writeln!(out, "interfaces  {}", n("interfaces"))?;
    }
    out.flush()?;
    drop(out);
    Ok(session.finish())
}
