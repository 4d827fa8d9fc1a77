//! GraphQL over HTTP as clients meet it: content types, content negotiation and
//! status codes, the body limit, batches, Apollo's persisted queries, the document
//! limits, and the pool and statement timeouts.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::helpers::{Backend, Fixture, TestApp, backends, each_backend, listed};
use rstest_reuse::apply;

const JSON: Option<&str> = Some("application/json");
const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

fn body(query: &str) -> String {
    json!({ "query": query }).to_string()
}

fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_default()
}

pub fn sha256(text: &str) -> String {
    format!("{:x}", Sha256::digest(text.as_bytes()))
}

const REGISTER: &str = r#"mutation { register(input: { username: "mallory", email: "m@example.com", name: "M", password: "correct horse battery" }) { token } }"#;

#[apply(each_backend)]
#[tokio::test]
async fn only_json_bodies_are_read(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let app = TestApp::spawn(backend, Fixture::Demo).await;
    // A form or text/plain body is what a cross-site form can send: refused unread.
    for content_type in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        Some("application/graphql"),
        Some("application/json; charset=iso-8859-1"),
        None,
    ] {
        let (status, _, reply) = app.post_raw(body(REGISTER), content_type, None).await;
        assert_eq!(status, 415, "{content_type:?}");
        assert_eq!(code(&reply), "UNSUPPORTED_MEDIA_TYPE");
    }
    assert_eq!(
        app.sql("SELECT COUNT(*) FROM authors WHERE username = 'mallory'")
            .await,
        vec![Some(0)],
        "{backend:?}: nothing ran"
    );
    for content_type in ["application/json", "Application/JSON; charset=UTF-8"] {
        let (status, _, reply) = app
            .post_raw(body("{ posts { totalCount } }"), Some(content_type), None)
            .await;
        assert_eq!(status, 200, "{content_type}");
        assert_eq!(reply["data"]["posts"]["totalCount"], 3);
    }
    // Not JSON, or JSON that is not a request: 400, whatever is accepted.
    for (text, accept) in [
        ("{ posts", None),
        (r#"{"query": 1}"#, None),
        (
            r#"{"query": "{ posts { totalCount } }", "variables": [1]}"#,
            None,
        ),
        (
            r#"{"query": "{ posts { totalCount } }", "operationName": 7}"#,
            None,
        ),
        (r#"{"operationName": "Q"}"#, Some(GRAPHQL_RESPONSE)),
        ("7", None),
    ] {
        let (status, _, reply) = app.post_raw(text.to_owned(), JSON, accept).await;
        assert_eq!(status, 400, "{text}");
        assert!(reply.get("data").is_none(), "{text}: {reply}");
        assert!(reply["errors"][0]["message"].is_string(), "{text}");
    }
}

#[apply(each_backend)]
#[tokio::test]
async fn responses_follow_the_accepted_media_type(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let app = TestApp::spawn(backend, Fixture::Demo).await;
    let ok = body("{ posts { totalCount } }");
    let unparsable = body("{ posts { totalCount }");
    let invalid = body("{ posts { noSuchField } }");
    // A field error: the operation ran, `data` is there.
    let field_error = body("{ posts(after: \"not a cursor\") { totalCount } }");

    for (accept, content_type) in [
        (None, "application/json"),
        (Some("*/*"), "application/json"),
        (Some("application/json"), "application/json"),
        (
            Some("application/graphql-response+json, application/json;q=0.9"),
            GRAPHQL_RESPONSE,
        ),
    ] {
        let strict = content_type == GRAPHQL_RESPONSE;
        let (status, ct, reply) = app.post_raw(ok.clone(), JSON, accept).await;
        assert_eq!(
            (status, ct.as_str()),
            (200, format!("{content_type}; charset=utf-8").as_str())
        );
        assert_eq!(reply["data"]["posts"]["totalCount"], 3);

        for (request, expected_code) in [
            (&unparsable, "GRAPHQL_PARSE_FAILED"),
            (&invalid, "GRAPHQL_VALIDATION_FAILED"),
        ] {
            let (status, _, reply) = app.post_raw(request.clone(), JSON, accept).await;
            // application/json: 200 for every well-formed request; the
            // graphql-response type says "nothing ran" with 400.
            assert_eq!(
                status,
                if strict { 400 } else { 200 },
                "{accept:?} {request}"
            );
            assert_eq!(code(&reply), expected_code);
            assert!(reply.get("data").is_none(), "no data entry: {reply}");
        }
        let (status, _, reply) = app.post_raw(field_error.clone(), JSON, accept).await;
        assert_eq!(status, 200, "{accept:?}");
        assert_eq!(code(&reply), "BAD_USER_INPUT");
        assert!(reply.get("data").is_some(), "{reply}");
    }

    // GET negotiates the same way.
    let (status, ct, reply) = app
        .get_raw(
            &[("query", "{ posts { totalCount } }")],
            Some(GRAPHQL_RESPONSE),
        )
        .await;
    assert_eq!(
        (status, ct.as_str()),
        (200, "application/graphql-response+json; charset=utf-8")
    );
    assert_eq!(reply["data"]["posts"]["totalCount"], 3);
    let (status, _, _) = app
        .get_raw(&[("query", "{ posts {")], Some(GRAPHQL_RESPONSE))
        .await;
    assert_eq!(status, 400);

    // Neither type acceptable.
    let (status, _, _) = app.post_raw(ok.clone(), JSON, Some("text/html")).await;
    assert_eq!(status, 406, "{backend:?}");
}

#[apply(each_backend)]
#[tokio::test]
async fn bodies_over_the_limit_get_413_unread(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    {
        let app = TestApp::spawn_with(backend, Fixture::Demo, |c| c.http.body_limit = 4096).await;
        let padding = " ".repeat(5000);
        let big = format!(r#"{{"query": "{{ posts {{ totalCount }} }}{padding}"}}"#);
        let (status, _, _) = app.post_raw(big, JSON, None).await;
        assert_eq!(status, 413, "{backend:?}");
        let (status, _, _) = app
            .post_raw(body("{ posts { totalCount } }"), JSON, None)
            .await;
        assert_eq!(status, 200);
    }
    // The default is 1 MiB.
    let app = TestApp::spawn(backends()[0], Fixture::Demo).await;
    let big = format!(
        r#"{{"query": "{{ posts {{ totalCount }} }}{}"}}"#,
        " ".repeat(1 << 20)
    );
    assert_eq!(app.post_raw(big, JSON, None).await.0, 413);
}

/// Answers are gzipped for a client that accepts it, unless they fit one TCP
/// segment, where compression cannot save a packet.
#[tokio::test]
async fn answers_over_one_segment_are_gzipped_when_accepted() {
    let app = TestApp::spawn(backends()[0], Fixture::Demo).await;
    let encoding = |query: &'static str| {
        let post = app
            .client
            .post(format!("{}/graphql", app.base))
            .header("accept-encoding", "gzip")
            .json(&json!({ "query": query }));
        async move {
            let resp = post.send().await.expect("an answer");
            assert_eq!(resp.status(), 200);
            let encoding = resp.headers().get("content-encoding").cloned();
            let bytes = resp.bytes().await.expect("a body").len();
            (
                encoding.and_then(|v| v.to_str().ok().map(str::to_owned)),
                bytes,
            )
        }
    };
    let (small, bytes) = encoding("{ __typename }").await;
    assert_eq!(small, None, "{bytes} bytes");
    let (large, bytes) = encoding("{ __schema { types { name description } } }").await;
    assert_eq!(large.as_deref(), Some("gzip"));
    assert!(bytes > 100, "{bytes}");
}

#[apply(each_backend)]
#[tokio::test]
async fn batches_answer_each_operation_in_order_up_to_the_cap(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    {
        let app = TestApp::spawn(backend, Fixture::Demo).await;
        let batch = json!([
            { "query": "{ posts { totalCount } }" },
            { "query": "{ posts { noSuchField } }" },
            { "query": "query($u: String!) { author(username: $u) { name } }", "variables": { "u": "bob" } },
            { "query": 5 },
        ]);
        let (status, _, reply) = app.post_raw(batch.to_string(), JSON, None).await;
        assert_eq!(status, 200, "{backend:?}");
        let answers = reply.as_array().expect("an array of answers");
        assert_eq!(answers.len(), 4);
        assert_eq!(answers[0]["data"]["posts"]["totalCount"], 3);
        assert_eq!(code(&answers[1]), "GRAPHQL_VALIDATION_FAILED");
        assert_eq!(answers[2]["data"]["author"]["name"], "Bob Dupont");
        assert_eq!(code(&answers[3]), "BAD_REQUEST");

        let eleven: Vec<Value> = (0..11)
            .map(|_| json!({ "query": "{ posts { totalCount } }" }))
            .collect();
        let (status, _, reply) = app.post_raw(json!(eleven).to_string(), JSON, None).await;
        assert_eq!(status, 400);
        assert!(
            reply["errors"][0]["message"]
                .as_str()
                .unwrap_or_default()
                .contains("10")
        );
        let (status, _, _) = app.post_raw("[]".to_owned(), JSON, None).await;
        assert_eq!(status, 400);
    }
    let app = TestApp::spawn_with(backends()[0], Fixture::Demo, |c| c.http.max_batch = 2).await;
    let three = json!([{ "query": "{ __typename }" }, { "query": "{ __typename }" }, { "query": "{ __typename }" }]);
    assert_eq!(app.post_raw(three.to_string(), JSON, None).await.0, 400);
}

#[apply(each_backend)]
#[tokio::test]
async fn persisted_queries_are_registered_then_sent_by_hash(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let app = TestApp::spawn_with(backend, Fixture::Demo, |c| c.apq.max_entries = 2).await;
    let query = "{ posts { totalCount } }";
    let hash = sha256(query);
    let by_hash = |hash: &str| {
        json!({ "extensions": { "persistedQuery": { "version": 1, "sha256Hash": hash } } })
            .to_string()
    };
    // Unknown: 200 (Apollo Client turns APQ off on a 400), then the client retries.
    for accept in [None, Some(GRAPHQL_RESPONSE)] {
        let (status, _, reply) = app.post_raw(by_hash(&hash), JSON, accept).await;
        assert_eq!(status, 200, "{accept:?}");
        assert_eq!(code(&reply), "PERSISTED_QUERY_NOT_FOUND");
        assert_eq!(reply["errors"][0]["message"], "PersistedQueryNotFound");
    }
    let register = json!({ "query": query,
        "extensions": { "persistedQuery": { "version": 1, "sha256Hash": hash } } });
    let (status, _, reply) = app.post_raw(register.to_string(), JSON, None).await;
    assert_eq!(status, 200);
    assert_eq!(reply["data"]["posts"]["totalCount"], 3);
    let (_, _, reply) = app.post_raw(by_hash(&hash), JSON, None).await;
    assert_eq!(reply["data"]["posts"]["totalCount"], 3, "{backend:?}");
    // GET, as Apollo sends hashed queries.
    let ext = json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } }).to_string();
    let (status, _, reply) = app.get_raw(&[("extensions", ext.as_str())], None).await;
    assert_eq!(status, 200);
    assert_eq!(reply["data"]["posts"]["totalCount"], 3);

    // A hash that is not the document's.
    let wrong = json!({ "query": "{ tags { totalCount } }",
        "extensions": { "persistedQuery": { "version": 1, "sha256Hash": hash } } });
    let (_, _, reply) = app.post_raw(wrong.to_string(), JSON, None).await;
    assert_eq!(code(&reply), "BAD_REQUEST");
    // The cache is bounded: two newer documents push the first one out.
    for other in ["{ tags { totalCount } }", "{ authors { totalCount } }"] {
        let register = json!({ "query": other,
            "extensions": { "persistedQuery": { "version": 1, "sha256Hash": sha256(other) } } });
        app.post_raw(register.to_string(), JSON, None).await;
    }
    let (_, _, reply) = app.post_raw(by_hash(&hash), JSON, None).await;
    assert_eq!(code(&reply), "PERSISTED_QUERY_NOT_FOUND", "{backend:?}");

    // A persisted mutation is still a mutation: not by GET.
    let register = json!({ "query": REGISTER,
        "extensions": { "persistedQuery": { "version": 1, "sha256Hash": sha256(REGISTER) } } });
    let ext =
        json!({ "persistedQuery": { "version": 1, "sha256Hash": sha256(REGISTER) } }).to_string();
    // Registered by a POST that runs it once...
    app.post_raw(register.to_string(), JSON, None).await;
    let (status, _, _) = app.get_raw(&[("extensions", ext.as_str())], None).await;
    assert_eq!(status, 405);
    assert_eq!(
        app.sql("SELECT COUNT(*) FROM authors WHERE username = 'mallory'")
            .await,
        vec![Some(1)],
        "only the POST ran"
    );
}

