//! Sentences from facts, once per language.
//!
//! Every fact the crates decide (an explanation's notes and headline, a connection, a finding and what it rests
//! on, a configuration step, a fix) is said by a function of (fact, language, style). Each language is a module of
//! its own ([`en`], [`ja`]) implementing [`Words`]: a language that lacks a method does not compile, and each
//! method matches its fact exhaustively, so a fact without a sentence does not compile either. A native speaker
//! reviews one file per language, and a fact is phrased once, wherever it shows up.
//!
//! Sentences come back as [`Message`]s (segments), so that the dashboard can link an address or escape a log
//! value on its own; a terminal joins them. Layout (indentation, bullets, headings) is not here: the text printer
//! ([`crate::text`]) and the dashboard lay the messages out.

pub mod en;
pub mod ja;

use crate::Lang;
use crate::message::Message;
use crate::note::{Code, Note};
use crate::reading::Reading;
use serde::Serialize;
use vpcflow_diagnose::{Connection, Counts, Finding, Flow, Leg, Needed, Reason, Verdict};
use vpcflow_netmodel::{ConfigProblem, Control, Fix, Packet, PathCheck, Step, StepOutcome};
use vpcflow_record::Direction;
use vpcflow_record::reading::Confidence;

/// How to write: language and time zone.
#[derive(Clone, Debug)]
pub struct Style {
    /// The language.
    pub lang: Lang,
    /// The zone times are shown in.
    pub tz: jiff::tz::TimeZone,
}

impl Style {
    /// The words of the style's language.
    pub fn words(&self) -> &'static dyn Words {
        words(self.lang)
    }

    /// Whether the zone is UTC (shown as `UTC` rather than an offset).
    pub fn is_utc(&self) -> bool {
        self.tz == jiff::tz::TimeZone::UTC
            || matches!(
                self.tz.iana_name(),
                Some("UTC" | "Etc/UTC" | "Etc/UCT" | "UCT" | "Zulu" | "Etc/Zulu")
            )
    }
}

/// A word that the printers put around sentences: a heading, a label, a tag.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Label {
    /// Before the records of a diagnosis.
    Evidence,
    /// Before the findings from the records.
    FromTheLogs,
    /// Before what would name the exact rule, when the cause is certain.
    ToNameTheRule,
    /// Before what would decide, when it is not.
    ToDecide,
    /// Before the configuration's answer for an interface.
    FromTheConfiguration,
    /// Before why the configuration could not be evaluated.
    NotEvaluated,
    /// Flow logs do not record ICMP types, so a ping was evaluated.
    IcmpEvaluatedAsPing,
    /// The request packet.
    Request,
    /// The reply packet.
    Reply,
    /// A request record in a connection's listing (as wide as [`Label::ReplyRecord`]).
    RequestRecord,
    /// A reply record in a connection's listing.
    ReplyRecord,
    /// Before a fix.
    Fix,
    /// The records show the other direction rejected than the configuration does.
    ConfigDiffers,
    /// The configuration would allow what the records show rejected.
    ConfigAllows,
    /// The configuration could not decide.
    ConfigUndecided,
    /// `check`: neither address is an interface of the configuration.
    NothingToEvaluate,
    /// `check`: where a packet is evaluated.
    At,
    /// `check`: the client's port was assumed.
    ClientPortAssumed,
    /// The tag of a step the records contradict (as wide as the outcomes).
    Logged,
    /// Before the groups of `diagnose`'s summary.
    SummaryHeading,
    /// After them: how to see every connection.
    SummaryDetails,
    /// The notes page: its title.
    NotesTitle,
    /// The notes page: what it is.
    NotesIntro,
    /// The notes page: before what a note says.
    What,
    /// The notes page: before why it matters.
    Why,
    /// The notes page: before what to do.
    WhatToDo,
}

/// What a note's code means, why it matters, and what to do about it: the "learn more" of a note, and the
/// generated `docs/notes.md`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Learn {
    /// What the note says.
    pub what: &'static str,
    /// Why it matters.
    pub why: &'static str,
    /// What to do about it.
    pub fix: &'static str,
}

/// The sentences of one language. Implemented once per language ([`en::En`], [`ja::Ja`]).
pub trait Words: Sync {
    // ---- explain ----
    /// One note of an explanation.
    fn note(&self, note: &Note, style: &Style) -> Message;
    /// The headline of an explanation: who sent what to whom, what happened, how much and when.
    fn headline(&self, reading: &Reading, style: &Style) -> Message;
    /// A region's everyday name (`ap-northeast-3` → Osaka).
    fn region(&self, code: &str) -> Option<&'static str>;
    /// What a note's code means, why it matters, what to do.
    fn learn(&self, code: Code) -> Learn;

