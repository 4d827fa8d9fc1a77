//! Codes for the errors async-graphql itself raises, so that every error a client
//! sees has a stable `extensions.code` (Apollo's names): a document that does not
//! parse is `GRAPHQL_PARSE_FAILED`, one that does not fit the schema is
//! `GRAPHQL_VALIDATION_FAILED`, and a value that does not fit its type (an unknown
//! enum value, a malformed date, a string where an Int goes) is `BAD_USER_INPUT`
//! naming the argument. Errors of our own already carry their code.

use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextValidation,
};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{Response, ServerError, ServerResult, ValidationResult, Variables};

use crate::error::Code;

pub struct ErrorCodes;

impl ExtensionFactory for ErrorCodes {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ErrorCodes)
    }
}

#[async_trait::async_trait]
impl Extension for ErrorCodes {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        next.run(ctx, query, variables)
            .await
            .map_err(|err| coded(err, Code::GraphqlParseFailed))
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        next.run(ctx).await.map_err(|errors| {
            errors
                .into_iter()
                .map(|err| {
                    if is_bad_value(&err.message) {
                        coded(err, Code::BadUserInput)
                    } else {
                        coded(err, Code::GraphqlValidationFailed)
                    }
                })
                .collect()
        })
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let mut response = next.run(ctx, operation_name).await;
        // Our resolvers' errors all have a code; what has none is a variable's value
        // that async-graphql could not turn into the argument's type.
        response.errors = std::mem::take(&mut response.errors)
            .into_iter()
            .map(|err| coded(err, Code::BadUserInput))
            .collect();
        response
    }
}

fn is_bad_value(message: &str) -> bool {
    message.starts_with("Invalid value for argument") || message.starts_with("Failed to parse")
}

/// Sets `code` unless the error has one, and the argument a value message names.
fn coded(mut err: ServerError, code: Code) -> ServerError {
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
    err
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
