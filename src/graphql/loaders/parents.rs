//! How a batch names its parents in SQL, and how it cuts a page of children per
//! parent, each the best way its backend has.
//!
//! - Membership: PostgreSQL gets one array parameter, `= ANY($1)`. An `IN ($1, …,
//!   $n)` list is a new statement text for every batch size, planned afresh each
//!   time (about 3 ms for a 500-key level), and for Q1's tags the planner chose a
//!   sequential scan of `post_tags`. SQLite and MariaDB have no array type and keep
//!   IN lists.
//! - One parent (a point lookup, Q4) needs neither: `= $1`, and on PostgreSQL a page
//!   is the statement ordered and limited (a LATERAL for one parent cost Q4 17%).
//!   SQLite and MariaDB keep the window there: on SQLite the ordered, limited form
//!   was slower (Q4 p50 1.34 → 1.55–1.74 ms).
//! - Pages: on PostgreSQL a `LATERAL (… ORDER BY … LIMIT n)` per parent stops after
//!   n rows on an index, for relations with many rows a parent ([`Fanout::Many`]);
//!   elsewhere `ROW_NUMBER() OVER (PARTITION BY parent ORDER BY sort key)` numbers
//!   every child and keeps n (window functions exist on SQLite 3.25+, MySQL 8 and
//!   MariaDB 10.2+; MariaDB has no LATERAL). A post's tags are few: inside a
//!   LATERAL the planner merge-joined each post's five links with the tags' primary
//!   key, walking ~180 tags a post (Q1's tag level 13.4 ms); numbered in one window
//!   the level is one hash join (3.1 ms).

use sea_orm::sea_query::{
    Alias, ArrayType, Asterisk, ColumnRef, DynIden, Expr, ExprTrait, Func, IntoColumnRef, IntoIden,
    JoinType, Order, PgFunc, Query, SelectStatement, Value, WindowStatement,
};
use sea_orm::{DbBackend, DbErr, QueryResult};

use crate::graphql::core::Fanout;
use crate::graphql::pagination::Keyed;

/// The column every per-parent or grouped statement names its parent key by.
pub const PARENT: &str = "__parent";
const ROW: &str = "__row";
/// The parents of a batch as a table of one column, when they are one (PostgreSQL).
const PARENTS: &str = "__parents";
const PAGE: &str = "__page";

/// The distinct parent keys of one batch, on one backend.
pub struct Parents<'a> {
    pub keys: &'a [i64],
    pub backend: DbBackend,
    /// How many children one parent typically has.
    pub fanout: Fanout,
}

impl Parents<'_> {
    pub fn fanout(self, fanout: Fanout) -> Self {
        Parents { fanout, ..self }
    }

    /// `expr` is one of the parents.
    pub fn contain(&self, expr: impl Into<Expr>) -> Expr {
        let expr = expr.into();
        match (self.keys, self.backend) {
            ([one], _) => expr.eq(*one),
            (_, DbBackend::Postgres) => expr.eq(PgFunc::any(Expr::val(self.array()))),
            _ => expr.is_in(self.keys.iter().copied()),
        }
    }

    fn array(&self) -> Value {
        let keys = self.keys.iter().map(|&k| Value::BigInt(Some(k))).collect();
        Value::Array(ArrayType::BigInt, Some(Box::new(keys)))
    }

    fn lateral(&self) -> bool {
        self.backend == DbBackend::Postgres && self.keys.len() > 1 && self.fanout == Fanout::Many
    }

    /// The condition that ties a page's candidate rows to their parent: `expr` is
    /// the parent of the LATERAL's current row, or one of the batch's parents.
    pub fn of(&self, expr: impl Into<Expr>) -> Expr {
        if self.lateral() {
            expr.into()
                .equals((Alias::new(PARENTS), Alias::new(PARENTS)))
        } else {
            self.contain(expr)
        }
    }

    /// The name the page's rows have in the statement [`Parents::page`] makes, when
    /// it numbers them in a window: to-one relations are joined there, to the rows
    /// kept rather than to every candidate. Elsewhere they are joined among the
    /// candidates, where an ordered, limited scan stops after the page's rows (and
    /// where a LATERAL's nested loop keeps each parent's rows in order, which a join
    /// outside it would not promise).
    pub fn page_rows(&self) -> Option<DynIden> {
        let single = self.keys.len() == 1 && self.backend == DbBackend::Postgres;
        (!single && !self.lateral()).then(|| Alias::new(PAGE).into_iden())
    }

    /// Cuts a page's statement (its candidate rows, tied to their parent by
    /// [`Parents::of`] and selecting it as [`PARENT`]; `partition` names that parent on
    /// the candidate table) so that at most `fetch` rows per parent come back, each
    /// parent's rows in the page's order.
    pub fn page(&self, keyed: Keyed, partition: ColumnRef, fetch: u64) -> SelectStatement {
        let single = self.keys.len() == 1 && self.backend == DbBackend::Postgres;
        if single || self.lateral() {
            let Keyed {
                mut stmt, terms, ..
            } = keyed;
            for (expr, order) in terms {
                stmt.order_by_expr(expr, order);
            }
            stmt.limit(fetch);
            if single {
                return stmt;
            }
            // A LATERAL subquery is a nested loop over the parents: each parent's
            // rows come out together and in the subquery's order.
            return Query::select()
                .column((Alias::new(PAGE), Asterisk))
                .from_function(Func::cust("unnest").arg(self.array()), Alias::new(PARENTS))
                .join_lateral(
                    JoinType::InnerJoin,
                    stmt,
                    Alias::new(PAGE),
                    Expr::cust("TRUE"),
                )
                .to_owned();
        }
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
            .column((Alias::new(PAGE), Asterisk))
            .from_subquery(stmt, Alias::new(PAGE))
            .and_where(Expr::col(Alias::new(ROW)).lte(fetch))
            // Row numbers ascending keep every parent's rows in order as they are grouped.
            .order_by(Alias::new(ROW), Order::Asc)
            .to_owned()
    }
}

