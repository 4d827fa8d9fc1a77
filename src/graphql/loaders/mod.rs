//! Batched loading of every relation: one generic loader per relation *kind*,
//! parameterised by entity and relation (the columns sit in the key), never one per
//! field. All keys of one kind and entity that a query level asks for arrive in one
//! batch; keys are grouped by the arguments that change the SQL, and each group costs
//! one statement.
//!
//! Loaders are made per request (no cache crosses requests or viewers), and they
//! cache nothing within a request either: a batch only merges identical keys. The
//! one thing kept is the to-one rows a statement joined (`graphql::joins`), and
//! only until the request begins a write or signs someone in, so a read after a
//! write in the same request sees the write.

pub mod aggregate;
mod by_id;
mod count;
mod has_many;
mod has_one;
pub mod keys;
mod parents;
mod through;

use std::collections::HashMap;
use std::future::{Future, poll_fn};
use std::hash::Hash;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use async_graphql::dataloader::DataLoader;
use futures_util::StreamExt;
use futures_util::future::BoxFuture;
use futures_util::stream::FuturesUnordered;
use tokio::sync::mpsc;

use sea_orm::ConnectionTrait;

use crate::auth::Identity;
use crate::db::Db;
use crate::graphql::core::{Fanout, JoinedKey, JoinedRow, Node, Reader, Reads};
use crate::graphql::joins::{JoinedRows, Joins, Plans, Stamp};

pub use keys::{ById, CountOf, CountThrough, HasOneOf, Linked, PageOf, ThroughPage};

/// The most keys one batch takes. A level of a query larger than this (a page of
/// 100 parents each with 100 children already is 10,000) is split into batches.
const MAX_BATCH: usize = 10_000;

/// The loader state of one request: its counted connection, and who reads (every
/// loader applies the visibility rules of [`crate::graphql::policy`]).
pub struct Loaders {
    db: Db,
    /// Read at each batch: a `login` in a mutation changes who reads after it.
    identity: Arc<Identity>,
    /// What the operation selects: the columns its statements leave out.
    reads: Reads,
    plans: Plans,
    joined: Arc<JoinedRows>,
}

impl Loaders {
    fn parents<'a>(&self, keys: &'a [i64]) -> parents::Parents<'a> {
        parents::Parents {
            keys,
            backend: self.db.get_database_backend(),
            fanout: Fanout::Many,
        }
    }

    fn reader(&self) -> Reader {
        Reader {
            backend: self.db.get_database_backend(),
            viewer: self.identity.get().viewer(),
            reads: self.reads,
        }
    }

    /// What rows read now are read under.
    pub fn stamp(&self) -> Stamp {
        Stamp {
            writes: self.db.writes_begun(),
            viewer: self.identity.get().viewer(),
        }
    }

    /// The row of `T` an earlier statement of the request joined for `key`, if
    /// it is still current.
    pub fn joined<T: Node>(&self, key: JoinedKey) -> Option<Option<T::Model>> {
        self.joined.find::<T>(self.stamp(), key)
    }

    /// The count a statement selected for `key`, if one did and it is current.
    pub fn joined_count(&self, key: JoinedKey) -> Option<i64> {
        self.joined.count(self.stamp(), key)
    }

    /// Keeps rows joined by a statement that began under `stamp`.
    pub fn keep(&self, stamp: Stamp, rows: Vec<JoinedRow>) {
        self.joined.keep(stamp, rows);
    }

    /// Has the batches of keys `K` join what a field's selection reads.
    pub fn plan<K: 'static>(&self, joins: Joins) {
        self.plans.ask::<K>(joins);
    }

    fn joins<K: 'static>(&self) -> Joins {
        self.plans.of::<K>()
    }
}

pub type RequestLoader = DataLoader<Loaders>;

/// A page as a loader hands it out. The DataLoader clones every value for the field
/// that waits on it; shared, that clone is a count, and the field, by then its
/// only holder, takes the page back whole with [`take`] (Q1 cloned 2,500 tags).
pub type Shared<T> = Arc<T>;