#[apply(each_backend)]
#[tokio::test]
async fn document_limits_refuse_before_anything_runs(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    {
        let app = TestApp::spawn(backend, Fixture::Demo).await;
        let aliases: String = (0..51).map(|i| format!(" a{i}: __typename")).collect();
        let aliases = format!("posts {{{aliases} }}");
        let roots: String = (0..21)
            .map(|i| format!(" p{i}: posts {{ totalCount }}"))
            .collect();
        let directives = "{ posts @skip(if: false) @skip(if: false) @skip(if: false) @skip(if: false) @skip(if: false) @skip(if: false) { totalCount } }";
        let mut bomb = String::from("{ posts { nodes { ...F7 } } } fragment F0 on Post { id }");
        for i in 1..8 {
            let spreads = format!(" ...F{}", i - 1).repeat(10);
            bomb.push_str(&format!(" fragment F{i} on Post {{{spreads} }}"));
        }
        let tokens = format!("{{ posts {{ {} }} }}", "totalCount ".repeat(5000));
        for (query, limit) in [
            (format!("{{{aliases} }}"), "aliases"),
            (format!("{{{roots} }}"), "rootFields"),
            (directives.to_owned(), "directives"),
            (bomb, "fields"),
            (tokens, "tokens"),
        ] {
            for accept in [None, Some(GRAPHQL_RESPONSE)] {
                let (status, _, reply) = app.post_raw(body(&query), JSON, accept).await;
                assert_eq!(status, if accept.is_some() { 400 } else { 200 }, "{limit}");
                assert_eq!(
                    code(&reply),
                    "GRAPHQL_VALIDATION_FAILED",
                    "{limit}: {reply}"
                );
                assert_eq!(reply["errors"][0]["extensions"]["limit"], limit);
                // Refused before it ran: no data, and no statement count either.
                assert!(reply.get("data").is_none());
                assert!(reply.get("extensions").is_none(), "{limit}: {reply}");
            }
        }
        // At the limits, documents run.
        let aliases: String = (0..50).map(|i| format!(" a{i}: __typename")).collect();
        let roots: String = (0..20).map(|i| format!(" p{i}: __typename")).collect();
        let data = app.data(&format!("{{ posts {{{aliases} }} }}")).await;
        assert_eq!(data["posts"]["a49"], "PostConnection");
        assert_eq!(app.data(&format!("{{{roots} }}")).await["p19"], "Query");
    }
    // Each limit follows its setting.
    let app = TestApp::spawn_with(backends()[0], Fixture::Demo, |c| {
        c.document_limits.max_aliases = 1;
        c.document_limits.max_root_fields = 1;
    })
    .await;
    let (_, _, reply) = app
        .post_raw(
            body("{ posts { a: totalCount b: totalCount } }"),
            JSON,
            None,
        )
        .await;
    assert_eq!(reply["errors"][0]["extensions"]["limit"], "aliases");
    let (_, _, reply) = app
        .post_raw(
            body("{ posts { totalCount } tags { totalCount } }"),
            JSON,
            None,
        )
        .await;
    assert_eq!(reply["errors"][0]["extensions"]["limit"], "rootFields");
}

