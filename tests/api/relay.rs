//! Relay's global object identification: every object's `nodeId` is global and
//! opaque, `node(id:)` and `nodes(ids:)` refetch any object through the loaders
//! and visibility rules, `id` stays the primary key, and every id argument and
//! filter takes either form. Demo data: authors 1–3, profiles 1–2, categories
//! 1–2, tags 1–3, posts 1–4 (4 is alice's draft), comments 1–4.

use serde_json::{Value, json};

use crate::helpers::{Backend, Fixture, TestApp, each_backend, error_of, gid, listed, row_of};
use rstest_reuse::apply;

/// One object of each type, with its `id`, `nodeId` and `__typename`.
const ONE_OF_EACH: &str = r#"{
  author(username: "bob") { __typename id nodeId }
  profile(id: "2") { __typename id nodeId }
  category(slug: "python") { __typename id nodeId }
  tag(slug: "rust") { __typename id nodeId }
  post(slug: "python-tips") { __typename id nodeId }
  comment(id: "3") { __typename id nodeId }
}"#;

#[apply(each_backend)]
#[tokio::test]
async fn every_object_refetches_by_its_global_id(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let app = TestApp::spawn(backend, Fixture::Demo).await;
    let objects = app.data(ONE_OF_EACH).await;
    let objects = objects.as_object().expect("an object");
    let mut ids = Vec::new();
    for object in objects.values() {
        let id = object["nodeId"].as_str().expect("a node id");
        let (type_name, row) = row_of(id);
        // The node id names the object's type and row, and nothing else does.
        assert_eq!(type_name, object["__typename"], "{backend:?}: {object}");
        assert_eq!(row.to_string(), object["id"], "{backend:?}: {object}");
        assert!(!ids.contains(&id), "{backend:?}: {id} twice");
        ids.push(id);
    }
    // `node` answers each as its own lookup did; `nodes` answers them in order.
    for object in objects.values() {
        let query = r#"query($id: ID!) { node(id: $id) { __typename nodeId ... on Post { id }
            ... on Author { id } ... on Profile { id } ... on Category { id }
            ... on Tag { id } ... on Comment { id } } }"#;
        let data = app
            .data_with(query, json!({ "id": object["nodeId"] }))
            .await;
        assert_eq!(&data["node"], object, "{backend:?}");
    }
    let query = r#"query($ids: [ID!]!) { nodes(ids: $ids) { __typename nodeId } }"#;
    let data = app.data_with(query, json!({ "ids": ids })).await;
    let want: Vec<Value> = objects
        .values()
        .map(|o| json!({ "__typename": o["__typename"], "nodeId": o["nodeId"] }))
        .collect();
    assert_eq!(data["nodes"], json!(want), "{backend:?}");
}

#[apply(each_backend)]
#[tokio::test]
async fn nodes_are_read_one_statement_per_type(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let app = TestApp::spawn(backend, Fixture::Demo).await;
    let query = format!(
        r#"{{ nodes(ids: ["{}", "{}", "{}", "{}", "{}", "{}"]) {{
            nodeId ... on Post {{ title author {{ username }} }} ... on Tag {{ slug }} }} }}"#,
        gid("Post", 3),
        gid("Tag", 2),
        gid("Post", 1),
        gid("Post", 99),
        gid("Tag", 3),
        gid("Post", 1),
    );
    let (data, statements) = app.counted(&query).await;
    let post = |n: i64, title: &str, by: &str| json!({ "nodeId": gid("Post", n), "title": title, "author": { "username": by } });
    assert_eq!(
        data["nodes"],
        json!([
            post(3, "Python tips", "bob"),
            { "nodeId": gid("Tag", 2), "slug": "python" },
            post(1, "Getting started with Django", "alice"),
            null,
            { "nodeId": gid("Tag", 3), "slug": "rust" },
            post(1, "Getting started with Django", "alice"),
        ]),
        "{backend:?}"
    );
    // Posts (with their authors joined) and tags: one statement each.
    assert_eq!(statements, 2, "{backend:?}");
}

