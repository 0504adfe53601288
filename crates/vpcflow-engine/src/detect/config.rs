//! The detection settings: thresholds, allow lists, and what counts as internal, from defaults and an optional
//! TOML file.
//!
//! ```toml
//! internal = ["198.18.0.0/15"]     # more internal ranges (a VPC with public addresses)
//! allow = ["192.0.2.10"]           # never report these, as actor or as target
//!
//! [scan.ports]
//! min_ports = 20
//! allow = ["10.0.5.9"]             # our vulnerability scanner: not reported as an actor
//!
//! [bruteforce.ssh]
//! allow = ["10.0.1.10"]            # the bastion
//! allow_targets = ["10.0.2.0/24"]  # nor as a target
//!
//! [dns.external]
//! enabled = false
//! ```
//!
//! A configuration file is input: an unknown detection or key, a value of the wrong type or out of range, or a
//! network that does not parse is an error naming the file and the key, and nothing runs.

use super::catalogue::{CATALOGUE, Detection};
use ipnet::IpNet;
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::Path;

/// The settings of one detection.
#[derive(Clone, Debug, PartialEq)]
pub struct DetectionConfig {
    /// Whether it runs.
    pub enabled: bool,
    /// Its thresholds, by key (every key of the catalogue is present).
    pub values: BTreeMap<&'static str, f64>,
    /// Actors (sources) never reported.
    pub allow: Vec<IpNet>,
    /// Targets never reported.
    pub allow_targets: Vec<IpNet>,
}

/// All settings.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// More internal ranges besides the private ones.
    pub internal: Vec<IpNet>,
    /// Addresses never reported, as actor or target, by any detection.
    pub allow: Vec<IpNet>,
    /// Per detection, by id.
    pub detections: BTreeMap<&'static str, DetectionConfig>,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            internal: Vec::new(),
            allow: Vec::new(),
            detections: CATALOGUE
                .iter()
                .map(|d| {
                    let values = d.params.iter().map(|p| (p.key, p.default)).collect();
                    (
                        d.id,
                        DetectionConfig {
                            enabled: true,
                            values,
                            allow: Vec::new(),
                            allow_targets: Vec::new(),
                        },
                    )
                })
                .collect(),
        }
    }
}

impl Config {
    /// Reads a configuration file over the defaults.
    pub fn load(path: &Path) -> Result<Config, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
        Config::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Reads configuration text over the defaults; an error names the key.
    pub fn parse(text: &str) -> Result<Config, String> {
        let table: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| format!("not valid TOML: {}", e.message()))?;
        let mut config = Config::default();
        for (key, value) in &table {
            match key.as_str() {
                "internal" => config.internal = nets(key, value)?,
                "allow" => config.allow = nets(key, value)?,
                _ => match value {
                    toml::Value::Table(t) => config.section(key, t)?,
                    _ => {
                        return Err(format!(
                            "{key}: unknown setting (expected `internal`, `allow` or a detection's table)"
                        ));
                    }
                },
            }
        }
        Ok(config)
    }

    /// A detection's table, or a table whose sub-tables are detections (`[scan.ports]` is `scan` → `ports`).
    fn section(&mut self, path: &str, table: &toml::Table) -> Result<(), String> {
        let Some(detection) = CATALOGUE.iter().find(|d| d.id == path) else {
            let prefix = format!("{path}.");
            if !CATALOGUE.iter().any(|d| d.id.starts_with(&prefix)) {
                return Err(format!(
                    "{path}: no such detection (`vpcflow detect --list` shows them)"
                ));
            }
            for (key, value) in table {
                let sub = format!("{path}.{key}");
                match value {
                    toml::Value::Table(t) => self.section(&sub, t)?,
                    _ => return Err(format!("{sub}: no such detection")),
                }
            }
            return Ok(());
        };
        let entry = self
            .detections
            .get_mut(detection.id)
            .expect("every detection has settings");
        for (key, value) in table {
            let name = format!("{path}.{key}");
            match key.as_str() {
                "enabled" => {
                    entry.enabled = value
                        .as_bool()
                        .ok_or_else(|| format!("{name}: expected true or false"))?;
                }
                "allow" => entry.allow = nets(&name, value)?,
                "allow_targets" => entry.allow_targets = nets(&name, value)?,
                _ => {
                    let param =
                        detection
                            .params
                            .iter()
                            .find(|p| p.key == key)
                            .ok_or_else(|| {
                                format!(
                                    "{name}: unknown setting ({} has: {})",
                                    detection.id,
                                    keys(detection)
                                )
                            })?;
                    let number = match value {
                        toml::Value::Integer(i) => *i as f64,
                        toml::Value::Float(f) => *f,
                        _ => return Err(format!("{name}: expected a number, got {value}")),
                    };
                    if !number.is_finite() || number < 0.0 {
                        return Err(format!(
                            "{name}: expected a number of 0 or more, got {value}"
                        ));
                    }
                    entry.values.insert(param.key, number);
                }
            }
        }
        Ok(())
    }

    /// The settings of a detection.
    pub fn of(&self, id: &str) -> &DetectionConfig {
        &self.detections[id]
    }

    /// A threshold of a detection.
    pub fn value(&self, id: &str, key: &str) -> f64 {
        self.of(id).values[key]
    }

    /// Whether a finding of `id` about this actor and target is suppressed by an allow list.
    pub fn allowed(&self, id: &str, actor: Option<IpAddr>, target: Option<IpAddr>) -> bool {
        let d = self.of(id);
        let any = |nets: &[IpNet], ip: Option<IpAddr>| {
            ip.is_some_and(|ip| nets.iter().any(|n| n.contains(&ip)))
        };
        any(&self.allow, actor)
            || any(&self.allow, target)
            || any(&d.allow, actor)
            || any(&d.allow_targets, target)
    }
}

