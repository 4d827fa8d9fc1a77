//! Limits on the shape of a document, checked before async-graphql validates or runs
//! it: tokens (counted before parsing), aliases, root fields, directives per field,
//! and the size of the document once its fragments are expanded. Each is computed in
//! one pass over the document as written (fragments measured once each), so a small
//! document whose fragments spread each other tenfold is refused in microseconds
//! instead of being expanded by validation. Depth and complexity are async-graphql's.
//!
//! Nesting is bounded here too, lexically, before the parser (which recurses once
//! per bracket) sees the document: brackets of every kind, and lists and objects
//! inside an argument value. Variables are bounded by the same value depth before
//! they are coerced, and fragment spreads count as a level, so no recursion in
//! parsing, validation, filter compilation or SQL building goes deeper than these.

use std::collections::HashMap;

use async_graphql::ServerError;
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, Selection, SelectionSet,
};

use crate::error::Code;

/// The code every refusal here carries, as for any document that does not validate.
const CODE: Code = Code::GraphqlValidationFailed;

/// The most of each thing one document may hold.
#[derive(clap::Args, Clone, Copy, Debug, PartialEq, Eq)]
#[command(next_help_heading = "Document limits")]
pub struct DocumentLimits {
    /// The most lexical tokens (names, punctuators, values) a document may have,
    /// counted before parsing.
    #[arg(long, env = "BLOGQL_MAX_TOKENS", default_value_t = DocumentLimits::default().max_tokens)]
    pub max_tokens: usize,
    /// The most aliased fields (`__typename` included) a document may have.
    #[arg(long, env = "BLOGQL_MAX_ALIASES", default_value_t = DocumentLimits::default().max_aliases)]
    pub max_aliases: usize,
    /// The most fields one operation may select at its root, fragments included.
    #[arg(long, env = "BLOGQL_MAX_ROOT_FIELDS",
          default_value_t = DocumentLimits::default().max_root_fields)]
    pub max_root_fields: usize,
    /// The most directives on one field, fragment spread or inline fragment.
    #[arg(long, env = "BLOGQL_MAX_DIRECTIVES",
          default_value_t = DocumentLimits::default().max_directives)]
    pub max_directives: usize,
    /// The most fields a document may select once its fragments are expanded.
    #[arg(long, env = "BLOGQL_MAX_FIELDS", default_value_t = DocumentLimits::default().max_fields)]
    pub max_fields: u64,
    /// The deepest brackets may nest in a document (selection sets, lists, objects,
    /// argument lists; a fragment spread counts as a level, so chains of fragments
    /// are bounded too). At most 128.
    #[arg(long, env = "BLOGQL_MAX_NESTING", default_value_t = DocumentLimits::default().max_nesting)]
    pub max_nesting: usize,
    /// The deepest lists and objects may nest in one argument value, default value
    /// or variable. At most 64.
    #[arg(long, env = "BLOGQL_MAX_VALUE_DEPTH",
          default_value_t = DocumentLimits::default().max_value_depth)]
    pub max_value_depth: usize,
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
            // A filter at its deepest (8 relation hops, `and`/`or` between them)
            // nests about 20 values; a selection 15 fields deep, 16 braces.
            max_nesting: 64,
            max_value_depth: 32,
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
    /// Refuses a document with too many tokens or brackets nested too deep, before
    /// it is parsed.
    pub fn check_source(&self, source: &str) -> Result<(), ServerError> {
        // Per open bracket: whether it is `(`, and the value depth inside it.
        let mut open: Vec<(bool, usize)> = Vec::new();
        let mut n = 0;
        for first in Tokens::new(source) {
            n += 1;
            if n > self.max_tokens {
                return Err(refuse(
                    "tokens",
                    format!("the document has more than {} tokens", self.max_tokens),
                ));
            }
            match first {
                b'(' => open.push((true, 0)),
                b'[' | b'{' => {
                    // Inside parentheses every list or object is a value (a
                    // selection set cannot stand there); outside, braces are
                    // selection sets and count towards nesting alone.
                    let depth = match open.last() {
                        Some((true, _)) => 1,
                        Some((false, d)) if *d > 0 => d + 1,
                        _ if first == b'[' => 1,
                        _ => 0,
                    };
                    if depth > self.max_value_depth {
                        return Err(self.too_deep());
                    }
                    open.push((false, depth));
                }
                b')' | b']' | b'}' => {
                    open.pop();
                }
                _ => {}
            }
            if open.len() > self.max_nesting {
                return Err(refuse(
                    "nesting",
                    format!(
                        "the document nests brackets more than {} deep",
                        self.max_nesting
                    ),
                ));
            }
        }
        Ok(())
    }

    fn too_deep(&self) -> ServerError {
        refuse(
            "valueDepth",
            format!(
                "a value nests lists and objects more than {} deep",
                self.max_value_depth
            ),
        )
    }

    /// Refuses variables that nest lists and objects deeper than values may, before
    /// they are coerced (which recurses once per level), or that hold a NUL
    /// character (see [`check_strings`]). The error names the variable.
    pub fn check_variables(&self, variables: &async_graphql::Variables) -> Result<(), ServerError> {
        for (name, value) in variables.iter() {
            if value_depth(value, self.max_value_depth) > self.max_value_depth {
                let mut err = self.too_deep();
                err.message = format!("variable `${name}`: {}", err.message);
                if let Some(ext) = err.extensions.as_mut() {
                    ext.set("code", Code::BadUserInput);
                    ext.set("argument", name.as_str());
                }
                return Err(err);
            }
            if holds_nul(value) {
                return Err(nul_refused(name.as_str()));
            }
        }
        Ok(())
    }

    /// Refuses a parsed document that breaks any other limit.
    pub fn check(&self, doc: &ExecutableDocument) -> Result<(), ServerError> {
        // Fragment chains first: every walk below (and validation after it)
        // follows spreads, and a chain of spreads nests without a bracket.
        let mut depths = Depths {
            doc,
            max: self.max_nesting,
            memo: HashMap::new(),
        };
        let operation_sets = match &doc.operations {
            DocumentOperations::Single(op) => vec![&op.node.selection_set.node],
            DocumentOperations::Multiple(ops) => {
                ops.values().map(|op| &op.node.selection_set.node).collect()
            }
        };
        let sets = operation_sets
            .into_iter()
            .chain(doc.fragments.values().map(|f| &f.node.selection_set.node));
        for set in sets {
            if depths.set(set, 1).is_none() {
                return Err(refuse(
                    "nesting",
                    format!(
                        "the document nests selections and fragment spreads more than {} deep",
                        self.max_nesting
                    ),
                ));
            }
        }
        let mut walk = Walk {
            doc,
            aliases: 0,
            max_directives: self.max_directives,
            too_many_directives: false,
            expanded: HashMap::new(),
            root_memo: HashMap::new(),
            unknown_argument: None,
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
        if let Some(message) = walk.unknown_argument {
            let mut err = ServerError::new(message, None);
            let mut ext = async_graphql::ErrorExtensionValues::default();
            ext.set("code", CODE);
            err.extensions = Some(ext);
            return Err(err);
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

/// The deepest nesting of selections, with each fragment spread one level more
/// than the selections it stands for; the walk gives up past `max`, so it never
/// recurses deeper than that.
struct Depths<'a> {
    doc: &'a ExecutableDocument,
    max: usize,
    /// Depth below each fragment, measured once; `None` while being measured (a
    /// cycle, which validation refuses).
    memo: HashMap<&'a str, Option<usize>>,
}

impl<'a> Depths<'a> {
    /// The depth `set` reaches when it stands at `at`, or `None` past the maximum.
    fn set(&mut self, set: &'a SelectionSet, at: usize) -> Option<usize> {
        if at > self.max {
            return None;
        }
        let mut deepest = at;
        for item in &set.items {
            let depth = match &item.node {
                Selection::Field(field) => {
                    let inner = &field.node.selection_set.node;
                    if inner.items.is_empty() {
                        at
                    } else {
                        self.set(inner, at + 1)?
                    }
                }
                Selection::InlineFragment(inline) => {
                    self.set(&inline.node.selection_set.node, at + 1)?
                }
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    let below = match self.memo.get(name) {
                        Some(Some(below)) => *below,
                        Some(None) => 0,
                        None => match self.doc.fragments.get_key_value(name) {
                            Some((key, fragment)) => {
                                self.memo.insert(key.as_str(), None);
                                let reached = self.set(&fragment.node.selection_set.node, 1)?;
                                self.memo.insert(key.as_str(), Some(reached));
                                reached
                            }
                            None => 0,
                        },
                    };
                    at + below
                }
            };
            if depth > self.max {
                return None;
            }
            deepest = deepest.max(depth);
        }
        Some(deepest)
    }
}

/// How deep `value` nests lists and objects, counted up to `stop_past + 1` without
/// recursion (the value may be as deep as serde's limit allows).
fn value_depth(value: &async_graphql::Value, stop_past: usize) -> usize {
    use async_graphql::Value;
    let mut deepest = 0;
    let mut stack: Vec<(&Value, usize)> = vec![(value, 0)];
    while let Some((value, depth)) = stack.pop() {
        let children: Box<dyn Iterator<Item = &Value>> = match value {
            Value::List(items) => Box::new(items.iter()),
            Value::Object(fields) => Box::new(fields.values()),
            _ => continue,
        };
        let depth = depth + 1;
        deepest = deepest.max(depth);
        if deepest > stop_past {
            return deepest;
        }
        stack.extend(children.map(|child| (child, depth)));
    }
    deepest
}

/// Refuses a page size over `max` (or below 0) before the document is validated:
/// validation would otherwise refuse it as too complex (a page is costed at its
/// size), which names neither the argument nor the limit. Every `first` and `last`
/// in this schema is a page size; a literal or a variable, both are read here.
pub fn check_page_sizes(
    doc: &ExecutableDocument,
    variables: &async_graphql::Variables,
    max: u64,
) -> Result<(), ServerError> {
    let operations: Vec<_> = match &doc.operations {
        DocumentOperations::Single(op) => vec![&op.node],
        DocumentOperations::Multiple(ops) => ops.values().map(|op| &op.node).collect(),
    };
    // A variable not sent takes its default.
    let defaults: HashMap<&str, &async_graphql::Value> = operations
        .iter()
        .flat_map(|op| &op.variable_definitions)
        .filter_map(|var| {
            let default = var.node.default_value.as_ref()?;
            Some((var.node.name.node.as_str(), &default.node))
        })
        .collect();
    let given = Given {
        variables,
        defaults: &defaults,
    };
    let sets = operations
        .into_iter()
        .map(|op| &op.selection_set.node)
        .chain(doc.fragments.values().map(|f| &f.node.selection_set.node));
    for set in sets {
        page_sizes(set, &given, max)?;
    }
    Ok(())
}

/// The value of each variable: as sent, else its default.
struct Given<'a> {
    variables: &'a async_graphql::Variables,
    defaults: &'a HashMap<&'a str, &'a async_graphql::Value>,
}

