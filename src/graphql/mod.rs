//! The GraphQL layer: types, root fields, loaders and pagination. The schema is
//! built from types alone, so the SDL can be printed with no database at hand.

pub mod columns;
pub mod context;
pub mod core;
pub mod decode;
pub mod error_codes;
pub mod filter;
pub mod generic_input;
pub mod global_id;
pub mod joins;
pub mod limits;
pub mod literals;
pub mod loaders;
pub mod mutations;
pub mod pagination;
pub mod policy;
pub mod queries;
pub mod registry;
pub mod relations;
pub mod response_order;
pub mod subscription;
pub mod types;
pub mod upload;

use std::sync::Arc;

use async_graphql::Schema;

use crate::auth::Keys;
use crate::events::Events;
use crate::media::Media;
use subscription::Subscription;

pub use context::RequestCtx;
pub use mutations::Mutation;
pub use pagination::PageLimits;
pub use queries::{Query, Root};

pub type AppSchema = Schema<Root, Mutation, Subscription>;

/// How deep and how costly one operation may be; both are checked when the
/// operation is validated, before any SQL is sent.
#[derive(clap::Args, Clone, Copy, Debug)]
#[command(next_help_heading = "Query limits")]
pub struct QueryLimits {
    /// The deepest selection nesting an operation may have (`{ a { b { c } } }`
    /// is 3).
    #[arg(long, env = "BLOGQL_MAX_DEPTH", default_value_t = QueryLimits::default().max_depth)]
    pub max_depth: usize,
    /// The highest complexity an operation may have: a list costs its page size
    /// times what one row costs.
    #[arg(long, env = "BLOGQL_MAX_COMPLEXITY",
          default_value_t = QueryLimits::default().max_complexity)]
    pub max_complexity: usize,
}

impl Default for QueryLimits {
    fn default() -> Self {
        // Q1 of the reference workload is about 35,000; a three-level nesting of
        // hundred-row pages is a million.
        QueryLimits {
            max_depth: 15,
            max_complexity: 100_000,
        }
    }
}

pub fn build_schema(
    limits: PageLimits,
    query: QueryLimits,
    keys: Arc<Keys>,
    events: Arc<Events>,
    media: Arc<Media>,
    production: bool,
) -> AppSchema {
    let mut builder = Schema::build(Root::default(), Mutation::default(), Subscription)
        .data(limits)
        .data(keys)
        .data(events)
        .data(media)
        .limit_depth(query.max_depth)
        .limit_complexity(query.max_complexity);
    if production {
        // The schema is not a public document in production; nor are near-miss names.
        builder = builder.disable_introspection().disable_suggestions();
    }
    builder.finish()
}

/// The schema in SDL, as checked in at `schema.graphql`.
pub fn sdl() -> String {
    Schema::build(Root::default(), Mutation::default(), Subscription)
        .finish()
        .sdl()
}
