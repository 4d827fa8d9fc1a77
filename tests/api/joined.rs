//! To-one relations joined into their parent's statement: the same answers as
//! loading them, fewer statements, never a row that a write in the same request
//! (or, for a subscription, since its last event) has changed.

use std::time::Duration;

use serde_json::json;

use crate::helpers::{Backend, Fixture, TestApp, each_backend, listed};
use crate::subscriptions::{as_author, ready, recv, subscribe};
use rstest_reuse::apply;

#[apply(each_backend)]
#[tokio::test]
async fn to_one_fields_read_with_their_parent(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let app = TestApp::spawn(backend, Fixture::Demo).await;

    // Aliases of one relation with different selections share the join.
    let (data, n) = app
        .counted(
            r#"{ posts { nodes { id category { name }
                 a: author { username } b: author { profile { city } } } } }"#,
        )
        .await;
    assert_eq!(
        data,
        json!({ "posts": { "nodes": [
            { "id": "1", "category": { "name": "Django" },
              "a": { "username": "alice" }, "b": { "profile": { "city": "Casablanca" } } },
            { "id": "2", "category": null,
              "a": { "username": "alice" }, "b": { "profile": { "city": "Casablanca" } } },
            { "id": "3", "category": { "name": "Python" },
              "a": { "username": "bob" }, "b": { "profile": { "city": "Lyon" } } },
        ] } }),
        "{backend:?}"
    );
    assert_eq!(n, 1, "{backend:?}");

    // Through fragments, edges and a many-to-many list: the tag's posts join theirs.
    let (data, n) = app
        .counted(
            r#"{ tag(slug: "python") { posts { edges { node { ...P } } } } }
               fragment P on Post { id ... on Post { author { name } } }"#,
        )
        .await;
    assert_eq!(
        data["tag"]["posts"]["edges"],
        json!([
            { "node": { "id": "1", "author": { "name": "Alice Martin" } } },
            { "node": { "id": "3", "author": { "name": "Bob Dupont" } } },
        ]),
        "{backend:?}"
    );
    assert_eq!(n, 2, "{backend:?}");

    // Two hops are joined; a third is loaded as before.
    let (data, n) = app
        .counted(
            r#"{ comment(id: "1") { body post { title author { username profile { city
                 author { name } } } } } }"#,
        )
        .await;
    assert_eq!(
        data,
        json!({ "comment": { "body": "Great introduction!", "post": {
            "title": "Getting started with Django",
            "author": { "username": "alice", "profile": {
                "city": "Casablanca", "author": { "name": "Alice Martin" } } } } } }),
        "{backend:?}"
    );
    // comment, post and author; then the profile, joined to its author
    assert_eq!(n, 2, "{backend:?}");

    // A NULL key and a missing has-one are null, read in the parent's statement.
    let (data, n) = app
        .counted(
            r#"{ comment(id: "4") { author { username } }
                 author(username: "carol") { username profile { bio } } }"#,
        )
        .await;
    assert_eq!(
        data,
        json!({ "comment": { "author": null },
                "author": { "username": "carol", "profile": null } }),
        "{backend:?}"
    );
    assert_eq!(n, 2, "{backend:?}");
}

#[apply(each_backend)]
#[tokio::test]
async fn joined_rows_obey_the_readers_visibility(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let mut app = TestApp::spawn(backend, Fixture::Demo).await;
    let alice = app.login("alice").await;
    let created = as_author(
        &mut app,
        &alice,
        r#"mutation { createComment(postId: "4", body: "Note to self") { comment { id } } }"#,
    )
    .await;
    let id = created["createComment"]["comment"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let query = format!(
        r#"{{ comment(id: "{id}") {{ body post {{ title status }} }}
              comments {{ nodes {{ post {{ id }} }} }} }}"#
    );

    // alice reads her draft through her comment on it, in the comment's statement.
    let (data, n) = app.counted(&query).await;
    assert_eq!(
        data["comment"],
        json!({ "body": "Note to self", "post": { "title": "Draft: ORM deep dive", "status": "DRAFT" } }),
        "{backend:?}"
    );
    let posts: Vec<_> = data["comments"]["nodes"]
        .as_array()
        .expect("comments")
        .iter()
        .map(|c| c["post"]["id"].clone())
        .collect();
    assert_eq!(
        posts,
        [json!("1"), json!("1"), json!("3"), json!("2"), json!("4")]
    );
    assert_eq!(n, 2, "{backend:?}");

    // Anyone else sees neither the comment nor the draft.
    app.use_token(None);
    let (data, _) = app.counted(&query).await;
    assert_eq!(data["comment"], json!(null), "{backend:?}");
    assert_eq!(
        data["comments"]["nodes"].as_array().map(Vec::len),
        Some(4),
        "{backend:?}"
    );
}

