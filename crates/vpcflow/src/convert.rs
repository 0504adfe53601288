//! `vpcflow convert`: every record to Parquet in AWS's delivery schema, under Hive-compatible keys.

use crate::inputs::{InputArgs, Outcome, Tally};
use crate::query::Session;
use anyhow::bail;
use std::process::ExitCode;
use vpcflow_engine::export::Codec;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    input: InputArgs,

    /// The output format (Parquet is the only one so far; `vpcflow cat` writes text, CSV and JSON).
    #[arg(long, value_enum, default_value_t = To::Parquet)]
    to: To,

    /// The directory to write `AWSLogs/aws-account-id=…/…/hour=…/` under.
    #[arg(long = "out", short = 'O', value_name = "OUTDIR")]
    out: std::path::PathBuf,

    /// Column compression: zstd (small, fast to read), gzip (what AWS delivers), snappy or none.
    #[arg(long, value_enum, default_value_t = CodecArg::Zstd)]
    compression: CodecArg,

    /// Read the written tree back and check that every column's count and digest match the input's.
    #[arg(long)]
    verify: bool,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum To {
    Parquet,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum CodecArg {
    Zstd,
    Gzip,
    Snappy,
    None,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let To::Parquet = args.to;
    let codec = match args.compression {
        CodecArg::Zstd => Codec::Zstd,
        CodecArg::Gzip => Codec::Gzip,
        CodecArg::Snappy => Codec::Snappy,
        CodecArg::None => Codec::None,
    };
    let Some(session) = Session::open(&args.input)? else {
        return Ok(Outcome::new(Tally::default(), ExitCode::from(2), true).finish());
    };
    let Some(report) = session.run(|engine| engine.export_parquet(&args.out, codec))? else {
        return Ok(session.finish());
    };
    eprintln!(
        "vpcflow: wrote {} record{} to {} file{} under {}",
        report.rows,
        if report.rows == 1 { "" } else { "s" },
        report.files.len(),
        if report.files.len() == 1 { "" } else { "s" },
        args.out.display()
    );
    if args.verify {
        let fields = session.engine().table().fields().to_vec();
        let before = session
            .run(|engine| vpcflow_engine::export::digest(engine, &fields))?
            .unwrap_or_default();
        let inputs: Vec<vpcflow_source::Input> = report
            .files
            .iter()
            .map(|p| vpcflow_source::Input::Path(p.clone()))
            .collect();
        let copy = vpcflow_engine::Engine::new(&inputs, vpcflow_engine::EngineOptions::default())?;
        let after = vpcflow_engine::export::digest(&copy, &fields)?;
        if before != after {
            for (b, a) in before.iter().zip(&after) {
                if b != a {
                    eprintln!(
                        "vpcflow: column {}: {} values before, {} after; digests differ",
                        b.0, b.1, a.1
                    );
                }
            }
            bail!("the Parquet copy does not match its input");
        }
        eprintln!(
            "vpcflow: verified: every column's count and digest match ({} columns)",
            after.len()
        );
    }
    Ok(session.finish())
}
