//! Filters answer as Django's `filter()` / `exclude()` do, NULLs included: `not` is
//! the exact complement of its filter, `ne` and `notIn` are the opposites of `eq`
//! and `in`, a missing to-one related row reads as a row of nulls, and
//! case-insensitive matching folds both sides the same way, Unicode included.
//!
//! The examples are the issue's, each with its Django queryset; the property test
//! draws random filters from the grammar and checks each against a reference
//! evaluation in Rust over the same rows, on every backend.

use std::collections::BTreeSet;

use blogql::seed::demo::{comment, person};
use blogql::seed::{self, DataSet, at};
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use entity::post::Status;
use entity::{author, comment, post, post_tag, profile};
use proptest::prelude::*;
use proptest::test_runner::{Config as PropConfig, TestCaseError, TestRunner};
use serde_json::{Value, json};

use crate::helpers::{Backend, Fixture, TestApp, each_backend, ids, listed};
use rstest_reuse::apply;

/// Rows added to the demo data: a profile without a city, a published post
/// without a publication time, non-ASCII titles and names, a comment without an
/// author on a new post, and a draft of a second author.
fn extra() -> DataSet {
    let post = |id: i64, author_id, category_id, title: &str, status, published_at| post::Model {
        id,
        author_id,
        category_id,
        title: title.into(),
        slug: format!("post-{id}"),
        body: format!("{title}, in full."),
        status,
        published_at,
        created_at: at(100 + id),
        updated_at: at(200 + id),
    };
    DataSet {
        authors: vec![
            person(4, "dave", "Σίσυφος Dave"),
            person(5, "eve", "İlkay Eve"),
        ],
        profiles: vec![
            profile::Model {
                id: 3,
                author_id: 4,
                bio: String::new(),
                city: None,
                website: None,
                birthdate: None,
                avatar: None,
            },
            profile::Model {
                id: 4,
                author_id: 5,
                bio: "Writes from the Bosphorus.".into(),
                city: Some("İstanbul".into()),
                website: Some("https://straße.example".into()),
                birthdate: NaiveDate::from_ymd_opt(1985, 3, 1),
                avatar: None,
            },
        ],
        posts: vec![
            // Published, but with no publication time (as a hand-edited row can be).
            post(5, 4, None, "ΣΊΣΥΦΟΣ", Status::Published, None),
            post(
                6,
                5,
                Some(2),
                "İstanbul notes",
                Status::Published,
                Some(at(160)),
            ),
            post(7, 5, None, "straße σίσυφος", Status::Draft, None),
            post(
                8,
                2,
                Some(1),
                "50% off_sale",
                Status::Published,
                Some(at(115)),
            ),
        ],
        post_tags: vec![
            post_tag::Model {
                post_id: 6,
                tag_id: 1,
                tagged_at: at(361),
            },
            post_tag::Model {
                post_id: 6,
                tag_id: 3,
                tagged_at: at(363),
            },
            post_tag::Model {
                post_id: 8,
                tag_id: 2,
                tagged_at: at(382),
            },
            post_tag::Model {
                post_id: 7,
                tag_id: 3,
                tagged_at: at(373),
            },
        ],
        comments: vec![
            comment(5, 5, Some(5), "σίσυφος!"),
            comment(6, 6, None, "İSTANBUL?"),
            comment(7, 7, Some(4), "Only eve sees this."),
        ],
        ..DataSet::default()
    }
}

async fn spawn(backend: Backend) -> TestApp {
    let app = TestApp::spawn(backend, Fixture::Demo).await;
    let conn = app.db.connect().await;
    extra().insert(&conn).await.expect("add the rows");
    conn.close().await.ok();
    app
}

/// The ids a root list keeps under `filter`.
async fn kept(app: &TestApp, root: &str, filter: Value) -> Vec<i64> {
    let ty = root_type(root);
    let data = app
        .data_with(
            &format!(
                "query($f: {ty}Filter) {{ {root}(filter: $f, first: 100) {{ nodes {{ id }} }} }}"
            ),
            json!({ "f": filter }),
        )
        .await;
    ids(&data[root])
}

fn root_type(root: &str) -> &'static str {
    match root {
        "posts" => "Post",
        "authors" => "Author",
        "profiles" => "Profile",
        "comments" => "Comment",
        "tags" => "Tag",
        "categories" => "Category",
        other => panic!("no root {other}"),
    }
}

/// The filter keeps `yes`, its `not` keeps the rest of `all`.
async fn splits(app: &TestApp, root: &str, filter: Value, yes: &[i64], all: &[i64]) {
    let rest: Vec<i64> = all.iter().copied().filter(|i| !yes.contains(i)).collect();
    assert_eq!(
        kept(app, root, filter.clone()).await,
        yes,
        "{:?} {root} {filter}",
        app.backend
    );
    let not = json!({ "not": filter });
    assert_eq!(
        kept(app, root, not.clone()).await,
        rest,
        "{:?} {root} {not}",
        app.backend
    );
}

