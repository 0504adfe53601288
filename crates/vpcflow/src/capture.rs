//! `vpcflow capture`: flow log records from packets, from a pcap/pcapng file or a live interface.

use anyhow::{Context, bail};
use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatch;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;
use vpcflow_capture::live::{LiveOptions, run_live};
use vpcflow_capture::{
    CaptureError, FlowTable, FrameStats, InterfaceMap, ModelVerdicts, PcapSource, Stats,
    TableConfig, TrafficType, run_pcap,
};
use vpcflow_print::{Options as PrintOptions, Printer};
use vpcflow_record::Format;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// A pcap or pcapng file (Ethernet, VLAN, Linux cooked or raw IP captures).
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with = "interface",
        required_unless_present = "interface"
    )]
    pcap: Option<PathBuf>,

    /// A live network interface to capture on (Linux; needs root or CAP_NET_RAW). Stops on Ctrl-C,
    /// --duration or --count, then writes the current interval.
    #[arg(long, value_name = "IFACE")]
    interface: Option<String>,

    /// An address and the network interface that owns it, `ADDR=eni-ID`; repeat for more (an interface named
    /// twice gets both addresses, the first one primary).
    #[arg(long = "eni", value_name = "ADDR=ENI")]
    eni: Vec<String>,

    /// The account that owns the interfaces of --eni and --vpc-config (`account-id`).
    #[arg(long, value_name = "ID")]
    account: Option<String>,

    /// The region written in `region`.
    #[arg(long, value_name = "REGION")]
    region: Option<String>,

    /// An interface map (YAML or JSON): `account`, `region`, and `interfaces` each with `id`, `addresses`,
    /// and optionally `vpc`, `vpc_cidr`, `subnet`, `subnet_cidr`, `instance`, `az_id`, `type`.
    #[arg(long, value_name = "FILE")]
    eni_map: Option<PathBuf>,

    /// The VPC configuration (a directory of `aws ec2 describe-*` JSON): each packet's ACCEPT/REJECT comes from
    /// its security groups (stateful), network ACLs and routes, and its interfaces are the map unless --eni or
    /// --eni-map is given. Without it every packet is ACCEPT.
    #[arg(long, value_name = "DIR")]
    vpc_config: Option<PathBuf>,

    /// The aggregation interval in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 600, value_parser = parse_aggregation)]
    aggregation: i64,

    /// The record format, as AWS writes it (`${version} ${vpc-id} ${srcaddr} …`) or as field names; `version`
    /// is the format's version. Default: AWS's default format.
    #[arg(long, value_name = "FORMAT")]
    format: Option<String>,

    /// Which records to keep.
    #[arg(long, value_enum, default_value_t = TrafficArg::All)]
    traffic_type: TrafficArg,

    /// The most flows held at once; packets of further flows are written as SKIPDATA, as AWS does at capacity.
    #[arg(long, value_name = "N", default_value_t = 1_000_000)]
    max_flows: usize,

    /// Deliver the records as AWS does instead of printing them (`--to s3://…`, `dir:…`, `logs:…`).
    #[command(flatten)]
    delivery: crate::deliver::DeliveryArgs,

    /// `text` is AWS's own format with a header line (as in S3 objects); `json` is JSON Lines keyed by Athena's
    /// column names, as `vpcflow cat --output json` writes.
    #[arg(long, short, value_enum, default_value_t = OutputArg::Text)]
    output: OutputArg,

    /// Live capture: stop after this many seconds.
    #[arg(long, value_name = "SECONDS")]
    duration: Option<u64>,

    /// Live capture: stop after this many frames.
    #[arg(long, value_name = "N")]
    count: Option<u64>,
}

