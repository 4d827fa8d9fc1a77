//! Root query fields: a lookup and a list for every type.

use async_graphql::{Context, ID, Object};
use entity::{author, category, comment, post, profile, tag};
use sea_orm::{ColumnTrait, QueryFilter, QueryTrait};

use crate::error::{AppError, GqlResult};
use crate::graphql::columns;
use crate::graphql::context::RequestCtx;
use crate::graphql::core::Node;
use crate::graphql::filter::FilterArg;
use crate::graphql::joins::Joins;
use crate::graphql::pagination::{Conn, Order};
use crate::graphql::policy;
use crate::graphql::relations;
use crate::graphql::types::{
    Author, AuthorFilter, AuthorOrderField, Category, CategoryFilter, CategoryOrderField, Comment,
    CommentFilter, CommentOrderField, Post, PostAggregate, PostFilter, PostOrderField, Profile,
    ProfileFilter, ProfileOrderField, Tag, TagFilter, TagOrderField, page_args, page_cost,
    parse_id,
};

#[derive(Default)]
pub struct Query;

/// Finds one row by its id or by a unique column (exactly one of the two given).
async fn lookup<E: Node>(
    ctx: &Context<'_>,
    id: Option<ID>,
    (name, col, value): (&'static str, E::Column, Option<String>),
) -> GqlResult<Option<E::Model>> {
    match (id, value) {
        (Some(id), None) => relations::belongs_to::<E>(ctx, parse_id::<E>("id", &id)?).await,
        (None, Some(value)) => {
            let request = RequestCtx::of(ctx)?;
            let mut stmt = columns::find::<E>(request.reader())
                .filter(col.eq(value))
                .filter(policy::rows::<E>(request.reader(), None)?)
                .into_query();
            let joins = Joins::of_field::<E>(ctx);
            joins.add::<E>(&mut stmt, request.reader());
            // A unique column: one row at most.
            stmt.limit(1);
            let rows = relations::read_joined::<E, _>(request, &stmt, joins, |m, _| Ok(m)).await?;
            Ok(rows.into_iter().next())
        }
        _ => Err(AppError::BadUserInput {
            message: format!("pass exactly one of `id` and `{name}`"),
            argument: None,
            field: None,
        }),
    }
}

/// Merged into the root `Query` under its own name, which the schema never shows.
#[Object(name = "QueryLookups")]
impl Query {
    /// The signed-in author; null without a valid bearer token.
    async fn viewer(&self, ctx: &Context<'_>) -> GqlResult<Option<Author>> {
        match RequestCtx::of(ctx)?.auth().viewer() {
            Some(id) => Ok(relations::belongs_to::<author::Entity>(ctx, id)
                .await?
                .map(Author)),
            None => Ok(None),
        }
    }

    /// An author by `id` or by `username`; null when there is none.
    async fn author(
        &self,
        ctx: &Context<'_>,
        id: Option<ID>,
        username: Option<String>,
    ) -> GqlResult<Option<Author>> {
        let key = ("username", author::Column::Username, username);
        Ok(lookup::<author::Entity>(ctx, id, key).await?.map(Author))
    }

    /// All authors, by id unless `orderBy` says otherwise.
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "page_cost(first, last, child_complexity)")]
    async fn authors(
        &self,
        ctx: &Context<'_>,
        filter: FilterArg<AuthorFilter>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        order_by: Option<Vec<Order<AuthorOrderField>>>,
    ) -> GqlResult<Conn<Author>> {
        let page = page_args!(ctx, filter, first, after, last, before, order_by);
        relations::root_list(ctx, page, Author).await
    }

    /// How many posts the filter keeps (of those the viewer can see), and when they
    /// were published, created and updated: Django's `aggregate(Count, Min, Max)`.
    async fn post_aggregate(
        &self,
        ctx: &Context<'_>,
        filter: FilterArg<PostFilter>,
    ) -> GqlResult<PostAggregate> {
        Ok(relations::aggregate_all::<post::Entity>(ctx, filter)
            .await?
            .into())
    }

    /// A profile by `id`; null when there is none.
    async fn profile(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Option<Profile>> {
        let id = parse_id::<profile::Entity>("id", &id)?;
        Ok(relations::belongs_to::<profile::Entity>(ctx, id)
            .await?
            .map(Profile))
    }

    /// All profiles, by id unless `orderBy` says otherwise.
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "page_cost(first, last, child_complexity)")]
    async fn profiles(
        &self,
        ctx: &Context<'_>,
        filter: FilterArg<ProfileFilter>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        order_by: Option<Vec<Order<ProfileOrderField>>>,
    ) -> GqlResult<Conn<Profile>> {
        let page = page_args!(ctx, filter, first, after, last, before, order_by);
        relations::root_list(ctx, page, Profile).await
    }

    /// A category by `id` or by `slug`; null when there is none.
    async fn category(
        &self,
        ctx: &Context<'_>,
        id: Option<ID>,
        slug: Option<String>,
    ) -> GqlResult<Option<Category>> {
        let key = ("slug", category::Column::Slug, slug);
        Ok(lookup::<category::Entity>(ctx, id, key)
            .await?
            .map(Category))
    }

    /// All categories, by id unless `orderBy` says otherwise.
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "page_cost(first, last, child_complexity)")]
    async fn categories(
        &self,
        ctx: &Context<'_>,
        filter: FilterArg<CategoryFilter>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        order_by: Option<Vec<Order<CategoryOrderField>>>,
    ) -> GqlResult<Conn<Category>> {
        let page = page_args!(ctx, filter, first, after, last, before, order_by);
        relations::root_list(ctx, page, Category).await
    }

    /// A post by `id` or by `slug`; null when there is none.
    async fn post(
        &self,
        ctx: &Context<'_>,
        id: Option<ID>,
        slug: Option<String>,
    ) -> GqlResult<Option<Post>> {
        let key = ("slug", post::Column::Slug, slug);
        Ok(lookup::<post::Entity>(ctx, id, key).await?.map(Post))
    }

    /// All posts, by id unless `orderBy` says otherwise.
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
        relations::root_list(ctx, page, Post).await
    }

    /// A tag by `id` or by `slug`; null when there is none.
    async fn tag(
        &self,
        ctx: &Context<'_>,
        id: Option<ID>,
        slug: Option<String>,
    ) -> GqlResult<Option<Tag>> {
        let key = ("slug", tag::Column::Slug, slug);
        Ok(lookup::<tag::Entity>(ctx, id, key).await?.map(Tag))
    }

    /// All tags, by id unless `orderBy` says otherwise.
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
    ) -> GqlResult<Conn<Tag>> {
        let page = page_args!(ctx, filter, first, after, last, before, order_by);
        relations::root_list(ctx, page, Tag).await
    }

    /// A comment by `id`; null when there is none.
    async fn comment(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Option<Comment>> {
        let id = parse_id::<comment::Entity>("id", &id)?;
        Ok(relations::belongs_to::<comment::Entity>(ctx, id)
            .await?
            .map(Comment))
    }

    /// All comments, by id unless `orderBy` says otherwise.
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
        relations::root_list(ctx, page, Comment).await
    }
}
