//! `vpcflow generate`: realistic synthetic flow logs in AWS's S3 layout, for benchmarks and experiments.

use anyhow::Context;
use std::process::ExitCode;
use vpcflow_capture::synth::{SynthOptions, generate};
use vpcflow_capture::synth_vpc::write_vpc_config;
use vpcflow_record::Format;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The directory to write `AWSLogs/…` under.
    #[arg(long = "out", short = 'O', value_name = "OUTDIR")]
    out: std::path::PathBuf,

    /// How many records (`10M`, `500k` and plain numbers work).
    #[arg(long, default_value = "100k")]
    records: String,

    /// Records per object (one object per five-minute window).
    #[arg(long, default_value_t = 50_000)]
    per_file: u64,

    /// Network interfaces.
    #[arg(long, default_value_t = 400)]
    interfaces: usize,

    /// The seed: the same options and seed give the same files.
    #[arg(long, default_value_t = 1)]
    seed: u64,

    /// The first window, as a UTC time (`2024-01-01T00:00:00Z`).
    #[arg(long, default_value = "2024-01-01T00:00:00Z")]
    start: String,

    /// The record format (`${version} ${vpc-id} …` or field names); default: AWS's default format.
    #[arg(long)]
    format: Option<String>,

    /// Write plain text instead of gzip.
    #[arg(long)]
    no_gzip: bool,

    /// Threads to write with (default: every core).
    #[arg(long)]
    threads: Option<usize>,

    /// Also write the VPC's configuration (`aws ec2 describe-*` JSON) into this directory: the interfaces,
    /// security groups, network ACLs and routes behind the records, for `diagnose --vpc-config`.
    #[arg(long, value_name = "DIR")]
    vpc_config: Option<std::path::PathBuf>,

    /// Also plant labelled attacks, every kind `vpcflow detect` looks for over IPv4 and IPv6, in the same windows
    /// (needs 12 hours of data, e.g. `--records 150k --per-file 1000`), and write the ground truth.
    #[arg(long)]
    attacks: bool,

    /// Where the ground truth goes with --attacks: `attacks.jsonl` (one attack a line: detection, actor, target,
    /// times) and the threat lists it needs (`botnet.txt`, for `vpcflow intel add botnet FILE --category c2`).
    /// Default: OUTDIR.truth beside OUTDIR (not under it, where it would be read as a log).
    #[arg(long, value_name = "DIR", requires = "attacks")]
    truth: Option<std::path::PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let records =
        parse_count(&args.records).with_context(|| format!("--records {}", args.records))?;
    let start: jiff::Timestamp = args
        .start
        .parse()
        .with_context(|| format!("--start {}", args.start))?;
    let format = match &args.format {
        Some(f) => Format::parse(f).context("--format")?,
        None => Format::default_v2(),
    };
    let mut opts = SynthOptions {
        records,
        records_per_file: args.per_file,
        interfaces: args.interfaces,
        seed: args.seed,
        start: start.as_second(),
        format,
        gzip: !args.no_gzip,
        independent_files: args.attacks,
        ..SynthOptions::default()
    };
    if let Some(t) = args.threads {
        opts.threads = t;
    }
    let files = generate(&args.out, &opts)
        .with_context(|| format!("writing under {}", args.out.display()))?;
    eprintln!(
        "vpcflow: wrote {records} records in {} files under {}",
        files.len(),
        args.out.display()
    );
    if let Some(dir) = &args.vpc_config {
        let files = write_vpc_config(dir, &opts)
            .with_context(|| format!("writing under {}", dir.display()))?;
        eprintln!(
            "vpcflow: wrote the VPC's configuration in {} files under {}",
            files.len(),
            dir.display()
        );
    }
    if args.attacks {
        plant(&args, &opts)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Plants the attacks and writes their truth.
fn plant(args: &Args, opts: &SynthOptions) -> anyhow::Result<()> {
    let planted = vpcflow_capture::attacks::plant(&args.out, opts)?;
    let truth = args.truth.clone().unwrap_or_else(|| {
        let mut name = args
            .out
            .file_name()
            .map_or_else(|| "flows".into(), |n| n.to_os_string());
        name.push(".truth");
        args.out.with_file_name(name)
    });
    let written = planted
        .write_truth(&truth)
        .with_context(|| format!("writing the ground truth under {}", truth.display()))?;
    eprintln!(
        "vpcflow: planted {} attacks ({} records in {} more files); ground truth in {}",
        planted.attacks.len(),
        planted.records,
        planted.files.len(),
        written[0].display()
    );
    for l in &planted.lists {
        eprintln!(
            "vpcflow: their threat list: vpcflow intel add {} {} --category {}",
            l.name,
            truth.join(format!("{}.txt", l.name)).display(),
            l.category
        );
    }
    Ok(())
}

fn parse_count(text: &str) -> Option<u64> {
    let t = text.trim();
    let (digits, factor) = match t.chars().last()? {
        'k' | 'K' => (&t[..t.len() - 1], 1_000.0),
        'm' | 'M' => (&t[..t.len() - 1], 1_000_000.0),
        _ => (t, 1.0),
    };
    let v: f64 = digits.parse().ok()?;
    (v >= 0.0).then(|| (v * factor).round() as u64)
}
