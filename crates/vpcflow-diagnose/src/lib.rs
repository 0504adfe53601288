//! Connections from flow records, and why rejected traffic was rejected.
//!
//! The question the seeds spend most of their words on is "this was REJECTed — by what?". People answer it by
//! pairing lines by hand and remembering that security groups are stateful, network ACLs are stateless and a
//! reply needs a route. This crate does that: [`Conversations::build`] pairs records into connections (both
//! directions, across aggregation intervals and across NAT and transit gateway interfaces) and decides who
//! initiated; [`diagnose`] gives, for each rejected connection, the expert's reading of the records with its
//! certainty and the data that would settle it, and, given a [`vpcflow_netmodel::VpcModel`], the control and rule
//! that did it and the smallest change that would allow it. These are facts; `vpcflow-explain` says them in English
//! or Japanese.

pub mod analysis;
pub mod connections;
mod diagnose;
pub mod pairing;
pub mod summary;
pub mod timeline;

pub use connections::{
    CatalogPorts, Connection, Conversations, Counts, Endpoint, Flow, Leg, Verdict, interface_side,
};
pub use diagnose::{
    Agreement, Cause, ConfigFinding, Diagnosis, Evaluations, Finding, Needed, OtherConnection,
    Reason, Report, ReportItem, Undecided, Which, diagnose, diagnose_connection, needs_diagnosis,
};
pub use vpcflow_record::reading::{Confidence, InitiatorBasis};
