//! The columns a reader can produce: the record's own fields, and what the object's key and name say.

use crate::layout::Partitions;
use arrow::array::{ArrayRef, Date32Array, RecordBatch, StringArray, TimestampMillisecondArray};
use arrow::datatypes::{DataType, Field as ArrowField, Schema, TimeUnit};
use std::sync::Arc;
use vpcflow_record::Field;

/// A column that does not come from the record line but from where the record was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Extra {
    /// `aws-account-id` from the key.
    AwsAccountId,
    /// `aws-service` from the key.
    AwsService,
    /// `aws-region` from the key.
    AwsRegion,
    /// `year` from the key.
    Year,
    /// `month` from the key.
    Month,
    /// `day` from the key.
    Day,
    /// `hour` from the key (hourly partitions).
    Hour,
    /// `date`: Athena's date partition of the text table.
    Date,
    /// `$path`: the file or object the record came from (Athena's pseudo-column).
    Path,
    /// `event_time`: when CloudWatch Logs says the record's log event happened (AWS sets it to the record's
    /// start), for records read from a log group or its JSON; null for records from S3 objects and files.
    EventTime,
}

impl Extra {
    /// Every extra column.
    pub const ALL: [Extra; 10] = [
        Extra::AwsAccountId,
        Extra::AwsService,
        Extra::AwsRegion,
        Extra::Year,
        Extra::Month,
        Extra::Day,
        Extra::Hour,
        Extra::Date,
        Extra::Path,
        Extra::EventTime,
    ];

    /// Athena's name for the column.
    pub fn name(self) -> &'static str {
        match self {
            Extra::AwsAccountId => "aws-account-id",
            Extra::AwsService => "aws-service",
            Extra::AwsRegion => "aws-region",
            Extra::Year => "year",
            Extra::Month => "month",
            Extra::Day => "day",
            Extra::Hour => "hour",
            Extra::Date => "date",
            Extra::Path => "$path",
            Extra::EventTime => "event_time",
        }
    }

    /// The column's type as readers produce it (text as `Utf8`).
    pub fn data_type(self) -> DataType {
        match self {
            Extra::Date => DataType::Date32,
            Extra::EventTime => event_time_type(),
            _ => DataType::Utf8,
        }
    }

    fn value(self, parts: &Partitions, path: &str) -> Option<String> {
        match self {
            Extra::AwsAccountId => parts.account.clone(),
            Extra::AwsService => parts.service.clone(),
            Extra::AwsRegion => parts.region.clone(),
            Extra::Year => parts.year.clone(),
            Extra::Month => parts.month.clone(),
            Extra::Day => parts.day.clone(),
            Extra::Hour => parts.hour.clone(),
            Extra::Date => parts.date(),
            Extra::Path => Some(path.to_string()),
            Extra::EventTime => None,
        }
    }
}

/// `event_time`'s type: a timestamp in milliseconds, as CloudWatch Logs keeps it, in UTC.
pub fn event_time_type() -> DataType {
    DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into()))
}

/// One output column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Column {
    /// A field of the record.
    Field(Field),
    /// A column from the key or path.
    Extra(Extra),
}

impl Column {
    /// Finds a column by field name, Athena column name or extra column name (`aws_region` works too).
    pub fn from_name(name: &str) -> Option<Column> {
        if let Some(f) = Field::from_name(name) {
            return Some(Column::Field(f));
        }
        let lower = name.to_ascii_lowercase();
        let dashed = lower.replace('_', "-");
        Extra::ALL
            .iter()
            .find(|e| e.name() == lower || e.name() == dashed)
            .map(|e| Column::Extra(*e))
    }

    /// Parses a comma-separated list of column names.
    pub fn parse_list(list: &str) -> Result<Vec<Column>, String> {
        list.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|name| {
                Column::from_name(name).ok_or_else(|| {
                    let hint = Field::suggest(name);
                    if hint.is_empty() {
                        format!("unknown column `{name}`")
                    } else {
                        format!(
                            "unknown column `{name}` (did you mean `{}`?)",
                            hint.join("`, `")
                        )
                    }
                })
            })
            .collect()
    }

    /// The column's name in batches.
    pub fn name(self) -> &'static str {
        match self {
            Column::Field(f) => f.column(),
            Column::Extra(e) => e.name(),
        }
    }
}

/// Adds the extra columns to a batch of field columns, in the order `columns` asks for.
/// `fields` holds exactly the `Column::Field` entries of `columns`, in that order; `times` the rows' event
/// timestamps (empty when the rows are not log events).
pub(crate) fn assemble(
    fields: RecordBatch,
    columns: &[Column],
    parts: &Partitions,
    path: &str,
    times: &[Option<i64>],
) -> RecordBatch {
    if !columns.iter().any(|c| matches!(c, Column::Extra(_))) {
        return fields;
    }
    let rows = fields.num_rows();
    let mut arrays: Vec<ArrayRef> = Vec::with_capacity(columns.len());
    let mut schema_fields: Vec<ArrowField> = Vec::with_capacity(columns.len());
    let mut next_field = 0;
    for column in columns {
        match column {
            Column::Field(_) => {
                arrays.push(fields.column(next_field).clone());
                schema_fields.push(fields.schema().field(next_field).clone());
                next_field += 1;
            }
            Column::Extra(Extra::EventTime) => {
                let array = if times.len() == rows {
                    TimestampMillisecondArray::from(times.to_vec())
                } else {
                    TimestampMillisecondArray::new_null(rows)
                };
                arrays.push(Arc::new(array.with_timezone("UTC")));
                schema_fields.push(ArrowField::new(
                    Extra::EventTime.name(),
                    event_time_type(),
                    true,
                ));
            }
            Column::Extra(e) => {
                let value = e.value(parts, path);
                let array: ArrayRef = match e.data_type() {
                    DataType::Date32 => {
                        let days = value.as_deref().and_then(days_since_epoch);
                        Arc::new(Date32Array::from(vec![days; rows]))
                    }
                    _ => Arc::new(StringArray::from(vec![value.as_deref(); rows])),
                };
                arrays.push(array);
                schema_fields.push(ArrowField::new(e.name(), e.data_type(), true));
            }
        }
    }
    RecordBatch::try_new(Arc::new(Schema::new(schema_fields)), arrays)
        .expect("assembled columns match")
}

/// Days since 1970-01-01 for `yyyy-mm-dd` (civil calendar).
fn days_since_epoch(date: &str) -> Option<i32> {
    let y: i64 = date.get(0..4)?.parse().ok()?;
    let m: i64 = date.get(5..7)?.parse().ok()?;
    let d: i64 = date.get(8..10)?.parse().ok()?;
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    i32::try_from(era * 146_097 + doe - 719_468).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_dates() {
        assert_eq!(
            Column::from_name("aws_region"),
            Some(Column::Extra(Extra::AwsRegion))
        );
        assert_eq!(Column::from_name("$path"), Some(Column::Extra(Extra::Path)));
        assert_eq!(
            Column::from_name("event_time"),
            Some(Column::Extra(Extra::EventTime))
        );
        assert_eq!(
            Column::from_name("log_status"),
            Some(Column::Field(Field::LogStatus))
        );
        assert_eq!(days_since_epoch("1970-01-01"), Some(0));
        assert_eq!(days_since_epoch("2023-02-14"), Some(19402));
        assert!(
            Column::parse_list("srcaddr,scraddr")
                .unwrap_err()
                .contains("did you mean `srcaddr`")
        );
    }
}
