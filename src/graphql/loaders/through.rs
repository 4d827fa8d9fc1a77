//! Many-to-many through a join table with columns of its own (`Post.tags`,
//! `Tag.posts` through `post_tags`): a page of targets per parent, each with its join
//! row, all parents of a level in one windowed statement.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, IntoColumnRef, IntoIden};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, IdenStatic, Iterable, QueryTrait};

use super::parents::{self, PARENT};
use super::{Linked, Loaders, Shared, ThroughPage, group};
use crate::error::AppError;
use crate::graphql::columns;
use crate::graphql::core::Node;
use crate::graphql::decode::Decode;
use crate::graphql::pagination::{Cursored, Page};
use crate::statement::Select;

/// Join-row columns are selected under this prefix where a name clashes with the
/// target's. Only there: SeaORM reads a prefixed column by a name it formats per
/// column per row (two allocations each, 15,000 for Q1's 2,500 tags).
const JOIN_PREFIX: &str = "__join_";

/// The prefix the join row's columns are selected under: none unless one of them
/// has the name of a target column (the names this server adds, such as
/// `__parent`, all start with `__`, which no column does).
fn join_prefix<E: EntityTrait, J: EntityTrait>() -> &'static str {
    let clashes = J::Column::iter().any(|j| E::Column::iter().any(|e| e.as_str() == j.as_str()));
    if clashes { JOIN_PREFIX } else { "" }
}

impl<E: Node, J: EntityTrait<Model: Sync> + Decode> Loader<ThroughPage<E, J>> for Loaders {
    type Value = Shared<Page<Linked<E, J>>>;
    type Error = AppError;

    // A span per batch, under the operation's (see `traces`).
    #[tracing::instrument(level = "debug", name = "loader.batch", skip_all,
        fields(loader = "many_to_many", entity = E::NAME, keys = keys.len()))]
    async fn load(
        &self,
        keys: &[ThroughPage<E, J>],
    ) -> Result<HashMap<ThroughPage<E, J>, Self::Value>, AppError> {
        let (stamp, joins) = (self.stamp(), self.joins::<ThroughPage<E, J>>());
        let mut pages = HashMap::new();
        let mut joined = Vec::new();
        let groups = group(keys, |k| {
            ((k.from, k.to, k.fanout, k.page.clone()), k.parent)
        });
        for ((from, to, fanout, page), parents) in groups {
            let batch = self.parents(&parents).fanout(fanout);
            let mut inner = columns::find::<E>(self.reader()).into_query();
            inner
                .inner_join(
                    J::default(),
                    Expr::col((J::default(), to.0)).equals((E::default(), E::ID)),
                )
                .expr_as(from.0.into_expr(), Alias::new(PARENT));
            let prefix = join_prefix::<E, J>();
            for col in J::Column::iter() {
                let alias = Alias::new(format!("{prefix}{}", col.as_str()));
                inner.expr_as(col.into_expr(), alias);
            }
            inner
                .and_where(batch.of((J::default(), from.0).into_column_ref()))
                .cond_where(page.rows(self.reader(), Some(J::default().into_iden()))?);
            // Joined where the page's rows are kept, when a wrapper keeps them.
            let outside = batch.page_rows();
            if outside.is_none() {
                joins.add::<E>(&mut inner, self.reader());
            }
            let mut stmt = batch.page(
                page.keyed(inner, self.reader()),
                (J::default(), from.0).into_column_ref(),
                page.fetch(),
            );
            if let Some(rows) = outside {
                joins.add_at::<E>(&mut stmt, rows, self.reader());
            }

            let mut rows: HashMap<i64, Vec<Cursored<Linked<E, J>>>> = HashMap::new();
            let cursors = page.cursors();
            let read = self.db.query_all(&Select(&stmt)).await?;
            joins.decode_each::<E, AppError>(read, &mut joined, |target, row, columns| {
                let link = J::decode(row, columns, prefix)?;
                let cursor = cursors.of(&target, row)?;
                rows.entry(parents::parent_of(row)?)
                    .or_default()
                    .push((cursor, (target, link)));
                Ok(())
            })?;
            for parent in parents {
                let items = rows.remove(&parent).unwrap_or_default();
                let key = ThroughPage {
                    from,
                    to,
                    fanout,
                    parent,
                    page: page.clone(),
                };
                pages.insert(key, Shared::new(page.page(items)));
            }
        }
        self.keep(stamp, joined);
        Ok(pages)
    }
}
