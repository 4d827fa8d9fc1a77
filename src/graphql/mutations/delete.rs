//! The answer of every delete mutation: the domain's [`Deletion`] as GraphQL.

use async_graphql::{ID, SimpleObject};

use crate::domain::delete::{DeleteEffect, Deletion};
use crate::graphql::core::Node;
use crate::graphql::global_id;
use crate::graphql::types::{Author, Category, Post, Tag};

/// The result of a delete, or of its dry run.
#[derive(SimpleObject, Default)]
pub struct DeletePayload {
    pub deleted_id: ID,
    /// The deleted object's `nodeId` (for Relay's `@deleteRecord`).
    pub deleted_node_id: ID,
    /// True when nothing was changed: `effects` says what would happen.
    pub dry_run: bool,
    pub effects: Vec<DeleteEffect>,
    /// Parents whose lists and counts changed, for a client cache to update.
    pub author: Option<Author>,
    pub post: Option<Post>,
    pub category: Option<Category>,
    pub tags: Vec<Tag>,
}

impl DeletePayload {
    /// The answer to a delete of an `E`.
    pub fn of<E: Node>(d: Deletion) -> Self {
        DeletePayload {
            deleted_id: ID(d.id.to_string()),
            deleted_node_id: global_id::of::<E>(d.id),
            dry_run: d.dry_run,
            effects: d.effects,
            author: d.author.map(Author),
            post: d.post.map(Post),
            category: d.category.map(Category),
            tags: d.tags.into_iter().map(Tag).collect(),
        }
    }
}
