//! Tokens that can end: each author's tokens carry the author's token version, and
//! a token whose version is no longer the author's (signed out everywhere, password
//! changed) or whose author is gone is refused.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Authors {
    Table,
    TokenVersion,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Authors::Table)
                    // Tokens issued before this column existed carry version 0.
                    .add_column(big_integer(Authors::TokenVersion).default(0))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Authors::Table)
                    .drop_column(Authors::TokenVersion)
                    .to_owned(),
            )
            .await
    }
}