impl Given<'_> {
    fn get(&self, name: &str) -> Option<&async_graphql::Value> {
        self.variables
            .get(name)
            .or_else(|| self.defaults.get(name).copied())
    }
}

fn page_sizes(set: &SelectionSet, given: &Given<'_>, max: u64) -> Result<(), ServerError> {
    use async_graphql_value::Value as Literal;
    for item in &set.items {
        let inner = match &item.node {
            Selection::Field(field) => {
                for (name, value) in &field.node.arguments {
                    let name = name.node.as_str();
                    if name != "first" && name != "last" {
                        continue;
                    }
                    let number = match &value.node {
                        Literal::Number(n) => Some(n.clone()),
                        Literal::Variable(var) => match given.get(var.as_str()) {
                            Some(async_graphql::Value::Number(n)) => Some(n.clone()),
                            _ => None,
                        },
                        _ => None,
                    };
                    // Not an integer at all: validation says so in its own words.
                    let Some(n) = number.and_then(|n| n.as_i64()) else {
                        continue;
                    };
                    if u64::try_from(n).map_or(true, |n| n > max) {
                        let mut err = ServerError::new(
                            format!("`{name}` must be between 0 and {max} (got {n})"),
                            Some(value.pos),
                        );
                        let mut ext = async_graphql::ErrorExtensionValues::default();
                        ext.set("code", Code::BadUserInput);
                        ext.set("argument", name);
                        ext.set("max", i64::try_from(max).unwrap_or(i64::MAX));
                        err.extensions = Some(ext);
                        return Err(err);
                    }
                }
                &field.node.selection_set.node
            }
            Selection::InlineFragment(inline) => &inline.node.selection_set.node,
            Selection::FragmentSpread(_) => continue,
        };
        page_sizes(inner, given, max)?;
    }
    Ok(())
}

