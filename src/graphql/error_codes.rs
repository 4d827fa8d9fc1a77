//! Codes for the errors async-graphql itself raises, so that every error a client
//! sees has a stable `extensions.code` (Apollo's names): a document that does not
//! parse is `GRAPHQL_PARSE_FAILED`, one that does not fit the schema is
//! `GRAPHQL_VALIDATION_FAILED`, and a value that does not fit its type (an unknown
//! enum value, a malformed date, a string where an Int goes) is `BAD_USER_INPUT`
//! naming the argument. Errors of our own already carry their code.

use async_graphql::{Response, ServerError};

use crate::error::Code;

/// Codes every error of an answer that has none.
///
/// Done on the answer rather than as an async-graphql extension: any extension
/// makes async-graphql box two more futures, look the field up in the registry and
/// format generic type names for every field it resolves.
/// Parse errors are coded where the executor parses. What async-graphql raises
/// before running has no path (validation, limits, an unknown operation); what it
/// raises while running, at a field, is a variable's value that could not be turned
/// into the argument's type, since our resolvers' errors all have a code.
pub fn code_errors(response: &mut Response) {
    for err in &mut response.errors {
        let code = if is_bad_value(&err.message) || !err.path.is_empty() {
            Code::BadUserInput
        } else {
            Code::GraphqlValidationFailed
        };
        coded(err, code);
    }
}

fn is_bad_value(message: &str) -> bool {
    message.starts_with("Invalid value for argument") || message.starts_with("Failed to parse")
}

/// Sets `code` unless the error has one, and the argument a value message names.
fn coded(err: &mut ServerError, code: Code) {
    let argument = quoted_argument(&err.message);
    let extensions = err.extensions.get_or_insert_with(Default::default);
    if extensions.get("code").is_none() {
        extensions.set("code", code);
        if code == Code::BadUserInput
            && let Some(argument) = argument
        {
            extensions.set("argument", argument);
        }
    }
}

/// The argument a value message is about: `Invalid value for argument "first", ...`
/// names it; `Failed to parse "DateTime" ... (occurred while parsing "PostFilter")`
/// names the input type, and every argument of an input type is named by it
/// (`...Filter` is `filter`, `...Order` is `orderBy`, `...Input` is `input`).
fn quoted_argument(message: &str) -> Option<String> {
    if let Some(rest) = message.strip_prefix("Invalid value for argument \"") {
        let name = &rest[..rest.find('"')?];
        // `"orderBy.0.field"` names the argument and the path into it.
        return Some(name.split('.').next().unwrap_or(name).to_owned());
    }
    const OUTER: &str = "occurred while parsing \"";
    let rest = &message[message.rfind(OUTER)? + OUTER.len()..];
    let type_name = &rest[..rest.find('"')?];
    [
        ("Filter", "filter"),
        ("Order", "orderBy"),
        ("Input", "input"),
    ]
    .iter()
    .find(|(suffix, _)| type_name.ends_with(suffix))
    .map(|(_, argument)| (*argument).to_owned())
}

#[cfg(test)]
mod tests {
    use async_graphql::{EmptyMutation, EmptySubscription, Enum, InputObject, Object, Schema};

    use super::{is_bad_value, quoted_argument};

    #[derive(Enum, Clone, Copy, PartialEq, Eq)]
    enum Kind {
        Only,
    }

    #[derive(InputObject)]
    struct RangeInput {
        after: chrono::DateTime<chrono::Utc>,
    }

    struct Root;

    #[Object]
    impl Root {
        async fn field(
            &self,
            n: Option<i32>,
            kind: Option<Kind>,
            range: Option<RangeInput>,
        ) -> i32 {
            let _ = (kind, range.map(|r| r.after));
            n.unwrap_or(0)
        }
    }

    /// The value messages are recognised by their text, as async-graphql 7 writes
    /// them: should an upgrade reword one, this fails rather than a client getting
    /// `GRAPHQL_VALIDATION_FAILED` or no code for a bad value.
    #[tokio::test]
    async fn async_graphql_value_messages_are_recognised() {
        let schema = Schema::new(Root, EmptyMutation, EmptySubscription);
        let cases = [
            // A literal of the wrong type, an unknown enum value, a malformed scalar.
            ("{ field(n: \"x\") }", serde_json::json!({}), "n"),
            ("{ field(kind: OTHER) }", serde_json::json!({}), "kind"),
            // `...Input` names the argument `input`, as every input type of the schema is.
            (
                "{ field(range: { after: \"soon\" }) }",
                serde_json::json!({}),
                "input",
            ),
            // The same through variables.
            (
                "query($n: Int) { field(n: $n) }",
                serde_json::json!({ "n": "x" }),
                "n",
            ),
            (
                "query($k: Kind) { field(kind: $k) }",
                serde_json::json!({ "k": "OTHER" }),
                "kind",
            ),
            (
                "query($r: RangeInput) { field(range: $r) }",
                serde_json::json!({ "r": { "after": "soon" } }),
                "input",
            ),
        ];
        for (query, variables, argument) in cases {
            let request = async_graphql::Request::new(query)
                .variables(async_graphql::Variables::from_json(variables));
            let response = schema.execute(request).await;
            let message = &response.errors.first().expect("an error").message;
            assert!(is_bad_value(message), "{query}: {message}");
            assert_eq!(
                quoted_argument(message).as_deref(),
                Some(argument),
                "{query}: {message}"
            );
        }
    }

    #[test]
    fn value_messages_name_their_argument() {
        let named = |m: &str| quoted_argument(m);
        assert_eq!(
            named("Invalid value for argument \"orderBy.0.field\", enumeration").as_deref(),
            Some("orderBy")
        );
        assert_eq!(
            named("Failed to parse \"DateTime\": bad (occurred while parsing \"DateTimeFilter\") (occurred while parsing \"PostFilter\")").as_deref(),
            Some("filter")
        );
        assert_eq!(
            named("Failed to parse \"NaiveDate\": x (occurred while parsing \"RegisterInput\")")
                .as_deref(),
            Some("input")
        );
        assert_eq!(named("Unknown field").as_deref(), None);
    }
}
