//! Batch keys, one type per relation kind. The relation's columns and every argument
//! that changes the SQL (ordering, page size, cursors) are part of the key, so
//! differently-paged siblings never share a wrong batch.

use std::marker::PhantomData;
use std::sync::Arc;

use sea_orm::EntityTrait;

use crate::graphql::core::{Col, Fanout, Node, key_traits};
use crate::graphql::pagination::PageRequest;

/// Belongs-to (and lookups by id): the row of `E` with this primary key.
pub struct ById<E: EntityTrait> {
    pub id: i64,
    pub entity: PhantomData<fn() -> E>,
}
key_traits!(ById<E: EntityTrait> { id, entity });

impl<E: EntityTrait> ById<E> {
    pub fn new(id: i64) -> Self {
        ById {
            id,
            entity: PhantomData,
        }
    }
}

/// Has-one: the row of `E` whose unique `fk` is `parent`.
pub struct HasOneOf<E: EntityTrait> {
    pub fk: Col<E>,
    pub parent: i64,
}
key_traits!(HasOneOf<E: EntityTrait> { fk, parent });

/// Has-many: one page of the rows of `E` whose `fk` is `parent`.
pub struct PageOf<E: Node> {
    pub fk: Col<E>,
    pub parent: i64,
    pub page: PageRequest<E>,
}
key_traits!(PageOf<E: Node> { fk, parent, page });

/// Many-to-many: one page of the rows of `E` joined to `parent` through the join
/// table `J` (`from` points at the parent, `to` at `E`), with their join rows.
pub struct ThroughPage<E: Node, J: EntityTrait> {
    pub from: Col<J>,
    pub to: Col<J>,
    /// How many rows of `E` one parent typically has: how a page is cut.
    pub fanout: Fanout,
    pub parent: i64,
    pub page: PageRequest<E>,
}
key_traits!(ThroughPage<E: Node, J: EntityTrait> { from, to, fanout, parent, page });

/// A row reached through a join table, with the join row that links it.
pub type Linked<E, J> = (<E as EntityTrait>::Model, <J as EntityTrait>::Model);

/// Count: how many rows of `E` have `fk = parent` and pass the filter.
pub struct CountOf<E: Node> {
    pub fk: Col<E>,
    pub parent: i64,
    pub filter: Option<Arc<E::Filter>>,
}
key_traits!(CountOf<E: Node> { fk, parent, filter });

/// Count through a join table: how many rows of `E` are linked to `parent`
/// (`from` points at the parent, `to` at `E`) and pass the filter.
pub struct CountThrough<E: Node, J: EntityTrait> {
    pub from: Col<J>,
    pub to: Col<J>,
    pub parent: i64,
    pub filter: Option<Arc<E::Filter>>,
}
key_traits!(CountThrough<E: Node, J: EntityTrait> { from, to, parent, filter });
