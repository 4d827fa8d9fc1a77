//! Orderings: what a client asks for (`orderBy`), and the sort key the SQL uses.

use std::collections::HashSet;
use std::sync::Arc;

use std::borrow::Cow;

use async_graphql::registry::Registry;
use async_graphql::{Enum, InputObjectType, InputType, InputValueResult, Value};
use sea_orm::sea_query::{Expr, ExprTrait, Order as SqlOrder};
use sea_orm::{ColumnTrait, ColumnType, EntityTrait, IdenStatic};

use super::derived::Derived;
use crate::error::AppError;
use crate::graphql::core::{At, Col, Node, Reader, key_traits};
use crate::graphql::generic_input::{self, Field};

/// Sort direction.
#[derive(Enum, Copy, Clone, Debug, Default, PartialEq, Eq, Hash)]
pub enum OrderDirection {
    #[default]
    Asc,
    Desc,
}

/// Where rows with a null key go. Unless asked, nulls sort as the largest value:
/// last when ascending, first when descending (PostgreSQL's default, on every backend).
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum NullsOrder {
    First,
    Last,
}

/// A field of an entity that lists can be ordered by.
pub trait SortField: InputType + Copy + Eq + std::hash::Hash + Send + Sync + 'static {
    type Entity: Node;
    fn key(self) -> Source<Self::Entity>;
}

/// What a sort key reads: a column of the row, or a value derived from its
/// relations (a related row's column, a count of related rows).
pub enum Source<E: EntityTrait> {
    Column(Col<E>),
    Derived(Derived),
}

impl<E: EntityTrait> Source<E> {
    pub fn column(col: E::Column) -> Self {
        Source::Column(Col(col))
    }

    pub fn name(&self) -> &str {
        match self {
            Source::Column(col) => col.0.as_str(),
            Source::Derived(d) => d.name,
        }
    }

    pub fn nullable(&self) -> bool {
        match self {
            Source::Column(col) => col.0.def().is_null(),
            Source::Derived(d) => d.nullable,
        }
    }

    /// Whether it counts related rows (never null: 0 where there are none).
    pub fn is_count(&self) -> bool {
        matches!(self, Source::Derived(d) if d.grouped.is_some())
    }

    pub fn kind(&self) -> ValueKind {
        match self {
            Source::Column(col) => value_kind(col.0),
            Source::Derived(d) => d.kind,
        }
    }

    /// The value for the row of `E` that `at` names: the column, or the derived
    /// value computed in place.
    pub fn expr(&self, reader: Reader, at: &At<E>) -> Expr {
        match self {
            Source::Column(col) => at.col(col.0),
            Source::Derived(d) => (d.expr)(reader, at.name()),
        }
    }
}

impl<E: EntityTrait> Clone for Source<E> {
    fn clone(&self) -> Self {
        match self {
            Source::Column(c) => Source::Column(*c),
            Source::Derived(d) => Source::Derived(*d),
        }
    }
}
impl<E: EntityTrait> PartialEq for Source<E> {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Source::Column(a), Source::Column(b)) => a == b,
            (Source::Derived(a), Source::Derived(b)) => a == b,
            _ => false,
        }
    }
}
impl<E: EntityTrait> Eq for Source<E> {}
impl<E: EntityTrait> std::hash::Hash for Source<E> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        match self {
            Source::Column(c) => c.hash(state),
            Source::Derived(d) => d.hash(state),
        }
    }
}

/// One key of an `orderBy` list: the input `<Type>Order` (see [`generic_input`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Order<F: SortField> {
    pub field: F,
    pub direction: OrderDirection,
    pub nulls: Option<NullsOrder>,
}

impl<F: SortField> InputType for Order<F> {
    type RawValueType = Self;

    fn type_name() -> Cow<'static, str> {
        Cow::Owned(format!("{}Order", F::Entity::NAME))
    }

    fn create_type_info(registry: &mut Registry) -> String {
        generic_input::register::<Self>(
            registry,
            Self::type_name(),
            "One key of an `orderBy` list. The primary key is always added as the last key,\n\
             so every ordering is total and cursors are exact.",
            |r| {
                vec![
                    Field::of::<F>(r, "field", Some("The field to order by.")),
                    Field::of::<OrderDirection>(
                        r,
                        "direction",
                        Some("Ascending unless told otherwise."),
                    )
                    .default(&OrderDirection::default()),
                    Field::of::<Option<NullsOrder>>(
                        r,
                        "nulls",
                        Some("Where nulls go, for fields that can be null."),
                    ),
                ]
            },
        )
    }

    fn parse(value: Option<Value>) -> InputValueResult<Self> {
        let fields = generic_input::fields(value)?;
        Ok(Order {
            field: generic_input::field(&fields, "field")?,
            direction: generic_input::field_or(&fields, "direction", OrderDirection::default())?,
            nulls: generic_input::field(&fields, "nulls")?,
        })
    }

    fn to_value(&self) -> Value {
        generic_input::value([
            ("field", self.field.to_value()),
            ("direction", self.direction.to_value()),
            ("nulls", self.nulls.to_value()),
        ])
    }

    fn as_raw_value(&self) -> Option<&Self> {
        Some(self)
    }
}

impl<F: SortField> InputObjectType for Order<F> {}

