//! Athena's (Trino's) functions between Unix times, ISO 8601 text and timestamps, the ones flow-log queries use
//! to show when a flow started: AWS's own example is
//! `SELECT interface_id, srcaddr, action, protocol, to_iso8601(from_unixtime(start)) AS start_time, … FROM …`.
//!
//! `from_unixtime(t)` is Athena's `timestamp(3) with time zone` in UTC (Athena's session zone), where
//! DataFusion's built-in of that name gives a timestamp without a zone; `from_unixtime(t, zone)` and
//! `from_unixtime(t, hours, minutes)` give it in another zone. `to_iso8601(x)` writes a date as `2021-04-01`
//! and a timestamp as `2021-04-01T12:00:00.000Z`: milliseconds (six digits for a microsecond column), then the
//! zone's offset, `Z` for UTC and nothing for a timestamp without a zone. `from_iso8601_timestamp(text)` reads
//! such text back (UTC when it names no zone) and `from_iso8601_date(text)` reads a date.

use arrow::array::timezone::Tz;
use arrow::array::{Array, ArrayRef, AsArray, Date32Array, StringArray, TimestampMillisecondArray};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Field, FieldRef, Float64Type, Int64Type, TimeUnit};
use datafusion::common::{Result, ScalarValue, exec_err, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
    Volatility,
};
use std::sync::Arc;

/// Every function here, ready to register (`from_unixtime` replaces DataFusion's).
pub fn all() -> Vec<ScalarUDF> {
    vec![
        ScalarUDF::new_from_impl(FromUnixtime {
            signature: Signature::variadic_any(Volatility::Immutable),
        }),
        ScalarUDF::new_from_impl(ToIso8601 {
            signature: Signature::any(1, Volatility::Immutable),
        }),
        ScalarUDF::new_from_impl(FromIso8601 {
            date: false,
            signature: Signature::any(1, Volatility::Immutable),
        }),
        ScalarUDF::new_from_impl(FromIso8601 {
            date: true,
            signature: Signature::any(1, Volatility::Immutable),
        }),
    ]
}

/// `from_unixtime(t[, zone | hours, minutes])`: seconds since the epoch as a zoned timestamp in milliseconds.
#[derive(Debug, PartialEq, Eq, Hash)]
struct FromUnixtime {
    signature: Signature,
}

/// The zone that `from_unixtime`'s arguments after the time name: UTC, a zone, or an offset in hours and minutes.
fn unixtime_zone(args: &[Option<&ScalarValue>]) -> Result<String> {
    let int = |v: Option<&ScalarValue>| -> Option<i64> {
        let v = v?.cast_to(&DataType::Int64).ok()?;
        match v {
            ScalarValue::Int64(n) => n,
            _ => None,
        }
    };
    let zone = match args {
        [] => "UTC".to_string(),
        [zone] => match zone.and_then(|z| z.try_as_str().flatten()) {
            Some(zone) => zone.to_string(),
            None => {
                return plan_err!(
                    "from_unixtime(): the zone must be a constant such as 'Asia/Tokyo'"
                );
            }
        },
        [hours, minutes] => match (int(*hours), int(*minutes)) {
            (Some(h), Some(m)) if (-14..=14).contains(&h) && (-59..=59).contains(&m) => {
                // Trino's offset is hours plus minutes, both carrying the sign (-5, -30 is -05:30).
                let total = h * 60 + m;
                let sign = if total < 0 { '-' } else { '+' };
                format!("{sign}{:02}:{:02}", total.abs() / 60, total.abs() % 60)
            }
            _ => {
                return plan_err!(
                    "from_unixtime(): hours and minutes must be constants of an offset (-14 … 14, -59 … 59)"
                );
            }
        },
        _ => {
            return plan_err!(
                "from_unixtime() takes a Unix time, then optionally a zone or hours and minutes"
            );
        }
    };
    if zone.parse::<Tz>().is_err() {
        return plan_err!("from_unixtime(): unknown time zone `{zone}`");
    }
    Ok(zone)
}

