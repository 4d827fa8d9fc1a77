//! The GraphQL layer: types, root fields, loaders and pagination. The schema is
//! built from types alone, so the SDL can be printed with no database at hand.

pub mod context;
pub mod filter;
pub mod loaders;
pub mod node;
pub mod pagination;
pub mod query;
pub mod relations;
pub mod types;

use async_graphql::{EmptyMutation, EmptySubscription, Schema};

pub use context::RequestCtx;
pub use pagination::PageLimits;
pub use query::Query;

pub type AppSchema = Schema<Query, EmptyMutation, EmptySubscription>;

pub fn build_schema(limits: PageLimits) -> AppSchema {
    Schema::build(Query, EmptyMutation, EmptySubscription)
        .data(limits)
        .finish()
}

/// The schema in SDL, as checked in at `schema.graphql`.
pub fn sdl() -> String {
    build_schema(PageLimits::default()).sdl()
}
