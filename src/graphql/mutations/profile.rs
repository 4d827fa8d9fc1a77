//! Profile mutations: arguments in, [`crate::domain::profiles`] operations, payloads out.

use async_graphql::{Context, InputObject, MaybeUndefined, Object, SimpleObject};
use chrono::NaiveDate;
use entity::profile;

use super::delete::DeletePayload;
use super::session;
use crate::domain::profiles::{self, ProfileFields, Profiled};
use crate::error::GqlResult;
use crate::graphql::types::{Author, Profile};
use crate::graphql::upload::Upload;

/// Profile fields. Absent fields are left as they are (new profiles: empty);
/// `null` clears a nullable one.
#[derive(InputObject, Default)]
pub struct ProfileInput {
    pub bio: Option<String>,
    pub city: MaybeUndefined<String>,
    pub website: MaybeUndefined<String>,
    pub birthdate: MaybeUndefined<NaiveDate>,
}

impl From<ProfileInput> for ProfileFields {
    fn from(input: ProfileInput) -> Self {
        ProfileFields {
            bio: input.bio,
            city: input.city.into(),
            website: input.website.into(),
            birthdate: input.birthdate.into(),
        }
    }
}

#[derive(SimpleObject)]
pub struct ProfilePayload {
    pub profile: Profile,
    /// The profile's author, whose `profile` changed.
    pub author: Author,
}

impl From<Profiled> for ProfilePayload {
    fn from(p: Profiled) -> Self {
        ProfilePayload {
            profile: Profile(p.profile),
            author: Author(p.author),
        }
    }
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
        Ok(profiles::create(session(ctx)?, input.into()).await?.into())
    }

    /// Creates or changes the signed-in author's profile.
    async fn upsert_profile(
        &self,
        ctx: &Context<'_>,
        input: ProfileInput,
    ) -> GqlResult<ProfilePayload> {
        Ok(profiles::upsert(session(ctx)?, input.into()).await?.into())
    }

    /// Sets the signed-in author's avatar (creating their profile if they have
    /// none) from an image sent by the GraphQL multipart request spec: a PNG,
    /// JPEG, GIF or WebP by its bytes, at most the upload size limit. The avatar it
    /// replaces is removed.
    async fn set_avatar(&self, ctx: &Context<'_>, file: Upload) -> GqlResult<ProfilePayload> {
        let session = session(ctx)?;
        let file = file.file(ctx, "file")?;
        Ok(profiles::set_avatar(session, &file.bytes).await?.into())
    }

    /// Clears the signed-in author's avatar and removes its file.
    async fn clear_avatar(&self, ctx: &Context<'_>) -> GqlResult<ProfilePayload> {
        Ok(profiles::clear_avatar(session(ctx)?).await?.into())
    }

    /// Deletes the signed-in author's profile (and its avatar's file).
    async fn delete_profile(
        &self,
        ctx: &Context<'_>,
        #[graphql(default)] dry_run: bool,
    ) -> GqlResult<DeletePayload> {
        let deletion = profiles::delete(session(ctx)?, dry_run).await?;
        Ok(DeletePayload::of::<profile::Entity>(deletion))
    }
}