#[apply(each_backend)]
#[tokio::test]
async fn not_is_the_complement_of_its_filter_with_nulls(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let app = spawn(backend).await;
    // Profile.objects.filter(city="Casablanca") / .exclude(city="Casablanca"):
    // dave's profile (3) has no city and is excluded, so kept by the exclude.
    let profiles = [1, 2, 3, 4];
    splits(
        &app,
        "profiles",
        json!({ "city": { "eq": "Casablanca" } }),
        &[1],
        &profiles,
    )
    .await;
    // Profile.objects.exclude(city="Lyon"): `ne` is that exclude, nulls included.
    assert_eq!(
        kept(&app, "profiles", json!({ "city": { "ne": "Lyon" } })).await,
        [1, 3, 4]
    );
    // Profile.objects.exclude(city__in=["Lyon", "İstanbul"])
    assert_eq!(
        kept(
            &app,
            "profiles",
            json!({ "city": { "notIn": ["Lyon", "İstanbul"] } })
        )
        .await,
        [1, 3]
    );
    // Post.objects.filter(updated_at__gt=F("published_at")) / its exclude: post 5
    // is published with no publication time, so only the exclude keeps it.
    let published = [1, 2, 3, 5, 6, 8];
    let later =
        json!({ "compare": [{ "left": "UPDATED_AT", "op": "GT", "right": "PUBLISHED_AT" }] });
    splits(&app, "posts", later, &[1, 2, 3, 6, 8], &published).await;
    // Post.objects.exclude(updated_at=F("published_at")): NE is not EQ.
    let ne = json!({ "compare": [{ "left": "UPDATED_AT", "op": "NE", "right": "PUBLISHED_AT" }] });
    assert_eq!(kept(&app, "posts", ne).await, published);
    // Author.objects.exclude(posts__published_at__lte="2020-01-01"), Django's
    // reading of "every post published after 2020": dave's post 5 has no time,
    // so he is not among them; carol has no posts, so she is.
    let every =
        json!({ "posts": { "every": { "publishedAt": { "gt": "2020-01-01T00:00:00Z" } } } });
    splits(
        &app,
        "authors",
        every.clone(),
        &[1, 2, 3, 5],
        &[1, 2, 3, 4, 5],
    )
    .await;
    // `every: F` is `none: { not: F }`.
    let none_not = json!({ "posts": { "none": { "not": { "publishedAt": { "gt": "2020-01-01T00:00:00Z" } } } } });
    assert_eq!(kept(&app, "authors", none_not).await, [1, 2, 3, 5]);
}

#[apply(each_backend)]
#[tokio::test]
async fn a_missing_to_one_row_reads_as_nulls(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let app = spawn(backend).await;
    let authors = [1, 2, 3, 4, 5];
    // Author.objects.filter(profile__city__isnull=True): carol has no profile,
    // dave's has no city.
    let no_city = json!({ "profile": { "city": { "isNull": true } } });
    splits(&app, "authors", no_city, &[3, 4], &authors).await;
    // Author.objects.filter(profile__isnull=True)
    let no_profile = json!({ "profile": { "id": { "isNull": true } } });
    splits(&app, "authors", no_profile, &[3], &authors).await;
    // Author.objects.exclude(profile__city="Lyon")
    assert_eq!(
        kept(
            &app,
            "authors",
            json!({ "not": { "profile": { "city": { "eq": "Lyon" } } } })
        )
        .await,
        [1, 3, 4, 5]
    );
    // Profile.objects.filter(author__profile__city__isnull=True): the other
    // direction of the one-to-one, there and back.
    assert_eq!(
        kept(
            &app,
            "profiles",
            json!({ "author": { "profile": { "city": { "isNull": true } } } })
        )
        .await,
        [3]
    );
    // Post.objects.filter(category__name__isnull=True): uncategorised posts.
    let published = [1, 2, 3, 5, 6, 8];
    let uncategorised = json!({ "category": { "name": { "isNull": true } } });
    splits(&app, "posts", uncategorised, &[2, 5], &published).await;
    // Post.objects.exclude(category__slug="django") keeps the uncategorised.
    assert_eq!(
        kept(
            &app,
            "posts",
            json!({ "category": { "slug": { "ne": "django" } } })
        )
        .await,
        [2, 3, 5, 6]
    );
    // Comment.objects.filter(author__name__isnull=True): comments with no author.
    let visible_comments = [1, 2, 3, 4, 5, 6];
    let anonymous = json!({ "author": { "name": { "isNull": true } } });
    splits(&app, "comments", anonymous, &[4, 6], &visible_comments).await;
    // Comment.objects.filter(author__profile__city__isnull=True): two hops, the
    // second from a missing author.
    assert_eq!(
        kept(
            &app,
            "comments",
            json!({ "author": { "profile": { "city": { "isNull": true } } } })
        )
        .await,
        [2, 4, 6]
    );
}

#[apply(each_backend)]
#[tokio::test]
async fn case_insensitive_matching_folds_unicode_alike_everywhere(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let mut app = spawn(backend).await;
    let title = |op: &str, text: &str| json!({ "title": { op: text, "insensitive": true } });
    // Post.objects.filter(title__icontains="ΣΊΣΥΦΟΣ"): a value matches itself
    // (final sigma), and its lowercase matches it.
    assert_eq!(kept(&app, "posts", title("contains", "ΣΊΣΥΦΟΣ")).await, [5]);
    assert_eq!(kept(&app, "posts", title("contains", "σίσυφος")).await, [5]);
    assert_eq!(kept(&app, "posts", title("contains", "ΣΊΣ")).await, [5]);
    // Post.objects.filter(title__iexact="σίσυφος")
    assert_eq!(kept(&app, "posts", title("eq", "σίσυφος")).await, [5]);
    // Post.objects.filter(title__icontains="İstanbul") (dotted capital I).
    assert_eq!(
        kept(&app, "posts", title("contains", "İstanbul")).await,
        [6]
    );
    assert_eq!(
        kept(&app, "posts", title("startsWith", "İSTANBUL")).await,
        [6]
    );
    // Post.objects.filter(title__icontains="50% off_"): LIKE's specials are literal.
    assert_eq!(
        kept(&app, "posts", title("contains", "50% OFF_")).await,
        [8]
    );
    assert_eq!(
        kept(&app, "posts", title("contains", "50_")).await,
        Vec::<i64>::new()
    );
    // Comment.objects.filter(body__icontains="istanbul"): İ uppercases to itself,
    // so the dotless spelling does not match it, as on PostgreSQL.
    assert_eq!(
        kept(
            &app,
            "comments",
            json!({ "body": { "contains": "İstanbul", "insensitive": true } })
        )
        .await,
        [6]
    );
    // Case matters without `insensitive`, and accents always do.
    assert_eq!(
        kept(&app, "posts", json!({ "title": { "eq": "σίσυφος" } })).await,
        Vec::<i64>::new()
    );
    assert_eq!(
        kept(&app, "posts", title("contains", "ΣΙΣΥΦΟΣ")).await,
        Vec::<i64>::new()
    );
    // eve's draft: `ß` has no one-letter uppercase, so it matches only itself.
    app.sign_in("eve").await;
    assert_eq!(kept(&app, "posts", title("contains", "STRAßE")).await, [7]);
    assert_eq!(
        kept(&app, "posts", title("contains", "SIΣΥΦΟΣ")).await,
        Vec::<i64>::new()
    );
    assert_eq!(
        kept(&app, "posts", title("contains", "ΣΊΣΥΦΟΣ")).await,
        [5, 7]
    );
}

