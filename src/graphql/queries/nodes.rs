//! Relay's root fields `node(id:)` and `nodes(ids:)`: any object refetched by its
//! global id, through the same loaders and visibility rules as every other
//! lookup (a draft the viewer may not see is null, as if it did not exist).

use async_graphql::{Context, ID, Object};
use entity::{author, category, comment, post, profile, tag};
use futures_util::future::try_join_all;

use crate::error::{AppError, GqlResult};
use crate::graphql::global_id;
use crate::graphql::relations;
use crate::graphql::types::{AnyNode, Author, Category, Comment, Post, Profile, Tag};

/// The most ids one `nodes` call takes: a page's worth, as list arguments elsewhere.
const MAX_IDS: usize = 100;

#[derive(Default)]
pub struct NodeQuery;

/// The object `id` names, if it exists and the viewer may see it.
async fn node(ctx: &Context<'_>, argument: &'static str, id: &ID) -> GqlResult<Option<AnyNode>> {
    let Some((type_name, row)) = global_id::split(id) else {
        return Err(AppError::bad_input(
            argument,
            format!("`{argument}` takes global ids (an object's `id`), not row ids"),
        ));
    };
    Ok(match type_name.as_str() {
        "Author" => relations::belongs_to::<author::Entity>(ctx, row)
            .await?
            .map(|m| AnyNode::Author(Author(m))),
        "Category" => relations::belongs_to::<category::Entity>(ctx, row)
            .await?
            .map(|m| AnyNode::Category(Category(m))),
        "Comment" => relations::belongs_to::<comment::Entity>(ctx, row)
            .await?
            .map(|m| AnyNode::Comment(Comment(m))),
        "Post" => relations::belongs_to::<post::Entity>(ctx, row)
            .await?
            .map(|m| AnyNode::Post(Post(m))),
        "Profile" => relations::belongs_to::<profile::Entity>(ctx, row)
            .await?
            .map(|m| AnyNode::Profile(Profile(m))),
        "Tag" => relations::belongs_to::<tag::Entity>(ctx, row)
            .await?
            .map(|m| AnyNode::Tag(Tag(m))),
        // A well-formed id of no type here: nothing has it.
        _ => None,
    })
}

/// Merged into the root `Query` under its own name, which the schema never shows.
#[Object(name = "QueryNodes")]
impl NodeQuery {
    /// The object with this global `id` (any type's `id` field); null when there
    /// is none or the viewer may not see it.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Option<AnyNode>> {
        node(ctx, "id", &id).await
    }

    /// The objects with these global ids, in the order given; null for each that
    /// there is not. One statement per type however many ids.
    async fn nodes(&self, ctx: &Context<'_>, ids: Vec<ID>) -> GqlResult<Vec<Option<AnyNode>>> {
        if ids.len() > MAX_IDS {
            return Err(AppError::bad_input(
                "ids",
                format!("`ids` holds at most {MAX_IDS} ids (got {})", ids.len()),
            ));
        }
        try_join_all(ids.iter().map(|id| node(ctx, "ids", id))).await
    }
}
