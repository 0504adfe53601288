//! Plan rewrites for questions flow logs are often asked.
//!
//! [`CountsWithOneDistinct`]: "how many flows, and from how many sources" —
//! `SELECT dstport, COUNT(*), COUNT(DISTINCT srcaddr) … GROUP BY dstport` — is a distinct count next to plain
//! counts. DataFusion's own rewrite of a single distinct aggregate into two group-bys takes only `sum`, `min`
//! and `max` beside it, so with `COUNT(*)` it falls back to a hash set of addresses per group, fed row by row.
//! This rule does the same two-level rewrite with counts too: group by the keys and the distinct argument
//! (counting rows), then by the keys (summing those counts and counting the distinct values). Both levels are
//! ordinary vectorised group-bys.
//!
//! [`ProjectedDays`]: AWS documents two Athena tables for flow logs. The Hive-style one has the key's `day`
//! (`'01'`, beside `year` and `month`), as `flows` does; the partition-projection one has `day` as the whole
//! date, `'2021/03/01'`, and AWS's examples filter it with `WHERE day >= '2021/03/01' AND day < '2021/03/31'`.
//! A `day` of two digits never compares meaningfully with such a date, so the query would silently match no
//! row. When a query compares `day` with a `yyyy/MM/dd` constant, this analyzer rule makes `day` that
//! table's throughout the query: the comparisons become the same comparisons of the `date` column (strings of
//! that shape sort as the dates they name), and what the query selects, groups or orders by as `day` is the
//! date written `yyyy/MM/dd`; `region`, which that table has as a partition, is the key's region where the
//! records do not carry one. Other queries keep the key's `day`, and `region` as the records have it. AWS's
//! Parquet projection table names the same `yyyy/MM/dd` partition `date`: `date >= '2021/02/01'` is read as
//! the date too (DataFusion cannot cast that text to a `DATE`).

use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::{Transformed, TreeNode, TreeNodeRecursion};
use datafusion::common::{Column, DFSchema, DataFusionError, HashSet, Result, ScalarValue};
use datafusion::functions::core::expr_fn::coalesce;
use datafusion::functions_aggregate::sum::sum_udaf;
use datafusion::logical_expr::expr::{AggregateFunction, AggregateFunctionParams};
use datafusion::logical_expr::expr::{Between, InList};
use datafusion::logical_expr::expr_rewriter::NamePreserver;
use datafusion::logical_expr::logical_plan::builder::project;
use datafusion::logical_expr::utils::merge_schema;
use datafusion::logical_expr::{
    Aggregate, AggregateUDF, BinaryExpr, Expr, LogicalPlan, Operator, Projection, cast, col, lit,
};
use datafusion::optimizer::AnalyzerRule;
use datafusion::optimizer::optimizer::ApplyOrder;
use datafusion::optimizer::{OptimizerConfig, OptimizerRule};
use std::sync::Arc;

const DISTINCT_ALIAS: &str = "__vpcflow_distinct";

/// Rewrites one distinct aggregate beside `count`, `sum`, `min` and `max` into two group-bys.
#[derive(Debug, Default)]
pub struct CountsWithOneDistinct;

/// Whether `aggr_expr` has distinct aggregates of one argument only, at least one `count` beside them, and
/// otherwise only aggregates that can be computed in two levels.
fn applies(aggr_expr: &[Expr]) -> bool {
    let mut distinct_args = HashSet::new();
    let mut counts = 0;
    for expr in aggr_expr {
        let Expr::AggregateFunction(AggregateFunction { func, params }) = expr else {
            return false;
        };
        if params.filter.is_some() || !params.order_by.is_empty() {
            return false;
        }
        let name = func.name().to_lowercase();
        if params.distinct {
            if params.args.len() != 1 {
                return false;
            }
            distinct_args.insert(params.args[0].clone());
        } else if name == "count" {
            counts += 1;
        } else if !matches!(name.as_str(), "sum" | "min" | "max") {
            return false;
        }
    }
    distinct_args.len() == 1 && counts > 0
}

