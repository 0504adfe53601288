//! The words the page shows about a record: its explanation, its connection and, when rejected, its diagnosis,
//! in English or Japanese, as lines of typed segments (text, address, interface, rule) that the page inserts as
//! text and turns into filter links.
//!
//! A record's explanation comes as `vpcflow_explain` messages, whose typed segments map onto the page's
//! ([`from_message`]). The connection and the diagnosis are taken as the terminal's text for now, and
//! [`segments`] finds the addresses and AWS ids in it; rendering their messages directly would retire it.

use crate::cache::Cache;
use crate::flows;
use regex::Regex;
use serde::Serialize;
use std::sync::{Arc, OnceLock};
use vpcflow_diagnose::{Conversations, Flow, diagnose};
use vpcflow_explain::message::Kind;
use vpcflow_explain::{Explainer, Lang, Message, Style};
use vpcflow_netmodel::VpcModel;

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

fn pattern() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(concat!(
            r"(?P<id>\b(?:eni|sg|acl|rtb|subnet|vpc|igw|nat|tgw|pcx|vpce|i)-[0-9a-f]{8,17}\b)",
            r"|(?P<v4>\b(?:\d{1,3}\.){3}\d{1,3}\b)",
            r"|(?P<v6>\b[0-9a-fA-F]{1,4}(?::[0-9a-fA-F]{0,4}){2,7}\b)"
        ))
        .expect("valid pattern")
    })
}

/// Prose as lines of segments: addresses and AWS ids become their own segments with a filter.
pub fn segments(text: &str) -> Lines {
    text.lines()
        .map(|line| {
            let mut out = Vec::new();
            let mut at = 0;
            for m in pattern().captures_iter(line) {
                let whole = m.get(0).expect("a match");
                let (kind, filter) = if let Some(id) = m.name("id") {
                    let column = if id.as_str().starts_with("eni-") {
                        Some("interface_id")
                    } else {
                        None
                    };
                    (
                        "id",
                        column.map(|c| (c.to_string(), id.as_str().to_string())),
                    )
                } else {
                    let t = whole.as_str();
                    if vpcflow_record::values::parse_addr(t.as_bytes()).is_none() {
                        continue;
                    }
                    ("addr", Some(("addr".to_string(), t.to_string())))
                };
                if whole.start() > at {
                    out.push(text_segment(&line[at..whole.start()]));
                }
                out.push(Segment {
                    kind,
                    text: whole.as_str().to_string(),
                    filter,
                });
                at = whole.end();
            }
            if at < line.len() || out.is_empty() {
                out.push(text_segment(&line[at..]));
            }
            out
        })
        .collect()
}

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
    for r in near {
        if let Some(rec) = flows::record(cache, r)
            && let Some(f) = Flow::from_record(&rec, &flows::location(cache, r))
        {
            list.push(f);
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
    about.connection = Some(segments(
        vpcflow_explain::text::conversations(&one, &style).trim_end(),
    ));
    about.evidence = conv
        .flows_of(&conv.connections[ci])
        .filter_map(|f| row_of(&f.location))
        .collect();
    about.evidence.sort_unstable();
    about.evidence.dedup();
    if let Some(d) = diagnose(&conv, model)
        .into_iter()
        .find(|d| d.connection == ci)
    {
        about.diagnosis = Some(segments(
            vpcflow_explain::text::diagnoses(&conv, std::slice::from_ref(&d), &style).trim_end(),
        ));
    }
    Ok(Some(about))
}

/// The row number in a location made by [`flows::location`].
fn row_of(location: &str) -> Option<u32> {
    let (_, tail) = location.rsplit_once("row ")?;
    tail.trim_end_matches(')').parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_and_ids_become_segments() {
        let lines =
            segments("10.0.0.5 sent to eni-0322957cfa6bc9585 <b>x</b>\nsecond 2001:db8::1 line");
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0][0].kind, "addr");
        assert_eq!(lines[0][0].filter, Some(("addr".into(), "10.0.0.5".into())));
        assert_eq!(lines[0][1].text, " sent to ");
        assert_eq!(
            lines[0][2].filter,
            Some(("interface_id".into(), "eni-0322957cfa6bc9585".into()))
        );
        assert_eq!(lines[0][3].text, " <b>x</b>");
        assert_eq!(lines[1][1].text, "2001:db8::1");
        assert_eq!(row_of("a.log (row 17)"), Some(17));
    }
}
