//! The statement budget of the reference workload (docs/model.md Q1–Q4): one statement
//! per list level (to-one relations are joined into their parent's), whatever the
//! number of rows, on every backend.

use serde_json::{Value, json};

use crate::helpers::{Backend, Fixture, TestApp, each_backend, id_of, ids, listed};
use rstest_reuse::apply;

/// A benchmark post as Q3 and Q2 show it: post p is author ((p - 1) / 20 + 1)'s.
fn assert_bench_post(post: &Value) {
    let id = id_of(post);
    let author = (id - 1) / 20 + 1;
    assert_eq!(post["title"], format!("Post {id} by author {author}"));
    assert_eq!(post["author"]["username"], format!("author{author}"));
}

const Q1: &str = r#"query($n: Int) { authors(first: $n) { nodes {
    username profile { city }
    posts(first: 10) { nodes { title tags { nodes { name } } } }
} } }"#;

#[apply(each_backend)]
#[tokio::test]
async fn q1_nested_costs_one_statement_per_level(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let app = TestApp::spawn(backend, Fixture::Bench(60)).await;
    let body = app.request(Q1, json!({ "n": 50 })).await;
    assert!(body.get("errors").is_none(), "{body}");
    // authors page with their profiles joined, posts, tags with their join rows
    assert_eq!(body["extensions"]["sqlStatements"], 3, "{backend:?}");
    let authors = body["data"]["authors"]["nodes"]
        .as_array()
        .expect("authors");
    assert_eq!(authors.len(), 50);
    for (i, author) in authors.iter().enumerate() {
        let n = i + 1;
        assert_eq!(author["username"], format!("author{n}"));
        let posts = author["posts"]["nodes"].as_array().expect("posts");
        assert_eq!(posts.len(), 10, "{backend:?}");
        assert_eq!(
            posts[0]["title"],
            format!("Post {} by author {n}", i * 20 + 1)
        );
        for post in posts {
            assert_eq!(post["tags"]["nodes"].as_array().map(Vec::len), Some(5));
        }
    }
    assert_eq!(authors[0]["profile"]["city"], "Casablanca");
    assert_eq!(authors[50 - 1]["profile"]["city"], "Tokyo");

    // Each requested totalCount costs one statement more, nested ones included.
    let (_, n) = app
        .counted(
            r#"{ authors(first: 50) { totalCount nodes {
                 username profile { city }
                 posts(first: 10) { totalCount nodes { title tags { totalCount nodes { name } } } }
            } } }"#,
        )
        .await;
    assert_eq!(n, 3 + 3, "{backend:?}");
}

#[apply(each_backend)]
#[tokio::test]
async fn q1_costs_the_same_for_10_and_1000_authors(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let app = TestApp::spawn_with(backend, Fixture::Bench(1000), |config| {
        config.limits.max_size = 1000;
        // A page of 1,000 authors is 20 times the default budget.
        config.query_limits.max_complexity = 2_000_000;
    })
    .await;
    for n in [10, 1000] {
        let body = app.request(Q1, json!({ "n": n })).await;
        assert!(body.get("errors").is_none(), "{body}");
        let authors = body["data"]["authors"]["nodes"]
            .as_array()
            .expect("authors");
        assert_eq!(authors.len(), n, "{backend:?}");
        let tags: usize = authors
            .iter()
            .flat_map(|a| a["posts"]["nodes"].as_array().expect("posts"))
            .map(|p| p["tags"]["nodes"].as_array().map_or(0, Vec::len))
            .sum();
        assert_eq!(tags, n * 10 * 5, "{backend:?}");
        assert_eq!(
            body["extensions"]["sqlStatements"], 3,
            "{backend:?} with {n} authors"
        );
    }
}

#[apply(each_backend)]
#[tokio::test]
async fn q3_reverse_many_to_many_with_counts(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let app = TestApp::spawn(backend, Fixture::Bench(60)).await;
    let (data, n) = app
        .counted(
            r#"{ tag(slug: "rust") { name posts(first: 20) { nodes {
                 id title author { username } commentCount } } } }"#,
        )
        .await;
    // tag; its posts through post_tags with their authors and comment counts
    assert_eq!(n, 2, "{backend:?}");
    let posts = data["tag"]["posts"]["nodes"].as_array().expect("posts");
    assert_eq!(ids(&data["tag"]["posts"]), expected_q3(), "{backend:?}");
    for post in posts {
        assert_bench_post(post);
        assert_eq!(post["commentCount"], 5);
    }
}

/// Post p carries tag 1 ('rust') when (31p + 37k) % 200 == 0 for some k < 5; an
/// anonymous reader sees the published ones, every other post of an author.
fn expected_q3() -> Vec<i64> {
    (1..=1200)
        .filter(|p| (p - 1) % 2 == 0)
        .filter(|p| (0..5).any(|k| (p * 31 + k * 37) % 200 == 0))
        .take(20)
        .collect()
}

