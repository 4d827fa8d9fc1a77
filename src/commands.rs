//! The subcommands besides serving: migrations, seeding, printing the schema.

use std::time::Instant;

use entity::author;
use migration::{Migrator, MigratorTrait};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter};

use crate::cli::{MigrateAction, SeedArgs};
use crate::{db, graphql, seed};

#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error("database: {0}")]
    Database(#[from] DbErr),
    #[error("the database already holds data; run `blogql seed --fresh` to replace it")]
    NotEmpty,
    #[error("no author is called {0:?}")]
    NoSuchAuthor(String),
}

pub async fn migrate(database_url: &str, action: MigrateAction) -> Result<(), CommandError> {
    let conn = db::connect(database_url, db::PoolSettings::single()).await?;
    match action {
        MigrateAction::Up => Migrator::up(&conn, None).await?,
        MigrateAction::Down => Migrator::down(&conn, Some(1)).await?,
        MigrateAction::Fresh => Migrator::fresh(&conn).await?,
        MigrateAction::Status => {
            for m in Migrator::get_migration_with_status(&conn).await? {
                println!("{}\t{}", m.name(), m.status());
            }
        }
    }
    Ok(())
}

pub async fn seed(database_url: &str, args: SeedArgs) -> Result<(), CommandError> {
    let conn = db::connect(database_url, db::PoolSettings::single()).await?;
    if args.fresh {
        Migrator::fresh(&conn).await?;
    } else {
        Migrator::up(&conn, None).await?;
        if entity::author::Entity::find().count(&conn).await? > 0 {
            return Err(CommandError::NotEmpty);
        }
    }
    let started = Instant::now();
    let data = seed::bench::data(args.authors);
    let (posts, links, comments) = (data.posts.len(), data.post_tags.len(), data.comments.len());
    data.insert(&conn).await?;
    println!(
        "seeded {} authors, {posts} posts, {links} tag links, {comments} comments in {:.1}s",
        args.authors,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

pub fn schema() {
    print!("{}", graphql::sdl());
}

pub async fn promote(database_url: &str, username: &str) -> Result<(), CommandError> {
    let conn = db::connect(database_url, db::PoolSettings::single()).await?;
    Migrator::up(&conn, None).await?;
    let updated = author::Entity::update_many()
        .col_expr(author::Column::IsStaff, Expr::value(true))
        .filter(author::Column::Username.eq(username))
        .exec(&conn)
        .await?;
    if updated.rows_affected == 0 {
        return Err(CommandError::NoSuchAuthor(username.to_owned()));
    }
    println!("{username} is now staff");
    Ok(())
}
