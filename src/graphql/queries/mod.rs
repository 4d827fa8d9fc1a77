//! The root query, laid out as the mutations are: lookups and lists of every type
//! (`lookups.rs`), and the group-by results (`groups.rs`), merged into `Root`.

mod groups;
mod lookups;
mod nodes;

pub use lookups::Query;

/// The root query: lookups, lists and aggregates, Relay's `node`, and the
/// group-by results.
// Named `Query` in the schema, as Relay, codegen tools and most documents assume.
#[derive(async_graphql::MergedObject, Default)]
#[graphql(name = "Query")]
pub struct Root(Query, nodes::NodeQuery, groups::GroupQuery);