impl ScalarUDFImpl for FromUnixtime {
    fn name(&self) -> &str {
        "from_unixtime"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Timestamp(
            TimeUnit::Millisecond,
            Some("UTC".into()),
        ))
    }

    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        match args.arg_fields.first().map(|f| f.data_type()) {
            Some(t) if t.is_numeric() || t == &DataType::Null => {}
            Some(t) => {
                return plan_err!(
                    "from_unixtime() takes seconds since 1970 (such as `start`), not {t}"
                );
            }
            None => return plan_err!("from_unixtime() takes a Unix time"),
        }
        let zone = unixtime_zone(&args.scalar_arguments[1..])?;
        let ty = DataType::Timestamp(TimeUnit::Millisecond, Some(zone.into()));
        Ok(Arc::new(Field::new(self.name(), ty, true)))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let Some(t) = args.args.first() else {
            return plan_err!("from_unixtime() takes a Unix time");
        };
        let DataType::Timestamp(_, zone) = args.return_type() else {
            return exec_err!("from_unixtime(): unexpected return type");
        };
        let t = t.to_array(args.number_rows)?;
        let out_of_range = |v: &dyn std::fmt::Display| {
            exec_err!("from_unixtime(): {v} seconds is out of a timestamp's range")
        };
        let mut millis = Vec::with_capacity(t.len());
        if t.data_type().is_floating() {
            // Trino keeps a fractional Unix time to the millisecond.
            let t = cast(&t, &DataType::Float64)?;
            for v in t.as_primitive::<Float64Type>().iter() {
                millis.push(match v {
                    Some(v) if (v * 1000.0).round().abs() < 9.2e18 => {
                        Some((v * 1000.0).round() as i64)
                    }
                    Some(v) => return out_of_range(&v),
                    None => None,
                });
            }
        } else {
            let t = cast(&t, &DataType::Int64)?;
            for v in t.as_primitive::<Int64Type>().iter() {
                millis.push(match v {
                    Some(v) => match v.checked_mul(1000) {
                        Some(ms) => Some(ms),
                        None => return out_of_range(&v),
                    },
                    None => None,
                });
            }
        }
        let millis = TimestampMillisecondArray::from(millis).with_timezone_opt(zone.clone());
        Ok(ColumnarValue::Array(Arc::new(millis)))
    }
}

/// `to_iso8601(x)`: a date or timestamp as ISO 8601 text.
#[derive(Debug, PartialEq, Eq, Hash)]
struct ToIso8601 {
    signature: Signature,
}

impl ScalarUDFImpl for ToIso8601 {
    fn name(&self) -> &str {
        "to_iso8601"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        match arg_types {
            [DataType::Date32 | DataType::Date64 | DataType::Timestamp(..) | DataType::Null] => {
                Ok(DataType::Utf8)
            }
            [other] => plan_err!(
                "to_iso8601() takes a date or a timestamp, not {other}; a Unix time such as `start` is \
                 from_unixtime(start)"
            ),
            _ => plan_err!("to_iso8601() takes one argument"),
        }
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let [value] = args.args.as_slice() else {
            return plan_err!("to_iso8601() takes one argument");
        };
        let rows = args.number_rows;
        let value = value.to_array(rows)?;
        let (value, format, zoned) = match value.data_type() {
            DataType::Null => {
                let nulls = arrow::array::new_null_array(&DataType::Utf8, value.len());
                return Ok(ColumnarValue::Array(nulls));
            }
            DataType::Timestamp(unit, zone) => {
                // Athena's timestamps have milliseconds; a column of microseconds keeps them.
                let (unit, fraction) = match unit {
                    TimeUnit::Microsecond => (TimeUnit::Microsecond, "%.6f"),
                    _ => (TimeUnit::Millisecond, "%.3f"),
                };
                let value = cast(&value, &DataType::Timestamp(unit, zone.clone()))?;
                let offset = if zone.is_some() { "%:z" } else { "" };
                (
                    value,
                    format!("%Y-%m-%dT%H:%M:%S{fraction}{offset}"),
                    zone.is_some(),
                )
            }
            _ => (
                cast(&value, &DataType::Date32)?,
                "%Y-%m-%d".to_string(),
                false,
            ),
        };
        // DataFusion's to_char formats zoned timestamps in their zone; ISO 8601 writes UTC's offset as `Z`.
        let text =
            datafusion::functions::datetime::to_char().invoke_with_args(ScalarFunctionArgs {
                args: vec![
                    ColumnarValue::Array(value),
                    ColumnarValue::Scalar(ScalarValue::Utf8(Some(format))),
                ],
                ..args
            })?;
        let text = cast(&text.to_array(rows)?, &DataType::Utf8)?;
        if !zoned {
            return Ok(ColumnarValue::Array(text));
        }
        let text: StringArray = text
            .as_string::<i32>()
            .iter()
            .map(|t| {
                t.map(|t| match t.strip_suffix("+00:00") {
                    Some(utc) => format!("{utc}Z"),
                    None => t.to_string(),
                })
            })
            .collect();
        Ok(ColumnarValue::Array(Arc::new(text)))
    }
}

