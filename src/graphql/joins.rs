//! To-one relations read in their parent's statement. A statement that reads rows
//! of a type LEFT JOINs the belongs-to and has-one relations its selection asks for
//! (and theirs, one hop further), so `post { author { profile } category }` is one
//! statement instead of four. Each joined row waits in the request's [`JoinedRows`]
//! until its field asks for it; a field that finds none loads as before, so a join
//! can only save statements, never change an answer.
//!
//! A join never multiplies rows (it matches a primary key or a unique foreign key)
//! and is one per relation whatever the number of rows, so batching stays constant
//! in N. The joined table is read under its own visibility rule, in the ON clause:
//! a row the reader may not see comes back as NULLs, as the loader would find none.
//!
//! Unfiltered counts (`Post.commentCount`) ride along the same way: a correlated
//! `COUNT(*)` per row, kept beside the joined rows until their field asks.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use async_graphql::{Context, Lookahead, Value};
use sea_orm::sea_query::{
    Alias, Asterisk, Condition, DynIden, Expr, ExprTrait, IntoIden, JoinType, Query,
    SelectStatement,
};
use sea_orm::{DbBackend, DbErr, EntityTrait, ModelTrait, QueryResult};

use super::columns;
use super::core::{
    At, ForeignKey, JoinedCount, JoinedKey, JoinedRow, MAX_COUNTS, MAX_TO_ONE, ManyToMany, Node,
    Reader, ToOne, as_i64,
};
use super::decode::{self, Columns};
use super::pagination::derived;

/// Which to-one relations a statement reading rows of a type joins: bit `i` of
/// `to_one` is the type's `to_one()[i]`, byte `i + 1` which of that target's own
/// relations are joined one hop further; bit `i` of `counts` is its `counts()[i]`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Joins {
    to_one: u64,
    counts: u8,
}

impl Joins {
    /// What a selection of `E`'s fields reads of `E`'s to-one relations and counts.
    pub fn of<E: Node>(selection: &Lookahead<'_>) -> Joins {
        let mut plan = Joins::default();
        for (i, rel) in E::to_one().iter().enumerate().take(MAX_TO_ONE) {
            let field = selection.field(rel.field());
            if field.exists() {
                plan.to_one |= 1 << i | u64::from(rel.selected(&field)) << (8 * (i + 1));
            }
        }
        for (i, count) in E::counts().iter().enumerate().take(MAX_COUNTS) {
            if unfiltered(&selection.field(count.field())) {
                plan.counts |= 1 << i;
            }
        }
        plan
    }

    fn nothing_to_join<E: Node>() -> bool {
        E::to_one().is_empty() && E::counts().is_empty()
    }

    /// For the field being resolved, whose value is a row of `E`.
    pub fn of_field<E: Node>(ctx: &Context<'_>) -> Joins {
        if Self::nothing_to_join::<E>() {
            return Joins::default();
        }
        Joins::of::<E>(&ctx.look_ahead())
    }

    /// For the connection field being resolved: what its `nodes` and its
    /// `edges { node }` select.
    pub fn of_nodes<E: Node>(ctx: &Context<'_>) -> Joins {
        if Self::nothing_to_join::<E>() {
            return Joins::default();
        }
        let list = ctx.look_ahead();
        let nodes = Joins::of::<E>(&list.field("nodes"));
        let edges = Joins::of::<E>(&list.field("edges").field("node"));
        nodes.union(edges)
    }

    /// The same relations, no counts.
    pub fn without_counts(self) -> Joins {
        Joins { counts: 0, ..self }
    }

    /// What either plan joins.
    pub fn union(self, other: Joins) -> Joins {
        Joins {
            to_one: self.to_one | other.to_one,
            counts: self.counts | other.counts,
        }
    }

    fn relations<E: Node>(self) -> impl Iterator<Item = (String, &'static dyn ToOne<E>, u8)> {
        E::to_one()
            .iter()
            .enumerate()
            .take(MAX_TO_ONE)
            .filter(move |(i, _)| self.to_one & (1 << i) != 0)
            .map(move |(i, rel)| {
                let nested = (self.to_one >> (8 * (i + 1))) as u8;
                (format!("__j{i}"), *rel, nested)
            })
    }

    fn counts<E: Node>(self) -> impl Iterator<Item = (String, &'static dyn JoinedCount<E>)> {
        E::counts()
            .iter()
            .enumerate()
            .take(MAX_COUNTS)
            .filter(move |(i, _)| self.counts & (1 << i) != 0)
            .map(|(i, count)| (format!("__c{i}"), *count))
    }

