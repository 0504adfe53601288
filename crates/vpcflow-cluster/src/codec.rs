//! The codecs every side of a cluster uses to turn plans into bytes and back.
//!
//! The client, the scheduler and the executors must agree on them: a plan encoded by one codec list is decoded
//! by position in the same list.

use ballista_core::serde::{BallistaLogicalExtensionCodec, BallistaPhysicalExtensionCodec};
use datafusion_proto::logical_plan::LogicalExtensionCodec;
use datafusion_proto::physical_plan::PhysicalExtensionCodec;
use std::sync::Arc;

/// The logical codec (client to scheduler).
pub fn logical() -> Arc<dyn LogicalExtensionCodec> {
    Arc::new(BallistaLogicalExtensionCodec::default())
}

/// The physical codec (scheduler to executors, executors to each other).
pub fn physical() -> Arc<dyn PhysicalExtensionCodec> {
    Arc::new(BallistaPhysicalExtensionCodec::default())
}
