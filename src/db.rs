//! Database connection: opening the pool, and a per-request handle that counts
//! the SQL statements a request sends (exposed with `--debug-sql` and used by the
//! tests to hold the statement budget of each query exact).

use std::str::FromStr;
use std::sync::Arc;
use std::sync::LazyLock;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tracing::Instrument;

use sea_orm::sea_query::Values;
use sea_orm::sqlx::mysql::MySqlSslMode;
use sea_orm::sqlx::pool::{PoolConnection, PoolConnectionMetadata};
use sea_orm::sqlx::postgres::PgSslMode;
use sea_orm::sqlx::{self, MySql, Postgres};
use sea_orm::{
    ConnAcquireErr, ConnectOptions, ConnectionTrait, Database, DatabaseConnection,
    DatabaseTransaction, DbBackend, DbErr, ExecResult, QueryResult, RuntimeErr, Statement,
    TransactionTrait,
};
use sea_query_sqlx::SqlxValues;
use url::{Host, Url};

/// How the pool behaves under load.
#[derive(Clone, Copy, Debug)]
pub struct PoolSettings {
    pub max_connections: u32,
    /// How long a request waits for a free connection before giving up: a full pool
    /// answers quickly instead of queueing requests without bound.
    pub acquire_timeout: Duration,
    /// PostgreSQL cancels any statement that runs longer (`statement_timeout`).
    pub statement_timeout: Option<Duration>,
    /// PostgreSQL's `random_page_cost` for these sessions (see `config::PageCost`);
    /// `None` keeps the server's.
    pub random_page_cost: Option<f64>,
}

impl PoolSettings {
    /// One connection, for the command line's one-off tasks.
    pub fn single() -> Self {
        PoolSettings {
            max_connections: 1,
            acquire_timeout: Duration::from_secs(30),
            statement_timeout: None,
            random_page_cost: None,
        }
    }
}

/// Opens the pool. A `sqlite:` URL creates its file when missing; a PostgreSQL or
/// MySQL database that is missing is created when the role may (as `sqlx database
/// create` does), and otherwise the error says how to create it.
pub async fn connect(url: &str, pool: PoolSettings) -> Result<DatabaseConnection, DbErr> {
    match open(url, pool).await {
        Err(err) if is_missing_database(&err) => {
            create_database(url).await?;
            open(url, pool).await
        }
        opened => opened,
    }
}

async fn open(url: &str, pool: PoolSettings) -> Result<DatabaseConnection, DbErr> {
    let plain = plain_on_loopback(url);
    let url = sqlite_create_if_missing(url);
    let mut options = ConnectOptions::new(url);
    options
        .max_connections(pool.max_connections)
        .min_connections(1)
        .acquire_timeout(pool.acquire_timeout)
        // Statements are logged by our own request spans; sqlx's per-query log is noise.
        .sqlx_logging(false)
        // See `worth_testing`: sqlx's own test pings on every acquire.
        .test_before_acquire(false);
    options.map_sqlx_postgres_before_acquire(|conn, meta| Box::pin(test_if_worth(conn, meta)));
    options.map_sqlx_mysql_before_acquire(|conn, meta| Box::pin(test_if_worth(conn, meta)));
    // SQLite: write-ahead logging, so that readers never hold a writer's commit up
    // (in the default rollback journal a long read makes a commit wait, and past
    // the busy timeout fail with "database is locked"); writers queue in-process
    // (see `begin_write`), so the busy timeout only covers other processes.
    options.map_sqlx_sqlite_opts(|sqlite| {
        sqlite
            .journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
            .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
            .busy_timeout(SQLITE_BUSY_TIMEOUT)
    });
    options.map_sqlx_sqlite_pool_opts(|pool| {
        pool.after_connect(|conn, _| Box::pin(crate::sqlite_functions::register(conn)))
    });
    // One closure per driver: a second `map_sqlx_*_opts` replaces the first.
    // Session settings go in the start-up packet: no statement per connection.
    let settings: Vec<(&str, String)> = [
        pool.statement_timeout
            .map(|timeout| ("statement_timeout", timeout.as_millis().to_string())),
        pool.random_page_cost
            .map(|cost| ("random_page_cost", cost.to_string())),
    ]
    .into_iter()
    .flatten()
    .collect();
    options.map_sqlx_postgres_opts(move |mut pg| {
        if plain {
            pg = pg.ssl_mode(PgSslMode::Disable);
        }
        if settings.is_empty() {
            pg
        } else {
            pg.options(settings.iter().cloned())
        }
    });
    if plain {
        options.map_sqlx_mysql_opts(|my| my.ssl_mode(MySqlSslMode::Disabled));
    }
    Database::connect(options).await
}

