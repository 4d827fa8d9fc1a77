//! Building and running the application: bind, connect, migrate, load the demo
//! data, serve until a shutdown signal.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use migration::{Migrator, MigratorTrait};
use sea_orm::{DatabaseConnection, DbErr, EntityTrait, PaginatorTrait};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use crate::graphql::literals::TypeIndex;

use crate::auth::Keys;
use crate::config::Config;
use crate::events::Events;
use crate::executor::{Executor, ParsedDocuments, PersistedQueries};
use crate::graphql::build_schema;
use crate::http::{AppState, router};
use crate::media::Media;
use crate::{db, seed};

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("database: {0}")]
    Database(#[from] DbErr),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
}

pub struct Application {
    listener: TcpListener,
    state: AppState,
    /// Told when shutdown starts, so that subscription sockets close at once.
    stopping: tokio::sync::watch::Sender<bool>,
}

impl Application {
    /// Binds the listener, then connects (creating the database if it is missing),
    /// applies pending migrations and loads the demo data into an empty database
    /// (unless turned off). The port comes first: a server that cannot listen
    /// leaves no database file, migration or demo data behind.
    pub async fn build(config: Config) -> Result<Self, StartupError> {
        // The recorder is in place before the first request records anything.
        crate::metrics::handle();
        let addr = format!("{}:{}", config.http.host, config.http.port);
        let listener = TcpListener::bind(&addr)
            .await
            .map_err(|source| StartupError::Bind { addr, source })?;
        let pool = db::PoolSettings {
            max_connections: config.pool.max_connections,
            acquire_timeout: config.pool.acquire_timeout.0,
            statement_timeout: Some(config.pool.statement_timeout.0),
            random_page_cost: config.pool.random_page_cost.0,
        };
        let conn = db::connect(&config.database_url, pool).await?;
        Migrator::up(&conn, None).await?;
        if !config.no_demo && is_empty(&conn).await? {
            seed::demo::load(&conn).await?;
            tracing::info!("loaded the demo data set into the empty database");
        }
        let keys = Arc::new(Keys::new(
            config.auth.jwt_secret.as_deref(),
            config.auth.token_ttl.0,
        ));
        let events = Events::start(conn.get_database_backend(), &config.database_url).await?;
        let (stopping, stop) = tokio::sync::watch::channel(false);
        let executor = Executor {
            schema: build_schema(
                config.limits,
                config.query_limits,
                keys.clone(),
                events,
                Arc::new(Media::new(&config.media)),
                config.http.production,
            ),
            db: conn.clone(),
            writes: Default::default(),
            debug_sql: config.debug_sql,
            document_limits: config.document_limits,
            max_page_size: config.limits.max_size,
            types: TypeIndex::from_sdl(&crate::graphql::sdl()),
            persisted: PersistedQueries::new(config.apq),
            documents: ParsedDocuments::new(config.document_cache),
            running: Arc::new(Semaphore::new(config.http.max_concurrent_operations)),
        };
        let state = AppState {
            executor: Arc::new(executor),
            db: conn,
            keys,
            config: Arc::new(config),
            stopping: stop,
        };
        Ok(Application {
            listener,
            state,
            stopping,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], self.state.config.http.port)))
    }

    pub fn port(&self) -> u16 {
        self.local_addr().port()
    }

    /// Serves until Ctrl-C or SIGTERM, letting requests in flight finish.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.run_until(shutdown_signal()).await
    }

    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        tracing::info!(addr = %self.local_addr(), "blogql listening; GraphiQL at /");
        let app = router(self.state.clone());
        let stopping = self.stopping;
        // Upgraded sockets are not the graceful shutdown's to wait for: each closes
        // itself (1001) when told, while HTTP requests in flight run to their end.
        let shutdown = async move {
            shutdown.await;
            stopping.send_replace(true);
        };
        axum::serve(self.listener, app)
            .with_graceful_shutdown(shutdown)
            .await?;
        self.state.db.close().await.ok();
        Ok(())
    }
}

async fn is_empty(conn: &DatabaseConnection) -> Result<bool, DbErr> {
    Ok(entity::author::Entity::find().count(conn).await? == 0)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut sig) => {
                sig.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
