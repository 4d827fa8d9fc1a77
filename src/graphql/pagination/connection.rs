//! Relay connections (`edges { cursor node }`, `nodes`, `pageInfo`, `totalCount`)
//! built from a fetched page. `totalCount` costs a statement only when asked for.

use async_graphql::connection::{
    Connection, ConnectionNameType, DefaultConnectionName, DefaultEdgeName, Edge, EdgeNameType,
    EmptyFields,
};
use async_graphql::{Context, Object, ObjectType, OutputType};

use super::cursor::Cursor;
use super::request::Page;
use crate::error::GqlResult;

/// A connection of `N` nodes whose edges carry `EF` besides their cursor.
pub type Conn<N, EF = EmptyFields, CN = DefaultConnectionName, EN = DefaultEdgeName> =
    Connection<Cursor, N, TotalCount, EF, CN, EN>;

/// Where a connection's total comes from, resolved only if the client asks.
#[async_trait::async_trait]
pub trait CountSource: Send + Sync {
    async fn count(&self, ctx: &Context<'_>) -> GqlResult<i64>;
}

/// The connection-level fields besides edges, nodes and pageInfo.
pub struct TotalCount(pub Box<dyn CountSource>);

#[Object]
impl TotalCount {
    /// How many items the whole list holds, across all pages.
    async fn total_count(&self, ctx: &Context<'_>) -> GqlResult<i64> {
        self.0.count(ctx).await
    }
}

/// Builds the connection of a page: `edge` turns an item into its node and edge fields.
pub fn connection<T, N, EF, CN, EN>(
    page: Page<T>,
    total: TotalCount,
    edge: impl Fn(T) -> (N, EF),
) -> Conn<N, EF, CN, EN>
where
    N: OutputType,
    EF: ObjectType,
    CN: ConnectionNameType,
    EN: EdgeNameType,
{
    let mut conn = Connection::with_additional_fields(page.has_previous, page.has_next, total);
    conn.edges
        .extend(page.items.into_iter().map(|(cursor, item)| {
            let (node, fields) = edge(item);
            Edge::with_additional_fields(cursor, node, fields)
        }));
    conn
}