/// Holds an exclusive lock on `posts` (from outside the server) until rolled back:
/// every statement that reads posts waits.
async fn lock_posts(app: &TestApp) -> sea_orm::DatabaseTransaction {
    use sea_orm::{ConnectionTrait, TransactionTrait};
    let holder = app.db.connect().await;
    let lock = holder.begin().await.expect("begin");
    lock.execute_unprepared("LOCK TABLE posts IN ACCESS EXCLUSIVE MODE")
        .await
        .expect("lock");
    lock
}

#[tokio::test]
async fn slow_statements_a_full_pool_and_slow_requests_answer_quickly() {
    // Only PostgreSQL has a per-statement timeout; the pool limit is the same code
    // on every backend, and a table lock is how a test holds a statement up.
    if !backends().contains(&Backend::Postgres) {
        return;
    }
    let app = TestApp::spawn_with(Backend::Postgres, Fixture::Demo, |c| {
        c.pool.statement_timeout = std::time::Duration::from_millis(1000).into();
        c.pool.acquire_timeout = std::time::Duration::from_millis(200).into();
        c.pool.max_connections = 1;
    })
    .await;
    let lock = lock_posts(&app).await;

    // A statement blocked by the lock is cancelled at the timeout.
    let body_json = app.request("{ posts { totalCount } }", json!({})).await;
    assert_eq!(code(&body_json), "TIMEOUT", "{body_json}");
    assert!(
        !body_json.to_string().contains("canceling"),
        "no driver text"
    );

    // While the only connection waits on the lock, a second request gets no
    // connection and is told so, instead of queueing.
    let blocked = app.request("{ posts { totalCount } }", json!({}));
    let second = async {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        app.request("{ tags { totalCount } }", json!({})).await
    };
    let (first, second) = tokio::join!(blocked, second);
    assert_eq!(code(&second), "SERVICE_UNAVAILABLE", "{second}");
    assert_eq!(code(&first), "TIMEOUT", "{first}");
    lock.rollback().await.expect("rollback");
    assert_eq!(
        app.data("{ posts { totalCount } }").await["posts"]["totalCount"],
        3
    );

    // The whole request has its own limit (tower-http), shorter here than the
    // statement's: the client gets 408 when it passes.
    let app = TestApp::spawn_with(Backend::Postgres, Fixture::Demo, |c| {
        c.http.request_timeout = std::time::Duration::from_millis(300).into();
    })
    .await;
    let lock = lock_posts(&app).await;
    let (status, _, _) = app
        .post_raw(body("{ posts { totalCount } }"), JSON, None)
        .await;
    assert_eq!(status, 408);
    lock.rollback().await.expect("rollback");
}
