//! The reference facts that reading a flow log needs, in one place: [`protocols`] (the full IANA protocol
//! registry), [`services`] (well-known ports and the ephemeral range), [`ranges`] (AWS's published address
//! ranges, with a snapshot built in) and [`s3_layout`] (the keys AWS delivers objects under, read and written).
//!
//! These are facts, not words: the narratives (`vpcflow-explain`), the query engine's functions and the diagnosis
//! all look names up here, so none of them depends on another's prose. Fetching newer data over HTTPS is behind
//! the `update` feature, so that a crate which only reads the facts does not build an HTTP client.

pub mod protocols;
pub mod ranges;
pub mod s3_layout;
pub mod services;

pub use ranges::{AwsRanges, Owner};
