//! Filters compiled into SQL, Django's `filter(...)` with `__` hops and `Q` objects:
//! a typed input per type, scalar operators per column type, to-one relations
//! nested directly, to-many relations behind `some` / `every` / `none`, and
//! `and` / `or` / `not` at every level. Every hop is an `IN (subquery)` semi-join,
//! so a filter never multiplies rows, and every value is a bound parameter.

pub mod scalar;

use std::borrow::Cow;

use async_graphql::registry::Registry;
use async_graphql::{Enum, InputObjectType, InputType, InputValueResult, Value};
use sea_orm::sea_query::{
    Alias, Condition, DynIden, Expr, ExprTrait, IntoIden, JoinType, Query, SelectStatement,
};
use sea_orm::{ColumnTrait, DbBackend, EntityTrait};

use crate::error::AppError;
use crate::graphql::core::{At, ForeignKey, ManyToMany, Node, Reader, Reads, RowFilter};
use crate::graphql::generic_input::{self, Field};
use crate::graphql::pagination::SortField;
use crate::graphql::pagination::order::ValueKind;

pub use scalar::{DateFilter, DateTimeFilter, IdFilter, Operand, StringFilter};

/// A `filter` argument as a field takes it: boxed. async-graphql sizes the future of
/// every field of a type by its largest field, and a field holding a post filter by
/// value (over a kilobyte, copied more than once) made each `name` of each tag in a
/// list allocate 4 KB.
pub type FilterArg<F> = Option<Box<F>>;

/// Filters nested deeper than this are refused: no real screen needs it, and each
/// level is a subquery.
const MAX_DEPTH: u32 = 8;

/// At most this many filter objects (every input with its own `and`/`or`/`not`)
/// in one filter, so that no filter grows a statement past what databases take.
const MAX_NODES: u32 = 200;

/// At most this many values (each `eq`, each item of `in`, ...) in one filter. With
/// the most keys a batch takes (10,000) a statement stays far below the fewest bound
/// parameters a backend accepts (SQLite's 32,766).
pub const MAX_VALUES: usize = 5_000;

/// The longest text a filter compares with, in characters: longer than any column
/// but a body needs, and far below SQLite's 50,000-byte LIKE and GLOB patterns.
pub const MAX_TEXT: usize = 1_000;

/// The argument every filter error names.
pub const ARGUMENT: &str = "filter";

/// What compiling one filter tree needs: the backend (string matching differs), the
/// viewer (every table a filter reaches is seen as they may see it) and fresh table
/// aliases for the subqueries.
pub struct Scope {
    pub backend: DbBackend,
    viewer: Option<i64>,
    /// The join row the filtered rows were reached through, if any (for `taggedAt`).
    link: Option<DynIden>,
    aliases: u32,
    depth: u32,
    nodes: u32,
    values: usize,
}

impl Scope {
    /// Who reads, for the rules and derived values a filter writes into SQL.
    pub fn reader(&self) -> Reader {
        Reader {
            backend: self.backend,
            viewer: self.viewer,
            // A filter writes conditions, never the columns a statement selects.
            reads: Reads::ALL,
        }
    }

    pub fn new(reader: Reader) -> Self {
        Scope {
            backend: reader.backend,
            viewer: reader.viewer,
            link: None,
            aliases: 0,
            depth: 0,
            nodes: 0,
            values: 0,
        }
    }

    /// Counts `n` values bound by the filter, refusing more than [`MAX_VALUES`].
    pub fn count_values(&mut self, n: usize) -> Result<(), AppError> {
        self.values += n;
        if self.values > MAX_VALUES {
            return Err(AppError::bad_input(
                ARGUMENT,
                format!("a filter holds at most {MAX_VALUES} values in all"),
            ));
        }
        Ok(())
    }

    /// A column of the join row the filtered rows were reached through; refused
    /// where there is none.
    pub fn link_col(&self, col: impl ColumnTrait, field: &str) -> Result<Operand, AppError> {
        match &self.link {
            Some(join) => Ok(Operand {
                expr: Expr::col((join.clone(), col)),
                nullable: col.def().is_null(),
            }),
            None => Err(AppError::bad_input(
                ARGUMENT,
                format!(
                    "`{field}` belongs to the link between a post and a tag: use it in a post's \
                     `tags` or a tag's `posts`"
                ),
            )),
        }
    }

