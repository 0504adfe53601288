//! Athena's (Trino's) other functions that flow-log queries reach for and DataFusion lacks: `if(condition, a
//! [, b])`, `regexp_extract(text, pattern[, group])`, `bitwise_and`, `bitwise_or`, `bitwise_xor` and
//! `bitwise_not` (TCP flags: `bitwise_and(tcp_flags, 2) <> 0` is "saw a SYN"), `mod(n, m)`, and Trino's names
//! for DataFusion's `ceil` (`ceiling`), `trunc` (`truncate`) and `bool_and` (`every`).
//!
//! `if` is Trino's shorthand for `CASE WHEN condition THEN a ELSE b END`, and is planned as that CASE
//! ([`IfAsCase`]), so that the branch a row does not take is not evaluated for it; the function itself only
//! types the call and is never evaluated.

use arrow::array::{ArrayRef, AsArray, Int64Array, StringArray};
use arrow::compute::cast;
use arrow::compute::kernels::{bitwise, numeric};
use arrow::datatypes::{DataType, Int64Type};
use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::common::{Result, ScalarValue, exec_err, internal_err, plan_err};
use datafusion::logical_expr::expr::{Case, ScalarFunction};
use datafusion::logical_expr::expr_rewriter::NamePreserver;
use datafusion::logical_expr::type_coercion::binary::type_union_resolution;
use datafusion::logical_expr::{
    AggregateUDF, ColumnarValue, Expr, LogicalPlan, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl,
    Signature, Volatility,
};
use datafusion::optimizer::AnalyzerRule;
use std::sync::Arc;

/// Every scalar function here, ready to register.
pub fn all() -> Vec<ScalarUDF> {
    let user_defined = || Signature::user_defined(Volatility::Immutable);
    let mut functions = vec![
        ScalarUDF::new_from_impl(If {
            signature: user_defined(),
        }),
        ScalarUDF::new_from_impl(RegexpExtract {
            signature: user_defined(),
        }),
        ScalarUDF::new_from_impl(Mod {
            signature: user_defined(),
        }),
    ];
    for op in [Bitwise::And, Bitwise::Or, Bitwise::Xor, Bitwise::Not] {
        functions.push(ScalarUDF::new_from_impl(BitwiseFunction {
            op,
            signature: user_defined(),
        }));
    }
    functions.push(
        datafusion::functions::math::ceil()
            .as_ref()
            .clone()
            .with_aliases(["ceiling"]),
    );
    functions.push(
        datafusion::functions::math::trunc()
            .as_ref()
            .clone()
            .with_aliases(["truncate"]),
    );
    functions
}

/// Every aggregate function here, ready to register.
pub fn aggregates() -> Vec<AggregateUDF> {
    vec![
        datafusion::functions_aggregate::bool_and_or::bool_and_udaf()
            .as_ref()
            .clone()
            .with_aliases(["every"]),
    ]
}

/// `if(condition, a[, b])`: typed here, planned as `CASE` by [`IfAsCase`].
#[derive(Debug, PartialEq, Eq, Hash)]
struct If {
    signature: Signature,
}

impl ScalarUDFImpl for If {
    fn name(&self) -> &str {
        "if"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        let values = match arg_types {
            [_, values @ ..] if (1..=2).contains(&values.len()) => values,
            _ => return plan_err!("if() takes a condition and one or two values"),
        };
        let Some(common) = type_union_resolution(values) else {
            return plan_err!("if(): the values have no common type ({values:?})");
        };
        let mut types = vec![DataType::Boolean];
        types.extend(values.iter().map(|_| common.clone()));
        Ok(types)
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        match arg_types.get(1) {
            Some(t) => Ok(t.clone()),
            None => plan_err!("if() takes a condition and one or two values"),
        }
    }

    fn invoke_with_args(&self, _args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        internal_err!("if() is planned as CASE (IfAsCase), never evaluated as a function")
    }
}

/// Plans `if(condition, a[, b])` as `CASE WHEN condition THEN a [ELSE b] END`.
#[derive(Debug, Default)]
pub struct IfAsCase;

impl AnalyzerRule for IfAsCase {
    fn name(&self) -> &str {
        "vpcflow_if_as_case"
    }

    fn analyze(&self, plan: LogicalPlan, _config: &ConfigOptions) -> Result<LogicalPlan> {
        plan.transform_up_with_subqueries(|node| {
            // A projection's columns are named after their expressions: the CASE keeps the call's name.
            let names = NamePreserver::new(&node);
            node.map_expressions(|e| {
                let name = names.save(&e);
                let e = e.transform_up(|e| match e {
                    Expr::ScalarFunction(ScalarFunction { func, args }) if func.name() == "if" => {
                        let mut args = args.into_iter();
                        let (Some(condition), Some(then)) = (args.next(), args.next()) else {
                            return plan_err!("if() takes a condition and one or two values");
                        };
                        let otherwise = args.next().map(Box::new);
                        Ok(Transformed::yes(Expr::Case(Case::new(
                            None,
                            vec![(Box::new(condition), Box::new(then))],
                            otherwise,
                        ))))
                    }
                    e => Ok(Transformed::no(e)),
                })?;
                Ok(e.update_data(|e| name.restore(e)))
            })
        })
        .map(|t| t.data)
    }
}

