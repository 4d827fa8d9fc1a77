//! Test harness: a fresh database per test on every backend under test, the real
//! server in front of it, and GraphQL over HTTP.
//!
//! Backends come from `BLOGQL_TEST_BACKENDS` (default `sqlite,postgres,mysql`). The
//! server URLs for PostgreSQL and MySQL/MariaDB come from `BLOGQL_TEST_POSTGRES_URL`
//! and `BLOGQL_TEST_MYSQL_URL` (default: the local servers); each test creates its
//! own database there and drops it afterwards. A listed backend that cannot be
//! reached fails the test: a skipped backend would prove nothing.

use std::sync::atomic::{AtomicU32, Ordering};

use blogql::config::Config;
use blogql::startup::Application;
use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use serde_json::{Value, json};
use tokio::sync::oneshot;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
    Mysql,
}

pub fn backends() -> Vec<Backend> {
    let list = std::env::var("BLOGQL_TEST_BACKENDS")
        .unwrap_or_else(|_| "sqlite,postgres,mysql".to_owned());
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|name| match name {
            "sqlite" => Backend::Sqlite,
            "postgres" | "postgresql" => Backend::Postgres,
            "mysql" | "mariadb" => Backend::Mysql,
            other => panic!("unknown backend {other:?} in BLOGQL_TEST_BACKENDS"),
        })
        .collect()
}

/// Whether `BLOGQL_TEST_BACKENDS` names this backend. A test generated for a backend
/// left out passes at once; a backend that is named but cannot be reached fails.
pub fn listed(backend: Backend) -> bool {
    backends().contains(&backend)
}

/// `#[apply(each_backend)]` runs a test that takes `#[case] backend: Backend` once
/// per backend, each named for it (`accounts::register::case_1_sqlite`), so a failing
/// backend neither hides the others nor goes unnamed.
#[rstest_reuse::template]
#[rstest::rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[case::mysql(Backend::Mysql)]
pub fn each_backend(#[case] backend: Backend) {}

/// A database made for one test, dropped when the test ends (even if it fails).
pub struct TestDb {
    pub backend: Backend,
    pub url: String,
    pub name: String,
}

static NEXT_DB: AtomicU32 = AtomicU32::new(0);

fn server_url(backend: Backend) -> String {
    match backend {
        Backend::Sqlite => String::new(),
        Backend::Postgres => std::env::var("BLOGQL_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".to_owned()),
        Backend::Mysql => std::env::var("BLOGQL_TEST_MYSQL_URL")
            .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306".to_owned()),
    }
}

/// The database holding the server's catalog, to create and drop test databases from.
pub fn admin_url(backend: Backend) -> String {
    match backend {
        Backend::Sqlite => String::new(),
        Backend::Postgres => format!("{}/postgres", server_url(backend)),
        Backend::Mysql => format!("{}/mysql", server_url(backend)),
    }
}

impl TestDb {
    pub async fn create(backend: Backend) -> TestDb {
        let db = TestDb::unmade(backend);
        if backend != Backend::Sqlite {
            let admin = sea_orm::Database::connect(admin_url(backend))
                .await
                .unwrap_or_else(|e| {
                    panic!(
                        "{backend:?} is not reachable at {}: {e}",
                        server_url(backend)
                    )
                });
            admin
                .execute_unprepared(&format!("CREATE DATABASE {}", db.name))
                .await
                .expect("create the test database");
            admin.close().await.ok();
        }
        db
    }

    /// A database name of this test's own, not created (yet): dropped all the same
    /// if something creates it.
    pub fn unmade(backend: Backend) -> TestDb {
        let name = format!(
            "blogql_t{}_{}_{}",
            std::process::id(),
            NEXT_DB.fetch_add(1, Ordering::Relaxed),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.subsec_nanos())
                .unwrap_or(0)
        );
        let url = match backend {
            Backend::Sqlite => format!("sqlite://{}", Self::sqlite_path(&name).display()),
            Backend::Postgres | Backend::Mysql => format!("{}/{name}", server_url(backend)),
        };
        TestDb { backend, url, name }
    }

    fn sqlite_path(name: &str) -> std::path::PathBuf {
        std::env::temp_dir().join(format!("{name}.db"))
    }

    /// Whether the database (the SQLite file) exists.
    pub async fn exists(&self) -> bool {
        let sql = match self.backend {
            Backend::Sqlite => return Self::sqlite_path(&self.name).exists(),
            Backend::Postgres => format!(
                "SELECT COUNT(*) FROM pg_database WHERE datname = '{}'",
                self.name
            ),
            Backend::Mysql => format!(
                "SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = '{}'",
                self.name
            ),
        };
        let admin = sea_orm::Database::connect(admin_url(self.backend))
            .await
            .expect("admin connection");
        let found = ints(&admin, &sql).await;
        admin.close().await.ok();
        found == [Some(1)]
    }

    /// Drops the database now, while the server still uses it.
    pub async fn drop_now(&self) {
        let admin = sea_orm::Database::connect(admin_url(self.backend))
            .await
            .expect("admin connection");
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        admin
            .execute_unprepared(&sql)
            .await
            .expect("drop the database");
        admin.close().await.ok();
    }

    /// A direct connection, to arrange rows or check what a request left behind.
    pub async fn connect(&self) -> DatabaseConnection {
        blogql::db::connect(
            &self.url,
            blogql::db::PoolSettings {
                max_connections: 2,
                ..blogql::db::PoolSettings::single()
            },
        )
        .await
        .expect("connect to the test database")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let (backend, name) = (self.backend, self.name.clone());
        if backend == Backend::Sqlite {
            let path = Self::sqlite_path(&name);
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
            return;
        }
        // Drop runs inside the test's runtime; a thread with its own runtime may block.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime for cleanup");
            rt.block_on(async move {
                if let Ok(admin) = sea_orm::Database::connect(admin_url(backend)).await {
                    let sql = match backend {
                        Backend::Postgres => format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
                        _ => format!("DROP DATABASE IF EXISTS {name}"),
                    };
                    let _ = admin.execute_unprepared(&sql).await;
                    let _ = admin.close().await;
                }
            });
        })
        .join();
    }
}