// ---------------------------------------------------------------------------
// The property test: random filters against a reference evaluation.

/// What the reference reads: the rows, and who reads them.
struct World {
    data: DataSet,
    viewer: Option<i64>,
}

impl World {
    fn new(viewer: Option<i64>) -> Self {
        let mut data = seed::demo::data();
        let more = extra();
        data.authors.extend(more.authors);
        data.profiles.extend(more.profiles);
        data.posts.extend(more.posts);
        data.post_tags.extend(more.post_tags);
        data.comments.extend(more.comments);
        World { data, viewer }
    }

    fn post(&self, id: i64) -> Option<&post::Model> {
        self.data.posts.iter().find(|p| p.id == id && self.sees(p))
    }

    fn sees(&self, p: &post::Model) -> bool {
        p.status == Status::Published || Some(p.author_id) == self.viewer
    }

    fn posts(&self) -> impl Iterator<Item = &post::Model> {
        self.data.posts.iter().filter(|p| self.sees(p))
    }

    fn comments(&self) -> impl Iterator<Item = &comment::Model> {
        self.data
            .comments
            .iter()
            .filter(|c| self.post(c.post_id).is_some())
    }

    fn tags_of(&self, post: i64) -> impl Iterator<Item = &entity::tag::Model> {
        self.data.tags.iter().filter(move |t| {
            self.data
                .post_tags
                .iter()
                .any(|l| l.post_id == post && l.tag_id == t.id)
        })
    }

    fn posts_of_tag(&self, tag: i64) -> impl Iterator<Item = &post::Model> {
        self.posts().filter(move |p| {
            self.data
                .post_tags
                .iter()
                .any(|l| l.post_id == p.id && l.tag_id == tag)
        })
    }
}

/// Unicode's simple uppercase, as PostgreSQL (UTF-8 locale) and MariaDB apply it.
fn fold(text: &str) -> String {
    text.chars()
        .map(|c| {
            let up: Vec<char> = c.to_uppercase().collect();
            if up.len() == 1 { up[0] } else { c }
        })
        .collect()
}

#[derive(Clone, Debug)]
enum TextOp {
    Eq(String),
    Ne(String),
    In(Vec<String>),
    NotIn(Vec<String>),
    Contains(String),
    StartsWith(String),
    EndsWith(String),
    IsNull(bool),
}

#[derive(Clone, Debug)]
struct Text(TextOp, bool);

impl Text {
    fn json(&self) -> Value {
        let mut v = match &self.0 {
            TextOp::Eq(s) => json!({ "eq": s }),
            TextOp::Ne(s) => json!({ "ne": s }),
            TextOp::In(l) => json!({ "in": l }),
            TextOp::NotIn(l) => json!({ "notIn": l }),
            TextOp::Contains(s) => json!({ "contains": s }),
            TextOp::StartsWith(s) => json!({ "startsWith": s }),
            TextOp::EndsWith(s) => json!({ "endsWith": s }),
            TextOp::IsNull(b) => json!({ "isNull": b }),
        };
        if self.1 {
            v["insensitive"] = json!(true);
        }
        v
    }

    fn eval(&self, value: Option<&str>) -> bool {
        let f = |s: &str| if self.1 { fold(s) } else { s.to_owned() };
        match (&self.0, value) {
            (TextOp::IsNull(b), v) => v.is_none() == *b,
            (TextOp::Ne(_) | TextOp::NotIn(_), None) => true,
            (_, None) => false,
            (TextOp::Eq(s), Some(v)) => f(v) == f(s),
            (TextOp::Ne(s), Some(v)) => f(v) != f(s),
            (TextOp::In(l), Some(v)) => l.iter().any(|s| f(v) == f(s)),
            (TextOp::NotIn(l), Some(v)) => !l.iter().any(|s| f(v) == f(s)),
            (TextOp::Contains(s), Some(v)) => f(v).contains(&f(s)),
            (TextOp::StartsWith(s), Some(v)) => f(v).starts_with(&f(s)),
            (TextOp::EndsWith(s), Some(v)) => f(v).ends_with(&f(s)),
        }
    }
}

/// Operators on an id, a timestamp or a date: `T` orders.
#[derive(Clone, Debug)]
enum Ordered<T> {
    Eq(T),
    Ne(T),
    Gt(T),
    Lte(T),
    In(Vec<T>),
    NotIn(Vec<T>),
    IsNull(bool),
}

impl<T: PartialOrd + Clone> Ordered<T> {
    fn json(&self, show: impl Fn(&T) -> Value) -> Value {
        match self {
            Ordered::Eq(v) => json!({ "eq": show(v) }),
            Ordered::Ne(v) => json!({ "ne": show(v) }),
            Ordered::Gt(v) => json!({ "gt": show(v) }),
            Ordered::Lte(v) => json!({ "lte": show(v) }),
            Ordered::In(l) => json!({ "in": l.iter().map(&show).collect::<Vec<_>>() }),
            Ordered::NotIn(l) => json!({ "notIn": l.iter().map(&show).collect::<Vec<_>>() }),
            Ordered::IsNull(b) => json!({ "isNull": b }),
        }
    }

