use async_graphql::{Context, Enum, ID, Object};
use chrono::{DateTime, Utc};
use entity::{author, category, post, post_tag};

use super::{
    Author, AuthorFilter, Category, CategoryFilter, Comment, CommentFilter, CommentOrderField, Tag,
    TagFilter, TagOrderField, Tagging, connection_names, page_args, page_cost,
};
use async_graphql::InputObject;
use sea_orm::sea_query::Condition;

use super::visibility;
use crate::error::AppError;
use crate::graphql::core::{At, JoinedCount, Node, ToOne};
use crate::graphql::filter;
use crate::graphql::filter::scalar::{Ops, bound};
use crate::graphql::filter::{
    Comparison, Compiled, Conditions, DateTimeFilter, EntityFilter, FilterArg, IdFilter,
    ListFilter, Operand, Scope, StringFilter,
};
use crate::graphql::global_id;
use crate::graphql::loaders::aggregate::Timed;

use crate::error::GqlResult;
use crate::graphql::pagination::derived::{counted, related};
use crate::graphql::pagination::{Conn, Order, SortField, Source};
use crate::graphql::registry;
use crate::graphql::relations;

/// A blog post: by one author, in at most one category, with tags and comments.
#[derive(Clone)]
pub struct Post(pub post::Model);

/// Whether a post is public yet.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
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
    /// The author's username (Django: `order_by("author__username")`).
    AuthorUsername,
    /// The category's name; uncategorised posts have none (null).
    CategoryName,
    /// How many comments the post has.
    CommentCount,
    /// How many tags the post carries.
    TagCount,
}

impl SortField for PostOrderField {
    type Entity = post::Entity;
    fn key(self) -> Source<post::Entity> {
        use post::Column as C;
        match self {
            PostOrderField::Id => Source::column(C::Id),
            PostOrderField::Title => Source::column(C::Title),
            PostOrderField::Slug => Source::column(C::Slug),
            PostOrderField::CreatedAt => Source::column(C::CreatedAt),
            PostOrderField::UpdatedAt => Source::column(C::UpdatedAt),
            PostOrderField::PublishedAt => Source::column(C::PublishedAt),
            PostOrderField::AuthorUsername => {
                related!("author.username": registry::POST_AUTHOR => author::Column::Username)
            }
            PostOrderField::CategoryName => {
                related!("category.name": registry::POST_CATEGORY => category::Column::Name)
            }
            PostOrderField::CommentCount => counted!("count(comments)": registry::COMMENT_POST),
            PostOrderField::TagCount => {
                counted!("count(tags)": through registry::POST_TAGS)
            }
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
    /// The row's primary key (Django's `pk`).
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// Globally unique and opaque, for Relay's object identification: `node(id:)`
    /// refetches the object by it, and every `id` argument and filter takes it as
    /// well as `id`.
    pub async fn node_id(&self) -> ID {
        global_id::of::<post::Entity>(self.0.id)
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
    #[graphql(complexity = "page_cost(first, last, child_complexity)")]
    async fn tags(
        &self,
        ctx: &Context<'_>,
        filter: FilterArg<TagFilter>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        order_by: Option<Vec<Order<TagOrderField>>>,
    ) -> GqlResult<PostTagConnection> {
        let page = page_args!(ctx, filter, first, after, last, before, order_by);
        relations::through(ctx, registry::POST_TAGS, self.0.id, page, |(tag, link)| {
            (Tag(tag), link.into())
        })
        .await
    }

    /// The comments on the post (one-to-many), oldest first by default.
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "page_cost(first, last, child_complexity)")]
    async fn comments(
        &self,
        ctx: &Context<'_>,
        filter: FilterArg<CommentFilter>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        order_by: Option<Vec<Order<CommentOrderField>>>,
    ) -> GqlResult<Conn<Comment>> {
        let page = page_args!(ctx, filter, first, after, last, before, order_by);
        relations::has_many(ctx, registry::COMMENT_POST, self.0.id, page, Comment).await
    }

    /// How many comments the post has (that the filter keeps, if given).
    async fn comment_count(
        &self,
        ctx: &Context<'_>,
        filter: FilterArg<CommentFilter>,
    ) -> GqlResult<i64> {
        relations::count(ctx, registry::COMMENT_POST, self.0.id, filter).await
    }

    /// How many tags the post carries (that the filter keeps, if given).
    async fn tag_count(&self, ctx: &Context<'_>, filter: FilterArg<TagFilter>) -> GqlResult<i64> {
        relations::count_through(ctx, registry::POST_TAGS, self.0.id, filter).await
    }
}

impl PostStatus {
    /// The value the `status` column stores.
    fn column_value(self) -> &'static str {
        match self {
            PostStatus::Draft => "DRAFT",
            PostStatus::Published => "PUBLISHED",
        }
    }
}

/// Operators on a post's status.
#[derive(InputObject, Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct PostStatusFilter {
    pub eq: Option<PostStatus>,
    pub ne: Option<PostStatus>,
    #[graphql(name = "in")]
    pub in_: Option<Vec<PostStatus>>,
    pub not_in: Option<Vec<PostStatus>>,
}

