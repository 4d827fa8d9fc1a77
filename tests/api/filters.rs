//! Filters compiled to SQL, with identical answers on every backend: scalar
//! operators (case and LIKE's special characters included), hops across relations,
//! `some` / `every` / `none`, `and` / `or` / `not`, and filters inside nested lists.

use serde_json::{Value, json};

use crate::helpers::{Backend, Fixture, TestApp, each_backend, ids, listed};
use rstest_reuse::apply;

/// The ids of the posts a filter keeps (demo data: posts 1–4; 4 is alice's draft,
/// and these tests read as alice).
async fn posts(app: &TestApp, filter: Value) -> Vec<i64> {
    let data = app
        .data_with(
            "query($f: PostFilter) { posts(filter: $f) { totalCount nodes { id } } }",
            json!({ "f": filter }),
        )
        .await;
    let kept = ids(&data["posts"]);
    assert_eq!(
        data["posts"]["totalCount"],
        kept.len() as i64,
        "{:?}: totalCount follows the filter",
        app.backend
    );
    kept
}

async fn authors(app: &TestApp, filter: Value) -> Vec<i64> {
    let data = app
        .data_with(
            "query($f: AuthorFilter) { authors(filter: $f) { nodes { id } } }",
            json!({ "f": filter }),
        )
        .await;
    ids(&data["authors"])
}

