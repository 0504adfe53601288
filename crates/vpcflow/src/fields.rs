//! `vpcflow fields`: every field a flow log record can have.

use crate::conversations::Output;
use std::io::Write;
use std::process::ExitCode;
use vpcflow_record::{Family, Field};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// `text` for an aligned table; `json` for JSON Lines (field, column, version, type, family).
    #[arg(long, short, value_enum, default_value_t = Output::Text)]
    output: Output,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    let json = matches!(args.output, Output::Json);
    if !json {
        writeln!(
            out,
            "{:<28} {:<28} {:>7}  {:<6}  family",
            "field", "column", "version", "type"
        )?;
    }
    for f in Field::ALL {
        let family = match f.family() {
            Family::Vpc => "vpc",
            Family::TransitGateway => "transit-gateway",
        };
        let ty = match f.kind().data_type() {
            arrow::datatypes::DataType::Int32 => "int",
            arrow::datatypes::DataType::Int64 => "bigint",
            _ => "string",
        };
        if json {
            let line = serde_json::json!({
                "field": f.name(),
                "column": f.column(),
                "version": f.since(),
                "type": ty,
                "family": family,
            });
            serde_json::to_writer(&mut out, &line)?;
            writeln!(out)?;
        } else {
            writeln!(
                out,
                "{:<28} {:<28} {:>7}  {:<6}  {family}",
                f.name(),
                f.column(),
                f.since(),
                ty
            )?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
