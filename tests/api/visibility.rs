//! Drafts are their author's alone, on every path that reaches posts (root lists,
//! lookups by id and slug, Relay's `node` and `nodes`, `author.posts`,
//! `tag.posts`, `category.posts`, counts, filters), and so are the comments on
//! them; an email is its owner's alone.
//! Demo data: post 4 is alice's draft, tagged django, in the Django category.

use serde_json::{Value, json};

use crate::helpers::{Backend, Fixture, TestApp, each_backend, ids, listed};
use rstest_reuse::apply;

const EVERY_PATH: &str = r#"{
  posts { totalCount nodes { id } }
  byId: post(id: "4") { id }
  bySlug: post(slug: "draft-orm-deep-dive") { id }
  byNode: node(id: "UG9zdDo0") { ... on Post { id } }
  inNodes: nodes(ids: ["UG9zdDo0", "UG9zdDox"]) { ... on Post { id } }
  author(username: "alice") { postCount posts { totalCount nodes { id } } }
  tag(slug: "django") { postCount posts { totalCount nodes { id } } }
  category(slug: "django") { postCount posts { totalCount nodes { id } } }
  drafts: posts(filter: { status: { eq: DRAFT } }) { totalCount nodes { id } }
  byTitle: posts(filter: { title: { eq: "Draft: ORM deep dive" } }) { totalCount }
  draftAuthors: authors(filter: { posts: { some: { status: { eq: DRAFT } } } }) { nodes { username } }
  draftTags: tags(filter: { posts: { some: { status: { eq: DRAFT } } } }) { nodes { slug } }
}"#;

fn view(posts: &[i64], draft: bool) -> Value {
    let listed = |list: &[i64]| json!({ "totalCount": list.len(), "nodes": list.iter().map(|id| json!({ "id": id.to_string() })).collect::<Vec<_>>() });
    let with_draft = |base: &[i64]| {
        let mut all = base.to_vec();
        if draft {
            all.push(4);
        }
        all
    };
    let alice = with_draft(&[1, 2]);
    let django = with_draft(&[1]);
    let found = if draft {
        json!({ "id": "4" })
    } else {
        Value::Null
    };
    json!({
        "posts": listed(posts),
        "byId": found,
        "bySlug": found,
        "byNode": found,
        "inNodes": [found, { "id": "1" }],
        "author": { "postCount": alice.len(), "posts": listed(&alice) },
        "tag": { "postCount": django.len(), "posts": listed(&django) },
        "category": { "postCount": django.len(), "posts": listed(&django) },
        "drafts": listed(if draft { &[4] } else { &[] }),
        "byTitle": { "totalCount": if draft { 1 } else { 0 } },
        "draftAuthors": { "nodes": if draft { json!([{ "username": "alice" }]) } else { json!([]) } },
        "draftTags": { "nodes": if draft { json!([{ "slug": "django" }]) } else { json!([]) } }
    })
}

#[apply(each_backend)]
#[tokio::test]
async fn a_draft_is_seen_by_its_author_alone_on_every_path(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let mut app = TestApp::spawn(backend, Fixture::Demo).await;
    assert_eq!(
        app.data(EVERY_PATH).await,
        view(&[1, 2, 3], false),
        "{backend:?}: anonymous"
    );
    app.sign_in("bob").await;
    assert_eq!(
        app.data(EVERY_PATH).await,
        view(&[1, 2, 3], false),
        "{backend:?}: bob"
    );
    app.sign_in("alice").await;
    assert_eq!(
        app.data(EVERY_PATH).await,
        view(&[1, 2, 3, 4], true),
        "{backend:?}: alice"
    );
}

#[apply(each_backend)]
#[tokio::test]
async fn comments_on_a_draft_are_hidden_with_it(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let mut app = TestApp::spawn(backend, Fixture::Demo).await;
    app.sign_in("alice").await;
    let body = app
        .request(
            r#"mutation { createComment(postId: "4", body: "Note to self") { comment { id } } }"#,
            json!({}),
        )
        .await;
    assert!(
        body["data"]["createComment"]["comment"]["id"].is_string(),
        "{backend:?}: {body}"
    );
    let query = r#"{ comments { totalCount nodes { id } } author(username: "alice") { comments { totalCount } } }"#;
    let mine = app.data(query).await;
    assert_eq!(ids(&mine["comments"]), vec![1, 2, 3, 4, 5], "{backend:?}");
    for who in [None, Some("bob")] {
        match who {
            Some(name) => app.sign_in(name).await,
            None => app.use_token(None),
        }
        let theirs = app.data(query).await;
        assert_eq!(
            ids(&theirs["comments"]),
            vec![1, 2, 3, 4],
            "{backend:?} {who:?}"
        );
        assert_eq!(theirs["comments"]["totalCount"], 4);
        assert_eq!(
            theirs["author"]["comments"]["totalCount"], 1,
            "{backend:?} {who:?}"
        );
        let hidden = app.data(r#"{ comment(id: "5") { id } }"#).await;
        assert_eq!(hidden, json!({ "comment": null }));
        // Commenting on a post one cannot see: as if it did not exist.
        if who.is_some() {
            let body = app
                .request(
                    r#"mutation { createComment(postId: "4", body: "hi") { comment { id } } }"#,
                    json!({}),
                )
                .await;
            assert_eq!(
                body["errors"][0]["extensions"]["code"], "NOT_FOUND",
                "{backend:?}"
            );
            assert_eq!(body["errors"][0]["extensions"]["field"], "postId");
        }
    }
}
