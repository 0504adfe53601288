//! Filters pushed into the scan, as plain data, and what Parquet statistics let them skip.
//!
//! A query's conjuncts of the form `column op constant` (`=`, `<`, `<=`, `>`, `>=`, `IN (…)`) on record fields
//! travel in the [`ScanSpec`](crate::ScanSpec) as [`Predicate`]s. They are hints, never answers: the scan uses
//! them only to skip what cannot match, and DataFusion still applies the full filter to whatever is read (the
//! table reports them as `Inexact`). Parquet row groups and pages are skipped when their statistics (min, max,
//! null count) prove that no row can match; text lines are left out unread when they are well formed and an
//! equality's field (`=`, `IN`) holds another valid value. `vpcflow convert` sorts each row group by verdict and
//! addresses, so a filter such as `action = 'REJECT'` skips most pages of a converted tree.

use arrow::array::{Array, ArrayRef, AsArray, UInt64Array};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Int64Type};
use datafusion::common::{Column as DfColumn, ScalarValue};
use datafusion::logical_expr::{BinaryExpr, Expr, Operator};
use parquet::arrow::arrow_reader::statistics::StatisticsConverter;
use parquet::arrow::arrow_reader::{ArrowReaderMetadata, RowSelection, RowSelector};
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::collections::BTreeSet;
use vpcflow_record::Field;
use vpcflow_source::{KeyFilter, TimeRange};

/// A constant in a pushed filter.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Value {
    /// An integer.
    Int(i64),
    /// A string.
    Text(String),
}

/// A comparison of a column with constants.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Op {
    /// `column = v`, or `column IN (v, …)` with several values.
    Eq,
    /// `column < v`.
    Lt,
    /// `column <= v`.
    LtEq,
    /// `column > v`.
    Gt,
    /// `column >= v`.
    GtEq,
}

/// `column op value` (for [`Op::Eq`], any of `values`), on a record field by Athena name.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Predicate {
    /// The column, by Athena name.
    pub column: String,
    /// The comparison.
    pub op: Op,
    /// The constants (one, or several for `IN`).
    pub values: Vec<Value>,
}

impl Predicate {
    /// The predicate a filter expression is, when it has a shape statistics can use.
    pub fn from_expr(expr: &Expr) -> Option<Predicate> {
        match expr {
            // `a = 1 OR a = 2` (what the planner makes of a short `IN` list).
            Expr::BinaryExpr(BinaryExpr {
                left,
                op: Operator::Or,
                right,
            }) => {
                let (mut a, b) = (Predicate::from_expr(left)?, Predicate::from_expr(right)?);
                if a.column != b.column || a.op != Op::Eq || b.op != Op::Eq {
                    return None;
                }
                a.values.extend(b.values);
                Some(a)
            }
            Expr::BinaryExpr(BinaryExpr { left, op, right }) => {
                let (column, value, op) = match (left.as_ref(), right.as_ref()) {
                    (Expr::Column(c), Expr::Literal(v, _)) => (c, v, *op),
                    (Expr::Literal(v, _), Expr::Column(c)) => (c, v, op.swap()?),
                    _ => return None,
                };
                let op = match op {
                    Operator::Eq => Op::Eq,
                    Operator::Lt => Op::Lt,
                    Operator::LtEq => Op::LtEq,
                    Operator::Gt => Op::Gt,
                    Operator::GtEq => Op::GtEq,
                    _ => return None,
                };
                Some(Predicate {
                    column: field_column(column)?,
                    op,
                    values: vec![value_of(value)?],
                })
            }
            Expr::InList(list) if !list.negated => {
                let Expr::Column(c) = list.expr.as_ref() else {
                    return None;
                };
                let values = list
                    .list
                    .iter()
                    .map(|e| match e {
                        Expr::Literal(v, _) => value_of(v),
                        _ => None,
                    })
                    .collect::<Option<Vec<_>>>()?;
                Some(Predicate {
                    column: field_column(c)?,
                    op: Op::Eq,
                    values,
                })
            }
            _ => None,
        }
    }