    fn count_node(&mut self) -> Result<(), AppError> {
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            return Err(AppError::bad_input(
                ARGUMENT,
                format!("a filter holds at most {MAX_NODES} conditions"),
            ));
        }
        Ok(())
    }

    fn alias(&mut self) -> DynIden {
        self.aliases += 1;
        Alias::new(format!("__f{}", self.aliases)).into_iden()
    }
}

/// A compiled filter (or part of one).
#[derive(Clone, Debug)]
pub struct Compiled {
    /// The rows it keeps, as a condition that is never SQL's unknown.
    pub sql: Condition,
    /// Whether it keeps a row whose every column is null and that has no related
    /// rows: what a to-one hop sees when the related row is missing (Django's
    /// `profile__city__isnull=True` keeps authors without a profile). Worked out
    /// here, from the filter alone, so the SQL of a hop only grows when it is true.
    pub null_row: bool,
}

impl Compiled {
    pub fn new(sql: Condition, null_row: bool) -> Self {
        Compiled { sql, null_row }
    }

    /// Keeps every row.
    pub fn all() -> Self {
        Compiled::new(Condition::all(), true)
    }

    /// Keeps no row.
    pub fn none() -> Self {
        Compiled::new(never(), false)
    }

    pub fn and(self, other: Compiled) -> Self {
        Compiled::new(self.sql.add(other.sql), self.null_row && other.null_row)
    }

    pub fn or(self, other: Compiled) -> Self {
        Compiled::new(
            Condition::any().add(self.sql).add(other.sql),
            self.null_row || other.null_row,
        )
    }
}

impl std::ops::Not for Compiled {
    type Output = Compiled;

    fn not(self) -> Compiled {
        Compiled::new(self.sql.not(), !self.null_row)
    }
}

/// The filter input of one type.
pub trait EntityFilter: Send + Sync {
    type Entity: Node;

    /// The rows of `at` this filter keeps.
    fn condition(&self, at: &At<Self::Entity>, scope: &mut Scope) -> Result<Compiled, AppError>;
}

/// A whole filter tree compiled against the table under its own name.
impl<F: EntityFilter> RowFilter for F {
    fn compile(&self, reader: Reader, link: Option<DynIden>) -> Result<Condition, AppError> {
        let mut scope = Scope::new(reader);
        scope.link = link;
        Ok(self.condition(&At::table(), &mut scope)?.sql)
    }
}

/// `and` (all of), `or` (any of) and `not`, combined with the filter's own fields.
fn logic<F: EntityFilter>(
    own: Compiled,
    and: Option<&[F]>,
    or: Option<&[F]>,
    not: Option<&F>,
    at: &At<F::Entity>,
    scope: &mut Scope,
) -> Result<Compiled, AppError> {
    scope.count_node()?;
    let mut all = own;
    if let Some(list) = and {
        for f in list {
            all = all.and(f.condition(at, scope)?);
        }
    }
    if let Some(list) = or {
        let mut any: Option<Compiled> = None;
        for f in list {
            let one = f.condition(at, scope)?;
            any = Some(match any {
                Some(any) => any.or(one),
                None => one,
            });
        }
        // `or: []` keeps nothing, as an empty disjunction should.
        all = all.and(any.unwrap_or_else(Compiled::none));
    }
    if let Some(f) = not {
        all = all.and(!f.condition(at, scope)?);
    }
    Ok(all)
}

/// A condition no row meets.
pub fn never() -> Condition {
    Condition::all().add(ExprTrait::eq(Expr::val(1), 0))
}

/// A to-many relation filter, which of the related rows must match: the input
/// `<Type>ListFilter` (see [`generic_input`]).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ListFilter<F: EntityFilter + InputType> {
    pub some: Option<Box<F>>,
    pub every: Option<Box<F>>,
    pub none: Option<Box<F>>,
}

impl<F: EntityFilter + InputType> InputType for ListFilter<F> {
    type RawValueType = Self;

