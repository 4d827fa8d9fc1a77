//! Relay pagination at the root and nested: page boundaries, orderings (nulls
//! included), cursors, default and maximum page sizes.

use serde_json::{Value, json};

use crate::helpers::{Backend, Fixture, TestApp, each_backend, ids, listed, walk};
use rstest_reuse::apply;

const POSTS_PAGE: &str = r#"
  query($first: Int, $after: String, $last: Int, $before: String, $order: [PostOrder!]) {
    posts(first: $first, after: $after, last: $last, before: $before, orderBy: $order) {
      totalCount
      pageInfo { hasPreviousPage hasNextPage startCursor endCursor }
      nodes { id }
    }
  }"#;

const POSTS: (&str, &str) = ("posts", "PostOrder");

async fn one_page(app: &TestApp, order: &Value) -> Vec<i64> {
    let vars = json!({ "first": 100, "order": order });
    ids(&app.data_with(POSTS_PAGE, vars).await["posts"])
}

#[apply(each_backend)]
#[tokio::test]
async fn pages_walk_every_row_once_in_every_ordering(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let mut app = TestApp::spawn(backend, Fixture::Bench(2)).await;
    // 40 posts, every other one a draft with no publication date. author1 sees
    // all 20 of theirs and author2's 10 published ones.
    app.sign_in("author1").await;
    let by_id: Vec<i64> = (1..=40).filter(|id| *id <= 20 || id % 2 == 1).collect();
    assert_eq!(one_page(&app, &Value::Null).await, by_id);
    let mut by_title = by_id.clone();
    by_title
        .sort_by_key(|id| std::cmp::Reverse(format!("Post {id} by author {}", (id - 1) / 20 + 1)));
    let title_desc = json!([{ "field": "TITLE", "direction": "DESC" }]);
    assert_eq!(one_page(&app, &title_desc).await, by_title, "{backend:?}");

    let orderings = [
        Value::Null,
        title_desc,
        json!([{ "field": "PUBLISHED_AT" }]),
        json!([{ "field": "PUBLISHED_AT", "direction": "DESC" }]),
        json!([{ "field": "PUBLISHED_AT", "nulls": "FIRST" }]),
        json!([{ "field": "PUBLISHED_AT", "direction": "DESC", "nulls": "LAST" }]),
        json!([{ "field": "PUBLISHED_AT", "direction": "DESC" }, { "field": "ID", "direction": "DESC" }]),
        json!([{ "field": "CREATED_AT", "direction": "DESC" }, { "field": "TITLE" }]),
    ];
    for order in &orderings {
        let all = one_page(&app, order).await;
        assert_eq!(all.len(), 30);
        for size in [1, 3, 7] {
            assert_eq!(
                walk(&app, POSTS, order, size, true).await,
                all,
                "{backend:?} {order} forward by {size}"
            );
            assert_eq!(
                walk(&app, POSTS, order, size, false).await,
                all,
                "{backend:?} {order} backward by {size}"
            );
        }
    }
}

#[apply(each_backend)]
#[tokio::test]
async fn nulls_sort_last_ascending_first_descending_unless_asked(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let mut app = TestApp::spawn(backend, Fixture::Demo).await;
    // Post 4 is alice's draft: its publishedAt is null, and she sees it.
    app.sign_in("alice").await;
    for (order, expected) in [
        (json!([{ "field": "PUBLISHED_AT" }]), vec![1, 2, 3, 4]),
        (
            json!([{ "field": "PUBLISHED_AT", "direction": "DESC" }]),
            vec![4, 3, 2, 1],
        ),
        (
            json!([{ "field": "PUBLISHED_AT", "nulls": "FIRST" }]),
            vec![4, 1, 2, 3],
        ),
        (
            json!([{ "field": "PUBLISHED_AT", "direction": "DESC", "nulls": "LAST" }]),
            vec![3, 2, 1, 4],
        ),
    ] {
        assert_eq!(
            one_page(&app, &order).await,
            expected,
            "{backend:?} {order}"
        );
        assert_eq!(
            walk(&app, POSTS, &order, 1, true).await,
            expected,
            "{backend:?} {order}"
        );
        assert_eq!(
            walk(&app, POSTS, &order, 1, false).await,
            expected,
            "{backend:?} {order}"
        );
    }
}

