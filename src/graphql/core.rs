//! The ground floor of the GraphQL core: what the generic loaders, filters,
//! orderings and rules need to know of an entity ([`Node`]), who reads ([`Reader`]),
//! a table as a statement names it ([`At`]) and a column that can sit in a batch key
//! ([`Col`]). It imports nothing of the layers built on it; each entity's `Node`
//! impl lives beside its GraphQL type.

use std::any::{Any, TypeId};
use std::fmt;
use std::hash::{Hash, Hasher};

use std::marker::PhantomData;

use async_graphql::Lookahead;
use sea_orm::sea_query::{
    Condition, DynIden, Expr, ForeignKeyAction, IntoIden, Query, SelectStatement,
};
use sea_orm::{
    ColumnTrait, DbBackend, DbErr, EntityTrait, IdenStatic, QueryResult, Related, RelationDef,
    Value,
};

use super::decode::{Columns, Decode};
use crate::error::AppError;

/// Who reads, and in which SQL dialect: all that turning a rule or a filter into a
/// condition needs; and which fields the operation selects, for the columns a
/// statement may leave out.
#[derive(Clone, Copy, Debug)]
pub struct Reader {
    pub backend: DbBackend,
    pub viewer: Option<i64>,
    pub reads: Reads,
}

/// The field names an operation selects, under any type, as a Bloom filter: it
/// may say a field is selected when it is not (a column is then read for
/// nothing), never the reverse. Copied into every [`Reader`], so it is two words,
/// not a set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reads(u128);

impl Reads {
    /// Every field: what writes, subscriptions and anything outside a query's
    /// loaders read under, so that no model they return lacks a column.
    pub const ALL: Reads = Reads(u128::MAX);
    pub const NONE: Reads = Reads(0);

    /// Two bits per name: a document of 20 names keeps a column it does not need
    /// about once in 14 (one bit would be once in 7).
    fn bits(name: &str) -> u128 {
        use std::hash::BuildHasher;
        let hash = rustc_hash::FxBuildHasher.hash_one(name);
        (1u128 << (hash % 128)) | (1u128 << ((hash >> 32) % 128))
    }

    pub fn add(&mut self, name: &str) {
        self.0 |= Self::bits(name);
    }

    /// Whether `name` may be selected.
    pub fn selects(self, name: &str) -> bool {
        let bits = Self::bits(name);
        self.0 & bits == bits
    }

    /// Whether a statement reading rows of `E` may leave `col` out: a column of
    /// [`Node::read_only_by`] none of whose fields is selected.
    pub fn omits<E: Node>(self, col: E::Column) -> bool {
        self != Reads::ALL
            && E::read_only_by().iter().any(|(c, fields)| {
                c.as_str() == col.as_str() && !fields.iter().any(|f| self.selects(f))
            })
    }
}

/// An entity served as a GraphQL type: its primary key column, its type name and
/// its filter input.
pub trait Node: EntityTrait<Model: Sync> + Decode {
    const ID: Self::Column;
    /// The GraphQL type name, used in error messages and to name generic inputs.
    const NAME: &'static str;
    type Filter: RowFilter + Clone + Eq + Hash + fmt::Debug + 'static;

    /// The rows `viewer` may see, on the table as `at` names it; `None`: all of them.
    fn visible(_at: &At<Self>, _viewer: Option<i64>) -> Option<Condition> {
        None
    }

    /// The to-one relations (belongs-to, has-one) of the type that a statement
    /// reading its rows can join, so that their fields send no statement of their
    /// own (see `graphql::joins`). At most [`MAX_TO_ONE`].
    fn to_one() -> &'static [&'static dyn ToOne<Self>] {
        &[]
    }

    /// The counts of related rows (`Post.commentCount`) a statement reading its
    /// rows can carry as columns, so that an unfiltered count field sends no
    /// statement of its own (see `graphql::joins`). At most [`MAX_COUNTS`].
    fn counts() -> &'static [&'static dyn JoinedCount<Self>] {
        &[]
    }

    /// Text columns that nothing reads but the listed fields of the type (no
    /// rule, cursor, relation or other field): a query that selects none of
    /// those fields, under any type, reads them as empty text instead (see
    /// `graphql::columns`). A column no field reads lists none.
    fn read_only_by() -> &'static [(Self::Column, &'static [&'static str])] {
        &[]
    }
}

/// The most to-one relations one type declares: a join plan keeps a byte per hop.
pub const MAX_TO_ONE: usize = 7;