    /// Joins the planned relations to `stmt`, which reads rows of `E` under the
    /// table's own name.
    pub fn add<E: Node>(self, stmt: &mut SelectStatement, reader: Reader) {
        self.add_at::<E>(stmt, E::default().into_iden(), reader);
    }

    /// Joins the planned relations to `stmt`, whose rows of `E` are named `rows`,
    /// and selects the planned counts of each.
    pub fn add_at<E: Node>(self, stmt: &mut SelectStatement, rows: DynIden, reader: Reader) {
        for (alias, rel, nested) in self.relations::<E>() {
            rel.join(stmt, rows.clone(), &alias, nested, reader);
        }
        for (alias, count) in self.counts::<E>() {
            stmt.expr_as(count.expr(reader, rows.clone()), Alias::new(alias));
        }
    }

    /// Decodes the rows of `E` one statement read, keeps what `self` joined to each
    /// in `joined`, and hands each model to `each` with its row and the row's
    /// columns.
    pub fn decode_each<E: Node, Error: From<DbErr>>(
        self,
        rows: Vec<QueryResult>,
        joined: &mut Vec<JoinedRow>,
        mut each: impl FnMut(E::Model, &QueryResult, &mut Columns) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let Some(first) = rows.first() else {
            return Ok(());
        };
        let mut columns = Columns::of(first);
        for row in &rows {
            let model = E::decode(row, &mut columns, "")?;
            self.read::<E>(&model, row, &mut columns, joined)?;
            each(model, row, &mut columns)?;
        }
        Ok(())
    }

    /// The rows and counts joined to `model` in `row`, the row it was read from.
    pub fn read<E: Node>(
        self,
        model: &E::Model,
        row: &QueryResult,
        columns: &mut Columns,
        into: &mut Vec<JoinedRow>,
    ) -> Result<(), DbErr> {
        for (alias, rel, nested) in self.relations::<E>() {
            rel.read(model, row, columns, &alias, nested, into)?;
        }
        if self.counts == 0 {
            return Ok(());
        }
        let Some(id) = as_i64(model.get(E::ID)) else {
            return Ok(());
        };
        for (alias, count) in self.counts::<E>() {
            let n: i64 = row.try_get("", &alias)?;
            into.push(JoinedRow {
                key: count.key(id),
                row: Box::new(n),
            });
        }
        Ok(())
    }
}

/// Whether some occurrence of `field` in a selection takes no argument (or only
/// nulls): its count is the unfiltered one, which a statement can carry.
fn unfiltered(field: &Lookahead<'_>) -> bool {
    field.selection_fields().iter().any(|f| {
        f.arguments()
            .is_ok_and(|args| args.iter().all(|(_, v)| *v == Value::Null))
    })
}

/// A count of the rows whose foreign key names the row, selected with it.
pub struct Counts<C: EntityTrait, P: EntityTrait> {
    pub fk: ForeignKey<C, P>,
    /// `P`'s GraphQL field that reads it.
    pub field: &'static str,
}

impl<C: Node, P: Node> JoinedCount<P> for Counts<C, P> {
    fn field(&self) -> &'static str {
        self.field
    }

    fn expr(&self, reader: Reader, outer: DynIden) -> Expr {
        derived::count(reader, outer, self.fk)
    }

    fn key(&self, parent: i64) -> JoinedKey {
        JoinedKey::count_of(self.fk, parent)
    }
}

/// A count of the rows linked to the row through a join table, selected with it.
pub struct LinkCounts<J: EntityTrait, A: EntityTrait, B: EntityTrait> {
    pub link_rows: ManyToMany<J, A, B>,
    /// `A`'s GraphQL field that reads it.
    pub field: &'static str,
}

impl<J: EntityTrait, A: Node, B: Node> JoinedCount<A> for LinkCounts<J, A, B> {
    fn field(&self) -> &'static str {
        self.field
    }

    fn expr(&self, reader: Reader, outer: DynIden) -> Expr {
        derived::count_through(reader, outer, self.link_rows)
    }

    fn key(&self, parent: i64) -> JoinedKey {
        JoinedKey::count_through(self.link_rows, parent)
    }
}

