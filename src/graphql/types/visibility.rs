//! Who may see which rows of the blog model: each rule is the `Node::visible` of its
//! type, applied by `graphql::policy` at every read.
//!
//! - A draft post is its author's alone; published posts are public.
//! - A comment is visible exactly when its post is.

use entity::{comment, post};
use sea_orm::sea_query::{Alias, Condition, Expr, ExprTrait, IntoIden, Query};

use crate::graphql::core::At;
use crate::graphql::registry;

pub fn posts(at: &At<post::Entity>, viewer: Option<i64>) -> Option<Condition> {
    let published = ExprTrait::eq(at.col(post::Column::Status), "PUBLISHED");
    Some(match viewer {
        Some(id) => Condition::any()
            .add(published)
            .add(ExprTrait::eq(at.col(registry::POST_AUTHOR.column), id)),
        None => Condition::all().add(published),
    })
}

/// A correlated `EXISTS` on the comment's own post: one primary-key probe per
/// comment, where `post_id IN (visible posts)` would first list every visible post.
pub fn comments(at: &At<comment::Entity>, viewer: Option<i64>) -> Option<Condition> {
    let its_post = At::<post::Entity>::named(Alias::new("__visible_post").into_iden());
    let mut probe = Query::select();
    probe
        .expr(Expr::val(1))
        .from_as(post::Entity, its_post.name())
        .and_where(ExprTrait::eq(
            its_post.col(post::Column::Id),
            at.col(registry::COMMENT_POST.column),
        ))
        .cond_where(posts(&its_post, viewer)?);
    Some(Condition::all().add(Expr::exists(probe.take())))
}
