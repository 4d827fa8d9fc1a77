//! Posts and their tags. The tag operations are Django's related manager on a
//! many-to-many: `add`, `remove`, `set`, `clear`, each idempotent, and links that
//! stay keep their `taggedAt`.

use std::collections::BTreeSet;

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use entity::post::Status;
use entity::{author, category, post, post_tag, tag};
use sea_orm::sea_query::{OnConflict, Query};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use super::delete::{DeletePayload, Report};
use super::taxonomy::resolve_tags;
use super::{announce, find, free_slug, key, now, owned, signed_in, validate};
use crate::error::{AppError, GqlResult};
use crate::events::Event;
use crate::graphql::core::Reader;
use crate::graphql::registry;
use crate::graphql::types::{Author, Category, Post, Tag, to_id};

#[derive(InputObject)]
pub struct CreatePostInput {
    pub title: String,
    pub body: String,
    /// Made from the title when not given.
    pub slug: Option<String>,
    /// The category by id, or `category` by name (not both).
    pub category_id: Option<ID>,
    pub category: Option<String>,
    /// Existing tags by id.
    pub tag_ids: Option<Vec<ID>>,
    /// Tags by name; missing ones are created.
    pub tag_names: Option<Vec<String>>,
    /// Publish at once (default: a draft).
    #[graphql(default)]
    pub publish: bool,
}

#[derive(InputObject)]
pub struct UpdatePostInput {
    pub title: Option<String>,
    pub body: Option<String>,
    pub slug: Option<String>,
    /// `null` leaves the post uncategorised.
    pub category_id: MaybeUndefined<ID>,
}

/// A changed post, and the parents whose lists or counts changed with it.
#[derive(SimpleObject)]
pub struct PostPayload {
    pub post: Post,
    pub author: Author,
    pub category: Option<Category>,
    /// The category the post left, when it moved.
    pub previous_category: Option<Category>,
    /// Tags whose posts changed: attached or detached here.
    pub tags: Vec<Tag>,
}

/// The post as the viewer may see it, and theirs to change.
async fn own_post(
    conn: &impl ConnectionTrait,
    reader: Reader,
    viewer: i64,
    id: &ID,
    field: &'static str,
) -> Result<post::Model, AppError> {
    let post = find::<post::Entity>(conn, reader, key(field, id)?, field).await?;
    owned(Some(post.author_id), viewer, "post")?;
    Ok(post)
}

