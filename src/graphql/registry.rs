//! Every relation of the blog model, declared once. The GraphQL fields, the filter
//! hops, the derived sort keys, the counts, the delete reports and the reading of
//! constraint errors all take their columns, join table, delete rule and
//! constraint name from here. Adding a relation is one declaration here (and one
//! `fk_name`d relation in `entity`) plus its GraphQL field.

use entity::{author, category, comment, post, post_tag, profile, tag};

use super::core::{ForeignKey, ManyToMany, Reference};

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
};

/// The same, read from the tag (`Tag.posts`).
pub const TAG_POSTS: ManyToMany<post_tag::Entity, tag::Entity, post::Entity> = POST_TAGS.reversed();

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
