//! `vpcflow detect`: is it an attack? The detection catalogue over the inputs, findings in text or JSON.

use crate::inputs::InputArgs;
use crate::query::Session;
use anyhow::Context;
use std::io::Write;
use std::process::ExitCode;
use vpcflow_catalog::enrich::Enricher;
use vpcflow_engine::detect::{self, CATALOGUE, Config, Finding, Severity, words};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    input: InputArgs,

    /// Saved `aws ec2 describe-*` JSON: findings about accepted inbound traffic name the security group rule that
    /// let it in and the smallest change that would close it.
    #[arg(long, value_name = "DIR")]
    vpc_config: Option<std::path::PathBuf>,

    /// Thresholds, allow lists and internal ranges (TOML; see docs/detections.md).
    #[arg(long, value_name = "FILE")]
    config: Option<std::path::PathBuf>,

    /// More internal ranges (besides the private ones), e.g. a VPC's public CIDR.
    #[arg(long, value_name = "CIDR")]
    internal: Vec<String>,

    /// `text` (grouped by detection) or `json` (one finding per line).
    #[arg(long, short = 'o', default_value = "text")]
    output: Output,

    /// The language of the explanations: `en` or `ja`.
    #[arg(long, default_value = "en")]
    lang: String,

    /// Only findings of at least this severity: low, medium or high.
    #[arg(long, default_value = "low")]
    min_severity: String,

    /// List the detections and their thresholds instead of reading anything.
    #[arg(long)]
    list: bool,

    /// Print the documentation page of the detections (docs/detections.md) instead of reading anything.
    #[arg(long)]
    docs: bool,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Output {
    Text,
    Json,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    if args.docs {
        write!(out, "{}", detect::catalogue::markdown())?;
        return Ok(ExitCode::SUCCESS);
    }
    if args.list {
        for d in CATALOGUE {
            let params: Vec<String> = d
                .params
                .iter()
                .map(|p| format!("{}={}", p.key, detect::catalogue::number(p.default)))
                .collect();
            writeln!(
                out,
                "{}\t{}\t{}\t{}",
                d.id,
                d.mitre,
                d.title,
                params.join(" ")
            )?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    let lang = vpcflow_explain::Lang::from_code(&args.lang)
        .with_context(|| format!("--lang {}: use en or ja", args.lang))?;
    let min = match args.min_severity.as_str() {
        "low" => Severity::Low,
        "medium" => Severity::Medium,
        "high" => Severity::High,
        other => anyhow::bail!("--min-severity {other}: use low, medium or high"),
    };
    let mut config = match &args.config {
        Some(path) => Config::load(path).map_err(|e| anyhow::anyhow!("--config {e}"))?,
        None => Config::default(),
    };
    for cidr in &args.internal {
        let net = vpcflow_catalog::intel::parse_net(cidr)
            .with_context(|| format!("--internal {cidr}: not an address or network"))?;
        config.internal.push(net);
    }
    let model = args
        .vpc_config
        .as_deref()
        .map(|path| crate::diagnose::load_model(path, lang))
        .transpose()?;
    if let Some(model) = &model {
        // The VPC's own ranges are internal, whatever their addresses.
        for vpc in model.vpcs.keys() {
            config.internal.extend(model.vpc_cidrs(vpc));
        }
    }
    let enricher = Enricher::load_default();
    for p in enricher.lists().problems() {
        eprintln!("vpcflow: threat list {p}");
    }
    let Some(session) = Session::open(&args.input)? else {
        return Ok(
            crate::inputs::Outcome::new(Default::default(), ExitCode::from(2), true).finish(),
        );
    };
    let cx = detect::Context {
        config: &config,
        enricher: &enricher,
        // --since and --until are the inputs' own: the scan reads only records in the range.
        since: None,
        until: None,
    };
    let Some(mut report) = session.run(|engine| detect::run(engine, &cx))? else {
        return Ok(session.finish());
    };
    if let Some(model) = &model {
        detect::annotate_rules(&mut report.findings, model);
    }
    report.findings.retain(|f| f.severity >= min);
    match args.output {
        Output::Json => {
            for f in &report.findings {
                writeln!(out, "{}", json(f, lang)?)?;
            }
        }
        Output::Text => text(&mut out, &report, lang)?,
    }
    for note in &report.notes {
        eprintln!("vpcflow: note: {note}");
    }
    out.flush()?;
    Ok(session.finish())
}

/// One finding as a JSON object: its fields, the detection's title, times as RFC 3339, and the explanation.
fn json(f: &Finding, lang: vpcflow_explain::Lang) -> anyhow::Result<String> {
    let mut value = serde_json::to_value(f)?;
    if let Some(obj) = value.as_object_mut() {
        let title = detect::catalogue::find(f.detection).map_or("", |d| d.title);
        obj.insert("title".into(), title.into());
        obj.insert("first_time".into(), time(f.first).into());
        obj.insert("last_time".into(), time(f.last).into());
        obj.insert("explanation".into(), words::render(f, lang).into());
    }
    Ok(serde_json::to_string(&value)?)
}

fn time(secs: i64) -> String {
    jiff::Timestamp::from_second(secs).map_or_else(|_| secs.to_string(), |t| t.to_string())
}

/// Findings grouped by detection, each with its severity, addresses, time range, explanation and evidence.
fn text(
    out: &mut impl Write,
    report: &detect::Report,
    lang: vpcflow_explain::Lang,
) -> anyhow::Result<()> {
    for d in CATALOGUE {
        let found: Vec<&Finding> = report
            .findings
            .iter()
            .filter(|f| f.detection == d.id)
            .collect();
        if found.is_empty() {
            continue;
        }
        let n = found.len();
        writeln!(
            out,
            "{} — {} ({} {}): {n} finding{}",
            d.id,
            d.title,
            d.mitre,
            d.mitre_name,
            if n == 1 { "" } else { "s" }
        )?;
        for f in found {
            let who = |ip: Option<std::net::IpAddr>| {
                ip.map_or_else(|| "*".to_string(), |ip| ip.to_string())
            };
            writeln!(
                out,
                "  [{}] {} -> {}  {} .. {}",
                f.severity.word().to_uppercase(),
                who(f.actor),
                who(f.target),
                time(f.first),
                time(f.last)
            )?;
            writeln!(out, "    {}", words::render(f, lang))?;
            let e = &f.evidence;
            let mut line = format!(
                "    evidence: {} records, {} packets, {}",
                e.records,
                e.packets,
                words_bytes(e.bytes)
            );
            if !e.ports.is_empty() {
                let ports: Vec<String> = e.ports.iter().map(u16::to_string).collect();
                line.push_str(&format!("; ports {}", ports.join(", ")));
            }
            writeln!(out, "{line}")?;
            for x in &e.examples {
                writeln!(
                    out,
                    "      {} {} -> {}:{} {} {} records {} packets {} bytes {}..{}",
                    x.action,
                    x.srcaddr,
                    x.dstaddr,
                    x.dstport.map_or("-".into(), |p| p.to_string()),
                    x.protocol.map_or("-".into(), |p| p.to_string()),
                    x.records,
                    x.packets,
                    x.bytes,
                    x.start,
                    x.end
                )?;
            }
        }
        writeln!(out)?;
    }
    let count = |s: Severity| report.findings.iter().filter(|f| f.severity == s).count();
    writeln!(
        out,
        "{} findings: {} high, {} medium, {} low",
        report.findings.len(),
        count(Severity::High),
        count(Severity::Medium),
        count(Severity::Low)
    )?;
    Ok(())
}

fn words_bytes(n: u64) -> String {
    format!("{n} bytes")
}
