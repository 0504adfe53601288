//! A file that could not be read, or whose content is not what it should be: the one error type for the files
//! vpcflow loads whole (an interface map, a traffic scenario, a capture, a VPC configuration directory), with
//! where as a [`Location`] (the file, and the line and column a parser reported).

use crate::location::Location;
use std::io;
use std::sync::Arc;

/// Why a file could not be used, and where.
#[derive(Debug, thiserror::Error)]
#[error("{location}: {kind}")]
pub struct FileError {
    /// The file, with the line and column of a parse error when the parser knew them.
    pub location: Location,
    /// What went wrong.
    #[source]
    pub kind: FileErrorKind,
}

/// What went wrong with a file.
#[derive(Debug, thiserror::Error)]
pub enum FileErrorKind {
    /// It could not be read (missing, no permission, a directory…).
    #[error("{0}")]
    Io(#[source] io::Error),
    /// Its content is not what it should be; the message is the parser's, without the position (which is in the
    /// location).
    #[error("{message}")]
    Parse {
        /// What is wrong.
        message: String,
    },
}

impl FileError {
    /// `file` could not be read.
    pub fn io(file: impl Into<Arc<str>>, error: io::Error) -> FileError {
        FileError {
            location: Location::file(file),
            kind: FileErrorKind::Io(error),
        }
    }

    /// `file`'s content is wrong, at `line` and `column` (1-based) when known. A message ending in the
    /// position the way serde's errors do (`… at line 3 column 7`) loses that ending: the location says it.
    pub fn parse(
        file: impl Into<Arc<str>>,
        line: Option<u64>,
        column: Option<u32>,
        message: impl Into<String>,
    ) -> FileError {
        let file = Location::file(file);
        let location = match (line, column) {
            (Some(line), Some(column)) => file.column(line, column),
            (Some(line), None) => file.line(line),
            _ => file,
        };
        let message = message.into();
        let message = match (line, column) {
            (Some(l), Some(c)) => message
                .strip_suffix(&format!(" at line {l} column {c}"))
                .map(str::to_string)
                .unwrap_or(message),
            _ => message,
        };
        FileError {
            location,
            kind: FileErrorKind::Parse { message },
        }
    }

    /// Whether the file could not be read at all (rather than read and found wrong).
    pub fn is_io(&self) -> bool {
        matches!(self.kind, FileErrorKind::Io(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn says_where_and_what() {
        let e = FileError::io("map.yaml", io::Error::from(io::ErrorKind::NotFound));
        assert_eq!(e.to_string(), "map.yaml: entity not found");
        assert!(e.is_io());
        let json = serde_json::from_str::<serde_json::Value>("{\n  \"a\": tru }").unwrap_err();
        let e = FileError::parse(
            "sg.json",
            Some(json.line() as u64),
            Some(json.column() as u32),
            json.to_string(),
        );
        assert_eq!(e.to_string(), "sg.json:2:11: expected ident");
        assert_eq!(
            serde_json::to_string(&e.location).unwrap(),
            r#"{"file":"sg.json","line":2,"column":11}"#
        );
        let e = FileError::parse("s.yaml", None, None, "no traffic");
        assert_eq!(e.to_string(), "s.yaml: no traffic");
    }
}
