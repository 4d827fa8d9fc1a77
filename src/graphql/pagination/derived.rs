//! Sort keys derived from relations: a column of a to-one related row (posts by
//! their author's username) and counts of to-many related rows (authors by number
//! of posts). Each is a correlated scalar subquery on the row being ordered, with
//! the related entity's visibility rule inside, so an ordering never counts, nor
//! sorts by, a row the reader may not see.

use std::fmt;
use std::hash::{Hash, Hasher};

use sea_orm::sea_query::{
    Alias, Asterisk, DynIden, Expr, ExprTrait, Func, IntoIden, JoinType, Query, SelectStatement,
};
use sea_orm::{ColumnTrait, EntityTrait};

use super::order::{ValueKind, value_kind};
use crate::graphql::core::Node;
use crate::graphql::core::{At, ForeignKey, JoinedKey, ManyToMany, Reader};

/// A derived sort key. Identity (for batch keys and cursor signatures) is its name.
#[derive(Clone, Copy)]
pub struct Derived {
    /// Names the key in cursor signatures and error messages.
    pub name: &'static str,
    pub kind: ValueKind,
    pub nullable: bool,
    /// The value for the row of the ordered entity that the table name names.
    pub expr: fn(Reader, DynIden) -> Expr,
    /// For counts: every row's value at once, as `SELECT key AS __parent, COUNT(*)
    /// AS __value ... GROUP BY key`. A whole table's ordering joins it once instead
    /// of counting per row (tags by post count at S1: 37 ms instead of 260 ms on
    /// PostgreSQL); a page of a nested list keeps the per-row count, which reads only
    /// its parent's rows. See `PageRequest::keyed_whole` for where it is used.
    pub grouped: Option<fn(Reader) -> SelectStatement>,
    /// For counts: the key a count field of the ordered row looks its unfiltered
    /// count up by (`graphql::joins`), so that the value read for the ordering
    /// answers the field too (tags by post count, with each tag's `postCount`).
    pub joined: Option<fn(i64) -> JoinedKey>,
    /// For counts: whether the counted rows are linked through a join table.
    pub through: bool,
}

impl Derived {
    /// A column `value` of the row the ordered row's foreign key `fk` points at;
    /// null when the key or `value` may be.
    pub fn parent<C: EntityTrait, P: EntityTrait>(
        name: &'static str,
        fk: ForeignKey<C, P>,
        value: P::Column,
        expr: fn(Reader, DynIden) -> Expr,
    ) -> Self {
        Derived {
            name,
            kind: value_kind(value),
            nullable: fk.column.def().is_null() || value.def().is_null(),
            expr,
            grouped: None,
            joined: None,
            through: false,
        }
    }

    /// A column `value` of the row whose unique `fk` points at the ordered row;
    /// null always, since there may be no such row.
    pub fn has_one<C: EntityTrait, P: EntityTrait>(
        name: &'static str,
        _fk: ForeignKey<C, P>,
        value: C::Column,
        expr: fn(Reader, DynIden) -> Expr,
    ) -> Self {
        Derived {
            name,
            kind: value_kind(value),
            nullable: true,
            expr,
            grouped: None,
            joined: None,
            through: false,
        }
    }

    /// A count of related rows: an integer, never null.
    pub fn count(
        name: &'static str,
        expr: fn(Reader, DynIden) -> Expr,
        grouped: fn(Reader) -> SelectStatement,
        joined: fn(i64) -> JoinedKey,
        through: bool,
    ) -> Self {
        Derived {
            name,
            kind: ValueKind::Int,
            nullable: false,
            expr,
            grouped: Some(grouped),
            joined: Some(joined),
            through,
        }
    }
}