/// Pings a pooled connection before it is lent when [`worth_testing`] says so; a
/// connection that fails is closed and the pool lends another or opens one.
async fn test_if_worth<C: sea_orm::sqlx::Connection>(
    conn: &mut C,
    meta: PoolConnectionMetadata,
) -> Result<bool, sea_orm::sqlx::Error> {
    if worth_testing(meta.idle_for) {
        conn.ping().await?;
    }
    Ok(true)
}

/// A connection idle this long may have been closed by the server, a proxy or a
/// firewall while nobody used it (PgBouncer's `server_check_delay` is the same idea).
const IDLE_CHECK: Duration = Duration::from_secs(1);
/// How long after a lost connection every connection is tested before it is lent.
const SUSPECT_FOR: Duration = Duration::from_secs(10);

/// Until when (milliseconds since [`EPOCH`]) every pooled connection is suspect:
/// one connection found lost (a restart) means its idle siblings likely are too.
/// Process-wide, since a restart takes every pool to that server with it.
static SUSPECT_UNTIL: AtomicU64 = AtomicU64::new(0);
static EPOCH: LazyLock<Instant> = LazyLock::new(Instant::now);

fn now_ms() -> u64 {
    u64::try_from(EPOCH.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// Whether a connection idle for `idle_for` is pinged before it is lent. Not on
/// every acquire, as sqlx's own test does: a ping is a round trip to the server,
/// and sqlx already pings each connection as it comes back to the pool, so
/// testing every lend made each statement cost three round trips instead of two
/// (Q4: nine instead of six, a sixth of its time). Tested are connections left
/// idle long enough to have been dropped, and every connection for a while after
/// any was found lost, so the read retried on one gets a live one.
fn worth_testing(idle_for: Duration) -> bool {
    idle_for >= IDLE_CHECK || now_ms() < SUSPECT_UNTIL.load(Ordering::Relaxed)
}

/// Says that a connection was found lost: see [`worth_testing`].
fn suspect_every_connection() {
    let until = now_ms().saturating_add(u64::try_from(SUSPECT_FOR.as_millis()).unwrap_or(0));
    SUSPECT_UNTIL.fetch_max(until, Ordering::Relaxed);
}

/// Whether to talk to the database without TLS: it is on this machine (a loopback
/// address or `localhost`) and the URL does not say otherwise (`sslmode`,
/// `ssl-mode`). The drivers' default, `prefer`, negotiates TLS with any server that
/// offers it, and on loopback it protects nothing while costing about a tenth of a
/// point lookup's time (Q4 of the reference workload).
fn plain_on_loopback(url: &str) -> bool {
    let Ok(url) = Url::parse(url) else {
        return false;
    };
    let loopback = match url.host() {
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        // `postgres:` and `mysql:` are not special schemes to the URL standard, so
        // their hosts come back as names, addresses included.
        Some(Host::Domain(name)) => {
            name.eq_ignore_ascii_case("localhost")
                || name
                    .trim_start_matches('[')
                    .trim_end_matches(']')
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
        }
        None => false,
    };
    let said = url.query_pairs().any(|(key, _)| {
        key.eq_ignore_ascii_case("sslmode") || key.eq_ignore_ascii_case("ssl-mode")
    });
    loopback && !said
}

/// PostgreSQL's `invalid_catalog_name` (3D000), MySQL's `ER_BAD_DB_ERROR` (1049).
fn is_missing_database(err: &DbErr) -> bool {
    let DbErr::Conn(RuntimeErr::SqlxError(sqlx)) = err else {
        return false;
    };
    sqlx.as_database_error().is_some_and(|db| {
        db.code().as_deref() == Some("3D000")
            || db
                .try_downcast_ref::<sea_orm::sqlx::mysql::MySqlDatabaseError>()
                .is_some_and(|mysql| mysql.number() == 1049)
    })
}

/// Creates the database `url` names, connected to the server's maintenance
/// database (`postgres`) or to none (MySQL). Another process creating it at the
/// same moment is no error.
async fn create_database(url: &str) -> Result<(), DbErr> {
    use sea_orm::sqlx::{mysql::MySqlConnectOptions, postgres::PgConnectOptions};
    let bad_url = |err: &dyn std::fmt::Display| DbErr::Custom(format!("{url}: {err}"));
    let mut server = Url::parse(url).map_err(|err| bad_url(&err))?;
    let postgres = url.starts_with("postgres");
    // sqlx reads the name as it connects: percent-decoded, from the path.
    let name = if postgres {
        let options = PgConnectOptions::from_str(url).map_err(|err| bad_url(&err))?;
        options.get_database().map(str::to_owned)
    } else {
        let options = MySqlConnectOptions::from_str(url).map_err(|err| bad_url(&err))?;
        options.get_database().map(str::to_owned)
    }
    .ok_or_else(|| bad_url(&"the URL names no database"))?;
    let (create, exists_code) = if postgres {
        server.set_path("/postgres");
        let quoted = name.replace('"', "\"\"");
        (format!("CREATE DATABASE \"{quoted}\""), "42P04")
    } else {
        server.set_path("");
        (
            format!("CREATE DATABASE `{}`", name.replace('`', "``")),
            "1007",
        )
    };
    let created = async {
        let admin = Database::connect(server.as_str()).await?;
        let result = admin.execute_unprepared(&create).await;
        admin.close().await.ok();
        result
    }
    .await;
    match created {
        Ok(_) => {
            tracing::info!(database = %name, "created the missing database");
            Ok(())
        }
        Err(err) if error_code(&err).is_some_and(|code| code == exists_code) => Ok(()),
        Err(err) => {
            let how = if postgres {
                format!("`createdb {name}`")
            } else {
                format!("`CREATE DATABASE {name}` as a user who may")
            };
            Err(DbErr::Custom(format!(
                "database `{name}` does not exist and could not be created ({err}); \
                 create it first with {how}, or connect as a role that may create databases"
            )))
        }
    }
}

/// The SQLSTATE (PostgreSQL) or error number (MySQL) of a failed statement.
fn error_code(err: &DbErr) -> Option<String> {
    let (DbErr::Exec(RuntimeErr::SqlxError(sqlx)) | DbErr::Query(RuntimeErr::SqlxError(sqlx))) =
        err
    else {
        return None;
    };
    let db = sqlx.as_database_error()?;
    match db.try_downcast_ref::<sea_orm::sqlx::mysql::MySqlDatabaseError>() {
        Some(mysql) => Some(mysql.number().to_string()),
        None => db.code().map(|code| code.into_owned()),
    }
}

/// How long an SQLite statement waits for another process's lock.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// `sqlite://file.db` becomes `sqlite://file.db?mode=rwc` so a first start creates it.
fn sqlite_create_if_missing(url: &str) -> String {
    if url.starts_with("sqlite:") && !url.contains("mode=") && !url.contains(":memory:") {
        let sep = if url.contains('?') { '&' } else { '?' };
        format!("{url}{sep}mode=rwc")
    } else {
        url.to_owned()
    }
}

/// A connection that counts the statements sent through it: the pool for a
/// request's reads, or one of its transactions (which adds to the same count).
#[derive(Clone, Debug)]
pub struct Counted<C> {
    conn: C,
    statements: Arc<AtomicUsize>,
    /// Write transactions begun: what reads kept for later (joined rows) compare
    /// against, since a write may have changed them.
    writes: Arc<AtomicUsize>,
    /// Reads on the pool are retried once when their connection is lost; inside a
    /// transaction the connection is the transaction, and nothing is retried.
    retry_reads: bool,
    /// The connection a query's reads share, when it has one (see [`Lending`]).
    lending: Option<Arc<Lending>>,
}

/// What a request reads through. Cheap to clone; loaders hold one each.
pub type Db = Counted<DatabaseConnection>;

/// Serialises writers on SQLite (see [`Db::begin_write`]); one per process.
pub type WriteLock = Arc<tokio::sync::Mutex<()>>;

impl Db {
    /// Reads that each take a pooled connection for one statement.
    pub fn new(conn: DatabaseConnection) -> Self {
        Counted {
            conn,
            statements: Arc::new(AtomicUsize::new(0)),
            writes: Arc::new(AtomicUsize::new(0)),
            retry_reads: true,
            lending: None,
        }
    }

    /// Reads that share one pooled connection, on PostgreSQL and MySQL, until
    /// [`Db::give_back`]: for a query, which never begins a write (see [`Lending`]).
    pub fn lending(conn: DatabaseConnection) -> Self {
        let lending = matches!(
            conn.get_database_backend(),
            DbBackend::Postgres | DbBackend::MySql
        )
        .then(|| {
            Arc::new(Lending {
                pool: conn.clone(),
                lent: tokio::sync::Mutex::new(None),
            })
        });
        Counted {
            lending,
            ..Db::new(conn)
        }
    }

    /// Returns the shared connection to the pool, if one was taken; a later read
    /// takes one again.
    pub fn give_back(&self) {
        if let Some(lending) = &self.lending
            && let Ok(mut lent) = lending.lent.try_lock()
        {
            lent.take();
        }
    }

    /// Starts a write transaction. On SQLite it first takes the process's write
    /// lock: SQLite has one writer at a time, and two transactions that both read
    /// and then write would otherwise fail with "database is locked".
    pub async fn begin_write(&self, writes: &WriteLock) -> Result<Txn, DbErr> {
        let lock = match self.get_database_backend() {
            DbBackend::Sqlite => Some(writes.clone().lock_owned().await),
            _ => None,
        };
        self.count();
        self.writes.fetch_add(1, Ordering::Relaxed);
        let txn = self.conn.begin().await.inspect_err(|err| {
            if crate::error::is_connection_lost(err) {
                suspect_every_connection();
            }
        })?;
        Ok(Txn {
            conn: Some(Counted {
                conn: txn,
                statements: self.statements.clone(),
                writes: self.writes.clone(),
                retry_reads: false,
                lending: None,
            }),
            lock,
        })
    }
}

/// A write transaction. Dropped without [`Txn::commit`] (an error returned early,
/// or the request cancelled), it rolls back: nothing is partly written.
pub struct Txn {
    /// Taken only by `commit` and `drop`, which both end the `Txn`.
    conn: Option<Counted<DatabaseTransaction>>,
    lock: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl Txn {
    /// The connection to run the transaction's statements on.
    pub fn conn(&self) -> &Counted<DatabaseTransaction> {
        match &self.conn {
            Some(conn) => conn,
            None => unreachable!("a transaction's connection is there until it ends"),
        }
    }

    pub async fn commit(mut self) -> Result<(), DbErr> {
        let Some(conn) = self.conn.take() else {
            return Ok(());
        };
        conn.count();
        conn.conn.commit().await
    }
}

impl Drop for Txn {
    /// The rollback is awaited before the SQLite write lock goes: dropped at once,
    /// the next writer would begin while this connection still holds the
    /// database's write lock, and wait on it or fail with "database is locked".
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else {
            return;
        };
        let lock = self.lock.take();
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                if let Err(err) = conn.conn.rollback().await {
                    tracing::warn!(error = %err, "rolling back a cancelled write");
                }
                drop(lock);
            });
        }
    }
}

