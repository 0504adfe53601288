//! `vpcflow simulate`: the records AWS would write for a modelled VPC and a traffic scenario.

use crate::capture::{OutputArg, Records, summary};
use anyhow::Context;
use std::io::BufWriter;
use std::path::PathBuf;
use std::process::ExitCode;
use vpcflow_capture::simulate::{Scenario, ScenarioError, Simulation};
use vpcflow_explain::Lang;
use vpcflow_record::Format;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The scenario (YAML): `vpc_config:` (a directory of `aws ec2 describe-*` JSON, relative to the file) or
    /// inline `vpc:` documents, `account`, `aggregation`, `format`, and `traffic:` — each item `from`, `to`,
    /// `protocol`, `at`, `packets`, `bytes`, `duration`, `reply`.
    #[arg(value_name = "SCENARIO")]
    scenario: PathBuf,

    /// The record format (overrides the scenario's); `version` is the format's version.
    #[arg(long, value_name = "FORMAT")]
    format: Option<String>,

    /// The aggregation interval in seconds (overrides the scenario's).
    #[arg(long, value_name = "SECONDS", value_parser = ["60", "600"])]
    aggregation: Option<String>,

    /// `text` is AWS's own format with a header line; `json` is JSON Lines keyed by Athena's column names.
    #[arg(long, short, value_enum, default_value_t = OutputArg::Text)]
    output: OutputArg,

    /// Deliver the records as AWS does instead of printing them (`--to s3://…`, `dir:…`, `logs:…`).
    #[command(flatten)]
    delivery: crate::deliver::DeliveryArgs,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let scenario = Scenario::load(&args.scenario)?;
    let base = args
        .scenario
        .parent()
        .map(PathBuf::from)
        .unwrap_or_default();
    let format = args
        .format
        .as_deref()
        .map(Format::parse)
        .transpose()
        .context("--format")?;
    let aggregation = args
        .aggregation
        .as_deref()
        .map(|a| a.parse::<i64>())
        .transpose()?;
    let sim = Simulation::new(&scenario, &base, format, aggregation).map_err(|e| {
        let scenario = args.scenario.display();
        match e {
            ScenarioError::Config(p) => {
                let problem = vpcflow_explain::render::words(Lang::En).config_problem(&p);
                anyhow::anyhow!("{scenario}: VPC configuration: {problem}")
            }
            e => anyhow::Error::new(e).context(scenario.to_string()),
        }
    })?;
    let format = sim.format().clone();
    let (batches, stats) = sim.run();
    let mut writer = Records::open(
        &args.delivery,
        None,
        None,
        args.output,
        &format,
        BufWriter::new(std::io::stdout()),
    )?;
    for b in &batches {
        writer.write(b)?;
    }
    eprintln!("{}", summary(None, &stats));
    writer.finish()
}
