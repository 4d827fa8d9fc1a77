//! Nested pagination in SQL: one statement pages the children of every parent of a
//! level, with `ROW_NUMBER() OVER (PARTITION BY parent ORDER BY sort key)`. Window
//! functions exist on SQLite (3.25+), PostgreSQL and MySQL 8 / MariaDB 10.2+.

use sea_orm::sea_query::{
    Alias, Asterisk, Expr, ExprTrait, Func, IntoColumnRef, Order, Query, SelectStatement,
    WindowStatement,
};
use sea_orm::{DbErr, QueryResult};

use crate::graphql::node::Node;
use crate::graphql::pagination::order::Sort;

/// The column every windowed or grouped statement names its parent key by.
pub const PARENT: &str = "__parent";
const ROW: &str = "__row";

/// Wraps `inner`, which selects the candidate rows (already limited to the batch's
/// parents and cursor bounds) and their parent as [`PARENT`], so that at most
/// `fetch` rows per parent come back, each parent's rows in `sort` order.
pub fn per_parent<E: Node>(
    mut inner: SelectStatement,
    partition: impl IntoColumnRef,
    sort: &Sort<E>,
    fetch: u64,
) -> SelectStatement {
    let mut window = WindowStatement::partition_by(partition);
    for (expr, order) in sort.terms() {
        window.order_by_expr(expr, order);
    }
    inner.expr_window_as(Func::cust("ROW_NUMBER"), window, Alias::new(ROW));
    Query::select()
        .column(Asterisk)
        .from_subquery(inner, Alias::new("__page"))
        .and_where(Expr::col(Alias::new(ROW)).lte(fetch))
        // Row numbers ascending keep every parent's rows in order as they are grouped.
        .order_by(Alias::new(ROW), Order::Asc)
        .to_owned()
}

pub fn parent_of(row: &QueryResult) -> Result<i64, DbErr> {
    row.try_get("", PARENT)
}