impl<C> Counted<C> {
    /// How many statements went through this handle so far.
    pub fn statement_count(&self) -> usize {
        self.statements.load(Ordering::Relaxed)
    }

    /// How many write transactions began through this handle so far.
    pub fn writes_begun(&self) -> usize {
        self.writes.load(Ordering::Relaxed)
    }

    fn count(&self) {
        self.statements.fetch_add(1, Ordering::Relaxed);
    }

    /// Whether a read that failed with `err` is tried once more: on the pool, when
    /// the connection was lost (a restart), since the pool then lends only tested
    /// connections (see [`worth_testing`]) and a read changes nothing.
    fn retries(&self, err: &DbErr) -> bool {
        // A full pool is not a lost connection: waiting twice would not help.
        let full = matches!(
            err,
            DbErr::ConnectionAcquire(sea_orm::ConnAcquireErr::Timeout)
        );
        let lost = !full && crate::error::is_connection_lost(err);
        if lost {
            suspect_every_connection();
        }
        let retry = self.retry_reads && lost;
        if retry {
            tracing::warn!(error = %err, "connection lost during a read; retrying once");
        }
        retry
    }
}

#[async_trait::async_trait]
impl<C: ConnectionTrait + Send + Sync> ConnectionTrait for Counted<C> {
    fn get_database_backend(&self) -> DbBackend {
        self.conn.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.count();
        let span = self.span(&stmt.sql);
        self.conn.execute_raw(stmt).instrument(span).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.count();
        self.conn
            .execute_unprepared(sql)
            .instrument(self.span(sql))
            .await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        let span = self.span(&stmt.sql);
        self.query_one_counted(stmt).instrument(span).await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        let span = self.span(&stmt.sql);
        self.query_all_counted(stmt).instrument(span).await
    }