/// Every unfiltered count in an answer (read with its row) beside the same count
/// through an empty filter (read by the count loader), as `all_<field>`.
fn count_pairs(value: &serde_json::Value, at: &str, into: &mut Vec<(String, i64, i64)>) {
    match value {
        serde_json::Value::Object(fields) => {
            for (name, v) in fields {
                if let Some(loaded) = fields.get(&format!("all_{name}")) {
                    let pair = (v.as_i64().expect(name), loaded.as_i64().expect(name));
                    into.push((format!("{at}.{name}"), pair.0, pair.1));
                }
                count_pairs(v, &format!("{at}.{name}"), into);
            }
        }
        serde_json::Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                count_pairs(v, &format!("{at}[{i}]"), into);
            }
        }
        _ => {}
    }
}

#[apply(each_backend)]
#[tokio::test]
async fn counts_read_with_their_rows_agree_with_the_count_loader(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let mut app = TestApp::spawn(backend, Fixture::Demo).await;
    // Through lookups, a many-to-many page both ways and a has-many page.
    let query = r#"
        fragment Counts on Post { id commentCount all_commentCount: commentCount(filter: {})
                                  tagCount all_tagCount: tagCount(filter: {}) }
        {
        tag(slug: "python") { postCount all_postCount: postCount(filter: {})
            posts { nodes { ...Counts
                tags { nodes { postCount all_postCount: postCount(filter: {}) } } } } }
        author(username: "alice") { postCount all_postCount: postCount(filter: {})
            posts { nodes { ...Counts } } }
        category(slug: "django") { postCount all_postCount: postCount(filter: {}) }
        }"#;
    let checked = |data: &serde_json::Value| {
        let mut pairs = Vec::new();
        count_pairs(data, "", &mut pairs);
        assert!(pairs.len() >= 10, "{backend:?}: {data}");
        for (what, joined, loaded) in pairs {
            assert_eq!(joined, loaded, "{backend:?}: {what}");
        }
        data["author"]["postCount"].as_i64()
    };

    // Anonymous: alice's draft (post 4) counts nowhere.
    assert_eq!(checked(&app.data(query).await), Some(2), "{backend:?}");
    // Only unfiltered counts: the statements that read the rows carry them.
    let (_, n) = app
        .counted(
            r#"{ tag(slug: "python") { postCount posts { nodes { commentCount tagCount } } }
                 author(username: "alice") { postCount } }"#,
        )
        .await;
    // the tag, its posts, the author
    assert_eq!(n, 3, "{backend:?}");

    // alice counts her draft, wherever it is counted.
    app.sign_in("alice").await;
    assert_eq!(checked(&app.data(query).await), Some(3), "{backend:?}");

    // A count read after a write in the same request counts it.
    let data = app
        .data(
            r#"mutation {
                a: createComment(postId: "1", body: "one") { comment { post { commentCount } } }
                b: createComment(postId: "1", body: "two") { comment { post { commentCount } } }
            }"#,
        )
        .await;
    let after = |k: &str| data[k]["comment"]["post"]["commentCount"].as_i64();
    assert_eq!(after("b"), after("a").map(|n| n + 1), "{backend:?}: {data}");
}