fn parse_aggregation(s: &str) -> Result<i64, String> {
    match s {
        "60" => Ok(60),
        "600" => Ok(600),
        _ => Err("AWS aggregates over 60 or 600 seconds".into()),
    }
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
#[value(rename_all = "UPPER")]
pub enum TrafficArg {
    All,
    Accept,
    Reject,
}

impl From<TrafficArg> for TrafficType {
    fn from(t: TrafficArg) -> TrafficType {
        match t {
            TrafficArg::All => TrafficType::All,
            TrafficArg::Accept => TrafficType::Accept,
            TrafficArg::Reject => TrafficType::Reject,
        }
    }
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputArg {
    Text,
    Json,
}

impl From<OutputArg> for vpcflow_print::Output {
    fn from(o: OutputArg) -> Self {
        match o {
            OutputArg::Text => vpcflow_print::Output::Aws,
            OutputArg::Json => vpcflow_print::Output::Json,
        }
    }
}

/// Where produced records go: printed (`--output`), or delivered as AWS delivers them (`--to`).
pub enum Records<W: Write + Send> {
    /// Printed on stdout; AWS text starts with the format's header line, as an S3 object does.
    Print(Printer<W>, SchemaRef),
    /// Delivered to S3, CloudWatch Logs or an S3 layout directory.
    Deliver(crate::deliver::Sink, Format),
}

impl<W: Write + Send> Records<W> {
    /// Opens the delivery of `--to`, or prints to `out` without it.
    pub fn open(
        delivery: &crate::deliver::DeliveryArgs,
        account: Option<String>,
        region: Option<String>,
        output: OutputArg,
        format: &Format,
        out: W,
    ) -> anyhow::Result<Records<W>> {
        Ok(match delivery.open(account, region)? {
            Some(sink) => Records::Deliver(sink, format.clone()),
            None => {
                let mut printer = Printer::new(output.into(), out, PrintOptions::default());
                printer.header_next();
                let schema = Arc::new(vpcflow_record::schema(format.fields()));
                Records::Print(printer, schema)
            }
        })
    }

    /// Takes a batch of records.
    pub fn write(&mut self, batch: &RecordBatch) -> anyhow::Result<()> {
        match self {
            Records::Print(p, _) => Ok(p.write(batch)?),
            Records::Deliver(sink, format) => sink.deliver(batch, format),
        }
    }

    /// Flushes or finishes the delivery; the exit code says whether records were left in the spool.
    pub fn finish(self) -> anyhow::Result<ExitCode> {
        match self {
            Records::Print(p, schema) => {
                p.finish(Some(&schema))?;
                Ok(ExitCode::SUCCESS)
            }
            Records::Deliver(sink, _) => sink.finish(ExitCode::SUCCESS),
        }
    }
}

/// The summary line: where every frame (when packets were read) and packet went.
pub fn summary(frames: Option<&FrameStats>, stats: &Stats) -> String {
    match frames {
        Some(frames) => format!("vpcflow: {frames}; {stats}"),
        None => format!("vpcflow: {stats}"),
    }
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let format = match &args.format {
        Some(text) => Format::parse(text).context("--format")?,
        None => Format::default_v2(),
    };
    if format.is_transit_gateway() {
        bail!(
            "--format: transit gateway fields are not produced from packets of network interfaces"
        );
    }
    let model = args
        .vpc_config
        .as_deref()
        .map(|path| crate::diagnose::load_model(path, vpcflow_explain::Lang::En))
        .transpose()?
        .map(Arc::new);
    let map = if let Some(path) = &args.eni_map {
        InterfaceMap::from_file(path)?
    } else if !args.eni.is_empty() {
        InterfaceMap::from_flags(&args.eni, args.account.as_deref(), args.region.as_deref())?
    } else if let Some(m) = &model {
        InterfaceMap::from_model(m, args.account.as_deref(), args.region.as_deref())?
    } else {
        bail!(
            "which addresses are which network interface? Give --eni ADDR=eni-ID (with --account), \
             --eni-map FILE, or --vpc-config DIR"
        );
    };
    if map.is_empty() {
        bail!("the interface map has no interfaces");
    }
    let config = TableConfig {
        format: format.clone(),
        aggregation: args.aggregation,
        max_flows: args.max_flows.max(1),
        traffic_type: args.traffic_type.into(),
        ..TableConfig::default()
    };
    let mut table = FlowTable::new(config, Arc::new(map));
    if let Some(m) = model {
        table = table.with_verdicts(ModelVerdicts::new(m));
    }
    let mut writer = Records::open(
        &args.delivery,
        args.account.clone(),
        args.region.clone(),
        args.output,
        &format,
        BufWriter::with_capacity(1 << 16, std::io::stdout()),
    )?;
    let frames = if let Some(path) = &args.pcap {
        let mut source = PcapSource::open(path)?;
        run_pcap::<anyhow::Error>(&mut source, &mut table, |b| writer.write(&b)).map_err(|e| {
            match e.downcast::<CaptureError>() {
                Ok(e) => e.in_file(path.display().to_string()).into(),
                Err(e) => e,
            }
        })?
    } else {
        let opts = LiveOptions {
            interface: args.interface.clone().unwrap_or_default(),
            duration: args.duration.map(Duration::from_secs),
            max_frames: args.count,
            stop: vpcflow_capture::live::stop_on_ctrl_c(),
        };
        run_live::<anyhow::Error>(&opts, &mut table, |b| writer.write(&b))?
    };
    eprintln!("{}", summary(Some(&frames), &table.stats()));
    writer.finish()
}