    fn type_name() -> Cow<'static, str> {
        Cow::Owned(format!("{}ListFilter", <F::Entity as Node>::NAME))
    }

    fn create_type_info(registry: &mut Registry) -> String {
        generic_input::register::<Self>(
            registry,
            Self::type_name(),
            "A to-many relation filter: which of the related rows must match.",
            |r| {
                vec![
                    Field::of::<Option<Box<F>>>(
                        r,
                        "some",
                        Some("At least one related row matches."),
                    ),
                    Field::of::<Option<Box<F>>>(
                        r,
                        "every",
                        Some("Every related row matches (true when there are none)."),
                    ),
                    Field::of::<Option<Box<F>>>(r, "none", Some("No related row matches.")),
                ]
            },
        )
    }

    fn parse(value: Option<Value>) -> InputValueResult<Self> {
        let fields = generic_input::fields(value)?;
        Ok(ListFilter {
            some: generic_input::field(&fields, "some")?,
            every: generic_input::field(&fields, "every")?,
            none: generic_input::field(&fields, "none")?,
        })
    }

    fn to_value(&self) -> Value {
        generic_input::value([
            ("some", self.some.to_value()),
            ("every", self.every.to_value()),
            ("none", self.none.to_value()),
        ])
    }

    fn as_raw_value(&self) -> Option<&Self> {
        Some(self)
    }
}

impl<F: EntityFilter + InputType> InputObjectType for ListFilter<F> {}

/// A comparison operator between two fields of one row.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum CompareOp {
    Eq,
    Ne,
    Gt,
    Gte,
    Lt,
    Lte,
}

/// A comparison of two fields of the same row (Django's `F()`): the input
/// `<Type>Comparison` (see [`generic_input`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Comparison<F: SortField> {
    pub left: F,
    pub op: CompareOp,
    pub right: F,
}

impl<F: SortField> InputType for Comparison<F> {
    type RawValueType = Self;

    fn type_name() -> Cow<'static, str> {
        Cow::Owned(format!("{}Comparison", <F::Entity as Node>::NAME))
    }

    fn create_type_info(registry: &mut Registry) -> String {
        generic_input::register::<Self>(
            registry,
            Self::type_name(),
            "A comparison of two fields of the same row (Django's `F()`):\n\
             `{ left: UPDATED_AT, op: GT, right: PUBLISHED_AT }`. Dates, timestamps and\n\
             numbers compare, counts of related rows included (`TAG_COUNT` against\n\
             `COMMENT_COUNT`). A null on either side makes every operator false but\n\
             `NE`, which is always the opposite of `EQ` (`not` of `EQ`, as Django's\n\
             `exclude(updated_at=F(\"published_at\"))`), so it is true.",
            |r| {
                vec![
                    Field::of::<F>(r, "left", None),
                    Field::of::<CompareOp>(r, "op", None),
                    Field::of::<F>(r, "right", None),
                ]
            },
        )
    }

    fn parse(value: Option<Value>) -> InputValueResult<Self> {
        let fields = generic_input::fields(value)?;
        Ok(Comparison {
            left: generic_input::field(&fields, "left")?,
            op: generic_input::field(&fields, "op")?,
            right: generic_input::field(&fields, "right")?,
        })
    }

    fn to_value(&self) -> Value {
        generic_input::value([
            ("left", self.left.to_value()),
            ("op", self.op.to_value()),
            ("right", self.right.to_value()),
        ])
    }

    fn as_raw_value(&self) -> Option<&Self> {
        Some(self)
    }
}

impl<F: SortField> InputObjectType for Comparison<F> {}

impl<F: SortField> Comparison<F> {
    pub fn condition(&self, at: &At<F::Entity>, scope: &Scope) -> Result<Compiled, AppError> {
        let (left, right) = (self.left.key(), self.right.key());
        let kind = left.kind();
        if kind != right.kind() || kind == ValueKind::Text {
            return Err(AppError::bad_input(
                ARGUMENT,
                format!(
                    "`{}` and `{}` do not compare: compare dates, timestamps or numbers of one kind",
                    left.name(),
                    right.name()
                ),
            ));
        }
        let reader = scope.reader();
        let (l, r) = (left.expr(reader, at), right.expr(reader, at));
        // Both sides hold values: the comparison is then true or false.
        let mut valued = Condition::all();
        for (side, source) in [(&l, &left), (&r, &right)] {
            if source.nullable() {
                valued = valued.add(side.clone().is_not_null());
            }
        }
        let (op, negated) = match self.op {
            CompareOp::Ne => (CompareOp::Eq, true),
            op => (op, false),
        };
        let expr = match op {
            CompareOp::Eq | CompareOp::Ne => ExprTrait::eq(l, r),
            CompareOp::Gt => l.gt(r),
            CompareOp::Gte => l.gte(r),
            CompareOp::Lt => l.lt(r),
            CompareOp::Lte => l.lte(r),
        };
        // On a missing row a count is 0 (there are no related rows); any other
        // field is null.
        let on_null_row =
            |source: &crate::graphql::pagination::Source<F::Entity>| source.is_count().then_some(0);
        let null_row = match (on_null_row(&left), on_null_row(&right)) {
            (Some(a), Some(b)) => op.holds(a, b),
            _ => false,
        };
        let held = Compiled::new(valued.add(expr), null_row);
        Ok(if negated { !held } else { held })
    }
}