/// `regexp_extract(text, pattern[, group])`: the first match of the pattern (or that capture group), NULL when
/// there is none.
#[derive(Debug, PartialEq, Eq, Hash)]
struct RegexpExtract {
    signature: Signature,
}

impl ScalarUDFImpl for RegexpExtract {
    fn name(&self) -> &str {
        "regexp_extract"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        match arg_types.len() {
            2 => Ok(vec![DataType::Utf8, DataType::Utf8]),
            3 => Ok(vec![DataType::Utf8, DataType::Utf8, DataType::Int64]),
            _ => plan_err!("regexp_extract() takes text, a pattern and optionally a group"),
        }
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let constant_text = |v: &ColumnarValue| match v {
            ColumnarValue::Scalar(s) => Ok(s.try_as_str().flatten().map(str::to_string)),
            ColumnarValue::Array(_) => {
                exec_err!("regexp_extract() takes a constant pattern and group")
            }
        };
        let Some(pattern) = constant_text(&args.args[1])? else {
            return Ok(ColumnarValue::Scalar(ScalarValue::Utf8(None)));
        };
        let group = match args.args.get(2) {
            Some(ColumnarValue::Scalar(ScalarValue::Int64(Some(g)))) if *g >= 0 => *g as usize,
            Some(_) => {
                return exec_err!(
                    "regexp_extract(): the group must be a constant number, 0 or more"
                );
            }
            None => 0,
        };
        let regex = match regex::Regex::new(&pattern) {
            Ok(r) => r,
            Err(e) => {
                return exec_err!("regexp_extract(): the pattern `{pattern}` is not valid: {e}");
            }
        };
        if group >= regex.captures_len() {
            return exec_err!(
                "regexp_extract(): the pattern `{pattern}` has {} groups, not {group}",
                regex.captures_len() - 1
            );
        }
        let text = args.args[0].to_array(args.number_rows)?;
        let found: StringArray = text
            .as_string::<i32>()
            .iter()
            .map(|t| {
                let captures = regex.captures(t?)?;
                Some(captures.get(group)?.as_str().to_string())
            })
            .collect();
        Ok(ColumnarValue::Array(Arc::new(found)))
    }
}

/// A bitwise function of Trino's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Bitwise {
    And,
    Or,
    Xor,
    Not,
}

/// `bitwise_and(x, y)`, `bitwise_or`, `bitwise_xor` and `bitwise_not(x)` of `BIGINT`s.
#[derive(Debug, PartialEq, Eq, Hash)]
struct BitwiseFunction {
    op: Bitwise,
    signature: Signature,
}

impl BitwiseFunction {
    fn arity(&self) -> usize {
        if self.op == Bitwise::Not { 1 } else { 2 }
    }
}

impl ScalarUDFImpl for BitwiseFunction {
    fn name(&self) -> &str {
        match self.op {
            Bitwise::And => "bitwise_and",
            Bitwise::Or => "bitwise_or",
            Bitwise::Xor => "bitwise_xor",
            Bitwise::Not => "bitwise_not",
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        if arg_types.len() != self.arity() {
            return plan_err!("{}() takes {} whole numbers", self.name(), self.arity());
        }
        if let Some(t) = arg_types.iter().find(|t| !t.is_integer() && !t.is_null()) {
            return plan_err!("{}() takes whole numbers, not {t}", self.name());
        }
        Ok(vec![DataType::Int64; arg_types.len()])
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Int64)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let rows = args.number_rows;
        let int = |i: usize| -> Result<Int64Array> {
            let a = cast(&args.args[i].to_array(rows)?, &DataType::Int64)?;
            Ok(a.as_primitive::<Int64Type>().clone())
        };
        let x = int(0)?;
        let out: Int64Array = match self.op {
            Bitwise::And => bitwise::bitwise_and(&x, &int(1)?)?,
            Bitwise::Or => bitwise::bitwise_or(&x, &int(1)?)?,
            Bitwise::Xor => bitwise::bitwise_xor(&x, &int(1)?)?,
            Bitwise::Not => bitwise::bitwise_not(&x)?,
        };
        Ok(ColumnarValue::Array(Arc::new(out)))
    }
}

/// `mod(n, m)`: the remainder of `n / m`, with the sign of `n` (SQL's `%`).
#[derive(Debug, PartialEq, Eq, Hash)]
struct Mod {
    signature: Signature,
}

impl ScalarUDFImpl for Mod {
    fn name(&self) -> &str {
        "mod"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        let [n, m] = arg_types else {
            return plan_err!("mod() takes two numbers");
        };
        let common = if n.is_integer() && m.is_integer() {
            DataType::Int64
        } else if (n.is_numeric() || n.is_null()) && (m.is_numeric() || m.is_null()) {
            DataType::Float64
        } else {
            return plan_err!("mod() takes two numbers, not {n} and {m}");
        };
        Ok(vec![common.clone(), common])
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        Ok(arg_types.first().cloned().unwrap_or(DataType::Int64))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let rows = args.number_rows;
        let n: ArrayRef = args.args[0].to_array(rows)?;
        let m: ArrayRef = args.args[1].to_array(rows)?;
        Ok(ColumnarValue::Array(numeric::rem(&n, &m)?))
    }
}
