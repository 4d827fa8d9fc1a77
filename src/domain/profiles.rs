//! The one-to-one: an author has at most one profile. `create` refuses a second
//! (`CONFLICT` on `author`), `upsert` creates or changes it.

use chrono::NaiveDate;
use entity::{author, profile};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use super::delete::{Deletion, Report};
use super::{Session, author_of, validate};
use crate::error::AppError;
use crate::graphql::registry;
use crate::media::{self, Image};

/// Profile fields: `None` leaves a field as it is (new profiles: empty);
/// `Some(None)` clears a nullable one.
#[derive(Default)]
pub struct ProfileFields {
    pub bio: Option<String>,
    pub city: Option<Option<String>>,
    pub website: Option<Option<String>>,
    pub birthdate: Option<Option<NaiveDate>>,
}

/// A written profile and its author, whose `profile` changed.
pub struct Profiled {
    pub profile: profile::Model,
    pub author: author::Model,
}

impl ProfileFields {
    /// Applies the given fields, validated, to `row`.
    fn apply(self, row: &mut profile::ActiveModel) -> Result<(), AppError> {
        if let Some(bio) = self.bio {
            validate::at_most("bio", &bio, 10_000)?;
            row.bio = Set(bio.trim().to_owned());
        }
        if let Some(city) = self.city {
            row.city = Set(match city {
                Some(city) => validate::optional("city", &city, 100)?,
                None => None,
            });
        }
        if let Some(site) = self.website {
            row.website = Set(match site {
                Some(site) => validate::website(&site)?,
                None => None,
            });
        }
        if let Some(date) = self.birthdate {
            row.birthdate = Set(date);
        }
        Ok(())
    }
}

/// Creates `author`'s profile; the unique key on `author_id` refuses a second one.
pub(super) async fn insert(
    conn: &impl ConnectionTrait,
    author: i64,
    fields: ProfileFields,
) -> Result<profile::Model, AppError> {
    let mut row = blank(author);
    fields.apply(&mut row)?;
    Ok(row.insert(conn).await?)
}

/// A new profile of `author`, every field empty.
fn blank(author: i64) -> profile::ActiveModel {
    profile::ActiveModel {
        author_id: Set(author),
        bio: Set(String::new()),
        city: Set(None),
        website: Set(None),
        birthdate: Set(None),
        avatar: Set(None),
        ..Default::default()
    }
}

async fn profile_of(
    conn: &impl ConnectionTrait,
    author: i64,
) -> Result<Option<profile::Model>, AppError> {
    Ok(profile::Entity::find()
        .filter(registry::PROFILE_AUTHOR.column.eq(author))
        .one(conn)
        .await?)
}

/// Creates the author's profile; `CONFLICT` if they have one.
pub async fn create(s: Session<'_>, fields: ProfileFields) -> Result<Profiled, AppError> {
    let txn = s.store.begin().await?;
    if profile_of(txn.conn(), s.viewer).await?.is_some() {
        return Err(AppError::Conflict {
            message: "the author already has a profile".to_owned(),
            field: Some("author"),
        });
    }
    let profile = insert(txn.conn(), s.viewer, fields).await?;
    let author = author_of(txn.conn(), s.viewer).await?;
    txn.commit().await?;
    Ok(Profiled { profile, author })
}

/// Creates or changes the author's profile.
pub async fn upsert(s: Session<'_>, fields: ProfileFields) -> Result<Profiled, AppError> {
    let txn = s.store.begin().await?;
    let profile = match profile_of(txn.conn(), s.viewer).await? {
        Some(current) => {
            let mut row: profile::ActiveModel = current.into();
            fields.apply(&mut row)?;
            row.update(txn.conn()).await?
        }
        None => insert(txn.conn(), s.viewer, fields).await?,
    };
    let author = author_of(txn.conn(), s.viewer).await?;
    txn.commit().await?;
    Ok(Profiled { profile, author })
}

/// Sets the author's avatar to `image` (creating an empty profile if they have
/// none): a PNG, JPEG, GIF or WebP by its bytes, stored by its hash. The file is
/// stored before the row holds it and removed again if the write fails, unless it
/// was there before; the avatar it replaces goes once no profile holds it.
pub async fn set_avatar(s: Session<'_>, bytes: &[u8]) -> Result<Profiled, AppError> {
    let image = Image::sniff(bytes)
        .ok_or_else(|| AppError::invalid("file", "`file` is not a PNG, JPEG, GIF or WebP image"))?;
    let media = s.store.media;
    let txn = s.store.begin().await?;
    // From storing the file to the commit, no release may remove it (see `media`).
    media::lock(txn.conn()).await?;
    let current = profile_of(txn.conn(), s.viewer).await?;
    let stored = media
        .store(registry::PROFILE_AVATAR.folder, image, bytes)
        .await
        .map_err(|err| AppError::Internal(format!("storing an avatar: {err}")))?;
    let written = async {
        let (profile, old) = match current {
            Some(current) => {
                let old = current.avatar.clone();
                let mut row: profile::ActiveModel = current.into();
                row.avatar = Set(Some(stored.name.clone()));
                (row.update(txn.conn()).await?, old)
            }
            None => {
                let mut row = blank(s.viewer);
                row.avatar = Set(Some(stored.name.clone()));
                (row.insert(txn.conn()).await?, None)
            }
        };
        let author = author_of(txn.conn(), s.viewer).await?;
        Ok::<_, AppError>((Profiled { profile, author }, old))
    }
    .await;
    let (profiled, old) = match written {
        Ok(written) => written,
        Err(err) => {
            // Still locked: no other write can have taken the file up.
            if stored.created {
                media.remove(&stored.name).await;
            }
            return Err(err);
        }
    };
    // Should the commit fail, whether the row holds the file is unknown: it
    // stays, for `blogql media gc`.
    txn.commit().await?;
    if let Some(old) = old.filter(|old| *old != stored.name) {
        s.store.release_files(vec![old]).await;
    }
    Ok(profiled)
}

/// Clears the author's avatar; the file goes once no profile holds it.
pub async fn clear_avatar(s: Session<'_>) -> Result<Profiled, AppError> {
    let txn = s.store.begin().await?;
    let current = profile_of(txn.conn(), s.viewer)
        .await?
        .ok_or_else(|| AppError::not_found("Profile"))?;
    let old = current.avatar.clone();
    let profile = if old.is_some() {
        let mut row: profile::ActiveModel = current.into();
        row.avatar = Set(None);
        row.update(txn.conn()).await?
    } else {
        current
    };
    let author = author_of(txn.conn(), s.viewer).await?;
    txn.commit().await?;
    if let Some(old) = old {
        s.store.release_files(vec![old]).await;
    }
    Ok(Profiled { profile, author })
}

/// Deletes the author's profile.
pub async fn delete(s: Session<'_>, dry_run: bool) -> Result<Deletion, AppError> {
    let txn = s.store.begin().await?;
    let profile = profile_of(txn.conn(), s.viewer)
        .await?
        .ok_or_else(|| AppError::not_found("Profile"))?;
    let report = Report::collect::<profile::Entity>(txn.conn(), profile.id).await?;
    let author = author_of(txn.conn(), s.viewer).await?;
    let deletion = report
        .finish::<profile::Entity>(&s.store, txn, profile.id, dry_run)
        .await?;
    Ok(Deletion {
        author: Some(author),
        ..deletion
    })
}
