//! What changed between two GraphQL schemas, each change classed as graphql-js's
//! `findBreakingChanges` and `findDangerousChanges` class it: *breaking* when a
//! document that was valid against the old schema may fail against the new one
//! (a type, field, argument or enum value removed; a type made stricter where it
//! is read as input or looser where it is written as output; a required argument
//! or input field added), *dangerous* when such a document stays valid but may
//! behave differently (an enum value, optional argument or input field, union
//! member or interface added; a default changed), *safe* otherwise.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use async_graphql::parser::types::{
    BaseType, FieldDefinition, InputValueDefinition, ServiceDocument, Type, TypeDefinition,
    TypeKind, TypeSystemDefinition,
};
use async_graphql::parser::{Positioned, parse_schema};

/// How much a change can hurt a client.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Class {
    Breaking,
    Dangerous,
    Safe,
}

impl fmt::Display for Class {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `pad`, so that `{:<9}` lines the changes up.
        f.pad(match self {
            Class::Breaking => "BREAKING",
            Class::Dangerous => "DANGEROUS",
            Class::Safe => "SAFE",
        })
    }
}

/// One change: its class, its kind (graphql-js's name for it) and where it is
/// (`Type`, `Type.field`, `Type.field(arg:)`, `@directive`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Change {
    pub class: Class,
    pub kind: &'static str,
    pub at: String,
    pub detail: String,
}

impl Change {
    /// `KIND at`: how an accepted breaking change is written down.
    pub fn key(&self) -> String {
        format!("{} {}", self.kind, self.at)
    }
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:<9} {} {}", self.class, self.key(), self.detail)
    }
}

/// A schema file that does not parse.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Unreadable(String);

/// The largest SDL read: this schema's is about 40 KiB.
pub const MAX_SDL_BYTES: usize = 4 << 20;

/// The changes from `old` to `new`, most harmful first.
pub fn diff(old: &str, new: &str) -> Result<Vec<Change>, Unreadable> {
    let (old, new) = (Schema::parse(old)?, Schema::parse(new)?);
    let mut out = Changes::default();
    out.roots(&old, &new);
    for (name, was) in &old.types {
        match new.types.get(name) {
            None => out.push(Class::Breaking, "TYPE_REMOVED", name, "removed"),
            Some(now) => out.type_changes(name, was, now),
        }
    }
    for name in new.types.keys().filter(|n| !old.types.contains_key(*n)) {
        out.push(Class::Safe, "TYPE_ADDED", name, "added");
    }
    for (name, was) in &old.directives {
        let at = format!("@{name}");
        match new.directives.get(name) {
            None => out.push(Class::Breaking, "DIRECTIVE_REMOVED", &at, "removed"),
            Some(now) => {
                for loc in was.locations.difference(&now.locations) {
                    let detail = format!("no longer allowed on {loc}");
                    out.push(Class::Breaking, "DIRECTIVE_LOCATION_REMOVED", &at, &detail);
                }
                out.arguments(&at, &was.arguments, &now.arguments);
            }
        }
    }
    for name in new
        .directives
        .keys()
        .filter(|n| !old.directives.contains_key(*n))
    {
        out.push(Class::Safe, "DIRECTIVE_ADDED", &format!("@{name}"), "added");
    }
    let mut changes = out.0;
    changes.sort();
    Ok(changes)
}

/// The parts of a schema a client's documents depend on.
struct Schema {
    roots: [Option<String>; 3],
    types: BTreeMap<String, TypeDefinition>,
    directives: BTreeMap<String, Directive>,
}

struct Directive {
    locations: BTreeSet<String>,
    arguments: Vec<Positioned<InputValueDefinition>>,
}

