//! The words the page shows about a record: its explanation, its connection and, when rejected, its diagnosis,
//! in English or Japanese, as lines of typed segments (text, address, interface, rule) that the page inserts as
//! text and turns into filter links.
//!
//! Everything comes as `vpcflow_explain` messages, whose typed segments map onto the page's ([`from_message`]):
//! the explanation's headline and notes, and the connection and diagnosis laid out here line by line from the
//! same messages the terminal printer lays out (`vpcflow_explain::text`), so that an address or an id is a
//! segment because the renderer said so, never because it looked like one.

use crate::cache::Cache;
use crate::flows;
use serde::Serialize;
use std::sync::Arc;
use vpcflow_diagnose::{
    Agreement, Confidence, ConfigFinding, Conversations, Diagnosis, Flow, diagnose,
};
use vpcflow_explain::message::Kind;
use vpcflow_explain::render::Label;
use vpcflow_explain::{Explainer, Lang, Message, Style};
use vpcflow_netmodel::{Packet, Verdict, VpcModel};

/// A piece of a line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Segment {
    /// `text`, `addr` (an IP address), `id` (an AWS id: `eni-…`, `sg-…`, `acl-…`).
    pub kind: &'static str,
    /// The text, as written.
    pub text: String,
    /// The filter a click adds, as `(column, value)`; `addr` stands for either address.
    pub filter: Option<(String, String)>,
}

/// Lines of segments.
pub type Lines = Vec<Vec<Segment>>;

/// A message's segments as the page's: addresses filter on either end, interfaces on `interface_id`.
pub fn from_message(m: &Message) -> Vec<Segment> {
    m.segments
        .iter()
        .map(|s| {
            let (kind, filter) = match s.kind {
                Kind::Addr if vpcflow_record::values::parse_addr(s.text.as_bytes()).is_some() => {
                    ("addr", Some(("addr".to_string(), s.text.clone())))
                }
                Kind::Id if s.text.starts_with("eni-") => {
                    ("id", Some(("interface_id".to_string(), s.text.clone())))
                }
                Kind::Id | Kind::Rule => ("id", None),
                _ => ("text", None),
            };
            Segment {
                kind,
                text: s.text.clone(),
                filter,
            }
        })
        .collect()
}

fn text_segment(t: &str) -> Segment {
    Segment {
        kind: "text",
        text: t.to_string(),
        filter: None,
    }
}

/// One line being laid out: words and messages in order, adjacent words merged.
#[derive(Default)]
struct Line(Vec<Segment>);

impl Line {
    /// A line indented by `depth` steps.
    fn at(depth: usize) -> Line {
        let mut line = Line::default();
        line.word(&"  ".repeat(depth));
        line
    }

    fn word(&mut self, text: &str) -> &mut Line {
        if text.is_empty() {
            return self;
        }
        match self.0.last_mut() {
            Some(last) if last.kind == "text" => last.text.push_str(text),
            _ => self.0.push(text_segment(text)),
        }
        self
    }

    fn message(&mut self, m: &Message) -> &mut Line {
        for s in from_message(m) {
            if s.kind == "text" {
                self.word(&s.text);
            } else {
                self.0.push(s);
            }
        }
        self
    }

    /// An interface's id, a filter link.
    fn interface(&mut self, id: &str) -> &mut Line {
        self.0.push(Segment {
            kind: "id",
            text: id.to_string(),
            filter: Some(("interface_id".to_string(), id.to_string())),
        });
        self
    }

    fn done(&mut self) -> Vec<Segment> {
        std::mem::take(&mut self.0)
    }
}

/// A connection as the page shows it: its line, when and who, and each interface's records.
pub fn connection_lines(conv: &Conversations, ci: usize, style: &Style) -> Lines {
    let w = style.words();
    let c = &conv.connections[ci];
    let mut out = vec![
        Line::at(0).message(&w.connection(c, ci + 1)).done(),
        Line::at(1).message(&w.when_and_who(c, style)).done(),
    ];
    for leg in &c.legs {
        out.push(Line::at(1).message(&w.leg(leg)).word(":").done());
        for (label, records) in [
            (Label::RequestRecord, &leg.request),
            (Label::ReplyRecord, &leg.reply),
        ] {
            for &f in records {
                let mut line = Line::at(2);
                line.word(w.label(label)).word(" ");
                out.push(line.message(&w.flow(&conv.flows[f])).done());
            }
        }
    }
    out
}

