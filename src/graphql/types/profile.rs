use async_graphql::{Context, Enum, ID, Object};
use chrono::NaiveDate;
use entity::{author, profile};

use super::{Author, to_id};
use crate::error::GqlResult;
use crate::graphql::pagination::SortField;
use crate::graphql::relations;

/// An author's profile: at most one per author (one-to-one).
#[derive(Clone)]
pub struct Profile(pub profile::Model);

/// Fields a profile list can be ordered by.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum ProfileOrderField {
    Id,
    City,
    Birthdate,
}

impl SortField for ProfileOrderField {
    type Entity = profile::Entity;
    fn column(self) -> profile::Column {
        match self {
            ProfileOrderField::Id => profile::Column::Id,
            ProfileOrderField::City => profile::Column::City,
            ProfileOrderField::Birthdate => profile::Column::Birthdate,
        }
    }
}

#[Object]
impl Profile {
    async fn id(&self) -> ID {
        to_id(self.0.id)
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

    /// The author this profile belongs to (one-to-one).
    async fn author(&self, ctx: &Context<'_>) -> GqlResult<Author> {
        relations::required::<author::Entity>(ctx, self.0.author_id)
            .await
            .map(Author)
    }
}