    fn support_returning(&self) -> bool {
        self.conn.support_returning()
    }
}

impl<C: ConnectionTrait + Send + Sync> Counted<C> {
    /// A span per statement, under the loader batch that sends it (see `traces`).
    fn span(&self, sql: &str) -> tracing::Span {
        let system = match self.conn.get_database_backend() {
            DbBackend::Postgres => "postgresql",
            DbBackend::MySql => "mysql",
            _ => "sqlite",
        };
        tracing::debug_span!(
            "sql",
            otel.kind = "client",
            db.system.name = system,
            db.query.text = sql
        )
    }

    async fn query_one_counted(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.count();
        let read = match &self.lending {
            Some(lending) => {
                (lending.query(stmt.clone(), true).await).map(|rows| rows.into_iter().next())
            }
            None => self.conn.query_one_raw(stmt.clone()).await,
        };
        // A retry takes a connection of its own: the lent one failed and went back.
        match read {
            Err(err) if self.retries(&err) => {
                self.count();
                self.conn.query_one_raw(stmt).await
            }
            done => done,
        }
    }

    async fn query_all_counted(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.count();
        let read = match &self.lending {
            Some(lending) => lending.query(stmt.clone(), false).await,
            None => self.conn.query_all_raw(stmt.clone()).await,
        };
        match read {
            Err(err) if self.retries(&err) => {
                self.count();
                self.conn.query_all_raw(stmt).await
            }
            done => done,
        }
    }
}

