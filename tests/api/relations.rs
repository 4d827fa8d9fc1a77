//! Both directions of every relation, as exact JSON over the demo data set, on
//! every backend: one-to-one, one-to-many (twice each way) and many-to-many with
//! the join row's `taggedAt`, including the null relations. Read as alice, who sees
//! her draft (post 4); what others see is in `visibility.rs`.

use serde_json::json;

use crate::helpers::{Backend, Fixture, TestApp, each_backend, listed};
use rstest_reuse::apply;

#[apply(each_backend)]
#[tokio::test]
async fn author_reaches_profile_posts_and_comments_and_back(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let mut app = TestApp::spawn(backend, Fixture::Demo).await;
    app.sign_in("alice").await;
    let data = app
        .data(
            r#"{
              alice: author(username: "alice") {
                id username email name createdAt postCount
                profile { bio city website birthdate author { username } }
                posts { totalCount nodes { id title status publishedAt category { slug } } }
                comments { totalCount nodes { body post { title } } }
              }
              carol: author(id: "3") {
                username profile { city } postCount
                posts { totalCount nodes { id } }
                comments { nodes { body post { id } } }
              }
            }"#,
        )
        .await;
    assert_eq!(
        data,
        json!({
          "alice": {
            "id": "1", "username": "alice", "email": "alice@example.com",
            "name": "Alice Martin", "createdAt": "2026-01-01T00:01:00+00:00", "postCount": 3,
            "profile": {
              "bio": "Django developer and teacher.", "city": "Casablanca",
              "website": "https://alice.example.com", "birthdate": "1990-05-17",
              "author": { "username": "alice" }
            },
            "posts": { "totalCount": 3, "nodes": [
              { "id": "1", "title": "Getting started with Django", "status": "PUBLISHED",
                "publishedAt": "2026-01-01T01:50:00+00:00", "category": { "slug": "django" } },
              { "id": "2", "title": "Why Rust for web servers", "status": "PUBLISHED",
                "publishedAt": "2026-01-01T02:00:00+00:00", "category": null },
              { "id": "4", "title": "Draft: ORM deep dive", "status": "DRAFT",
                "publishedAt": null, "category": { "slug": "django" } }
            ]},
            "comments": { "totalCount": 1, "nodes": [
              { "body": "Nice tips.", "post": { "title": "Python tips" } }
            ]}
          },
          "carol": {
            "username": "carol", "profile": null, "postCount": 0,
            "posts": { "totalCount": 0, "nodes": [] },
            "comments": { "nodes": [ { "body": "Which Django version?", "post": { "id": "1" } } ] }
          }
        }),
        "{backend:?}"
    );
}

#[apply(each_backend)]
#[tokio::test]
async fn post_reaches_author_category_tags_and_comments(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let mut app = TestApp::spawn(backend, Fixture::Demo).await;
    app.sign_in("alice").await;
    let data = app
        .data(
            r#"{
              post(slug: "getting-started-with-django") {
                id title slug body status createdAt updatedAt publishedAt
                author { username }
                category { name slug postCount }
                tagCount commentCount
                tags { totalCount edges { taggedAt node { name slug } } }
                comments { nodes { body createdAt author { username } } }
              }
              uncategorised: post(id: "2") {
                category { name }
                comments { nodes { body author { username } } }
              }
            }"#,
        )
        .await;
    assert_eq!(
        data,
        json!({
          "post": {
            "id": "1", "title": "Getting started with Django",
            "slug": "getting-started-with-django",
            "body": "Getting started with Django: the full text.", "status": "PUBLISHED",
            "createdAt": "2026-01-01T01:41:00+00:00", "updatedAt": "2026-01-01T03:21:00+00:00",
            "publishedAt": "2026-01-01T01:50:00+00:00",
            "author": { "username": "alice" },
            "category": { "name": "Django", "slug": "django", "postCount": 2 },
            "tagCount": 2, "commentCount": 2,
            "tags": { "totalCount": 2, "edges": [
              { "taggedAt": "2026-01-01T05:11:00+00:00", "node": { "name": "django", "slug": "django" } },
              { "taggedAt": "2026-01-01T05:12:00+00:00", "node": { "name": "python", "slug": "python" } }
            ]},
            "comments": { "nodes": [
              { "body": "Great introduction!", "createdAt": "2026-01-01T06:41:00+00:00",
                "author": { "username": "bob" } },
              { "body": "Which Django version?", "createdAt": "2026-01-01T06:42:00+00:00",
                "author": { "username": "carol" } }
            ]}
          },
          "uncategorised": {
            "category": null,
            "comments": { "nodes": [ { "body": "Anonymous: agreed.", "author": null } ] }
          }
        }),
        "{backend:?}"
    );
}