impl OptimizerRule for CountsWithOneDistinct {
    fn name(&self) -> &str {
        "vpcflow_counts_with_one_distinct"
    }

    fn apply_order(&self) -> Option<ApplyOrder> {
        Some(ApplyOrder::TopDown)
    }

    fn supports_rewrite(&self) -> bool {
        true
    }

    fn rewrite(
        &self,
        plan: LogicalPlan,
        _config: &dyn OptimizerConfig,
    ) -> Result<Transformed<LogicalPlan>, DataFusionError> {
        let LogicalPlan::Aggregate(aggregate) = plan else {
            return Ok(Transformed::no(plan));
        };
        if !applies(&aggregate.aggr_expr)
            || matches!(aggregate.group_expr.first(), Some(Expr::GroupingSet(_)))
        {
            return Ok(Transformed::no(LogicalPlan::Aggregate(aggregate)));
        }
        let Aggregate {
            input,
            group_expr,
            aggr_expr,
            schema,
            ..
        } = aggregate;
        let group_size = group_expr.len();
        // Inner keys: the original keys (complex ones under an alias the outer level can name), then the
        // distinct argument.
        let mut inner_group = Vec::with_capacity(group_size + 1);
        let mut outer_group = Vec::with_capacity(group_size);
        let mut output = Vec::with_capacity(group_size + aggr_expr.len());
        for (i, e) in group_expr.into_iter().enumerate() {
            let (qualifier, field) = schema.qualified_field(i);
            if let Expr::Column(_) = e {
                outer_group.push(e.clone());
                output.push(e.clone());
                inner_group.push(e);
            } else {
                let alias = format!("__vpcflow_group_{i}");
                inner_group.push(e.alias(alias.clone()));
                outer_group.push(col(alias.clone()));
                output.push(col(alias).alias_qualified(qualifier.cloned(), field.name()));
            }
        }
        let mut inner_aggr = Vec::new();
        let mut outer_aggr = Vec::with_capacity(aggr_expr.len());
        let mut from_count = Vec::with_capacity(aggr_expr.len());
        let mut distinct_added = false;
        for (i, e) in aggr_expr.into_iter().enumerate() {
            let Expr::AggregateFunction(AggregateFunction {
                func,
                params:
                    AggregateFunctionParams {
                        mut args, distinct, ..
                    },
            }) = e
            else {
                unreachable!("checked by applies()");
            };
            if distinct {
                if !distinct_added {
                    inner_group.push(args.swap_remove(0).alias(DISTINCT_ALIAS));
                    distinct_added = true;
                }
                outer_aggr.push(plain_call(func, vec![col(DISTINCT_ALIAS)]));
                from_count.push(false);
            } else {
                let alias = format!("__vpcflow_partial_{i}");
                let is_count = func.name().eq_ignore_ascii_case("count");
                inner_aggr.push(plain_call(func.clone(), args).alias(alias.clone()));
                // Counts add up; sum, min and max of the partial results are the results.
                let outer = if is_count { sum_udaf() } else { func };
                outer_aggr.push(plain_call(outer, vec![col(alias)]));
                from_count.push(is_count);
            }
        }
        let inner = LogicalPlan::Aggregate(Aggregate::try_new(input, inner_group, inner_aggr)?);
        let outer = LogicalPlan::Aggregate(Aggregate::try_new(
            Arc::new(inner),
            outer_group,
            outer_aggr.clone(),
        )?);
        for (i, (e, is_count)) in outer_aggr.into_iter().zip(from_count).enumerate() {
            let (qualifier, field) = schema.qualified_field(group_size + i);
            let column = Expr::Column(Column::from_name(e.schema_name().to_string()));
            // A count is 0, never NULL, over no rows (a global aggregate of an empty input).
            let value = if is_count {
                coalesce(vec![column, lit(0i64)])
            } else {
                column
            };
            output.push(value.alias_qualified(qualifier.cloned(), field.name()));
        }
        Ok(Transformed::yes(project(outer, output)?))
    }
}

