//! `vpcflow serve`: the dashboard over every input the other commands read.

use crate::inputs::{InputArgs, Outcome};
use anyhow::Context;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::{IsTerminal, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;
use vpcflow_explain::Lang;
use vpcflow_source::session::{Event, Session};

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
    let lang = match args.lang {
        LangArg::En => Lang::En,
        LangArg::Ja => Lang::Ja,
    };
    let model = args
        .vpc_config
        .as_deref()
        .map(|path| crate::diagnose::load_model(path, lang))
        .transpose()?;
    let (session, progress) = open(&args.input)?;
    let started = std::time::Instant::now();
    let cache = vpcflow_web::load(
        &session,
        &vpcflow_web::LoadOptions {
            threads: args.input.threads,
            progress: Some(progress.clone()),
        },
    );
    progress.finish_and_clear();
    let outcome = Outcome::of(&session);
    let Some(cache) = cache? else {
        // `--strict` stopped at a problem.
        return Ok(outcome.finish());
    };
    let code = outcome.finish();
    if cache.rows == 0 && session.missing() {
        // Nothing to show: what was named could not be read (said above).
        return Ok(code);
    }
    if std::io::stderr().is_terminal() {
        eprintln!(
            "vpcflow: {} records from {} inputs in {:.1} s",
            cache.rows,
            cache.report.files.len(),
            started.elapsed().as_secs_f64()
        );
    }
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
    let dashboard = vpcflow_web::Dashboard::new(cache, model, options)?;
    let url = vpcflow_web::server::url(listener.local_addr()?, args.token.as_deref());
    let mut out = std::io::stdout().lock();
    writeln!(out, "{url}")?;
    out.flush()?;
    drop(out);
    dashboard.serve(listener)?;
    Ok(ExitCode::SUCCESS)
}

/// The read session, with problems printed above a spinner that counts records and inputs while the cache loads
/// (on a terminal only; quiet when stderr is piped).
fn open(input: &InputArgs) -> anyhow::Result<(Session, ProgressBar)> {
    let bar = if std::io::stderr().is_terminal() {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template("{spinner} loading: {msg}, {pos} inputs read {elapsed}")
                .expect("valid template"),
        );
        bar.set_message("0 records");
        bar.enable_steady_tick(Duration::from_millis(120));
        bar
    } else {
        ProgressBar::hidden()
    };
    let shown = bar.clone();
    let listener = Arc::new(move |event: Event<'_>| match event {
        Event::Problem(p) => shown.suspend(|| eprintln!("{p}")),
        Event::Progress { done, .. } => shown.set_position(done),
    });
    let session = Session::open(input.session_options()?, listener)
        .context("cannot start the network runtime")?;
    Ok((session, bar))
}
