//! Posts and their tags. The tag operations are Django's related manager on a
//! many-to-many: `add`, `remove`, `set`, `clear`, each idempotent, and links that
//! stay keep their `taggedAt`.

use std::collections::BTreeSet;

use entity::post::Status;
use entity::{author, category, post, post_tag, tag};
use sea_orm::sea_query::{OnConflict, Query};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use super::delete::{Deletion, Report};
use super::taxonomy::resolve_tags;
use super::{Session, find, free_slug, now, owned, validate};
use crate::error::AppError;
use crate::events::Event;
use crate::graphql::registry;

/// A new post.
pub struct NewPost {
    pub title: String,
    pub body: String,
    /// Made from the title when not given.
    pub slug: Option<String>,
    /// The category by id, or by name (not both).
    pub category_id: Option<i64>,
    pub category: Option<String>,
    pub tags: Wanted,
    /// Published at once; a draft otherwise.
    pub publish: bool,
}

/// Changes to a post; `None` leaves a field as it is.
pub struct PostEdit {
    pub title: Option<String>,
    pub body: Option<String>,
    pub slug: Option<String>,
    /// `Some(None)` leaves the post uncategorised.
    pub category_id: Option<Option<i64>>,
}

/// Tags named by id (all must exist) and by name (missing ones are created).
#[derive(Default)]
pub struct Wanted {
    pub ids: Vec<i64>,
    pub names: Vec<String>,
}

/// What one of the related manager's calls does to a post's tag links.
pub enum Relink {
    Add(Wanted),
    Remove(BTreeSet<i64>),
    Set(Wanted),
    Clear,
}

/// A changed post, and the parents whose lists or counts changed with it.
pub struct PostChange {
    pub post: post::Model,
    pub author: author::Model,
    pub category: Option<category::Model>,
    /// The category the post left, when it moved.
    pub previous_category: Option<category::Model>,
    /// Tags whose posts changed: attached or detached here.
    pub tags: Vec<tag::Model>,
}

/// The post as the author may see it, and theirs to change.
async fn own_post(
    conn: &impl ConnectionTrait,
    s: Session<'_>,
    id: i64,
    field: &'static str,
) -> Result<post::Model, AppError> {
    let post = find::<post::Entity>(conn, s.reader(), id, field).await?;
    owned(Some(post.author_id), s.viewer, "post")?;
    Ok(post)
}

/// The category named by id or by name, if either is given.
async fn category_of(
    conn: &impl ConnectionTrait,
    id: Option<i64>,
    name: Option<&str>,
) -> Result<Option<category::Model>, AppError> {
    let found = match (id, name) {
        (Some(_), Some(_)) => {
            return Err(AppError::invalid(
                "category",
                "give `categoryId` or `category`, not both",
            ));
        }
        (Some(id), None) => {
            category::Entity::find_by_id(id)
                .one(conn)
                .await?
                .ok_or(AppError::NotFound {
                    entity: "Category",
                    field: Some("categoryId"),
                })?
        }
        (None, Some(name)) => category::Entity::find()
            .filter(category::Column::Name.eq(name.trim()))
            .one(conn)
            .await?
            .ok_or(AppError::NotFound {
                entity: "Category",
                field: Some("category"),
            })?,
        (None, None) => return Ok(None),
    };
    Ok(Some(found))
}

/// The tags linked to `post`, of those in `among` (all when `None`).
async fn linked(
    conn: &impl ConnectionTrait,
    post: i64,
    among: Option<&BTreeSet<i64>>,
) -> Result<BTreeSet<i64>, AppError> {
    let (to_post, to_tag) = registry::POST_TAGS.columns();
    let mut links = post_tag::Entity::find().filter(to_post.eq(post));
    if let Some(ids) = among {
        links = links.filter(to_tag.is_in(ids.iter().copied()));
    }
    Ok(links
        .all(conn)
        .await?
        .into_iter()
        .map(|l| l.tag_id)
        .collect())
}

