//! Belongs-to: rows by primary key (`Post.author`, `Comment.post`, root lookups by id).

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use sea_orm::sea_query::IntoColumnRef;
use sea_orm::{ConnectionTrait, ModelTrait, QueryFilter, QueryTrait};

use super::{ById, Loaders};
use crate::error::AppError;
use crate::graphql::columns;
use crate::graphql::core::{Node, as_i64};
use crate::graphql::policy;
use crate::statement::Select;

impl<E: Node> Loader<ById<E>> for Loaders {
    type Value = E::Model;
    type Error = AppError;

    // A span per batch, under the operation's (see `traces`).
    #[tracing::instrument(level = "debug", name = "loader.batch", skip_all,
        fields(loader = "by_id", entity = E::NAME, keys = keys.len()))]
    async fn load(&self, keys: &[ById<E>]) -> Result<HashMap<ById<E>, E::Model>, AppError> {
        let ids: Vec<i64> = keys.iter().map(|k| k.id).collect();
        let (stamp, joins) = (self.stamp(), self.joins::<ById<E>>());
        let mut stmt = columns::find::<E>(self.reader())
            .filter(
                self.parents(&ids)
                    .contain((E::default(), E::ID).into_column_ref()),
            )
            .filter(policy::rows::<E>(self.reader(), None)?)
            .into_query();
        joins.add::<E>(&mut stmt, self.reader());
        let mut found = HashMap::new();
        let mut joined = Vec::new();
        let rows = self.db.query_all(&Select(&stmt)).await?;
        joins.decode_each::<E, AppError>(rows, &mut joined, |model, _, _| {
            if let Some(id) = as_i64(model.get(E::ID)) {
                found.insert(ById::new(id), model);
            }
            Ok(())
        })?;
        self.keep(stamp, joined);
        Ok(found)
    }
}
