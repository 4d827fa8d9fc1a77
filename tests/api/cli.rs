//! The `blogql` binary: first start with no configuration, graceful shutdown,
//! migrations, seeding, printing the schema and comparing it with an older one,
//! sweeping stored files, JSON logs and OpenTelemetry traces.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use entity::{comment, post, post_tag};
use sea_orm::{EntityTrait, QueryOrder};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_blogql");

fn blogql(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .env_remove("DATABASE_URL")
        .env_remove("BLOGQL_MEDIA_DIR")
        .env("RUST_LOG", "warn")
        .output()
        .expect("run blogql")
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("blogql-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn schema_command_prints_the_checked_in_sdl() {
    let out = blogql(&std::env::temp_dir(), &["schema"]);
    assert!(out.status.success());
    let checked_in =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql"))
            .unwrap_or_default();
    pretty_assertions::assert_eq!(checked_in, stdout(&out));
}

/// `schema --diff`: no change against the checked-in SDL; a field the old schema
/// had is a breaking change, exit 1, unless the accept file lists it; a type the
/// old schema lacked is safe; a file that is not SDL is an error.
#[test]
fn schema_diff_classes_changes_and_fails_on_breaking_ones() {
    let dir = temp_dir("schema-diff");
    let current = stdout(&blogql(&dir, &["schema"]));
    std::fs::write(dir.join("same.graphql"), &current).expect("write");
    let out = blogql(&dir, &["schema", "--diff", "same.graphql"]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        stdout(&out),
        "0 breaking (0 not accepted), 0 dangerous, 0 safe\n"
    );

    // The old schema had `Post.rowId` and an enum value since removed, and no `Node`.
    let old = current
        .replacen(
            "type Post implements Node {",
            "type Post {\n\trowId: Int!",
            1,
        )
        .replacen("enum PostStatus {", "enum PostStatus {\n\tARCHIVED", 1);
    assert_ne!(old, current, "the edits apply");
    std::fs::write(dir.join("old.graphql"), &old).expect("write");
    let out = blogql(&dir, &["schema", "--diff", "old.graphql"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let report = stdout(&out);
    for line in [
        "BREAKING  FIELD_REMOVED Post.rowId removed",
        "BREAKING  VALUE_REMOVED_FROM_ENUM PostStatus.ARCHIVED removed",
        "DANGEROUS IMPLEMENTED_INTERFACE_ADDED Post now implements Node",
        "2 breaking (2 not accepted), 1 dangerous, 0 safe",
    ] {
        assert!(
            report.lines().any(|l| l == line),
            "{line:?} not in\n{report}"
        );
    }

    // Accepting one of the two is not enough; accepting both is.
    let accept = dir.join("accept.txt");
    std::fs::write(&accept, "# on purpose\nFIELD_REMOVED Post.rowId\n").expect("write");
    let args = ["schema", "--diff", "old.graphql", "--accept", "accept.txt"];
    let out = blogql(&dir, &args);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(stdout(&out).contains("FIELD_REMOVED Post.rowId removed  (accepted)"));
    let both = "FIELD_REMOVED Post.rowId\nVALUE_REMOVED_FROM_ENUM PostStatus.ARCHIVED # gone\n";
    std::fs::write(&accept, both).expect("write");
    let out = blogql(&dir, &args);
    assert!(out.status.success(), "{out:?}");
    assert!(stdout(&out).ends_with("2 breaking (0 not accepted), 1 dangerous, 0 safe\n"));

    std::fs::write(dir.join("bad.graphql"), "type {").expect("write");
    let out = blogql(&dir, &["schema", "--diff", "bad.graphql"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("blogql: bad.graphql: "));
    let out = blogql(&dir, &["schema", "--diff", "missing.graphql"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `blogql media gc` removes what no profile holds and is old enough not to be an
/// upload in flight; `--dry-run` only lists it.
#[tokio::test]
async fn media_gc_removes_only_old_files_no_row_holds() {
    let dir = temp_dir("media-gc");
    assert!(blogql(&dir, &["seed", "--authors", "2"]).status.success());
    let held = format!("avatars/{}.png", "a".repeat(64));
    let conn = sea_orm::Database::connect(format!("sqlite://{}", dir.join("blogql.db").display()))
        .await
        .expect("the database");
    sea_orm::ConnectionTrait::execute_unprepared(
        &conn,
        &format!("UPDATE profiles SET avatar = '{held}' WHERE id = 1"),
    )
    .await
    .expect("an avatar");
    conn.close().await.ok();
    let orphan = format!("avatars/{}.jpg", "b".repeat(64));
    let young = format!("avatars/{}.gif", "c".repeat(64));
    let stale = ".incoming/dddd".to_owned();
    let hour_ago = std::time::SystemTime::now() - Duration::from_secs(7200);
    for name in [&held, &orphan, &young, &stale] {
        let path = dir.join("media").join(name);
        std::fs::create_dir_all(path.parent().expect("a folder")).expect("folder");
        std::fs::write(&path, b"image").expect("a file");
        if name != &young {
            std::fs::File::options()
                .write(true)
                .open(&path)
                .and_then(|f| f.set_modified(hour_ago))
                .expect("an old file");
        }
    }
    let present = |name: &str| dir.join("media").join(name).exists();

    let out = blogql(&dir, &["media", "gc", "--dry-run"]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        stdout(&out),
        format!("{stale}\n{orphan}\nwould remove 2 file(s) no row holds\n")
    );
    assert!([&held, &orphan, &young, &stale].iter().all(|n| present(n)));

    let out = blogql(&dir, &["media", "gc"]);
    assert!(out.status.success(), "{out:?}");
    assert!(stdout(&out).ends_with("removed 2 file(s) no row holds\n"));
    assert!(present(&held) && present(&young));
    assert!(!present(&orphan) && !present(&stale));

    let out = blogql(&dir, &["media", "gc", "--older-than", "0"]);
    assert_eq!(
        stdout(&out),
        format!("{young}\nremoved 1 file(s) no row holds\n")
    );
    assert!(present(&held) && !present(&young));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn migrate_up_down_status_and_fresh() {
    let dir = temp_dir("migrate");
    let status = |expected: &str| {
        let out = blogql(&dir, &["migrate", "status"]);
        assert!(out.status.success(), "{out:?}");
        assert_eq!(
            stdout(&out),
            format!(
                "m20261121_000001_create_blog_schema\t{expected}\n\
                 m20261121_000002_author_accounts\t{expected}\n\
                 m20261202_000003_token_versions\t{expected}\n\
                 m20261205_000004_profile_avatar\t{expected}\n\
                 m20261205_000005_media_lock\t{expected}\n"
            )
        );
    };
    status("Pending");
    assert!(blogql(&dir, &["migrate", "up"]).status.success());
    status("Applied");
    // Down rolls back one migration at a time.
    for _ in 0..5 {
        assert!(blogql(&dir, &["migrate", "down"]).status.success());
    }
    status("Pending");
    assert!(blogql(&dir, &["migrate", "fresh"]).status.success());
    status("Applied");
    assert!(
        dir.join("blogql.db").exists(),
        "the default database is ./blogql.db"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn seed_is_deterministic_and_refuses_to_mix_data() {
    let (a, b) = (temp_dir("seed-a"), temp_dir("seed-b"));
    for dir in [&a, &b] {
        let out = blogql(dir, &["seed", "--authors", "5"]);
        assert!(out.status.success(), "{out:?}");
        assert!(
            stdout(&out).starts_with("seeded 5 authors, 100 posts, 500 tag links, 500 comments in"),
            "{}",
            stdout(&out)
        );
    }
    let again = blogql(&a, &["seed", "--authors", "5"]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already holds data"));
    assert!(
        blogql(&a, &["seed", "--authors", "5", "--fresh"])
            .status
            .success()
    );

    let open = |dir: &Path| {
        let url = format!("sqlite://{}", dir.join("blogql.db").display());
        async move {
            blogql::db::connect(&url, blogql::db::PoolSettings::single())
                .await
                .expect("connect")
        }
    };
    let (da, db) = (open(&a).await, open(&b).await);
    let posts = |c| post::Entity::find().order_by_asc(post::Column::Id).all(c);
    assert_eq!(
        posts(&da).await.expect("posts"),
        posts(&db).await.expect("posts")
    );
    let links = |c| {
        post_tag::Entity::find()
            .order_by_asc(post_tag::Column::PostId)
            .order_by_asc(post_tag::Column::TagId)
            .all(c)
    };
    assert_eq!(
        links(&da).await.expect("links"),
        links(&db).await.expect("links")
    );
    let comments = |c| {
        comment::Entity::find()
            .order_by_asc(comment::Column::Id)
            .all(c)
    };
    let ca = comments(&da).await.expect("comments");
    assert_eq!(ca, comments(&db).await.expect("comments"));
    assert_eq!(
        ca.iter().filter(|c| c.author_id.is_none()).count(),
        25,
        "5% anonymous"
    );
    for dir in [a, b] {
        let _ = std::fs::remove_dir_all(dir);
    }
}

#[tokio::test]
async fn first_start_creates_the_sqlite_file_and_stops_on_sigterm() {
    let dir = temp_dir("serve");
    let (child, url) = serve(&dir, &[], Stdio::null()).await;
    assert!(dir.join("blogql.db").exists());
    let body = alice_city(&url).await;
    assert_eq!(
        body["data"]["author"]["profile"]["city"], "Casablanca",
        "demo data loaded"
    );
    let exited = stop(child).await;
    assert!(
        exited.is_some_and(|s| s.success()),
        "exits cleanly on SIGTERM: {exited:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn json_logs_are_one_object_per_line() {
    let dir = temp_dir("json-logs");
    let log = dir.join("stderr.log");
    let file = std::fs::File::create(&log).expect("a log file");
    let (child, url) = serve(&dir, &["--log-format", "json"], file.into()).await;
    assert!(alice_city(&url).await["data"]["author"].is_object());
    assert!(stop(child).await.is_some_and(|s| s.success()));
    let text = std::fs::read_to_string(&log).expect("the log");
    let events: Vec<serde_json::Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect();
    let message = |m: &str| {
        events
            .iter()
            .find(|e| {
                e["fields"]["message"]
                    .as_str()
                    .is_some_and(|s| s.contains(m))
            })
            .unwrap_or_else(|| panic!("no {m:?} in {text}"))
    };
    let listening = message("blogql listening");
    assert_eq!(listening["level"], "INFO");
    assert_eq!(listening["target"], "blogql::startup");
    assert!(
        listening["fields"]["addr"]
            .as_str()
            .is_some_and(|a| url.ends_with(a))
    );
    assert!(listening["timestamp"].is_string());
    message("shutting down");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A tiny OTLP/HTTP receiver on loopback: every JSON body POSTed to `/v1/traces`.
async fn otlp_receiver() -> (String, Arc<Mutex<Vec<Value>>>) {
    let bodies = Arc::new(Mutex::new(Vec::new()));
    let kept = bodies.clone();
    let app = axum::Router::new().route(
        "/v1/traces",
        axum::routing::post(move |body: axum::body::Bytes| {
            let kept = kept.clone();
            async move {
                let json = serde_json::from_slice(&body).unwrap_or(Value::Null);
                kept.lock().expect("the bodies").push(json);
                ([("content-type", "application/json")], "{}")
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let url = format!("http://{}", listener.local_addr().expect("its address"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, bodies)
}

/// Every span the receiver got: (name, trace id, span id, parent span id, attributes).
fn spans(bodies: &[Value]) -> Vec<(String, String, String, String, Value)> {
    let mut out = Vec::new();
    let list = |v: &Value, key: &str| v[key].as_array().cloned().unwrap_or_default();
    for body in bodies {
        for resource in list(body, "resourceSpans") {
            for scope in list(&resource, "scopeSpans") {
                for span in list(&scope, "spans") {
                    let text = |k: &str| span[k].as_str().unwrap_or_default().to_owned();
                    out.push((
                        text("name"),
                        text("traceId"),
                        text("spanId"),
                        text("parentSpanId"),
                        span["attributes"].clone(),
                    ));
                }
            }
        }
    }
    out
}

/// With `OTEL_EXPORTER_OTLP_ENDPOINT` set, an operation's spans reach an OTLP
/// receiver: the operation's, named for it; a loader batch under it; its
/// statement under the batch; all in one trace. A request with a W3C
/// `traceparent` continues the caller's trace; a malformed one starts its own.
#[tokio::test]
async fn traces_reach_an_otlp_receiver_with_their_parents() {
    let (endpoint, bodies) = otlp_receiver().await;
    let dir = temp_dir("traces");
    let env = [
        ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.as_str()),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"),
        ("OTEL_BSP_SCHEDULE_DELAY", "100"),
    ];
    let (child, url) = serve_with(&dir, &[], &env, Stdio::null()).await;
    let query = "query TraceProbe { posts(first: 2) { nodes { title tags { nodes { name } } } } }";
    let body: Value = reqwest::Client::new()
        .post(format!("{url}/graphql"))
        .json(&serde_json::json!({ "query": query }))
        .send()
        .await
        .expect("query")
        .json()
        .await
        .expect("json");
    assert!(body["data"]["posts"]["nodes"].is_array(), "{body}");
    let (caller_trace, caller_span) = ("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7");
    for (name, traceparent) in [
        ("Continued", format!("00-{caller_trace}-{caller_span}-01")),
        ("Malformed", format!("00-{caller_trace}-{caller_span}")),
    ] {
        let resp = reqwest::Client::new()
            .get(format!("{url}/graphql"))
            .query(&[(
                "query",
                format!("query {name} {{ tags(first: 1) {{ nodes {{ name }} }} }}"),
            )])
            .header("traceparent", traceparent)
            .send()
            .await
            .expect("query");
        assert_eq!(resp.status(), 200);
    }
    // Over WebSocket too: a query as the one event of a stream.
    let mut ws = crate::subscriptions::ready(&url, None).await;
    let query =
        "query OverSocket { tags(first: 1) { nodes { name posts(first: 1) { nodes { id } } } } }";
    crate::subscriptions::send(
        &mut ws,
        serde_json::json!({ "id": "1", "type": "subscribe", "payload": { "query": query } }),
    )
    .await;
    assert_eq!(crate::subscriptions::recv(&mut ws).await["type"], "next");
    assert_eq!(
        crate::subscriptions::recv(&mut ws).await["type"],
        "complete"
    );
    drop(ws);
    assert!(stop(child).await.is_some_and(|s| s.success()));

    let mut got = Vec::new();
    for _ in 0..100 {
        got = spans(&bodies.lock().expect("the bodies"));
        if got.iter().any(|s| s.0 == "sql") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let operation = got
        .iter()
        .find(|s| s.0 == "query TraceProbe")
        .unwrap_or_else(|| panic!("no operation span in {got:#?}"));
    let (_, trace, root, parent, attributes) = operation;
    assert_eq!(parent, "", "the operation's span is the root");
    assert!(
        attributes
            .as_array()
            .is_some_and(|a| a.iter().any(|kv| kv["key"] == "graphql.operation.name"
                && kv["value"]["stringValue"] == "TraceProbe")),
        "{attributes}"
    );
    let batches: Vec<_> = got
        .iter()
        .filter(|s| s.0 == "loader.batch" && &s.1 == trace && &s.3 == root)
        .collect();
    assert!(
        !batches.is_empty(),
        "no loader batch under the operation: {got:#?}"
    );
    let under_batch = got
        .iter()
        .filter(|s| s.0 == "sql" && &s.1 == trace)
        .filter(|s| batches.iter().any(|b| b.2 == s.3))
        .count();
    assert!(under_batch >= 1, "no statement under a batch: {got:#?}");
    // The list's own statement hangs from the operation.
    assert!(got.iter().any(|s| s.0 == "sql" && &s.3 == root), "{got:#?}");

    let continued = got
        .iter()
        .find(|s| s.0 == "query Continued")
        .unwrap_or_else(|| panic!("no span of the continued trace in {got:#?}"));
    assert_eq!(
        (continued.1.as_str(), continued.3.as_str()),
        (caller_trace, caller_span)
    );
    let own = got
        .iter()
        .find(|s| s.0 == "query Malformed")
        .unwrap_or_else(|| panic!("no span of the malformed one in {got:#?}"));
    assert_ne!(own.1, caller_trace);
    assert_eq!(own.3, "");

    let socket = got
        .iter()
        .find(|s| s.0 == "query OverSocket")
        .unwrap_or_else(|| panic!("no span of the WebSocket operation in {got:#?}"));
    assert_eq!(socket.3, "", "a socket's operation starts its trace");
    let batch = got
        .iter()
        .find(|s| s.0 == "loader.batch" && s.3 == socket.2)
        .unwrap_or_else(|| panic!("no batch under the WebSocket operation: {got:#?}"));
    assert!(
        got.iter().any(|s| s.0 == "sql" && s.3 == socket.2),
        "{got:#?}"
    );
    assert!(
        got.iter().any(|s| s.0 == "sql" && s.3 == batch.2),
        "{got:#?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Starts the binary on a free port in `dir`, and waits until it answers.
async fn serve(dir: &Path, args: &[&str], stderr: Stdio) -> (std::process::Child, String) {
    serve_with(dir, args, &[], stderr).await
}

/// `serve`, with these environment variables set.
async fn serve_with(
    dir: &Path,
    args: &[&str],
    env: &[(&str, &str)],
    stderr: Stdio,
) -> (std::process::Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let child = Command::new(BIN)
        .args(["--port", &port.to_string()])
        .args(args)
        .current_dir(dir)
        .env_remove("DATABASE_URL")
        .env_remove("RUST_LOG")
        .env_remove("OTEL_EXPORTER_OTLP_ENDPOINT")
        .env_remove("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn()
        .expect("start blogql");
    let url = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let mut up = false;
    for _ in 0..100 {
        if let Ok(resp) = client.get(format!("{url}/health")).send().await {
            up = resp.status() == 200;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(up, "the server answered /health");
    (child, url)
}

async fn alice_city(url: &str) -> serde_json::Value {
    reqwest::Client::new()
        .post(format!("{url}/graphql"))
        .json(
            &serde_json::json!({ "query": "{ author(username: \"alice\") { profile { city } } }" }),
        )
        .send()
        .await
        .expect("query")
        .json()
        .await
        .expect("json")
}

/// Sends SIGTERM and waits up to five seconds for the exit.
async fn stop(mut child: std::process::Child) -> Option<std::process::ExitStatus> {
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    assert!(killed.is_ok_and(|s| s.success()));
    let mut exited = None;
    for _ in 0..100 {
        if let Ok(Some(status)) = child.try_wait() {
            exited = Some(status);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = child.kill();
    exited
}

#[tokio::test]
async fn promote_makes_an_author_staff() {
    let dir = temp_dir("promote");
    assert!(blogql(&dir, &["seed", "--authors", "2"]).status.success());
    let out = blogql(&dir, &["promote", "author2"]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(stdout(&out), "author2 is now staff\n");
    let out = blogql(&dir, &["promote", "nobody"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no author is called \"nobody\""));

    let url = format!("sqlite://{}", dir.join("blogql.db").display());
    let conn = blogql::db::connect(&url, blogql::db::PoolSettings::single())
        .await
        .expect("connect");
    let staff: Vec<(String, bool)> = entity::author::Entity::find()
        .order_by_asc(entity::author::Column::Id)
        .all(&conn)
        .await
        .expect("authors")
        .into_iter()
        .map(|a| (a.username, a.is_staff))
        .collect();
    assert_eq!(
        staff,
        [("author1".to_owned(), false), ("author2".to_owned(), true)]
    );
    let _ = std::fs::remove_dir_all(&dir);
}
