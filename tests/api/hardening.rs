//! What hostile clients send: values nested past any parser's stack, id lists past
//! a database's variable limit, patterns past SQLite's, NUL characters. Each is
//! refused with a coded error (or served), and the server keeps answering.

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config as PropConfig, TestRunner};
use serde_json::{Value, json};

use crate::helpers::{Backend, Fixture, TestApp, backends, each_backend, listed};
use rstest_reuse::apply;

fn codes(body: &Value) -> Vec<String> {
    body["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| {
                    e["extensions"]["code"]
                        .as_str()
                        .unwrap_or("(none)")
                        .to_owned()
                })
                .collect()
        })
        .unwrap_or_default()
}

/// POSTs a document with variables and returns status and body, whatever they are.
async fn send(app: &TestApp, query: &str, variables: Value) -> (u16, Value) {
    let body = json!({ "query": query, "variables": variables }).to_string();
    let (status, _, reply) = app.post_raw(body, Some("application/json"), None).await;
    (status, reply)
}

async fn alive(app: &TestApp) {
    let data = app.data("{ posts { totalCount } }").await;
    assert!(data["posts"]["totalCount"].as_i64().is_some());
}

/// `{and: [{and: [ ... {id: {eq: "1"}} ... ]}]}`, `depth` times the wrapper.
fn nested(open: &str, close: &str, inner: &str, depth: usize) -> String {
    format!("{}{inner}{}", open.repeat(depth), close.repeat(depth))
}

