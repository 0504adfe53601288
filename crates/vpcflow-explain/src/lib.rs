//! Words for flow log records: what a record means, said the way an experienced engineer would say it, in
//! English or Japanese.
//!
//! The seeds show people reading records field by field, converting Unix seconds by hand, guessing which side is
//! the instance, and looking addresses up on web sites. [`Explainer`] does that reading once, well: who sent what
//! to whom (address, port, interface), the protocol and service, request or response, allowed or rejected and
//! the likely reason, when and for how long, how much, and who at AWS owns the public addresses. The result is
//! both prose ([`Explanation::text`]) and the same facts as data ([`Explanation`] serializes to JSON), so that
//! the CLI can print either.
//!
//! The facts it names things from (protocols, ports, AWS's ranges) are in `vpcflow-catalog`; [`regions`] holds
//! the regions' everyday names, which are words in each language.

mod explain;
pub mod regions;
pub mod words;

pub use explain::{Endpoint, EndpointOwner, Explanation, Note, Protocol, Role};
use vpcflow_catalog::AwsRanges;
pub use words::Style;

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
    lang: Lang,
    tz: jiff::tz::TimeZone,
    ranges: Arc<AwsRanges>,
}

impl Explainer {
    /// An explainer writing `lang`, showing times in `tz`, and naming AWS owners from `ranges`.
    pub fn new(lang: Lang, tz: jiff::tz::TimeZone, ranges: Arc<AwsRanges>) -> Explainer {
        Explainer { lang, tz, ranges }
    }

    /// The language of the prose.
    pub fn lang(&self) -> Lang {
        self.lang
    }

    /// The time zone times are shown in.
    pub fn time_zone(&self) -> &jiff::tz::TimeZone {
        &self.tz
    }

    /// The AWS ranges used for ownership.
    pub fn ranges(&self) -> &Arc<AwsRanges> {
        &self.ranges
    }

    /// Explains one record. `location` (for example `examples/aws-docs.log:12`) says where the record came
    /// from; it starts the text and is kept in the JSON so that a reader can go back to the line.
    pub fn explain(&self, record: &vpcflow_record::Record, location: &str) -> Explanation {
        explain::explain(self, record, location)
    }
}
