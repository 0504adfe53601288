//! Where an executor's tasks read from: local files as DataFusion reads them, and any S3 bucket a task names,
//! through vpcflow's S3 store made on first use with this process's own AWS credential chain (instance role,
//! IRSA, environment, profile). Nothing about credentials travels with a task.

use datafusion::common::{DataFusionError, Result};
use datafusion::execution::object_store::{DefaultObjectStoreRegistry, ObjectStoreRegistry};
use datafusion::execution::runtime_env::{RuntimeEnv, RuntimeEnvBuilder};
use object_store::ObjectStore;
use std::path::PathBuf;
use std::sync::Arc;
use url::Url;

/// Object stores by URL: those registered, else an S3 bucket's made when first asked for.
#[derive(Debug, Default)]
pub struct FlowsStores {
    known: DefaultObjectStoreRegistry,
}

impl ObjectStoreRegistry for FlowsStores {
    fn register_store(
        &self,
        url: &Url,
        store: Arc<dyn ObjectStore>,
    ) -> Option<Arc<dyn ObjectStore>> {
        self.known.register_store(url, store)
    }

    fn deregister_store(&self, url: &Url) -> Result<Arc<dyn ObjectStore>> {
        self.known.deregister_store(url)
    }

    fn get_store(&self, url: &Url) -> Result<Arc<dyn ObjectStore>> {
        if let Ok(store) = self.known.get_store(url) {
            return Ok(store);
        }
        match (url.scheme(), url.host_str()) {
            ("s3", Some(bucket)) if !bucket.is_empty() => {
                let store = crate::codec::remote()?.s3_store(bucket);
                self.known.register_store(url, store.clone());
                Ok(store)
            }
            _ => Err(DataFusionError::Configuration(format!(
                "no object store for {url}: an executor reads local files and s3:// objects"
            ))),
        }
    }
}

/// The executor's runtime for every task: spill files under `work_dir`, the stores above (one registry for the
/// process, so an S3 client and its connections serve every task).
pub fn runtime_producer(work_dir: PathBuf) -> ballista_core::RuntimeProducer {
    let stores = Arc::new(FlowsStores::default());
    Arc::new(move |_config| {
        let env: RuntimeEnv = RuntimeEnvBuilder::new()
            .with_temp_file_path(work_dir.clone())
            .with_object_store_registry(stores.clone())
            .build()?;
        Ok(Arc::new(env))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_files_are_there_and_other_schemes_are_named() {
        let stores = FlowsStores::default();
        assert!(stores.get_store(&Url::parse("file:///").unwrap()).is_ok());
        let e = stores
            .get_store(&Url::parse("hdfs://namenode:8020/").unwrap())
            .unwrap_err();
        assert!(
            e.to_string()
                .contains("no object store for hdfs://namenode:8020/"),
            "{e}"
        );
    }
}