    fn eval(&self, value: Option<T>) -> bool {
        match (self, value) {
            (Ordered::IsNull(b), v) => v.is_none() == *b,
            (Ordered::Ne(_) | Ordered::NotIn(_), None) => true,
            (_, None) => false,
            (Ordered::Eq(x), Some(v)) => v == *x,
            (Ordered::Ne(x), Some(v)) => v != *x,
            (Ordered::Gt(x), Some(v)) => v > *x,
            (Ordered::Lte(x), Some(v)) => v <= *x,
            (Ordered::In(l), Some(v)) => l.contains(&v),
            (Ordered::NotIn(l), Some(v)) => !l.contains(&v),
        }
    }
}

fn show_id(id: &i64) -> Value {
    json!(id.to_string())
}

fn show_time(t: &DateTime<Utc>) -> Value {
    json!(t.to_rfc3339_opts(SecondsFormat::Secs, true))
}

fn show_date(d: &NaiveDate) -> Value {
    json!(d.to_string())
}

#[derive(Clone, Copy, Debug)]
enum Quant {
    Some,
    Every,
    None,
}

impl Quant {
    fn name(self) -> &'static str {
        match self {
            Quant::Some => "some",
            Quant::Every => "every",
            Quant::None => "none",
        }
    }

    fn eval<T>(self, rows: impl Iterator<Item = T>, mut matches: impl FnMut(T) -> bool) -> bool {
        let mut rows = rows;
        match self {
            Quant::Some => rows.any(&mut matches),
            Quant::Every => rows.all(&mut matches),
            Quant::None => !rows.any(&mut matches),
        }
    }
}

/// `and`, `or`, `not` over filters of one type.
#[derive(Clone, Debug)]
enum Logic<F> {
    And(Vec<F>),
    Or(Vec<F>),
    Not(Box<F>),
}

impl<F> Logic<F> {
    fn json(&self, show: impl Fn(&F) -> Value) -> Value {
        match self {
            Logic::And(l) => json!({ "and": l.iter().map(show).collect::<Vec<_>>() }),
            Logic::Or(l) => json!({ "or": l.iter().map(show).collect::<Vec<_>>() }),
            Logic::Not(f) => json!({ "not": show(f) }),
        }
    }

    fn eval(&self, mut holds: impl FnMut(&F) -> bool) -> bool {
        match self {
            Logic::And(l) => l.iter().all(holds),
            Logic::Or(l) => l.iter().any(holds),
            Logic::Not(f) => !holds(f),
        }
    }
}

fn logic<F: Clone + std::fmt::Debug + 'static>(
    inner: BoxedStrategy<F>,
) -> impl Strategy<Value = Logic<F>> {
    // Empty lists (`and: []` keeps all, `or: []` none) now and then.
    prop_oneof![
        3 => prop::collection::vec(inner.clone(), 1..4).prop_map(Logic::And),
        3 => prop::collection::vec(inner.clone(), 1..4).prop_map(Logic::Or),
        1 => prop::collection::vec(inner.clone(), 0..1).prop_map(Logic::And),
        1 => prop::collection::vec(inner.clone(), 0..1).prop_map(Logic::Or),
        3 => inner.prop_map(|f| Logic::Not(Box::new(f))),
    ]
}

/// A post's comparable fields, for `compare` (Django's `F()`).
#[derive(Clone, Copy, Debug)]
enum PostKey {
    Id,
    CreatedAt,
    UpdatedAt,
    PublishedAt,
    CommentCount,
    TagCount,
}

impl PostKey {
    fn name(self) -> &'static str {
        match self {
            PostKey::Id => "ID",
            PostKey::CreatedAt => "CREATED_AT",
            PostKey::UpdatedAt => "UPDATED_AT",
            PostKey::PublishedAt => "PUBLISHED_AT",
            PostKey::CommentCount => "COMMENT_COUNT",
            PostKey::TagCount => "TAG_COUNT",
        }
    }

    /// The value on a post, or on a missing one (`None`): counts are 0 there.
    fn value(self, w: &World, p: Option<&post::Model>) -> Option<i64> {
        let time = |t: DateTime<Utc>| t.timestamp();
        match (self, p) {
            (PostKey::CommentCount, p) => {
                Some(p.map_or(0, |p| w.comments().filter(|c| c.post_id == p.id).count()) as i64)
            }
            (PostKey::TagCount, p) => Some(p.map_or(0, |p| w.tags_of(p.id).count()) as i64),
            (_, None) => None,
            (PostKey::Id, Some(p)) => Some(p.id),
            (PostKey::CreatedAt, Some(p)) => Some(time(p.created_at)),
            (PostKey::UpdatedAt, Some(p)) => Some(time(p.updated_at)),
            (PostKey::PublishedAt, Some(p)) => p.published_at.map(time),
        }
    }
}

#[derive(Clone, Copy, Debug)]
enum Op {
    Eq,
    Ne,
    Gt,
    Lte,
}

#[derive(Clone, Debug)]
enum PostF {
    Id(Ordered<i64>),
    Title(Text),
    Status(bool, Status),
    PublishedAt(Ordered<DateTime<Utc>>),
    Compare(PostKey, Op, PostKey),
    Author(Box<AuthorF>),
    Category(Text),
    Tags(Quant, Text),
    Comments(Quant, Box<CommentF>),
    Logic(Logic<PostF>),
}

#[derive(Clone, Debug)]
enum AuthorF {
    Id(Ordered<i64>),
    Name(Text),
    Profile(Box<ProfileF>),
    Posts(Quant, Box<PostF>),
    Comments(Quant, Box<CommentF>),
    Logic(Logic<AuthorF>),
}

#[derive(Clone, Debug)]
enum ProfileF {
    Id(Ordered<i64>),
    City(Text),
    Website(Text),
    Birthdate(Ordered<NaiveDate>),
    Author(Box<AuthorF>),
    Logic(Logic<ProfileF>),
}

