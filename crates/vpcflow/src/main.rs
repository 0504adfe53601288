//! `vpcflow`: the command line over the vpcflow crates. Every subcommand is a few lines of glue; the work is
//! in the library crates so that the web dashboard and tests use the same code.

mod cat;
mod explain;
mod inputs;
mod ranges;
mod validate;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// VPC Flow Logs, end to end: read every format AWS writes, explain records in plain words.
#[derive(Parser)]
#[command(name = "vpcflow", version, about, long_about = None, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print records as a table, JSON Lines, CSV or AWS's own text format.
    ///
    /// Examples:
    ///   vpcflow cat flows.log.gz
    ///   vpcflow cat --output json --fields srcaddr,dstaddr,dstport,action s3-copy/AWSLogs/
    ///   aws logs filter-log-events --log-group-name vpc-flows | vpcflow cat -
    ///   vpcflow cat --format '${version} ${vpc-id} ${srcaddr} ${dstaddr} ${action}' firehose.txt
    #[command(verbatim_doc_comment)]
    Cat(cat::Args),
    /// Say what each record means, in English or Japanese.
    ///
    /// Examples:
    ///   vpcflow explain examples/aws-docs.log
    ///   vpcflow explain --lang ja --tz Asia/Tokyo examples/seed-experiments.log
    ///   vpcflow explain --output json flows.log.gz | jq .text
    #[command(verbatim_doc_comment)]
    Explain(explain::Args),
    /// Read everything, report every problem, and print how many records were good.
    ///
    /// Exits with 1 when any record or file was bad. Examples:
    ///   vpcflow validate s3-copy/AWSLogs/
    ///   vpcflow validate --fields srcaddr,dstaddr,action flows/
    #[command(verbatim_doc_comment)]
    Validate(validate::Args),
    /// Look up or refresh AWS's published address ranges (who owns a public address).
    ///
    /// Examples:
    ///   vpcflow ranges lookup 15.152.63.145
    ///   vpcflow ranges update
    ///   vpcflow ranges info
    #[command(verbatim_doc_comment)]
    Ranges(ranges::Args),
    /// List every field a flow log record can have, with its version and column type.
    ///
    /// Examples:
    ///   vpcflow fields
    #[command(verbatim_doc_comment)]
    Fields,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Cat(args) => cat::run(args),
        Command::Explain(args) => explain::run(args),
        Command::Ranges(args) => ranges::run(args),
        Command::Validate(args) => validate::run(args),
        Command::Fields => fields(),
    };
    match result {
        Ok(code) => code,
        Err(e) if inputs::is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("vpcflow: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn fields() -> anyhow::Result<ExitCode> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{:<28} {:<28} {:>7}  {:<6}  family",
        "field", "column", "version", "type"
    )?;
    for f in vpcflow_record::Field::ALL {
        let family = match f.family() {
            vpcflow_record::Family::Vpc => "vpc",
            vpcflow_record::Family::TransitGateway => "transit-gateway",
        };
        let ty = match f.kind().data_type() {
            arrow::datatypes::DataType::Int32 => "int",
            arrow::datatypes::DataType::Int64 => "bigint",
            _ => "string",
        };
        writeln!(
            out,
            "{:<28} {:<28} {:>7}  {:<6}  {family}",
            f.name(),
            f.column(),
            f.since(),
            ty
        )?;
    }
    Ok(ExitCode::SUCCESS)
}