#[apply(each_backend)]
#[tokio::test]
async fn q4_point_lookup(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let app = TestApp::spawn(backend, Fixture::Bench(60)).await;
    let (data, n) = app
        .counted(
            r#"{ post(slug: "post-21") {
                 title body
                 author { username profile { bio } }
                 category { name }
                 tags { nodes { name } }
                 comments(first: 10) { nodes { body author { username } } }
            } }"#,
        )
        .await;
    // post with its author, the author's profile and its category joined; then its
    // tags, and its comments with their authors joined
    assert_eq!(n, 3, "{backend:?}");
    let post = &data["post"];
    assert_eq!(post["title"], "Post 21 by author 2");
    assert_eq!(post["author"]["username"], "author2");
    assert_eq!(
        post["author"]["profile"]["bio"],
        "Author 2 writes about software."
    );
    // category (21 * 7) % 20 + 1 = 8
    assert_eq!(post["category"]["name"], "Security");
    assert_eq!(post["tags"]["nodes"].as_array().map(Vec::len), Some(5));
    let comments = post["comments"]["nodes"].as_array().expect("comments");
    assert_eq!(comments.len(), 5);
    for (k, comment) in comments.iter().enumerate() {
        let id = 20 * 5 + k as i64 + 1;
        assert_eq!(comment["body"], format!("Comment {id} on post 21"));
        let author = if id % 20 == 0 {
            json!(null)
        } else {
            json!({ "username": format!("author{}", (id * 13) % 60 + 1) })
        };
        assert_eq!(comment["author"], author, "{backend:?} comment {id}");
    }
}

#[apply(each_backend)]
#[tokio::test]
async fn q2_across_relations(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let app = TestApp::spawn(backend, Fixture::Bench(60)).await;
    let (data, n) = app
        .counted(
            r#"{ posts(first: 20, filter: {
                   author: { profile: { city: { eq: "Casablanca" } } }
                   tags: { some: { slug: { eq: "django" } } }
                 }) { nodes { id title author { username } } } }"#,
        )
        .await;
    // the filtered page (its filter is EXISTS subqueries), its authors joined
    assert_eq!(n, 1, "{backend:?}");
    // Casablanca is every 50th author's city; 'django' is tag 2; published
    // posts are every other one.
    let expected: Vec<i64> = (1..=1200)
        .filter(|p| ((p - 1) / 20) % 50 == 0 && (p - 1) % 2 == 0)
        .filter(|p| (0..5).any(|k| (p * 31 + k * 37) % 200 + 1 == 2))
        .take(20)
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(ids(&data["posts"]), expected, "{backend:?}");
    for post in data["posts"]["nodes"].as_array().expect("posts") {
        assert_bench_post(post);
    }
}

/// A query's statements leave out the text columns none of its fields reads
/// (post and comment bodies, profile bios, emails, password hashes); a field
/// that reads one, in a fragment, under another type or beside a level that
/// does not, still gets its value, and the statement count is the same.
#[apply(each_backend)]
#[tokio::test]
async fn columns_left_out_are_answered_wherever_asked(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let app = TestApp::spawn(backend, Fixture::Bench(3)).await;
    let lean = r#"{ posts(first: 2, orderBy: [{ field: ID }]) { nodes {
        id title author { username profile { city } }
        comments(first: 1, orderBy: [{ field: ID }]) { nodes { id } }
    } } }"#;
    let asked = r#"{ posts(first: 2, orderBy: [{ field: ID }]) { nodes {
        id title author { username profile { city ...Bio } }
        ...Comments
    } } }
    fragment Comments on Post { comments(first: 1, orderBy: [{ field: ID }]) { nodes { id body } } }
    fragment Bio on Profile { bio }"#;
    let (lean_data, lean_n) = app.counted(lean).await;
    let (data, n) = app.counted(asked).await;
    assert_eq!(n, lean_n, "{backend:?}");
    let posts = data["posts"]["nodes"].as_array().expect("posts");
    let lean_posts = lean_data["posts"]["nodes"].as_array().expect("posts");
    assert_eq!(posts.len(), 2);
    for (post, lean_post) in posts.iter().zip(lean_posts) {
        let id = id_of(post);
        assert_eq!(post["title"], lean_post["title"]);
        let author = (id - 1) / 20 + 1;
        assert_eq!(
            post["author"]["profile"]["bio"],
            format!("Author {author} writes about software."),
            "{backend:?}"
        );
        let comment = &post["comments"]["nodes"][0];
        assert_eq!(
            comment["body"],
            format!("Comment {} on post {id}", id_of(comment)),
            "{backend:?}"
        );
    }

    // The body of a post read by id, beside a list that asks only for titles.
    let data = app
        .data(r#"{ posts(first: 1) { nodes { title } } post(id: "3") { title body } }"#)
        .await;
    assert_eq!(
        data["post"]["body"],
        "Body of post 3. ".repeat(8),
        "{backend:?}"
    );
}

/// A query's statements share one pooled connection, and nothing it runs waits
/// for a second: with a pool of one, nested lists, counts, joined rows and a
/// lookup by a unique column all answer, and so do a write and the reads of its
/// payload.
#[apply(each_backend)]
#[tokio::test]
async fn a_query_needs_one_pooled_connection(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let mut app = TestApp::spawn_with(backend, Fixture::Demo, |config| {
        config.pool.max_connections = 1;
    })
    .await;
    app.sign_in("bob").await;
    let query = r#"{ authors(first: 5) { totalCount nodes {
        username profile { city }
        posts(first: 3) { totalCount nodes { title commentCount author { username }
            tags { nodes { name } } } }
    } } tag(slug: "rust") { name } }"#;
    let (before, n) = app.counted(query).await;
    // authors with profiles, their count, posts with authors and comment counts,
    // their count, tags, the tag
    assert_eq!(n, 6, "{backend:?}");
    assert_eq!(before["tag"]["name"], "rust", "{backend:?}");
    let created = app
        .request(
            r#"mutation { createPost(input: { title: "One connection", body: "b", publish: true }) {
                 post { title author { username postCount } } } }"#,
            json!({}),
        )
        .await;
    assert!(created.get("errors").is_none(), "{backend:?}: {created}");
    assert_eq!(
        created["data"]["createPost"]["post"]["author"]["username"],
        "bob"
    );
    let (after, _) = app.counted(query).await;
    assert_eq!(
        after["authors"]["totalCount"],
        before["authors"]["totalCount"]
    );
}
