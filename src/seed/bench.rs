//! The benchmark data set of `docs/model.md` at any scale, fully deterministic:
//! every value is a function of row numbers, so two runs make the same database.
//!
//! Per author: a profile (50 cities, 'Casablanca' first), 20 posts (every 10th
//! uncategorised, every other published), 5 tags per post, 5 comments per post
//! (every 20th without author). Plus 20 categories and 200 tags, 'rust', 'django'
//! and 'python' among them.

use entity::post::Status;
use entity::{author, category, comment, post, post_tag, profile, tag};

use super::{DEMO_PASSWORD_HASH, DataSet, at};

pub const POSTS_PER_AUTHOR: i64 = 20;
pub const TAGS_PER_POST: i64 = 5;
pub const COMMENTS_PER_POST: i64 = 5;
pub const CATEGORIES: i64 = 20;
pub const TAGS: i64 = 200;

const CITIES: [&str; 50] = [
    "Casablanca",
    "Rabat",
    "Marrakesh",
    "Fes",
    "Tangier",
    "Agadir",
    "Paris",
    "Lyon",
    "Marseille",
    "Lille",
    "Madrid",
    "Barcelona",
    "Lisbon",
    "Porto",
    "Rome",
    "Milan",
    "Berlin",
    "Munich",
    "Hamburg",
    "Vienna",
    "Zurich",
    "Geneva",
    "Brussels",
    "Amsterdam",
    "Rotterdam",
    "London",
    "Manchester",
    "Dublin",
    "Edinburgh",
    "Oslo",
    "Stockholm",
    "Copenhagen",
    "Helsinki",
    "Warsaw",
    "Prague",
    "Budapest",
    "Athens",
    "Istanbul",
    "Cairo",
    "Tunis",
    "Algiers",
    "Dakar",
    "Lagos",
    "Nairobi",
    "Cape Town",
    "New York",
    "Montreal",
    "Mexico City",
    "Sao Paulo",
    "Tokyo",
];

const CATEGORY_NAMES: [&str; 20] = [
    "Python",
    "Django",
    "Rust",
    "Databases",
    "Web",
    "DevOps",
    "Testing",
    "Security",
    "Frontend",
    "Backend",
    "Mobile",
    "Data",
    "Machine Learning",
    "Cloud",
    "Tooling",
    "Career",
    "Open Source",
    "Performance",
    "Design",
    "News",
];

pub fn data(authors: u32) -> DataSet {
    let authors = i64::from(authors);
    let mut set = DataSet::default();

    for id in 1..=authors {
        set.authors.push(author::Model {
            id,
            username: format!("author{id}"),
            email: format!("author{id}@example.com"),
            name: format!("Author {id}"),
            created_at: at(id),
            password_hash: DEMO_PASSWORD_HASH.to_owned(),
            is_staff: false,
            token_version: 0,
        });
        set.profiles.push(profile::Model {
            id,
            author_id: id,
            bio: format!("Author {id} writes about software."),
            city: Some(CITIES[((id - 1) % 50) as usize].to_owned()),
            website: (id % 3 == 0).then(|| format!("https://author{id}.example.com")),
            birthdate: chrono::NaiveDate::from_ymd_opt(
                1970 + (id % 35) as i32,
                1 + (id % 12) as u32,
                1 + (id % 28) as u32,
            ),
            avatar: None,
        });
    }
    for (i, name) in CATEGORY_NAMES.iter().enumerate() {
        set.categories.push(category::Model {
            id: i as i64 + 1,
            name: (*name).to_owned(),
            slug: name.to_lowercase().replace(' ', "-"),
        });
    }
    for id in 1..=TAGS {
        let name = match id {
            1 => "rust".to_owned(),
            2 => "django".to_owned(),
            3 => "python".to_owned(),
            n => format!("tag{n}"),
        };
        set.tags.push(tag::Model {
            id,
            slug: name.clone(),
            name,
        });
    }

    for author_id in 1..=authors {
        for j in 0..POSTS_PER_AUTHOR {
            let id = (author_id - 1) * POSTS_PER_AUTHOR + j + 1;
            let published = j % 2 == 0;
            set.posts.push(post::Model {
                id,
                author_id,
                category_id: (id % 10 != 0).then_some((id * 7) % CATEGORIES + 1),
                title: format!("Post {id} by author {author_id}"),
                slug: format!("post-{id}"),
                body: format!("Body of post {id}. ").repeat(8),
                status: if published {
                    Status::Published
                } else {
                    Status::Draft
                },
                published_at: published.then(|| at(10_000 + id)),
                created_at: at(5_000 + id),
                updated_at: at(20_000 + id),
            });
            // 37 is prime to 200, so the five tags of a post are distinct.
            for k in 0..TAGS_PER_POST {
                set.post_tags.push(post_tag::Model {
                    post_id: id,
                    tag_id: (id * 31 + k * 37) % TAGS + 1,
                    tagged_at: at(10_000 + id + k),
                });
            }
            for k in 0..COMMENTS_PER_POST {
                let comment_id = (id - 1) * COMMENTS_PER_POST + k + 1;
                set.comments.push(comment::Model {
                    id: comment_id,
                    post_id: id,
                    author_id: (comment_id % 20 != 0).then_some((comment_id * 13) % authors + 1),
                    body: format!("Comment {comment_id} on post {id}"),
                    created_at: at(30_000 + comment_id),
                });
            }
        }
    }
    set
}
