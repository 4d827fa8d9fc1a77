//! Writes with Django's relation semantics, over HTTP on every backend, with the
//! rows left behind checked in SQL: transactions, ownership, one-to-one, the
//! many-to-many related manager, delete rules and their dry runs.

use serde_json::{Value, json};

use crate::helpers::{Backend, Fixture, TestApp, each_backend, error_of, ids, listed};
use rstest_reuse::apply;

async fn ok(app: &TestApp, query: &str, variables: Value) -> Value {
    let body = app.request(query, variables).await;
    assert!(
        body.get("errors").is_none(),
        "{:?}: {query}: {body:#}",
        app.backend
    );
    body["data"].clone()
}

const CREATE: &str = r#"mutation($input: CreatePostInput!) {
  createPost(input: $input) {
    post { id slug status category { slug } tags { totalCount nodes { name } } }
    author { postCount posts { totalCount } }
    tags { name postCount }
  }
}"#;

#[apply(each_backend)]
#[tokio::test]
async fn create_post_with_category_and_tags_in_one_transaction(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let mut app = TestApp::spawn(backend, Fixture::Demo).await;
    app.sign_in("bob").await;
    let input = json!({ "input": {
        "title": "Async Rust, gently", "body": "Futures all the way down.",
        "category": "Python", "tagIds": ["3"], "tagNames": ["python", "async"], "publish": true
    }});
    let data = ok(&app, CREATE, input).await;
    let created = &data["createPost"];
    assert_eq!(created["post"]["slug"], "async-rust-gently", "{backend:?}");
    assert_eq!(created["post"]["status"], "PUBLISHED");
    assert_eq!(created["post"]["category"]["slug"], "python");
    assert_eq!(created["post"]["tags"]["totalCount"], 3);
    // The payload already shows the new state: bob now has two posts.
    assert_eq!(
        created["author"],
        json!({ "postCount": 2, "posts": { "totalCount": 2 } })
    );
    let mut tags: Vec<(String, i64)> = created["tags"]
        .as_array()
        .expect("tags")
        .iter()
        .map(|t| {
            (
                t["name"].as_str().unwrap_or_default().to_owned(),
                t["postCount"].as_i64().unwrap_or(-1),
            )
        })
        .collect();
    tags.sort();
    assert_eq!(
        tags,
        [
            ("async".into(), 1),
            ("python".into(), 3),
            ("rust".into(), 2)
        ],
        "{backend:?}"
    );
    assert_eq!(
        app.sql("SELECT COUNT(*) FROM tags").await,
        [Some(4)],
        "{backend:?}: 'async' created"
    );

    // One unknown tag id: no post, no new tag, nothing.
    let input = json!({ "input": {
        "title": "Doomed", "body": "x", "tagIds": ["999"], "tagNames": ["brand-new"]
    }});
    let body = app.request(CREATE, input).await;
    assert_eq!(
        error_of(&body),
        ("NOT_FOUND".to_owned(), "tagIds".to_owned()),
        "{backend:?}"
    );
    assert_eq!(
        app.sql("SELECT COUNT(*) FROM posts").await,
        [Some(5)],
        "{backend:?}"
    );
    assert_eq!(
        app.sql("SELECT COUNT(*) FROM tags").await,
        [Some(4)],
        "{backend:?}"
    );
    assert_eq!(
        app.sql("SELECT COUNT(*) FROM post_tags").await,
        [Some(8)],
        "{backend:?}"
    );

    for (input, code, field) in [
        (
            json!({ "title": " ", "body": "x" }),
            "BAD_USER_INPUT",
            "title",
        ),
        (
            json!({ "title": "T", "body": "" }),
            "BAD_USER_INPUT",
            "body",
        ),
        (
            json!({ "title": "T".repeat(201), "body": "x" }),
            "BAD_USER_INPUT",
            "title",
        ),
        (
            json!({ "title": "T", "body": "x", "slug": "Not A Slug" }),
            "BAD_USER_INPUT",
            "slug",
        ),
        (
            json!({ "title": "T", "body": "x", "slug": "python-tips" }),
            "CONFLICT",
            "slug",
        ),
        (
            json!({ "title": "T", "body": "x", "categoryId": "42" }),
            "NOT_FOUND",
            "categoryId",
        ),
        (
            json!({ "title": "T", "body": "x", "category": "Cooking" }),
            "NOT_FOUND",
            "category",
        ),
        (
            json!({ "title": "T", "body": "x", "categoryId": "1", "category": "Python" }),
            "BAD_USER_INPUT",
            "category",
        ),
    ] {
        let body = app.request(CREATE, json!({ "input": input })).await;
        assert_eq!(
            error_of(&body),
            (code.to_owned(), field.to_owned()),
            "{backend:?} {input}: {body}"
        );
    }
    assert_eq!(
        app.sql("SELECT COUNT(*) FROM posts").await,
        [Some(5)],
        "{backend:?}"
    );
}

