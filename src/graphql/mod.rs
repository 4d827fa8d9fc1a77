//! The GraphQL layer: types, root fields, loaders and pagination. The schema is
//! built from types alone, so the SDL can be printed with no database at hand.

pub mod context;
pub mod error_codes;
pub mod filter;
pub mod loaders;
pub mod mutations;
pub mod node;
pub mod pagination;
pub mod policy;
pub mod query;
pub mod relations;
pub mod types;

use std::sync::Arc;

use async_graphql::{EmptySubscription, Schema};

use crate::auth::Keys;

pub use context::RequestCtx;
pub use mutations::Mutation;
pub use pagination::PageLimits;
pub use query::Query;

pub type AppSchema = Schema<Query, Mutation, EmptySubscription>;

pub fn build_schema(limits: PageLimits, keys: Arc<Keys>) -> AppSchema {
    Schema::build(Query, Mutation::default(), EmptySubscription)
        .data(limits)
        .data(keys)
        .extension(error_codes::ErrorCodes)
        .finish()
}

/// The schema in SDL, as checked in at `schema.graphql`.
pub fn sdl() -> String {
    Schema::build(Query, Mutation::default(), EmptySubscription)
        .finish()
        .sdl()
}
