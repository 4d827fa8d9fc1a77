//! Accounts: registering, signing in, tokens, and what a bad token or no token gets.

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::{Backend, Fixture, TestApp, each_backend, error_of, listed};
use rstest_reuse::apply;

const REGISTER: &str = r#"mutation($input: RegisterInput!) {
  register(input: $input) { token expiresAt viewer { id username email name profile { city } } }
}"#;

fn dave(extra: Value) -> Value {
    let mut input = json!({
        "username": "dave", "email": "dave@example.com", "name": "Dave Jones", "password": "correct horse"
    });
    if let (Some(obj), Some(more)) = (input.as_object_mut(), extra.as_object()) {
        obj.extend(more.clone());
    }
    json!({ "input": input })
}

#[apply(each_backend)]
#[tokio::test]
async fn register_then_sign_in_and_see_ones_own_email_only(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let mut app = TestApp::spawn(backend, Fixture::Demo).await;
    let body = app
        .request(
            REGISTER,
            dave(json!({ "profile": { "city": "Rabat", "bio": "Hi" } })),
        )
        .await;
    let reg = &body["data"]["register"];
    assert_eq!(reg["viewer"]["username"], "dave", "{backend:?}: {body}");
    assert_eq!(reg["viewer"]["profile"]["city"], "Rabat");
    assert!(reg["token"].as_str().is_some_and(|t| t.len() > 20));
    // The profile was written with the account.
    let rows = app
        .sql("SELECT COUNT(*) FROM profiles p JOIN authors a ON a.id = p.author_id WHERE a.username = 'dave'")
        .await;
    assert_eq!(rows, [Some(1)], "{backend:?}");

    let login = "mutation($u: String!, $p: String!) { login(usernameOrEmail: $u, password: $p) { token viewer { username } } }";
    for who in ["dave", "dave@example.com"] {
        let body = app
            .request(login, json!({ "u": who, "p": "correct horse" }))
            .await;
        assert_eq!(
            body["data"]["login"]["viewer"]["username"], "dave",
            "{backend:?}: {body}"
        );
    }
    for (who, password) in [("dave", "wrong horse"), ("nobody", "correct horse")] {
        let body = app.request(login, json!({ "u": who, "p": password })).await;
        assert_eq!(error_of(&body).0, "UNAUTHENTICATED", "{backend:?}");
        assert_eq!(
            body["errors"][0]["message"],
            "wrong username, email or password"
        );
    }

    app.sign_in_with("dave", "correct horse").await;
    let data = app
        .data(r#"{ viewer { username email } author(username: "alice") { email } }"#)
        .await;
    assert_eq!(
        data,
        json!({ "viewer": { "username": "dave", "email": "dave@example.com" }, "author": { "email": null } }),
        "{backend:?}"
    );
    app.use_token(None);
    let data = app
        .data(r#"{ viewer { id } author(username: "dave") { email } }"#)
        .await;
    assert_eq!(data, json!({ "viewer": null, "author": { "email": null } }));
}

#[apply(each_backend)]
#[tokio::test]
async fn the_author_signed_in_is_who_the_rest_of_the_operation_runs_as(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let app = TestApp::spawn(backend, Fixture::Demo).await;
    // The payload's viewer is read as the author signed in: email and drafts.
    let body = app.request(REGISTER, dave(json!({}))).await;
    assert_eq!(
        body["data"]["register"]["viewer"]["email"], "dave@example.com",
        "{backend:?}: {body}"
    );
    let login = r#"mutation { login(usernameOrEmail: "alice", password: "blogql-demo") {
        viewer { email posts(orderBy: [{ field: ID }]) { nodes { title status } } }
    } }"#;
    let data = app.data(login).await;
    assert_eq!(
        data["login"]["viewer"],
        json!({ "email": "alice@example.com", "posts": { "nodes": [
            { "title": "Getting started with Django", "status": "PUBLISHED" },
            { "title": "Why Rust for web servers", "status": "PUBLISHED" },
            { "title": "Draft: ORM deep dive", "status": "DRAFT" },
        ] } }),
        "{backend:?}"
    );
    // What follows in the operation runs as them too; nothing before did.
    let body = app
        .request(
            r#"mutation {
                before: createTag(name: "before") { tag { id } }
                login(usernameOrEmail: "bob", password: "blogql-demo") { viewer { username } }
                after: createTag(name: "after") { tag { name } }
            }"#,
            json!({}),
        )
        .await;
    assert_eq!(error_of(&body).0, "UNAUTHENTICATED", "{backend:?}: {body}");
    assert_eq!(body["errors"][0]["path"], json!(["before"]));
    assert_eq!(
        body["data"]["after"]["tag"]["name"], "after",
        "{backend:?}: {body}"
    );
    // The next request is anonymous again: sign-in lasts one operation.
    assert_eq!(app.data("{ viewer { id } }").await["viewer"], Value::Null);

    // Signing out everywhere ends this operation's token too.
    let token = app.login("carol").await;
    let mut carol = app;
    carol.use_token(Some(token));
    let body = carol
        .request(
            r#"mutation { signOutEverywhere after: createTag(name: "late") { tag { id } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        body["data"]["signOutEverywhere"], true,
        "{backend:?}: {body}"
    );
    assert_eq!(error_of(&body).0, "UNAUTHENTICATED", "{backend:?}: {body}");
    assert_eq!(
        carol
            .sql("SELECT COUNT(*) FROM tags WHERE name IN ('before', 'late')")
            .await,
        [Some(0)]
    );
}

