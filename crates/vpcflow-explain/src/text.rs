//! The plain-text printer: explanations, connections, diagnoses and path checks laid out for a terminal. Layout
//! only (indentation, bullets, headings, blank lines); every word comes from [`crate::render`], so the dashboard
//! can lay out the same messages its own way.

use crate::message::Message;
use crate::render::{Label, Style, words};
use crate::{Lang, reading::Reading};
use std::fmt::Write as _;
use vpcflow_diagnose::summary::Group;
use vpcflow_diagnose::{
    Agreement, Confidence, ConfigFinding, Connection, Conversations, Counts, Diagnosis, Flow,
    Report,
};
use vpcflow_netmodel::{Packet, PathCheck, Verdict};

/// An explanation: `location: headline`, then one `  - note` line per note.
pub fn explanation(reading: &Reading, headline: &Message, notes: &[Message]) -> String {
    let mut text = format!("{}: {headline}", reading.location);
    for n in notes {
        let _ = write!(text, "\n  - {n}");
    }
    text
}

/// The `conversations` listing: every connection with its records, then the counts.
pub fn conversations(conv: &Conversations, style: &Style) -> String {
    let mut out = String::new();
    for (i, c) in conv.connections.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&connection(i + 1, c, &conv.flows, style));
    }
    out.push('\n');
    out.push_str(&conversations_summary(&conv.counts(), style));
    out
}

/// One connection of the `conversations` listing, numbered `number`, with its records (which its legs point
/// into).
pub fn connection(number: usize, c: &Connection, flows: &[Flow], style: &Style) -> String {
    let w = style.words();
    let mut out = String::new();
    let _ = writeln!(out, "{}", w.connection(c, number));
    let _ = writeln!(out, "   {}", w.when_and_who(c, style));
    for leg in &c.legs {
        let _ = writeln!(out, "   {}:", w.leg(leg));
        for (label, records) in [
            (Label::RequestRecord, &leg.request),
            (Label::ReplyRecord, &leg.reply),
        ] {
            for &f in records {
                let _ = writeln!(out, "     {} {}", w.label(label), w.flow(&flows[f]));
            }
        }
    }
    out
}

/// The count line under the `conversations` listing.
pub fn conversations_summary(counts: &Counts, style: &Style) -> String {
    format!("{}\n", style.words().conversations_summary(counts))
}

/// The count line under the `diagnose` report.
pub fn diagnoses_summary(counts: &Counts, style: &Style) -> String {
    format!("{}\n", style.words().diagnoses_summary(counts))
}

/// One diagnosis: the connection, its records, the reading of the records, what would decide, and the
/// configuration's answer.
pub fn diagnosis(conv: &Conversations, d: &Diagnosis, style: &Style) -> String {
    let c = &conv.connections[d.connection];
    diagnosis_of(d.connection + 1, c, &conv.flows, d, style)
}

/// The diagnosis `d` of connection `c`, numbered `number`, whose legs point into `flows`.
pub fn diagnosis_of(
    number: usize,
    c: &Connection,
    flows: &[Flow],
    d: &Diagnosis,
    style: &Style,
) -> String {
    let w = style.words();
    let mut out = String::new();
    let _ = writeln!(out, "{}", w.connection(c, number));
    let _ = writeln!(out, "   {}", w.when_and_who(c, style));
    let _ = writeln!(out, "   {}", w.label(Label::Evidence));
    for f in c.legs.iter().flat_map(|l| l.request.iter().chain(&l.reply)) {
        let _ = writeln!(out, "     {}", w.flow(&flows[*f]));
    }
    let _ = writeln!(out, "   {}", w.label(Label::FromTheLogs));
    for f in &d.findings {
        let _ = writeln!(
            out,
            "     {}: {}",
            w.confidence(f.confidence),
            w.finding(f, c)
        );
        for r in &f.reasons {
            let _ = writeln!(out, "       - {}", w.reason(r, style));
        }
    }
    if !d.needed.is_empty() {
        let certain = d
            .findings
            .first()
            .is_some_and(|f| f.confidence == Confidence::Certain);
        let label = if certain {
            Label::ToNameTheRule
        } else {
            Label::ToDecide
        };
        let _ = writeln!(out, "     {}", w.label(label));
        for n in &d.needed {
            let _ = writeln!(out, "       - {}", w.needed(*n));
        }
    }
    for cf in &d.config {
        config(&mut out, cf, style.lang);
    }
    out
}

/// The `diagnose` report: each diagnosis, then the counts.
pub fn diagnoses(conv: &Conversations, diagnoses: &[Diagnosis], style: &Style) -> String {
    let mut out = String::new();
    for (n, d) in diagnoses.iter().enumerate() {
        if n > 0 {
            out.push('\n');
        }
        out.push_str(&diagnosis(conv, d, style));
    }
    if !diagnoses.is_empty() {
        out.push('\n');
    }
    out.push_str(&diagnoses_summary(&conv.counts(), style));
    out
}

/// `diagnose`'s summary: the groups of rejected connections, each with examples and the fix for the first, then
/// how to see more.
pub fn summary(groups: &[Group], style: &Style) -> String {
    let w = style.words();
    let mut out = String::new();
    let _ = writeln!(out, "{}\n", w.label(Label::SummaryHeading));
    let (shown, rest) = groups.split_at(groups.len().min(SUMMARY_GROUPS));
    for g in shown {
        let _ = writeln!(out, "{}", w.group(g));
        let _ = writeln!(out, "  {}", w.examples(&g.examples));
        if let Some((number, fix)) = &g.fix {
            let _ = writeln!(out, "  {} (#{number}) {}", w.label(Label::Fix), w.fix(fix));
        }
        out.push('\n');
    }
    if !rest.is_empty() {
        let connections = rest.iter().map(|g| g.connections).sum();
        let _ = writeln!(out, "{}\n", w.more_groups(rest.len(), connections));
    }
    let _ = writeln!(out, "{}", w.label(Label::SummaryDetails));
    out
}