/// A root list ordered by a count reads that count with its rows, and the count
/// field answers from it: the same numbers as the count loader's, on every page,
/// both ways, for each reader; one statement for the page and its counts.
#[apply(each_backend)]
#[tokio::test]
async fn a_count_a_root_list_is_ordered_by_answers_its_field(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let mut app = TestApp::spawn(backend, Fixture::Demo).await;
    let lists = [
        ("tags", "POST_COUNT", "postCount"),
        ("authors", "POST_COUNT", "postCount"),
        ("categories", "POST_COUNT", "postCount"),
        ("posts", "COMMENT_COUNT", "commentCount"),
        ("posts", "TAG_COUNT", "tagCount"),
    ];
    for viewer in [None, Some("alice")] {
        if let Some(name) = viewer {
            app.sign_in(name).await;
        }
        for (list, order, field) in lists {
            for direction in ["ASC", "DESC"] {
                let page = |args: &str| {
                    format!(
                        "{{ {list}({args}orderBy: [{{ field: {order}, direction: {direction} }}]) {{
                             pageInfo {{ endCursor startCursor }}
                             nodes {{ id {field} all_{field}: {field}(filter: {{}}) }} }} }}"
                    )
                };
                let first = app.data(&page("first: 2, ")).await;
                let cursor = first[list]["pageInfo"]["endCursor"].clone();
                let next = app
                    .data(&page(&format!("first: 2, after: {cursor}, ")))
                    .await;
                let back = app
                    .data(&page(&format!("last: 1, before: {cursor}, ")))
                    .await;
                let mut pairs = Vec::new();
                for data in [&first, &next, &back] {
                    count_pairs(data, "", &mut pairs);
                }
                assert!(
                    pairs.len() >= 3,
                    "{backend:?} {viewer:?} {list} {order}: {first}"
                );
                for (what, joined, loaded) in pairs {
                    assert_eq!(
                        joined, loaded,
                        "{backend:?} {viewer:?} {list} {order} {direction}: {what}"
                    );
                }
                // Values in the asked order.
                let counts: Vec<i64> = [&first, &next]
                    .iter()
                    .flat_map(|d| d[list]["nodes"].as_array().unwrap().clone())
                    .map(|n| n[field].as_i64().unwrap())
                    .collect();
                let mut sorted = counts.clone();
                sorted.sort();
                if direction == "DESC" {
                    sorted.reverse();
                }
                assert_eq!(
                    counts, sorted,
                    "{backend:?} {viewer:?} {list} {order} {direction}"
                );
            }
        }
    }
    let (data, n) = app
        .counted("{ tags(first: 3, orderBy: [{ field: POST_COUNT, direction: DESC }]) { nodes { name postCount } } }")
        .await;
    assert_eq!(n, 1, "{backend:?}: {data}");
    // alice counts her draft, tagged django: two posts, as python has, and the
    // lower id comes first.
    assert_eq!(
        data["tags"]["nodes"],
        json!([
            { "name": "django", "postCount": 2 },
            { "name": "python", "postCount": 2 },
            { "name": "rust", "postCount": 1 },
        ]),
        "{backend:?}"
    );
}

#[apply(each_backend)]
#[tokio::test]
async fn a_write_in_the_request_is_seen_by_the_reads_after_it(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let mut app = TestApp::spawn(backend, Fixture::Demo).await;
    let alice = app.login("alice").await;
    // `first` joins post 1's author to its comments' posts; `second` reads that
    // author through post 2, after the rename.
    let data = as_author(
        &mut app,
        &alice,
        r#"mutation {
            first: updatePost(id: "1", input: { title: "One" }) {
                post { comments { nodes { post { title author { name } } } } } }
            viewer: updateViewer(input: { name: "Alice M." }) { author { name } }
            second: updatePost(id: "2", input: { title: "Two" }) {
                post { title author { name } } }
        }"#,
    )
    .await;
    let joined = json!({ "post": { "title": "One", "author": { "name": "Alice Martin" } } });
    assert_eq!(
        data["first"]["post"]["comments"]["nodes"],
        json!([joined, joined]),
        "{backend:?}"
    );
    assert_eq!(
        data["second"]["post"],
        json!({ "title": "Two", "author": { "name": "Alice M." } }),
        "{backend:?}"
    );
}