#[apply(each_backend)]
#[tokio::test]
async fn only_the_author_changes_a_post_and_hidden_posts_are_not_found(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let mut app = TestApp::spawn(backend, Fixture::Demo).await;
    let update = r#"mutation($id: ID!) { updatePost(id: $id, input: { title: "Mine now" }) { post { title } } }"#;
    let delete = r#"mutation($id: ID!) { deletePost(id: $id) { deletedId } }"#;
    let body = app.request(update, json!({ "id": "1" })).await;
    assert_eq!(error_of(&body).0, "UNAUTHENTICATED", "{backend:?}");
    app.sign_in("bob").await;
    for (query, id, code) in [
        (update, "1", "FORBIDDEN"),
        (delete, "1", "FORBIDDEN"),
        (update, "4", "NOT_FOUND"),
        (delete, "4", "NOT_FOUND"),
    ] {
        let body = app.request(query, json!({ "id": id })).await;
        assert_eq!(error_of(&body).0, code, "{backend:?} {id}: {body}");
    }
    assert_eq!(
        app.sql("SELECT COUNT(*) FROM posts WHERE title = 'Mine now'")
            .await,
        [Some(0)]
    );
    assert_eq!(app.sql("SELECT COUNT(*) FROM posts").await, [Some(4)]);

    app.sign_in("alice").await;
    let data = ok(
        &app,
        r#"mutation { updatePost(id: "1", input: { categoryId: null, slug: "django-101" }) {
            post { slug category { id } } previousCategory { slug postCount } } }"#,
        json!({}),
    )
    .await;
    assert_eq!(
        data["updatePost"],
        json!({ "post": { "slug": "django-101", "category": null }, "previousCategory": { "slug": "django", "postCount": 1 } }),
        "{backend:?}"
    );
    // Publishing sets publishedAt and makes the draft public; unpublishing undoes both.
    let data = ok(
        &app,
        r#"mutation { publishPost(id: "4") { post { status publishedAt } } }"#,
        json!({}),
    )
    .await;
    assert_eq!(data["publishPost"]["post"]["status"], "PUBLISHED");
    assert!(data["publishPost"]["post"]["publishedAt"].is_string());
    app.use_token(None);
    assert_eq!(
        ids(&app.data("{ posts { nodes { id } } }").await["posts"]),
        vec![1, 2, 3, 4],
        "{backend:?}"
    );
    app.sign_in("alice").await;
    let data = ok(
        &app,
        r#"mutation { unpublishPost(id: "4") { post { status publishedAt } } }"#,
        json!({}),
    )
    .await;
    assert_eq!(
        data["unpublishPost"]["post"],
        json!({ "status": "DRAFT", "publishedAt": null })
    );
    assert_eq!(
        app.sql("SELECT COUNT(*) FROM posts WHERE published_at IS NULL")
            .await,
        [Some(1)]
    );
}

const TAGS: &str = r#"{ post(id: "1") { tags { edges { taggedAt node { name } } } } }"#;

