//! Comments: any signed-in author may comment on a post they can see; a comment's
//! author may edit it; its author or the post's author may delete it.

use entity::{comment, post};
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, Set};

use super::delete::{Deletion, Report};
use super::{Session, find, now, owned, validate};
use crate::error::AppError;
use crate::events::Event;

/// A written comment and the post it is on, whose comments and count changed.
pub struct Commented {
    pub comment: comment::Model,
    pub post: post::Model,
}

async fn post_of(conn: &impl ConnectionTrait, id: i64) -> Result<post::Model, AppError> {
    post::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| AppError::not_found("Post"))
}

/// Comments on post `post_id`, which the author must be able to see.
pub async fn create(s: Session<'_>, post_id: i64, body: &str) -> Result<Commented, AppError> {
    let body = validate::required("body", body, 20_000)?;
    let txn = s.store.begin().await?;
    let conn = txn.conn();
    let post = find::<post::Entity>(conn, s.reader(), post_id, "postId").await?;
    let created = comment::ActiveModel {
        post_id: Set(post.id),
        author_id: Set(Some(s.viewer)),
        body: Set(body),
        created_at: Set(now()),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    let added = Event::CommentAdded {
        comment_id: created.id,
        post_id: post.id,
    };
    let announcement = s.store.announce(conn, Some(added)).await?;
    txn.commit().await?;
    announcement.committed();
    Ok(Commented {
        comment: created,
        post,
    })
}

/// Changes a comment of the author's.
pub async fn update(s: Session<'_>, id: i64, body: &str) -> Result<Commented, AppError> {
    let body = validate::required("body", body, 20_000)?;
    let txn = s.store.begin().await?;
    let conn = txn.conn();
    let current = find::<comment::Entity>(conn, s.reader(), id, "id").await?;
    owned(current.author_id, s.viewer, "comment")?;
    let mut row: comment::ActiveModel = current.into();
    row.body = Set(body);
    let updated = row.update(conn).await?;
    let post = post_of(conn, updated.post_id).await?;
    txn.commit().await?;
    Ok(Commented {
        comment: updated,
        post,
    })
}

/// Deletes a comment: its author may, and so may the author of the post.
pub async fn delete(s: Session<'_>, id: i64, dry_run: bool) -> Result<Deletion, AppError> {
    let txn = s.store.begin().await?;
    let conn = txn.conn();
    let current = find::<comment::Entity>(conn, s.reader(), id, "id").await?;
    let post = post_of(conn, current.post_id).await?;
    if current.author_id != Some(s.viewer) && post.author_id != s.viewer {
        return Err(AppError::forbidden(
            "only the comment's author or the post's author may delete it",
        ));
    }
    let report = Report::collect::<comment::Entity>(conn, current.id).await?;
    let deletion = report
        .finish::<comment::Entity>(&s.store, txn, current.id, dry_run)
        .await?;
    Ok(Deletion {
        post: Some(post),
        ..deletion
    })
}