#[apply(each_backend)]
#[tokio::test]
async fn each_subscription_event_reads_afresh(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let mut app = TestApp::spawn(backend, Fixture::Demo).await;
    let bob = app.login("bob").await;
    let mut ws = ready(&app.base, None).await;
    // Each event's comments join their authors; the event's own author is read
    // after them, in the next event too.
    subscribe(
        &mut ws,
        "c",
        r#"subscription { commentAdded(postId: "1") {
            body post { comments { nodes { id author { name } } } } author { name } } }"#,
    )
    .await;
    let comment = |body: &str| {
        format!(
            r#"mutation {{ createComment(postId: "1", body: "{body}") {{ comment {{ id }} }} }}"#
        )
    };
    // The subscription starts on a task of its own: comment until it hears one.
    let mut first = None;
    for _ in 0..10 {
        as_author(&mut app, &bob, &comment("one")).await;
        if let Ok(message) = tokio::time::timeout(Duration::from_secs(1), recv(&mut ws)).await {
            first = Some(message);
            break;
        }
    }
    let first = first.expect("the subscription hears a comment within 10 s");
    let event = &first["payload"]["data"]["commentAdded"];
    assert_eq!(event["body"], "one", "{backend:?}: {first}");
    assert_eq!(
        event["author"],
        json!({ "name": "Bob Dupont" }),
        "{backend:?}: {first}"
    );

    // Changed by another request between the two events.
    as_author(
        &mut app,
        &bob,
        r#"mutation { updateViewer(input: { name: "Bob D." }) { author { name } } }"#,
    )
    .await;
    as_author(&mut app, &bob, &comment("two")).await;
    let second = loop {
        let message = recv(&mut ws).await;
        if message["payload"]["data"]["commentAdded"]["body"] == "two" {
            break message;
        }
    };
    let event = &second["payload"]["data"]["commentAdded"];
    assert_eq!(
        event["author"],
        json!({ "name": "Bob D." }),
        "{backend:?}: {second}"
    );
    let names: Vec<_> = event["post"]["comments"]["nodes"]
        .as_array()
        .expect("comments")
        .iter()
        .map(|c| c["author"]["name"].clone())
        .collect();
    assert!(names.contains(&json!("Bob D.")), "{backend:?}: {second}");
    assert!(
        !names.contains(&json!("Bob Dupont")),
        "{backend:?}: {second}"
    );
}

/// Every ordering, cursor bound and filter names its columns so that a joined
/// table's columns of the same name never make it ambiguous, on root lists and on
/// nested ones, at each page.
#[apply(each_backend)]
#[tokio::test]
async fn joins_beside_every_ordering_filter_and_cursor(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let app = TestApp::spawn(backend, Fixture::Demo).await;
    let lists = [
        (
            "posts",
            "{ title: { contains: \"i\" }, author: { username: { ne: \"x\" } } }",
            "id author { username profile { city } } category { name }",
            &[
                "ID",
                "TITLE",
                "SLUG",
                "CREATED_AT",
                "UPDATED_AT",
                "PUBLISHED_AT",
                "AUTHOR_USERNAME",
                "CATEGORY_NAME",
                "COMMENT_COUNT",
                "TAG_COUNT",
            ][..],
        ),
        (
            "comments",
            "{ body: { contains: \"i\" }, post: { id: { ne: \"0\" } } }",
            "id post { title author { username } } author { name }",
            &["ID", "CREATED_AT", "AUTHOR_USERNAME", "POST_TITLE"][..],
        ),
        (
            "authors",
            "{ username: { ne: \"x\" } }",
            "id profile { city author { username } }",
            &[
                "ID",
                "USERNAME",
                "NAME",
                "CREATED_AT",
                "PROFILE_CITY",
                "POST_COUNT",
                "COMMENT_COUNT",
            ][..],
        ),
        (
            "profiles",
            "{ city: { ne: \"x\" } }",
            "id author { username }",
            &["ID", "CITY", "BIRTHDATE", "AUTHOR_USERNAME"][..],
        ),
    ];
    for (list, filter, fields, orders) in lists {
        for order in orders {
            for direction in ["ASC", "DESC"] {
                let args = format!(
                    "first: 2, filter: {filter}, orderBy: [{{ field: {order}, direction: {direction} }}]"
                );
                let first = app
                    .request(
                        &format!("{{ {list}({args}) {{ pageInfo {{ endCursor }} nodes {{ {fields} }} }} }}"),
                        json!({}),
                    )
                    .await;
                assert!(
                    first.get("errors").is_none(),
                    "{backend:?} {list} {order}: {first}"
                );
                let cursor = &first["data"][list]["pageInfo"]["endCursor"];
                if cursor.is_null() {
                    continue;
                }
                // Posts' cursor also pages a nested list of posts (each category's).
                let nested = if list == "posts" {
                    format!(
                        "categories {{ nodes {{ posts({args}, after: $c) {{ nodes {{ {fields} }} }} }} }}"
                    )
                } else {
                    String::new()
                };
                let next = app
                    .request(
                        &format!(
                            "query($c: String) {{ {list}({args}, after: $c) {{ nodes {{ {fields} }} }} {nested} }}"
                        ),
                        json!({ "c": cursor }),
                    )
                    .await;
                assert!(
                    next.get("errors").is_none(),
                    "{backend:?} {list} {order}: {next}"
                );
                assert!(next["data"][list]["nodes"].is_array(), "{next}");
            }
        }
    }
}
