//! `vpcflow deliver`: re-deliver records from any input the way AWS delivers flow logs: S3 layout files on disk,
//! objects in S3, or events in CloudWatch Logs, with failed deliveries spooled for the next run.

use crate::inputs::{InputArgs, read};
use anyhow::Context;
use std::path::PathBuf;
use std::process::ExitCode;
use vpcflow_deliver::{AwsSettings, Destination, Layout, Options, Retry};
use vpcflow_record::{Field, Format};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    input: InputArgs,

    /// Where to: `s3://BUCKET[/PREFIX]`, `dir:OUTDIR` (the S3 layout on disk) or `logs:GROUP` (CloudWatch Logs).
    /// With no PATH, only what earlier runs left in the spool is sent.
    #[arg(long, value_name = "DEST")]
    to: String,

    /// An S3-compatible store or local test server instead of AWS (S3 then uses path-style addressing).
    /// Credentials come from the standard AWS chain (environment, profile, roles).
    #[arg(long, value_name = "URL")]
    endpoint_url: Option<String>,

    /// The flow log's region, in object keys and for the AWS SDK (default: the records' `region` field for keys,
    /// else the SDK's configured region, else us-east-1).
    #[arg(long, value_name = "REGION")]
    region: Option<String>,

    /// S3 key prefixes: default (`…/yyyy/mm/dd/`), hourly (`…/dd/HH/`), hive (`year=…/month=…/day=…/`) or
    /// hive-hourly.
    #[arg(long, value_name = "LAYOUT", default_value = "default", value_parser = ["default", "hourly", "hive", "hive-hourly"])]
    layout: String,

    /// Parquet objects (`.log.parquet`, AWS's column types, GZIP compression) instead of gzip'd text.
    #[arg(long)]
    parquet: bool,

    /// The account in keys and object names (default: each record's 12-digit account-id, else `unknown`).
    #[arg(long, value_name = "ACCOUNT")]
    account: Option<String>,

    /// The flow log id in object names.
    #[arg(long, value_name = "ID", default_value = "fl-00000000000000000")]
    flow_log_id: String,

    /// Where undelivered objects and batches wait for the next run (default: the user's cache directory).
    #[arg(long, value_name = "DIR")]
    spool: Option<PathBuf>,

    /// Attempts per object or batch before it is left in the spool (waits 1 s, 2 s, 4 s … between them).
    #[arg(long, value_name = "N", default_value_t = 5)]
    attempts: u32,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let destination = Destination::parse(&args.to)?;
    let opts = Options {
        account: args.account.clone(),
        region: args.region.clone(),
        flow_log_id: args.flow_log_id.clone(),
        layout: Layout::parse(&args.layout).expect("clap checked the value"),
        parquet: args.parquet,
        spool: args.spool.clone(),
        retry: Retry {
            attempts: args.attempts.max(1),
            ..Retry::default()
        },
        aws: AwsSettings {
            endpoint_url: args.endpoint_url.clone(),
            static_credentials: None,
        },
        ..Options::default()
    };
    let mut sink = destination
        .open(&opts)
        .with_context(|| format!("--to {}", args.to))?;
    let mut code = ExitCode::SUCCESS;
    if !args.input.paths.is_empty() {
        let read_opts = args.input.options(None)?;
        let outcome = read(&args.input, &read_opts, |batch| {
            let format = match &batch.source.format {
                Some(f) => f.clone(),
                None => format_of(&batch.data).with_context(|| batch.source.name.clone())?,
            };
            sink.deliver(&batch.data, &format)
                .with_context(|| batch.source.name.clone())?;
            Ok(())
        })?;
        code = outcome.finish();
    }
    let report = sink.flush()?;
    for location in &report.locations {
        println!("{location}");
    }
    eprintln!(
        "vpcflow: delivered {} record{} in {} {} to {}",
        report.records,
        plural(report.records),
        report.units,
        match destination {
            Destination::Logs { .. } => "batch(es)",
            _ => "object(s)",
        },
        args.to
    );
    if report.rejected > 0 {
        eprintln!(
            "vpcflow: CloudWatch Logs rejected {} event{} as too old or too new",
            report.rejected,
            plural(report.rejected)
        );
    }
    if report.spooled > 0 {
        eprintln!(
            "vpcflow: {} record{} in {} object(s) or batch(es) could not be delivered and wait in {} for the next run: {}",
            report.spooled_records,
            plural(report.spooled_records),
            report.spooled,
            report
                .spool_dir
                .as_ref()
                .map_or_else(String::new, |d| d.display().to_string()),
            report.last_error.as_deref().unwrap_or("unknown error")
        );
        return Ok(ExitCode::from(3));
    }
    Ok(code)
}

/// The format of a batch whose file does not name one (Parquet): its columns are the fields.
fn format_of(batch: &arrow::record_batch::RecordBatch) -> anyhow::Result<Format> {
    let fields = batch
        .schema()
        .fields()
        .iter()
        .map(|c| {
            Field::from_name(c.name())
                .with_context(|| format!("column `{}` is not a flow log field", c.name()))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(Format::new(fields)?)
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}
