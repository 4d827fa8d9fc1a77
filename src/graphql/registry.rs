//! Every relation of the blog model, declared once. The GraphQL fields, the filter
//! hops, the derived sort keys, the counts, the delete reports and the reading of
//! constraint errors all take their columns, join table, delete rule and
//! constraint name from here. Adding a relation is one declaration here (and one
//! `fk_name`d relation in `entity`) plus its GraphQL field.

use entity::{author, category, comment, post, post_tag, profile, tag};

use super::core::{Fanout, ForeignKey, JoinedCount, ManyToMany, Reference, ToOne};
use super::joins::{BelongsTo, Counts, HasOne, LinkCounts};
use crate::media::{FileColumn, Files};

/// Profile → author, unique: the one-to-one (`Author.profile` is its has-one side).
pub const PROFILE_AUTHOR: ForeignKey<profile::Entity, author::Entity> =
    ForeignKey::new(profile::Column::AuthorId, "author");

/// Post → author (`Author.posts`).
pub const POST_AUTHOR: ForeignKey<post::Entity, author::Entity> =
    ForeignKey::new(post::Column::AuthorId, "author");

/// Post → category, nullable (`Category.posts`).
pub const POST_CATEGORY: ForeignKey<post::Entity, category::Entity> =
    ForeignKey::new(post::Column::CategoryId, "categoryId");

/// Comment → post (`Post.comments`).
pub const COMMENT_POST: ForeignKey<comment::Entity, post::Entity> =
    ForeignKey::new(comment::Column::PostId, "postId");

/// Comment → author, nullable (`Author.comments`).
pub const COMMENT_AUTHOR: ForeignKey<comment::Entity, author::Entity> =
    ForeignKey::new(comment::Column::AuthorId, "author");

/// Post ↔ tag through `post_tags`, read from the post (`Post.tags`).
pub const POST_TAGS: ManyToMany<post_tag::Entity, post::Entity, tag::Entity> = ManyToMany {
    from: ForeignKey::new(post_tag::Column::PostId, "postId"),
    to: ForeignKey::new(post_tag::Column::TagId, "tagIds"),
    link: "PostTag",
    // A post carries a handful of tags; a tag can label thousands of posts.
    fanout: Fanout::Few,
    back: Fanout::Many,
};

/// The same, read from the tag (`Tag.posts`).
pub const TAG_POSTS: ManyToMany<post_tag::Entity, tag::Entity, post::Entity> = POST_TAGS.reversed();

/// The profile's avatar (Django's `ImageField(upload_to='avatars/')`).
pub const PROFILE_AVATAR: FileColumn<profile::Entity> = FileColumn {
    column: profile::Column::Avatar,
    folder: "avatars",
    label: "AvatarFile",
};

/// Every column holding stored files: a delete reports and removes the files only
/// its rows held.
pub const FILES: [&dyn Files; 1] = [&PROFILE_AVATAR];

/// The to-one relations a statement reading each type's rows may join
/// (`graphql::joins`), with the GraphQL field that reads each: its `Node::to_one`.
pub static POST_TO_ONE: [&dyn ToOne<post::Entity>; 2] = [
    &BelongsTo {
        fk: POST_AUTHOR,
        field: "author",
    },
    &BelongsTo {
        fk: POST_CATEGORY,
        field: "category",
    },
];
pub static COMMENT_TO_ONE: [&dyn ToOne<comment::Entity>; 2] = [
    &BelongsTo {
        fk: COMMENT_POST,
        field: "post",
    },
    &BelongsTo {
        fk: COMMENT_AUTHOR,
        field: "author",
    },
];
pub static AUTHOR_TO_ONE: [&dyn ToOne<author::Entity>; 1] = [&HasOne {
    fk: PROFILE_AUTHOR,
    field: "profile",
}];
pub static PROFILE_TO_ONE: [&dyn ToOne<profile::Entity>; 1] = [&BelongsTo {
    fk: PROFILE_AUTHOR,
    field: "author",
}];

/// The unfiltered counts a statement reading each type's rows may select
/// (`graphql::joins`), with the GraphQL field that reads each: its `Node::counts`.
pub static POST_COUNTS: [&dyn JoinedCount<post::Entity>; 2] = [
    &Counts {
        fk: COMMENT_POST,
        field: "commentCount",
    },
    &LinkCounts {
        link_rows: POST_TAGS,
        field: "tagCount",
    },
];
pub static AUTHOR_COUNTS: [&dyn JoinedCount<author::Entity>; 1] = [&Counts {
    fk: POST_AUTHOR,
    field: "postCount",
}];
pub static CATEGORY_COUNTS: [&dyn JoinedCount<category::Entity>; 1] = [&Counts {
    fk: POST_CATEGORY,
    field: "postCount",
}];
pub static TAG_COUNTS: [&dyn JoinedCount<tag::Entity>; 1] = [&LinkCounts {
    link_rows: TAG_POSTS,
    field: "postCount",
}];

