//! `vpcflow explain`: each record in the words an expert would use.

use crate::conversations::{LangArg, Output, style};
use crate::inputs::{InputArgs, read};
use anyhow::Context;
use std::io::{BufWriter, Write};
use std::process::ExitCode;
use vpcflow_catalog::AwsRanges;
use vpcflow_explain::Explainer;
use vpcflow_record::Record;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    input: InputArgs,

    /// `text` for people; `json` (JSON Lines) for the same facts as data.
    #[arg(long, short, value_enum, default_value_t = Output::Text)]
    output: Output,

    /// The language of the explanations.
    #[arg(long, value_enum, default_value_t = LangArg::En)]
    lang: LangArg,

    /// The time zone for dates (an IANA name such as `Asia/Tokyo`, or `UTC`); default: the local zone.
    #[arg(long, value_name = "ZONE")]
    tz: Option<String>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let style = style(args.lang, args.tz.as_deref())?;
    let explainer = Explainer::new(style.lang, style.tz, AwsRanges::load_default());
    let opts = args.input.options(None)?;
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut first = true;
    let outcome = read(&args.input, &opts, |batch| {
        for row in 0..batch.data.num_rows() {
            let record = Record::from_batch(&batch.data, row, batch.source.format.as_ref());
            let explanation = explainer.explain(&record, &batch.location(row));
            match args.output {
                Output::Text => {
                    if !first {
                        writeln!(out)?;
                    }
                    writeln!(out, "{}", explanation.text.trim_end())?;
                }
                Output::Json => {
                    serde_json::to_writer(&mut out, &explanation)?;
                    writeln!(out)?;
                }
            }
            first = false;
        }
        Ok(())
    })?;
    out.flush().context("writing output")?;
    Ok(outcome.finish())
}