    // ---- conversations and diagnose ----
    /// A connection's first line: number, protocol, ends, service, verdict.
    fn connection(&self, c: &Connection, number: usize) -> Message;
    /// When, and who initiated on what evidence.
    fn when_and_who(&self, c: &Connection, style: &Style) -> Message;
    /// What happened to a connection, in a word.
    fn verdict(&self, v: Verdict) -> &'static str;
    /// How sure, in a word.
    fn confidence(&self, c: Confidence) -> &'static str;
    /// One interface's view of a connection: the interface, the request's way across it, whether it passes
    /// the packets on.
    fn leg(&self, leg: &Leg) -> Message;
    /// One record, as a line of evidence.
    fn flow(&self, f: &Flow) -> Message;
    /// The count line under `conversations`.
    fn conversations_summary(&self, counts: &Counts) -> Message;
    /// The count line under `diagnose`.
    fn diagnoses_summary(&self, counts: &Counts) -> Message;
    /// A finding: what did it.
    fn finding(&self, f: &Finding, c: &Connection) -> Message;
    /// What a finding rests on.
    fn reason(&self, r: &Reason, style: &Style) -> Message;
    /// Data that would decide.
    fn needed(&self, n: Needed) -> Message;
    /// Why the configuration could not be evaluated for an interface.
    fn undecided(&self, u: &vpcflow_diagnose::Undecided) -> Message;
    /// `→ the reply is dropped by …`.
    fn dropped_by(&self, which: vpcflow_diagnose::Which, control: &Control) -> Message;
    /// A group of rejected connections with one cause: what rejected them, how many, from how many clients, to
    /// how many interfaces, the ports most asked for.
    fn group(&self, g: &vpcflow_diagnose::summary::Group) -> Message;
    /// A group's examples.
    fn examples(&self, e: &[vpcflow_diagnose::summary::Example]) -> Message;
    /// The groups a summary leaves out: how many, of how many connections.
    fn more_groups(&self, groups: usize, connections: usize) -> Message;

    // ---- the configuration ----
    /// One configuration step, for a packet.
    fn step(&self, step: &Step, packet: &Packet) -> Message;
    /// A step that would have stopped a packet before the interface that logged it: the snapshot disagrees with
    /// the log.
    fn contradicted(&self, step: &Step, packet: &Packet) -> Message;
    /// A rule that would have let the packet through but for one thing, with the fixes.
    fn near_miss(&self, near_miss: &vpcflow_netmodel::NearMiss, packet: &Packet) -> Message;
    /// A step's outcome as a tag (`[allow]`), as wide as the others.
    fn outcome(&self, o: StepOutcome) -> &'static str;
    /// The smallest change that would allow the packet.
    fn fix(&self, fix: &Fix) -> Message;
    /// Inbound or outbound.
    fn direction(&self, d: Direction) -> &'static str;
    /// `check`'s first line: the path and the answer.
    fn check_answer(&self, check: &PathCheck, protocol: u8) -> Message;
    /// `check`: an end that is not an interface of the configuration.
    fn outside(&self, addr: std::net::IpAddr) -> Message;
    /// Something in the saved configuration that could not be read: where, and what is wrong.
    fn config_problem(&self, p: &ConfigProblem) -> Message;

    // ---- layout words ----
    /// A heading, a label, a tag.
    fn label(&self, l: Label) -> &'static str;
}

/// The words of `lang`.
pub fn words(lang: Lang) -> &'static dyn Words {
    match lang {
        Lang::En => &en::En,
        Lang::Ja => &ja::Ja,
    }
}

/// A note in `style`'s language.
pub fn note(note: &Note, style: &Style) -> Message {
    style.words().note(note, style)
}

/// Unix seconds `t` in `style`'s zone, as `date_time` (a strftime pattern) says.
pub(crate) fn time(style: &Style, t: i64, date_time: &str) -> String {
    match jiff::Timestamp::from_second(t) {
        Ok(ts) => ts
            .to_zoned(style.tz.clone())
            .strftime(date_time)
            .to_string(),
        Err(_) => t.to_string(),
    }
}

