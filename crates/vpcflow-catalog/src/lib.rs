//! The reference facts that reading a flow log needs, in one place: [`protocols`] (the full IANA protocol
//! registry), [`services`] (well-known ports and the ephemeral range), [`ranges`] (AWS's published address
//! ranges, with a snapshot built in), [`s3_layout`] (the keys AWS delivers objects under, read and written),
//! [`country`] (where an address is registered), [`asn`] (which autonomous system announces it, with a snapshot
//! built in), [`intel`] (the threat lists the user fetched or imported) and [`enrich`] (all of them about one
//! address, as one fact).
//!
//! These are facts, not words: the narratives (`vpcflow-explain`), the query engine's functions and the diagnosis
//! all look names up here, so none of them depends on another's prose. Fetching newer data over HTTPS ([`download`])
//! is behind the `update` feature, so that a crate which only reads the facts does not build an HTTP client.

pub mod asn;
pub mod country;
#[cfg(feature = "update")]
pub mod download;
pub mod enrich;
pub mod intel;
pub mod protocols;
pub mod ranges;
pub mod s3_layout;
pub mod services;

pub use ranges::{AwsRanges, Owner};
