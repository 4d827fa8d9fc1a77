use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Authors {
    Table,
    Id,
    Username,
    Email,
    Name,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Profiles {
    Table,
    Id,
    AuthorId,
    Bio,
    City,
    Website,
    Birthdate,
}

#[derive(DeriveIden)]
enum Categories {
    Table,
    Id,
    Name,
    Slug,
}

#[derive(DeriveIden)]
enum Tags {
    Table,
    Id,
    Name,
    Slug,
}

#[derive(DeriveIden)]
enum Posts {
    Table,
    Id,
    AuthorId,
    CategoryId,
    Title,
    Slug,
    Body,
    Status,
    PublishedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum PostTags {
    Table,
    PostId,
    TagId,
    TaggedAt,
}

#[derive(DeriveIden)]
enum Comments {
    Table,
    Id,
    PostId,
    AuthorId,
    Body,
    CreatedAt,
}

/// A named single-column unique constraint, written inside CREATE TABLE.
fn unique(name: &str, col: impl IntoIden) -> IndexCreateStatement {
    Index::create().name(name).unique().col(col).take()
}

/// A named foreign key to `to_table.id` with the given delete rule.
fn foreign_key(
    name: &str,
    from: (impl IntoIden, impl IntoIden),
    to_table: impl IntoIden,
    to_id: impl IntoIden,
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to_table, to_id)
        .on_delete(on_delete)
        .on_update(ForeignKeyAction::NoAction)
        .take()
}

/// Creates `table` with its foreign keys. sea-query writes SQLite foreign keys
/// without their names, so on SQLite the statement is written out here and each
/// `FOREIGN KEY ("col")` is given its `CONSTRAINT "name"`.
async fn create_table(
    manager: &SchemaManager<'_>,
    mut table: TableCreateStatement,
    foreign_keys: Vec<ForeignKeyCreateStatement>,
) -> Result<(), DbErr> {
    for mut fk in foreign_keys.iter().cloned() {
        table.foreign_key(&mut fk);
    }
    if manager.get_database_backend() != DbBackend::Sqlite {
        return manager.create_table(table).await;
    }
    let mut sql = table.to_string(SqliteQueryBuilder);
    for fk in &foreign_keys {
        let fk = fk.get_foreign_key();
        if let (Some(name), [column]) = (fk.get_name(), fk.get_columns().as_slice()) {
            let clause = format!("FOREIGN KEY (\"{column}\")");
            sql = sql.replace(&clause, &format!("CONSTRAINT \"{name}\" {clause}"));
        }
    }
    manager.get_connection().execute_unprepared(&sql).await?;
    Ok(())
}

/// A named plain index on one column (every foreign key column gets one).
fn index(name: &str, table: impl IntoIden, col: impl IntoIden) -> IndexCreateStatement {
    Index::create().name(name).table(table).col(col).take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Authors::Table)
                    .col(big_pk_auto(Authors::Id))
                    .col(string_len(Authors::Username, 150))
                    .col(string_len(Authors::Email, 254))
                    .col(string_len(Authors::Name, 100))
                    .col(timestamp_with_time_zone(Authors::CreatedAt))
                    .index(&mut unique("uq_authors_username", Authors::Username))
                    .index(&mut unique("uq_authors_email", Authors::Email))
                    .to_owned(),
            )
            .await?;

        create_table(
            manager,
            Table::create()
                .table(Profiles::Table)
                .col(big_pk_auto(Profiles::Id))
                .col(big_integer(Profiles::AuthorId))
                .col(text(Profiles::Bio).default(""))
                .col(string_len_null(Profiles::City, 100))
                .col(string_len_null(Profiles::Website, 200))
                .col(date_null(Profiles::Birthdate))
                // The unique constraint is the one-to-one and also indexes the key.
                .index(&mut unique("uq_profiles_author_id", Profiles::AuthorId))
                .to_owned(),
            vec![foreign_key(
                "fk_profiles_author_id",
                (Profiles::Table, Profiles::AuthorId),
                Authors::Table,
                Authors::Id,
                ForeignKeyAction::Cascade,
            )],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Categories::Table)
                    .col(big_pk_auto(Categories::Id))
                    .col(string_len(Categories::Name, 100))
                    .col(string_len(Categories::Slug, 120))
                    .index(&mut unique("uq_categories_name", Categories::Name))
                    .index(&mut unique("uq_categories_slug", Categories::Slug))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Tags::Table)
                    .col(big_pk_auto(Tags::Id))
                    .col(string_len(Tags::Name, 50))
                    .col(string_len(Tags::Slug, 60))
                    .index(&mut unique("uq_tags_name", Tags::Name))
                    .index(&mut unique("uq_tags_slug", Tags::Slug))
                    .to_owned(),
            )
            .await?;

        create_table(
            manager,
            Table::create()
                .table(Posts::Table)
                .col(big_pk_auto(Posts::Id))
                .col(big_integer(Posts::AuthorId))
                .col(big_integer_null(Posts::CategoryId))
                .col(string_len(Posts::Title, 200))
                .col(string_len(Posts::Slug, 220))
                .col(text(Posts::Body))
                .col(string_len(Posts::Status, 16).default("DRAFT"))
                .col(timestamp_with_time_zone_null(Posts::PublishedAt))
                .col(timestamp_with_time_zone(Posts::CreatedAt))
                .col(timestamp_with_time_zone(Posts::UpdatedAt))
                .index(&mut unique("uq_posts_slug", Posts::Slug))
                .check((
                    "ck_posts_status",
                    Expr::col(Posts::Status).is_in(["DRAFT", "PUBLISHED"]),
                ))
                .to_owned(),
            vec![
                foreign_key(
                    "fk_posts_author_id",
                    (Posts::Table, Posts::AuthorId),
                    Authors::Table,
                    Authors::Id,
                    ForeignKeyAction::Cascade,
                ),
                foreign_key(
                    "fk_posts_category_id",
                    (Posts::Table, Posts::CategoryId),
                    Categories::Table,
                    Categories::Id,
                    ForeignKeyAction::SetNull,
                ),
            ],
        )
        .await?;
        manager
            .create_index(index("ix_posts_author_id", Posts::Table, Posts::AuthorId))
            .await?;
        manager
            .create_index(index(
                "ix_posts_category_id",
                Posts::Table,
                Posts::CategoryId,
            ))
            .await?;

        create_table(
            manager,
            Table::create()
                .table(PostTags::Table)
                .col(big_integer(PostTags::PostId))
                .col(big_integer(PostTags::TagId))
                .col(timestamp_with_time_zone(PostTags::TaggedAt))
                // The key (post_id, tag_id) also serves lookups by post.
                .primary_key(
                    Index::create()
                        .name("pk_post_tags")
                        .col(PostTags::PostId)
                        .col(PostTags::TagId),
                )
                .to_owned(),
            vec![
                foreign_key(
                    "fk_post_tags_post_id",
                    (PostTags::Table, PostTags::PostId),
                    Posts::Table,
                    Posts::Id,
                    ForeignKeyAction::Cascade,
                ),
                foreign_key(
                    "fk_post_tags_tag_id",
                    (PostTags::Table, PostTags::TagId),
                    Tags::Table,
                    Tags::Id,
                    ForeignKeyAction::Restrict,
                ),
            ],
        )
        .await?;
        manager
            .create_index(index(
                "ix_post_tags_tag_id",
                PostTags::Table,
                PostTags::TagId,
            ))
            .await?;

        create_table(
            manager,
            Table::create()
                .table(Comments::Table)
                .col(big_pk_auto(Comments::Id))
                .col(big_integer(Comments::PostId))
                .col(big_integer_null(Comments::AuthorId))
                .col(text(Comments::Body))
                .col(timestamp_with_time_zone(Comments::CreatedAt))
                .to_owned(),
            vec![
                foreign_key(
                    "fk_comments_post_id",
                    (Comments::Table, Comments::PostId),
                    Posts::Table,
                    Posts::Id,
                    ForeignKeyAction::Cascade,
                ),
                foreign_key(
                    "fk_comments_author_id",
                    (Comments::Table, Comments::AuthorId),
                    Authors::Table,
                    Authors::Id,
                    ForeignKeyAction::SetNull,
                ),
            ],
        )
        .await?;
        manager
            .create_index(index(
                "ix_comments_post_id",
                Comments::Table,
                Comments::PostId,
            ))
            .await?;
        manager
            .create_index(index(
                "ix_comments_author_id",
                Comments::Table,
                Comments::AuthorId,
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Children before parents, so no foreign key is left dangling.
        for table in [
            Comments::Table.into_iden(),
            PostTags::Table.into_iden(),
            Posts::Table.into_iden(),
            Tags::Table.into_iden(),
            Categories::Table.into_iden(),
            Profiles::Table.into_iden(),
            Authors::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
