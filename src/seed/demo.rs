//! The demo data set, from the classic Django tutorials: alice from Casablanca
//! writes about Django and Python, bob answers, carol has no profile yet. It shows
//! every relation kind, an uncategorised post, a draft and an anonymous comment.

use entity::post::Status;
use entity::{author, category, comment, post, post_tag, profile, tag};
use sea_orm::{DatabaseConnection, DbErr};

use super::{DEMO_PASSWORD_HASH, DataSet, at};

pub async fn load(conn: &DatabaseConnection) -> Result<(), DbErr> {
    data().insert(conn).await
}

/// A demo author: `username@example.com`, password `blogql-demo`.
pub fn person(id: i64, username: &str, name: &str) -> author::Model {
    author::Model {
        id,
        username: username.into(),
        email: format!("{username}@example.com"),
        name: name.into(),
        created_at: at(id),
        password_hash: DEMO_PASSWORD_HASH.to_owned(),
        is_staff: false,
        token_version: 0,
    }
}

/// A demo comment, written at a time after every post's.
pub fn comment(id: i64, post_id: i64, author_id: Option<i64>, body: &str) -> comment::Model {
    comment::Model {
        id,
        post_id,
        author_id,
        body: body.into(),
        created_at: at(400 + id),
    }
}

pub fn data() -> DataSet {
    let named = |id: i64, name: &str| (id, name.to_owned(), name.to_lowercase());
    let categories = [named(1, "Django"), named(2, "Python")];
    let tags = [named(1, "django"), named(2, "python"), named(3, "rust")];

    let post = |id: i64, author_id, category_id, title: &str, published: bool| post::Model {
        id,
        author_id,
        category_id,
        title: title.into(),
        slug: title
            .to_lowercase()
            .replace([' ', ':'], "-")
            .replace("--", "-"),
        body: format!("{title}: the full text."),
        status: if published {
            Status::Published
        } else {
            Status::Draft
        },
        published_at: published.then(|| at(100 + id * 10)),
        created_at: at(100 + id),
        updated_at: at(200 + id),
    };
    let link = |post_id, tag_id| post_tag::Model {
        post_id,
        tag_id,
        tagged_at: at(300 + post_id * 10 + tag_id),
    };

    DataSet {
        authors: vec![
            person(1, "alice", "Alice Martin"),
            person(2, "bob", "Bob Dupont"),
            person(3, "carol", "Carol Smith"),
        ],
        profiles: vec![
            profile::Model {
                id: 1,
                author_id: 1,
                bio: "Django developer and teacher.".into(),
                city: Some("Casablanca".into()),
                website: Some("https://alice.example.com".into()),
                birthdate: chrono::NaiveDate::from_ymd_opt(1990, 5, 17),
                avatar: None,
            },
            profile::Model {
                id: 2,
                author_id: 2,
                bio: String::new(),
                city: Some("Lyon".into()),
                website: None,
                birthdate: None,
                avatar: None,
            },
        ],
        categories: categories
            .into_iter()
            .map(|(id, name, slug)| category::Model { id, name, slug })
            .collect(),
        tags: tags
            .into_iter()
            .map(|(id, name, slug)| tag::Model { id, name, slug })
            .collect(),
        posts: vec![
            post(1, 1, Some(1), "Getting started with Django", true),
            post(2, 1, None, "Why Rust for web servers", true),
            post(3, 2, Some(2), "Python tips", true),
            post(4, 1, Some(1), "Draft: ORM deep dive", false),
        ],
        post_tags: vec![link(1, 1), link(1, 2), link(2, 3), link(3, 2), link(4, 1)],
        comments: vec![
            comment(1, 1, Some(2), "Great introduction!"),
            comment(2, 1, Some(3), "Which Django version?"),
            comment(3, 3, Some(1), "Nice tips."),
            comment(4, 2, None, "Anonymous: agreed."),
        ],
    }
}