#[apply(each_backend)]
#[tokio::test]
async fn nested_lists_are_paged_per_parent(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let app = TestApp::spawn(backend, Fixture::Bench(3)).await;
    // Anonymous: each author's published posts, every other one (odd ids).
    // Siblings with different arguments must not share a batch; each parent
    // gets its own page.
    let (data, statements) = app
        .counted(
            r#"{ authors { nodes {
                  id
                  oldest: posts(first: 2) { pageInfo { hasNextPage endCursor } nodes { id } }
                  newest: posts(first: 2, orderBy: [{ field: ID, direction: DESC }]) { nodes { id } }
                  tail: posts(last: 1) { pageInfo { hasPreviousPage hasNextPage } nodes { id } }
            } } }"#,
        )
        .await;
    let authors = data["authors"]["nodes"]
        .as_array()
        .expect("authors")
        .clone();
    assert_eq!(authors.len(), 3);
    for (i, author) in authors.iter().enumerate() {
        let base = i as i64 * 20;
        assert_eq!(
            ids(&author["oldest"]),
            vec![base + 1, base + 3],
            "{backend:?}"
        );
        assert_eq!(author["oldest"]["pageInfo"]["hasNextPage"], true);
        assert_eq!(
            ids(&author["newest"]),
            vec![base + 19, base + 17],
            "{backend:?}"
        );
        assert_eq!(ids(&author["tail"]), vec![base + 19], "{backend:?}");
        assert_eq!(
            author["tail"]["pageInfo"],
            json!({ "hasPreviousPage": true, "hasNextPage": false })
        );
    }
    // authors, then one statement per distinct nested page request.
    assert_eq!(statements, 4, "{backend:?}");

    // A nested cursor continues that parent's list only.
    let cursor = authors[1]["oldest"]["pageInfo"]["endCursor"].clone();
    let data = app
        .data_with(
            r#"query($after: String) { author(id: "2") {
                 posts(first: 3, after: $after) { pageInfo { hasPreviousPage } nodes { id } } } }"#,
            json!({ "after": cursor }),
        )
        .await;
    assert_eq!(
        ids(&data["author"]["posts"]),
        vec![25, 27, 29],
        "{backend:?}"
    );
    assert_eq!(data["author"]["posts"]["pageInfo"]["hasPreviousPage"], true);

    // Many-to-many lists are paged per parent too, in both directions.
    let data = app
        .data(
            r#"{ posts(first: 2) { nodes {
                 tags(first: 2, orderBy: [{ field: NAME, direction: DESC }]) {
                   totalCount pageInfo { hasNextPage } nodes { name } }
               } }
               tag(slug: "rust") { posts(last: 2) { totalCount nodes { id } } } }"#,
        )
        .await;
    // Post n carries the tags (31n + 37k) mod 200 + 1 for k in 0..5.
    for (i, post) in data["posts"]["nodes"]
        .as_array()
        .expect("posts")
        .iter()
        .enumerate()
    {
        // Anonymous: the first two published posts, 1 and 3.
        let n = 2 * i as i64 + 1;
        let mut names: Vec<String> = (0..5)
            .map(|k| match (n * 31 + k * 37) % 200 + 1 {
                1 => "rust".to_owned(),
                2 => "django".to_owned(),
                3 => "python".to_owned(),
                t => format!("tag{t}"),
            })
            .collect();
        names.sort_by(|a, b| b.cmp(a));
        let got: Vec<&str> = post["tags"]["nodes"]
            .as_array()
            .expect("tags")
            .iter()
            .map(|t| t["name"].as_str().expect("name"))
            .collect();
        assert_eq!(got, names[..2].to_vec(), "{backend:?} post {n}");
        assert_eq!(post["tags"]["totalCount"], 5);
        assert_eq!(post["tags"]["pageInfo"]["hasNextPage"], true);
    }
    // Posts tagged rust (tag id 1): those n with (31n + 37k) % 200 == 0 for some k.
    // The published ones (odd ids) tagged rust.
    let rust: Vec<i64> = (1..=60)
        .filter(|n| n % 2 == 1 && (0..5).any(|k| (n * 31 + k * 37) % 200 == 0))
        .collect();
    let got = &data["tag"]["posts"];
    assert_eq!(got["totalCount"], rust.len() as i64, "{backend:?}");
    assert_eq!(
        ids(got),
        rust[rust.len().saturating_sub(2)..].to_vec(),
        "{backend:?}"
    );
}

