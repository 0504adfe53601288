//! Record formats: which fields a line holds, in which order.
//!
//! AWS writes the format in three ways and we accept all of them: `${version} ${vpc-id} …` (the console and
//! `aws ec2 create-flow-logs --log-format`), plain names (`version vpc-id …`, the header line of S3 objects), and
//! the Athena column names some people paste (`log_status`). A format is resolved once per file; the parser then
//! works with positions only.

use crate::fields::{Family, Field};
use std::fmt;
use std::sync::Arc;

/// The fields of one record layout, in order.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Format {
    fields: Arc<[Field]>,
}

/// The first 14 fields: what AWS writes when no custom format is chosen.
pub const DEFAULT_FIELDS: [Field; 14] = [
    Field::Version,
    Field::AccountId,
    Field::InterfaceId,
    Field::Srcaddr,
    Field::Dstaddr,
    Field::Srcport,
    Field::Dstport,
    Field::Protocol,
    Field::Packets,
    Field::Bytes,
    Field::Start,
    Field::End,
    Field::Action,
    Field::LogStatus,
];

/// Transit gateway flow logs' default format, in AWS's order.
pub const TRANSIT_GATEWAY_DEFAULT_FIELDS: [Field; 36] = [
    Field::Version,
    Field::ResourceType,
    Field::AccountId,
    Field::TgwId,
    Field::TgwAttachmentId,
    Field::TgwSrcVpcAccountId,
    Field::TgwDstVpcAccountId,
    Field::TgwSrcVpcId,
    Field::TgwDstVpcId,
    Field::TgwSrcSubnetId,
    Field::TgwDstSubnetId,
    Field::TgwSrcEni,
    Field::TgwDstEni,
    Field::TgwSrcAzId,
    Field::TgwDstAzId,
    Field::TgwPairAttachmentId,
    Field::Srcaddr,
    Field::Dstaddr,
    Field::Srcport,
    Field::Dstport,
    Field::Protocol,
    Field::Packets,
    Field::Bytes,
    Field::Start,
    Field::End,
    Field::LogStatus,
    Field::Type,
    Field::PacketsLostNoRoute,
    Field::PacketsLostBlackhole,
    Field::PacketsLostMtuExceeded,
    Field::PacketsLostTtlExpired,
    Field::TcpFlags,
    Field::Region,
    Field::FlowDirection,
    Field::PktSrcAwsService,
    Field::PktDstAwsService,
];

/// Why a format string was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    /// The string names no field at all.
    #[error("the format is empty")]
    Empty,
    /// A name that is not a flow log field.
    #[error("unknown field `{name}` in the format{}", hint(.suggestions))]
    UnknownField {
        /// The name as written.
        name: String,
        /// Known names close to it.
        suggestions: Vec<&'static str>,
    },
    /// A field listed twice.
    #[error("field `{0}` appears twice in the format")]
    Duplicate(Field),
    /// `${` without its `}`.
    #[error("unterminated `${{` in the format near `{0}`")]
    Unterminated(String),
    /// A column of a batch that is not a flow log field ([`Format::from_schema`]).
    #[error("column `{0}` is not a flow log field")]
    NotAField(String),
}

