//! The ground floor of the GraphQL core: what the generic loaders, filters,
//! orderings and rules need to know of an entity ([`Node`]), who reads ([`Reader`]),
//! a table as a statement names it ([`At`]) and a column that can sit in a batch key
//! ([`Col`]). It imports nothing of the layers built on it; each entity's `Node`
//! impl lives beside its GraphQL type.

use std::fmt;
use std::hash::{Hash, Hasher};

use sea_orm::sea_query::{Condition, DynIden, Expr, IntoIden};
use sea_orm::{DbBackend, EntityTrait, IdenStatic, Value};

use crate::error::AppError;

/// Who reads, and in which SQL dialect: all that turning a rule or a filter into a
/// condition needs.
#[derive(Clone, Copy, Debug)]
pub struct Reader {
    pub backend: DbBackend,
    pub viewer: Option<i64>,
}

/// An entity served as a GraphQL type: its primary key column, its type name and
/// its filter input.
pub trait Node: EntityTrait<Model: Sync> {
    const ID: Self::Column;
    /// The GraphQL type name, used in error messages and to name generic inputs.
    const NAME: &'static str;
    type Filter: RowFilter + Clone + Eq + Hash + fmt::Debug + 'static;

    /// The rows `viewer` may see, on the table as `at` names it; `None`: all of them.
    fn visible(_at: &At<Self>, _viewer: Option<i64>) -> Option<Condition> {
        None
    }
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
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.as_str().hash(state);
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