#[derive(Clone, Debug)]
enum TagF {
    Slug(Text),
    Posts(Quant, Box<PostF>),
    Logic(Logic<TagF>),
}

#[derive(Clone, Debug)]
enum CommentF {
    Body(Text),
    Author(Box<AuthorF>),
    Post(Box<PostF>),
    Logic(Logic<CommentF>),
}

const WORDS: &[&str] = &[
    // Text in the rows, in and out of case.
    "Django",
    "django",
    "python",
    "rust",
    "Casablanca",
    "casa",
    "Lyon",
    "lyon",
    "a",
    "o",
    "n",
    "Martin",
    "Dave",
    "eve",
    "Tips",
    "notes",
    "ΣΊΣΥΦΟΣ",
    "σίσυφος",
    "Σ",
    "ς",
    "İstanbul",
    "istanbul",
    "İSTANBUL",
    "İ",
    "ß",
    "straße",
    "STRAßE",
    "https://",
    "example.com",
    // Specials of LIKE and GLOB, matched literally.
    "50%",
    "off_",
    "%",
    "_",
    "!",
    "*",
    "",
];

fn word() -> impl Strategy<Value = String> {
    prop::sample::select(WORDS).prop_map(str::to_owned)
}

fn text() -> impl Strategy<Value = Text> {
    let op = prop_oneof![
        word().prop_map(TextOp::Eq),
        word().prop_map(TextOp::Ne),
        prop::collection::vec(word(), 1..3).prop_map(TextOp::In),
        prop::collection::vec(word(), 1..3).prop_map(TextOp::NotIn),
        word().prop_map(TextOp::Contains),
        word().prop_map(TextOp::StartsWith),
        word().prop_map(TextOp::EndsWith),
        any::<bool>().prop_map(TextOp::IsNull),
    ];
    (op, any::<bool>()).prop_map(|(op, insensitive)| Text(op, insensitive))
}

/// The operators of timestamps and dates.
fn ordered<T: Clone + std::fmt::Debug + 'static>(
    values: impl Strategy<Value = T> + Clone + 'static,
) -> impl Strategy<Value = Ordered<T>> {
    prop_oneof![
        values.clone().prop_map(Ordered::Eq),
        values.clone().prop_map(Ordered::Ne),
        values.clone().prop_map(Ordered::Gt),
        values.prop_map(Ordered::Lte),
        any::<bool>().prop_map(Ordered::IsNull),
    ]
}

/// The operators of ids.
fn id() -> impl Strategy<Value = Ordered<i64>> {
    let values = 0i64..10;
    prop_oneof![
        values.clone().prop_map(Ordered::Eq),
        values.clone().prop_map(Ordered::Ne),
        prop::collection::vec(values.clone(), 1..3).prop_map(Ordered::In),
        prop::collection::vec(values, 1..3).prop_map(Ordered::NotIn),
        any::<bool>().prop_map(Ordered::IsNull),
    ]
}

fn time() -> impl Strategy<Value = Ordered<DateTime<Utc>>> {
    ordered(prop::sample::select(vec![0i64, 110, 115, 120, 130, 160, 10_000]).prop_map(at))
}

fn date() -> impl Strategy<Value = Ordered<NaiveDate>> {
    let days = [(1985, 3, 1), (1990, 5, 17), (2000, 1, 1)]
        .map(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d).expect("a date"));
    ordered(prop::sample::select(days.to_vec()))
}

fn quant() -> impl Strategy<Value = Quant> {
    prop_oneof![Just(Quant::Some), Just(Quant::Every), Just(Quant::None)]
}

fn compare() -> impl Strategy<Value = PostF> {
    let ints = [PostKey::Id, PostKey::CommentCount, PostKey::TagCount];
    let times = [PostKey::CreatedAt, PostKey::UpdatedAt, PostKey::PublishedAt];
    let op = prop_oneof![Just(Op::Eq), Just(Op::Ne), Just(Op::Gt), Just(Op::Lte)];
    let pair = prop_oneof![
        (
            prop::sample::select(ints.to_vec()),
            prop::sample::select(ints.to_vec())
        ),
        (
            prop::sample::select(times.to_vec()),
            prop::sample::select(times.to_vec())
        ),
    ];
    (pair, op).prop_map(|((l, r), op)| PostF::Compare(l, op, r))
}

fn post_f(depth: u32) -> BoxedStrategy<PostF> {
    let status = prop_oneof![Just(Status::Published), Just(Status::Draft)];
    let leaf = prop_oneof![
        id().prop_map(PostF::Id),
        text().prop_map(PostF::Title),
        (any::<bool>(), status).prop_map(|(eq, s)| PostF::Status(eq, s)),
        time().prop_map(PostF::PublishedAt),
        compare(),
        text().prop_map(PostF::Category),
        (quant(), text()).prop_map(|(q, t)| PostF::Tags(q, t)),
    ];
    if depth == 0 {
        return leaf.boxed();
    }
    prop_oneof![
        4 => leaf,
        1 => author_f(depth - 1).prop_map(|f| PostF::Author(Box::new(f))),
        1 => (quant(), comment_f(depth - 1)).prop_map(|(q, f)| PostF::Comments(q, Box::new(f))),
        2 => logic(post_f(depth - 1)).prop_map(PostF::Logic),
    ]
    .boxed()
}

fn author_f(depth: u32) -> BoxedStrategy<AuthorF> {
    let leaf = prop_oneof![id().prop_map(AuthorF::Id), text().prop_map(AuthorF::Name)];
    if depth == 0 {
        return leaf.boxed();
    }
    prop_oneof![
        2 => leaf,
        2 => profile_f(depth - 1).prop_map(|f| AuthorF::Profile(Box::new(f))),
        1 => (quant(), post_f(depth - 1)).prop_map(|(q, f)| AuthorF::Posts(q, Box::new(f))),
        1 => (quant(), comment_f(depth - 1)).prop_map(|(q, f)| AuthorF::Comments(q, Box::new(f))),
        2 => logic(author_f(depth - 1)).prop_map(AuthorF::Logic),
    ]
    .boxed()
}

