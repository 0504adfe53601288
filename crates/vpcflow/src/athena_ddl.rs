//! `vpcflow athena-ddl`: the Athena table over the same S3 flow logs, so that queries also run on Athena.
//!
//! The statement follows AWS's own partition-projection tables for flow logs (Athena user guide, "Create and
//! query a table for Amazon VPC flow logs using partition projection" and its Parquet example): text objects
//! partitioned by account, region and `day` as `yyyy/MM/dd`, Parquet objects by region, `date` and `hour`.
//! vpcflow reads those partition columns the same way (see the engine's `ProjectedDays`), so a query written
//! against AWS's table gives the same answer on both. Text columns are positional, so they follow the flow
//! log's format; the functions vpcflow adds that Athena lacks are listed after the statement, with what to
//! write on Athena instead.

use anyhow::{Context, bail};
use std::io::Write;
use std::process::ExitCode;
use vpcflow_record::{Field, Format};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Where the flow log delivers: the bucket and optional prefix, before `AWSLogs/`.
    #[arg(long, value_name = "s3://BUCKET[/PREFIX]")]
    location: String,

    /// The objects are Parquet (the flow log's `FileFormat` is `parquet`; AWS writes them with hourly
    /// partitions).
    #[arg(long)]
    parquet: bool,

    /// The flow log writes hourly partitions (`…/yyyy/MM/dd/HH/`): adds an `hour` partition to a text table.
    #[arg(long)]
    hourly: bool,

    /// The flow log's format (`${version} ${vpc-id} …`), which fixes the order of a text table's columns
    /// (default: Athena's columns of versions 2 to 5, which also reads the default format).
    #[arg(long, value_name = "FORMAT")]
    format: Option<String>,

    /// The accounts whose logs the bucket holds (comma-separated).
    #[arg(long, value_name = "ACCOUNT,…", value_delimiter = ',', required = true)]
    accounts: Vec<String>,

    /// The regions whose logs the bucket holds (comma-separated).
    #[arg(long, value_name = "REGION,…", value_delimiter = ',', required = true)]
    regions: Vec<String>,

    /// The first day with logs, `yyyy/MM/dd` (the projection's range runs from it to today).
    #[arg(long, value_name = "yyyy/MM/dd", default_value = "2020/01/01")]
    since: String,

    /// The table's name (vpcflow answers to `flows` and `vpc_flow_logs`).
    #[arg(long, value_name = "NAME", default_value = "vpc_flow_logs")]
    table: String,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let table = Table::from_args(&args)?;
    let mut out = std::io::stdout().lock();
    write!(out, "{}", table.statement())?;
    writeln!(out)?;
    write!(out, "{}", functions_note())?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// An Athena table over one flow log destination.
#[derive(Debug)]
struct Table {
    name: String,
    /// `s3://bucket/prefix` without a trailing slash.
    location: String,
    parquet: bool,
    hourly: bool,
    fields: Vec<Field>,
    accounts: Vec<String>,
    regions: Vec<String>,
    since: String,
}

impl Table {
    fn from_args(args: &Args) -> anyhow::Result<Table> {
        let location = args.location.trim_end_matches('/').to_string();
        let Some(rest) = location.strip_prefix("s3://") else {
            bail!(
                "--location {:?}: write s3://BUCKET or s3://BUCKET/PREFIX",
                args.location
            );
        };
        if rest.is_empty() || rest.contains("AWSLogs") {
            bail!(
                "--location {:?}: give the bucket and prefix the flow log delivers to, before AWSLogs/",
                args.location
            );
        }
        if !is_table_name(&args.table) {
            bail!(
                "--table {:?}: letters, digits and underscores only",
                args.table
            );
        }
        let fields = match &args.format {
            Some(text) => Format::parse(text).context("--format")?.fields().to_vec(),
            None => vpcflow_engine::schema::athena_fields(),
        };
        for (what, values, ok) in [
            ("--accounts", &args.accounts, is_account as fn(&str) -> bool),
            ("--regions", &args.regions, is_region),
        ] {
            if let Some(bad) = values.iter().find(|v| !ok(v)) {
                bail!("{what}: {bad:?} is not an AWS account id or region name");
            }
        }
        if jiff::civil::Date::strptime("%Y/%m/%d", &args.since).is_err() {
            bail!("--since {:?}: write the day as yyyy/MM/dd", args.since);
        }
        Ok(Table {
            name: args.table.clone(),
            location,
            parquet: args.parquet,
            hourly: args.hourly || args.parquet,
            fields,
            accounts: args.accounts.clone(),
            regions: args.regions.clone(),
            since: args.since.clone(),
        })
    }

