//! Who may see which rows, applied wherever rows are read: root lists and lookups,
//! every loader, every count, and every subquery a filter writes. A rule lives
//! here once instead of beside each query, so no path can forget it.
//!
//! - A draft post is its author's alone; published posts are public.
//! - A comment is visible exactly when its post is.

use entity::{comment, post};
use sea_orm::sea_query::{Alias, Condition, DynIden, Expr, ExprTrait, IntoIden, Query};

use super::core::{At, Node, Reader, RowFilter};
use super::registry;
use crate::error::AppError;

/// The rows of `E` the reader may see that pass `filter`, on the table under its
/// own name.
///
/// Always a conjunction, so callers may `add` more conditions to it: a rule is
/// often a disjunction (published OR mine), and adding to that would widen it.
pub fn rows<E: Node>(reader: Reader, filter: Option<&E::Filter>) -> Result<Condition, AppError> {
    rows_via::<E>(reader, filter, None)
}

/// [`rows`] for rows read through the join table `link` (a many-to-many list), whose
/// own columns the filter may then use.
pub fn rows_via<E: Node>(
    reader: Reader,
    filter: Option<&E::Filter>,
    link: Option<DynIden>,
) -> Result<Condition, AppError> {
    let mut cond = Condition::all();
    if let Some(visible) = E::visible(&At::table(), reader.viewer) {
        cond = cond.add(visible);
    }
    if let Some(f) = filter {
        cond = cond.add(f.compile(reader, link)?);
    }
    Ok(cond)
}

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
