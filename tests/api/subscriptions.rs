//! Subscriptions over WebSocket (graphql-transport-ws): events as they happen, with
//! the viewer's visibility rules; the protocol's close codes; the Origin check; and
//! events that cross server processes through PostgreSQL's LISTEN/NOTIFY.

use std::collections::HashMap;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};

use crate::helpers::{Backend, Fixture, TestApp, backends, each_backend, listed};
use rstest_reuse::apply;

pub type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Opens a subscription socket on `base` (`http://host:port`).
pub async fn open(base: &str, origin: Option<&str>, protocol: bool) -> Result<Ws, WsError> {
    let mut req = format!("{}/graphql", base.replacen("http", "ws", 1))
        .into_client_request()
        .expect("a request");
    if protocol {
        let value = "graphql-transport-ws".parse().expect("header");
        req.headers_mut().insert("sec-websocket-protocol", value);
    }
    if let Some(origin) = origin {
        req.headers_mut()
            .insert("origin", origin.parse().expect("header"));
    }
    connect_async(req).await.map(|(ws, _)| ws)
}

pub async fn send(ws: &mut Ws, message: Value) {
    ws.send(Message::Text(message.to_string().into()))
        .await
        .expect("send");
}

/// The next protocol message (never waits more than 10 s).
pub async fn recv(ws: &mut Ws) -> Value {
    loop {
        let next = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("a message within 10 s")
            .expect("the socket is open")
            .expect("a frame");
        match next {
            Message::Text(text) => return serde_json::from_str(&text).expect("JSON"),
            Message::Close(frame) => panic!("closed: {frame:?}"),
            _ => {}
        }
    }
}

/// The close code the server ends the connection with.
pub async fn closed_with(ws: &mut Ws) -> u16 {
    loop {
        let next = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("closed within 10 s");
        match next {
            Some(Ok(Message::Close(Some(frame)))) => return u16::from(frame.code),
            Some(Ok(Message::Close(None))) | None => return u16::from(CloseCode::Status),
            Some(Ok(_)) => {}
            Some(Err(err)) => panic!("socket error instead of a close frame: {err}"),
        }
    }
}

pub async fn ready(base: &str, token: Option<&str>) -> Ws {
    let mut ws = open(base, None, true).await.expect("upgrade");
    let payload = token.map_or(
        json!({}),
        |t| json!({ "Authorization": format!("Bearer {t}") }),
    );
    send(
        &mut ws,
        json!({ "type": "connection_init", "payload": payload }),
    )
    .await;
    assert_eq!(recv(&mut ws).await, json!({ "type": "connection_ack" }));
    ws
}

pub async fn subscribe(ws: &mut Ws, id: &str, query: &str) {
    send(
        ws,
        json!({ "id": id, "type": "subscribe", "payload": { "query": query } }),
    )
    .await;
}

/// Runs `query` as the author whose token this is; it must succeed.
pub async fn as_author(app: &mut TestApp, token: &str, query: &str) -> Value {
    app.use_token(Some(token.to_owned()));
    app.data(query).await
}

