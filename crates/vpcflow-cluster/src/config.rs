//! vpcflow's settings in a cluster session.
//!
//! A Ballista client sends its session's settings with every query, and the scheduler hands them to each task,
//! so a setting the user chose on the command line reaches the executor that reads the input. DataFusion's own
//! settings travel that way already; these are vpcflow's, under the `vpcflow.` prefix (`SET vpcflow.strict =
//! true` works too). Credentials never go here: every task would carry them in clear.

use ballista_core::extension::SessionConfigExt;
use datafusion::common::config::{ConfigEntry, ConfigExtension, ExtensionOptions};
use datafusion::common::{DataFusionError, Result};
use datafusion::prelude::SessionConfig;

/// vpcflow's settings, read where the input is read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FlowsOptions {
    /// Stop at the first problem in the input (`--strict`): the task, and so the query, fails with the problem's
    /// file, line and field instead of the executor logging it and reading on.
    pub strict: bool,
}

const STRICT: &str = "strict";

impl ConfigExtension for FlowsOptions {
    const PREFIX: &'static str = "vpcflow";
}

/// By hand rather than with DataFusion's `extensions_options!`: its entries are named without the prefix, and
/// Ballista sends a session's settings as its entries, so the executor would be handed `strict`, which no
/// setting answers to.
impl ExtensionOptions for FlowsOptions {
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn as_any_mut(&mut self) -> &mut dyn std::any::Any {
        self
    }

    fn cloned(&self) -> Box<dyn ExtensionOptions> {
        Box::new(self.clone())
    }

    fn set(&mut self, key: &str, value: &str) -> Result<()> {
        match key {
            STRICT => {
                self.strict = value.trim().parse().map_err(|_| {
                    DataFusionError::Configuration(format!(
                        "vpcflow.strict is true or false, not {value:?}"
                    ))
                })?;
                Ok(())
            }
            _ => Err(DataFusionError::Configuration(format!(
                "no setting vpcflow.{key} (vpcflow has: vpcflow.strict)"
            ))),
        }
    }

    fn entries(&self) -> Vec<ConfigEntry> {
        vec![ConfigEntry {
            key: format!("{}.{STRICT}", Self::PREFIX),
            value: Some(self.strict.to_string()),
            description: "Stop at the first problem in the input",
        }]
    }
}

/// The settings every side starts from: Ballista's, with vpcflow's registered so that a task's settings can be
/// read into them (the executor's and scheduler's config producer).
pub fn base_config() -> SessionConfig {
    SessionConfig::new_with_ballista().with_option_extension(FlowsOptions::default())
}

/// vpcflow's settings in `config` (the defaults when it has none).
pub fn flows_options(config: &SessionConfig) -> FlowsOptions {
    config
        .options()
        .extensions
        .get::<FlowsOptions>()
        .cloned()
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ballista_core::extension::SessionConfigHelperExt;

    #[test]
    fn settings_travel_as_key_value_pairs() {
        let mut sent = base_config();
        sent.options_mut().set("vpcflow.strict", "true").unwrap();
        let pairs = sent.to_key_value_pairs();
        assert!(
            pairs
                .iter()
                .any(|p| p.key == "vpcflow.strict" && p.value.as_deref() == Some("true"))
        );
        let received = base_config().update_from_key_value_pair(&pairs);
        assert!(flows_options(&received).strict);
        assert!(!flows_options(&base_config()).strict);
        let mut config = base_config();
        let e = config
            .options_mut()
            .set("vpcflow.strict", "yes")
            .unwrap_err();
        assert!(e.to_string().contains("true or false"), "{e}");
        let e = config.options_mut().set("vpcflow.nope", "1").unwrap_err();
        assert!(e.to_string().contains("no setting vpcflow.nope"), "{e}");
    }
}
