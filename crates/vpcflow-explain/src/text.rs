//! The plain-text printer: explanations, connections, diagnoses and path checks laid out for a terminal. Layout
//! only (indentation, bullets, headings, blank lines); every word comes from [`crate::render`], so the dashboard
//! can lay out the same messages its own way.

use crate::message::Message;
use crate::render::{Label, Style, words};
use crate::{Lang, reading::Reading};
use std::fmt::Write as _;
use vpcflow_diagnose::{Agreement, Confidence, ConfigFinding, Conversations, Diagnosis, Report};
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
    let w = style.words();
    let mut out = String::new();
    for (i, c) in conv.connections.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let _ = writeln!(out, "{}", w.connection(c, i + 1));
        let _ = writeln!(out, "   {}", w.when_and_who(c, style));
        for leg in &c.legs {
            let _ = writeln!(out, "   {}:", w.leg(leg));
            for (label, records) in [
                (Label::RequestRecord, &leg.request),
                (Label::ReplyRecord, &leg.reply),
            ] {
                for &f in records {
                    let _ = writeln!(out, "     {} {}", w.label(label), w.flow(&conv.flows[f]));
                }
            }
        }
    }
    let _ = writeln!(out, "\n{}", w.conversations_summary(&conv.counts()));
    out
}

/// One diagnosis: the connection, its records, the reading of the records, what would decide, and the
/// configuration's answer.
pub fn diagnosis(conv: &Conversations, d: &Diagnosis, style: &Style) -> String {
    let w = style.words();
    let c = &conv.connections[d.connection];
    let mut out = String::new();
    let _ = writeln!(out, "{}", w.connection(c, d.connection + 1));
    let _ = writeln!(out, "   {}", w.when_and_who(c, style));
    let _ = writeln!(out, "   {}", w.label(Label::Evidence));
    for f in conv.flows_of(c) {
        let _ = writeln!(out, "     {}", w.flow(f));
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
    let gap = if diagnoses.is_empty() { "" } else { "\n" };
    let _ = writeln!(
        out,
        "{gap}{}",
        style.words().diagnoses_summary(&conv.counts())
    );
    out
}

/// Puts each diagnosis's text beside its facts (for `--output json`).
pub fn annotate(report: &mut Report<'_>, conv: &Conversations, style: &Style) {
    for item in &mut report.diagnoses {
        let text = diagnosis(conv, item.diagnosis, style);
        item.text = Some(text.trim_end().to_string());
    }
}

fn verdict_lines(out: &mut String, indent: &str, v: &Verdict, p: &Packet, lang: Lang) {
    let w = words(lang);
    for s in &v.steps {
        let _ = writeln!(out, "{indent}{} {}", w.outcome(s.outcome), w.step(s, p));
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