/// Every foreign key of the model, each once: for a delete report, parents before
/// children and cascades in the order they are reported.
pub const REFERENCES: [&dyn Reference; 7] = [
    &PROFILE_AUTHOR,
    &POST_AUTHOR,
    &POST_CATEGORY,
    &COMMENT_POST,
    &COMMENT_AUTHOR,
    &POST_TAGS,
    &TAG_POSTS,
];

#[cfg(test)]
mod tests {
    use sea_orm::{EntityTrait, IdenStatic, Identity, Related};

    use super::*;
    use crate::graphql::core::{Node, OnDelete};

    /// The typed column agrees with SeaORM's declaration, which names the
    /// constraint and its rule.
    fn declared<C: EntityTrait + Related<P>, P: Node>(fk: ForeignKey<C, P>) -> (String, OnDelete) {
        let def = fk.def();
        let Identity::Unary(from) = &def.from_col else {
            panic!("a composite key in {}", C::default().table_name());
        };
        assert_eq!(from.to_string(), fk.column.as_str());
        let Identity::Unary(to) = &def.to_col else {
            panic!("a composite key in {}", P::default().table_name());
        };
        assert_eq!(to.to_string(), P::ID.as_str());
        (
            fk.constraint()
                .expect("every relation names its constraint"),
            fk.on_delete(),
        )
    }

    /// The fields of each object type in the SDL, with how many arguments each takes.
    fn sdl_fields() -> Result<Vec<(String, String, usize)>, async_graphql::parser::Error> {
        use async_graphql::parser::parse_schema;
        use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};
        let doc = parse_schema(crate::graphql::sdl())?;
        let mut fields = Vec::new();
        for def in doc.definitions {
            let TypeSystemDefinition::Type(ty) = def else {
                continue;
            };
            if let TypeKind::Object(object) = &ty.node.kind {
                for field in &object.fields {
                    fields.push((
                        ty.node.name.node.to_string(),
                        field.node.name.node.to_string(),
                        field.node.arguments.len(),
                    ));
                }
            }
        }
        Ok(fields)
    }

    fn joined_fields<E: Node>() -> Vec<(String, String, usize)> {
        E::to_one()
            .iter()
            .map(|rel| (E::NAME.to_owned(), rel.field().to_owned(), 0))
            .collect()
    }

    /// A joined relation is found by its field's name in the selection: the field
    /// must exist on its type, and take no argument that could change its row.
    #[test]
    fn every_joined_relation_is_a_field_without_arguments() -> Result<(), Box<dyn std::error::Error>>
    {
        use entity::{author, comment, post, profile};
        let fields = sdl_fields()?;
        let joined = [
            joined_fields::<post::Entity>(),
            joined_fields::<comment::Entity>(),
            joined_fields::<author::Entity>(),
            joined_fields::<profile::Entity>(),
        ]
        .concat();
        assert_eq!(joined.len(), 6);
        for field in joined {
            assert!(fields.contains(&field), "{field:?} is not in the SDL");
        }
        Ok(())
    }

    #[test]
    fn every_relation_names_its_constraint_and_rule() {
        let declared = [
            declared(PROFILE_AUTHOR),
            declared(POST_AUTHOR),
            declared(POST_CATEGORY),
            declared(COMMENT_POST),
            declared(COMMENT_AUTHOR),
            declared(POST_TAGS.from),
            declared(POST_TAGS.to),
        ];
        let expected = [
            ("fk_profiles_author_id", OnDelete::Cascade),
            ("fk_posts_author_id", OnDelete::Cascade),
            ("fk_posts_category_id", OnDelete::SetNull),
            ("fk_comments_post_id", OnDelete::Cascade),
            ("fk_comments_author_id", OnDelete::SetNull),
            ("fk_post_tags_post_id", OnDelete::Cascade),
            ("fk_post_tags_tag_id", OnDelete::Protect),
        ];
        for ((name, rule), (want, want_rule)) in declared.iter().zip(expected) {
            assert_eq!((name.as_str(), *rule), (want, want_rule));
        }
        // Each key is listed once for the walks over all of them.
        let mut listed: Vec<_> = REFERENCES.iter().filter_map(|r| r.constraint()).collect();
        listed.sort();
        listed.dedup();
        assert_eq!(listed.len(), declared.len());
    }
}