    /// Whether a row with a value in `min..=max` may match (`None`: unknown bound).
    fn may_match(&self, min: Option<&Value>, max: Option<&Value>) -> bool {
        // How a bound compares with v; `None` when the bound is unknown or of another type.
        let below = |v: &Value, bound: Option<&Value>| -> Option<Ordering> {
            match (bound?, v) {
                (Value::Int(b), Value::Int(v)) => Some(b.cmp(v)),
                (Value::Text(b), Value::Text(v)) => Some(b.as_bytes().cmp(v.as_bytes())),
                _ => None,
            }
        };
        self.values.iter().any(|v| {
            let lo = below(v, min);
            let hi = below(v, max);
            match self.op {
                // min <= v <= max
                Op::Eq => lo != Some(Ordering::Greater) && hi != Some(Ordering::Less),
                // min < v
                Op::Lt => !matches!(lo, Some(Ordering::Greater | Ordering::Equal)),
                // min <= v
                Op::LtEq => lo != Some(Ordering::Greater),
                // max > v
                Op::Gt => !matches!(hi, Some(Ordering::Less | Ordering::Equal)),
                // max >= v
                Op::GtEq => hi != Some(Ordering::Less),
            }
        })
    }
}

impl std::fmt::Display for Predicate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let op = match self.op {
            Op::Eq if self.values.len() > 1 => "IN",
            Op::Eq => "=",
            Op::Lt => "<",
            Op::LtEq => "<=",
            Op::Gt => ">",
            Op::GtEq => ">=",
        };
        let values: Vec<String> = self
            .values
            .iter()
            .map(|v| match v {
                Value::Int(n) => n.to_string(),
                Value::Text(s) => format!("'{s}'"),
            })
            .collect();
        if self.values.len() > 1 {
            write!(f, "{} {op} ({})", self.column, values.join(", "))
        } else {
            write!(f, "{} {op} {}", self.column, values.join(", "))
        }
    }
}

/// The Athena name of a record field column (not a key or path column: those are not in the files).
fn field_column(c: &DfColumn) -> Option<String> {
    let field = Field::from_name(&c.name)?;
    (field.column() == c.name).then(|| c.name.clone())
}

fn value_of(v: &ScalarValue) -> Option<Value> {
    match v {
        ScalarValue::Utf8(Some(s))
        | ScalarValue::Utf8View(Some(s))
        | ScalarValue::LargeUtf8(Some(s)) => Some(Value::Text(s.clone())),
        ScalarValue::Int8(Some(n)) => Some(Value::Int(i64::from(*n))),
        ScalarValue::Int16(Some(n)) => Some(Value::Int(i64::from(*n))),
        ScalarValue::Int32(Some(n)) => Some(Value::Int(i64::from(*n))),
        ScalarValue::Int64(Some(n)) => Some(Value::Int(*n)),
        ScalarValue::UInt8(Some(n)) => Some(Value::Int(i64::from(*n))),
        ScalarValue::UInt16(Some(n)) => Some(Value::Int(i64::from(*n))),
        ScalarValue::UInt32(Some(n)) => Some(Value::Int(i64::from(*n))),
        _ => None,
    }
}

/// The key columns a condition can prune the listing by: the key's date and its parts, account and region.
const KEY_COLUMNS: [&str; 7] = [
    "date",
    "year",
    "month",
    "day",
    "hour",
    "aws-account-id",
    "aws-region",
];

/// The key column a (possibly cast) column expression is.
fn key_column(expr: &Expr) -> Option<&'static str> {
    match expr {
        Expr::Column(c) => KEY_COLUMNS.iter().copied().find(|k| *k == c.name),
        Expr::Cast(c) => key_column(&c.expr),
        Expr::TryCast(c) => key_column(&c.expr),
        _ => None,
    }
}

/// Whether a condition compares a key column with constants (and so can prune the listing).
pub fn on_key(expr: &Expr) -> bool {
    let mut filter = KeyFilter::default();
    add_key_condition(expr, &mut filter)
}

/// What the conditions (a query's conjuncts) and the time range say about the keys that can hold matches.
pub fn key_filter(filters: &[Expr], time: TimeRange) -> KeyFilter {
    let mut filter = KeyFilter::time(time);
    for f in filters {
        add_key_condition(f, &mut filter);
    }
    filter
}

/// The text or date constant of a literal.
enum KeyValue {
    Text(String),
    Day(i32),
}

fn key_value(expr: &Expr) -> Option<KeyValue> {
    match expr {
        Expr::Literal(v, _) => match v {
            ScalarValue::Utf8(Some(s))
            | ScalarValue::Utf8View(Some(s))
            | ScalarValue::LargeUtf8(Some(s)) => Some(KeyValue::Text(s.clone())),
            ScalarValue::Date32(Some(d)) => Some(KeyValue::Day(*d)),
            _ => None,
        },
        Expr::Cast(c) => key_value(&c.expr),
        _ => None,
    }
}

