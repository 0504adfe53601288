//! Who is on the other end, in SQL: `ip_country(ip)` (country of registration), `ip_asn(ip)` (AS number, an
//! integer), `ip_org(ip)` (the AS's organisation) and `ip_lists(ip)` (the threat lists the address is on, an
//! array), beside `aws_service` and `aws_region`.
//!
//! The data is loaded by name on first use in whatever process runs the plan (the CLI, the dashboard, a cluster
//! executor): the embedded country table, the user's refreshed ASN table or the built-in snapshot, and the threat
//! lists in the user data directory (`vpcflow_catalog::enrich`). Null in, null out; an unparseable address is
//! null, and so is an address nothing is known about.

use arrow::array::{ArrayRef, AsArray, Int64Array, ListBuilder, StringArray, StringBuilder};
use arrow::datatypes::{DataType, Field};
use datafusion::common::{Result, exec_err};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use std::net::IpAddr;
use std::sync::Arc;
use vpcflow_catalog::asn::AsnTable;
use vpcflow_catalog::intel::ListSet;

/// The enrichment functions, ready to register.
pub fn all() -> Vec<ScalarUDF> {
    [Kind::Country, Kind::Asn, Kind::Org, Kind::Lists]
        .into_iter()
        .map(|kind| ScalarUDF::new_from_impl(Enrich::new(kind)))
        .collect()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Kind {
    Country,
    Asn,
    Org,
    Lists,
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct Enrich {
    kind: Kind,
    signature: Signature,
}

impl Enrich {
    fn new(kind: Kind) -> Enrich {
        // Any string type as it comes: the flows table's addresses are views, a literal is Utf8.
        let types = vec![DataType::Utf8View, DataType::Utf8, DataType::LargeUtf8];
        Enrich {
            kind,
            signature: Signature::uniform(1, types, Volatility::Stable),
        }
    }
}

fn list_type() -> DataType {
    DataType::List(Arc::new(Field::new("item", DataType::Utf8, true)))
}

impl ScalarUDFImpl for Enrich {
    fn name(&self) -> &str {
        match self.kind {
            Kind::Country => "ip_country",
            Kind::Asn => "ip_asn",
            Kind::Org => "ip_org",
            Kind::Lists => "ip_lists",
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(match self.kind {
            Kind::Country | Kind::Org => DataType::Utf8,
            Kind::Asn => DataType::Int64,
            Kind::Lists => list_type(),
        })
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let ips = addresses(&arrays[0])?;
        let out: ArrayRef = match self.kind {
            Kind::Country => Arc::new(
                ips.iter()
                    .map(|ip| vpcflow_catalog::country::of((*ip)?))
                    .collect::<StringArray>(),
            ),
            Kind::Asn => {
                let table = AsnTable::load_default();
                Arc::new(
                    ips.iter()
                        .map(|ip| Some(i64::from(table.lookup((*ip)?)?.asn)))
                        .collect::<Int64Array>(),
                )
            }
            Kind::Org => {
                let table = AsnTable::load_default();
                Arc::new(
                    ips.iter()
                        .map(|ip| Some(table.lookup((*ip)?)?.org).filter(|o| !o.is_empty()))
                        .collect::<StringArray>(),
                )
            }
            Kind::Lists => {
                let lists = ListSet::load_default();
                let mut builder = ListBuilder::new(StringBuilder::new());
                for ip in &ips {
                    match ip {
                        Some(ip) => {
                            for info in lists.matches(*ip) {
                                builder.values().append_value(&info.name);
                            }
                            builder.append(true);
                        }
                        None => builder.append(false),
                    }
                }
                Arc::new(builder.finish())
            }
        };
        Ok(ColumnarValue::Array(out))
    }
}

/// The addresses of a string column, `None` where null or not an address.
fn addresses(array: &ArrayRef) -> Result<Vec<Option<IpAddr>>> {
    let parse = |s: Option<&str>| s.and_then(|s| s.trim().parse::<IpAddr>().ok());
    Ok(match array.data_type() {
        DataType::Utf8View => array.as_string_view().iter().map(parse).collect(),
        DataType::Utf8 => array.as_string::<i32>().iter().map(parse).collect(),
        DataType::LargeUtf8 => array.as_string::<i64>().iter().map(parse).collect(),
        other => return exec_err!("expected an address as text, got {other}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_of_every_string_type() {
        let a: ArrayRef = Arc::new(arrow::array::StringViewArray::from(vec![
            Some("1.1.1.1"),
            None,
            Some("nonsense"),
        ]));
        let ips = addresses(&a).unwrap();
        assert_eq!(ips, [Some("1.1.1.1".parse().unwrap()), None, None]);
        let b: ArrayRef = Arc::new(arrow::array::LargeStringArray::from(vec!["::1"]));
        assert_eq!(addresses(&b).unwrap().len(), 1);
        assert!(addresses(&(Arc::new(Int64Array::from(vec![1])) as ArrayRef)).is_err());
    }
}
