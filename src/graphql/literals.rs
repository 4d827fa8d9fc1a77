//! Literal values checked against the types the schema gives them, where
//! async-graphql 7 is laxer than the spec: its enum input accepts a string, so
//! `orderBy: { field: "TITLE" }` would run. The spec's "Values of Correct Type"
//! rule says an enum literal is a name (`TITLE`), never a string; a string in a
//! variable is how JSON spells an enum and stays accepted.
//!
//! The types come from the schema's own SDL, indexed once at start.

use std::collections::{HashMap, HashSet};

use async_graphql::ServerError;
use async_graphql::parser::types::{
    BaseType, DocumentOperations, ExecutableDocument, OperationType, Selection, SelectionSet, Type,
    TypeKind, TypeSystemDefinition,
};
use async_graphql_value::{ConstValue, Value};

use crate::error::Code;

/// The argument and input field types of a schema, and which types are enums.
#[derive(Debug)]
pub struct TypeIndex {
    /// (object type, field) → its arguments' types and the type it returns.
    fields: HashMap<(String, String), (HashMap<String, Type>, String)>,
    /// (input type, field) → the field's type.
    inputs: HashMap<(String, String), Type>,
    enums: HashSet<String>,
    /// The root types of queries, mutations and subscriptions, in that order.
    roots: [String; 3],
}

impl TypeIndex {
    /// Indexes the SDL async-graphql prints for a schema.
    pub fn from_sdl(sdl: &str) -> Self {
        let mut index = TypeIndex {
            fields: HashMap::new(),
            inputs: HashMap::new(),
            enums: HashSet::new(),
            roots: ["Query".into(), "Mutation".into(), "Subscription".into()],
        };
        let Ok(doc) = async_graphql::parser::parse_schema(sdl) else {
            tracing::error!("the schema's SDL does not parse: literals go unchecked");
            return index;
        };
        for definition in doc.definitions {
            let ty = match definition {
                TypeSystemDefinition::Type(ty) => ty,
                TypeSystemDefinition::Schema(schema) => {
                    let schema = schema.node;
                    for (root, name) in [schema.query, schema.mutation, schema.subscription]
                        .into_iter()
                        .enumerate()
                    {
                        if let Some(name) = name {
                            index.roots[root] = name.node.to_string();
                        }
                    }
                    continue;
                }
                TypeSystemDefinition::Directive(_) => continue,
            };
            let ty = ty.node;
            let name = ty.name.node.to_string();
            match ty.kind {
                TypeKind::Object(object) => {
                    for field in object.fields {
                        let field = field.node;
                        let arguments = field
                            .arguments
                            .into_iter()
                            .map(|a| (a.node.name.node.to_string(), a.node.ty.node))
                            .collect();
                        let returns = base_name(&field.ty.node).to_owned();
                        index.fields.insert(
                            (name.clone(), field.name.node.to_string()),
                            (arguments, returns),
                        );
                    }
                }
                TypeKind::InputObject(input) => {
                    for field in input.fields {
                        let field = field.node;
                        index
                            .inputs
                            .insert((name.clone(), field.name.node.to_string()), field.ty.node);
                    }
                }
                TypeKind::Enum(_) => {
                    index.enums.insert(name);
                }
                _ => {}
            }
        }
        index
    }

    /// The first string literal standing where an enum belongs, as a validation error.
    pub fn check(&self, doc: &ExecutableDocument) -> Result<(), ServerError> {
        let operations: Vec<_> = match &doc.operations {
            DocumentOperations::Single(op) => vec![&op.node],
            DocumentOperations::Multiple(ops) => ops.values().map(|op| &op.node).collect(),
        };
        for op in operations {
            for var in &op.variable_definitions {
                if let Some(default) = &var.node.default_value {
                    self.constant(&default.node, &var.node.var_type.node)?;
                }
            }
            let root = match op.ty {
                OperationType::Query => &self.roots[0],
                OperationType::Mutation => &self.roots[1],
                OperationType::Subscription => &self.roots[2],
            };
            self.selections(&op.selection_set.node, root)?;
        }
        for fragment in doc.fragments.values() {
            let on = fragment.node.type_condition.node.on.node.as_str();
            self.selections(&fragment.node.selection_set.node, on)?;
        }
        Ok(())
    }

