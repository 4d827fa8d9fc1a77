//! The one-to-one: an author has at most one profile. `create` refuses a second
//! (`CONFLICT` on `author`), `upsert` creates or changes it.

use chrono::NaiveDate;
use entity::{author, profile};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use super::delete::{Deletion, Report};
use super::{Session, author_of, validate};
use crate::error::AppError;
use crate::graphql::registry;

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
    let mut row = profile::ActiveModel {
        author_id: Set(author),
        bio: Set(String::new()),
        city: Set(None),
        website: Set(None),
        birthdate: Set(None),
        ..Default::default()
    };
    fields.apply(&mut row)?;
    Ok(row.insert(conn).await?)
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

/// Deletes the author's profile.
pub async fn delete(s: Session<'_>, dry_run: bool) -> Result<Deletion, AppError> {
    let txn = s.store.begin().await?;
    let profile = profile_of(txn.conn(), s.viewer)
        .await?
        .ok_or_else(|| AppError::not_found("Profile"))?;
    let report = Report::collect::<profile::Entity>(txn.conn(), profile.id).await?;
    let author = author_of(txn.conn(), s.viewer).await?;
    let deletion = report
        .finish::<profile::Entity>(txn, profile.id, dry_run)
        .await?;
    Ok(Deletion {
        author: Some(author),
        ..deletion
    })
}
