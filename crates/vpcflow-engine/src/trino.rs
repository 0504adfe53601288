//! Functions of Athena's SQL (Trino) that DataFusion lacks or spells differently, so that AWS's own example
//! queries run unchanged. The first query AWS's Athena guide for flow logs gives is
//! `SELECT day_of_week(date) AS day, date, interface_id, srcaddr, action, protocol FROM vpc_flow_logs WHERE
//! action = 'REJECT' AND protocol = 6 LIMIT 100`.
//!
//! The field functions take a date or a timestamp (a zoned timestamp is read in its zone) and return a `BIGINT`,
//! with Trino's meaning: `day_of_week` is ISO (Monday 1 … Sunday 7), `week` is the ISO week and `year_of_week`
//! its year. A Unix time such as `start` becomes a timestamp with `from_unixtime(start)`, as in Athena.
//! `date(x)` is `CAST(x AS DATE)`, and `date_format(x, format)` takes MySQL's specifiers (`%i` minutes, `%s`
//! seconds, …) as Athena does, where DataFusion's function of that name takes chrono's (`%M` minutes).
//! `date_add(unit, n, x)` and `date_diff(unit, x, y)` take Trino's units (`millisecond` … `year`); `date_diff`
//! counts whole units, as Trino does (a month is whole when the day and time of month are reached, a shorter
//! month's last day counting as reached). Aggregates: `count_if(condition)`, `max_by(x, y)` and `min_by(x, y)`
//! (`x` of the row with the largest or smallest `y`, rows without `y` left out), `arbitrary(x)` (some non-NULL
//! `x`: DataFusion's `any_value`), and `approx_percentile(x, p)` (DataFusion's `approx_percentile_cont`).
//!
//! Like the flow functions, the scalar ones always answer with an array as long as the batch (constant
//! arguments are expanded); DataFusion folds a call on constants back to a constant itself.

use arrow::array::{Array, ArrayRef, AsArray, Int64Array, IntervalMonthDayNanoArray};
use arrow::compute::SortOptions;
use arrow::compute::cast;
use arrow::compute::kernels::temporal::{DatePart, date_part};
use arrow::datatypes::{
    DataType, Field, FieldRef, Int64Type, IntervalMonthDayNano, TimeUnit, TimestampMillisecondType,
};
use datafusion::common::{Result, ScalarValue, exec_err, plan_err};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::utils::format_state_name;
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, ColumnarValue, ScalarFunctionArgs, ScalarUDF,
    ScalarUDFImpl, Signature, Volatility,
};

/// Every Trino scalar function here, ready to register.
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
            ScalarUDF::new_from_impl(DateAdd {
                signature: Signature::any(3, Volatility::Immutable),
            }),
            ScalarUDF::new_from_impl(DateDiff {
                signature: Signature::any(3, Volatility::Immutable),
            }),
        ])
        .collect()
}

/// Every Trino aggregate function here, ready to register.
pub fn aggregates() -> Vec<AggregateUDF> {
    vec![
        AggregateUDF::new_from_impl(CountIf {
            signature: Signature::exact(vec![DataType::Boolean], Volatility::Immutable),
        }),
        AggregateUDF::new_from_impl(ValueBy {
            max: true,
            signature: Signature::any(2, Volatility::Immutable),
        }),
        AggregateUDF::new_from_impl(ValueBy {
            max: false,
            signature: Signature::any(2, Volatility::Immutable),
        }),
        // Trino's arbitrary(x) is DataFusion's any_value(x): some non-NULL x of the group.
        datafusion::functions_aggregate::any_value::any_value_udaf()
            .as_ref()
            .clone()
            .with_aliases(["arbitrary"]),
        // Trino's approx_percentile(x, p) is DataFusion's t-digest approx_percentile_cont(x, p) under another
        // name; both are estimates (DataFusion's interpolates, so a BIGINT column gives a DOUBLE).
        datafusion::functions_aggregate::approx_percentile_cont::approx_percentile_cont_udaf()
            .as_ref()
            .clone()
            .with_aliases(["approx_percentile"]),
    ]
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
        Ok(ColumnarValue::Array(fields))
    }
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
        if value.data_type() == DataType::Null {
            return Ok(ColumnarValue::Scalar(ScalarValue::Utf8(None)));
        }
        // DataFusion's to_char formats dates, timestamps and zoned timestamps (in their zone) with chrono's
        // specifiers; only the format needs translating.
        let format = ColumnarValue::Scalar(ScalarValue::Utf8(Some(chrono_format(format)?)));
        datafusion::functions::datetime::to_char().invoke_with_args(ScalarFunctionArgs {
            args: vec![value.clone(), format],
            ..args
        })
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