impl Schema {
    fn parse(sdl: &str) -> Result<Schema, Unreadable> {
        if sdl.len() > MAX_SDL_BYTES {
            return Err(Unreadable(format!(
                "the schema is over {MAX_SDL_BYTES} bytes"
            )));
        }
        let doc: ServiceDocument = parse_schema(sdl).map_err(|e| Unreadable(e.to_string()))?;
        let mut schema = Schema {
            roots: [None, None, None],
            types: BTreeMap::new(),
            directives: BTreeMap::new(),
        };
        for def in doc.definitions {
            match def {
                TypeSystemDefinition::Schema(s) => {
                    let s = s.node;
                    let name =
                        |t: Option<Positioned<async_graphql::Name>>| t.map(|n| n.node.to_string());
                    schema.roots = [name(s.query), name(s.mutation), name(s.subscription)];
                }
                TypeSystemDefinition::Type(t) => {
                    let t = t.node;
                    schema.types.insert(t.name.node.to_string(), t);
                }
                TypeSystemDefinition::Directive(d) => {
                    let d = d.node;
                    let locations = d
                        .locations
                        .iter()
                        .map(|l| format!("{:?}", l.node))
                        .collect();
                    schema.directives.insert(
                        d.name.node.to_string(),
                        Directive {
                            locations,
                            arguments: d.arguments,
                        },
                    );
                }
            }
        }
        // Without a schema definition the roots are the types so named.
        if schema.roots.iter().all(Option::is_none) {
            let named = |n: &str| schema.types.contains_key(n).then(|| n.to_owned());
            schema.roots = [named("Query"), named("Mutation"), named("Subscription")];
        }
        Ok(schema)
    }
}

#[derive(Default)]
struct Changes(Vec<Change>);

impl Changes {
    fn push(&mut self, class: Class, kind: &'static str, at: &str, detail: &str) {
        self.0.push(Change {
            class,
            kind,
            at: at.to_owned(),
            detail: detail.to_owned(),
        });
    }

    fn roots(&mut self, old: &Schema, new: &Schema) {
        let ops = ["query", "mutation", "subscription"];
        for ((op, was), now) in ops.iter().zip(&old.roots).zip(&new.roots) {
            if let Some(was) = was
                && now.as_ref() != Some(was)
            {
                let detail = match now {
                    Some(now) => format!("the {op} root type is now {now} (was {was})"),
                    None => format!("there is no {op} root type (was {was})"),
                };
                self.push(Class::Breaking, "ROOT_TYPE_CHANGED", op, &detail);
            }
        }
    }

    fn type_changes(&mut self, name: &str, was: &TypeDefinition, now: &TypeDefinition) {
        match (&was.kind, &now.kind) {
            (TypeKind::Scalar, TypeKind::Scalar) => {}
            (TypeKind::Object(a), TypeKind::Object(b)) => {
                self.interfaces(name, &a.implements, &b.implements);
                self.fields(name, &a.fields, &b.fields);
            }
            (TypeKind::Interface(a), TypeKind::Interface(b)) => {
                self.interfaces(name, &a.implements, &b.implements);
                self.fields(name, &a.fields, &b.fields);
            }
            (TypeKind::Union(a), TypeKind::Union(b)) => {
                let names = |m: &[Positioned<async_graphql::Name>]| -> BTreeSet<String> {
                    m.iter().map(|n| n.node.to_string()).collect()
                };
                let (a, b) = (names(&a.members), names(&b.members));
                for m in a.difference(&b) {
                    let detail = format!("{m} removed from the union");
                    self.push(Class::Breaking, "TYPE_REMOVED_FROM_UNION", name, &detail);
                }
                for m in b.difference(&a) {
                    let detail = format!("{m} added to the union");
                    self.push(Class::Dangerous, "TYPE_ADDED_TO_UNION", name, &detail);
                }
            }
            (TypeKind::Enum(a), TypeKind::Enum(b)) => {
                let names = |e: &async_graphql::parser::types::EnumType| -> BTreeSet<String> {
                    e.values
                        .iter()
                        .map(|v| v.node.value.node.to_string())
                        .collect()
                };
                let (a, b) = (names(a), names(b));
                for v in a.difference(&b) {
                    let at = format!("{name}.{v}");
                    self.push(Class::Breaking, "VALUE_REMOVED_FROM_ENUM", &at, "removed");
                }
                for v in b.difference(&a) {
                    let at = format!("{name}.{v}");
                    self.push(Class::Dangerous, "VALUE_ADDED_TO_ENUM", &at, "added");
                }
            }
            (TypeKind::InputObject(a), TypeKind::InputObject(b)) => {
                self.inputs("INPUT_FIELD", &a.fields, &b.fields, |n| {
                    format!("{name}.{n}")
                });
            }
            _ => {
                let detail = format!("was {}, is {}", kind_name(&was.kind), kind_name(&now.kind));
                self.push(Class::Breaking, "TYPE_CHANGED_KIND", name, &detail);
            }
        }
    }

