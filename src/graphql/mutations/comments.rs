//! Comments: any signed-in author may comment on a post they can see; a comment's
//! author may edit it; its author or the post's author may delete it.

use async_graphql::{Context, ID, Object, SimpleObject};
use entity::{comment, post};
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, Set};

use super::delete::{DeletePayload, Report};
use super::{announce, find, key, now, owned, signed_in, validate};
use crate::error::{AppError, GqlResult};
use crate::events::Event;
use crate::graphql::types::{Comment, Post, to_id};

#[derive(SimpleObject)]
pub struct CommentPayload {
    pub comment: Comment,
    /// The post commented on, whose comments and count changed.
    pub post: Post,
}

async fn post_of(conn: &impl ConnectionTrait, id: i64) -> Result<post::Model, AppError> {
    post::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| AppError::not_found("Post"))
}

#[derive(Default)]
pub struct CommentMutation;

#[Object]
impl CommentMutation {
    /// Comments on a post the signed-in author can see.
    async fn create_comment(
        &self,
        ctx: &Context<'_>,
        post_id: ID,
        body: String,
    ) -> GqlResult<CommentPayload> {
        let (request, viewer) = signed_in(ctx)?;
        let body = validate::required("body", &body, 20_000)?;
        let txn = request.begin_write().await?;
        let conn = txn.conn();
        let post = find::<post::Entity>(conn, request.reader(), key("postId", &post_id)?, "postId")
            .await?;
        let created = comment::ActiveModel {
            post_id: Set(post.id),
            author_id: Set(Some(viewer)),
            body: Set(body),
            created_at: Set(now()),
            ..Default::default()
        }
        .insert(conn)
        .await?;
        let added = Event::CommentAdded {
            comment_id: created.id,
            post_id: post.id,
        };
        let announcement = announce(ctx, conn, Some(added)).await?;
        txn.commit().await?;
        announcement.committed();
        Ok(CommentPayload {
            comment: Comment(created),
            post: Post(post),
        })
    }

    /// Changes a comment of the signed-in author's.
    async fn update_comment(
        &self,
        ctx: &Context<'_>,
        id: ID,
        body: String,
    ) -> GqlResult<CommentPayload> {
        let (request, viewer) = signed_in(ctx)?;
        let body = validate::required("body", &body, 20_000)?;
        let txn = request.begin_write().await?;
        let conn = txn.conn();
        let current =
            find::<comment::Entity>(conn, request.reader(), key("id", &id)?, "id").await?;
        owned(current.author_id, viewer, "comment")?;
        let mut row: comment::ActiveModel = current.into();
        row.body = Set(body);
        let updated = row.update(conn).await?;
        let post = post_of(conn, updated.post_id).await?;
        txn.commit().await?;
        Ok(CommentPayload {
            comment: Comment(updated),
            post: Post(post),
        })
    }

    /// Deletes a comment: its author may, and so may the author of the post.
    async fn delete_comment(
        &self,
        ctx: &Context<'_>,
        id: ID,
        #[graphql(default)] dry_run: bool,
    ) -> GqlResult<DeletePayload> {
        let (request, viewer) = signed_in(ctx)?;
        let txn = request.begin_write().await?;
        let conn = txn.conn();
        let current =
            find::<comment::Entity>(conn, request.reader(), key("id", &id)?, "id").await?;
        let post = post_of(conn, current.post_id).await?;
        if current.author_id != Some(viewer) && post.author_id != viewer {
            return Err(AppError::forbidden(
                "only the comment's author or the post's author may delete it",
            ));
        }
        let report = Report::collect::<comment::Entity>(conn, current.id).await?;
        let effects = report
            .finish::<comment::Entity>(txn, current.id, dry_run)
            .await?;
        Ok(DeletePayload {
            deleted_id: to_id(current.id),
            dry_run,
            effects,
            post: Some(Post(post)),
            ..Default::default()
        })
    }
}
