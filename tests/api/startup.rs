//! Starting up: the port is taken before the database is touched, and a missing
//! PostgreSQL or MySQL database is created (or the error says how to).

use blogql::config::Config;
use blogql::startup::{Application, StartupError};

use crate::helpers::{Backend, TestDb, admin_url, backends, each_backend, ints, listed};
use rstest_reuse::apply;

fn config(db: &TestDb, port: u16) -> Config {
    let mut config = Config::new(db.url.clone());
    config.http.host = "127.0.0.1".into();
    config.http.port = port;
    config
}

#[apply(each_backend)]
#[tokio::test]
async fn a_server_that_cannot_listen_leaves_no_database_behind(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let db = TestDb::unmade(backend);
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    let port = taken.local_addr().expect("its address").port();
    let refused = Application::build(config(&db, port)).await;
    assert!(
        matches!(refused, Err(StartupError::Bind { .. })),
        "{backend:?}: {:?}",
        refused.err()
    );
    assert!(
        !db.exists().await,
        "{backend:?}: nothing created, migrated or loaded"
    );
}

#[apply(each_backend)]
#[tokio::test]
async fn a_missing_database_is_created_migrated_and_loaded(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let db = TestDb::unmade(backend);
    assert!(!db.exists().await);
    let app = Application::build(config(&db, 0))
        .await
        .unwrap_or_else(|err| panic!("{backend:?}: {err}"));
    assert!(db.exists().await, "{backend:?}");
    let conn = db.connect().await;
    assert_eq!(
        ints(&conn, "SELECT COUNT(*) FROM authors").await,
        [Some(3)],
        "{backend:?}: the demo data"
    );
    conn.close().await.ok();
    // A second start finds it there.
    drop(app);
    Application::build(config(&db, 0))
        .await
        .unwrap_or_else(|err| panic!("{backend:?}: {err}"));
}

#[tokio::test]
async fn a_role_that_may_not_create_databases_is_told_how() {
    if !backends().contains(&Backend::Postgres) {
        return;
    }
    let role = format!("blogql_nocreate_{}", std::process::id());
    let admin = sea_orm::Database::connect(admin_url(Backend::Postgres))
        .await
        .expect("admin connection");
    use sea_orm::ConnectionTrait;
    admin
        .execute_unprepared(&format!(
            "DROP ROLE IF EXISTS {role}; CREATE ROLE {role} LOGIN NOCREATEDB"
        ))
        .await
        .expect("a role");
    let db = TestDb::unmade(Backend::Postgres);
    let mut url = url::Url::parse(&db.url).expect("a URL");
    url.set_username(&role).expect("a user name");
    url.set_password(None).expect("no password");
    let mut config = config(&db, 0);
    config.database_url = url.to_string();
    let err = Application::build(config)
        .await
        .err()
        .expect("the database cannot be made")
        .to_string();
    admin
        .execute_unprepared(&format!("DROP ROLE IF EXISTS {role}"))
        .await
        .ok();
    admin.close().await.ok();
    assert!(
        err.contains("does not exist and could not be created"),
        "{err}"
    );
    assert!(err.contains("createdb"), "{err}");
    assert!(!db.exists().await);
}

/// The planner's page cost goes to every PostgreSQL session in its start-up packet;
/// `server` leaves the server's own.
#[tokio::test]
async fn postgres_sessions_take_the_configured_page_cost() {
    use blogql::db::{PoolSettings, connect};
    use sea_orm::{ConnectionTrait, Statement};

    if !backends().contains(&Backend::Postgres) {
        return;
    }
    let db = TestDb::create(Backend::Postgres).await;
    let setting = |cost: Option<f64>| {
        let url = db.url.clone();
        async move {
            let pool = PoolSettings {
                random_page_cost: cost,
                statement_timeout: Some(std::time::Duration::from_millis(1500)),
                ..PoolSettings::single()
            };
            let conn = connect(&url, pool).await.expect("connect");
            let row = conn
                .query_one_raw(Statement::from_string(
                    conn.get_database_backend(),
                    "SELECT current_setting('random_page_cost') AS cost, \
                            current_setting('statement_timeout') AS timeout",
                ))
                .await
                .expect("show")
                .expect("a row");
            let cost: String = row.try_get("", "cost").expect("cost");
            let timeout: String = row.try_get("", "timeout").expect("timeout");
            conn.close().await.ok();
            (cost, timeout)
        }
    };
    let server = setting(None).await.0;
    assert_eq!(
        setting(Some(1.1)).await,
        ("1.1".to_owned(), "1500ms".to_owned())
    );
    assert_eq!(setting(Some(2.5)).await.0, "2.5");
    assert_ne!(
        server, "1.1",
        "the server's own (PostgreSQL's default is 4)"
    );
}
