//! `vpcflow deliver`: re-deliver records from any input the way AWS delivers flow logs: S3 layout files on disk,
//! objects in S3, or events in CloudWatch Logs, with failed deliveries spooled for the next run.

use crate::inputs::{InputArgs, read};
use anyhow::Context;
use std::path::PathBuf;
use std::process::ExitCode;
use vpcflow_deliver::{AwsSettings, Deliver, Destination, Layout, Options, Retry};
use vpcflow_record::Format;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    input: InputArgs,

    #[command(flatten)]
    delivery: DeliveryArgs,

    /// The flow log's region, in object keys and for the AWS SDK (default: the records' `region` field for keys,
    /// else the SDK's configured region, else us-east-1).
    #[arg(long, value_name = "REGION")]
    region: Option<String>,

    /// The account in keys and object names (default: each record's 12-digit account-id, else `unknown`).
    #[arg(long, value_name = "ACCOUNT")]
    account: Option<String>,
}

/// Where and how records are delivered as AWS does; shared by `deliver`, `capture` and `simulate` (which have
/// their own `--account` and `--region`).
#[derive(clap::Args, Debug)]
pub struct DeliveryArgs {
    /// Where to: `s3://BUCKET[/PREFIX]`, `dir:OUTDIR` (the S3 layout on disk) or `logs:GROUP` (CloudWatch Logs).
    /// For `deliver` with no PATH, only what earlier runs left in the spool is sent.
    #[arg(long, value_name = "DEST")]
    pub to: Option<String>,

    /// An S3-compatible store or local test server instead of AWS (S3 then uses path-style addressing).
    /// Credentials come from the standard AWS chain (environment, profile, roles).
    #[arg(long, value_name = "URL")]
    endpoint_url: Option<String>,

    /// S3 key prefixes: default (`…/yyyy/mm/dd/`), hourly (`…/dd/HH/`), hive (`year=…/month=…/day=…/`) or
    /// hive-hourly.
    #[arg(long, value_name = "LAYOUT", default_value = "default", value_parser = ["default", "hourly", "hive", "hive-hourly"])]
    layout: String,

    /// Parquet objects (`.log.parquet`, AWS's column types, GZIP compression) instead of gzip'd text.
    #[arg(long)]
    parquet: bool,

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

/// An open destination.
pub struct Sink {
    to: String,
    destination: Destination,
    inner: Box<dyn Deliver>,
}

impl DeliveryArgs {
    /// The destination of `--to`, opened; `None` without `--to`.
    pub fn open(
        &self,
        account: Option<String>,
        region: Option<String>,
    ) -> anyhow::Result<Option<Sink>> {
        let Some(to) = &self.to else { return Ok(None) };
        let destination = Destination::parse(to)?;
        let opts = Options {
            account,
            region,
            flow_log_id: self.flow_log_id.clone(),
            layout: Layout::parse(&self.layout).expect("clap checked the value"),
            parquet: self.parquet,
            spool: self.spool.clone(),
            retry: Retry {
                attempts: self.attempts.max(1),
                ..Retry::default()
            },
            aws: AwsSettings {
                endpoint_url: self.endpoint_url.clone(),
                static_credentials: None,
            },
            ..Options::default()
        };
        let inner = destination
            .open(&opts)
            .with_context(|| format!("--to {to}"))?;
        Ok(Some(Sink {
            to: to.clone(),
            destination,
            inner,
        }))
    }
}

impl Sink {
    /// Hands records over (objects or batches may go out now; the rest on `finish`).
    pub fn deliver(
        &mut self,
        batch: &arrow::record_batch::RecordBatch,
        format: &Format,
    ) -> anyhow::Result<()> {
        Ok(self.inner.deliver(batch, format)?)
    }

    /// Sends what is left and reports on stderr (locations on stdout); exit code 3 when records were spooled.
    pub fn finish(mut self, code: ExitCode) -> anyhow::Result<ExitCode> {
        let report = self.inner.flush()?;
        for location in &report.locations {
            println!("{location}");
        }
        eprintln!(
            "vpcflow: delivered {} record{} in {} {} to {}",
            report.records,
            plural(report.records),
            report.units,
            match self.destination {
                Destination::Logs { .. } => "batch(es)",
                _ => "object(s)",
            },
            self.to
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
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(
        args.delivery.to.is_some(),
        "--to DEST is required (s3://…, dir:…, logs:…)"
    );
    let mut sink = args
        .delivery
        .open(args.account.clone(), args.region.clone())?
        .expect("--to is set");
    let mut code = ExitCode::SUCCESS;
    if !args.input.paths.is_empty() {
        let read_opts = args.input.options(None)?;
        let outcome = read(&args.input, &read_opts, |batch| {
            let format = match &batch.source.format {
                Some(f) => f.clone(),
                None => Format::from_schema(&batch.data.schema())
                    .with_context(|| batch.source.name.clone())?,
            };
            sink.deliver(&batch.data, &format)
                .with_context(|| batch.source.name.clone())?;
            Ok(())
        })?;
        code = outcome.finish();
    }
    sink.finish(code)
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}
