use async_graphql::{Context, Enum, ID, Object};
use entity::category;

use super::{Post, PostAggregate, PostFilter, PostOrderField, page_args, page_cost};
use async_graphql::InputObject;

use crate::error::AppError;
use crate::graphql::core::{At, JoinedCount, Node};
use crate::graphql::filter;
use crate::graphql::filter::{
    Compiled, Conditions, EntityFilter, FilterArg, IdFilter, ListFilter, Operand, Scope,
    StringFilter,
};
use crate::graphql::global_id;

use crate::error::GqlResult;
use crate::graphql::pagination::derived::counted;
use crate::graphql::pagination::{Conn, Order, SortField, Source};
use crate::graphql::registry;
use crate::graphql::relations;

/// A category; a post is in at most one.
#[derive(Clone)]
pub struct Category(pub category::Model);

/// Fields a category list can be ordered by.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum CategoryOrderField {
    Id,
    Name,
    Slug,
    /// How many posts in the category the reader can see.
    PostCount,
}

impl SortField for CategoryOrderField {
    type Entity = category::Entity;
    fn key(self) -> Source<category::Entity> {
        match self {
            CategoryOrderField::Id => Source::column(category::Column::Id),
            CategoryOrderField::Name => Source::column(category::Column::Name),
            CategoryOrderField::Slug => Source::column(category::Column::Slug),
            CategoryOrderField::PostCount => counted!("count(posts)": registry::POST_CATEGORY),
        }
    }
}

#[Object]
impl Category {
    /// The row's primary key (Django's `pk`).
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// Globally unique and opaque, for Relay's object identification: `node(id:)`
    /// refetches the object by it, and every `id` argument and filter takes it as
    /// well as `id`.
    pub async fn node_id(&self) -> ID {
        global_id::of::<category::Entity>(self.0.id)
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn slug(&self) -> &str {
        &self.0.slug
    }

    /// The posts in this category (one-to-many).
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
        relations::has_many(ctx, registry::POST_CATEGORY, self.0.id, page, Post).await
    }

    /// How many posts (that the filter keeps, if given) and when they were
    /// published, created and updated: Django's `aggregate(Count, Min, Max)`.
    async fn post_aggregate(
        &self,
        ctx: &Context<'_>,
        filter: FilterArg<PostFilter>,
    ) -> GqlResult<PostAggregate> {
        let aggregate = relations::aggregate(ctx, registry::POST_CATEGORY, self.0.id, filter);
        Ok(aggregate.await?.into())
    }

    /// How many posts are in this category (that the filter keeps, if given).
    async fn post_count(&self, ctx: &Context<'_>, filter: FilterArg<PostFilter>) -> GqlResult<i64> {
        relations::count(ctx, registry::POST_CATEGORY, self.0.id, filter).await
    }
}

/// Which categories to keep: every field given must hold; `and`, `or` and `not` nest.
#[derive(InputObject, Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct CategoryFilter {
    pub id: Option<IdFilter>,
    pub name: Option<StringFilter>,
    pub slug: Option<StringFilter>,
    /// The category's posts.
    pub posts: Option<Box<ListFilter<PostFilter>>>,
    pub and: Option<Vec<CategoryFilter>>,
    pub or: Option<Vec<CategoryFilter>>,
    pub not: Option<Box<CategoryFilter>>,
}

impl EntityFilter for CategoryFilter {
    type Entity = category::Entity;

    fn condition(
        &self,
        at: &At<category::Entity>,
        scope: &mut Scope,
    ) -> Result<Compiled, AppError> {
        let id = Operand::of(at, category::Column::Id);
        Conditions::new()
            .with(&self.id, |f| {
                f.condition::<category::Entity>(id.clone(), scope)
            })?
            .with(&self.name, |f| {
                f.condition(Operand::of(at, category::Column::Name), scope)
            })?
            .with(&self.slug, |f| {
                f.condition(Operand::of(at, category::Column::Slug), scope)
            })?
            .with(&self.posts, |f| {
                filter::to_many(f, registry::POST_CATEGORY, at, scope)
            })?
            .logic((&self.and, &self.or, &self.not), at, scope)
    }
}

impl Node for category::Entity {
    const ID: Self::Column = category::Column::Id;
    const NAME: &'static str = "Category";
    type Filter = CategoryFilter;

    fn counts() -> &'static [&'static dyn JoinedCount<Self>] {
        &registry::CATEGORY_COUNTS
    }
}