#[apply(each_backend)]
#[tokio::test]
async fn text_operators_match_case_and_special_characters_alike_everywhere(
    #[case] backend: Backend,
) {
    if !listed(backend) {
        return;
    }
    let mut app = TestApp::spawn(backend, Fixture::Demo).await;
    app.sign_in("alice").await;
    let cases = [
        (json!({ "title": { "eq": "Python tips" } }), vec![3]),
        (json!({ "title": { "eq": "python tips" } }), vec![]),
        (
            json!({ "title": { "eq": "python TIPS", "insensitive": true } }),
            vec![3],
        ),
        (json!({ "title": { "ne": "Python tips" } }), vec![1, 2, 4]),
        (json!({ "title": { "contains": "Django" } }), vec![1]),
        (json!({ "title": { "contains": "django" } }), vec![]),
        (
            json!({ "title": { "contains": "DJANGO", "insensitive": true } }),
            vec![1],
        ),
        (json!({ "title": { "startsWith": "Why" } }), vec![2]),
        (json!({ "title": { "startsWith": "why" } }), vec![]),
        (
            json!({ "title": { "startsWith": "why", "insensitive": true } }),
            vec![2],
        ),
        (json!({ "title": { "endsWith": "dive" } }), vec![4]),
        (
            json!({ "slug": { "in": ["python-tips", "nope", "why-rust-for-web-servers"] } }),
            vec![2, 3],
        ),
        (
            json!({ "slug": { "notIn": ["python-tips"] } }),
            vec![1, 2, 4],
        ),
        (
            json!({ "slug": { "in": ["PYTHON-TIPS"], "insensitive": true } }),
            vec![3],
        ),
        // LIKE's and GLOB's special characters in user text match themselves.
        (json!({ "slug": { "contains": "_" } }), vec![]),
        (json!({ "slug": { "contains": "%" } }), vec![]),
        (json!({ "slug": { "contains": "*" } }), vec![]),
        (json!({ "slug": { "contains": "?" } }), vec![]),
        (
            json!({ "slug": { "contains": "_", "insensitive": true } }),
            vec![],
        ),
        (
            json!({ "body": { "contains": ": the full" } }),
            vec![1, 2, 3, 4],
        ),
    ];
    for (filter, expected) in cases {
        assert_eq!(
            posts(&app, filter.clone()).await,
            expected,
            "{backend:?} {filter}"
        );
    }
    let null_sites = app
        .data(r#"{ profiles(filter: { website: { isNull: true } }) { nodes { id } } }"#)
        .await;
    assert_eq!(ids(&null_sites["profiles"]), vec![2], "{backend:?}");
}

#[apply(each_backend)]
#[tokio::test]
async fn ids_dates_and_status(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let mut app = TestApp::spawn(backend, Fixture::Demo).await;
    app.sign_in("alice").await;
    let cases = [
        (json!({ "id": { "eq": "2" } }), vec![2]),
        (json!({ "id": { "in": ["1", "3", "99"] } }), vec![1, 3]),
        (
            json!({ "id": { "notIn": ["1"] }, "status": { "eq": "PUBLISHED" } }),
            vec![2, 3],
        ),
        (json!({ "status": { "eq": "DRAFT" } }), vec![4]),
        (
            json!({ "status": { "in": ["DRAFT", "PUBLISHED"] } }),
            vec![1, 2, 3, 4],
        ),
        (json!({ "publishedAt": { "isNull": true } }), vec![4]),
        (
            json!({ "publishedAt": { "gt": "2026-01-01T01:50:00Z" } }),
            vec![2, 3],
        ),
        (
            json!({ "publishedAt": { "gte": "2026-01-01T01:50:00Z", "lt": "2026-01-01T02:10:00Z" } }),
            vec![1, 2],
        ),
        (
            json!({ "createdAt": { "lte": "2026-01-01T01:42:00+00:00" } }),
            vec![1, 2],
        ),
    ];
    for (filter, expected) in cases {
        assert_eq!(
            posts(&app, filter.clone()).await,
            expected,
            "{backend:?} {filter}"
        );
    }
    let born = app
        .data(r#"{ profiles(filter: { birthdate: { lt: "2000-01-01" } }) { nodes { id } } }"#)
        .await;
    assert_eq!(ids(&born["profiles"]), vec![1], "{backend:?}");
}

#[apply(each_backend)]
#[tokio::test]
async fn relations_nest_like_django_double_underscores(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let mut app = TestApp::spawn(backend, Fixture::Demo).await;
    app.sign_in("alice").await;
    let post_cases = [
        // Post.objects.filter(author__profile__city="Casablanca")
        (
            json!({ "author": { "profile": { "city": { "eq": "Casablanca" } } } }),
            vec![1, 2, 4],
        ),
        (
            json!({ "author": { "username": { "eq": "bob" } } }),
            vec![3],
        ),
        // Uncategorised posts never match a category filter, nor its negation's inner.
        (
            json!({ "category": { "slug": { "eq": "django" } } }),
            vec![1, 4],
        ),
        (
            json!({ "not": { "category": { "slug": { "eq": "django" } } } }),
            vec![2, 3],
        ),
        (
            json!({ "tags": { "some": { "slug": { "eq": "python" } } } }),
            vec![1, 3],
        ),
        (
            json!({ "tags": { "none": { "slug": { "eq": "python" } } } }),
            vec![2, 4],
        ),
        (
            json!({ "tags": { "every": { "slug": { "in": ["django", "python"] } } } }),
            vec![1, 3, 4],
        ),
        (
            json!({ "comments": { "some": { "author": { "username": { "eq": "carol" } } } } }),
            vec![1],
        ),
        // A comment whose author is gone matches no author filter.
        (
            json!({ "comments": { "some": { "author": { "id": { "in": ["1", "2", "3"] } } } } }),
            vec![1, 3],
        ),
        (json!({ "comments": { "none": {} } }), vec![4]),
        // Q objects: or, and, not, nested.
        (
            json!({ "or": [{ "title": { "startsWith": "Why" } }, { "status": { "eq": "DRAFT" } }] }),
            vec![2, 4],
        ),
        (
            json!({ "and": [{ "author": { "username": { "eq": "alice" } } }, { "not": { "status": { "eq": "DRAFT" } } }] }),
            vec![1, 2],
        ),
        (json!({ "or": [] }), vec![]),
        (json!({ "and": [] }), vec![1, 2, 3, 4]),
    ];
    for (filter, expected) in post_cases {
        assert_eq!(
            posts(&app, filter.clone()).await,
            expected,
            "{backend:?} {filter}"
        );
    }
    let author_cases = [
        (
            json!({ "posts": { "some": { "tags": { "some": { "slug": { "eq": "rust" } } } } } }),
            vec![1],
        ),
        // Every post published: bob, and carol, who has none.
        (
            json!({ "posts": { "every": { "status": { "eq": "PUBLISHED" } } } }),
            vec![2, 3],
        ),
        (json!({ "posts": { "none": {} } }), vec![3]),
        (json!({ "profile": { "city": { "eq": "Lyon" } } }), vec![2]),
        // Author.objects.filter(profile__isnull=True)
        (json!({ "profile": { "id": { "isNull": true } } }), vec![3]),
        (
            json!({ "profile": { "id": { "isNull": false } } }),
            vec![1, 2],
        ),
        // An empty filter keeps every row, related or not.
        (json!({ "profile": {} }), vec![1, 2, 3]),
        (
            json!({ "comments": { "some": { "post": { "author": { "username": { "eq": "alice" } } } } } }),
            vec![2, 3],
        ),
    ];
    for (filter, expected) in author_cases {
        assert_eq!(
            authors(&app, filter.clone()).await,
            expected,
            "{backend:?} {filter}"
        );
    }
    let data = app
        .data(
            r#"{
              tags(filter: { posts: { some: { author: { username: { eq: "bob" } } } } }) { nodes { slug } }
              categories(filter: { posts: { some: { tags: { some: { slug: { eq: "django" } } } } } }) { nodes { slug } }
              comments(filter: { post: { category: { slug: { eq: "python" } } } }) { nodes { body } }
            }"#,
        )
        .await;
    assert_eq!(
        data,
        json!({
          "tags": { "nodes": [ { "slug": "python" } ] },
          "categories": { "nodes": [ { "slug": "django" } ] },
          "comments": { "nodes": [ { "body": "Nice tips." } ] }
        }),
        "{backend:?}"
    );
}

#[apply(each_backend)]
#[tokio::test]
async fn nested_lists_filter_per_parent_and_count_what_they_keep(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let mut app = TestApp::spawn(backend, Fixture::Demo).await;
    app.sign_in("alice").await;
    let (data, statements) = app
        .counted(
            r#"{
              authors { nodes {
                username
                published: posts(filter: { status: { eq: PUBLISHED } }) { totalCount nodes { id } }
              } }
              tag(slug: "django") {
                posts(filter: { status: { eq: PUBLISHED } }) { totalCount nodes { id } }
              }
              post(id: "1") { tags(filter: { name: { startsWith: "p" } }) { totalCount nodes { name } } }
            }"#,
        )
        .await;
    assert_eq!(
        data,
        json!({
          "authors": { "nodes": [
            { "username": "alice", "published": { "totalCount": 2, "nodes": [ { "id": "1" }, { "id": "2" } ] } },
            { "username": "bob", "published": { "totalCount": 1, "nodes": [ { "id": "3" } ] } },
            { "username": "carol", "published": { "totalCount": 0, "nodes": [] } }
          ]},
          "tag": { "posts": { "totalCount": 1, "nodes": [ { "id": "1" } ] } },
          "post": { "tags": { "totalCount": 1, "nodes": [ { "name": "python" } ] } }
        }),
        "{backend:?}"
    );
    // authors; their posts and counts; the tag, its posts and count; the post, its tags and count
    assert_eq!(statements, 1 + 2 + 3 + 3, "{backend:?}");
}

