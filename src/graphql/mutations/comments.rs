//! Comment mutations: arguments in, [`crate::domain::comments`] operations, payloads out.

use async_graphql::{Context, ID, Object, SimpleObject};
use entity::{comment, post};

use super::delete::DeletePayload;
use super::{key, session};
use crate::domain::comments::{self, Commented};
use crate::error::GqlResult;
use crate::graphql::types::{Comment, Post};

#[derive(SimpleObject)]
pub struct CommentPayload {
    pub comment: Comment,
    /// The post commented on, whose comments and count changed.
    pub post: Post,
}

impl From<Commented> for CommentPayload {
    fn from(c: Commented) -> Self {
        CommentPayload {
            comment: Comment(c.comment),
            post: Post(c.post),
        }
    }
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
        let s = session(ctx)?;
        Ok(
            comments::create(s, key::<post::Entity>("postId", &post_id)?, &body)
                .await?
                .into(),
        )
    }

    /// Changes a comment of the signed-in author's.
    async fn update_comment(
        &self,
        ctx: &Context<'_>,
        id: ID,
        body: String,
    ) -> GqlResult<CommentPayload> {
        let s = session(ctx)?;
        Ok(
            comments::update(s, key::<comment::Entity>("id", &id)?, &body)
                .await?
                .into(),
        )
    }

    /// Deletes a comment: its author may, and so may the author of the post.
    async fn delete_comment(
        &self,
        ctx: &Context<'_>,
        id: ID,
        #[graphql(default)] dry_run: bool,
    ) -> GqlResult<DeletePayload> {
        let s = session(ctx)?;
        let id = key::<comment::Entity>("id", &id)?;
        Ok(DeletePayload::of::<comment::Entity>(
            comments::delete(s, id, dry_run).await?,
        ))
    }
}