/// The value of a [`Shared`], moved out when nothing else holds it.
pub fn take<T: Clone>(shared: Shared<T>) -> T {
    Arc::try_unwrap(shared).unwrap_or_else(|shared| T::clone(&shared))
}

/// A fresh loader for one request, and the driver that runs its batches.
pub fn request_loader(
    db: Db,
    identity: Arc<Identity>,
    joined: Arc<JoinedRows>,
    reads: Reads,
) -> (RequestLoader, LoadDriver) {
    let (queue, batches) = mpsc::unbounded_channel();
    let spawn = move |batch| {
        // The driver outlives every load of its request; a send can only fail after.
        let _ = queue.send(batch);
    };
    let loaders = Loaders {
        db,
        identity,
        reads,
        plans: Plans::default(),
        joined,
    };
    let loader = DataLoader::new(loaders, spawn)
        .delay(Duration::ZERO)
        .max_batch_size(MAX_BATCH);
    (loader, LoadDriver { batches })
}

/// Runs a request's batch loads on the request's own task, starting a batch only
/// once the request has registered every key it can.
///
/// The DataLoader closes a batch when a timer fires. Spawned on the runtime, that
/// timer races the resolvers, and a level of thousands of rows, whose resolvers
/// yield to the scheduler now and then (`FuturesUnordered` does), is split over
/// several statements. Here a new batch waits while the request keeps waking
/// itself, i.e. while it still has resolvers to run; batches already started are
/// driven all along. So each level costs one statement however large it is.
pub struct LoadDriver {
    batches: mpsc::UnboundedReceiver<BoxFuture<'static, ()>>,
}

impl LoadDriver {
    pub async fn run<F: Future>(mut self, request: F) -> F::Output {
        let mut request = pin!(request);
        let mut waiting: Vec<BoxFuture<'static, ()>> = Vec::new();
        let mut running = FuturesUnordered::new();
        poll_fn(|cx| {
            let (out, busy) = poll_watching_self_wakes(request.as_mut(), cx);
            if let Poll::Ready(out) = out {
                return Poll::Ready(out);
            }
            while let Poll::Ready(Some(batch)) = self.batches.poll_recv(cx) {
                waiting.push(batch);
            }
            if !busy {
                running.extend(waiting.drain(..));
            }
            // A finished batch wakes the request; keep driving the others meanwhile.
            while let Poll::Ready(Some(())) = running.poll_next_unpin(cx) {}
            Poll::Pending
        })
        .await
    }
}

impl LoadDriver {
    /// Runs batches as they come, for as long as any loader of this request lives:
    /// for a subscription, whose events resolve one at a time, long after the
    /// subscribe request itself.
    pub async fn serve(mut self) {
        let mut running = FuturesUnordered::new();
        loop {
            tokio::select! {
                batch = self.batches.recv() => match batch {
                    Some(batch) => running.push(batch),
                    None => break,
                },
                Some(()) = running.next(), if !running.is_empty() => {}
            }
        }
        while running.next().await.is_some() {}
    }
}

/// Polls `fut` and tells whether it woke its own task while being polled (it
/// yielded with work left), as opposed to waiting for something outside.
fn poll_watching_self_wakes<F: Future>(
    fut: std::pin::Pin<&mut F>,
    cx: &mut Context<'_>,
) -> (Poll<F::Output>, bool) {
    let flag = Arc::new(WakeFlag {
        woken: AtomicBool::new(false),
        task: cx.waker().clone(),
    });
    let waker = Waker::from(Arc::clone(&flag));
    let out = fut.poll(&mut Context::from_waker(&waker));
    (out, flag.woken.load(Ordering::Acquire))
}

struct WakeFlag {
    woken: AtomicBool,
    task: Waker,
}

impl Wake for WakeFlag {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::Release);
        self.task.wake_by_ref();
    }
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
