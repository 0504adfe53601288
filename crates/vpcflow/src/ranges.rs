//! `vpcflow ranges`: who owns an address, from AWS's published ranges.

use std::io::Write;
use std::process::ExitCode;
use vpcflow_catalog::ranges::{AwsRanges, DEFAULT_URL, refresh};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
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
    match args.command {
        Command::Update { url, dest } => {
            let report = refresh(&url, dest.as_deref()).map_err(anyhow::Error::msg)?;
            writeln!(out, "{report}")?;
        }
        Command::Lookup { addresses } => {
            let ranges = AwsRanges::load_default();
            let mut code = ExitCode::SUCCESS;
            for text in addresses {
                let Ok(ip) = text.parse::<std::net::IpAddr>() else {
                    eprintln!("vpcflow: `{text}` is not an IP address");
                    code = ExitCode::from(2);
                    continue;
                };
                match ranges.lookup(ip) {
                    Some(o) => writeln!(
                        out,
                        "{ip}\t{}\t{}\t{}\t{}",
                        o.prefix, o.service, o.region, o.network_border_group
                    )?,
                    None => writeln!(out, "{ip}\t-\tnot an AWS address")?,
                }
            }
            return Ok(code);
        }
        Command::Info => {
            let ranges = AwsRanges::load_default();
            writeln!(
                out,
                "createDate {}\tprefixes {}",
                ranges.create_date(),
                ranges.prefix_count()
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