/// A value of the document or of the variables, as the string checks see it.
trait Tree {
    fn text(&self) -> Option<&str>;
    fn children(&self) -> Vec<&Self>;
}

impl Tree for async_graphql::Value {
    fn text(&self) -> Option<&str> {
        match self {
            async_graphql::Value::String(s) => Some(s),
            _ => None,
        }
    }

    fn children(&self) -> Vec<&Self> {
        match self {
            async_graphql::Value::List(items) => items.iter().collect(),
            async_graphql::Value::Object(fields) => fields.values().collect(),
            _ => Vec::new(),
        }
    }
}

impl Tree for async_graphql_value::Value {
    fn text(&self) -> Option<&str> {
        match self {
            async_graphql_value::Value::String(s) => Some(s),
            _ => None,
        }
    }

    fn children(&self) -> Vec<&Self> {
        match self {
            async_graphql_value::Value::List(items) => items.iter().collect(),
            async_graphql_value::Value::Object(fields) => fields.values().collect(),
            _ => Vec::new(),
        }
    }
}

/// Whether any string in `value` holds a NUL, looked for without recursion.
fn holds_nul<T: Tree>(value: &T) -> bool {
    let mut stack = vec![value];
    while let Some(value) = stack.pop() {
        if value.text().is_some_and(|s| s.contains('\0')) {
            return true;
        }
        stack.extend(value.children());
    }
    false
}