/// Narrows `filter` by one condition; `false` when the condition is not one it understands (nothing changes).
fn add_key_condition(expr: &Expr, filter: &mut KeyFilter) -> bool {
    match expr {
        Expr::BinaryExpr(BinaryExpr {
            left,
            op: Operator::Or,
            right,
        }) => {
            // `k = a OR k = b`: the values of both sides, on one column.
            let (mut a, mut b) = (KeyFilter::default(), KeyFilter::default());
            if !(add_key_condition(left, &mut a) && add_key_condition(right, &mut b)) {
                return false;
            }
            let union = |x: &Option<BTreeSet<String>>, y: &Option<BTreeSet<String>>| match (x, y) {
                (Some(x), Some(y)) => Some(x.union(y).cloned().collect::<BTreeSet<String>>()),
                _ => None,
            };
            let merged = KeyFilter {
                accounts: union(&a.accounts, &b.accounts),
                regions: union(&a.regions, &b.regions),
                years: union(&a.years, &b.years),
                months: union(&a.months, &b.months),
                day_values: union(&a.day_values, &b.day_values),
                hours: union(&a.hours, &b.hours),
                ..KeyFilter::default()
            };
            // Only a disjunction on one set column narrows anything; dates are left alone.
            let sets = [
                &merged.accounts,
                &merged.regions,
                &merged.years,
                &merged.months,
                &merged.day_values,
                &merged.hours,
            ];
            if sets.iter().filter(|s| s.is_some()).count() != 1 {
                return false;
            }
            intersect_sets(filter, merged);
            true
        }
        Expr::BinaryExpr(BinaryExpr { left, op, right }) => {
            let (column, value, op) = match (key_column(left), key_column(right)) {
                (Some(c), None) => (c, key_value(right), *op),
                (None, Some(c)) => match op.swap() {
                    Some(op) => (c, key_value(left), op),
                    None => return false,
                },
                _ => return false,
            };
            let Some(value) = value else { return false };
            match (column, value, op) {
                ("date", KeyValue::Day(d), Operator::Eq) => narrow_days(filter, Some(d), Some(d)),
                ("date", KeyValue::Day(d), Operator::Lt) => narrow_days(filter, None, Some(d - 1)),
                ("date", KeyValue::Day(d), Operator::LtEq) => narrow_days(filter, None, Some(d)),
                ("date", KeyValue::Day(d), Operator::Gt) => narrow_days(filter, Some(d + 1), None),
                ("date", KeyValue::Day(d), Operator::GtEq) => narrow_days(filter, Some(d), None),
                (column, KeyValue::Text(v), Operator::Eq) if column != "date" => {
                    intersect_sets(filter, set_of(column, [v]));
                }
                _ => return false,
            }
            true
        }
        Expr::InList(list) if !list.negated => {
            let Some(column) = key_column(&list.expr) else {
                return false;
            };
            let values: Option<Vec<KeyValue>> = list.list.iter().map(key_value).collect();
            let Some(values) = values else { return false };
            if column == "date" {
                let days: Option<Vec<i32>> = values
                    .iter()
                    .map(|v| match v {
                        KeyValue::Day(d) => Some(*d),
                        KeyValue::Text(_) => None,
                    })
                    .collect();
                let Some(days) = days else { return false };
                narrow_days(
                    filter,
                    days.iter().min().copied(),
                    days.iter().max().copied(),
                );
                return true;
            }
            let texts: Option<Vec<String>> = values
                .into_iter()
                .map(|v| match v {
                    KeyValue::Text(t) => Some(t),
                    KeyValue::Day(_) => None,
                })
                .collect();
            let Some(texts) = texts else { return false };
            intersect_sets(filter, set_of(column, texts));
            true
        }
        Expr::Between(b) if !b.negated => {
            let (Some("date"), Some(KeyValue::Day(lo)), Some(KeyValue::Day(hi))) =
                (key_column(&b.expr), key_value(&b.low), key_value(&b.high))
            else {
                return false;
            };
            narrow_days(filter, Some(lo), Some(hi));
            true
        }
        _ => false,
    }
}