#[apply(each_backend)]
#[tokio::test]
async fn a_three_hop_filter_in_a_nested_list_costs_no_extra_statement(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let app = TestApp::spawn(backend, Fixture::Bench(12)).await;
    let three_hops =
        r#"comments: { some: { author: { profile: { city: { eq: "Casablanca" } } } } }"#;
    let nested = |filter: &str| {
        format!(
            "{{ authors(first: 10) {{ nodes {{ posts(first: 20{filter}) {{ nodes {{ title tags {{ nodes {{ name }} }} }} }} }} }} }}"
        )
    };
    let (_, plain) = app.counted(&nested("")).await;
    let (data, filtered) = app
        .counted(&nested(&format!(", filter: {{ {three_hops} }}")))
        .await;
    assert_eq!(plain, 3, "{backend:?}");
    assert_eq!(filtered, plain, "{backend:?}");

    // The nested lists keep exactly what the same filter keeps at the root.
    let kept: i64 = data["authors"]["nodes"]
        .as_array()
        .expect("authors")
        .iter()
        .map(|a| a["posts"]["nodes"].as_array().map_or(0, Vec::len) as i64)
        .sum();
    let ten: Vec<String> = (1..=10).map(|i| format!("\"{i}\"")).collect();
    let root = app
        .data(&format!(
            "{{ posts(filter: {{ {three_hops}, author: {{ id: {{ in: [{}] }} }} }}) {{ totalCount }} }}",
            ten.join(", ")
        ))
        .await;
    assert_eq!(root["posts"]["totalCount"], kept, "{backend:?}");
    assert!(
        kept > 0 && kept < 200,
        "{backend:?}: the filter keeps some: {kept}"
    );
}