#[apply(each_backend)]
#[tokio::test]
async fn tags_and_categories_reach_their_posts(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let mut app = TestApp::spawn(backend, Fixture::Demo).await;
    app.sign_in("alice").await;
    let data = app
        .data(
            r#"{
              tag(slug: "django") {
                name postCount
                posts { totalCount edges { taggedAt node { title author { username } } } }
              }
              category(slug: "python") { name postCount posts { nodes { title } } }
              categories { totalCount nodes { slug postCount posts { totalCount } } }
              tags { nodes { slug postCount posts { nodes { id } } } }
            }"#,
        )
        .await;
    assert_eq!(
        data,
        json!({
          "tag": {
            "name": "django", "postCount": 2,
            "posts": { "totalCount": 2, "edges": [
              { "taggedAt": "2026-01-01T05:11:00+00:00",
                "node": { "title": "Getting started with Django", "author": { "username": "alice" } } },
              { "taggedAt": "2026-01-01T05:41:00+00:00",
                "node": { "title": "Draft: ORM deep dive", "author": { "username": "alice" } } }
            ]}
          },
          "category": { "name": "Python", "postCount": 1, "posts": { "nodes": [ { "title": "Python tips" } ] } },
          "categories": { "totalCount": 2, "nodes": [
            { "slug": "django", "postCount": 2, "posts": { "totalCount": 2 } },
            { "slug": "python", "postCount": 1, "posts": { "totalCount": 1 } }
          ]},
          "tags": { "nodes": [
            { "slug": "django", "postCount": 2, "posts": { "nodes": [ { "id": "1" }, { "id": "4" } ] } },
            { "slug": "python", "postCount": 2, "posts": { "nodes": [ { "id": "1" }, { "id": "3" } ] } },
            { "slug": "rust", "postCount": 1, "posts": { "nodes": [ { "id": "2" } ] } }
          ]}
        }),
        "{backend:?}"
    );
}

#[apply(each_backend)]
#[tokio::test]
async fn comments_and_profiles_reach_their_parents(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let mut app = TestApp::spawn(backend, Fixture::Demo).await;
    app.sign_in("alice").await;
    let data = app
        .data(
            r#"{
              comments { totalCount nodes { id body post { id } author { username } } }
              comment(id: "4") { author { username } post { title } }
              profiles { nodes { city author { username profile { city } } } }
              profile(id: "2") { bio website birthdate author { username } }
            }"#,
        )
        .await;
    assert_eq!(
        data,
        json!({
          "comments": { "totalCount": 4, "nodes": [
            { "id": "1", "body": "Great introduction!", "post": { "id": "1" }, "author": { "username": "bob" } },
            { "id": "2", "body": "Which Django version?", "post": { "id": "1" }, "author": { "username": "carol" } },
            { "id": "3", "body": "Nice tips.", "post": { "id": "3" }, "author": { "username": "alice" } },
            { "id": "4", "body": "Anonymous: agreed.", "post": { "id": "2" }, "author": null }
          ]},
          "comment": { "author": null, "post": { "title": "Why Rust for web servers" } },
          "profiles": { "nodes": [
            { "city": "Casablanca", "author": { "username": "alice", "profile": { "city": "Casablanca" } } },
            { "city": "Lyon", "author": { "username": "bob", "profile": { "city": "Lyon" } } }
          ]},
          "profile": { "bio": "", "website": null, "birthdate": null, "author": { "username": "bob" } }
        }),
        "{backend:?}"
    );
}

#[apply(each_backend)]
#[tokio::test]
async fn lookups_return_null_for_missing_rows_and_refuse_ambiguous_arguments(
    #[case] backend: Backend,
) {
    if !listed(backend) {
        return;
    }
    let app = TestApp::spawn(backend, Fixture::Demo).await;
    let data = app
        .data(
            r#"{
              author(username: "nobody") { id }
              post(id: "999") { id }
              tag(slug: "go") { id }
              category(id: "42") { id }
              comment(id: "0") { id }
              profile(id: "3") { id }
            }"#,
        )
        .await;
    assert_eq!(
        data,
        json!({ "author": null, "post": null, "tag": null, "category": null,
                "comment": null, "profile": null }),
        "{backend:?}"
    );

    let (code, _, message) = app
        .error(r#"{ post(id: "1", slug: "python-tips") { id } }"#)
        .await;
    assert_eq!(code, "BAD_USER_INPUT", "{backend:?}");
    assert_eq!(message, "pass exactly one of `id` and `slug`");
    let (code, _, _) = app.error("{ author { id } }").await;
    assert_eq!(code, "BAD_USER_INPUT", "{backend:?}");
    let (code, argument, _) = app.error(r#"{ tag(id: "one") { id } }"#).await;
    assert_eq!(
        (code.as_str(), argument.as_deref()),
        ("BAD_USER_INPUT", Some("id"))
    );
}
