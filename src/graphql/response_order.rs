//! Response maps written in the order their fields were requested.
//!
//! The GraphQL spec (§7.1.2 Serialized Map Ordering; §6.3.2 CollectFields) asks for
//! each response map to list its entries in the order the fields were requested,
//! fragments expanded where they stand. async-graphql 7 resolves the fields of an
//! object concurrently and writes each as it finishes, so a field whose loader
//! answers later comes later, and the order varies between identical requests. A
//! [`Plan`] is the requested order of one operation, computed once from the document
//! before it runs; [`Plan::apply`] puts every map of the answer into it.
//!
//! The schema has no interfaces or unions, so every fragment that validates applies to
//! the object it is spread in, and type conditions play no part in the order.

use rustc_hash::FxHashMap;

use async_graphql::parser::types::{
    Directive, ExecutableDocument, OperationDefinition, Selection, SelectionSet,
};
use async_graphql::{Name, Positioned, Value, Variables};
// The parser's value type: a literal that may be a variable.
use async_graphql_value::Value as Literal;

/// The requested order of the response keys of one selection set, and the plan of
/// each key's own selection (merged over every field with that key).
/// Keys are hashed with FxHash: every key of every map of an answer is looked up
/// (SipHash made this a twentieth of a large nested query's instructions), and the
/// keys come from a document that passed the limits on its size.
#[derive(Debug, Default)]
pub struct Plan {
    position: FxHashMap<Name, usize>,
    children: Vec<Option<Plan>>,
}

impl Plan {
    /// The plan of `operation`, one of `doc`'s.
    pub fn of(
        doc: &ExecutableDocument,
        operation: &OperationDefinition,
        variables: &Variables,
    ) -> Plan {
        let walk = Walk {
            doc,
            operation,
            variables,
        };
        walk.plan(&[&operation.selection_set.node])
    }

    /// Puts every map of `value` (the operation's `data`) in the requested order.
    pub fn apply(&self, value: &mut Value) {
        match value {
            Value::List(items) => items.iter_mut().for_each(|item| self.apply(item)),
            Value::Object(map) => {
                // Keys the plan does not know (none, for a validated operation) go last.
                let at = |key: &Name| self.position.get(key).copied().unwrap_or(usize::MAX);
                if !map.keys().map(at).is_sorted() {
                    map.sort_by(|a, _, b, _| at(a).cmp(&at(b)));
                }
                for (key, value) in map.iter_mut() {
                    if let Some(Some(child)) = self.position.get(key).map(|&i| &self.children[i]) {
                        child.apply(value);
                    }
                }
            }
            _ => {}
        }
    }
}

/// What collecting the fields of one operation reads.
struct Walk<'a> {
    doc: &'a ExecutableDocument,
    operation: &'a OperationDefinition,
    variables: &'a Variables,
}