/// Belongs-to, joined: the row of `P` that `C`'s foreign key names.
pub struct BelongsTo<C: EntityTrait, P: EntityTrait> {
    pub fk: ForeignKey<C, P>,
    /// `C`'s GraphQL field that reads it.
    pub field: &'static str,
}

impl<C: Node, P: Node> ToOne<C> for BelongsTo<C, P> {
    fn field(&self) -> &'static str {
        self.field
    }

    fn selected(&self, selection: &Lookahead<'_>) -> u8 {
        nested::<P>(selection)
    }

    fn join(
        &self,
        stmt: &mut SelectStatement,
        from: DynIden,
        alias: &str,
        nested: u8,
        reader: Reader,
    ) {
        let at = At::<P>::named(Alias::new(alias).into_iden());
        let on = Expr::col((from, self.fk.column)).equals((at.name(), P::ID));
        join_as(stmt, &at, on, alias, nested, reader);
    }

    fn read(
        &self,
        parent: &C::Model,
        row: &QueryResult,
        columns: &mut Columns,
        alias: &str,
        nested: u8,
        into: &mut Vec<JoinedRow>,
    ) -> Result<(), DbErr> {
        // A NULL key joins nothing: its field answers null without reading.
        let Some(id) = as_i64(parent.get(self.fk.column)) else {
            return Ok(());
        };
        let key = JoinedKey::new::<P>(P::ID, id);
        read_as::<P>(key, row, columns, alias, nested, into)
    }
}

/// Has-one, joined: the row of `C` whose unique foreign key names the parent `P`.
pub struct HasOne<C: EntityTrait, P: EntityTrait> {
    pub fk: ForeignKey<C, P>,
    /// `P`'s GraphQL field that reads it.
    pub field: &'static str,
}

impl<C: Node, P: Node> ToOne<P> for HasOne<C, P> {
    fn field(&self) -> &'static str {
        self.field
    }

    fn selected(&self, selection: &Lookahead<'_>) -> u8 {
        nested::<C>(selection)
    }

    fn join(
        &self,
        stmt: &mut SelectStatement,
        from: DynIden,
        alias: &str,
        nested: u8,
        reader: Reader,
    ) {
        let at = At::<C>::named(Alias::new(alias).into_iden());
        let on = Expr::col((at.name(), self.fk.column)).equals((from, P::ID));
        join_as(stmt, &at, on, alias, nested, reader);
    }

    fn read(
        &self,
        parent: &P::Model,
        row: &QueryResult,
        columns: &mut Columns,
        alias: &str,
        nested: u8,
        into: &mut Vec<JoinedRow>,
    ) -> Result<(), DbErr> {
        let Some(id) = as_i64(parent.get(P::ID)) else {
            return Ok(());
        };
        let key = JoinedKey::new::<C>(self.fk.column, id);
        read_as::<C>(key, row, columns, alias, nested, into)
    }
}

/// Which of `T`'s to-one relations a selection of `T`'s fields reads.
fn nested<T: Node>(selection: &Lookahead<'_>) -> u8 {
    let mut plan = 0;
    for (j, rel) in T::to_one().iter().enumerate().take(MAX_TO_ONE) {
        if selection.field(rel.field()).exists() {
            plan |= 1 << j;
        }
    }
    plan
}

fn nested_relations<T: Node>(
    alias: &str,
    nested: u8,
) -> impl Iterator<Item = (String, &'static dyn ToOne<T>)> {
    T::to_one()
        .iter()
        .enumerate()
        .take(MAX_TO_ONE)
        .filter(move |(j, _)| nested & (1 << j) != 0)
        .map(move |(j, rel)| (format!("{alias}_{j}"), *rel))
}

/// LEFT JOINs `T` as `at` on `on` and the rows the reader may see, selecting its
/// columns as `{alias}_{column}` (no column starts with a digit, so a nested
/// alias `{alias}_{j}` never reads as one of them), then its `nested` relations.
fn join_as<T: Node>(
    stmt: &mut SelectStatement,
    at: &At<T>,
    on: Expr,
    alias: &str,
    nested: u8,
    reader: Reader,
) {
    let mut on = Condition::all().add(on);
    if let Some(visible) = T::visible(at, reader.viewer) {
        on = on.add(visible);
    }
    if reader.backend == DbBackend::Postgres {
        // A LATERAL lookup of one row is a nested loop over the primary or unique
        // key's index, as PostGraphile and Hasura read a to-one relation. A plain
        // join let the planner hash all 1,000 authors to find Q4's 5 comment
        // authors (its cost model takes every index probe for a disk read): 0.21
        // ms for that statement, 0.08 ms as a lookup per row.
        let row = Query::select()
            .column(Asterisk)
            .from_as(T::default(), at.name())
            .cond_where(on)
            .limit(1)
            .to_owned();
        stmt.join_lateral(JoinType::LeftJoin, row, at.name(), Expr::cust("TRUE"));
    } else {
        stmt.join_as(JoinType::LeftJoin, T::default(), at.name(), on);
    }
    columns::select_joined(stmt, at, alias, reader);
    for (alias, rel) in nested_relations::<T>(alias, nested) {
        rel.join(stmt, at.name(), &alias, 0, reader);
    }
}

