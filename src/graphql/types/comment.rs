use async_graphql::{Context, Enum, ID, Object};
use chrono::{DateTime, Utc};
use entity::{author, comment, post};

use super::{Author, AuthorFilter, Post, PostFilter};
use async_graphql::InputObject;
use sea_orm::sea_query::Condition;

use super::visibility;
use crate::error::AppError;
use crate::graphql::core::{At, Node, ToOne};
use crate::graphql::filter;
use crate::graphql::filter::{
    Compiled, Conditions, DateTimeFilter, EntityFilter, IdFilter, Operand, Scope, StringFilter,
};
use crate::graphql::global_id;

use crate::error::GqlResult;
use crate::graphql::pagination::derived::related;
use crate::graphql::pagination::{SortField, Source};
use crate::graphql::registry;
use crate::graphql::relations;

/// A comment on a post.
#[derive(Clone)]
pub struct Comment(pub comment::Model);

/// Fields a comment list can be ordered by.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum CommentOrderField {
    Id,
    CreatedAt,
    /// The commenter's username; comments whose author was deleted have none (null).
    AuthorUsername,
    /// The title of the post commented on.
    PostTitle,
}

impl SortField for CommentOrderField {
    type Entity = comment::Entity;
    fn key(self) -> Source<comment::Entity> {
        match self {
            CommentOrderField::Id => Source::column(comment::Column::Id),
            CommentOrderField::CreatedAt => Source::column(comment::Column::CreatedAt),
            CommentOrderField::AuthorUsername => {
                related!("author.username": registry::COMMENT_AUTHOR => author::Column::Username)
            }
            CommentOrderField::PostTitle => {
                related!("post.title": registry::COMMENT_POST => post::Column::Title)
            }
        }
    }
}

#[Object]
impl Comment {
    /// The row's primary key (Django's `pk`).
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// Globally unique and opaque, for Relay's object identification: `node(id:)`
    /// refetches the object by it, and every `id` argument and filter takes it as
    /// well as `id`.
    pub async fn node_id(&self) -> ID {
        global_id::of::<comment::Entity>(self.0.id)
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

/// Which comments to keep: every field given must hold; `and`, `or` and `not` nest.
#[derive(InputObject, Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct CommentFilter {
    pub id: Option<IdFilter>,
    pub body: Option<StringFilter>,
    pub created_at: Option<DateTimeFilter>,
    /// The post commented on matches.
    pub post: Option<Box<PostFilter>>,
    /// The comment's author matches; a comment whose author is gone reads as an
    /// author of nulls (`{ author: { name: { isNull: true } } }` keeps it).
    pub author: Option<Box<AuthorFilter>>,
    pub and: Option<Vec<CommentFilter>>,
    pub or: Option<Vec<CommentFilter>>,
    pub not: Option<Box<CommentFilter>>,
}

impl EntityFilter for CommentFilter {
    type Entity = comment::Entity;

    fn condition(&self, at: &At<comment::Entity>, scope: &mut Scope) -> Result<Compiled, AppError> {
        Conditions::new()
            .with(&self.id, |f| {
                f.condition::<comment::Entity>(Operand::of(at, comment::Column::Id), scope)
            })?
            .with(&self.body, |f| {
                f.condition(Operand::of(at, comment::Column::Body), scope)
            })?
            .with(&self.created_at, |f| {
                f.condition(Operand::of(at, comment::Column::CreatedAt), scope)
            })?
            .with(&self.post, |f| {
                filter::parent(f.as_ref(), registry::COMMENT_POST, at, scope)
            })?
            .with(&self.author, |f| {
                filter::parent(f.as_ref(), registry::COMMENT_AUTHOR, at, scope)
            })?
            .logic((&self.and, &self.or, &self.not), at, scope)
    }
}

impl Node for comment::Entity {
    const ID: Self::Column = comment::Column::Id;
    const NAME: &'static str = "Comment";
    type Filter = CommentFilter;

    fn visible(at: &At<Self>, viewer: Option<i64>) -> Option<Condition> {
        visibility::comments(at, viewer)
    }

    fn to_one() -> &'static [&'static dyn ToOne<Self>] {
        &registry::COMMENT_TO_ONE
    }

    fn read_only_by() -> &'static [(Self::Column, &'static [&'static str])] {
        &[(comment::Column::Body, &["body"])]
    }
}
