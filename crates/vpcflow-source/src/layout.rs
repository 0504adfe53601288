//! What an S3 key says about the records in the object: the partitions AWS's key layout names
//! (`vpcflow_catalog::s3_layout`, where keys are both read and written), offered under Athena's names.

pub use vpcflow_catalog::s3_layout::Partitions;