impl CompareOp {
    /// The operator on two known values.
    pub fn holds<T: Ord>(self, a: T, b: T) -> bool {
        match self {
            CompareOp::Eq => a == b,
            CompareOp::Ne => a != b,
            CompareOp::Gt => a > b,
            CompareOp::Gte => a >= b,
            CompareOp::Lt => a < b,
            CompareOp::Lte => a <= b,
        }
    }
}

/// How rows of a to-many relation must match.
#[derive(Clone, Copy)]
enum Quantifier {
    Some,
    Every,
    None,
}

/// A filter's `and`, `or` and `not` fields.
pub type Logic<'a, F> = (&'a Option<Vec<F>>, &'a Option<Vec<F>>, &'a Option<Box<F>>);

/// The filter's own conditions, field by field, all of which must hold.
pub struct Conditions(Compiled);

impl Conditions {
    pub fn new() -> Self {
        Conditions(Compiled::all())
    }

    /// Adds the condition of a field when the client gave one.
    pub fn with<T>(
        self,
        field: &Option<T>,
        condition: impl FnOnce(&T) -> Result<Compiled, AppError>,
    ) -> Result<Self, AppError> {
        Ok(match field {
            Some(value) => Conditions(self.0.and(condition(value)?)),
            None => self,
        })
    }

    /// Ends with `and`, `or` and `not`.
    pub fn logic<F: EntityFilter>(
        self,
        (and, or, not): Logic<'_, F>,
        at: &At<F::Entity>,
        scope: &mut Scope,
    ) -> Result<Compiled, AppError> {
        logic(
            self.0,
            and.as_deref(),
            or.as_deref(),
            not.as_deref(),
            at,
            scope,
        )
    }
}

impl Default for Conditions {
    fn default() -> Self {
        Self::new()
    }
}

/// Belongs-to: the row that the foreign key `fk` of the row `at` names points at
/// matches `filter`, read as all nulls when there is none (or the reader may not
/// see it).
pub fn parent<F: EntityFilter, C: EntityTrait>(
    filter: &F,
    fk: ForeignKey<C, F::Entity>,
    at: &At<C>,
    scope: &mut Scope,
) -> Result<Compiled, AppError> {
    let link = Link::Direct {
        col: F::Entity::ID,
        outer: at.col(fk.column),
    };
    related::<F, F::Entity>(&link, filter, Hop::ToOne, scope)
}

/// Has-one: the row whose unique `fk` points at the row `at` names matches
/// `filter`, read as all nulls when there is none.
pub fn has_one<F: EntityFilter, P: Node>(
    filter: &F,
    fk: ForeignKey<F::Entity, P>,
    at: &At<P>,
    scope: &mut Scope,
) -> Result<Compiled, AppError> {
    let link = Link::Direct {
        col: fk.column,
        outer: at.col(P::ID),
    };
    related::<F, F::Entity>(&link, filter, Hop::ToOne, scope)
}

/// To-many: the rows whose `fk` points at the row `at` names, quantified.
pub fn to_many<F: EntityFilter + InputType, P: Node>(
    list: &ListFilter<F>,
    fk: ForeignKey<F::Entity, P>,
    at: &At<P>,
    scope: &mut Scope,
) -> Result<Compiled, AppError> {
    let link = Link::Direct {
        col: fk.column,
        outer: at.col(P::ID),
    };
    quantified::<F, F::Entity>(&link, list, scope)
}

/// Many-to-many: the rows linked to the row `at` names through the join table
/// `J`, quantified.
pub fn through<F: EntityFilter + InputType, P: Node, J: EntityTrait>(
    list: &ListFilter<F>,
    link_rows: ManyToMany<J, P, F::Entity>,
    at: &At<P>,
    scope: &mut Scope,
) -> Result<Compiled, AppError> {
    let (from, to) = link_rows.columns();
    let link = Link::Through {
        from,
        to,
        id: F::Entity::ID,
        outer: at.col(P::ID),
    };
    quantified::<F, J>(&link, list, scope)
}

