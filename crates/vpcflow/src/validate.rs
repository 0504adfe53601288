//! `vpcflow validate`: read everything, report every problem, and say how much was good.

use crate::conversations::Output;
use crate::inputs::{InputArgs, read_reporting};
use std::io::Write;
use std::process::ExitCode;
use vpcflow_source::{Column, Problem};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    input: InputArgs,

    /// Check only these columns (comma-separated); the others are counted but not checked.
    #[arg(long, value_name = "COLUMNS")]
    fields: Option<String>,

    /// `text`: problems on standard error and a count line; `json`: JSON Lines on standard output, one
    /// `{"type":"problem",…}` per problem as it is met (its location as data: `file`, `line`, `column`, `event`,
    /// `timestamp`, `row`; its stable `code`), then one `{"type":"summary",…}` with the counts.
    #[arg(long, short, value_enum, default_value_t = Output::Text)]
    output: Output,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let columns = args
        .fields
        .as_deref()
        .map(Column::parse_list)
        .transpose()
        .map_err(anyhow::Error::msg)?;
    let opts = args.input.options(columns)?;
    let json = matches!(args.output, Output::Json);
    let report = move |p: &Problem| {
        if json {
            print_json(&problem_json(p));
        } else {
            eprintln!("{p}");
        }
    };
    let outcome = read_reporting(&args.input, &opts, report, |_| Ok(()))?;
    let tally = outcome.tally.clone();
    let bad = tally.bad_records > 0 || tally.failed_files > 0;
    let line = format!(
        "{} records in {} files: {}",
        tally.records,
        tally.files,
        if bad {
            format!(
                "{} bad records, {} files not (fully) read",
                tally.bad_records, tally.failed_files
            )
        } else {
            "all good".to_string()
        }
    );
    let code = outcome.finish();
    if json {
        let mut summary = serde_json::to_value(&tally)?;
        summary["type"] = "summary".into();
        print_json(&summary);
    } else {
        println!("{line}");
    }
    Ok(if bad && code == ExitCode::SUCCESS {
        ExitCode::from(1)
    } else {
        code
    })
}

/// A problem as a JSON object: its kind, where as the command line prints it (`location`) and as data (`file`,
/// `line`, `column`, `event` with the event's `timestamp`, `row`), its stable `code`, and what, in words.
fn problem_json(p: &Problem) -> serde_json::Value {
    let mut v = serde_json::to_value(p).unwrap_or_default();
    v["type"] = "problem".into();
    v["location"] = p.location.to_string().into();
    v
}

/// One JSON line on standard output (a closed pipe is noticed by the next write of the output, or ignored: the
/// counts are what matters and they are on the summary line).
fn print_json(v: &serde_json::Value) {
    let mut out = std::io::stdout().lock();
    let _ = serde_json::to_writer(&mut out, v);
    let _ = writeln!(out);
}
