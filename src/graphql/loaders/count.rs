//! Counts per parent (`Author.postCount`, `Tag.postCount`, a nested `totalCount`,
//! filtered or not): one grouped statement for all parents of a level.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use sea_orm::sea_query::{
    Alias, Asterisk, Condition, Expr, ExprTrait, Func, IntoIden, Query, SelectStatement,
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait};

use super::parents::{self, PARENT, Parents};
use super::{CountOf, CountThrough, Loaders, group};
use crate::db::Db;
use crate::error::AppError;
use crate::graphql::core::Node;
use crate::graphql::policy;
use crate::statement::Select;

const COUNT: &str = "__count";

impl<E: Node> Loader<CountOf<E>> for Loaders {
    type Value = i64;
    type Error = AppError;

    // A span per batch, under the operation's (see `traces`).
    #[tracing::instrument(level = "debug", name = "loader.batch", skip_all,
        fields(loader = "count", entity = E::NAME, keys = keys.len()))]
    async fn load(&self, keys: &[CountOf<E>]) -> Result<HashMap<CountOf<E>, i64>, AppError> {
        let mut counts = HashMap::new();
        for ((fk, filter), parents) in group(keys, |k| ((k.fk, k.filter.clone()), k.parent)) {
            let mut stmt = Query::select();
            stmt.from(E::default());
            let found = grouped_count(
                &self.db,
                stmt,
                fk.0.into_expr(),
                self.parents(&parents),
                policy::rows::<E>(self.reader(), filter.as_deref())?,
            )
            .await?;
            for parent in parents {
                let n = found.get(&parent).copied().unwrap_or(0);
                let key = CountOf {
                    fk,
                    parent,
                    filter: filter.clone(),
                };
                counts.insert(key, n);
            }
        }
        Ok(counts)
    }
}

impl<E: Node, J: EntityTrait> Loader<CountThrough<E, J>> for Loaders {
    type Value = i64;
    type Error = AppError;

    // A span per batch, under the operation's (see `traces`).
    #[tracing::instrument(level = "debug", name = "loader.batch", skip_all,
        fields(loader = "count_through", entity = E::NAME, keys = keys.len()))]
    async fn load(
        &self,
        keys: &[CountThrough<E, J>],
    ) -> Result<HashMap<CountThrough<E, J>, i64>, AppError> {
        let mut counts = HashMap::new();
        let groups = group(keys, |k| ((k.from, k.to, k.filter.clone()), k.parent));
        for ((from, to, filter), parents) in groups {
            let mut stmt = Query::select();
            stmt.from(E::default()).inner_join(
                J::default(),
                Expr::col((J::default(), to.0)).equals((E::default(), E::ID)),
            );
            let found = grouped_count(
                &self.db,
                stmt,
                from.0.into_expr(),
                self.parents(&parents),
                policy::rows_via::<E>(
                    self.reader(),
                    filter.as_deref(),
                    Some(J::default().into_iden()),
                )?,
            )
            .await?;
            for parent in parents {
                let n = found.get(&parent).copied().unwrap_or(0);
                let key = CountThrough {
                    from,
                    to,
                    parent,
                    filter: filter.clone(),
                };
                counts.insert(key, n);
            }
        }
        Ok(counts)
    }
}

/// `SELECT parent, COUNT(*) FROM <from> WHERE <parent among parents> AND <cond> GROUP BY parent`.
async fn grouped_count(
    db: &Db,
    mut stmt: SelectStatement,
    parent: Expr,
    parents: Parents<'_>,
    cond: Condition,
) -> Result<HashMap<i64, i64>, AppError> {
    stmt.expr_as(parent.clone(), Alias::new(PARENT))
        .expr_as(Func::count(Expr::col(Asterisk)), Alias::new(COUNT))
        .and_where(parents.contain(parent.clone()))
        .cond_where(cond)
        .add_group_by([parent]);
    let mut found = HashMap::new();
    for row in db.query_all(&Select(&stmt)).await? {
        found.insert(parents::parent_of(&row)?, row.try_get("", COUNT)?);
    }
    Ok(found)
}