/// `func(args)`: not distinct, no filter, no ordering, no null treatment.
fn plain_call(func: Arc<AggregateUDF>, args: Vec<Expr>) -> Expr {
    Expr::AggregateFunction(AggregateFunction::new_udf(
        func,
        args,
        false,
        None,
        vec![],
        None,
    ))
}

/// Shows a query that compares `day` (or `date`) with `yyyy/MM/dd` constants the flows table as AWS's
/// partition-projection table has it (see the module's documentation).
#[derive(Debug, Default)]
pub struct ProjectedDays;

impl AnalyzerRule for ProjectedDays {
    fn name(&self) -> &str {
        "vpcflow_projected_days"
    }

    fn analyze(&self, plan: LogicalPlan, _config: &ConfigOptions) -> Result<LogicalPlan> {
        // A comparison anywhere (WHERE, HAVING, a CASE in the SELECT list, a join condition) makes the query
        // projection-style.
        let mut projection_style = false;
        plan.apply_with_subqueries(|node| {
            if !matches!(node, LogicalPlan::TableScan(_)) {
                let schema = merge_schema(&node.inputs());
                node.apply_expressions(|e| {
                    e.apply(|e| {
                        projection_style |= as_date_comparison(e, &schema).is_some();
                        Ok(stop_if(projection_style))
                    })
                })?;
            }
            Ok(stop_if(projection_style))
        })?;
        if !projection_style {
            return Ok(plan);
        }
        plan.transform_up_with_subqueries(|node| {
            if let LogicalPlan::TableScan(_) = node {
                return whole_date_day(node);
            }
            let schema = merge_schema(&node.inputs());
            // A projection's columns are named after their expressions: a rewritten one keeps its name.
            let names = NamePreserver::new(&node);
            node.map_expressions(|e| {
                let name = names.save(&e);
                let e = on_date(e, &schema)?;
                Ok(e.update_data(|e| name.restore(e)))
            })
        })
        .map(|t| t.data)
    }
}

fn stop_if(done: bool) -> TreeNodeRecursion {
    if done {
        TreeNodeRecursion::Stop
    } else {
        TreeNodeRecursion::Continue
    }
}

/// A scan of the flows table seen as AWS's partition-projection table has it, for the rest of a query that
/// compares `day` with whole dates: `day` is the date written `yyyy/MM/dd` (what the query selects, groups and
/// orders by), and `region`, a partition of that table, is the key's region where the records have none.
fn whole_date_day(scan: LogicalPlan) -> Result<Transformed<LogicalPlan>> {
    let schema = scan.schema().clone();
    let is_flows = schema.iter().any(|(qualifier, field)| {
        let column = Expr::Column(Column::new(qualifier.cloned(), field.name()));
        date_beside_day(&column, &schema).is_some()
    });
    if !is_flows {
        return Ok(Transformed::no(scan));
    }
    let mut exprs = Vec::with_capacity(schema.fields().len());
    for (qualifier, field) in schema.iter() {
        let column = Expr::Column(Column::new(qualifier.cloned(), field.name()));
        let key_region = Column::new(qualifier.cloned(), "aws-region");
        let seen = if let Some(date) = date_beside_day(&column, &schema) {
            let text = datafusion::functions::datetime::to_char().call(vec![date, lit("%Y/%m/%d")]);
            cast(text, field.data_type().clone())
        } else if field.name() == "region" && schema.has_column(&key_region) {
            coalesce(vec![column, Expr::Column(key_region)])
        } else {
            exprs.push(column);
            continue;
        };
        exprs.push(seen.alias_qualified(qualifier.cloned(), field.name()));
    }
    Ok(Transformed::yes(LogicalPlan::Projection(
        Projection::try_new(exprs, Arc::new(scan))?,
    )))
}

/// The `date` column beside `e` when `e` is the `day` column (possibly cast) of a table that has both.
fn date_beside_day(e: &Expr, schema: &DFSchema) -> Option<Expr> {
    date_of(e, schema, &["day"])
}

