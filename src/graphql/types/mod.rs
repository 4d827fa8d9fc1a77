//! The GraphQL object types of the blog model, each a thin wrapper over its entity
//! model; relation fields go through [`crate::graphql::relations`].

mod aggregate;
mod author;
mod category;
mod comment;
mod node;
mod post;
mod profile;
mod tag;
mod visibility;

use async_graphql::{ID, SimpleObject};
use chrono::{DateTime, Utc};

pub use aggregate::{PostAggregate, TimeRange};
pub use author::{Author, AuthorFilter, AuthorOrderField};
pub use category::{Category, CategoryFilter, CategoryOrderField};
pub use comment::{Comment, CommentFilter, CommentOrderField};
pub use node::AnyNode;
pub use post::{Post, PostFilter, PostOrderField, PostStatus, PostStatusFilter};
pub use profile::{Profile, ProfileFilter, ProfileOrderField};
pub use tag::{Tag, TagFilter, TagOrderField};

use crate::error::AppError;
use crate::graphql::core::Node;
use crate::graphql::global_id;

/// The complexity of a list field: what one row costs times the rows a page can
/// hold (the default page size when neither `first` nor `last` is given), so the
/// limit bounds what a request can make the database return.
pub fn page_cost(first: Option<i32>, last: Option<i32>, child: usize) -> usize {
    let rows = first
        .or(last)
        .map_or(DEFAULT_ROWS, |n| usize::try_from(n).unwrap_or(0));
    rows.max(1).saturating_mul(child.max(1))
}

/// The rows a list is costed at when the client names no page size.
const DEFAULT_ROWS: usize = 20;

/// Reads an `ID` argument, a global id of an `E` or a row id, back into a
/// primary key.
pub fn parse_id<E: Node>(argument: &'static str, id: &ID) -> Result<i64, AppError> {
    global_id::row::<E>(id)
        .map_err(|why| AppError::bad_input(argument, format!("`{argument}` {why}")))
}

/// What a post ↔ tag edge carries besides its node: the join row's own column.
#[derive(SimpleObject)]
pub struct Tagging {
    /// When the tag was put on the post.
    pub tagged_at: DateTime<Utc>,
}

impl From<entity::post_tag::Model> for Tagging {
    fn from(link: entity::post_tag::Model) -> Self {
        Tagging {
            tagged_at: link.tagged_at,
        }
    }
}

/// The arguments every list field takes, as the loaders want them.
macro_rules! page_args {
    ($ctx:expr, $filter:ident, $first:ident, $after:ident, $last:ident, $before:ident, $order_by:ident) => {
        crate::graphql::pagination::PageRequest::new(
            $ctx,
            crate::graphql::pagination::PageArgs {
                first: $first,
                after: $after,
                last: $last,
                before: $before,
                order_by: $order_by,
                filter: $filter,
            },
        )?
    };
}
pub(crate) use page_args;

/// Names a connection and its edge type, for connections whose edges are join rows.
macro_rules! connection_names {
    ($conn:ident, $edge:ident, $conn_name:literal, $edge_name:literal) => {
        pub struct $conn;
        impl async_graphql::connection::ConnectionNameType for $conn {
            fn type_name<T: async_graphql::OutputType>() -> String {
                $conn_name.to_owned()
            }
        }
        pub struct $edge;
        impl async_graphql::connection::EdgeNameType for $edge {
            fn type_name<T: async_graphql::OutputType>() -> String {
                $edge_name.to_owned()
            }
        }
    };
}
use connection_names;
