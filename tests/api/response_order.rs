//! Response maps list their entries in the order the fields were requested (GraphQL
//! spec §7.1.2), fragments expanded where they stand and `@skip`/`@include` applied,
//! on every transport: POST, GET, batches, persisted queries and WebSocket.

use serde_json::{Value, json};

use crate::helpers::{Backend, Fixture, TestApp, each_backend, listed};
use crate::protocol::sha256;
use crate::subscriptions::{as_author, ready, recv, send, subscribe};
use rstest_reuse::apply;

/// The keys of every map in `value`, in the order written: `{a,b{c}}`. Every item of
/// a list must have the same shape; a null has none.
fn shape(value: &Value) -> String {
    match value {
        Value::Object(map) => {
            let entries: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{k}{}", shape(v)))
                .collect();
            format!("{{{}}}", entries.join(","))
        }
        Value::Array(items) => {
            let shapes: Vec<String> = items.iter().map(shape).collect();
            assert!(
                shapes.windows(2).all(|w| w[0] == w[1]),
                "items of one list differ in shape: {shapes:?}"
            );
            format!("[{}]", shapes.first().cloned().unwrap_or_default())
        }
        _ => String::new(),
    }
}

/// Neither alphabetical nor the schema's order; loader-backed fields (counts,
/// relations) before plain columns, so the order fields finish in differs from it.
const QUERY: &str = r#"query Ordered($withBody: Boolean = false) {
  tag(slug: "python") {
    posts(first: 5) {
      totalCount
      edges {
        node {
          commentCount
          title
          author { username name id }
          ...Extra
          tags(first: 3) { nodes { slug name } totalCount }
        }
        cursor
      }
      pageInfo { hasNextPage endCursor }
      nodes { id }
    }
    slug
    postCount
  }
  cats: categories(first: 2) { nodes { slug } totalCount }
  __typename
}
fragment Extra on Post { slug body @include(if: $withBody) id title }"#;

const SHAPE: &str = "{tag{posts{totalCount,edges[{node{commentCount,title,author{username,name,id},slug,id,tags{nodes[{slug,name}],totalCount}},cursor}],pageInfo{hasNextPage,endCursor},nodes[{id}]},slug,postCount},cats{nodes[{slug}],totalCount},__typename}";

/// The same, with the fragment's `body` included: it goes where the fragment stands.
const SHAPE_WITH_BODY: &str = "{tag{posts{totalCount,edges[{node{commentCount,title,author{username,name,id},slug,body,id,tags{nodes[{slug,name}],totalCount}},cursor}],pageInfo{hasNextPage,endCursor},nodes[{id}]},slug,postCount},cats{nodes[{slug}],totalCount},__typename}";

const REPEAT: usize = 10;

#[apply(each_backend)]
#[tokio::test]
async fn fields_come_back_in_the_order_asked_on_every_transport(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let app = TestApp::spawn(backend, Fixture::Demo).await;
    let data = app.data(QUERY).await;
    assert_eq!(
        data["tag"]["posts"]["totalCount"], 2,
        "{backend:?}: the data is there"
    );
    for _ in 0..REPEAT {
        // POST.
        let body = app.request(QUERY, json!({})).await;
        assert_eq!(shape(&body["data"]), SHAPE, "{backend:?}: POST");
        let body = app.request(QUERY, json!({ "withBody": true })).await;
        assert_eq!(shape(&body["data"]), SHAPE_WITH_BODY, "{backend:?}: POST");
        // The response itself: `data` then `extensions`.
        let keys: Vec<&String> = body.as_object().expect("a map").keys().collect();
        assert_eq!(keys, ["data", "extensions"], "{backend:?}");

        // GET.
        let (status, _, body) = app.get_raw(&[("query", QUERY)], None).await;
        assert_eq!(status, 200);
        assert_eq!(shape(&body["data"]), SHAPE, "{backend:?}: GET");

        // A batch: each operation in its own order.
        let batch = json!([
            { "query": QUERY, "variables": { "withBody": true } },
            { "query": "{ posts(first: 2) { nodes { title id } totalCount } }" },
        ]);
        let (status, _, body) = app
            .post_raw(batch.to_string(), Some("application/json"), None)
            .await;
        assert_eq!(status, 200);
        assert_eq!(
            shape(&body[0]["data"]),
            SHAPE_WITH_BODY,
            "{backend:?}: batch"
        );
        assert_eq!(
            shape(&body[1]["data"]),
            "{posts{nodes[{title,id}],totalCount}}",
            "{backend:?}: batch"
        );
    }

    // A persisted query: registered with its text, then sent by hash alone.
    let persisted = json!({ "version": 1, "sha256Hash": sha256(QUERY) });
    let register = json!({ "query": QUERY, "extensions": { "persistedQuery": persisted } });
    let (_, _, body) = app
        .post_raw(register.to_string(), Some("application/json"), None)
        .await;
    assert_eq!(shape(&body["data"]), SHAPE, "{backend:?}: persisted");
    for _ in 0..REPEAT {
        let by_hash = json!({ "extensions": { "persistedQuery": persisted } });
        let (_, _, body) = app
            .post_raw(by_hash.to_string(), Some("application/json"), None)
            .await;
        assert_eq!(shape(&body["data"]), SHAPE, "{backend:?}: persisted");
    }
}

#[apply(each_backend)]
#[tokio::test]
async fn mutation_payloads_and_subscription_events_keep_the_order_asked(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let mut app = TestApp::spawn(backend, Fixture::Demo).await;
    let bob = app.login("bob").await;
    let mut ws = ready(&app.base, None).await;
    subscribe(
        &mut ws,
        "1",
        "subscription { postPublished { tags { nodes { name slug } totalCount } commentCount author { name id } title id } }",
    )
    .await;
    // The socket answers in order: once the pong is back, the subscription runs.
    send(&mut ws, json!({ "type": "ping" })).await;
    assert_eq!(recv(&mut ws).await["type"], "pong");
    for i in 0..REPEAT {
        let query = format!(
            r#"mutation {{ createPost(input: {{ title: "Ordered {i}", body: "b", tagNames: ["rust", "django"], publish: true }}) {{ post {{ tagCount author {{ username id }} title id }} }} }}"#
        );
        let data = as_author(&mut app, &bob, &query).await;
        assert_eq!(
            shape(&data),
            "{createPost{post{tagCount,author{username,id},title,id}}}",
            "{backend:?}: mutation payload"
        );
        let event = recv(&mut ws).await;
        assert_eq!(event["type"], "next", "{backend:?}: {event}");
        assert_eq!(
            event["payload"]["data"]["postPublished"]["title"],
            format!("Ordered {i}")
        );
        assert_eq!(
            shape(&event["payload"]["data"]),
            "{postPublished{tags{nodes[{name,slug}],totalCount},commentCount,author{name,id},title,id}}",
            "{backend:?}: subscription event"
        );
    }
}