fn tagging(data: &Value) -> Vec<(String, String)> {
    data["post"]["tags"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| {
            (
                e["node"]["name"].as_str().unwrap_or_default().to_owned(),
                e["taggedAt"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[apply(each_backend)]
#[tokio::test]
async fn tags_add_remove_set_and_clear_like_a_related_manager(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let mut app = TestApp::spawn(backend, Fixture::Demo).await;
    app.sign_in("alice").await;
    // Post 1 carries django (1) and python (2) from the demo, tagged at 05:11 and 05:12.
    let before = tagging(&app.data(TAGS).await);
    let add = r#"mutation($ids: [ID!]) { addTags(postId: "1", tagIds: $ids) { post { tagCount } tags { name } } }"#;
    let data = ok(&app, add, json!({ "ids": ["3", "1"] })).await;
    assert_eq!(
        data["addTags"],
        json!({ "post": { "tagCount": 3 }, "tags": [{ "name": "rust" }] }),
        "{backend:?}"
    );
    // Adding again changes nothing and succeeds.
    let data = ok(&app, add, json!({ "ids": ["3"] })).await;
    assert_eq!(
        data["addTags"],
        json!({ "post": { "tagCount": 3 }, "tags": [] })
    );
    let after = tagging(&app.data(TAGS).await);
    assert_eq!(
        after[..2],
        before[..],
        "{backend:?}: links that stay keep their taggedAt"
    );

    let data = ok(&app, r#"mutation { setTags(postId: "1", tagNames: ["python", "orm"]) { post { tags { nodes { name } } } } }"#, json!({})).await;
    let names: Vec<&str> = data["setTags"]["post"]["tags"]["nodes"]
        .as_array()
        .expect("tags")
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert_eq!(names, ["python", "orm"], "{backend:?}");
    let kept = tagging(&app.data(TAGS).await);
    assert_eq!(
        kept[0], before[1],
        "{backend:?}: python kept its taggedAt through set"
    );

    let data = ok(&app, r#"mutation { removeTags(postId: "1", tagIds: ["2", "3"]) { post { tagCount } tags { name } } }"#, json!({})).await;
    assert_eq!(
        data["removeTags"],
        json!({ "post": { "tagCount": 1 }, "tags": [{ "name": "python" }] }),
        "{backend:?}"
    );
    let data = ok(
        &app,
        r#"mutation { clearTags(postId: "1") { post { tagCount } } }"#,
        json!({}),
    )
    .await;
    assert_eq!(data["clearTags"]["post"]["tagCount"], 0);
    assert_eq!(
        app.sql("SELECT COUNT(*) FROM post_tags WHERE post_id = 1")
            .await,
        [Some(0)],
        "{backend:?}"
    );
    assert_eq!(
        app.sql("SELECT COUNT(*) FROM tags").await,
        [Some(4)],
        "{backend:?}: tags stay"
    );

    app.sign_in("bob").await;
    let body = app.request(add, json!({ "ids": ["3"] })).await;
    assert_eq!(error_of(&body).0, "FORBIDDEN", "{backend:?}");
    let body = app
        .request(
            r#"mutation { addTags(postId: "3", tagIds: ["77"]) { post { id } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        error_of(&body),
        ("NOT_FOUND".to_owned(), "tagIds".to_owned()),
        "{backend:?}"
    );
}

#[apply(each_backend)]
#[tokio::test]
async fn fifty_concurrent_identical_attaches_leave_one_link(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let mut app = TestApp::spawn(backend, Fixture::Demo).await;
    app.sign_in("bob").await;
    let add = r#"mutation { addTags(postId: "3", tagIds: ["3"]) { post { tagCount } } }"#;
    let bodies = futures_util::future::join_all((0..50).map(|_| app.request(add, json!({})))).await;
    for body in &bodies {
        assert_eq!(
            body["data"]["addTags"]["post"]["tagCount"], 2,
            "{backend:?}: {body}"
        );
    }
    assert_eq!(
        app.sql("SELECT COUNT(*) FROM post_tags WHERE post_id = 3 AND tag_id = 3")
            .await,
        [Some(1)],
        "{backend:?}"
    );
}

#[apply(each_backend)]
#[tokio::test]
async fn comments_belong_to_their_author_and_the_posts_author_may_delete_them(
    #[case] backend: Backend,
) {
    if !listed(backend) {
        return;
    }
    let mut app = TestApp::spawn(backend, Fixture::Demo).await;
    app.sign_in("bob").await;
    let data = ok(&app, r#"mutation { createComment(postId: "1", body: "  Thanks!  ") { comment { id body author { username } } post { commentCount } } }"#, json!({})).await;
    assert_eq!(
        data["createComment"]["comment"]["body"], "Thanks!",
        "{backend:?}"
    );
    assert_eq!(data["createComment"]["post"]["commentCount"], 3);
    let id = data["createComment"]["comment"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let data = ok(&app, "mutation($id: ID!) { updateComment(id: $id, body: \"Thanks a lot!\") { comment { body } } }", json!({ "id": id })).await;
    assert_eq!(data["updateComment"]["comment"]["body"], "Thanks a lot!");
    let body = app
        .request(
            r#"mutation { createComment(postId: "1", body: "") { comment { id } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        error_of(&body),
        ("BAD_USER_INPUT".to_owned(), "body".to_owned()),
        "{backend:?}"
    );

    app.sign_in("carol").await;
    let delete =
        "mutation($id: ID!) { deleteComment(id: $id) { deletedId post { commentCount } } }";
    let body = app.request(delete, json!({ "id": id })).await;
    assert_eq!(
        error_of(&body).0,
        "FORBIDDEN",
        "{backend:?}: not hers, not her post"
    );
    let body = app
        .request(
            "mutation($id: ID!) { updateComment(id: $id, body: \"x\") { comment { id } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(error_of(&body).0, "FORBIDDEN", "{backend:?}");

    app.sign_in("alice").await;
    let data = ok(&app, delete, json!({ "id": id })).await;
    assert_eq!(
        data["deleteComment"],
        json!({ "deletedId": id, "post": { "commentCount": 2 } }),
        "{backend:?}"
    );
    assert_eq!(
        app.sql("SELECT COUNT(*) FROM comments").await,
        [Some(4)],
        "{backend:?}"
    );
}

#[apply(each_backend)]
#[tokio::test]
async fn one_profile_per_author(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let mut app = TestApp::spawn(backend, Fixture::Demo).await;
    app.sign_in("carol").await;
    let create = r#"mutation { createProfile(input: { city: "Fes", birthdate: "1999-09-09" }) { profile { city bio birthdate } author { profile { city } } } }"#;
    let data = ok(&app, create, json!({})).await;
    assert_eq!(
        data["createProfile"],
        json!({ "profile": { "city": "Fes", "bio": "", "birthdate": "1999-09-09" }, "author": { "profile": { "city": "Fes" } } }),
        "{backend:?}"
    );
    let body = app.request(create, json!({})).await;
    assert_eq!(
        error_of(&body),
        ("CONFLICT".to_owned(), "author".to_owned()),
        "{backend:?}"
    );
    let data = ok(&app, r#"mutation { upsertProfile(input: { city: null, bio: "Hello" }) { profile { city bio birthdate } } }"#, json!({})).await;
    assert_eq!(
        data["upsertProfile"]["profile"],
        json!({ "city": null, "bio": "Hello", "birthdate": "1999-09-09" }),
        "{backend:?}"
    );
    assert_eq!(
        app.sql("SELECT COUNT(*) FROM profiles WHERE author_id = 3")
            .await,
        [Some(1)]
    );

    let dry = ok(
        &app,
        "mutation { deleteProfile(dryRun: true) { dryRun effects { action type count } } }",
        json!({}),
    )
    .await;
    assert_eq!(
        dry["deleteProfile"],
        json!({ "dryRun": true, "effects": [{ "action": "DELETE", "type": "Profile", "count": 1 }] })
    );
    assert_eq!(
        app.sql("SELECT COUNT(*) FROM profiles WHERE author_id = 3")
            .await,
        [Some(1)],
        "{backend:?}: dry run"
    );
    ok(&app, "mutation { deleteProfile { deletedId } }", json!({})).await;
    assert_eq!(
        app.sql("SELECT COUNT(*) FROM profiles WHERE author_id = 3")
            .await,
        [Some(0)],
        "{backend:?}"
    );
}

#[apply(each_backend)]
#[tokio::test]
async fn deleting_an_author_follows_the_delete_rules(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let mut app = TestApp::spawn(backend, Fixture::Demo).await;
    app.sign_in("alice").await;
    let delete = "mutation($dry: Boolean) { deleteViewer(dryRun: $dry) { deletedId dryRun effects { action type count } } }";
    let expected = |dry: bool| {
        json!({ "deletedId": "1", "dryRun": dry, "effects": [
            { "action": "DELETE", "type": "Author", "count": 1 },
            { "action": "DELETE", "type": "Profile", "count": 1 },
            { "action": "DELETE", "type": "Post", "count": 3 },
            { "action": "DELETE", "type": "Comment", "count": 3 },
            { "action": "DELETE", "type": "PostTag", "count": 4 },
            { "action": "SET_NULL", "type": "Comment", "count": 1 }
        ]})
    };
    let data = ok(&app, delete, json!({ "dry": true })).await;
    assert_eq!(data["deleteViewer"], expected(true), "{backend:?}");
    assert_eq!(
        app.sql("SELECT COUNT(*) FROM posts").await,
        [Some(4)],
        "{backend:?}: the dry run changed nothing"
    );
    let data = ok(&app, delete, json!({ "dry": false })).await;
    assert_eq!(data["deleteViewer"], expected(false), "{backend:?}");
    assert_eq!(
        app.sql("SELECT id FROM posts").await,
        [Some(3)],
        "{backend:?}"
    );
    assert_eq!(
        app.sql("SELECT author_id FROM comments").await,
        [None],
        "{backend:?}: her comment on bob's post stays"
    );
    app.use_token(None);
    let data = app
        .data(r#"{ comment(id: "3") { body author { id } } author(username: "alice") { id } }"#)
        .await;
    assert_eq!(
        data,
        json!({ "comment": { "body": "Nice tips.", "author": null }, "author": null })
    );
}

#[apply(each_backend)]
#[tokio::test]
async fn categories_and_tags_are_created_by_anyone_and_deleted_by_staff(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let mut app = TestApp::spawn(backend, Fixture::Demo).await;
    app.sign_in("bob").await;
    let data = ok(&app, r#"mutation { createCategory(name: "Rust Web") { category { slug postCount } } createTag(name: "Axum", slug: "axum") { tag { slug } } }"#, json!({})).await;
    assert_eq!(
        data,
        json!({ "createCategory": { "category": { "slug": "rust-web", "postCount": 0 } }, "createTag": { "tag": { "slug": "axum" } } }),
        "{backend:?}"
    );
    for (args, field) in [
        (r#"name: "django", slug: "django-2""#, "name"),
        (r#"name: "Django 2", slug: "django""#, "slug"),
    ] {
        let body = app
            .request(
                &format!("mutation {{ createTag({args}) {{ tag {{ id }} }} }}"),
                json!({}),
            )
            .await;
        assert_eq!(
            error_of(&body),
            ("CONFLICT".to_owned(), field.to_owned()),
            "{backend:?} {args}"
        );
    }
    let body = app
        .request(
            r#"mutation { deleteCategory(id: "1") { deletedId } }"#,
            json!({}),
        )
        .await;
    assert_eq!(error_of(&body).0, "FORBIDDEN", "{backend:?}: not staff");

    app.promote("bob").await;
    let dry = ok(
        &app,
        r#"mutation { deleteCategory(id: "1", dryRun: true) { effects { action type count } } }"#,
        json!({}),
    )
    .await;
    assert_eq!(
        dry["deleteCategory"]["effects"],
        json!([
            { "action": "DELETE", "type": "Category", "count": 1 },
            { "action": "SET_NULL", "type": "Post", "count": 2 }
        ]),
        "{backend:?}"
    );
    ok(
        &app,
        r#"mutation { deleteCategory(id: "1") { deletedId } }"#,
        json!({}),
    )
    .await;
    assert_eq!(
        app.sql("SELECT COUNT(*) FROM posts WHERE category_id IS NULL")
            .await,
        [Some(3)],
        "{backend:?}"
    );
    assert_eq!(
        app.sql("SELECT COUNT(*) FROM posts").await,
        [Some(4)],
        "{backend:?}: posts stay"
    );

    // A tag in use is protected: the error says by how many posts; nothing changes.
    let body = app
        .request(
            r#"mutation { deleteTag(id: "1") { deletedId } }"#,
            json!({}),
        )
        .await;
    assert_eq!(error_of(&body).0, "PROTECTED", "{backend:?}");
    assert_eq!(body["errors"][0]["extensions"]["blockedBy"], 2);
    assert_eq!(
        body["errors"][0]["message"],
        "the tag is on 2 posts; detach it first"
    );
    assert_eq!(
        app.sql("SELECT COUNT(*) FROM tags").await,
        [Some(4)],
        "{backend:?}"
    );
    assert_eq!(
        app.sql("SELECT COUNT(*) FROM post_tags").await,
        [Some(5)],
        "{backend:?}"
    );
    let dry = ok(
        &app,
        r#"mutation { deleteTag(id: "1", dryRun: true) { effects { action type count } } }"#,
        json!({}),
    )
    .await;
    assert_eq!(
        dry["deleteTag"]["effects"],
        json!([
            { "action": "DELETE", "type": "Tag", "count": 1 },
            { "action": "PROTECT", "type": "Post", "count": 2 }
        ])
    );
    let axum = ok(&app, r#"{ tag(slug: "axum") { id } }"#, json!({})).await;
    let data = ok(
        &app,
        "mutation($id: ID!) { deleteTag(id: $id) { deletedId effects { action type count } } }",
        json!({ "id": axum["tag"]["id"] }),
    )
    .await;
    assert_eq!(
        data["deleteTag"]["effects"],
        json!([{ "action": "DELETE", "type": "Tag", "count": 1 }])
    );
}

#[apply(each_backend)]
#[tokio::test]
async fn deleting_a_post_takes_comments_and_links_and_reports_its_parents(
    #[case] backend: Backend,
) {
    if !listed(backend) {
        return;
    }
    let mut app = TestApp::spawn(backend, Fixture::Demo).await;
    app.sign_in("alice").await;
    let delete = r#"mutation($dry: Boolean) { deletePost(id: "1", dryRun: $dry) {
        effects { action type count } author { postCount } category { slug } tags { slug } } }"#;
    let dry = ok(&app, delete, json!({ "dry": true })).await;
    assert_eq!(
        dry["deletePost"]["effects"],
        json!([
            { "action": "DELETE", "type": "Post", "count": 1 },
            { "action": "DELETE", "type": "Comment", "count": 2 },
            { "action": "DELETE", "type": "PostTag", "count": 2 }
        ]),
        "{backend:?}"
    );
    let data = ok(&app, delete, json!({ "dry": false })).await;
    // The parents are read after the delete: alice has two posts left.
    assert_eq!(
        data["deletePost"]["author"],
        json!({ "postCount": 2 }),
        "{backend:?}"
    );
    assert_eq!(data["deletePost"]["category"], json!({ "slug": "django" }));
    assert_eq!(
        app.sql("SELECT COUNT(*) FROM comments WHERE post_id = 1")
            .await,
        [Some(0)],
        "{backend:?}"
    );
    assert_eq!(
        app.sql("SELECT COUNT(*) FROM post_tags WHERE post_id = 1")
            .await,
        [Some(0)]
    );
    assert_eq!(
        app.sql("SELECT COUNT(*) FROM tags").await,
        [Some(3)],
        "{backend:?}: tags stay"
    );
}
