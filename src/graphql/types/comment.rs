use async_graphql::{Context, Enum, ID, Object};
use chrono::{DateTime, Utc};
use entity::{author, comment, post};

use super::{Author, Post, to_id};
use crate::error::GqlResult;
use crate::graphql::pagination::SortField;
use crate::graphql::relations;

/// A comment on a post.
#[derive(Clone)]
pub struct Comment(pub comment::Model);

/// Fields a comment list can be ordered by.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum CommentOrderField {
    Id,
    CreatedAt,
}

impl SortField for CommentOrderField {
    type Entity = comment::Entity;
    fn column(self) -> comment::Column {
        match self {
            CommentOrderField::Id => comment::Column::Id,
            CommentOrderField::CreatedAt => comment::Column::CreatedAt,
        }
    }
}

#[Object]
impl Comment {
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }

    async fn body(&self) -> &str {
        &self.0.body
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// The post commented on (many-to-one).
    async fn post(&self, ctx: &Context<'_>) -> GqlResult<Post> {
        relations::required::<post::Entity>(ctx, self.0.post_id)
            .await
            .map(Post)
    }

    /// Who wrote the comment; null once that author is deleted (many-to-one).
    async fn author(&self, ctx: &Context<'_>) -> GqlResult<Option<Author>> {
        let Some(id) = self.0.author_id else {
            return Ok(None);
        };
        Ok(relations::belongs_to::<author::Entity>(ctx, id)
            .await?
            .map(Author))
    }
}
