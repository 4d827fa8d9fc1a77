//! Relay's `Node` interface: every object type with an identity implements it,
//! so that `node(id:)` can refetch any of them (see `graphql::global_id`).
//!
//! Its field is `nodeId`, not the spec's `id`, as PostGraphile's is: `id` stays
//! the primary key that the data model, the reference workload and every client
//! before this read, and relay-compiler takes the name from its
//! `schemaConfig.nodeInterfaceIdField`.

use async_graphql::{ID, Interface};

use super::{Author, Category, Comment, Post, Profile, Tag};

/// An object with a globally unique `nodeId`, which `node(id:)` refetches.
#[derive(Interface)]
#[graphql(
    name = "Node",
    field(
        name = "node_id",
        ty = "ID",
        desc = "Globally unique and opaque: `node(id:)` refetches the object."
    )
)]
pub enum AnyNode {
    Author(Author),
    Category(Category),
    Comment(Comment),
    Post(Post),
    Profile(Profile),
    Tag(Tag),
}
