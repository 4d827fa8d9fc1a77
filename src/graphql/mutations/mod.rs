//! Mutations, with Django's relation semantics. Each resolver is thin: it parses
//! its arguments, runs one operation of [`crate::domain`] (one transaction that
//! checks who may do it and names the field at fault when it refuses) and shapes
//! the answer into a payload.

mod account;
mod comments;
mod delete;
mod posts;
mod profile;
mod taxonomy;

use std::sync::Arc;

use async_graphql::{Context, ID, MergedObject};

pub use delete::DeletePayload;

use super::context::RequestCtx;
use crate::domain::{Session, Store};
use crate::error::{AppError, GqlResult};
use crate::events::Events;
use crate::graphql::core::Node;
use crate::graphql::global_id;
use crate::media::Media;

#[derive(MergedObject, Default)]
pub struct Mutation(
    account::AccountMutation,
    profile::ProfileMutation,
    posts::PostMutation,
    comments::CommentMutation,
    taxonomy::TaxonomyMutation,
);

/// What the operations run with, from the request.
fn store<'a>(ctx: &Context<'a>) -> GqlResult<Store<'a>> {
    let request = RequestCtx::of(ctx)?;
    let events = crate::error::data::<Arc<Events>>(ctx)?;
    let media = crate::error::data::<Arc<Media>>(ctx)?;
    Ok(request.store(events, media))
}

/// The signed-in author's operations, or `UNAUTHENTICATED`.
fn session<'a>(ctx: &Context<'a>) -> GqlResult<Session<'a>> {
    let viewer = RequestCtx::of(ctx)?.auth().require()?;
    Ok(store(ctx)?.as_author(viewer))
}

/// An `ID` argument or input field as a key.
fn key<E: Node>(field: &'static str, id: &ID) -> Result<i64, AppError> {
    global_id::row::<E>(id).map_err(|why| AppError::invalid(field, format!("`{field}` {why}")))
}