impl PostStatusFilter {
    fn condition(&self, col: Operand, scope: &mut Scope) -> Result<Compiled, AppError> {
        use sea_orm::sea_query::ExprTrait;
        scope.count_values(bound(&[&self.eq, &self.ne], &[&self.in_, &self.not_in]))?;
        let values = |list: &[PostStatus]| -> Result<Vec<&'static str>, AppError> {
            if list.is_empty() {
                return Err(AppError::bad_input(
                    crate::graphql::filter::ARGUMENT,
                    "a status list needs at least one value",
                ));
            }
            Ok(list.iter().map(|s| s.column_value()).collect())
        };
        let mut ops = Ops::new(col);
        if let Some(s) = self.eq {
            ops.holds(ExprTrait::eq(ops.col(), s.column_value()));
        }
        if let Some(s) = self.ne {
            ops.fails(ops.col().ne(s.column_value()));
        }
        if let Some(list) = &self.in_ {
            ops.holds(ops.col().is_in(values(list)?));
        }
        if let Some(list) = &self.not_in {
            ops.fails(ops.col().is_not_in(values(list)?));
        }
        Ok(ops.done())
    }
}

/// Which posts to keep: every field given must hold; `and`, `or` and `not` nest.
/// Relations follow Django's `__`: `{ author: { profile: { city: { eq: "Casablanca" } } } }`
/// is `filter(author__profile__city="Casablanca")`.
#[derive(InputObject, Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct PostFilter {
    pub id: Option<IdFilter>,
    pub title: Option<StringFilter>,
    pub slug: Option<StringFilter>,
    pub body: Option<StringFilter>,
    pub status: Option<PostStatusFilter>,
    pub published_at: Option<DateTimeFilter>,
    pub created_at: Option<DateTimeFilter>,
    pub updated_at: Option<DateTimeFilter>,
    /// The post's author matches.
    pub author: Option<Box<AuthorFilter>>,
    /// The post's category matches; an uncategorised post reads as a category of
    /// nulls (`{ category: { name: { ne: "Django" } } }` keeps it).
    pub category: Option<Box<CategoryFilter>>,
    /// The post's tags.
    pub tags: Option<Box<ListFilter<TagFilter>>>,
    /// The post's comments.
    pub comments: Option<Box<ListFilter<CommentFilter>>>,
    /// Comparisons between the post's own fields, all of which must hold:
    /// `[{ left: UPDATED_AT, op: GT, right: PUBLISHED_AT }]` is Django's
    /// `filter(updated_at__gt=F("published_at"))`.
    pub compare: Option<Vec<Comparison<PostOrderField>>>,
    /// When the post got the tag: only where posts are reached from a tag
    /// (`tag.posts`, or `posts` in a tag filter).
    pub tagged_at: Option<DateTimeFilter>,
    pub and: Option<Vec<PostFilter>>,
    pub or: Option<Vec<PostFilter>>,
    pub not: Option<Box<PostFilter>>,
}

impl EntityFilter for PostFilter {
    type Entity = post::Entity;

    fn condition(&self, at: &At<post::Entity>, scope: &mut Scope) -> Result<Compiled, AppError> {
        let id = Operand::of(at, post::Column::Id);
        Conditions::new()
            .with(&self.id, |f| f.condition::<post::Entity>(id.clone(), scope))?
            .with(&self.title, |f| {
                f.condition(Operand::of(at, post::Column::Title), scope)
            })?
            .with(&self.slug, |f| {
                f.condition(Operand::of(at, post::Column::Slug), scope)
            })?
            .with(&self.body, |f| {
                f.condition(Operand::of(at, post::Column::Body), scope)
            })?
            .with(&self.status, |f| {
                f.condition(Operand::of(at, post::Column::Status), scope)
            })?
            .with(&self.published_at, |f| {
                f.condition(Operand::of(at, post::Column::PublishedAt), scope)
            })?
            .with(&self.created_at, |f| {
                f.condition(Operand::of(at, post::Column::CreatedAt), scope)
            })?
            .with(&self.updated_at, |f| {
                f.condition(Operand::of(at, post::Column::UpdatedAt), scope)
            })?
            .with(&self.author, |f| {
                filter::parent(f.as_ref(), registry::POST_AUTHOR, at, scope)
            })?
            .with(&self.category, |f| {
                filter::parent(f.as_ref(), registry::POST_CATEGORY, at, scope)
            })?
            .with(&self.tags, |f| {
                filter::through(f, registry::POST_TAGS, at, scope)
            })?
            .with(&self.comments, |f| {
                filter::to_many(f, registry::COMMENT_POST, at, scope)
            })?
            .with(&self.compare, |list| {
                list.iter().try_fold(Compiled::all(), |all, c| {
                    Ok(all.and(c.condition(at, scope)?))
                })
            })?
            .with(&self.tagged_at, |f| {
                f.condition(
                    scope.link_col(post_tag::Column::TaggedAt, "taggedAt")?,
                    scope,
                )
            })?
            .logic((&self.and, &self.or, &self.not), at, scope)
    }
}

impl Node for post::Entity {
    const ID: Self::Column = post::Column::Id;
    const NAME: &'static str = "Post";
    type Filter = PostFilter;

    fn visible(at: &At<Self>, viewer: Option<i64>) -> Option<Condition> {
        visibility::posts(at, viewer)
    }

    fn to_one() -> &'static [&'static dyn ToOne<Self>] {
        &registry::POST_TO_ONE
    }

    fn read_only_by() -> &'static [(Self::Column, &'static [&'static str])] {
        &[(post::Column::Body, &["body"])]
    }

    fn counts() -> &'static [&'static dyn JoinedCount<Self>] {
        &registry::POST_COUNTS
    }
}

/// A post set's aggregate covers these timestamps, in `PostAggregate`'s order.
impl Timed for post::Entity {
    const TIMES: &'static [Self::Column] = &[
        post::Column::PublishedAt,
        post::Column::CreatedAt,
        post::Column::UpdatedAt,
    ];
}
