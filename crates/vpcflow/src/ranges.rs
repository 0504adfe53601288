//! `vpcflow ranges`: who owns an address, from AWS's published ranges.

use crate::conversations::Output;
use std::io::Write;
use std::net::IpAddr;
use std::process::ExitCode;
use vpcflow_catalog::ranges::{AwsRanges, DEFAULT_URL, Owner, refresh};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    command: Command,

    /// `text` for people (tab-separated); `json` for the same as data (JSON Lines for `lookup`).
    #[arg(long, short, value_enum, default_value_t = Output::Text, global = true)]
    output: Output,
}

#[derive(clap::Subcommand, Debug)]
enum Command {
    /// Download AWS's current ranges and use them from now on instead of the built-in snapshot.
    Update {
        /// Where to download from.
        #[arg(long, default_value = DEFAULT_URL)]
        url: String,
        /// Where to keep the file (default: the user data directory, or $VPCFLOW_DATA_DIR).
        #[arg(long)]
        dest: Option<std::path::PathBuf>,
    },
    /// Show which AWS service and region own addresses.
    Lookup {
        /// IPv4 or IPv6 addresses.
        #[arg(required = true)]
        addresses: Vec<String>,
    },
    /// Show which ranges are in use (date, counts).
    Info,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    let json = matches!(args.output, Output::Json);
    match args.command {
        Command::Update { url, dest } => {
            let report = refresh(&url, dest.as_deref())?;
            if json {
                serde_json::to_writer(&mut out, &report)?;
                writeln!(out)?;
            } else {
                writeln!(out, "{report}")?;
            }
        }
        Command::Lookup { addresses } => {
            let ranges = AwsRanges::load_default();
            let mut code = ExitCode::SUCCESS;
            for text in addresses {
                let Ok(address) = text.parse::<IpAddr>() else {
                    eprintln!("vpcflow: `{text}` is not an IP address");
                    code = ExitCode::from(2);
                    continue;
                };
                let owner: Option<Owner> = ranges.lookup(address);
                if json {
                    // `owner` is null for an address that is not AWS's.
                    let line = serde_json::json!({ "address": address, "owner": owner });
                    serde_json::to_writer(&mut out, &line)?;
                    writeln!(out)?;
                    continue;
                }
                match owner {
                    Some(o) => writeln!(
                        out,
                        "{address}\t{}\t{}\t{}\t{}",
                        o.prefix, o.service, o.region, o.network_border_group
                    )?,
                    None => writeln!(out, "{address}\t-\tnot an AWS address")?,
                }
            }
            out.flush()?;
            return Ok(code);
        }
        Command::Info => {
            let ranges = AwsRanges::load_default();
            if json {
                let info = serde_json::json!({
                    "create_date": ranges.create_date(),
                    "prefixes": ranges.prefix_count(),
                    "origin": ranges.origin(),
                });
                serde_json::to_writer(&mut out, &info)?;
                writeln!(out)?;
            } else {
                writeln!(
                    out,
                    "createDate {}\tprefixes {}",
                    ranges.create_date(),
                    ranges.prefix_count()
                )?;
            }
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
