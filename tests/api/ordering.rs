//! Orderings by keys on to-one relations (posts by author username) and by counts of
//! to-many relations (authors by number of posts): the order, null placement,
//! visibility inside the counts, cursors that walk such orderings exactly in both
//! directions, nested lists in one statement, and derived values in F comparisons.

use serde_json::json;

use crate::helpers::{Backend, Fixture, TestApp, each_backend, ids, listed, walk};
use rstest_reuse::apply;

/// One page of up to 100 ids of `list` in `order`.
async fn ordered(app: &TestApp, list: &str, order: &str) -> Vec<i64> {
    let query = format!("{{ {list}(first: 100, orderBy: {order}) {{ nodes {{ id }} }} }}");
    ids(&app.data(&query).await[list])
}

#[apply(each_backend)]
#[tokio::test]
async fn lists_order_by_related_keys_and_counts(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let mut app = TestApp::spawn(backend, Fixture::Demo).await;
    // Anonymous: posts 1, 2 (alice) and 3 (bob); post 2 has no category; post 1
    // has two comments and two tags, posts 2 and 3 one of each.
    for (list, order, expected) in [
        ("posts", "[{field: AUTHOR_USERNAME}]", vec![1, 2, 3]),
        (
            "posts",
            "[{field: AUTHOR_USERNAME, direction: DESC}]",
            vec![3, 1, 2],
        ),
        ("posts", "[{field: CATEGORY_NAME}]", vec![1, 3, 2]),
        (
            "posts",
            "[{field: CATEGORY_NAME, direction: DESC}]",
            vec![2, 3, 1],
        ),
        (
            "posts",
            "[{field: CATEGORY_NAME, nulls: FIRST}]",
            vec![2, 1, 3],
        ),
        (
            "posts",
            "[{field: COMMENT_COUNT, direction: DESC}]",
            vec![1, 2, 3],
        ),
        (
            "posts",
            "[{field: TAG_COUNT}, {field: ID, direction: DESC}]",
            vec![3, 2, 1],
        ),
        (
            "posts",
            "[{field: AUTHOR_USERNAME, direction: DESC}, {field: TITLE, direction: DESC}]",
            vec![3, 2, 1],
        ),
        // carol has no profile: her city is null.
        ("authors", "[{field: PROFILE_CITY}]", vec![1, 2, 3]),
        (
            "authors",
            "[{field: PROFILE_CITY, direction: DESC}]",
            vec![3, 2, 1],
        ),
        ("authors", "[{field: POST_COUNT}]", vec![3, 2, 1]),
        (
            "authors",
            "[{field: COMMENT_COUNT, direction: DESC}]",
            vec![1, 2, 3],
        ),
        // python carries posts 1 and 3; django and rust one published post each.
        (
            "tags",
            "[{field: POST_COUNT, direction: DESC}]",
            vec![2, 1, 3],
        ),
        ("categories", "[{field: POST_COUNT}]", vec![1, 2]),
        (
            "categories",
            "[{field: POST_COUNT}, {field: ID, direction: DESC}]",
            vec![2, 1],
        ),
        // Comment 4 has no author; comments 1 and 2 are on post 1.
        ("comments", "[{field: AUTHOR_USERNAME}]", vec![3, 1, 2, 4]),
        (
            "comments",
            "[{field: POST_TITLE, direction: DESC}]",
            vec![4, 3, 1, 2],
        ),
        (
            "profiles",
            "[{field: AUTHOR_USERNAME, direction: DESC}]",
            vec![2, 1],
        ),
    ] {
        assert_eq!(
            ordered(&app, list, order).await,
            expected,
            "{backend:?} {list} {order}"
        );
    }

    // Counts see what the reader sees: alice's draft (post 4, tagged django, in
    // Django) counts for her only, and moves django ahead of python.
    app.sign_in("alice").await;
    let tags_desc = "[{field: POST_COUNT, direction: DESC}]";
    assert_eq!(ordered(&app, "tags", tags_desc).await, vec![1, 2, 3]);
    assert_eq!(
        ordered(&app, "categories", "[{field: POST_COUNT, direction: DESC}]").await,
        vec![1, 2]
    );
    app.sign_in("bob").await;
    assert_eq!(ordered(&app, "tags", tags_desc).await, vec![2, 1, 3]);
}