fn profile_f(depth: u32) -> BoxedStrategy<ProfileF> {
    let leaf = prop_oneof![
        id().prop_map(ProfileF::Id),
        text().prop_map(ProfileF::City),
        text().prop_map(ProfileF::Website),
        date().prop_map(ProfileF::Birthdate),
    ];
    if depth == 0 {
        return leaf.boxed();
    }
    prop_oneof![
        3 => leaf,
        1 => author_f(depth - 1).prop_map(|f| ProfileF::Author(Box::new(f))),
        2 => logic(profile_f(depth - 1)).prop_map(ProfileF::Logic),
    ]
    .boxed()
}

fn tag_f(depth: u32) -> BoxedStrategy<TagF> {
    let leaf = text().prop_map(TagF::Slug);
    if depth == 0 {
        return leaf.boxed();
    }
    prop_oneof![
        1 => leaf,
        2 => (quant(), post_f(depth - 1)).prop_map(|(q, f)| TagF::Posts(q, Box::new(f))),
        1 => logic(tag_f(depth - 1)).prop_map(TagF::Logic),
    ]
    .boxed()
}

fn comment_f(depth: u32) -> BoxedStrategy<CommentF> {
    let leaf = text().prop_map(CommentF::Body);
    if depth == 0 {
        return leaf.boxed();
    }
    prop_oneof![
        2 => leaf,
        2 => author_f(depth - 1).prop_map(|f| CommentF::Author(Box::new(f))),
        1 => post_f(depth - 1).prop_map(|f| CommentF::Post(Box::new(f))),
        2 => logic(comment_f(depth - 1)).prop_map(CommentF::Logic),
    ]
    .boxed()
}

impl PostF {
    fn json(&self) -> Value {
        match self {
            PostF::Id(o) => json!({ "id": o.json(show_id) }),
            PostF::Title(t) => json!({ "title": t.json() }),
            PostF::Status(eq, s) => {
                let name = match s {
                    Status::Published => "PUBLISHED",
                    Status::Draft => "DRAFT",
                };
                json!({ "status": { if *eq { "eq" } else { "ne" }: name } })
            }
            PostF::PublishedAt(o) => json!({ "publishedAt": o.json(show_time) }),
            PostF::Compare(l, op, r) => {
                let op = match op {
                    Op::Eq => "EQ",
                    Op::Ne => "NE",
                    Op::Gt => "GT",
                    Op::Lte => "LTE",
                };
                json!({ "compare": [{ "left": l.name(), "op": op, "right": r.name() }] })
            }
            PostF::Author(f) => json!({ "author": f.json() }),
            PostF::Category(t) => json!({ "category": { "name": t.json() } }),
            PostF::Tags(q, t) => json!({ "tags": { q.name(): { "slug": t.json() } } }),
            PostF::Comments(q, f) => json!({ "comments": { q.name(): f.json() } }),
            PostF::Logic(l) => l.json(PostF::json),
        }
    }

    /// Whether the post (or a missing one, `None`) matches.
    fn eval(&self, w: &World, p: Option<&post::Model>) -> bool {
        match self {
            PostF::Id(o) => o.eval(p.map(|p| p.id)),
            PostF::Title(t) => t.eval(p.map(|p| p.title.as_str())),
            PostF::Status(eq, s) => match p {
                Some(p) => (p.status == *s) == *eq,
                None => !*eq,
            },
            PostF::PublishedAt(o) => o.eval(p.and_then(|p| p.published_at)),
            PostF::Compare(l, op, r) => {
                let (a, b) = (l.value(w, p), r.value(w, p));
                match (op, a, b) {
                    (Op::Ne, Some(a), Some(b)) => a != b,
                    (Op::Ne, _, _) => true,
                    (Op::Eq, Some(a), Some(b)) => a == b,
                    (Op::Gt, Some(a), Some(b)) => a > b,
                    (Op::Lte, Some(a), Some(b)) => a <= b,
                    _ => false,
                }
            }
            PostF::Author(f) => {
                let author = p.and_then(|p| w.data.authors.iter().find(|a| a.id == p.author_id));
                f.eval(w, author)
            }
            PostF::Category(t) => {
                let category = p
                    .and_then(|p| p.category_id)
                    .and_then(|id| w.data.categories.iter().find(|c| c.id == id));
                t.eval(category.map(|c| c.name.as_str()))
            }
            PostF::Tags(q, t) => match p {
                Some(p) => q.eval(w.tags_of(p.id), |tag| t.eval(Some(&tag.slug))),
                None => !matches!(q, Quant::Some),
            },
            PostF::Comments(q, f) => match p {
                Some(p) => q.eval(w.comments().filter(|c| c.post_id == p.id), |c| {
                    f.eval(w, Some(c))
                }),
                None => !matches!(q, Quant::Some),
            },
            PostF::Logic(l) => l.eval(|f| f.eval(w, p)),
        }
    }
}

impl AuthorF {
    fn json(&self) -> Value {
        match self {
            AuthorF::Id(o) => json!({ "id": o.json(show_id) }),
            AuthorF::Name(t) => json!({ "name": t.json() }),
            AuthorF::Profile(f) => json!({ "profile": f.json() }),
            AuthorF::Posts(q, f) => json!({ "posts": { q.name(): f.json() } }),
            AuthorF::Comments(q, f) => json!({ "comments": { q.name(): f.json() } }),
            AuthorF::Logic(l) => l.json(AuthorF::json),
        }
    }

