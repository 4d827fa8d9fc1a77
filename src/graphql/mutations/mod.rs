//! Mutations, with Django's relation semantics: each runs in one transaction, checks
//! who may do it, and names the field at fault when it refuses.

mod account;
mod comments;
mod delete;
mod posts;
mod profile;
mod taxonomy;
mod validate;

use async_graphql::{Context, ID, MergedObject};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

pub use delete::{DeleteAction, DeleteEffect, DeletePayload};

use super::context::RequestCtx;
use super::core::Node;
use super::core::Reader;
use super::policy;
use crate::error::{AppError, GqlResult};
use crate::events::{Announcement, Event, Events};
use std::sync::Arc;

#[derive(MergedObject, Default)]
pub struct Mutation(
    account::AccountMutation,
    profile::ProfileMutation,
    posts::PostMutation,
    comments::CommentMutation,
    taxonomy::TaxonomyMutation,
);

/// The request and its signed-in author, or `UNAUTHENTICATED`.
fn signed_in<'a>(ctx: &Context<'a>) -> GqlResult<(&'a RequestCtx, i64)> {
    let request = RequestCtx::of(ctx)?;
    Ok((request, request.auth().require()?))
}

/// An `ID` argument or input field as a key.
fn key(field: &'static str, id: &ID) -> Result<i64, AppError> {
    id.parse()
        .map_err(|_| AppError::invalid(field, format!("`{field}` is not a valid ID")))
}

/// `made`, a slug made from a title or name, or `made-2`, `made-3`, ... : the
/// first that no row of `E` holds in `col`, hidden rows included (read inside the
/// transaction). A made slug never collides, so a `CONFLICT` cannot tell a client
/// that someone else's draft has that title.
async fn free_slug<E: EntityTrait>(
    conn: &impl ConnectionTrait,
    col: E::Column,
    made: String,
    max: usize,
) -> Result<String, AppError> {
    use sea_orm::QuerySelect;
    use sea_orm::sea_query::ExprTrait;
    // Slugs hold only `[a-z0-9-]`, so the pattern has no wildcard of the client's.
    let taken: std::collections::HashSet<String> = E::find()
        .select_only()
        .column(col)
        .filter(col.eq(made.as_str()).or(col.like(format!("{made}-%"))))
        .into_tuple::<String>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    if !taken.contains(&made) {
        return Ok(made);
    }
    for n in 2u64.. {
        let suffix = format!("-{n}");
        let stem = made[..made.len().min(max - suffix.len())].trim_end_matches('-');
        let candidate = format!("{stem}{suffix}");
        let free = if stem.len() == made.len() {
            !taken.contains(&candidate)
        } else {
            // Cut to fit: the candidate is not among those read above.
            E::find()
                .filter(col.eq(candidate.as_str()))
                .one(conn)
                .await?
                .is_none()
        };
        if free {
            return Ok(candidate);
        }
    }
    unreachable!("some suffix is free")
}

/// The row with this id as `reader` may see it, read inside the transaction;
/// `NOT_FOUND` naming `field` when there is none (or it is hidden from them).
async fn find<E: Node>(
    conn: &impl ConnectionTrait,
    reader: Reader,
    id: i64,
    field: &'static str,
) -> Result<E::Model, AppError> {
    E::find()
        .filter(E::ID.eq(id))
        .filter(policy::rows::<E>(reader, None)?)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound {
            entity: E::NAME,
            field: Some(field),
        })
}

/// `FORBIDDEN` unless the viewer is `owner`.
fn owned(owner: Option<i64>, viewer: i64, what: &str) -> Result<(), AppError> {
    if owner == Some(viewer) {
        Ok(())
    } else {
        Err(AppError::forbidden(format!(
            "only its author may change this {what}"
        )))
    }
}

/// `FORBIDDEN` unless the viewer is staff (read now, so `promote` takes effect at once).
async fn staff(conn: &impl ConnectionTrait, viewer: i64) -> Result<(), AppError> {
    let author = entity::author::Entity::find_by_id(viewer).one(conn).await?;
    if author.is_some_and(|a| a.is_staff) {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "only staff may delete categories and tags",
        ))
    }
}

/// Now, to the second: what every backend stores alike (MySQL keeps no fraction).
fn now() -> chrono::DateTime<chrono::Utc> {
    use chrono::SubsecRound;
    chrono::Utc::now().trunc_subsecs(0)
}

/// Announces `event` (if any) from inside the mutation's transaction; deliver the
/// returned announcement once the transaction has committed.
async fn announce(
    ctx: &Context<'_>,
    conn: &impl ConnectionTrait,
    event: Option<Event>,
) -> GqlResult<Announcement> {
    let Some(event) = event else {
        return Ok(Announcement::default());
    };
    let events = crate::error::data::<Arc<Events>>(ctx)?;
    Ok(events.announce(conn, event).await?)
}