/// How the related table is reached from the outer one.
enum Link<T: EntityTrait, J: EntityTrait> {
    Direct {
        col: T::Column,
        outer: Expr,
    },
    Through {
        from: J::Column,
        to: J::Column,
        id: T::Column,
        outer: Expr,
    },
}

fn quantified<F: EntityFilter + InputType, J: EntityTrait>(
    link: &Link<F::Entity, J>,
    list: &ListFilter<F>,
    scope: &mut Scope,
) -> Result<Compiled, AppError> {
    let mut all = Compiled::all();
    for (filter, quantifier) in [
        (&list.some, Quantifier::Some),
        (&list.every, Quantifier::Every),
        (&list.none, Quantifier::None),
    ] {
        if let Some(filter) = filter {
            all = all.and(related(
                link,
                filter.as_ref(),
                Hop::ToMany(quantifier),
                scope,
            )?);
        }
    }
    Ok(all)
}

/// How a hop reaches its related rows.
#[derive(Clone, Copy)]
enum Hop {
    /// At most one related row, read as all nulls when there is none.
    ToOne,
    /// Any number of related rows, of which the quantifier says which must match.
    ToMany(Quantifier),
}

/// The rows whose related rows (reached by `link`) match `filter` as `hop` says.
fn related<F: EntityFilter, J: EntityTrait>(
    link: &Link<F::Entity, J>,
    filter: &F,
    hop: Hop,
    scope: &mut Scope,
) -> Result<Compiled, AppError> {
    if scope.depth >= MAX_DEPTH {
        return Err(AppError::bad_input(
            ARGUMENT,
            format!("filters nest at most {MAX_DEPTH} relations deep"),
        ));
    }
    scope.depth += 1;
    let at = At::<F::Entity>::named(scope.alias());
    // The join row of a many-to-many hop is named before the inner filter is
    // compiled, so that `taggedAt` inside it can refer to it.
    let join = match link {
        Link::Through { .. } => Some(At::<J>::named(scope.alias())),
        Link::Direct { .. } => None,
    };
    let outer_link = std::mem::replace(&mut scope.link, join.as_ref().map(At::name));
    let inner = filter.condition(&at, scope);
    scope.link = outer_link;
    scope.depth -= 1;
    let inner = inner?;
    // A filter sees related rows as the viewer does, so it cannot reveal hidden ones.
    let hidden = F::Entity::visible(&at, scope.viewer);

    // `outer IN (SELECT key FROM related WHERE ...)`, not a correlated EXISTS: the
    // subquery does not depend on the outer row, so every backend runs it once
    // instead of once per candidate row. NULL keys are kept out on both sides, so
    // that `not`, `none` and `every` keep two-valued logic.
    let mut sub: SelectStatement = Query::select();
    let outer = match link {
        Link::Direct { col, outer } => {
            sub.expr(at.col(*col))
                .from_as(F::Entity::default(), at.name())
                .and_where(at.col(*col).is_not_null());
            outer.clone()
        }
        Link::Through {
            from,
            to,
            id,
            outer,
        } => {
            let join = join.unwrap_or_else(|| At::<J>::named(scope.alias()));
            sub.expr(join.col(*from))
                .from_as(J::default(), join.name())
                .join_as(
                    JoinType::InnerJoin,
                    F::Entity::default(),
                    at.name(),
                    ExprTrait::eq(at.col(*id), join.col(*to)),
                );
            outer.clone()
        }
    };
    if let Some(visible) = hidden {
        sub.cond_where(visible);
    }
    let member = |cond: Condition| {
        Condition::all().add(outer.clone().is_not_null()).add(
            outer
                .clone()
                .in_subquery(sub.clone().cond_where(cond).take()),
        )
    };
    // Every related row matches: none fails to.
    let every = |inner: Compiled| member(inner.sql.not()).not();
    // What the hop is on a missing row of its own: it has no related rows.
    Ok(match hop {
        // With at most one related row, "it matches, or there is none and a row of
        // nulls would" is "no related row fails": no extra SQL for the missing row.
        Hop::ToOne if inner.null_row => Compiled::new(every(inner), true),
        Hop::ToOne => Compiled::new(member(inner.sql), false),
        Hop::ToMany(Quantifier::Some) => Compiled::new(member(inner.sql), false),
        Hop::ToMany(Quantifier::None) => Compiled::new(member(inner.sql).not(), true),
        Hop::ToMany(Quantifier::Every) => Compiled::new(every(inner), true),
    })
}
