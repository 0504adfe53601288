//! The executor: Ballista's, able to run vpcflow's plans.
//!
//! A task arrives as an encoded physical plan that names functions by name and carries the `flows` scan as
//! vpcflow's own bytes, so the executor needs the same codecs and the same functions as the scheduler. It reads
//! its inputs itself (local paths it can see, S3 with its own credentials) and serves its shuffle output to the
//! other executors over Arrow Flight.

use crate::codec;
use crate::config::base_config;
use ballista_core::registry::BallistaFunctionRegistry;
use ballista_executor::executor_process::{ExecutorProcessConfig, start_executor_process};
use std::net::{IpAddr, SocketAddr, TcpListener};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// How to run an executor.
#[derive(Clone, Debug)]
pub struct ExecutorOptions {
    /// The scheduler's host and port.
    pub scheduler: (String, u16),
    /// Where to serve shuffle output (Arrow Flight); port 0: any free port.
    pub bind: SocketAddr,
    /// The port of the executor's own gRPC service, which the scheduler pushes tasks to (0: any free port).
    pub grpc_port: u16,
    /// The name other executors and the scheduler reach this one by (default: the address the scheduler sees).
    pub external_host: Option<String>,
    /// Tasks run at once (0: one per core).
    pub slots: usize,
    /// Where shuffle files go (default: a temporary directory removed on exit).
    pub work_dir: Option<PathBuf>,
    /// Memory the tasks may hold before they spill, in bytes (default: 70% of the machine's, or its cgroup's).
    pub memory_pool: Option<u64>,
    /// How often to tell the scheduler this executor is alive; must be well under its executor timeout.
    pub heartbeat: Duration,
}

impl Default for ExecutorOptions {
    fn default() -> Self {
        ExecutorOptions {
            scheduler: ("localhost".to_string(), 50050),
            bind: SocketAddr::from(([0, 0, 0, 0], 50051)),
            grpc_port: 50052,
            external_host: None,
            slots: 0,
            work_dir: None,
            memory_pool: None,
            heartbeat: Duration::from_secs(5),
        }
    }
}

/// Where a running executor serves, as it registered with the scheduler.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExecutorAddress {
    /// Its id (in the scheduler's REST API and logs).
    pub id: String,
    /// Shuffle output (Arrow Flight).
    pub flight: SocketAddr,
    /// The gRPC service tasks are pushed to.
    pub grpc: SocketAddr,
}

/// [`serve`] on a runtime of its own, for callers that are not async.
pub fn run(
    options: ExecutorOptions,
    on_ready: impl FnOnce(&ExecutorAddress),
) -> Result<(), crate::Error> {
    crate::runtime()?.block_on(serve(options, on_ready))
}

/// Runs an executor until it is told to stop (Ctrl-C, SIGTERM) or loses its services. `on_ready` hears where
/// it serves before it connects to the scheduler.
pub async fn serve(
    options: ExecutorOptions,
    on_ready: impl FnOnce(&ExecutorAddress),
) -> Result<(), crate::Error> {
    let ip = options.bind.ip();
    let flight = resolve_port(ip, options.bind.port())?;
    let grpc = resolve_port(ip, options.grpc_port)?;
    let temporary = match &options.work_dir {
        Some(_) => None,
        None => {
            Some(tempfile::TempDir::with_prefix("vpcflow-executor-").map_err(crate::Error::Io)?)
        }
    };
    let work_dir = match (&options.work_dir, &temporary) {
        (Some(dir), _) => dir.clone(),
        (None, Some(t)) => t.path().to_path_buf(),
        (None, None) => unreachable!("a temporary directory is made when none is given"),
    };
    let config = process_config(&options, flight, grpc, &work_dir);
    let address = ExecutorAddress {
        id: config.executor_id.clone(),
        flight: SocketAddr::new(ip, flight),
        grpc: SocketAddr::new(ip, grpc),
    };
    log::info!(
        "executor {} serving shuffle output on {} (tasks on {}), scheduler {}:{}",
        address.id,
        address.flight,
        address.grpc,
        options.scheduler.0,
        options.scheduler.1
    );
    on_ready(&address);
    // Ballista's executor stops on Ctrl-C and SIGTERM itself, telling the scheduler first.
    start_executor_process(Arc::new(config)).await?;
    drop(temporary);
    Ok(())
}

