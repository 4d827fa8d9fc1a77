//! Limits on the shape of a document, checked before async-graphql validates or runs
//! it: tokens (counted before parsing), aliases, root fields, directives per field,
//! and the size of the document once its fragments are expanded. Each is computed in
//! one pass over the document as written (fragments measured once each), so a small
//! document whose fragments spread each other tenfold is refused in microseconds
//! instead of being expanded by validation. Depth and complexity are async-graphql's.

use std::collections::HashMap;

use async_graphql::ServerError;
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, Selection, SelectionSet,
};

/// The code every refusal here carries, as for any document that does not validate.
const CODE: &str = "GRAPHQL_VALIDATION_FAILED";

/// The most of each thing one document may hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DocumentLimits {
    /// Lexical tokens (names, punctuators, values), counted before parsing.
    pub max_tokens: usize,
    /// Fields with an alias, `__typename` included, anywhere in the document.
    pub max_aliases: usize,
    /// Fields selected at the root of any one operation, fragments included.
    pub max_root_fields: usize,
    /// Directives on any one field, fragment spread or inline fragment.
    pub max_directives: usize,
    /// Fields of the document with every fragment spread replaced by its fields.
    pub max_fields: u64,
}

impl Default for DocumentLimits {
    fn default() -> Self {
        // GraphiQL's introspection query has about 300 tokens and 150 expanded
        // fields; Q1 of the reference workload 40 tokens.
        DocumentLimits {
            max_tokens: 5_000,
            max_aliases: 50,
            max_root_fields: 20,
            max_directives: 5,
            max_fields: 5_000,
        }
    }
}

fn refuse(limit: &str, message: String) -> ServerError {
    let mut err = ServerError::new(message, None);
    let mut ext = async_graphql::ErrorExtensionValues::default();
    ext.set("code", CODE);
    ext.set("limit", limit);
    err.extensions = Some(ext);
    err
}

impl DocumentLimits {
    /// Refuses a document with too many tokens, before it is parsed.
    pub fn check_source(&self, source: &str) -> Result<(), ServerError> {
        if count_tokens(source, self.max_tokens + 1) > self.max_tokens {
            return Err(refuse(
                "tokens",
                format!("the document has more than {} tokens", self.max_tokens),
            ));
        }
        Ok(())
    }

    /// Refuses a parsed document that breaks any other limit.
    pub fn check(&self, doc: &ExecutableDocument) -> Result<(), ServerError> {
        let mut walk = Walk {
            doc,
            aliases: 0,
            max_directives: self.max_directives,
            too_many_directives: false,
            expanded: HashMap::new(),
            root_memo: HashMap::new(),
        };
        let operations: Vec<&SelectionSet> = match &doc.operations {
            DocumentOperations::Single(op) => vec![&op.node.selection_set.node],
            DocumentOperations::Multiple(ops) => {
                ops.values().map(|op| &op.node.selection_set.node).collect()
            }
        };
        let mut fields: u64 = 0;
        for set in &operations {
            fields = fields.saturating_add(walk.size(set));
            let roots = walk.roots(set);
            if roots > self.max_root_fields as u64 {
                return Err(refuse(
                    "rootFields",
                    format!(
                        "an operation selects more than {} root fields",
                        self.max_root_fields
                    ),
                ));
            }
        }
        // Fragments no operation spreads are still validated: walk them too.
        for fragment in doc.fragments.values() {
            walk.size(&fragment.node.selection_set.node);
        }
        if walk.too_many_directives {
            return Err(refuse(
                "directives",
                format!(
                    "a field carries more than {} directives",
                    self.max_directives
                ),
            ));
        }
        if walk.aliases > self.max_aliases {
            return Err(refuse(
                "aliases",
                format!("the document has more than {} aliases", self.max_aliases),
            ));
        }
        if fields > self.max_fields {
            return Err(refuse(
                "fields",
                format!(
                    "the document selects more than {} fields once its fragments are expanded",
                    self.max_fields
                ),
            ));
        }
        Ok(())
    }
}

/// One pass over a document: each fragment is measured once and remembered.
struct Walk<'a> {
    doc: &'a ExecutableDocument,
    aliases: usize,
    max_directives: usize,
    too_many_directives: bool,
    /// Expanded size per fragment; `None` while it is being measured (a cycle,
    /// which validation refuses, counts nothing more here).
    expanded: HashMap<&'a str, Option<u64>>,
    root_memo: HashMap<&'a str, Option<u64>>,
}

