//! The schema the migrations make, checked at the SQL level on every backend:
//! named constraints, and the delete rules of docs/model.md as a user sees them.

use std::collections::BTreeSet;

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};

use crate::helpers::{Backend, TestDb, each_backend, ints, listed};
use rstest_reuse::apply;

async fn demo_db(backend: Backend) -> (TestDb, DatabaseConnection) {
    let db = TestDb::create(backend).await;
    let conn = db.connect().await;
    Migrator::up(&conn, None).await.expect("migrate");
    blogql::seed::demo::load(&conn).await.expect("demo data");
    (db, conn)
}

async fn exec(conn: &DatabaseConnection, sql: &str) -> Result<(), sea_orm::DbErr> {
    conn.execute_unprepared(sql).await.map(|_| ())
}

const NAMED: [&str; 19] = [
    "uq_authors_username",
    "uq_authors_email",
    "uq_profiles_author_id",
    "fk_profiles_author_id",
    "uq_categories_name",
    "uq_categories_slug",
    "uq_tags_name",
    "uq_tags_slug",
    "uq_posts_slug",
    "fk_posts_author_id",
    "fk_posts_category_id",
    "ck_posts_status",
    "fk_post_tags_post_id",
    "fk_post_tags_tag_id",
    "fk_comments_post_id",
    "fk_comments_author_id",
    "ix_posts_author_id",
    "ix_post_tags_tag_id",
    "ix_comments_author_id",
];

#[apply(each_backend)]
#[tokio::test]
async fn constraints_and_indexes_are_named(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let db = TestDb::create(backend).await;
    let conn = db.connect().await;
    Migrator::up(&conn, None).await.expect("migrate");
    // Every named object, by the catalog of each backend.
    let sql = match backend {
        Backend::Sqlite => "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL".to_owned(),
        Backend::Postgres => "SELECT conname::text FROM pg_constraint c JOIN pg_namespace n \
             ON n.oid = c.connamespace WHERE n.nspname = 'public' \
             UNION SELECT indexname::text FROM pg_indexes WHERE schemaname = 'public'"
            .to_owned(),
        Backend::Mysql => {
            "SELECT CAST(constraint_name AS CHAR) FROM information_schema.table_constraints \
             WHERE table_schema = DATABASE() UNION SELECT CAST(index_name AS CHAR) \
             FROM information_schema.statistics WHERE table_schema = DATABASE()"
                .to_owned()
        }
    };
    let stmt = Statement::from_string(conn.get_database_backend(), sql);
    let text: Vec<String> = conn
        .query_all_raw(stmt)
        .await
        .expect("catalog")
        .iter()
        .map(|row| row.try_get_by_index::<String>(0).expect("text"))
        .collect();
    let joined = text.join("\n");
    let missing: BTreeSet<&str> = NAMED
        .iter()
        .copied()
        .filter(|name| match backend {
            Backend::Sqlite => !joined.contains(&format!("\"{name}\"")),
            _ => !text.iter().any(|t| t == name),
        })
        .collect();
    assert!(missing.is_empty(), "{backend:?}: not found: {missing:?}");
}

#[apply(each_backend)]
#[tokio::test]
async fn deleting_an_author_cascades_and_keeps_their_comments_elsewhere(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let (_db, conn) = demo_db(backend).await;
    exec(&conn, "DELETE FROM authors WHERE id = 1")
        .await
        .expect("delete alice");
    assert_eq!(
        ints(&conn, "SELECT COUNT(*) FROM profiles WHERE author_id = 1").await,
        [Some(0)]
    );
    assert_eq!(
        ints(&conn, "SELECT id FROM posts ORDER BY id").await,
        [Some(3)],
        "{backend:?}"
    );
    // Links and comments of alice's posts went with them.
    assert_eq!(
        ints(&conn, "SELECT post_id FROM post_tags").await,
        [Some(3)]
    );
    // Her comment on bob's post stays, with no author.
    let left = ints(&conn, "SELECT author_id FROM comments WHERE id = 3").await;
    assert_eq!(left, [None], "{backend:?}");
    assert_eq!(
        ints(&conn, "SELECT id FROM comments ORDER BY id").await,
        [Some(3)]
    );
}