/// How a column's values travel in a cursor.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ValueKind {
    Int,
    Text,
    Time,
    Date,
}

/// One key of the SQL ordering.
pub struct SortKey<E: EntityTrait> {
    pub source: Source<E>,
    pub desc: bool,
    pub nulls_first: bool,
}
key_traits!(SortKey<E: EntityTrait> { source, desc, nulls_first });

impl<E: EntityTrait> SortKey<E> {
    pub fn nullable(&self) -> bool {
        self.source.nullable()
    }

    pub fn kind(&self) -> ValueKind {
        self.source.kind()
    }

    /// The key's value for the row of `E` under the table's own name.
    pub fn expr(&self, reader: Reader) -> Expr {
        self.source.expr(reader, &At::table())
    }

    fn reversed(&self) -> Self {
        SortKey {
            source: self.source.clone(),
            desc: !self.desc,
            nulls_first: !self.nulls_first,
        }
    }
}

/// How a column's values travel in a cursor, and which columns compare.
pub fn value_kind(col: impl ColumnTrait) -> ValueKind {
    match col.def().get_column_type() {
        ColumnType::BigInteger | ColumnType::Integer | ColumnType::SmallInteger => ValueKind::Int,
        ColumnType::TimestampWithTimeZone | ColumnType::DateTime | ColumnType::Timestamp => {
            ValueKind::Time
        }
        ColumnType::Date => ValueKind::Date,
        _ => ValueKind::Text,
    }
}

/// The column a statement selects derived key number `i` as, to read it back.
pub fn key_alias(i: usize) -> String {
    format!("__k{i}")
}

/// A total ordering of `E`'s rows: the client's keys, then the primary key.
pub struct Sort<E: EntityTrait> {
    /// Shared: every batch key of a list holds its ordering, and the DataLoader
    /// clones keys several times each.
    pub keys: Arc<[SortKey<E>]>,
}
key_traits!(Sort<E: EntityTrait> { keys });

/// More keys than this is a request nobody needs and an index nobody has.
const MAX_ORDER_KEYS: usize = 5;

impl<E: Node> Sort<E> {
    pub fn from_orders<F: SortField<Entity = E>>(orders: &[Order<F>]) -> Result<Self, AppError> {
        if orders.len() > MAX_ORDER_KEYS {
            return Err(AppError::bad_input(
                "orderBy",
                format!("orderBy takes at most {MAX_ORDER_KEYS} keys"),
            ));
        }
        let mut seen = HashSet::new();
        let mut keys = Vec::with_capacity(orders.len() + 1);
        for order in orders {
            let source = order.field.key();
            if !seen.insert(source.clone()) {
                return Err(AppError::bad_input(
                    "orderBy",
                    format!("orderBy names `{}` more than once", source.name()),
                ));
            }
            let desc = order.direction == OrderDirection::Desc;
            let nulls_first = match order.nulls {
                Some(NullsOrder::First) => true,
                Some(NullsOrder::Last) => false,
                None => desc,
            };
            keys.push(SortKey {
                source,
                desc,
                nulls_first,
            });
        }
        let id = Source::column(E::ID);
        if !seen.contains(&id) {
            keys.push(SortKey {
                source: id,
                desc: false,
                nulls_first: false,
            });
        }
        Ok(Sort { keys: keys.into() })
    }

    /// The same ordering read from the other end (for `last`/`before`).
    pub fn reversed(&self) -> Self {
        Sort {
            keys: self
                .keys
                .iter()
                .map(SortKey::reversed)
                .collect::<Vec<_>>()
                .into(),
        }
    }

    /// Names the ordering inside a cursor, so a cursor from another list or
    /// ordering is refused instead of silently misread.
    pub fn signature(&self) -> String {
        let keys: Vec<String> = self
            .keys
            .iter()
            .map(|k| {
                format!(
                    "{}.{}{}",
                    k.source.name(),
                    if k.desc { 'd' } else { 'a' },
                    if k.nulls_first { 'f' } else { 'l' }
                )
            })
            .collect();
        format!("{}:{}", E::default().table_name(), keys.join(","))
    }

    /// Whether a key is derived, i.e. must be selected beside the row to be read back.
    pub fn has_derived(&self) -> bool {
        self.keys
            .iter()
            .any(|k| matches!(k.source, Source::Derived(_)))
    }

    /// ORDER BY terms over the key values `value` gives (by key position). Null
    /// placement is spelled as an `IS NULL` term because MySQL has no
    /// `NULLS FIRST/LAST` and the backends disagree on the default.
    pub fn terms(&self, value: impl Fn(usize, &SortKey<E>) -> Expr) -> Vec<(Expr, SqlOrder)> {
        let mut terms = Vec::with_capacity(self.keys.len() * 2);
        for (i, key) in self.keys.iter().enumerate() {
            let value = value(i, key);
            if key.nullable() {
                let nulls = if key.nulls_first {
                    SqlOrder::Desc
                } else {
                    SqlOrder::Asc
                };
                terms.push((value.clone().is_null(), nulls));
            }
            let order = if key.desc {
                SqlOrder::Desc
            } else {
                SqlOrder::Asc
            };
            terms.push((value, order));
        }
        terms
    }
}
