//! What one GraphQL request carries: its counted connection and its loaders.

use async_graphql::Context;

use super::loaders::{LoadDriver, RequestLoader, request_loader};
use crate::db::Db;
use crate::error::GqlResult;

/// Per-request state, put into each request (never into the schema) so that no
/// loader or cache outlives its request or is shared between viewers.
pub struct RequestCtx {
    pub db: Db,
    pub loader: RequestLoader,
}

impl RequestCtx {
    /// The request's state, and the driver its execution must run under.
    pub fn new(db: Db) -> (Self, LoadDriver) {
        let (loader, driver) = request_loader(db.clone());
        (RequestCtx { db, loader }, driver)
    }

    pub fn of<'a>(ctx: &Context<'a>) -> GqlResult<&'a RequestCtx> {
        ctx.data::<RequestCtx>()
    }
}
