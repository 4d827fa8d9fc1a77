use async_graphql::{Context, Enum, ID, Object};
use chrono::NaiveDate;
use entity::{author, profile};

use super::{Author, AuthorFilter};
use async_graphql::InputObject;

use crate::error::AppError;
use crate::graphql::core::{At, Node, ToOne};
use crate::graphql::filter;
use crate::graphql::filter::{
    Compiled, Conditions, DateFilter, EntityFilter, IdFilter, Operand, Scope, StringFilter,
};
use crate::graphql::global_id;

use crate::error::GqlResult;
use crate::graphql::pagination::derived::related;
use crate::graphql::pagination::{SortField, Source};
use crate::graphql::registry;
use crate::graphql::relations;
use crate::media::Media;

/// An author's profile: at most one per author (one-to-one).
#[derive(Clone)]
pub struct Profile(pub profile::Model);

/// Fields a profile list can be ordered by.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum ProfileOrderField {
    Id,
    City,
    Birthdate,
    /// The author's username.
    AuthorUsername,
}

impl SortField for ProfileOrderField {
    type Entity = profile::Entity;
    fn key(self) -> Source<profile::Entity> {
        match self {
            ProfileOrderField::Id => Source::column(profile::Column::Id),
            ProfileOrderField::City => Source::column(profile::Column::City),
            ProfileOrderField::Birthdate => Source::column(profile::Column::Birthdate),
            ProfileOrderField::AuthorUsername => {
                related!("author.username": registry::PROFILE_AUTHOR => author::Column::Username)
            }
        }
    }
}

#[Object]
impl Profile {
    /// The row's primary key (Django's `pk`).
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// Globally unique and opaque, for Relay's object identification: `node(id:)`
    /// refetches the object by it, and every `id` argument and filter takes it as
    /// well as `id`.
    pub async fn node_id(&self) -> ID {
        global_id::of::<profile::Entity>(self.0.id)
    }

    /// Free text about the author; empty when not written.
    async fn bio(&self) -> &str {
        &self.0.bio
    }

    async fn city(&self) -> Option<&str> {
        self.0.city.as_deref()
    }

    async fn website(&self) -> Option<&str> {
        self.0.website.as_deref()
    }

    async fn birthdate(&self) -> Option<NaiveDate> {
        self.0.birthdate
    }

    /// Where the avatar's image is published (Django's `avatar.url`): the media
    /// URL and the file's name, which its bytes give, so the URL of an image never
    /// changes and a new avatar has a new URL. Null without an avatar.
    async fn avatar_url(&self, ctx: &Context<'_>) -> GqlResult<Option<String>> {
        let Some(name) = &self.0.avatar else {
            return Ok(None);
        };
        let media = crate::error::data::<std::sync::Arc<Media>>(ctx)?;
        Ok(Some(media.url(name)))
    }

    /// The author this profile belongs to (one-to-one).
    async fn author(&self, ctx: &Context<'_>) -> GqlResult<Author> {
        relations::required::<author::Entity>(ctx, self.0.author_id)
            .await
            .map(Author)
    }
}

/// Which profiles to keep: every field given must hold; `and`, `or` and `not` nest.
#[derive(InputObject, Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct ProfileFilter {
    pub id: Option<IdFilter>,
    pub bio: Option<StringFilter>,
    pub city: Option<StringFilter>,
    pub website: Option<StringFilter>,
    pub birthdate: Option<DateFilter>,
    /// The profile's author matches.
    pub author: Option<Box<AuthorFilter>>,
    pub and: Option<Vec<ProfileFilter>>,
    pub or: Option<Vec<ProfileFilter>>,
    pub not: Option<Box<ProfileFilter>>,
}

impl EntityFilter for ProfileFilter {
    type Entity = profile::Entity;

    fn condition(&self, at: &At<profile::Entity>, scope: &mut Scope) -> Result<Compiled, AppError> {
        Conditions::new()
            .with(&self.id, |f| {
                f.condition::<profile::Entity>(Operand::of(at, profile::Column::Id), scope)
            })?
            .with(&self.bio, |f| {
                f.condition(Operand::of(at, profile::Column::Bio), scope)
            })?
            .with(&self.city, |f| {
                f.condition(Operand::of(at, profile::Column::City), scope)
            })?
            .with(&self.website, |f| {
                f.condition(Operand::of(at, profile::Column::Website), scope)
            })?
            .with(&self.birthdate, |f| {
                f.condition(Operand::of(at, profile::Column::Birthdate), scope)
            })?
            .with(&self.author, |f| {
                filter::parent(f.as_ref(), registry::PROFILE_AUTHOR, at, scope)
            })?
            .logic((&self.and, &self.or, &self.not), at, scope)
    }
}

impl Node for profile::Entity {
    const ID: Self::Column = profile::Column::Id;
    const NAME: &'static str = "Profile";
    type Filter = ProfileFilter;

    fn to_one() -> &'static [&'static dyn ToOne<Self>] {
        &registry::PROFILE_TO_ONE
    }

    fn read_only_by() -> &'static [(Self::Column, &'static [&'static str])] {
        &[(profile::Column::Bio, &["bio"])]
    }
}
