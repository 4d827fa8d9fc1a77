//! Category and tag mutations: arguments in, [`crate::domain::taxonomy`]
//! operations, payloads out.

use async_graphql::{Context, ID, Object, SimpleObject};
use entity::{category, tag};

use super::delete::DeletePayload;
use super::{key, session};
use crate::domain::taxonomy;
use crate::error::GqlResult;
use crate::graphql::types::{Category, Tag};

#[derive(SimpleObject)]
pub struct CategoryPayload {
    pub category: Category,
}

#[derive(SimpleObject)]
pub struct TagPayload {
    pub tag: Tag,
}

#[derive(Default)]
pub struct TaxonomyMutation;

#[Object]
impl TaxonomyMutation {
    /// Creates a category (any signed-in author).
    async fn create_category(
        &self,
        ctx: &Context<'_>,
        name: String,
        slug: Option<String>,
    ) -> GqlResult<CategoryPayload> {
        let s = session(ctx)?;
        let category = taxonomy::create::<category::Entity>(s, &name, slug.as_deref()).await?;
        Ok(CategoryPayload {
            category: Category(category),
        })
    }

    /// Renames a category (staff).
    async fn update_category(
        &self,
        ctx: &Context<'_>,
        id: ID,
        name: Option<String>,
        slug: Option<String>,
    ) -> GqlResult<CategoryPayload> {
        let (s, id) = (session(ctx)?, key::<category::Entity>("id", &id)?);
        let (name, slug) = (name.as_deref(), slug.as_deref());
        let category = taxonomy::rename::<category::Entity>(s, id, name, slug).await?;
        Ok(CategoryPayload {
            category: Category(category),
        })
    }

    /// Deletes a category (staff): its posts stay, uncategorised.
    async fn delete_category(
        &self,
        ctx: &Context<'_>,
        id: ID,
        #[graphql(default)] dry_run: bool,
    ) -> GqlResult<DeletePayload> {
        let (s, id) = (session(ctx)?, key::<category::Entity>("id", &id)?);
        Ok(DeletePayload::of::<category::Entity>(
            taxonomy::delete_category(s, id, dry_run).await?,
        ))
    }

    /// Creates a tag (any signed-in author).
    async fn create_tag(
        &self,
        ctx: &Context<'_>,
        name: String,
        slug: Option<String>,
    ) -> GqlResult<TagPayload> {
        let s = session(ctx)?;
        let tag = taxonomy::create::<tag::Entity>(s, &name, slug.as_deref()).await?;
        Ok(TagPayload { tag: Tag(tag) })
    }

    /// Renames a tag (staff).
    async fn update_tag(
        &self,
        ctx: &Context<'_>,
        id: ID,
        name: Option<String>,
        slug: Option<String>,
    ) -> GqlResult<TagPayload> {
        let (s, id) = (session(ctx)?, key::<tag::Entity>("id", &id)?);
        let tag = taxonomy::rename::<tag::Entity>(s, id, name.as_deref(), slug.as_deref()).await?;
        Ok(TagPayload { tag: Tag(tag) })
    }

    /// Deletes a tag (staff). Refused with `PROTECTED` while posts carry it
    /// (`extensions.blockedBy` says how many); nothing changes then.
    async fn delete_tag(
        &self,
        ctx: &Context<'_>,
        id: ID,
        #[graphql(default)] dry_run: bool,
    ) -> GqlResult<DeletePayload> {
        let (s, id) = (session(ctx)?, key::<tag::Entity>("id", &id)?);
        Ok(DeletePayload::of::<tag::Entity>(
            taxonomy::delete_tag(s, id, dry_run).await?,
        ))
    }
}