#[apply(each_backend)]
#[tokio::test]
async fn page_sizes_have_a_default_and_a_hard_maximum(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    // 240 posts, 120 of them published.
    let app = TestApp::spawn(backend, Fixture::Bench(12)).await;
    let data = app.data("{ posts { totalCount nodes { id } } }").await;
    assert_eq!(ids(&data["posts"]).len(), 20, "the default page size");
    assert_eq!(data["posts"]["totalCount"], 120);
    let data = app.data("{ posts(first: 100) { nodes { id } } }").await;
    assert_eq!(ids(&data["posts"]).len(), 100, "the maximum is allowed");
    let data = app
        .data("{ posts(first: 0) { totalCount pageInfo { hasNextPage } nodes { id } } }")
        .await;
    assert_eq!(
        data["posts"],
        json!({ "totalCount": 120, "pageInfo": { "hasNextPage": true }, "nodes": [] })
    );

    for (query, argument) in [
        ("{ posts(first: 101) { nodes { id } } }", "first"),
        ("{ posts(last: 1000) { nodes { id } } }", "last"),
        ("{ posts(first: -1) { nodes { id } } }", "first"),
        ("{ posts(first: 1, last: 1) { nodes { id } } }", "last"),
        (
            r#"{ author(id: "1") { posts(first: 101) { nodes { id } } } }"#,
            "first",
        ),
        (
            r#"{ post(id: "1") { tags(last: 500) { nodes { id } } } }"#,
            "last",
        ),
    ] {
        let (code, arg, message) = app.error(query).await;
        assert_eq!(code, "BAD_USER_INPUT", "{backend:?} {query}");
        assert_eq!(
            arg.as_deref(),
            Some(argument),
            "{backend:?} {query}: {message}"
        );
    }
    let (_, _, message) = app.error("{ posts(first: 101) { nodes { id } } }").await;
    assert_eq!(message, "`first` must be between 0 and 100 (got 101)");
}

#[apply(each_backend)]
#[tokio::test]
async fn page_limits_follow_the_configuration(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let app = TestApp::spawn_with(backend, Fixture::Demo, |config| {
        config.limits.default_size = 2;
        config.limits.max_size = 3;
    })
    .await;
    assert_eq!(
        ids(&app.data("{ posts { nodes { id } } }").await["posts"]),
        vec![1, 2]
    );
    let (code, argument, _) = app.error("{ posts(first: 4) { nodes { id } } }").await;
    assert_eq!(
        (code.as_str(), argument.as_deref()),
        ("BAD_USER_INPUT", Some("first"))
    );
}

#[apply(each_backend)]
#[tokio::test]
async fn cursors_from_elsewhere_are_refused(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let app = TestApp::spawn(backend, Fixture::Demo).await;
    let by_id = app
        .data("{ posts(first: 1) { pageInfo { endCursor } } authors(first: 1) { pageInfo { endCursor } } }")
        .await;
    let post_cursor = by_id["posts"]["pageInfo"]["endCursor"].clone();
    let author_cursor = by_id["authors"]["pageInfo"]["endCursor"].clone();
    // A cursor carrying a value of the wrong type for its key.
    let forged = "eyJzIjoicG9zdHM6aWQuYWwiLCJ2IjpbIngiXX0"; // {"s":"posts:id.al","v":["x"]}

    let bad = [
        (
            json!({ "after": post_cursor, "order": [{ "field": "TITLE" }] }),
            "after",
        ),
        (json!({ "after": author_cursor }), "after"),
        (json!({ "after": "not a cursor" }), "after"),
        (json!({ "after": forged }), "after"),
        (json!({ "last": 1, "before": "eyJ9" }), "before"),
    ];
    for (vars, argument) in bad {
        let body = app.request(POSTS_PAGE, vars.clone()).await;
        let err = &body["errors"][0];
        assert_eq!(
            err["extensions"]["code"], "BAD_USER_INPUT",
            "{backend:?} {vars}: {body}"
        );
        assert_eq!(
            err["extensions"]["argument"], argument,
            "{backend:?} {vars}"
        );
        assert_eq!(body["data"], Value::Null);
    }
    // The same cursor under the same ordering works.
    let ok = app
        .data_with(POSTS_PAGE, json!({ "first": 1, "after": post_cursor }))
        .await;
    assert_eq!(ids(&ok["posts"]), vec![2]);
}

#[apply(each_backend)]
#[tokio::test]
async fn orderings_are_validated(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let app = TestApp::spawn(backend, Fixture::Demo).await;
    let (code, argument, message) = app
        .error("{ posts(orderBy: [{ field: TITLE }, { field: TITLE, direction: DESC }]) { nodes { id } } }")
        .await;
    assert_eq!(
        (code.as_str(), argument.as_deref()),
        ("BAD_USER_INPUT", Some("orderBy"))
    );
    assert_eq!(message, "orderBy names `title` more than once");
    let six = "[{field: ID}, {field: TITLE}, {field: SLUG}, {field: CREATED_AT}, {field: UPDATED_AT}, {field: PUBLISHED_AT}]";
    let (code, argument, _) = app
        .error(&format!("{{ posts(orderBy: {six}) {{ nodes {{ id }} }} }}"))
        .await;
    assert_eq!(
        (code.as_str(), argument.as_deref()),
        ("BAD_USER_INPUT", Some("orderBy"))
    );
}
