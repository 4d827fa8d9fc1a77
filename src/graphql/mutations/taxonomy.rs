//! Categories and tags: any signed-in author may create them; changing and
//! deleting them is for staff. A tag still on a post cannot be deleted (PROTECT).

use std::collections::BTreeSet;

use async_graphql::{Context, ID, Object, SimpleObject};
use entity::{category, tag};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait,
    IntoActiveModel, QueryFilter, Set,
};

use super::delete::{DeletePayload, Report};
use super::{free_slug, key, signed_in, staff, validate};
use crate::db::Txn;
use crate::error::{AppError, GqlResult};
use crate::graphql::core::Node;
use crate::graphql::types::{Category, Tag, to_id};

#[derive(SimpleObject)]
pub struct CategoryPayload {
    pub category: Category,
}

#[derive(SimpleObject)]
pub struct TagPayload {
    pub tag: Tag,
}

/// What categories and tags share: a unique name and a unique slug, of their own
/// lengths. Creating and renaming them is one mechanism for both.
trait Named: Node {
    const NAME_COL: Self::Column;
    const SLUG_COL: Self::Column;
    const NAME_MAX: usize;
    const SLUG_MAX: usize;
}

impl Named for category::Entity {
    const NAME_COL: Self::Column = category::Column::Name;
    const SLUG_COL: Self::Column = category::Column::Slug;
    const NAME_MAX: usize = 100;
    const SLUG_MAX: usize = 120;
}

impl Named for tag::Entity {
    const NAME_COL: Self::Column = tag::Column::Name;
    const SLUG_COL: Self::Column = tag::Column::Slug;
    const NAME_MAX: usize = 50;
    const SLUG_MAX: usize = 60;
}

/// The row with this id, or `NOT_FOUND` on `id`.
async fn existing<E: Named>(conn: &impl ConnectionTrait, id: i64) -> Result<E::Model, AppError> {
    E::find()
        .filter(E::ID.eq(id))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound {
            entity: E::NAME,
            field: Some("id"),
        })
}

/// The transaction of a staff-only change, and the row it changes.
async fn staff_row<E: Named>(ctx: &Context<'_>, id: &ID) -> GqlResult<(Txn, E::Model)> {
    let (request, viewer) = signed_in(ctx)?;
    let txn = request.begin_write().await?;
    staff(txn.conn(), viewer).await?;
    let row = existing::<E>(txn.conn(), key("id", id)?).await?;
    Ok((txn, row))
}

/// Creates a category or tag (any signed-in author); the slug is made from the
/// name when not given.
async fn create_named<E>(
    ctx: &Context<'_>,
    name: String,
    slug: Option<String>,
) -> GqlResult<E::Model>
where
    E: Named,
    E::ActiveModel: ActiveModelTrait<Entity = E> + ActiveModelBehavior + Send,
    E::Model: IntoActiveModel<E::ActiveModel>,
{
    let (request, _) = signed_in(ctx)?;
    let name = validate::required("name", &name, E::NAME_MAX)?;
    let made = slug.is_none();
    let slug = validate::slug(slug.as_deref(), &name, E::SLUG_MAX)?;
    let txn = request.begin_write().await?;
    let slug = if made {
        free_slug::<E>(txn.conn(), E::SLUG_COL, slug, E::SLUG_MAX).await?
    } else {
        slug
    };
    let mut row = E::ActiveModel::default();
    row.set(E::NAME_COL, name.into());
    row.set(E::SLUG_COL, slug.into());
    let created = row.insert(txn.conn()).await?;
    txn.commit().await?;
    Ok(created)
}

/// Renames a category or tag (staff).
async fn rename_named<E>(
    ctx: &Context<'_>,
    id: &ID,
    name: Option<String>,
    slug: Option<String>,
) -> GqlResult<E::Model>
where
    E: Named,
    E::ActiveModel: ActiveModelTrait<Entity = E> + ActiveModelBehavior + Send,
    E::Model: IntoActiveModel<E::ActiveModel>,
{
    let (txn, current) = staff_row::<E>(ctx, id).await?;
    let mut row = current.into_active_model();
    if let Some(name) = name {
        row.set(
            E::NAME_COL,
            validate::required("name", &name, E::NAME_MAX)?.into(),
        );
    }
    if let Some(slug) = slug {
        row.set(
            E::SLUG_COL,
            validate::slug(Some(&slug), "", E::SLUG_MAX)?.into(),
        );
    }
    let updated = row.update(txn.conn()).await?;
    txn.commit().await?;
    Ok(updated)
}

