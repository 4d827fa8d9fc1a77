//! What one GraphQL request carries: its counted connection and its loaders.

use std::sync::Arc;

use async_graphql::Context;

use sea_orm::ConnectionTrait;

use super::core::{Reader, Reads};
use super::joins::JoinedRows;
use super::loaders::{LoadDriver, RequestLoader, request_loader};
use crate::auth::{Auth, Identity};
use crate::db::{Db, WriteLock};
use crate::domain::Store;
use crate::error::GqlResult;
use crate::events::Events;
use crate::media::Media;

/// Per-request state, put into each request (never into the schema) so that no
/// loader or cache outlives its request or is shared between viewers.
pub struct RequestCtx {
    pub db: Db,
    pub loader: RequestLoader,
    identity: Arc<Identity>,
    writes: WriteLock,
    joined: Arc<JoinedRows>,
    reads: Reads,
}

impl RequestCtx {
    /// The request's state, and the driver its execution must run under; its
    /// statements read the columns of `reads` (see `graphql::columns`).
    pub fn new(db: Db, auth: Auth, writes: WriteLock, reads: Reads) -> (Self, LoadDriver) {
        let identity = Arc::new(Identity::new(auth));
        let joined = Arc::new(JoinedRows::default());
        let (loader, driver) = request_loader(db.clone(), identity.clone(), joined.clone(), reads);
        let ctx = RequestCtx {
            db,
            loader,
            identity,
            writes,
            joined,
            reads,
        };
        (ctx, driver)
    }

    /// What the domain's operations run with, for this request.
    pub fn store<'a>(&'a self, events: &'a Events, media: &'a Media) -> Store<'a> {
        Store {
            db: &self.db,
            writes: &self.writes,
            events,
            media,
        }
    }

    /// Who the request is made by, now.
    pub fn auth(&self) -> Auth {
        self.identity.get()
    }

    /// Makes `author` the viewer for the rest of the operation: what `login` and
    /// `register` answer (and anything after them) is read as the author signed in.
    pub fn sign_in(&self, author: i64) {
        self.identity.sign_in(author);
    }

    /// Ends the request's token for the rest of the operation, as it has ended for
    /// every later request.
    pub fn token_ended(&self) {
        self.identity.end();
    }

    /// Who reads, for the visibility rules.
    pub fn reader(&self) -> Reader {
        Reader {
            backend: self.db.get_database_backend(),
            viewer: self.auth().viewer(),
            reads: self.reads,
        }
    }

    /// The to-one rows the request's statements joined, for a subscription to
    /// forget after each event.
    pub fn joined_rows(&self) -> Arc<JoinedRows> {
        self.joined.clone()
    }

    pub fn of<'a>(ctx: &Context<'a>) -> GqlResult<&'a RequestCtx> {
        crate::error::data::<RequestCtx>(ctx)
    }
}
