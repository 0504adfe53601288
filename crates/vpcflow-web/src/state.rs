//! The page's state, shared by every panel and kept in the URL: a time range, value filters (include / exclude,
//! from clicking a value), and a `--where` expression (the filter words or SQL). It becomes one SQL condition,
//! which both the panels' own aggregation and the SQL shown beside each panel use, so the two always agree.

use crate::cache::Cache;
use crate::sql::{literal, quoted};
use arrow::datatypes::DataType;

/// One value filter.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Chip {
    /// Keep only rows with the value (`true`), or leave them out.
    pub include: bool,
    /// The column.
    pub column: String,
    /// The value as shown.
    pub value: String,
}

/// Everything the URL says.
#[derive(Clone, Debug, Default)]
pub struct State {
    /// Records starting at or after (Unix seconds).
    pub from: Option<i64>,
    /// Records starting before.
    pub to: Option<i64>,
    /// Value filters.
    pub chips: Vec<Chip>,
    /// A `--where` text.
    pub filter: Option<String>,
    /// Every other parameter (view options), in order.
    pub rest: Vec<(String, String)>,
}

/// A request the page should not have made (shown to the user as is).
#[derive(Debug)]
pub struct BadRequest(pub String);

impl std::fmt::Display for BadRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl State {
    /// Reads a query string (`from=…&to=…&f=in:srcaddr:10.0.0.1&where=…`).
    pub fn parse(query: &str) -> Result<State, BadRequest> {
        let mut s = State::default();
        for (k, v) in form_urlencoded::parse(query.as_bytes()) {
            match &*k {
                "from" => s.from = Some(seconds(&v)?),
                "to" => s.to = Some(seconds(&v)?),
                "f" => s.chips.push(chip(&v)?),
                "where" if !v.trim().is_empty() => s.filter = Some(v.to_string()),
                "where" => {}
                _ => s.rest.push((k.to_string(), v.to_string())),
            }
        }
        Ok(s)
    }

    /// A view option.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.rest
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The condition for rows in the state, as SQL over `flows`; `None` for every row.
    pub fn condition(&self, cache: &Cache) -> Result<Option<String>, BadRequest> {
        let mut parts = Vec::new();
        if let Some(from) = self.from {
            parts.push(format!("start >= {from}"));
        }
        if let Some(to) = self.to {
            parts.push(format!("start < {to}"));
        }
        // Includes of one column are alternatives; excludes all apply.
        let mut columns: Vec<&str> = self.chips.iter().map(|c| c.column.as_str()).collect();
        columns.dedup();
        columns.sort();
        columns.dedup();
        for column in columns {
            if column == ADDR {
                self.address_condition(&mut parts);
                continue;
            }
            let Some(c) = cache.column(column) else {
                return Err(BadRequest(format!("no column `{column}`")));
            };
            let text = matches!(c.data_type, DataType::Utf8 | DataType::Utf8View);
            let value = |v: &str| -> Result<String, BadRequest> {
                if text {
                    Ok(literal(v))
                } else {
                    v.trim()
                        .parse::<i64>()
                        .map(|n| n.to_string())
                        .map_err(|_| BadRequest(format!("`{v}` is not a number for `{column}`")))
                }
            };
            let name = quoted_if_needed(column);
            let mut ins = Vec::new();
            let mut outs = Vec::new();
            for chip in self.chips.iter().filter(|c| c.column == column) {
                if chip.include {
                    ins.push(value(&chip.value)?);
                } else {
                    outs.push(value(&chip.value)?);
                }
            }
            if !ins.is_empty() {
                parts.push(format!("{name} IN ({})", ins.join(", ")));
            }
            if !outs.is_empty() {
                parts.push(format!(
                    "({name} IS NULL OR {name} NOT IN ({}))",
                    outs.join(", ")
                ));
            }
        }
        if let Some(text) = &self.filter {
            let f = vpcflow_engine::filter::Filter::parse(text);
            parts.push(format!("({})", f.sql()));
        }
        Ok((!parts.is_empty()).then(|| parts.join(" AND ")))
    }
}

/// The filter column that stands for either address (`in:addr:10.0.0.5`: from or to 10.0.0.5).
pub const ADDR: &str = "addr";

impl State {
    fn address_condition(&self, parts: &mut Vec<String>) {
        let values = |include: bool| -> Vec<String> {
            self.chips
                .iter()
                .filter(|c| c.column == ADDR && c.include == include)
                .map(|c| literal(&c.value))
                .collect()
        };
        let ins = values(true);
        if !ins.is_empty() {
            let list = ins.join(", ");
            parts.push(format!("(srcaddr IN ({list}) OR dstaddr IN ({list}))"));
        }
        let outs = values(false);
        if !outs.is_empty() {
            let list = outs.join(", ");
            parts.push(format!(
                "(srcaddr IS NULL OR srcaddr NOT IN ({list})) AND (dstaddr IS NULL OR dstaddr NOT IN ({list}))"
            ));
        }
    }
}

/// A column name as SQL needs it: plain when it is a plain lower-case word (`srcaddr`), quoted otherwise
/// (`"aws-region"`, `"end"`).
pub fn quoted_if_needed(name: &str) -> String {
    let plain = name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !matches!(
            name,
            "end" | "start" | "date" | "year" | "month" | "day" | "hour" | "version" | "type"
        );
    if plain || name == "start" {
        name.to_string()
    } else {
        quoted(name)
    }
}

fn seconds(text: &str) -> Result<i64, BadRequest> {
    text.trim()
        .parse::<i64>()
        .map_err(|_| BadRequest(format!("`{text}` is not a time (Unix seconds)")))
}

fn chip(text: &str) -> Result<Chip, BadRequest> {
    let mut parts = text.splitn(3, ':');
    let (Some(op), Some(column), Some(value)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(BadRequest(format!(
            "`{text}` is not a filter (in:column:value)"
        )));
    };
    let include = match op {
        "in" => true,
        "ex" => false,
        _ => return Err(BadRequest(format!("`{op}` is neither `in` nor `ex`"))),
    };
    Ok(Chip {
        include,
        column: column.to_string(),
        value: value.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chips_and_times_parse() {
        let s = State::parse(
            "from=10&to=20&f=in:srcaddr:10.0.0.1&f=ex:dstport:22&where=action%20reject&view=x",
        )
        .unwrap();
        assert_eq!(s.from, Some(10));
        assert_eq!(s.to, Some(20));
        assert_eq!(s.chips.len(), 2);
        assert!(!s.chips[1].include);
        assert_eq!(s.filter.as_deref(), Some("action reject"));
        assert_eq!(s.get("view"), Some("x"));
        assert!(State::parse("from=x").is_err());
        assert!(State::parse("f=zz:a:b").is_err());
        assert_eq!(quoted_if_needed("srcaddr"), "srcaddr");
        assert_eq!(quoted_if_needed("end"), "\"end\"");
        assert_eq!(quoted_if_needed("aws-region"), "\"aws-region\"");
    }
}