fn keys(d: &Detection) -> String {
    let mut keys = vec!["enabled", "allow", "allow_targets"];
    keys.extend(d.params.iter().map(|p| p.key));
    keys.join(", ")
}

fn nets(name: &str, value: &toml::Value) -> Result<Vec<IpNet>, String> {
    let items = value
        .as_array()
        .ok_or_else(|| format!("{name}: expected a list of addresses or networks, got {value}"))?;
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let text = item
                .as_str()
                .ok_or_else(|| format!("{name}[{i}]: expected a string, got {item}"))?;
            vpcflow_catalog::intel::parse_net(text)
                .ok_or_else(|| format!("{name}[{i}]: `{text}` is not an address or network"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_overrides() {
        let c = Config::parse(
            "internal = [\"198.18.0.0/15\"]\n[scan.ports]\nmin_ports = 20\nallow = [\"10.0.5.9\"]\n\
             [\"dns.external\"]\nenabled = false\n[bruteforce.ssh]\nallow_targets = [\"10.0.2.0/24\"]\n",
        )
        .unwrap();
        assert_eq!(c.value("scan.ports", "min_ports"), 20.0);
        assert_eq!(c.value("scan.sweep", "min_hosts"), 25.0);
        assert!(!c.of("dns.external").enabled);
        assert_eq!(c.internal.len(), 1);
        let ip = |s: &str| Some(s.parse::<IpAddr>().unwrap());
        assert!(c.allowed("scan.ports", ip("10.0.5.9"), ip("10.0.0.1")));
        assert!(!c.allowed("scan.sweep", ip("10.0.5.9"), None));
        assert!(c.allowed("bruteforce.ssh", ip("203.0.113.9"), ip("10.0.2.7")));
        assert!(!c.allowed("bruteforce.ssh", ip("10.0.2.7"), ip("203.0.113.9")));
    }

    #[test]
    fn errors_name_the_key() {
        let err = |t: &str| Config::parse(t).unwrap_err();
        assert!(
            err("[scan.ports]\nmin_port = 3\n").starts_with(
                "scan.ports.min_port: unknown setting (scan.ports has: enabled, allow"
            )
        );
        assert_eq!(
            err("[scan.ports]\nmin_ports = -3\n"),
            "scan.ports.min_ports: expected a number of 0 or more, got -3"
        );
        assert_eq!(
            err("[scan.ports]\nmin_ports = \"x\"\n"),
            "scan.ports.min_ports: expected a number, got \"x\""
        );
        assert_eq!(
            err("[scan.portz]\n"),
            "scan.portz: no such detection (`vpcflow detect --list` shows them)"
        );
        assert!(err("[nothing]\n").starts_with("nothing: no such detection"));
        assert_eq!(
            err("allow = [\"10.0.0.0/33\"]\n"),
            "allow[0]: `10.0.0.0/33` is not an address or network"
        );
        assert_eq!(
            err("[scan.ports]\nenabled = 1\n"),
            "scan.ports.enabled: expected true or false"
        );
        assert!(err("[scan").starts_with("not valid TOML"));
    }
}
