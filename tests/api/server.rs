//! The HTTP surface besides queries: GraphiQL, GET queries, /health, the schema
//! snapshot, and the statement count being opt-in.

use crate::helpers::{Backend, Fixture, TestApp, backends};

#[tokio::test]
async fn graphiql_is_served_to_browsers() {
    let app = TestApp::spawn(Backend::Sqlite, Fixture::Demo).await;
    for path in ["/", "/graphql"] {
        let resp = app
            .client
            .get(format!("{}{path}", app.base))
            .header("accept", "text/html,application/xhtml+xml")
            .send()
            .await
            .expect("GET");
        assert_eq!(resp.status(), 200, "{path}");
        let content_type = resp.headers()["content-type"]
            .to_str()
            .unwrap_or_default()
            .to_owned();
        assert!(
            content_type.starts_with("text/html"),
            "{path}: {content_type}"
        );
        let page = resp.text().await.expect("body");
        assert!(
            page.contains("graphiql") && page.contains("/graphql"),
            "{path}"
        );
        // Everything the page loads comes from this server.
        assert!(!page.contains("https://"), "{path}: no CDN");
        for (asset, kind) in [
            ("graphiql.min.js", "text/javascript"),
            ("graphiql.min.css", "text/css"),
            ("react.production.min.js", "text/javascript"),
            ("react-dom.production.min.js", "text/javascript"),
        ] {
            assert!(
                page.contains(&format!("/assets/graphiql/{asset}")),
                "{asset}"
            );
            let resp = app.get(&format!("/assets/graphiql/{asset}")).await;
            assert_eq!(resp.status(), 200, "{asset}");
            let content_type = resp.headers()["content-type"].to_str().unwrap_or_default();
            assert!(content_type.starts_with(kind), "{asset}: {content_type}");
            assert!(resp.bytes().await.expect("body").len() > 10_000, "{asset}");
        }
    }
    assert_eq!(
        app.get("/assets/graphiql/../Cargo.toml").await.status(),
        404
    );
    assert_eq!(app.get("/assets/graphiql/other.js").await.status(), 404);
}

#[tokio::test]
async fn get_runs_queries_from_the_url() {
    let app = TestApp::spawn(Backend::Sqlite, Fixture::Demo).await;
    let resp = app
        .client
        .get(format!("{}/graphql", app.base))
        .query(&[("query", "{ author(username: \"alice\") { name } }")])
        .send()
        .await
        .expect("GET");
    assert_eq!(resp.status(), 200);
    let body: serde_json::Value = resp.json().await.expect("json");
    assert_eq!(body["data"]["author"]["name"], "Alice Martin");

    // Variables travel as JSON in the URL, as GraphQL over HTTP has it.
    let resp = app
        .client
        .get(format!("{}/graphql", app.base))
        .query(&[
            (
                "query",
                "query($u: String!) { author(username: $u) { name } }",
            ),
            ("variables", r#"{"u":"bob"}"#),
        ])
        .send()
        .await
        .expect("GET");
    let body: serde_json::Value = resp.json().await.expect("json");
    assert_eq!(body["data"]["author"]["name"], "Bob Dupont");
    let resp = app
        .client
        .get(format!("{}/graphql", app.base))
        .query(&[
            ("query", "{ posts { totalCount } }"),
            ("variables", "{not json"),
        ])
        .send()
        .await
        .expect("GET");
    assert_eq!(resp.status(), 400);
}

#[tokio::test]
async fn health_answers_when_the_database_does() {
    let app = TestApp::spawn(Backend::Sqlite, Fixture::Demo).await;
    let resp = app.get("/health").await;
    assert_eq!(resp.status(), 200);
    let body: serde_json::Value = resp.json().await.expect("json");
    assert_eq!(body, serde_json::json!({ "status": "ok" }));
}

#[tokio::test]
async fn health_reports_a_database_that_is_gone() {
    if !backends().contains(&Backend::Postgres) {
        return;
    }
    let app = TestApp::spawn(Backend::Postgres, Fixture::Demo).await;
    app.db.drop_now().await;
    let resp = app.get("/health").await;
    assert_eq!(resp.status(), 503);
    let body: serde_json::Value = resp.json().await.expect("json");
    assert_eq!(body, serde_json::json!({ "status": "unavailable" }));
    // Queries fail cleanly too: a code a client may retry on, and nothing of the
    // driver's message.
    let body = app
        .request("{ posts { nodes { id } } }", serde_json::json!({}))
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "SERVICE_UNAVAILABLE"
    );
    assert!(!body.to_string().contains("does not exist"), "{body}");
}