/// What a test database starts with.
#[derive(Clone, Copy, Debug)]
pub enum Fixture {
    /// The demo data set the server loads into an empty database.
    Demo,
    /// The benchmark data set with this many authors.
    Bench(u32),
}

/// The running server of one test.
pub struct TestApp {
    pub backend: Backend,
    pub base: String,
    pub client: reqwest::Client,
    /// Dropped after the server, so the database outlives it.
    pub db: TestDb,
    /// The server's media folder, of this test's own (removed on drop).
    pub media: std::path::PathBuf,
    /// The bearer token requests carry, once signed in.
    token: Option<String>,
    shutdown: Option<oneshot::Sender<()>>,
    server: tokio::task::JoinHandle<()>,
}

impl TestApp {
    pub async fn spawn(backend: Backend, fixture: Fixture) -> TestApp {
        Self::spawn_with(backend, fixture, |_| {}).await
    }

    /// Starts the server after `configure` adjusts its settings.
    pub async fn spawn_with(
        backend: Backend,
        fixture: Fixture,
        configure: impl FnOnce(&mut Config),
    ) -> TestApp {
        let db = TestDb::create(backend).await;
        let mut config = Config::new(db.url.clone());
        let media = std::env::temp_dir().join(format!("{}-media", db.name));
        config.media.media_dir = media.clone();
        config.debug_sql = true;
        config.pool.max_connections = 4;
        match fixture {
            Fixture::Demo => config.no_demo = false,
            Fixture::Bench(authors) => {
                config.no_demo = true;
                let conn = db.connect().await;
                Migrator::up(&conn, None).await.expect("migrate");
                blogql::seed::bench::data(authors)
                    .insert(&conn)
                    .await
                    .expect("seed the benchmark data");
                conn.close().await.ok();
            }
        }
        configure(&mut config);
        let app = Application::build(config).await.expect("start the server");
        let base = format!("http://{}", app.local_addr());
        let (tx, rx) = oneshot::channel();
        let server = tokio::spawn(async move {
            app.run_until(async {
                let _ = rx.await;
            })
            .await
            .expect("server ran");
        });
        TestApp {
            backend,
            base,
            client: reqwest::Client::new(),
            db,
            media,
            token: None,
            shutdown: Some(tx),
            server,
        }
    }

