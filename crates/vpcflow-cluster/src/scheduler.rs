//! The scheduler: Ballista's, with vpcflow's table format, functions and plan rules in its sessions.
//!
//! The scheduler decodes each query's logical plan and plans it again in a session of its own (analyzer,
//! optimizer, the `flows` scan's listing and pruning), so that session needs everything the client's has: the
//! Athena-named functions, the plan rules, and the codecs that turn the `flows` table and its scan into bytes
//! and back.

use crate::codec;
use crate::config::base_config;
use ballista_core::extension::SessionConfigExt;
use ballista_core::utils::default_session_builder;
use ballista_scheduler::cluster::BallistaCluster;
use ballista_scheduler::config::SchedulerConfig;
use ballista_scheduler::scheduler_process::{create_scheduler, start_grpc_service_with_listener};
use datafusion::execution::SessionState;
use datafusion::prelude::{SessionConfig, SessionContext};
use datafusion_proto::protobuf::{LogicalPlanNode, PhysicalPlanNode};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// How to run a scheduler.
#[derive(Clone, Debug)]
pub struct SchedulerOptions {
    /// Where to listen for clients and executors (gRPC and the REST API on one port; port 0: any free port).
    pub bind: SocketAddr,
    /// The name executors and clients reach this scheduler by, when it differs from the bound address.
    pub external_host: Option<String>,
    /// An executor not heard from for this long is taken as lost and its tasks run elsewhere.
    pub executor_timeout: Duration,
    /// How often to look for lost executors.
    pub expire_interval: Duration,
    /// With no executor left, how long running queries wait for one before they fail.
    pub no_executors_grace: Duration,
    /// Attempts of one task before its query fails (only I/O errors and lost executors are retried).
    pub task_max_failures: usize,
}

impl Default for SchedulerOptions {
    /// Ballista's own defaults wait three minutes for a silent executor; a query then stalls that long. Half a
    /// minute, with executors beating every 5 s, notices a lost machine sooner and still tolerates a long GC-free
    /// pause or a busy network.
    fn default() -> Self {
        SchedulerOptions {
            bind: SocketAddr::from(([0, 0, 0, 0], 50050)),
            external_host: None,
            executor_timeout: Duration::from_secs(30),
            expire_interval: Duration::from_secs(5),
            no_executors_grace: Duration::from_secs(30),
            task_max_failures: 4,
        }
    }
}

/// [`serve`] on a runtime of its own, for callers that are not async.
pub fn run(
    options: SchedulerOptions,
    on_listening: impl FnOnce(SocketAddr),
) -> Result<(), crate::Error> {
    crate::runtime()?.block_on(serve(options, on_listening))
}

/// Runs a scheduler until the process is told to stop (Ctrl-C, SIGTERM). `on_listening` hears the address
/// bound (useful with port 0) once clients and executors can connect.
pub async fn serve(
    options: SchedulerOptions,
    on_listening: impl FnOnce(SocketAddr),
) -> Result<(), crate::Error> {
    let listener = tokio::net::TcpListener::bind(options.bind)
        .await
        .map_err(|e| crate::Error::Bind(options.bind.to_string(), e))?;
    let address = listener.local_addr().map_err(crate::Error::Io)?;
    let config = Arc::new(scheduler_config(&options, address));
    config.validate()?;
    let cluster = BallistaCluster::new_from_config(&config).await?;
    let scheduler =
        create_scheduler::<LogicalPlanNode, PhysicalPlanNode>(cluster, config.clone()).await?;
    log::info!("scheduler listening on {address}");
    on_listening(address);
    tokio::select! {
        served = start_grpc_service_with_listener(listener, scheduler) => served?,
        _ = crate::shutdown_signal() => log::info!("scheduler stopping"),
    }
    Ok(())
}

fn scheduler_config(options: &SchedulerOptions, address: SocketAddr) -> SchedulerConfig {
    let external_host = options.external_host.clone().unwrap_or_else(|| {
        if address.ip().is_unspecified() {
            "localhost".to_string()
        } else {
            address.ip().to_string()
        }
    });
    let mut config = SchedulerConfig::default()
        .with_hostname(external_host)
        .with_port(address.port());
    config.bind_host = address.ip().to_string();
    config.executor_timeout_seconds = options.executor_timeout.as_secs().max(1);
    config.expire_dead_executor_interval_seconds = options.expire_interval.as_secs().max(1);
    config.no_executors_grace_period_seconds = options.no_executors_grace.as_secs();
    config.task_max_failures = options.task_max_failures.max(1);
    config.override_config_producer = Some(Arc::new(base_config));
    config.override_session_builder = Some(Arc::new(session_state));
    config.override_logical_codec = Some(codec::logical());
    config.override_physical_codec = Some(codec::physical());
    config
}

/// The scheduler's session for one client session's settings: Ballista's, then vpcflow's functions (replacing
/// DataFusion's of the same name, as on the client) and plan rules, which must hold when the scheduler plans the
/// decoded query again.
pub fn session_state(config: SessionConfig) -> datafusion::common::Result<SessionState> {
    let config = config.with_ballista_logical_extension_codec(codec::logical());
    let config = config.with_ballista_physical_extension_codec(codec::physical());
    let ctx = SessionContext::new_with_state(default_session_builder(config)?);
    vpcflow_engine::install(&ctx);
    Ok(ctx.state())
}