impl<'a> Walk<'a> {
    /// Fields in `set` with every fragment expanded; counts aliases and directives
    /// of the selections as written.
    fn size(&mut self, set: &'a SelectionSet) -> u64 {
        let mut total: u64 = 0;
        for item in &set.items {
            match &item.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    self.directives(field.directives.len());
                    if field.alias.is_some() {
                        self.aliases += 1;
                    }
                    total = total
                        .saturating_add(1)
                        .saturating_add(self.size(&field.selection_set.node));
                }
                Selection::FragmentSpread(spread) => {
                    self.directives(spread.node.directives.len());
                    let name = spread.node.fragment_name.node.as_str();
                    total = total.saturating_add(self.fragment(name));
                }
                Selection::InlineFragment(inline) => {
                    self.directives(inline.node.directives.len());
                    total = total.saturating_add(self.size(&inline.node.selection_set.node));
                }
            }
        }
        total
    }

    fn fragment(&mut self, name: &'a str) -> u64 {
        match self.expanded.get(name) {
            Some(Some(n)) => return *n,
            Some(None) => return 0,
            None => {}
        }
        let Some((key, fragment)) = self.doc.fragments.get_key_value(name) else {
            return 0;
        };
        let key = key.as_str();
        self.expanded.insert(key, None);
        let n = self.size(&fragment.node.selection_set.node);
        self.expanded.insert(key, Some(n));
        n
    }

    /// Fields at the top level of `set`, through fragments at that level.
    fn roots(&mut self, set: &'a SelectionSet) -> u64 {
        let mut total: u64 = 0;
        for item in &set.items {
            total = total.saturating_add(match &item.node {
                Selection::Field(_) => 1,
                Selection::InlineFragment(inline) => self.roots(&inline.node.selection_set.node),
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    match self.root_memo.get(name) {
                        Some(n) => n.unwrap_or(0),
                        None => match self.doc.fragments.get_key_value(name) {
                            Some((key, fragment)) => {
                                self.root_memo.insert(key.as_str(), None);
                                let n = self.roots(&fragment.node.selection_set.node);
                                self.root_memo.insert(key.as_str(), Some(n));
                                n
                            }
                            None => 0,
                        },
                    }
                }
            });
        }
        total
    }

    fn directives(&mut self, n: usize) {
        if n > self.max_directives {
            self.too_many_directives = true;
        }
    }
}

/// Counts GraphQL tokens in `source`, stopping once `stop_at` is reached. Ignored
/// tokens (white space, commas, comments) are not counted; anything the lexer does
/// not know counts as one token and is left for the parser to refuse.
pub fn count_tokens(source: &str, stop_at: usize) -> usize {
    let bytes = source.as_bytes();
    let (mut i, mut n) = (0, 0);
    while i < bytes.len() && n < stop_at {
        let c = bytes[i];
        match c {
            b' ' | b'\t' | b'\n' | b'\r' | b',' => {
                i += 1;
                continue;
            }
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' && bytes[i] != b'\r' {
                    i += 1;
                }
                continue;
            }
            b'"' if bytes[i..].starts_with(b"\"\"\"") => {
                i += 3;
                while i < bytes.len() && !bytes[i..].starts_with(b"\"\"\"") {
                    i += if bytes[i..].starts_with(b"\\\"\"\"") {
                        4
                    } else {
                        1
                    };
                }
                i += 3;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            b'.' if bytes[i..].starts_with(b"...") => i += 3,
            c if c == b'_' || c.is_ascii_alphanumeric() || c == b'-' => {
                i += 1;
                while i < bytes.len()
                    && (bytes[i] == b'_'
                        || bytes[i].is_ascii_alphanumeric()
                        || (bytes[i] == b'.' && c != b'_' && !c.is_ascii_alphabetic())
                        || ((bytes[i] == b'+' || bytes[i] == b'-')
                            && matches!(bytes[i - 1], b'e' | b'E')
                            && !c.is_ascii_alphabetic()
                            && c != b'_'))
                {
                    i += 1;
                }
            }
            _ => {
                // One punctuator, or one character the parser will refuse
                // (multi-byte characters are skipped whole).
                i += source[i..].chars().next().map_or(1, char::len_utf8);
            }
        }
        n += 1;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_counted_as_the_grammar_reads_them() {
        assert_eq!(count_tokens("{ a }", 100), 3);
        assert_eq!(
            count_tokens("query Q($x: Int = -1.5e+3) { a(x: $x) }", 100),
            19
        );
        assert_eq!(
            count_tokens("{ a(s: \"x, y \\\" z\") # a comment, ignored\n }", 100),
            8
        );
        assert_eq!(count_tokens("{ ...F } fragment F on T { a }", 100), 11);
        assert_eq!(
            count_tokens("{ a(s: \"\"\"block \"quoted\" text\"\"\") }", 100),
            8
        );
        assert_eq!(count_tokens("{ a b c d }", 3), 3);
    }

    fn check(source: &str) -> Result<(), String> {
        let doc = async_graphql::parser::parse_query(source).expect("parses");
        DocumentLimits {
            max_tokens: 1000,
            max_aliases: 3,
            max_root_fields: 3,
            max_directives: 2,
            max_fields: 100,
        }
        .check(&doc)
        .map_err(|e| e.message)
    }

    #[test]
    fn each_limit_refuses_only_beyond_itself() {
        assert!(check("{ a: x b: y c: __typename }").is_ok());
        assert!(check("{ r { a: x b: y c: z d: __typename } }").is_err());
        assert!(check("{ a b ...F } fragment F on Query { c }").is_ok());
        assert!(check("{ a b ...F } fragment F on Query { c d }").is_err());
        assert!(check("{ a @skip(if: true) @include(if: true) }").is_ok());
        assert!(check("{ a @skip(if: true) @include(if: true) @x }").is_err());
    }

    #[test]
    fn fragment_bombs_are_measured_not_expanded() {
        // Each fragment spreads the one before it ten times: 10^9 fields once
        // expanded, measured here in one pass over ten fragments.
        let mut source = String::from("{ r { ...F9 } } fragment F0 on T { a }");
        for i in 1..10 {
            let spreads = format!(" ...F{}", i - 1).repeat(10);
            source.push_str(&format!(" fragment F{i} on T {{ {spreads} }}"));
        }
        let err = check(&source).expect_err("too large");
        assert!(err.contains("once its fragments are expanded"), "{err}");
        // A cycle is left for validation to refuse, and does not loop here.
        assert!(check("{ r { ...A } } fragment A on T { ...B } fragment B on T { ...A }").is_ok());
    }
}