/// A span of Unix seconds: `2015-05-30 01:30:27 – 01:32:22 JST` (the end's date only when it is another day in
/// UTC), the zone by its abbreviation.
pub(crate) fn span(style: &Style, start: i64, end: i64, date_time: &str) -> String {
    let zone = jiff::Timestamp::from_second(start)
        .map(|t| t.to_zoned(style.tz.clone()).strftime("%Z").to_string())
        .unwrap_or_default();
    let end_text = if start / 86400 == end / 86400 {
        time(style, end, "%H:%M:%S")
    } else {
        time(style, end, date_time)
    };
    format!("{} – {end_text} {zone}", time(style, start, date_time))
}

/// `23294588` → `23,294,588`.
pub(crate) fn count(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        out.insert(0, '-');
    }
    out
}

/// A binary-unit size beside large byte counts: ` (22.2 MiB)`; empty below 10 KiB.
pub(crate) fn size(bytes: i64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 10 * 1024 {
        return String::new();
    }
    let mut v = bytes as f64 / 1024.0;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    format!(" ({v:.1} {})", UNITS[unit])
}

/// `[2001:db8::1]:22` for IPv6 so the port is not read as part of the address; `addr:port` otherwise.
pub(crate) fn with_port(m: &mut Message, addr: &str, ipv6: bool, port: Option<u16>) {
    use crate::message::Kind;
    match port {
        Some(p) if ipv6 => {
            m.text("[")
                .push(Kind::Addr, addr)
                .text("]:")
                .push(Kind::Port, p.to_string());
        }
        Some(p) => {
            m.push(Kind::Addr, addr)
                .text(":")
                .push(Kind::Port, p.to_string());
        }
        None => {
            m.push(Kind::Addr, addr);
        }
    }
}

/// An end of a connection: `10.0.0.5:80`, `[2001:db8::1]:443`, or the address alone for a protocol without ports.
pub(crate) fn endpoint(e: &vpcflow_diagnose::Endpoint, protocol: u8) -> Message {
    let mut m = Message::new();
    let port = vpcflow_record::reading::has_ports(protocol).then_some(e.port);
    with_port(&mut m, &e.addr, e.addr.contains(':'), port);
    m
}

/// Another connection, as a finding refers to it: `#3 TCP 10.0.0.5:41234 → 203.0.113.5:443` (without the number
/// when the output has not numbered it).
pub(crate) fn other_connection(
    o: &vpcflow_diagnose::OtherConnection,
    protocol_name: fn(u8) -> String,
) -> Message {
    use crate::message::Kind;
    let mut m = Message::new();
    if let Some(n) = o.number {
        m.text(format!("#{n} "));
    }
    m.push(Kind::Protocol, protocol_name(o.protocol))
        .text(" ")
        .append(endpoint(&o.client, o.protocol))
        .text(" → ")
        .append(endpoint(&o.server, o.protocol));
    m
}

/// `#1 TCP 10.0.0.5:41234 → 203.0.113.5:443 HTTPS`: a connection's number, protocol, ends and service.
pub(crate) fn connection_line(
    c: &Connection,
    n: usize,
    protocol_name: fn(u8) -> String,
) -> Message {
    use crate::message::Kind;
    let mut m = Message::new();
    m.text(format!("#{n} "))
        .push(Kind::Protocol, protocol_name(c.protocol))
        .text(" ")
        .append(endpoint(&c.client, c.protocol))
        .text(" → ")
        .append(endpoint(&c.server, c.protocol));
    if let Some(s) = c.service {
        m.text(" ").push(Kind::Service, s);
    }
    m
}

/// One record as a line of evidence: location, interface, ends, packet addresses, action, then `amounts`
/// (packets and bytes in the language's words), tcp-flags and reject-reason.
pub(crate) fn flow_line(f: &Flow, amounts: impl Fn(i64, i64) -> Message) -> Message {
    use crate::message::Kind;
    let ported = vpcflow_record::reading::has_ports(f.protocol);
    let mut m = Message::new();
    m.push(Kind::Value, &f.location)
        .text("  ")
        .push(Kind::Id, &f.interface)
        .text(" ");
    with_port(
        &mut m,
        &f.src,
        f.src.contains(':'),
        ported.then_some(f.src_port),
    );
    m.text(" → ");
    with_port(
        &mut m,
        &f.dst,
        f.dst.contains(':'),
        ported.then_some(f.dst_port),
    );
    if f.pkt_src.is_some() || f.pkt_dst.is_some() {
        m.text(" (pkt ")
            .push(Kind::Addr, f.packet_src())
            .text(" → ")
            .push(Kind::Addr, f.packet_dst())
            .text(")");
    }
    if let Some(a) = f.action {
        m.text(" ").push(Kind::Value, a.word());
    }
    if let (Some(p), Some(b)) = (f.packets, f.bytes) {
        m.append(amounts(p, b));
    }
    if let Some(flags) = f.tcp_flags {
        m.text(" tcp-flags ").push(Kind::Value, flags.to_string());
    }
    if let Some(r) = &f.reject_reason {
        m.text(" reject-reason ").push(Kind::Value, r);
    }
    m
}

