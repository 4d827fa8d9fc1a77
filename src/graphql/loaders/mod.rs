//! Batched loading of every relation: one generic loader per relation *kind*,
//! parameterised by entity and relation (the columns sit in the key), never one per
//! field. All keys of one kind and entity that a query level asks for arrive in one
//! batch; keys are grouped by the arguments that change the SQL, and each group costs
//! one statement.
//!
//! Loaders are made per request (no cache crosses requests or viewers), and they
//! cache nothing within a request either: a batch only merges identical keys, so a
//! read after a write in the same request sees the write.

mod by_id;
mod count;
mod has_many;
mod has_one;
pub mod keys;
mod through;
mod window;

use std::collections::HashMap;
use std::hash::Hash;

use async_graphql::dataloader::DataLoader;

use crate::db::Db;

pub use keys::{ById, CountOf, HasOneOf, PageOf, ThroughPage};

/// The most keys one batch takes. A level of a query larger than this (a page of
/// 100 parents each with 100 children already is 10,000) is split into batches.
const MAX_BATCH: usize = 10_000;

/// The loader state of one request: the request's counted connection.
pub struct Loaders {
    db: Db,
}

pub type RequestLoader = DataLoader<Loaders>;

/// A fresh loader for one request.
pub fn request_loader(db: Db) -> RequestLoader {
    DataLoader::new(Loaders { db }, tokio::spawn).max_batch_size(MAX_BATCH)
}

/// Groups keys by what their SQL shares, keeping each group's parents in first-seen order.
fn group<K, G: Hash + Eq, T: PartialEq>(
    keys: &[K],
    split: impl Fn(&K) -> (G, T),
) -> HashMap<G, Vec<T>> {
    let mut groups: HashMap<G, Vec<T>> = HashMap::new();
    for key in keys {
        let (group, item) = split(key);
        let items = groups.entry(group).or_default();
        if !items.contains(&item) {
            items.push(item);
        }
    }
    groups
}