fn narrow_days(filter: &mut KeyFilter, lo: Option<i32>, hi: Option<i32>) {
    let (a, b) = filter.days;
    filter.days = (
        match (a, lo) {
            (Some(a), Some(l)) => Some(a.max(l)),
            (a, l) => a.or(l),
        },
        match (b, hi) {
            (Some(b), Some(h)) => Some(b.min(h)),
            (b, h) => b.or(h),
        },
    );
}

fn set_of(column: &str, values: impl IntoIterator<Item = String>) -> KeyFilter {
    let set: BTreeSet<String> = values.into_iter().collect();
    let mut f = KeyFilter::default();
    match column {
        "year" => f.years = Some(set),
        "month" => f.months = Some(set),
        "day" => f.day_values = Some(set),
        "hour" => f.hours = Some(set),
        "aws-account-id" => f.accounts = Some(set),
        "aws-region" => f.regions = Some(set),
        _ => {}
    }
    f
}

/// Keeps in `filter` only the values both allow, set by set.
fn intersect_sets(filter: &mut KeyFilter, other: KeyFilter) {
    fn both(a: &mut Option<BTreeSet<String>>, b: Option<BTreeSet<String>>) {
        *a = match (a.take(), b) {
            (Some(x), Some(y)) => Some(x.intersection(&y).cloned().collect()),
            (x, y) => x.or(y),
        };
    }
    both(&mut filter.accounts, other.accounts);
    both(&mut filter.regions, other.regions);
    both(&mut filter.years, other.years);
    both(&mut filter.months, other.months);
    both(&mut filter.day_values, other.day_values);
    both(&mut filter.hours, other.hours);
}

/// Statistics as values: one per row group or page, `None` where unknown.
fn values_of(array: &ArrayRef) -> Option<Vec<Option<Value>>> {
    match array.data_type() {
        DataType::Utf8 | DataType::Utf8View | DataType::LargeUtf8 => {
            let a = cast(array, &DataType::Utf8).ok()?;
            Some(
                a.as_string::<i32>()
                    .iter()
                    .map(|v| v.map(|s| Value::Text(s.to_string())))
                    .collect(),
            )
        }
        DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32 => {
            let a = cast(array, &DataType::Int64).ok()?;
            Some(
                a.as_primitive::<Int64Type>()
                    .iter()
                    .map(|v| v.map(Value::Int))
                    .collect(),
            )
        }
        _ => None,
    }
}

/// Per entry (row group or page): whether a row in it may match `p`, from its min, max, null and row counts.
fn keep(
    p: &Predicate,
    mins: &ArrayRef,
    maxes: &ArrayRef,
    nulls: &UInt64Array,
    rows: &[u64],
) -> Option<Vec<bool>> {
    let mins = values_of(mins)?;
    let maxes = values_of(maxes)?;
    if mins.len() != rows.len() || maxes.len() != rows.len() {
        return None;
    }
    Some(
        (0..rows.len())
            .map(|i| {
                // A comparison with NULL is never true: an all-null entry cannot match.
                let all_null = nulls.len() == rows.len()
                    && !nulls.is_null(i)
                    && nulls.value(i) == rows[i]
                    && rows[i] > 0;
                !all_null && p.may_match(mins[i].as_ref(), maxes[i].as_ref())
            })
            .collect(),
    )
}