/// `from_iso8601_timestamp(text)` (a UTC timestamp in milliseconds) or `from_iso8601_date(text)` (a date).
#[derive(Debug, PartialEq, Eq, Hash)]
struct FromIso8601 {
    date: bool,
    signature: Signature,
}

impl FromIso8601 {
    fn function(&self) -> &'static str {
        if self.date {
            "from_iso8601_date"
        } else {
            "from_iso8601_timestamp"
        }
    }
}

/// Milliseconds since the epoch of ISO 8601 text: with an offset (`Z`, `+09:00`) or a zone it names, or in UTC
/// when it has neither (Athena's session zone); a date alone is its midnight.
fn iso_millis(text: &str) -> Option<i64> {
    let text = text.trim();
    if let Ok(t) = text.parse::<jiff::Timestamp>() {
        return Some(t.as_millisecond());
    }
    if let Ok(z) = text.parse::<jiff::Zoned>() {
        return Some(z.timestamp().as_millisecond());
    }
    let civil = text.parse::<jiff::civil::DateTime>().ok()?;
    let t = civil.to_zoned(jiff::tz::TimeZone::UTC).ok()?;
    Some(t.timestamp().as_millisecond())
}

impl ScalarUDFImpl for FromIso8601 {
    fn name(&self) -> &str {
        self.function()
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        match arg_types {
            [DataType::Utf8 | DataType::Utf8View | DataType::LargeUtf8 | DataType::Null] => {
                Ok(if self.date {
                    DataType::Date32
                } else {
                    DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into()))
                })
            }
            _ => plan_err!("{}() takes one text argument", self.function()),
        }
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let [text] = args.args.as_slice() else {
            return plan_err!("{}() takes one argument", self.function());
        };
        let text = cast(&text.to_array(args.number_rows)?, &DataType::Utf8)?;
        let text = text.as_string::<i32>();
        let out: ArrayRef = if self.date {
            let mut days = Vec::with_capacity(text.len());
            for t in text.iter() {
                days.push(match t {
                    Some(t) => match crate::schema::days_from_civil(t.trim()) {
                        Some(d) => Some(d),
                        None => {
                            return exec_err!(
                                "from_iso8601_date(): `{t}` is not a date such as 2021-04-01"
                            );
                        }
                    },
                    None => None,
                });
            }
            Arc::new(Date32Array::from(days))
        } else {
            let mut millis = Vec::with_capacity(text.len());
            for t in text.iter() {
                millis.push(match t {
                    Some(t) => match iso_millis(t) {
                        Some(ms) => Some(ms),
                        None => {
                            return exec_err!(
                                "from_iso8601_timestamp(): `{t}` is not an ISO 8601 time such as \
                                 2021-04-01T12:00:00Z"
                            );
                        }
                    },
                    None => None,
                });
            }
            Arc::new(TimestampMillisecondArray::from(millis).with_timezone("UTC"))
        };
        Ok(ColumnarValue::Array(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_text_is_read_with_its_offset_or_as_utc() {
        let utc = Some(1_617_278_400_000); // 2021-04-01T12:00:00Z
        assert_eq!(iso_millis("2021-04-01T12:00:00Z"), utc);
        assert_eq!(iso_millis("2021-04-01T21:00:00+09:00"), utc);
        assert_eq!(iso_millis("2021-04-01T12:00:00"), utc);
        assert_eq!(iso_millis("2021-04-01T12:00:00.250Z"), utc.map(|t| t + 250));
        assert_eq!(iso_millis("2021-04-01"), utc.map(|t| t - 43_200_000));
        assert_eq!(
            iso_millis("2021-04-01T12:00:00+09:00[Asia/Tokyo]"),
            utc.map(|t| t - 32_400_000)
        );
        assert_eq!(iso_millis("1418530010"), None);
        assert_eq!(iso_millis("2021-02-30T00:00:00Z"), None);
    }

    #[test]
    fn offsets_in_hours_and_minutes_carry_their_sign() {
        let zone = |h: i64, m: i64| {
            let (h, m) = (ScalarValue::Int64(Some(h)), ScalarValue::Int64(Some(m)));
            unixtime_zone(&[Some(&h), Some(&m)]).map_err(|e| e.to_string())
        };
        assert_eq!(zone(9, 0).unwrap(), "+09:00");
        assert_eq!(zone(-5, -30).unwrap(), "-05:30");
        assert_eq!(zone(5, 45).unwrap(), "+05:45");
        assert!(zone(15, 0).unwrap_err().contains("offset"));
        assert_eq!(unixtime_zone(&[]).unwrap(), "UTC");
        let bad = ScalarValue::Utf8(Some("Mars/Olympus".into()));
        assert!(unixtime_zone(&[Some(&bad)]).is_err());
    }
}