#[tokio::test]
async fn an_empty_database_stays_empty_without_the_demo() {
    let app = TestApp::spawn_with(Backend::Sqlite, Fixture::Demo, |config| {
        config.no_demo = true;
    })
    .await;
    let data = app
        .data("{ authors { totalCount } posts { totalCount } }")
        .await;
    assert_eq!(
        data,
        serde_json::json!({ "authors": { "totalCount": 0 }, "posts": { "totalCount": 0 } })
    );
}

#[tokio::test]
async fn statement_counts_are_reported_only_when_asked() {
    let app = TestApp::spawn_with(Backend::Sqlite, Fixture::Demo, |config| {
        config.debug_sql = false;
    })
    .await;
    let body = app
        .request("{ posts { nodes { id } } }", serde_json::json!({}))
        .await;
    assert!(body.get("extensions").is_none(), "{body}");
    assert_eq!(body["data"]["posts"]["nodes"][0]["id"], "1");
}

#[test]
fn schema_graphql_matches_the_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql");
    let checked_in = std::fs::read_to_string(path).unwrap_or_default();
    // A line diff (`-` checked in, `+` the code's) says what changed.
    pretty_assertions::assert_eq!(
        checked_in,
        blogql::graphql::sdl(),
        "schema.graphql is out of date; regenerate it with:\n    cargo run -- schema > schema.graphql"
    );
}

#[test]
fn the_sdl_documents_fields_from_doc_comments() {
    let sdl = blogql::graphql::sdl();
    assert!(sdl.contains("The author's profile, if they made one (one-to-one)."));
    assert!(sdl.contains("type PostTagEdge"));
    assert!(sdl.contains("taggedAt: DateTime!"));
}

#[tokio::test]
async fn every_error_has_a_code_even_those_of_the_graphql_layer() {
    let app = TestApp::spawn(Backend::Sqlite, Fixture::Demo).await;
    let cases = [
        (
            "{ posts(first: 1 { nodes { id } } }",
            serde_json::json!({}),
            "GRAPHQL_PARSE_FAILED",
            None,
        ),
        (
            "{ posts { nodez { id } } }",
            serde_json::json!({}),
            "GRAPHQL_VALIDATION_FAILED",
            None,
        ),
        (
            "{ posts(orderBy: [{ field: BOGUS }]) { nodes { id } } }",
            serde_json::json!({}),
            "BAD_USER_INPUT",
            Some("orderBy"),
        ),
        (
            r#"{ posts(filter: { publishedAt: { gt: "yesterday" } }) { nodes { id } } }"#,
            serde_json::json!({}),
            "BAD_USER_INPUT",
            Some("filter"),
        ),
        (
            "query($o: [PostOrder!]) { posts(orderBy: $o) { nodes { id } } }",
            serde_json::json!({ "o": [{ "field": "BOGUS" }] }),
            "BAD_USER_INPUT",
            Some("orderBy"),
        ),
        (
            "query($f: PostFilter) { posts(filter: $f) { nodes { id } } }",
            serde_json::json!({ "f": { "createdAt": { "lt": "not a date" } } }),
            "BAD_USER_INPUT",
            Some("filter"),
        ),
        (
            "query($n: Int) { posts(first: $n) { nodes { id } } }",
            serde_json::json!({ "n": "ten" }),
            "BAD_USER_INPUT",
            Some("first"),
        ),
        (
            "{ posts(status: DRAFT) { nodes { id } } }",
            serde_json::json!({}),
            "GRAPHQL_VALIDATION_FAILED",
            None,
        ),
    ];
    for (query, variables, code, argument) in cases {
        let body = app.request(query, variables).await;
        let err = &body["errors"][0];
        assert_eq!(err["extensions"]["code"], code, "{query}: {body}");
        assert_eq!(
            err["extensions"]["argument"].as_str(),
            argument,
            "{query}: {body}"
        );
        assert_eq!(
            body["extensions"]["sqlStatements"].as_i64().unwrap_or(0),
            0,
            "{query}: no SQL"
        );
    }
}

