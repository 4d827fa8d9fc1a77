use async_graphql::{Context, Enum, ID, Object};
use entity::{post, post_tag, tag};

use super::{Post, PostOrderField, Tagging, connection_names, page_args, to_id};
use crate::error::GqlResult;
use crate::graphql::pagination::{Conn, Order, SortField};
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
}

impl SortField for TagOrderField {
    type Entity = tag::Entity;
    fn column(self) -> tag::Column {
        match self {
            TagOrderField::Id => tag::Column::Id,
            TagOrderField::Name => tag::Column::Name,
            TagOrderField::Slug => tag::Column::Slug,
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
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn slug(&self) -> &str {
        &self.0.slug
    }

    /// The posts carrying this tag (many-to-many, reverse side).
    #[allow(clippy::too_many_arguments)]
    async fn posts(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        order_by: Option<Vec<Order<PostOrderField>>>,
    ) -> GqlResult<TagPostConnection> {
        let page = page_args!(ctx, first, after, last, before, order_by);
        let via = (post_tag::Column::TagId, post_tag::Column::PostId);
        relations::through::<post::Entity, post_tag::Entity, _, _, _, _>(
            ctx,
            via,
            self.0.id,
            page,
            |(post, link)| (Post(post), link.into()),
        )
        .await
    }

    /// How many posts carry this tag.
    async fn post_count(&self, ctx: &Context<'_>) -> GqlResult<i64> {
        relations::count::<post_tag::Entity>(ctx, post_tag::Column::TagId, self.0.id).await
    }
}