#[apply(each_backend)]
#[tokio::test]
async fn registration_is_validated_field_by_field(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let app = TestApp::spawn(backend, Fixture::Demo).await;
    let long = "x".repeat(101);
    for (extra, code, field) in [
        (
            json!({ "email": "not-an-email" }),
            "BAD_USER_INPUT",
            "email",
        ),
        (json!({ "password": "short" }), "BAD_USER_INPUT", "password"),
        (
            json!({ "username": "dave jones" }),
            "BAD_USER_INPUT",
            "username",
        ),
        (json!({ "username": "" }), "BAD_USER_INPUT", "username"),
        (json!({ "name": long }), "BAD_USER_INPUT", "name"),
        (
            json!({ "profile": { "website": "ftp://x" } }),
            "BAD_USER_INPUT",
            "website",
        ),
        (json!({ "username": "alice" }), "CONFLICT", "username"),
        (json!({ "email": "bob@example.com" }), "CONFLICT", "email"),
    ] {
        let body = app.request(REGISTER, dave(extra.clone())).await;
        assert_eq!(
            error_of(&body),
            (code.to_owned(), field.to_owned()),
            "{backend:?} {extra}: {body}"
        );
        // No SQL, constraint or driver text reaches the client.
        let message = body["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(
            !message.contains("uq_") && !message.to_lowercase().contains("constraint"),
            "{message}"
        );
    }
    assert_eq!(
        app.sql("SELECT COUNT(*) FROM authors").await,
        [Some(3)],
        "{backend:?}: nothing written"
    );
    assert_eq!(
        app.sql("SELECT COUNT(*) FROM profiles").await,
        [Some(2)],
        "{backend:?}"
    );
}

#[apply(each_backend)]
#[tokio::test]
async fn two_concurrent_registrations_of_one_username_give_one_account(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let app = TestApp::spawn(backend, Fixture::Demo).await;
    let (a, b) = tokio::join!(
        app.request(REGISTER, dave(json!({}))),
        app.request(REGISTER, dave(json!({ "email": "other@example.com" })))
    );
    let ok = [&a, &b]
        .iter()
        .filter(|r| r["data"]["register"].is_object())
        .count();
    let conflicts: Vec<(String, String)> = [&a, &b]
        .iter()
        .filter(|r| r.get("errors").is_some())
        .map(|r| error_of(r))
        .collect();
    assert_eq!(ok, 1, "{backend:?}: {a} {b}");
    assert_eq!(
        conflicts,
        [("CONFLICT".to_owned(), "username".to_owned())],
        "{backend:?}"
    );
    assert_eq!(
        app.sql("SELECT COUNT(*) FROM authors WHERE username = 'dave'")
            .await,
        [Some(1)]
    );
}

#[apply(each_backend)]
#[tokio::test]
async fn mutations_need_a_valid_token_and_reads_do_not(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let mut app = TestApp::spawn_with(backend, Fixture::Demo, |config| {
        config.auth.token_ttl = Duration::from_secs(1).into();
    })
    .await;
    let create = r#"mutation { createTag(name: "graphql") { tag { id } } }"#;
    let body = app.request(create, json!({})).await;
    assert_eq!(error_of(&body).0, "UNAUTHENTICATED", "{backend:?}");

    app.use_token(Some("not.a.token".to_owned()));
    let body = app.request(create, json!({})).await;
    assert_eq!(error_of(&body).0, "UNAUTHENTICATED", "{backend:?}");
    // A bad token reads as anonymous.
    let data = app.data("{ viewer { id } posts { totalCount } }").await;
    assert_eq!(
        data,
        json!({ "viewer": null, "posts": { "totalCount": 3 } })
    );

    app.sign_in("bob").await;
    let body = app.request(create, json!({})).await;
    assert!(
        body["data"]["createTag"]["tag"]["id"].is_string(),
        "{backend:?}: {body}"
    );
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let body = app
        .request(
            r#"mutation { createTag(name: "sql") { tag { id } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        error_of(&body).0,
        "UNAUTHENTICATED",
        "{backend:?}: an expired token"
    );
    assert_eq!(
        app.sql("SELECT COUNT(*) FROM tags").await,
        [Some(4)],
        "{backend:?}"
    );
}

