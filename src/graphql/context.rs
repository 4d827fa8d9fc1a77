//! What one GraphQL request carries: its counted connection and its loaders.

use async_graphql::Context;

use sea_orm::ConnectionTrait;

use super::loaders::{LoadDriver, RequestLoader, request_loader};
use super::policy::Reader;
use crate::auth::Auth;
use crate::db::{Db, Txn, WriteLock};
use crate::error::{AppError, GqlResult};

/// Per-request state, put into each request (never into the schema) so that no
/// loader or cache outlives its request or is shared between viewers.
pub struct RequestCtx {
    pub db: Db,
    pub loader: RequestLoader,
    pub auth: Auth,
    writes: WriteLock,
}

impl RequestCtx {
    /// The request's state, and the driver its execution must run under.
    pub fn new(db: Db, auth: Auth, writes: WriteLock) -> (Self, LoadDriver) {
        let reader = Reader {
            backend: db.get_database_backend(),
            viewer: auth.viewer(),
        };
        let (loader, driver) = request_loader(db.clone(), reader);
        let ctx = RequestCtx {
            db,
            loader,
            auth,
            writes,
        };
        (ctx, driver)
    }

    /// Starts the transaction a mutation runs in.
    pub async fn begin_write(&self) -> Result<Txn, AppError> {
        Ok(self.db.begin_write(&self.writes).await?)
    }

    /// Who reads, for the visibility rules.
    pub fn reader(&self) -> Reader {
        Reader {
            backend: self.db.get_database_backend(),
            viewer: self.auth.viewer(),
        }
    }

    pub fn of<'a>(ctx: &Context<'a>) -> GqlResult<&'a RequestCtx> {
        ctx.data::<RequestCtx>()
    }
}