#[apply(each_backend)]
#[tokio::test]
async fn bad_filters_are_refused_before_any_sql(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let app = TestApp::spawn(backend, Fixture::Demo).await;
    for query in [
        r#"{ posts(filter: { id: { eq: "abc" } }) { nodes { id } } }"#,
        r#"{ posts(filter: { id: { in: [] } }) { nodes { id } } }"#,
        r#"{ posts(filter: { slug: { in: [] } }) { nodes { id } } }"#,
        r#"{ posts(filter: { status: { in: [] } }) { nodes { id } } }"#,
        r#"{ author(id: "1") { posts(filter: { id: { notIn: [] } }) { nodes { id } } } }"#,
    ] {
        let body = app.request(query, json!({})).await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
            "{backend:?} {query}: {body}"
        );
        assert_eq!(body["errors"][0]["extensions"]["argument"], "filter");
    }
    // Nine relation hops: one more than allowed.
    let mut deep = json!({ "id": { "eq": "1" } });
    for _ in 0..9 {
        deep = json!({ "author": { "posts": { "some": deep } } });
    }
    let body = app
        .request(
            "query($f: PostFilter) { posts(filter: $f) { nodes { id } } }",
            json!({ "f": deep }),
        )
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{backend:?}: {body}"
    );
    assert_eq!(
        body["extensions"]["sqlStatements"], 0,
        "refused before any SQL"
    );
}

#[apply(each_backend)]
#[tokio::test]
async fn fields_compare_with_each_other_like_django_f(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let mut app = TestApp::spawn(backend, Fixture::Demo).await;
    app.sign_in("alice").await;
    // Post 2 was not edited after publication: its two timestamps are equal.
    let conn = app.db.connect().await;
    sea_orm::ConnectionTrait::execute_unprepared(
        &conn,
        "UPDATE posts SET updated_at = published_at WHERE id = 2",
    )
    .await
    .expect("arrange");
    conn.close().await.ok();
    let compare = |op: &str| json!({ "compare": [{ "left": "UPDATED_AT", "op": op, "right": "PUBLISHED_AT" }] });
    // The draft has no publishedAt: it matches no comparison but NE, which is
    // not EQ (`exclude(updated_at=F("published_at"))` keeps it).
    for (op, expected) in [
        ("GT", vec![1, 3]),
        ("EQ", vec![2]),
        ("GTE", vec![1, 2, 3]),
        ("LT", vec![]),
        ("NE", vec![1, 3, 4]),
    ] {
        assert_eq!(posts(&app, compare(op)).await, expected, "{backend:?} {op}");
    }
    let both = json!({ "compare": [
        { "left": "UPDATED_AT", "op": "GT", "right": "PUBLISHED_AT" },
        { "left": "CREATED_AT", "op": "LT", "right": "PUBLISHED_AT" }
    ], "author": { "username": { "eq": "bob" } } });
    assert_eq!(posts(&app, both).await, vec![3], "{backend:?}");
    for (left, right) in [
        ("TITLE", "CREATED_AT"),
        ("TITLE", "SLUG"),
        ("ID", "CREATED_AT"),
    ] {
        let filter = json!({ "compare": [{ "left": left, "op": "GT", "right": right }] });
        let body = app
            .request(
                "query($f: PostFilter) { posts(filter: $f) { nodes { id } } }",
                json!({ "f": filter }),
            )
            .await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
            "{backend:?} {left} {right}"
        );
        assert_eq!(body["errors"][0]["extensions"]["argument"], "filter");
    }
}

