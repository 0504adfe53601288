//! `vpcflow diagnose`: for each rejected connection, what rejected it — from the records, and from the VPC
//! configuration when it is given.

use crate::conversations::{LangArg, Output, Sink, pairing_bar, read_sorted, style};
use crate::inputs::InputArgs;
use anyhow::Context;
use std::path::PathBuf;
use std::process::ExitCode;
use vpcflow_diagnose::analysis::Options;
use vpcflow_diagnose::summary::Summary;
use vpcflow_explain::{Lang, text};
use vpcflow_netmodel::VpcModel;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    input: InputArgs,

    /// The VPC configuration: a directory of `aws ec2 describe-*` outputs saved as `*.json`
    /// (security groups, network ACLs, route tables, network interfaces, subnets, internet gateways, managed
    /// prefix lists), or one such file. Without it, the diagnosis is from the records alone.
    #[arg(long, value_name = "DIR")]
    vpc_config: Option<PathBuf>,

    /// `text` for people; `json` for the same findings as data.
    #[arg(long, short, value_enum, default_value_t = Output::Text)]
    output: Output,

    /// The language of the text.
    #[arg(long, value_enum, default_value_t = LangArg::En)]
    lang: LangArg,

    /// The time zone for dates (an IANA name such as `Asia/Tokyo`, or `UTC`); default: the local zone.
    #[arg(long, value_name = "ZONE")]
    tz: Option<String>,

    /// Print every rejected connection with its evidence and reasoning. By default they are printed when they
    /// fit on a screen (up to 10); beyond that, they are summarised by what rejected them.
    #[arg(long, conflicts_with = "limit")]
    details: bool,

    /// Print the first N rejected connections with their evidence, then the summary of all of them.
    #[arg(long, value_name = "N")]
    limit: Option<usize>,
}

/// Rejected connections printed one by one by default, at most: about a screenful.
const SCREENFUL: usize = 10;

/// What the text output prints of each diagnosis.
enum Narratives {
    /// Every one, as it comes.
    All,
    /// The first `n`, as they come; a summary of all after them when there were more.
    First(usize),
    /// All of them when they fit on a screen, else only the summary: held until it is known.
    Screenful(Vec<String>, bool),
}

impl Narratives {
    /// What to print of the `shown`-th (0-based) narrative now; `text` is rendered only when it may be printed
    /// (over a day of logs, rendering every narrative would cost more than diagnosing).
    fn take(&mut self, shown: usize, text: impl FnOnce() -> String) -> Option<String> {
        match self {
            Narratives::All => Some(text()),
            Narratives::First(n) => (shown < *n).then(text),
            Narratives::Screenful(held, over) => {
                if !*over && held.len() < SCREENFUL {
                    held.push(text());
                } else {
                    held.clear();
                    *over = true;
                }
                None
            }
        }
    }
}

/// Loads `--vpc-config`, printing each problem (file, JSON path, what is wrong, in `lang`) to stderr; what could
/// be read is used.
pub fn load_model(path: &std::path::Path, lang: Lang) -> anyhow::Result<VpcModel> {
    let model = VpcModel::load(path).context("--vpc-config")?;
    let words = vpcflow_explain::render::words(lang);
    for p in &model.problems {
        eprintln!("vpcflow: configuration: {}", words.config_problem(p));
    }
    Ok(model)
}

/// One diagnosis as a line of JSON: its number, the connection (its legs point into `records`), its records, the
/// diagnosis, and the diagnosis in words.
#[derive(serde::Serialize)]
struct DiagnosisLine<'a> {
    number: usize,
    connection: &'a vpcflow_diagnose::Connection,
    records: &'a [vpcflow_diagnose::Flow],
    diagnosis: &'a vpcflow_diagnose::Diagnosis,
    text: String,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let style = style(args.lang, args.tz.as_deref())?;
    let model = args
        .vpc_config
        .as_deref()
        .map(|path| load_model(path, style.lang))
        .transpose()?;
    let (connections, outcome) = read_sorted(&args.input)?;
    let bar = pairing_bar(connections.records());
    let mut sink = Sink::stdout();
    let output = args.output;
    let mut narratives = match (args.details, args.limit) {
        (true, _) => Narratives::All,
        (false, Some(n)) => Narratives::First(n),
        (false, None) => Narratives::Screenful(Vec::new(), false),
    };
    let mut summary = Summary::new();
    let mut diagnosed = 0usize;
    let mut printed = 0usize;
    let options = Options {
        diagnose: true,
        ..Options::default()
    };
    let counts = connections.run(
        model.as_ref(),
        options,
        &mut |n| bar.set_position(n),
        &mut |item| {
            let Some(d) = &item.diagnosis else {
                return;
            };
            summary.add(item.number, &item.connection, d);
            match output {
                Output::Text => {
                    let words = || {
                        text::diagnosis_of(item.number, &item.connection, &item.flows, d, &style)
                    };
                    if let Some(words) = narratives.take(diagnosed, words) {
                        if printed > 0 {
                            sink.text("\n");
                        }
                        sink.text(&words);
                        printed += 1;
                    }
                }
                Output::Json => {
                    let words =
                        text::diagnosis_of(item.number, &item.connection, &item.flows, d, &style);
                    sink.json_line(&DiagnosisLine {
                        number: item.number,
                        connection: &item.connection,
                        records: &item.flows,
                        diagnosis: d,
                        text: words.trim_end().to_string(),
                    });
                }
            }
            diagnosed += 1;
        },
    )?;
    bar.finish_and_clear();
    let groups = summary.finish();
    match output {
        Output::Text => {
            let summarise = match narratives {
                Narratives::All => false,
                Narratives::First(n) => diagnosed > n,
                Narratives::Screenful(held, over) => {
                    for words in &held {
                        if printed > 0 {
                            sink.text("\n");
                        }
                        sink.text(words);
                        printed += 1;
                    }
                    over
                }
            };
            if printed > 0 {
                sink.text("\n");
            }
            if summarise {
                sink.text(&text::summary(&groups, &style));
                sink.text("\n");
            }
            sink.text(&text::diagnoses_summary(&counts, &style));
        }
        Output::Json => sink.json_line(&serde_json::json!({
            "summary": {
                "counts": counts,
                "groups": groups,
                "configuration_problems": model.as_ref().map(|m| &m.problems),
            }
        })),
    }
    sink.finish()?;
    let code = outcome.finish();
    if code == ExitCode::SUCCESS && model.is_some_and(|m| !m.problems.is_empty()) {
        return Ok(ExitCode::from(1));
    }
    Ok(code)
}
