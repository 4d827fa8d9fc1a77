//! Sort keys derived from relations: a column of a to-one related row (posts by
//! their author's username) and counts of to-many related rows (authors by number
//! of posts). Each is a correlated scalar subquery on the row being ordered, with
//! the related entity's visibility rule inside, so an ordering never counts, nor
//! sorts by, a row the reader may not see.

use std::fmt;
use std::hash::{Hash, Hasher};

use sea_orm::sea_query::{
    Alias, Asterisk, DynIden, Expr, ExprTrait, Func, IntoIden, JoinType, Query,
};
use sea_orm::{ColumnTrait, EntityTrait, IdenStatic};

use super::order::{ValueKind, value_kind};
use crate::graphql::core::At;
use crate::graphql::core::Node;
use crate::graphql::core::Reader;

/// A derived sort key. Identity (for batch keys and cursor signatures) is its name.
#[derive(Clone, Copy)]
pub struct Derived {
    /// Names the key in cursor signatures and error messages.
    pub name: &'static str,
    pub kind: ValueKind,
    pub nullable: bool,
    /// The value for the row of the ordered entity that the table name names.
    pub expr: fn(Reader, DynIden) -> Expr,
}

impl Derived {
    /// A column `value` of the row of `T` whose `key` equals the ordered row's
    /// `local`. Null when `value` may be, when `local` may be, and when `key` is not
    /// `T`'s primary key (a has-one: the row may not exist).
    pub fn to_one<E: EntityTrait, T: Node>(
        name: &'static str,
        (local, key, value): (E::Column, T::Column, T::Column),
        expr: fn(Reader, DynIden) -> Expr,
    ) -> Self {
        let may_be_missing = local.def().is_null() || key.as_str() != T::ID.as_str();
        Derived {
            name,
            kind: value_kind(value),
            nullable: may_be_missing || value.def().is_null(),
            expr,
        }
    }

    /// A count of related rows: an integer, never null.
    pub fn count(name: &'static str, expr: fn(Reader, DynIden) -> Expr) -> Self {
        Derived {
            name,
            kind: ValueKind::Int,
            nullable: false,
            expr,
        }
    }
}

/// A sort key on a column of a to-one related row:
/// `related!("author.username": post.AuthorId -> author.Id, Username)`.
macro_rules! related {
    ($name:literal: $e:ident.$local:ident -> $t:ident.$key:ident, $value:ident) => {
        $crate::graphql::pagination::Source::Derived(
            $crate::graphql::pagination::Derived::to_one::<entity::$e::Entity, entity::$t::Entity>(
                $name,
                (
                    entity::$e::Column::$local,
                    entity::$t::Column::$key,
                    entity::$t::Column::$value,
                ),
                |r, at| {
                    $crate::graphql::pagination::derived::to_one::<
                        entity::$e::Entity,
                        entity::$t::Entity,
                    >(
                        r,
                        at,
                        (
                            entity::$e::Column::$local,
                            entity::$t::Column::$key,
                            entity::$t::Column::$value,
                        ),
                    )
                },
            ),
        )
    };
}

/// A sort key counting related rows, directly (`counted!("count(posts)": author <- post.AuthorId)`)
/// or through a join table (`counted!("count(posts)": tag <- post via post_tag.TagId -> PostId)`).
macro_rules! counted {
    ($name:literal: $e:ident <- $c:ident.$fk:ident) => {
        $crate::graphql::pagination::Source::Derived($crate::graphql::pagination::Derived::count(
            $name,
            |r, at| {
                $crate::graphql::pagination::derived::count::<entity::$e::Entity, entity::$c::Entity>(
                    r,
                    at,
                    entity::$c::Column::$fk,
                )
            },
        ))
    };
    ($name:literal: $e:ident <- $c:ident via $j:ident.$from:ident -> $to:ident) => {
        $crate::graphql::pagination::Source::Derived($crate::graphql::pagination::Derived::count(
            $name,
            |r, at| {
                $crate::graphql::pagination::derived::count_through::<
                    entity::$e::Entity,
                    entity::$c::Entity,
                    entity::$j::Entity,
                >(r, at, entity::$j::Column::$from, entity::$j::Column::$to)
            },
        ))
    };
}
pub(crate) use {counted, related};

impl PartialEq for Derived {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}
impl Eq for Derived {}
impl Hash for Derived {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.name.hash(state);
    }
}
impl fmt::Debug for Derived {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

/// The related tables are read under these names, so that one never clashes with
/// the ordered table (an ordering of a table by a count of the same table).
const RELATED: &str = "__sort_row";
const LINK: &str = "__sort_link";

/// `value` of the row of `T` whose `key` equals the `local` column of the row of
/// `E` that `outer` names.
pub fn to_one<E: EntityTrait, T: Node>(
    reader: Reader,
    outer: DynIden,
    (local, key, value): (E::Column, T::Column, T::Column),
) -> Expr {
    let at = At::<T>::named(Alias::new(RELATED).into_iden());
    let mut probe = Query::select();
    probe
        .expr(at.col(value))
        .from_as(T::default(), at.name())
        .and_where(at.col(key).equals((outer, local)));
    if let Some(visible) = T::visible(&at, reader.viewer) {
        probe.cond_where(visible);
    }
    Expr::SubQuery(None, Box::new(probe.into()))
}

/// How many rows of `C` the reader sees whose `fk` points at the row of `E` that
/// `outer` names.
pub fn count<E: Node, C: Node>(reader: Reader, outer: DynIden, fk: C::Column) -> Expr {
    let at = At::<C>::named(Alias::new(RELATED).into_iden());
    let mut probe = Query::select();
    probe
        .expr(Func::count(Expr::col(Asterisk)))
        .from_as(C::default(), at.name())
        .and_where(at.col(fk).equals((outer, E::ID)));
    if let Some(visible) = C::visible(&at, reader.viewer) {
        probe.cond_where(visible);
    }
    Expr::SubQuery(None, Box::new(probe.into()))
}

/// How many rows of `C` the reader sees that are linked to the row of `E` that
/// `outer` names through the join table `J` (`from` points at that row, `to` at `C`).
pub fn count_through<E: Node, C: Node, J: EntityTrait>(
    reader: Reader,
    outer: DynIden,
    from: J::Column,
    to: J::Column,
) -> Expr {
    let link = Alias::new(LINK).into_iden();
    let at = At::<C>::named(Alias::new(RELATED).into_iden());
    let mut probe = Query::select();
    probe
        .expr(Func::count(Expr::col(Asterisk)))
        .from_as(J::default(), link.clone())
        .and_where(Expr::col((link.clone(), from)).equals((outer, E::ID)));
    // Rows every reader sees need no join: the link rows are the count.
    if let Some(visible) = C::visible(&at, reader.viewer) {
        probe
            .join_as(
                JoinType::InnerJoin,
                C::default(),
                at.name(),
                ExprTrait::eq(at.col(C::ID), Expr::col((link, to))),
            )
            .cond_where(visible);
    }
    Expr::SubQuery(None, Box::new(probe.into()))
}