    /// GETs a path of the server.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("GET")
    }

    /// Signs in as `username` (generated authors' password is `blogql-demo`):
    /// later requests carry the token.
    pub async fn sign_in(&mut self, username: &str) {
        self.sign_in_with(username, "blogql-demo").await;
    }

    pub async fn sign_in_with(&mut self, username: &str, password: &str) {
        self.token = None;
        self.token = Some(self.login_with(username, password).await);
    }

    /// A token for `username` (password `blogql-demo`), leaving this client's own as it is.
    pub async fn login(&self, username: &str) -> String {
        self.login_with(username, "blogql-demo").await
    }

    async fn login_with(&self, username: &str, password: &str) -> String {
        let body = self
            .request(
                "mutation($u: String!, $p: String!) { login(usernameOrEmail: $u, password: $p) { token } }",
                json!({ "u": username, "p": password }),
            )
            .await;
        body["data"]["login"]["token"]
            .as_str()
            .unwrap_or_else(|| panic!("login as {username}: {body}"))
            .to_owned()
    }

    /// The token requests carry, if signed in.
    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// Makes later requests anonymous, or carry another token.
    pub fn use_token(&mut self, token: Option<String>) {
        self.token = token;
    }

    /// POSTs a query with variables; returns the whole response body.
    pub async fn request(&self, query: &str, variables: Value) -> Value {
        let mut post = self.client.post(format!("{}/graphql", self.base));
        if let Some(token) = &self.token {
            post = post.bearer_auth(token);
        }
        let resp = post
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("POST /graphql");
        assert_eq!(resp.status(), 200, "{:?}: status of {query}", self.backend);
        resp.json().await.expect("a JSON response")
    }

    /// POSTs `body` as it is, with the given `Content-Type` and `Accept` (none when
    /// `None`): the status, the response's content type and its body as JSON (`Null`
    /// when it is not JSON).
    pub async fn post_raw(
        &self,
        body: impl Into<reqwest::Body>,
        content_type: Option<&str>,
        accept: Option<&str>,
    ) -> (u16, String, Value) {
        let mut post = self.client.post(format!("{}/graphql", self.base));
        if let Some(ct) = content_type {
            post = post.header("content-type", ct);
        }
        if let Some(accept) = accept {
            post = post.header("accept", accept);
        }
        let resp = post.body(body).send().await.expect("POST /graphql");
        Self::parts(resp).await
    }

    /// GETs `/graphql` with these query parameters and `Accept`.
    pub async fn get_raw(
        &self,
        params: &[(&str, &str)],
        accept: Option<&str>,
    ) -> (u16, String, Value) {
        let mut get = self
            .client
            .get(format!("{}/graphql", self.base))
            .query(params);
        if let Some(accept) = accept {
            get = get.header("accept", accept);
        }
        Self::parts(get.send().await.expect("GET /graphql")).await
    }

    async fn parts(resp: reqwest::Response) -> (u16, String, Value) {
        let status = resp.status().as_u16();
        let content_type = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let text = resp.text().await.expect("a body");
        (
            status,
            content_type,
            serde_json::from_str(&text).unwrap_or(Value::Null),
        )
    }

    /// The `data` of a query that must succeed.
    pub async fn data(&self, query: &str) -> Value {
        self.data_with(query, json!({})).await
    }

    pub async fn data_with(&self, query: &str, variables: Value) -> Value {
        let body = self.request(query, variables).await;
        assert!(
            body.get("errors").is_none(),
            "{:?}: unexpected errors for {query}: {body:#}",
            self.backend
        );
        body["data"].clone()
    }

    /// The `data` of a query and the number of SQL statements it cost.
    pub async fn counted(&self, query: &str) -> (Value, i64) {
        let body = self.request(query, json!({})).await;
        assert!(
            body.get("errors").is_none(),
            "{:?}: unexpected errors for {query}: {body:#}",
            self.backend
        );
        let n = body["extensions"]["sqlStatements"]
            .as_i64()
            .expect("the statement count in extensions");
        (body["data"].clone(), n)
    }

    /// The one error of a query that must fail: (code, argument, message).
    pub async fn error(&self, query: &str) -> (String, Option<String>, String) {
        let body = self.request(query, json!({})).await;
        let errors = body["errors"].as_array().unwrap_or_else(|| {
            panic!(
                "{:?}: expected an error for {query}: {body:#}",
                self.backend
            )
        });
        assert_eq!(
            errors.len(),
            1,
            "{:?}: one error expected: {body:#}",
            self.backend
        );
        let err = &errors[0];
        (
            err["extensions"]["code"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            err["extensions"]["argument"].as_str().map(str::to_owned),
            err["message"].as_str().unwrap_or_default().to_owned(),
        )
    }
}

