use async_graphql::{Context, Enum, ID, Object};
use entity::{post_tag, tag};

use super::{Post, PostFilter, PostOrderField, Tagging, connection_names, page_args, page_cost};
use async_graphql::InputObject;

use crate::error::AppError;
use crate::graphql::core::{At, JoinedCount, Node};
use crate::graphql::filter;
use crate::graphql::filter::{
    Compiled, Conditions, DateTimeFilter, EntityFilter, FilterArg, IdFilter, ListFilter, Operand,
    Scope, StringFilter,
};
use crate::graphql::global_id;

use crate::error::GqlResult;
use crate::graphql::pagination::derived::counted;
use crate::graphql::pagination::{Conn, Order, SortField, Source};
use crate::graphql::registry;
use crate::graphql::relations;

/// A tag; posts and tags are many-to-many.
#[derive(Clone)]
pub struct Tag(pub tag::Model);

/// Fields a tag list can be ordered by.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum TagOrderField {
    Id,
    Name,
    Slug,
    /// How many posts carry the tag that the reader can see.
    PostCount,
}

impl SortField for TagOrderField {
    type Entity = tag::Entity;
    fn key(self) -> Source<tag::Entity> {
        match self {
            TagOrderField::Id => Source::column(tag::Column::Id),
            TagOrderField::Name => Source::column(tag::Column::Name),
            TagOrderField::Slug => Source::column(tag::Column::Slug),
            TagOrderField::PostCount => {
                counted!("count(posts)": through registry::TAG_POSTS)
            }
        }
    }
}

connection_names!(
    TagPostConnectionName,
    TagPostEdgeName,
    "TagPostConnection",
    "TagPostEdge"
);

/// A tag's posts; each edge is a `post_tags` row and carries its `taggedAt`.
pub type TagPostConnection = Conn<Post, Tagging, TagPostConnectionName, TagPostEdgeName>;

#[Object]
impl Tag {
    /// The row's primary key (Django's `pk`).
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// Globally unique and opaque, for Relay's object identification: `node(id:)`
    /// refetches the object by it, and every `id` argument and filter takes it as
    /// well as `id`.
    pub async fn node_id(&self) -> ID {
        global_id::of::<tag::Entity>(self.0.id)
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn slug(&self) -> &str {
        &self.0.slug
    }

    /// The posts carrying this tag (many-to-many, reverse side).
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
    ) -> GqlResult<TagPostConnection> {
        let page = page_args!(ctx, filter, first, after, last, before, order_by);
        relations::through(ctx, registry::TAG_POSTS, self.0.id, page, |(post, link)| {
            (Post(post), link.into())
        })
        .await
    }

    /// How many posts carry this tag (that the filter keeps, if given).
    async fn post_count(&self, ctx: &Context<'_>, filter: FilterArg<PostFilter>) -> GqlResult<i64> {
        relations::count_through(ctx, registry::TAG_POSTS, self.0.id, filter).await
    }
}

/// Which tags to keep: every field given must hold; `and`, `or` and `not` nest.
#[derive(InputObject, Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct TagFilter {
    pub id: Option<IdFilter>,
    pub name: Option<StringFilter>,
    pub slug: Option<StringFilter>,
    /// The posts carrying the tag.
    pub posts: Option<Box<ListFilter<PostFilter>>>,
    /// When the tag was put on the post: only where tags are reached from a post
    /// (`post.tags`, or `tags` in a post filter).
    pub tagged_at: Option<DateTimeFilter>,
    pub and: Option<Vec<TagFilter>>,
    pub or: Option<Vec<TagFilter>>,
    pub not: Option<Box<TagFilter>>,
}

impl EntityFilter for TagFilter {
    type Entity = tag::Entity;

    fn condition(&self, at: &At<tag::Entity>, scope: &mut Scope) -> Result<Compiled, AppError> {
        let id = Operand::of(at, tag::Column::Id);
        Conditions::new()
            .with(&self.id, |f| f.condition::<tag::Entity>(id.clone(), scope))?
            .with(&self.name, |f| {
                f.condition(Operand::of(at, tag::Column::Name), scope)
            })?
            .with(&self.slug, |f| {
                f.condition(Operand::of(at, tag::Column::Slug), scope)
            })?
            .with(&self.posts, |f| {
                filter::through(f, registry::TAG_POSTS, at, scope)
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

impl Node for tag::Entity {
    const ID: Self::Column = tag::Column::Id;
    const NAME: &'static str = "Tag";
    type Filter = TagFilter;

    fn counts() -> &'static [&'static dyn JoinedCount<Self>] {
        &registry::TAG_COUNTS
    }
}