#[tokio::test]
async fn a_mutation_sent_by_get_is_refused_and_runs_nothing() {
    let mut app = TestApp::spawn(Backend::Sqlite, Fixture::Demo).await;
    app.sign_in("bob").await;
    let token = app
        .request(
            r#"mutation { login(usernameOrEmail: "bob", password: "blogql-demo") { token } }"#,
            serde_json::json!({}),
        )
        .await["data"]["login"]["token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    for (query, operation) in [
        (
            r#"mutation { createTag(name: "via-get") { tag { id } } }"#,
            None,
        ),
        (
            r#"query Q { posts { totalCount } } mutation M { createTag(name: "via-get") { tag { id } } }"#,
            Some("M"),
        ),
        // One named operation runs without `operationName`: it must be seen as a write.
        (
            r#"mutation M { createTag(name: "via-get") { tag { id } } }"#,
            None,
        ),
        (
            r#"mutation { register(input: { username: "viaget", email: "viaget@example.com", name: "G", password: "correct horse" }) { token } }"#,
            None,
        ),
    ] {
        let mut params = vec![("query", query)];
        if let Some(name) = operation {
            params.push(("operationName", name));
        }
        let resp = app
            .client
            .get(format!("{}/graphql", app.base))
            .bearer_auth(&token)
            .query(&params)
            .send()
            .await
            .expect("GET");
        assert_eq!(resp.status(), 405, "{query}");
        assert_eq!(resp.headers()["allow"], "POST");
        let body: serde_json::Value = resp.json().await.expect("json");
        assert_eq!(
            body["errors"][0]["extensions"]["code"],
            "METHOD_NOT_ALLOWED"
        );
    }
    assert_eq!(
        app.sql("SELECT COUNT(*) FROM tags WHERE name = 'via-get'")
            .await,
        [Some(0)]
    );
    assert_eq!(
        app.sql("SELECT COUNT(*) FROM authors WHERE username = 'viaget'")
            .await,
        [Some(0)]
    );
    // The query of the same document, selected by name, is still served by GET.
    let resp = app
        .client
        .get(format!("{}/graphql", app.base))
        .query(&[
            ("query", r#"query Q { posts { totalCount } } mutation M { createTag(name: "x") { tag { id } } }"#),
            ("operationName", "Q"),
        ])
        .send()
        .await
        .expect("GET");
    assert_eq!(resp.status(), 200);
    let body: serde_json::Value = resp.json().await.expect("json");
    assert_eq!(body["data"]["posts"]["totalCount"], 3);
}

#[tokio::test]
async fn deep_or_costly_operations_are_refused_before_any_sql() {
    let app = TestApp::spawn(Backend::Sqlite, Fixture::Demo).await;
    // Q1 of the reference workload fits the default budget.
    let q1 = "{ authors(first: 50) { nodes { username profile { city } posts(first: 10) { nodes { title tags { nodes { name } } } } } } }";
    assert!(
        app.request(q1, serde_json::json!({}))
            .await
            .get("errors")
            .is_none()
    );

    let costly = "{ authors(first: 100) { nodes { posts(first: 100) { nodes { tags(first: 100) { nodes { name } } } } } } }";
    let mut deep = String::from("{ post(id: \"1\") { ");
    for _ in 0..8 {
        deep.push_str("author { posts(first: 1) { nodes { ");
    }
    deep.push_str("id");
    for _ in 0..8 {
        deep.push_str(" } } }");
    }
    deep.push_str(" } }");
    for (query, message) in [
        (costly, "Query is too complex."),
        (deep.as_str(), "Query is nested too deep."),
    ] {
        let body = app.request(query, serde_json::json!({})).await;
        let err = &body["errors"][0];
        assert_eq!(
            err["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED",
            "{body}"
        );
        assert_eq!(err["message"], message);
        assert_eq!(
            body["extensions"]["sqlStatements"], 0,
            "refused before any SQL"
        );
    }
    // The budget follows the page sizes asked for, in variables too.
    let by_variable = "query($n: Int) { authors(first: $n) { nodes { posts(first: $n) { nodes { tags(first: $n) { nodes { name } } } } } } }";
    let body = app
        .request(by_variable, serde_json::json!({ "n": 100 }))
        .await;
    assert_eq!(body["errors"][0]["message"], "Query is too complex.");
    let body = app
        .request(by_variable, serde_json::json!({ "n": 5 }))
        .await;
    assert!(body.get("errors").is_none(), "{body}");
}

#[tokio::test]
async fn cors_answers_the_configured_origins_only_and_without_credentials() {
    let preflight = |app: &TestApp, origin: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, format!("{}/graphql", app.base))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "content-type,authorization",
            )
            .send()
    };
    let app = TestApp::spawn_with(Backend::Sqlite, Fixture::Demo, |config| {
        config.http.cors_origins = vec!["https://app.example".to_owned()];
    })
    .await;
    let resp = preflight(&app, "https://app.example")
        .await
        .expect("OPTIONS");
    let headers = resp.headers();
    assert_eq!(
        headers["access-control-allow-origin"],
        "https://app.example"
    );
    assert!(
        headers["access-control-allow-headers"]
            .to_str()
            .unwrap_or_default()
            .contains("authorization")
    );
    assert!(headers.get("access-control-allow-credentials").is_none());
    let resp = preflight(&app, "https://evil.example")
        .await
        .expect("OPTIONS");
    assert!(resp.headers().get("access-control-allow-origin").is_none());

    // By default no origin is allowed.
    let plain = TestApp::spawn(Backend::Sqlite, Fixture::Demo).await;
    let resp = preflight(&plain, "https://app.example")
        .await
        .expect("OPTIONS");
    assert!(resp.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn production_mode_hides_the_schema_and_graphiql() {
    let app = TestApp::spawn_with(Backend::Sqlite, Fixture::Demo, |config| {
        config.http.production = true;
    })
    .await;
    let body = app
        .request("{ __schema { types { name } } }", serde_json::json!({}))
        .await;
    // Introspection is off: the schema answers as null.
    assert_eq!(
        body["data"],
        serde_json::json!({ "__schema": null }),
        "{body}"
    );
    let body = app
        .request("{ posts { nodez { id } } }", serde_json::json!({}))
        .await;
    let message = body["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(
        !message.contains("Did you mean"),
        "no suggestions: {message}"
    );
    assert_eq!(app.get("/").await.status(), 404);
    assert_eq!(
        app.get("/assets/graphiql/graphiql.min.js").await.status(),
        404
    );
    let resp = app
        .client
        .get(format!("{}/graphql", app.base))
        .header("accept", "text/html")
        .send()
        .await
        .expect("GET");
    assert_eq!(
        resp.status(),
        406,
        "no GraphiQL, and HTML is all it accepts"
    );
    // Queries work as ever.
    assert_eq!(
        app.data("{ posts { totalCount } }").await["posts"]["totalCount"],
        3
    );
}

/// `--max-concurrent-operations` bounds the operations that run at once: with one
/// turn, a query that is stuck on a locked table holds it and a second request waits,
/// then both are answered once the lock goes. (SQLite has no lock a reader waits on.)
#[rstest::rstest]
#[case::postgres(Backend::Postgres)]
#[case::mysql(Backend::Mysql)]
#[tokio::test]
async fn operations_beyond_the_bound_wait_their_turn(#[case] backend: Backend) {
    use std::time::Duration;

    use sea_orm::{ConnectionTrait, TransactionTrait};

    if !crate::helpers::listed(backend) {
        return;
    }
    let app = TestApp::spawn_with(backend, Fixture::Demo, |c| {
        c.http.max_concurrent_operations = 1;
    })
    .await;
    let conn = app.db.connect().await;
    let lock = conn.begin().await.expect("begin");
    let (take, waiting, release) = match backend {
        Backend::Postgres => (
            "LOCK TABLE tags IN ACCESS EXCLUSIVE MODE",
            "SELECT count(*) FROM pg_stat_activity \
             WHERE wait_event_type = 'Lock' AND datname = current_database()",
            None,
        ),
        _ => (
            "LOCK TABLES tags WRITE",
            "SELECT count(*) FROM information_schema.processlist \
             WHERE state LIKE 'Waiting for table metadata lock' AND db = DATABASE()",
            Some("UNLOCK TABLES"),
        ),
    };
    lock.execute_unprepared(take).await.expect("lock tags");

    let stuck = app.request("{ tags { nodes { name } } }", serde_json::json!({}));
    let (tags, second_ran_early) = tokio::join!(stuck, async {
        // Until the first request is running, and waiting on the lock.
        let mut running = false;
        for _ in 0..200 {
            if crate::helpers::ints(&conn, waiting).await == [Some(1)] {
                running = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        assert!(running, "the first request never reached the lock");
        let second = app.request("{ __typename }", serde_json::json!({}));
        tokio::pin!(second);
        // Answered at once without the bound; with it, not before the lock goes.
        let early = tokio::time::timeout(Duration::from_millis(300), &mut second)
            .await
            .ok();
        if let Some(release) = release {
            lock.execute_unprepared(release).await.expect("unlock");
        }
        lock.commit().await.expect("release the lock");
        let second_ran_early = early.is_some();
        let answer = match early {
            Some(answer) => answer,
            None => second.await,
        };
        assert_eq!(answer["data"]["__typename"], "Query", "{answer}");
        second_ran_early
    });
    assert!(!second_ran_early, "a second operation ran beside the first");
    assert!(
        tags["data"]["tags"]["nodes"]
            .as_array()
            .is_some_and(|t| !t.is_empty()),
        "{tags}"
    );
}