/// The category named by id or by name, if either is given.
async fn category_of(
    conn: &impl ConnectionTrait,
    id: Option<&ID>,
    name: Option<&str>,
) -> Result<Option<category::Model>, AppError> {
    let found = match (id, name) {
        (Some(_), Some(_)) => {
            return Err(AppError::invalid(
                "category",
                "give `categoryId` or `category`, not both",
            ));
        }
        (Some(id), None) => category::Entity::find_by_id(key("categoryId", id)?)
            .one(conn)
            .await?
            .ok_or(AppError::NotFound {
                entity: "Category",
                field: Some("categoryId"),
            })?,
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
) -> Result<PostPayload, AppError> {
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
    Ok(PostPayload {
        post: Post(post),
        author: Author(author),
        category: category.map(Category),
        previous_category: previous.map(Category),
        tags: tags.into_iter().map(Tag).collect(),
    })
}

/// Tags one call may name, by ids and by names each: a post carries a handful, and
/// every one is a bound parameter of the statements that link them.
const MAX_TAGS: usize = 100;

fn at_most_tags<T>(field: &'static str, list: &[T]) -> Result<(), AppError> {
    if list.len() > MAX_TAGS {
        return Err(AppError::invalid(
            field,
            format!(
                "`{field}` holds at most {MAX_TAGS} tags (got {})",
                list.len()
            ),
        ));
    }
    Ok(())
}

fn ids(field: &'static str, ids: Option<&[ID]>) -> Result<Vec<i64>, AppError> {
    let ids = ids.unwrap_or_default();
    at_most_tags(field, ids)?;
    ids.iter().map(|id| key(field, id)).collect()
}

fn names(names: Option<Vec<String>>) -> Result<Vec<String>, AppError> {
    let names = names.unwrap_or_default();
    at_most_tags("tagNames", &names)?;
    Ok(names)
}

#[derive(Default)]
pub struct PostMutation;

#[Object]
impl PostMutation {
    /// Writes a post, with its category and tags, in one transaction: an unknown
    /// category or tag id leaves nothing behind.
    async fn create_post(
        &self,
        ctx: &Context<'_>,
        input: CreatePostInput,
    ) -> GqlResult<PostPayload> {
        let (request, viewer) = signed_in(ctx)?;
        let title = validate::required("title", &input.title, 200)?;
        let body = validate::required("body", &input.body, 100_000)?;
        let slug = validate::slug(input.slug.as_deref(), &title, 220)?;
        let made = input.slug.is_none();
        let tag_ids = ids("tagIds", input.tag_ids.as_deref())?;
        let tag_names = names(input.tag_names)?;

        let txn = request.begin_write().await?;
        let conn = txn.conn();
        let category =
            category_of(conn, input.category_id.as_ref(), input.category.as_deref()).await?;
        let tags = resolve_tags(conn, &tag_ids, &tag_names).await?;
        let slug = if made {
            free_slug::<post::Entity>(conn, post::Column::Slug, slug, 220).await?
        } else {
            slug
        };
        let at = now();
        let created = post::ActiveModel {
            author_id: Set(viewer),
            category_id: Set(category.map(|c| c.id)),
            title: Set(title),
            slug: Set(slug),
            body: Set(body),
            status: Set(if input.publish {
                Status::Published
            } else {
                Status::Draft
            }),
            published_at: Set(input.publish.then_some(at)),
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
        let published = announce(ctx, conn, input.publish.then_some(event)).await?;
        txn.commit().await?;
        published.committed();
        Ok(out)
    }

    /// Changes a post of the signed-in author's.
    async fn update_post(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdatePostInput,
    ) -> GqlResult<PostPayload> {
        let (request, viewer) = signed_in(ctx)?;
        let txn = request.begin_write().await?;
        let conn = txn.conn();
        let current = own_post(conn, request.reader(), viewer, &id, "id").await?;
        let previous_category = current.category_id;
        let mut row: post::ActiveModel = current.into();
        if let Some(title) = input.title {
            row.title = Set(validate::required("title", &title, 200)?);
        }
        if let Some(body) = input.body {
            row.body = Set(validate::required("body", &body, 100_000)?);
        }
        if let Some(slug) = input.slug {
            row.slug = Set(validate::slug(Some(&slug), "", 220)?);
        }
        match input.category_id {
            MaybeUndefined::Value(id) => {
                let category = category_of(conn, Some(&id), None).await?;
                row.category_id = Set(category.map(|c| c.id));
            }
            MaybeUndefined::Null => row.category_id = Set(None),
            MaybeUndefined::Undefined => {}
        }
        row.updated_at = Set(now());
        let updated = row.update(conn).await?;
        let out = payload(conn, updated.id, previous_category, BTreeSet::new()).await?;
        txn.commit().await?;
        Ok(out)
    }

    /// Publishes a post: public from now on, `publishedAt` set (kept if it was already).
    async fn publish_post(&self, ctx: &Context<'_>, id: ID) -> GqlResult<PostPayload> {
        set_status(ctx, &id, Status::Published).await
    }

    /// Makes a post a draft again: visible to its author alone, `publishedAt` cleared.
    async fn unpublish_post(&self, ctx: &Context<'_>, id: ID) -> GqlResult<PostPayload> {
        set_status(ctx, &id, Status::Draft).await
    }

    /// Attaches tags (Django's `post.tags.add`): by id, or by name creating missing
    /// ones. Attaching a tag the post has already changes nothing and succeeds.
    async fn add_tags(
        &self,
        ctx: &Context<'_>,
        post_id: ID,
        tag_ids: Option<Vec<ID>>,
        tag_names: Option<Vec<String>>,
    ) -> GqlResult<PostPayload> {
        let tags = Wanted::new(tag_ids, tag_names)?;
        relink(ctx, &post_id, Relink::Add(tags)).await
    }

    /// Detaches tags (Django's `post.tags.remove`); tags it does not carry are ignored.
    async fn remove_tags(
        &self,
        ctx: &Context<'_>,
        post_id: ID,
        tag_ids: Vec<ID>,
    ) -> GqlResult<PostPayload> {
        let tags = ids("tagIds", Some(&tag_ids))?.into_iter().collect();
        relink(ctx, &post_id, Relink::Remove(tags)).await
    }

    /// Replaces the post's tags (Django's `post.tags.set`): links that stay keep
    /// their `taggedAt`.
    async fn set_tags(
        &self,
        ctx: &Context<'_>,
        post_id: ID,
        tag_ids: Option<Vec<ID>>,
        tag_names: Option<Vec<String>>,
    ) -> GqlResult<PostPayload> {
        let tags = Wanted::new(tag_ids, tag_names)?;
        relink(ctx, &post_id, Relink::Set(tags)).await
    }

    /// Detaches every tag (Django's `post.tags.clear`).
    async fn clear_tags(&self, ctx: &Context<'_>, post_id: ID) -> GqlResult<PostPayload> {
        relink(ctx, &post_id, Relink::Clear).await
    }

    /// Deletes a post of the signed-in author's: its comments and tag links go,
    /// its tags stay.
    async fn delete_post(
        &self,
        ctx: &Context<'_>,
        id: ID,
        #[graphql(default)] dry_run: bool,
    ) -> GqlResult<DeletePayload> {
        let (request, viewer) = signed_in(ctx)?;
        let txn = request.begin_write().await?;
        let conn = txn.conn();
        let post = own_post(conn, request.reader(), viewer, &id, "id").await?;
        let report = Report::collect::<post::Entity>(conn, post.id).await?;
        let parents = payload(conn, post.id, None, linked(conn, post.id, None).await?).await?;
        let effects = report.finish::<post::Entity>(txn, post.id, dry_run).await?;
        Ok(DeletePayload {
            deleted_id: to_id(post.id),
            dry_run,
            effects,
            author: Some(parents.author),
            category: parents.category,
            tags: parents.tags,
            ..Default::default()
        })
    }
}

/// Tags named by id and by name, as a mutation's arguments give them.
struct Wanted {
    ids: Vec<i64>,
    names: Vec<String>,
}

impl Wanted {
    fn new(ids: Option<Vec<ID>>, names: Option<Vec<String>>) -> Result<Self, AppError> {
        Ok(Wanted {
            ids: self::ids("tagIds", ids.as_deref())?,
            names: self::names(names)?,
        })
    }
}

/// What one of the related manager's calls does to a post's tag links.
enum Relink {
    Add(Wanted),
    Remove(BTreeSet<i64>),
    Set(Wanted),
    Clear,
}

/// Changes the tag links of a post of the signed-in author's, in one transaction;
/// the payload names the tags attached or detached.
async fn relink(ctx: &Context<'_>, post_id: &ID, op: Relink) -> GqlResult<PostPayload> {
    let (request, viewer) = signed_in(ctx)?;
    let txn = request.begin_write().await?;
    let conn = txn.conn();
    let post = own_post(conn, request.reader(), viewer, post_id, "postId").await?;
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

async fn set_status(ctx: &Context<'_>, id: &ID, status: Status) -> GqlResult<PostPayload> {
    let (request, viewer) = signed_in(ctx)?;
    let txn = request.begin_write().await?;
    let conn = txn.conn();
    let current = own_post(conn, request.reader(), viewer, id, "id").await?;
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
    let published = announce(ctx, conn, newly_published.then_some(event)).await?;
    txn.commit().await?;
    published.committed();
    Ok(out)
}