/// The tags named by id (all must exist) and by name (missing ones are created),
/// as one set of ids.
pub(super) async fn resolve_tags(
    conn: &impl ConnectionTrait,
    ids: &[i64],
    names: &[String],
) -> Result<BTreeSet<i64>, AppError> {
    let wanted: BTreeSet<i64> = ids.iter().copied().collect();
    let found: BTreeSet<i64> = if wanted.is_empty() {
        BTreeSet::new()
    } else {
        tag::Entity::find()
            .filter(tag::Column::Id.is_in(wanted.iter().copied()))
            .all(conn)
            .await?
            .into_iter()
            .map(|t| t.id)
            .collect()
    };
    if found.len() != wanted.len() {
        return Err(AppError::NotFound {
            entity: "Tag",
            field: Some("tagIds"),
        });
    }
    let mut all = found;
    if names.is_empty() {
        return Ok(all);
    }
    let names: BTreeSet<String> = names
        .iter()
        .map(|n| validate::required("tagNames", n, 50))
        .collect::<Result<_, _>>()?;
    for name in &names {
        let slug = validate::slug(None, name, 60).map_err(|_| {
            AppError::invalid(
                "tagNames",
                format!("no slug can be made from tag name {name:?}"),
            )
        })?;
        let slug = free_slug::<tag::Entity>(conn, tag::Column::Slug, slug, 60).await?;
        // A concurrent request may create the same tag first: then use theirs.
        tag::Entity::insert(tag::ActiveModel {
            name: Set(name.clone()),
            slug: Set(slug),
            ..Default::default()
        })
        .on_conflict(
            OnConflict::column(tag::Column::Name)
                .do_nothing_on([tag::Column::Name])
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    }
    let named = tag::Entity::find()
        .filter(tag::Column::Name.is_in(names.iter().cloned()))
        .all(conn)
        .await?;
    all.extend(named.into_iter().map(|t| t.id));
    Ok(all)
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
        let category = create_named::<category::Entity>(ctx, name, slug).await?;
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
        let category = rename_named::<category::Entity>(ctx, &id, name, slug).await?;
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
        let (txn, row) = staff_row::<category::Entity>(ctx, &id).await?;
        let (conn, id) = (txn.conn(), row.id);
        let report = Report::collect::<category::Entity>(conn, id).await?;
        let effects = report.finish::<category::Entity>(txn, id, dry_run).await?;
        Ok(DeletePayload {
            deleted_id: to_id(id),
            dry_run,
            effects,
            ..Default::default()
        })
    }

    /// Creates a tag (any signed-in author).
    async fn create_tag(
        &self,
        ctx: &Context<'_>,
        name: String,
        slug: Option<String>,
    ) -> GqlResult<TagPayload> {
        let tag = create_named::<tag::Entity>(ctx, name, slug).await?;
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
        let tag = rename_named::<tag::Entity>(ctx, &id, name, slug).await?;
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
        let (txn, row) = staff_row::<tag::Entity>(ctx, &id).await?;
        let (conn, id) = (txn.conn(), row.id);
        let report = Report::collect::<tag::Entity>(conn, id).await?;
        let blocked = report.blocked();
        if !dry_run && blocked > 0 {
            return Err(AppError::Protected {
                message: format!(
                    "the tag is on {blocked} post{}; detach it first",
                    if blocked == 1 { "" } else { "s" }
                ),
                blocked,
            });
        }
        let effects = report.finish::<tag::Entity>(txn, id, dry_run).await?;
        Ok(DeletePayload {
            deleted_id: to_id(id),
            dry_run,
            effects,
            ..Default::default()
        })
    }
}