    /// The `CREATE EXTERNAL TABLE` statement.
    fn statement(&self) -> String {
        let mut s = format!("CREATE EXTERNAL TABLE IF NOT EXISTS {} (\n", self.name);
        let columns: Vec<String> = self.fields.iter().filter_map(|f| self.column(*f)).collect();
        s.push_str(&columns.join(",\n"));
        s.push_str("\n)\n");
        if self.parquet {
            s.push_str(
                "PARTITIONED BY (accid string, region string, `date` string, hour string)\n",
            );
            s.push_str(
                "ROW FORMAT SERDE 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe'\n",
            );
            s.push_str("STORED AS INPUTFORMAT 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat'\n");
            s.push_str(
                "OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat'\n",
            );
        } else if self.hourly {
            s.push_str("PARTITIONED BY (accid string, region string, day string, hour string)\n");
            s.push_str("ROW FORMAT DELIMITED FIELDS TERMINATED BY ' '\n");
        } else {
            s.push_str("PARTITIONED BY (accid string, region string, day string)\n");
            s.push_str("ROW FORMAT DELIMITED FIELDS TERMINATED BY ' '\n");
        }
        s.push_str(&format!("LOCATION '{}/AWSLogs/'\n", self.location));
        s.push_str("TBLPROPERTIES (\n");
        let day = if self.parquet { "date" } else { "day" };
        let mut properties = vec![
            ("skip.header.line.count".to_string(), "1".to_string()),
            ("projection.enabled".to_string(), "true".to_string()),
            ("projection.accid.type".to_string(), "enum".to_string()),
            (
                "projection.accid.values".to_string(),
                self.accounts.join(","),
            ),
            ("projection.region.type".to_string(), "enum".to_string()),
            (
                "projection.region.values".to_string(),
                self.regions.join(","),
            ),
            (format!("projection.{day}.type"), "date".to_string()),
            (
                format!("projection.{day}.range"),
                format!("{},NOW", self.since),
            ),
            (format!("projection.{day}.format"), "yyyy/MM/dd".to_string()),
            (format!("projection.{day}.interval"), "1".to_string()),
            (
                format!("projection.{day}.interval.unit"),
                "DAYS".to_string(),
            ),
        ];
        let mut template = format!(
            "{}/AWSLogs/${{accid}}/vpcflowlogs/${{region}}/${{{day}}}",
            self.location
        );
        if self.hourly {
            properties.push(("projection.hour.type".into(), "integer".into()));
            properties.push(("projection.hour.range".into(), "0,23".into()));
            properties.push(("projection.hour.digits".into(), "2".into()));
            template.push_str("/${hour}");
        }
        properties.push(("storage.location.template".into(), template));
        let lines: Vec<String> = properties
            .iter()
            .map(|(k, v)| format!("  \"{k}\" = \"{v}\""))
            .collect();
        s.push_str(&lines.join(",\n"));
        s.push_str("\n);\n");
        s
    }

    /// A field's column line, or `None` for a column the table cannot have.
    fn column(&self, field: Field) -> Option<String> {
        let ty = match field.kind().data_type() {
            arrow::datatypes::DataType::Int32 => "int",
            arrow::datatypes::DataType::Int64 => "bigint",
            _ => "string",
        };
        let name = field.column();
        // The record's region is also the `region` partition (the key's region). Parquet columns are read by
        // name, so the record's is left out; text columns are positional, so it keeps its place under another
        // name.
        if name == "region" {
            return (!self.parquet).then(|| format!("  record_region {ty}"));
        }
        let quoted = if name == "end" {
            "`end`".to_string()
        } else {
            name.to_string()
        };
        Some(format!("  {quoted} {ty}"))
    }
}