/// `port`, or a free port of `ip` when it is 0. Ballista registers the ports it is given, so a port the
/// kernel picks at bind time would be unknown to it: take one now and hand it over (another process could take
/// it in between; give fixed ports where that matters).
fn resolve_port(ip: IpAddr, port: u16) -> Result<u16, crate::Error> {
    if port != 0 {
        return Ok(port);
    }
    let listener =
        TcpListener::bind((ip, 0)).map_err(|e| crate::Error::Bind(format!("{ip}:0"), e))?;
    Ok(listener.local_addr().map_err(crate::Error::Io)?.port())
}

fn process_config(
    options: &ExecutorOptions,
    flight: u16,
    grpc: u16,
    work_dir: &std::path::Path,
) -> ExecutorProcessConfig {
    ExecutorProcessConfig {
        bind_host: options.bind.ip().to_string(),
        external_host: options.external_host.clone(),
        port: flight,
        grpc_port: grpc,
        scheduler_host: options.scheduler.0.clone(),
        scheduler_port: options.scheduler.1,
        // Wait for a scheduler that is still starting (services started together, a restarted scheduler).
        scheduler_connect_timeout_seconds: 30,
        vcores: options.slots,
        work_dir: Some(work_dir.display().to_string()),
        memory_pool_size: options.memory_pool,
        executor_heartbeat_interval_seconds: options.heartbeat.as_secs().max(1),
        // Shuffle files of finished jobs: the scheduler asks for their removal; this sweeps what a lost
        // scheduler left behind.
        job_data_clean_up_interval_seconds: 3600,
        job_data_ttl_seconds: 24 * 3600,
        override_function_registry: Some(Arc::new(function_registry())),
        override_config_producer: Some(Arc::new(base_config)),
        override_runtime_producer: Some(crate::stores::runtime_producer(work_dir.to_path_buf())),
        override_logical_codec: Some(codec::logical()),
        override_physical_codec: Some(codec::physical()),
        ..ExecutorProcessConfig::default()
    }
}

/// DataFusion's functions with vpcflow's added under their names and aliases, replacing DataFusion's of the same
/// name as they do in a single-machine session (a task's plan names its functions; the executor looks them up
/// here).
pub fn function_registry() -> BallistaFunctionRegistry {
    let mut registry = BallistaFunctionRegistry::default();
    for f in vpcflow_engine::scalar_functions() {
        let f = Arc::new(f);
        for name in std::iter::once(f.name()).chain(f.aliases().iter().map(String::as_str)) {
            registry
                .scalar_functions
                .insert(name.to_string(), f.clone());
        }
    }
    for f in vpcflow_engine::aggregate_functions() {
        let f = Arc::new(f);
        for name in std::iter::once(f.name()).chain(f.aliases().iter().map(String::as_str)) {
            registry
                .aggregate_functions
                .insert(name.to_string(), f.clone());
        }
    }
    registry
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn the_registry_has_every_engine_function_by_name_and_alias() {
        let registry = function_registry();
        // Later functions of the engine's list replace earlier ones of the same name, as in a session.
        let mut expected = HashMap::new();
        for f in vpcflow_engine::scalar_functions() {
            for name in std::iter::once(f.name()).chain(f.aliases().iter().map(String::as_str)) {
                expected.insert(name.to_string(), f.clone());
            }
        }
        assert!(expected.contains_key("contains") && expected.contains_key("protocol_name"));
        for (name, f) in &expected {
            assert_eq!(registry.scalar_functions[name].as_ref(), f, "{name}");
        }
        for f in vpcflow_engine::aggregate_functions() {
            assert_eq!(registry.aggregate_functions[f.name()].as_ref(), &f);
        }
        // DataFusion's own functions stay.
        assert!(registry.scalar_functions.contains_key("abs"));
        assert!(registry.aggregate_functions.contains_key("sum"));
    }
}