    fn interfaces(
        &mut self,
        name: &str,
        was: &[Positioned<async_graphql::Name>],
        now: &[Positioned<async_graphql::Name>],
    ) {
        let names = |l: &[Positioned<async_graphql::Name>]| -> BTreeSet<String> {
            l.iter().map(|n| n.node.to_string()).collect()
        };
        let (was, now) = (names(was), names(now));
        for i in was.difference(&now) {
            let detail = format!("no longer implements {i}");
            self.push(
                Class::Breaking,
                "IMPLEMENTED_INTERFACE_REMOVED",
                name,
                &detail,
            );
        }
        for i in now.difference(&was) {
            let detail = format!("now implements {i}");
            self.push(
                Class::Dangerous,
                "IMPLEMENTED_INTERFACE_ADDED",
                name,
                &detail,
            );
        }
    }

    fn fields(
        &mut self,
        name: &str,
        was: &[Positioned<FieldDefinition>],
        now: &[Positioned<FieldDefinition>],
    ) {
        for old in was {
            let old = &old.node;
            let at = format!("{name}.{}", old.name.node);
            let Some(new) = now.iter().find(|f| f.node.name.node == old.name.node) else {
                self.push(Class::Breaking, "FIELD_REMOVED", &at, "removed");
                continue;
            };
            let new = &new.node;
            let (a, b) = (&old.ty.node, &new.ty.node);
            if a != b {
                let (class, kind) = if fits(b, a) {
                    (Class::Safe, "FIELD_TYPE_NARROWED")
                } else {
                    (Class::Breaking, "FIELD_CHANGED_KIND")
                };
                self.push(class, kind, &at, &format!("was {a}, is {b}"));
            }
            self.arguments(&at, &old.arguments, &new.arguments);
        }
        for new in now {
            if !was.iter().any(|f| f.node.name.node == new.node.name.node) {
                let at = format!("{name}.{}", new.node.name.node);
                self.push(Class::Safe, "FIELD_ADDED", &at, "added");
            }
        }
    }

    fn arguments(
        &mut self,
        at: &str,
        was: &[Positioned<InputValueDefinition>],
        now: &[Positioned<InputValueDefinition>],
    ) {
        self.inputs("ARG", was, now, |n| format!("{at}({n}:)"));
    }

    /// Arguments or input fields (`what`: `ARG` or `INPUT_FIELD`), read as input:
    /// stricter is breaking, looser is safe.
    fn inputs(
        &mut self,
        what: &'static str,
        was: &[Positioned<InputValueDefinition>],
        now: &[Positioned<InputValueDefinition>],
        place: impl Fn(&str) -> String,
    ) {
        let kinds = match what {
            "ARG" => InputKinds::ARG,
            _ => InputKinds::FIELD,
        };
        for old in was {
            let old = &old.node;
            let at = place(&old.name.node);
            let Some(new) = now.iter().find(|v| v.node.name.node == old.name.node) else {
                self.push(Class::Breaking, kinds.removed, &at, "removed");
                continue;
            };
            let new = &new.node;
            let (a, b) = (&old.ty.node, &new.ty.node);
            if a != b {
                let class = if fits(a, b) {
                    Class::Safe
                } else {
                    Class::Breaking
                };
                self.push(class, kinds.changed, &at, &format!("was {a}, is {b}"));
            }
            let (da, db) = (
                old.default_value.as_ref().map(|v| v.node.to_string()),
                new.default_value.as_ref().map(|v| v.node.to_string()),
            );
            if da.is_some() && da != db {
                let detail = format!(
                    "default was {}, is {}",
                    da.unwrap_or_default(),
                    db.unwrap_or_else(|| "none".to_owned())
                );
                self.push(Class::Dangerous, kinds.default_changed, &at, &detail);
            }
        }
        for new in now {
            let new = &new.node;
            if was.iter().any(|v| v.node.name.node == new.name.node) {
                continue;
            }
            let at = place(&new.name.node);
            if !new.ty.node.nullable && new.default_value.is_none() {
                self.push(
                    Class::Breaking,
                    kinds.required_added,
                    &at,
                    "added, required",
                );
            } else {
                self.push(
                    Class::Dangerous,
                    kinds.optional_added,
                    &at,
                    "added, optional",
                );
            }
        }
    }
}