/// Athena's (Trino's) names among the functions vpcflow adds to DataFusion: the same functions under the same
/// names on both engines.
const ATHENA_HAS: &[&str] = &[
    "year",
    "quarter",
    "month",
    "week",
    "day",
    "day_of_week",
    "dow",
    "day_of_month",
    "day_of_year",
    "doy",
    "hour",
    "minute",
    "second",
    "date",
    "date_format",
    "date_add",
    "date_diff",
    "from_unixtime",
    "to_iso8601",
    "from_iso8601_timestamp",
    "from_iso8601_date",
    "split",
    "element_at",
    "contains",
    "cardinality",
    "if",
    "regexp_extract",
    "bitwise_and",
    "bitwise_or",
    "bitwise_xor",
    "bitwise_not",
    "mod",
    "ceiling",
    "truncate",
    "count_if",
    "every",
    "max_by",
    "min_by",
    "arbitrary",
    "approx_percentile",
    "year_of_week",
    "yow",
    "week_of_year",
    "to_unixtime",
    "date_trunc",
    "last_day_of_month",
];

/// What to write on Athena instead of a vpcflow function.
fn athena_instead(name: &str) -> &'static str {
    match name {
        "ip_in" => "contains('10.0.0.0/8', CAST(addr AS IPADDRESS)) for ip_in(addr, '10.0.0.0/8')",
        "is_private" => {
            "contains('10.0.0.0/8', CAST(addr AS IPADDRESS)) OR contains('172.16.0.0/12', …) OR \
             contains('192.168.0.0/16', …) OR contains('fc00::/7', …)"
        }
        "protocol_name" => {
            "CASE protocol WHEN 6 THEN 'TCP' WHEN 17 THEN 'UDP' WHEN 1 THEN 'ICMP' … END"
        }
        "service_name" => "CASE dstport WHEN 443 THEN 'https' … END",
        "tcp_flag_names" => {
            "bitwise_and(tcp_flags, 2) > 0 for SYN, 1 for FIN, 4 for RST, 16 for ACK"
        }
        "flow_time" => "from_unixtime(start)",
        "aws_service" | "aws_region" => {
            "a join with AWS's ip-ranges.json loaded as a table (ip_prefix, region, service)"
        }
        _ => "no direct equivalent",
    }
}

/// The functions of vpcflow's SQL that Athena does not have, as SQL comments.
fn functions_note() -> String {
    // A function is Athena's when Athena knows it by its name or one of its aliases (`arbitrary` is DataFusion's
    // `any_value` under Trino's name).
    let athena = |names: Vec<&str>| names.iter().any(|n| ATHENA_HAS.contains(n));
    let scalars = vpcflow_engine::scalar_functions();
    let aggregates = vpcflow_engine::aggregate_functions();
    let mut names: Vec<String> = scalars
        .iter()
        .map(|f| (f.name(), f.aliases()))
        .chain(aggregates.iter().map(|f| (f.name(), f.aliases())))
        .filter(|(name, aliases)| {
            !athena(
                std::iter::once(*name)
                    .chain(aliases.iter().map(String::as_str))
                    .collect(),
            )
        })
        .map(|(name, _)| name.to_string())
        .collect();
    names.sort();
    names.dedup();
    let mut s = String::from(
        "-- Functions vpcflow adds that Athena does not have, and what to write on Athena instead:\n",
    );
    for name in names {
        s.push_str(&format!("--   {name}: {}\n", athena_instead(&name)));
    }
    s
}

fn is_table_name(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn is_account(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

fn is_region(s: &str) -> bool {
    !s.is_empty()
        && s.split('-').count() >= 3
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}
