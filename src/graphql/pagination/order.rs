//! Orderings: what a client asks for (`orderBy`), and the sort key the SQL uses.

use std::collections::HashSet;

use async_graphql::{Enum, InputObject, InputType};
use sea_orm::sea_query::{Expr, ExprTrait, Order as SqlOrder};
use sea_orm::{ColumnTrait, ColumnType, EntityTrait, IdenStatic};

use crate::error::AppError;
use crate::graphql::node::{Col, Node, key_traits};
use crate::graphql::types::{
    AuthorOrderField, CategoryOrderField, CommentOrderField, PostOrderField, ProfileOrderField,
    TagOrderField,
};

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
    fn column(self) -> <Self::Entity as EntityTrait>::Column;
}

/// One key of an `orderBy` list. The primary key is always added as the last key,
/// so every ordering is total and cursors are exact.
#[derive(InputObject, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[graphql(
    concrete(name = "AuthorOrder", params(AuthorOrderField)),
    concrete(name = "ProfileOrder", params(ProfileOrderField)),
    concrete(name = "CategoryOrder", params(CategoryOrderField)),
    concrete(name = "TagOrder", params(TagOrderField)),
    concrete(name = "PostOrder", params(PostOrderField)),
    concrete(name = "CommentOrder", params(CommentOrderField))
)]
pub struct Order<F: SortField> {
    /// The field to order by.
    pub field: F,
    /// Ascending unless told otherwise.
    #[graphql(default)]
    pub direction: OrderDirection,
    /// Where nulls go, for fields that can be null.
    pub nulls: Option<NullsOrder>,
}

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
    pub col: Col<E>,
    pub desc: bool,
    pub nulls_first: bool,
}
key_traits!(SortKey<E: EntityTrait> { col, desc, nulls_first });

impl<E: EntityTrait> SortKey<E> {
    pub fn column(&self) -> E::Column {
        self.col.0
    }

    pub fn nullable(&self) -> bool {
        self.col.0.def().is_null()
    }

    pub fn kind(&self) -> ValueKind {
        value_kind(self.col.0)
    }

    fn reversed(&self) -> Self {
        SortKey {
            col: self.col,
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

/// A total ordering of `E`'s rows: the client's keys, then the primary key.
pub struct Sort<E: EntityTrait> {
    pub keys: Vec<SortKey<E>>,
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
            let col = Col::<E>(order.field.column());
            if !seen.insert(col) {
                return Err(AppError::bad_input(
                    "orderBy",
                    format!("orderBy names `{}` more than once", col.0.as_str()),
                ));
            }
            let desc = order.direction == OrderDirection::Desc;
            let nulls_first = match order.nulls {
                Some(NullsOrder::First) => true,
                Some(NullsOrder::Last) => false,
                None => desc,
            };
            keys.push(SortKey {
                col,
                desc,
                nulls_first,
            });
        }
        if !seen.contains(&Col(E::ID)) {
            keys.push(SortKey {
                col: Col(E::ID),
                desc: false,
                nulls_first: false,
            });
        }
        Ok(Sort { keys })
    }

    /// The same ordering read from the other end (for `last`/`before`).
    pub fn reversed(&self) -> Self {
        Sort {
            keys: self.keys.iter().map(SortKey::reversed).collect(),
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
                    k.col.0.as_str(),
                    if k.desc { 'd' } else { 'a' },
                    if k.nulls_first { 'f' } else { 'l' }
                )
            })
            .collect();
        format!("{}:{}", E::default().table_name(), keys.join(","))
    }

    /// ORDER BY terms. Null placement is spelled as an `IS NULL` term because MySQL
    /// has no `NULLS FIRST/LAST` and the backends disagree on the default.
    pub fn terms(&self) -> Vec<(Expr, SqlOrder)> {
        let mut terms = Vec::with_capacity(self.keys.len() * 2);
        for key in &self.keys {
            if key.nullable() {
                let nulls = if key.nulls_first {
                    SqlOrder::Desc
                } else {
                    SqlOrder::Asc
                };
                terms.push((key.column().into_expr().is_null(), nulls));
            }
            let order = if key.desc {
                SqlOrder::Desc
            } else {
                SqlOrder::Asc
            };
            terms.push((key.column().into_expr(), order));
        }
        terms
    }
}
