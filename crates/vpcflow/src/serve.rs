//! `vpcflow serve`: the dashboard over every input the other commands read.

use crate::inputs::InputArgs;
use anyhow::bail;
use std::io::{IsTerminal, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use vpcflow_explain::Lang;
use vpcflow_source::{Input, expand_inputs};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    input: InputArgs,

    /// Address and port to listen on (default 127.0.0.1:8765, or a free port when that one is taken). Any
    /// address beyond loopback requires --token.
    #[arg(long, value_name = "ADDR:PORT")]
    listen: Option<SocketAddr>,

    /// A secret every request must carry (the printed URL sets it as a cookie). Required beyond loopback.
    #[arg(long, value_name = "TOKEN")]
    token: Option<String>,

    /// Another host name the page may be opened under (the Host header is checked against DNS rebinding).
    #[arg(long = "allowed-host", value_name = "NAME")]
    allowed_hosts: Vec<String>,

    /// The VPC configuration (saved `aws ec2 describe-*` JSON), for the rules behind rejects and the VPC map.
    #[arg(long, value_name = "DIR")]
    vpc_config: Option<PathBuf>,

    /// The language the page starts in (switchable in the page).
    #[arg(long, value_enum, default_value_t = LangArg::En)]
    lang: LangArg,

    /// The time zone for dates (an IANA name such as `Asia/Tokyo`, or `UTC`); default: the local zone.
    #[arg(long, value_name = "ZONE")]
    tz: Option<String>,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
enum LangArg {
    En,
    Ja,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let listener = vpcflow_web::server::bind(args.listen, args.token.as_deref())?;
    let tz = crate::conversations::zone(args.tz.as_deref())?;
    if args.input.paths.is_empty() {
        bail!("no input: give files or directories to show (see --help)");
    }
    let (inputs, problems) = expand_inputs(&args.input.paths);
    for p in &problems {
        eprintln!("{p}");
    }
    if args.input.strict && !problems.is_empty() {
        return Ok(ExitCode::from(1));
    }
    let paths: Vec<String> = inputs
        .iter()
        .map(|i| match i {
            Input::Path(p) => p.display().to_string(),
            _ => "-".to_string(),
        })
        .collect();
    let lang = match args.lang {
        LangArg::En => Lang::En,
        LangArg::Ja => Lang::Ja,
    };
    let model = args
        .vpc_config
        .as_deref()
        .map(|path| crate::diagnose::load_model(path, lang))
        .transpose()?;
    let cache = vpcflow_web::load(
        &paths,
        &vpcflow_web::LoadOptions {
            format: args.input.options(None)?.format,
            threads: args.input.threads,
            strict: args.input.strict,
            progress: true,
        },
    )?;
    let options = vpcflow_web::Options {
        token: args.token.clone(),
        allowed_hosts: args.allowed_hosts.clone(),
        lang,
        tz,
        threads: args
            .input
            .threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())),
        ..vpcflow_web::Options::default()
    };
    if std::io::stderr().is_terminal() {
        eprintln!(
            "vpcflow: {} records from {} files in {:.1} s",
            cache.rows,
            cache.report.files.len(),
            cache.report.seconds
        );
    }
    let dashboard = vpcflow_web::Dashboard::new(cache, model, options)?;
    let url = vpcflow_web::server::url(listener.local_addr()?, args.token.as_deref());
    let mut out = std::io::stdout().lock();
    writeln!(out, "{url}")?;
    out.flush()?;
    drop(out);
    dashboard.serve(listener)?;
    Ok(ExitCode::SUCCESS)
}
