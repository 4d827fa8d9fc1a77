//! Has-many: a page of children per parent (`Author.posts`, `Post.comments`, ...),
//! all parents of a level in one windowed statement.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use sea_orm::sea_query::{Alias, IntoColumnRef};
use sea_orm::{ColumnTrait, ConnectionTrait, QueryTrait};

use super::parents::{self, PARENT};
use super::{Loaders, PageOf, Shared, group};
use crate::error::AppError;
use crate::graphql::columns;
use crate::graphql::core::Node;
use crate::graphql::pagination::{Cursored, Page};
use crate::statement::Select;

impl<E: Node> Loader<PageOf<E>> for Loaders {
    type Value = Shared<Page<E::Model>>;
    type Error = AppError;

    // A span per batch, under the operation's (see `traces`).
    #[tracing::instrument(level = "debug", name = "loader.batch", skip_all,
        fields(loader = "has_many", entity = E::NAME, keys = keys.len()))]
    async fn load(&self, keys: &[PageOf<E>]) -> Result<HashMap<PageOf<E>, Self::Value>, AppError> {
        let (stamp, joins) = (self.stamp(), self.joins::<PageOf<E>>());
        let mut pages = HashMap::new();
        let mut joined = Vec::new();
        for ((fk, page), parents) in group(keys, |k| ((k.fk, k.page.clone()), k.parent)) {
            let batch = self.parents(&parents);
            let mut inner = columns::find::<E>(self.reader()).into_query();
            inner
                .expr_as(fk.0.into_expr(), Alias::new(PARENT))
                .and_where(batch.of((E::default(), fk.0).into_column_ref()))
                .cond_where(page.rows(self.reader(), None)?);
            // Joined where the page's rows are kept, when a wrapper keeps them.
            let outside = batch.page_rows();
            if outside.is_none() {
                joins.add::<E>(&mut inner, self.reader());
            }
            let mut stmt = batch.page(
                page.keyed(inner, self.reader()),
                (E::default(), fk.0).into_column_ref(),
                page.fetch(),
            );
            if let Some(rows) = outside {
                joins.add_at::<E>(&mut stmt, rows, self.reader());
            }

            let mut rows: HashMap<i64, Vec<Cursored<E::Model>>> = HashMap::new();
            let cursors = page.cursors();
            let read = self.db.query_all(&Select(&stmt)).await?;
            joins.decode_each::<E, AppError>(read, &mut joined, |model, row, _| {
                let cursor = cursors.of(&model, row)?;
                rows.entry(parents::parent_of(row)?)
                    .or_default()
                    .push((cursor, model));
                Ok(())
            })?;
            for parent in parents {
                let children = rows.remove(&parent).unwrap_or_default();
                let key = PageOf {
                    fk,
                    parent,
                    page: page.clone(),
                };
                pages.insert(key, Shared::new(page.page(children)));
            }
        }
        self.keep(stamp, joined);
        Ok(pages)
    }
}
