//! The date and time functions of Athena's SQL (Trino) that DataFusion does not have, so that AWS's own example
//! queries run unchanged. The first query AWS's Athena guide for flow logs gives is
//! `SELECT day_of_week(date) AS day, date, interface_id, srcaddr, action, protocol FROM vpc_flow_logs WHERE
//! action = 'REJECT' AND protocol = 6 LIMIT 100`.
//!
//! Each takes a date or a timestamp (a zoned timestamp is read in its zone) and returns a `BIGINT`, with Trino's
//! meaning: `day_of_week` is ISO (Monday 1 … Sunday 7), `week` is the ISO week and `year_of_week` its year. A
//! Unix time such as `start` becomes a timestamp with `from_unixtime(start)`, as in Athena.

use arrow::array::{Array, ArrayRef};
use arrow::compute::cast;
use arrow::compute::kernels::temporal::{DatePart, date_part};
use arrow::datatypes::DataType;
use datafusion::common::{Result, ScalarValue, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

/// Every Trino date function, ready to register.
pub fn all() -> Vec<ScalarUDF> {
    FUNCTIONS
        .iter()
        .map(|(name, aliases, part)| {
            ScalarUDF::new_from_impl(DateField {
                name,
                aliases: aliases.iter().map(|a| a.to_string()).collect(),
                part: *part,
                signature: Signature::any(1, Volatility::Immutable),
            })
        })
        .collect()
}

/// Name, Trino's other names for it, and the field it extracts.
const FUNCTIONS: &[(&str, &[&str], DatePart)] = &[
    ("year", &[], DatePart::Year),
    ("quarter", &[], DatePart::Quarter),
    ("month", &[], DatePart::Month),
    ("week", &["week_of_year"], DatePart::WeekISO),
    ("year_of_week", &["yow"], DatePart::YearISO),
    ("day", &["day_of_month"], DatePart::Day),
    ("day_of_week", &["dow"], DatePart::DayOfWeekMonday1),
    ("day_of_year", &["doy"], DatePart::DayOfYear),
    ("hour", &[], DatePart::Hour),
    ("minute", &[], DatePart::Minute),
    ("second", &[], DatePart::Second),
];

/// One field of a date or timestamp, as a `BIGINT`. The name says which (equality and hashing go by it).
#[derive(Debug)]
struct DateField {
    name: &'static str,
    aliases: Vec<String>,
    part: DatePart,
    signature: Signature,
}

impl PartialEq for DateField {
    fn eq(&self, other: &DateField) -> bool {
        self.name == other.name
    }
}

impl Eq for DateField {}

impl std::hash::Hash for DateField {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.name.hash(state);
    }
}

impl ScalarUDFImpl for DateField {
    fn name(&self) -> &str {
        self.name
    }

    fn aliases(&self) -> &[String] {
        &self.aliases
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        match arg_types {
            [DataType::Date32 | DataType::Date64 | DataType::Timestamp(..) | DataType::Null] => {
                Ok(DataType::Int64)
            }
            [other] => plan_err!(
                "{}() takes a date or a timestamp, not {other}; a Unix time such as `start` is \
                 from_unixtime(start)",
                self.name
            ),
            _ => plan_err!("{}() takes one argument", self.name),
        }
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let [value] = args.args.as_slice() else {
            return plan_err!("{}() takes one argument", self.name);
        };
        let array = value.to_array(args.number_rows)?;
        let fields: ArrayRef = if array.data_type() == &DataType::Null {
            arrow::array::new_null_array(&DataType::Int64, array.len())
        } else {
            cast(&date_part(array.as_ref(), self.part)?, &DataType::Int64)?
        };
        Ok(match value {
            ColumnarValue::Array(_) => ColumnarValue::Array(fields),
            ColumnarValue::Scalar(_) => {
                ColumnarValue::Scalar(ScalarValue::try_from_array(&fields, 0)?)
            }
        })
    }
}