#[apply(each_backend)]
#[tokio::test]
async fn the_viewer_changes_their_own_account(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let mut app = TestApp::spawn(backend, Fixture::Demo).await;
    app.sign_in("carol").await;
    let body = app
        .request(
            r#"mutation { updateViewer(input: { name: "Carol S.", password: "new password!" }) { token author { name email } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        body["data"]["updateViewer"]["author"],
        json!({ "name": "Carol S.", "email": "carol@example.com" }),
        "{backend:?}: {body}"
    );
    // The new password ended the old token; the payload's replaces it.
    let renewed = body["data"]["updateViewer"]["token"]
        .as_str()
        .map(str::to_owned);
    assert!(renewed.is_some(), "{backend:?}: {body}");
    app.use_token(renewed);
    let login = r#"mutation { login(usernameOrEmail: "carol", password: "new password!") { viewer { name } } }"#;
    let body = app.request(login, json!({})).await;
    assert_eq!(
        body["data"]["login"]["viewer"]["name"], "Carol S.",
        "{backend:?}"
    );
    let body = app
        .request(
            r#"mutation { updateViewer(input: { email: "bob@example.com" }) { author { id } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        error_of(&body),
        ("CONFLICT".to_owned(), "email".to_owned()),
        "{backend:?}"
    );
}

/// A token ends with its account, when its author signs out everywhere, and when
/// the password changes; over HTTP and for a subscription socket alike.
#[apply(each_backend)]
#[tokio::test]
async fn tokens_end_with_the_account_and_on_sign_out(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    use crate::subscriptions::{closed_with, open, send};
    {
        let mut app = TestApp::spawn(backend, Fixture::Demo).await;
        let create_tag = r#"mutation { createTag(name: "after") { tag { id } } }"#;
        let viewer = "{ viewer { username } }";

        // A deleted account's token no longer writes, reads or subscribes.
        let input = json!({ "username": "gone", "email": "gone@example.com", "name": "G", "password": "correct horse" });
        let body = app.request(REGISTER, json!({ "input": input })).await;
        let token = body["data"]["register"]["token"]
            .as_str()
            .expect("token")
            .to_owned();
        app.use_token(Some(token.clone()));
        app.data("mutation { deleteViewer { deletedId } }").await;
        let body = app.request(create_tag, json!({})).await;
        assert_eq!(error_of(&body).0, "UNAUTHENTICATED", "{backend:?}: {body}");
        assert_eq!(app.data(viewer).await["viewer"], Value::Null);
        let mut ws = open(&app.base, None, true).await.expect("upgrade");
        let init = json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {token}") } });
        send(&mut ws, init).await;
        assert_eq!(closed_with(&mut ws).await, 4403, "{backend:?}");
        assert_eq!(
            app.sql("SELECT COUNT(*) FROM tags WHERE name = 'after'")
                .await,
            [Some(0)]
        );

        // Signing out everywhere ends every token of the author, no other's.
        let (first, second, bobs) = (
            app.login("alice").await,
            app.login("alice").await,
            app.login("bob").await,
        );
        app.use_token(Some(first.clone()));
        assert_eq!(
            app.data("mutation { signOutEverywhere }").await["signOutEverywhere"],
            true
        );
        for token in [&first, &second] {
            app.use_token(Some(token.clone()));
            let body = app.request(create_tag, json!({})).await;
            assert_eq!(error_of(&body).0, "UNAUTHENTICATED", "{backend:?}: {body}");
        }
        app.use_token(Some(bobs));
        assert_eq!(app.data(viewer).await["viewer"]["username"], "bob");
        let fresh = app.login("alice").await;
        app.use_token(Some(fresh.clone()));
        assert_eq!(app.data(viewer).await["viewer"]["username"], "alice");

        // A new password ends the tokens before it; the payload carries a new one.
        let change = r#"mutation { updateViewer(input: { password: "a new battery" }) { token expiresAt author { username } } }"#;
        let data = app.data(change).await;
        let renewed = data["updateViewer"]["token"]
            .as_str()
            .expect("a new token")
            .to_owned();
        let body = app.request(viewer, json!({})).await;
        assert_eq!(
            body["data"]["viewer"],
            Value::Null,
            "{backend:?}: the old token ended"
        );
        app.use_token(Some(renewed));
        assert_eq!(app.data(viewer).await["viewer"]["username"], "alice");
        let renamed = app
            .data(
                r#"mutation { updateViewer(input: { name: "Alice" }) { token author { name } } }"#,
            )
            .await;
        assert_eq!(
            renamed["updateViewer"]["token"],
            Value::Null,
            "no new token without a new password"
        );
        app.sign_in_with("alice", "a new battery").await;
        assert_eq!(app.data(viewer).await["viewer"]["username"], "alice");
    }
}
