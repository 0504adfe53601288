//! Athena's (Trino's) array functions where DataFusion's differ, so that queries such as
//! `SELECT * FROM vpc_flow_logs WHERE element_at(split(srcaddr, '.'), 1) = '10'` or
//! `… WHERE contains(ARRAY[22, 3389], dstport)` run unchanged.
//!
//! `split(text, delimiter)` is DataFusion's `string_to_array`; `element_at(array, i)` is its `array_element`
//! (1-based, negative from the end), where DataFusion's `element_at` reads maps; `contains(array, x)` is its
//! `array_has`, while `contains(text, part)` stays DataFusion's text function. `cardinality`, `array_join`,
//! `array_agg`, `ARRAY[…]` and `a[i]` are DataFusion's own under Trino's names.

use arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::{Result, plan_err};
use datafusion::logical_expr::type_coercion::functions::fields_with_udf;
use datafusion::logical_expr::{
    ColumnarValue, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
    Volatility,
};
use std::sync::Arc;

/// Every function here, ready to register (each replaces DataFusion's function of that name, if any).
pub fn all() -> Vec<ScalarUDF> {
    [
        Trino::new("split", 2, split),
        Trino::new("element_at", 2, element_at),
        Trino::new("contains", 2, contains),
    ]
    .into_iter()
    .map(ScalarUDF::new_from_impl)
    .collect()
}

/// A Trino function that is one of DataFusion's, chosen by the type of its first argument. The name says which
/// (equality and hashing go by it).
#[derive(Debug)]
struct Trino {
    name: &'static str,
    arity: usize,
    choose: fn(&DataType) -> Result<Arc<ScalarUDF>>,
    signature: Signature,
}

impl Trino {
    fn new(
        name: &'static str,
        arity: usize,
        choose: fn(&DataType) -> Result<Arc<ScalarUDF>>,
    ) -> Trino {
        Trino {
            name,
            arity,
            choose,
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }

    fn inner(&self, first: Option<&DataType>) -> Result<Arc<ScalarUDF>> {
        match first {
            Some(t) => (self.choose)(t),
            None => plan_err!("{}() takes {} arguments", self.name, self.arity),
        }
    }
}

impl PartialEq for Trino {
    fn eq(&self, other: &Trino) -> bool {
        self.name == other.name
    }
}

impl Eq for Trino {}

impl std::hash::Hash for Trino {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.name.hash(state);
    }
}

fn is_text(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Utf8 | DataType::Utf8View | DataType::LargeUtf8 | DataType::Null
    )
}

fn is_array(t: &DataType) -> bool {
    matches!(
        t,
        DataType::List(_) | DataType::LargeList(_) | DataType::FixedSizeList(..)
    )
}

fn split(t: &DataType) -> Result<Arc<ScalarUDF>> {
    if !is_text(t) {
        return plan_err!("split() takes text and a delimiter, not {t}");
    }
    Ok(datafusion::functions_nested::string::string_to_array_udf())
}

fn element_at(t: &DataType) -> Result<Arc<ScalarUDF>> {
    if !is_array(t) && t != &DataType::Null {
        return plan_err!("element_at() takes an array and a position, not {t}");
    }
    Ok(datafusion::functions_nested::extract::array_element_udf())
}

fn contains(t: &DataType) -> Result<Arc<ScalarUDF>> {
    if is_array(t) {
        Ok(datafusion::functions_nested::array_has::array_has_udf())
    } else {
        Ok(datafusion::functions::string::contains())
    }
}

impl ScalarUDFImpl for Trino {
    fn name(&self) -> &str {
        self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        if arg_types.len() != self.arity {
            // Trino's split(text, delimiter, limit) has no DataFusion counterpart; refuse it rather than read
            // the limit as string_to_array's third argument, which means something else.
            return plan_err!("{}() takes {} arguments", self.name, self.arity);
        }
        let fields: Vec<FieldRef> = arg_types
            .iter()
            .map(|t| Arc::new(Field::new("", t.clone(), true)))
            .collect();
        let inner = self.inner(arg_types.first())?;
        Ok(fields_with_udf(&fields, inner.as_ref())?
            .iter()
            .map(|f| f.data_type().clone())
            .collect())
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        self.inner(arg_types.first())?.return_type(arg_types)
    }

    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        let first = args.arg_fields.first().map(|f| f.data_type());
        self.inner(first)?.return_field_from_args(args)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let first = args.arg_fields.first().map(|f| f.data_type().clone());
        self.inner(first.as_ref())?.invoke_with_args(args)
    }
}