#[apply(each_backend)]
#[tokio::test]
async fn deleting_a_category_uncategorises_its_posts(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let (_db, conn) = demo_db(backend).await;
    exec(&conn, "DELETE FROM categories WHERE id = 1")
        .await
        .expect("delete Django");
    let rows = ints(&conn, "SELECT category_id FROM posts ORDER BY id").await;
    assert_eq!(rows, [None, None, Some(2), None], "{backend:?}");
}

#[apply(each_backend)]
#[tokio::test]
async fn deleting_a_tag_in_use_is_refused_and_changes_nothing(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let (_db, conn) = demo_db(backend).await;
    assert!(
        exec(&conn, "DELETE FROM tags WHERE id = 1").await.is_err(),
        "{backend:?}"
    );
    assert_eq!(ints(&conn, "SELECT COUNT(*) FROM tags").await, [Some(3)]);
    assert_eq!(
        ints(&conn, "SELECT COUNT(*) FROM post_tags").await,
        [Some(5)]
    );
    // Once no post uses it, it can go.
    exec(&conn, "DELETE FROM post_tags WHERE tag_id = 3")
        .await
        .expect("detach rust");
    exec(&conn, "DELETE FROM tags WHERE id = 3")
        .await
        .expect("delete rust");
}

#[apply(each_backend)]
#[tokio::test]
async fn deleting_a_post_takes_its_comments_and_links_but_not_its_tags(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let (_db, conn) = demo_db(backend).await;
    exec(&conn, "DELETE FROM posts WHERE id = 1")
        .await
        .expect("delete post 1");
    assert_eq!(
        ints(&conn, "SELECT id FROM comments ORDER BY id").await,
        [Some(3), Some(4)]
    );
    assert_eq!(
        ints(&conn, "SELECT COUNT(*) FROM post_tags WHERE post_id = 1").await,
        [Some(0)]
    );
    assert_eq!(
        ints(&conn, "SELECT COUNT(*) FROM tags").await,
        [Some(3)],
        "{backend:?}"
    );
}

#[apply(each_backend)]
#[tokio::test]
async fn unique_and_check_constraints_hold(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let (_db, conn) = demo_db(backend).await;
    // Ids keep counting after the seeded rows (first, before failed inserts
    // consume sequence values), and the bio defaults to the empty string.
    exec(&conn, "INSERT INTO profiles (author_id) VALUES (3)")
        .await
        .expect("carol's profile");
    let ids = ints(
        &conn,
        "SELECT id FROM profiles WHERE author_id = 3 AND bio = ''",
    )
    .await;
    assert_eq!(ids, [Some(3)], "{backend:?}");
    // One-to-one: a second profile for alice is refused.
    let second = "INSERT INTO profiles (author_id, bio) VALUES (1, '')";
    assert!(exec(&conn, second).await.is_err(), "{backend:?}");
    let dup = "INSERT INTO tags (name, slug) VALUES ('django', 'django-2')";
    assert!(exec(&conn, dup).await.is_err(), "{backend:?}");
    let status = "UPDATE posts SET status = 'ARCHIVED' WHERE id = 1";
    assert!(exec(&conn, status).await.is_err(), "{backend:?}");
    let orphan =
        "INSERT INTO comments (post_id, body, created_at) VALUES (99, 'x', '2026-01-01 00:00:00')";
    assert!(exec(&conn, orphan).await.is_err(), "{backend:?}");
}

