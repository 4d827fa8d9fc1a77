//! Belongs-to: rows by primary key (`Post.author`, `Comment.post`, root lookups by id).

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use sea_orm::sea_query::IntoColumnRef;
use sea_orm::{ModelTrait, QueryFilter};

use super::{ById, Loaders};
use crate::error::AppError;
use crate::graphql::core::{Node, as_i64};
use crate::graphql::policy;

impl<E: Node> Loader<ById<E>> for Loaders {
    type Value = E::Model;
    type Error = AppError;

    async fn load(&self, keys: &[ById<E>]) -> Result<HashMap<ById<E>, E::Model>, AppError> {
        let ids: Vec<i64> = keys.iter().map(|k| k.id).collect();
        let rows = E::find()
            .filter(
                self.parents(&ids)
                    .contain((E::default(), E::ID).into_column_ref()),
            )
            .filter(policy::rows::<E>(self.reader(), None)?)
            .all(&self.db)
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|row| Some((ById::new(as_i64(row.get(E::ID))?), row)))
            .collect())
    }
}
