//! The blog's writes as operations a caller runs without GraphQL: each takes the
//! [`Store`] (or a signed-in [`Session`]) and plain inputs, runs in one
//! transaction, checks who may do it, writes, and announces its event once
//! committed. The GraphQL mutations parse their arguments, call one operation and
//! shape its answer into a payload; tests call the operations directly.

pub mod accounts;
pub mod comments;
pub mod delete;
pub mod posts;
pub mod profiles;
pub mod taxonomy;
pub mod validate;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::db::{Db, Txn, WriteLock};
use crate::error::AppError;
use crate::events::{Announcement, Event, Events};
use crate::graphql::core::{Node, Reader, Reads};
use crate::graphql::policy;
use crate::graphql::registry::FILES;
use crate::media::Media;

/// What every operation runs with: the database, its write lock, the events, the
/// stored files.
#[derive(Clone, Copy)]
pub struct Store<'a> {
    pub db: &'a Db,
    pub writes: &'a WriteLock,
    pub events: &'a Events,
    pub media: &'a Media,
}

impl<'a> Store<'a> {
    /// Starts the transaction an operation runs in.
    pub async fn begin(&self) -> Result<Txn, AppError> {
        Ok(self.db.begin_write(self.writes).await?)
    }

    /// The operations of the signed-in author `viewer`.
    pub fn as_author(self, viewer: i64) -> Session<'a> {
        Session {
            store: self,
            viewer,
        }
    }

    /// Removes those of `names` that no row holds any more, once a write that let
    /// go of them has committed (see `media`). The write stands whatever happens
    /// here: a file that stays is harmless, and `blogql media gc` removes it.
    pub async fn release_files(&self, names: Vec<String>) {
        if names.is_empty() {
            return;
        }
        let released = async {
            let txn = self.begin().await?;
            self.media.release(txn.conn(), &FILES, names).await?;
            txn.commit().await?;
            Ok::<_, AppError>(())
        }
        .await;
        if let Err(err) = released {
            tracing::warn!(error = ?err, "could not remove files no row holds");
        }
    }

    /// Announces `event` (if any) from inside the transaction; deliver the returned
    /// announcement once the transaction has committed.
    async fn announce(
        &self,
        conn: &impl ConnectionTrait,
        event: Option<Event>,
    ) -> Result<Announcement, AppError> {
        match event {
            Some(event) => Ok(self.events.announce(conn, event).await?),
            None => Ok(Announcement::default()),
        }
    }
}

/// A signed-in author's operations.
#[derive(Clone, Copy)]
pub struct Session<'a> {
    pub store: Store<'a>,
    pub viewer: i64,
}

impl Session<'_> {
    /// Who reads, for the visibility rules.
    pub fn reader(&self) -> Reader {
        Reader {
            backend: self.store.db.get_database_backend(),
            viewer: Some(self.viewer),
            reads: Reads::ALL,
        }
    }
}

/// `made`, a slug made from a title or name, or `made-2`, `made-3`, ... : the
/// first that no row of `E` holds in `col`, hidden rows included (read inside the
/// transaction). A made slug never collides, so a `CONFLICT` cannot tell a client
/// that someone else's draft has that title.
async fn free_slug<E: EntityTrait>(
    conn: &impl ConnectionTrait,
    col: E::Column,
    made: String,
    max: usize,
) -> Result<String, AppError> {
    use sea_orm::QuerySelect;
    use sea_orm::sea_query::ExprTrait;
    // Slugs hold only `[a-z0-9-]`, so the pattern has no wildcard of the client's.
    let taken: std::collections::HashSet<String> = E::find()
        .select_only()
        .column(col)
        .filter(col.eq(made.as_str()).or(col.like(format!("{made}-%"))))
        .into_tuple::<String>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    if !taken.contains(&made) {
        return Ok(made);
    }
    let mut n = 2u64;
    loop {
        let suffix = format!("-{n}");
        let stem = made[..made.len().min(max - suffix.len())].trim_end_matches('-');
        let candidate = format!("{stem}{suffix}");
        let free = if stem.len() == made.len() {
            !taken.contains(&candidate)
        } else {
            // Cut to fit: the candidate is not among those read above.
            E::find()
                .filter(col.eq(candidate.as_str()))
                .one(conn)
                .await?
                .is_none()
        };
        if free {
            return Ok(candidate);
        }
        n += 1;
    }
}

/// The row with this id as `reader` may see it, read inside the transaction;
/// `NOT_FOUND` naming `field` when there is none (or it is hidden from them).
async fn find<E: Node>(
    conn: &impl ConnectionTrait,
    reader: Reader,
    id: i64,
    field: &'static str,
) -> Result<E::Model, AppError> {
    E::find()
        .filter(E::ID.eq(id))
        .filter(policy::rows::<E>(reader, None)?)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound {
            entity: E::NAME,
            field: Some(field),
        })
}

/// `FORBIDDEN` unless the viewer is `owner`.
fn owned(owner: Option<i64>, viewer: i64, what: &str) -> Result<(), AppError> {
    if owner == Some(viewer) {
        Ok(())
    } else {
        Err(AppError::forbidden(format!(
            "only its author may change this {what}"
        )))
    }
}

/// `FORBIDDEN` unless the viewer is staff (read now, so `promote` takes effect at once).
async fn staff(conn: &impl ConnectionTrait, viewer: i64) -> Result<(), AppError> {
    let author = entity::author::Entity::find_by_id(viewer).one(conn).await?;
    if author.is_some_and(|a| a.is_staff) {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "only staff may delete categories and tags",
        ))
    }
}

/// Now, to the second: what every backend stores alike (MySQL keeps no fraction).
fn now() -> chrono::DateTime<chrono::Utc> {
    use chrono::SubsecRound;
    chrono::Utc::now().trunc_subsecs(0)
}

/// The author with this id, or `NOT_FOUND`.
async fn author_of(
    conn: &impl ConnectionTrait,
    id: i64,
) -> Result<entity::author::Model, AppError> {
    entity::author::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| AppError::not_found("Author"))
}
