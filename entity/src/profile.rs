use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// One-to-one with [`super::author`]: `author_id` is unique.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "profiles")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub author_id: i64,
    #[sea_orm(column_type = "Text")]
    pub bio: String,
    pub city: Option<String>,
    pub website: Option<String>,
    pub birthdate: Option<Date>,
    /// The avatar's file under the media folder (`avatars/<sha256>.<ext>`).
    pub avatar: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::author::Entity",
        from = "Column::AuthorId",
        to = "super::author::Column::Id",
        on_delete = "Cascade",
        fk_name = "fk_profiles_author_id"
    )]
    Author,
}

impl Related<super::author::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Author.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
