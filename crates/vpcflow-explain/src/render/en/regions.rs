//! Regions' everyday names in English.
//!
//! Region codes are what the logs and `ip-ranges.json` carry, but people say "Osaka", not `ap-northeast-3`; the
//! seeds looked the name up on a web site. Codes whose public name is not certain are left out rather than
//! guessed: the code alone is then shown.

/// `(code, name)`, sorted by code.
const TABLE: &[(&str, &str)] = &[
    ("GLOBAL", "global, not tied to one region"),
    ("af-south-1", "Cape Town"),
    ("ap-east-1", "Hong Kong"),
    ("ap-east-2", "Taipei"),
    ("ap-northeast-1", "Tokyo"),
    ("ap-northeast-2", "Seoul"),
    ("ap-northeast-3", "Osaka"),
    ("ap-south-1", "Mumbai"),
    ("ap-south-2", "Hyderabad"),
    ("ap-southeast-1", "Singapore"),
    ("ap-southeast-2", "Sydney"),
    ("ap-southeast-3", "Jakarta"),
    ("ap-southeast-4", "Melbourne"),
    ("ap-southeast-5", "Malaysia"),
    ("ap-southeast-6", "New Zealand"),
    ("ap-southeast-7", "Thailand"),
    ("ca-central-1", "Canada Central"),
    ("ca-west-1", "Calgary"),
    ("cn-north-1", "Beijing"),
    ("cn-northwest-1", "Ningxia"),
    ("eu-central-1", "Frankfurt"),
    ("eu-central-2", "Zurich"),
    ("eu-north-1", "Stockholm"),
    ("eu-south-1", "Milan"),
    ("eu-south-2", "Spain"),
    ("eu-west-1", "Ireland"),
    ("eu-west-2", "London"),
    ("eu-west-3", "Paris"),
    ("il-central-1", "Tel Aviv"),
    ("me-central-1", "UAE"),
    ("me-south-1", "Bahrain"),
    ("mx-central-1", "Mexico Central"),
    ("sa-east-1", "São Paulo"),
    ("us-east-1", "N. Virginia"),
    ("us-east-2", "Ohio"),
    ("us-gov-east-1", "GovCloud US-East"),
    ("us-gov-west-1", "GovCloud US-West"),
    ("us-west-1", "N. California"),
    ("us-west-2", "Oregon"),
];

/// The everyday name of region `code`, if it is one we know.
pub(super) fn name(code: &str) -> Option<&'static str> {
    TABLE.iter().find(|e| e.0 == code).map(|e| e.1)
}