#[tokio::test]
async fn deep_values_are_refused_before_anything_recurses() {
    let app = TestApp::spawn(Backend::Sqlite, Fixture::Demo).await;
    // Each of these took the process down, all under the token limit.
    let leaf = r#"{id: {eq: "1"}}"#;
    let bombs = [
        format!(
            "{{ posts(filter: {}) {{ totalCount }} }}",
            nested("{and: [", "]}", leaf, 170)
        ),
        format!(
            "{{ posts(filter: {}) {{ totalCount }} }}",
            nested("{or: [", "]}", leaf, 200)
        ),
        format!(
            "{{ posts(filter: {}) {{ totalCount }} }}",
            nested("{not: ", "}", leaf, 600)
        ),
        format!("{{ __typename(x: {}) }}", nested("{a: ", "}", "1", 1200)),
        format!("{{ __typename(x: {}) }}", nested("[", "]", "1", 2400)),
        format!("{{ {} }}", nested("posts { nodes { ", "} }", "id", 1200)),
    ];
    for bomb in &bombs {
        let (status, body) = send(&app, bomb, json!({})).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(codes(&body), ["GRAPHQL_VALIDATION_FAILED"], "{body}");
        let limit = body["errors"][0]["extensions"]["limit"].as_str();
        assert!(matches!(limit, Some("nesting" | "valueDepth")), "{body}");
        assert!(body.get("data").is_none(), "nothing ran: {body}");
    }
    // The same depth in a variable: serde's own bound stops JSON past 128 levels
    // (a 400), and ours anything deeper than values may be.
    let query = "query($f: PostFilter) { posts(filter: $f) { totalCount } }";
    let mut filter = json!({ "id": { "eq": "1" } });
    for _ in 0..50 {
        filter = json!({ "and": [filter] });
    }
    let (status, body) = send(&app, query, json!({ "f": filter })).await;
    assert_eq!(status, 200);
    assert_eq!(codes(&body), ["BAD_USER_INPUT"], "{body}");
    assert_eq!(body["errors"][0]["extensions"]["argument"], "f");
    assert_eq!(body["errors"][0]["extensions"]["limit"], "valueDepth");
    let deep = format!("{}1{}", "[".repeat(5000), "]".repeat(5000));
    let raw = format!(r#"{{"query": "{{ __typename }}", "variables": {{"v": {deep}}}}}"#);
    let (status, _, _) = app.post_raw(raw, Some("application/json"), None).await;
    assert_eq!(status, 400);
    // Just under the bound: served.
    let mut filter = json!({ "id": { "eq": "1" } });
    for _ in 0..14 {
        filter = json!({ "and": [filter] });
    }
    let data = app.data_with(query, json!({ "f": filter })).await;
    assert_eq!(data["posts"]["totalCount"], 1);
    let literal = nested("{not: ", "}", leaf, 30);
    let data = app
        .data(&format!("{{ posts(filter: {literal}) {{ totalCount }} }}"))
        .await;
    assert_eq!(
        data["posts"]["totalCount"], 1,
        "30 nots (32 levels, the bound) keep post 1"
    );
    alive(&app).await;
}

/// Where a value can stand in a document; `#` is the hole the value goes in.
const POSITIONS: [&str; 10] = [
    "{ posts(filter: #) { totalCount } }",
    "{ authors(first: 2) { nodes { posts(filter: #) { totalCount } } } }",
    "{ tags(filter: { posts: { some: # } }) { totalCount } }",
    "{ posts(orderBy: #) { totalCount } }",
    "{ __typename @include(if: #) }",
    "{ posts(first: 1) { nodes { id @skip(if: #) } } }",
    "query($v: PostFilter = #) { posts(filter: $v) { totalCount } }",
    "query($v: [[[String]]] = #) { __typename }",
    "mutation { createTag(input: #) { tag { id } } }",
    "{ ...F } fragment F on Query { posts(filter: #) { totalCount } }",
];

/// One level of nesting around a value.
const WRAPPERS: [(&str, &str); 6] = [
    ("[", "]"),
    ("{a: ", "}"),
    ("{and: [", "]}"),
    ("{or: [", "]}"),
    ("{not: ", "}"),
    ("{tags: {some: ", "}}"),
];

fn document() -> impl Strategy<Value = (String, Value)> {
    let levels = prop::collection::vec(0..WRAPPERS.len(), 0..90);
    let leaves = prop::sample::select(vec![
        "1",
        "true",
        "null",
        r#""x""#,
        "TITLE",
        r#"{id: {eq: "1"}}"#,
        r#"{title: {contains: "a"}}"#,
        "{}",
        "[]",
        "$v",
    ]);
    (
        0..POSITIONS.len(),
        levels,
        leaves,
        0usize..70,
        any::<bool>(),
    )
        .prop_map(|(position, levels, leaf, variable_depth, in_list)| {
            let mut value = leaf.to_owned();
            for level in levels.iter().rev() {
                let (open, close) = WRAPPERS[*level];
                value = format!("{open}{value}{close}");
            }
            let mut variable = json!({ "id": { "eq": "1" } });
            for _ in 0..variable_depth {
                variable = if in_list {
                    json!([variable])
                } else {
                    json!({ "and": [variable] })
                };
            }
            (
                POSITIONS[position].replace('#', &value),
                json!({ "v": variable }),
            )
        })
}

/// A fuzz target run as a property: documents nesting values in every position,
/// from nothing to far past the bound, literal and in variables. Each gets an
/// answer whose errors all carry a code, and the process lives on. More cases:
/// `BLOGQL_FUZZ_CASES=20000 cargo test fuzz_nesting`.
#[tokio::test]
async fn fuzz_nesting_in_every_value_position() {
    let cases: u32 = std::env::var("BLOGQL_FUZZ_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(400);
    let mut app = TestApp::spawn(Backend::Sqlite, Fixture::Demo).await;
    app.sign_in("alice").await;
    let mut runner = TestRunner::new(PropConfig {
        cases,
        ..PropConfig::default()
    });
    let strategy = document();
    for _ in 0..cases {
        let (query, variables) = strategy
            .new_tree(&mut runner)
            .expect("a generated document")
            .current();
        let (status, body) = send(&app, &query, variables).await;
        assert!(
            status == 200 || status == 400,
            "{status} for {query}: {body}"
        );
        assert!(
            body.get("data").is_some() || body.get("errors").is_some(),
            "{query}: {body}"
        );
        for code in codes(&body) {
            assert!(
                code != "(none)" && code != "INTERNAL_SERVER_ERROR",
                "{code} for {query}: {body}"
            );
        }
    }
    alive(&app).await;
}

fn error_parts(body: &Value) -> (String, String, String) {
    let err = &body["errors"][0];
    let text = |key: &str| {
        err["extensions"][key]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    (text("code"), text("argument"), text("field"))
}

#[apply(each_backend)]
#[tokio::test]
async fn id_lists_are_bounded_below_every_backends_variable_limit(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let mut app = TestApp::spawn(backend, Fixture::Demo).await;
    let posts = "SELECT COUNT(*) FROM posts";
    let before = app.sql(posts).await;
    // Anonymous: 60 lists of 1,000 ids, within the list and node limits.
    let query = "query($f: PostFilter) { posts(filter: $f) { totalCount } }";
    let list = |n: usize, from: usize| -> Vec<String> {
        (from..from + n).map(|i| i.to_string()).collect()
    };
    let or: Vec<Value> = (0..60)
        .map(|i| json!({ "id": { "in": list(1000, i * 1000) } }))
        .collect();
    let body = app.request(query, json!({ "f": { "or": or } })).await;
    assert_eq!(
        error_parts(&body),
        ("BAD_USER_INPUT".into(), "filter".into(), String::new()),
        "{backend:?}: {body}"
    );
    // Up to the bound it is served, nested under a level of parents too.
    let or: Vec<Value> = (0..5)
        .map(|i| json!({ "id": { "in": list(1000, i * 1000) } }))
        .collect();
    let data = app
        .data_with(query, json!({ "f": { "or": or.clone() } }))
        .await;
    assert_eq!(data["posts"]["totalCount"], 3, "{backend:?}");
    let nested = "query($f: PostFilter) { authors { nodes { posts(filter: $f) { totalCount } } } }";
    let data = app.data_with(nested, json!({ "f": { "or": or } })).await;
    assert!(
        data["authors"]["nodes"]
            .as_array()
            .is_some_and(|a| !a.is_empty())
    );
    let titles: Vec<String> = (0..5000).map(|i| format!("title {i}")).collect();
    let data = app
        .data_with(query, json!({ "f": { "title": { "in": titles[..1000] }, "slug": { "notIn": titles[1000..2000] } } }))
        .await;
    assert_eq!(data["posts"]["totalCount"], 0, "{backend:?}");

    // Mutations: 100,000 tag ids are refused naming the field, nothing written.
    app.sign_in("alice").await;
    let ids: Vec<String> = list(100_000, 1);
    let create = "mutation($ids: [ID!]) { createPost(input: { title: \"Many tags\", body: \"b\", tagIds: $ids }) { post { id } } }";
    let body = app.request(create, json!({ "ids": ids })).await;
    assert_eq!(
        error_parts(&body).0,
        "BAD_USER_INPUT",
        "{backend:?}: {body}"
    );
    assert_eq!(error_parts(&body).2, "tagIds", "{backend:?}: {body}");
    for mutation in [
        "mutation($ids: [ID!]!) { addTags(postId: \"1\", tagIds: $ids) { post { id } } }",
        "mutation($ids: [ID!]!) { removeTags(postId: \"1\", tagIds: $ids) { post { id } } }",
        "mutation($ids: [ID!]!) { setTags(postId: \"1\", tagIds: $ids) { post { id } } }",
    ] {
        let body = app.request(mutation, json!({ "ids": ids })).await;
        assert_eq!(
            (error_parts(&body).0.as_str(), error_parts(&body).2.as_str()),
            ("BAD_USER_INPUT", "tagIds"),
            "{backend:?}: {body}"
        );
    }
    let names: Vec<String> = (0..101).map(|i| format!("t{i}")).collect();
    let create_named = "mutation($names: [String!]) { createPost(input: { title: \"Named tags\", body: \"b\", tagNames: $names }) { post { tagCount } } }";
    let body = app.request(create_named, json!({ "names": names })).await;
    assert_eq!(error_parts(&body).2, "tagNames", "{backend:?}: {body}");
    assert_eq!(app.sql(posts).await, before, "{backend:?}: nothing written");
    // A hundred, the bound, is served.
    let data = app
        .data_with(create_named, json!({ "names": names[..100] }))
        .await;
    assert_eq!(data["createPost"]["post"]["tagCount"], 100, "{backend:?}");
}

#[apply(each_backend)]
#[tokio::test]
async fn filter_text_is_bounded_and_matched_literally(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let app = TestApp::spawn(backend, Fixture::Demo).await;
    let query = "query($s: String!) { posts(filter: { body: { contains: $s } }) { totalCount } }";
    let body = app.request(query, json!({ "s": "a".repeat(50_010) })).await;
    assert_eq!(
        error_parts(&body),
        ("BAD_USER_INPUT".into(), "filter".into(), String::new()),
        "{backend:?}: {body}"
    );
    // The longest text allowed, all of it pattern characters, matches literally.
    for text in ["*%_[?\\".repeat(166), "é".repeat(1000)] {
        for insensitive in [false, true] {
            let q = format!(
                "query($s: String!) {{ posts(filter: {{ body: {{ contains: $s, insensitive: {insensitive} }} }}) {{ totalCount }} }}"
            );
            let data = app.data_with(&q, json!({ "s": text })).await;
            assert_eq!(data["posts"]["totalCount"], 0, "{backend:?}");
        }
    }
}

#[apply(each_backend)]
#[tokio::test]
async fn nul_characters_are_refused_in_every_string_input(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let mut app = TestApp::spawn(backend, Fixture::Demo).await;
    let authors = "SELECT COUNT(*) FROM authors";
    let before = app.sql(authors).await;
    // Literals: on SQLite this matched every row, on PostgreSQL it was a 500.
    for (query, argument) in [
        (
            r#"{ posts(filter: { title: { contains: "\u0000" } }) { totalCount } }"#,
            "filter",
        ),
        (r#"{ post(slug: "a\u0000b") { id } }"#, "slug"),
        (r#"{ author(username: "\u0000") { id } }"#, "username"),
        (
            r#"{ __typename @include(if: true) posts(filter: { or: [{ slug: { in: ["x", "y\u0000"] } }] }) { totalCount } }"#,
            "filter",
        ),
    ] {
        let body = app.request(query, json!({})).await;
        assert_eq!(
            error_parts(&body),
            ("BAD_USER_INPUT".into(), argument.into(), String::new()),
            "{backend:?}: {query}: {body}"
        );
        assert!(body.get("data").is_none(), "nothing ran: {body}");
    }
    // Variables, nested or not, and default values.
    let register = "mutation($input: RegisterInput!) { register(input: $input) { token } }";
    let input = json!({ "username": "nul\u{0}", "email": "n@example.com", "name": "N", "password": "correct horse battery" });
    let body = app.request(register, json!({ "input": input })).await;
    assert_eq!(
        error_parts(&body),
        ("BAD_USER_INPUT".into(), "input".into(), String::new()),
        "{backend:?}: {body}"
    );
    let defaulted =
        "query($s: String = \"\\u0000\") { posts(filter: { title: { eq: $s } }) { totalCount } }";
    let body = app.request(defaulted, json!({})).await;
    assert_eq!(error_parts(&body).1, "s", "{backend:?}: {body}");
    app.sign_in("alice").await;
    let create =
        "mutation($b: String!) { createPost(input: { title: \"T\", body: $b }) { post { id } } }";
    let body = app.request(create, json!({ "b": "x\u{0}y" })).await;
    assert_eq!(error_parts(&body).1, "b", "{backend:?}: {body}");
    assert_eq!(
        app.sql(authors).await,
        before,
        "{backend:?}: nothing written"
    );
    // Other control characters are text like any other.
    let data = app
        .data(r#"{ posts(filter: { title: { contains: "\u0001" } }) { totalCount } }"#)
        .await;
    assert_eq!(data["posts"]["totalCount"], 0, "{backend:?}");
}

/// Another author's draft cannot be found out through a generated slug: a made slug
/// takes the next free suffix. A slug the client sets is unique by definition, and
/// its CONFLICT is the README's documented exception.
#[apply(each_backend)]
#[tokio::test]
async fn generated_slugs_never_collide(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let mut app = TestApp::spawn(backend, Fixture::Demo).await;
    app.sign_in("bob").await;
    // alice's draft "Draft: ORM deep dive" holds `draft-orm-deep-dive`.
    let create =
        "mutation($t: String!) { createPost(input: { title: $t, body: \"b\" }) { post { slug } } }";
    for expected in ["draft-orm-deep-dive-2", "draft-orm-deep-dive-3"] {
        let data = app
            .data_with(create, json!({ "t": "Draft: ORM deep dive" }))
            .await;
        assert_eq!(data["createPost"]["post"]["slug"], expected, "{backend:?}");
    }
    // The longest title: the suffix still fits the column.
    let long = "word ".repeat(60);
    let first = app.data_with(create, json!({ "t": long[..200] })).await;
    let second = app.data_with(create, json!({ "t": long[..200] })).await;
    let (a, b) = (
        first["createPost"]["post"]["slug"]
            .as_str()
            .unwrap_or_default(),
        second["createPost"]["post"]["slug"]
            .as_str()
            .unwrap_or_default(),
    );
    assert!(a != b && b.ends_with("-2") && b.len() <= 220, "{a} {b}");
    let explicit = r#"mutation { createPost(input: { title: "x", body: "b", slug: "draft-orm-deep-dive" }) { post { id } } }"#;
    let body = app.request(explicit, json!({})).await;
    assert_eq!(
        (
            body["errors"][0]["extensions"]["code"].as_str(),
            body["errors"][0]["extensions"]["field"].as_str()
        ),
        (Some("CONFLICT"), Some("slug")),
        "{backend:?}: {body}"
    );
    // Categories and tags made from names alike: "Django!" is a new name.
    let data = app
        .data(r#"mutation { createCategory(name: "Django!") { category { slug } } }"#)
        .await;
    assert_eq!(
        data["createCategory"]["category"]["slug"], "django-2",
        "{backend:?}"
    );
    let data = app
        .data(r#"mutation { createPost(input: { title: "t", body: "b", tagNames: ["Rust!"] }) { post { tags { nodes { name slug } } } } }"#)
        .await;
    assert_eq!(
        data["createPost"]["post"]["tags"]["nodes"],
        json!([{ "name": "Rust!", "slug": "rust-2" }]),
        "{backend:?}"
    );
}

/// Spec points: a page size past the maximum names the argument and the maximum
/// (before the complexity limit can answer); a string is no enum literal; meta
/// fields take no unknown argument.
#[apply(each_backend)]
#[tokio::test]
async fn page_sizes_enum_literals_and_meta_arguments_as_the_spec_says(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let app = TestApp::spawn(backend, Fixture::Demo).await;
    for (query, variables, argument) in [
        (
            "{ posts(first: 1000000) { totalCount } }",
            json!({}),
            "first",
        ),
        (
            "{ authors { nodes { posts(last: 101) { totalCount } } } }",
            json!({}),
            "last",
        ),
        (
            "query($n: Int) { tags(first: $n) { totalCount } }",
            json!({ "n": 1_000_000 }),
            "first",
        ),
        ("{ posts(first: -1) { totalCount } }", json!({}), "first"),
        (
            "query($n: Int = 5000) { posts(last: $n) { totalCount } }",
            json!({}),
            "last",
        ),
    ] {
        let (status, body) = send(&app, query, variables).await;
        assert_eq!(status, 200);
        let err = &body["errors"][0];
        assert_eq!(
            err["extensions"]["code"], "BAD_USER_INPUT",
            "{backend:?}: {body}"
        );
        assert_eq!(err["extensions"]["argument"], argument, "{body}");
        assert_eq!(err["extensions"]["max"], 100, "{body}");
        assert!(
            err["message"].as_str().is_some_and(|m| m.contains("100")),
            "{body}"
        );
    }
    assert_eq!(
        app.data("{ posts(first: 100) { totalCount } }").await["posts"]["totalCount"],
        3
    );
    for query in [
        r#"{ posts(orderBy: [{ field: "TITLE" }]) { totalCount } }"#,
        r#"{ posts(filter: { status: { eq: "PUBLISHED" } }) { totalCount } }"#,
        "{ __typename(x: 1) }",
        "{ __typename(x: [[1]]) }",
        r#"{ __type(name: "Post", extra: 1) { name } }"#,
    ] {
        let (_, body) = send(&app, query, json!({})).await;
        assert_eq!(
            codes(&body),
            ["GRAPHQL_VALIDATION_FAILED"],
            "{backend:?}: {query}: {body}"
        );
        assert!(body.get("data").is_none(), "{body}");
    }
    // Enum values by name, and as strings in variables (JSON has no enums).
    let data = app
        .data_with(
            "query($f: PostOrderField!) { a: posts(orderBy: [{ field: TITLE }]) { totalCount } b: posts(orderBy: [{ field: $f }]) { totalCount } }",
            json!({ "f": "TITLE" }),
        )
        .await;
    assert_eq!(data["a"]["totalCount"], data["b"]["totalCount"]);
}

/// The column `v` of the one row a PostgreSQL query returns.
async fn scalar<T: sea_orm::TryGetable>(conn: &impl sea_orm::ConnectionTrait, sql: &str) -> T {
    conn.query_one_raw(sea_orm::Statement::from_string(
        sea_orm::DbBackend::Postgres,
        sql,
    ))
    .await
    .ok()
    .flatten()
    .and_then(|row| row.try_get::<T>("", "v").ok())
    .unwrap_or_else(|| panic!("a value from {sql}"))
}

/// Ends every server connection to the test database but `keep`'s (PostgreSQL),
/// as a restart does.
/// Terminates every connection to the test database but the caller's and `keep`.
/// `idle_first`: the idle ones first, then the busy ones, each call waiting (5 s at
/// most) until its backend has exited, so that no pooled connection is left that
/// passes the pool's liveness check and dies just after (`pg_terminate_backend`
/// alone only signals, and a retry could pick such a connection). One round trip,
/// so that the admin's own pool needs no second connection.
async fn cut_connections(admin: &sea_orm::DatabaseConnection, keep: i64, idle_first: bool) {
    use sea_orm::ConnectionTrait;
    let others = format!(
        "FROM pg_stat_activity WHERE datname = current_database() \
         AND pid <> pg_backend_pid() AND pid <> {keep}"
    );
    let sql = if idle_first {
        format!(
            "SELECT pg_terminate_backend(pid, 5000) {others} AND state <> 'active'; \
             SELECT pg_terminate_backend(pid, 5000) {others}"
        )
    } else {
        format!("SELECT pg_terminate_backend(pid) {others}")
    };
    admin.execute_unprepared(&sql).await.expect("terminate");
}

/// A read whose connection is cut (a PostgreSQL restart) is tried once more on a
/// fresh one; when none can be had, the answer is SERVICE_UNAVAILABLE with
/// `Retry-After`, never INTERNAL_SERVER_ERROR.
#[tokio::test]
async fn lost_connections_are_retried_once_then_unavailable() {
    use sea_orm::{ConnectionTrait, TransactionTrait};
    if !backends().contains(&Backend::Postgres) {
        return;
    }
    let app = TestApp::spawn(Backend::Postgres, Fixture::Demo).await;
    let admin = app.db.connect().await;
    let holder = app.db.connect().await;
    let pause = || tokio::time::sleep(std::time::Duration::from_millis(400));

    // The read is in flight (held up by a lock) when its connection is cut.
    let lock = holder.begin().await.expect("begin");
    let pid: i64 = scalar(&lock, "SELECT pg_backend_pid()::bigint AS v").await;
    lock.execute_unprepared("LOCK TABLE posts IN ACCESS EXCLUSIVE MODE")
        .await
        .expect("lock");
    let read = app.request("{ posts { totalCount } }", json!({}));
    let cut = async {
        pause().await;
        cut_connections(&admin, pid, true).await;
        pause().await;
        lock.rollback().await.expect("unlock");
    };
    let (body, ()) = tokio::join!(read, cut);
    assert_eq!(body["data"]["posts"]["totalCount"], 3, "retried: {body}");
    assert!(body.get("errors").is_none(), "{body}");

    // Now no new connection can be had: the retry fails too, and says so.
    let lock = holder.begin().await.expect("begin");
    lock.execute_unprepared("LOCK TABLE posts IN ACCESS EXCLUSIVE MODE")
        .await
        .expect("lock");
    let name: String = scalar(&admin, "SELECT current_database()::text AS v").await;
    // Connections are refused from the server's catalog database.
    let catalog = sea_orm::Database::connect(crate::helpers::admin_url(Backend::Postgres))
        .await
        .expect("the catalog");
    let allow = |yes: bool| format!("ALTER DATABASE {name} ALLOW_CONNECTIONS {yes}");
    let read = app
        .client
        .post(format!("{}/graphql", app.base))
        .json(&json!({ "query": "{ posts { totalCount } }" }))
        .send();
    let cut = async {
        pause().await;
        catalog
            .execute_unprepared(&allow(false))
            .await
            .expect("refuse connections");
        cut_connections(&admin, -1, false).await;
    };
    let (resp, ()) = tokio::join!(read, cut);
    let resp = resp.expect("an answer");
    assert_eq!(
        resp.headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("1")
    );
    let body: Value = resp.json().await.expect("JSON");
    assert_eq!(codes(&body), ["SERVICE_UNAVAILABLE"], "{body}");
    assert!(
        !body.to_string().contains("terminat"),
        "no driver text: {body}"
    );

    // Back up: answered again.
    catalog
        .execute_unprepared(&allow(true))
        .await
        .expect("allow connections");
    drop(lock);
    alive(&app).await;
}

/// A client that sends its whole body before reading (Python's urllib, curl
/// without `Expect`) reads the 413, told to close; a kept-alive client goes on.
#[tokio::test]
async fn bodies_over_the_limit_get_a_413_the_client_reads() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = TestApp::spawn(Backend::Sqlite, Fixture::Demo).await;
    let addr = app.base.trim_start_matches("http://").to_owned();
    let body = vec![b' '; 3 * 1024 * 1024];
    for _ in 0..5 {
        let mut stream = tokio::net::TcpStream::connect(&addr)
            .await
            .expect("connect");
        let head = format!(
            "POST /graphql HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        stream.write_all(head.as_bytes()).await.expect("head");
        stream
            .write_all(&body)
            .await
            .expect("the whole body is taken");
        let mut answer = Vec::new();
        tokio::time::timeout(
            std::time::Duration::from_secs(10),
            stream.read_to_end(&mut answer),
        )
        .await
        .expect("answered in time")
        .expect("read");
        let answer = String::from_utf8_lossy(&answer).to_lowercase();
        assert!(answer.starts_with("http/1.1 413"), "{answer}");
        assert!(answer.contains("connection: close"), "{answer}");
        assert!(answer.contains("payload_too_large"), "{answer}");
    }
    // Chunked, without a length: refused once it passes the limit.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        (0..40).map(|_| Ok(vec![b' '; 64 * 1024])).collect();
    let stream = futures_util::stream::iter(chunks);
    let resp = app
        .client
        .post(format!("{}/graphql", app.base))
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(stream))
        .send()
        .await
        .expect("a 413, not a broken pipe");
    assert_eq!(resp.status(), 413);
    // The same (pooled) client sends on, on a new connection.
    let (status, _, reply) = app
        .post_raw(vec![b' '; 2 * 1024 * 1024], Some("application/json"), None)
        .await;
    assert_eq!(status, 413, "{reply}");
    alive(&app).await;
}

/// SQLite has one writer: writes queue in-process, and a write whose request is
/// cancelled (the client gave up) rolls back before the next one starts, so no
/// write fails with "database is locked" however they interleave with reads.
#[tokio::test]
async fn sqlite_writes_never_meet_a_locked_database() {
    let mut app = TestApp::spawn(Backend::Sqlite, Fixture::Bench(20)).await;
    app.sign_in("author1").await;
    let token = app.login("author1").await;
    let impatient = reqwest::Client::builder()
        .timeout(std::time::Duration::from_millis(3))
        .build()
        .expect("client");
    let create = |i: usize| {
        json!({ "query": format!(
            "mutation {{ createPost(input: {{ title: \"Concurrent {i}\", body: \"b\", tagNames: [\"t{}\", \"shared\"], publish: true }}) {{ post {{ id }} }} }}",
            i % 7
        ) })
    };
    let mut patient = Vec::new();
    let mut cancelled = Vec::new();
    for i in 0..60 {
        let url = format!("{}/graphql", app.base);
        if i % 3 == 0 {
            let (client, token, body) = (impatient.clone(), token.clone(), create(i));
            cancelled.push(tokio::spawn(async move {
                let _ = client.post(url).bearer_auth(token).json(&body).send().await;
            }));
        } else {
            let (client, token, body) = (app.client.clone(), token.clone(), create(i));
            let read = json!({ "query": "{ posts(first: 100, filter: { tags: { some: { slug: { startsWith: \"t\" } } } }) { totalCount nodes { tags { nodes { name } } } } }" });
            patient.push(tokio::spawn(async move {
                let url2 = url.clone();
                let (write, read) = tokio::join!(
                    client.post(url).bearer_auth(&token).json(&body).send(),
                    client.post(url2).json(&read).send(),
                );
                let write: Value = write.expect("sent").json().await.expect("JSON");
                let read: Value = read.expect("sent").json().await.expect("JSON");
                (write, read)
            }));
        }
    }
    for task in cancelled {
        task.await.expect("joined");
    }
    let mut written = 0;
    for task in patient {
        let (write, read) = task.await.expect("joined");
        assert!(write.get("errors").is_none(), "{write}");
        assert!(read.get("errors").is_none(), "{read}");
        written += 1;
    }
    assert_eq!(written, 40);
    // Every write either happened whole or not at all: each post has both tags.
    let counts = app
        .sql("SELECT COUNT(*) FROM posts p WHERE p.title LIKE 'Concurrent %' AND (SELECT COUNT(*) FROM post_tags pt WHERE pt.post_id = p.id) <> 2")
        .await;
    assert_eq!(counts, [Some(0)]);
    let made = app
        .sql("SELECT COUNT(*) FROM posts WHERE title LIKE 'Concurrent %'")
        .await;
    assert!(made[0].is_some_and(|n| (40..=60).contains(&n)), "{made:?}");
    alive(&app).await;
}

/// Parsed documents are kept between requests (`--document-cache-size`): a kept
/// document still has its variables checked every time, picks its operation by
/// name every time, and a refused document is refused every time.
#[tokio::test]
async fn documents_seen_before_are_checked_again() {
    if !listed(Backend::Sqlite) {
        return;
    }
    let app = TestApp::spawn(Backend::Sqlite, Fixture::Demo).await;
    let paged = "query($n: Int) { posts(first: $n) { totalCount } }";
    for n in [1, 1_000_000, 2, 101] {
        let (status, body) = send(&app, paged, json!({ "n": n })).await;
        assert_eq!(status, 200);
        if n > 100 {
            assert_eq!(codes(&body), ["BAD_USER_INPUT"], "first: {n}: {body}");
        } else {
            assert_eq!(body["data"]["posts"]["totalCount"], 3, "{body}");
        }
    }

    let aliases = (0..60)
        .map(|i| format!("a{i}: __typename"))
        .collect::<Vec<_>>()
        .join(" ");
    for query in [format!("{{ {aliases} }}"), "{ posts { ".to_owned()] {
        let (_, first) = send(&app, &query, json!({})).await;
        let (_, again) = send(&app, &query, json!({})).await;
        assert!(!codes(&first).is_empty(), "{first}");
        assert_eq!(first, again, "{query}");
    }

    let two = "query A { a: __typename } query B { b: __typename }";
    for (name, field) in [("A", "a"), ("B", "b"), ("A", "a")] {
        let body = json!({ "query": two, "operationName": name }).to_string();
        let (_, _, reply) = app.post_raw(body, Some("application/json"), None).await;
        assert_eq!(reply["data"], json!({ field: "Query" }), "{reply}");
    }
}
