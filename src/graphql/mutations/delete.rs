//! What a delete does, told before or after doing it (the GraphQL twin of Django
//! admin's delete confirmation page): rows deleted, set to null, or in the way.

use async_graphql::{Enum, ID, SimpleObject};
use sea_orm::sea_query::Condition;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, PrimaryKeyTrait, QueryFilter,
};

use crate::db::Txn;
use crate::error::AppError;
use crate::graphql::core::Node;
use crate::graphql::types::{Author, Category, Post, Tag};

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum DeleteAction {
    /// The rows go (CASCADE).
    Delete,
    /// The rows stay with the reference cleared (SET_NULL).
    SetNull,
    /// The rows refuse the delete (PROTECT).
    Protect,
}

/// One line of the report: how many rows of a type a delete touches, and how.
#[derive(SimpleObject, Clone, Debug)]
pub struct DeleteEffect {
    pub action: DeleteAction,
    /// The GraphQL type of the rows (`PostTag` for a post's tag links).
    #[graphql(name = "type")]
    pub type_name: &'static str,
    pub count: i64,
}

/// The result of a delete, or of its dry run.
#[derive(SimpleObject, Default)]
pub struct DeletePayload {
    pub deleted_id: ID,
    /// True when nothing was changed: `effects` says what would happen.
    pub dry_run: bool,
    pub effects: Vec<DeleteEffect>,
    /// Parents whose lists and counts changed, for a client cache to update.
    pub author: Option<Author>,
    pub post: Option<Post>,
    pub category: Option<Category>,
    pub tags: Vec<Tag>,
}

/// Collects the effects of a delete; zero counts are left out.
#[derive(Default)]
pub struct Report(Vec<DeleteEffect>);

impl Report {
    /// A report that starts with the row being deleted.
    pub async fn deleting<E: Node>(conn: &impl ConnectionTrait, id: i64) -> Result<Self, AppError> {
        Report::default()
            .count::<E>(conn, DeleteAction::Delete, E::NAME, E::ID.eq(id).into())
            .await
    }

    pub async fn count<E: EntityTrait>(
        mut self,
        conn: &impl ConnectionTrait,
        action: DeleteAction,
        type_name: &'static str,
        rows: Condition,
    ) -> Result<Self, AppError>
    where
        E::Model: Sync,
    {
        let n = E::find().filter(rows).count(conn).await?;
        let count = i64::try_from(n).unwrap_or(i64::MAX);
        if count > 0 {
            self.0.push(DeleteEffect {
                action,
                type_name,
                count,
            });
        }
        Ok(self)
    }

    pub fn blocked(&self) -> i64 {
        self.0
            .iter()
            .filter(|e| e.action == DeleteAction::Protect)
            .map(|e| e.count)
            .sum()
    }

    /// Deletes row `id` of `E` and commits, unless this is a dry run (then the
    /// transaction is dropped: nothing changes). The effects, either way.
    pub async fn finish<E: EntityTrait>(
        self,
        txn: Txn,
        id: i64,
        dry_run: bool,
    ) -> Result<Vec<DeleteEffect>, AppError>
    where
        <E::PrimaryKey as PrimaryKeyTrait>::ValueType: From<i64>,
    {
        if !dry_run {
            E::delete_by_id(id).exec(txn.conn()).await?;
            txn.commit().await?;
        }
        Ok(self.0)
    }
}
