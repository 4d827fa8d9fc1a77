//! Categories and tags: any signed-in author may create them; changing and
//! deleting them is for staff. A tag still on a post cannot be deleted (PROTECT).

use std::collections::BTreeSet;

use entity::{category, tag};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait,
    IntoActiveModel, QueryFilter, Set,
};

use super::delete::{Deletion, Report};
use super::{Session, free_slug, staff, validate};
use crate::db::Txn;
use crate::error::AppError;
use crate::graphql::core::Node;

/// What categories and tags share: a unique name and a unique slug, of their own
/// lengths. Creating and renaming them is one mechanism for both.
pub trait Named: Node {
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

/// The transaction of a staff-only change, and the row `id` it changes
/// (`NOT_FOUND` on `id` when there is none).
async fn staff_row<E: Named>(s: Session<'_>, id: i64) -> Result<(Txn, E::Model), AppError> {
    let txn = s.store.begin().await?;
    staff(txn.conn(), s.viewer).await?;
    let row = E::find()
        .filter(E::ID.eq(id))
        .one(txn.conn())
        .await?
        .ok_or(AppError::NotFound {
            entity: E::NAME,
            field: Some("id"),
        })?;
    Ok((txn, row))
}

/// Creates a category or tag (any signed-in author); the slug is made from the
/// name when not given.
pub async fn create<E: Named>(
    s: Session<'_>,
    name: &str,
    slug: Option<&str>,
) -> Result<E::Model, AppError>
where
    E::ActiveModel: ActiveModelTrait<Entity = E> + ActiveModelBehavior + Send,
    E::Model: IntoActiveModel<E::ActiveModel>,
{
    let name = validate::required("name", name, E::NAME_MAX)?;
    let made = slug.is_none();
    let slug = validate::slug(slug, &name, E::SLUG_MAX)?;
    let txn = s.store.begin().await?;
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
pub async fn rename<E: Named>(
    s: Session<'_>,
    id: i64,
    name: Option<&str>,
    slug: Option<&str>,
) -> Result<E::Model, AppError>
where
    E::ActiveModel: ActiveModelTrait<Entity = E> + ActiveModelBehavior + Send,
    E::Model: IntoActiveModel<E::ActiveModel>,
{
    let (txn, current) = staff_row::<E>(s, id).await?;
    let mut row = current.into_active_model();
    if let Some(name) = name {
        row.set(
            E::NAME_COL,
            validate::required("name", name, E::NAME_MAX)?.into(),
        );
    }
    if let Some(slug) = slug {
        row.set(
            E::SLUG_COL,
            validate::slug(Some(slug), "", E::SLUG_MAX)?.into(),
        );
    }
    let updated = row.update(txn.conn()).await?;
    txn.commit().await?;
    Ok(updated)
}

/// Deletes a category (staff): its posts stay, uncategorised.
pub async fn delete_category(s: Session<'_>, id: i64, dry_run: bool) -> Result<Deletion, AppError> {
    let (txn, row) = staff_row::<category::Entity>(s, id).await?;
    let report = Report::collect::<category::Entity>(txn.conn(), row.id).await?;
    report
        .finish::<category::Entity>(&s.store, txn, row.id, dry_run)
        .await
}

/// Deletes a tag (staff). Refused with `PROTECTED` while posts carry it
/// (`extensions.blockedBy` says how many); nothing changes then.
pub async fn delete_tag(s: Session<'_>, id: i64, dry_run: bool) -> Result<Deletion, AppError> {
    let (txn, row) = staff_row::<tag::Entity>(s, id).await?;
    let report = Report::collect::<tag::Entity>(txn.conn(), row.id).await?;
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
    report
        .finish::<tag::Entity>(&s.store, txn, row.id, dry_run)
        .await
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