pub fn parent_of(row: &QueryResult) -> Result<i64, DbErr> {
    row.try_get("", PARENT)
}

#[cfg(test)]
mod tests {
    use sea_orm::DbBackend;
    use sea_orm::sea_query::{
        Alias, Expr, IntoColumnRef, Order, PostgresQueryBuilder, Query, SqliteQueryBuilder,
    };

    use super::Parents;
    use crate::graphql::core::Fanout;
    use crate::graphql::pagination::Keyed;

    fn sql(keys: &[i64], backend: DbBackend) -> String {
        let batch = Parents {
            keys,
            backend,
            fanout: Fanout::Many,
        };
        let stmt = Query::select()
            .column(Alias::new("id"))
            .from(Alias::new("posts"))
            .and_where(batch.contain(Expr::col(Alias::new("author_id"))))
            .to_owned();
        match backend {
            DbBackend::Postgres => stmt.build(PostgresQueryBuilder).0,
            _ => stmt.build(SqliteQueryBuilder).0,
        }
    }

    /// PostgreSQL sees one statement text whatever the batch size, so it plans it once.
    #[test]
    fn postgres_names_any_number_of_parents_by_one_array() {
        let two = sql(&[1, 2], DbBackend::Postgres);
        assert_eq!(
            two,
            sql(&(1..=500).collect::<Vec<_>>(), DbBackend::Postgres)
        );
        assert!(two.ends_with(r#"WHERE "author_id" = ANY($1)"#), "{two}");
        assert!(sql(&[7], DbBackend::Postgres).ends_with(r#"WHERE "author_id" = $1"#));
        assert!(sql(&[1, 2], DbBackend::Sqlite).ends_with(r#"WHERE "author_id" IN (?, ?)"#));
    }

    fn page(fanout: Fanout) -> String {
        let batch = Parents {
            keys: &[1, 2, 3],
            backend: DbBackend::Postgres,
            fanout,
        };
        let stmt = Query::select()
            .column(Alias::new("id"))
            .from(Alias::new("post_tags"))
            .and_where(batch.of(Expr::col(Alias::new("post_id"))))
            .to_owned();
        let keyed = Keyed {
            stmt,
            terms: vec![(Expr::col(Alias::new("tag_id")), Order::Asc)],
            at: None,
        };
        batch
            .page(keyed, Alias::new("post_id").into_column_ref(), 11)
            .build(PostgresQueryBuilder)
            .0
    }

    /// On PostgreSQL a relation with many rows a parent cuts each parent's page on
    /// its own; one with few numbers the whole batch's rows at once.
    #[test]
    fn postgres_cuts_pages_by_fanout() {
        let many = page(Fanout::Many);
        assert!(many.contains("INNER JOIN LATERAL"), "{many}");
        assert!(!many.contains("ROW_NUMBER"), "{many}");
        let few = page(Fanout::Few);
        assert!(
            few.contains(r#"ROW_NUMBER() OVER ( PARTITION BY "post_id" ORDER BY "tag_id" ASC )"#),
            "{few}"
        );
        assert!(few.contains(r#""post_id" = ANY($1)"#), "{few}");
        assert!(!few.contains("LATERAL"), "{few}");
    }
}
