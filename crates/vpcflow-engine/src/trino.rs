//! The date and time functions of Athena's SQL (Trino) that DataFusion does not have, so that AWS's own example
//! queries run unchanged. The first query AWS's Athena guide for flow logs gives is
//! `SELECT day_of_week(date) AS day, date, interface_id, srcaddr, action, protocol FROM vpc_flow_logs WHERE
//! action = 'REJECT' AND protocol = 6 LIMIT 100`.
//!
//! The field functions take a date or a timestamp (a zoned timestamp is read in its zone) and return a `BIGINT`,
//! with Trino's meaning: `day_of_week` is ISO (Monday 1 … Sunday 7), `week` is the ISO week and `year_of_week`
//! its year. A Unix time such as `start` becomes a timestamp with `from_unixtime(start)`, as in Athena.
//! `date(x)` is `CAST(x AS DATE)`, and `date_format(x, format)` takes MySQL's specifiers (`%i` minutes, `%s`
//! seconds, …) as Athena does, where DataFusion's function of that name takes chrono's (`%M` minutes).

use arrow::array::{Array, ArrayRef, StringBuilder};
use arrow::compute::cast;
use arrow::compute::kernels::temporal::{DatePart, date_part};
use arrow::datatypes::DataType;
use arrow::datatypes::TimeUnit;
use arrow::util::display::{ArrayFormatter, FormatOptions};
use datafusion::common::{Result, ScalarValue, exec_err, plan_err};
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
        .chain([
            ScalarUDF::new_from_impl(ToDate {
                signature: Signature::any(1, Volatility::Immutable),
            }),
            ScalarUDF::new_from_impl(DateFormat {
                signature: Signature::any(2, Volatility::Immutable),
            }),
        ])
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
        shaped_like(value, fields)
    }
}

/// `result` as a scalar when `input` was one (a constant argument), else as the array it is.
fn shaped_like(input: &ColumnarValue, result: ArrayRef) -> Result<ColumnarValue> {
    Ok(match input {
        ColumnarValue::Array(_) => ColumnarValue::Array(result),
        ColumnarValue::Scalar(_) => ColumnarValue::Scalar(ScalarValue::try_from_array(&result, 0)?),
    })
}

/// `date(x)`: `CAST(x AS DATE)`.
#[derive(Debug, PartialEq, Eq, Hash)]
struct ToDate {
    signature: Signature,
}

impl ScalarUDFImpl for ToDate {
    fn name(&self) -> &str {
        "date"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        match arg_types {
            [_] => Ok(DataType::Date32),
            _ => plan_err!("date() takes one argument"),
        }
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let [value] = args.args.as_slice() else {
            return plan_err!("date() takes one argument");
        };
        value.cast_to(&DataType::Date32, None)
    }
}

/// `date_format(x, format)` with MySQL's specifiers, as Trino has it.
#[derive(Debug, PartialEq, Eq, Hash)]
struct DateFormat {
    signature: Signature,
}

impl ScalarUDFImpl for DateFormat {
    fn name(&self) -> &str {
        "date_format"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        match arg_types {
            [
                DataType::Date32 | DataType::Date64 | DataType::Timestamp(..) | DataType::Null,
                DataType::Utf8 | DataType::Utf8View | DataType::LargeUtf8,
            ] => Ok(DataType::Utf8),
            [other, _] => plan_err!(
                "date_format() takes a date or a timestamp and a format, not {other}; a Unix time such as \
                 `start` is from_unixtime(start)"
            ),
            _ => plan_err!("date_format() takes two arguments: a date or timestamp, and a format"),
        }
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let [value, format] = args.args.as_slice() else {
            return plan_err!("date_format() takes two arguments");
        };
        let ColumnarValue::Scalar(format) = format else {
            return exec_err!("date_format() takes a constant format");
        };
        let Some(format) = format.try_as_str().flatten() else {
            return Ok(ColumnarValue::Scalar(ScalarValue::Utf8(None)));
        };
        let format = chrono_format(format)?;
        let mut array = value.to_array(args.number_rows)?;
        // Trino formats a date as its midnight, so that `%H` works on dates too.
        if matches!(array.data_type(), DataType::Date32 | DataType::Date64) {
            array = cast(&array, &DataType::Timestamp(TimeUnit::Second, None))?;
        }
        let options = FormatOptions::default()
            .with_timestamp_format(Some(&format))
            .with_timestamp_tz_format(Some(&format));
        let formatter = ArrayFormatter::try_new(array.as_ref(), &options)?;
        let mut out = StringBuilder::with_capacity(array.len(), array.len() * format.len());
        for i in 0..array.len() {
            if array.is_null(i) {
                out.append_null();
                continue;
            }
            let mut text = String::new();
            if std::fmt::Write::write_fmt(&mut text, format_args!("{}", formatter.value(i)))
                .is_err()
            {
                return exec_err!("date_format(): cannot format row {i} with {format}");
            }
            out.append_value(text);
        }
        shaped_like(value, std::sync::Arc::new(out.finish()))
    }
}

/// A MySQL/Trino `date_format` format in chrono's specifiers. Trino refuses `%D %U %u %V %w %X`; so does this.
fn chrono_format(mysql: &str) -> Result<String> {
    let mut out = String::with_capacity(mysql.len() + 8);
    let mut chars = mysql.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let spec = match chars.next() {
            Some('a') => "%a",
            Some('b') => "%b",
            Some('c') => "%-m",
            Some('d') => "%d",
            Some('e') => "%-d",
            Some('f') => "%6f",
            Some('H') => "%H",
            Some('h') | Some('I') => "%I",
            Some('i') => "%M",
            Some('j') => "%j",
            Some('k') => "%-H",
            Some('l') => "%-I",
            Some('M') => "%B",
            Some('m') => "%m",
            Some('p') => "%p",
            Some('r') => "%I:%M:%S %p",
            Some('S') | Some('s') => "%S",
            Some('T') => "%H:%M:%S",
            Some('v') => "%V",
            Some('W') => "%A",
            Some('x') => "%G",
            Some('Y') => "%Y",
            Some('y') => "%y",
            Some('%') => "%%",
            Some(other) => {
                return plan_err!("date_format(): %{other} is not a specifier Athena knows");
            }
            None => return plan_err!("date_format(): the format ends with a lone %"),
        };
        out.push_str(spec);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::chrono_format;

    #[test]
    fn mysql_specifiers_become_chrono_ones() {
        assert_eq!(
            chrono_format("%Y-%m-%d %H:%i:%s").unwrap(),
            "%Y-%m-%d %H:%M:%S"
        );
        assert_eq!(
            chrono_format("%c/%e %l%p %% %T").unwrap(),
            "%-m/%-d %-I%p %% %H:%M:%S"
        );
        assert_eq!(
            chrono_format("week %v of %x, %W %M").unwrap(),
            "week %V of %G, %A %B"
        );
        assert!(chrono_format("%D").is_err());
        assert!(chrono_format("100%").is_err());
    }
}
