//! SeaORM entities of the blog model described in `docs/model.md`.
//!
//! Three relation kinds, as Django names them:
//! - one-to-one: [`author`] ↔ [`profile`] (`profiles.author_id` is unique);
//! - one-to-many: author → posts, category → posts, post → comments, author → comments;
//! - many-to-many: [`post`] ↔ [`tag`] through [`post_tag`], which carries `tagged_at`.

pub mod author;
pub mod category;
pub mod comment;
pub mod post;
pub mod post_tag;
pub mod profile;
pub mod tag;

pub mod prelude {
    pub use super::author::Entity as Author;
    pub use super::category::Entity as Category;
    pub use super::comment::Entity as Comment;
    pub use super::post::Entity as Post;
    pub use super::post_tag::Entity as PostTag;
    pub use super::profile::Entity as Profile;
    pub use super::tag::Entity as Tag;
}
