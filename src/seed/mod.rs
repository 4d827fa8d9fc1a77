//! Data sets: the small demo loaded into an empty database, and the deterministic
//! benchmark set of `docs/model.md` (`blogql seed`). Both are built as plain
//! models, then bulk-inserted in one transaction.

pub mod bench;
pub mod demo;

use chrono::{DateTime, Duration, Utc};
use entity::{author, category, comment, post, post_tag, profile, tag};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait, IntoActiveModel, Iterable,
    TransactionTrait,
};

/// Rows of every table, ids included, parents before children.
#[derive(Default)]
pub struct DataSet {
    pub authors: Vec<author::Model>,
    pub profiles: Vec<profile::Model>,
    pub categories: Vec<category::Model>,
    pub tags: Vec<tag::Model>,
    pub posts: Vec<post::Model>,
    pub post_tags: Vec<post_tag::Model>,
    pub comments: Vec<comment::Model>,
}

/// Parameters per statement, below every backend's limit (SQLite's is 32,766).
const MAX_PARAMS: usize = 30_000;

impl DataSet {
    /// Inserts everything in one transaction: all or nothing.
    pub async fn insert(self, conn: &DatabaseConnection) -> Result<(), DbErr> {
        let txn = conn.begin().await?;
        insert_all::<author::Entity, _>(&txn, self.authors).await?;
        insert_all::<profile::Entity, _>(&txn, self.profiles).await?;
        insert_all::<category::Entity, _>(&txn, self.categories).await?;
        insert_all::<tag::Entity, _>(&txn, self.tags).await?;
        insert_all::<post::Entity, _>(&txn, self.posts).await?;
        insert_all::<post_tag::Entity, _>(&txn, self.post_tags).await?;
        insert_all::<comment::Entity, _>(&txn, self.comments).await?;
        restart_sequences(&txn).await?;
        txn.commit().await
    }
}

async fn insert_all<E, C>(db: &C, models: Vec<E::Model>) -> Result<(), DbErr>
where
    E: EntityTrait,
    E::Model: IntoActiveModel<E::ActiveModel>,
    C: ConnectionTrait,
{
    let per_statement = (MAX_PARAMS / E::Column::iter().count()).max(1);
    let mut rows = models
        .into_iter()
        .map(IntoActiveModel::into_active_model)
        .peekable();
    while rows.peek().is_some() {
        let chunk: Vec<_> = rows.by_ref().take(per_statement).collect();
        E::insert_many(chunk).exec_without_returning(db).await?;
    }
    Ok(())
}

/// Rows were inserted with explicit ids; PostgreSQL's sequences do not follow such
/// inserts by themselves (SQLite and MySQL counters do), so move them past the data.
async fn restart_sequences<C: ConnectionTrait>(db: &C) -> Result<(), DbErr> {
    if db.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    for table in [
        "authors",
        "profiles",
        "categories",
        "tags",
        "posts",
        "comments",
    ] {
        db.execute_unprepared(&format!(
            "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
             COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
        ))
        .await?;
    }
    Ok(())
}

/// The password of every generated author, `blogql-demo`, hashed once with Argon2id
/// (hashing at each start would cost more than loading the data).
pub const DEMO_PASSWORD_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$YmxvZ3FsLWRlbW8tc2FsdA$iJwywZINH9yEa0Uuxnp5qaSJwHss3Euhkfo9xhLaZ8s";

/// A fixed instant plus `minutes`, so generated data never depends on the clock.
pub fn at(minutes: i64) -> DateTime<Utc> {
    // 2026-01-01T00:00:00Z
    DateTime::<Utc>::UNIX_EPOCH + Duration::seconds(1_767_225_600) + Duration::minutes(minutes)
}