/// A to-one relation of `E`, as a statement that reads rows of `E` joins it:
/// belongs-to or has-one, declared in `graphql::registry` from the relation's one
/// foreign key and listed by its parent type's [`Node::to_one`].
pub trait ToOne<E: EntityTrait>: Sync {
    /// The field of `E`'s GraphQL type that reads the relation (it takes no arguments).
    fn field(&self) -> &'static str;
    /// Which of the target's own to-one relations `selection` (the field's) reads:
    /// bit `j` is the target's `to_one()[j]`.
    fn selected(&self, selection: &Lookahead<'_>) -> u8;
    /// LEFT JOINs the target, as `alias`, to the rows of `E` that `stmt` names
    /// `from`, under the target's visibility rule, and selects its columns as
    /// `{alias}_{column}`; then the target's relations of `nested`, one hop further.
    fn join(
        &self,
        stmt: &mut SelectStatement,
        from: DynIden,
        alias: &str,
        nested: u8,
        reader: Reader,
    );
    /// Reads the joined row (and those of `nested`) of `parent` out of `row`,
    /// whose `columns` are known.
    fn read(
        &self,
        parent: &E::Model,
        row: &QueryResult,
        columns: &mut Columns,
        alias: &str,
        nested: u8,
        into: &mut Vec<JoinedRow>,
    ) -> Result<(), DbErr>;
}

/// The most counts one type declares: a join plan keeps a bit for each.
pub const MAX_COUNTS: usize = 8;

/// A count of related rows as a statement that reads rows of `E` selects it: a
/// correlated subquery per row, declared in `graphql::registry` from the
/// relation's one declaration and listed by [`Node::counts`].
pub trait JoinedCount<E: EntityTrait>: Sync {
    /// The field of `E`'s GraphQL type that reads the count (unfiltered, here).
    fn field(&self) -> &'static str;
    /// The count for the row of `E` that `outer` names, as the reader sees it.
    fn expr(&self, reader: Reader, outer: DynIden) -> Expr;
    /// What the count of the row of `E` whose id is `parent` stands in for.
    fn key(&self, parent: i64) -> JoinedKey;
}

/// Marks a [`JoinedKey`] as a count of rows of `C` rather than a row.
struct Counted<C>(PhantomData<C>);

/// Which read a joined row stands in for: the row of `E` whose `column` (its
/// primary key for belongs-to, the unique foreign key for has-one) is `value`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct JoinedKey {
    entity: TypeId,
    column: &'static str,
    value: i64,
}

impl JoinedKey {
    pub fn new<E: EntityTrait>(column: E::Column, value: i64) -> Self {
        JoinedKey {
            entity: TypeId::of::<E>(),
            column: column.as_str(),
            value,
        }
    }

    /// The unfiltered count of the rows of `C` whose `fk` names `parent`.
    pub fn count_of<C: EntityTrait, P: EntityTrait>(fk: ForeignKey<C, P>, parent: i64) -> Self {
        JoinedKey {
            entity: TypeId::of::<Counted<C>>(),
            column: fk.column.as_str(),
            value: parent,
        }
    }

    /// The unfiltered count of the rows of `B` linked to `parent` through `J`.
    pub fn count_through<J: EntityTrait, A: EntityTrait, B: EntityTrait>(
        link_rows: ManyToMany<J, A, B>,
        parent: i64,
    ) -> Self {
        JoinedKey {
            entity: TypeId::of::<Counted<(J, B)>>(),
            column: link_rows.from.column.as_str(),
            value: parent,
        }
    }
}

/// A row read along with its parent, as `Option<E::Model>` (`None`: there is none
/// the reader may see), waiting for the field that asks for it.
pub struct JoinedRow {
    pub key: JoinedKey,
    pub row: Box<dyn Any + Send + Sync>,
}

/// A filter input as generic code sees it: the condition it puts on the rows.
pub trait RowFilter: Send + Sync {
    /// The rows this filter keeps, on the table under its own name; `link` is the
    /// join table the rows are read through, if they are.
    fn compile(&self, reader: Reader, link: Option<DynIden>) -> Result<Condition, AppError>;
}

/// A table of entity `E` as a statement refers to it: by its own name at the top,
/// by an alias inside a subquery.
pub struct At<E: EntityTrait> {
    name: DynIden,
    entity: std::marker::PhantomData<fn() -> E>,
}

impl<E: EntityTrait> At<E> {
    /// The table under its own name, as the statement a filter is added to names it.
    pub fn table() -> Self {
        Self::named(E::default().into_iden())
    }

    /// The table under another name, as a subquery names it.
    pub fn named(name: DynIden) -> Self {
        At {
            name,
            entity: std::marker::PhantomData,
        }
    }

    pub fn name(&self) -> DynIden {
        self.name.clone()
    }

    pub fn col(&self, col: E::Column) -> Expr {
        Expr::col((self.name.clone(), col))
    }
}

