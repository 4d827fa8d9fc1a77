//! What a delete does, told before or after doing it (the twin of Django admin's
//! delete confirmation page): rows deleted, set to null, or in the way. The
//! report's two types are GraphQL output types as they stand.

use async_graphql::{Enum, SimpleObject};
use futures_util::future::BoxFuture;
use sea_orm::sea_query::{Asterisk, Condition, DynIden, Expr, Func, IntoIden, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PrimaryKeyTrait};

use super::Store;
use crate::db::Txn;
use crate::error::AppError;
use crate::graphql::core::{Node, OnDelete, Parents, Reference};
use crate::graphql::registry::{FILES, REFERENCES};
use crate::media;

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

/// What a delete did (or, on a dry run, would do), and the parents whose lists and
/// counts changed with it.
#[derive(Default)]
pub struct Deletion {
    pub id: i64,
    pub dry_run: bool,
    pub effects: Vec<DeleteEffect>,
    pub author: Option<entity::author::Model>,
    pub post: Option<entity::post::Model>,
    pub category: Option<entity::category::Model>,
    pub tags: Vec<entity::tag::Model>,
}

/// Collects the effects of a delete (zero counts are left out), and the stored
/// files that only the deleted rows held.
#[derive(Default)]
pub struct Report {
    effects: Vec<DeleteEffect>,
    files: Vec<String>,
}

/// The state of [`Report::collect`]'s walk.
struct Walk {
    report: Report,
    /// Every table rows are deleted from, with which of its rows.
    deleted: Vec<(DynIden, Parents)>,
    /// The rows a CASCADE deletes, per table, to keep them out of SET NULL counts.
    gone: Vec<(DynIden, Condition)>,
}

impl Walk {
    /// Follows every CASCADE from `parents`, depth first, counting as it goes.
    fn cascade<'a, C: ConnectionTrait>(
        &'a mut self,
        conn: &'a C,
        (table, parents): (DynIden, Parents),
    ) -> BoxFuture<'a, Result<(), AppError>> {
        Box::pin(async move {
            for reference in dependents(&table) {
                if reference.on_delete() != OnDelete::Cascade {
                    continue;
                }
                let child = reference.child_table();
                let rows = reference.children(&parents);
                let name = reference.child_name();
                self.count(
                    conn,
                    DeleteAction::Delete,
                    name,
                    child.clone(),
                    rows.clone(),
                )
                .await?;
                self.gone.push((child.clone(), rows.clone()));
                if let Some(ids) = reference.child_ids(rows) {
                    let next = (child, Parents::Query(Box::new(ids)));
                    self.deleted.push(next.clone());
                    self.cascade(conn, next).await?;
                }
            }
            Ok(())
        })
    }

    async fn count(
        &mut self,
        conn: &impl ConnectionTrait,
        action: DeleteAction,
        type_name: &'static str,
        table: DynIden,
        rows: Condition,
    ) -> Result<(), AppError> {
        let stmt = Query::select()
            .expr(Func::count(Expr::col(Asterisk)))
            .from(table)
            .cond_where(rows)
            .take();
        let row = conn.query_one(&stmt).await?;
        let count = match row {
            Some(row) => row.try_get_by_index::<i64>(0)?,
            None => 0,
        };
        if count > 0 {
            self.report.effects.push(DeleteEffect {
                action,
                type_name,
                count,
            });
        }
        Ok(())
    }
}

/// The foreign keys that point at `table`.
fn dependents(table: &DynIden) -> impl Iterator<Item = &'static dyn Reference> + '_ {
    REFERENCES
        .into_iter()
        .filter(move |r| same(&r.parent_table(), table))
}

fn same(a: &DynIden, b: &DynIden) -> bool {
    a.to_string() == b.to_string()
}

impl Report {
    /// What deleting row `id` of `E` does, walked over the foreign keys of
    /// [`REFERENCES`] as the database's delete rules will act (Django's
    /// `Collector`): the row, every row a CASCADE takes with it (depth first), then
    /// the rows a SET NULL clears or a PROTECT holds the delete back for, leaving
    /// out rows that go anyway. One `COUNT` per line; zero counts are left out.
    pub async fn collect<E: Node>(conn: &impl ConnectionTrait, id: i64) -> Result<Self, AppError> {
        let root = (E::default().into_iden(), Parents::One(id));
        let mut walk = Walk {
            report: Report::default(),
            deleted: vec![root.clone()],
            gone: Vec::new(),
        };
        let rows = Condition::all().add(E::ID.eq(id));
        walk.count(conn, DeleteAction::Delete, E::NAME, root.0.clone(), rows)
            .await?;
        walk.cascade(conn, root).await?;
        for (table, parents) in walk.deleted.clone() {
            for reference in dependents(&table) {
                let action = match reference.on_delete() {
                    OnDelete::Cascade => continue,
                    OnDelete::SetNull => DeleteAction::SetNull,
                    OnDelete::Protect => DeleteAction::Protect,
                };
                let child = reference.child_table();
                let mut rows = reference.children(&parents);
                for (_, going) in walk.gone.iter().filter(|(t, _)| same(t, &child)) {
                    rows = rows.add(going.clone().not());
                }
                walk.count(conn, action, reference.child_name(), child, rows)
                    .await?;
            }
            for column in FILES.iter().filter(|f| same(&f.table(), &table)) {
                let names = media::names(conn, &column.only_held_by(&parents)).await?;
                if !names.is_empty() {
                    walk.report.effects.push(DeleteEffect {
                        action: DeleteAction::Delete,
                        type_name: column.label(),
                        count: names.len() as i64,
                    });
                    walk.report.files.extend(names);
                }
            }
        }
        Ok(walk.report)
    }

    pub fn blocked(&self) -> i64 {
        self.effects
            .iter()
            .filter(|e| e.action == DeleteAction::Protect)
            .map(|e| e.count)
            .sum()
    }

    /// Deletes row `id` of `E` and commits, then removes the files only the
    /// deleted rows held, unless this is a dry run (then the transaction is
    /// dropped: nothing changes). What was (or would be) done.
    pub async fn finish<E: EntityTrait>(
        self,
        store: &Store<'_>,
        txn: Txn,
        id: i64,
        dry_run: bool,
    ) -> Result<Deletion, AppError>
    where
        <E::PrimaryKey as PrimaryKeyTrait>::ValueType: From<i64>,
    {
        if !dry_run {
            E::delete_by_id(id).exec(txn.conn()).await?;
            txn.commit().await?;
            store.release_files(self.files).await;
        }
        Ok(Deletion {
            id,
            dry_run,
            effects: self.effects,
            ..Deletion::default()
        })
    }
}