/// One pooled connection that a query's reads share, taken at its first statement
/// and given back when the query has its answer. sqlx pings every connection that
/// comes back to the pool (a round trip, to find one a cancelled statement left
/// mid-answer), so a connection per statement made each statement two round
/// trips, and the server woke twice: Q4's three statements were six. Statements
/// share it one at a time. Only for queries: a request that holds one connection
/// and waits for a second (a write's transaction) could wait on every other such
/// request once the pool is empty. Only PostgreSQL and MySQL: SQLite's ping is a
/// message to a thread of this process, no round trip.
#[derive(Debug)]
pub struct Lending {
    pool: DatabaseConnection,
    lent: tokio::sync::Mutex<Option<Lent>>,
}

#[derive(Debug)]
enum Lent {
    Postgres(PoolConnection<Postgres>),
    MySql(PoolConnection<MySql>),
}

impl Lending {
    /// The rows of `stmt`; with `one`, only its first, as SeaORM's `query_one`
    /// reads (the rest are never decoded).
    async fn query(&self, stmt: Statement, one: bool) -> Result<Vec<QueryResult>, DbErr> {
        let mut lent = self.lent.lock().await;
        let mut conn = match lent.take() {
            Some(conn) => conn,
            None => self.acquire().await?,
        };
        let read = conn.fetch(stmt, one).await;
        // A connection whose statement failed goes back to the pool, which tests it.
        if read.is_ok() {
            *lent = Some(conn);
        }
        read.map_err(|err| DbErr::Query(RuntimeErr::SqlxError(Arc::new(err))))
    }