#[apply(each_backend)]
#[tokio::test]
async fn migrations_roll_back_and_reapply(#[case] backend: Backend) {
    if !listed(backend) {
        return;
    }
    let db = TestDb::create(backend).await;
    let conn = db.connect().await;
    Migrator::up(&conn, None).await.expect("up");
    Migrator::down(&conn, None).await.expect("down");
    let tables = match conn.get_database_backend() {
        DbBackend::Sqlite => {
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name IN ('authors','posts','post_tags')"
        }
        DbBackend::Postgres => {
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public' AND table_name IN ('authors','posts','post_tags')"
        }
        _ => {
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name IN ('authors','posts','post_tags')"
        }
    };
    assert_eq!(ints(&conn, tables).await, [Some(0)], "{backend:?}");
    Migrator::up(&conn, None).await.expect("up again");
    assert_eq!(ints(&conn, tables).await, [Some(3)], "{backend:?}");
}

/// The relation registry the server reads (constraint names, columns, delete
/// rules, all from `entity`'s SeaORM relations) is the schema the migrations made.
#[apply(each_backend)]
#[tokio::test]
async fn the_relation_registry_is_the_schema_the_migrations_make(#[case] backend: Backend) {
    use blogql::graphql::core::OnDelete;
    use blogql::graphql::registry::REFERENCES;

    if !listed(backend) {
        return;
    }
    let db = TestDb::create(backend).await;
    let conn = db.connect().await;
    Migrator::up(&conn, None).await.expect("migrate");
    let sql = match backend {
        // SQLite keeps no constraint names: compared without them.
        Backend::Sqlite => ["profiles", "posts", "comments", "post_tags"]
            .map(|t| {
                format!("SELECT '', '{t}', \"from\", on_delete FROM pragma_foreign_key_list('{t}')")
            })
            .join(" UNION ALL "),
        Backend::Postgres => "SELECT c.conname::text, cl.relname::text, a.attname::text, \
             CASE c.confdeltype WHEN 'c' THEN 'CASCADE' WHEN 'n' THEN 'SET NULL' \
             WHEN 'r' THEN 'RESTRICT' ELSE 'NO ACTION' END \
             FROM pg_constraint c JOIN pg_class cl ON cl.oid = c.conrelid \
             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] \
             JOIN pg_namespace n ON n.oid = c.connamespace \
             WHERE c.contype = 'f' AND n.nspname = 'public'"
            .to_owned(),
        Backend::Mysql => "SELECT CAST(r.constraint_name AS CHAR), CAST(r.table_name AS CHAR), \
             CAST(k.column_name AS CHAR), CAST(r.delete_rule AS CHAR) \
             FROM information_schema.referential_constraints r \
             JOIN information_schema.key_column_usage k ON k.constraint_schema = \
             r.constraint_schema AND k.constraint_name = r.constraint_name \
             AND k.table_name = r.table_name WHERE r.constraint_schema = DATABASE()"
            .to_owned(),
    };
    let stmt = Statement::from_string(conn.get_database_backend(), sql);
    let text = |row: &sea_orm::QueryResult, i| row.try_get_by_index::<String>(i).expect("text");
    let in_database: BTreeSet<(String, String, String, &str)> = conn
        .query_all_raw(stmt)
        .await
        .expect("catalog")
        .iter()
        .map(|row| {
            let rule = match text(row, 3).as_str() {
                "CASCADE" => "CASCADE",
                "SET NULL" => "SET NULL",
                _ => "PROTECT",
            };
            (text(row, 0), text(row, 1), text(row, 2), rule)
        })
        .collect();
    let declared: BTreeSet<(String, String, String, &str)> = REFERENCES
        .iter()
        .map(|r| {
            let name = match backend {
                Backend::Sqlite => String::new(),
                _ => r.constraint().expect("named"),
            };
            let rule = match r.on_delete() {
                OnDelete::Cascade => "CASCADE",
                OnDelete::SetNull => "SET NULL",
                OnDelete::Protect => "PROTECT",
            };
            (
                name,
                r.child_table().to_string(),
                r.child_column().to_owned(),
                rule,
            )
        })
        .collect();
    assert_eq!(declared.len(), 7);
    assert_eq!(declared, in_database, "{backend:?}");
}
