//! `vpcflow explain`: each record in the words an expert would use.
//!
//! Before explaining, each interface's own address is learnt from all the inputs (a first pass that reads only
//! the fields it needs), so that a record whose fields alone do not say which side is the interface (two private
//! addresses) is read as `conversations` reads it. Standard input and pipes cannot be read twice: with one among
//! the inputs, or with --per-record, each record is read on its own.

use crate::conversations::{LangArg, Output, style};
use crate::inputs::{InputArgs, read};
use anyhow::Context;
use std::collections::BTreeMap;
use std::io::{BufWriter, Write};
use std::process::ExitCode;
use std::sync::Arc;
use vpcflow_catalog::AwsRanges;
use vpcflow_diagnose::connections::{OWN_ADDRESS_FIELDS, learn_own};
use vpcflow_explain::Explainer;
use vpcflow_record::Record;
use vpcflow_record::reading::OwnAddresses;
use vpcflow_source::session::{Listener, Session, SessionOptions};
use vpcflow_source::{Column, Input};

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

    /// Read each record on its own: do not first learn each interface's own address from the inputs (what
    /// standard input and pipes always get, since they cannot be read twice).
    #[arg(long)]
    per_record: bool,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let style = style(args.lang, args.tz.as_deref())?;
    let mut explainer = Explainer::new(style.lang, style.tz, AwsRanges::load_default());
    if !args.per_record
        && let Some(own) = learn(&args.input)?
    {
        explainer = explainer.with_own_addresses(own);
    }
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

/// Each interface's own address, learnt from every input in a pass that reads only [`OWN_ADDRESS_FIELDS`] and
/// says nothing (the explaining pass reports the inputs' problems). `None` when an input cannot be read twice.
fn learn(input: &InputArgs) -> anyhow::Result<Option<Arc<BTreeMap<String, String>>>> {
    let options = input.session_options()?;
    if !options.inputs.iter().all(|i| readable_twice(i)) {
        return Ok(None);
    }
    let quiet: Listener = Arc::new(|_| {});
    let session = Session::open(
        SessionOptions {
            strict: false,
            ..options
        },
        quiet,
    )
    .context("cannot start the network runtime")?;
    let mut own = OwnAddresses::new();
    let columns = OWN_ADDRESS_FIELDS.map(Column::Field).to_vec();
    session.read(Some(columns), |batch| -> anyhow::Result<()> {
        for row in 0..batch.data.num_rows() {
            let record = Record::from_batch(&batch.data, row, batch.source.format.as_ref());
            learn_own(&mut own, &record);
        }
        Ok(())
    })?;
    Ok(Some(Arc::new(own.finish())))
}

/// Whether reading an input again gives the same records: files, directories (a name that does not exist is
/// reported by the explaining pass), S3 objects and log groups, but not standard input, a pipe or a device.
fn readable_twice(input: &str) -> bool {
    match Input::parse(input) {
        Input::Stdin => false,
        Input::Path(path) => std::fs::metadata(path).map_or(true, |m| m.is_file() || m.is_dir()),
        _ => true,
    }
}
