//! Post and tag-link mutations: arguments in, [`crate::domain::posts`] operations,
//! payloads out.

use std::collections::BTreeSet;

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use entity::post::Status;
use entity::{category, post, tag};

use super::delete::DeletePayload;
use super::{key, session};
use crate::domain::posts::{self, NewPost, PostChange, PostEdit, Relink, Wanted};
use crate::error::{AppError, GqlResult};
use crate::graphql::types::{Author, Category, Post, Tag};

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

impl From<PostChange> for PostPayload {
    fn from(c: PostChange) -> Self {
        PostPayload {
            post: Post(c.post),
            author: Author(c.author),
            category: c.category.map(Category),
            previous_category: c.previous_category.map(Category),
            tags: c.tags.into_iter().map(Tag).collect(),
        }
    }
}

/// Tags one call may name, by ids and by names each: a post carries a handful, and
/// every one is a bound parameter of the statements that link them. Checked before
/// any id is parsed.
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
    ids.iter().map(|id| key::<tag::Entity>(field, id)).collect()
}

/// Tags by id and by name, as a mutation's arguments give them.
fn wanted(ids: Option<Vec<ID>>, names: Option<Vec<String>>) -> Result<Wanted, AppError> {
    let ids = self::ids("tagIds", ids.as_deref())?;
    let names = names.unwrap_or_default();
    at_most_tags("tagNames", &names)?;
    Ok(Wanted { ids, names })
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
        let s = session(ctx)?;
        let new = NewPost {
            tags: wanted(input.tag_ids, input.tag_names)?,
            category_id: match &input.category_id {
                Some(id) => Some(key::<category::Entity>("categoryId", id)?),
                None => None,
            },
            title: input.title,
            body: input.body,
            slug: input.slug,
            category: input.category,
            publish: input.publish,
        };
        Ok(posts::create(s, new).await?.into())
    }

    /// Changes a post of the signed-in author's.
    async fn update_post(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdatePostInput,
    ) -> GqlResult<PostPayload> {
        let (s, id) = (session(ctx)?, key::<post::Entity>("id", &id)?);
        let category_id = match input.category_id {
            MaybeUndefined::Value(id) => Some(Some(key::<category::Entity>("categoryId", &id)?)),
            MaybeUndefined::Null => Some(None),
            MaybeUndefined::Undefined => None,
        };
        let edit = PostEdit {
            title: input.title,
            body: input.body,
            slug: input.slug,
            category_id,
        };
        Ok(posts::update(s, id, edit).await?.into())
    }

    /// Publishes a post: public from now on, `publishedAt` set (kept if it was already).
    async fn publish_post(&self, ctx: &Context<'_>, id: ID) -> GqlResult<PostPayload> {
        let (s, id) = (session(ctx)?, key::<post::Entity>("id", &id)?);
        Ok(posts::set_status(s, id, Status::Published).await?.into())
    }

    /// Makes a post a draft again: visible to its author alone, `publishedAt` cleared.
    async fn unpublish_post(&self, ctx: &Context<'_>, id: ID) -> GqlResult<PostPayload> {
        let (s, id) = (session(ctx)?, key::<post::Entity>("id", &id)?);
        Ok(posts::set_status(s, id, Status::Draft).await?.into())
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
        let (s, post_id) = (session(ctx)?, key::<post::Entity>("postId", &post_id)?);
        let op = Relink::Add(wanted(tag_ids, tag_names)?);
        Ok(posts::relink(s, post_id, op).await?.into())
    }

    /// Detaches tags (Django's `post.tags.remove`); tags it does not carry are ignored.
    async fn remove_tags(
        &self,
        ctx: &Context<'_>,
        post_id: ID,
        tag_ids: Vec<ID>,
    ) -> GqlResult<PostPayload> {
        let (s, post_id) = (session(ctx)?, key::<post::Entity>("postId", &post_id)?);
        let tags: BTreeSet<i64> = ids("tagIds", Some(&tag_ids))?.into_iter().collect();
        Ok(posts::relink(s, post_id, Relink::Remove(tags))
            .await?
            .into())
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
        let (s, post_id) = (session(ctx)?, key::<post::Entity>("postId", &post_id)?);
        let op = Relink::Set(wanted(tag_ids, tag_names)?);
        Ok(posts::relink(s, post_id, op).await?.into())
    }

    /// Detaches every tag (Django's `post.tags.clear`).
    async fn clear_tags(&self, ctx: &Context<'_>, post_id: ID) -> GqlResult<PostPayload> {
        let (s, post_id) = (session(ctx)?, key::<post::Entity>("postId", &post_id)?);
        Ok(posts::relink(s, post_id, Relink::Clear).await?.into())
    }

    /// Deletes a post of the signed-in author's: its comments and tag links go,
    /// its tags stay.
    async fn delete_post(
        &self,
        ctx: &Context<'_>,
        id: ID,
        #[graphql(default)] dry_run: bool,
    ) -> GqlResult<DeletePayload> {
        let (s, id) = (session(ctx)?, key::<post::Entity>("id", &id)?);
        Ok(DeletePayload::of::<post::Entity>(
            posts::delete(s, id, dry_run).await?,
        ))
    }
}
