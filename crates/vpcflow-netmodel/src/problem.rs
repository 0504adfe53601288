//! What can be wrong in a saved configuration, as data: the place ([`Location`]: file and JSON path) and the fact
//! with its values ([`ConfigIssue`], a stable code). The sentences are vpcflow-explain's, once per language; a
//! program (`diagnose --output json`, the dashboard) gets the code and the values.

use serde::Serialize;
use serde_json::Value;
use std::fmt;
use vpcflow_record::Location;

/// Something in the configuration that could not be read, and where.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ConfigProblem {
    /// The file, as given, and the JSON path of the value (`$.NetworkAcls[0].Entries[2].RuleNumber`; `$` for
    /// the whole document).
    #[serde(flatten)]
    pub location: Location,
    /// What is wrong.
    #[serde(flatten)]
    pub issue: ConfigIssue,
}

/// The stable code after the place: the words are the renderers' (`vpcflow_explain::render`), in the reader's
/// language.
impl fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.issue.code())
    }
}

/// What is wrong with a document or a value in it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "code", rename_all = "kebab-case")]
pub enum ConfigIssue {
    /// The file could not be read.
    CannotRead {
        /// The system's reason.
        error: String,
    },
    /// The file is not JSON (the location has the line and column).
    InvalidJson {
        /// The JSON parser's reason, without its position.
        error: String,
    },
    /// The document is JSON but not an object, as the AWS CLI prints.
    NotAnObject {
        /// What it is instead.
        found: Found,
    },
    /// An object without any of the top-level keys of `aws ec2 describe-*` output.
    NotDescribeOutput {
        /// The keys that would have been recognised.
        known: &'static [&'static str],
    },
    /// A value of the wrong JSON type.
    WrongType {
        /// What was expected.
        expected: Expected,
        /// What was there.
        found: Found,
    },
    /// A required key is absent; any one of `keys` would do.
    Missing {
        /// The keys (usually one).
        keys: Vec<&'static str>,
        /// When it is required only for some values, or a hint at what it says.
        #[serde(skip_serializing_if = "Option::is_none")]
        hint: Option<MissingHint>,
    },
    /// Text that is not a CIDR block.
    NotCidr {
        /// The text.
        text: String,
    },
    /// Text that is not an IP address.
    NotIp {
        /// The text.
        text: String,
    },
    /// Text that is not a protocol (`-1`, `tcp`, `udp`, `icmp`, `icmpv6` or 0-255).
    NotProtocol {
        /// The text.
        text: String,
    },
    /// A network ACL rule number outside 1-32767.
    NotRuleNumber {
        /// The number.
        number: i64,
    },
    /// A word that is not one of the two AWS writes there.
    NeitherOf {
        /// The text.
        text: String,
        /// The two words AWS writes.
        allowed: [&'static str; 2],
    },
    /// A security group rule's `FromPort` and `ToPort` that are not a port range.
    NotPortRange {
        /// `FromPort`, when there.
        from: Option<i64>,
        /// `ToPort`, when there.
        to: Option<i64>,
    },
    /// A network ACL rule's `PortRange` whose `From` and `To` are not ports 0-65535 with From <= To.
    BadPortRange,
    /// `get-managed-prefix-list-entries` output whose file name does not carry the list's `pl-…` id.
    UnnamedPrefixList,
}

/// Why a missing key was required, or what it would have said.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MissingHint {
    /// `Egress`: true for outbound rules, false for inbound.
    EgressMeaning,
    /// `PortRange`: required for TCP and UDP rules.
    RequiredForTcpUdp,
}

/// A JSON type that was expected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Expected {
    /// A string.
    String,
    /// A whole number.
    WholeNumber,
    /// `true` or `false`.
    Bool,
    /// An array.
    Array,
    /// A string holding a CIDR block.
    CidrString,
}

/// A JSON value as a problem shows it: scalars with their value, arrays and objects by kind.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "type", content = "value", rename_all = "kebab-case")]
pub enum Found {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, as written.
    Number(String),
    /// A string.
    String(String),
    /// An array.
    Array,
    /// An object.
    Object,
}

impl Found {
    /// What `v` is.
    pub fn of(v: &Value) -> Found {
        match v {
            Value::Null => Found::Null,
            Value::Bool(b) => Found::Bool(*b),
            Value::Number(n) => Found::Number(n.to_string()),
            Value::String(s) => Found::String(s.clone()),
            Value::Array(_) => Found::Array,
            Value::Object(_) => Found::Object,
        }
    }
}

impl ConfigIssue {
    /// The stable code (the `code` of the JSON form).
    pub fn code(&self) -> &'static str {
        match self {
            ConfigIssue::CannotRead { .. } => "cannot-read",
            ConfigIssue::InvalidJson { .. } => "invalid-json",
            ConfigIssue::NotAnObject { .. } => "not-an-object",
            ConfigIssue::NotDescribeOutput { .. } => "not-describe-output",
            ConfigIssue::WrongType { .. } => "wrong-type",
            ConfigIssue::Missing { .. } => "missing",
            ConfigIssue::NotCidr { .. } => "not-cidr",
            ConfigIssue::NotIp { .. } => "not-ip",
            ConfigIssue::NotProtocol { .. } => "not-protocol",
            ConfigIssue::NotRuleNumber { .. } => "not-rule-number",
            ConfigIssue::NeitherOf { .. } => "neither-of",
            ConfigIssue::NotPortRange { .. } => "not-port-range",
            ConfigIssue::BadPortRange => "bad-port-range",
            ConfigIssue::UnnamedPrefixList => "unnamed-prefix-list",
        }
    }

    /// The JSON parser's error in `file`, at the line and column it gives (its own ` at line L column C` is
    /// left to the location).
    pub fn invalid_json(file: &str, e: &serde_json::Error) -> ConfigProblem {
        let (line, column) = (e.line(), e.column());
        let text = e.to_string();
        let error = text
            .strip_suffix(&format!(" at line {line} column {column}"))
            .map_or(text.clone(), str::to_string);
        ConfigProblem {
            location: Location::file(file).column(line as u64, column as u32),
            issue: ConfigIssue::InvalidJson { error },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_code_place_and_values() {
        let p = ConfigProblem {
            location: Location::file("sg.json")
                .json("$.SecurityGroups[0].IpPermissions[1].FromPort"),
            issue: ConfigIssue::WrongType {
                expected: Expected::WholeNumber,
                found: Found::String("eighty".into()),
            },
        };
        assert_eq!(
            serde_json::to_string(&p).unwrap(),
            r#"{"file":"sg.json","json_path":"$.SecurityGroups[0].IpPermissions[1].FromPort","code":"wrong-type","expected":"whole-number","found":{"type":"string","value":"eighty"}}"#
        );
        assert_eq!(
            p.to_string(),
            "sg.json: $.SecurityGroups[0].IpPermissions[1].FromPort: wrong-type"
        );
    }

    #[test]
    fn json_errors_keep_their_place_once() {
        let e = serde_json::from_str::<Value>("{\n  \"a\": tru }").unwrap_err();
        let p = ConfigIssue::invalid_json("rt.json", &e);
        assert_eq!(p.location.to_string(), "rt.json:2:11");
        assert_eq!(
            p.issue,
            ConfigIssue::InvalidJson {
                error: "expected ident".into()
            }
        );
    }
}
