//! What the generic loaders and pagination need to know of an entity, and a column
//! handle that can sit in a batch key.

use std::fmt;
use std::hash::{Hash, Hasher};

use sea_orm::{EntityTrait, IdenStatic, Value};

use sea_orm::sea_query::Condition;

use super::filter::{At, EntityFilter};
use super::types::{
    AuthorFilter, CategoryFilter, CommentFilter, PostFilter, ProfileFilter, TagFilter,
};

/// An entity served as a GraphQL type: its primary key column, its type name and
/// its filter input.
pub trait Node: EntityTrait<Model: Sync> {
    const ID: Self::Column;
    /// The GraphQL type name, used in error messages.
    const NAME: &'static str;
    type Filter: EntityFilter<Entity = Self> + Clone + Eq + Hash + fmt::Debug + 'static;

    /// The rows `viewer` may see, on the table as `at` names it; `None`: all of them.
    fn visible(_at: &At<Self>, _viewer: Option<i64>) -> Option<Condition> {
        None
    }
}

macro_rules! node {
    ($($module:ident => $name:literal, $filter:ty $(, visible: $rule:path)?);* $(;)?) => {$(
        impl Node for entity::$module::Entity {
            const ID: Self::Column = entity::$module::Column::Id;
            const NAME: &'static str = $name;
            type Filter = $filter;
            $(
                fn visible(at: &At<Self>, viewer: Option<i64>) -> Option<Condition> {
                    $rule(at, viewer)
                }
            )?
        }
    )*};
}

node!(
    author => "Author", AuthorFilter;
    profile => "Profile", ProfileFilter;
    category => "Category", CategoryFilter;
    tag => "Tag", TagFilter;
    post => "Post", PostFilter, visible: super::policy::posts;
    comment => "Comment", CommentFilter, visible: super::policy::comments;
);

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
