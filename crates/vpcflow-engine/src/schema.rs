//! The `flows` table's columns: Athena's flow-log table, widened to whatever newer fields the inputs carry, plus
//! the partition columns of S3 keys and the source file.
//!
//! The Athena columns are always there (null when a file's format lacks them) so that a query written for
//! AWS's Athena table runs unchanged on any input; a newer field (v7 ECS, v8 reject-reason, …) or a transit
//! gateway field appears when an input's header line or Parquet columns have it.

use arrow::datatypes::{DataType, Field as ArrowField, Schema};
use vpcflow_record::{Family, Field, Format};
use vpcflow_source::{Column, Extra};

/// The columns of AWS's Athena DDL for flow logs (versions 2 to 5), in its order.
pub fn athena_fields() -> Vec<Field> {
    Field::ALL
        .iter()
        .copied()
        .filter(|f| f.family() == Family::Vpc && f.since() <= 5)
        .collect()
}

/// The fields of the table: Athena's, then every other field named by `seen` (in catalogue order).
pub fn table_fields<'a>(
    seen: impl IntoIterator<Item = &'a str>,
    format: Option<&Format>,
) -> Vec<Field> {
    let mut extra: Vec<Field> = seen.into_iter().filter_map(Field::from_name).collect();
    if let Some(format) = format {
        extra.extend(format.fields().iter().copied());
    }
    let base = athena_fields();
    Field::ALL
        .iter()
        .copied()
        .filter(|f| base.contains(f) || extra.contains(f))
        .collect()
}

/// Every column of the table for these fields: the fields, then the key and path columns.
pub fn table_columns(fields: &[Field]) -> Vec<Column> {
    fields
        .iter()
        .map(|f| Column::Field(*f))
        .chain(Extra::ALL.iter().map(|e| Column::Extra(*e)))
        .collect()
}

/// The Arrow type of a column in the engine. Text columns are `Utf8View` (SQL `VARCHAR`, as DataFusion's own
/// tables have them): grouping, comparing and hashing short strings such as addresses, actions and statuses
/// works on the 16-byte views instead of chasing offsets, and Parquet decodes into views without copying.
pub fn column_type(column: &Column) -> DataType {
    match column {
        Column::Field(f) => match f.kind().data_type() {
            DataType::Utf8 => DataType::Utf8View,
            other => other,
        },
        Column::Extra(Extra::Date) => DataType::Date32,
        Column::Extra(Extra::EventTime) => vpcflow_source::columns::event_time_type(),
        Column::Extra(_) => DataType::Utf8View,
    }
}

/// The Arrow schema of a list of columns (every column nullable: any value can be `-`).
pub fn schema_of(columns: &[Column]) -> Schema {
    Schema::new(
        columns
            .iter()
            .map(|c| ArrowField::new(c.name(), column_type(c), true))
            .collect::<Vec<_>>(),
    )
}

/// Days since 1970-01-01 of a `yyyy-mm-dd` date (proleptic Gregorian), for the `date` partition.
pub fn days_from_civil(date: &str) -> Option<i32> {
    let d: jiff::civil::Date = date.parse().ok()?;
    let epoch = jiff::civil::date(1970, 1, 1);
    let span = epoch.until((jiff::Unit::Day, d)).ok()?;
    Some(span.get_days())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn athena_columns_and_dates() {
        let names: Vec<&str> = athena_fields().iter().map(|f| f.column()).collect();
        assert_eq!(names.len(), 29);
        assert_eq!(&names[..3], ["version", "account_id", "interface_id"]);
        assert_eq!(names[28], "traffic_path");
        let with_v8 = table_fields(["reject_reason", "srcaddr"], None);
        assert_eq!(with_v8.len(), 30);
        assert_eq!(days_from_civil("1970-01-02"), Some(1));
        assert_eq!(days_from_civil("2023-02-14"), Some(19402));
        assert_eq!(days_from_civil("2023-02-30"), None);
    }
}
