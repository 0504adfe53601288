//! The `flows` SQL on Apache DataFusion Ballista: the same queries as on one machine, run by a scheduler and
//! any number of executors.
//!
//! Ballista moves plans between processes as bytes, so every side needs what vpcflow adds to DataFusion: the
//! client plans the SQL with vpcflow's functions and rules and sends the optimized plan; the [`scheduler`]
//! decodes it, plans it again in a session of its own and cuts it into stages and tasks; each [`executor`]
//! decodes its tasks and runs them. The [`codec`]s carry the `flows` table and its scan; functions travel by
//! name and are registered on every side from the engine's one list; vpcflow's settings travel with each
//! query ([`config`]).

pub mod client;
pub mod codec;
pub mod config;
pub mod executor;
pub mod scheduler;
pub mod stores;

pub use client::{ClientOptions, ClusterSession};
pub use executor::{ExecutorAddress, ExecutorOptions};
pub use scheduler::SchedulerOptions;

/// What can stop a scheduler or an executor.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The address could not be bound (in use, not this machine's).
    #[error("cannot listen on {0}: {1}")]
    Bind(String, #[source] std::io::Error),
    /// Another I/O failure.
    #[error(transparent)]
    Io(std::io::Error),
    /// Ballista's own failure (configuration, connecting to the scheduler, a service that stopped).
    #[error("{0}")]
    Ballista(#[from] ballista_core::error::BallistaError),
}

/// A runtime on every core for a scheduler or an executor.
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, Error> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("vpcflow-cluster")
        .build()
        .map_err(Error::Io)
}

/// Logs to standard error: vpcflow's own messages (where it listens, problems in the input met by an executor)
/// and Ballista's warnings; `RUST_LOG` chooses otherwise (`RUST_LOG=info` for every job and task).
pub fn init_logging() {
    let _ = env_logger::Builder::from_env(
        env_logger::Env::default().default_filter_or("warn,vpcflow_cluster=info"),
    )
    .try_init();
}

/// Resolves when the process is asked to stop: Ctrl-C, or SIGTERM (what service managers and container
/// runtimes send).
pub(crate) async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = interrupt.await;
                    return;
                }
            };
        tokio::select! {
            _ = interrupt => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}
