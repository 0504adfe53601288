//! A record's reading together with its words in one language: what `vpcflow explain` prints, as text or JSON.
//!
//! The JSON keeps the shape it has always had (so scripts reading `direction`, `role` or `notes[].code` keep
//! working) and adds the facts behind each conclusion: what the direction and the role rest on and how sure they
//! are, what rejected the record, and each note's values beside its sentence.

use crate::message::Message;
use crate::note::{AwsOwner, Note};
use crate::reading::{Endpoint, Instant, Reading, Role};
use crate::render::Style;
use serde::Serialize;
use vpcflow_record::reading::as_inbound;

/// A reading and its words.
#[derive(Clone, Debug)]
pub struct Explanation {
    /// The facts.
    pub reading: Reading,
    /// The headline in the style's language.
    pub headline: Message,
    /// Each note in the style's language, in the order of `reading.notes`.
    pub notes: Vec<Message>,
    /// The whole explanation as text: the location and the headline, then one line per note.
    pub text: String,
    /// The language and zone it was written in.
    pub style: Style,
}

impl Explanation {
    /// The words for `reading` in `style`.
    pub fn new(reading: Reading, style: &Style) -> Explanation {
        let w = style.words();
        let headline = w.headline(&reading, style);
        let notes: Vec<Message> = reading.notes.iter().map(|n| w.note(n, style)).collect();
        let text = crate::text::explanation(&reading, &headline, &notes);
        Explanation {
            reading,
            headline,
            notes,
            text,
            style: style.clone(),
        }
    }
}

#[derive(Serialize)]
struct Json<'a> {
    location: &'a str,
    kind: crate::reading::Kind,
    version: Option<i64>,
    interface: Option<&'a str>,
    account: Option<&'a str>,
    #[serde(serialize_with = "as_inbound::or_unknown")]
    direction: Option<vpcflow_record::Direction>,
    direction_basis: vpcflow_record::reading::DirectionBasis,
    direction_confidence: vpcflow_record::reading::Confidence,
    role: Role,
    role_basis: vpcflow_record::reading::InitiatorBasis,
    role_confidence: vpcflow_record::reading::Confidence,
    src: Option<EndpointJson<'a>>,
    dst: Option<EndpointJson<'a>>,
    protocol: Option<&'a crate::reading::Protocol>,
    service: Option<&'a str>,
    action: Option<vpcflow_record::Action>,
    cause: Option<
        vpcflow_record::reading::Decided<vpcflow_diagnose::Cause, crate::reading::CauseBasis>,
    >,
    log_status: Option<vpcflow_record::LogStatus>,
    start: Option<String>,
    end: Option<String>,
    duration_seconds: Option<f64>,
    packets: Option<i64>,
    bytes: Option<i64>,
    tcp_flags: Option<Vec<String>>,
    notes: Vec<NoteJson<'a>>,
    text: &'a str,
}

#[derive(Serialize)]
struct EndpointJson<'a> {
    addr: Option<&'a str>,
    redacted: bool,
    valid: bool,
    private: bool,
    interface_side: bool,
    port: Option<u16>,
    packet_addr: Option<&'a str>,
    aws_service: Option<&'a str>,
    owner: Option<OwnerJson<'a>>,
}

#[derive(Serialize)]
struct OwnerJson<'a> {
    service: &'a str,
    region: &'a str,
    region_name: Option<&'static str>,
    network_border_group: &'a str,
    prefix: &'a str,
}

#[derive(Serialize)]
struct NoteJson<'a> {
    #[serde(flatten)]
    note: &'a Note,
    text: String,
}

fn endpoint<'a>(e: &'a Endpoint, style: &Style) -> EndpointJson<'a> {
    EndpointJson {
        addr: e.addr.as_deref(),
        redacted: e.redacted,
        valid: e.valid,
        private: e.private,
        interface_side: e.interface_side,
        port: e.port,
        packet_addr: e.packet_addr.as_deref(),
        aws_service: e.aws_service.as_deref(),
        owner: e.owner.as_ref().map(|o: &'a AwsOwner| OwnerJson {
            service: &o.service,
            region: &o.region,
            region_name: style.words().region(&o.region),
            network_border_group: &o.network_border_group,
            prefix: &o.prefix,
        }),
    }
}

/// RFC 3339 in the style's zone.
fn zoned(t: Option<Instant>, style: &Style) -> Option<String> {
    t.map(|t| {
        let z = t.at.to_zoned(style.tz.clone());
        z.timestamp().display_with_offset(z.offset()).to_string()
    })
}

impl Serialize for Explanation {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let r = &self.reading;
        let style = &self.style;
        Json {
            location: &r.location,
            kind: r.kind,
            version: r.version,
            interface: r.interface.as_deref(),
            account: r.account.as_deref(),
            direction: r.direction.value,
            direction_basis: r.direction.basis,
            direction_confidence: r.direction.confidence,
            role: r.role(),
            role_basis: r.initiator.basis,
            role_confidence: r.initiator.confidence,
            src: r.src.as_ref().map(|e| endpoint(e, style)),
            dst: r.dst.as_ref().map(|e| endpoint(e, style)),
            protocol: r.protocol.as_ref(),
            service: r.service,
            action: r.action,
            cause: r.cause,
            log_status: r.log_status,
            start: zoned(r.start, style),
            end: zoned(r.end, style),
            duration_seconds: r.duration_ms.map(|d| d as f64 / 1000.0),
            packets: r.packets,
            bytes: r.bytes,
            tcp_flags: r.tcp_flags.map(|f| f.names()),
            notes: r
                .notes
                .iter()
                .zip(&self.notes)
                .map(|(note, text)| NoteJson {
                    note,
                    text: text.to_string(),
                })
                .collect(),
            text: &self.text,
        }
        .serialize(s)
    }
}
