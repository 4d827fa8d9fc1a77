//! Sign-in for authors: a password hash (Argon2id, PHC string) and a staff flag.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Authors {
    Table,
    PasswordHash,
    IsStaff,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one at a time.
        manager
            .alter_table(
                Table::alter()
                    .table(Authors::Table)
                    // Empty: the author cannot sign in (no hash verifies against it).
                    .add_column(string_len(Authors::PasswordHash, 255).default(""))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Authors::Table)
                    .add_column(boolean(Authors::IsStaff).default(false))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [Authors::IsStaff, Authors::PasswordHash] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Authors::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
