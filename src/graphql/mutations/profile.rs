//! The one-to-one: an author has at most one profile. `createProfile` refuses a
//! second (`CONFLICT` on `author`), `upsertProfile` creates or changes it.

use async_graphql::{Context, InputObject, MaybeUndefined, Object, SimpleObject};
use chrono::NaiveDate;
use entity::profile;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use super::delete::{DeletePayload, Report};
use super::{signed_in, validate};
use crate::error::{AppError, GqlResult};
use crate::graphql::registry;
use crate::graphql::types::{Author, Profile, to_id};

/// Profile fields. Absent fields are left as they are (new profiles: empty);
/// `null` clears a nullable one.
#[derive(InputObject, Default)]
pub struct ProfileInput {
    pub bio: Option<String>,
    pub city: MaybeUndefined<String>,
    pub website: MaybeUndefined<String>,
    pub birthdate: MaybeUndefined<NaiveDate>,
}

#[derive(SimpleObject)]
pub struct ProfilePayload {
    pub profile: Profile,
    /// The profile's author, whose `profile` changed.
    pub author: Author,
}

impl ProfileInput {
    /// Applies the given fields, validated, to `row`.
    fn apply(self, row: &mut profile::ActiveModel) -> Result<(), AppError> {
        if let Some(bio) = self.bio {
            validate::at_most("bio", &bio, 10_000)?;
            row.bio = Set(bio.trim().to_owned());
        }
        match self.city {
            MaybeUndefined::Value(city) => row.city = Set(validate::optional("city", &city, 100)?),
            MaybeUndefined::Null => row.city = Set(None),
            MaybeUndefined::Undefined => {}
        }
        match self.website {
            MaybeUndefined::Value(site) => row.website = Set(validate::website(&site)?),
            MaybeUndefined::Null => row.website = Set(None),
            MaybeUndefined::Undefined => {}
        }
        match self.birthdate {
            MaybeUndefined::Value(date) => row.birthdate = Set(Some(date)),
            MaybeUndefined::Null => row.birthdate = Set(None),
            MaybeUndefined::Undefined => {}
        }
        Ok(())
    }
}

/// Creates `author`'s profile; the unique key on `author_id` refuses a second one.
pub(super) async fn insert_profile(
    conn: &impl ConnectionTrait,
    author: i64,
    input: ProfileInput,
) -> Result<profile::Model, AppError> {
    let mut row = profile::ActiveModel {
        author_id: Set(author),
        bio: Set(String::new()),
        city: Set(None),
        website: Set(None),
        birthdate: Set(None),
        ..Default::default()
    };
    input.apply(&mut row)?;
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

async fn author_of(conn: &impl ConnectionTrait, id: i64) -> Result<Author, AppError> {
    entity::author::Entity::find_by_id(id)
        .one(conn)
        .await?
        .map(Author)
        .ok_or_else(|| AppError::not_found("Author"))
}

#[derive(Default)]
pub struct ProfileMutation;

#[Object]
impl ProfileMutation {
    /// Creates the signed-in author's profile; `CONFLICT` if they have one.
    async fn create_profile(
        &self,
        ctx: &Context<'_>,
        input: ProfileInput,
    ) -> GqlResult<ProfilePayload> {
        let (request, viewer) = signed_in(ctx)?;
        let txn = request.begin_write().await?;
        if profile_of(txn.conn(), viewer).await?.is_some() {
            return Err(AppError::Conflict {
                message: "the author already has a profile".to_owned(),
                field: Some("author"),
            });
        }
        let profile = insert_profile(txn.conn(), viewer, input).await?;
        let author = author_of(txn.conn(), viewer).await?;
        txn.commit().await?;
        Ok(ProfilePayload {
            profile: Profile(profile),
            author,
        })
    }

    /// Creates or changes the signed-in author's profile.
    async fn upsert_profile(
        &self,
        ctx: &Context<'_>,
        input: ProfileInput,
    ) -> GqlResult<ProfilePayload> {
        let (request, viewer) = signed_in(ctx)?;
        let txn = request.begin_write().await?;
        let profile = match profile_of(txn.conn(), viewer).await? {
            Some(current) => {
                let mut row: profile::ActiveModel = current.into();
                input.apply(&mut row)?;
                row.update(txn.conn()).await?
            }
            None => insert_profile(txn.conn(), viewer, input).await?,
        };
        let author = author_of(txn.conn(), viewer).await?;
        txn.commit().await?;
        Ok(ProfilePayload {
            profile: Profile(profile),
            author,
        })
    }

    /// Deletes the signed-in author's profile.
    async fn delete_profile(
        &self,
        ctx: &Context<'_>,
        #[graphql(default)] dry_run: bool,
    ) -> GqlResult<DeletePayload> {
        let (request, viewer) = signed_in(ctx)?;
        let txn = request.begin_write().await?;
        let profile = profile_of(txn.conn(), viewer)
            .await?
            .ok_or_else(|| AppError::not_found("Profile"))?;
        let report = Report::collect::<profile::Entity>(txn.conn(), profile.id).await?;
        let author = author_of(txn.conn(), viewer).await?;
        let effects = report
            .finish::<profile::Entity>(txn, profile.id, dry_run)
            .await?;
        Ok(DeletePayload {
            deleted_id: to_id(profile.id),
            dry_run,
            effects,
            author: Some(author),
            ..Default::default()
        })
    }
}
