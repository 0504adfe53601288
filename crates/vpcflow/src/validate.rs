//! `vpcflow validate`: read everything, report every problem, and say how much was good.

use crate::inputs::{InputArgs, read};
use std::process::ExitCode;
use vpcflow_source::Column;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    input: InputArgs,

    /// Check only these columns (comma-separated); the others are counted but not checked.
    #[arg(long, value_name = "COLUMNS")]
    fields: Option<String>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let columns = args
        .fields
        .as_deref()
        .map(Column::parse_list)
        .transpose()
        .map_err(anyhow::Error::msg)?;
    let opts = args.input.options(columns)?;
    let outcome = read(&args.input, &opts, |_| Ok(()))?;
    let tally = &outcome.tally;
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
    println!("{line}");
    Ok(if bad && code == ExitCode::SUCCESS {
        ExitCode::from(1)
    } else {
        code
    })
}
