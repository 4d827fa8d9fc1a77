use async_graphql::{Context, Enum, ID, Object};
use chrono::{DateTime, Utc};
use entity::{author, category, comment, post, post_tag, tag};

use super::{
    Author, Category, Comment, CommentOrderField, Tag, TagOrderField, Tagging, connection_names,
    page_args, to_id,
};
use crate::error::GqlResult;
use crate::graphql::pagination::{Conn, Order, SortField};
use crate::graphql::relations;

/// A blog post: by one author, in at most one category, with tags and comments.
#[derive(Clone)]
pub struct Post(pub post::Model);

/// Whether a post is public yet.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum PostStatus {
    Draft,
    Published,
}

impl From<post::Status> for PostStatus {
    fn from(status: post::Status) -> Self {
        match status {
            post::Status::Draft => PostStatus::Draft,
            post::Status::Published => PostStatus::Published,
        }
    }
}

/// Fields a post list can be ordered by.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum PostOrderField {
    Id,
    Title,
    Slug,
    CreatedAt,
    UpdatedAt,
    PublishedAt,
}

impl SortField for PostOrderField {
    type Entity = post::Entity;
    fn column(self) -> post::Column {
        match self {
            PostOrderField::Id => post::Column::Id,
            PostOrderField::Title => post::Column::Title,
            PostOrderField::Slug => post::Column::Slug,
            PostOrderField::CreatedAt => post::Column::CreatedAt,
            PostOrderField::UpdatedAt => post::Column::UpdatedAt,
            PostOrderField::PublishedAt => post::Column::PublishedAt,
        }
    }
}

connection_names!(
    PostTagConnectionName,
    PostTagEdgeName,
    "PostTagConnection",
    "PostTagEdge"
);

/// A post's tags; each edge is a `post_tags` row and carries its `taggedAt`.
pub type PostTagConnection = Conn<Tag, Tagging, PostTagConnectionName, PostTagEdgeName>;

#[Object]
impl Post {
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }

    async fn title(&self) -> &str {
        &self.0.title
    }

    /// Unique, URL-safe name of the post.
    async fn slug(&self) -> &str {
        &self.0.slug
    }

    async fn body(&self) -> &str {
        &self.0.body
    }

    async fn status(&self) -> PostStatus {
        self.0.status.into()
    }

    /// When the post was published; null for drafts.
    async fn published_at(&self) -> Option<DateTime<Utc>> {
        self.0.published_at
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    /// Who wrote the post (many-to-one).
    async fn author(&self, ctx: &Context<'_>) -> GqlResult<Author> {
        relations::required::<author::Entity>(ctx, self.0.author_id)
            .await
            .map(Author)
    }

    /// The post's category; null when uncategorised (many-to-one).
    async fn category(&self, ctx: &Context<'_>) -> GqlResult<Option<Category>> {
        let Some(id) = self.0.category_id else {
            return Ok(None);
        };
        Ok(relations::belongs_to::<category::Entity>(ctx, id)
            .await?
            .map(Category))
    }

    /// The post's tags (many-to-many), by id unless `orderBy` says otherwise.
    #[allow(clippy::too_many_arguments)]
    async fn tags(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        order_by: Option<Vec<Order<TagOrderField>>>,
    ) -> GqlResult<PostTagConnection> {
        let page = page_args!(ctx, first, after, last, before, order_by);
        let via = (post_tag::Column::PostId, post_tag::Column::TagId);
        relations::through::<tag::Entity, post_tag::Entity, _, _, _, _>(
            ctx,
            via,
            self.0.id,
            page,
            |(tag, link)| (Tag(tag), link.into()),
        )
        .await
    }

    /// The comments on the post (one-to-many), oldest first by default.
    #[allow(clippy::too_many_arguments)]
    async fn comments(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        order_by: Option<Vec<Order<CommentOrderField>>>,
    ) -> GqlResult<Conn<Comment>> {
        let page = page_args!(ctx, first, after, last, before, order_by);
        relations::has_many(ctx, comment::Column::PostId, self.0.id, page, Comment).await
    }

    /// How many comments the post has.
    async fn comment_count(&self, ctx: &Context<'_>) -> GqlResult<i64> {
        relations::count::<comment::Entity>(ctx, comment::Column::PostId, self.0.id).await
    }

    /// How many tags the post carries.
    async fn tag_count(&self, ctx: &Context<'_>) -> GqlResult<i64> {
        relations::count::<post_tag::Entity>(ctx, post_tag::Column::PostId, self.0.id).await
    }
}