/// Links `tags` to `post`, leaving existing links (and their `taggedAt`) alone;
/// the tags newly linked.
async fn attach(
    conn: &impl ConnectionTrait,
    post: i64,
    tags: &BTreeSet<i64>,
) -> Result<BTreeSet<i64>, AppError> {
    let new: BTreeSet<i64> = tags
        .difference(&linked(conn, post, Some(tags)).await?)
        .copied()
        .collect();
    if new.is_empty() {
        return Ok(new);
    }
    let tagged_at = now();
    let (to_post, to_tag) = registry::POST_TAGS.columns();
    let mut insert = Query::insert();
    insert
        .into_table(post_tag::Entity)
        .columns([to_post, to_tag, post_tag::Column::TaggedAt])
        // A concurrent request may link the same tag first: that is success too.
        .on_conflict(
            OnConflict::columns([to_post, to_tag])
                .do_nothing_on([to_post])
                .to_owned(),
        );
    for tag in &new {
        insert
            .values([post.into(), (*tag).into(), tagged_at.into()])
            .map_err(|e| AppError::Internal(format!("tag links: {e}")))?;
    }
    conn.execute(&insert).await?;
    Ok(new)
}

/// Unlinks those of `tags` linked to `post` (all when `None`); the tags unlinked.
async fn detach(
    conn: &impl ConnectionTrait,
    post: i64,
    tags: Option<&BTreeSet<i64>>,
) -> Result<BTreeSet<i64>, AppError> {
    let gone = linked(conn, post, tags).await?;
    if !gone.is_empty() {
        let (to_post, to_tag) = registry::POST_TAGS.columns();
        post_tag::Entity::delete_many()
            .filter(to_post.eq(post))
            .filter(to_tag.is_in(gone.iter().copied()))
            .exec(conn)
            .await?;
    }
    Ok(gone)
}

/// The payload of a post changed in `conn`'s transaction.
async fn payload(
    conn: &impl ConnectionTrait,
    post_id: i64,
    previous_category: Option<i64>,
    changed_tags: BTreeSet<i64>,
) -> Result<PostChange, AppError> {
    let post = post::Entity::find_by_id(post_id)
        .one(conn)
        .await?
        .ok_or_else(|| AppError::not_found("Post"))?;
    let author = author::Entity::find_by_id(post.author_id)
        .one(conn)
        .await?
        .ok_or_else(|| AppError::not_found("Author"))?;
    let category = match post.category_id {
        Some(id) => category::Entity::find_by_id(id).one(conn).await?,
        None => None,
    };
    let previous = match previous_category.filter(|p| Some(*p) != post.category_id) {
        Some(id) => category::Entity::find_by_id(id).one(conn).await?,
        None => None,
    };
    let tags = if changed_tags.is_empty() {
        Vec::new()
    } else {
        tag::Entity::find()
            .filter(tag::Column::Id.is_in(changed_tags))
            .all(conn)
            .await?
    };
    Ok(PostChange {
        post,
        author,
        category,
        previous_category: previous,
        tags,
    })
}