#[apply(each_backend)]
#[tokio::test]
async fn events_reach_subscribers_under_their_visibility(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let mut app = TestApp::spawn(backend, Fixture::Demo).await;
    let (alice, bob) = (app.login("alice").await, app.login("bob").await);

    let mut anyone = ready(&app.base, None).await;
    subscribe(
        &mut anyone,
        "all",
        "subscription { postPublished { id title author { username } } }",
    )
    .await;
    subscribe(
        &mut anyone,
        "bobs",
        r#"subscription { postPublished(authorId: "2") { id } }"#,
    )
    .await;
    subscribe(
        &mut anyone,
        "rust",
        r#"subscription { postPublished(tag: "rust") { id } }"#,
    )
    .await;
    subscribe(
        &mut anyone,
        "comments",
        r#"subscription { commentAdded(postId: "1") { body author { username } } }"#,
    )
    .await;
    // alice's draft is hidden from anyone else: as missing as to a query.
    subscribe(
        &mut anyone,
        "draft",
        r#"subscription { commentAdded(postId: "4") { body } }"#,
    )
    .await;
    let refused = recv(&mut anyone).await;
    assert_eq!(refused["id"], "draft");
    assert_eq!(
        refused["payload"]["errors"][0]["extensions"]["code"], "NOT_FOUND",
        "{refused}"
    );
    assert_eq!(
        recv(&mut anyone).await,
        json!({ "id": "draft", "type": "complete" })
    );

    send(&mut anyone, json!({ "type": "ping" })).await;
    assert_eq!(recv(&mut anyone).await["type"], "pong");

    // alice publishes her draft (tagged django); bob comments on post 1.
    as_author(
        &mut app,
        &alice,
        r#"mutation { publishPost(id: "4") { post { id } } }"#,
    )
    .await;
    as_author(
        &mut app,
        &bob,
        r#"mutation { createComment(postId: "1", body: "Seen live") { comment { id } } }"#,
    )
    .await;
    // bob publishes a post tagged rust: the author and tag filters both pass it.
    let created = as_author(&mut app, &bob, r#"mutation { createPost(input: { title: "Live", body: "b", tagNames: ["rust"], publish: true }) { post { id } } }"#)
    .await;
    let new_id = created["createPost"]["post"]["id"].clone();
    // A draft is not an event.
    as_author(
        &mut app,
        &bob,
        r#"mutation { createPost(input: { title: "Quiet", body: "b" }) { post { id } } }"#,
    )
    .await;

    let mut heard: HashMap<String, Vec<Value>> = HashMap::new();
    for _ in 0..5 {
        let message = recv(&mut anyone).await;
        assert_eq!(message["type"], "next", "{message}");
        let id = message["id"].as_str().expect("id").to_owned();
        heard
            .entry(id)
            .or_default()
            .push(message["payload"]["data"].clone());
    }
    assert_eq!(
        heard["all"],
        vec![
            json!({ "postPublished": { "id": "4", "title": "Draft: ORM deep dive", "author": { "username": "alice" } } }),
            json!({ "postPublished": { "id": new_id, "title": "Live", "author": { "username": "bob" } } }),
        ],
        "{backend:?}"
    );
    assert_eq!(
        heard["bobs"],
        vec![json!({ "postPublished": { "id": new_id } })]
    );
    assert_eq!(
        heard["rust"],
        vec![json!({ "postPublished": { "id": new_id } })]
    );
    assert_eq!(
        heard["comments"],
        vec![json!({ "commentAdded": { "body": "Seen live", "author": { "username": "bob" } } })]
    );

    // `complete` from the client stops that subscription only.
    send(&mut anyone, json!({ "id": "all", "type": "complete" })).await;
    as_author(&mut app, &bob, r#"mutation { createPost(input: { title: "After", body: "b", publish: true }) { post { id } } }"#)
        .await;
    let message = recv(&mut anyone).await;
    assert_eq!(message["id"], "bobs", "{backend:?}: {message}");
}

#[apply(each_backend)]
#[tokio::test]
async fn protocol_violations_close_with_their_codes(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let app = TestApp::spawn_with(backend, Fixture::Demo, |c| {
        c.http.ws_init_timeout = Duration::from_millis(300).into();
        c.http.cors_origins = vec!["https://app.example".into()];
    })
    .await;
    let base = app.base.as_str();

    let mut ws = open(base, None, true).await.expect("upgrade");
    send(&mut ws, json!({ "type": "no such message" })).await;
    assert_eq!(closed_with(&mut ws).await, 4400, "{backend:?}");

    let mut ws = open(base, None, true).await.expect("upgrade");
    ws.send(Message::Text("{not json".into()))
        .await
        .expect("send");
    assert_eq!(closed_with(&mut ws).await, 4400);

    let mut ws = open(base, None, true).await.expect("upgrade");
    subscribe(&mut ws, "1", "subscription { postPublished { id } }").await;
    assert_eq!(
        closed_with(&mut ws).await,
        4401,
        "subscribe before connection_init"
    );

    let mut ws = ready(base, None).await;
    send(&mut ws, json!({ "type": "connection_init" })).await;
    assert_eq!(closed_with(&mut ws).await, 4429);

    let mut ws = ready(base, None).await;
    subscribe(&mut ws, "1", "subscription { postPublished { id } }").await;
    subscribe(&mut ws, "1", "subscription { postPublished { title } }").await;
    assert_eq!(closed_with(&mut ws).await, 4409);

    let mut ws = open(base, None, true).await.expect("upgrade");
    send(
        &mut ws,
        json!({ "type": "connection_init", "payload": { "Authorization": "Bearer forged" } }),
    )
    .await;
    assert_eq!(closed_with(&mut ws).await, 4403);

    // No connection_init within the time limit.
    let mut ws = open(base, None, true).await.expect("upgrade");
    assert_eq!(closed_with(&mut ws).await, 4408);

    // A document that does not validate: `error` for that id, the socket stays.
    let mut ws = ready(base, None).await;
    subscribe(&mut ws, "bad", "subscription { noSuchField }").await;
    let message = recv(&mut ws).await;
    assert_eq!(
        (message["id"].as_str(), message["type"].as_str()),
        (Some("bad"), Some("error"))
    );
    assert_eq!(
        message["payload"][0]["extensions"]["code"],
        "GRAPHQL_VALIDATION_FAILED"
    );
    send(&mut ws, json!({ "type": "ping" })).await;
    assert_eq!(recv(&mut ws).await["type"], "pong");

    // Browsers: this server's own origin and the CORS list only.
    match open(base, Some("https://evil.example"), true).await {
        Err(WsError::Http(resp)) => assert_eq!(resp.status(), 403),
        other => panic!("a foreign origin was let in: {:?}", other.map(|_| ())),
    }
    assert!(open(base, Some("https://app.example"), true).await.is_ok());
    assert!(open(base, Some(base), true).await.is_ok());
    // Only the graphql-transport-ws subprotocol.
    match open(base, None, false).await {
        Err(WsError::Http(resp)) => assert_eq!(resp.status(), 400),
        other => panic!("no subprotocol was accepted: {:?}", other.map(|_| ())),
    }
}

#[tokio::test]
async fn events_cross_server_processes_through_postgres() {
    if !backends().contains(&Backend::Postgres) {
        return;
    }
    // Process one: the test's server. Process two: the `blogql` binary on the same
    // database. Subscribe on one, publish on the other.
    let app = TestApp::spawn(Backend::Postgres, Fixture::Demo).await;
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
        probe.local_addr().expect("addr").port()
    };
    let mut other = tokio::process::Command::new(env!("CARGO_BIN_EXE_blogql"))
        .args(["serve", "--port", &port.to_string(), "--no-demo"])
        .env("DATABASE_URL", &app.db.url)
        .env("BLOGQL_JWT_SECRET", "a-second-server-of-its-own-32-bytes")
        .env("RUST_LOG", "warn")
        .kill_on_drop(true)
        .spawn()
        .expect("start a second server");
    let other_base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let mut up = false;
    for _ in 0..100 {
        if client
            .get(format!("{other_base}/health"))
            .send()
            .await
            .is_ok()
        {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(up, "the second server started");

    let mut ws = ready(&app.base, None).await;
    subscribe(
        &mut ws,
        "1",
        "subscription { postPublished { title author { username } } }",
    )
    .await;
    let login = client
        .post(format!("{other_base}/graphql"))
        .json(&json!({ "query": r#"mutation { login(usernameOrEmail: "alice", password: "blogql-demo") { token } }"# }))
        .send()
        .await
        .expect("login")
        .json::<Value>()
        .await
        .expect("JSON");
    let token = login["data"]["login"]["token"].as_str().expect("token");
    let published = client
        .post(format!("{other_base}/graphql"))
        .bearer_auth(token)
        .json(&json!({ "query": r#"mutation { publishPost(id: "4") { post { id } } }"# }))
        .send()
        .await
        .expect("publish")
        .json::<Value>()
        .await
        .expect("JSON");
    assert_eq!(
        published["data"]["publishPost"]["post"]["id"], "4",
        "{published}"
    );

    let message = recv(&mut ws).await;
    assert_eq!(
        message["payload"]["data"],
        json!({ "postPublished": { "title": "Draft: ORM deep dive", "author": { "username": "alice" } } })
    );
    other.kill().await.ok();
}

/// On shutdown a subscriber hears 1001 ("going away") at once, not a bare TCP end
/// when the process exits.
#[tokio::test]
async fn shutdown_closes_subscriptions_with_going_away() {
    let mut app = TestApp::spawn(Backend::Sqlite, Fixture::Demo).await;
    let mut idle = ready(&app.base, None).await;
    let mut subscribed = ready(&app.base, None).await;
    subscribe(
        &mut subscribed,
        "1",
        "subscription { postPublished { id } }",
    )
    .await;
    let started = std::time::Instant::now();
    app.stop();
    assert_eq!(closed_with(&mut idle).await, 1001);
    assert_eq!(closed_with(&mut subscribed).await, 1001);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}