/// The flows table's `date` column when `e` is its `day` or `date` column (possibly cast). AWS's Parquet
/// projection table names its `yyyy/MM/dd` partition `date`, so `date >= '2021/02/01'` means the date too.
fn date_of(e: &Expr, schema: &DFSchema, names: &[&str]) -> Option<Expr> {
    let column = match e {
        Expr::Column(c) => c,
        Expr::Cast(c) => match c.expr.as_ref() {
            Expr::Column(c) => c,
            _ => return None,
        },
        _ => return None,
    };
    if !names.contains(&column.name.as_str()) {
        return None;
    }
    let date = Column::new(column.relation.clone(), "date");
    let field = schema.qualified_field_from_column(&date).ok()?.1;
    (field.data_type() == &arrow::datatypes::DataType::Date32).then_some(Expr::Column(date))
}

/// The date a `yyyy/MM/dd` text constant (possibly cast) names, as a `DATE` constant.
fn slash_date(e: &Expr) -> Option<Expr> {
    let value = match e {
        Expr::Literal(v, _) => v,
        Expr::Cast(c) => match c.expr.as_ref() {
            Expr::Literal(v, _) => v,
            _ => return None,
        },
        _ => return None,
    };
    let text = value.try_as_str().flatten()?;
    let b = text.as_bytes();
    let shaped = b.len() == 10
        && b[4] == b'/'
        && b[7] == b'/'
        && [0, 1, 2, 3, 5, 6, 8, 9]
            .iter()
            .all(|&i| b[i].is_ascii_digit());
    if !shaped {
        return None;
    }
    let days = crate::schema::days_from_civil(&text.replace('/', "-"))?;
    Some(Expr::Literal(ScalarValue::Date32(Some(days)), None))
}

/// The `date` column when `e` is `day` or `date`: the columns a projection-style comparison is made on.
fn date_of_day_or_date(e: &Expr, schema: &DFSchema) -> Option<Expr> {
    date_of(e, schema, &["day", "date"])
}

/// The same comparison of `date` when `e` compares `day` (or `date`) with `yyyy/MM/dd` constants.
fn as_date_comparison(e: &Expr, schema: &DFSchema) -> Option<Expr> {
    match e {
        Expr::BinaryExpr(BinaryExpr { left, op, right })
            if matches!(
                op,
                Operator::Eq
                    | Operator::NotEq
                    | Operator::Lt
                    | Operator::LtEq
                    | Operator::Gt
                    | Operator::GtEq
                    | Operator::IsDistinctFrom
                    | Operator::IsNotDistinctFrom
            ) =>
        {
            let (left, right) = match (date_of_day_or_date(left, schema), slash_date(right)) {
                (Some(date), Some(d)) => (date, d),
                _ => (slash_date(left)?, date_of_day_or_date(right, schema)?),
            };
            Some(Expr::BinaryExpr(BinaryExpr::new(
                Box::new(left),
                *op,
                Box::new(right),
            )))
        }
        Expr::Between(Between {
            expr,
            negated,
            low,
            high,
        }) => Some(Expr::Between(Between::new(
            Box::new(date_of_day_or_date(expr, schema)?),
            *negated,
            Box::new(slash_date(low)?),
            Box::new(slash_date(high)?),
        ))),
        Expr::InList(InList {
            expr,
            list,
            negated,
        }) => Some(Expr::InList(InList::new(
            Box::new(date_of_day_or_date(expr, schema)?),
            list.iter().map(slash_date).collect::<Option<Vec<_>>>()?,
            *negated,
        ))),
        _ => None,
    }
}

/// `e` with its date comparisons (see [`as_date_comparison`]) made on `date`.
fn on_date(e: Expr, schema: &DFSchema) -> Result<Transformed<Expr>> {
    e.transform_up(|e| {
        Ok(match as_date_comparison(&e, schema) {
            Some(on_date) => Transformed::yes(on_date),
            None => Transformed::no(e),
        })
    })
}
