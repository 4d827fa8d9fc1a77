//! How the server's SELECT statements are rendered for their backend.
//!
//! Page sizes are written as literals (`LIMIT 21`, `"__row" <= 21`), every other
//! value stays a parameter. PostgreSQL plans a prepared statement once only while
//! its generic plan costs no more than the custom plans it made; a `LIMIT $3` is
//! costed as a tenth of the rows, so Q3's page of 20 posts by tag was re-planned on
//! every execution (0.4 ms, more than running it). A page size is at most
//! `--max-page-size` + 1, so the statement texts stay few.

use std::fmt::{self, Display, Write};

use sea_orm::sea_query::{
    MysqlQueryBuilder, PostgresQueryBuilder, QueryBuilder, SelectStatement, SqlWriter,
    SqlWriterValues, SqliteQueryBuilder, Value,
};
use sea_orm::{DbBackend, Statement, StatementBuilder};

/// A SELECT whose unsigned integers, the server's own page sizes (no client value
/// is unsigned: ids and filter operands are signed), are literals.
pub struct Select<'a>(pub &'a SelectStatement);

impl StatementBuilder for Select<'_> {
    fn build(&self, backend: &DbBackend) -> Statement {
        let (sql, values) = match backend {
            DbBackend::Postgres => render(self.0, PostgresQueryBuilder),
            DbBackend::MySql => render(self.0, MysqlQueryBuilder),
            // SQLite, and any backend SeaORM adds later: the plainest dialect.
            _ => render(self.0, SqliteQueryBuilder),
        };
        Statement::from_sql_and_values(*backend, sql, values)
    }
}

fn render(stmt: &SelectStatement, builder: impl QueryBuilder) -> (String, Vec<Value>) {
    let (placeholder, numbered) = builder.placeholder();
    let mut writer = Literals(SqlWriterValues::new(placeholder, numbered));
    stmt.build_collect_into(builder, &mut writer);
    let (sql, values) = writer.0.into_parts();
    (sql, values.0)
}

/// Writes page sizes in place and hands every other value on as a parameter.
struct Literals(SqlWriterValues);

impl SqlWriter for Literals {
    fn push_param<T: QueryBuilder>(&mut self, value: Value, builder: &T) {
        match value {
            // Writing an integer into a String cannot fail.
            Value::BigUnsigned(Some(n)) => _ = write!(self.0, "{n}"),
            value => self.0.push_param(value, builder),
        }
    }

    fn as_writer(&mut self) -> &mut dyn Write {
        self
    }
}

impl Write for Literals {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0.write_str(s)
    }
}

impl Display for Literals {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query, Value};
    use sea_orm::{DbBackend, StatementBuilder};

    use super::Select;

    #[test]
    fn page_sizes_are_literals_and_every_other_value_a_parameter() {
        let stmt = Query::select()
            .column(Alias::new("id"))
            .from(Alias::new("posts"))
            .and_where(Expr::col(Alias::new("title")).eq("x"))
            .and_where(Expr::col(Alias::new("author_id")).eq(7i64))
            .limit(21)
            .to_owned();
        let pg = Select(&stmt).build(&DbBackend::Postgres);
        assert_eq!(
            pg.sql,
            r#"SELECT "id" FROM "posts" WHERE "title" = $1 AND "author_id" = $2 LIMIT 21"#
        );
        let values = pg.values.map(|v| v.0).unwrap_or_default();
        assert_eq!(
            values,
            vec![Value::String(Some("x".to_owned())), Value::BigInt(Some(7))]
        );
        let sqlite = Select(&stmt).build(&DbBackend::Sqlite);
        assert_eq!(
            sqlite.sql,
            r#"SELECT "id" FROM "posts" WHERE "title" = ? AND "author_id" = ? LIMIT 21"#
        );
        let mysql = Select(&stmt).build(&DbBackend::MySql);
        assert!(
            mysql.sql.ends_with("`author_id` = ? LIMIT 21"),
            "{}",
            mysql.sql
        );
    }
}