fn read_as<T: Node>(
    key: JoinedKey,
    row: &QueryResult,
    columns: &mut Columns,
    alias: &str,
    nested: u8,
    into: &mut Vec<JoinedRow>,
) -> Result<(), DbErr> {
    let prefix = format!("{alias}_");
    // The primary key is never NULL in a row that was found.
    let model = match decode::id::<T>(row, columns, &prefix, T::ID)? {
        Some(_) => Some(T::decode(row, columns, &prefix)?),
        None => None,
    };
    if let Some(model) = &model {
        for (alias, rel) in nested_relations::<T>(alias, nested) {
            rel.read(model, row, columns, &alias, 0, into)?;
        }
    }
    into.push(JoinedRow {
        key,
        row: Box::new(model),
    });
    Ok(())
}

/// The joins each loader's batches add: the union of what every field that asked
/// it for a key selects, so keys that differ only in their selection (aliases,
/// fragments) still share one statement. A join nobody reads costs a few columns.
#[derive(Default)]
pub struct Plans(Mutex<HashMap<TypeId, Joins>>);

impl Plans {
    /// Adds `joins` to what the batches of the loader of keys `K` join.
    pub fn ask<K: 'static>(&self, joins: Joins) {
        if joins != Joins::default() {
            let mut plans = lock(&self.0);
            let plan = plans.entry(TypeId::of::<K>()).or_default();
            *plan = plan.union(joins);
        }
    }

    pub fn of<K: 'static>(&self) -> Joins {
        lock(&self.0)
            .get(&TypeId::of::<K>())
            .copied()
            .unwrap_or_default()
    }
}

/// When joined rows were read: after how many writes of the request began, and for
/// whom. Rows read under another stamp are stale: a write may have changed them, or
/// a sign-in who may see them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stamp {
    pub writes: usize,
    pub viewer: Option<i64>,
}

/// The rows a request's statements joined, waiting for their fields.
#[derive(Default)]
pub struct JoinedRows(Mutex<Kept>);

#[derive(Default)]
struct Kept {
    stamp: Stamp,
    rows: HashMap<JoinedKey, Box<dyn Any + Send + Sync>>,
}

impl Kept {
    fn renew(&mut self, stamp: Stamp) {
        if self.stamp != stamp {
            self.rows.clear();
            self.stamp = stamp;
        }
    }
}

impl JoinedRows {
    /// Keeps `rows`, read under `stamp`.
    pub fn keep(&self, stamp: Stamp, rows: Vec<JoinedRow>) {
        if rows.is_empty() {
            return;
        }
        let mut kept = lock(&self.0);
        kept.renew(stamp);
        kept.rows.extend(rows.into_iter().map(|r| (r.key, r.row)));
    }

    /// The count selected for `key`, if one was and is still current.
    pub fn count(&self, stamp: Stamp, key: JoinedKey) -> Option<i64> {
        let mut kept = lock(&self.0);
        kept.renew(stamp);
        kept.rows.get(&key)?.downcast_ref::<i64>().copied()
    }

    /// The row of `T` joined for `key`, if one was and is still current: `Some(None)`
    /// when the join found none the reader may see.
    pub fn find<T: EntityTrait>(&self, stamp: Stamp, key: JoinedKey) -> Option<Option<T::Model>> {
        let mut kept = lock(&self.0);
        kept.renew(stamp);
        kept.rows
            .get(&key)?
            .downcast_ref::<Option<T::Model>>()
            .cloned()
    }

    /// Forgets every row: a subscription's next event reads afresh.
    pub fn clear(&self) {
        lock(&self.0).rows.clear();
    }
}

/// A lock whose holder panicked still guards consistent data here (every change is
/// one insert or clear), so poisoning is ignored rather than passed on as a panic.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
