//! One record as typed values, read back from a batch row.
//!
//! The columnar form is for volume; people and the explainer think in records. `Record` is that view: it
//! knows which fields the row's format had (a field missing from the format is different from `-`), and it
//! answers in types (`Action`, `IpAddr`) rather than strings.

use crate::fields::Field;
use crate::values::{
    Action, Direction, IpType, LogStatus, TcpFlags, TrafficPath, is_redacted, parse_addr,
};
use arrow::array::{Array, AsArray};
use arrow::datatypes::{DataType, Int32Type, Int64Type};
use arrow::record_batch::RecordBatch;
use std::net::IpAddr;

/// A field's value in a record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// `-`, or a value that was written over (`xxxxxxxxxx` in a number field).
    Absent,
    /// An integer field's value.
    Int(i64),
    /// A text field's value, as written.
    Text(String),
}

/// An address field: a real address, or a placeholder someone wrote over it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Addr {
    /// A real address.
    Ip(IpAddr),
    /// Written over (`xxx.xxx.xxx.xxx`); the text is kept so that it can be shown as it was.
    Redacted(String),
}

impl std::fmt::Display for Addr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Addr::Ip(ip) => write!(f, "{ip}"),
            Addr::Redacted(text) => f.write_str(text),
        }
    }
}

/// A record: the fields of its format with their values, in format order.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Record {
    values: Vec<(Field, Value)>,
}

impl Record {
    /// A record from field/value pairs.
    pub fn new(values: Vec<(Field, Value)>) -> Record {
        Record { values }
    }

    /// Reads row `row` of `batch`. Columns whose names are not flow log fields (partition columns, for example)
    /// are skipped. When the batch's schema is wider than the format its rows were written in (a projection over
    /// files of several formats), pass that format so that its missing fields stay missing rather than reading
    /// as `-`.
    pub fn from_batch(batch: &RecordBatch, row: usize, format: Option<&crate::Format>) -> Record {
        let mut values = Vec::with_capacity(batch.num_columns());
        for (i, column) in batch.columns().iter().enumerate() {
            let Some(field) = Field::from_name(batch.schema().field(i).name()) else {
                continue;
            };
            if format.is_some_and(|f| !f.has(field)) {
                continue;
            }
            let value = if column.is_null(row) {
                Value::Absent
            } else {
                match column.data_type() {
                    DataType::Int32 => {
                        Value::Int(column.as_primitive::<Int32Type>().value(row) as i64)
                    }
                    DataType::Int64 => Value::Int(column.as_primitive::<Int64Type>().value(row)),
                    DataType::Utf8 => Value::Text(column.as_string::<i32>().value(row).to_string()),
                    _ => continue,
                }
            };
            values.push((field, value));
        }
        Record { values }
    }

    /// The fields and values in format order.
    pub fn values(&self) -> &[(Field, Value)] {
        &self.values
    }

    /// Whether the record's format has `field`.
    pub fn has(&self, field: Field) -> bool {
        self.values.iter().any(|(f, _)| *f == field)
    }

    /// The value of `field`; `None` when the format lacks the field.
    pub fn get(&self, field: Field) -> Option<&Value> {
        self.values
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, v)| v)
    }

    /// The integer value of `field`, if present.
    pub fn int(&self, field: Field) -> Option<i64> {
        match self.get(field)? {
            Value::Int(v) => Some(*v),
            _ => None,
        }
    }

    /// The text of `field`, if present (and not `-`).
    pub fn text(&self, field: Field) -> Option<&str> {
        match self.get(field)? {
            Value::Text(t) => Some(t),
            _ => None,
        }
    }

    /// An address field.
    pub fn addr(&self, field: Field) -> Option<Addr> {
        let text = self.text(field)?;
        match parse_addr(text.as_bytes()) {
            Some(ip) => Some(Addr::Ip(ip)),
            None if is_redacted(text.as_bytes()) => Some(Addr::Redacted(text.to_string())),
            None => None,
        }
    }

    /// `action`.
    pub fn action(&self) -> Option<Action> {
        Action::from_word(self.text(Field::Action)?)
    }

    /// `log-status`.
    pub fn log_status(&self) -> Option<LogStatus> {
        LogStatus::from_word(self.text(Field::LogStatus)?)
    }

    /// `type`.
    pub fn ip_type(&self) -> Option<IpType> {
        IpType::from_word(self.text(Field::Type)?)
    }

    /// `flow-direction`.
    pub fn direction(&self) -> Option<Direction> {
        Direction::from_word(self.text(Field::FlowDirection)?)
    }

    /// `tcp-flags`.
    pub fn tcp_flags(&self) -> Option<TcpFlags> {
        self.int(Field::TcpFlags).map(|v| TcpFlags(v as u8))
    }

    /// `traffic-path`.
    pub fn traffic_path(&self) -> Option<TrafficPath> {
        self.int(Field::TrafficPath).map(TrafficPath::from_code)
    }
}
