//! `vpcflow check`: would this traffic be allowed, and why — from the configuration alone, without logs.

use crate::conversations::{LangArg, Output, style};
use crate::diagnose::load_model;
use anyhow::Context;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use vpcflow_explain::text;
use vpcflow_netmodel::PathQuery;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The VPC configuration: a directory of `aws ec2 describe-*` outputs (`*.json`), or one file.
    #[arg(long, value_name = "DIR")]
    vpc_config: PathBuf,

    /// The client: `ADDR` or `ADDR:PORT` (`[ADDR]:PORT` for IPv6). Without a port, 50000 is assumed for the
    /// client's ephemeral port.
    #[arg(long, value_name = "ADDR[:PORT]")]
    from: String,

    /// The server and service: `ADDR:PORT/PROTO` (`10.0.10.30:80/tcp`, `[2001:db8::1]:443/tcp`), or
    /// `ADDR/icmp` for a ping. PROTO is tcp, udp, icmp, icmpv6 or a protocol number.
    #[arg(long, value_name = "ADDR:PORT/PROTO")]
    to: String,

    /// `text` for people; `json` for the verdicts as data.
    #[arg(long, short, value_enum, default_value_t = Output::Text)]
    output: Output,

    /// The language of the text.
    #[arg(long, value_enum, default_value_t = LangArg::En)]
    lang: LangArg,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let style = style(args.lang, Some("UTC"))?;
    let query = PathQuery::parse(&args.from, &args.to).map_err(|e| {
        let (option, text) = if e.is_client() {
            ("--from", &args.from)
        } else {
            ("--to", &args.to)
        };
        anyhow::anyhow!("{option} {text}: {e}")
    })?;
    let model = load_model(&args.vpc_config, style.lang)?;
    let check = query.check(&model);
    let mut out = std::io::stdout().lock();
    match args.output {
        Output::Text => {
            let assumed = query.client_port_assumed();
            write!(
                out,
                "{}",
                text::check(&check, query.protocol, style.lang, assumed)
            )?;
        }
        Output::Json => {
            serde_json::to_writer_pretty(&mut out, &check)?;
            writeln!(out)?;
        }
    }
    out.flush().context("writing output")?;
    Ok(
        if check.allowed && check.certain && model.problems.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        },
    )
}