    fn eval(&self, w: &World, a: Option<&author::Model>) -> bool {
        match self {
            AuthorF::Id(o) => o.eval(a.map(|a| a.id)),
            AuthorF::Name(t) => t.eval(a.map(|a| a.name.as_str())),
            AuthorF::Profile(f) => {
                let profile = a.and_then(|a| w.data.profiles.iter().find(|p| p.author_id == a.id));
                f.eval(w, profile)
            }
            AuthorF::Posts(q, f) => match a {
                Some(a) => q.eval(w.posts().filter(|p| p.author_id == a.id), |p| {
                    f.eval(w, Some(p))
                }),
                None => !matches!(q, Quant::Some),
            },
            AuthorF::Comments(q, f) => match a {
                Some(a) => q.eval(w.comments().filter(|c| c.author_id == Some(a.id)), |c| {
                    f.eval(w, Some(c))
                }),
                None => !matches!(q, Quant::Some),
            },
            AuthorF::Logic(l) => l.eval(|f| f.eval(w, a)),
        }
    }
}

impl ProfileF {
    fn json(&self) -> Value {
        match self {
            ProfileF::Id(o) => json!({ "id": o.json(show_id) }),
            ProfileF::City(t) => json!({ "city": t.json() }),
            ProfileF::Website(t) => json!({ "website": t.json() }),
            ProfileF::Birthdate(o) => json!({ "birthdate": o.json(show_date) }),
            ProfileF::Author(f) => json!({ "author": f.json() }),
            ProfileF::Logic(l) => l.json(ProfileF::json),
        }
    }

    fn eval(&self, w: &World, p: Option<&profile::Model>) -> bool {
        match self {
            ProfileF::Id(o) => o.eval(p.map(|p| p.id)),
            ProfileF::City(t) => t.eval(p.and_then(|p| p.city.as_deref())),
            ProfileF::Website(t) => t.eval(p.and_then(|p| p.website.as_deref())),
            ProfileF::Birthdate(o) => o.eval(p.and_then(|p| p.birthdate)),
            ProfileF::Author(f) => {
                let author = p.and_then(|p| w.data.authors.iter().find(|a| a.id == p.author_id));
                f.eval(w, author)
            }
            ProfileF::Logic(l) => l.eval(|f| f.eval(w, p)),
        }
    }
}

impl TagF {
    fn json(&self) -> Value {
        match self {
            TagF::Slug(t) => json!({ "slug": t.json() }),
            TagF::Posts(q, f) => json!({ "posts": { q.name(): f.json() } }),
            TagF::Logic(l) => l.json(TagF::json),
        }
    }

    fn eval(&self, w: &World, t: &entity::tag::Model) -> bool {
        match self {
            TagF::Slug(text) => text.eval(Some(&t.slug)),
            TagF::Posts(q, f) => q.eval(w.posts_of_tag(t.id), |p| f.eval(w, Some(p))),
            TagF::Logic(l) => l.eval(|f| f.eval(w, t)),
        }
    }
}

impl CommentF {
    fn json(&self) -> Value {
        match self {
            CommentF::Body(t) => json!({ "body": t.json() }),
            CommentF::Author(f) => json!({ "author": f.json() }),
            CommentF::Post(f) => json!({ "post": f.json() }),
            CommentF::Logic(l) => l.json(CommentF::json),
        }
    }

    fn eval(&self, w: &World, c: Option<&comment::Model>) -> bool {
        match self {
            CommentF::Body(t) => t.eval(c.map(|c| c.body.as_str())),
            CommentF::Author(f) => {
                let author = c
                    .and_then(|c| c.author_id)
                    .and_then(|id| w.data.authors.iter().find(|a| a.id == id));
                f.eval(w, author)
            }
            CommentF::Post(f) => f.eval(w, c.and_then(|c| w.post(c.post_id))),
            CommentF::Logic(l) => l.eval(|f| f.eval(w, c)),
        }
    }
}

/// One random filter on one root list.
#[derive(Clone, Debug)]
enum Case {
    Posts(PostF),
    Authors(AuthorF),
    Profiles(ProfileF),
    Comments(CommentF),
    Tags(TagF),
}

impl Case {
    fn root(&self) -> &'static str {
        match self {
            Case::Posts(_) => "posts",
            Case::Authors(_) => "authors",
            Case::Profiles(_) => "profiles",
            Case::Comments(_) => "comments",
            Case::Tags(_) => "tags",
        }
    }

    fn json(&self) -> Value {
        match self {
            Case::Posts(f) => f.json(),
            Case::Authors(f) => f.json(),
            Case::Profiles(f) => f.json(),
            Case::Comments(f) => f.json(),
            Case::Tags(f) => f.json(),
        }
    }

    /// The ids the reference keeps, and every visible row's.
    fn expected(&self, w: &World) -> (BTreeSet<i64>, BTreeSet<i64>) {
        fn split<T>(
            rows: impl Iterator<Item = T>,
            id: impl Fn(&T) -> i64,
            keep: impl Fn(&T) -> bool,
        ) -> (BTreeSet<i64>, BTreeSet<i64>) {
            let (mut kept, mut all) = (BTreeSet::new(), BTreeSet::new());
            for row in rows {
                all.insert(id(&row));
                if keep(&row) {
                    kept.insert(id(&row));
                }
            }
            (kept, all)
        }
        match self {
            Case::Posts(f) => split(w.posts(), |p| p.id, |p| f.eval(w, Some(p))),
            Case::Authors(f) => split(w.data.authors.iter(), |a| a.id, |a| f.eval(w, Some(a))),
            Case::Profiles(f) => split(w.data.profiles.iter(), |p| p.id, |p| f.eval(w, Some(p))),
            Case::Comments(f) => split(w.comments(), |c| c.id, |c| f.eval(w, Some(c))),
            Case::Tags(f) => split(w.data.tags.iter(), |t| t.id, |t| f.eval(w, t)),
        }
    }
}

fn case() -> impl Strategy<Value = Case> {
    prop_oneof![
        post_f(3).prop_map(Case::Posts),
        author_f(3).prop_map(Case::Authors),
        profile_f(3).prop_map(Case::Profiles),
        comment_f(3).prop_map(Case::Comments),
        tag_f(3).prop_map(Case::Tags),
    ]
}