fn nul_refused(argument: &str) -> ServerError {
    let mut err = ServerError::new(
        format!("`{argument}` holds a NUL character (U+0000), which no text may hold"),
        None,
    );
    let mut ext = async_graphql::ErrorExtensionValues::default();
    ext.set("code", Code::BadUserInput);
    ext.set("argument", argument);
    err.extensions = Some(ext);
    err
}

/// Refuses a NUL character in any string a request gives: literals of the document
/// (arguments of fields and directives, default values) and variables. No backend
/// stores it alike (PostgreSQL refuses it, SQLite ends C strings at it), so it is
/// refused the same way everywhere, naming the argument or variable.
/// Variables are checked by [`DocumentLimits::check_variables`].
pub fn check_strings(doc: &ExecutableDocument) -> Result<(), ServerError> {
    let operations: Vec<_> = match &doc.operations {
        DocumentOperations::Single(op) => vec![&op.node],
        DocumentOperations::Multiple(ops) => ops.values().map(|op| &op.node).collect(),
    };
    for op in &operations {
        for var in &op.variable_definitions {
            let var = &var.node;
            if var
                .default_value
                .as_ref()
                .is_some_and(|d| holds_nul(&d.node))
            {
                return Err(nul_refused(var.name.node.as_str()));
            }
        }
    }
    let sets = operations
        .iter()
        .map(|op| &op.selection_set.node)
        .chain(doc.fragments.values().map(|f| &f.node.selection_set.node));
    for set in sets {
        literal_strings(set)?;
    }
    Ok(())
}