    async fn acquire(&self) -> Result<Lent, DbErr> {
        let _waiting = crate::metrics::Open::waiting_for_connection();
        let acquired = match self.pool.get_database_backend() {
            DbBackend::Postgres => self
                .pool
                .get_postgres_connection_pool()
                .acquire()
                .await
                .map(Lent::Postgres),
            _ => self
                .pool
                .get_mysql_connection_pool()
                .acquire()
                .await
                .map(Lent::MySql),
        };
        // The errors SeaORM's own acquire gives, which the callers tell apart.
        acquired.map_err(|err| match err {
            sqlx::Error::PoolTimedOut => DbErr::ConnectionAcquire(ConnAcquireErr::Timeout),
            sqlx::Error::PoolClosed => DbErr::ConnectionAcquire(ConnAcquireErr::ConnectionClosed),
            err => DbErr::Conn(RuntimeErr::SqlxError(Arc::new(err))),
        })
    }
}

impl Lent {
    async fn fetch(&mut self, stmt: Statement, one: bool) -> Result<Vec<QueryResult>, sqlx::Error> {
        let sql = sqlx::AssertSqlSafe(stmt.sql);
        let values = SqlxValues(stmt.values.unwrap_or(Values(Vec::new())));
        // The same calls on each driver's connection type.
        macro_rules! fetch {
            ($conn:expr) => {{
                let query = sqlx::query_with(sql, values);
                if one {
                    let row = query.fetch_optional(&mut **$conn).await?;
                    row.into_iter().map(QueryResult::from).collect()
                } else {
                    let rows = query.fetch_all(&mut **$conn).await?;
                    rows.into_iter().map(QueryResult::from).collect()
                }
            }};
        }
        Ok(match self {
            Lent::Postgres(conn) => fetch!(conn),
            Lent::MySql(conn) => fetch!(conn),
        })
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::{
        plain_on_loopback, sqlite_create_if_missing, suspect_every_connection, worth_testing,
    };

    /// A connection in steady use is lent untested; one left idle, or any after a
    /// lost connection was seen, is pinged first.
    #[test]
    fn only_idle_or_suspect_connections_are_tested_before_they_are_lent() {
        assert!(worth_testing(Duration::from_secs(5)));
        assert!(!worth_testing(Duration::from_millis(3)));
        suspect_every_connection();
        assert!(worth_testing(Duration::from_millis(3)));
    }

    #[test]
    fn tls_is_left_out_only_on_loopback_and_only_when_the_url_is_silent() {
        for url in [
            "postgres://postgres@127.0.0.1:5432/test",
            "postgres://u@localhost/db",
            "mysql://root@[::1]:3306/test",
        ] {
            assert!(plain_on_loopback(url), "{url}");
        }
        for url in [
            "postgres://u@db.example.com/db",
            "postgres://u@10.0.0.5/db",
            "postgres://u@127.0.0.1/db?sslmode=require",
            "mysql://root@localhost/test?ssl-mode=REQUIRED",
            "sqlite://blogql.db",
        ] {
            assert!(!plain_on_loopback(url), "{url}");
        }
    }

    #[test]
    fn sqlite_urls_create_their_file() {
        assert_eq!(
            sqlite_create_if_missing("sqlite://blogql.db"),
            "sqlite://blogql.db?mode=rwc"
        );
        assert_eq!(
            sqlite_create_if_missing("sqlite://a.db?mode=ro"),
            "sqlite://a.db?mode=ro"
        );
        assert_eq!(sqlite_create_if_missing("postgres://x/y"), "postgres://x/y");
    }
}