#[apply(each_backend)]
#[tokio::test]
async fn the_join_rows_tagged_at_filters_many_to_many_hops_and_lists(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let mut app = TestApp::spawn(backend, Fixture::Demo).await;
    app.sign_in("alice").await;
    // Links: post 1–django 05:11, 1–python 05:12, 2–rust 05:23, 3–python 05:32, 4–django 05:41.
    let late = json!({ "tags": { "some": { "taggedAt": { "gte": "2026-01-01T05:20:00Z" } } } });
    assert_eq!(posts(&app, late).await, vec![2, 3, 4], "{backend:?}");
    // The tag and its link must match together: python, tagged before 05:20.
    let early_python = json!({ "tags": { "some": {
        "slug": { "eq": "python" }, "taggedAt": { "lt": "2026-01-01T05:20:00Z" } } } });
    assert_eq!(posts(&app, early_python).await, vec![1], "{backend:?}");

    let query = r#"{
      tags(filter: { posts: { some: { taggedAt: { gt: "2026-01-01T05:30:00Z" } } } }) { nodes { slug } }
      post(id: "1") { tags(filter: { taggedAt: { gt: "2026-01-01T05:11:30Z" } }) { totalCount nodes { name } } }
      tag(slug: "django") { posts(filter: { taggedAt: { lt: "2026-01-01T05:20:00Z" } }) { totalCount nodes { id } } }
    }"#;
    let expected = |tags: Value| {
        json!({
          "tags": { "nodes": tags },
          "post": { "tags": { "totalCount": 1, "nodes": [{ "name": "python" }] } },
          "tag": { "posts": { "totalCount": 1, "nodes": [{ "id": "1" }] } }
        })
    };
    assert_eq!(
        app.data(query).await,
        expected(json!([{ "slug": "django" }, { "slug": "python" }])),
        "{backend:?}"
    );
    // Anonymous, alice's draft (post 4, django at 05:41) is not there to match.
    app.use_token(None);
    assert_eq!(
        app.data(query).await,
        expected(json!([{ "slug": "python" }])),
        "{backend:?}"
    );

    for query in [
        r#"{ posts(filter: { taggedAt: { gt: "2026-01-01T00:00:00Z" } }) { nodes { id } } }"#,
        r#"{ author(id: "1") { posts(filter: { taggedAt: { gt: "2026-01-01T00:00:00Z" } }) { nodes { id } } } }"#,
        r#"{ posts(filter: { author: { posts: { some: { taggedAt: { gt: "2026-01-01T00:00:00Z" } } } } }) { nodes { id } } }"#,
    ] {
        let body = app.request(query, json!({})).await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
            "{backend:?} {query}: {body}"
        );
        assert_eq!(body["errors"][0]["extensions"]["argument"], "filter");
    }
}

#[apply(each_backend)]
#[tokio::test]
async fn counts_take_filters_and_stay_batched(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let mut app = TestApp::spawn(backend, Fixture::Bench(12)).await;
    app.sign_in("author1").await;
    // Each author's published posts of 2026, beside all their posts author1 can see.
    let (data, statements) = app
        .counted(
            r#"{ authors(first: 10) { nodes {
                 username
                 all: postCount
                 published: postCount(filter: { status: { eq: PUBLISHED }, publishedAt: { gte: "2026-01-01T00:00:00Z" } })
               } }
               post(id: "1") { commentCount(filter: { author: { id: { in: ["1", "2", "3"] } } }) tagCount(filter: { name: { startsWith: "tag" } }) } }"#,
        )
        .await;
    let authors = data["authors"]["nodes"].as_array().expect("authors");
    assert_eq!(
        authors[0],
        json!({ "username": "author1", "all": 20, "published": 10 }),
        "{backend:?}"
    );
    for author in &authors[1..] {
        assert_eq!(
            (author["all"].as_i64(), author["published"].as_i64()),
            (Some(10), Some(10)),
            "{backend:?}"
        );
    }
    // Comments 1..5 of post 1 are by authors (13c % 12) + 1 = 2, 3, 4, 5, 6.
    assert_eq!(data["post"]["commentCount"], 2, "{backend:?}");
    // Post 1's tags (31 + 37k) % 200 + 1: 32, 69, 106, 143, 180, all named tagN.
    assert_eq!(data["post"]["tagCount"], 5, "{backend:?}");
    // authors; two counts (one per filter; a root list's counts are never joined);
    // the post; its two filtered counts
    assert_eq!(statements, 1 + 2 + 1 + 2, "{backend:?}");
}