/// A foreign key: `column` of `C` holds the id of a row of `P`. The relation kinds
/// are read off it: belongs-to from `C`, has-one or has-many from `P`. Declared
/// once per relation (see `graphql::registry`); the constraint's name and delete
/// rule come from the SeaORM relation that declares them in `entity`.
pub struct ForeignKey<C: EntityTrait, P: EntityTrait> {
    pub column: C::Column,
    /// The input field writes name the parent by, reported as `extensions.field`
    /// when the constraint refuses a write.
    pub field: &'static str,
    parent: PhantomData<fn() -> P>,
}

impl<C: EntityTrait, P: EntityTrait> ForeignKey<C, P> {
    pub const fn new(column: C::Column, field: &'static str) -> Self {
        ForeignKey {
            column,
            field,
            parent: PhantomData,
        }
    }
}

impl<C: EntityTrait + Related<P>, P: EntityTrait> ForeignKey<C, P> {
    /// SeaORM's declaration of the relation (`entity`'s `Related<P>` for `C`).
    pub fn def(&self) -> RelationDef {
        C::to()
    }

    /// The constraint's name, as database errors report it.
    pub fn constraint(&self) -> Option<String> {
        self.def().fk_name
    }

    /// What deleting the parent does to the rows pointing at it.
    pub fn on_delete(&self) -> OnDelete {
        match self.def().on_delete {
            Some(ForeignKeyAction::Cascade) => OnDelete::Cascade,
            Some(ForeignKeyAction::SetNull) => OnDelete::SetNull,
            _ => OnDelete::Protect,
        }
    }
}

impl<C: EntityTrait, P: EntityTrait> Clone for ForeignKey<C, P> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<C: EntityTrait, P: EntityTrait> Copy for ForeignKey<C, P> {}

/// Django's `on_delete`, as the database enforces it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnDelete {
    Cascade,
    SetNull,
    /// `RESTRICT` / `NO ACTION`: Django's `PROTECT`.
    Protect,
}

/// A many-to-many relation read from `A`'s side: the rows of join table `J` whose
/// `from` points at an `A` and whose `to` points at a `B`.
pub struct ManyToMany<J: EntityTrait, A: EntityTrait, B: EntityTrait> {
    pub from: ForeignKey<J, A>,
    pub to: ForeignKey<J, B>,
    /// What a join row is called where one is reported (Django's through model).
    pub link: &'static str,
    /// How many `B`s one `A` is linked to, typically; `back`: how many `A`s one `B`.
    pub fanout: Fanout,
    pub back: Fanout,
}

/// How many rows one parent typically reaches through a relation. It chooses how
/// PostgreSQL cuts a page per parent (`loaders::parents`): where the batch is only
/// a few rows a parent, every one of them is read and numbered; where it is many,
/// each parent's page is read on its own and stops early.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Fanout {
    Few,
    Many,
}

impl<J: EntityTrait, A: EntityTrait, B: EntityTrait> ManyToMany<J, A, B> {
    /// The same relation read from `B`'s side.
    pub const fn reversed(&self) -> ManyToMany<J, B, A> {
        ManyToMany {
            from: self.to,
            to: self.from,
            link: self.link,
            fanout: self.back,
            back: self.fanout,
        }
    }

    pub fn columns(&self) -> (J::Column, J::Column) {
        (self.from.column, self.to.column)
    }
}

impl<J: EntityTrait, A: EntityTrait, B: EntityTrait> Clone for ManyToMany<J, A, B> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<J: EntityTrait, A: EntityTrait, B: EntityTrait> Copy for ManyToMany<J, A, B> {}

/// Which rows of a parent table a walk over foreign keys starts from.
#[derive(Clone, Debug)]
pub enum Parents {
    One(i64),
    /// A statement selecting the parents' ids.
    Query(Box<SelectStatement>),
}

/// A foreign key as the code that walks all of them sees it (the delete report,
/// the reading of constraint errors): one object per key, whatever its types.
pub trait Reference: Sync {
    /// The constraint's name, as database errors report it.
    fn constraint(&self) -> Option<String>;
    /// The input field that names the parent in writes.
    fn field(&self) -> &'static str;
    /// The GraphQL type of the parent.
    fn parent_name(&self) -> &'static str;
    /// How a row pointing at the parent is named in a delete report.
    fn child_name(&self) -> &'static str;
    fn on_delete(&self) -> OnDelete;
    fn parent_table(&self) -> DynIden;
    fn child_table(&self) -> DynIden;
    /// The child's column that holds the parent's id.
    fn child_column(&self) -> &'static str;
    /// The child rows that point at `parents`.
    fn children(&self, parents: &Parents) -> Condition;
    /// The ids of the child rows `rows` selects, for a walk to go on from them;
    /// `None` for join rows, which nothing points at.
    fn child_ids(&self, rows: Condition) -> Option<SelectStatement>;
}

