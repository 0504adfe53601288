//! Words for flow logs: what a record means, what a connection did and why traffic was rejected, said the way an
//! experienced engineer would say it, in English or Japanese.
//!
//! The seeds show people reading records field by field, converting Unix seconds by hand, guessing which side is
//! the instance, and looking addresses up on web sites. [`Explainer`] does that reading once, well: who sent what
//! to whom (address, port, interface), the protocol and service, request or response, allowed or rejected and
//! the likely reason, when and for how long, how much, and who at AWS owns the public addresses.
//!
//! Facts and words are apart. [`Reading`] is the record's facts, with each note a typed [`Note`] carrying a stable
//! code and its values; `vpcflow-diagnose` and `vpcflow-netmodel` hold the facts about connections, findings and
//! configuration. [`render`] says any of them in a language, once per language (`render/en`, `render/ja`), as
//! [`Message`]s whose segments keep addresses, ports and rule ids apart from the words; [`text`] lays them out
//! for a terminal. The decisions every crate shares (which side is the interface, who initiated) are in
//! `vpcflow_record::reading`; the facts the narratives name things from (protocols, ports, AWS's ranges) are in
//! `vpcflow-catalog`.

mod explanation;
pub mod message;
pub mod note;
pub mod reading;
pub mod render;
pub mod text;

pub use explanation::Explanation;
pub use message::{Message, Segment};
pub use note::{Code, Note};
pub use reading::{Endpoint, Protocol, Reading, Role};
pub use render::{Style, Words, words};
use vpcflow_catalog::AwsRanges;

use std::collections::BTreeMap;
use std::sync::Arc;

/// The language of the prose.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// English.
    En,
    /// Japanese, phrased like the Japanese write-ups in the seeds.
    Ja,
}

impl Lang {
    /// Reads `en`, `ja` (and `english`, `japanese`, `jp`, any case).
    pub fn from_code(code: &str) -> Option<Lang> {
        match code.to_ascii_lowercase().as_str() {
            "en" | "english" => Some(Lang::En),
            "ja" | "jp" | "japanese" => Some(Lang::Ja),
            _ => None,
        }
    }
}

/// Explains records in one language and time zone, with one set of AWS ranges. Cheap to clone; build it once
/// and call [`Explainer::explain`] per record.
#[derive(Clone, Debug)]
pub struct Explainer {
    style: Style,
    ranges: Arc<AwsRanges>,
    own: Option<Arc<BTreeMap<String, String>>>,
}

impl Explainer {
    /// An explainer writing `lang`, showing times in `tz`, and naming AWS owners from `ranges`.
    pub fn new(lang: Lang, tz: jiff::tz::TimeZone, ranges: Arc<AwsRanges>) -> Explainer {
        Explainer {
            style: Style { lang, tz },
            ranges,
            own: None,
        }
    }

    /// Also uses each interface's own address as the other records of the input show it
    /// (`vpcflow_record::reading::OwnAddresses`), so that a record whose fields alone do not say which side is the
    /// interface is read the way `conversations` reads it.
    pub fn with_own_addresses(mut self, own: Arc<BTreeMap<String, String>>) -> Explainer {
        self.own = Some(own);
        self
    }

    /// The language of the prose.
    pub fn lang(&self) -> Lang {
        self.style.lang
    }

    /// The time zone times are shown in.
    pub fn time_zone(&self) -> &jiff::tz::TimeZone {
        &self.style.tz
    }

    /// The language and zone.
    pub fn style(&self) -> &Style {
        &self.style
    }

    /// The AWS ranges used for ownership.
    pub fn ranges(&self) -> &Arc<AwsRanges> {
        &self.ranges
    }

    /// Reads one record as facts, without words. `location` (for example `examples/aws-docs.log:12`) says where
    /// the record came from.
    pub fn read(&self, record: &vpcflow_record::Record, location: &str) -> Reading {
        let own = self.own.as_ref().and_then(|own| {
            record
                .text(vpcflow_record::Field::InterfaceId)
                .and_then(|i| own.get(i))
                .map(String::as_str)
        });
        reading::read(&self.ranges, record, location, own)
    }

    /// Explains one record: its reading and the words for it. `location` starts the text and is kept in the JSON
    /// so that a reader can go back to the line.
    pub fn explain(&self, record: &vpcflow_record::Record, location: &str) -> Explanation {
        Explanation::new(self.read(record, location), &self.style)
    }
}