/// Every unit, for looking one up by name.
const UNITS: [Unit; 9] = [
    Unit::Millisecond,
    Unit::Second,
    Unit::Minute,
    Unit::Hour,
    Unit::Day,
    Unit::Week,
    Unit::Month,
    Unit::Quarter,
    Unit::Year,
];

/// A unit of `date_add` and `date_diff`.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Unit {
    Millisecond,
    Second,
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Quarter,
    Year,
}

impl Unit {
    fn of(function: &str, unit: &ColumnarValue) -> Result<Unit> {
        let ColumnarValue::Scalar(unit) = unit else {
            return exec_err!("{function}() takes a constant unit ('day', 'hour', …)");
        };
        let name = unit.try_as_str().flatten().map(str::to_ascii_lowercase);
        match UNITS.iter().find(|u| Some(u.name()) == name.as_deref()) {
            Some(unit) => Ok(*unit),
            None => exec_err!(
                "{function}(): the unit is one of millisecond, second, minute, hour, day, week, month, \
                 quarter, year, not {unit}"
            ),
        }
    }

    /// Trino's name for it.
    fn name(self) -> &'static str {
        match self {
            Unit::Millisecond => "millisecond",
            Unit::Second => "second",
            Unit::Minute => "minute",
            Unit::Hour => "hour",
            Unit::Day => "day",
            Unit::Week => "week",
            Unit::Month => "month",
            Unit::Quarter => "quarter",
            Unit::Year => "year",
        }
    }

    /// Milliseconds in a unit of fixed length; `None` for months, quarters and years.
    fn millis(self) -> Option<i64> {
        Some(match self {
            Unit::Millisecond => 1,
            Unit::Second => 1_000,
            Unit::Minute => 60_000,
            Unit::Hour => 3_600_000,
            Unit::Day => 86_400_000,
            Unit::Week => 604_800_000,
            Unit::Month | Unit::Quarter | Unit::Year => return None,
        })
    }

    /// Months in a calendar unit.
    fn months(self) -> i64 {
        match self {
            Unit::Quarter => 3,
            Unit::Year => 12,
            _ => 1,
        }
    }

    /// `n` of this unit as an interval (calendar days for days and weeks, so that adding follows the calendar).
    fn interval(self, n: i64) -> Option<IntervalMonthDayNano> {
        Some(match self {
            Unit::Month | Unit::Quarter | Unit::Year => {
                IntervalMonthDayNano::new(i32::try_from(n.checked_mul(self.months())?).ok()?, 0, 0)
            }
            Unit::Day | Unit::Week => IntervalMonthDayNano::new(
                0,
                i32::try_from(n.checked_mul(if self == Unit::Week { 7 } else { 1 })?).ok()?,
                0,
            ),
            _ => IntervalMonthDayNano::new(0, 0, n.checked_mul(self.millis()? * 1_000_000)?),
        })
    }
}

/// `date_add(unit, n, x)`: `x` moved by `n` units, in the calendar for days and longer.
#[derive(Debug, PartialEq, Eq, Hash)]
struct DateAdd {
    signature: Signature,
}

impl ScalarUDFImpl for DateAdd {
    fn name(&self) -> &str {
        "date_add"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        match arg_types {
            [_, n, x @ (DataType::Date32 | DataType::Timestamp(..))] if n.is_integer() => {
                Ok(x.clone())
            }
            _ => plan_err!("date_add() takes a unit, a whole number and a date or timestamp"),
        }
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let [unit, n, x] = args.args.as_slice() else {
            return plan_err!("date_add() takes three arguments");
        };
        let unit = Unit::of("date_add", unit)?;
        let x_array = x.to_array(args.number_rows)?;
        if x_array.data_type() == &DataType::Date32 && unit.millis().is_some_and(|m| m < 86_400_000)
        {
            let unit = unit.name();
            return exec_err!("date_add(): a date has no {unit}s; add to a timestamp instead");
        }
        let n = cast(&n.to_array(args.number_rows)?, &DataType::Int64)?;
        let mut intervals = Vec::with_capacity(n.len());
        for v in n.as_primitive::<Int64Type>().iter() {
            intervals.push(match v {
                Some(v) => match unit.interval(v) {
                    Some(i) => Some(i),
                    None => return exec_err!("date_add(): {v} {}s is out of range", unit.name()),
                },
                None => None,
            });
        }
        let intervals = IntervalMonthDayNanoArray::from(intervals);
        Ok(ColumnarValue::Array(arrow::compute::kernels::numeric::add(
            &x_array, &intervals,
        )?))
    }
}

