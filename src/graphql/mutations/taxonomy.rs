//! Categories and tags: any signed-in author may create them; changing and
//! deleting them is for staff. A tag still on a post cannot be deleted (PROTECT).

use std::collections::BTreeSet;

use async_graphql::{Context, ID, Object, SimpleObject};
use entity::{category, post, post_tag, tag};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use super::delete::{DeleteAction, DeletePayload, Report};
use super::{key, signed_in, staff, validate};
use crate::error::{AppError, GqlResult};
use crate::graphql::types::{Category, Tag, to_id};

#[derive(SimpleObject)]
pub struct CategoryPayload {
    pub category: Category,
}

#[derive(SimpleObject)]
pub struct TagPayload {
    pub tag: Tag,
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
        let (request, _) = signed_in(ctx)?;
        let name = validate::required("name", &name, 100)?;
        let slug = validate::slug(slug.as_deref(), &name, 120)?;
        let txn = request.begin_write().await?;
        let created = category::ActiveModel {
            name: Set(name),
            slug: Set(slug),
            ..Default::default()
        }
        .insert(txn.conn())
        .await
        .map_err(AppError::from)?;
        txn.commit().await.map_err(AppError::from)?;
        Ok(CategoryPayload {
            category: Category(created),
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
        let (request, viewer) = signed_in(ctx)?;
        let txn = request.begin_write().await?;
        staff(txn.conn(), viewer).await?;
        let current = category::Entity::find_by_id(key("id", &id)?)
            .one(txn.conn())
            .await
            .map_err(AppError::from)?
            .ok_or(AppError::NotFound {
                entity: "Category",
                field: Some("id"),
            })?;
        let mut row: category::ActiveModel = current.into();
        if let Some(name) = name {
            row.name = Set(validate::required("name", &name, 100)?);
        }
        if let Some(slug) = slug {
            row.slug = Set(validate::slug(Some(&slug), "", 120)?);
        }
        let updated = row.update(txn.conn()).await.map_err(AppError::from)?;
        txn.commit().await.map_err(AppError::from)?;
        Ok(CategoryPayload {
            category: Category(updated),
        })
    }

    /// Deletes a category (staff): its posts stay, uncategorised.
    async fn delete_category(
        &self,
        ctx: &Context<'_>,
        id: ID,
        #[graphql(default)] dry_run: bool,
    ) -> GqlResult<DeletePayload> {
        let (request, viewer) = signed_in(ctx)?;
        let txn = request.begin_write().await?;
        let conn = txn.conn();
        staff(conn, viewer).await?;
        let id = key("id", &id)?;
        category::Entity::find_by_id(id)
            .one(conn)
            .await
            .map_err(AppError::from)?
            .ok_or(AppError::NotFound {
                entity: "Category",
                field: Some("id"),
            })?;
        let report = Report::default()
            .count::<category::Entity>(
                conn,
                DeleteAction::Delete,
                "Category",
                category::Column::Id.eq(id).into(),
            )
            .await?
            .count::<post::Entity>(
                conn,
                DeleteAction::SetNull,
                "Post",
                post::Column::CategoryId.eq(id).into(),
            )
            .await?;
        if !dry_run {
            category::Entity::delete_by_id(id)
                .exec(conn)
                .await
                .map_err(AppError::from)?;
            txn.commit().await.map_err(AppError::from)?;
        }
        Ok(DeletePayload {
            deleted_id: to_id(id),
            dry_run,
            effects: report.effects(),
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
        let (request, _) = signed_in(ctx)?;
        let name = validate::required("name", &name, 50)?;
        let slug = validate::slug(slug.as_deref(), &name, 60)?;
        let txn = request.begin_write().await?;
        let created = tag::ActiveModel {
            name: Set(name),
            slug: Set(slug),
            ..Default::default()
        }
        .insert(txn.conn())
        .await
        .map_err(AppError::from)?;
        txn.commit().await.map_err(AppError::from)?;
        Ok(TagPayload { tag: Tag(created) })
    }

    /// Renames a tag (staff).
    async fn update_tag(
        &self,
        ctx: &Context<'_>,
        id: ID,
        name: Option<String>,
        slug: Option<String>,
    ) -> GqlResult<TagPayload> {
        let (request, viewer) = signed_in(ctx)?;
        let txn = request.begin_write().await?;
        staff(txn.conn(), viewer).await?;
        let current = tag::Entity::find_by_id(key("id", &id)?)
            .one(txn.conn())
            .await
            .map_err(AppError::from)?
            .ok_or(AppError::NotFound {
                entity: "Tag",
                field: Some("id"),
            })?;
        let mut row: tag::ActiveModel = current.into();
        if let Some(name) = name {
            row.name = Set(validate::required("name", &name, 50)?);
        }
        if let Some(slug) = slug {
            row.slug = Set(validate::slug(Some(&slug), "", 60)?);
        }
        let updated = row.update(txn.conn()).await.map_err(AppError::from)?;
        txn.commit().await.map_err(AppError::from)?;
        Ok(TagPayload { tag: Tag(updated) })
    }

    /// Deletes a tag (staff). Refused with `PROTECTED` while posts carry it
    /// (`extensions.blockedBy` says how many); nothing changes then.
    async fn delete_tag(
        &self,
        ctx: &Context<'_>,
        id: ID,
        #[graphql(default)] dry_run: bool,
    ) -> GqlResult<DeletePayload> {
        let (request, viewer) = signed_in(ctx)?;
        let txn = request.begin_write().await?;
        let conn = txn.conn();
        staff(conn, viewer).await?;
        let id = key("id", &id)?;
        tag::Entity::find_by_id(id)
            .one(conn)
            .await
            .map_err(AppError::from)?
            .ok_or(AppError::NotFound {
                entity: "Tag",
                field: Some("id"),
            })?;
        let report = Report::default()
            .count::<tag::Entity>(
                conn,
                DeleteAction::Delete,
                "Tag",
                tag::Column::Id.eq(id).into(),
            )
            .await?
            .count::<post_tag::Entity>(
                conn,
                DeleteAction::Protect,
                "Post",
                post_tag::Column::TagId.eq(id).into(),
            )
            .await?;
        let blocked = report.blocked();
        if !dry_run {
            if blocked > 0 {
                return Err(AppError::Protected {
                    message: format!(
                        "the tag is on {blocked} post{}; detach it first",
                        if blocked == 1 { "" } else { "s" }
                    ),
                    blocked,
                }
                .into());
            }
            tag::Entity::delete_by_id(id)
                .exec(conn)
                .await
                .map_err(AppError::from)?;
            txn.commit().await.map_err(AppError::from)?;
        }
        Ok(DeletePayload {
            deleted_id: to_id(id),
            dry_run,
            effects: report.effects(),
            ..Default::default()
        })
    }
}
