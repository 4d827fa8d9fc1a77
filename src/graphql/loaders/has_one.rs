//! Has-one: the row whose unique foreign key points at the parent (`Author.profile`).

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use sea_orm::sea_query::IntoColumnRef;
use sea_orm::{ModelTrait, QueryFilter};

use super::{HasOneOf, Loaders, group};
use crate::error::AppError;
use crate::graphql::core::{Node, as_i64};
use crate::graphql::policy;

impl<E: Node> Loader<HasOneOf<E>> for Loaders {
    type Value = E::Model;
    type Error = AppError;

    async fn load(&self, keys: &[HasOneOf<E>]) -> Result<HashMap<HasOneOf<E>, E::Model>, AppError> {
        let mut found = HashMap::new();
        for (fk, parents) in group(keys, |k| (k.fk, k.parent)) {
            let rows = E::find()
                .filter(
                    self.parents(&parents)
                        .contain((E::default(), fk.0).into_column_ref()),
                )
                .filter(policy::rows::<E>(self.reader(), None)?)
                .all(&self.db)
                .await?;
            for row in rows {
                if let Some(parent) = as_i64(row.get(fk.0)) {
                    found.insert(HasOneOf { fk, parent }, row);
                }
            }
        }
        Ok(found)
    }
}
