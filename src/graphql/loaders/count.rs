//! Counts per parent (`Author.postCount`, `Tag.postCount`, a nested `totalCount`):
//! one grouped statement for all parents of a level.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use sea_orm::sea_query::{Alias, Asterisk, Expr, Func, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait};

use super::window::{self, PARENT};
use super::{CountOf, Loaders, group};
use crate::error::AppError;

const COUNT: &str = "__count";

impl<E: EntityTrait> Loader<CountOf<E>> for Loaders {
    type Value = i64;
    type Error = AppError;

    async fn load(&self, keys: &[CountOf<E>]) -> Result<HashMap<CountOf<E>, i64>, AppError> {
        let mut counts = HashMap::new();
        for (fk, parents) in group(keys, |k| (k.fk, k.parent)) {
            let stmt = Query::select()
                .expr_as(fk.0.into_expr(), Alias::new(PARENT))
                .expr_as(Func::count(Expr::col(Asterisk)), Alias::new(COUNT))
                .from(E::default())
                .and_where(fk.0.is_in(parents.iter().copied()))
                .add_group_by([fk.0.into_expr()])
                .to_owned();
            let mut found: HashMap<i64, i64> = HashMap::new();
            for row in self.db.query_all(&stmt).await? {
                found.insert(window::parent_of(&row)?, row.try_get("", COUNT)?);
            }
            for parent in parents {
                let n = found.get(&parent).copied().unwrap_or(0);
                counts.insert(CountOf { fk, parent }, n);
            }
        }
        Ok(counts)
    }
}