type Arguments = [(
    async_graphql::Positioned<async_graphql::Name>,
    async_graphql::Positioned<async_graphql_value::Value>,
)];

fn arguments_hold_nul(arguments: &Arguments) -> Result<(), ServerError> {
    match arguments.iter().find(|(_, value)| holds_nul(&value.node)) {
        Some((name, _)) => Err(nul_refused(name.node.as_str())),
        None => Ok(()),
    }
}

fn directives_hold_nul(
    directives: &[async_graphql::Positioned<async_graphql::parser::types::Directive>],
) -> Result<(), ServerError> {
    directives
        .iter()
        .try_for_each(|d| arguments_hold_nul(&d.node.arguments))
}

/// The literal arguments under `set` (its nesting is bounded by then).
fn literal_strings(set: &SelectionSet) -> Result<(), ServerError> {
    for item in &set.items {
        match &item.node {
            Selection::Field(field) => {
                arguments_hold_nul(&field.node.arguments)?;
                directives_hold_nul(&field.node.directives)?;
                literal_strings(&field.node.selection_set.node)?;
            }
            Selection::FragmentSpread(spread) => directives_hold_nul(&spread.node.directives)?,
            Selection::InlineFragment(inline) => {
                directives_hold_nul(&inline.node.directives)?;
                literal_strings(&inline.node.selection_set.node)?;
            }
        }
    }
    Ok(())
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
    /// An argument given to a meta field that takes no such argument.
    unknown_argument: Option<String>,
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
                    self.meta_arguments(field);
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

    /// The spec's "Argument Names" rule for the meta fields, which async-graphql
    /// 7 does not apply to them: `__typename` and `__schema` take no argument,
    /// `__type` only `name`.
    fn meta_arguments(&mut self, field: &'a async_graphql::parser::types::Field) {
        let allowed: &[&str] = match field.name.node.as_str() {
            "__typename" | "__schema" => &[],
            "__type" => &["name"],
            _ => return,
        };
        if self.unknown_argument.is_some() {
            return;
        }
        if let Some((name, _)) = field
            .arguments
            .iter()
            .find(|(name, _)| !allowed.contains(&name.node.as_str()))
        {
            self.unknown_argument = Some(format!(
                "Unknown argument \"{}\" on field \"{}\".",
                name.node, field.name.node
            ));
        }
    }

    fn directives(&mut self, n: usize) {
        if n > self.max_directives {
            self.too_many_directives = true;
        }
    }
}

/// Counts GraphQL tokens in `source`, stopping once `stop_at` is reached.
pub fn count_tokens(source: &str, stop_at: usize) -> usize {
    Tokens::new(source).take(stop_at).count()
}

/// The GraphQL tokens of a source, each as its first byte. Ignored tokens (white
/// space, commas, comments) are skipped; anything the lexer does not know is one
/// token, left for the parser to refuse.
struct Tokens<'a> {
    source: &'a str,
    i: usize,
}

impl<'a> Tokens<'a> {
    fn new(source: &'a str) -> Self {
        Tokens { source, i: 0 }
    }
}

