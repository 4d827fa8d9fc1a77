//! Aggregates per parent (Django's `aggregate(Count(...), Min(...), Max(...))` on a
//! related set): the count and the range of every timestamp column, for all parents
//! of a level in one grouped statement.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Asterisk, Condition, Expr, Func, Query, SelectStatement};
use sea_orm::{ColumnTrait, ConnectionTrait, IdenStatic, QueryResult};

use super::parents::{self, PARENT, Parents};
use super::{Loaders, group};
use crate::db::Db;
use crate::error::AppError;
use crate::graphql::core::{Col, Node, key_traits};
use crate::graphql::policy;
use crate::statement::Select;

/// An entity whose sets can be aggregated: its timestamp columns.
pub trait Timed: Node {
    const TIMES: &'static [Self::Column];
}

/// The earliest and latest value of a timestamp column over a set.
pub type Span = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

/// The count of a set of rows and, per timestamp column, its earliest and latest.
#[derive(Clone, Debug, Default)]
pub struct Aggregate {
    pub count: i64,
    pub ranges: Vec<Span>,
}

/// The aggregate of the rows of `E` with `fk = parent` that pass the filter.
pub struct AggregateOf<E: Node> {
    pub fk: Col<E>,
    pub parent: i64,
    pub filter: Option<Arc<E::Filter>>,
}
key_traits!(AggregateOf<E: Node> { fk, parent, filter });

const COUNT: &str = "__count";

/// `SELECT COUNT(*), MIN(t1), MAX(t1), ... FROM E WHERE <rows>`, grouped by `parent`
/// when given.
pub fn statement<E: Timed>(
    rows: Condition,
    parent: Option<(Expr, Parents<'_>)>,
) -> SelectStatement {
    let mut stmt = Query::select();
    stmt.from(E::default())
        .expr_as(Func::count(Expr::col(Asterisk)), Alias::new(COUNT));
    for col in E::TIMES {
        let name = col.as_str();
        stmt.expr_as(
            Func::min(col.into_expr()),
            Alias::new(format!("__min_{name}")),
        )
        .expr_as(
            Func::max(col.into_expr()),
            Alias::new(format!("__max_{name}")),
        );
    }
    stmt.cond_where(rows);
    if let Some((expr, parents)) = parent {
        stmt.expr_as(expr.clone(), Alias::new(PARENT))
            .and_where(parents.contain(expr.clone()))
            .add_group_by([expr]);
    }
    stmt
}

/// Reads one row of [`statement`].
pub fn read<E: Timed>(row: &QueryResult) -> Result<Aggregate, AppError> {
    let mut ranges = Vec::with_capacity(E::TIMES.len());
    for col in E::TIMES {
        let name = col.as_str();
        ranges.push((
            row.try_get("", &format!("__min_{name}"))?,
            row.try_get("", &format!("__max_{name}"))?,
        ));
    }
    Ok(Aggregate {
        count: row.try_get("", COUNT)?,
        ranges,
    })
}

/// The aggregate of all rows of `E` the reader sees that pass `filter`.
pub async fn whole<E: Timed>(db: &Db, rows: Condition) -> Result<Aggregate, AppError> {
    let row = db.query_one(&statement::<E>(rows, None)).await?;
    match row {
        Some(row) => read::<E>(&row),
        None => Ok(Aggregate::default()),
    }
}

impl<E: Timed> Loader<AggregateOf<E>> for Loaders {
    type Value = Aggregate;
    type Error = AppError;

    // A span per batch, under the operation's (see `traces`).
    #[tracing::instrument(level = "debug", name = "loader.batch", skip_all,
        fields(loader = "aggregate", entity = E::NAME, keys = keys.len()))]
    async fn load(
        &self,
        keys: &[AggregateOf<E>],
    ) -> Result<HashMap<AggregateOf<E>, Aggregate>, AppError> {
        let mut out = HashMap::new();
        for ((fk, filter), parents) in group(keys, |k| ((k.fk, k.filter.clone()), k.parent)) {
            let rows = policy::rows::<E>(self.reader(), filter.as_deref())?;
            let stmt = statement::<E>(rows, Some((fk.0.into_expr(), self.parents(&parents))));
            let mut found = HashMap::new();
            for row in self.db.query_all(&Select(&stmt)).await? {
                found.insert(parents::parent_of(&row)?, read::<E>(&row)?);
            }
            for parent in parents {
                let aggregate = found.remove(&parent).unwrap_or_else(|| Aggregate {
                    count: 0,
                    ranges: vec![(None, None); E::TIMES.len()],
                });
                let key = AggregateOf {
                    fk,
                    parent,
                    filter: filter.clone(),
                };
                out.insert(key, aggregate);
            }
        }
        Ok(out)
    }
}