fn hint(suggestions: &[&'static str]) -> String {
    if suggestions.is_empty() {
        String::new()
    } else {
        format!(" (did you mean `{}`?)", suggestions.join("`, `"))
    }
}

impl Format {
    /// A format from a list of fields.
    pub fn new(fields: Vec<Field>) -> Result<Format, FormatError> {
        if fields.is_empty() {
            return Err(FormatError::Empty);
        }
        for (i, f) in fields.iter().enumerate() {
            if fields[..i].contains(f) {
                return Err(FormatError::Duplicate(*f));
            }
        }
        Ok(Format {
            fields: fields.into(),
        })
    }

    /// AWS's default format (version 2, 14 fields).
    pub fn default_v2() -> Format {
        Format {
            fields: DEFAULT_FIELDS.to_vec().into(),
        }
    }

    /// The default format of transit gateway flow logs.
    pub fn transit_gateway_default() -> Format {
        Format {
            fields: TRANSIT_GATEWAY_DEFAULT_FIELDS.to_vec().into(),
        }
    }

    /// Parses `${a} ${b}`, `a b`, `a,b` or a mix; whitespace (including newlines) separates names.
    pub fn parse(text: &str) -> Result<Format, FormatError> {
        let mut fields = Vec::new();
        let mut rest = text;
        loop {
            rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == ',');
            if rest.is_empty() {
                break;
            }
            let name;
            if let Some(after) = rest.strip_prefix("${") {
                let close = after
                    .find('}')
                    .ok_or_else(|| FormatError::Unterminated(after.chars().take(20).collect()))?;
                name = after[..close].trim();
                rest = &after[close + 1..];
            } else {
                let end = rest
                    .find(|c: char| c.is_whitespace() || c == ',' || c == '$')
                    .unwrap_or(rest.len());
                let end = if end == 0 { rest.len().min(1) } else { end };
                name = &rest[..end];
                rest = &rest[end..];
            }
            let field = Field::from_name(name).ok_or_else(|| FormatError::UnknownField {
                name: name.to_string(),
                suggestions: Field::suggest(name),
            })?;
            fields.push(field);
        }
        Format::new(fields)
    }

    /// The fields in order.
    pub fn fields(&self) -> &[Field] {
        &self.fields
    }

    /// How many fields a record of this format has.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// Always false: a format has at least one field.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// Where `field` sits in a record, if the format has it.
    pub fn position(&self, field: Field) -> Option<usize> {
        self.fields.iter().position(|f| *f == field)
    }

    /// Whether the format has `field`.
    pub fn has(&self, field: Field) -> bool {
        self.position(field).is_some()
    }

    /// The version AWS would give records of this format: the highest version among its fields.
    pub fn version(&self) -> u8 {
        self.fields.iter().map(|f| f.since()).max().unwrap_or(2)
    }

    /// Whether this is a transit gateway flow log format.
    pub fn is_transit_gateway(&self) -> bool {
        self.fields
            .iter()
            .any(|f| f.family() == Family::TransitGateway)
    }

    /// The S3 header line: field names separated by single spaces.
    pub fn header_line(&self) -> String {
        self.fields
            .iter()
            .map(|f| f.name())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The format as AWS's `--log-format` string (`${version} ${account-id} …`).
    pub fn aws_format_string(&self) -> String {
        self.fields
            .iter()
            .map(|f| format!("${{{}}}", f.name()))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The format of a batch whose columns are the fields themselves (a Parquet object AWS wrote, the records a
    /// reader or producer made): each column named as a field (AWS, Athena or camelCase name), in order.
    pub fn from_schema(schema: &arrow::datatypes::Schema) -> Result<Format, FormatError> {
        let fields = schema
            .fields()
            .iter()
            .map(|c| {
                Field::from_name(c.name()).ok_or_else(|| FormatError::NotAField(c.name().clone()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Format::new(fields)
    }

    /// Reads a header line (`version account-id …`) if every token of `line` is a field name.
    pub fn from_header(line: &[u8]) -> Option<Format> {
        let text = std::str::from_utf8(line).ok()?.trim();
        if text.is_empty() {
            return None;
        }
        let mut fields = Vec::new();
        for token in text.split_ascii_whitespace() {
            let name = token
                .strip_prefix("${")
                .and_then(|t| t.strip_suffix('}'))
                .unwrap_or(token);
            fields.push(Field::from_name(name)?);
        }
        Format::new(fields).ok()
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.header_line())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_console_form_across_lines() {
        // As pasted in seed 000: the console wraps the format over three lines.
        let f = Format::parse(
            "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol}\n \
             ${packets} ${bytes} ${pkt-srcaddr} ${pkt-src-aws-service} ${pkt-dstaddr} ${pkt-dst-aws-service} \n\
             ${start} ${end} ${log-status}",
        )
        .unwrap();
        assert_eq!(f.len(), 17);
        assert_eq!(f.fields()[10], Field::PktSrcaddr);
        assert_eq!(f.version(), 5);
    }

    #[test]
    fn parses_plain_names_and_athena_names() {
        let f = Format::parse("version vpc-id subnet_id instance-id tcp-flags log-status").unwrap();
        assert_eq!(
            f.fields(),
            &[
                Field::Version,
                Field::VpcId,
                Field::SubnetId,
                Field::InstanceId,
                Field::TcpFlags,
                Field::LogStatus
            ]
        );
        assert_eq!(f.version(), 3);
        assert_eq!(Format::default_v2().version(), 2);
        assert_eq!(Format::transit_gateway_default().version(), 6);
        assert!(Format::transit_gateway_default().is_transit_gateway());
    }

    #[test]
    fn from_the_columns_of_a_batch() {
        let format = Format::transit_gateway_default();
        let schema = crate::schema(format.fields());
        assert_eq!(Format::from_schema(&schema), Ok(format));
        let odd = arrow::datatypes::Schema::new(vec![
            arrow::datatypes::Field::new("srcaddr", arrow::datatypes::DataType::Utf8, true),
            arrow::datatypes::Field::new("aws-region", arrow::datatypes::DataType::Utf8, true),
        ]);
        assert_eq!(
            Format::from_schema(&odd).unwrap_err().to_string(),
            "column `aws-region` is not a flow log field"
        );
    }

    #[test]
    fn refuses_bad_formats_with_a_hint() {
        assert_eq!(
            Format::parse("${version} ${srcadr}")
                .unwrap_err()
                .to_string(),
            "unknown field `srcadr` in the format (did you mean `srcaddr`?)"
        );
        assert_eq!(
            Format::parse("version version").unwrap_err().to_string(),
            "field `version` appears twice in the format"
        );
        assert_eq!(Format::parse("  ").unwrap_err(), FormatError::Empty);
        assert!(matches!(
            Format::parse("${version"),
            Err(FormatError::Unterminated(_))
        ));
    }

    #[test]
    fn header_round_trip() {
        let f = Format::default_v2();
        assert_eq!(
            f.header_line(),
            "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status"
        );
        assert_eq!(
            Format::from_header(f.header_line().as_bytes()),
            Some(f.clone())
        );
        assert_eq!(Format::parse(&f.aws_format_string()), Ok(f));
        assert_eq!(Format::from_header(b"2 123 eni-1"), None);
    }
}