/// Whether a finding is about the reply (one direction accepted and the other rejected, or a rejected reply)
/// rather than about the traffic as a whole.
pub(crate) fn rejects_reply(f: &Finding, c: &Connection) -> bool {
    f.reasons
        .iter()
        .any(|r| matches!(r, Reason::OtherDirectionAccepted | Reason::RejectedIsReply))
        && c.verdict == Verdict::ReplyRejected
}

/// `label id` for each id that is there (`VPC vpc-…`, `subnet subnet-…`), in order.
pub(crate) fn labelled(items: &[(&str, &Option<String>)]) -> Vec<Message> {
    use crate::message::Kind;
    items
        .iter()
        .filter_map(|(label, id)| {
            id.as_ref().map(|id| {
                let mut m = Message::new();
                m.text(*label).push(Kind::Id, id);
                m
            })
        })
        .collect()
}

/// A time in its zone as `pattern` says, with milliseconds when the record had them.
pub(crate) fn clock(z: &jiff::Zoned, i: crate::reading::Instant, pattern: &str) -> String {
    let mut s = z.strftime(pattern).to_string();
    if i.millis {
        s.push_str(&format!(
            ".{:03}",
            z.timestamp().as_millisecond().rem_euclid(1000)
        ));
    }
    s
}

/// The words a port range or an ICMP type needs in a language.
pub(crate) struct PortWords {
    /// `TCP`, `UDP`, or how the language says an unnamed protocol.
    pub protocol_name: fn(u8) -> String,
    /// `(all types)`.
    pub all_types: &'static str,
    /// `echo request ` (with its space).
    pub echo_request: &'static str,
    /// `echo reply `.
    pub echo_reply: &'static str,
}

/// A rule's (or a fix's) protocol and ports: `TCP 80`, `TCP 1024-65535`, `ICMP echo reply (type 0 code 0)`.
pub(crate) fn ports(protocol: u8, ports: &vpcflow_netmodel::PortSpec, w: &PortWords) -> Message {
    use crate::message::Kind;
    use vpcflow_netmodel::PortSpec;
    let mut m = Message::new();
    m.push(Kind::Protocol, (w.protocol_name)(protocol));
    match ports {
        PortSpec::All => {}
        PortSpec::Ports { from, to } if from == to => {
            m.text(" ").push(Kind::Port, from.to_string());
        }
        PortSpec::Ports { from, to } => {
            m.text(" ").push(Kind::Port, format!("{from}-{to}"));
        }
        PortSpec::Icmp { icmp_type, code } => match (icmp_type, code) {
            (None, _) => {
                m.text(" ").text(w.all_types);
            }
            (Some(t), None) => {
                m.text(" type ").push(Kind::Value, t.to_string());
            }
            (Some(t), Some(c)) => {
                let name = match (protocol, t) {
                    (1, 8) | (58, 128) => w.echo_request,
                    (1, 0) | (58, 129) => w.echo_reply,
                    _ => "",
                };
                m.text(" ")
                    .text(name)
                    .text("(type ")
                    .push(Kind::Value, t.to_string())
                    .text(" code ")
                    .push(Kind::Value, c.to_string())
                    .text(")");
            }
        },
    }
    m
}

