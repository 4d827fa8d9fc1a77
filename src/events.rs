//! What subscriptions hear: a post was published, a comment was added.
//!
//! Events must reach subscribers of every server process, not only the one that ran
//! the mutation. On PostgreSQL a mutation announces its event with `NOTIFY` inside
//! its transaction (so it is sent exactly when the transaction commits, and never
//! for one that rolls back), and every process `LISTEN`s and rebroadcasts what it
//! hears to its own subscribers, the announcing process included. On SQLite and
//! MySQL, where one process serves a database, the event goes straight to the
//! in-process broadcast once the transaction has committed.

use std::sync::Arc;
use std::time::Duration;

use sea_orm::sqlx::postgres::PgListener;
use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement};
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;
use tokio::task::JoinHandle;

/// The PostgreSQL channel events travel on.
const CHANNEL: &str = "blogql_events";

/// Events a slow subscriber may fall behind by before it misses some.
const BACKLOG: usize = 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum Event {
    PostPublished { post_id: i64 },
    CommentAdded { comment_id: i64, post_id: i64 },
}

pub struct Events {
    local: broadcast::Sender<Event>,
    /// Events are announced with NOTIFY and heard back through LISTEN.
    notify: bool,
    listener: Option<JoinHandle<()>>,
}

impl Drop for Events {
    fn drop(&mut self) {
        if let Some(listener) = &self.listener {
            listener.abort();
        }
    }
}

/// An event whose transaction has not committed yet: [`Announcement::committed`]
/// delivers it where NOTIFY did not already.
#[must_use = "deliver the event once the transaction commits"]
#[derive(Default)]
pub struct Announcement {
    event: Option<(Event, broadcast::Sender<Event>)>,
}

impl Announcement {
    pub fn committed(self) {
        if let Some((event, local)) = self.event {
            // No subscriber is not an error.
            let _ = local.send(event);
        }
    }
}

impl Events {
    /// In-process events only (SQLite, MySQL, and tests).
    pub fn local() -> Arc<Self> {
        Arc::new(Events {
            local: broadcast::channel(BACKLOG).0,
            notify: false,
            listener: None,
        })
    }

    /// Events for a server on `database_url`: on PostgreSQL, listening on its own
    /// connection (outside the pool, which it would otherwise hold one of forever).
    pub async fn start(backend: DbBackend, database_url: &str) -> Result<Arc<Self>, DbErr> {
        if backend != DbBackend::Postgres {
            return Ok(Self::local());
        }
        let mut listener = PgListener::connect(database_url)
            .await
            .map_err(|e| DbErr::Conn(sea_orm::RuntimeErr::SqlxError(e.into())))?;
        listener
            .listen(CHANNEL)
            .await
            .map_err(|e| DbErr::Conn(sea_orm::RuntimeErr::SqlxError(e.into())))?;
        let local = broadcast::channel(BACKLOG).0;
        let relay = local.clone();
        let task = tokio::spawn(async move {
            loop {
                match listener.recv().await {
                    Ok(note) => match serde_json::from_str::<Event>(note.payload()) {
                        Ok(event) => {
                            let _ = relay.send(event);
                        }
                        Err(err) => tracing::warn!(%err, "ignoring a malformed event"),
                    },
                    // sqlx reconnects on the next `recv`; events sent meanwhile are lost.
                    Err(err) => {
                        tracing::warn!(%err, "event listener lost its connection");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
            }
        });
        Ok(Arc::new(Events {
            local,
            notify: true,
            listener: Some(task),
        }))
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.local.subscribe()
    }

    /// Announces `event` from inside the transaction `conn` writes in.
    pub async fn announce(
        &self,
        conn: &impl ConnectionTrait,
        event: Event,
    ) -> Result<Announcement, DbErr> {
        if !self.notify {
            return Ok(Announcement {
                event: Some((event, self.local.clone())),
            });
        }
        let payload = serde_json::to_string(&event).unwrap_or_default();
        conn.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_notify($1, $2)",
            [CHANNEL.into(), payload.into()],
        ))
        .await?;
        Ok(Announcement { event: None })
    }
}