    fn selections(&self, set: &SelectionSet, parent: &str) -> Result<(), ServerError> {
        for item in &set.items {
            match &item.node {
                Selection::Field(field) => {
                    let key = (parent.to_owned(), field.node.name.node.to_string());
                    // Unknown fields are validation's to report.
                    let Some((arguments, returns)) = self.fields.get(&key) else {
                        continue;
                    };
                    for (name, value) in &field.node.arguments {
                        if let Some(ty) = arguments.get(name.node.as_str()) {
                            self.value(&value.node, ty)?;
                        }
                    }
                    self.selections(&field.node.selection_set.node, returns)?;
                }
                Selection::InlineFragment(inline) => {
                    let on = inline
                        .node
                        .type_condition
                        .as_ref()
                        .map_or(parent, |c| c.node.on.node.as_str());
                    self.selections(&inline.node.selection_set.node, on)?;
                }
                Selection::FragmentSpread(_) => {}
            }
        }
        Ok(())
    }

    fn value(&self, value: &Value, ty: &Type) -> Result<(), ServerError> {
        match (value, &ty.base) {
            (Value::List(items), BaseType::List(item)) => {
                items.iter().try_for_each(|v| self.value(v, item))
            }
            // A single value where a list belongs is a list of one.
            (_, BaseType::List(item)) => self.value(value, item),
            (Value::String(text), BaseType::Named(name)) if self.enums.contains(name.as_str()) => {
                Err(not_enum(name, text))
            }
            (Value::Object(fields), BaseType::Named(name)) => {
                for (field, value) in fields {
                    let key = (name.to_string(), field.to_string());
                    if let Some(ty) = self.inputs.get(&key) {
                        self.value(value, ty)?;
                    }
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    fn constant(&self, value: &ConstValue, ty: &Type) -> Result<(), ServerError> {
        self.value(&value.clone().into_value(), ty)
    }
}

fn base_name(ty: &Type) -> &str {
    match &ty.base {
        BaseType::Named(name) => name.as_str(),
        BaseType::List(item) => base_name(item),
    }
}

fn not_enum(ty: &str, text: &str) -> ServerError {
    let mut err = ServerError::new(
        format!(
            "Enum \"{ty}\" cannot represent non-enum value: \"{text}\". Did you mean the enum value {text}?"
        ),
        None,
    );
    let mut ext = async_graphql::ErrorExtensionValues::default();
    ext.set("code", Code::GraphqlValidationFailed);
    err.extensions = Some(ext);
    err
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(source: &str) -> Result<(), String> {
        let index = TypeIndex::from_sdl(&crate::graphql::sdl());
        let doc = async_graphql::parser::parse_query(source).expect("parses");
        index.check(&doc).map_err(|e| e.message)
    }

    #[test]
    fn strings_are_no_enum_literals() {
        assert!(check("{ posts(orderBy: [{ field: TITLE }]) { totalCount } }").is_ok());
        assert!(check("{ posts(orderBy: [{ field: \"TITLE\" }]) { totalCount } }").is_err());
        assert!(check("{ posts(orderBy: { field: \"TITLE\" }) { totalCount } }").is_err());
        assert!(
            check("{ posts(filter: { status: { in: [PUBLISHED, \"DRAFT\"] } }) { totalCount } }")
                .is_err()
        );
        assert!(
            check("{ author(username: \"alice\") { posts(orderBy: [{ field: \"TITLE\" }]) { totalCount } } }")
                .is_err()
        );
        assert!(
            check("query($o: [PostOrder!] = [{ field: \"TITLE\" }]) { posts(orderBy: $o) { totalCount } }")
                .is_err()
        );
        assert!(
            check("{ ...F } fragment F on Query { posts(orderBy: [{ field: \"TITLE\" }]) { totalCount } }")
                .is_err()
        );
        // Strings where strings belong, and variables, are left alone.
        assert!(check("query($f: PostOrderField!) { posts(filter: { title: { eq: \"TITLE\" } }, orderBy: [{ field: $f }]) { totalCount } }").is_ok());
    }
}