#[apply(each_backend)]
#[tokio::test]
async fn aggregates_at_the_root_and_per_parent(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let range = |min: &str, max: &str| json!({ "min": min, "max": max });
    let at = |hm: &str| format!("2026-01-01T{hm}:00+00:00");
    {
        let mut app = TestApp::spawn(backend, Fixture::Demo).await;
        let query = r#"{
          postAggregate { count publishedAt { min max } createdAt { min max } updatedAt { min max } }
          bobs: postAggregate(filter: { author: { username: { eq: "bob" } } }) { count publishedAt { min max } }
          authors { nodes { username postAggregate(filter: { status: { eq: PUBLISHED } }) { count publishedAt { min max } } } }
          category(slug: "django") { postAggregate { count } }
        }"#;
        let expected = |draft: bool| {
            json!({
              "postAggregate": {
                "count": if draft { 4 } else { 3 },
                "publishedAt": range(&at("01:50"), &at("02:10")),
                "createdAt": range(&at("01:41"), &at(if draft { "01:44" } else { "01:43" })),
                "updatedAt": range(&at("03:21"), &at(if draft { "03:24" } else { "03:23" }))
              },
              "bobs": { "count": 1, "publishedAt": range(&at("02:10"), &at("02:10")) },
              "authors": { "nodes": [
                { "username": "alice", "postAggregate": { "count": 2, "publishedAt": range(&at("01:50"), &at("02:00")) } },
                { "username": "bob", "postAggregate": { "count": 1, "publishedAt": range(&at("02:10"), &at("02:10")) } },
                { "username": "carol", "postAggregate": { "count": 0, "publishedAt": { "min": null, "max": null } } }
              ]},
              "category": { "postAggregate": { "count": if draft { 2 } else { 1 } } }
            })
        };
        let (data, statements) = app.counted(query).await;
        assert_eq!(data, expected(false), "{backend:?}: anonymous");
        // two root aggregates; authors and their aggregates; the category and its aggregate
        assert_eq!(statements, 2 + 2 + 2, "{backend:?}");
        app.sign_in("alice").await;
        assert_eq!(
            app.data(query).await,
            expected(true),
            "{backend:?}: alice sees her draft"
        );
    }
}

#[apply(each_backend)]
#[tokio::test]
async fn posts_grouped_by_category_tag_and_month(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let mut app = TestApp::spawn(backend, Fixture::Demo).await;
    let query = r#"{
      postsByCategory { category { slug } count }
      postsByTag { tag { slug } count }
      postsByMonth { month count }
      pythonByMonth: postsByMonth(filter: { tags: { some: { slug: { eq: "python" } } } }) { month count }
    }"#;
    let (data, statements) = app.counted(query).await;
    assert_eq!(
        data,
        json!({
          "postsByCategory": [
            { "category": { "slug": "django" }, "count": 1 },
            { "category": { "slug": "python" }, "count": 1 },
            { "category": null, "count": 1 }
          ],
          "postsByTag": [
            { "tag": { "slug": "python" }, "count": 2 },
            { "tag": { "slug": "django" }, "count": 1 },
            { "tag": { "slug": "rust" }, "count": 1 }
          ],
          "postsByMonth": [ { "month": "2026-01", "count": 3 } ],
          "pythonByMonth": [ { "month": "2026-01", "count": 2 } ]
        }),
        "{backend:?}"
    );
    // four grouped statements, then the categories and the tags by id
    assert_eq!(statements, 4 + 2, "{backend:?}");
    app.sign_in("alice").await;
    let data = app
        .data("{ postsByCategory { category { slug } count } postsByTag { tag { slug } count } }")
        .await;
    assert_eq!(
        data,
        json!({
          "postsByCategory": [
            { "category": { "slug": "django" }, "count": 2 },
            { "category": { "slug": "python" }, "count": 1 },
            { "category": null, "count": 1 }
          ],
          "postsByTag": [
            { "tag": { "slug": "django" }, "count": 2 },
            { "tag": { "slug": "python" }, "count": 2 },
            { "tag": { "slug": "rust" }, "count": 1 }
          ]
        }),
        "{backend:?}: with alice's draft"
    );
}
