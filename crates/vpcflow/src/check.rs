//! `vpcflow check`: would this traffic be allowed, and why — from the configuration alone, without logs.

use crate::conversations::{LangArg, Output, style};
use crate::diagnose::load_model;
use anyhow::{Context, bail};
use std::io::Write;
use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use vpcflow_explain::text;
use vpcflow_netmodel::Proto;
use vpcflow_record::reading::has_ports;

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

/// `ADDR`, `ADDR:PORT`, `[V6]:PORT` or a bare IPv6 address.
fn addr_port(text: &str) -> Option<(IpAddr, Option<u16>)> {
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Some((ip, None));
    }
    if let Some(rest) = text.strip_prefix('[') {
        let (addr, port) = rest.split_once("]:")?;
        return Some((addr.parse().ok()?, Some(port.parse().ok()?)));
    }
    let (addr, port) = text.rsplit_once(':')?;
    Some((addr.parse().ok()?, Some(port.parse().ok()?)))
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let style = style(args.lang, Some("UTC"))?;
    let (client, client_port) = addr_port(&args.from)
        .with_context(|| format!("--from {}: expected ADDR or ADDR:PORT", args.from))?;
    let (server_text, proto_text) = args
        .to
        .rsplit_once('/')
        .with_context(|| format!("--to {}: expected ADDR:PORT/PROTO", args.to))?;
    let protocol = match Proto::parse(proto_text) {
        Some(Proto::Number(n)) => n,
        _ => bail!(
            "--to {}: {proto_text:?} is not a protocol (tcp, udp, icmp, icmpv6 or a number)",
            args.to
        ),
    };
    let (server, port) = addr_port(server_text)
        .with_context(|| format!("--to {}: expected ADDR:PORT/PROTO", args.to))?;
    let port = match (port, protocol) {
        (Some(p), _) => p,
        (None, p) if has_ports(p) => bail!(
            "--to {}: {proto_text} needs a port (ADDR:PORT/{proto_text})",
            args.to
        ),
        (None, _) => 0,
    };
    let model = load_model(&args.vpc_config)?;
    let check = model.check_path(client, client_port, server, protocol, port);
    let mut out = std::io::stdout().lock();
    match args.output {
        Output::Text => {
            let assumed = client_port.is_none() && has_ports(protocol);
            write!(
                out,
                "{}",
                text::check(&check, protocol, style.lang, assumed)
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
