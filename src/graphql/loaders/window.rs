//! Nested pagination in SQL: one statement pages the children of every parent of a
//! level, with `ROW_NUMBER() OVER (PARTITION BY parent ORDER BY sort key)`. Window
//! functions exist on SQLite (3.25+), PostgreSQL and MySQL 8 / MariaDB 10.2+.

use sea_orm::sea_query::{
    Alias, Asterisk, ColumnRef, Expr, ExprTrait, Func, IntoColumnRef, IntoIden, Order, Query,
    SelectStatement, WindowStatement,
};
use sea_orm::{DbErr, QueryResult};

use crate::graphql::pagination::Keyed;

/// The column every windowed or grouped statement names its parent key by.
pub const PARENT: &str = "__parent";
const ROW: &str = "__row";

/// Wraps a page's statement (its candidate rows, already limited to the batch's
/// parents, each with its parent as [`PARENT`]; `partition` names that parent on
/// the candidate table) so that at most `fetch` rows per parent come back, each
/// parent's rows in the page's order.
pub fn per_parent(keyed: Keyed, partition: ColumnRef, fetch: u64) -> SelectStatement {
    let Keyed {
        mut stmt,
        terms,
        at,
    } = keyed;
    // Once derived keys wrapped the candidates, the parent is a column of the wrapper.
    let partition = match at {
        Some(at) => (at, Alias::new(PARENT).into_iden()).into_column_ref(),
        None => partition,
    };
    let mut window = WindowStatement::partition_by(partition);
    for (expr, order) in terms {
        window.order_by_expr(expr, order);
    }
    stmt.expr_window_as(Func::cust("ROW_NUMBER"), window, Alias::new(ROW));
    Query::select()
        .column(Asterisk)
        .from_subquery(stmt, Alias::new("__page"))
        .and_where(Expr::col(Alias::new(ROW)).lte(fetch))
        // Row numbers ascending keep every parent's rows in order as they are grouped.
        .order_by(Alias::new(ROW), Order::Asc)
        .to_owned()
}

pub fn parent_of(row: &QueryResult) -> Result<i64, DbErr> {
    row.try_get("", PARENT)
}