/// `date_diff(unit, x, y)`: whole units from `x` to `y` (negative when `y` is earlier).
#[derive(Debug, PartialEq, Eq, Hash)]
struct DateDiff {
    signature: Signature,
}

impl ScalarUDFImpl for DateDiff {
    fn name(&self) -> &str {
        "date_diff"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        match arg_types {
            [
                _,
                DataType::Date32 | DataType::Timestamp(..),
                DataType::Date32 | DataType::Timestamp(..),
            ] => Ok(DataType::Int64),
            _ => plan_err!("date_diff() takes a unit and two dates or timestamps"),
        }
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let [unit, x, y] = args.args.as_slice() else {
            return plan_err!("date_diff() takes three arguments");
        };
        let unit = Unit::of("date_diff", unit)?;
        let rows = args.number_rows;
        // Both as milliseconds since the epoch; a zoned timestamp keeps its zone for the calendar units.
        let zone = |v: &ColumnarValue| match v.data_type() {
            DataType::Timestamp(_, Some(tz)) => zone_named(&tz),
            _ => None,
        };
        let (x_zone, y_zone) = (zone(x), zone(y));
        let millis = |v: &ColumnarValue| -> Result<ArrayRef> {
            Ok(cast(
                &v.to_array(rows)?,
                &DataType::Timestamp(TimeUnit::Millisecond, None),
            )?)
        };
        let (xs, ys) = (millis(x)?, millis(y)?);
        let xs = xs.as_primitive::<TimestampMillisecondType>();
        let ys = ys.as_primitive::<TimestampMillisecondType>();
        let mut out = Vec::with_capacity(rows);
        for (a, b) in xs.iter().zip(ys.iter()) {
            out.push(match (a, b) {
                (Some(a), Some(b)) => Some(match unit.millis() {
                    Some(m) => (b - a) / m,
                    None => months_between(a, x_zone.as_ref(), b, y_zone.as_ref())? / unit.months(),
                }),
                _ => None,
            });
        }
        Ok(ColumnarValue::Array(std::sync::Arc::new(Int64Array::from(
            out,
        ))))
    }
}

/// The zone an Arrow timestamp names: an IANA name (`Asia/Tokyo`, `UTC`) or a fixed offset (`+09:00`, as
/// `from_unixtime(t, hours, minutes)` gives).
fn zone_named(tz: &str) -> Option<jiff::tz::TimeZone> {
    if let Ok(zone) = jiff::tz::TimeZone::get(tz) {
        return Some(zone);
    }
    let (sign, rest) = match tz.as_bytes().first()? {
        b'+' => (1, &tz[1..]),
        b'-' => (-1, &tz[1..]),
        _ => return None,
    };
    let (h, m) = rest.split_once(':').unwrap_or((rest, "0"));
    let seconds = sign * (h.parse::<i32>().ok()? * 3600 + m.parse::<i32>().ok()? * 60);
    Some(jiff::tz::TimeZone::fixed(
        jiff::tz::Offset::from_seconds(seconds).ok()?,
    ))
}

/// Whole months from `a` to `b` (milliseconds since the epoch, read in their zones, UTC without one): the
/// months until `a` moved by them, its day clamped to the month's last, would pass `b`.
fn months_between(
    a: i64,
    a_zone: Option<&jiff::tz::TimeZone>,
    b: i64,
    b_zone: Option<&jiff::tz::TimeZone>,
) -> Result<i64> {
    let civil = |ms: i64, zone: Option<&jiff::tz::TimeZone>| -> Result<jiff::civil::DateTime> {
        let Ok(t) = jiff::Timestamp::from_millisecond(ms) else {
            return exec_err!("date_diff(): {ms} ms is out of range");
        };
        Ok(t.to_zoned(zone.cloned().unwrap_or(jiff::tz::TimeZone::UTC))
            .datetime())
    };
    let (start, end) = (civil(a, a_zone)?, civil(b, b_zone)?);
    let mut months = (i64::from(end.year()) - i64::from(start.year())) * 12
        + i64::from(end.month())
        - i64::from(start.month());
    let moved = |m: i64| start.checked_add(jiff::Span::new().months(m)).ok();
    if months > 0 && moved(months).is_some_and(|d| d > end) {
        months -= 1;
    } else if months < 0 && moved(months).is_some_and(|d| d < end) {
        months += 1;
    }
    Ok(months)
}

/// `count_if(condition)`: the rows where the condition is true (0 for none, never NULL).
#[derive(Debug, PartialEq, Eq, Hash)]
struct CountIf {
    signature: Signature,
}