/// The methods of [`Words`] that only hand over to a language's modules (`notes`, `headline`, `diagnose`,
/// `config`, `learn`, `regions`), the same in every language.
macro_rules! delegate_words {
    () => {
        fn note(&self, note: &Note, style: &Style) -> Message {
            notes::note(note, style)
        }

        fn headline(&self, reading: &Reading, style: &Style) -> Message {
            headline::headline(reading, style)
        }

        fn region(&self, code: &str) -> Option<&'static str> {
            regions::name(code)
        }

        fn learn(&self, code: Code) -> Learn {
            learn::learn(code)
        }

        fn connection(&self, c: &Connection, number: usize) -> Message {
            diagnose::connection(c, number)
        }

        fn when_and_who(&self, c: &Connection, style: &Style) -> Message {
            diagnose::when_and_who(c, style)
        }

        fn leg(&self, leg: &Leg) -> Message {
            diagnose::leg(leg)
        }

        fn flow(&self, f: &Flow) -> Message {
            diagnose::flow(f)
        }

        fn conversations_summary(&self, counts: &Counts) -> Message {
            diagnose::conversations_summary(counts)
        }

        fn diagnoses_summary(&self, counts: &Counts) -> Message {
            diagnose::diagnoses_summary(counts)
        }

        fn finding(&self, f: &Finding, c: &Connection) -> Message {
            diagnose::finding(f, c)
        }

        fn reason(&self, r: &Reason, style: &Style) -> Message {
            diagnose::reason(r, style)
        }

        fn needed(&self, n: Needed) -> Message {
            diagnose::needed(n)
        }

        fn undecided(&self, u: &Undecided) -> Message {
            diagnose::undecided(u)
        }

        fn dropped_by(&self, which: Which, control: &Control) -> Message {
            config::dropped_by(which, control)
        }

        fn step(&self, step: &Step, packet: &Packet) -> Message {
            config::step(step, packet)
        }

        fn fix(&self, fix: &Fix) -> Message {
            config::fix(fix)
        }

        fn contradicted(&self, step: &Step, packet: &Packet) -> Message {
            config::contradicted(step, packet)
        }

        fn near_miss(&self, near_miss: &vpcflow_netmodel::NearMiss, packet: &Packet) -> Message {
            config::near_miss(near_miss, packet)
        }

        fn check_answer(&self, check: &PathCheck, protocol: u8) -> Message {
            config::check_answer(check, protocol)
        }

        fn config_problem(&self, p: &ConfigProblem) -> Message {
            problems::problem(p)
        }

        fn group(&self, g: &vpcflow_diagnose::summary::Group) -> Message {
            summary::group(g)
        }

        fn examples(&self, e: &[vpcflow_diagnose::summary::Example]) -> Message {
            summary::examples(e)
        }

        fn more_groups(&self, groups: usize, connections: usize) -> Message {
            summary::more_groups(groups, connections)
        }
    };
}
pub(crate) use delegate_words;

/// Messages joined with `sep`.
pub(crate) fn join(parts: Vec<Message>, sep: &str) -> Message {
    let mut m = Message::new();
    for (i, p) in parts.into_iter().enumerate() {
        if i > 0 {
            m.text(sep);
        }
        m.append(p);
    }
    m
}

/// Field names (JSON keys) joined with `sep`, each a field segment.
pub(crate) fn fields(keys: &[&str], sep: &str) -> Message {
    let mut m = Message::new();
    for (i, k) in keys.iter().enumerate() {
        if i > 0 {
            m.text(sep);
        }
        m.push(crate::message::Kind::Field, k);
    }
    m
}

/// A value from a file in quotes, escaped as Rust (and JSON) would: `"0.0.0.0/33"`.
pub(crate) fn quoted(s: &str) -> String {
    format!("{s:?}")
}

/// A number, or `-` when absent.
pub(crate) fn number_or_dash(n: Option<i64>) -> String {
    n.map_or("-".into(), |v| v.to_string())
}

/// A port, or `?` when the record does not give it.
pub(crate) fn port_text(p: Option<u16>) -> String {
    p.map(|p| p.to_string()).unwrap_or_else(|| "?".into())
}

/// A unit of a duration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Unit {
    Day,
    Hour,
    Minute,
    Second,
}

/// A duration as the amounts each language names with its units: `1 d 1 h 1 min 1 s`, `1.5 s` (a fraction only
/// under a minute), `0 s`. The flag is whether it is negative.
pub(crate) fn duration_parts(ms: i64) -> (bool, Vec<(String, Unit)>) {
    let negative = ms < 0;
    let ms = ms.unsigned_abs();
    let total = ms / 1000;
    let frac = ms % 1000;
    let (d, h, m, s) = (
        total / 86400,
        total / 3600 % 24,
        total / 60 % 60,
        total % 60,
    );
    let mut parts = Vec::new();
    for (n, unit) in [(d, Unit::Day), (h, Unit::Hour), (m, Unit::Minute)] {
        if n > 0 {
            parts.push((n.to_string(), unit));
        }
    }
    if s > 0 || frac > 0 || parts.is_empty() {
        if frac > 0 && total < 60 {
            let v = format!("{s}.{frac:03}");
            parts.push((v.trim_end_matches('0').to_string(), Unit::Second));
        } else {
            parts.push((s.to_string(), Unit::Second));
        }
    }
    (negative, parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_sizes() {
        assert_eq!(count(23294588), "23,294,588");
        assert_eq!(count(688), "688");
        assert_eq!(count(1000), "1,000");
        assert_eq!(size(688), "");
        assert_eq!(size(23294588), " (22.2 MiB)");
    }
}
