//! One row that writes touching stored files lock (`SELECT ... FOR UPDATE`), so
//! that storing a file and the commit naming it, and the check that no row holds
//! a file and its removal, never interleave, across every server process sharing
//! the database and the media folder.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum MediaLock {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(MediaLock::Table)
                    .col(big_integer(MediaLock::Id).primary_key())
                    .to_owned(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::insert()
                    .into_table(MediaLock::Table)
                    .columns([MediaLock::Id])
                    .values_panic([1.into()])
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(MediaLock::Table).to_owned())
            .await
    }
}