impl AggregateUDFImpl for CountIf {
    fn name(&self) -> &str {
        "count_if"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Int64)
    }

    fn is_nullable(&self) -> bool {
        false
    }

    fn accumulator(&self, _args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(TrueCount(0)))
    }

    fn default_value(&self, _data_type: &DataType) -> Result<ScalarValue> {
        Ok(ScalarValue::Int64(Some(0)))
    }
}

/// The true values seen, which is also the state partial aggregates hand on.
#[derive(Debug)]
struct TrueCount(i64);

impl Accumulator for TrueCount {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        if let Some(conditions) = values.first() {
            self.0 += conditions.as_boolean().true_count() as i64;
        }
        Ok(())
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        if let Some(counts) = states.first() {
            self.0 += counts
                .as_primitive::<Int64Type>()
                .iter()
                .flatten()
                .sum::<i64>();
        }
        Ok(())
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        Ok(vec![ScalarValue::Int64(Some(self.0))])
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        Ok(ScalarValue::Int64(Some(self.0)))
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self)
    }
}

/// `max_by(x, y)` and `min_by(x, y)`: `x` of the row whose `y` is the largest (smallest); rows whose `y` is
/// NULL are left out, and ties give any of the tied rows' `x`, as in Trino.
#[derive(Debug, PartialEq, Eq, Hash)]
struct ValueBy {
    max: bool,
    signature: Signature,
}

impl AggregateUDFImpl for ValueBy {
    fn name(&self) -> &str {
        if self.max { "max_by" } else { "min_by" }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        match arg_types {
            [x, _] => Ok(x.clone()),
            _ => plan_err!("{}() takes two arguments", self.name()),
        }
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        let [x, y] = args.input_fields else {
            return plan_err!("{}() takes two arguments", self.name());
        };
        Ok(vec![
            std::sync::Arc::new(Field::new(
                format_state_name(args.name, "x"),
                x.data_type().clone(),
                true,
            )),
            std::sync::Arc::new(Field::new(
                format_state_name(args.name, "y"),
                y.data_type().clone(),
                true,
            )),
        ])
    }

    fn accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        let [x, y] = args.expr_fields else {
            return plan_err!("{}() takes two arguments", self.name());
        };
        Ok(Box::new(Best {
            max: self.max,
            x: ScalarValue::try_from(x.data_type())?,
            y: ScalarValue::try_from(y.data_type())?,
        }))
    }
}

/// The best `y` seen and its row's `x` (both NULL until a row with a `y`).
#[derive(Debug)]
struct Best {
    max: bool,
    x: ScalarValue,
    y: ScalarValue,
}

impl Best {
    /// Takes the best row of `xs` and `ys` (by `ys`, NULLs last) if it beats the one held.
    fn offer(&mut self, xs: &ArrayRef, ys: &ArrayRef) -> Result<()> {
        let options = SortOptions {
            descending: self.max,
            nulls_first: false,
        };
        let best = arrow::compute::sort_to_indices(ys, Some(options), Some(1))?;
        let Some(row) = best.iter().flatten().next() else {
            return Ok(());
        };
        let row = row as usize;
        if ys.is_null(row) {
            return Ok(());
        }
        let y = ScalarValue::try_from_array(ys, row)?;
        let better = self.y.is_null()
            || match y.partial_cmp(&self.y) {
                Some(std::cmp::Ordering::Greater) => self.max,
                Some(std::cmp::Ordering::Less) => !self.max,
                _ => false,
            };
        if better {
            self.x = ScalarValue::try_from_array(xs, row)?;
            self.y = y;
        }
        Ok(())
    }
}

impl Accumulator for Best {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        match values {
            [xs, ys] => self.offer(xs, ys),
            _ => exec_err!("max_by()/min_by() take two arguments"),
        }
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        self.update_batch(states)
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        Ok(vec![self.x.clone(), self.y.clone()])
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        Ok(self.x.clone())
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self) + self.x.size() + self.y.size()
    }
}

#[cfg(test)]
mod tests {
    use super::{chrono_format, zone_named};

    #[test]
    fn zones_are_names_or_offsets() {
        let offset = |tz: &str| {
            let zone = zone_named(tz)?;
            Some(zone.to_offset(jiff::Timestamp::UNIX_EPOCH).seconds())
        };
        assert_eq!(offset("UTC"), Some(0));
        assert_eq!(offset("Asia/Tokyo"), Some(9 * 3600));
        assert_eq!(offset("+09:00"), Some(9 * 3600));
        assert_eq!(offset("-05:30"), Some(-(5 * 3600 + 30 * 60)));
        assert_eq!(offset("Mars/Olympus"), None);
    }

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
