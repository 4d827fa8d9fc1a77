//! The profile's avatar (Django's `avatar = ImageField(upload_to='avatars/')`): the
//! stored file's name under the media folder, as Django keeps an `ImageField`
//! (`avatars/<sha256>.<ext>`, at most 100 characters like its default
//! `max_length`), or NULL for none.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Profiles {
    Table,
    Avatar,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Profiles::Table)
                    .add_column(string_len_null(Profiles::Avatar, 100))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Profiles::Table)
                    .drop_column(Profiles::Avatar)
                    .to_owned(),
            )
            .await
    }
}