/// A sort key on a column of a to-one related row, through a foreign key of the
/// registry: of the row it points at (`related!("author.username": POST_AUTHOR =>
/// author::Column::Username)`), or of the one row pointing back at the ordered row
/// (`related!("profile.city": has_one PROFILE_AUTHOR => profile::Column::City)`).
macro_rules! related {
    ($name:literal: has_one $fk:path => $value:expr) => {
        $crate::graphql::pagination::Source::Derived($crate::graphql::pagination::Derived::has_one(
            $name,
            $fk,
            $value,
            |r, at| $crate::graphql::pagination::derived::has_one(r, at, $fk, $value),
        ))
    };
    ($name:literal: $fk:path => $value:expr) => {
        $crate::graphql::pagination::Source::Derived($crate::graphql::pagination::Derived::parent(
            $name,
            $fk,
            $value,
            |r, at| $crate::graphql::pagination::derived::parent(r, at, $fk, $value),
        ))
    };
}

/// A sort key counting the rows that point at the ordered row through a foreign
/// key of the registry (`counted!("count(posts)": POST_AUTHOR)`), or that are
/// linked to it through a many-to-many one (`counted!("count(posts)": through
/// TAG_POSTS)`).
macro_rules! counted {
    ($name:literal: through $m2m:path) => {
        $crate::graphql::pagination::Source::Derived($crate::graphql::pagination::Derived::count(
            $name,
            |r, at| $crate::graphql::pagination::derived::count_through(r, at, $m2m),
            |r| $crate::graphql::pagination::derived::grouped_count_through(r, $m2m),
            |parent| $crate::graphql::core::JoinedKey::count_through($m2m, parent),
            true,
        ))
    };
    ($name:literal: $fk:path) => {
        $crate::graphql::pagination::Source::Derived($crate::graphql::pagination::Derived::count(
            $name,
            |r, at| $crate::graphql::pagination::derived::count(r, at, $fk),
            |r| $crate::graphql::pagination::derived::grouped_count(r, $fk),
            |parent| $crate::graphql::core::JoinedKey::count_of($fk, parent),
            false,
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
/// The columns of a [`Derived::grouped`] statement.
pub const GROUP_KEY: &str = "__parent";
pub const GROUP_VALUE: &str = "__value";

/// `value` of the row the foreign key `fk` of the row of `C` that `outer` names
/// points at.
pub fn parent<C: EntityTrait, P: Node>(
    reader: Reader,
    outer: DynIden,
    fk: ForeignKey<C, P>,
    value: P::Column,
) -> Expr {
    to_one::<C, P>(reader, outer, (fk.column, P::ID, value))
}

/// `value` of the row of `C` whose unique `fk` points at the row of `P` that
/// `outer` names.
pub fn has_one<C: Node, P: Node>(
    reader: Reader,
    outer: DynIden,
    fk: ForeignKey<C, P>,
    value: C::Column,
) -> Expr {
    to_one::<P, C>(reader, outer, (P::ID, fk.column, value))
}

/// `value` of the row of `T` whose `key` equals the `local` column of the row of
/// `E` that `outer` names.
fn to_one<E: EntityTrait, T: Node>(
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
pub fn count<E: Node, C: Node>(reader: Reader, outer: DynIden, fk: ForeignKey<C, E>) -> Expr {
    let (mut probe, parent) = counted_rows::<E, C>(reader, fk);
    probe.and_where(parent.eq(Expr::col((outer, E::ID))));
    Expr::SubQuery(None, Box::new(probe.into()))
}

/// How many rows of `C` the reader sees that are linked to the row of `E` that
/// `outer` names through the join table `J`.
pub fn count_through<E: Node, C: Node, J: EntityTrait>(
    reader: Reader,
    outer: DynIden,
    link_rows: ManyToMany<J, E, C>,
) -> Expr {
    let (mut probe, parent) = counted_links(reader, link_rows);
    probe.and_where(parent.eq(Expr::col((outer, E::ID))));
    Expr::SubQuery(None, Box::new(probe.into()))
}

/// [`count`] for every row of `E` at once: `(__parent, __value)` per row of `E` that
/// has any.
pub fn grouped_count<E: Node, C: Node>(reader: Reader, fk: ForeignKey<C, E>) -> SelectStatement {
    let (stmt, parent) = counted_rows::<E, C>(reader, fk);
    grouped(stmt, parent)
}

/// [`count_through`] for every row of `E` at once. The rows of `C` the reader sees
/// are listed once, and each link is looked up in the list: joined instead, SQLite
/// walked every link of every row of `E` and probed its row of `C` (tags by post
/// count at S1: 170 ms, 17 ms listed).
pub fn grouped_count_through<E: Node, C: Node, J: EntityTrait>(
    reader: Reader,
    link_rows: ManyToMany<J, E, C>,
) -> SelectStatement {
    let (from, to) = link_rows.columns();
    let (mut stmt, link) = count_links::<J>();
    let at = At::<C>::named(Alias::new(RELATED).into_iden());
    if let Some(visible) = C::visible(&at, reader.viewer) {
        let mut seen = Query::select();
        seen.expr(at.col(C::ID))
            .from_as(C::default(), at.name())
            .cond_where(visible);
        stmt.and_where(Expr::col((link.clone(), to)).in_subquery(seen));
    }
    grouped(stmt, Expr::col((link, from)))
}

/// Groups a count by the parent it counts for, as [`Derived::grouped`] reads it.
fn grouped(mut count: SelectStatement, parent: Expr) -> SelectStatement {
    count
        .expr_as(parent.clone(), Alias::new(GROUP_KEY))
        .add_group_by([parent]);
    count
}

/// `SELECT COUNT(*)` of the rows of `C` the reader sees, and the column that names
/// the row of `E` each points at.
fn counted_rows<E: Node, C: Node>(reader: Reader, fk: ForeignKey<C, E>) -> (SelectStatement, Expr) {
    let at = At::<C>::named(Alias::new(RELATED).into_iden());
    let mut stmt = Query::select();
    stmt.expr_as(Func::count(Expr::col(Asterisk)), Alias::new(GROUP_VALUE))
        .from_as(C::default(), at.name());
    if let Some(visible) = C::visible(&at, reader.viewer) {
        stmt.cond_where(visible);
    }
    (stmt, at.col(fk.column))
}

/// `SELECT COUNT(*)` of the join rows of `J` whose row of `C` the reader sees, and
/// the column that names the row of `E` each links.
fn counted_links<E: Node, C: Node, J: EntityTrait>(
    reader: Reader,
    link_rows: ManyToMany<J, E, C>,
) -> (SelectStatement, Expr) {
    let (from, to) = link_rows.columns();
    let (mut stmt, link) = count_links::<J>();
    only_visible_links::<C>(&mut stmt, reader, link.clone(), to);
    (stmt, Expr::col((link, from)))
}

/// `SELECT COUNT(*) FROM J`, and the name its link rows are read under.
fn count_links<J: EntityTrait>() -> (SelectStatement, DynIden) {
    let link = Alias::new(LINK).into_iden();
    let mut stmt = Query::select();
    stmt.expr_as(Func::count(Expr::col(Asterisk)), Alias::new(GROUP_VALUE))
        .from_as(J::default(), link.clone());
    (stmt, link)
}

/// Keeps the link rows (`link`, whose `to` points at a row of `C`) whose row of `C`
/// the reader sees. Rows every reader sees need no join: the link rows are the count.
fn only_visible_links<C: Node>(
    stmt: &mut SelectStatement,
    reader: Reader,
    link: DynIden,
    to: impl IntoIden,
) {
    let at = At::<C>::named(Alias::new(RELATED).into_iden());
    if let Some(visible) = C::visible(&at, reader.viewer) {
        stmt.join_as(
            JoinType::InnerJoin,
            C::default(),
            at.name(),
            ExprTrait::eq(at.col(C::ID), Expr::col((link, to))),
        )
        .cond_where(visible);
    }
}
