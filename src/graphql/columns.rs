//! The columns a statement selects. Every column of a model is selected, but a
//! column that only some fields read ([`Node::read_only_by`]) is selected as
//! empty text when the operation selects none of those fields: Q1's posts level
//! read 500 bodies to return 500 titles, and every author read carried its
//! password hash. The model keeps its shape, so decoding, the joined rows and
//! every cache of a request stay as they were; the request never shows the
//! blank, because none of its fields reads it.
//!
//! What the operation selects is known before anything runs, by field name under
//! any type ([`Reads::of`]): a name read for another type keeps the column too.

use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use sea_orm::sea_query::{Alias, Expr, SelectStatement};
use sea_orm::{ColumnTrait, DbBackend, IdenStatic, Iterable, QuerySelect, Select};

use super::core::{At, Node, Reader, Reads};

impl Reads {
    /// The field names `doc` selects, in every operation and fragment (only a
    /// query reads under them; see `Executor::prepare`). Walked without recursion:
    /// the document limits bound its size, not its depth here.
    pub fn of(doc: &ExecutableDocument) -> Reads {
        let mut reads = Reads::NONE;
        let mut sets: Vec<&SelectionSet> = doc
            .operations
            .iter()
            .map(|(_, op)| &op.node.selection_set.node)
            .chain(doc.fragments.values().map(|f| &f.node.selection_set.node))
            .collect();
        while let Some(set) = sets.pop() {
            for item in &set.items {
                match &item.node {
                    Selection::Field(field) => {
                        reads.add(&field.node.name.node);
                        sets.push(&field.node.selection_set.node);
                    }
                    // Its fragment is walked once, above.
                    Selection::FragmentSpread(_) => {}
                    Selection::InlineFragment(inline) => {
                        sets.push(&inline.node.selection_set.node);
                    }
                }
            }
        }
        reads
    }
}

/// Empty text of the column's type on every backend (PostgreSQL would otherwise
/// have to guess the type of a bare literal in a subquery).
fn blank(backend: DbBackend) -> Expr {
    match backend {
        DbBackend::Postgres => Expr::cust("''::text"),
        _ => Expr::cust("''"),
    }
}

/// `E::find()`, with the columns `reader` does not read selected blank.
pub fn find<E: Node>(reader: Reader) -> Select<E> {
    if !E::Column::iter().any(|col| reader.reads.omits::<E>(col)) {
        return E::find();
    }
    // In the declared order, which decoding by position expects.
    let mut select = E::find().select_only();
    for col in E::Column::iter() {
        select = match reader.reads.omits::<E>(col) {
            true => select.column_as(blank(reader.backend), col.as_str()),
            false => select.column(col),
        };
    }
    select
}

/// Selects the columns of `T`, joined as `at`, each as `{alias}_{column}`.
pub fn select_joined<T: Node>(stmt: &mut SelectStatement, at: &At<T>, alias: &str, reader: Reader) {
    for col in T::Column::iter() {
        let name = Alias::new(format!("{alias}_{}", col.as_str()));
        let expr = match reader.reads.omits::<T>(col) {
            true => blank(reader.backend),
            false => col.select_as(at.col(col)),
        };
        stmt.expr_as(expr, name);
    }
}

#[cfg(test)]
mod tests {
    use entity::{author, comment, post};
    use sea_orm::{ColumnType, EntityTrait, QueryTrait};

    use super::*;

    fn reads(query: &str) -> Reads {
        Reads::of(&async_graphql::parser::parse_query(query).expect("parses"))
    }

    fn reader(reads: Reads) -> Reader {
        Reader {
            backend: DbBackend::Postgres,
            viewer: None,
            reads,
        }
    }

    fn sql<E: Node>(reads: Reads) -> String {
        find::<E>(reader(reads))
            .build(DbBackend::Postgres)
            .to_string()
    }

    #[test]
    fn a_field_anywhere_in_the_document_is_read() {
        let q = r#"query { posts { nodes { ...P ... on Post { comments { nodes { id } } } } } }
                   fragment P on Post { title author { username } }"#;
        let r = reads(q);
        for name in [
            "posts", "nodes", "title", "author", "username", "comments", "id",
        ] {
            assert!(r.selects(name), "{name}");
        }
        assert!(!r.omits::<post::Entity>(post::Column::Title));
        assert!(r.omits::<post::Entity>(post::Column::Body));
        assert!(r.omits::<author::Entity>(author::Column::PasswordHash));
        assert!(r.omits::<author::Entity>(author::Column::Email));

        // In a fragment, an inline fragment, or for another type: kept.
        for q in [
            "{ post(id: 1) { ...F } } fragment F on Post { body }",
            "{ node(id: 1) { ... on Post { body } } }",
            "{ comments { nodes { body } } }",
        ] {
            assert!(!reads(q).omits::<post::Entity>(post::Column::Body), "{q}");
            assert!(
                !reads(q).omits::<comment::Entity>(comment::Column::Body),
                "{q}"
            );
        }
        assert!(!Reads::ALL.omits::<author::Entity>(author::Column::PasswordHash));
    }

    #[test]
    fn a_left_out_column_is_blank_in_its_place() {
        let lean = sql::<post::Entity>(reads("{ posts { nodes { title } } }"));
        assert!(
            lean.contains(r#""posts"."slug", ''::text AS "body", "posts"."status""#),
            "{lean}"
        );
        let full = sql::<post::Entity>(reads("{ posts { nodes { title body } } }"));
        assert_eq!(
            full,
            post::Entity::find().build(DbBackend::Postgres).to_string()
        );
    }

    /// Only text columns may be left out: the blank is text.
    #[test]
    fn only_text_columns_are_declared() {
        fn text<E: Node>() {
            for (col, _) in E::read_only_by() {
                let ty = col.def().get_column_type().clone();
                assert!(
                    matches!(ty, ColumnType::String(_) | ColumnType::Text),
                    "{}: {ty:?}",
                    col.as_str()
                );
            }
        }
        text::<author::Entity>();
        text::<post::Entity>();
        text::<comment::Entity>();
        text::<entity::profile::Entity>();
    }
}
