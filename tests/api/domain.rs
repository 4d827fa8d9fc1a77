//! The domain's operations called as any Rust caller would, without GraphQL: one
//! transaction each, the same checks, the same delete report, the same events.

use blogql::config::MediaConfig;
use blogql::db::{Db, WriteLock};
use blogql::domain::delete::DeleteAction;
use blogql::domain::posts::{self, NewPost, Wanted};
use blogql::domain::{Store, comments};
use blogql::error::AppError;
use blogql::events::{Event, Events};
use blogql::media::Media;
use migration::{Migrator, MigratorTrait};
use rstest_reuse::apply;

use crate::helpers::{Backend, TestDb, each_backend, ints, listed};

#[apply(each_backend)]
#[tokio::test]
async fn operations_run_without_graphql(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let test_db = TestDb::create(backend).await;
    let conn = test_db.connect().await;
    Migrator::up(&conn, None).await.expect("migrate");
    blogql::seed::demo::load(&conn).await.expect("demo data");
    let (db, writes, events) = (Db::new(conn.clone()), WriteLock::default(), Events::local());
    let media = Media::new(&MediaConfig {
        media_dir: std::env::temp_dir().join(format!("{}-media", test_db.name)),
        ..MediaConfig::default()
    });
    let store = Store {
        db: &db,
        writes: &writes,
        events: &events,
        media: &media,
    };
    let (alice, bob) = (store.as_author(1), store.as_author(2));
    let mut heard = events.subscribe();

    let new = NewPost {
        title: "Walking the domain".into(),
        body: "No GraphQL here.".into(),
        slug: None,
        category_id: None,
        category: Some("Python".into()),
        tags: Wanted {
            ids: vec![3],
            names: vec!["domain".into()],
        },
        publish: true,
    };
    let made = posts::create(alice, new).await.expect("created");
    assert_eq!(made.post.slug, "walking-the-domain", "{backend:?}");
    assert_eq!(made.author.username, "alice");
    assert_eq!(made.category.map(|c| c.name).as_deref(), Some("Python"));
    let mut tags: Vec<_> = made.tags.iter().map(|t| t.name.as_str()).collect();
    tags.sort();
    assert_eq!(tags, ["domain", "rust"], "{backend:?}");
    let published = heard.try_recv().expect("announced after commit");
    assert!(matches!(published, Event::PostPublished { post_id } if post_id == made.post.id));

    let post = made.post.id;
    let said = comments::create(bob, post, "Nice.")
        .await
        .expect("commented");
    assert_eq!(said.comment.author_id, Some(2));
    assert!(matches!(heard.try_recv(), Ok(Event::CommentAdded { .. })));

    // Bob may not delete Alice's post; the same refusal a client gets.
    let refused = posts::delete(bob, post, false).await.err();
    assert!(
        matches!(refused, Some(AppError::Forbidden { .. })),
        "{refused:?}"
    );

    // A dry run reports and changes nothing; the delete then does what it said.
    let preview = posts::delete(alice, post, true).await.expect("preview");
    let lines: Vec<_> = preview
        .effects
        .iter()
        .map(|e| (e.action, e.type_name, e.count))
        .collect();
    assert_eq!(
        lines,
        [
            (DeleteAction::Delete, "Post", 1),
            (DeleteAction::Delete, "Comment", 1),
            (DeleteAction::Delete, "PostTag", 2)
        ],
        "{backend:?}"
    );
    let count = format!("SELECT COUNT(*) FROM comments WHERE post_id = {post}");
    assert_eq!(ints(&conn, &count).await, [Some(1)], "{backend:?}");
    let done = posts::delete(alice, post, false).await.expect("deleted");
    assert!(!done.dry_run);
    assert_eq!(ints(&conn, &count).await, [Some(0)], "{backend:?}");
    let left = format!("SELECT COUNT(*) FROM posts WHERE id = {post}");
    assert_eq!(ints(&conn, &left).await, [Some(0)], "{backend:?}");
}