/// The groups `summary` shows; the rest are counted in one line.
pub const SUMMARY_GROUPS: usize = 10;

/// Puts each diagnosis's text beside its facts (for `--output json`).
pub fn annotate(report: &mut Report<'_>, conv: &Conversations, style: &Style) {
    for item in &mut report.diagnoses {
        let text = diagnosis(conv, item.diagnosis, style);
        item.text = Some(text.trim_end().to_string());
    }
}

fn verdict_lines(out: &mut String, indent: &str, v: &Verdict, p: &Packet, lang: Lang) {
    let w = words(lang);
    if let Some(s) = &v.contradicted {
        let _ = writeln!(
            out,
            "{indent}{} {}",
            w.label(Label::Logged),
            w.contradicted(s, p)
        );
    }
    for s in &v.steps {
        let _ = writeln!(out, "{indent}{} {}", w.outcome(s.outcome), w.step(s, p));
        for n in &s.near_misses {
            let _ = writeln!(out, "{indent}          {}", w.near_miss(n, p));
        }
    }
}

fn config(out: &mut String, cf: &ConfigFinding, lang: Lang) {
    let w = words(lang);
    let _ = writeln!(
        out,
        "   {} ({}):",
        w.label(Label::FromTheConfiguration),
        cf.interface
    );
    if let Some(why) = &cf.undecided {
        let _ = writeln!(
            out,
            "     {} {}",
            w.label(Label::NotEvaluated),
            w.undecided(why)
        );
        return;
    }
    if cf
        .packets
        .first()
        .is_some_and(|p| matches!(p.protocol, 1 | 58))
    {
        let _ = writeln!(out, "     {}", w.label(Label::IcmpEvaluatedAsPing));
    }
    for (label, v, p) in [
        (Label::Request, cf.request.as_ref(), cf.packets.first()),
        (Label::Reply, cf.reply.as_ref(), cf.packets.get(1)),
    ] {
        let (Some(v), Some(p)) = (v, p) else {
            continue;
        };
        let _ = writeln!(
            out,
            "     {} ({}):",
            w.label(label),
            w.direction(p.direction)
        );
        verdict_lines(out, "       ", v, p, lang);
    }
    match (&cf.decided_by, cf.agreement) {
        (Some((which, step)), agreement) => {
            let _ = writeln!(out, "     {}", w.dropped_by(*which, &step.control));
            if agreement == Agreement::Differs {
                let _ = writeln!(out, "     {}", w.label(Label::ConfigDiffers));
            }
            if let Some(fix) = &step.fix {
                let _ = writeln!(out, "     {} {}", w.label(Label::Fix), w.fix(fix));
            }
        }
        (None, Agreement::ConfigAllows) => {
            let _ = writeln!(out, "     {}", w.label(Label::ConfigAllows));
        }
        (None, _) => {
            let _ = writeln!(out, "     {}", w.label(Label::ConfigUndecided));
        }
    }
}

/// The `check` answer: would it be allowed, and why, hop by hop. `assumed_client_port` adds the line saying the
/// client's port was assumed.
pub fn check(check: &PathCheck, protocol: u8, lang: Lang, assumed_client_port: bool) -> String {
    let w = words(lang);
    let mut out = String::new();
    if check.packets.is_empty() {
        let _ = writeln!(out, "{}", w.label(Label::NothingToEvaluate));
    } else {
        let _ = writeln!(out, "{}", w.check_answer(check, protocol));
    }
    let n_req = check.request.len();
    for (i, v) in check.request.iter().chain(&check.reply).enumerate() {
        let p = &check.packets[i];
        let label = if i < n_req {
            Label::Request
        } else {
            Label::Reply
        };
        let _ = writeln!(
            out,
            "  {} {} {} ({}):",
            w.label(label),
            w.label(Label::At),
            p.interface,
            w.direction(p.direction)
        );
        verdict_lines(&mut out, "    ", v, p, lang);
        if let Some(fix) = v.decided_by().and_then(|s| s.fix.as_ref()) {
            let _ = writeln!(out, "  {} {}", w.label(Label::Fix), w.fix(fix));
        }
    }
    for a in &check.outside {
        let _ = writeln!(out, "  {}", w.outside(*a));
    }
    if assumed_client_port {
        let _ = writeln!(out, "  {}", w.label(Label::ClientPortAssumed));
    }
    out
}

/// The notes page (`docs/notes.md`): every note's code with what it says, why it matters and what to do.
pub fn notes_page(lang: Lang) -> String {
    let w = words(lang);
    let mut out = format!(
        "# {}\n\n{}\n",
        w.label(Label::NotesTitle),
        w.label(Label::NotesIntro)
    );
    for code in crate::note::Code::ALL {
        let l = w.learn(*code);
        let _ = write!(
            out,
            "\n## `{}`\n\n**{}** {}\n\n**{}** {}\n\n**{}** {}\n",
            code.as_str(),
            w.label(Label::What),
            l.what,
            w.label(Label::Why),
            l.why,
            w.label(Label::WhatToDo),
            l.fix
        );
    }
    out
}
