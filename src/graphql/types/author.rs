use async_graphql::{Context, Enum, ID, Object};
use chrono::{DateTime, Utc};
use entity::{author, profile};

use super::{
    Comment, CommentFilter, CommentOrderField, Post, PostAggregate, PostFilter, PostOrderField,
    Profile, ProfileFilter, page_args, page_cost,
};
use async_graphql::InputObject;

use crate::error::AppError;
use crate::graphql::core::{At, JoinedCount, Node, ToOne};
use crate::graphql::filter;
use crate::graphql::filter::{
    Compiled, Conditions, DateTimeFilter, EntityFilter, FilterArg, IdFilter, ListFilter, Operand,
    Scope, StringFilter,
};
use crate::graphql::global_id;

use crate::error::GqlResult;
use crate::graphql::pagination::derived::{counted, related};
use crate::graphql::pagination::{Conn, Order, SortField, Source};
use crate::graphql::registry;
use crate::graphql::relations;

/// A person who writes posts and comments.
#[derive(Clone)]
pub struct Author(pub author::Model);

/// Fields an author list can be ordered by.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum AuthorOrderField {
    Id,
    Username,
    Name,
    CreatedAt,
    /// The city of the author's profile; authors without a profile or city have none (null).
    ProfileCity,
    /// How many posts the author has that the reader can see
    /// (Django: `annotate(n=Count("posts")).order_by("n")`).
    PostCount,
    /// How many comments the author has written that the reader can see.
    CommentCount,
}

impl SortField for AuthorOrderField {
    type Entity = author::Entity;
    fn key(self) -> Source<author::Entity> {
        use author::Column as C;
        match self {
            AuthorOrderField::Id => Source::column(C::Id),
            AuthorOrderField::Username => Source::column(C::Username),
            AuthorOrderField::Name => Source::column(C::Name),
            AuthorOrderField::CreatedAt => Source::column(C::CreatedAt),
            AuthorOrderField::ProfileCity => {
                related!("profile.city": has_one registry::PROFILE_AUTHOR => profile::Column::City)
            }
            AuthorOrderField::PostCount => counted!("count(posts)": registry::POST_AUTHOR),
            AuthorOrderField::CommentCount => {
                counted!("count(comments)": registry::COMMENT_AUTHOR)
            }
        }
    }
}

#[Object]
impl Author {
    /// The row's primary key (Django's `pk`).
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// Globally unique and opaque, for Relay's object identification: `node(id:)`
    /// refetches the object by it, and every `id` argument and filter takes it as
    /// well as `id`.
    pub async fn node_id(&self) -> ID {
        global_id::of::<author::Entity>(self.0.id)
    }

    /// Unique sign-in name.
    async fn username(&self) -> &str {
        &self.0.username
    }

    /// The author's email address: only they see it; null for everyone else.
    async fn email(&self, ctx: &Context<'_>) -> GqlResult<Option<&str>> {
        let viewer = crate::graphql::RequestCtx::of(ctx)?.auth().viewer();
        Ok((viewer == Some(self.0.id)).then_some(self.0.email.as_str()))
    }

    /// May delete categories and tags.
    async fn is_staff(&self) -> bool {
        self.0.is_staff
    }

    /// Display name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// The author's profile, if they made one (one-to-one).
    async fn profile(&self, ctx: &Context<'_>) -> GqlResult<Option<Profile>> {
        let profile = relations::has_one(ctx, registry::PROFILE_AUTHOR, self.0.id);
        Ok(profile.await?.map(Profile))
    }

