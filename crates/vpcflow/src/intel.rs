//! `vpcflow intel`: threat lists, the user's own (`add`) and public ones (`update`), kept in the user data
//! directory with their source, date and terms (`status`).

use anyhow::Context;
use std::io::Write;
use std::process::ExitCode;
use vpcflow_catalog::intel::{self, Category, FEEDS, ListInfo, ListSet};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand, Debug)]
enum Command {
    /// Import a list: one address or CIDR a line, CSV (OTX, ProofPoint), JSON lines, or a STIX 2 bundle.
    Add {
        /// The list's name (lower-case letters, digits, `-`, `_`); an existing list of that name is replaced.
        name: String,
        /// The file (`-` for standard input).
        file: std::path::PathBuf,
        /// What the list means: c2, drop, tor-exit, tor-relay, crypto, scanner or custom.
        #[arg(long, default_value = "custom")]
        category: String,
        /// A few words on what it holds.
        #[arg(long, default_value = "")]
        description: String,
    },
    /// Fetch the public lists (or those named) into the user data directory.
    Update {
        /// Lists to fetch (default: all); `vpcflow intel status` shows them.
        names: Vec<String>,
        /// Fetch from this URL instead (a mirror); needs exactly one list name.
        #[arg(long)]
        url: Option<String>,
    },
    /// Remove a list.
    Remove {
        /// The list's name.
        name: String,
    },
    /// Show the lists in use (source, date, terms, entries) and the public lists `update` fetches.
    Status,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    let now = jiff::Timestamp::now()
        .round(jiff::Unit::Second)?
        .to_string();
    match args.command {
        Command::Add {
            name,
            file,
            category,
            description,
        } => {
            let category = Category::from_word(&category).ok_or_else(|| {
                let words: Vec<_> = Category::ALL.iter().map(|c| c.word()).collect();
                anyhow::anyhow!("--category {category}: use one of {}", words.join(", "))
            })?;
            let text = if file.as_os_str() == "-" {
                std::io::read_to_string(std::io::stdin()).context("reading standard input")?
            } else {
                let bytes =
                    std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
                String::from_utf8_lossy(&bytes).into_owned()
            };
            let info = ListInfo {
                name,
                category,
                source: std::path::absolute(&file)
                    .unwrap_or(file.clone())
                    .display()
                    .to_string(),
                date: now,
                terms: String::new(),
                description,
            };
            let stored = intel::add(&text, info, None)
                .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            for s in stored.skipped.iter().take(5) {
                eprintln!(
                    "vpcflow: {}:{}: skipped: {}",
                    file.display(),
                    s.line,
                    s.reason
                );
            }
            writeln!(out, "{stored}")?;
        }
        Command::Update { names, url } => {
            let feeds: Vec<_> = if names.is_empty() {
                FEEDS.iter().collect()
            } else {
                names
                    .iter()
                    .map(|n| {
                        FEEDS.iter().find(|f| f.name == n).ok_or_else(|| {
                            let known: Vec<_> = FEEDS.iter().map(|f| f.name).collect();
                            anyhow::anyhow!("no public list `{n}`: known are {}", known.join(", "))
                        })
                    })
                    .collect::<anyhow::Result<_>>()?
            };
            if url.is_some() && feeds.len() != 1 {
                anyhow::bail!("--url needs exactly one list name");
            }
            let mut failed = false;
            for feed in feeds {
                match intel::update(feed, url.as_deref(), &now, None) {
                    Ok(stored) => {
                        writeln!(out, "{stored}")?;
                        writeln!(out, "  terms: {}", feed.terms)?;
                    }
                    Err(e) => {
                        eprintln!(
                            "vpcflow: {}: {e} (the previous copy, if any, is kept)",
                            feed.name
                        );
                        failed = true;
                    }
                }
            }
            if failed {
                return Ok(ExitCode::from(1));
            }
        }
        Command::Remove { name } => {
            if !intel::remove(&name, None).map_err(anyhow::Error::msg)? {
                eprintln!("vpcflow: there is no list `{name}`");
                return Ok(ExitCode::from(1));
            }
        }
        Command::Status => list_status(&mut out)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// The lists in use, then the public lists and whether each has been fetched.
pub fn list_status(out: &mut impl Write) -> anyhow::Result<()> {
    let dir = intel::lists_dir();
    let set = dir.as_deref().map(ListSet::load_dir).unwrap_or_default();
    match &dir {
        Some(d) => writeln!(
            out,
            "threat lists in {}: {}",
            d.display(),
            set.lists().len()
        )?,
        None => writeln!(
            out,
            "threat lists: no data directory (set VPCFLOW_DATA_DIR or HOME)"
        )?,
    }
    for list in set.lists() {
        let i = list.info();
        writeln!(
            out,
            "  {} ({}): {} entries",
            i.name,
            i.category.word(),
            list.entries()
        )?;
        writeln!(out, "    source: {}", i.source)?;
        writeln!(out, "    date: {}{}", i.date, crate::enrich::age(&i.date))?;
        if !i.terms.is_empty() {
            writeln!(out, "    terms: {}", i.terms)?;
        }
    }
    for p in set.problems() {
        writeln!(out, "  unreadable: {p}")?;
    }
    let missing: Vec<_> = FEEDS
        .iter()
        .filter(|f| !set.lists().iter().any(|l| l.info().name == f.name))
        .map(|f| f.name)
        .collect();
    if !missing.is_empty() {
        writeln!(
            out,
            "public lists not fetched yet (vpcflow intel update): {}",
            missing.join(", ")
        )?;
    }
    Ok(())
}
