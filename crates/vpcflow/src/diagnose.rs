//! `vpcflow diagnose`: for each rejected connection, what rejected it — from the records, and from the VPC
//! configuration when it is given.

use crate::conversations::{LangArg, Output, read_flows, style};
use crate::inputs::InputArgs;
use anyhow::Context;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use vpcflow_diagnose::{Conversations, Report, diagnose};
use vpcflow_explain::{Lang, text};
use vpcflow_netmodel::VpcModel;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    input: InputArgs,

    /// The VPC configuration: a directory of `aws ec2 describe-*` outputs saved as `*.json`
    /// (security groups, network ACLs, route tables, network interfaces, subnets, internet gateways, managed
    /// prefix lists), or one such file. Without it, the diagnosis is from the records alone.
    #[arg(long, value_name = "DIR")]
    vpc_config: Option<PathBuf>,

    /// `text` for people; `json` for the same findings as data.
    #[arg(long, short, value_enum, default_value_t = Output::Text)]
    output: Output,

    /// The language of the text.
    #[arg(long, value_enum, default_value_t = LangArg::En)]
    lang: LangArg,

    /// The time zone for dates (an IANA name such as `Asia/Tokyo`, or `UTC`); default: the local zone.
    #[arg(long, value_name = "ZONE")]
    tz: Option<String>,
}

/// Loads `--vpc-config`, printing each problem (file, JSON path, what is wrong, in `lang`) to stderr; what could
/// be read is used.
pub fn load_model(path: &std::path::Path, lang: Lang) -> anyhow::Result<VpcModel> {
    let model = VpcModel::load(path).context("--vpc-config")?;
    let words = vpcflow_explain::render::words(lang);
    for p in &model.problems {
        eprintln!("vpcflow: configuration: {}", words.config_problem(p));
    }
    Ok(model)
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let style = style(args.lang, args.tz.as_deref())?;
    let model = args
        .vpc_config
        .as_deref()
        .map(|path| load_model(path, style.lang))
        .transpose()?;
    let (flows, outcome) = read_flows(&args.input)?;
    let conv = Conversations::build(flows);
    let diagnoses = diagnose(&conv, model.as_ref());
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    match args.output {
        Output::Text => write!(out, "{}", text::diagnoses(&conv, &diagnoses, &style))?,
        Output::Json => {
            let mut report = Report::new(&conv, &diagnoses, model.as_ref());
            text::annotate(&mut report, &conv, &style);
            // Through a `Value`, whose keys are sorted: the document's key order stays what it has been.
            serde_json::to_writer_pretty(&mut out, &serde_json::to_value(&report)?)?;
            writeln!(out)?;
        }
    }
    out.flush().context("writing output")?;
    let code = outcome.finish();
    if code == ExitCode::SUCCESS && model.is_some_and(|m| !m.problems.is_empty()) {
        return Ok(ExitCode::from(1));
    }
    Ok(code)
}