#[apply(each_backend)]
#[tokio::test]
async fn cursors_walk_derived_orderings_exactly(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let mut app = TestApp::spawn(backend, Fixture::Bench(3)).await;
    app.sign_in("author1").await;
    // author1 sees their 20 posts and the 10 published of each other author.
    let visible = "(p.status = 'PUBLISHED' OR p.author_id = 1)";

    // Tags by number of visible posts, against a GROUP BY of the same rows.
    let tags_by_count: Vec<i64> = app
        .sql(&format!(
            "SELECT t.id FROM tags t
             LEFT JOIN post_tags pt ON pt.tag_id = t.id
             LEFT JOIN posts p ON p.id = pt.post_id AND {visible}
             GROUP BY t.id ORDER BY COUNT(p.id), t.id"
        ))
        .await
        .into_iter()
        .flatten()
        .collect();
    assert_eq!(tags_by_count.len(), 200);

    // Posts by category name (10% have none), then author, then newest first.
    let posts_by_category: Vec<i64> = app
        .sql(&format!(
            "SELECT p.id FROM posts p
             LEFT JOIN categories c ON c.id = p.category_id
             JOIN authors a ON a.id = p.author_id
             WHERE {visible}
             ORDER BY CASE WHEN c.name IS NULL THEN 0 ELSE 1 END, c.name DESC, a.username,
                      CASE WHEN p.published_at IS NULL THEN 1 ELSE 0 END,
                      p.published_at DESC, p.id"
        ))
        .await
        .into_iter()
        .flatten()
        .collect();
    assert_eq!(posts_by_category.len(), 40);
    let posts_order = json!([
        { "field": "CATEGORY_NAME", "direction": "DESC" },
        { "field": "AUTHOR_USERNAME" },
        { "field": "PUBLISHED_AT", "direction": "DESC", "nulls": "LAST" }
    ]);

    for (list, order, all, sizes) in [
        (
            ("posts", "PostOrder"),
            posts_order,
            posts_by_category,
            [1, 7, 30],
        ),
        (
            ("tags", "TagOrder"),
            json!([{ "field": "POST_COUNT" }]),
            tags_by_count,
            [7, 30, 100],
        ),
    ] {
        for size in sizes {
            assert_eq!(
                walk(&app, list, &order, size, true).await,
                all,
                "{backend:?} {order} forward by {size}"
            );
            assert_eq!(
                walk(&app, list, &order, size, false).await,
                all,
                "{backend:?} {order} backward by {size}"
            );
        }
    }

    // A cursor made under one ordering is refused under another.
    let page = app
        .data("{ tags(first: 1, orderBy: [{field: POST_COUNT}]) { pageInfo { endCursor } } }")
        .await;
    let cursor = page["tags"]["pageInfo"]["endCursor"].clone();
    let body = app
        .request(
            "query($c: String) { tags(first: 1, after: $c, orderBy: [{field: NAME}]) { nodes { id } } }",
            json!({ "c": cursor }),
        )
        .await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(body["errors"][0]["extensions"]["argument"], "after");
}

#[apply(each_backend)]
#[tokio::test]
async fn nested_lists_order_by_derived_keys_in_one_statement_per_level(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let app = TestApp::spawn(backend, Fixture::Demo).await;
    let plain = r#"{ authors(first: 3) { nodes { id
             posts(first: 2) { nodes { id } }
             comments(first: 5) { nodes { id } } } }
           tag(slug: "python") { posts(first: 5) { nodes { id } } } }"#;
    let derived = r#"{ authors(first: 3, orderBy: [{field: POST_COUNT, direction: DESC}]) { nodes { id
             posts(first: 2, orderBy: [{field: COMMENT_COUNT}, {field: ID, direction: DESC}]) { nodes { id } }
             comments(first: 5, orderBy: [{field: POST_TITLE, direction: DESC}]) { nodes { id } } } }
           tag(slug: "python") { posts(first: 5, orderBy: [{field: AUTHOR_USERNAME, direction: DESC}]) { nodes { id } } } }"#;
    let (_, plain_statements) = app.counted(plain).await;
    let (data, statements) = app.counted(derived).await;
    assert_eq!(statements, plain_statements, "{backend:?}");
    assert_eq!(statements, 5, "{backend:?}");

    let authors = data["authors"]["nodes"].as_array().expect("authors");
    let order: Vec<i64> = authors.iter().map(crate::helpers::id_of).collect();
    assert_eq!(order, vec![1, 2, 3], "{backend:?}");
    // alice's published posts: 2 (one comment), 1 (two comments).
    assert_eq!(ids(&authors[0]["posts"]), vec![2, 1], "{backend:?}");
    // alice commented on post 3 only; bob on post 1.
    assert_eq!(ids(&authors[0]["comments"]), vec![3], "{backend:?}");
    assert_eq!(ids(&authors[1]["comments"]), vec![1], "{backend:?}");
    assert_eq!(ids(&authors[2]["posts"]), Vec::<i64>::new());
    // python: post 3 by bob, post 1 by alice.
    assert_eq!(ids(&data["tag"]["posts"]), vec![3, 1], "{backend:?}");
}

#[apply(each_backend)]
#[tokio::test]
async fn comparisons_use_derived_values_and_respect_visibility(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let mut app = TestApp::spawn(backend, Fixture::Demo).await;
    let query = "{ posts(filter: {compare: [{left: TAG_COUNT, op: GT, right: COMMENT_COUNT}]}) { nodes { id } } }";
    // Every published post has as many comments as tags.
    assert_eq!(ids(&app.data(query).await["posts"]), Vec::<i64>::new());
    // alice's draft has a tag and no comment.
    app.sign_in("alice").await;
    assert_eq!(ids(&app.data(query).await["posts"]), vec![4], "{backend:?}");
    let same = "{ posts(filter: {compare: [{left: TAG_COUNT, op: EQ, right: COMMENT_COUNT}]}) { nodes { id } } }";
    assert_eq!(
        ids(&app.data(same).await["posts"]),
        vec![1, 2, 3],
        "{backend:?}"
    );

    let (code, argument, message) = app
        .error("{ posts(filter: {compare: [{left: AUTHOR_USERNAME, op: EQ, right: COMMENT_COUNT}]}) { nodes { id } } }")
        .await;
    assert_eq!(
        (code.as_str(), argument.as_deref()),
        ("BAD_USER_INPUT", Some("filter"))
    );
    assert!(message.contains("author.username"), "{message}");
}
