//! Subscriptions: posts as they are published and comments as they are added. Each
//! event is read back under the subscriber's own visibility rules before it is
//! sent, exactly as a query would read it.

use std::sync::Arc;

use async_graphql::{Context, ID, Subscription};
use entity::{author, comment, post, post_tag, tag};
use futures_util::{Stream, StreamExt, stream};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use tokio::sync::broadcast::{self, error::RecvError};

use super::context::RequestCtx;
use super::core::Node;
use super::core::Reader;
use super::policy;
use super::types::{Comment, Post, parse_id};
use crate::db::Db;
use crate::error::AppError;
use crate::events::{Event, Events};

#[derive(Default)]
pub struct Subscription;

#[Subscription]
impl Subscription {
    /// Posts as they are published (`publishPost`, or `createPost` with `publish`),
    /// optionally only those of one author or carrying one tag (by slug).
    async fn post_published(
        &self,
        ctx: &Context<'_>,
        author_id: Option<ID>,
        tag: Option<String>,
    ) -> Result<impl Stream<Item = Post> + use<>, AppError> {
        let request = RequestCtx::of(ctx)?;
        let author = author_id
            .as_ref()
            .map(|id| parse_id::<author::Entity>("authorId", id))
            .transpose()?;
        let tag_id = match tag {
            None => None,
            Some(slug) => {
                let found = tag::Entity::find()
                    .filter(tag::Column::Slug.eq(slug))
                    .one(&request.db)
                    .await?;
                Some(found.ok_or_else(|| AppError::not_found("Tag"))?.id)
            }
        };
        let (db, reader) = (request.db.clone(), request.reader());
        let heard = events(crate::error::data::<Arc<Events>>(ctx)?.subscribe());
        Ok(heard.filter_map(move |event| {
            let db = db.clone();
            async move {
                let Event::PostPublished { post_id } = event else {
                    return None;
                };
                let post = visible::<post::Entity>(&db, reader, post_id).await?;
                if author.is_some_and(|a| a != post.author_id) {
                    return None;
                }
                if let Some(tag_id) = tag_id {
                    let link = post_tag::Entity::find_by_id((post_id, tag_id))
                        .one(&db)
                        .await;
                    link.ok()??;
                }
                Some(Post(post))
            }
        }))
    }

    /// Comments as they are added to one post the subscriber can see.
    async fn comment_added(
        &self,
        ctx: &Context<'_>,
        post_id: ID,
    ) -> Result<impl Stream<Item = Comment> + use<>, AppError> {
        let request = RequestCtx::of(ctx)?;
        let id = parse_id::<post::Entity>("postId", &post_id)?;
        let (db, reader) = (request.db.clone(), request.reader());
        // A hidden post is as missing here as it is to a query.
        visible::<post::Entity>(&db, reader, id)
            .await
            .ok_or_else(|| AppError::not_found("Post"))?;
        let heard = events(crate::error::data::<Arc<Events>>(ctx)?.subscribe());
        Ok(heard.filter_map(move |event| {
            let db = db.clone();
            async move {
                match event {
                    Event::CommentAdded {
                        comment_id,
                        post_id,
                    } if post_id == id => visible::<comment::Entity>(&db, reader, comment_id)
                        .await
                        .map(Comment),
                    _ => None,
                }
            }
        }))
    }
}

/// The row of `E` with this id, if the reader may see it. A database error drops
/// the event (and is logged): a subscription outlives any one failure.
async fn visible<E: Node>(db: &Db, reader: Reader, id: i64) -> Option<E::Model> {
    let rows = policy::rows::<E>(reader, None).ok()?;
    match E::find().filter(E::ID.eq(id)).filter(rows).one(db).await {
        Ok(row) => row,
        Err(err) => {
            tracing::warn!(%err, "could not read an event's row");
            None
        }
    }
}

/// The events a receiver hears; one that falls behind skips what it missed.
fn events(rx: broadcast::Receiver<Event>) -> impl Stream<Item = Event> {
    stream::unfold(rx, |mut rx| async move {
        loop {
            match rx.recv().await {
                Ok(event) => return Some((event, rx)),
                Err(RecvError::Lagged(missed)) => {
                    tracing::warn!(missed, "a subscriber fell behind");
                }
                Err(RecvError::Closed) => return None,
            }
        }
    })
}