impl TestApp {
    /// Starts the server's shutdown, as SIGTERM does.
    pub fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        self.server.abort();
        let _ = std::fs::remove_dir_all(&self.media);
    }
}

/// The ids of the root list `list` (ordered by `order`, a list of the input type
/// `order_type`), read `size` at a time from the front (`forward`) or the back. Every
/// page but the last is full, and `hasPreviousPage`/`hasNextPage` say whether the
/// walk has more to read.
pub async fn walk(
    app: &TestApp,
    (list, order_type): (&str, &str),
    order: &Value,
    size: i64,
    forward: bool,
) -> Vec<i64> {
    let query = format!(
        r#"query($first: Int, $after: String, $last: Int, $before: String, $order: [{order_type}!]) {{
             {list}(first: $first, after: $after, last: $last, before: $before, orderBy: $order) {{
               pageInfo {{ hasPreviousPage hasNextPage startCursor endCursor }}
               nodes {{ id }}
           }} }}"#
    );
    let (mut seen, mut cursor) = (Vec::new(), Value::Null);
    loop {
        let (vars, more, came_from) = if forward {
            let vars = json!({ "first": size, "after": cursor, "order": order });
            (vars, "hasNextPage", "hasPreviousPage")
        } else {
            let vars = json!({ "last": size, "before": cursor, "order": order });
            (vars, "hasPreviousPage", "hasNextPage")
        };
        let page = app.data_with(&query, vars).await[list].clone();
        let info = &page["pageInfo"];
        assert_eq!(
            info[came_from],
            !seen.is_empty(),
            "{:?} {list} {order}: {came_from} after {} rows",
            app.backend,
            seen.len()
        );
        let chunk = ids(&page);
        let done = info[more] == false;
        if !done {
            assert_eq!(chunk.len() as i64, size, "a page before the last is full");
        }
        if forward {
            seen.extend(chunk);
            cursor = info["endCursor"].clone();
        } else {
            seen.splice(0..0, chunk);
            cursor = info["startCursor"].clone();
        }
        if done {
            return seen;
        }
    }
}

/// The ids of a connection's nodes, as numbers.
pub fn ids(connection: &Value) -> Vec<i64> {
    connection["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(id_of)
        .collect()
}

/// The `id` of one object, as a number.
pub fn id_of(object: &Value) -> i64 {
    object["id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("a numeric id")
}

/// The type name and row a global id names.
pub fn row_of(id: &str) -> (String, i64) {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(id)
        .unwrap_or_else(|e| panic!("{id:?} is not a global id: {e}"));
    let text = String::from_utf8(bytes).expect("a global id is text");
    let (type_name, row) = text.split_once(':').expect("Type:row");
    (type_name.to_owned(), row.parse().expect("a row id"))
}

/// The global id of `type_name`'s row `row`, as the server writes it.
pub fn gid(type_name: &str, row: i64) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(format!("{type_name}:{row}"))
}

/// The first column of every row `sql` returns, as integers (NULL as `None`).
pub async fn ints(conn: &DatabaseConnection, sql: &str) -> Vec<Option<i64>> {
    let stmt = sea_orm::Statement::from_string(conn.get_database_backend(), sql.to_owned());
    conn.query_all_raw(stmt)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .iter()
        .map(|row| {
            row.try_get_by_index::<Option<i64>>(0)
                .expect("an integer column")
        })
        .collect()
}

impl TestApp {
    /// What `sql` finds in the server's database now.
    pub async fn sql(&self, sql: &str) -> Vec<Option<i64>> {
        let conn = self.db.connect().await;
        let rows = ints(&conn, sql).await;
        conn.close().await.ok();
        rows
    }

    /// Makes `username` staff, as `blogql promote` does.
    pub async fn promote(&self, username: &str) {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
        let conn = self.db.connect().await;
        entity::author::Entity::update_many()
            .col_expr(entity::author::Column::IsStaff, Expr::value(true))
            .filter(entity::author::Column::Username.eq(username))
            .exec(&conn)
            .await
            .expect("promote");
        conn.close().await.ok();
    }
}

/// The code and `extensions.field` of a response's first error.
pub fn error_of(body: &Value) -> (String, String) {
    let err = &body["errors"][0];
    (
        err["extensions"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        err["extensions"]["field"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    )
}