/// Runs a filter and its `not` in one request: the filter keeps what the
/// reference keeps, its `not` the rest, on the same rows.
/// Returns whether the filter split the rows (kept some but not all).
async fn check(app: &TestApp, world: &World, case: &Case) -> Result<bool, TestCaseError> {
    let root = case.root();
    let ty = root_type(root);
    let filter = case.json();
    let body = app
        .request(
            &format!(
                "query($f: {ty}Filter, $n: {ty}Filter) {{
                  yes: {root}(filter: $f, first: 100) {{ nodes {{ id }} }}
                  no: {root}(filter: $n, first: 100) {{ nodes {{ id }} }}
                }}"
            ),
            json!({ "f": filter, "n": { "not": filter } }),
        )
        .await;
    prop_assert!(body.get("errors").is_none(), "{filter}: {body}");
    let yes: BTreeSet<i64> = ids(&body["data"]["yes"]).into_iter().collect();
    let no: BTreeSet<i64> = ids(&body["data"]["no"]).into_iter().collect();
    let (expected, all) = case.expected(world);
    prop_assert_eq!(
        &yes,
        &expected,
        "{:?} as {:?}: {}",
        app.backend,
        world.viewer,
        filter
    );
    prop_assert!(yes.is_disjoint(&no), "{filter}: a row in both");
    let union: BTreeSet<i64> = yes.union(&no).copied().collect();
    prop_assert_eq!(&union, &all, "{:?}: not {}", app.backend, filter);
    Ok(!yes.is_empty() && yes.len() < all.len())
}

/// Random filters per backend and reader.
const CASES: u32 = 150;

#[apply(each_backend)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_filters_agree_with_a_reference_evaluation(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let mut app = spawn(backend).await;
    let handle = tokio::runtime::Handle::current();
    let strategy = case();
    // Anonymous, then alice and eve, each of whom sees a draft of their own.
    for (viewer, name) in [
        (None, None),
        (Some(1), Some("alice")),
        (Some(5), Some("eve")),
    ] {
        match name {
            Some(name) => app.sign_in(name).await,
            None => app.use_token(None),
        }
        let world = World::new(viewer);
        let splits = std::sync::Mutex::new(0usize);
        let mut runner = TestRunner::new(PropConfig {
            cases: CASES,
            failure_persistence: None,
            ..PropConfig::default()
        });
        let app = &app;
        let outcome = tokio::task::block_in_place(|| {
            runner.run(&strategy, |case| {
                let split = handle.block_on(check(app, &world, &case))?;
                *splits.lock().expect("a count") += usize::from(split);
                Ok(())
            })
        });
        if let Err(failure) = outcome {
            panic!("{backend:?} as {name:?}: {failure}");
        }
        // The generator is worth its cases: many filters keep some rows and not
        // others (on rows this few, many keep all or none, which is checked too).
        // About 30% split; the cases are random, and 29 of 150 were seen, so the
        // floor is 1 in 10: low enough never to fail by chance, high enough to
        // catch a generator that has gone degenerate.
        let split = *splits.lock().expect("a count");
        assert!(
            split >= CASES as usize / 10,
            "only {split} of {CASES} filters split the rows"
        );
    }
}

/// Any text, non-ASCII, symbols and controls included (but NUL, which no input
/// takes), and a run of its characters.
fn text_and_part() -> impl Strategy<Value = (String, String)> {
    prop::collection::vec(any::<char>().prop_filter("not NUL", |c| *c != '\0'), 1..24)
        .prop_flat_map(|chars| {
            let n = chars.len();
            (0..n).prop_flat_map(move |start| {
                let chars = chars.clone();
                (start + 1..=n).prop_map(move |end| {
                    (chars.iter().collect(), chars[start..end].iter().collect())
                })
            })
        })
}

#[apply(each_backend)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_text_always_matches_itself_ignoring_case(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
    let app = spawn(backend).await;
    let conn = app.db.connect().await;
    let handle = tokio::runtime::Handle::current();
    let mut runner = TestRunner::new(PropConfig {
        cases: 64,
        failure_persistence: None,
        ..PropConfig::default()
    });
    let (app, conn) = (&app, &conn);
    let outcome = tokio::task::block_in_place(|| {
        runner.run(&text_and_part(), |(title, part)| {
            handle.block_on(async {
                post::Entity::update_many()
                    .col_expr(post::Column::Title, Expr::val(title.clone()))
                    .filter(post::Column::Id.eq(1))
                    .exec(conn)
                    .await
                    .expect("set the title");
                // Post.objects.filter(title__iexact=t), __icontains, __istartswith,
                // __iendswith, with t the title or a run of its characters.
                let body = app
                    .request(
                        "query($t: String!, $p: String!) {
                          eq: posts(filter: { title: { eq: $t, insensitive: true } }) { nodes { id } }
                          in: posts(filter: { title: { in: [$t], insensitive: true } }) { nodes { id } }
                          part: posts(filter: { title: { contains: $p, insensitive: true } }) { nodes { id } }
                          starts: posts(filter: { title: { startsWith: $t, insensitive: true } }) { nodes { id } }
                          ends: posts(filter: { title: { endsWith: $t, insensitive: true } }) { nodes { id } }
                          exact: posts(filter: { title: { eq: $t } }) { nodes { id } }
                        }",
                        json!({ "t": title, "p": part }),
                    )
                    .await;
                prop_assert!(body.get("errors").is_none(), "{title:?}: {body}");
                for field in ["eq", "in", "part", "starts", "ends", "exact"] {
                    prop_assert!(
                        ids(&body["data"][field]).contains(&1),
                        "{backend:?} {field}: {title:?} ({part:?}) {body}"
                    );
                }
                Ok(())
            })
        })
    });
    if let Err(failure) = outcome {
        panic!("{backend:?}: {failure}");
    }
}
