//! `vpcflow enrich`: who is on the other end of an address (country of registration, AS number and organisation,
//! AWS service, threat lists), the data behind it, and refreshing the ASN table.

use std::io::Write;
use std::process::ExitCode;
use vpcflow_catalog::asn::{self, AsnTable, SourceFormat};
use vpcflow_catalog::enrich::Enricher;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand, Debug)]
enum Command {
    /// Say what is known about addresses: country, AS number and organisation, AWS service, threat lists.
    Lookup {
        /// IPv4 or IPv6 addresses.
        #[arg(required = true)]
        addresses: Vec<String>,
        /// `text` (tab-separated) or `json` (one object a line).
        #[arg(long, short = 'o', default_value = "text")]
        output: Output,
    },
    /// Download a current ASN table and use it from now on instead of the built-in snapshot.
    Update {
        /// Where to download from (gzip'd or plain).
        #[arg(long, default_value = asn::DEFAULT_URL)]
        url: String,
        /// The table's format: `iptoasn` (TSV; public domain) or `ip-location-db` (CSV; CC BY 4.0).
        #[arg(long, default_value = "iptoasn")]
        source_format: String,
        /// Where to keep the converted table (default: the user data directory, or $VPCFLOW_DATA_DIR).
        #[arg(long)]
        dest: Option<std::path::PathBuf>,
    },
    /// Show which data is in use, how old it is, and its licences and attributions.
    Status,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Output {
    Text,
    Json,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    match args.command {
        Command::Lookup { addresses, output } => {
            let enricher = Enricher::load_default();
            let mut code = ExitCode::SUCCESS;
            for text in addresses {
                let Ok(ip) = text.trim().parse::<std::net::IpAddr>() else {
                    eprintln!("vpcflow: `{text}` is not an IP address");
                    code = ExitCode::from(2);
                    continue;
                };
                let f = enricher.facts(ip);
                if output == Output::Json {
                    writeln!(out, "{}", serde_json::to_string(&f)?)?;
                    continue;
                }
                let dash = |s: Option<String>| s.unwrap_or_else(|| "-".into());
                let lists: Vec<&str> = f.lists.iter().map(|l| l.name.as_str()).collect();
                writeln!(
                    out,
                    "{ip}\t{}\t{}\t{}\t{}\t{}",
                    dash(f.country.map(str::to_string)),
                    dash(f.asn.map(|a| format!("AS{a}"))),
                    dash(f.org.clone()),
                    dash(
                        f.aws
                            .as_ref()
                            .map(|a| format!("AWS {} {}", a.service, a.region))
                    ),
                    if lists.is_empty() {
                        "-".to_string()
                    } else {
                        lists.join(",")
                    },
                )?;
            }
            return Ok(code);
        }
        Command::Update {
            url,
            source_format,
            dest,
        } => {
            let format = SourceFormat::from_name(&source_format).ok_or_else(|| {
                anyhow::anyhow!(
                    "--source-format {source_format}: use `iptoasn` or `ip-location-db`"
                )
            })?;
            let info = match format {
                SourceFormat::Iptoasn => asn::iptoasn_info(),
                SourceFormat::IpLocationDb => AsnTable::builtin().info().clone(),
            };
            let today = jiff::Timestamp::now().strftime("%Y-%m-%d").to_string();
            let report = asn::refresh(&url, format, info, &today, dest.as_deref())
                .map_err(anyhow::Error::msg)?;
            writeln!(out, "{report}")?;
        }
        Command::Status => status(&mut out)?,
    }
    Ok(ExitCode::SUCCESS)
}

fn status(out: &mut impl Write) -> anyhow::Result<()> {
    writeln!(
        out,
        "country of registration: {}",
        vpcflow_catalog::country::DATASET
    )?;
    writeln!(
        out,
        "  attribution: {}",
        vpcflow_catalog::country::ATTRIBUTION
    )?;
    if let Some(path) = asn::user_asn_path().filter(|p| p.is_file())
        && let Err(e) = AsnTable::load(&path)
    {
        writeln!(
            out,
            "ASN table: the refreshed copy is unusable, using the built-in snapshot: {e}"
        )?;
    }
    let table = AsnTable::load_default();
    let info = table.info();
    let (v4, v6) = table.range_counts();
    writeln!(
        out,
        "ASN and organisation: {} ({})",
        info.dataset,
        table.origin()
    )?;
    writeln!(out, "  date: {}{}", info.date, age(&info.date))?;
    writeln!(
        out,
        "  ranges: {v4} IPv4, {v6} IPv6; {} systems",
        table.system_count()
    )?;
    writeln!(out, "  source: {}", info.source)?;
    writeln!(out, "  licence: {}", info.licence)?;
    writeln!(out, "  attribution: {}", info.attribution)?;
    crate::intel::list_status(out)?;
    Ok(())
}

/// ` (N days old)` for a date or timestamp, empty when it cannot be read.
pub fn age(date: &str) -> String {
    let day = date
        .get(..10)
        .and_then(|d| d.parse::<jiff::civil::Date>().ok());
    let Some(day) = day else {
        return String::new();
    };
    let today = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date();
    match day.until(today) {
        Ok(span) => format!(" ({} days old)", span.get_days()),
        Err(_) => String::new(),
    }
}