/// Writes a post, with its category and tags, in one transaction: an unknown
/// category or tag leaves nothing behind.
pub async fn create(s: Session<'_>, new: NewPost) -> Result<PostChange, AppError> {
    let title = validate::required("title", &new.title, 200)?;
    let body = validate::required("body", &new.body, 100_000)?;
    let slug = validate::slug(new.slug.as_deref(), &title, 220)?;
    let made = new.slug.is_none();

    let txn = s.store.begin().await?;
    let conn = txn.conn();
    let category = category_of(conn, new.category_id, new.category.as_deref()).await?;
    let tags = resolve_tags(conn, &new.tags.ids, &new.tags.names).await?;
    let slug = if made {
        free_slug::<post::Entity>(conn, post::Column::Slug, slug, 220).await?
    } else {
        slug
    };
    let at = now();
    let created = post::ActiveModel {
        author_id: Set(s.viewer),
        category_id: Set(category.map(|c| c.id)),
        title: Set(title),
        slug: Set(slug),
        body: Set(body),
        status: Set(if new.publish {
            Status::Published
        } else {
            Status::Draft
        }),
        published_at: Set(new.publish.then_some(at)),
        created_at: Set(at),
        updated_at: Set(at),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    let attached = attach(conn, created.id, &tags).await?;
    let out = payload(conn, created.id, None, attached).await?;
    let event = Event::PostPublished {
        post_id: created.id,
    };
    let published = s.store.announce(conn, new.publish.then_some(event)).await?;
    txn.commit().await?;
    published.committed();
    Ok(out)
}

/// Changes a post of the author's.
pub async fn update(s: Session<'_>, id: i64, edit: PostEdit) -> Result<PostChange, AppError> {
    let txn = s.store.begin().await?;
    let conn = txn.conn();
    let current = own_post(conn, s, id, "id").await?;
    let previous_category = current.category_id;
    let mut row: post::ActiveModel = current.into();
    if let Some(title) = edit.title {
        row.title = Set(validate::required("title", &title, 200)?);
    }
    if let Some(body) = edit.body {
        row.body = Set(validate::required("body", &body, 100_000)?);
    }
    if let Some(slug) = edit.slug {
        row.slug = Set(validate::slug(Some(&slug), "", 220)?);
    }
    match edit.category_id {
        Some(Some(id)) => {
            let category = category_of(conn, Some(id), None).await?;
            row.category_id = Set(category.map(|c| c.id));
        }
        Some(None) => row.category_id = Set(None),
        None => {}
    }
    row.updated_at = Set(now());
    let updated = row.update(conn).await?;
    let out = payload(conn, updated.id, previous_category, BTreeSet::new()).await?;
    txn.commit().await?;
    Ok(out)
}

/// Publishes a post (public from now on, `publishedAt` kept if it was set) or
/// makes it a draft again (its author's alone, `publishedAt` cleared).
pub async fn set_status(s: Session<'_>, id: i64, status: Status) -> Result<PostChange, AppError> {
    let txn = s.store.begin().await?;
    let conn = txn.conn();
    let current = own_post(conn, s, id, "id").await?;
    let newly_published = status == Status::Published && current.status != Status::Published;
    let published_at = match status {
        Status::Published => current.published_at.or(Some(now())),
        Status::Draft => None,
    };
    let mut row: post::ActiveModel = current.into();
    row.status = Set(status);
    row.published_at = Set(published_at);
    row.updated_at = Set(now());
    let updated = row.update(conn).await?;
    let out = payload(conn, updated.id, None, BTreeSet::new()).await?;
    let event = Event::PostPublished {
        post_id: updated.id,
    };
    let published = s
        .store
        .announce(conn, newly_published.then_some(event))
        .await?;
    txn.commit().await?;
    published.committed();
    Ok(out)
}

/// Changes the tag links of a post of the author's, in one transaction; the
/// answer names the tags attached or detached.
pub async fn relink(s: Session<'_>, post_id: i64, op: Relink) -> Result<PostChange, AppError> {
    let txn = s.store.begin().await?;
    let conn = txn.conn();
    let post = own_post(conn, s, post_id, "postId").await?;
    let changed = match op {
        Relink::Add(tags) => {
            let wanted = resolve_tags(conn, &tags.ids, &tags.names).await?;
            attach(conn, post.id, &wanted).await?
        }
        Relink::Remove(tags) => detach(conn, post.id, Some(&tags)).await?,
        Relink::Set(tags) => {
            let wanted = resolve_tags(conn, &tags.ids, &tags.names).await?;
            let current = linked(conn, post.id, None).await?;
            let leaving: BTreeSet<i64> = current.difference(&wanted).copied().collect();
            let mut changed = detach(conn, post.id, Some(&leaving)).await?;
            changed.extend(attach(conn, post.id, &wanted).await?);
            changed
        }
        Relink::Clear => detach(conn, post.id, None).await?,
    };
    let out = payload(conn, post.id, None, changed).await?;
    txn.commit().await?;
    Ok(out)
}

/// Deletes a post of the author's: its comments and tag links go, its tags stay.
pub async fn delete(s: Session<'_>, id: i64, dry_run: bool) -> Result<Deletion, AppError> {
    let txn = s.store.begin().await?;
    let conn = txn.conn();
    let post = own_post(conn, s, id, "id").await?;
    let report = Report::collect::<post::Entity>(conn, post.id).await?;
    let parents = payload(conn, post.id, None, linked(conn, post.id, None).await?).await?;
    let deletion = report
        .finish::<post::Entity>(&s.store, txn, post.id, dry_run)
        .await?;
    Ok(Deletion {
        author: Some(parents.author),
        category: parents.category,
        tags: parents.tags,
        ..deletion
    })
}
