//! Plan rewrites for questions flow logs are often asked.
//!
//! [`CountsWithOneDistinct`]: "how many flows, and from how many sources" —
//! `SELECT dstport, COUNT(*), COUNT(DISTINCT srcaddr) … GROUP BY dstport` — is a distinct count next to plain
//! counts. DataFusion's own rewrite of a single distinct aggregate into two group-bys takes only `sum`, `min`
//! and `max` beside it, so with `COUNT(*)` it falls back to a hash set of addresses per group, fed row by row.
//! This rule does the same two-level rewrite with counts too: group by the keys and the distinct argument
//! (counting rows), then by the keys (summing those counts and counting the distinct values). Both levels are
//! ordinary vectorised group-bys.

use datafusion::common::tree_node::Transformed;
use datafusion::common::{Column, DataFusionError, HashSet, Result};
use datafusion::functions::core::expr_fn::coalesce;
use datafusion::functions_aggregate::sum::sum_udaf;
use datafusion::logical_expr::expr::{AggregateFunction, AggregateFunctionParams};
use datafusion::logical_expr::logical_plan::builder::project;
use datafusion::logical_expr::{Aggregate, AggregateUDF, Expr, LogicalPlan, col, lit};
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
