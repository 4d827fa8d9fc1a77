//! Schema migrations of the blog model (`docs/model.md`), for SQLite, PostgreSQL
//! and MySQL/MariaDB. Every unique, foreign key, check and index is named so that
//! errors can be mapped to client errors by constraint name.

pub use sea_orm_migration::prelude::*;

mod m20261121_000001_create_blog_schema;
mod m20261121_000002_author_accounts;
mod m20261202_000003_token_versions;
mod m20261205_000004_profile_avatar;
mod m20261205_000005_media_lock;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261121_000001_create_blog_schema::Migration),
            Box::new(m20261121_000002_author_accounts::Migration),
            Box::new(m20261202_000003_token_versions::Migration),
            Box::new(m20261205_000004_profile_avatar::Migration),
            Box::new(m20261205_000005_media_lock::Migration),
        ]
    }
}