    /// The author's posts (one-to-many), by id unless `orderBy` says otherwise.
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "page_cost(first, last, child_complexity)")]
    async fn posts(
        &self,
        ctx: &Context<'_>,
        filter: FilterArg<PostFilter>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        order_by: Option<Vec<Order<PostOrderField>>>,
    ) -> GqlResult<Conn<Post>> {
        let page = page_args!(ctx, filter, first, after, last, before, order_by);
        relations::has_many(ctx, registry::POST_AUTHOR, self.0.id, page, Post).await
    }

    /// The comments the author wrote, on any post (one-to-many).
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
        relations::has_many(ctx, registry::COMMENT_AUTHOR, self.0.id, page, Comment).await
    }

    /// How many posts (that the filter keeps, if given) and when they were
    /// published, created and updated: Django's `aggregate(Count, Min, Max)`.
    async fn post_aggregate(
        &self,
        ctx: &Context<'_>,
        filter: FilterArg<PostFilter>,
    ) -> GqlResult<PostAggregate> {
        let aggregate = relations::aggregate(ctx, registry::POST_AUTHOR, self.0.id, filter);
        Ok(aggregate.await?.into())
    }

    /// How many posts the author has written (that the filter keeps, if given).
    async fn post_count(&self, ctx: &Context<'_>, filter: FilterArg<PostFilter>) -> GqlResult<i64> {
        relations::count(ctx, registry::POST_AUTHOR, self.0.id, filter).await
    }
}

/// Which authors to keep: every field given must hold; `and`, `or` and `not` nest.
#[derive(InputObject, Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct AuthorFilter {
    pub id: Option<IdFilter>,
    pub username: Option<StringFilter>,
    pub name: Option<StringFilter>,
    pub created_at: Option<DateTimeFilter>,
    /// The author's profile matches; an author without one reads as a profile
    /// of nulls (`{ profile: { city: { isNull: true } } }` keeps them).
    pub profile: Option<Box<ProfileFilter>>,
    /// The author's posts.
    pub posts: Option<Box<ListFilter<PostFilter>>>,
    /// The comments the author wrote.
    pub comments: Option<Box<ListFilter<CommentFilter>>>,
    pub and: Option<Vec<AuthorFilter>>,
    pub or: Option<Vec<AuthorFilter>>,
    pub not: Option<Box<AuthorFilter>>,
}

impl EntityFilter for AuthorFilter {
    type Entity = author::Entity;

    fn condition(&self, at: &At<author::Entity>, scope: &mut Scope) -> Result<Compiled, AppError> {
        let id = Operand::of(at, author::Column::Id);
        Conditions::new()
            .with(&self.id, |f| {
                f.condition::<author::Entity>(id.clone(), scope)
            })?
            .with(&self.username, |f| {
                f.condition(Operand::of(at, author::Column::Username), scope)
            })?
            .with(&self.name, |f| {
                f.condition(Operand::of(at, author::Column::Name), scope)
            })?
            .with(&self.created_at, |f| {
                f.condition(Operand::of(at, author::Column::CreatedAt), scope)
            })?
            .with(&self.profile, |f| {
                filter::has_one(f.as_ref(), registry::PROFILE_AUTHOR, at, scope)
            })?
            .with(&self.posts, |f| {
                filter::to_many(f, registry::POST_AUTHOR, at, scope)
            })?
            .with(&self.comments, |f| {
                filter::to_many(f, registry::COMMENT_AUTHOR, at, scope)
            })?
            .logic((&self.and, &self.or, &self.not), at, scope)
    }
}

impl Node for author::Entity {
    const ID: Self::Column = author::Column::Id;
    const NAME: &'static str = "Author";
    type Filter = AuthorFilter;

    fn to_one() -> &'static [&'static dyn ToOne<Self>] {
        &registry::AUTHOR_TO_ONE
    }

    /// The password hash is read only by signing in, through the domain.
    fn read_only_by() -> &'static [(Self::Column, &'static [&'static str])] {
        &[
            (author::Column::Email, &["email"]),
            (author::Column::PasswordHash, &[]),
        ]
    }

    fn counts() -> &'static [&'static dyn JoinedCount<Self>] {
        &registry::AUTHOR_COUNTS
    }
}