#[apply(each_backend)]
#[tokio::test]
async fn id_arguments_and_filters_take_global_or_row_ids(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let mut app = TestApp::spawn(backend, Fixture::Demo).await;
    let post = gid("Post", 3);
    let lookup = r#"query($id: ID) { post(id: $id) { title } }"#;
    for id in [post.as_str(), "3"] {
        let data = app.data_with(lookup, json!({ "id": id })).await;
        assert_eq!(data["post"]["title"], "Python tips", "{backend:?}: {id}");
    }
    let filter = r#"query($ids: [ID!]) { posts(filter: { id: { in: $ids } }) { nodes { id } } }"#;
    let data = app
        .data_with(filter, json!({ "ids": [gid("Post", 1), "2"] }))
        .await;
    assert_eq!(
        data["posts"]["nodes"],
        json!([{ "id": "1" }, { "id": "2" }]),
        "{backend:?}"
    );
    app.sign_in("bob").await;
    let update = r#"mutation($id: ID!, $c: ID) { updatePost(id: $id, input: { categoryId: $c }) {
        post { nodeId category { slug } } } }"#;
    let vars = json!({ "id": post, "c": gid("Category", 1) });
    let data = app.data_with(update, vars).await;
    assert_eq!(
        data["updatePost"]["post"],
        json!({ "nodeId": post, "category": { "slug": "django" } }),
        "{backend:?}"
    );
    // A delete answers both forms of the id, `deletedNodeId` for Relay's
    // `@deleteRecord`.
    let delete = r#"mutation($id: ID!) { deleteComment(id: $id) { deletedId deletedNodeId } }"#;
    let data = app
        .data_with(delete, json!({ "id": gid("Comment", 1) }))
        .await;
    assert_eq!(
        data["deleteComment"],
        json!({ "deletedId": "1", "deletedNodeId": gid("Comment", 1) }),
        "{backend:?}"
    );
    assert_eq!(app.sql("SELECT COUNT(*) FROM comments").await, [Some(3)]);
}

#[apply(each_backend)]
#[tokio::test]
async fn ids_of_the_wrong_kind_are_refused(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let mut app = TestApp::spawn(backend, Fixture::Demo).await;
    let refused = |body: &Value| {
        assert!(body["data"].is_null() || body["data"].is_object(), "{body}");
        error_of(body)
    };
    // A tag's id where a post's is wanted, in a lookup and in a filter.
    let body = app
        .request(
            r#"query($id: ID) { post(id: $id) { id } }"#,
            json!({ "id": gid("Tag", 1) }),
        )
        .await;
    assert_eq!(refused(&body).0, "BAD_USER_INPUT", "{backend:?}: {body}");
    let message = body["errors"][0]["message"].as_str().unwrap_or_default();
    assert_eq!(
        message, "`id` is the id of a Tag, not of a Post",
        "{backend:?}"
    );
    let body = app
        .request(
            r#"query($id: ID!) { posts(filter: { id: { eq: $id } }) { totalCount } }"#,
            json!({ "id": gid("Comment", 1) }),
        )
        .await;
    assert_eq!(refused(&body).0, "BAD_USER_INPUT", "{backend:?}: {body}");
    // `node` takes global ids only: a row id names no type.
    for id in ["3", "not base64!", "UG9zdA==", &"A".repeat(500)] {
        let body = app
            .request(
                r#"query($id: ID!) { node(id: $id) { nodeId } }"#,
                json!({ "id": id }),
            )
            .await;
        assert_eq!(
            refused(&body).0,
            "BAD_USER_INPUT",
            "{backend:?}: {id}: {body}"
        );
    }
    // A well-formed id of nothing there: null, as a missing row is.
    let data = app
        .data_with(
            r#"query($id: ID!) { node(id: $id) { nodeId } }"#,
            json!({ "id": gid("Widget", 1) }),
        )
        .await;
    assert_eq!(data["node"], Value::Null, "{backend:?}");
    let many: Vec<String> = (1..=101).map(|n| gid("Post", n)).collect();
    let body = app
        .request(
            r#"query($ids: [ID!]!) { nodes(ids: $ids) { nodeId } }"#,
            json!({ "ids": many }),
        )
        .await;
    assert_eq!(refused(&body).0, "BAD_USER_INPUT", "{backend:?}: {body}");
    // Mutations check the kind too, and change nothing.
    app.sign_in("bob").await;
    let body = app
        .request(
            r#"mutation($id: ID!) { publishPost(id: $id) { post { id } } }"#,
            json!({ "id": gid("Author", 3) }),
        )
        .await;
    assert_eq!(refused(&body).0, "BAD_USER_INPUT", "{backend:?}: {body}");
}

#[tokio::test]
async fn the_node_interface_lists_every_object_type() {
    let app = TestApp::spawn(Backend::Sqlite, Fixture::Demo).await;
    let data = app
        .data(r#"{ __type(name: "Node") { kind fields { name } possibleTypes { name } } }"#)
        .await;
    let mut types: Vec<&str> = data["__type"]["possibleTypes"]
        .as_array()
        .expect("possible types")
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    types.sort_unstable();
    assert_eq!(
        types,
        ["Author", "Category", "Comment", "Post", "Profile", "Tag"]
    );
    assert_eq!(data["__type"]["kind"], "INTERFACE");
    assert_eq!(data["__type"]["fields"], json!([{ "name": "nodeId" }]));
}