/// graphql-js's names for the changes of an argument or an input field.
struct InputKinds {
    removed: &'static str,
    changed: &'static str,
    default_changed: &'static str,
    required_added: &'static str,
    optional_added: &'static str,
}

impl InputKinds {
    const ARG: InputKinds = InputKinds {
        removed: "ARG_REMOVED",
        changed: "ARG_CHANGED_KIND",
        default_changed: "ARG_DEFAULT_VALUE_CHANGE",
        required_added: "REQUIRED_ARG_ADDED",
        optional_added: "OPTIONAL_ARG_ADDED",
    };
    const FIELD: InputKinds = InputKinds {
        removed: "INPUT_FIELD_REMOVED",
        changed: "INPUT_FIELD_CHANGED_KIND",
        default_changed: "INPUT_FIELD_DEFAULT_VALUE_CHANGE",
        required_added: "REQUIRED_INPUT_FIELD_ADDED",
        optional_added: "OPTIONAL_INPUT_FIELD_ADDED",
    };
}

fn kind_name(kind: &TypeKind) -> &'static str {
    match kind {
        TypeKind::Scalar => "a scalar",
        TypeKind::Object(_) => "an object type",
        TypeKind::Interface(_) => "an interface",
        TypeKind::Union(_) => "a union",
        TypeKind::Enum(_) => "an enum",
        TypeKind::InputObject(_) => "an input type",
    }
}

