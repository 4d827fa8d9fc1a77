//! The subcommands besides serving: migrations, seeding, the schema and its diff,
//! staff, and the stored files.

use std::time::Instant;

use entity::author;
use migration::{Migrator, MigratorTrait};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, TransactionTrait};

use crate::cli::{GcArgs, MigrateAction, SchemaArgs, SeedArgs};
use crate::config::MediaConfig;
use crate::graphql::registry;
use crate::media::Media;
use crate::schema_diff::{self, Class};
use crate::{db, graphql, seed};

#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error("database: {0}")]
    Database(#[from] DbErr),
    #[error("the database already holds data; run `blogql seed --fresh` to replace it")]
    NotEmpty,
    #[error("no author is called {0:?}")]
    NoSuchAuthor(String),
    #[error("{0}: {1}")]
    File(String, String),
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

/// Prints the SDL, or the changes since `--diff`'s schema; false when a breaking
/// change is not accepted.
pub fn schema(args: &SchemaArgs) -> Result<bool, CommandError> {
    let Some(old) = &args.diff else {
        print!("{}", graphql::sdl());
        return Ok(true);
    };
    let read = |path: &std::path::Path| {
        let len = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        if len > schema_diff::MAX_SDL_BYTES as u64 {
            return Err(CommandError::File(
                path.display().to_string(),
                "too large".into(),
            ));
        }
        std::fs::read_to_string(path)
            .map_err(|e| CommandError::File(path.display().to_string(), e.to_string()))
    };
    let old_sdl = read(old)?;
    let accepted: Vec<String> = match &args.accept {
        Some(path) => read(path)?
            .lines()
            .map(|l| l.split('#').next().unwrap_or_default().trim().to_owned())
            .filter(|l| !l.is_empty())
            .collect(),
        None => Vec::new(),
    };
    let changes = schema_diff::diff(&old_sdl, &graphql::sdl())
        .map_err(|e| CommandError::File(old.display().to_string(), e.to_string()))?;
    let mut refused = 0;
    for change in &changes {
        let accepted = change.class == Class::Breaking && accepted.contains(&change.key());
        let note = if accepted { "  (accepted)" } else { "" };
        println!("{change}{note}");
        refused += usize::from(change.class == Class::Breaking && !accepted);
    }
    let count = |class| changes.iter().filter(|c| c.class == class).count();
    println!(
        "{} breaking ({refused} not accepted), {} dangerous, {} safe",
        count(Class::Breaking),
        count(Class::Dangerous),
        count(Class::Safe)
    );
    Ok(refused == 0)
}

/// `blogql media gc`: removes the stored files no row holds, and prints their names.
pub async fn media_gc(database_url: &str, args: &GcArgs) -> Result<(), CommandError> {
    let conn = db::connect(database_url, db::PoolSettings::single()).await?;
    Migrator::up(&conn, None).await?;
    let media = Media::new(&MediaConfig {
        media_dir: args.media_dir.clone(),
        ..MediaConfig::default()
    });
    let older_than = std::time::Duration::from_secs(args.older_than);
    let txn = conn.begin().await?;
    let unheld = media
        .sweep(&txn, &registry::FILES, older_than, args.dry_run)
        .await
        .map_err(|err| CommandError::File(args.media_dir.display().to_string(), err.to_string()))?;
    txn.commit().await?;
    for name in &unheld {
        println!("{name}");
    }
    let verb = if args.dry_run {
        "would remove"
    } else {
        "removed"
    };
    println!("{verb} {} file(s) no row holds", unheld.len());
    Ok(())
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