/// What of a file's row groups `groups` the predicates leave to read: the row groups that may match and, when
/// the file has a page index, the rows of their pages that may match.
pub(crate) fn prune(
    metadata: &ArrowReaderMetadata,
    groups: Vec<usize>,
    predicates: &[Predicate],
) -> (Vec<usize>, Option<RowSelection>) {
    let meta = metadata.metadata();
    let row_groups = meta.row_groups();
    let converters: Vec<(&Predicate, StatisticsConverter<'_>)> = predicates
        .iter()
        .filter_map(|p| {
            StatisticsConverter::try_new(&p.column, metadata.schema(), metadata.parquet_schema())
                .ok()
                .filter(|c| c.parquet_column_index().is_some())
                .map(|c| (p, c))
        })
        .collect();
    if converters.is_empty() {
        return (groups, None);
    }
    // Row groups.
    let mut kept = groups;
    for (p, c) in &converters {
        let chunks: Vec<_> = kept.iter().map(|g| &row_groups[*g]).collect();
        let (Ok(mins), Ok(maxes), Ok(nulls)) = (
            c.row_group_mins(chunks.iter().copied()),
            c.row_group_maxes(chunks.iter().copied()),
            c.row_group_null_counts(chunks.iter().copied()),
        ) else {
            continue;
        };
        let rows: Vec<u64> = chunks.iter().map(|g| g.num_rows().max(0) as u64).collect();
        if let Some(flags) = keep(p, &mins, &maxes, &nulls, &rows) {
            kept = kept
                .into_iter()
                .zip(flags)
                .filter_map(|(g, k)| k.then_some(g))
                .collect();
        }
    }
    // Pages of the row groups left.
    let (Some(column_index), Some(offset_index)) = (meta.column_index(), meta.offset_index())
    else {
        return (kept, None);
    };
    let mut selection: Option<RowSelection> = None;
    for (p, c) in &converters {
        let (Ok(mins), Ok(maxes), Ok(nulls), Ok(Some(rows))) = (
            c.data_page_mins(column_index, offset_index, kept.iter()),
            c.data_page_maxes(column_index, offset_index, kept.iter()),
            c.data_page_null_counts(column_index, offset_index, kept.iter()),
            c.data_page_row_counts(offset_index, row_groups, kept.iter()),
        ) else {
            continue;
        };
        let rows: Vec<u64> = rows.values().to_vec();
        let Some(flags) = keep(p, &mins, &maxes, &nulls, &rows) else {
            continue;
        };
        let mut selectors: Vec<RowSelector> = Vec::with_capacity(flags.len());
        for (n, k) in rows.iter().zip(flags) {
            let n = *n as usize;
            match selectors.last_mut() {
                Some(last) if last.skip != k => last.row_count += n,
                _ => selectors.push(if k {
                    RowSelector::select(n)
                } else {
                    RowSelector::skip(n)
                }),
            }
        }
        let this = RowSelection::from(selectors);
        selection = Some(match selection {
            Some(s) => s.intersection(&this),
            None => this,
        });
    }
    (kept, selection)
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::prelude::{col, lit};

    #[test]
    fn comparisons_with_constants_are_pushed() {
        let p = Predicate::from_expr(&col("action").eq(lit("REJECT"))).unwrap();
        assert_eq!(p.op, Op::Eq);
        assert_eq!(p.values, vec![Value::Text("REJECT".into())]);
        let p = Predicate::from_expr(&lit(22i32).lt(col("dstport"))).unwrap();
        assert_eq!((p.column.as_str(), p.op), ("dstport", Op::Gt));
        let p =
            Predicate::from_expr(&col("dstport").in_list(vec![lit(22), lit(3389)], false)).unwrap();
        assert_eq!(p.values.len(), 2);
        assert!(Predicate::from_expr(&col("dstport").in_list(vec![lit(22)], true)).is_none());
        let p = Predicate::from_expr(&col("dstport").eq(lit(22)).or(col("dstport").eq(lit(80))))
            .unwrap();
        assert_eq!(p.values, vec![Value::Int(22), Value::Int(80)]);
        assert!(
            Predicate::from_expr(&col("dstport").eq(lit(22)).or(col("srcport").eq(lit(80))))
                .is_none()
        );
        assert!(Predicate::from_expr(&col("aws-region").eq(lit("us-east-1"))).is_none());
        assert!(Predicate::from_expr(&col("action").not_eq(lit("REJECT"))).is_none());
    }

    #[test]
    fn ranges_that_cannot_match_are_skipped() {
        let eq = |v: &str| Predicate {
            column: "action".into(),
            op: Op::Eq,
            values: vec![Value::Text(v.into())],
        };
        let t = |s: &str| Some(Value::Text(s.into()));
        assert!(!eq("REJECT").may_match(t("ACCEPT").as_ref(), t("ACCEPT").as_ref()));
        assert!(eq("REJECT").may_match(t("ACCEPT").as_ref(), t("REJECT").as_ref()));
        assert!(!eq("REJECT").may_match(None, t("ACCEPT").as_ref()));
        assert!(eq("REJECT").may_match(Some(&Value::Int(1)), Some(&Value::Int(2))));
        assert!(eq("ACCEPT").may_match(None, None));
        let gt = Predicate {
            column: "bytes".into(),
            op: Op::Gt,
            values: vec![Value::Int(1000)],
        };
        assert!(!gt.may_match(Some(&Value::Int(1)), Some(&Value::Int(1000))));
        assert!(gt.may_match(Some(&Value::Int(1)), Some(&Value::Int(1001))));
    }
}