impl Iterator for Tokens<'_> {
    type Item = u8;

    fn next(&mut self) -> Option<u8> {
        let bytes = self.source.as_bytes();
        let i = &mut self.i;
        loop {
            let c = *bytes.get(*i)?;
            match c {
                b' ' | b'\t' | b'\n' | b'\r' | b',' => {
                    *i += 1;
                    continue;
                }
                b'#' => {
                    while *i < bytes.len() && bytes[*i] != b'\n' && bytes[*i] != b'\r' {
                        *i += 1;
                    }
                    continue;
                }
                b'"' if bytes[*i..].starts_with(b"\"\"\"") => {
                    *i += 3;
                    while *i < bytes.len() && !bytes[*i..].starts_with(b"\"\"\"") {
                        *i += if bytes[*i..].starts_with(b"\\\"\"\"") {
                            4
                        } else {
                            1
                        };
                    }
                    *i += 3;
                }
                b'"' => {
                    *i += 1;
                    while *i < bytes.len() && bytes[*i] != b'"' && bytes[*i] != b'\n' {
                        *i += if bytes[*i] == b'\\' { 2 } else { 1 };
                    }
                    *i += 1;
                }
                b'.' if bytes[*i..].starts_with(b"...") => *i += 3,
                c if c == b'_' || c.is_ascii_alphanumeric() || c == b'-' => {
                    *i += 1;
                    while *i < bytes.len()
                        && (bytes[*i] == b'_'
                            || bytes[*i].is_ascii_alphanumeric()
                            || (bytes[*i] == b'.' && c != b'_' && !c.is_ascii_alphabetic())
                            || ((bytes[*i] == b'+' || bytes[*i] == b'-')
                                && matches!(bytes[*i - 1], b'e' | b'E')
                                && !c.is_ascii_alphabetic()
                                && c != b'_'))
                    {
                        *i += 1;
                    }
                }
                _ => {
                    // One punctuator, or one character the parser will refuse
                    // (multi-byte characters are skipped whole; past the end of a
                    // string cut short, nothing is left).
                    *i += self
                        .source
                        .get(*i..)
                        .and_then(|rest| rest.chars().next())
                        .map_or(1, char::len_utf8);
                }
            }
            return Some(c);
        }
    }
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
            max_nesting: 16,
            max_value_depth: 4,
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

    fn source(source: &str) -> Result<(), String> {
        DocumentLimits {
            max_nesting: 8,
            max_value_depth: 4,
            ..DocumentLimits::default()
        }
        .check_source(source)
        .map_err(|e| e.message)
    }

    #[test]
    fn nesting_is_bounded_before_parsing() {
        assert!(source("{ a(x: [[[[1]]]]) }").is_ok());
        let err = source("{ a(x: [[[[[1]]]]]) }").expect_err("value too deep");
        assert!(err.contains("more than 4 deep"), "{err}");
        assert!(source("{ a(x: {b: {c: {d: [1]}}}) }").is_ok());
        assert!(source("{ a(x: {b: {c: {d: {e: {f: 1}}}}}) }").is_err());
        // Defaults of variables are values too; selection sets are not.
        assert!(source("query($v: In = {a: {b: {c: {d: {e: 1}}}}}) { a }").is_err());
        assert!(source("{ a { b { c { d { e { f { g } } } } } } }").is_ok());
        assert!(source("{ a { b { c { d { e { f { g { h { i } } } } } } } } }").is_err());
        // Brackets inside strings and comments do not count.
        assert!(source("{ a(s: \"[[[[[[[[[[\") # {{{{{{{{{{\n }").is_ok());
        // Unbalanced input is left for the parser, which refuses it.
        assert!(source("]]]]]]]]]]]]}}}}}}").is_ok());
        assert!(source(&"[".repeat(100_000)).is_err());
    }

    #[test]
    fn fragment_chains_count_as_nesting() {
        let chain = |n: usize| {
            let mut doc = String::from("{ ...F0 }");
            for i in 0..n {
                doc.push_str(&format!(" fragment F{i} on Query {{ ...F{} }}", i + 1));
            }
            doc.push_str(&format!(" fragment F{n} on Query {{ a }}"));
            doc
        };
        assert!(check(&chain(10)).is_ok());
        let err = check(&chain(500)).expect_err("chain too deep");
        assert!(err.contains("more than 16 deep"), "{err}");
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
