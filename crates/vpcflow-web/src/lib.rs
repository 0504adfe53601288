//! `vpcflow serve`: a local web dashboard over flow logs.
//!
//! The inputs are read once into a columnar cache in memory ([`cache`]); an axum server ([`server`]) answers the
//! page's questions from it: each view's numbers in one pass over the cache ([`panels`], [`flowmap`], [`flows`]),
//! the SQL behind each panel ([`sqltext`]) run by a read-only DataFusion session ([`sql`]) for the SQL view and
//! downloads ([`export`]), and the words about a record ([`words`]). The page ([`assets`]: plain JavaScript and
//! a vendored, trimmed Apache ECharts) is embedded in the binary; the browser receives aggregates, never the raw
//! records beyond a page of rows. [`security`] keeps it local.

pub mod assets;
pub mod cache;
pub mod export;
pub mod flowmap;
pub mod flows;
pub mod panels;
pub mod scan;
pub mod security;
pub mod server;
pub mod sql;
pub mod sqltext;
pub mod state;
pub mod words;

pub use cache::{Cache, LoadOptions, load};
pub use server::{Dashboard, Options};

/// The port `serve` listens on when none is given (a free one is taken when it is busy).
pub const DEFAULT_PORT: u16 = 8765;