/// A diagnosis as the page shows it: the connection, its evidence, the reading of the records, what would decide,
/// and the configuration's answer with the smallest fix.
pub fn diagnosis_lines(conv: &Conversations, d: &Diagnosis, style: &Style) -> Lines {
    let w = style.words();
    let c = &conv.connections[d.connection];
    let mut out = vec![
        Line::at(0)
            .message(&w.connection(c, d.connection + 1))
            .done(),
        Line::at(1).message(&w.when_and_who(c, style)).done(),
        Line::at(1).word(w.label(Label::Evidence)).done(),
    ];
    for f in conv.flows_of(c) {
        out.push(Line::at(2).message(&w.flow(f)).done());
    }
    out.push(Line::at(1).word(w.label(Label::FromTheLogs)).done());
    for f in &d.findings {
        let mut line = Line::at(2);
        line.word(w.confidence(f.confidence)).word(": ");
        out.push(line.message(&w.finding(f, c)).done());
        for r in &f.reasons {
            out.push(Line::at(3).word("- ").message(&w.reason(r, style)).done());
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
        out.push(Line::at(2).word(w.label(label)).done());
        for n in &d.needed {
            out.push(Line::at(3).word("- ").message(&w.needed(*n)).done());
        }
    }
    for cf in &d.config {
        config_lines(&mut out, cf, style);
    }
    out
}

/// The configuration's answer for one interface of a diagnosis.
fn config_lines(out: &mut Lines, cf: &ConfigFinding, style: &Style) {
    let w = style.words();
    let mut head = Line::at(1);
    head.word(w.label(Label::FromTheConfiguration)).word(" (");
    out.push(head.interface(&cf.interface).word("):").done());
    if let Some(why) = &cf.undecided {
        let mut line = Line::at(2);
        line.word(w.label(Label::NotEvaluated)).word(" ");
        out.push(line.message(&w.undecided(why)).done());
        return;
    }
    if cf
        .packets
        .first()
        .is_some_and(|p| matches!(p.protocol, 1 | 58))
    {
        out.push(Line::at(2).word(w.label(Label::IcmpEvaluatedAsPing)).done());
    }
    for (label, v, p) in [
        (Label::Request, cf.request.as_ref(), cf.packets.first()),
        (Label::Reply, cf.reply.as_ref(), cf.packets.get(1)),
    ] {
        let (Some(v), Some(p)) = (v, p) else {
            continue;
        };
        let mut line = Line::at(2);
        line.word(w.label(label))
            .word(" (")
            .word(w.direction(p.direction));
        out.push(line.word("):").done());
        steps(out, v, p, style);
    }
    match (&cf.decided_by, cf.agreement) {
        (Some((which, step)), agreement) => {
            out.push(
                Line::at(2)
                    .message(&w.dropped_by(*which, &step.control))
                    .done(),
            );
            if agreement == Agreement::Differs {
                out.push(Line::at(2).word(w.label(Label::ConfigDiffers)).done());
            }
            if let Some(fix) = &step.fix {
                let mut line = Line::at(2);
                line.word(w.label(Label::Fix)).word(" ");
                out.push(line.message(&w.fix(fix)).done());
            }
        }
        (None, Agreement::ConfigAllows) => {
            out.push(Line::at(2).word(w.label(Label::ConfigAllows)).done());
        }
        (None, _) => out.push(Line::at(2).word(w.label(Label::ConfigUndecided)).done()),
    }
}

/// Each step a packet went through, with its outcome.
fn steps(out: &mut Lines, v: &Verdict, p: &Packet, style: &Style) {
    let w = style.words();
    for s in &v.steps {
        let mut line = Line::at(3);
        line.word(w.outcome(s.outcome)).word(" ");
        out.push(line.message(&w.step(s, p)).done());
    }
}

/// Everything said about one record.
#[derive(Debug, Serialize)]
pub struct About {
    /// The row.
    pub row: u32,
    /// The explanation of the record.
    pub explanation: Lines,
    /// The connection it belongs to (both directions), when it has one.
    pub connection: Option<Lines>,
    /// The diagnosis, for a rejected connection.
    pub diagnosis: Option<Lines>,
    /// The records of the connection (row numbers), the evidence.
    pub evidence: Vec<u32>,
}

/// The words for `row`: the record explained, its connection found among the rows near it, and its diagnosis
/// with `model` (or from the records alone).
#[allow(clippy::too_many_arguments)]
pub fn about(
    cache: &Cache,
    tables: &crate::sql::Tables,
    model: Option<&VpcModel>,
    ranges: &Arc<vpcflow_catalog::AwsRanges>,
    row: u32,
    lang: Lang,
    tz: &jiff::tz::TimeZone,
    threads: usize,
) -> datafusion::error::Result<Option<About>> {
    let Some(record) = flows::record(cache, row) else {
        return Ok(None);
    };
    let own = flows::location(cache, row);
    let explainer = Explainer::new(lang, tz.clone(), ranges.clone());
    let e = explainer.explain(&record, &own);
    let explanation: Lines = std::iter::once(&e.headline)
        .chain(e.notes.iter())
        .map(from_message)
        .collect();
    let mut about = About {
        row,
        explanation,
        connection: None,
        diagnosis: None,
        evidence: Vec::new(),
    };
    let near = flows::neighbours(cache, tables, row, 900, 5000, threads)?;
    let mut list = Vec::new();
    // Each flow's row, by the location it was made with (unique per row: it names the row).
    let mut rows = std::collections::HashMap::new();
    for r in near {
        let location = flows::location(cache, r);
        if let Some(rec) = flows::record(cache, r)
            && let Some(f) = Flow::from_record(&rec, &location)
        {
            list.push(f);
            rows.insert(location, r);
        }
    }
    let conv = Conversations::build(list);
    let Some(mine) = conv.flows.iter().position(|f| f.location == own) else {
        return Ok(Some(about));
    };
    let Some(ci) = conv.connections.iter().position(|c| {
        c.legs
            .iter()
            .any(|l| l.request.contains(&mine) || l.reply.contains(&mine))
    }) else {
        return Ok(Some(about));
    };
    let style = Style {
        lang,
        tz: tz.clone(),
    };
    let one = Conversations {
        flows: conv.flows.clone(),
        connections: vec![conv.connections[ci].clone()],
        own_addr: conv.own_addr.clone(),
    };
    about.connection = Some(connection_lines(&one, 0, &style));
    about.evidence = conv
        .flows_of(&conv.connections[ci])
        .filter_map(|f| rows.get(&f.location).copied())
        .collect();
    about.evidence.sort_unstable();
    about.evidence.dedup();
    if let Some(d) = diagnose(&conv, model)
        .into_iter()
        .find(|d| d.connection == ci)
    {
        about.diagnosis = Some(diagnosis_lines(&conv, &d, &style));
    }
    Ok(Some(about))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_segments_because_the_renderer_said_so() {
        let mut m = Message::new();
        m.text("10.0.0.5 in words, then ")
            .push(Kind::Addr, "10.0.0.6")
            .text(" via ")
            .push(Kind::Id, "eni-0322957cfa6bc9585")
            .text(" <b>x</b>");
        let mut line = Line::at(1);
        line.word("label ").message(&m).word(":");
        let line = line.done();
        let kinds: Vec<(&str, &str)> = line.iter().map(|s| (s.kind, s.text.as_str())).collect();
        assert_eq!(
            kinds,
            [
                ("text", "  label 10.0.0.5 in words, then "),
                ("addr", "10.0.0.6"),
                ("text", " via "),
                ("id", "eni-0322957cfa6bc9585"),
                ("text", " <b>x</b>:"),
            ]
        );
        assert_eq!(line[1].filter, Some(("addr".into(), "10.0.0.6".into())));
        assert_eq!(
            line[3].filter,
            Some(("interface_id".into(), "eni-0322957cfa6bc9585".into()))
        );
    }
}