fn pointing_at(column: impl ColumnTrait, parents: &Parents) -> Condition {
    Condition::all().add(match parents {
        Parents::One(id) => column.eq(*id),
        Parents::Query(ids) => column.in_subquery(ids.as_ref().clone()),
    })
}

impl<C: Node + Related<P>, P: Node> Reference for ForeignKey<C, P> {
    fn constraint(&self) -> Option<String> {
        ForeignKey::constraint(self)
    }
    fn field(&self) -> &'static str {
        self.field
    }
    fn parent_name(&self) -> &'static str {
        P::NAME
    }
    fn child_name(&self) -> &'static str {
        C::NAME
    }
    fn on_delete(&self) -> OnDelete {
        ForeignKey::on_delete(self)
    }
    fn parent_table(&self) -> DynIden {
        P::default().into_iden()
    }
    fn child_table(&self) -> DynIden {
        C::default().into_iden()
    }
    fn child_column(&self) -> &'static str {
        self.column.as_str()
    }
    fn children(&self, parents: &Parents) -> Condition {
        pointing_at(self.column, parents)
    }
    fn child_ids(&self, rows: Condition) -> Option<SelectStatement> {
        Some(
            Query::select()
                .column(C::ID)
                .from(C::default())
                .cond_where(rows)
                .take(),
        )
    }
}

/// The join table's key to `A`. A join row deleted with its `A` is reported as
/// the link; one that holds an `A` back (PROTECT) is reported as the `B` it links
/// to, which is what has to be detached first.
impl<J: EntityTrait + Related<A>, A: Node, B: Node> Reference for ManyToMany<J, A, B> {
    fn constraint(&self) -> Option<String> {
        self.from.constraint()
    }
    fn field(&self) -> &'static str {
        self.from.field
    }
    fn parent_name(&self) -> &'static str {
        A::NAME
    }
    fn child_name(&self) -> &'static str {
        match self.from.on_delete() {
            OnDelete::Protect => B::NAME,
            OnDelete::Cascade | OnDelete::SetNull => self.link,
        }
    }
    fn on_delete(&self) -> OnDelete {
        self.from.on_delete()
    }
    fn parent_table(&self) -> DynIden {
        A::default().into_iden()
    }
    fn child_table(&self) -> DynIden {
        J::default().into_iden()
    }
    fn child_column(&self) -> &'static str {
        self.from.column.as_str()
    }
    fn children(&self, parents: &Parents) -> Condition {
        pointing_at(self.from.column, parents)
    }
    fn child_ids(&self, _rows: Condition) -> Option<SelectStatement> {
        None
    }
}

/// A column of `E` that can be part of a hashable batch key. SeaORM's column enums
/// are neither `Hash` nor `Eq`, so identity is the column's name.
pub struct Col<E: EntityTrait>(pub E::Column);

impl<E: EntityTrait> Clone for Col<E> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<E: EntityTrait> Copy for Col<E> {}
impl<E: EntityTrait> PartialEq for Col<E> {
    fn eq(&self, other: &Self) -> bool {
        self.0.as_str() == other.0.as_str()
    }
}
impl<E: EntityTrait> Eq for Col<E> {}
impl<E: EntityTrait> Hash for Col<E> {
    /// The variant, not the name: one word to hash, and columns of one entity
    /// differ in name exactly when they differ in variant.
    fn hash<H: Hasher>(&self, state: &mut H) {
        std::mem::discriminant(&self.0).hash(state);
    }
}
impl<E: EntityTrait> fmt::Debug for Col<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.as_str())
    }
}

/// The integer in a key or foreign key column (`None` for SQL NULL).
pub fn as_i64(value: Value) -> Option<i64> {
    match value {
        Value::BigInt(v) => v,
        Value::Int(v) => v.map(i64::from),
        _ => None,
    }
}

/// `Clone`, `PartialEq`, `Eq` and `Hash` for a batch key generic over entities.
/// `derive` would demand those traits of the entity types themselves, which SeaORM's
/// unit structs do not implement; the fields do.
macro_rules! key_traits {
    ($name:ident<$($g:ident: $bound:path),+> { $($field:ident),+ }) => {
        impl<$($g: $bound),+> Clone for $name<$($g),+> {
            fn clone(&self) -> Self {
                Self { $($field: self.$field.clone()),+ }
            }
        }
        impl<$($g: $bound),+> PartialEq for $name<$($g),+> {
            fn eq(&self, other: &Self) -> bool {
                true $(&& self.$field == other.$field)+
            }
        }
        impl<$($g: $bound),+> Eq for $name<$($g),+> {}
        impl<$($g: $bound),+> std::hash::Hash for $name<$($g),+> {
            fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
                $(self.$field.hash(state);)+
            }
        }
    };
}
pub(crate) use key_traits;
