//! Has-one: the row whose unique foreign key points at the parent (`Author.profile`).

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use sea_orm::sea_query::IntoColumnRef;
use sea_orm::{ConnectionTrait, ModelTrait, QueryFilter, QueryTrait};

use super::{HasOneOf, Loaders, group};
use crate::error::AppError;
use crate::graphql::columns;
use crate::graphql::core::{Node, as_i64};
use crate::graphql::policy;
use crate::statement::Select;

impl<E: Node> Loader<HasOneOf<E>> for Loaders {
    type Value = E::Model;
    type Error = AppError;

    // A span per batch, under the operation's (see `traces`).
    #[tracing::instrument(level = "debug", name = "loader.batch", skip_all,
        fields(loader = "has_one", entity = E::NAME, keys = keys.len()))]
    async fn load(&self, keys: &[HasOneOf<E>]) -> Result<HashMap<HasOneOf<E>, E::Model>, AppError> {
        let (stamp, joins) = (self.stamp(), self.joins::<HasOneOf<E>>());
        let mut found = HashMap::new();
        let mut joined = Vec::new();
        for (fk, parents) in group(keys, |k| (k.fk, k.parent)) {
            let mut stmt = columns::find::<E>(self.reader())
                .filter(
                    self.parents(&parents)
                        .contain((E::default(), fk.0).into_column_ref()),
                )
                .filter(policy::rows::<E>(self.reader(), None)?)
                .into_query();
            joins.add::<E>(&mut stmt, self.reader());
            let rows = self.db.query_all(&Select(&stmt)).await?;
            joins.decode_each::<E, AppError>(rows, &mut joined, |model, _, _| {
                if let Some(parent) = as_i64(model.get(fk.0)) {
                    found.insert(HasOneOf { fk, parent }, model);
                }
                Ok(())
            })?;
        }
        self.keep(stamp, joined);
        Ok(found)
    }
}