impl<'a> Walk<'a> {
    /// The plan of the fields `sets` select together (the sets of every field that
    /// shares one response key).
    fn plan(&self, sets: &[&'a SelectionSet]) -> Plan {
        let mut keys: Vec<(Name, Vec<&'a SelectionSet>)> = Vec::new();
        let mut position = FxHashMap::default();
        let mut spreading = Vec::new();
        for set in sets {
            self.collect(set, &mut keys, &mut position, &mut spreading);
        }
        let children = keys
            .iter()
            .map(|(_, sets)| (!sets.is_empty()).then(|| self.plan(sets)))
            .collect();
        Plan { position, children }
    }

    /// CollectFields: response keys in the order they first appear, fragments
    /// expanded in place, fields that `@skip`/`@include` leave out left out.
    fn collect(
        &self,
        set: &'a SelectionSet,
        keys: &mut Vec<(Name, Vec<&'a SelectionSet>)>,
        position: &mut FxHashMap<Name, usize>,
        spreading: &mut Vec<&'a str>,
    ) {
        for selection in &set.items {
            match &selection.node {
                Selection::Field(field) => {
                    if !self.included(&field.node.directives) {
                        continue;
                    }
                    let key = field.node.response_key().node.clone();
                    let i = *position.entry(key.clone()).or_insert_with(|| {
                        keys.push((key, Vec::new()));
                        keys.len() - 1
                    });
                    if !field.node.selection_set.node.items.is_empty() {
                        keys[i].1.push(&field.node.selection_set.node);
                    }
                }
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    // A cycle does not validate; it must not loop here either.
                    if !self.included(&spread.node.directives) || spreading.contains(&name) {
                        continue;
                    }
                    if let Some(fragment) = self.doc.fragments.get(name) {
                        spreading.push(name);
                        self.collect(&fragment.node.selection_set.node, keys, position, spreading);
                        spreading.pop();
                    }
                }
                Selection::InlineFragment(inline) => {
                    if self.included(&inline.node.directives) {
                        self.collect(&inline.node.selection_set.node, keys, position, spreading);
                    }
                }
            }
        }
    }

    /// Whether `@skip(if:)` and `@include(if:)` keep a selection; a condition that
    /// is not a boolean (the operation will not validate) keeps it.
    fn included(&self, directives: &[Positioned<Directive>]) -> bool {
        directives.iter().all(|directive| {
            let condition = directive
                .node
                .get_argument("if")
                .and_then(|value| self.boolean(&value.node));
            !matches!(
                (directive.node.name.node.as_str(), condition),
                ("skip", Some(true)) | ("include", Some(false))
            )
        })
    }

    /// A literal boolean, or a variable's: as sent, or its default.
    fn boolean(&self, value: &Literal) -> Option<bool> {
        match value {
            Literal::Boolean(b) => Some(*b),
            Literal::Variable(name) => {
                let given = self.variables.get(name).or_else(|| {
                    self.operation
                        .variable_definitions
                        .iter()
                        .find(|def| def.node.name.node == *name)
                        .and_then(|def| def.node.default_value.as_ref())
                        .map(|default| &default.node)
                });
                match given? {
                    Value::Boolean(b) => Some(*b),
                    _ => None,
                }
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use async_graphql::parser::parse_query;
    use async_graphql::{Value, Variables};

    use super::Plan;

    /// `data` as async-graphql may write it, put in the order `query` asks for.
    fn ordered(query: &str, variables: serde_json::Value, data: serde_json::Value) -> String {
        let doc = parse_query(query).expect("parses");
        let variables = Variables::from_json(variables);
        let operation = crate::executor::selected_operation(&doc, None).expect("one operation");
        let plan = Plan::of(&doc, operation, &variables);
        let mut data = Value::from_json(data).expect("a value");
        plan.apply(&mut data);
        data.into_json().expect("JSON").to_string()
    }

    #[test]
    fn fragments_expand_in_place_and_skipped_fields_do_not_count() {
        let query = r#"query($s: Boolean = true) {
            b { y ...F x @skip(if: $s) }
            a: c { z }
        }
        fragment F on T { x w y }"#;
        let data = serde_json::json!({
            "a": { "z": 1 },
            "b": [{ "w": 1, "x": 2, "y": 3 }, { "x": 4, "y": 5, "w": 6 }],
        });
        // `x` is skipped where it is written last, so the fragment places it.
        assert_eq!(
            ordered(query, serde_json::json!({}), data.clone()),
            r#"{"b":[{"y":3,"x":2,"w":1},{"y":5,"x":4,"w":6}],"a":{"z":1}}"#
        );
        assert_eq!(
            ordered(query, serde_json::json!({ "s": false }), data),
            r#"{"b":[{"y":3,"x":2,"w":1},{"y":5,"x":4,"w":6}],"a":{"z":1}}"#
        );
    }

    #[test]
    fn fields_with_one_key_merge_their_selections() {
        let query = "{ p { q { b } } p { q { a b } r } }";
        let data = serde_json::json!({ "p": { "r": 0, "q": { "a": 1, "b": 2 } } });
        assert_eq!(
            ordered(query, serde_json::json!({}), data),
            r#"{"p":{"q":{"b":2,"a":1},"r":0}}"#
        );
    }

    #[test]
    fn a_fragment_cycle_ends() {
        let query = "{ a { ...F } } fragment F on T { x ...F }";
        let data = serde_json::json!({ "a": { "x": 1 } });
        assert_eq!(
            ordered(query, serde_json::json!({}), data),
            r#"{"a":{"x":1}}"#
        );
    }
}
