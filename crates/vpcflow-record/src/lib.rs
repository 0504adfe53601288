//! The VPC flow log record model.
//!
//! Everything that knows what a flow log record *is* lives here, with no I/O: the catalogue of fields
//! ([`Field`]), record layouts ([`Format`]), value checks and typed values ([`values`]), the parser from lines to
//! Arrow batches with Athena's column names ([`BatchBuilder`]), the typed row view ([`Record`]), the writer
//! back to AWS's text form ([`text`]), and the one [`reading`] of a flow every crate shares (which side is the
//! interface, who initiated, which protocols have ports).

pub mod delivery;
pub mod fields;
pub mod file_error;
pub mod format;
pub mod location;
pub mod parse;
pub mod reading;
pub mod record;
pub mod text;
pub mod values;

pub use delivery::{delivery_schema, delivery_type};
pub use fields::{Family, Field, Kind};
pub use file_error::{FileError, FileErrorKind};
pub use format::{Format, FormatError};
pub use location::{Location, Position};
pub use parse::{BatchBuilder, LineError, LineErrorKind, Parsed, RowError, schema};
pub use record::{Addr, Record, Value};
pub use values::{Action, AddrScope, Direction, IpType, LogStatus, TcpFlags, TrafficPath};