/// Whether every value of type `value` is a value of type `slot`: the same type,
/// or one with a non-null where `slot` has a nullable, at any level. A field's new
/// type must fit its old one (readers expect the old); an argument's old type must
/// fit its new one (writers send the old).
fn fits(value: &Type, slot: &Type) -> bool {
    (slot.nullable || !value.nullable)
        && match (&value.base, &slot.base) {
            (BaseType::Named(a), BaseType::Named(b)) => a == b,
            (BaseType::List(a), BaseType::List(b)) => fits(a, b),
            _ => false,
        }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OLD: &str = r#"
        schema { query: Query mutation: Mutation }
        interface Node { nodeId: ID! }
        type Query { post(id: ID!): Post posts(first: Int = 20): [Post!]! node(id: ID!): Node }
        type Mutation { rename(id: ID!, title: String!): Post }
        type Post implements Node { nodeId: ID! title: String! body: String tags: [String]! }
        type Tag { name: String! }
        union Result = Post | Tag
        enum Status { DRAFT PUBLISHED }
        input PostFilter { title: String status: Status! }
        directive @cached(ttl: Int) on FIELD_DEFINITION | OBJECT
    "#;

    fn changes(new: &str) -> Vec<String> {
        diff(OLD, new)
            .expect("both parse")
            .into_iter()
            .map(|c| format!("{} {}", c.class, c.key()))
            .collect()
    }

    #[test]
    fn the_same_schema_has_no_changes() {
        assert_eq!(changes(OLD), Vec::<String>::new());
        // Descriptions, order and the schema definition's absence change nothing.
        let reordered = OLD
            .replace("schema { query: Query mutation: Mutation }", "")
            .replace(
                "type Tag { name: String! }",
                "\"\"\"A tag.\"\"\" type Tag { name: String! }",
            );
        assert_eq!(changes(&reordered), Vec::<String>::new());
    }

    #[test]
    fn each_change_is_classed_as_graphql_js_classes_it() {
        let new = r#"
            schema { query: Query mutation: Mutation }
            interface Node { nodeId: ID! }
            type Query { post(id: ID!, draft: Boolean!): Post posts(first: Int = 50, after: String): [Post!] node(id: ID!): Node }
            type Mutation { rename(id: ID!, title: String): Post! }
            type Post implements Node { nodeId: ID! title: String body: String! tags: [String!]! author: String }
            type Label { name: String! }
            union Result = Post
            enum Status { DRAFT PUBLISHED ARCHIVED }
            input PostFilter { status: Status! title: [String] slug: String }
            directive @cached(ttl: Int, scope: String!) on FIELD_DEFINITION
        "#;
        assert_eq!(
            changes(new),
            [
                "BREAKING DIRECTIVE_LOCATION_REMOVED @cached",
                "BREAKING FIELD_CHANGED_KIND Post.title",
                "BREAKING FIELD_CHANGED_KIND Query.posts",
                "BREAKING INPUT_FIELD_CHANGED_KIND PostFilter.title",
                "BREAKING REQUIRED_ARG_ADDED @cached(scope:)",
                "BREAKING REQUIRED_ARG_ADDED Query.post(draft:)",
                "BREAKING TYPE_REMOVED Tag",
                "BREAKING TYPE_REMOVED_FROM_UNION Result",
                "DANGEROUS ARG_DEFAULT_VALUE_CHANGE Query.posts(first:)",
                "DANGEROUS OPTIONAL_ARG_ADDED Query.posts(after:)",
                "DANGEROUS OPTIONAL_INPUT_FIELD_ADDED PostFilter.slug",
                "DANGEROUS VALUE_ADDED_TO_ENUM Status.ARCHIVED",
                "SAFE ARG_CHANGED_KIND Mutation.rename(title:)",
                "SAFE FIELD_ADDED Post.author",
                "SAFE FIELD_TYPE_NARROWED Mutation.rename",
                "SAFE FIELD_TYPE_NARROWED Post.body",
                "SAFE FIELD_TYPE_NARROWED Post.tags",
                "SAFE TYPE_ADDED Label",
            ]
        );
    }

    #[test]
    fn removals_kinds_and_roots() {
        let new = r#"
            schema { query: Root }
            type Root { post(id: ID!): Post }
            type Post { title: String! body: String tags: [String]! }
            scalar Tag
            union Result = Post
            enum Status { DRAFT }
            input PostFilter { title: String status: Status! }
            type Node { nodeId: ID! }
        "#;
        let got = changes(new);
        for want in [
            "BREAKING ROOT_TYPE_CHANGED query",
            "BREAKING ROOT_TYPE_CHANGED mutation",
            "BREAKING TYPE_REMOVED Query",
            "BREAKING TYPE_REMOVED Mutation",
            "BREAKING TYPE_CHANGED_KIND Tag",
            "BREAKING TYPE_CHANGED_KIND Node",
            "BREAKING IMPLEMENTED_INTERFACE_REMOVED Post",
            "BREAKING FIELD_REMOVED Post.nodeId",
            "BREAKING VALUE_REMOVED_FROM_ENUM Status.PUBLISHED",
            "BREAKING DIRECTIVE_REMOVED @cached",
            "SAFE TYPE_ADDED Root",
        ] {
            assert!(got.contains(&want.to_owned()), "{want} not in {got:#?}");
        }
    }

    #[test]
    fn a_file_that_is_not_sdl_is_refused() {
        assert!(diff("type {", OLD).is_err());
        assert!(diff(&"#".repeat(MAX_SDL_BYTES + 1), OLD).is_err());
    }
}
